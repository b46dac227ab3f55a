"""skdl.layers.Flatten: each sample as a flat row in C order (channels
last), its backward pass the inverse reshape."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skdl.layers import Flatten


@pytest.mark.parametrize("shape, expected", [
    ((4, 4, 8), (128,)),
    ((3, 5, 1), (15,)),
    ((1, 1, 1), (1,)),
    ((7,), (7,)),
    ((2, 3), (6,)),
])
def test_output_shape(shape, expected):
    layer = Flatten()
    assert layer.build(shape) == expected
    assert layer.input_shape == shape and layer.output_shape == expected
    assert layer.weight_specs() == [] and layer.get_weights() == []


def test_forward_and_predict_flatten_channels_last_in_c_order(compute_backend):
    layer = Flatten()
    layer.build((2, 3, 4))
    x = np.random.RandomState(0).normal(size=(5, 2, 3, 4))
    layer.allocate(5)
    trained = layer.forward(x)
    assert_array_equal(trained, x.reshape(5, -1))
    assert_array_equal(layer.predict(x), x.reshape(5, -1))
    # entry (i, j, c) lands at (i * width + j) * channels + c
    assert trained[3, (1 * 3 + 2) * 4 + 3] == x[3, 1, 2, 3]


def test_backward_reshapes_to_the_input(compute_backend):
    layer = Flatten()
    layer.build((2, 3, 4))
    layer.allocate(5)
    layer.forward(np.zeros((5, 2, 3, 4)))
    d = np.arange(5 * 24.0).reshape(5, 24)
    assert_array_equal(layer.backward(d), d.reshape(5, 2, 3, 4))
    first = Flatten()
    first.build((2, 3, 4))
    first.allocate(5, needs_input_gradient=False)
    assert first.backward(d) is None


def test_predict_of_a_strided_input():
    layer = Flatten()
    layer.build((2, 3, 1))
    x = np.arange(48.0).reshape(4, 2, 3, 2)[:, :, ::-1, :1]
    assert_array_equal(layer.predict(x), np.ascontiguousarray(x).reshape(4, 6))


def test_no_weights_config_and_repr():
    layer = Flatten()
    layer.build((2, 2, 3))
    assert layer.get_config() == {"name": None}
    assert repr(layer) == "Flatten()"
    assert layer.get_weights() == []
    layer.set_weights([])
    with pytest.raises(ValueError, match=r"^Flatten\(\): set_weights got arrays of shapes"):
        layer.set_weights([np.zeros(3)])
