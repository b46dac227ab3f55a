"""skdl.layers.Activation: an activation over the last axis of any input,
gradient-checked in stacks, as Keras's and in ONNX."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import softmax

from skdl import NeuralNetRegressor
from skdl.gradcheck import check_gradients
from skdl.layers import Activation, Conv1D, Conv2D, Dense, Flatten
from skdl.network import Network


@pytest.mark.parametrize("shape", [(5,), (4, 3), (3, 3, 2)])
def test_elementwise_activations_act_on_each_entry(compute_backend, shape):
    x = np.random.RandomState(0).normal(size=(4, *shape))
    layer = Activation("tanh")
    assert layer.build(shape) == shape
    layer.allocate(4)
    assert_allclose(layer.forward(x), np.tanh(x), rtol=1e-12)
    assert_allclose(layer.predict(x), np.tanh(x), rtol=1e-12)
    delta = np.ones_like(x)
    assert_allclose(layer.backward(delta), 1 - np.tanh(x) ** 2, rtol=1e-12)


def test_softmax_normalises_over_the_last_axis(compute_backend):
    x = np.random.RandomState(0).normal(size=(2, 4, 3))
    layer = Activation("softmax")
    layer.build((4, 3))
    assert_allclose(layer.predict(x), softmax(x, axis=-1), rtol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "softmax"])
def test_gradients_in_a_stack(compute_backend, activation):
    rng = np.random.RandomState(0)
    network = Network([Conv2D(3, 2), Activation(activation), Flatten(), Dense(2)], (4, 4, 2))
    network.initialize(rng)
    X, Y = rng.normal(size=(5, 32)), rng.normal(size=(5, 2))
    error = check_gradients(network, X, Y, "squared_error")[0]
    assert error < 1e-6


def test_the_mask_passes_through():
    layer = Activation("relu")
    layer.build((3, 2))
    mask = np.array([[True, False, True]])
    assert layer.compute_mask(np.zeros((1, 3, 2)), mask) is mask


def test_an_unknown_activation_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^Activation\(activation='swoosh'\): .*swoosh"):
        Activation("swoosh").build((3,))


def test_outputs_equal_kerass():
    keras = pytest.importorskip("keras")
    x = np.random.RandomState(0).normal(size=(3, 4, 5))
    for name, keras_name in [("relu", "relu"), ("softmax", "softmax"), ("logistic", "sigmoid")]:
        layer = Activation(name)
        layer.build((4, 5))
        expected = np.asarray(keras.layers.Activation(keras_name, dtype="float64")(x))
        assert_allclose(layer.predict(x), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnx_gives_the_same_outputs(dtype):
    pytest.importorskip("onnxruntime")
    from tests.onnx.onnx_helpers import assert_close, run_onnx

    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 12)).astype(dtype)
    y = X[:, :2].sum(axis=1)
    model = NeuralNetRegressor(
        layers=[Conv1D(3, 2), Activation("softmax"), Flatten(), Dense(4), Activation("relu")],
        input_shape=(6, 2), max_iter=3, random_state=0,
    ).fit(X, y)
    assert_close(run_onnx(model, X)[0].ravel(), model.predict(X))
