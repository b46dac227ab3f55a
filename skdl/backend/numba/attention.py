"""The numba back-end of :mod:`skdl.backend.attention`: one sweep over each
row of scores for the maximum, one for the exponentials and their sum (in
float64), one to normalise; the backward pass in two sweeps per row."""

import math

import numpy as np

from ..attention import hidden_floor
from ._jit import jit


@jit
def _softmax_forward(scores, hidden, masked, floor):
    n, heads, queries, keys = scores.shape
    per_sample = hidden.shape[0] > 1
    for s in range(n):
        m = s if per_sample else 0
        for h in range(heads):
            for q in range(queries):
                row = scores[s, h, q]
                if masked:
                    hides = hidden[m, q]
                    for k in range(keys):
                        if hides[k]:
                            row[k] = floor
                top = row[0]
                for k in range(1, keys):
                    top = max(top, row[k])
                total = 0.0
                for k in range(keys):
                    value = math.exp(row[k] - top)
                    row[k] = value
                    total += value
                scale = 1.0 / total
                for k in range(keys):
                    row[k] *= scale


@jit
def _softmax_backward(d_weights, weights, hidden, masked):
    n, heads, queries, keys = d_weights.shape
    per_sample = hidden.shape[0] > 1
    for s in range(n):
        m = s if per_sample else 0
        for h in range(heads):
            for q in range(queries):
                d, a = d_weights[s, h, q], weights[s, h, q]
                inner = 0.0
                for k in range(keys):
                    inner += d[k] * a[k]
                for k in range(keys):
                    d[k] = a[k] * (d[k] - inner)
                if masked:
                    hides = hidden[m, q]
                    for k in range(keys):
                        if hides[k]:
                            d[k] = 0.0


_NONE = np.zeros((1, 1, 1), dtype=bool)


def softmax_forward(scores, hidden):
    _softmax_forward(scores, _NONE if hidden is None else hidden, hidden is not None,
                     hidden_floor(scores.dtype))


def softmax_backward(d_weights, weights, hidden):
    _softmax_backward(d_weights, weights, _NONE if hidden is None else hidden,
                      hidden is not None)
