"""The numba back-end of :mod:`skdl.backend.convolution` (channels-last
images, float32 or float64). Importing this module fails without numba.

Compiled as the other numba routines are (see :mod:`skdl.backend.numba`):
serial loops, ``error_model="numpy"``, cached, and the fast-math flags less
``nnan``, ``ninf`` and ``reassoc``, so that inf and NaN go through every
routine as through the NumPy back-end. What was measured here (float32,
LeNet's shapes, on a loaded 2-core machine, so ratios rather than times)
shaped the loops:

- Every access indexes a flat (per-sample) view with an index cast to
  ``uintp``. A signed index makes numba test each access for wraparound;
  with the cast, flat indexing beat slice views per window row by 1.3-4x
  (LeNet's second layer's col2im 4.1 -> 1.0 ms, the first layer's im2col
  9.8 -> 4.0 ms, about 1.5x the time of filling ``cols`` with zeros).
  The guide's advice of slice views over offsets held for signed offsets.
- :func:`im2col` and :func:`col2im` copy a window row's ``kw * C``
  contiguous values at a time from a zero-padded copy of the input (into
  one of the gradient), made only when some window reaches past the input,
  so the loops have no border branches.
- Loops of a few iterations whose count is only known at run time cost
  more than their work: a 2x2 max pool over ``range(ph)`` and
  ``range(pw)`` ran 2-3x slower than unrolled. So pools whose windows all
  lie inside the input run one loop over a table of the cells' flat
  offsets, and 2x2 windows (the common case) an unrolled body; windows
  clipped by padding run the general loops.
- Max pooling's NaN rule (a NaN wins, the first one) costs a second
  comparison and a branch in every step, 4x slower; instead the loop also
  sums the window (an add, no branch) and redoes the rare window whose sum
  is NaN (a NaN, or inf and -inf) with the full rule.

The fronts in :mod:`skdl.backend.convolution` have checked every shape, dtype, the
window geometry (each window holds at least one input cell) and every
``argmax`` index before these loops run, and the loops index without bounds
checks.
"""

import numpy as np

from ..numpy.convolution import _inverse_count_table
from ._jit import jit

__all__ = [
    "im2col", "col2im", "max_pool_forward", "max_pool_backward", "avg_pool_forward",
    "avg_pool_backward",
]

def _padded_shape(shape, window, strides, pads, out_size):
    """Shape (N, Hp, Wp, C) of the zero-padded input the windows read, and
    whether it differs from ``shape`` (some window reaches past the input)."""
    n, height, width, channels = shape
    rows = (out_size[0] - 1) * strides[0] + window[0]
    cols = (out_size[1] - 1) * strides[1] + window[1]
    needed = pads[0] or pads[1] or rows > height or cols > width
    return (n, rows, cols, channels), needed


def _interior(shape, pool_size, strides, pads, out_size):
    """Whether every window lies inside the input (no padding read)."""
    _, needed = _padded_shape(shape, pool_size, strides, pads, out_size)
    return not needed


def _crop(shape, padded_shape, pads):
    """Rows and columns of the input that the padded copy holds (the
    windows may leave the last ones out)."""
    return (min(shape[1], padded_shape[1] - pads[0]),
            min(shape[2], padded_shape[2] - pads[1]))


@jit
def _im2col(xp, kh, kw, sh, sw, oh, ow, cols):
    """im2col from an input that every window lies inside, (N, Hp, Wp, C)."""
    n_samples, height, width, channels = xp.shape
    row_size = width * channels
    flat = xp.reshape(n_samples, height * row_size)
    out = cols.reshape(cols.size)
    kwc = kw * channels
    n_cols = kh * kwc
    for n in range(n_samples):
        xs = flat[n]
        for i in range(oh):
            first_row = (n * oh + i) * ow
            for j in range(ow):
                start = (first_row + j) * n_cols
                base = i * sh * row_size + j * sw * channels
                for u in range(kh):
                    src = base + u * row_size
                    dst = start + u * kwc
                    for q in range(kwc):
                        out[np.uintp(dst + q)] = xs[np.uintp(src + q)]


def im2col(x, window, strides, pads, out_size, cols):
    """See :func:`skdl.backend.convolution.im2col`."""
    shape, needed = _padded_shape(x.shape, window, strides, pads, out_size)
    if needed:
        padded = np.zeros(shape, dtype=x.dtype)
        (top, left), (rows, cols_) = pads, _crop(x.shape, shape, pads)
        padded[:, top:top + rows, left:left + cols_] = x[:, :rows, :cols_]
        x = padded
    _im2col(x, *window, *strides, *out_size, cols)


