"""skdl.backend.convolution: the convolution and pooling routines
(channels-last) of both back-ends
against plain loops written here, against each other, and on input they must
refuse."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl import backend as backends
from skdl.backend import convolution

BACKENDS = backends.available()
DTYPES = [np.float32, np.float64]


def _tol(dtype):
    if dtype == np.float32:
        return {"rtol": 1e-5, "atol": 1e-5}
    return {"rtol": 1e-12, "atol": 1e-12}


@pytest.fixture
def rng():
    return np.random.RandomState(0)


def _geometry(h, w, window, strides, padding):
    """(pads, out_size) for ``padding`` "valid" or "same", or given as such."""
    if not isinstance(padding, str):
        return padding
    oh, top = convolution.conv_output_size(h, window[0], strides[0], padding)
    ow, left = convolution.conv_output_size(w, window[1], strides[1], padding)
    return (top, left), (oh, ow)


# (n, h, w, c, window, strides, padding): strides 1, 2 and past the
# window, odd and even windows, C = 1 and more, window rows of fewer and of
# more than 16 values (the numba back-end copies those two differently)
CONV_CASES = [
    (2, 7, 6, 1, (3, 3), (1, 1), "same"),
    (2, 7, 6, 3, (3, 3), (2, 2), "same"),
    (2, 8, 7, 3, (4, 2), (1, 2), "same"),
    (2, 6, 9, 1, (2, 2), (2, 2), "valid"),
    (1, 9, 8, 3, (5, 5), (2, 1), "valid"),
    (2, 5, 5, 3, (5, 4), (1, 1), "same"),
    (2, 9, 9, 2, (2, 2), (3, 3), "valid"),
    (2, 7, 7, 6, (3, 3), (1, 1), "same"),
    (2, 6, 6, 8, (5, 5), (2, 2), "same"),
    (2, 8, 8, 6, (4, 4), (1, 1), "same"),
    (1, 4, 4, 1, (1, 1), (1, 1), "valid"),
    (2, 5, 6, 2, (3, 3), (1, 1), ((2, 2), (7, 8))),  # "full": every overlap
    (2, 5, 6, 8, (3, 3), (1, 1), ((2, 2), (7, 8))),
]
POOL_CASES = [
    (2, 6, 6, 3, (2, 2), (2, 2), "valid"),
    (2, 7, 5, 3, (2, 2), (2, 2), "same"),  # odd sizes: padded bottom and right
    (2, 7, 5, 3, (2, 2), (2, 2), "valid"),  # odd sizes: last row left out
    (2, 7, 7, 1, (3, 3), (2, 2), "same"),  # overlapping
    (2, 6, 5, 3, (3, 3), (1, 1), "same"),  # overlapping, padded on every side
    (2, 8, 7, 2, (2, 3), (1, 2), "valid"),
    (1, 5, 5, 3, (4, 4), (3, 3), "same"),
    (2, 9, 9, 3, (2, 2), (3, 3), "valid"),
    (2, 4, 4, 2, (5, 5), (1, 1), "same"),  # windows larger than the input
    (2, 6, 6, 3, (2, 2), (1, 1), "valid"),
]


def _case_id(case):
    n, h, w, c, window, strides, padding = case
    pad = padding if isinstance(padding, str) else f"pads{padding[0]}"
    return f"{n}x{h}x{w}x{c}-k{window[0]}{window[1]}-s{strides[0]}{strides[1]}-{pad}"


# -- plain loops ---------------------------------------------------------------

def _cells(h, w, i, j, window, strides, pads):
    """(u, v, row, col) of window (i, j)'s cells inside the input, in C order."""
    for u in range(window[0]):
        for v in range(window[1]):
            r = i * strides[0] - pads[0] + u
            c = j * strides[1] - pads[1] + v
            if 0 <= r < h and 0 <= c < w:
                yield u, v, r, c


def loop_im2col(x, window, strides, pads, out_size):
    n, h, w, c = x.shape
    (kh, kw), (oh, ow) = window, out_size
    cols = np.zeros((n * oh * ow, kh * kw * c), dtype=x.dtype)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for u, v, r, q in _cells(h, w, i, j, window, strides, pads):
                    for ch in range(c):
                        cols[(b * oh + i) * ow + j, (u * kw + v) * c + ch] = x[b, r, q, ch]
    return cols


