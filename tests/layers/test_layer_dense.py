"""skdl.layers.Dense: shapes, ``activation(x @ kernel + bias)`` against
NumPy, Keras's weight layout, errors, sparse input, N-D input (the last
axis, as Keras) and the prediction pass against the training pass, on both
compute back-ends."""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, ndtr

from skdl.layers import Dense

import layer_reference as ref

ACTIVATIONS = {
    None: lambda z: z,
    "relu": lambda z: np.maximum(z, 0),  # fused with the bias in one kernel
    "tanh": np.tanh,
    "sigmoid": expit,
    "gelu": lambda z: z * ndtr(z),  # its derivative needs the input
}


def test_output_shape_and_weight_specs():
    layer = Dense(3, activation="relu")
    assert layer.build((4,)) == (3,)
    assert layer.input_shape == (4,) and layer.output_shape == (3,)
    assert [(s.name, s.shape, s.penalised) for s in layer.weight_specs()] == [
        ("kernel", (4, 3), True), ("bias", (3,), False),
    ]


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_forward_and_predict_equal_numpy(compute_backend, activation):
    layer = ref.bind_weights(Dense(5, activation=activation), (7,))
    x = np.random.RandomState(1).normal(size=(6, 7))
    want = ACTIVATIONS[activation](x @ layer.kernel + layer.bias)
    predicted = layer.predict(x)
    layer.allocate(6)
    trained = layer.forward(x)
    assert_allclose(trained, want, rtol=1e-12, atol=1e-14)
    assert_allclose(predicted, want, rtol=1e-12, atol=1e-14)
    # the pre-activation, for the output layer
    logits = x @ layer.kernel + layer.bias
    assert_allclose(layer.forward(x, activate=False), logits, rtol=1e-12, atol=1e-14)
    assert_allclose(layer.predict(x, activate=False), logits, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix])
def test_sparse_input_equals_dense(compute_backend, container):
    layer = ref.bind_weights(Dense(3, activation="tanh"), (6,))
    rs = np.random.RandomState(0)
    x = rs.normal(size=(5, 6)) * (rs.rand(5, 6) < 0.4)
    dense = layer.predict(x)
    assert_allclose(layer.predict(container(x)), dense, rtol=1e-12)
    layer.allocate(5, needs_input_gradient=False)
    assert_allclose(layer.forward(container(x)), dense, rtol=1e-12)
    d = rs.normal(size=(5, 3))
    layer.backward(d.copy())
    sparse_grads = [g.copy() for g in layer.gradients]
    layer.forward(x)
    layer.backward(d.copy())
    for got, want in zip(sparse_grads, layer.gradients):
        assert_allclose(got, want, rtol=1e-12)


def test_backward_by_hand(compute_backend):
    layer = ref.bind_weights(Dense(3), (4,))
    rs = np.random.RandomState(0)
    x, d = rs.normal(size=(5, 4)), rs.normal(size=(5, 3))
    layer.allocate(5)
    layer.forward(x)
    dx = layer.backward(d.copy())
    assert_allclose(dx, d @ layer.kernel.T, rtol=1e-12)
    assert_allclose(layer.gradients[0], x.T @ d, rtol=1e-12)
    assert_allclose(layer.gradients[1], d.sum(axis=0), rtol=1e-12)


def test_predict_uses_fresh_arrays(compute_backend):
    layer = ref.bind_weights(Dense(3, activation="relu"), (4,))
    rs = np.random.RandomState(0)
    x1, x2 = rs.normal(size=(2, 4)), rs.normal(size=(8, 4))
    layer.allocate(2)
    trained = layer.forward(x1)
    kept = trained.copy()
    x2_before = x2.copy()
    first, second = layer.predict(x2), layer.predict(x2)
    assert not np.shares_memory(first, second) and not np.shares_memory(first, trained)
    assert_array_equal(trained, kept)
    assert_array_equal(x2, x2_before)
    assert_allclose(layer.predict(x1), kept, rtol=1e-14)


def test_float32(compute_backend):
    layer = ref.bind_weights(Dense(3, activation="tanh"), (4,), dtype=np.float32)
    x = np.random.RandomState(0).normal(size=(5, 4)).astype(np.float32)
    layer.allocate(5)
    trained = layer.forward(x)
    assert trained.dtype == layer.predict(x).dtype == np.float32
    want = np.tanh(x.astype(float) @ layer.kernel.astype(float) + layer.bias)
    assert_allclose(trained, want, rtol=1e-5, atol=1e-6)


