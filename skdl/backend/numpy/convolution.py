"""The NumPy back-end of :mod:`skdl.backend.convolution` (channels-last
images, float32 or float64).

No Python loop runs over samples or output positions: every routine is a few
whole-array operations, or one per offset ``(u, v)`` of the window (at most
``kh * kw`` of them), each over strided views of all the windows at once.
Padding is never materialised except in :func:`im2col`: for each offset the
views are clipped to the output positions whose cell at that offset lies
inside the input (:func:`_offset_ranges`), which is where a padded cell would
have contributed a zero (a convolution, an average) or never won (a
maximum).

The fronts in :mod:`skdl.backend.convolution` have checked every shape, dtype and the
window geometry (each window holds at least one input cell) before these
run.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "im2col", "col2im", "max_pool_forward", "max_pool_backward", "avg_pool_forward",
    "avg_pool_backward",
]


def _offset_ranges(size, out, window, stride, pad):
    """For each window offset ``u`` along one axis, ``(lo, hi, start)``: the
    output positions ``lo <= i < hi`` whose cell at offset ``u``, ``i * stride
    - pad + u``, lies inside ``[0, size)``, and that cell for ``i = lo``."""
    ranges = []
    for u in range(window):
        lo = max(0, -((u - pad) // stride))  # ceil((pad - u) / stride)
        hi = min(out, (size - 1 + pad - u) // stride + 1)
        hi = max(hi, lo)
        ranges.append((lo, hi, lo * stride - pad + u))
    return ranges


def _views(x, window, strides, pads, out_size):
    """For each offset ``(u, v)`` in C order: ``(index, window, cells)`` with
    ``window`` the ``(slice, slice)`` of output positions whose cell at that
    offset lies inside the input, and ``cells`` those cells as a strided
    view of ``x`` (N, rows, cols, C) aligned with the windows."""
    _, height, width, _ = x.shape
    (kh, kw), (sh, sw), (top, left), (oh, ow) = window, strides, pads, out_size
    rows = _offset_ranges(height, oh, kh, sh, top)
    cols = _offset_ranges(width, ow, kw, sw, left)
    for u, (i_lo, i_hi, r0) in enumerate(rows):
        for v, (j_lo, j_hi, c0) in enumerate(cols):
            if i_hi == i_lo or j_hi == j_lo:
                continue
            window = (slice(i_lo, i_hi), slice(j_lo, j_hi))
            cells = x[:, r0:r0 + (i_hi - i_lo - 1) * sh + 1:sh,
                      c0:c0 + (j_hi - j_lo - 1) * sw + 1:sw]
            yield u * kw + v, window, cells


def _valid_counts(size, out, window, stride, pad):
    """Number of input cells in each window along one axis."""
    starts = np.arange(out) * stride - pad
    return np.minimum(starts + window, size) - np.maximum(starts, 0)


def im2col(x, window, strides, pads, out_size, cols):
    """See :func:`skdl.backend.convolution.im2col`.

    One copy from a 6-D strided view (N, OH, OW, kh, kw, C) of ``x``, zero
    padded first into a temporary when a window reaches past the input; the
    copy's innermost run is a window row's ``kw * C`` contiguous values.
    """
    n, height, width, channels = x.shape
    (kh, kw), (sh, sw), (top, left), (oh, ow) = window, strides, pads, out_size
    rows_needed = (oh - 1) * sh + kh
    cols_needed = (ow - 1) * sw + kw
    if top or left or rows_needed > height or cols_needed > width:
        shape = (n, max(top + height, rows_needed), max(left + width, cols_needed),
                 channels)
        padded = np.zeros(shape, dtype=x.dtype)
        padded[:, top:top + height, left:left + width] = x
        x = padded
    s0, s1, s2, s3 = x.strides
    patches = as_strided(x, shape=(n, oh, ow, kh, kw, channels),
                         strides=(s0, sh * s1, sw * s2, s1, s2, s3), writeable=False)
    np.copyto(cols.reshape(n, oh, ow, kh, kw, channels), patches)


def _overlap(window, strides):
    """Whether windows overlap (a stride below the window along some axis):
    otherwise every input cell is at one offset of at most one window, and
    the backward routines may assign instead of add."""
    return strides[0] < window[0] or strides[1] < window[1]


def col2im(dcols, window, strides, pads, out_size, dx):
    """See :func:`skdl.backend.convolution.col2im`: one strided add per window offset
    (an assignment when windows do not overlap).

    With a stride of 1 along the width and several channels, ``dcols`` is
    first copied offset-major, (kh, kw, N, OH, OW, C): each add then runs
    over rows of ``OW * C`` contiguous values instead of ``C``, which saved
    a third of the time on LeNet's second layer despite the copy.
    """
    n, _, _, channels = dx.shape
    (kh, kw), (oh, ow) = window, out_size
    blocks = dcols.reshape(n, oh, ow, kh, kw, channels)
    if strides[1] == 1 and channels > 1:
        blocks = np.ascontiguousarray(blocks.transpose(3, 4, 0, 1, 2, 5)).transpose(
            2, 3, 4, 0, 1, 5)
    overlap = _overlap(window, strides)
    dx.fill(0)
    for index, (rows, cols), cells in _views(dx, window, strides, pads, out_size):
        u, v = divmod(index, kw)
        if overlap:
            cells += blocks[:, rows, cols, u, v]
        else:
            np.copyto(cells, blocks[:, rows, cols, u, v])


_BITS = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}
"""Integers of each float's width, to select floats by a bit mask."""