def loop_conv(x, K, strides, pads, out_size):
    """Keras's Conv2D without bias: a cross-correlation."""
    n, h, w, _ = x.shape
    kh, kw, _, f = K.shape
    oh, ow = out_size
    out = np.zeros((n, oh, ow, f))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for u, v, r, q in _cells(h, w, i, j, (kh, kw), strides, pads):
                    out[b, i, j] += x[b, r, q] @ K[u, v]
    return out


def loop_col2im(dcols, shape, window, strides, pads, out_size):
    n, h, w, c = shape
    kw, (oh, ow) = window[1], out_size
    dx = np.zeros(shape, dtype=np.float64)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for u, v, r, q in _cells(h, w, i, j, window, strides, pads):
                    for ch in range(c):
                        row, col = (b * oh + i) * ow + j, (u * kw + v) * c + ch
                        dx[b, r, q, ch] += dcols[row, col]
    return dx


def loop_max_pool(x, window, strides, pads, out_size):
    n, h, w, c = x.shape
    out = np.zeros((n, *out_size, c), dtype=x.dtype)
    argmax = np.zeros(out.shape, dtype=np.uint8)
    for b in range(n):
        for i in range(out_size[0]):
            for j in range(out_size[1]):
                cells = list(_cells(h, w, i, j, window, strides, pads))
                for ch in range(c):
                    values = [x[b, r, q, ch] for _, _, r, q in cells]
                    best = int(np.argmax(values))  # the first maximum, or first NaN
                    u, v, _, _ = cells[best]
                    out[b, i, j, ch] = values[best]
                    argmax[b, i, j, ch] = u * window[1] + v
    return out, argmax


def loop_max_pool_backward(dout, argmax, shape, window, strides, pads):
    dx = np.zeros(shape, dtype=np.float64)
    n, oh, ow, c = dout.shape
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    u, v = divmod(int(argmax[b, i, j, ch]), window[1])
                    dx[b, i * strides[0] - pads[0] + u, j * strides[1] - pads[1] + v,
                       ch] += dout[b, i, j, ch]
    return dx


def loop_avg_pool(x, window, strides, pads, out_size):
    n, h, w, c = x.shape
    out = np.zeros((n, *out_size, c))
    for b in range(n):
        for i in range(out_size[0]):
            for j in range(out_size[1]):
                cells = list(_cells(h, w, i, j, window, strides, pads))
                for _, _, r, q in cells:
                    out[b, i, j] += x[b, r, q]
                out[b, i, j] /= len(cells)
    return out


def loop_avg_pool_backward(dout, shape, window, strides, pads):
    n, h, w, _ = shape
    dx = np.zeros(shape)
    for b in range(n):
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                cells = list(_cells(h, w, i, j, window, strides, pads))
                for _, _, r, q in cells:
                    dx[b, r, q] += dout[b, i, j] / len(cells)
    return dx


# -- conv_output_size ------------------------------------------------------------

@pytest.mark.parametrize("size, window, stride, padding, expected", [
    (28, 5, 1, "same", (28, 2)),
    (14, 5, 1, "valid", (10, 0)),
    (28, 2, 2, "valid", (14, 0)),
    (5, 2, 2, "same", (3, 0)),  # padded 1 at the end
    (7, 4, 1, "same", (7, 1)),  # even window: 3 in all, the extra one after
    (6, 3, 2, "same", (3, 0)),
    (7, 3, 2, "same", (4, 1)),
    (4, 1, 3, "same", (2, 0)),
    (5, 5, 1, "valid", (1, 0)),
    (3, 5, 1, "same", (3, 2)),
])
def test_conv_output_size_is_tensorflows(size, window, stride, padding, expected):
    assert convolution.conv_output_size(size, window, stride, padding) == expected


