"""The engine's kernels, in two interchangeable back-ends.

The matrix products of a training step run in BLAS; everything between them
(bias and activation, activation derivatives, the L2 term, optimizer
updates) is elementwise work over arrays the engine preallocates, and the
convolution and pooling layers add the data movement around their products
(:func:`im2col`, :func:`col2im`) and the pools themselves, the recurrent
layers their cells' gates and state updates, step by step or a whole time
loop at once (:func:`lstm_sequence_forward` and the like). This module does
that work in one of two back-ends:

- ``"numpy"``: in-place ufuncs over preallocated scratch buffers, in as few
  passes as NumPy allows; always available.
- ``"numba"``: fused, vectorised loops compiled by numba (``pip install
  skdl[fast]``), one pass per kernel.

The back-end is chosen at import: numba when it is installed, unless the
environment variable ``SKDL_KERNELS=numpy`` asks for NumPy. A value of
``SKDL_KERNELS`` other than ``numpy`` or ``numba``, or ``numba`` where numba
is not installed, warns and falls back (importing never fails over it); so
does the first kernel call, once, if the numba kernels then fail to load.
Where numba has no writable cache directory (a read-only install), they
are compiled without the cache, after one warning that names the fix
(``NUMBA_CACHE_DIR``).
``with use(name):`` switches the back-end for a block of code (the tests run
both). Both give the same results to floating-point tolerance and the same
outcome on every input (a fit, or the same divergence error): numba
compiles without the fast-math flags that assume no inf or NaN or reorder
products, so each entry overflows where NumPy's ufuncs overflow, and both
sum losses in float64, and squared norms in float64 whenever their sum in
the arrays' dtype overflows. numba itself is imported when a kernel first
runs, not with skdl.

The selection is for the whole process, worker threads included (so
``n_jobs`` threads inside a ``with use(...)`` block run on its back-end),
and blocks restore it correctly even when blocks of different threads
overlap: each block, on exit, withdraws only its own request, and the
back-end in force is that of the most recently entered block still open,
or the default once none is. While blocks of two threads overlap, both
threads run on the later block's back-end.

Every kernel checks its arrays before any loop runs: float32 or float64
NumPy arrays of one dtype, of shapes that fit together, the ones it writes
C-contiguous and writeable. A mismatch raises a ``ValueError`` that names
the arrays and their shapes or dtypes; the compiled loops index without
bounds checks, so they never see such input.

The perceptron rule's two kernels, :func:`shuffle_permutation` and
:func:`perceptron_epoch`, do the per-sample work of the classic perceptron,
rounding as scikit-learn's compiled SGD loop does, so that both back-ends
reach scikit-learn's weights.

This module knows nothing of scikit-learn.
"""

import importlib
import importlib.util
import math
import numbers
import os
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp

from . import _numpy_kernels
from ._numpy_perceptron import BAD_FEATURE, BAD_ROW

__all__ = ["available", "backend", "use", "scale_rows", "conv_output_size", "KERNEL_NAMES"]

KERNEL_NAMES = (
    "bias_forward",
    "relu_backward",
    "tanh_backward",
    "sigmoid_backward",
    "add_scaled",
    "sgd_step",
    "adam_step",
    "softmax_cross_entropy",
    "shuffle_permutation",
    "perceptron_epoch",
    "im2col",
    "col2im",
    "max_pool_forward",
    "max_pool_backward",
    "avg_pool_forward",
    "avg_pool_backward",
    "lstm_step_forward",
    "lstm_step_backward",
    "gru_step_forward",
    "gru_step_backward",
    "lstm_sequence_forward",
    "lstm_sequence_backward",
    "gru_sequence_forward",
    "gru_sequence_backward",
)
"""The kernels each back-end provides."""


_ALL_BACKENDS = ("numba", "numpy")
"""Every back-end skdl has, whether or not it can run here."""


def _numba_installed():
    """Whether numba can be found, without importing it."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):
        return False


class _NumbaOnFirstUse:
    """The numba back-end, imported when a kernel first asks for it:
    importing numba costs about a third of a second, which ``import skdl``
    need not pay. Should the import fail then, however it fails (numba's
    ``ImportError``, llvmlite's ``OSError`` over its shared library, a
    ``RuntimeError``), it warns once and serves the NumPy kernels for the
    rest of the process, rather than failing, and importing again, at every
    kernel call."""

    def __init__(self):
        self._module = None

    def __getattr__(self, name):
        if self._module is None:
            try:
                self._module = importlib.import_module("._numba_kernels", __package__)
            except Exception as error:  # any failure: the NumPy kernels do the same work
                warnings.warn(
                    f"numba is installed but skdl's numba kernels cannot be loaded "
                    f"({type(error).__name__}: {error}); using the NumPy kernels instead.",
                    RuntimeWarning,
                )
                self._module = _numpy_kernels
        return getattr(self._module, name)


_BACKENDS = {"numpy": _numpy_kernels}
if _numba_installed():
    _BACKENDS["numba"] = _NumbaOnFirstUse()


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
            "here (it is not installed); using 'numpy'. Install it with: "
            "pip install 'skdl[fast]'.",
            RuntimeWarning,
        )
        return "numpy"
    return name


_DEFAULT = _BACKENDS[_backend_from_environment()]
_active = _DEFAULT
_open_blocks = []
"""(token, back-end) of every ``use`` block entered and not yet exited, in
the order they were entered, in any thread."""
_blocks_lock = threading.Lock()


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
    process, not for one thread: worker threads started inside the block use
    it too. Blocks in different threads may overlap: on exit a block
    withdraws only its own request, the back-end in force is that of the
    most recently entered block still open (in any thread), and once every
    block has exited it is the default again.

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
    """Make ``module`` the active back-end for the block; on exit, withdraw
    this block's request alone (see :func:`use`)."""
    global _active
    token = object()
    with _blocks_lock:
        _open_blocks.append((token, module))
        _active = module
    try:
        yield
    finally:
        with _blocks_lock:
            _open_blocks[:] = [block for block in _open_blocks if block[0] is not token]
            _active = _open_blocks[-1][1] if _open_blocks else _DEFAULT


