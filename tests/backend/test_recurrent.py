"""skdl.backend.recurrent: the time loops and the cells' routines of both
back-ends, against the cells' formulas written out here, against finite
differences, against each other, and on input they must refuse."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl import backend as backends
from skdl.activations import Activation, get_activation
from skdl.backend import _selection
from skdl.backend import recurrent as recurrent_routines

BACKENDS = backends.available()
DTYPES = [np.float32, np.float64]
SIZES = [(1, 1), (3, 5), (4, 7), (2, 33)]  # (n, units): odd, and past a 32-wide vector body


def _tol(dtype):
    if dtype == np.float32:
        return {"rtol": 2e-5, "atol": 2e-6}
    return {"rtol": 1e-12, "atol": 1e-13}


def _rng(seed=0):
    return np.random.default_rng(seed)


def _normal(rng, shape, dtype, scale=1.5):
    return (scale * rng.standard_normal(shape)).astype(dtype)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _split(a, k):
    return np.split(a, k, axis=-1)


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


# -- the cells' formulas, in float64 -------------------------------------------

def lstm_cell(a, c_prev):
    """Keras's LSTM: gates i, f, c~, o; c = f c_prev + i c~; h = o tanh(c)."""
    xi, xf, xg, xo = _split(a, 4)
    i, f, g, o = sigmoid(xi), sigmoid(xf), np.tanh(xg), sigmoid(xo)
    c = f * c_prev + i * g
    return np.concatenate([i, f, g, o], axis=-1), c, np.tanh(c), o * np.tanh(c)


def lstm_cell_backward(gates, c_prev, tanh_c, dh, dc):
    """d/d(pre-activations) by the chain rule, and d/d(c_prev)."""
    i, f, g, o = _split(gates, 4)
    dc_total = dc + dh * o * (1 - tanh_c**2)
    d_pre = np.concatenate([
        dc_total * g * i * (1 - i),      # through sigmoid(x_i)
        dc_total * c_prev * f * (1 - f),  # through sigmoid(x_f)
        dc_total * i * (1 - g**2),        # through tanh(x_g)
        dh * tanh_c * o * (1 - o),        # through sigmoid(x_o)
    ], axis=-1)
    return d_pre, dc_total * f


def gru_cell(a, recurrent, h_prev):
    """Keras's GRU, reset_after: z, r, h~ = tanh(a_h + r * rec_h)."""
    xz, xr, xh = _split(a, 3)
    qz, qr, qh = _split(recurrent, 3)
    z, r = sigmoid(xz + qz), sigmoid(xr + qr)
    cand = np.tanh(xh + r * qh)
    return np.concatenate([z, r, cand], axis=-1), z * h_prev + (1 - z) * cand


def gru_cell_backward(gates, recurrent, h_prev, dh):
    z, r, cand = _split(gates, 3)
    qh = _split(recurrent, 3)[2]
    d_cand = dh * (1 - z) * (1 - cand**2)
    dz = dh * (h_prev - cand) * z * (1 - z)
    dr = d_cand * qh * r * (1 - r)
    d_a = np.concatenate([dz, dr, d_cand], axis=-1)
    d_rec = np.concatenate([dz, dr, d_cand * r], axis=-1)
    return d_a, d_rec, dh * z


def lstm_sequence(x_proj, bias, kernel, h0, c0):
    """states (T+1, n, H), cells, tanh(cells[1:]), gates, by the formulas."""
    steps = x_proj.shape[0]
    states, cells, tanh_cells, gates = [h0], [c0], [], []
    for t in range(steps):
        g, c, tc, h = lstm_cell(x_proj[t] + bias + states[t] @ kernel, cells[t])
        states.append(h)
        cells.append(c)
        tanh_cells.append(tc)
        gates.append(g)
    return np.array(states), np.array(cells), np.array(tanh_cells), np.array(gates)


def gru_sequence(x_proj, bias, kernel, h0):
    steps = x_proj.shape[0]
    states, recurrent, gates = [h0], [], []
    for t in range(steps):
        q = states[t] @ kernel + bias[1]
        g, h = gru_cell(x_proj[t] + bias[0], q, states[t])
        states.append(h)
        recurrent.append(q)
        gates.append(g)
    return np.array(states), np.array(recurrent), np.array(gates)


# -- one step: the active back-end's cell routines ----------------------------------

def _cell(name):
    """The active back-end's cell routine ``name``."""
    return _selection.routine("recurrent", name)


def lstm_step_forward(a, c_prev, c, tanh_c, h):
    """One LSTM step from the complete pre-activations ``a``."""
    zeros = np.zeros_like(a)
    _cell("lstm_cell_forward")(a, zeros[0], zeros, c_prev, c, tanh_c, h)


def lstm_step_backward(a, c_prev, tanh_c, dh, dc, d_a):
    """One LSTM step backward from the output's gradient ``dh``."""
    _cell("lstm_cell_backward")(a, c_prev, tanh_c, dh.copy(), np.zeros_like(dh), dc, d_a)


def gru_step_forward(a, rec, h_prev, h):
    """One GRU step from the input and recurrent projections, biases in."""
    _cell("gru_cell_forward")(a, np.zeros((2, a.shape[1]), a.dtype), rec.copy(), h_prev, h)


def gru_step_backward(a, rec, h_prev, dh, d_a, d_rec):
    """One GRU step backward from the output's gradient ``dh``, which
    becomes its part that bypasses the recurrent product."""
    zeros = np.zeros_like(dh)
    _cell("gru_cell_backward")(a, rec, h_prev, dh, zeros, zeros, d_a, d_rec)


def _lstm_step_inputs(rng, n, units, dtype):
    return _normal(rng, (n, 4 * units), dtype), _normal(rng, (n, units), dtype)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, units", SIZES)
