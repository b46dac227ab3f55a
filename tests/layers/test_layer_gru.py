"""skdl.layers.GRU: Keras's reset_after=True form (the recurrent bias inside
the reset product), its gate order (update, reset, candidate), the two bias
rows, and hand-computed steps, on both compute back-ends. What all recurrent
layers share is in test_layer_recurrent.py."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl.layers import GRU, Dense, Flatten
from skdl.network import Network

import layer_reference as ref
import sequence_reference as seq
from sequence_reference import sigmoid


def _gru(units, features, steps):
    return ref.bind_weights(GRU(units, return_sequences=True), (steps, features))


def test_two_steps_by_hand(compute_backend):
    """One unit, one feature: p = x w + b0, q = h u + b1 (each z, r, h~);
    z = s(p_z + q_z), r = s(p_r + q_r), h~ = tanh(p_h + r q_h),
    h = z h + (1 - z) h~."""
    w = np.array([0.4, -0.3, 0.9])
    u = np.array([0.8, 0.5, -1.2])
    b = np.array([[0.1, 0.2, -0.3], [-0.2, 0.4, 0.6]])
    layer = _gru(1, 1, 2)
    layer.set_weights([w[None], u[None], b])
    xs = [0.7, -1.3]
    h = 0.0
    want = []
    for x in xs:
        p, q = x * w + b[0], h * u + b[1]
        z, r = sigmoid(p[0] + q[0]), sigmoid(p[1] + q[1])
        candidate = np.tanh(p[2] + r * q[2])
        h = z * h + (1 - z) * candidate
        want.append(h)
    x = np.reshape(xs, (1, 2, 1))
    assert_allclose(layer.predict(x).ravel(), want, rtol=1e-14)
    layer.allocate(1)
    assert_allclose(layer.forward(x).ravel(), want, rtol=1e-14)


def test_recurrent_bias_is_inside_the_reset_product(compute_backend):
    """reset_after=True: with the reset gate shut (r = 0) the candidate
    ignores the recurrent candidate bias b1_h, though not the input one
    b0_h; with it open (r = 1) both add."""
    layer = _gru(1, 1, 1)
    x = np.zeros((1, 1, 1))

    def first_step(b0, b1):
        layer.set_weights([np.zeros((1, 3)), np.zeros((1, 3)), np.array([b0, b1])])
        return layer.predict(x).item()

    shut = [0.0, -40.0, 0.0]
    assert first_step([0, -40, 0.5], [0, 0, 0]) == pytest.approx(0.5 * np.tanh(0.5))
    assert first_step(shut, [0, 0, 0.5]) == pytest.approx(0.0, abs=1e-15)
    assert first_step([0, 40, 0.2], [0, 0, 0.5]) == pytest.approx(0.5 * np.tanh(0.7))
    # the z and r parts of the two rows add and are interchangeable
    a = first_step([0.3, 0.1, 0.2], [-0.1, 0.5, 0.7])
    b = first_step([-0.1, 0.5, 0.2], [0.3, 0.1, 0.7])
    assert a == pytest.approx(b, rel=1e-14)
    # the candidate parts are not
    c = first_step([0.3, 0.1, 0.7], [-0.1, 0.5, 0.2])
    assert abs(a - c) > 1e-3


def test_update_gate_closed_keeps_the_state_at_zero(compute_backend):
    """z = 1 keeps h = h_prev = 0 at every step, whatever the input."""
    layer = _gru(3, 2, 6)
    rs = np.random.RandomState(0)
    kernel = rs.normal(size=(2, 9))
    kernel[:, :3] = 0
    bias = rs.normal(size=(2, 9))
    bias[0, :3] = 40.0
    layer.set_weights([kernel, rs.normal(size=(3, 9)) * 0.1, bias])
    out = layer.predict(rs.normal(size=(2, 6, 2)))
    assert_allclose(out, 0.0, atol=1e-15)


def test_gate_blocks_of_units(compute_backend):
    """kernel[j, g * H + k]: feature j into unit k of gate g (z, r, h~): one
    step by hand, two units."""
    layer = _gru(2, 2, 1)
    rs = np.random.RandomState(3)
    kernel, recurrent, bias = rs.normal(size=(2, 6)), rs.normal(size=(2, 6)), rs.normal(size=(2, 6))
    layer.set_weights([kernel, recurrent, bias])
    x = rs.normal(size=(1, 1, 2))
    h = np.empty(2)
    for k in range(2):
        p = [x[0, 0] @ kernel[:, g * 2 + k] + bias[0, g * 2 + k] for g in range(3)]
        q = [bias[1, g * 2 + k] for g in range(3)]  # h_prev = 0
        z, r = sigmoid(p[0] + q[0]), sigmoid(p[1] + q[1])
        h[k] = (1 - z) * np.tanh(p[2] + r * q[2])
    assert_allclose(layer.predict(x)[0, 0], h, rtol=1e-13)


def test_bias_is_two_rows_of_zeros_at_first():
    net = Network([GRU(3), Dense(1)], (4, 2))
    net.initialize(np.random.RandomState(0))
    bias = net.layers[0].get_weights()[2]
    assert bias.shape == (2, 9)
    assert_array_equal(bias, 0.0)


def test_bias_rows_have_their_own_gradients(compute_backend):
    """The input bias's gradient sums the input-side gate gradients, the
    recurrent bias's the recurrent-side ones: they differ in the candidate
    block (multiplied by r) and agree in z and r."""
    layer = _gru(2, 2, 4)
    for w in layer.weights:
        w *= 0.5
    rs = np.random.RandomState(4)
    layer.allocate(3)
    out = layer.forward(rs.normal(size=(3, 4, 2)))
    layer.backward(rs.normal(size=out.shape))
    bias_grad = layer.gradients[2]
    assert_allclose(bias_grad[0, :4], bias_grad[1, :4], rtol=1e-12)
    assert np.all(np.abs(bias_grad[0, 4:] - bias_grad[1, 4:]) > 1e-6)


def test_long_sequences_match_the_reference(compute_backend):
    net = Network([GRU(4, return_sequences=True), Flatten(), Dense(1)], (150, 3))
    net.initialize(np.random.RandomState(0))
    layer = net.layers[0]
    x = 3 * np.random.RandomState(1).normal(size=(4, 150, 3))
    want = seq.gru(x, *layer.weights)
    layer.allocate(4)
    assert np.all(np.abs(layer.forward(x)) < 1)
    assert_allclose(layer.forward(x), want, rtol=1e-11, atol=1e-12)
    assert_allclose(layer.predict(x), want, rtol=1e-11, atol=1e-12)
