"""The convolution and pooling routines, over channels-last images
``(n_samples, height, width, channels)`` of float32 or float64.

Windows start at ``i * stride - pad`` along each axis; ``pads`` gives the
top and left padding only, the bottom and right padding follow from the
output size. Every window must hold at least one input cell (true of
"valid" and of TensorFlow's "same", see :func:`conv_output_size`); the
routines here check that, every array's shape, dtype and contiguity, and
every ``argmax`` index, before the back-end's loops run, since those index
without bounds checks.
"""

from functools import partial
import numbers

import numpy as np

from ._checks import (
    FLOAT_DTYPES,
    check_distinct,
    check_fit,
    check_pair,
    check_written,
    describe,
)
from ._selection import routine

__all__ = [
    "conv_output_size", "im2col", "col2im", "max_pool_forward", "max_pool_backward",
    "avg_pool_forward", "avg_pool_backward",
]

_routine = partial(routine, "convolution")

_AXES = ("height", "width")

def conv_output_size(size, window, stride, padding):
    """Output length and leading padding of a convolution or pooling along
    one axis, as Keras and TensorFlow compute them.

    Parameters
    ----------
    size : int
        Input length (height or width), at least 1.
    window : int
        Window length, at least 1.
    stride : int
        Step between windows, at least 1.
    padding : {"valid", "same"}
        ``"valid"``: windows inside the input only, ``out = (size - window)
        // stride + 1``, no padding. ``"same"``: ``out = ceil(size /
        stride)``, padded by ``max((out - 1) * stride + window - size, 0)``
        cells in all, the smaller half (``pad_total // 2``) before the input
        and the rest after it.

    Returns
    -------
    out : int
        Number of windows (the output length).
    pad_before : int
        Padding before the input (top or left), for the routines' ``pads``;
        the padding after it is implied by ``out``.

    Raises
    ------
    ValueError
        If a length is not a positive integer, ``padding`` is neither
        ``"valid"`` nor ``"same"``, or ``window > size`` with ``"valid"``.

    Examples
    --------
    >>> from skdl.backend.convolution import conv_output_size
    >>> conv_output_size(28, 5, 1, "same")
    (28, 2)
    >>> conv_output_size(14, 5, 1, "valid")
    (10, 0)
    >>> conv_output_size(5, 2, 2, "same")
    (3, 0)
    """
    for name, value in (("size", size), ("window", window), ("stride", stride)):
        if not (isinstance(value, numbers.Integral) and not isinstance(value, bool)
                and value >= 1):
            raise ValueError(
                f"conv_output_size: {name} must be a positive integer; got {value!r}."
            )
    size, window, stride = int(size), int(window), int(stride)
    if padding == "valid":
        if window > size:
            raise ValueError(
                f"conv_output_size: a window of {window} does not fit an input of "
                f"{size} without padding; use padding='same' or a smaller window."
            )
        return (size - window) // stride + 1, 0
    if padding == "same":
        out = -(-size // stride)
        pad_total = max((out - 1) * stride + window - size, 0)
        return out, pad_total // 2
    raise ValueError(
        f"conv_output_size: padding must be 'valid' or 'same'; got {padding!r}."
    )


def _window_geometry(routine, image_name, image, window_name, window, strides, pads,
                     out_size, out_name="out_size"):
    """Check the image every other array must fit (a 4-D float32 or float64
    array) and the windows over it; return the four pairs as ints.

    ``out_name`` names where ``out_size`` came from: the argument itself, or
    the output array whose height and width it is."""
    if not (isinstance(image, np.ndarray) and image.dtype in FLOAT_DTYPES):
        raise ValueError(
            f"{routine}: {image_name} must be a float32 or float64 NumPy array; got "
            f"{describe(image)}."
        )
    if image.ndim != 4:
        raise ValueError(
            f"{routine}: {image_name} must be 4-D (n_samples, height, width, channels); "
            f"got shape {image.shape}."
        )
    window = check_pair(routine, window_name, window, 1)
    strides = check_pair(routine, "strides", strides, 1)
    pads = check_pair(routine, "pads", pads, 0)
    if out_name == "out_size":
        out_size = check_pair(routine, "out_size", out_size, 1)
        out_labels = ("out_size[0]", "out_size[1]")
    else:
        out_size = check_pair(routine, f"{out_name}.shape[1:3]", out_size, 1)
        out_labels = (f"{out_name}.shape[1]", f"{out_name}.shape[2]")
    for axis in (0, 1):
        size, k, stride = image.shape[1 + axis], window[axis], strides[axis]
        pad, out = pads[axis], out_size[axis]
        if pad >= k:
            raise ValueError(
                f"{routine}: pads[{axis}]={pad} leaves the first window along the "
                f"{_AXES[axis]} without an input cell; it must be smaller than "
                f"{window_name}[{axis}]={k}."
            )
        if (out - 1) * stride - pad > size - 1:
            raise ValueError(
                f"{routine}: {out_labels[axis]}={out} puts the last window along the "
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


def _check_arrays(routine, reference, arrays, written, out_size):
    """Refuse arrays that are not NumPy arrays of their dtype (the float
    reference's, or the one given) and shape, not C-contiguous (any of
    them), not writeable (the ``written`` ones), or written ones that share
    memory with another (the loops would read what they already wrote).

    ``arrays`` maps each name to ``(array, shape, dtype)``: the needed shape,
    and ``dtype`` None for the reference's; the entry named ``reference`` is
    the (already checked) array the others must fit.
    """
    others = {name: entry for name, entry in arrays.items() if name != reference}
    check_fit(routine, (reference, arrays[reference][0]),
              {name: array for name, (array, _, _) in others.items()},
              {name: shape for name, (_, shape, _) in others.items()},
              {name: dtype for name, (_, _, dtype) in others.items() if dtype is not None},
              context=f" and out_size {out_size}")
    plain = {name: array for name, (array, _, _) in arrays.items()}
    check_written(routine, plain, written, all_contiguous=True)
    check_distinct(routine, plain, written)


def _check_pool_cells(routine, pool_size):
    """Refuse windows whose cells a uint8 ``argmax`` cannot number."""
    if pool_size[0] * pool_size[1] > 256:
        raise ValueError(
            f"{routine}: pool_size {pool_size} has {pool_size[0] * pool_size[1]} cells, "
            "more than argmax's uint8 can number (256)."
        )


def _check_argmax(routine, argmax, pool_size, strides, pads, image_shape):
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
            f"{routine}: argmax holds {largest}, but a {ph}x{pw} window has cells "
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
                f"{routine}: argmax names a padded cell, outside the input, in a window "
                f"of output {'row' if axis == 0 else 'column'} {position}."
            )


def im2col(x, window, strides, pads, out_size, cols):
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
    window : (int, int)
        ``(kh, kw)``, the convolution kernel's height and width.
    strides : (int, int)
        ``(sh, sw)``.
    pads : (int, int)
        Padding before the input, ``(top, left)``, each smaller than the
        window; the bottom and right padding are implied by ``out_size``.
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
        the window, or more windows than fit).

    See Also
    --------
    col2im : Its adjoint, for the gradient with respect to ``x``.
    """
    (kh, kw), strides, pads, (oh, ow) = _window_geometry(
        "im2col", "x", x, "window", window, strides, pads, out_size)
    n, _, _, c = x.shape
    _check_arrays("im2col", "x", {"x": (x, None, None),
                                  "cols": (cols, (n * oh * ow, kh * kw * c), None)},
                  ("cols",), (oh, ow))
    _routine("im2col")(x, (kh, kw), strides, pads, (oh, ow), cols)


def col2im(dcols, window, strides, pads, out_size, dx):
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
    window, strides, pads, out_size : (int, int)
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
        "col2im", "dx", dx, "window", window, strides, pads, out_size)
    n, _, _, c = dx.shape
    _check_arrays("col2im", "dx", {"dx": (dx, None, None),
                                   "dcols": (dcols, (n * oh * ow, kh * kw * c), None)},
                  ("dx",), (oh, ow))
    _routine("col2im")(dcols, (kh, kw), strides, pads, (oh, ow), dx)


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
    _check_arrays("max_pool_forward", "x",
                  {"x": (x, None, None), "out": (out, (n, oh, ow, c), None),
                   "argmax": (argmax, (n, oh, ow, c), np.uint8)},
                  ("out", "argmax"), (oh, ow))
    _routine("max_pool_forward")(x, pool_size, strides, pads, out, argmax)


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
    _check_arrays("max_pool_backward", "dx",
                  {"dx": (dx, None, None), "dout": (dout, (n, oh, ow, c), None),
                   "argmax": (argmax, (n, oh, ow, c), np.uint8)},
                  ("dx",), (oh, ow))
    _check_argmax("max_pool_backward", argmax, pool_size, strides, pads, dx.shape)
    _routine("max_pool_backward")(dout, argmax, pool_size, strides, pads, dx)


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
    _check_arrays("avg_pool_forward", "x",
                  {"x": (x, None, None), "out": (out, (n, oh, ow, c), None)},
                  ("out",), (oh, ow))
    _routine("avg_pool_forward")(x, pool_size, strides, pads, out)


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
    _check_arrays("avg_pool_backward", "dx",
                  {"dx": (dx, None, None), "dout": (dout, (n, oh, ow, c), None)},
                  ("dx",), (oh, ow))
    _routine("avg_pool_backward")(dout, pool_size, strides, pads, dx)
