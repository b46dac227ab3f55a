"""skdl.layers.MaxPool1D and AvgPool1D: shapes, values and backward passes
against plain loops (tests/layers/sequence_reference.py), TensorFlow's
"same" padding, the first-maximum rule, errors naming the layer (images,
flat rows, windows longer than the sequence), and the prediction pass
against the training pass, on both compute back-ends."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl.layers import AvgPool1D, AvgPool2D, Dense, Flatten, LSTM, MaxPool1D, MaxPool2D
from skdl.network import Network

import sequence_reference as seq

POOLS = [MaxPool1D, AvgPool1D]
REFERENCE = {MaxPool1D: seq.max_pool1d, AvgPool1D: seq.avg_pool1d}
IMAGE_POOL = {MaxPool1D: MaxPool2D, AvgPool1D: AvgPool2D}

# (input shape, pool_size, strides, padding, expected timesteps)
SHAPES = [
    ((4, 3), 2, None, "valid", 2),
    ((5, 3), 2, None, "valid", 2),
    ((5, 3), 2, None, "same", 3),
    ((5, 1), 3, 1, "valid", 3),
    ((5, 1), 3, 1, "same", 5),
    ((6, 1), 3, 2, "valid", 2),
    ((6, 1), 3, 2, "same", 3),
    ((7, 4), 3, 2, "same", 4),
    ((5, 1), 2, 3, "valid", 2),
    ((1, 2), 2, None, "same", 1),
    ((3, 1), 3, None, "valid", 1),
    ((3, 1), 4, None, "same", 1),
    ((28, 6), 2, None, "valid", 14),
]


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("shape, pool_size, strides, padding, expected", SHAPES)
def test_output_shape(pool, shape, pool_size, strides, padding, expected):
    layer = pool(pool_size, strides=strides, padding=padding)
    assert layer.build(shape) == (expected, shape[1])
    assert layer.input_shape == shape and layer.output_shape == (expected, shape[1])
    assert layer.weight_specs() == [] and layer.get_weights() == []


GEOMETRIES = [
    (4, 2, None),
    (5, 2, None),
    (6, 3, 1),
    (6, 3, 2),
    (7, 2, 3),
    (3, 3, None),
    (4, 4, 1),
]


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("steps, pool_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_forward_and_predict_equal_the_loop_reference(
    compute_backend, pool, steps, pool_size, strides, padding
):
    layer = pool(pool_size, strides=strides, padding=padding)
    layer.build((steps, 3))
    x = np.random.RandomState(0).normal(size=(4, steps, 3))
    stride = pool_size if strides is None else strides
    want = REFERENCE[pool](x, pool_size, stride, padding)
    predicted = layer.predict(x)
    layer.allocate(4)
    trained = layer.forward(x)
    assert trained.shape == predicted.shape == want.shape == (4, *layer.output_shape)
    assert_allclose(trained, want, rtol=1e-12, atol=1e-14)
    assert_allclose(predicted, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("steps, pool_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_is_the_2d_pool_over_a_one_row_image(
    compute_backend, pool, steps, pool_size, strides, padding
):
    layer = pool(pool_size, strides=strides, padding=padding)
    layer.build((steps, 2))
    image = IMAGE_POOL[pool]((1, pool_size), strides=None if strides is None else (1, strides),
                             padding=padding)
    image.build((1, steps, 2))
    x = np.random.RandomState(1).normal(size=(3, steps, 2))
    assert_array_equal(layer.predict(x), image.predict(x[:, None])[:, 0])


@pytest.mark.parametrize("steps, pool_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pool_backward_routes_to_the_first_maximum(
    compute_backend, steps, pool_size, strides, padding
):
    """Inputs from {0, 1, 2} tie often: each window's gradient goes to its
    first maximum, and overlapping windows add up."""
    layer = MaxPool1D(pool_size, strides=strides, padding=padding)
    layer.build((steps, 2))
    rs = np.random.RandomState(3)
    x = rs.randint(0, 3, size=(3, steps, 2)).astype(float)
    layer.allocate(3)
    out = layer.forward(x)
    d = rs.normal(size=out.shape)
    stride = pool_size if strides is None else strides
    want = seq.max_pool1d_backward(x, d, pool_size, stride, padding)
    assert_allclose(layer.backward(d.copy()), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("steps, pool_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_avg_pool_backward_is_the_adjoint_of_forward(
    compute_backend, steps, pool_size, strides, padding
):
    layer = AvgPool1D(pool_size, strides=strides, padding=padding)
    layer.build((steps, 2))
    rs = np.random.RandomState(4)
    x = rs.normal(size=(3, steps, 2))
    layer.allocate(3)
    out = layer.forward(x).copy()
    d = rs.normal(size=out.shape)
    dx = layer.backward(d.copy())
    assert dx.shape == x.shape
    assert np.vdot(out, d) == pytest.approx(np.vdot(x, dx), rel=1e-12)


def test_max_pool_first_maximum_by_hand(compute_backend):
    layer = MaxPool1D(2)
    layer.build((4, 1))
    x = np.array([3.0, 3.0, 1.0, 2.0]).reshape(1, 4, 1)
    layer.allocate(1)
    assert_array_equal(layer.forward(x).ravel(), [3.0, 2.0])
    dx = layer.backward(np.array([5.0, 7.0]).reshape(1, 2, 1))
    assert_array_equal(dx.ravel(), [5.0, 0.0, 0.0, 7.0])


@pytest.mark.parametrize("pool", POOLS)
def test_same_padding_by_hand(compute_backend, pool):
    """5 steps, pool 2, stride 2, "same": 3 outputs and one padding step at
    the end. Padding never wins a maximum (all inputs negative), and a mean
    divides by the steps inside the sequence."""
    x = -np.arange(1.0, 6.0).reshape(1, 5, 1)
    layer = pool(2, padding="same")
    layer.build((5, 1))
    want = {MaxPool1D: [-1.0, -3.0, -5.0], AvgPool1D: [-1.5, -3.5, -5.0]}[pool]
    assert_array_equal(layer.predict(x).ravel(), want)


@pytest.mark.parametrize("pool", POOLS)
def test_pools_act_on_each_channel_alone(compute_backend, pool):
    layer = pool(2, strides=1)
    layer.build((5, 3))
    x = np.random.RandomState(0).normal(size=(2, 5, 3))
    out = layer.predict(x)
    for c in range(3):
        alone = pool(2, strides=1)
        alone.build((5, 1))
        assert_array_equal(out[..., c:c + 1], alone.predict(x[..., c:c + 1].copy()))


@pytest.mark.parametrize("pool", POOLS)
def test_first_layer_skips_the_input_gradient(compute_backend, pool):
    layer = pool(2)
    layer.build((4, 1))
    layer.allocate(2, needs_input_gradient=False)
    out = layer.forward(np.ones((2, 4, 1)))
    assert layer.backward(np.ones_like(out)) is None


@pytest.mark.parametrize("pool", POOLS)
def test_float32(compute_backend, pool):
    layer = pool(3, strides=2, padding="same")
    layer.build((7, 2), np.float32)
    x = np.random.RandomState(0).normal(size=(2, 7, 2)).astype(np.float32)
    want = REFERENCE[pool](x.astype(float), 3, 2, "same")
    layer.allocate(2)
    trained = layer.forward(x)
    predicted = layer.predict(x)
    assert trained.dtype == predicted.dtype == np.float32
    assert_allclose(trained, want, rtol=1e-6, atol=1e-6)
    assert_allclose(predicted, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("pool", POOLS)
def test_predict_uses_fresh_arrays(compute_backend, pool):
    layer = pool(2, strides=1, padding="same")
    layer.build((5, 2))
    rs = np.random.RandomState(0)
    x1, x2 = rs.normal(size=(3, 5, 2)), rs.normal(size=(9, 5, 2))
    layer.allocate(3)
    trained = layer.forward(x1)
    kept = trained.copy()
    first, second = layer.predict(x2), layer.predict(x2)
    assert not np.shares_memory(first, second)
    assert not np.shares_memory(first, trained)
    assert_array_equal(first, second)
    assert_array_equal(trained, kept)
    assert_array_equal(layer.predict(x1), kept)
    assert_array_equal(layer.forward(x1[1:2]), kept[1:2])


@pytest.mark.parametrize("pool", POOLS)
def test_weights_are_empty_and_set_weights_refuses_any(pool):
    layer = pool(2)
    layer.build((4, 1))
    assert layer.get_weights() == []
    layer.set_weights([])
    with pytest.raises(ValueError, match=re.escape(f"{pool.__name__}(pool_size=2")):
        layer.set_weights([np.zeros(1)])


@pytest.mark.parametrize("pool", POOLS)
def test_get_config_and_repr(pool):
    name = pool.__name__
    assert pool().get_config() == {"pool_size": 2, "strides": None, "padding": "valid",
                                 "name": None}
    assert repr(pool()) == f"{name}(pool_size=2, strides=None, padding='valid')"
    layer = pool(3, strides=1, padding="same")
    assert repr(layer) == f"{name}(pool_size=3, strides=1, padding='same')"
    assert repr(pool(**layer.get_config())) == repr(layer)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("kwargs, shape, message", [
    (dict(pool_size=5), (4, 1), "pool_size 5 is longer than its input's 4 time steps"),
    (dict(pool_size=3, strides=1), (2, 3), r"input shape \(2, 3\)"),
    (dict(pool_size=2, padding="full"), (4, 1), "padding must be 'valid' or 'same'"),
    (dict(pool_size=0), (4, 1), "pool_size must be a positive integer"),
    (dict(pool_size=2.0), (4, 1), "pool_size must be a positive integer"),
    (dict(pool_size=(2, 2)), (4, 1), "pool_size must be a positive integer"),
    (dict(pool_size=2, strides=0), (4, 1), "strides must be a positive integer"),
    (dict(pool_size=2, strides=(1, 1)), (4, 1), "strides must be a positive integer"),
    (dict(pool_size=2), (4, 4, 1), r"needs sequences of shape \(timesteps, channels\), "
                                   r"got input of shape \(4, 4, 1\)"),
    (dict(pool_size=2), (16,), r"needs sequences of shape \(timesteps, channels\), "
                               r"got input of shape \(16,\)"),
])
def test_build_errors_name_the_layer(pool, kwargs, shape, message):
    layer = pool(**kwargs)
    with pytest.raises(ValueError, match=message) as info:
        layer.build(shape)
    assert str(info.value).startswith(repr(layer) + ": ")


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pool_refuses_windows_of_more_than_255_steps(padding):
    layer = MaxPool1D(256, padding=padding)
    with pytest.raises(ValueError, match="over 255 steps") as info:
        layer.build((300, 1))
    assert str(info.value).startswith(repr(layer))
    assert MaxPool1D(255).build((255, 1)) == (1, 1)


def test_avg_pool_takes_long_windows(compute_backend):
    layer = AvgPool1D(300)
    layer.build((300, 1))
    x = np.random.RandomState(0).normal(size=(2, 300, 1))
    assert_allclose(layer.predict(x).ravel(), x.mean(axis=(1, 2)), rtol=1e-12)


@pytest.mark.parametrize("pool", POOLS)
def test_a_network_names_a_pool_fed_images_or_flat_rows(pool):
    with pytest.raises(ValueError, match=r"Layer 0 cannot take inputs of shape \(4, 4, 1\): "
                                         + re.escape(pool.__name__)):
        Network([pool(2), Flatten(), Dense(1)], (4, 4, 1))
    with pytest.raises(ValueError, match=r"Layer 1 cannot take inputs of shape \(3,\): "
                                         + re.escape(pool.__name__)):
        Network([LSTM(3), pool(2), Flatten(), Dense(1)], (5, 2))


@pytest.mark.parametrize("pool", [MaxPool1D, AvgPool1D])
def test_a_tuple_of_one_int_is_taken_as_keras_takes_it(pool):
    assert pool((2,), strides=(1,)).build((8, 3)) == pool(2, strides=1).build((8, 3))
