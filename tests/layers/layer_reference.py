"""Plain-loop references of the layers, written here from the definitions
(channels-last, Keras layouts, cross-correlation, TensorFlow's "same"
padding: ``out = ceil(n / s)``, the odd extra padding cell at the bottom or
right), independent of skdl's routines; a helper that builds one layer
with weights of its own, outside any network; and one that gradient-checks
a stack."""

import numpy as np


def geometry(size, window, stride, padding):
    """Output length and padding before the input along one axis."""
    if padding == "valid":
        return (size - window) // stride + 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, total // 2


def windows(x, window, strides, padding):
    """Yield ``(i, j, cells)`` for every output position: ``cells`` the
    (n, rows, cols, C) part of ``x`` inside the window (padding excluded),
    and the window's top-left corner ``(r0, c0)`` in input coordinates."""
    _, height, width, _ = x.shape
    (kh, kw), (sh, sw) = window, strides
    oh, top = geometry(height, kh, sh, padding)
    ow, left = geometry(width, kw, sw, padding)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - top, j * sw - left
            rows = slice(max(r0, 0), min(r0 + kh, height))
            cols = slice(max(c0, 0), min(c0 + kw, width))
            yield i, j, (r0, c0), x[:, rows, cols, :]


def output_size(x, window, strides, padding):
    _, height, width, _ = x.shape
    return (geometry(height, window[0], strides[0], padding)[0],
            geometry(width, window[1], strides[1], padding)[0])


def conv2d(x, kernel, bias, strides, padding):
    """Cross-correlation of channels-last ``x`` with a Keras-layout
    ``kernel`` (kh, kw, C, F), cells outside the image counting as 0."""
    n, height, width, _ = x.shape
    kh, kw, _, filters = kernel.shape
    oh, ow = output_size(x, (kh, kw), strides, padding)
    _, top = geometry(height, kh, strides[0], padding)
    _, left = geometry(width, kw, strides[1], padding)
    out = np.zeros((n, oh, ow, filters))
    for i in range(oh):
        for j in range(ow):
            for u in range(kh):
                for v in range(kw):
                    r, c = i * strides[0] - top + u, j * strides[1] - left + v
                    if 0 <= r < height and 0 <= c < width:
                        out[:, i, j, :] += x[:, r, c, :] @ kernel[u, v]
    return out + bias


def max_pool(x, window, strides, padding):
    oh, ow = output_size(x, window, strides, padding)
    out = np.empty((x.shape[0], oh, ow, x.shape[3]))
    for i, j, _, cells in windows(x, window, strides, padding):
        out[:, i, j] = cells.max(axis=(1, 2))
    return out


def avg_pool(x, window, strides, padding):
    """Mean over the cells of each window that lie inside the image."""
    oh, ow = output_size(x, window, strides, padding)
    out = np.empty((x.shape[0], oh, ow, x.shape[3]))
    for i, j, _, cells in windows(x, window, strides, padding):
        out[:, i, j] = cells.mean(axis=(1, 2))
    return out


def max_pool_backward(x, dout, window, strides, padding):
    """Each output's gradient added to the first maximum of its window, the
    window's cells taken in row-major order."""
    dx = np.zeros(x.shape)
    n, _, _, channels = x.shape
    for i, j, (r0, c0), cells in windows(x, window, strides, padding):
        r_lo, c_lo = max(r0, 0), max(c0, 0)
        for s in range(n):
            for c in range(channels):
                block = cells[s, :, :, c]
                u, v = np.unravel_index(np.argmax(block), block.shape)  # first max
                dx[s, r_lo + u, c_lo + v, c] += dout[s, i, j, c]
    return dx


def bind_weights(layer, input_shape, seed=0, dtype=np.float64):
    """Build ``layer`` for ``input_shape`` and bind weights drawn from a
    normal distribution (and zeroed gradient arrays) of its own; returns
    the layer."""
    layer.build(input_shape, dtype)
    rs = np.random.RandomState(seed)
    specs = layer.weight_specs()
    layer.bind([rs.normal(size=s.shape).astype(dtype) for s in specs],
               [np.zeros(s.shape, dtype) for s in specs])
    return layer


def check_stack(layers, input_shape, n_rows=3):
    """Gradient-check ``layers`` then a ``Dense(2)`` output, in float64, on
    normal draws; assert a relative error below 1e-6 on a gradient that is
    not mostly zero."""
    from skdl.gradcheck import check_gradients
    from skdl.layers import Dense
    from skdl.network import Network

    net = Network([*layers, Dense(2)], input_shape)
    net.initialize(np.random.RandomState(0))
    rs = np.random.RandomState(2)
    X, Y = rs.normal(size=(n_rows, net.n_features)), rs.normal(size=(n_rows, 2))
    error, analytic, _ = check_gradients(net, X, Y, "squared_error")
    assert error < 1e-6
    assert np.count_nonzero(analytic) > analytic.size // 2


def pair(value):
    """An int or a pair of ints as a pair."""
    return (value, value) if np.ndim(value) == 0 else tuple(value)
