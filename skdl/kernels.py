"""Elementwise kernels of the engine, in two interchangeable back-ends.

The matrix products of a training step run in BLAS; everything between them
(bias and activation, activation derivatives, the L2 term, optimizer
updates) is elementwise work over arrays the engine preallocates. This
module does that work in one of two back-ends:

- ``"numpy"``: in-place ufuncs over preallocated scratch buffers, in as few
  passes as NumPy allows; always available.
- ``"numba"``: fused, vectorised loops compiled by numba (``pip install
  skdl[fast]``), one pass per kernel.

The back-end is chosen at import: numba when it imports, unless the
environment variable ``SKDL_KERNELS=numpy`` asks for NumPy. A value of
``SKDL_KERNELS`` other than ``numpy`` or ``numba``, or ``numba`` where numba
cannot be imported, warns and falls back (importing never fails over it).
``with use(name):`` switches the back-end for a block of code (the tests run
both). Both give the same results to floating-point tolerance.

This module knows nothing of scikit-learn.
"""

import os
import warnings
from contextlib import contextmanager

from . import _numpy_kernels

__all__ = ["available", "backend", "use", "scale_rows", "KERNEL_NAMES"]

KERNEL_NAMES = (
    "bias_forward",
    "relu_backward",
    "tanh_backward",
    "sigmoid_backward",
    "add_scaled",
    "sgd_step",
    "adam_step",
    "softmax_cross_entropy",
)
"""The kernels each back-end provides."""


_ALL_BACKENDS = ("numba", "numpy")
"""Every back-end skdl has, whether or not it can run here."""


def _load_numba():
    """The numba back-end and None, or None and why it cannot be imported."""
    try:
        from . import _numba_kernels
    except ImportError as error:
        return None, str(error)
    return _numba_kernels, None


_BACKENDS = {"numpy": _numpy_kernels}
_numba, _numba_import_error = _load_numba()
if _numba is not None:
    _BACKENDS["numba"] = _numba


def _backend_from_environment():
    """Name of the back-end ``SKDL_KERNELS`` asks for, or the default (numba
    when it imports), with a warning when the request cannot be honoured."""
    default = "numba" if "numba" in _BACKENDS else "numpy"
    requested = os.environ.get("SKDL_KERNELS", "")
    name = requested.strip().lower()
    if not name:
        return default
    if name not in _ALL_BACKENDS:
        warnings.warn(
            f"Ignoring SKDL_KERNELS={requested!r}: it is not a kernel back-end "
            f"(choose one of {list(_ALL_BACKENDS)}); using {default!r}.",
            RuntimeWarning,
        )
        return default
    if name not in _BACKENDS:
        warnings.warn(
            f"SKDL_KERNELS={requested!r} asks for numba, which cannot be imported "
            f"here ({_numba_import_error}); using 'numpy'. Install it with: "
            "pip install 'skdl[fast]'.",
            RuntimeWarning,
        )
        return "numpy"
    return name


_active = _BACKENDS[_backend_from_environment()]


def available():
    """Names of the back-ends that can run here.

    Returns
    -------
    list of str
    """
    return sorted(_BACKENDS)


def backend():
    """Name of the active back-end.

    Returns
    -------
    str
    """
    return next(name for name, module in _BACKENDS.items() if module is _active)


def use(name):
    """Run a ``with`` block with back-end ``name``, then restore the last one.

    The back-end switches when the block is entered, not at this call, so
    use it in a ``with`` statement; blocks nest. The switch is for the whole
    process, not for one thread.

    Parameters
    ----------
    name : {"numpy", "numba"}

    Returns
    -------
    context manager

    Raises
    ------
    ValueError
        At this call, if ``name`` is not among :func:`available`.

    Examples
    --------
    >>> from skdl import kernels
    >>> with kernels.use("numpy"):
    ...     kernels.backend()
    'numpy'
    """
    if name not in _BACKENDS:
        raise ValueError(
            f"Kernel back-end {name!r} is not available here; choose one of "
            f"{available()} (numba comes with: pip install 'skdl[fast]')."
        )
    return _switched_to(_BACKENDS[name])


@contextmanager
def _switched_to(module):
    """Make ``module`` the active back-end for the block, then restore."""
    global _active
    previous, _active = _active, module
    try:
        yield
    finally:
        _active = previous


def bias_forward(z, bias, activation):
    """``z += bias`` then apply ``activation`` in place.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_units), C-contiguous
    bias : ndarray of shape (n_units,)
    activation : {"identity", "relu", "tanh", "sigmoid"}
    """
    _active.bias_forward(z, bias, activation)


