"""The routines of the dense layers, the activations and the losses: the
bias and activation pass, the activations' derivatives, ``dst += scale *
src``, the softmax cross-entropy and the rows' weighting, each checked here
(see :mod:`skdl.backend._checks`) and run by the active back-end.

Every routine works in place on preallocated float32 or float64 arrays of
one dtype. Both back-ends sum the loss in float64.
"""

from functools import partial

from ._checks import check_arrays, check_weight_sum
from ._selection import routine

__all__ = [
    "FUSED_ACTIVATIONS", "bias_forward", "relu_backward", "tanh_backward",
    "sigmoid_backward", "add_scaled", "softmax_cross_entropy", "scale_rows",
]

_routine = partial(routine, "dense")

FUSED_ACTIVATIONS = ("identity", "relu", "tanh", "sigmoid")
"""The activations :func:`bias_forward` fuses with the bias addition (and the
recurrent routines with a step), by the name in their ``fused_name``."""


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
    check_arrays("bias_forward", {"z": z, "bias": bias}, ("z",), ndim=2,
                 parts={"bias": slice(1, None)})
    if activation not in FUSED_ACTIVATIONS:
        raise ValueError(
            f"bias_forward: unknown activation {activation!r}; choose one of "
            f"{list(FUSED_ACTIVATIONS)}."
        )
    _routine("bias_forward")(z, bias, activation)


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
    check_arrays("relu_backward", {"grad": grad, "a": a}, ("grad",))
    _routine("relu_backward")(grad, a)


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
    check_arrays("tanh_backward", {"grad": grad, "a": a}, ("grad",))
    _routine("tanh_backward")(grad, a)


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
    check_arrays("sigmoid_backward", {"grad": grad, "a": a}, ("grad",))
    _routine("sigmoid_backward")(grad, a)


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
    check_arrays("add_scaled", {"dst": dst, "src": src, "scratch": scratch},
                 ("dst", "scratch"))
    _routine("add_scaled")(dst, src, scale, scratch)


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
    parts = None
    if sample_weight is not None:
        arrays["sample_weight"] = sample_weight
        parts = {"sample_weight": slice(0, 1)}
    check_arrays("softmax_cross_entropy", arrays, ("out", "delta"), ndim=2, parts=parts)
    if z.shape[1] == 0:
        raise ValueError("softmax_cross_entropy: z has no columns; it needs one per class.")
    check_weight_sum("softmax_cross_entropy", weight_sum)
    return _routine("softmax_cross_entropy")(z, y, out, delta, sample_weight, weight_sum)


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
    arrays, parts = {"delta": delta}, None
    if sample_weight is not None:
        arrays["sample_weight"] = sample_weight
        parts = {"sample_weight": slice(0, 1)}
    check_arrays("scale_rows", arrays, ("delta",), ndim=2, parts=parts)
    check_weight_sum("scale_rows", weight_sum)
    _routine("scale_rows")(delta, sample_weight, weight_sum)