@jit
def _col2im(dcols, kh, kw, sh, sw, oh, ow, dxp):
    """col2im into a zeroed gradient that every window lies inside,
    (N, Hp, Wp, C)."""
    n_samples, height, width, channels = dxp.shape
    row_size = width * channels
    flat = dxp.reshape(n_samples, height * row_size)
    grads = dcols.reshape(dcols.size)
    kwc = kw * channels
    n_cols = kh * kwc
    for n in range(n_samples):
        dxs = flat[n]
        for i in range(oh):
            first_row = (n * oh + i) * ow
            for j in range(ow):
                start = (first_row + j) * n_cols
                base = i * sh * row_size + j * sw * channels
                for u in range(kh):
                    dst = base + u * row_size
                    src = start + u * kwc
                    for q in range(kwc):
                        dxs[np.uintp(dst + q)] += grads[np.uintp(src + q)]


def col2im(dcols, window, strides, pads, out_size, dx):
    """See :func:`skdl.backend.convolution.col2im`."""
    shape, needed = _padded_shape(dx.shape, window, strides, pads, out_size)
    if not needed:
        dx.fill(0)
        _col2im(dcols, *window, *strides, *out_size, dx)
        return
    padded = np.zeros(shape, dtype=dx.dtype)
    _col2im(dcols, *window, *strides, *out_size, padded)
    (top, left), (rows, cols) = pads, _crop(dx.shape, shape, pads)
    dx[:, rows:] = 0
    dx[:, :, cols:] = 0
    dx[:, :rows, :cols] = padded[:, top:top + rows, left:left + cols]


def _cell_offsets(shape, pool_size):
    """Flat offset of each window cell ``u * pw + v`` from the window's
    first cell, in an input of ``shape`` (N, H, W, C) raveled per sample."""
    _, _, width, channels = shape
    ph, pw = pool_size
    return np.array([(u * width + v) * channels for u in range(ph) for v in range(pw)],
                    dtype=np.intp)


@jit
def _max_window(x, n, r, c, k, u0, u1, v0, v1, pw):
    """Maximum and first index of one window and channel, a NaN winning
    (the first NaN): the rule, for the rare window holding a NaN."""
    best = x[n, np.uintp(r + u0), np.uintp(c + v0), k]
    arg = u0 * pw + v0
    for u in range(u0, u1):
        for v in range(v0, v1):
            value = x[n, np.uintp(r + u), np.uintp(c + v), k]
            if not value <= best and best == best:
                best = value
                arg = u * pw + v
    return best, arg


@jit
def _max_pool_forward(x, ph, pw, sh, sw, top, left, out, argmax):
    """Any windows, clipped at the borders."""
    n_samples, height, width, channels = x.shape
    _, oh, ow, _ = out.shape
    for n in range(n_samples):
        for i in range(oh):
            r = i * sh - top
            u0 = max(0, -r)
            u1 = min(ph, height - r)
            for j in range(ow):
                c = j * sw - left
                v0 = max(0, -c)
                v1 = min(pw, width - c)
                for k in range(channels):
                    best = x[n, np.uintp(r + u0), np.uintp(c + v0), k]
                    arg = u0 * pw + v0
                    total = best - best  # NaN when the window holds one
                    for u in range(u0, u1):
                        for v in range(v0, v1):
                            value = x[n, np.uintp(r + u), np.uintp(c + v), k]
                            total += value
                            if value > best:
                                best = value
                                arg = u * pw + v
                    if total != total:
                        best, arg = _max_window(x, n, r, c, k, u0, u1, v0, v1, pw)
                    out[n, i, j, k] = best
                    argmax[n, i, j, k] = arg


@jit
def _max_pool_inside(x, offsets, pw, sh, sw, out, argmax):
    """Windows all inside the input: one loop over the cells' flat offsets."""
    n_samples, height, width, channels = x.shape
    _, oh, ow, _ = out.shape
    flat = x.reshape(n_samples, height * width * channels)
    out_flat = out.reshape(n_samples, oh * ow * channels)
    arg_flat = argmax.reshape(n_samples, oh * ow * channels)
    ph = offsets.size // pw
    for n in range(n_samples):
        xs = flat[n]
        for i in range(oh):
            for j in range(ow):
                base = (i * sh * width + j * sw) * channels
                o = (i * ow + j) * channels
                for k in range(channels):
                    best = xs[np.uintp(base + k)]
                    arg = 0
                    total = best - best
                    for t in range(offsets.size):
                        value = xs[np.uintp(base + offsets[t] + k)]
                        total += value
                        if value > best:
                            best = value
                            arg = t
                    if total != total:
                        best, arg = _max_window(x, n, i * sh, j * sw, k, 0, ph, 0, pw, pw)
                    out_flat[n, np.uintp(o + k)] = best
                    arg_flat[n, np.uintp(o + k)] = arg


