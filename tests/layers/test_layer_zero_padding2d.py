"""skdl.layers.ZeroPadding2D: Keras's three forms of ``padding``, the
padded output and its gradient (the middle's), refusals naming the layer,
gradient-checked in a stack on both back-ends, and Keras's outputs."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skdl.layers import Conv2D, Flatten, ZeroPadding2D

import layer_reference as ref


@pytest.mark.parametrize("padding, pads", [
    (2, ((2, 2), (2, 2))),
    ((1, 3), ((1, 1), (3, 3))),
    (((1, 0), (2, 3)), ((1, 0), (2, 3))),
    ([[0, 0], [0, 1]], ((0, 0), (0, 1))),
    (0, ((0, 0), (0, 0))),
])
def test_forms_of_padding(padding, pads):
    layer = ZeroPadding2D(padding)
    (top, bottom), (left, right) = pads
    assert layer.build((4, 5, 3)) == (4 + top + bottom, 5 + left + right, 3)
    assert layer.weight_specs() == []
    x = np.random.RandomState(0).normal(size=(2, 4, 5, 3))
    assert_array_equal(layer.predict(x), np.pad(x, ((0, 0), *pads, (0, 0))))


def test_the_default_pads_each_side_by_one():
    assert ZeroPadding2D().build((3, 3, 2)) == (5, 5, 2)
    assert repr(ZeroPadding2D()) == "ZeroPadding2D(padding=(1, 1))"


def test_training_passes_pad_and_take_the_middles_gradient(compute_backend):
    layer = ZeroPadding2D(((1, 0), (2, 1)))
    layer.build((3, 2, 2))
    layer.allocate(4)
    rs = np.random.RandomState(1)
    x = rs.normal(size=(3, 3, 2, 2))
    out = layer.forward(x)
    assert_array_equal(out, layer.predict(x))
    out[...] = 7.0  # a later layer working in the buffer
    assert_array_equal(layer.forward(x), layer.predict(x))
    delta = rs.normal(size=(3, 4, 5, 2))
    assert_array_equal(layer.backward(delta), delta[:, 1:4, 2:4])
    first = ZeroPadding2D(1)
    first.build((3, 2, 2))
    first.allocate(4, needs_input_gradient=False)
    first.forward(x)
    assert first.backward(np.zeros((3, 5, 4, 2))) is None
    # the buffers are scratch: a copy carries none of the batch
    assert len(pickle.dumps(layer)) < 1000


@pytest.mark.parametrize("padding, shape, message", [
    (-1, (4, 4, 1), "padding must be an int, a pair"),
    (1.0, (4, 4, 1), "got 1.0"),
    (True, (4, 4, 1), "got True"),
    ((1, 2, 3), (4, 4, 1), r"got \(1, 2, 3\)"),
    (((1, 2), (3,)), (4, 4, 1), "pair of pairs"),
    ("same", (4, 4, 1), "got 'same'"),
    (1, (4, 4), r"needs images of shape \(height, width, channels\), got input of shape "
                r"\(4, 4\)"),
])
def test_refusals_name_the_layer(padding, shape, message):
    with pytest.raises(ValueError, match=r"^ZeroPadding2D\(padding=.*\): .*" + message):
        ZeroPadding2D(padding).build(shape)


def test_gradients_through_padding_first_and_between_convolutions(compute_backend):
    ref.check_stack([ZeroPadding2D(((1, 0), (0, 2))), Conv2D(2, 2, activation="tanh"),
                     ZeroPadding2D(1), Conv2D(2, 3, strides=2, activation="tanh"), Flatten()],
                    (3, 3, 2), n_rows=4)


def test_outputs_are_kerass():
    keras = pytest.importorskip("keras")
    x = np.random.RandomState(3).normal(size=(2, 3, 4, 2))
    for padding in (2, (1, 3), ((1, 0), (2, 3))):
        layer = ZeroPadding2D(padding)
        layer.build(x.shape[1:])
        theirs = keras.layers.ZeroPadding2D(padding, dtype="float64")(x)
        assert_array_equal(layer.predict(x), np.asarray(theirs))