def test_get_weights_and_set_weights():
    layer = ref.bind_weights(Dense(3), (4,))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 3) and bias.shape == (3,)
    assert_array_equal(kernel, layer.kernel)
    kernel[...] = 9  # a copy
    assert not np.any(layer.kernel == 9)
    new = [np.arange(12.0).reshape(4, 3), np.array([1.0, 2.0, 3.0])]
    layer.set_weights(new)
    new[0][...] = 0  # set_weights copied
    assert_array_equal(layer.kernel, np.arange(12.0).reshape(4, 3))
    assert_array_equal(layer.bias, [1, 2, 3])
    x = np.eye(4)
    assert_array_equal(layer.predict(x), np.arange(12.0).reshape(4, 3) + [1, 2, 3])


@pytest.mark.parametrize("weights", [
    [np.zeros((3, 4)), np.zeros(3)],  # transposed kernel
    [np.zeros((4, 3))],
    [np.zeros((4, 3)), np.zeros(3), np.zeros(3)],
    [np.zeros(3), np.zeros((4, 3))],
    [np.zeros((4, 3)), np.zeros((1, 3))],
    [],
])
def test_set_weights_refuses_wrong_shapes_or_counts_and_writes_nothing(weights):
    layer = ref.bind_weights(Dense(3), (4,))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=re.escape("Dense(units=3, activation=None): ")):
        layer.set_weights(weights)
    for old, now in zip(before, layer.get_weights()):
        assert_array_equal(old, now)


def test_get_config_and_repr():
    assert Dense(3).get_config() == {"units": 3, "activation": None, "name": None}
    layer = Dense(10, activation="softmax")
    assert layer.get_config() == {"units": 10, "activation": "softmax", "name": None}
    assert repr(layer) == "Dense(units=10, activation='softmax')"
    assert repr(Dense(**layer.get_config())) == repr(layer)


@pytest.mark.parametrize("layer, shape, message", [
    (Dense(0), (4,), "units must be a positive integer, got 0"),
    (Dense(-2), (4,), "units must be a positive integer"),
    (Dense(2.5), (4,), "units must be a positive integer"),
    (Dense(None), (4,), "units must be a positive integer"),
])
def test_build_errors_name_the_layer(layer, shape, message):
    with pytest.raises(ValueError, match=message) as info:
        layer.build(shape)
    assert str(info.value).startswith(repr(layer) + ": ")


@pytest.mark.parametrize("activation", [None, "gelu"])
def test_nd_input_applies_to_the_last_axis(compute_backend, activation):
    layer = ref.bind_weights(Dense(3, activation=activation), (5, 2, 4))
    assert layer.output_shape == (5, 2, 3) and layer.kernel.shape == (4, 3)
    rs = np.random.RandomState(0)
    x, d = rs.normal(size=(6, 5, 2, 4)), rs.normal(size=(6, 5, 2, 3))
    want = ACTIVATIONS[activation](x @ layer.kernel + layer.bias)
    assert_allclose(layer.predict(x), want, rtol=1e-12, atol=1e-14)
    layer.allocate(8)
    assert_allclose(layer.forward(x), want, rtol=1e-12, atol=1e-14)
    dx = layer.backward(d.copy())
    rows, d_rows = x.reshape(-1, 4), d.reshape(-1, 3)
    if activation == "gelu":
        z = rows @ layer.kernel + layer.bias
        d_rows = d_rows * (ndtr(z) + z * np.exp(-z ** 2 / 2) / np.sqrt(2 * np.pi))
    assert dx.shape == x.shape
    assert_allclose(dx.reshape(-1, 4), d_rows @ layer.kernel.T, rtol=1e-10)
    assert_allclose(layer.gradients[0], rows.T @ d_rows, rtol=1e-10)
    assert_allclose(layer.gradients[1], d_rows.sum(axis=0), rtol=1e-10)


def test_nd_input_matches_keras():
    keras = pytest.importorskip("keras")
    layer = ref.bind_weights(Dense(3, activation="relu"), (5, 4))
    theirs = keras.layers.Dense(3, activation="relu", dtype="float64")
    theirs.build((None, 5, 4))
    theirs.set_weights(layer.get_weights())
    x = np.random.RandomState(0).normal(size=(2, 5, 4))
    assert_allclose(layer.predict(x), np.asarray(theirs(x)), rtol=1e-12)