@pytest.mark.parametrize("args, message", [
    ((4, 5, 1, "valid"), "a window of 5 does not fit an input of 4"),
    ((4, 3, 1, "full"), "padding must be 'valid' or 'same'; got 'full'"),
    ((0, 3, 1, "same"), "size must be a positive integer; got 0"),
    ((4, 3, 0, "same"), "stride must be a positive integer; got 0"),
    ((4, 2.0, 1, "same"), "window must be a positive integer; got 2.0"),
])
def test_conv_output_size_refuses(args, message):
    with pytest.raises(ValueError, match=message):
        convolution.conv_output_size(*args)


# -- each routine against the loops ----------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=_case_id)
def test_im2col_is_keras_conv(backend, dtype, case, rng):
    n, h, w, c, window, strides, padding = case
    pads, out_size = _geometry(h, w, window, strides, padding)
    x = rng.randn(n, h, w, c).astype(dtype)
    cols = np.full((n * out_size[0] * out_size[1], window[0] * window[1] * c), np.nan,
                   dtype=dtype)
    with backends.use(backend):
        convolution.im2col(x, window, strides, pads, out_size, cols)
    assert_array_equal(cols, loop_im2col(x, window, strides, pads, out_size))
    K = rng.randn(*window, c, 4).astype(dtype)
    conv = (cols @ K.reshape(-1, 4)).reshape(n, *out_size, 4)
    assert_allclose(conv, loop_conv(x, K, strides, pads, out_size), **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=_case_id)