@jit
def _max_pool_2x2(x, sh, sw, out, argmax):
    """2x2 windows all inside the input, unrolled."""
    n_samples, height, width, channels = x.shape
    _, oh, ow, _ = out.shape
    flat = x.reshape(n_samples, height * width * channels)
    out_flat = out.reshape(n_samples, oh * ow * channels)
    arg_flat = argmax.reshape(n_samples, oh * ow * channels)
    wc = width * channels
    for n in range(n_samples):
        xs = flat[n]
        for i in range(oh):
            for j in range(ow):
                base = i * sh * wc + j * sw * channels
                o = (i * ow + j) * channels
                for k in range(channels):
                    p = base + k
                    a0 = xs[np.uintp(p)]
                    a1 = xs[np.uintp(p + channels)]
                    a2 = xs[np.uintp(p + wc)]
                    a3 = xs[np.uintp(p + wc + channels)]
                    best = a0
                    arg = 0
                    if a1 > best:
                        best = a1
                        arg = 1
                    if a2 > best:
                        best = a2
                        arg = 2
                    if a3 > best:
                        best = a3
                        arg = 3
                    total = a0 + a1 + a2 + a3
                    if total != total:
                        best, arg = _max_window(x, n, i * sh, j * sw, k, 0, 2, 0, 2, 2)
                    out_flat[n, np.uintp(o + k)] = best
                    arg_flat[n, np.uintp(o + k)] = arg


def max_pool_forward(x, pool_size, strides, pads, out, argmax):
    """See :func:`skdl.backend.convolution.max_pool_forward`."""
    if not _interior(x.shape, pool_size, strides, pads, out.shape[1:3]):
        _max_pool_forward(x, *pool_size, *strides, *pads, out, argmax)
    elif pool_size == (2, 2):
        _max_pool_2x2(x, *strides, out, argmax)
    else:
        _max_pool_inside(x, _cell_offsets(x.shape, pool_size), pool_size[1], *strides, out,
                         argmax)


@jit
def _max_pool_backward(dout, argmax, offsets, sh, sw, top, left, dx):
    n_samples, oh, ow, channels = dout.shape
    _, height, width, _ = dx.shape
    flat = dx.reshape(n_samples, height * width * channels)
    for n in range(n_samples):
        dxs = flat[n]
        for i in range(oh):
            r = i * sh - top
            for j in range(ow):
                # the window's first cell, maybe padding: its cells inside are >= 0
                base = (r * width + j * sw - left) * channels
                for k in range(channels):
                    cell = base + offsets[argmax[n, i, j, k]] + k
                    dxs[np.uintp(cell)] += dout[n, i, j, k]


def max_pool_backward(dout, argmax, pool_size, strides, pads, dx):
    """See :func:`skdl.backend.convolution.max_pool_backward`."""
    dx.fill(0)
    _max_pool_backward(dout, argmax, _cell_offsets(dx.shape, pool_size), *strides, *pads,
                       dx)


@jit
def _avg_pool_forward(x, ph, pw, sh, sw, top, left, inverse_counts, out):
    """Any windows, clipped at the borders."""
    n_samples, height, width, channels = x.shape
    _, oh, ow, _ = out.shape
    for n in range(n_samples):
        for i in range(oh):
            r = i * sh - top
            u0 = max(0, -r)
            u1 = min(ph, height - r)
            for j in range(ow):
                c = j * sw - left
                v0 = max(0, -c)
                v1 = min(pw, width - c)
                total = out[n, i, j]
                for k in range(channels):
                    total[k] = 0
                for u in range(u0, u1):
                    for v in range(v0, v1):
                        src = x[n, np.uintp(r + u), np.uintp(c + v)]
                        for k in range(channels):
                            total[k] += src[k]
                scale = inverse_counts[i, j]
                for k in range(channels):
                    total[k] *= scale


@jit
def _avg_pool_inside(x, offsets, sh, sw, scale, out):
    """Windows all inside the input, summed in the same order (offsets in
    C order)."""
    n_samples, height, width, channels = x.shape
    _, oh, ow, _ = out.shape
    flat = x.reshape(n_samples, height * width * channels)
    out_flat = out.reshape(n_samples, oh * ow * channels)
    for n in range(n_samples):
        xs = flat[n]
        for i in range(oh):
            for j in range(ow):
                base = (i * sh * width + j * sw) * channels
                o = (i * ow + j) * channels
                for k in range(channels):
                    total = scale - scale  # a zero of the dtype
                    for t in range(offsets.size):
                        total += xs[np.uintp(base + offsets[t] + k)]
                    out_flat[n, np.uintp(o + k)] = total * scale


