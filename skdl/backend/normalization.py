"""The routines of the batch and layer normalizations: statistics of each
channel (the last axis) over the rows of a batch, or of each row over its
features, the normalised batch, and the backward pass through both, each
checked here (see :mod:`skdl.backend._checks`) and run by the active
back-end.

The batch is a 2-D array of ``rows`` by ``channels`` (features): a batch
of images ``(n, height, width, channels)`` is seen as ``n * height * width``
rows.
"""

from functools import partial

from ._checks import check_arrays
from ._selection import routine

__all__ = [
    "batch_norm_forward", "batch_norm_backward", "layer_norm_forward", "layer_norm_backward",
]

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
    _check_backward("batch_norm_backward", delta, normalised, inverse_std, gamma, gamma_grad,
                    beta_grad, dx, statistics_part=slice(1, None))
    _routine("batch_norm_backward")(delta, normalised, inverse_std, gamma, gamma_grad,
                                    beta_grad, dx)


def layer_norm_forward(x, gamma, beta, epsilon, inverse_std, normalised, out):
    """Normalise each row of ``x`` by its own mean and biased variance, then
    scale and shift each feature.

    Writes ``inverse_std = 1 / sqrt(variance + epsilon)`` per row,
    ``normalised = (x - mean) * inverse_std`` and ``out = gamma *
    normalised + beta``.

    Parameters
    ----------
    x : ndarray of shape (rows, features)
    gamma, beta : ndarray of shape (features,)
    epsilon : float
    inverse_std : ndarray of shape (rows,), C-contiguous
    normalised, out : ndarray of shape (rows, features), C-contiguous

    Raises
    ------
    ValueError
        As :func:`batch_norm_forward`.
    """
    check_arrays(
        "layer_norm_forward",
        {"x": x, "normalised": normalised, "out": out, "gamma": gamma, "beta": beta,
         "inverse_std": inverse_std},
        ("normalised", "out", "inverse_std"), ndim=2,
        parts={"gamma": slice(1, None), "beta": slice(1, None), "inverse_std": slice(0, 1)},
    )
    _routine("layer_norm_forward")(x, gamma, beta, epsilon, inverse_std, normalised, out)


def layer_norm_backward(delta, normalised, inverse_std, gamma, gamma_grad, beta_grad, dx):
    """Gradients of a layer normalization's pass.

    ``beta_grad = sum(delta)`` and ``gamma_grad = sum(delta * normalised)``
    over the rows, and, unless ``dx`` is None, with ``g = delta * gamma``
    and ``d`` features, ``dx = inverse_std * (g - sum(g) / d - normalised *
    sum(g * normalised) / d)``, the sums over each row.

    Parameters
    ----------
    delta, normalised : ndarray of shape (rows, features)
    inverse_std : ndarray of shape (rows,)
    gamma : ndarray of shape (features,)
    gamma_grad, beta_grad : ndarray of shape (features,), C-contiguous
    dx : ndarray of shape (rows, features), C-contiguous, or None

    Raises
    ------
    ValueError
        As :func:`batch_norm_forward`.
    """
    _check_backward("layer_norm_backward", delta, normalised, inverse_std, gamma, gamma_grad,
                    beta_grad, dx, statistics_part=slice(0, 1))
    _routine("layer_norm_backward")(delta, normalised, inverse_std, gamma, gamma_grad,
                                    beta_grad, dx)


def _check_backward(routine, delta, normalised, inverse_std, gamma, gamma_grad, beta_grad, dx,
                    statistics_part):
    """The checks of a backward routine: ``inverse_std`` of the part
    ``statistics_part`` of ``delta``'s shape (its channels, or its rows),
    the weights' arrays of its channels, ``dx`` (unless None) of its shape."""
    arrays = {"delta": delta, "normalised": normalised, "inverse_std": inverse_std,
              "gamma": gamma, "gamma_grad": gamma_grad, "beta_grad": beta_grad}
    if dx is not None:
        arrays["dx"] = dx
    channels = slice(1, None)
    check_arrays(
        routine, arrays, ("gamma_grad", "beta_grad") + (("dx",) if dx is not None else ()),
        ndim=2, parts={"inverse_std": statistics_part, "gamma": channels,
                       "gamma_grad": channels, "beta_grad": channels},
    )
