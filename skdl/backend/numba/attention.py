"""The numba back-end of :mod:`skdl.backend.attention`: the softmax in
three passes (hide and shift each row by its maximum; NumPy's vectorised
exp; divide each row by its sum, taken in float64), the backward pass in
two sweeps per row."""

import numpy as np

from ..attention import hidden_floor
from ._jit import jit


@jit
def _shifted_scores(scores, hidden, masked, floor):
    """Hidden keys set to ``floor``, then each row less its maximum."""
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
                for k in range(keys):
                    row[k] -= top


@jit
def _normalised_rows(weights):
    """Each row divided by its sum, taken in float64."""
    n, heads, queries, keys = weights.shape
    for s in range(n):
        for h in range(heads):
            for q in range(queries):
                row = weights[s, h, q]
                total = 0.0
                for k in range(keys):
                    total += row[k]
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
    _shifted_scores(scores, _NONE if hidden is None else hidden, hidden is not None,
                    hidden_floor(scores.dtype))
    # NumPy's exp is vectorised; numba's calls libm's once per value
    np.exp(scores, out=scores)
    _normalised_rows(scores)


def softmax_backward(d_weights, weights, hidden):
    _softmax_backward(d_weights, weights, _NONE if hidden is None else hidden,
                      hidden is not None)
