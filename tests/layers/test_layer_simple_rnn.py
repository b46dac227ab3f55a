"""skdl.layers.SimpleRNN: ``h = activation(x_t K + h R + b)`` for several
activations against the plain-loop reference, a closed form for the
identity, activation errors naming the layer, on both compute back-ends.
What all recurrent layers share is in test_layer_recurrent.py."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl.activations import LeakyReLU, Tanh
from skdl.layers import SimpleRNN

import layer_reference as ref
import sequence_reference as seq


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity", None])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_forward_and_predict_equal_the_reference(compute_backend, activation, return_sequences):
    layer = ref.bind_weights(SimpleRNN(3, activation=activation,
                                       return_sequences=return_sequences), (5, 2))
    for w in layer.weights:
        w *= 0.5
    x = np.random.RandomState(1).normal(size=(4, 5, 2))
    want = seq.simple_rnn(x, *layer.weights, activation=activation)
    want = want if return_sequences else want[:, -1]
    predicted = layer.predict(x)
    layer.allocate(4)
    trained = layer.forward(x)
    assert_allclose(trained, want, rtol=1e-12, atol=1e-13)
    assert_allclose(predicted, want, rtol=1e-12, atol=1e-13)


def test_default_activation_is_tanh():
    layer = SimpleRNN(2)
    layer.build((3, 1))
    assert layer.activation == "tanh" and isinstance(layer.activation_, Tanh)


def test_identity_is_a_linear_recurrence(compute_backend):
    """h_T = sum_t (x_t K + b) R^(T-1-t)."""
    layer = ref.bind_weights(SimpleRNN(3, activation=None), (4, 2))
    for w in layer.weights:
        w *= 0.5
    kernel, recurrent, bias = layer.weights
    x = np.random.RandomState(0).normal(size=(2, 4, 2))
    want = sum((x[:, t] @ kernel + bias) @ np.linalg.matrix_power(recurrent, 3 - t)
               for t in range(4))
    assert_allclose(layer.predict(x), want, rtol=1e-12)


def test_one_step_is_a_dense_layer(compute_backend):
    layer = ref.bind_weights(SimpleRNN(3), (1, 2))
    kernel, _, bias = layer.weights
    x = np.random.RandomState(0).normal(size=(5, 1, 2))
    assert_allclose(layer.predict(x), np.tanh(x[:, 0] @ kernel + bias), rtol=1e-13)


def test_activation_objects_are_taken(compute_backend):
    layer = ref.bind_weights(SimpleRNN(2, activation=LeakyReLU(0.1)), (3, 2))
    kernel, recurrent, bias = layer.weights
    x = np.random.RandomState(0).normal(size=(3, 3, 2))
    h = np.zeros((3, 2))
    for t in range(3):
        z = x[:, t] @ kernel + h @ recurrent + bias
        h = np.where(z > 0, z, 0.1 * z)
    assert_allclose(layer.predict(x), h, rtol=1e-12)


@pytest.mark.parametrize("activation", ["nope", 3])
def test_an_unknown_activation_is_refused_naming_the_layer(activation):
    layer = SimpleRNN(2, activation=activation)
    with pytest.raises((ValueError, TypeError)) as info:
        layer.build((3, 1))
    assert str(info.value).startswith(repr(layer) + ": ") or "activation" in str(info.value)