_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _describe(value):
    """What was passed, for a message: an array's shape and dtype, or a type."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def _check_arrays(kernel, arrays, written, ndim=None, shapes=None):
    """Refuse, before a kernel's loops run, any array they could read or
    write past the end of, or write into a temporary copy of.

    Parameters
    ----------
    kernel : str
        The kernel's name, for the messages.
    arrays : dict of str to object
        The kernel's array arguments by name; the first is the reference
        the others must fit.
    written : tuple of str
        Names of the arrays the kernel writes in place.
    ndim : int, optional
        Number of dimensions the reference must have.
    shapes : dict of str to slice, optional
        Arrays whose shape is a part of the reference's: ``{"bias":
        slice(1, None)}`` asks for ``bias.shape == reference.shape[1:]``.
        Every other array needs the reference's shape.

    Raises
    ------
    ValueError
        Unless every array is a float32 or float64 NumPy array, all of the
        reference's dtype and of the shapes above, and every written one is
        C-contiguous and writeable; the message names the arrays at fault
        and their shapes or dtypes.
    """
    # one pass, cheap tests first: this runs before every kernel call
    reference = None
    for name, array in arrays.items():
        if not isinstance(array, np.ndarray):
            raise ValueError(
                f"{kernel}: {name} must be a float32 or float64 NumPy array; got "
                f"{_describe(array)}."
            )
        if reference is None:
            reference, shape, dtype = name, array.shape, array.dtype
            if dtype not in _FLOAT_DTYPES:
                raise ValueError(
                    f"{kernel}: {name} must be a float32 or float64 NumPy array; got "
                    f"{_describe(array)}."
                )
            if ndim is not None and array.ndim != ndim:
                raise ValueError(f"{kernel}: {name} must be {ndim}-D; got shape {shape}.")
            continue
        _refuse_other_dtype(kernel, name, array, reference, dtype)
        needed = shape if shapes is None or name not in shapes else shape[shapes[name]]
        if array.shape != needed:
            raise ValueError(
                f"{kernel}: {name} has shape {array.shape}, but needs shape {needed} to "
                f"fit {reference} of shape {shape}."
            )
    _refuse_unwritable(kernel, arrays, written)


def _refuse_other_dtype(kernel, name, array, reference, dtype):
    """Refuse ``array`` (named ``name``) unless it has the dtype of the
    array named ``reference``."""
    if array.dtype != dtype:
        raise ValueError(
            f"{kernel}: {name} has dtype {array.dtype} and {reference} has {dtype}; "
            "the arrays must share one dtype."
        )


def _refuse_unwritable(kernel, arrays, written):
    """Refuse the arrays named in ``written`` unless the kernel can write
    them in place: C-contiguous and writeable."""
    for name in written:
        flags = arrays[name].flags
        if not (flags.c_contiguous and flags.writeable):
            raise ValueError(
                f"{kernel}: {name} is written in place, so it must be a C-contiguous, "
                "writeable array."
            )


def _check_weight_sum(kernel, weight_sum):
    """Refuse a ``weight_sum`` the kernel could not divide by."""
    if not (isinstance(weight_sum, numbers.Real) and 0 < weight_sum < math.inf):
        raise ValueError(
            f"{kernel}: weight_sum must be a positive, finite number; got {weight_sum!r} "
            "(do the sample weights sum to zero?)."
        )


def _check_n_penalized(kernel, n_penalized, n_params):
    """Refuse an ``n_penalized`` that would index past the parameters."""
    if (not isinstance(n_penalized, numbers.Integral) or isinstance(n_penalized, bool)
            or not 0 <= n_penalized <= n_params):
        raise ValueError(
            f"{kernel}: n_penalized must be an integer in [0, {n_params}] (the length of "
            f"params); got {n_penalized!r}."
        )


_ACTIVATION_KERNELS = ("identity", "relu", "tanh", "sigmoid")


def bias_forward(z, bias, activation):
    """``z += bias`` then apply ``activation`` in place.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_units), C-contiguous
    bias : ndarray of shape (n_units,)
    activation : {"identity", "relu", "tanh", "sigmoid"}

    Raises
    ------
    ValueError
        If ``z`` is not a 2-D, C-contiguous, writeable float32 or float64
        array, ``bias`` not of its dtype and shape ``(n_units,)``, or
        ``activation`` not one of the above.
    """
    _check_arrays("bias_forward", {"z": z, "bias": bias}, ("z",), ndim=2,
                  shapes={"bias": slice(1, None)})
    if activation not in _ACTIVATION_KERNELS:
        raise ValueError(
            f"bias_forward: unknown activation {activation!r}; choose one of "
            f"{list(_ACTIVATION_KERNELS)}."
        )
    _active.bias_forward(z, bias, activation)


def relu_backward(grad, a):
    """``grad *= (a > 0)`` in place.

    Parameters
    ----------
    grad : ndarray of shape (n_samples, n_units), C-contiguous
        Gradient with respect to the activation's output; overwritten with
        the gradient with respect to its input.
    a : ndarray of shape (n_samples, n_units)
        The activation's output, of ``grad``'s shape and dtype.

    Raises
    ------
    ValueError
        If ``grad`` and ``a`` differ in shape or dtype, are not float32 or
        float64 arrays, or ``grad`` is not C-contiguous and writeable.
    """
    _check_arrays("relu_backward", {"grad": grad, "a": a}, ("grad",))
    _active.relu_backward(grad, a)


def tanh_backward(grad, a):
    """``grad *= 1 - a ** 2`` in place.

    Parameters
    ----------
    grad, a
        As in :func:`relu_backward`.

    Raises
    ------
    ValueError
        As :func:`relu_backward`.
    """
    _check_arrays("tanh_backward", {"grad": grad, "a": a}, ("grad",))
    _active.tanh_backward(grad, a)


def sigmoid_backward(grad, a):
    """``grad *= a * (1 - a)`` in place.

    Parameters
    ----------
    grad, a
        As in :func:`relu_backward`.

    Raises
    ------
    ValueError
        As :func:`relu_backward`.
    """
    _check_arrays("sigmoid_backward", {"grad": grad, "a": a}, ("grad",))
    _active.sigmoid_backward(grad, a)


def add_scaled(dst, src, scale, scratch):
    """``dst += scale * src`` in place.

    Parameters
    ----------
    dst, src : ndarray of the same shape
    scale : float
    scratch : ndarray like ``src``
        A buffer the NumPy back-end may overwrite.

    Raises
    ------
    ValueError
        If the three arrays differ in shape or dtype, are not float32 or
        float64 arrays, or ``dst`` or ``scratch`` is not C-contiguous and
        writeable.
    """
    _check_arrays("add_scaled", {"dst": dst, "src": src, "scratch": scratch},
                  ("dst", "scratch"))
    _active.add_scaled(dst, src, scale, scratch)


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
        ``l2`` is 0), for the penalty's value; summed in the parameters'
        dtype, and again in float64 when that overflows.

    Raises
    ------
    ValueError
        If the vectors are not 1-D float32 or float64 arrays of one length
        and dtype, ``params`` or ``velocity`` is not C-contiguous and
        writeable, or ``n_penalized`` is not an integer in ``[0, n_params]``.
    """
    _check_arrays("sgd_step", {"params": params, "grad": grad, "velocity": velocity},
                  ("params", "velocity"), ndim=1)
    _check_n_penalized("sgd_step", n_penalized, params.size)
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
        Sum of squares of the penalised entries before the step, summed as
        in :func:`sgd_step`.

    Raises
    ------
    ValueError
        As :func:`sgd_step`, for all five vectors (``params``, ``m``, ``v``
        and ``scratch`` are written).
    """
    _check_arrays("adam_step",
                  {"params": params, "grad": grad, "m": m, "v": v, "scratch": scratch},
                  ("params", "m", "v", "scratch"), ndim=1)
    _check_n_penalized("adam_step", n_penalized, params.size)
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
        The weighted mean cross-entropy, from the logits, summed in float64.

    Raises
    ------
    ValueError
        If ``z``, ``y``, ``out`` and ``delta`` are not float32 or float64
        arrays of one 2-D shape with at least one column and one dtype,
        ``sample_weight`` is not of that dtype and shape ``(n_samples,)``,
        ``out`` or ``delta`` is not C-contiguous and writeable, or
        ``weight_sum`` is not positive and finite.
    """
    arrays = {"z": z, "y": y, "out": out, "delta": delta}
    shapes = None
    if sample_weight is not None:
        arrays["sample_weight"] = sample_weight
        shapes = {"sample_weight": slice(0, 1)}
    _check_arrays("softmax_cross_entropy", arrays, ("out", "delta"), ndim=2, shapes=shapes)
    if z.shape[1] == 0:
        raise ValueError("softmax_cross_entropy: z has no columns; it needs one per class.")
    _check_weight_sum("softmax_cross_entropy", weight_sum)
    return _active.softmax_cross_entropy(z, y, out, delta, sample_weight, weight_sum)


