"""The routines of the batch normalization: statistics of each channel (the
last axis) over the rows of a batch, the normalised batch, and the backward
pass through both, each checked here (see :mod:`skdl.backend._checks`) and
run by the active back-end.

The batch is a 2-D array of ``rows`` by ``channels``: a batch of images
``(n, height, width, channels)`` is seen as ``n * height * width`` rows.
"""

from functools import partial

from ._checks import check_arrays
from ._selection import routine

__all__ = ["batch_norm_forward", "batch_norm_backward"]

_routine = partial(routine, "normalization")


def batch_norm_forward(x, gamma, beta, epsilon, mean, variance, inverse_std, normalised, out):
    """Normalise each channel of ``x`` by its mean and biased variance over
    the rows, then scale and shift it.

    Writes ``mean``, ``variance`` (biased), ``inverse_std = 1 /
    sqrt(variance + epsilon)``, ``normalised = (x - mean) * inverse_std``
    and ``out = gamma * normalised + beta``.

    Parameters
    ----------
    x : ndarray of shape (rows, channels)
    gamma, beta : ndarray of shape (channels,)
    epsilon : float
    mean, variance, inverse_std : ndarray of shape (channels,), C-contiguous
    normalised, out : ndarray of shape (rows, channels), C-contiguous

    Raises
    ------
    ValueError
        If the arrays are not float32 or float64 arrays of ``x``'s dtype and
        the shapes above, or the written ones not C-contiguous and writeable.
    """
    check_arrays(
        "batch_norm_forward",
        {"x": x, "normalised": normalised, "out": out, "gamma": gamma, "beta": beta,
         "mean": mean, "variance": variance, "inverse_std": inverse_std},
        ("normalised", "out", "mean", "variance", "inverse_std"), ndim=2,
        parts={name: slice(1, None) for name in
               ("gamma", "beta", "mean", "variance", "inverse_std")},
    )
    _routine("batch_norm_forward")(x, gamma, beta, epsilon, mean, variance, inverse_std,
                                   normalised, out)


def batch_norm_backward(delta, normalised, inverse_std, gamma, gamma_grad, beta_grad, dx):
    """Gradients of a batch normalization's pass.

    With ``m`` rows, ``beta_grad = sum(delta)`` and ``gamma_grad =
    sum(delta * normalised)`` over the rows, and, unless ``dx`` is None,
    ``dx = gamma * inverse_std * (delta - (beta_grad + normalised *
    gamma_grad) / m)``: the gradient through the batch's mean and variance
    included.

    Parameters
    ----------
    delta, normalised : ndarray of shape (rows, channels)
    inverse_std, gamma : ndarray of shape (channels,)
    gamma_grad, beta_grad : ndarray of shape (channels,), C-contiguous
    dx : ndarray of shape (rows, channels), C-contiguous, or None

    Raises
    ------
    ValueError
        As :func:`batch_norm_forward`.
    """
    arrays = {"delta": delta, "normalised": normalised, "inverse_std": inverse_std,
              "gamma": gamma, "gamma_grad": gamma_grad, "beta_grad": beta_grad}
    if dx is not None:
        arrays["dx"] = dx
    check_arrays(
        "batch_norm_backward", arrays,
        ("gamma_grad", "beta_grad") + (("dx",) if dx is not None else ()), ndim=2,
        parts={name: slice(1, None) for name in
               ("inverse_std", "gamma", "gamma_grad", "beta_grad")},
    )
    _routine("batch_norm_backward")(delta, normalised, inverse_std, gamma, gamma_grad,
                                    beta_grad, dx)
