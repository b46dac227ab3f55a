"""The NumPy back-end of :mod:`skdl.backend.attention`: whole-array passes."""

import numpy as np

from ..attention import hidden_floor


def softmax_forward(scores, hidden):
    if hidden is not None:
        np.copyto(scores, hidden_floor(scores.dtype), where=hidden[:, None])
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)


def softmax_backward(d_weights, weights, hidden):
    inner = np.sum(d_weights * weights, axis=-1, keepdims=True)
    d_weights -= inner
    d_weights *= weights
    if hidden is not None:
        np.copyto(d_weights, 0.0, where=hidden[:, None])