def scale_rows(delta, sample_weight, weight_sum):
    """Multiply each row of ``delta`` by its weight over ``weight_sum``
    (by ``1 / weight_sum`` without weights), in place.

    Parameters
    ----------
    delta : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
        In ``delta``'s dtype.
    weight_sum : float

    Raises
    ------
    ValueError
        If ``delta`` is not a 2-D, C-contiguous, writeable float32 or
        float64 array, ``sample_weight`` is not of its dtype and shape
        ``(n_samples,)``, or ``weight_sum`` is not positive and finite.
    """
    arrays, shapes = {"delta": delta}, None
    if sample_weight is not None:
        arrays["sample_weight"] = sample_weight
        shapes = {"sample_weight": slice(0, 1)}
    _check_arrays("scale_rows", arrays, ("delta",), ndim=2, shapes=shapes)
    _check_weight_sum("scale_rows", weight_sum)
    if sample_weight is None:
        delta *= 1.0 / weight_sum
    else:
        delta *= (sample_weight / weight_sum).astype(delta.dtype)[:, None]


_PENALTY_CODES = {None: 0, "l1": 1, "l2": 2, "elasticnet": 3}


def shuffle_permutation(n_samples, seed):
    """The reordering one shuffle applies to ``n_samples`` rows.

    A Fisher-Yates shuffle drawing from a 32-bit xorshift generator seeded
    with ``seed`` (0 counts as 1), as scikit-learn's SGD datasets shuffle.
    That shuffle swaps positions, whatever they hold, so an order shuffled
    again with the same seed is ``order[permutation]``.

    Parameters
    ----------
    n_samples : int
    seed : int
        Taken modulo 2**32.

    Returns
    -------
    ndarray of int64, shape (n_samples,)
    """
    if n_samples < 0:
        raise ValueError(f"n_samples must be >= 0, got {n_samples}.")
    return _active.shuffle_permutation(int(n_samples), int(seed) % 2**32)


def perceptron_epoch(coef, l1_applied, state, X, order, signs, sample_weight, *,
                     class_weight=(1.0, 1.0), skip=None, eta0=1.0, penalty=None,
                     alpha=0.0001, l1_ratio=0.0, fit_intercept=True,
                     intercept_decay=1.0, track_objective=True):
    """One epoch of the perceptron rule for one output, in place.

    For each row ``i`` of ``order`` not marked in ``skip``: the margin ``p =
    x_i . (wscale * coef) + intercept``; on a mistake (``signs[i] * p <=
    0``) a step of ``eta0 * signs[i]`` times the row's class weight and
    sample weight on ``coef`` and, damped by ``intercept_decay``, on the
    intercept. A penalty first shrinks the weights: L2 by scaling
    ``wscale`` by ``1 - (1 - l1_ratio) * eta0 * alpha`` at every row, L1 by
    cumulative truncation of the row's features (Tsuruoka et al., 2009).

    Parameters
    ----------
    coef : ndarray of shape (n_features,), float32 or float64
        Stored weights; the weights are ``wscale * coef``.
    l1_applied : ndarray like ``coef``
        L1 penalty applied so far to each weight (zeros at the start of a
        fit); unused without an L1 part.
    state : ndarray of float64, shape (5,)
        ``[wscale, squared L2 norm, L1 norm, intercept, L1 penalty
        accumulated]``, read and updated; start a fit with ``[1, |w|^2,
        |w|_1, b, 0]``.
    X : ndarray of shape (n_samples, n_features) or CSR matrix
        Rows in ``coef``'s dtype; a dense array must be C-contiguous.
    order : ndarray of int, shape (n_visits,)
        Rows in the order of their visit.
    signs : ndarray of float64, shape (n_samples,)
        Target of each row, -1 or +1.
    sample_weight : ndarray of shape (n_samples,), in ``coef``'s dtype
    class_weight : (float, float), default=(1.0, 1.0)
        Weights of the negative and of the positive rows.
    skip : ndarray of bool, shape (n_samples,), default=None
        Rows left out (a validation set).
    eta0 : float, default=1.0
    penalty : {None, "l2", "l1", "elasticnet"}, default=None
    alpha : float, default=0.0001
    l1_ratio : float, default=0.0
        Share of L1 in the penalty: 0 for "l2", 1 for "l1".
    fit_intercept : bool, default=True
    intercept_decay : float, default=1.0
    track_objective : bool, default=True
        Sum the losses and the objective (skipped for speed when False).

    Returns
    -------
    loss_sum : float
        Sum of the perceptron criterion ``max(0, -signs[i] * p)`` over the
        visited rows, each at its margin before its step (0 when not
        tracked).
    objective_sum : float
        The same plus the penalty at each visit.

    Raises
    ------
    ValueError
        When the arrays' shapes, lengths or dtypes do not fit together
        (checked before any row is trained), or a row or feature index is
        out of range (found before it is used, so the rows visited before
        it have been trained).
    """
    n_samples = _check_perceptron_inputs(coef, l1_applied, state, X, order, signs,
                                         sample_weight)
    if skip is None:
        skip = np.zeros(n_samples, dtype=bool)
    elif skip.shape != (n_samples,) or skip.dtype != bool:
        raise ValueError(f"skip must be a bool array of shape ({n_samples},).")
    if penalty not in _PENALTY_CODES:
        raise ValueError(f"Unknown penalty {penalty!r}; use one of {list(_PENALTY_CODES)}.")
    status, loss_sum, objective_sum = _active.perceptron_epoch(
        coef, l1_applied, state, X, order, signs, sample_weight, class_weight[0],
        class_weight[1], skip, eta0, alpha, l1_ratio, _PENALTY_CODES[penalty],
        fit_intercept, intercept_decay, track_objective,
    )
    if status == BAD_ROW:
        raise ValueError(
            f"order holds a row outside 0..{n_samples - 1}, or X's indptr is not a "
            "valid CSR index pointer."
        )
    if status == BAD_FEATURE:
        raise ValueError(f"X's indices hold a feature outside 0..{coef.size - 1}.")
    return loss_sum, objective_sum


def _check_perceptron_inputs(coef, l1_applied, state, X, order, signs, sample_weight):
    """Refuse what :func:`perceptron_epoch`'s loops would read or write past
    the end of; returns the number of samples."""
    _check_arrays("perceptron_epoch", {"coef": coef, "l1_applied": l1_applied},
                  written=("coef", "l1_applied"), ndim=1)
    _check_arrays("perceptron_epoch", {"state": state}, written=("state",), ndim=1)
    if state.shape != (5,) or state.dtype != np.float64:
        raise ValueError("state must be a float64 array of shape (5,).")
    if sp.issparse(X):
        if X.format != "csr" or X.indptr.size != X.shape[0] + 1:
            raise ValueError("A sparse X must be a CSR matrix.")
    elif not (isinstance(X, np.ndarray) and X.ndim == 2 and X.flags.c_contiguous):
        raise ValueError("X must be a 2-D C-contiguous array or a CSR matrix.")
    if X.shape[1] != coef.size:
        raise ValueError(f"X has {X.shape[1]} features, coef has {coef.size}.")
    if X.dtype != coef.dtype:
        raise ValueError(f"X's dtype {X.dtype} differs from coef's {coef.dtype}.")
    n_samples = X.shape[0]
    if signs.shape != (n_samples,) or signs.dtype != np.float64:
        raise ValueError(f"signs must be a float64 array of shape ({n_samples},).")
    if sample_weight.shape != (n_samples,) or sample_weight.dtype != coef.dtype:
        raise ValueError(
            f"sample_weight must be a {coef.dtype} array of shape ({n_samples},)."
        )
    if order.ndim != 1 or order.dtype.kind not in "iu":
        raise ValueError("order must be a 1-D integer array.")
    return n_samples


