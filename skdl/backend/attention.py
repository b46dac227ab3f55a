"""The routines of the attention layer: the softmax of each query's scores
over the keys, with the hidden keys set to a floor, and its backward pass,
each checked here (see :mod:`skdl.backend._checks`) and run by the active
back-end.

Scores are a C-contiguous ``(n, heads, queries, keys)`` array; which keys
each query may not see is a boolean ``(n or 1, queries, keys)`` array
(the same for every head), or None when it sees all.
"""

from functools import partial

import numpy as np

from ._checks import check_arrays
from ._selection import routine

__all__ = ["softmax_forward", "softmax_backward"]

_routine = partial(routine, "attention")


def hidden_floor(dtype):
    """The score a hidden key gets: finite, so that a query whose every key
    is hidden gets even weights rather than NaN, as Keras's attention
    kernel gives it; ``-0.7`` times the dtype's largest number, as JAX's.

    Parameters
    ----------
    dtype : numpy dtype

    Returns
    -------
    float
    """
    return -0.7 * float(np.finfo(dtype).max)


def _check_hidden(routine_name, scores, hidden):
    if hidden is None:
        return
    n, _, queries, keys = scores.shape
    if (not isinstance(hidden, np.ndarray) or hidden.dtype != np.bool_ or hidden.ndim != 3
            or hidden.shape[0] not in (1, n) or hidden.shape[1:] != (queries, keys)
            or not hidden.flags.c_contiguous):
        raise ValueError(
            f"{routine_name}: hidden must be a C-contiguous bool array of shape "
            f"(1 or {n}, {queries}, {keys}), got "
            f"{getattr(hidden, 'dtype', type(hidden).__name__)} of shape {np.shape(hidden)}."
        )


def softmax_forward(scores, hidden):
    """In place, ``scores`` set to the floor where ``hidden``, then to the
    softmax of each row over its last axis.

    Parameters
    ----------
    scores : ndarray of shape (n, heads, queries, keys), C-contiguous
    hidden : ndarray of bool of shape (n or 1, queries, keys), or None

    Raises
    ------
    ValueError
        If ``scores`` is not a 4-D, C-contiguous, writeable float32 or
        float64 array, or ``hidden`` not as above.
    """
    check_arrays("softmax_forward", {"scores": scores}, ("scores",), ndim=4)
    _check_hidden("softmax_forward", scores, hidden)
    _routine("softmax_forward")(scores, hidden)


def softmax_backward(d_weights, weights, hidden):
    """In place, the gradient with respect to the weights turned into the
    gradient with respect to the scores: ``weights * (d_weights -
    sum(d_weights * weights))`` over each row, 0 where ``hidden``.

    Parameters
    ----------
    d_weights : ndarray of shape (n, heads, queries, keys), C-contiguous
    weights : ndarray of that shape and dtype
        The softmax :func:`softmax_forward` gave.
    hidden : ndarray of bool of shape (n or 1, queries, keys), or None

    Raises
    ------
    ValueError
        If the two arrays are not float32 or float64 arrays of one 4-D
        shape and dtype, ``d_weights`` not C-contiguous and writeable, or
        ``hidden`` not as above.
    """
    check_arrays("softmax_backward", {"d_weights": d_weights, "weights": weights},
                 ("d_weights",), ndim=4)
    _check_hidden("softmax_backward", d_weights, hidden)
    _routine("softmax_backward")(d_weights, weights, hidden)