def test_lstm_step_forward_is_the_cell(backend, dtype, n, units):
    a, c_prev = _lstm_step_inputs(_rng(), n, units, dtype)
    expected = lstm_cell(*_f64(a, c_prev))
    c, tanh_c, h = (np.full((n, units), np.nan, dtype) for _ in range(3))
    with backends.use(backend):
        lstm_step_forward(a, c_prev, c, tanh_c, h)
    for got, want in zip((a, c, tanh_c, h), expected):
        assert got.dtype == dtype
        assert_allclose(got, want, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, units", SIZES)
def test_lstm_step_backward_is_the_chain_rule(backend, dtype, n, units):
    rng = _rng(1)
    a, c_prev = _lstm_step_inputs(rng, n, units, dtype)
    gates, _, tanh_c, _ = lstm_cell(*_f64(a, c_prev))
    gates, tanh_c = gates.astype(dtype), tanh_c.astype(dtype)
    dh, dc = _normal(rng, (n, units), dtype), _normal(rng, (n, units), dtype)
    d_pre, dc_prev = lstm_cell_backward(*_f64(gates, c_prev, tanh_c, dh, dc))
    d_a = np.full_like(gates, np.nan)
    with backends.use(backend):
        lstm_step_backward(gates, c_prev, tanh_c, dh, dc, d_a)
    assert_allclose(d_a, d_pre, **_tol(dtype))
    assert_allclose(dc, dc_prev, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, units", SIZES)
def test_gru_step_forward_is_the_cell(backend, dtype, n, units):
    rng = _rng(2)
    a, rec = _normal(rng, (n, 3 * units), dtype), _normal(rng, (n, 3 * units), dtype)
    h_prev = _normal(rng, (n, units), dtype)
    rec_before = rec.copy()
    gates, h_expected = gru_cell(*_f64(a, rec, h_prev))
    h = np.full((n, units), np.nan, dtype)
    with backends.use(backend):
        gru_step_forward(a, rec, h_prev, h)
    assert_allclose(a, gates, **_tol(dtype))
    assert_allclose(h, h_expected, **_tol(dtype))
    assert_array_equal(rec, rec_before)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, units", SIZES)
def test_gru_step_backward_is_the_chain_rule(backend, dtype, n, units):
    rng = _rng(3)
    a, rec = _normal(rng, (n, 3 * units), dtype), _normal(rng, (n, 3 * units), dtype)
    h_prev, dh = _normal(rng, (n, units), dtype), _normal(rng, (n, units), dtype)
    gates = gru_cell(*_f64(a, rec, h_prev))[0].astype(dtype)
    d_a_expected, d_rec_expected, dh_expected = gru_cell_backward(*_f64(gates, rec, h_prev, dh))
    d_a, d_rec = np.full_like(a, np.nan), np.full_like(a, np.nan)
    with backends.use(backend):
        gru_step_backward(gates, rec, h_prev, dh, d_a, d_rec)
    assert_allclose(d_a, d_a_expected, **_tol(dtype))
    assert_allclose(d_rec, d_rec_expected, **_tol(dtype))
    assert_allclose(dh, dh_expected, **_tol(dtype))


# -- time loops --------------------------------------------------------------

SEQ_SIZES = [(1, 1, 1), (4, 3, 5), (3, 2, 33), (1, 4, 7)]  # (timesteps, n, units)


def _lstm_sequence_case(rng, steps, n, units, dtype):
    x_proj = _normal(rng, (steps, n, 4 * units), dtype)
    bias = _normal(rng, (4 * units,), dtype, 0.5)
    kernel = _normal(rng, (units, 4 * units), dtype, 0.5)
    h0, c0 = _normal(rng, (n, units), dtype), _normal(rng, (n, units), dtype)
    return x_proj, bias, kernel, h0, c0


def _run_lstm_forward(x_proj, bias, kernel, h0, c0):
    steps, n, width = x_proj.shape
    units = width // 4
    dtype = x_proj.dtype
    gates = x_proj.copy()
    states = np.full((steps + 1, n, units), np.nan, dtype)
    cells = np.full((steps + 1, n, units), np.nan, dtype)
    states[0], cells[0] = h0, c0
    tanh_cells = np.full((steps, n, units), np.nan, dtype)
    recurrent_routines.lstm_sequence_forward(gates, bias, kernel, states, cells, tanh_cells,
                                             np.empty((n, width), dtype))
    return states, cells, tanh_cells, gates


def _run_lstm_backward(d_out, gates, cells, tanh_cells, kernel):
    n, units = d_out.shape[1:]
    dh, dc = np.full((n, units), np.nan, d_out.dtype), np.full((n, units), np.nan, d_out.dtype)
    d_gates = np.full_like(gates, np.nan)
    recurrent_routines.lstm_sequence_backward(d_out, gates, cells, tanh_cells, kernel, dh, dc, d_gates)
    return d_gates, dh, dc


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("steps, n, units", SEQ_SIZES)
@pytest.mark.parametrize("start", ["random", "zero"])  # zero skips the first product
def test_lstm_sequence_forward_is_the_loop_of_cells(backend, dtype, steps, n, units, start):
    case = _lstm_sequence_case(_rng(4), steps, n, units, dtype)
    if start == "zero":
        case[3][...] = 0
    expected = lstm_sequence(*_f64(*case))
    with backends.use(backend):
        got = _run_lstm_forward(*case)
    for g, e in zip(got, expected):
        assert_allclose(g, e, **_tol(dtype))


def _finite_difference(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        keep = x[index]
        x[index] = keep + eps
        up = f()
        x[index] = keep - eps
        down = f()
        x[index] = keep
        grad[index] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("steps, n, units", [(3, 2, 3)])
def test_lstm_sequence_backward_is_the_gradient(backend, steps, n, units):
    """d_gates, dh, dc are the gradients of ``sum(d_out * states[1:])`` with
    respect to the input projection, h0 and c0; ``states[:-1]^T d_gates``
    and ``sum(d_gates)`` those with respect to the kernel and the bias."""
    rng = _rng(5)
    x_proj, bias, kernel, h0, c0 = _lstm_sequence_case(rng, steps, n, units, np.float64)
    d_out = rng.standard_normal((steps, n, units))

    def objective():
        return np.sum(d_out * _run_lstm_forward(x_proj, bias, kernel, h0, c0)[0][1:])

    with backends.use(backend):
        states, cells, tanh_cells, gates = _run_lstm_forward(x_proj, bias, kernel, h0, c0)
        d_gates, dh, dc = _run_lstm_backward(d_out, gates, cells, tanh_cells, kernel)
        tol = {"rtol": 1e-6, "atol": 1e-8}
        assert_allclose(d_gates, _finite_difference(objective, x_proj), **tol)
        assert_allclose(dh, _finite_difference(objective, h0), **tol)
        assert_allclose(dc, _finite_difference(objective, c0), **tol)
        assert_allclose(np.einsum("tni,tnj->ij", states[:-1], d_gates),
                        _finite_difference(objective, kernel), **tol)
        assert_allclose(d_gates.sum(axis=(0, 1)), _finite_difference(objective, bias), **tol)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("steps, n, units", SEQ_SIZES)
def test_lstm_sequence_backward_is_the_loop_of_steps(backend, dtype, steps, n, units):
    rng = _rng(6)
    x_proj, bias, kernel, h0, c0 = _lstm_sequence_case(rng, steps, n, units, dtype)
    d_out = _normal(rng, (steps, n, units), dtype)
    _, cells, tanh_cells, gates = (a.astype(dtype) for a in
                                   lstm_sequence(*_f64(x_proj, bias, kernel, h0, c0)))
    # the expected values: the formulas, step by step, in float64
    dh, dc = np.zeros((n, units)), np.zeros((n, units))
    d_expected = np.zeros(gates.shape)
    k64 = kernel.astype(np.float64)
    for t in range(steps - 1, -1, -1):
        d_expected[t], dc = lstm_cell_backward(*_f64(gates[t], cells[t], tanh_cells[t]),
                                               dh + d_out[t], dc)
        dh = d_expected[t] @ k64.T
    with backends.use(backend):
        d_gates, dh_got, dc_got = _run_lstm_backward(d_out, gates, cells, tanh_cells, kernel)
    assert_allclose(d_gates, d_expected, **_tol(dtype))
    assert_allclose(dh_got, dh, **_tol(dtype))
    assert_allclose(dc_got, dc, **_tol(dtype))


def _gru_sequence_case(rng, steps, n, units, dtype):
    x_proj = _normal(rng, (steps, n, 3 * units), dtype)
    bias = _normal(rng, (2, 3 * units), dtype, 0.5)
    kernel = _normal(rng, (units, 3 * units), dtype, 0.5)
    return x_proj, bias, kernel, _normal(rng, (n, units), dtype)


def _run_gru_forward(x_proj, bias, kernel, h0):
    steps, n, width = x_proj.shape
    gates = x_proj.copy()
    recurrent = np.full_like(gates, np.nan)
    states = np.full((steps + 1, n, width // 3), np.nan, x_proj.dtype)
    states[0] = h0
    recurrent_routines.gru_sequence_forward(gates, bias, kernel, recurrent, states)
    return states, recurrent, gates


def _run_gru_backward(d_out, gates, recurrent, states, kernel):
    n, units = d_out.shape[1:]
    dh, through = (np.full((n, units), np.nan, d_out.dtype) for _ in range(2))
    d_gates, d_recurrent = np.full_like(gates, np.nan), np.full_like(gates, np.nan)
    recurrent_routines.gru_sequence_backward(d_out, gates, recurrent, states, kernel, dh, through,
                                             d_gates, d_recurrent)
    return d_gates, d_recurrent, dh


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("steps, n, units", SEQ_SIZES)
@pytest.mark.parametrize("start", ["random", "zero"])
def test_gru_sequence_forward_is_the_loop_of_cells(backend, dtype, steps, n, units, start):
    case = _gru_sequence_case(_rng(7), steps, n, units, dtype)
    if start == "zero":
        case[3][...] = 0
    expected = gru_sequence(*_f64(*case))
    with backends.use(backend):
        got = _run_gru_forward(*case)
    for g, e in zip(got, expected):
        assert_allclose(g, e, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("steps, n, units", [(3, 2, 3)])
def test_gru_sequence_backward_is_the_gradient(backend, steps, n, units):
    rng = _rng(8)
    x_proj, bias, kernel, h0 = _gru_sequence_case(rng, steps, n, units, np.float64)
    d_out = rng.standard_normal((steps, n, units))

    def objective():
        return np.sum(d_out * _run_gru_forward(x_proj, bias, kernel, h0)[0][1:])

    with backends.use(backend):
        states, recurrent, gates = _run_gru_forward(x_proj, bias, kernel, h0)
        d_gates, d_recurrent, dh = _run_gru_backward(d_out, gates, recurrent, states, kernel)
        tol = {"rtol": 1e-6, "atol": 1e-8}
        assert_allclose(d_gates, _finite_difference(objective, x_proj), **tol)
        assert_allclose(dh, _finite_difference(objective, h0), **tol)
        assert_allclose(np.einsum("tni,tnj->ij", states[:-1], d_recurrent),
                        _finite_difference(objective, kernel), **tol)
        fd_bias = _finite_difference(objective, bias)
        assert_allclose(d_gates.sum(axis=(0, 1)), fd_bias[0], **tol)
        assert_allclose(d_recurrent.sum(axis=(0, 1)), fd_bias[1], **tol)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("steps, n, units", SEQ_SIZES)
def test_gru_sequence_backward_is_the_loop_of_steps(backend, dtype, steps, n, units):
    rng = _rng(9)
    x_proj, bias, kernel, h0 = _gru_sequence_case(rng, steps, n, units, dtype)
    d_out = _normal(rng, (steps, n, units), dtype)
    states, recurrent, gates = (a.astype(dtype) for a in
                                gru_sequence(*_f64(x_proj, bias, kernel, h0)))
    dh = np.zeros((n, units))
    d_a, d_rec = np.zeros(gates.shape), np.zeros(gates.shape)
    k64 = kernel.astype(np.float64)
    for t in range(steps - 1, -1, -1):
        d_a[t], d_rec[t], bypass = gru_cell_backward(*_f64(gates[t], recurrent[t], states[t]),
                                                     dh + d_out[t])
        dh = bypass + d_rec[t] @ k64.T
    with backends.use(backend):
        d_gates, d_recurrent, dh_got = _run_gru_backward(d_out, gates, recurrent, states,
                                                         kernel)
    assert_allclose(d_gates, d_a, **_tol(dtype))
    assert_allclose(d_recurrent, d_rec, **_tol(dtype))
    assert_allclose(dh_got, dh, **_tol(dtype))


# -- SimpleRNN ---------------------------------------------------------------------

SIMPLE_RNN_ACTIVATIONS = ["tanh", "relu", "sigmoid", "identity", "elu", "softplus"]
"""The fused ones (numba compiles their steps), and two that run through
their own methods in every back-end."""


def simple_rnn_sequence(x_proj, bias, kernel, h0, activation):
    """states (T+1, n, H) and pre-activations, by the formula."""
    states, pre = [h0], []
    for t in range(x_proj.shape[0]):
        pre.append(x_proj[t] + bias + states[t] @ kernel)
        states.append(activation.value(pre[-1]))
    return np.array(states), np.array(pre)


def _simple_rnn_case(rng, steps, n, units, dtype):
    return (_normal(rng, (steps, n, units), dtype), _normal(rng, (units,), dtype, 0.5),
            _normal(rng, (units, units), dtype, 0.5), _normal(rng, (n, units), dtype))


def _run_simple_rnn_forward(x_proj, bias, kernel, h0, activation):
    steps, n, units = x_proj.shape
    gates = x_proj.copy()
    states = np.full((steps + 1, n, units), np.nan, x_proj.dtype)
    states[0] = h0
    recurrent_routines.simple_rnn_sequence_forward(gates, bias, kernel, states,
                                                   np.empty((n, units), x_proj.dtype),
                                                   activation)
    return states, gates


def _run_simple_rnn_backward(d_out, gates, states, kernel, activation):
    dh = np.full(d_out.shape[1:], np.nan, d_out.dtype)
    d_gates = np.full_like(gates, np.nan)
    recurrent_routines.simple_rnn_sequence_backward(d_out, gates, states, kernel, dh, d_gates,
                                                    activation)
    return d_gates, dh


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("steps, n, units", SEQ_SIZES)
@pytest.mark.parametrize("name", SIMPLE_RNN_ACTIVATIONS)
def test_simple_rnn_sequence_forward_is_the_loop_of_cells(backend, dtype, steps, n, units,
                                                          name):
    activation = get_activation(name)
    case = _simple_rnn_case(_rng(13), steps, n, units, dtype)
    expected = simple_rnn_sequence(*_f64(*case), activation)
    with backends.use(backend):
        got = _run_simple_rnn_forward(*case, activation)
    for g, e in zip(got, expected):
        assert g.dtype == dtype
        # unbounded activations grow: float32 rounds relative to the largest values
        tol = _tol(dtype)
        assert_allclose(g, e, rtol=tol["rtol"], atol=tol["atol"] * max(1, np.abs(e).max()))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", SIMPLE_RNN_ACTIVATIONS)
def test_simple_rnn_sequence_backward_is_the_gradient(backend, name):
    rng = _rng(14)
    steps, n, units = 3, 2, 3
    x_proj, bias, kernel, h0 = _simple_rnn_case(rng, steps, n, units, np.float64)
    d_out = rng.standard_normal((steps, n, units))
    activation = get_activation(name)

    def objective():
        return np.sum(d_out * _run_simple_rnn_forward(x_proj, bias, kernel, h0,
                                                      activation)[0][1:])

    with backends.use(backend):
        states, gates = _run_simple_rnn_forward(x_proj, bias, kernel, h0, activation)
        d_gates, dh = _run_simple_rnn_backward(d_out, gates, states, kernel, activation)
        tol = {"rtol": 1e-6, "atol": 1e-8}
        assert_allclose(d_gates, _finite_difference(objective, x_proj), **tol)
        assert_allclose(dh, _finite_difference(objective, h0), **tol)
        assert_allclose(np.einsum("tni,tnj->ij", states[:-1], d_gates),
                        _finite_difference(objective, kernel), **tol)
        assert_allclose(d_gates.sum(axis=(0, 1)), _finite_difference(objective, bias), **tol)


class _Cube(Activation):
    """A user's activation, known to no back-end: ``z ** 3``."""

    name = "cube"

    def value(self, z):
        return z**3

    def derivative(self, z, a):
        return 3 * z**2


@pytest.mark.parametrize("backend", BACKENDS)
def test_simple_rnn_runs_a_users_activation_through_its_own_methods(backend):
    rng = _rng(15)
    activation = _Cube()
    x_proj, bias, kernel, h0 = _simple_rnn_case(rng, 3, 2, 4, np.float64)
    kernel *= 0.2
    d_out = rng.standard_normal((3, 2, 4))
    with backends.use(backend):
        states, gates = _run_simple_rnn_forward(x_proj, bias, kernel, h0, activation)
        d_gates, _ = _run_simple_rnn_backward(d_out, gates, states, kernel, activation)
    want_states, want_pre = simple_rnn_sequence(x_proj, bias, kernel, h0, activation)
    assert_allclose(states, want_states, rtol=1e-12)
    assert_allclose(gates, want_pre, rtol=1e-12)
    assert_allclose(d_gates[-1], d_out[-1] * 3 * want_pre[-1] ** 2, rtol=1e-12)


def test_simple_rnn_refuses_an_activation_without_its_methods():
    with pytest.raises(TypeError, match="simple_rnn_sequence_forward: activation must be an "
                                        "Activation"):
        _run_simple_rnn_forward(*_simple_rnn_case(_rng(), 2, 1, 1, np.float64), np.tanh)


# -- the back-ends against each other ---------------------------------------------

def _every_routine(dtype, seed, steps=5, n=6, units=9, extreme=False):
    """Every output of every recurrent routine on one draw; ``extreme`` puts
    inf, -inf, NaN and large values among the pre-activations."""
    rng = _rng(seed)
    out = {}
    a, c_prev = _lstm_step_inputs(rng, n, 4 * 0 + units, dtype)
    if extreme:
        a.flat[::7] = np.array([np.inf, -np.inf, np.nan, 1e4, -1e4, 100.0, -100.0],
                               dtype)[np.arange(a.flat[::7].size) % 7]
    c, tanh_c, h = (np.empty((n, units), dtype) for _ in range(3))
    lstm_step_forward(a, c_prev, c, tanh_c, h)
    out.update(lstm_a=a.copy(), lstm_c=c, lstm_tanh_c=tanh_c, lstm_h=h)
    dh, dc = _normal(rng, (n, units), dtype), _normal(rng, (n, units), dtype)
    d_a = np.empty_like(a)
    lstm_step_backward(a, c_prev, tanh_c, dh, dc, d_a)
    out.update(lstm_d_a=d_a, lstm_dc=dc)
    g, rec = _normal(rng, (n, 3 * units), dtype), _normal(rng, (n, 3 * units), dtype)
    if extreme:
        g.flat[::5] = np.array([np.inf, -np.inf, np.nan, 1e4, -1e4], dtype)[
            np.arange(g.flat[::5].size) % 5]
    h_prev, h = _normal(rng, (n, units), dtype), np.empty((n, units), dtype)
    gru_step_forward(g, rec, h_prev, h)
    out.update(gru_a=g.copy(), gru_h=h)
    d_g, d_rec = np.empty_like(g), np.empty_like(g)
    dh = _normal(rng, (n, units), dtype)
    gru_step_backward(g, rec, h_prev, dh, d_g, d_rec)
    out.update(gru_d_a=d_g, gru_d_rec=d_rec, gru_dh=dh)
    case = _lstm_sequence_case(rng, steps, n, units, dtype)
    if extreme:
        _put_extremes(case[0])
    states, cells, tanh_cells, gates = _run_lstm_forward(*case)
    d_out = _normal(rng, (steps, n, units), dtype)
    out.update(zip(["seq_lstm_states", "seq_lstm_cells", "seq_lstm_gates"],
                   [states, cells, gates]))
    out.update(zip(["seq_lstm_d_gates", "seq_lstm_dh", "seq_lstm_dc"],
                   _run_lstm_backward(d_out, gates, cells, tanh_cells, case[2])))
    case = _gru_sequence_case(rng, steps, n, units, dtype)
    if extreme:
        _put_extremes(case[0])
    states, recurrent, gates = _run_gru_forward(*case)
    out.update(seq_gru_states=states, seq_gru_recurrent=recurrent, seq_gru_gates=gates)
    out.update(zip(["seq_gru_d_gates", "seq_gru_d_recurrent", "seq_gru_dh"],
                   _run_gru_backward(d_out, gates, recurrent, states, case[2])))
    for name in SIMPLE_RNN_ACTIVATIONS:
        activation = get_activation(name)
        case = _simple_rnn_case(rng, steps, n, units, dtype)
        if extreme:
            _put_extremes(case[0])
        states, gates = _run_simple_rnn_forward(*case, activation)
        out.update({f"seq_{name}_rnn_states": states, f"seq_{name}_rnn_gates": gates})
        out.update(zip([f"seq_{name}_rnn_d_gates", f"seq_{name}_rnn_dh"],
                       _run_simple_rnn_backward(d_out, gates, states, case[2], activation)))
    return out


def _put_extremes(x_proj):
    """inf, -inf and NaN into a few entries of the last step's input
    projection (earlier steps would carry NaN into every later one), and
    large values into the first steps'."""
    x_proj[-1].flat[::11] = np.array([np.inf, -np.inf, np.nan], x_proj.dtype)[
        np.arange(x_proj[-1].flat[::11].size) % 3]
    x_proj[:-1].flat[::13] = np.array([1e4, -1e4, 100.0, -100.0], x_proj.dtype)[
        np.arange(x_proj[:-1].flat[::13].size) % 4]


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("extreme", [False, True], ids=["normal", "inf-nan"])
def test_back_ends_agree(dtype, extreme):
    results = {}
    for backend in ("numpy", "numba"):
        with backends.use(backend), np.errstate(all="ignore"):
            results[backend] = _every_routine(dtype, 10, extreme=extreme)
    for name, want in results["numpy"].items():
        got = results["numba"][name]
        assert got.dtype == want.dtype == dtype, name
        assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        assert_allclose(got, want, **_tol(dtype), err_msg=name)


def _numba_activation(name, x):
    """The numba back-end's ``name`` (tanh or sigmoid) of the 1-D ``x``:
    one SimpleRNN step from a zero state, one unit, a row per value, which
    runs the compiled step's activation on ``x + 0 + 0``."""
    column = x.reshape(1, -1, 1).copy()
    states = np.zeros((2, x.size, 1), x.dtype)
    with backends.use("numba"):
        recurrent_routines.simple_rnn_sequence_forward(
            column, np.zeros(1, x.dtype), np.zeros((1, 1), x.dtype), states,
            np.empty((x.size, 1), x.dtype), get_activation(name))
    return states[1].ravel()


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
def test_float32_tanh_and_sigmoid_approximations():
    """The numba back-end's float32 tanh and sigmoid (see
    :mod:`skdl.backend.numba.recurrent`) against float64 NumPy, on a
    million float32 in [-12, 12], wide draws, and the special values."""
    rng = _rng(11)
    x = np.concatenate([
        np.linspace(-12, 12, 1_000_001, dtype=np.float32),
        (30 * rng.standard_normal(100_000)).astype(np.float32),
        np.float32([0.0, -0.0, 1e-30, -1e-30, 1e-8, 9.0, -9.0, 87, 88, 89, -87, -88, -89]),
    ])
    exact = x.astype(np.float64)
    out = _numba_activation("tanh", x)
    want = np.tanh(exact)
    assert np.max(np.abs(out - want) / np.maximum(np.abs(want), 1e-38)) < 5e-7
    out = _numba_activation("sigmoid", x)
    want = 1 / (1 + np.exp(-exact))
    kept = x > -87  # below, subnormal or (as expit) 0 (documented)
    assert np.max(np.abs(out - want)[kept] / want[kept]) < 5e-7
    assert np.max(np.abs(out - want)[~kept]) < 3e-39

    special = np.float32([np.inf, -np.inf, np.nan, 1e30, -1e30])
    with np.errstate(invalid="ignore"):
        assert_array_equal(_numba_activation("tanh", special), [1, -1, np.nan, 1, -1])
        assert_array_equal(_numba_activation("sigmoid", special), [1, 0, np.nan, 1, 0])


def _every_float32(low, high):
    """Every float32 from ``low`` to ``high``."""
    ends = np.float32([low, high]).view(np.int32)
    return np.arange(ends.min(), ends.max() + 1, dtype=np.int32).view(np.float32)


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
@pytest.mark.parametrize("dtype", DTYPES)
def test_numba_gate_activations_are_numpys_at_the_limits(dtype):
    """The numba gates' sigmoid and tanh against the NumPy back-end's
    (``expit``, ``np.tanh``): the same values at +-inf and NaN, and 0 at
    exactly the same inputs: float32's exp overflows at 88.72284, where the
    approximation's clamp once left 6e-39."""
    from scipy.special import expit

    special = np.array([np.inf, -np.inf, np.nan, -np.nan, 1e30, -1e30, 0.0, -0.0], dtype)
    for name, numpys in [("sigmoid", expit), ("tanh", np.tanh)]:
        with np.errstate(invalid="ignore"):
            assert_array_equal(_numba_activation(name, special), numpys(special))
    if dtype == np.float64:
        x = np.concatenate([np.linspace(-750.0, -700.0, 100_001), -np.logspace(2, 308, 1000)])
    else:
        x = np.concatenate([_every_float32(-88.8, -88.6), -np.logspace(1, 38.5, 100_000)])
    x = x.astype(dtype)
    out = _numba_activation("sigmoid", x)
    want = expit(x)
    assert_array_equal(out == 0, want == 0)
    assert not np.isnan(out).any()
    assert_allclose(out, want, rtol=5e-7, atol=0)


_LIMITS = [-np.inf, -100.0, -88.8, -88.7, -1.0, 0.0, 1.0, 100.0, np.inf, np.nan]
"""Pre-activations and states for the gates' limits: around float32's exp
overflow (-88.8 gives a gate of 0, -88.7 a subnormal one), inf and NaN."""


def _every_combination(values, k, dtype):
    """An array (len(values)**k, k): every ``k``-tuple of ``values``."""
    grids = np.meshgrid(*[np.array(values, dtype)] * k, indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def _steps_at_the_limits(dtype):
    """Every output of the cell routines, forward and back, on every
    combination of :data:`_LIMITS` among one unit's gate pre-activations
    and previous state (one row each)."""
    out = {}
    grid = _every_combination(_LIMITS, 5, dtype)  # x_i, x_f, x_g, x_o, c_prev
    a, c_prev = np.ascontiguousarray(grid[:, :4]), np.ascontiguousarray(grid[:, 4:])
    c, tanh_c, h = (np.empty_like(c_prev) for _ in range(3))
    lstm_step_forward(a, c_prev, c, tanh_c, h)
    out.update(lstm_a=a.copy(), lstm_c=c, lstm_tanh_c=tanh_c, lstm_h=h)
    dh, dc, d_a = np.full_like(c, 1.5), np.full_like(c, -0.5), np.empty_like(a)
    lstm_step_backward(a, c_prev, tanh_c, dh, dc, d_a)
    out.update(lstm_d_a=d_a, lstm_dc=dc)
    # z, r, candidate inputs, their recurrent parts, h_prev: fewer values
    grid = _every_combination(_LIMITS[::2] + [_LIMITS[-1]], 7, dtype)
    g, rec = np.ascontiguousarray(grid[:, :3]), np.ascontiguousarray(grid[:, 3:6])
    h_prev = np.ascontiguousarray(grid[:, 6:])
    h = np.empty_like(h_prev)
    gru_step_forward(g, rec, h_prev, h)
    out.update(gru_a=g.copy(), gru_h=h)
    dh, d_g, d_rec = np.full_like(h, 1.5), np.empty_like(g), np.empty_like(g)
    gru_step_backward(g, rec, h_prev, dh, d_g, d_rec)
    out.update(gru_d_a=d_g, gru_d_rec=d_rec, gru_dh=dh)
    return out


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
@pytest.mark.parametrize("dtype", DTYPES)
def test_steps_at_the_limits_agree(dtype):
    """inf, NaN and a gate of exactly 0 reach the same outputs in both
    back-ends: a reset gate of 0 (NumPy's sigmoid(-inf)) times an infinite
    recurrent projection is NaN, where the numba gate of 6e-39 once gave
    a GRU output of 0.5; so was a forget gate of 0 times an infinite cell."""
    results = {}
    for backend in ("numpy", "numba"):
        with backends.use(backend), np.errstate(all="ignore"):
            results[backend] = _steps_at_the_limits(dtype)
    for name, want in results["numpy"].items():
        got = results["numba"][name]
        assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        assert_array_equal(np.isposinf(got), np.isposinf(want), err_msg=name)
        assert_array_equal(np.isneginf(got), np.isneginf(want), err_msg=name)
        assert_allclose(got, want, **_tol(dtype), err_msg=name)
    # the case: z = 1/2, r = sigmoid(-inf), an infinite recurrent h~
    g = np.array([[0.0, -np.inf, 0.0]], dtype)
    rec = np.array([[0.0, 0.0, np.inf]], dtype)
    for backend in ("numpy", "numba"):
        h = np.empty((1, 1), dtype)
        with backends.use(backend), np.errstate(all="ignore"):
            gru_step_forward(g.copy(), rec, np.zeros((1, 1), dtype), h)
        assert np.isnan(h).all(), backend


# -- refusals --------------------------------------------------------------------

def _z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype=dtype)


def _strided(*shape):
    """A non-contiguous float64 array of ``shape``."""
    return np.zeros((*shape[:-1], 2 * shape[-1]))[..., ::2]


n, H, T = 3, 5, 4
REFUSALS = [
    ("lstm dtype", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H), _z(4 * H), _z(H, 4 * H), _z(T + 1, n, H),
        _z(T + 1, n, H, dtype=np.float32), _z(T, n, H), _z(n, 4 * H)),
     "lstm_sequence_forward: cells has dtype float32 and gates has float64"),
    ("lstm int", lambda: recurrent_routines.lstm_sequence_forward(
        np.zeros((T, n, 4 * H), int), _z(4 * H), _z(H, 4 * H), _z(T + 1, n, H),
        _z(T + 1, n, H), _z(T, n, H), _z(n, 4 * H)),
     "lstm_sequence_forward: gates must be a float32 or float64 NumPy array"),
    ("lstm list", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H), [0.0] * 4 * H, _z(H, 4 * H), _z(T + 1, n, H), _z(T + 1, n, H),
        _z(T, n, H), _z(n, 4 * H)),
     "lstm_sequence_forward: bias must be a float32 or float64 NumPy array; got a list"),
    ("lstm width", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H + 1), _z(4 * H), _z(H, 4 * H), _z(T + 1, n, H), _z(T + 1, n, H),
        _z(T, n, H), _z(n, 4 * H)),
     "lstm_sequence_forward: gates has 21 columns, which is not 4 gates"),
    ("lstm shape", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H), _z(4 * H), _z(H, 4 * H), _z(T + 1, n, H), _z(T + 1, n, H),
        _z(T, n, H + 1), _z(n, 4 * H)),
     r"lstm_sequence_forward: tanh_cells has shape \(4, 3, 6\), but needs shape "
     r"\(4, 3, 5\) to fit gates"),
    ("lstm rows", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H), _z(4 * H), _z(H, 4 * H), _z(T + 1, n, H), _z(T + 1, n, H),
        _z(T, n, H), _z(n + 1, 4 * H)),
     r"lstm_sequence_forward: recurrent has shape \(4, 20\), but needs shape \(3, 20\)"),
    ("lstm strided", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H), _z(4 * H), _z(H, 4 * H), _z(T + 1, n, H), _strided(T + 1, n, H),
        _z(T, n, H), _z(n, 4 * H)),
     "lstm_sequence_forward: cells is written in place, so it must be a C-contiguous"),
    ("lstm bwd shape", lambda: recurrent_routines.lstm_sequence_backward(
        _z(T, n, H), _z(T, n, 4 * H), _z(T + 1, n, H), _z(T, n, H), _z(H, 4 * H),
        _z(n, H), _z(n, H), _z(T, n, 4 * H - 4)),
     r"lstm_sequence_backward: d_gates has shape \(4, 3, 16\), but needs shape "
     r"\(4, 3, 20\)"),
    ("lstm bwd strided", lambda: recurrent_routines.lstm_sequence_backward(
        _z(T, n, H), _z(T, n, 4 * H), _z(T + 1, n, H), _z(T, n, H), _z(H, 4 * H),
        _z(n, H), _strided(n, H), _z(T, n, 4 * H)),
     "lstm_sequence_backward: dc is written in place"),
    ("lstm bwd readonly", lambda: recurrent_routines.lstm_sequence_backward(
        _z(T, n, H), _z(T, n, 4 * H), _z(T + 1, n, H), _z(T, n, H), _z(H, 4 * H),
        _z(n, H), _z(n, H), np.broadcast_to(_z(4 * H), (T, n, 4 * H))),
     "lstm_sequence_backward: d_gates is written in place"),
    ("gru recurrent", lambda: recurrent_routines.gru_sequence_forward(
        _z(T, n, 3 * H), _z(2, 3 * H), _z(H, 3 * H), _z(T, n, 3 * H - 3), _z(T + 1, n, H)),
     r"gru_sequence_forward: recurrent has shape \(4, 3, 12\), but needs shape "
     r"\(4, 3, 15\)"),
    ("gru dtype", lambda: recurrent_routines.gru_sequence_forward(
        _z(T, n, 3 * H), _z(2, 3 * H), _z(H, 3 * H), _z(T, n, 3 * H),
        _z(T + 1, n, H, dtype=np.float32)),
     "gru_sequence_forward: states has dtype float32 and gates has float64"),
    ("gru strided", lambda: recurrent_routines.gru_sequence_forward(
        _z(T, n, 3 * H), _z(2, 3 * H), _z(H, 3 * H), _z(T, n, 3 * H), _strided(T + 1, n, H)),
     "gru_sequence_forward: states is written in place"),
    ("gru bwd dh shape", lambda: recurrent_routines.gru_sequence_backward(
        _z(T, n, H), _z(T, n, 3 * H), _z(T, n, 3 * H), _z(T + 1, n, H), _z(H, 3 * H),
        _z(n, H - 1), _z(n, H), _z(T, n, 3 * H), _z(T, n, 3 * H)),
     r"gru_sequence_backward: dh has shape \(3, 4\), but needs shape \(3, 5\)"),
    ("simple_rnn states", lambda: recurrent_routines.simple_rnn_sequence_forward(
        _z(T, n, H), _z(H), _z(H, H), _z(T, n, H), _z(n, H), get_activation("tanh")),
     r"simple_rnn_sequence_forward: states has shape \(4, 3, 5\), but needs shape "
     r"\(5, 3, 5\)"),
    ("simple_rnn kernel", lambda: recurrent_routines.simple_rnn_sequence_forward(
        _z(T, n, H), _z(H), _z(H, H + 1), _z(T + 1, n, H), _z(n, H), get_activation("tanh")),
     r"simple_rnn_sequence_forward: recurrent_kernel has shape \(5, 6\), but needs shape "
     r"\(5, 5\)"),
    ("simple_rnn bwd strided", lambda: recurrent_routines.simple_rnn_sequence_backward(
        _z(T, n, H), _z(T, n, H), _z(T + 1, n, H), _z(H, H), _z(n, H), _strided(T, n, H),
        get_activation("tanh")),
     "simple_rnn_sequence_backward: d_gates is written in place"),
    ("simple_rnn bwd dtype", lambda: recurrent_routines.simple_rnn_sequence_backward(
        _z(T, n, H), _z(T, n, H), _z(T + 1, n, H), _z(H, H), _z(n, H, dtype=np.float32),
        _z(T, n, H), get_activation("tanh")),
     "simple_rnn_sequence_backward: dh has dtype float32 and gates has float64"),
    ("lstm seq states", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H), _z(4 * H), _z(H, 4 * H), _z(T, n, H), _z(T + 1, n, H), _z(T, n, H),
        _z(n, 4 * H)),
     r"lstm_sequence_forward: states has shape \(4, 3, 5\), but needs shape \(5, 3, 5\)"),
    ("lstm seq kernel", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H), _z(4 * H), _z(4 * H, H), _z(T + 1, n, H), _z(T + 1, n, H),
        _z(T, n, H), _z(n, 4 * H)),
     r"lstm_sequence_forward: recurrent_kernel has shape \(20, 5\), but needs shape \(5, 20\)"),
    ("lstm seq bias dtype", lambda: recurrent_routines.lstm_sequence_forward(
        _z(T, n, 4 * H), _z(4 * H, dtype=np.float32), _z(H, 4 * H), _z(T + 1, n, H),
        _z(T + 1, n, H), _z(T, n, H), _z(n, 4 * H)),
     "lstm_sequence_forward: bias has dtype float32 and gates has float64"),
    ("lstm seq 2-D", lambda: recurrent_routines.lstm_sequence_forward(
        _z(n, 4 * H), _z(4 * H), _z(H, 4 * H), _z(T + 1, n, H), _z(T + 1, n, H),
        _z(T, n, H), _z(n, 4 * H)),
     "lstm_sequence_forward: gates must be 3-D"),
    ("lstm seq gates strided", lambda: recurrent_routines.lstm_sequence_forward(
        np.zeros((T, 2 * n, 4 * H))[:, :n], _z(4 * H), _z(H, 4 * H), _z(T + 1, n, H),
        _z(T + 1, n, H), _z(T, n, H), _z(n, 4 * H)),
     "lstm_sequence_forward: gates is written in place"),
    ("lstm seq bwd d_out", lambda: recurrent_routines.lstm_sequence_backward(
        _z(T - 1, n, H), _z(T, n, 4 * H), _z(T + 1, n, H), _z(T, n, H), _z(H, 4 * H),
        _z(n, H), _z(n, H), _z(T, n, 4 * H)),
     r"lstm_sequence_backward: d_out has shape \(3, 3, 5\), but needs shape \(4, 3, 5\)"),
    ("lstm seq bwd d_gates strided", lambda: recurrent_routines.lstm_sequence_backward(
        _z(T, n, H), _z(T, n, 4 * H), _z(T + 1, n, H), _z(T, n, H), _z(H, 4 * H),
        _z(n, H), _z(n, H), _strided(T, n, 4 * H)),
     "lstm_sequence_backward: d_gates is written in place"),
    ("gru seq bias", lambda: recurrent_routines.gru_sequence_forward(
        _z(T, n, 3 * H), _z(3 * H), _z(H, 3 * H), _z(T, n, 3 * H), _z(T + 1, n, H)),
     r"gru_sequence_forward: bias has shape \(15,\), but needs shape \(2, 15\)"),
    ("gru seq recurrent strided", lambda: recurrent_routines.gru_sequence_forward(
        _z(T, n, 3 * H), _z(2, 3 * H), _z(H, 3 * H), _strided(T, n, 3 * H),
        _z(T + 1, n, H)),
     "gru_sequence_forward: recurrent is written in place"),
    ("gru seq bwd through", lambda: recurrent_routines.gru_sequence_backward(
        _z(T, n, H), _z(T, n, 3 * H), _z(T, n, 3 * H), _z(T + 1, n, H), _z(H, 3 * H),
        _z(n, H), _z(n + 1, H), _z(T, n, 3 * H), _z(T, n, 3 * H)),
     r"gru_sequence_backward: through has shape \(4, 5\), but needs shape \(3, 5\)"),
    ("gru seq bwd dtype", lambda: recurrent_routines.gru_sequence_backward(
        _z(T, n, H), _z(T, n, 3 * H), _z(T, n, 3 * H), _z(T + 1, n, H), _z(H, 3 * H),
        _z(n, H), _z(n, H), _z(T, n, 3 * H), _z(T, n, 3 * H, dtype=np.float32)),
     "gru_sequence_backward: d_recurrent has dtype float32 and gates has float64"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("call, message", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_routines_refuse_input_that_does_not_fit(backend, call, message):
    with backends.use(backend), pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("backend", BACKENDS)
def test_read_only_arrays_may_be_strided(backend):
    """Arrays a time loop only reads need not be contiguous (it copies
    them)."""
    rng = _rng(12)
    steps, n, units = 3, 4, 5
    x_proj, bias, kernel, h0, c0 = _lstm_sequence_case(rng, steps, n, units, np.float64)
    wide = np.zeros((units, 8 * units))
    wide[:, ::2] = kernel
    with backends.use(backend):
        want = _run_lstm_forward(x_proj, bias, kernel, h0, c0)
        got = _run_lstm_forward(x_proj, bias, wide[:, ::2], h0, c0)
        assert_allclose(got[0], want[0], rtol=1e-13, atol=1e-14)
        d_out = rng.standard_normal((steps, n, units))
        wide_out = np.zeros((2 * steps, n, units))
        wide_out[::2] = d_out
        want = _run_lstm_backward(d_out, want[3], want[1], want[2], kernel)
        got = _run_lstm_backward(wide_out[::2], got[3], got[1], got[2], wide[:, ::2])
        for x, y in zip(got, want):
            assert_allclose(x, y, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_batches(backend):
    with backends.use(backend):
        for dtype in DTYPES:
            states, cells, tanh_cells, gates = _run_lstm_forward(
                *_lstm_sequence_case(_rng(), 3, 0, 4, dtype))
            assert states.shape == (4, 0, 4)
            _run_lstm_backward(np.zeros((3, 0, 4), dtype), gates, cells, tanh_cells,
                               np.zeros((4, 16), dtype))
            states, recurrent, gates = _run_gru_forward(*_gru_sequence_case(_rng(), 3, 0, 4,
                                                                             dtype))
            _run_gru_backward(np.zeros((3, 0, 4), dtype), gates, recurrent, states,
                              np.zeros((4, 12), dtype))


# ------------------------------------------------------------------- masks
def _step_mask(steps, n):
    """Rows padded after, before and between their steps, one all padding
    and one all data: every step has both kinds of rows but the last."""
    mask = np.ones((steps, n), dtype=bool)
    mask[2:, 0] = False
    mask[:2, 1] = False
    mask[1, 2] = False
    mask[:, 3] = False
    mask[-1] = True
    return mask


@pytest.mark.parametrize("backend", BACKENDS)
def test_masked_lstm_and_gru_loops_carry_the_state_and_its_gradient(backend):
    """Forward: at a masked step a row keeps its state (and cell); backward,
    the gradients equal finite differences of ``sum(d_out * states[1:])``,
    from random initial states, so that a row masked from the start carries
    h0 (and c0) on."""
    steps, n, units = 4, 5, 2
    rng = _rng(8)
    mask = _step_mask(steps, n)
    x_proj, bias, kernel, h0, c0 = _lstm_sequence_case(rng, steps, n, units, np.float64)
    d_out = rng.standard_normal((steps, n, units))

    def lstm_forward():
        gates, states, cells = x_proj.copy(), np.empty((steps + 1, n, units)), \
            np.empty((steps + 1, n, units))
        states[0], cells[0] = h0, c0
        recurrent_routines.lstm_sequence_forward(
            gates, bias, kernel, states, cells, np.empty((steps, n, units)),
            np.empty((n, 4 * units)), mask=mask)
        return gates, states, cells

    with backends.use(backend):
        gates, states, cells = lstm_forward()
        for t in range(steps):
            held = ~mask[t]
            assert_array_equal(states[t + 1][held], states[t][held])
            assert_array_equal(cells[t + 1][held], cells[t][held])
        tanh_cells = np.tanh(cells[1:])
        dh, dc, d_gates = np.empty((n, units)), np.empty((n, units)), np.empty_like(gates)
        recurrent_routines.lstm_sequence_backward(d_out, gates, cells, tanh_cells, kernel, dh,
                                                  dc, d_gates, mask=mask)

        def objective():
            return np.sum(d_out * lstm_forward()[1][1:])

        tol = {"rtol": 1e-6, "atol": 1e-8}
        assert_allclose(d_gates, _finite_difference(objective, x_proj), **tol)
        assert_allclose(dh, _finite_difference(objective, h0), **tol)
        assert_allclose(dc, _finite_difference(objective, c0), **tol)
        assert_array_equal(d_gates[~mask], 0)

        x_proj, bias, kernel, h0 = _gru_sequence_case(rng, steps, n, units, np.float64)

        def gru_forward():
            gates, recurrent = x_proj.copy(), np.empty_like(x_proj)
            states = np.empty((steps + 1, n, units))
            states[0] = h0
            recurrent_routines.gru_sequence_forward(gates, bias, kernel, recurrent, states,
                                                    mask=mask)
            return gates, recurrent, states

        gates, recurrent, states = gru_forward()
        dh, through = np.empty((n, units)), np.empty((n, units))
        d_gates, d_recurrent = np.empty_like(gates), np.empty_like(gates)
        recurrent_routines.gru_sequence_backward(d_out, gates, recurrent, states, kernel, dh,
                                                 through, d_gates, d_recurrent, mask=mask)

        def objective():
            return np.sum(d_out * gru_forward()[2][1:])

        assert_allclose(d_gates, _finite_difference(objective, x_proj), **tol)
        assert_allclose(dh, _finite_difference(objective, h0), **tol)
        assert_array_equal(d_recurrent[~mask], 0)