# ---------------------------------------------------------------------------
# Convolution and pooling kernels: channels-last images (n_samples, height,
# width, channels), float32 or float64. Windows start at ``i * stride - pad``
# along each axis; ``pads`` gives the top and left padding only, the bottom
# and right padding follow from the output size. Every window must hold at
# least one input cell (true of "valid" and of TensorFlow's "same", see
# :func:`conv_output_size`); the wrappers check that, every array's shape,
# dtype and contiguity, and every ``argmax`` index, before the back-end's
# loops run, since those index without bounds checks.


_AXES = ("height", "width")


def _pair(kernel, name, value, minimum):
    """``value`` as a pair of Python ints ``>= minimum``, or a ValueError."""
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if not (len(pair) == 2 and all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) and p >= minimum
            for p in pair)):
        raise ValueError(
            f"{kernel}: {name} must be a pair of integers >= {minimum}; got {value!r}."
        )
    return int(pair[0]), int(pair[1])


def conv_output_size(size, kernel, stride, padding):
    """Output length and leading padding of a convolution or pooling along
    one axis, as Keras and TensorFlow compute them.

    Parameters
    ----------
    size : int
        Input length (height or width), at least 1.
    kernel : int
        Window length, at least 1.
    stride : int
        Step between windows, at least 1.
    padding : {"valid", "same"}
        ``"valid"``: windows inside the input only, ``out = (size - kernel)
        // stride + 1``, no padding. ``"same"``: ``out = ceil(size /
        stride)``, padded by ``max((out - 1) * stride + kernel - size, 0)``
        cells in all, the smaller half (``pad_total // 2``) before the input
        and the rest after it.

    Returns
    -------
    out : int
        Number of windows (the output length).
    pad_before : int
        Padding before the input (top or left), for the kernels' ``pads``;
        the padding after it is implied by ``out``.

    Raises
    ------
    ValueError
        If a length is not a positive integer, ``padding`` is neither
        ``"valid"`` nor ``"same"``, or ``kernel > size`` with ``"valid"``.

    Examples
    --------
    >>> from skdl.kernels import conv_output_size
    >>> conv_output_size(28, 5, 1, "same")
    (28, 2)
    >>> conv_output_size(14, 5, 1, "valid")
    (10, 0)
    >>> conv_output_size(5, 2, 2, "same")
    (3, 0)
    """
    for name, value in (("size", size), ("kernel", kernel), ("stride", stride)):
        if not (isinstance(value, numbers.Integral) and not isinstance(value, bool)
                and value >= 1):
            raise ValueError(
                f"conv_output_size: {name} must be a positive integer; got {value!r}."
            )
    size, kernel, stride = int(size), int(kernel), int(stride)
    if padding == "valid":
        if kernel > size:
            raise ValueError(
                f"conv_output_size: a window of {kernel} does not fit an input of "
                f"{size} without padding; use padding='same' or a smaller window."
            )
        return (size - kernel) // stride + 1, 0
    if padding == "same":
        out = -(-size // stride)
        pad_total = max((out - 1) * stride + kernel - size, 0)
        return out, pad_total // 2
    raise ValueError(
        f"conv_output_size: padding must be 'valid' or 'same'; got {padding!r}."
    )


def _window_geometry(kernel, image_name, image, window_name, window, strides, pads,
                     out_size, out_name="out_size"):
    """Check the image every other array must fit (a 4-D float32 or float64
    array) and the windows over it; return the four pairs as ints.

    ``out_name`` names where ``out_size`` came from: the argument itself, or
    the output array whose height and width it is."""
    if not (isinstance(image, np.ndarray) and image.dtype in _FLOAT_DTYPES):
        raise ValueError(
            f"{kernel}: {image_name} must be a float32 or float64 NumPy array; got "
            f"{_describe(image)}."
        )
    if image.ndim != 4:
        raise ValueError(
            f"{kernel}: {image_name} must be 4-D (n_samples, height, width, channels); "
            f"got shape {image.shape}."
        )
    window = _pair(kernel, window_name, window, 1)
    strides = _pair(kernel, "strides", strides, 1)
    pads = _pair(kernel, "pads", pads, 0)
    if out_name == "out_size":
        out_size = _pair(kernel, "out_size", out_size, 1)
        out_labels = ("out_size[0]", "out_size[1]")
    else:
        out_size = _pair(kernel, f"{out_name}.shape[1:3]", out_size, 1)
        out_labels = (f"{out_name}.shape[1]", f"{out_name}.shape[2]")
    for axis in (0, 1):
        size, k, stride = image.shape[1 + axis], window[axis], strides[axis]
        pad, out = pads[axis], out_size[axis]
        if pad >= k:
            raise ValueError(
                f"{kernel}: pads[{axis}]={pad} leaves the first window along the "
                f"{_AXES[axis]} without an input cell; it must be smaller than "
                f"{window_name}[{axis}]={k}."
            )
        if (out - 1) * stride - pad > size - 1:
            raise ValueError(
                f"{kernel}: {out_labels[axis]}={out} puts the last window along the "
                f"{_AXES[axis]} at {(out - 1) * stride - pad}, past the end of "
                f"{image_name}'s {_AXES[axis]} {size}; at most "
                f"{(size - 1 + pad) // stride + 1} windows fit."
            )
    return window, strides, pads, out_size


def _spatial_size(array):
    """Height and width of a pooling output, for the geometry check; (1, 1)
    for anything not 4-D, refused later by the shape check."""
    if isinstance(array, np.ndarray) and array.ndim == 4:
        return array.shape[1:3]
    return (1, 1)


def _check_conv_arrays(kernel, reference, arrays, written, out_size):
    """Refuse arrays that are not NumPy arrays of their dtype (the float
    reference's, or the one given) and shape, not C-contiguous (any of
    them), not writeable (the ``written`` ones), or written ones that share
    memory with another (the loops would read what they already wrote).

    ``arrays`` maps each name to ``(array, shape, dtype)``: the needed shape,
    and ``dtype`` None for the reference's; the entry named ``reference`` is
    the (already checked) array the others must fit.
    """
    ref_name = reference
    ref = arrays[reference][0]
    for name, (array, shape, dtype) in arrays.items():
        if name == reference:
            continue
        if not isinstance(array, np.ndarray):
            wanted = np.dtype(dtype) if dtype is not None else ref.dtype
            raise ValueError(
                f"{kernel}: {name} must be a NumPy array of dtype {wanted}; got "
                f"{_describe(array)}."
            )
        if dtype is None:
            _refuse_other_dtype(kernel, name, array, ref_name, ref.dtype)
        if dtype is not None and array.dtype != dtype:
            raise ValueError(
                f"{kernel}: {name} must be a {np.dtype(dtype)} array; got "
                f"{_describe(array)}."
            )
        if array.shape != shape:
            raise ValueError(
                f"{kernel}: {name} has shape {array.shape}, but needs shape {shape} to "
                f"fit {ref_name} of shape {ref.shape} and out_size {out_size}."
            )
    for name, (array, _, _) in arrays.items():
        flags = array.flags
        if name in written:
            if not (flags.c_contiguous and flags.writeable):
                raise ValueError(
                    f"{kernel}: {name} is written in place, so it must be a "
                    "C-contiguous, writeable array."
                )
        elif not flags.c_contiguous:
            raise ValueError(
                f"{kernel}: {name} must be C-contiguous (np.ascontiguousarray makes "
                "it so)."
            )
    for name in written:
        for other, (array, _, _) in arrays.items():
            if other != name and np.may_share_memory(arrays[name][0], array):
                raise ValueError(
                    f"{kernel}: {name} shares memory with {other}; the kernel writes "
                    f"{name}, so it needs an array of its own."
                )


def _check_pool_cells(kernel, pool_size):
    """Refuse windows whose cells a uint8 ``argmax`` cannot number."""
    if pool_size[0] * pool_size[1] > 256:
        raise ValueError(
            f"{kernel}: pool_size {pool_size} has {pool_size[0] * pool_size[1]} cells, "
            "more than argmax's uint8 can number (256)."
        )


def _check_argmax(kernel, argmax, pool_size, strides, pads, image_shape):
    """Refuse an ``argmax`` index outside its window or on a padded cell:
    the backward loop would write there, past ``dx``'s bounds. Windows
    inside the input cost one ``max``; only the few along a padded border
    are checked cell by cell."""
    if argmax.size == 0:
        return
    ph, pw = pool_size
    largest = int(argmax.max())
    if largest >= ph * pw:
        raise ValueError(
            f"{kernel}: argmax holds {largest}, but a {ph}x{pw} window has cells "
            f"0..{ph * pw - 1}."
        )
    for axis in (0, 1):
        size, k = image_shape[1 + axis], pool_size[axis]
        starts = np.arange(argmax.shape[1 + axis]) * strides[axis] - pads[axis]
        lo = np.maximum(-starts, 0)
        hi = np.minimum(size - starts, k)
        border = np.flatnonzero((lo > 0) | (hi < k))
        if border.size == 0:
            continue
        cells = np.take(argmax, border, axis=1 + axis)
        offsets = cells // pw if axis == 0 else cells % pw
        shape = (1, -1, 1, 1) if axis == 0 else (1, 1, -1, 1)
        lo, hi = lo[border].reshape(shape), hi[border].reshape(shape)
        outside = (offsets < lo) | (offsets >= hi)
        if outside.any():
            position = border[np.argwhere(outside)[0][1 + axis]]
            raise ValueError(
                f"{kernel}: argmax names a padded cell, outside the input, in a window "
                f"of output {'row' if axis == 0 else 'column'} {position}."
            )


def im2col(x, kernel_size, strides, pads, out_size, cols):
    """Copy every convolution window of ``x`` into a row of ``cols``.

    Row ``(n * OH + i) * OW + j`` of ``cols`` holds the window at output
    position ``(i, j)`` of sample ``n``, its cells ``x[n, i * sh - top + u,
    j * sw - left + v, c]`` in C order of ``(u, v, c)``; cells in the
    padding are 0. So ``cols @ K.reshape(kh * kw * C, F)`` is Keras's
    ``Conv2D`` (a cross-correlation) with kernel ``K`` of shape ``(kh, kw,
    C, F)``, as an ``(N * OH * OW, F)`` matrix.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C), float32 or float64, C-contiguous
        The images, channels last.
    kernel_size : (int, int)
        ``(kh, kw)``.
    strides : (int, int)
        ``(sh, sw)``.
    pads : (int, int)
        Padding before the input, ``(top, left)``, each smaller than the
        kernel; the bottom and right padding are implied by ``out_size``.
    out_size : (int, int)
        ``(OH, OW)``, as :func:`conv_output_size` gives them.
    cols : ndarray of shape (N * OH * OW, kh * kw * C), C-contiguous
        Overwritten; of ``x``'s dtype.

    Raises
    ------
    ValueError
        If ``x`` is not a 4-D, C-contiguous float32 or float64 array,
        ``cols`` not a writeable, C-contiguous array of its dtype and of the
        shape above, a size or stride not a positive integer, or the
        windows not each over at least one input cell (a pad as large as
        the kernel, or more windows than fit).

    See Also
    --------
    col2im : Its adjoint, for the gradient with respect to ``x``.
    """
    (kh, kw), strides, pads, (oh, ow) = _window_geometry(
        "im2col", "x", x, "kernel_size", kernel_size, strides, pads, out_size)
    n, _, _, c = x.shape
    _check_conv_arrays("im2col", "x", {"x": (x, None, None),
                                       "cols": (cols, (n * oh * ow, kh * kw * c), None)},
                       ("cols",), (oh, ow))
    _active.im2col(x, (kh, kw), strides, pads, (oh, ow), cols)


def col2im(dcols, kernel_size, strides, pads, out_size, dx):
    """Sum the entries of ``dcols`` back at their input positions: the
    adjoint of :func:`im2col`.

    ``dx`` is overwritten with, at each input cell, the sum of the entries
    of ``dcols`` that :func:`im2col` would have copied from it; entries of
    padded cells are dropped. With ``dcols = dOut @ K.reshape(-1, F).T``
    this is the gradient of the convolution with respect to its input.

    Parameters
    ----------
    dcols : ndarray of shape (N * OH * OW, kh * kw * C), C-contiguous
        Of ``dx``'s dtype.
    kernel_size, strides, pads, out_size : (int, int)
        As in :func:`im2col`.
    dx : ndarray of shape (N, H, W, C), float32 or float64, C-contiguous
        Overwritten.

    Raises
    ------
    ValueError
        If ``dx`` is not a 4-D, C-contiguous, writeable float32 or float64
        array, ``dcols`` not a C-contiguous array of its dtype and the shape
        above, or the geometry is refused as in :func:`im2col`.
    """
    (kh, kw), strides, pads, (oh, ow) = _window_geometry(
        "col2im", "dx", dx, "kernel_size", kernel_size, strides, pads, out_size)
    n, _, _, c = dx.shape
    _check_conv_arrays("col2im", "dx", {"dx": (dx, None, None),
                                        "dcols": (dcols, (n * oh * ow, kh * kw * c), None)},
                       ("dx",), (oh, ow))
    _active.col2im(dcols, (kh, kw), strides, pads, (oh, ow), dx)


def max_pool_forward(x, pool_size, strides, pads, out, argmax):
    """Max pooling, and where each maximum lies in its window.

    ``out[n, i, j, c]`` is the largest of ``x[n, i * sh - top + u, j * sw -
    left + v, c]`` over the window's cells inside the input (padded cells
    never win, as in TensorFlow's "same" max pooling), and ``argmax[n, i,
    j, c]`` is ``u * pw + v`` of the first such cell in C order of ``(u,
    v)``. A NaN wins over any number, the first NaN of a window, as
    ``np.max`` and ``np.argmax`` do.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C), float32 or float64, C-contiguous
    pool_size : (int, int)
        ``(ph, pw)``, at most 256 cells.
    strides, pads, out_size
        As in :func:`im2col` (``out_size`` is taken from ``out``).
    out : ndarray of shape (N, OH, OW, C), C-contiguous
        Overwritten; of ``x``'s dtype.
    argmax : ndarray of uint8, shape (N, OH, OW, C), C-contiguous
        Overwritten, for :func:`max_pool_backward`.

    Raises
    ------
    ValueError
        If ``x`` is not a 4-D, C-contiguous float32 or float64 array, ``out``
        not a writeable, C-contiguous array of its dtype, ``argmax`` not a
        writeable, C-contiguous uint8 array, either not of shape ``(N, OH,
        OW, C)``, the window over 256 cells, or the geometry refused as in
        :func:`im2col`.
    """
    out_size = _spatial_size(out)
    pool_size, strides, pads, (oh, ow) = _window_geometry(
        "max_pool_forward", "x", x, "pool_size", pool_size, strides, pads, out_size,
        "out")
    _check_pool_cells("max_pool_forward", pool_size)
    n, _, _, c = x.shape
    _check_conv_arrays("max_pool_forward", "x",
                       {"x": (x, None, None), "out": (out, (n, oh, ow, c), None),
                        "argmax": (argmax, (n, oh, ow, c), np.uint8)},
                       ("out", "argmax"), (oh, ow))
    _active.max_pool_forward(x, pool_size, strides, pads, out, argmax)


def max_pool_backward(dout, argmax, pool_size, strides, pads, dx):
    """Route each window's gradient to its maximum: the gradient of
    :func:`max_pool_forward`.

    ``dx`` is overwritten with zeros, then ``dout[n, i, j, c]`` is added at
    the cell ``argmax[n, i, j, c]`` names in window ``(i, j)``; windows that
    overlap (stride below the pool size) add up.

    Parameters
    ----------
    dout : ndarray of shape (N, OH, OW, C), C-contiguous
        Of ``dx``'s dtype.
    argmax : ndarray of uint8, shape (N, OH, OW, C), C-contiguous
        As :func:`max_pool_forward` wrote it.
    pool_size, strides, pads : (int, int)
        As in :func:`max_pool_forward`.
    dx : ndarray of shape (N, H, W, C), float32 or float64, C-contiguous
        Overwritten.

    Raises
    ------
    ValueError
        If ``dx`` is not a 4-D, C-contiguous, writeable float32 or float64
        array, ``dout`` not a C-contiguous array of its dtype, ``argmax``
        not a C-contiguous uint8 array, either not of shape ``(N, OH, OW,
        C)``, the geometry refused as in :func:`im2col`, or an ``argmax``
        entry outside its window or on a padded cell (checked before
        anything is written).
    """
    out_size = _spatial_size(dout)
    pool_size, strides, pads, (oh, ow) = _window_geometry(
        "max_pool_backward", "dx", dx, "pool_size", pool_size, strides, pads, out_size,
        "dout")
    _check_pool_cells("max_pool_backward", pool_size)
    n, _, _, c = dx.shape
    _check_conv_arrays("max_pool_backward", "dx",
                       {"dx": (dx, None, None), "dout": (dout, (n, oh, ow, c), None),
                        "argmax": (argmax, (n, oh, ow, c), np.uint8)},
                       ("dx",), (oh, ow))
    _check_argmax("max_pool_backward", argmax, pool_size, strides, pads, dx.shape)
    _active.max_pool_backward(dout, argmax, pool_size, strides, pads, dx)


def avg_pool_forward(x, pool_size, strides, pads, out):
    """Average pooling over each window's cells inside the input.

    ``out[n, i, j, c]`` is the mean of ``x[n, i * sh - top + u, j * sw -
    left + v, c]`` over the window's cells inside the input: padded cells
    are left out of the sum and of the count, as in TensorFlow's "same"
    average pooling.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C), float32 or float64, C-contiguous
    pool_size, strides, pads
        As in :func:`max_pool_forward`.
    out : ndarray of shape (N, OH, OW, C), C-contiguous
        Overwritten; of ``x``'s dtype.

    Raises
    ------
    ValueError
        If ``x`` is not a 4-D, C-contiguous float32 or float64 array, ``out``
        not a writeable, C-contiguous array of its dtype and of shape ``(N,
        OH, OW, C)``, or the geometry refused as in :func:`im2col`.
    """
    out_size = _spatial_size(out)
    pool_size, strides, pads, (oh, ow) = _window_geometry(
        "avg_pool_forward", "x", x, "pool_size", pool_size, strides, pads, out_size,
        "out")
    n, _, _, c = x.shape
    _check_conv_arrays("avg_pool_forward", "x",
                       {"x": (x, None, None), "out": (out, (n, oh, ow, c), None)},
                       ("out",), (oh, ow))
    _active.avg_pool_forward(x, pool_size, strides, pads, out)


def avg_pool_backward(dout, pool_size, strides, pads, dx):
    """Spread each window's gradient evenly over its cells inside the
    input: the gradient of :func:`avg_pool_forward`.

    ``dx`` is overwritten with the sum, over the windows holding each
    cell, of ``dout`` divided by that window's count of input cells.

    Parameters
    ----------
    dout : ndarray of shape (N, OH, OW, C), C-contiguous
        Of ``dx``'s dtype.
    pool_size, strides, pads
        As in :func:`avg_pool_forward`.
    dx : ndarray of shape (N, H, W, C), float32 or float64, C-contiguous
        Overwritten.

    Raises
    ------
    ValueError
        If ``dx`` is not a 4-D, C-contiguous, writeable float32 or float64
        array, ``dout`` not a C-contiguous array of its dtype and of shape
        ``(N, OH, OW, C)``, or the geometry refused as in :func:`im2col`.
    """
    out_size = _spatial_size(dout)
    pool_size, strides, pads, (oh, ow) = _window_geometry(
        "avg_pool_backward", "dx", dx, "pool_size", pool_size, strides, pads, out_size,
        "dout")
    n, _, _, c = dx.shape
    _check_conv_arrays("avg_pool_backward", "dx",
                       {"dx": (dx, None, None), "dout": (dout, (n, oh, ow, c), None)},
                       ("dx",), (oh, ow))
    _active.avg_pool_backward(dout, pool_size, strides, pads, dx)


# ---------------------------------------------------------------------------
# Recurrent cells: a batch of ``n`` rows, ``units`` per state and gates of
# ``units`` columns each, laid side by side as Keras lays them (LSTM: input,
# forget, cell, output; GRU: update, reset, candidate). The step kernels do
# the work between one step's products; the sequence kernels run the whole
# time loop, time-major (``(timesteps, n, ...)``), each step's recurrent
# product included, and are checked once per sequence rather than once per
# step.


def _check_recurrent(kernel, n_gates, arrays, layouts, written):
    """Refuse recurrent-kernel arrays that do not fit the gates.

    Parameters
    ----------
    kernel : str
    n_gates : int
    arrays : dict of str to object
        The first is the gate block, 2-D ``(n, n_gates * units)`` for a step
        or 3-D ``(timesteps, n, n_gates * units)`` for a sequence; it gives
        the dtype and sizes the others must have.
    layouts : dict of str to tuple
        Each other array's shape in symbols: ``"T"`` (timesteps), ``"T+1"``,
        ``"n"``, ``"H"`` (units), ``"W"`` (``n_gates * units``) or an int.
    written : tuple of str
        Arrays the kernel writes: C-contiguous and writeable.

    Raises
    ------
    ValueError
        Naming the array at fault and its dtype or shape.
    """
    names = list(arrays)
    reference = names[0]
    for name in names:
        array = arrays[name]
        if not isinstance(array, np.ndarray) or array.dtype not in _FLOAT_DTYPES:
            raise ValueError(
                f"{kernel}: {name} must be a float32 or float64 NumPy array; got "
                f"{_describe(array)}."
            )
    gates = arrays[reference]
    ndim = len(layouts[reference])
    if gates.ndim != ndim:
        raise ValueError(f"{kernel}: {reference} must be {ndim}-D; got shape {gates.shape}.")
    width = gates.shape[-1]
    if width % n_gates:
        raise ValueError(
            f"{kernel}: {reference} has {width} columns, which is not {n_gates} gates of "
            "equal width."
        )
    sizes = {"n": gates.shape[-2], "W": width, "H": width // n_gates}
    if ndim == 3:
        sizes["T"] = gates.shape[0]
        sizes["T+1"] = gates.shape[0] + 1
    for name in names[1:]:
        array = arrays[name]
        _refuse_other_dtype(kernel, name, array, reference, gates.dtype)
        needed = tuple(sizes[d] if isinstance(d, str) else d for d in layouts[name])
        if array.shape != needed:
            raise ValueError(
                f"{kernel}: {name} has shape {array.shape}, but needs shape {needed} to fit "
                f"{reference} of shape {gates.shape}."
            )
    _refuse_unwritable(kernel, arrays, written)


def _contiguous(*arrays):
    """The read-only arrays as C-contiguous ones (copies only where they are
    not), so that a back-end sees one memory layout."""
    return [np.ascontiguousarray(a) for a in arrays]


_STEP = ("n", "H")
_GATES = ("n", "W")


def lstm_step_forward(a, c_prev, c, tanh_c, h):
    """One LSTM step after its products: gates, cell and output.

    Parameters
    ----------
    a : ndarray of shape (n, 4 * units), C-contiguous
        Pre-activations of the gates input, forget, cell and output
        (Keras's order), overwritten with the gates: sigmoid, sigmoid,
        tanh, sigmoid.
    c_prev : ndarray of shape (n, units)
        The cell state before the step.
    c, tanh_c, h : ndarray of shape (n, units), C-contiguous
        Written: the new cell state ``f * c_prev + i * g``, its tanh, and
        the new output ``o * tanh(c)``.

    Raises
    ------
    ValueError
        If the arrays are not float arrays of one dtype and these shapes,
        or a written one is not C-contiguous and writeable.
    """
    _check_recurrent("lstm_step_forward", 4,
                     {"a": a, "c_prev": c_prev, "c": c, "tanh_c": tanh_c, "h": h},
                     {"a": _GATES, "c_prev": _STEP, "c": _STEP, "tanh_c": _STEP, "h": _STEP},
                     ("a", "c", "tanh_c", "h"))
    _active.lstm_step_forward(a, c_prev, c, tanh_c, h)


def lstm_step_backward(a, c_prev, tanh_c, dh, dc, d_a):
    """One LSTM step backward.

    Parameters
    ----------
    a : ndarray of shape (n, 4 * units)
        The step's gates, as :func:`lstm_step_forward` left them.
    c_prev, tanh_c : ndarray of shape (n, units)
        The cell state before the step, and tanh of the one after.
    dh : ndarray of shape (n, units)
        Gradient with respect to the step's output.
    dc : ndarray of shape (n, units), C-contiguous
        Gradient with respect to the step's cell state from later steps;
        overwritten with the gradient with respect to ``c_prev``.
    d_a : ndarray of shape (n, 4 * units), C-contiguous
        Written: the gradient with respect to the gates' pre-activations.

    Raises
    ------
    ValueError
        As :func:`lstm_step_forward`.
    """
    _check_recurrent("lstm_step_backward", 4,
                     {"a": a, "c_prev": c_prev, "tanh_c": tanh_c, "dh": dh, "dc": dc,
                      "d_a": d_a},
                     {"a": _GATES, "c_prev": _STEP, "tanh_c": _STEP, "dh": _STEP, "dc": _STEP,
                      "d_a": _GATES},
                     ("dc", "d_a"))
    _active.lstm_step_backward(a, c_prev, tanh_c, dh, dc, d_a)


def gru_step_forward(a, recurrent, h_prev, h):
    """One GRU step after its products (Keras's ``reset_after=True``).

    Parameters
    ----------
    a : ndarray of shape (n, 3 * units), C-contiguous
        The input projection with its bias, gates update, reset and
        candidate (Keras's order); overwritten with ``z``, ``r`` and the
        candidate ``tanh(a_h + r * recurrent_h)``.
    recurrent : ndarray of shape (n, 3 * units)
        ``h_prev @ recurrent_kernel + recurrent_bias``.
    h_prev : ndarray of shape (n, units)
    h : ndarray of shape (n, units), C-contiguous
        Written: ``z * h_prev + (1 - z) * candidate``.

    Raises
    ------
    ValueError
        If the arrays are not float arrays of one dtype and these shapes,
        or a written one is not C-contiguous and writeable.
    """
    _check_recurrent("gru_step_forward", 3,
                     {"a": a, "recurrent": recurrent, "h_prev": h_prev, "h": h},
                     {"a": _GATES, "recurrent": _GATES, "h_prev": _STEP, "h": _STEP},
                     ("a", "h"))
    _active.gru_step_forward(a, recurrent, h_prev, h)


def gru_step_backward(a, recurrent, h_prev, dh, d_a, d_recurrent):
    """One GRU step backward.

    Parameters
    ----------
    a : ndarray of shape (n, 3 * units)
        The step's gates, as :func:`gru_step_forward` left them.
    recurrent : ndarray of shape (n, 3 * units)
        The step's recurrent projection.
    h_prev : ndarray of shape (n, units)
    dh : ndarray of shape (n, units), C-contiguous
        Gradient with respect to the step's output; overwritten with the
        part of the gradient with respect to ``h_prev`` that bypasses the
        recurrent product (``dh * z``).
    d_a : ndarray of shape (n, 3 * units), C-contiguous
        Written: gradient with respect to the input projection.
    d_recurrent : ndarray of shape (n, 3 * units), C-contiguous
        Written: gradient with respect to the recurrent projection.

    Raises
    ------
    ValueError
        As :func:`gru_step_forward`.
    """
    _check_recurrent("gru_step_backward", 3,
                     {"a": a, "recurrent": recurrent, "h_prev": h_prev, "dh": dh, "d_a": d_a,
                      "d_recurrent": d_recurrent},
                     {"a": _GATES, "recurrent": _GATES, "h_prev": _STEP, "dh": _STEP,
                      "d_a": _GATES, "d_recurrent": _GATES},
                     ("dh", "d_a", "d_recurrent"))
    _active.gru_step_backward(a, recurrent, h_prev, dh, d_a, d_recurrent)


_SEQ = ("T", "n", "W")
_SEQ_STATES = ("T+1", "n", "H")
_SEQ_STEP = ("T", "n", "H")
_KERNEL = ("H", "W")


def lstm_sequence_forward(gates, bias, recurrent_kernel, states, cells, tanh_cells,
                          recurrent):
    """An LSTM layer's time loop forward, after the input projection.

    For ``t`` in ``0 .. T-1``: ``a = gates[t] + bias + states[t] @
    recurrent_kernel``, then :func:`lstm_step_forward` of ``a`` from
    ``cells[t]`` into ``cells[t + 1]``, ``tanh_cells[t]`` and
    ``states[t + 1]``. The products go to NumPy's BLAS, one per step
    (none at the first step when ``states[0]`` is all zeros, as in a
    layer); the numba back-end adds the bias and the recurrent product
    inside the step's pass.

    Parameters
    ----------
    gates : ndarray of shape (T, n, 4 * units), C-contiguous
        Each step's input projection ``x_t @ kernel``, without the bias;
        overwritten with the step's gates (sigmoid, sigmoid, tanh, sigmoid).
    bias : ndarray of shape (4 * units,)
    recurrent_kernel : ndarray of shape (units, 4 * units)
    states : ndarray of shape (T + 1, n, units), C-contiguous
        ``states[0]`` is the initial output state (read); ``states[1:]``
        are written, the output of each step.
    cells : ndarray of shape (T + 1, n, units), C-contiguous
        ``cells[0]`` is the initial cell state (read); ``cells[1:]`` are
        written.
    tanh_cells : ndarray of shape (T, n, units), C-contiguous
        Written: ``tanh(cells[1:])``.
    recurrent : ndarray of shape (n, 4 * units), C-contiguous
        Scratch for the step's recurrent product.

    Raises
    ------
    ValueError
        If the arrays are not float arrays of one dtype and these shapes,
        or a written one is not C-contiguous and writeable.
    """
    _check_recurrent("lstm_sequence_forward", 4,
                     {"gates": gates, "bias": bias, "recurrent_kernel": recurrent_kernel,
                      "states": states, "cells": cells, "tanh_cells": tanh_cells,
                      "recurrent": recurrent},
                     {"gates": _SEQ, "bias": ("W",), "recurrent_kernel": _KERNEL,
                      "states": _SEQ_STATES, "cells": _SEQ_STATES, "tanh_cells": _SEQ_STEP,
                      "recurrent": _GATES},
                     ("gates", "states", "cells", "tanh_cells", "recurrent"))
    bias, recurrent_kernel = _contiguous(bias, recurrent_kernel)
    _active.lstm_sequence_forward(gates, bias, recurrent_kernel, states, cells, tanh_cells,
                                  recurrent)


def lstm_sequence_backward(d_out, gates, cells, tanh_cells, recurrent_kernel, dh, dc,
                           d_gates):
    """An LSTM layer's time loop backward (backpropagation through time),
    up to the gates' gradients.

    Runs ``t`` from ``T-1`` down to 0 with ``dh`` and ``dc`` from zero:
    ``dh += d_out[t]``, :func:`lstm_step_backward` into ``d_gates[t]``,
    then ``dh = d_gates[t] @ recurrent_kernel.T``.

    Parameters
    ----------
    d_out : ndarray of shape (T, n, units)
        Gradient with respect to each step's output ``states[t + 1]``.
    gates : ndarray of shape (T, n, 4 * units)
        As :func:`lstm_sequence_forward` left them.
    cells : ndarray of shape (T + 1, n, units)
    tanh_cells : ndarray of shape (T, n, units)
    recurrent_kernel : ndarray of shape (units, 4 * units)
    dh, dc : ndarray of shape (n, units), C-contiguous
        Written: the gradients with respect to the initial state and cell.
    d_gates : ndarray of shape (T, n, 4 * units), C-contiguous
        Written: the gradient with respect to each step's gate
        pre-activations (from which the layer makes the weights' gradients).

    Raises
    ------
    ValueError
        As :func:`lstm_sequence_forward`.
    """
    _check_recurrent("lstm_sequence_backward", 4,
                     {"gates": gates, "d_out": d_out, "cells": cells, "tanh_cells": tanh_cells,
                      "recurrent_kernel": recurrent_kernel, "dh": dh, "dc": dc,
                      "d_gates": d_gates},
                     {"gates": _SEQ, "d_out": _SEQ_STEP, "cells": _SEQ_STATES,
                      "tanh_cells": _SEQ_STEP, "recurrent_kernel": _KERNEL, "dh": _STEP,
                      "dc": _STEP, "d_gates": _SEQ},
                     ("dh", "dc", "d_gates"))
    d_out, gates, cells, tanh_cells, recurrent_kernel = _contiguous(
        d_out, gates, cells, tanh_cells, recurrent_kernel)
    _active.lstm_sequence_backward(d_out, gates, cells, tanh_cells, recurrent_kernel, dh, dc,
                                   d_gates)


def gru_sequence_forward(gates, bias, recurrent_kernel, recurrent, states):
    """A GRU layer's time loop forward (Keras's ``reset_after=True``), after
    the input projection.

    For ``t`` in ``0 .. T-1``: ``recurrent[t] = states[t] @ recurrent_kernel
    + bias[1]``, then :func:`gru_step_forward` of ``gates[t] + bias[0]``
    and ``recurrent[t]`` from ``states[t]`` into ``states[t + 1]``. The
    product is skipped at the first step when ``states[0]`` is all zeros.

    Parameters
    ----------
    gates : ndarray of shape (T, n, 3 * units), C-contiguous
        Each step's input projection ``x_t @ kernel``, without the bias;
        overwritten with the step's ``z``, ``r`` and candidate.
    bias : ndarray of shape (2, 3 * units)
        The input bias, then the recurrent bias.
    recurrent_kernel : ndarray of shape (units, 3 * units)
    recurrent : ndarray of shape (T, n, 3 * units), C-contiguous
        Written: each step's recurrent projection, bias included.
    states : ndarray of shape (T + 1, n, units), C-contiguous
        ``states[0]`` is the initial state (read); ``states[1:]`` are
        written.

    Raises
    ------
    ValueError
        If the arrays are not float arrays of one dtype and these shapes,
        or a written one is not C-contiguous and writeable.
    """
    _check_recurrent("gru_sequence_forward", 3,
                     {"gates": gates, "bias": bias, "recurrent_kernel": recurrent_kernel,
                      "recurrent": recurrent, "states": states},
                     {"gates": _SEQ, "bias": (2, "W"), "recurrent_kernel": _KERNEL,
                      "recurrent": _SEQ, "states": _SEQ_STATES},
                     ("gates", "recurrent", "states"))
    bias, recurrent_kernel = _contiguous(bias, recurrent_kernel)
    _active.gru_sequence_forward(gates, bias, recurrent_kernel, recurrent, states)


def gru_sequence_backward(d_out, gates, recurrent, states, recurrent_kernel, dh, through,
                          d_gates, d_recurrent):
    """A GRU layer's time loop backward, up to the gates' gradients.

    Runs ``t`` from ``T-1`` down to 0 with ``dh`` from zero: ``dh +=
    d_out[t]``, :func:`gru_step_backward` into ``d_gates[t]`` and
    ``d_recurrent[t]`` (leaving ``dh * z`` in ``dh``), then ``dh +=
    d_recurrent[t] @ recurrent_kernel.T``.

    Parameters
    ----------
    d_out : ndarray of shape (T, n, units)
        Gradient with respect to each step's output ``states[t + 1]``.
    gates, recurrent : ndarray of shape (T, n, 3 * units)
        As :func:`gru_sequence_forward` left them.
    states : ndarray of shape (T + 1, n, units)
    recurrent_kernel : ndarray of shape (units, 3 * units)
    dh : ndarray of shape (n, units), C-contiguous
        Written: the gradient with respect to the initial state.
    through : ndarray of shape (n, units), C-contiguous
        Scratch for the recurrent product's part of it.
    d_gates, d_recurrent : ndarray of shape (T, n, 3 * units), C-contiguous
        Written: the gradients with respect to each step's input and
        recurrent projections.

    Raises
    ------
    ValueError
        As :func:`gru_sequence_forward`.
    """
    _check_recurrent("gru_sequence_backward", 3,
                     {"gates": gates, "d_out": d_out, "recurrent": recurrent, "states": states,
                      "recurrent_kernel": recurrent_kernel, "dh": dh, "through": through,
                      "d_gates": d_gates, "d_recurrent": d_recurrent},
                     {"gates": _SEQ, "d_out": _SEQ_STEP, "recurrent": _SEQ,
                      "states": _SEQ_STATES, "recurrent_kernel": _KERNEL, "dh": _STEP,
                      "through": _STEP, "d_gates": _SEQ, "d_recurrent": _SEQ},
                     ("dh", "through", "d_gates", "d_recurrent"))
    d_out, gates, recurrent, states, recurrent_kernel = _contiguous(
        d_out, gates, recurrent, states, recurrent_kernel)
    _active.gru_sequence_backward(d_out, gates, recurrent, states, recurrent_kernel, dh,
                                  through, d_gates, d_recurrent)