def relu_backward(grad, a):
    """``grad *= (a > 0)`` in place.

    Parameters
    ----------
    grad : ndarray of shape (n_samples, n_units), C-contiguous
        Gradient with respect to the activation's output; overwritten with
        the gradient with respect to its input.
    a : ndarray of shape (n_samples, n_units)
        The activation's output.
    """
    _active.relu_backward(grad, a)


def tanh_backward(grad, a):
    """``grad *= 1 - a ** 2`` in place.

    Parameters
    ----------
    grad, a
        As in :func:`relu_backward`.
    """
    _active.tanh_backward(grad, a)


def sigmoid_backward(grad, a):
    """``grad *= a * (1 - a)`` in place.

    Parameters
    ----------
    grad, a
        As in :func:`relu_backward`.
    """
    _active.sigmoid_backward(grad, a)


def add_scaled(dst, src, scale, scratch):
    """``dst += scale * src`` in place.

    Parameters
    ----------
    dst, src : ndarray of the same shape
    scale : float
    scratch : ndarray like ``src``
        A buffer the NumPy back-end may overwrite.
    """
    _active.add_scaled(dst, src, scale, scratch)


def _check_same_length(*vectors):
    """Refuse vectors of different lengths: the numba loops index them all
    by the first one's, without bounds checks."""
    sizes = {vector.size for vector in vectors}
    if len(sizes) > 1:
        raise ValueError(
            f"The optimizer's vectors have sizes {[v.size for v in vectors]}; "
            "they must all match the parameter vector."
        )


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov, l2=0.0,
             n_penalized=0):
    """One SGD step with (Nesterov) momentum, in place.

    With ``g = grad + l2 * params`` on the first ``n_penalized`` entries
    (``grad`` itself elsewhere): ``velocity = momentum * velocity -
    learning_rate * g``, then ``params += velocity`` or, with Nesterov,
    ``params += momentum * velocity - learning_rate * g``.

    Parameters
    ----------
    params, grad, velocity : ndarray of shape (n_params,)
        ``params`` and ``velocity`` are updated in place.
    learning_rate, momentum : float
    nesterov : bool
    l2 : float, default=0.0
        Coefficient of the L2 gradient ``l2 * params``.
    n_penalized : int, default=0
        Number of leading entries of ``params`` the L2 term applies to.

    Returns
    -------
    float
        Sum of squares of the penalised entries before the step (0 when
        ``l2`` is 0), for the penalty's value.
    """
    _check_same_length(params, grad, velocity)
    return _active.sgd_step(params, grad, velocity, learning_rate, momentum, nesterov,
                            l2, n_penalized)


def adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch, l2=0.0,
              n_penalized=0):
    """One Adam step, in place.

    With ``g`` as in :func:`sgd_step`: ``m = b1 m + (1 - b1) g``; ``v = b2 v
    + (1 - b2) g^2``; ``params -= step * m / (sqrt(v) + epsilon)``, where
    ``step`` already holds the bias correction.

    Parameters
    ----------
    params, grad, m, v, scratch : ndarray of shape (n_params,)
        ``params`` and the moments ``m`` and ``v`` are updated in place;
        ``scratch`` is a buffer the back-end may overwrite.
    step : float
        Learning rate with the bias correction applied.
    beta_1, beta_2, epsilon : float
    l2 : float, default=0.0
        Coefficient of the L2 gradient, as in :func:`sgd_step`.
    n_penalized : int, default=0

    Returns
    -------
    float
        Sum of squares of the penalised entries before the step.
    """
    _check_same_length(params, grad, m, v, scratch)
    return _active.adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch,
                             l2, n_penalized)


def softmax_cross_entropy(z, y, out, delta, sample_weight, weight_sum):
    """Softmax output, cross-entropy and its gradient in one step.

    Writes ``softmax(z)`` into ``out`` and ``(out * sum(y) - y)`` times each
    row's weight over ``weight_sum`` into ``delta``.

    Parameters
    ----------
    z, y, out, delta : ndarray of shape (n_samples, n_classes)
        Logits, targets, and the two outputs.
    sample_weight : ndarray of shape (n_samples,) or None
    weight_sum : float
        Sum of the weights (``n_samples`` without weights).

    Returns
    -------
    float
        The weighted mean cross-entropy, from the logits.
    """
    return _active.softmax_cross_entropy(z, y, out, delta, sample_weight, weight_sum)


def scale_rows(delta, sample_weight, weight_sum):
    """Multiply each row of ``delta`` by its weight over ``weight_sum``
    (by ``1 / weight_sum`` without weights), in place.

    Parameters
    ----------
    delta : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    weight_sum : float
    """
    if sample_weight is None:
        delta *= 1.0 / weight_sum
    else:
        delta *= (sample_weight / weight_sum).astype(delta.dtype)[:, None]
