"""skdl.layers.PositionEmbedding: keras-hub's weights, the position vectors
added to each step (the first rows for shorter sequences), masks passed
on, gradients alone and in a stack on both back-ends, the refusals."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl.gradcheck import check_gradients
from skdl.layers import Dense, Flatten, PositionEmbedding
from skdl.network import Network

import layer_reference as ref


def test_adds_the_first_rows_to_each_step(compute_backend):
    layer = ref.bind_weights(PositionEmbedding(7), (4, 3))
    assert [(s.name, s.shape) for s in layer.weight_specs()] == [("embeddings", (7, 3))]
    x = np.random.RandomState(0).normal(size=(5, 4, 3))
    want = x + layer.embeddings[:4]
    assert_allclose(layer.predict(x), want, rtol=1e-14)
    layer.allocate(5)
    assert_allclose(layer.forward(x), want, rtol=1e-14)
    d = np.random.RandomState(1).normal(size=x.shape)
    assert_array_equal(layer.backward(d.copy()), d)
    assert_allclose(layer.gradients[0][:4], d.sum(axis=0))
    assert_array_equal(layer.gradients[0][4:], 0)
    mask = np.ones((5, 4), bool)
    assert layer.compute_mask(x, mask) is mask


def test_gradients_in_a_stack(compute_backend):
    network = Network([PositionEmbedding(6), Dense(3, activation="tanh"), Flatten(), Dense(2)],
                      (5, 4))
    network.initialize(np.random.RandomState(0))
    rs = np.random.RandomState(1)
    X, Y = rs.normal(size=(6, 20)), rs.normal(size=(6, 2))
    error, analytic, _ = check_gradients(network, X, Y, "squared_error")
    assert error < 1e-6
    assert np.all(network.layers[0].embeddings.shape == (6, 4))


@pytest.mark.parametrize("length, shape, message", [
    (4, (5, 3), r"has 4 positions, but gets sequences of 5 steps \(input of shape \(5, 3\)\); "
                r"give sequence_length=5 or more"),
    (4, (3,), r"needs sequences of shape \(timesteps, features\)"),
    (0, (3, 2), "sequence_length must be a positive integer"),
])
def test_build_errors_name_the_layer(length, shape, message):
    layer = PositionEmbedding(length)
    with pytest.raises(ValueError, match=message) as info:
        layer.build(shape)
    assert str(info.value).startswith(repr(layer) + ": ")
