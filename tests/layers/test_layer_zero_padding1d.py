"""skdl.layers.ZeroPadding1D: an int or (left, right), the padded
sequences and their gradient, a mask stopping at it, refusals naming the
layer, gradient-checked in a stack on both back-ends, and Keras's
outputs."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skdl.layers import Conv1D, Flatten, SimpleRNN, ZeroPadding1D

import layer_reference as ref


@pytest.mark.parametrize("padding, pads", [(1, (1, 1)), (3, (3, 3)), ((2, 0), (2, 0)),
                                           ([0, 4], (0, 4))])
def test_forms_of_padding(padding, pads):
    layer = ZeroPadding1D(padding)
    assert layer.build((5, 2)) == (5 + sum(pads), 2)
    x = np.random.RandomState(0).normal(size=(3, 5, 2))
    assert_array_equal(layer.predict(x), np.pad(x, ((0, 0), pads, (0, 0))))


def test_training_passes_pad_and_take_the_middles_gradient(compute_backend):
    layer = ZeroPadding1D((2, 1))
    layer.build((4, 3))
    layer.allocate(5)
    rs = np.random.RandomState(1)
    x = rs.normal(size=(5, 4, 3))
    assert_array_equal(layer.forward(x), layer.predict(x))
    delta = rs.normal(size=(5, 7, 3))
    assert_array_equal(layer.backward(delta), delta[:, 2:6])


def test_a_mask_stops_at_it():
    # the steps change: the input's mask no longer says which hold data
    layer = ZeroPadding1D(2)
    layer.build((4, 3))
    mask = np.array([[True, True, False, False]])
    assert not layer.passes_mask and not layer.takes_mask
    assert layer.compute_mask(np.zeros((1, 4, 3)), mask) is None


@pytest.mark.parametrize("padding, shape, message", [
    (-2, (4, 1), r"padding must be an int or a pair \(left, right\)"),
    ((1, 2, 3), (4, 1), r"got \(1, 2, 3\)"),
    ((1.5, 2), (4, 1), r"got \(1.5, 2\)"),
    (1, (4, 4, 1), r"needs sequences of shape \(timesteps, channels\)"),
])
def test_refusals_name_the_layer(padding, shape, message):
    with pytest.raises(ValueError, match=r"^ZeroPadding1D\(padding=.*\): .*" + message):
        ZeroPadding1D(padding).build(shape)


def test_gradients_in_a_stack(compute_backend):
    ref.check_stack([ZeroPadding1D((2, 0)), Conv1D(2, 3, activation="tanh"), ZeroPadding1D(1),
                     SimpleRNN(3, return_sequences=True), Flatten()], (4, 2))


def test_outputs_are_kerass():
    keras = pytest.importorskip("keras")
    x = np.random.RandomState(3).normal(size=(2, 4, 3))
    for padding in (2, (3, 1)):
        layer = ZeroPadding1D(padding)
        layer.build(x.shape[1:])
        theirs = keras.layers.ZeroPadding1D(padding, dtype="float64")(x)
        assert_array_equal(layer.predict(x), np.asarray(theirs))
