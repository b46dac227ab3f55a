"""skdl.layers.Activation: an activation as a layer, on flat rows,
sequences and images (softmax over the last axis), as Keras's; gradients
checked in the stack it exists for, convolution -> batch normalization ->
activation."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import softmax

from skdl.gradcheck import check_gradients
from skdl.layers import Activation, BatchNormalization, Conv2D, Dense, Flatten
from skdl.network import Network

FUNCTIONS = {"relu": lambda x: np.maximum(x, 0), "tanh": np.tanh,
             "softmax": lambda x: softmax(x, axis=-1)}


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("shape", [(5,), (3, 2, 4)], ids=["flat", "image"])
def test_forward_and_predict(compute_backend, name, shape):
    layer = Activation(name)
    assert layer.build(shape) == shape and layer.weight_specs() == []
    x = np.random.RandomState(0).normal(size=(4, *shape))
    layer.allocate(4)
    assert_allclose(layer.forward(x), FUNCTIONS[name](x), rtol=1e-12)
    assert_allclose(layer.predict(x), FUNCTIONS[name](x), rtol=1e-12)


@pytest.mark.parametrize("name", ["relu", "tanh", "softmax"])
def test_gradients_after_a_batch_normalization(compute_backend, name):
    rs = np.random.RandomState(0)
    network = Network([Conv2D(2, 2), BatchNormalization(), Activation(name), Flatten(),
                       Dense(2)], (3, 3, 1))
    network.initialize(rs)
    X = rs.normal(size=(4, 9))
    error, _, _ = check_gradients(network, X, rs.normal(size=(4, 2)), "squared_error")
    assert error < 1e-6


def test_refuses_an_unknown_activation_naming_the_layer():
    with pytest.raises(ValueError, match=r"^Activation\(activation='nope'\): "):
        Activation("nope").build((3,))


def test_masks_pass_through():
    mask = np.ones((2, 4), bool)
    layer = Activation("relu")
    layer.build((4, 3))
    assert layer.compute_mask(np.zeros((2, 4, 3)), mask) is mask