def max_pool_forward(x, pool_size, strides, pads, out, argmax):
    """See :func:`skdl.backend.convolution.max_pool_forward`.

    The maximum is one ``np.maximum`` per offset (NaN propagates, as in the
    numba back-end); then, offsets in reverse, each window's index becomes
    that of the cells equal to its maximum, so the first such cell is left,
    and a window whose maximum is NaN takes its first NaN's index. The
    index is set by uint8 arithmetic, ``argmax += (index - argmax) * hit``
    (modulo 256), 10x cheaper than ``np.copyto(..., where=hit)``.
    """
    out.fill(-np.inf)
    views = list(_views(x, pool_size, strides, pads, out.shape[1:3]))
    for _, (rows, cols), cells in views:
        target = out[:, rows, cols]
        np.maximum(target, cells, out=target)
    nan = out.size > 0 and bool(np.isnan(out.min()))
    hit = np.empty(out.shape, dtype=bool)
    step = np.empty(out.shape, dtype=np.uint8)
    for index, (rows, cols), cells in reversed(views):
        target, found = out[:, rows, cols], hit[:, rows, cols]
        np.equal(cells, target, out=found)
        if nan:
            found |= np.isnan(cells) & np.isnan(target)
        arg, change = argmax[:, rows, cols], step[:, rows, cols]
        np.subtract(np.uint8(index), arg, out=change)
        np.multiply(change, found, out=change)
        arg += change


def max_pool_backward(dout, argmax, pool_size, strides, pads, dx):
    """See :func:`skdl.backend.convolution.max_pool_backward`: per offset, ``dout``
    where ``argmax`` names that offset, selected by a bit mask (exact, inf
    and NaN included, where a product by the mask would turn ``inf * 0``
    into NaN), added into ``dx``, or assigned when windows do not overlap."""
    bits = _BITS[dx.dtype]
    overlap = _overlap(pool_size, strides)
    dx.fill(0)
    hit = np.empty(dout.shape, dtype=bool)
    select = np.empty(dout.shape, dtype=bits)
    picked = np.empty_like(dout) if overlap else None
    for index, (rows, cols), cells in _views(dx, pool_size, strides, pads,
                                             dout.shape[1:3]):
        found, mask = hit[:, rows, cols], select[:, rows, cols]
        np.equal(argmax[:, rows, cols], index, out=found)
        np.subtract(0, found, out=mask, dtype=bits)  # all bits set where found
        grad = dout[:, rows, cols].view(bits)
        if overlap:
            part = picked[:, rows, cols]
            np.bitwise_and(grad, mask, out=part.view(bits))
            cells += part
        else:
            np.bitwise_and(grad, mask, out=cells.view(bits))


def _inverse_count_table(shape, pool_size, strides, pads, out_size, dtype):
    """``1 / (number of input cells)`` of each window, of shape (OH, OW), in
    ``dtype``, for an input of ``shape`` (N, H, W, C)."""
    _, height, width, _ = shape
    rows = _valid_counts(height, out_size[0], pool_size[0], strides[0], pads[0])
    cols = _valid_counts(width, out_size[1], pool_size[1], strides[1], pads[1])
    counts = np.multiply.outer(rows, cols).astype(dtype)
    return np.divide(dtype.type(1), counts, dtype=dtype)


def _inverse_counts(shape, pool_size, strides, pads, out_size, dtype):
    """As :func:`_inverse_count_table`, of shape (OH, OW, 1) to broadcast
    over channels, or a scalar (the same value) when every window lies
    inside the input."""
    table = _inverse_count_table(shape, pool_size, strides, pads, out_size, dtype)
    full = dtype.type(1) / dtype.type(pool_size[0] * pool_size[1])
    if (table == full).all():
        return full
    return table[:, :, None]


def avg_pool_forward(x, pool_size, strides, pads, out):
    """See :func:`skdl.backend.convolution.avg_pool_forward`: one strided add per
    offset, then a product by each window's inverse count."""
    out.fill(0)
    for _, (rows, cols), cells in _views(x, pool_size, strides, pads, out.shape[1:3]):
        out[:, rows, cols] += cells
    out *= _inverse_counts(x.shape, pool_size, strides, pads, out.shape[1:3], out.dtype)


def avg_pool_backward(dout, pool_size, strides, pads, dx):
    """See :func:`skdl.backend.convolution.avg_pool_backward`: each window's share of
    ``dout`` added back per offset (assigned when windows do not
    overlap)."""
    share = dout * _inverse_counts(dx.shape, pool_size, strides, pads, dout.shape[1:3],
                                   dout.dtype)
    overlap = _overlap(pool_size, strides)
    dx.fill(0)
    for _, (rows, cols), cells in _views(dx, pool_size, strides, pads, dout.shape[1:3]):
        if overlap:
            cells += share[:, rows, cols]
        else:
            np.copyto(cells, share[:, rows, cols])
