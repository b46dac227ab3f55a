"""skdl.layers.LSTM: Keras's gate order (input, forget, cell, output) and
weight layout pinned by hand-computed steps, the forget gate's bias of 1 at
initialisation, long sequences, and values against the plain-loop reference
(tests/layers/sequence_reference.py), on both compute back-ends. What all
recurrent layers share is in test_layer_recurrent.py."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl.layers import LSTM, Dense, Flatten
from skdl.network import Network

import layer_reference as ref
import sequence_reference as seq
from sequence_reference import sigmoid


def _lstm(units, features, steps, return_sequences=True):
    return ref.bind_weights(LSTM(units, return_sequences=return_sequences), (steps, features))


def test_gate_order_by_hand(compute_backend):
    """One unit, zero kernels: only the biases (i, f, g, o) act. Two steps
    from zero states: c1 = s(bi) tanh(bg), c2 = s(bf) c1 + s(bi) tanh(bg),
    h = s(bo) tanh(c)."""
    bi, bf, bg, bo = 0.3, -0.7, 1.1, 0.5
    layer = _lstm(1, 1, 2)
    layer.set_weights([np.zeros((1, 4)), np.zeros((1, 4)), np.array([bi, bf, bg, bo])])
    c1 = sigmoid(bi) * np.tanh(bg)
    c2 = sigmoid(bf) * c1 + sigmoid(bi) * np.tanh(bg)
    want = sigmoid(bo) * np.tanh([c1, c2])
    x = np.random.RandomState(0).normal(size=(3, 2, 1))  # ignored: zero kernel
    out = layer.predict(x)
    assert_allclose(out[:, :, 0], np.tile(want, (3, 1)), rtol=1e-14)
    layer.allocate(3)
    assert_allclose(layer.forward(x), out, rtol=1e-14)


def test_kernel_columns_are_gate_blocks_of_units(compute_backend):
    """kernel[j, g * H + k] weighs feature j into unit k of gate g (blocks
    i, f, c, o), and recurrent_kernel[j, g * H + k] weighs h_j the same
    way: one step by hand with two units and two features."""
    units = 2
    layer = _lstm(units, 2, 1)
    rs = np.random.RandomState(1)
    kernel, recurrent, bias = (rs.normal(size=s) for s in [(2, 8), (2, 8), (8,)])
    layer.set_weights([kernel, recurrent, bias])
    x = rs.normal(size=(1, 1, 2))
    h = np.empty(units)
    for k in range(units):
        pre = [x[0, 0] @ kernel[:, g * units + k] + bias[g * units + k] for g in range(4)]
        # c_prev = 0: the forget gate (pre[1]) does not act
        i, g, o = sigmoid(pre[0]), np.tanh(pre[2]), sigmoid(pre[3])
        h[k] = o * np.tanh(i * g)
    assert_allclose(layer.predict(x)[0, 0], h, rtol=1e-13)


def test_recurrent_kernel_feeds_the_previous_output(compute_backend):
    """Two steps, zero input kernel and bias: the first step is exactly 0
    (g = tanh(0) = 0), so the second is too; a nonzero bias makes h1 and
    then the recurrent kernel acts on it."""
    layer = _lstm(2, 1, 2)
    rs = np.random.RandomState(2)
    recurrent = rs.normal(size=(2, 8))
    layer.set_weights([np.zeros((1, 8)), recurrent, np.zeros(8)])
    assert_array_equal(layer.predict(np.ones((1, 2, 1))), 0.0)
    bias = rs.normal(size=8)
    layer.set_weights([np.zeros((1, 8)), recurrent, bias])
    out = layer.predict(np.zeros((1, 2, 1)))[0]
    a1 = bias
    i, g, o = sigmoid(a1[:2]), np.tanh(a1[4:6]), sigmoid(a1[6:])  # c_prev = 0: no f
    c1 = i * g
    h1 = o * np.tanh(c1)
    a2 = h1 @ recurrent + bias
    i, f, g, o = sigmoid(a2[:2]), sigmoid(a2[2:4]), np.tanh(a2[4:6]), sigmoid(a2[6:])
    h2 = o * np.tanh(f * c1 + i * g)
    assert_allclose(out, [h1, h2], rtol=1e-13)


def test_an_open_forget_gate_and_closed_input_gate_hold_the_cell(compute_backend):
    """With the forget gate saturated open and the input gate closed after
    the first step, the cell keeps its first value over a long sequence."""
    layer = _lstm(1, 1, 50)
    # the input gate opens only when x = 1 (pre-activation 40 x - 20)
    layer.set_weights([np.array([[40.0, 0.0, 0.0, 0.0]]), np.zeros((1, 4)),
                       np.array([-20.0, 40.0, 1.0, 40.0])])
    x = np.zeros((1, 50, 1))
    x[0, 0] = 1.0
    out = layer.predict(x)[0, :, 0]
    assert_allclose(out, np.tanh(np.tanh(1.0)), rtol=1e-6)


def test_forget_bias_starts_at_one():
    net = Network([LSTM(3), Dense(1)], (4, 2))
    net.initialize(np.random.RandomState(0))
    assert_array_equal(net.layers[0].bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("return_sequences", [True, False])
def test_long_sequences_stay_bounded_and_match_the_reference(compute_backend,
                                                             return_sequences):
    net = Network([LSTM(4, return_sequences=return_sequences), Flatten(), Dense(1)], (200, 3))
    net.initialize(np.random.RandomState(0))
    layer = net.layers[0]
    x = 3 * np.random.RandomState(1).normal(size=(5, 200, 3))
    want = seq.lstm(x, *layer.weights)
    want = want if return_sequences else want[:, -1]
    layer.allocate(5)
    trained = layer.forward(x)
    assert np.all(np.abs(trained) < 1)
    assert_allclose(trained, want, rtol=1e-11, atol=1e-12)
    assert_allclose(layer.predict(x), want, rtol=1e-11, atol=1e-12)