@jit
def _avg_pool_2x2(x, sh, sw, scale, out):
    """2x2 windows all inside the input, unrolled, summed in the same order."""
    n_samples, height, width, channels = x.shape
    _, oh, ow, _ = out.shape
    flat = x.reshape(n_samples, height * width * channels)
    out_flat = out.reshape(n_samples, oh * ow * channels)
    wc = width * channels
    for n in range(n_samples):
        xs = flat[n]
        for i in range(oh):
            for j in range(ow):
                base = i * sh * wc + j * sw * channels
                o = (i * ow + j) * channels
                for k in range(channels):
                    p = base + k
                    total = xs[np.uintp(p)] + xs[np.uintp(p + channels)]
                    total = total + xs[np.uintp(p + wc)]
                    total = total + xs[np.uintp(p + wc + channels)]
                    out_flat[n, np.uintp(o + k)] = total * scale


def avg_pool_forward(x, pool_size, strides, pads, out):
    """See :func:`skdl.backend.convolution.avg_pool_forward`."""
    inverse = _inverse_count_table(x.shape, pool_size, strides, pads, out.shape[1:3],
                                   x.dtype)
    if not _interior(x.shape, pool_size, strides, pads, out.shape[1:3]):
        _avg_pool_forward(x, *pool_size, *strides, *pads, inverse, out)
    elif pool_size == (2, 2):
        _avg_pool_2x2(x, *strides, inverse[0, 0], out)
    else:
        _avg_pool_inside(x, _cell_offsets(x.shape, pool_size), *strides, inverse[0, 0], out)


@jit
def _avg_pool_backward(dout, ph, pw, sh, sw, top, left, inverse_counts, dx):
    """Any windows, clipped at the borders."""
    n_samples, oh, ow, channels = dout.shape
    _, height, width, _ = dx.shape
    for n in range(n_samples):
        for i in range(oh):
            r = i * sh - top
            u0 = max(0, -r)
            u1 = min(ph, height - r)
            for j in range(ow):
                c = j * sw - left
                v0 = max(0, -c)
                v1 = min(pw, width - c)
                grad = dout[n, i, j]
                scale = inverse_counts[i, j]
                for u in range(u0, u1):
                    for v in range(v0, v1):
                        dst = dx[n, np.uintp(r + u), np.uintp(c + v)]
                        for k in range(channels):
                            dst[k] += grad[k] * scale


@jit
def _avg_pool_inside_backward(dout, offsets, sh, sw, scale, dx):
    """Windows all inside the input: one loop over the cells' offsets."""
    n_samples, oh, ow, channels = dout.shape
    _, height, width, _ = dx.shape
    flat = dx.reshape(n_samples, height * width * channels)
    for n in range(n_samples):
        dxs = flat[n]
        for i in range(oh):
            for j in range(ow):
                base = (i * sh * width + j * sw) * channels
                for k in range(channels):
                    share = dout[n, i, j, k] * scale
                    for t in range(offsets.size):
                        dxs[np.uintp(base + offsets[t] + k)] += share


@jit
def _avg_pool_2x2_backward(dout, sh, sw, scale, dx):
    """2x2 windows all inside the input, unrolled."""
    n_samples, oh, ow, channels = dout.shape
    _, height, width, _ = dx.shape
    flat = dx.reshape(n_samples, height * width * channels)
    wc = width * channels
    for n in range(n_samples):
        dxs = flat[n]
        for i in range(oh):
            for j in range(ow):
                base = i * sh * wc + j * sw * channels
                for k in range(channels):
                    share = dout[n, i, j, k] * scale
                    p = base + k
                    dxs[np.uintp(p)] += share
                    dxs[np.uintp(p + channels)] += share
                    dxs[np.uintp(p + wc)] += share
                    dxs[np.uintp(p + wc + channels)] += share


def avg_pool_backward(dout, pool_size, strides, pads, dx):
    """See :func:`skdl.backend.convolution.avg_pool_backward`."""
    inverse = _inverse_count_table(dx.shape, pool_size, strides, pads, dout.shape[1:3],
                                   dx.dtype)
    dx.fill(0)
    if not _interior(dx.shape, pool_size, strides, pads, dout.shape[1:3]):
        _avg_pool_backward(dout, *pool_size, *strides, *pads, inverse, dx)
    elif pool_size == (2, 2):
        _avg_pool_2x2_backward(dout, *strides, inverse[0, 0], dx)
    else:
        _avg_pool_inside_backward(dout, _cell_offsets(dx.shape, pool_size), *strides,
                                  inverse[0, 0], dx)