def test_col2im_is_the_adjoint_of_im2col(backend, dtype, case, rng):
    n, h, w, c, window, strides, padding = case
    pads, out_size = _geometry(h, w, window, strides, padding)
    x = rng.randn(n, h, w, c).astype(dtype)
    rows, cols = n * out_size[0] * out_size[1], window[0] * window[1] * c
    dcols = rng.randn(rows, cols).astype(dtype)
    cols = np.empty_like(dcols)
    dx = np.full(x.shape, np.nan, dtype=dtype)
    with backends.use(backend):
        convolution.col2im(dcols, window, strides, pads, out_size, dx)
        convolution.im2col(x, window, strides, pads, out_size, cols)
    assert_allclose(dx, loop_col2im(dcols, x.shape, window, strides, pads, out_size),
                    **_tol(dtype))
    # <im2col(x), y> == <x, col2im(y)>
    assert_allclose(np.vdot(cols.astype(np.float64), dcols),
                    np.vdot(x.astype(np.float64), dx), **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", POOL_CASES, ids=_case_id)
@pytest.mark.parametrize("values", ["random", "ties"])
def test_max_pool_forward_takes_the_first_maximum(backend, dtype, case, values, rng):
    n, h, w, c, window, strides, padding = case
    pads, out_size = _geometry(h, w, window, strides, padding)
    if values == "ties":  # few distinct values: most windows tie
        x = rng.randint(-2, 2, size=(n, h, w, c)).astype(dtype)
    else:
        x = rng.randn(n, h, w, c).astype(dtype)
    out = np.full((n, *out_size, c), np.nan, dtype=dtype)
    argmax = np.full(out.shape, 255, dtype=np.uint8)
    with backends.use(backend):
        convolution.max_pool_forward(x, window, strides, pads, out, argmax)
    expected_out, expected_argmax = loop_max_pool(x, window, strides, pads, out_size)
    assert_array_equal(out, expected_out)
    assert_array_equal(argmax, expected_argmax)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", POOL_CASES, ids=_case_id)
def test_max_pool_backward_routes_to_the_maximum(backend, dtype, case, rng):
    n, h, w, c, window, strides, padding = case
    pads, out_size = _geometry(h, w, window, strides, padding)
    x = rng.randn(n, h, w, c).astype(dtype)
    out = np.empty((n, *out_size, c), dtype=dtype)
    argmax = np.empty(out.shape, dtype=np.uint8)
    dout = rng.randn(*out.shape).astype(dtype)
    dx = np.full(x.shape, np.nan, dtype=dtype)
    with backends.use(backend):
        convolution.max_pool_forward(x, window, strides, pads, out, argmax)
        convolution.max_pool_backward(dout, argmax, window, strides, pads, dx)
    expected = loop_max_pool_backward(dout, argmax, x.shape, window, strides, pads)
    assert_allclose(dx, expected, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", POOL_CASES, ids=_case_id)
def test_avg_pool_averages_the_cells_inside_the_input(backend, dtype, case, rng):
    n, h, w, c, window, strides, padding = case
    pads, out_size = _geometry(h, w, window, strides, padding)
    x = rng.randn(n, h, w, c).astype(dtype)
    out = np.full((n, *out_size, c), np.nan, dtype=dtype)
    dout = rng.randn(*out.shape).astype(dtype)
    dx = np.full(x.shape, np.nan, dtype=dtype)
    with backends.use(backend):
        convolution.avg_pool_forward(x, window, strides, pads, out)
        convolution.avg_pool_backward(dout, window, strides, pads, dx)
    assert_allclose(out, loop_avg_pool(x, window, strides, pads, out_size), **_tol(dtype))
    assert_allclose(dx, loop_avg_pool_backward(dout, x.shape, window, strides, pads),
                    **_tol(dtype))
    # the backward pass is the forward pass's adjoint
    assert_allclose(np.vdot(out.astype(np.float64), dout),
                    np.vdot(x.astype(np.float64), dx), **_tol(dtype))


# -- ties, padding, inf and NaN -------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fill", [0.0, -np.inf, np.inf])
def test_max_pool_ties_pick_the_first_cell_inside_the_input(backend, fill):
    # 3x3 windows, stride 2, "same" on 6x6: pads (0, 0) and the bottom and
    # right ones; then explicit pads (2, 1), whose first cells are padding
    x = np.full((1, 6, 6, 2), fill)
    for pads, out_size in [((0, 0), (3, 3)), ((2, 1), (4, 3))]:
        out = np.empty((1, *out_size, 2))
        argmax = np.empty(out.shape, dtype=np.uint8)
        with backends.use(backend):
            convolution.max_pool_forward(x, (3, 3), (2, 2), pads, out, argmax)
        assert_array_equal(out, fill)
        u0 = np.maximum(pads[0] - 2 * np.arange(out_size[0]), 0)
        v0 = np.maximum(pads[1] - 2 * np.arange(out_size[1]), 0)
        first = (u0[:, None] * 3 + v0[None, :])[None, :, :, None]
        assert_array_equal(argmax, np.broadcast_to(first, argmax.shape))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool_of_inf_and_nan(backend, dtype, rng):
    # a NaN wins, the first one, as np.max and np.argmax; inf and -inf compare
    x = rng.randn(2, 6, 6, 3).astype(dtype)
    x[0, 0, 1, 0] = np.nan
    x[0, 1, 1, 0] = np.nan
    x[0, 2, 2, 1] = np.inf
    x[0, 3, 3, 1] = np.inf
    x[1, 0:2, 0:2, 2] = -np.inf
    x[1, 4, 4, 0] = np.nan
    x[1, 4, 5, 0] = -np.inf
    x[1, 5, 5, 1] = np.inf
    x[1, 4, 5, 1] = -np.inf
    for window, strides, padding in [((2, 2), (2, 2), "valid"), ((3, 3), (1, 1), "same"),
                                     ((3, 3), (2, 2), "same")]:
        pads, out_size = _geometry(6, 6, window, strides, padding)
        out = np.empty((2, *out_size, 3), dtype=dtype)
        argmax = np.empty(out.shape, dtype=np.uint8)
        with backends.use(backend):
            convolution.max_pool_forward(x, window, strides, pads, out, argmax)
        expected_out, expected_argmax = loop_max_pool(x, window, strides, pads, out_size)
        assert_array_equal(out, expected_out)
        assert_array_equal(argmax, expected_argmax)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("window, strides", [((2, 2), (2, 2)), ((3, 3), (1, 1))])
def test_max_pool_backward_passes_inf_and_nan_to_the_maximum_only(backend, window, strides,
                                                                   rng):
    # a product by a 0/1 mask would make inf * 0 = NaN in the other cells
    x = rng.randn(1, 6, 6, 2)
    pads, out_size = _geometry(6, 6, window, strides, "same")
    out = np.empty((1, *out_size, 2))
    argmax = np.empty(out.shape, dtype=np.uint8)
    dout = rng.randn(*out.shape)
    dout[0, 0, 0, 0] = np.inf
    dout[0, 1, 1, 1] = np.nan
    dx = np.empty_like(x)
    with backends.use(backend):
        convolution.max_pool_forward(x, window, strides, pads, out, argmax)
        convolution.max_pool_backward(dout, argmax, window, strides, pads, dx)
    expected = loop_max_pool_backward(dout, argmax, x.shape, window, strides, pads)
    assert_array_equal(np.isnan(dx), np.isnan(expected))
    assert_array_equal(np.isinf(dx), np.isinf(expected))
    assert np.count_nonzero(~np.isfinite(dx)) <= 2 * int(np.prod(window))
    assert_allclose(dx, expected)


@pytest.mark.skipif(len(BACKENDS) < 2, reason="needs numba")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [CONV_CASES[1], CONV_CASES[8], POOL_CASES[3],
                                  POOL_CASES[0], POOL_CASES[4]], ids=_case_id)
def test_back_ends_agree(dtype, case, rng):
    n, h, w, c, window, strides, padding = case
    pads, (oh, ow) = _geometry(h, w, window, strides, padding)
    geometry = (window, strides, pads)
    x = rng.randn(n, h, w, c).astype(dtype)
    x[0, 0, 0, 0], x[-1, -1, -1, -1], x[0, 1, 1, 0] = np.nan, np.inf, -np.inf
    dcols = rng.randn(n * oh * ow, window[0] * window[1] * c).astype(dtype)
    dout = rng.randn(n, oh, ow, c).astype(dtype)
    results = {}
    for backend in BACKENDS:
        cols, dx = np.empty_like(dcols), np.empty_like(x)
        out, argmax = np.empty_like(dout), np.empty(dout.shape, dtype=np.uint8)
        dx_max, avg, dx_avg = np.empty_like(x), np.empty_like(dout), np.empty_like(x)
        with backends.use(backend):
            convolution.im2col(x, window, strides, pads, (oh, ow), cols)
            convolution.col2im(dcols, window, strides, pads, (oh, ow), dx)
            convolution.max_pool_forward(x, *geometry, out, argmax)
            convolution.max_pool_backward(dout, argmax, *geometry, dx_max)
            convolution.avg_pool_forward(x, *geometry, avg)
            convolution.avg_pool_backward(dout, *geometry, dx_avg)
        results[backend] = (cols, dx, out, argmax, dx_max, avg, dx_avg)
    for name, a, b in zip(["cols", "dx", "out", "argmax", "dx_max", "avg", "dx_avg"],
                          results["numpy"], results["numba"]):
        assert a.dtype == b.dtype, name
        assert_allclose(a, b, **_tol(dtype), err_msg=name)


# -- refusals --------------------------------------------------------------------

def _refusals():
    """(id, call, message): calls whose arrays or geometry do not fit, and
    what the ValueError must say."""
    f32, f64 = np.float32, np.float64

    def z(*shape, dtype=f64):
        return np.zeros(shape, dtype=dtype)

    def strided(*shape, dtype=f64):
        return z(*shape[:-1], 2 * shape[-1], dtype=dtype)[..., ::2]

    def read_only(*shape, dtype=f64):
        array = z(*shape, dtype=dtype)
        array.flags.writeable = False
        return array

    def u8(*shape):
        return np.zeros(shape, dtype=np.uint8)

    shared = z(72 * 27 + 100)  # dcols and a dx overlapping its end
    same = z(1, 2, 2, 1)
    x = z(2, 6, 6, 3)  # 3x3 same stride 1: pads (1, 1), out (6, 6); cols (72, 27)
    geometry = ((3, 3), (1, 1), (1, 1), (6, 6))
    pool = ((2, 2), (2, 2), (0, 0))  # on x: out (2, 3, 3, 3)

    def im2col(x=x, cols=None, geometry=geometry):
        return lambda: convolution.im2col(x, *geometry, z(72, 27) if cols is None else cols)

    def col2im(dcols=None, dx=None):
        return lambda: convolution.col2im(z(72, 27) if dcols is None else dcols, *geometry,
                                          z(2, 6, 6, 3) if dx is None else dx)

    def max_fwd(x=x, out=None, argmax=None, pool=pool):
        return lambda: convolution.max_pool_forward(
            x, *pool, z(2, 3, 3, 3) if out is None else out,
            u8(2, 3, 3, 3) if argmax is None else argmax)

    def max_bwd(dout=None, argmax=None, dx=None, pool=pool):
        return lambda: convolution.max_pool_backward(
            z(2, 3, 3, 3) if dout is None else dout,
            u8(2, 3, 3, 3) if argmax is None else argmax, *pool,
            z(2, 6, 6, 3) if dx is None else dx)

    def padded_argmax():
        # 3x3 windows, stride 2, pads (1, 1) on 5x5: the windows of output row 0
        # start on a padded row, which argmax's 0s name
        argmax = u8(1, 3, 3, 1)
        return lambda: convolution.max_pool_backward(z(1, 3, 3, 1), argmax, (3, 3), (2, 2),
                                                     (1, 1), z(1, 5, 5, 1))

    def bottom_argmax():
        # 2x2 stride 2 "same" on 5x5: the last row and column are padding
        argmax = u8(1, 3, 3, 1)
        argmax[0, 1, 2, 0] = 1  # the right cell of the last column's windows
        return lambda: convolution.max_pool_backward(z(1, 3, 3, 1), argmax, (2, 2), (2, 2),
                                                     (0, 0), z(1, 5, 5, 1))

    return [
        ("im2col integer x", im2col(x=np.zeros((2, 6, 6, 3), dtype=np.int64)),
         r"im2col: x must be a float32 or float64 NumPy array; got an array of shape "
         r"\(2, 6, 6, 3\) and dtype int64"),
        ("im2col list x", im2col(x=[[1.0]]), "im2col: x must be a float32 or float64 NumPy "
         "array; got a list"),
        ("im2col 3-D x", im2col(x=z(6, 6, 3)),
         r"im2col: x must be 4-D \(n_samples, height, width, channels\); got shape"),
        ("im2col cols dtype", im2col(cols=z(72, 27, dtype=f32)),
         "im2col: cols has dtype float32 and x has float64"),
        ("im2col cols shape", im2col(cols=z(72, 26)),
         r"im2col: cols has shape \(72, 26\), but needs shape \(72, 27\) to fit x of shape "
         r"\(2, 6, 6, 3\) and out_size \(6, 6\)"),
        ("im2col cols too few rows", im2col(cols=z(71, 27)), r"cols has shape \(71, 27\)"),
        ("im2col strided cols", im2col(cols=strided(72, 27)),
         "im2col: cols is written in place, so it must be a C-contiguous, writeable array"),
        ("im2col read-only cols", im2col(cols=read_only(72, 27)),
         "im2col: cols is written in place"),
        ("im2col cols a list", im2col(cols=[0.0]),
         "im2col: cols must be a NumPy array of dtype float64; got a list"),
        ("im2col strided x", im2col(x=strided(2, 6, 6, 3)),
         "im2col: x must be C-contiguous"),
        ("im2col pad as large as the window",
         im2col(geometry=((3, 3), (1, 1), (3, 1), (6, 6))),
         r"im2col: pads\[0\]=3 leaves the first window along the height without an input "
         r"cell; it must be smaller than window\[0\]=3"),
        ("im2col too many windows", im2col(geometry=((3, 3), (1, 1), (1, 1), (6, 8))),
         r"im2col: out_size\[1\]=8 puts the last window along the width at 6, past the end "
         r"of x's width 6; at most 7 windows fit"),
        ("im2col window not a pair", im2col(geometry=(3, (1, 1), (1, 1), (6, 6))),
         "im2col: window must be a pair of integers >= 1; got 3"),
        ("im2col zero stride", im2col(geometry=((3, 3), (0, 1), (1, 1), (6, 6))),
         r"im2col: strides must be a pair of integers >= 1; got \(0, 1\)"),
        ("im2col negative pad", im2col(geometry=((3, 3), (1, 1), (-1, 1), (6, 6))),
         "im2col: pads must be a pair of integers >= 0"),
        ("im2col float out_size", im2col(geometry=((3, 3), (1, 1), (1, 1), (6.0, 6))),
         "im2col: out_size must be a pair of integers >= 1"),
        ("col2im dcols shape", col2im(dcols=z(27, 72)),
         r"col2im: dcols has shape \(27, 72\), but needs shape \(72, 27\) to fit dx"),
        ("col2im dcols dtype", col2im(dcols=z(72, 27, dtype=f32)),
         "col2im: dcols has dtype float32 and dx has float64"),
        ("col2im strided dx", col2im(dx=strided(2, 6, 6, 3)),
         "col2im: dx is written in place, so it must be a C-contiguous, writeable array"),
        ("col2im strided dcols", col2im(dcols=strided(72, 27)),
         "col2im: dcols must be C-contiguous"),
        ("col2im dx shares dcols's memory",
         lambda: convolution.col2im(shared[:72 * 27].reshape(72, 27), *geometry,
                                    shared[-216:].reshape(2, 6, 6, 3)),
         "col2im: dx shares memory with dcols"),
        ("max_pool_backward dx is dout",
         lambda: convolution.max_pool_backward(same, u8(1, 2, 2, 1), (1, 1), (1, 1), (0, 0),
                                               same),
         "max_pool_backward: dx shares memory with dout"),
        ("col2im float16 dx", col2im(dx=z(2, 6, 6, 3, dtype=np.float16)),
         "col2im: dx must be a float32 or float64 NumPy array"),
        ("max_pool_forward int64 argmax",
         max_fwd(argmax=np.zeros((2, 3, 3, 3), dtype=np.int64)),
         "max_pool_forward: argmax must be a uint8 array; got an array of shape "
         r"\(2, 3, 3, 3\) and dtype int64"),
        ("max_pool_forward argmax shape", max_fwd(argmax=u8(2, 3, 3, 2)),
         r"max_pool_forward: argmax has shape \(2, 3, 3, 2\), but needs shape "
         r"\(2, 3, 3, 3\)"),
        ("max_pool_forward out channels", max_fwd(out=z(2, 3, 3, 2)),
         r"max_pool_forward: out has shape \(2, 3, 3, 2\), but needs shape \(2, 3, 3, 3\)"),
        ("max_pool_forward out samples", max_fwd(out=z(3, 3, 3, 3)),
         r"max_pool_forward: out has shape \(3, 3, 3, 3\)"),
        ("max_pool_forward out dtype", max_fwd(out=z(2, 3, 3, 3, dtype=f32)),
         "max_pool_forward: out has dtype float32 and x has float64"),
        ("max_pool_forward 3-D out", max_fwd(out=z(2, 3, 3)),
         r"max_pool_forward: out has shape \(2, 3, 3\), but needs shape"),
        ("max_pool_forward strided out", max_fwd(out=strided(2, 3, 3, 3)),
         "max_pool_forward: out is written in place"),
        ("max_pool_forward strided argmax",
         max_fwd(argmax=np.zeros((2, 3, 3, 6), dtype=np.uint8)[..., ::2]),
         "max_pool_forward: argmax is written in place"),
        ("max_pool_forward too many windows", max_fwd(out=z(2, 4, 3, 3),
                                                      argmax=u8(2, 4, 3, 3)),
         r"max_pool_forward: out.shape\[1\]=4 puts the last window along the height at 6, "
         "past the end of x's height 6"),
        ("max_pool_forward window of 272 cells",
         max_fwd(pool=((17, 16), (1, 1), (8, 8))),
         r"max_pool_forward: pool_size \(17, 16\) has 272 cells, more than argmax's "
         "uint8"),
        ("max_pool_backward int argmax",
         max_bwd(argmax=np.zeros((2, 3, 3, 3), dtype=np.int32)),
         "max_pool_backward: argmax must be a uint8 array"),
        ("max_pool_backward dout dtype", max_bwd(dout=z(2, 3, 3, 3, dtype=f32)),
         "max_pool_backward: dout has dtype float32 and dx has float64"),
        ("max_pool_backward dout shape", max_bwd(dout=z(2, 3, 3, 4), argmax=u8(2, 3, 3, 4)),
         r"max_pool_backward: dout has shape \(2, 3, 3, 4\), but needs shape "
         r"\(2, 3, 3, 3\) to fit dx of shape \(2, 6, 6, 3\)"),
        ("max_pool_backward strided argmax",
         max_bwd(argmax=np.zeros((2, 3, 3, 6), dtype=np.uint8)[..., ::2]),
         "max_pool_backward: argmax must be C-contiguous"),
        ("max_pool_backward read-only dx", max_bwd(dx=read_only(2, 6, 6, 3)),
         "max_pool_backward: dx is written in place"),
        ("max_pool_backward argmax past the window",
         max_bwd(argmax=np.full((2, 3, 3, 3), 4, dtype=np.uint8)),
         r"max_pool_backward: argmax holds 4, but a 2x2 window has cells 0\.\.3"),
        ("max_pool_backward argmax on top-left padding", padded_argmax(),
         "max_pool_backward: argmax names a padded cell, outside the input, in a window of "
         "output row 0"),
        ("max_pool_backward argmax on bottom-right padding", bottom_argmax(),
         "max_pool_backward: argmax names a padded cell, outside the input, in a window of "
         "output column 2"),
        ("avg_pool_forward out dtype",
         lambda: convolution.avg_pool_forward(x, *pool, z(2, 3, 3, 3, dtype=f32)),
         "avg_pool_forward: out has dtype float32 and x has float64"),
        ("avg_pool_forward strided out",
         lambda: convolution.avg_pool_forward(x, *pool, strided(2, 3, 3, 3)),
         "avg_pool_forward: out is written in place"),
        ("avg_pool_backward dout samples",
         lambda: convolution.avg_pool_backward(z(1, 3, 3, 3), *pool, z(2, 6, 6, 3)),
         r"avg_pool_backward: dout has shape \(1, 3, 3, 3\), but needs shape "
         r"\(2, 3, 3, 3\)"),
        ("avg_pool_backward 2-D dx",
         lambda: convolution.avg_pool_backward(z(2, 3, 3, 3), *pool, z(2, 108)),
         "avg_pool_backward: dx must be 4-D"),
        ("avg_pool_backward strided dout",
         lambda: convolution.avg_pool_backward(strided(2, 3, 3, 3), *pool, z(2, 6, 6, 3)),
         "avg_pool_backward: dout must be C-contiguous"),
    ]


REFUSALS = _refusals()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("call, message", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_routines_refuse_input_that_does_not_fit(backend, call, message):
    with backends.use(backend), pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_argmax_writes_nothing(backend):
    argmax = np.zeros((1, 3, 3, 1), dtype=np.uint8)
    argmax[0, 2, 2, 0] = 9
    dx = np.full((1, 6, 6, 1), 7.0)
    with backends.use(backend), pytest.raises(ValueError, match="argmax holds 9"):
        convolution.max_pool_backward(np.ones((1, 3, 3, 1)), argmax, (3, 3), (2, 2), (0, 0), dx)
    assert_array_equal(dx, 7.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_batches(backend):
    x = np.zeros((0, 5, 5, 2))
    cols = np.zeros((0, 18))
    out = np.zeros((0, 3, 3, 2))
    argmax = np.zeros(out.shape, dtype=np.uint8)
    with backends.use(backend):
        convolution.im2col(x, (3, 3), (2, 2), (1, 1), (3, 3), cols)
        convolution.col2im(cols, (3, 3), (2, 2), (1, 1), (3, 3), x)
        convolution.max_pool_forward(x, (3, 3), (2, 2), (1, 1), out, argmax)
        convolution.max_pool_backward(out, argmax, (3, 3), (2, 2), (1, 1), x)
        convolution.avg_pool_forward(x, (3, 3), (2, 2), (1, 1), out)
        convolution.avg_pool_backward(out, (3, 3), (2, 2), (1, 1), x)
