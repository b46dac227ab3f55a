"""skdl.layers.Dropout: inverted dropout in training passes given a
generator, the identity otherwise and at prediction time."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl.layers import Dropout


@pytest.mark.parametrize("shape", [(6,), (3, 4, 2)])
def test_output_shape_is_the_input_shape(shape):
    layer = Dropout(0.5)
    assert layer.build(shape) == shape
    assert layer.weight_specs() == [] and layer.get_weights() == []


@pytest.mark.parametrize("shape", [(50,), (5, 5, 2)])
@pytest.mark.parametrize("rate", [0.2, 0.5, 0.9])
def test_training_pass_drops_the_rate_and_scales_the_rest(compute_backend, shape, rate):
    layer = Dropout(rate)
    layer.build(shape)
    layer.allocate(400)
    x = 1.0 + np.random.RandomState(0).rand(400, *shape)
    out = layer.forward(x, np.random.default_rng(0))
    kept = out != 0
    assert kept.mean() == pytest.approx(1 - rate, abs=0.02)
    assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-12)
    # the backward pass masks and scales the same entries
    d = np.ones_like(x)
    dx = layer.backward(d)
    assert_array_equal(dx != 0, kept)
    assert_allclose(dx[kept], 1 / (1 - rate), rtol=1e-12)


def test_masks_follow_the_generator(compute_backend):
    layer = Dropout(0.5)
    layer.build((4, 4, 1))
    layer.allocate(3)
    x = np.ones((3, 4, 4, 1))
    first = layer.forward(x, np.random.default_rng(7)).copy()
    assert_array_equal(layer.forward(x, np.random.default_rng(7)), first)
    assert not np.array_equal(layer.forward(x, np.random.default_rng(8)), first)


@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_identity_without_a_generator_and_at_prediction(compute_backend, rate):
    layer = Dropout(rate)
    layer.build((3, 3, 2))
    layer.allocate(4)
    x = np.random.RandomState(0).normal(size=(4, 3, 3, 2))
    assert_array_equal(layer.forward(x), x)
    d = np.random.RandomState(1).normal(size=x.shape)
    assert_array_equal(layer.backward(d.copy()), d)
    assert_array_equal(layer.predict(x), x)


def test_rate_zero_is_the_identity_even_with_a_generator(compute_backend):
    layer = Dropout(0.0)
    layer.build((5,))
    layer.allocate(3)
    x = np.random.RandomState(0).normal(size=(3, 5))
    assert_array_equal(layer.forward(x, np.random.default_rng(0)), x)
    assert_array_equal(layer.backward(x.copy()), x)


def test_float32(compute_backend):
    layer = Dropout(0.5)
    layer.build((10,), np.float32)
    layer.allocate(20)
    x = np.ones((20, 10), np.float32)
    out = layer.forward(x, np.random.default_rng(0))
    assert out.dtype == np.float32
    assert set(np.unique(out)) <= {0.0, 2.0}


def test_first_layer_skips_the_input_gradient():
    layer = Dropout(0.3)
    layer.build((4,))
    layer.allocate(2, needs_input_gradient=False)
    layer.forward(np.ones((2, 4)), np.random.default_rng(0))
    assert layer.backward(np.ones((2, 4))) is None


def test_get_config_repr_and_no_weights():
    layer = Dropout(0.25)
    assert layer.get_config() == {"rate": 0.25, "name": None}
    assert repr(layer) == "Dropout(rate=0.25)"
    layer.build((3,))
    layer.set_weights([])
    with pytest.raises(ValueError, match=re.escape("Dropout(rate=0.25): ")):
        layer.set_weights([np.zeros(3)])


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, "0.5", None, True])
def test_invalid_rates_name_the_layer(rate):
    layer = Dropout(rate)
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\)") as info:
        layer.build((4,))
    assert str(info.value).startswith(repr(layer) + ": ")
