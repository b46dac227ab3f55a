"""skdl.layers.MaxPool2D and AvgPool2D: shapes, values and backward passes
against plain loops (tests/layers/layer_reference.py), TensorFlow's "same"
padding (padding never wins a maximum, and a mean is over the window's cells
inside the image), the first-maximum rule, errors, and the prediction pass
against the training pass, on both compute back-ends."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl import backend as backends
from skdl.layers import AvgPool2D, MaxPool2D

import layer_reference as ref

POOLS = [MaxPool2D, AvgPool2D]
REFERENCE = {MaxPool2D: ref.max_pool, AvgPool2D: ref.avg_pool}

# (input shape, pool_size, strides, padding, expected (out_h, out_w))
SHAPES = [
    ((4, 4, 3), 2, None, "valid", (2, 2)),
    ((5, 5, 3), 2, None, "valid", (2, 2)),
    ((5, 5, 3), 2, None, "same", (3, 3)),
    ((5, 5, 1), 3, 1, "valid", (3, 3)),
    ((5, 5, 1), 3, 1, "same", (5, 5)),
    ((6, 6, 1), 3, 2, "valid", (2, 2)),
    ((6, 6, 1), 3, 2, "same", (3, 3)),
    ((7, 7, 4), 3, 2, "same", (4, 4)),
    ((6, 7, 2), (2, 3), None, "valid", (3, 2)),
    ((6, 7, 2), (2, 3), None, "same", (3, 3)),
    ((6, 7, 2), (3, 2), (1, 2), "valid", (4, 3)),
    ((6, 7, 2), (3, 2), (1, 2), "same", (6, 4)),
    ((5, 5, 1), 2, 3, "valid", (2, 2)),
    ((1, 5, 1), 2, None, "same", (1, 3)),
    ((3, 3, 1), 3, None, "valid", (1, 1)),
    ((3, 3, 1), 4, None, "same", (1, 1)),
    ((28, 28, 6), 2, None, "valid", (14, 14)),
]


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("shape, pool_size, strides, padding, expected", SHAPES)
def test_output_shape(pool, shape, pool_size, strides, padding, expected):
    layer = pool(pool_size, strides=strides, padding=padding)
    assert layer.build(shape) == (*expected, shape[2])
    assert layer.input_shape == shape and layer.output_shape == (*expected, shape[2])
    assert layer.weight_specs() == [] and layer.get_weights() == []


# (input size, pool_size, strides): overlapping, disjoint, gapped, odd, even
GEOMETRIES = [
    ((4, 4), 2, None),
    ((5, 5), 2, None),
    ((5, 6), 3, 1),
    ((6, 6), 3, 2),
    ((6, 5), (2, 3), (2, 1)),
    ((7, 5), (3, 2), (1, 3)),
    ((5, 5), 2, 3),
    ((3, 3), 3, None),
    ((4, 4), 4, 1),
]


def _pair_strides(pool_size, strides):
    return ref.pair(pool_size if strides is None else strides)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("size, pool_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_forward_and_predict_equal_the_loop_reference(
    compute_backend, pool, size, pool_size, strides, padding
):
    layer = pool(pool_size, strides=strides, padding=padding)
    layer.build((*size, 3))
    x = np.random.RandomState(0).normal(size=(4, *size, 3))
    want = REFERENCE[pool](x, ref.pair(pool_size), _pair_strides(pool_size, strides), padding)
    predicted = layer.predict(x)
    layer.allocate(4)
    trained = layer.forward(x)
    assert trained.shape == predicted.shape == want.shape == (4, *layer.output_shape)
    assert_allclose(trained, want, rtol=1e-12, atol=1e-14)
    assert_allclose(predicted, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("size, pool_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pool_backward_routes_to_the_first_maximum(
    compute_backend, size, pool_size, strides, padding
):
    """Inputs drawn from {0, 1, 2} tie often: each window's gradient goes to
    its first maximum (row-major within the window), and overlapping windows
    add up."""
    layer = MaxPool2D(pool_size, strides=strides, padding=padding)
    layer.build((*size, 2))
    rs = np.random.RandomState(3)
    x = rs.randint(0, 3, size=(3, *size, 2)).astype(float)
    layer.allocate(3)
    out = layer.forward(x)
    d = rs.normal(size=out.shape)
    want = ref.max_pool_backward(x, d, ref.pair(pool_size), _pair_strides(pool_size, strides),
                                 padding)
    assert_allclose(layer.backward(d.copy()), want, rtol=1e-12, atol=1e-14)


def test_max_pool_first_maximum_by_hand(compute_backend):
    layer = MaxPool2D(2)
    layer.build((2, 4, 1))
    x = np.array([[3.0, 3.0, 1.0, 2.0],
                  [3.0, 1.0, 2.0, 2.0]]).reshape(1, 2, 4, 1)
    layer.allocate(1)
    assert_array_equal(layer.forward(x).ravel(), [3.0, 2.0])
    dx = layer.backward(np.array([5.0, 7.0]).reshape(1, 1, 2, 1))
    assert_array_equal(dx[0, :, :, 0], [[5.0, 0.0, 0.0, 7.0],
                                        [0.0, 0.0, 0.0, 0.0]])


@pytest.mark.parametrize("size, pool_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_avg_pool_backward_is_the_adjoint_of_forward(
    compute_backend, size, pool_size, strides, padding
):
    layer = AvgPool2D(pool_size, strides=strides, padding=padding)
    layer.build((*size, 2))
    rs = np.random.RandomState(4)
    x = rs.normal(size=(3, *size, 2))
    layer.allocate(3)
    out = layer.forward(x).copy()
    d = rs.normal(size=out.shape)
    dx = layer.backward(d.copy())
    assert dx.shape == x.shape
    assert np.vdot(out, d) == pytest.approx(np.vdot(x, dx), rel=1e-12)


@pytest.mark.parametrize("pool", POOLS)
def test_same_padding_by_hand(compute_backend, pool):
    """Width 5, pool 2, stride 2, "same": 3 outputs and one padding cell at
    the right (TensorFlow). The padding never wins a maximum (all inputs
    are negative) and a mean divides by the cells inside the image."""
    x = -np.arange(1.0, 6.0).reshape(1, 1, 5, 1)
    layer = pool(2, padding="same")
    layer.build((1, 5, 1))
    want = {MaxPool2D: [-1.0, -3.0, -5.0], AvgPool2D: [-1.5, -3.5, -5.0]}[pool]
    assert_array_equal(layer.predict(x).ravel(), want)
    # along the height too
    column = pool(2, padding="same")
    column.build((5, 1, 1))
    assert_array_equal(column.predict(x.reshape(1, 5, 1, 1)).ravel(), want)


@pytest.mark.parametrize("pool_size, strides", [(2, 1), (3, 1), (3, 2), (4, 1), ((2, 3), (2, 1))])
def test_avg_pool_same_divides_by_the_valid_cells(compute_backend, pool_size, strides):
    """A constant image pools to the same constant everywhere, borders
    included: each mean is over the window's cells inside the image."""
    layer = AvgPool2D(pool_size, strides=strides, padding="same")
    layer.build((5, 6, 2))
    x = np.full((2, 5, 6, 2), 3.0)
    layer.allocate(2)
    assert_allclose(layer.forward(x), 3.0, rtol=1e-15)
    assert_allclose(layer.predict(x), 3.0, rtol=1e-15)


def test_max_pool_same_padding_never_wins(compute_backend):
    layer = MaxPool2D(3, strides=1, padding="same")
    layer.build((4, 4, 1))
    x = -1.0 - np.random.RandomState(0).rand(2, 4, 4, 1)
    out = layer.predict(x)
    assert np.all(out < -1.0)
    assert_array_equal(out, ref.max_pool(x, (3, 3), (1, 1), "same"))


@pytest.mark.parametrize("pool", POOLS)
def test_pools_act_on_each_channel_alone(compute_backend, pool):
    layer = pool(2)
    layer.build((4, 4, 3))
    x = np.random.RandomState(0).normal(size=(2, 4, 4, 3))
    out = layer.predict(x)
    for c in range(3):
        alone = pool(2)
        alone.build((4, 4, 1))
        assert_array_equal(out[..., c:c + 1], alone.predict(x[..., c:c + 1].copy()))


@pytest.mark.parametrize("pool", POOLS)
def test_first_layer_skips_the_input_gradient(compute_backend, pool):
    layer = pool(2)
    layer.build((4, 4, 1))
    layer.allocate(2, needs_input_gradient=False)
    out = layer.forward(np.ones((2, 4, 4, 1)))
    assert layer.backward(np.ones_like(out)) is None


@pytest.mark.parametrize("pool", POOLS)
def test_float32(compute_backend, pool):
    layer = pool(3, strides=2, padding="same")
    layer.build((7, 6, 2), np.float32)
    x = np.random.RandomState(0).normal(size=(2, 7, 6, 2)).astype(np.float32)
    want = REFERENCE[pool](x.astype(float), (3, 3), (2, 2), "same")
    layer.allocate(2)
    trained = layer.forward(x)
    predicted = layer.predict(x)
    assert trained.dtype == predicted.dtype == np.float32
    assert_allclose(trained, want, rtol=1e-6, atol=1e-6)
    assert_allclose(predicted, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("pool", POOLS)
def test_predict_uses_fresh_arrays(compute_backend, pool):
    layer = pool(2, strides=1, padding="same")
    layer.build((4, 4, 2))
    rs = np.random.RandomState(0)
    x1, x2 = rs.normal(size=(3, 4, 4, 2)), rs.normal(size=(9, 4, 4, 2))
    layer.allocate(3)
    trained = layer.forward(x1)
    kept = trained.copy()
    x2_before = x2.copy()
    first, second = layer.predict(x2), layer.predict(x2)
    assert not np.shares_memory(first, second)
    assert not np.shares_memory(first, trained)
    assert_array_equal(first, second)
    assert_array_equal(trained, kept)
    assert_array_equal(x2, x2_before)
    assert_array_equal(layer.predict(x1), kept)
    assert_array_equal(layer.forward(x1[1:2]), kept[1:2])


@pytest.mark.parametrize("pool", POOLS)
def test_weights_are_empty_and_set_weights_refuses_any(pool):
    layer = pool(2)
    layer.build((4, 4, 1))
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
    layer = pool((2, 3), strides=(1, 2), padding="same")
    assert layer.get_config() == {"pool_size": (2, 3), "strides": (1, 2), "padding": "same",
                                  "name": None}
    assert repr(layer) == f"{name}(pool_size=(2, 3), strides=(1, 2), padding='same')"
    assert repr(pool(**layer.get_config())) == repr(layer)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("kwargs, shape, message", [
    (dict(pool_size=5), (4, 4, 1), "pool_size 5x5 is larger than its input 4x4"),
    (dict(pool_size=(1, 5)), (4, 4, 1), "pool_size 1x5 is larger than its input 4x4"),
    (dict(pool_size=2, padding="full"), (4, 4, 1), "padding must be 'valid' or 'same'"),
    (dict(pool_size=2, padding="Same"), (4, 4, 1), "padding must be 'valid' or 'same'"),
    (dict(pool_size=0), (4, 4, 1), "pool_size must be a positive integer"),
    (dict(pool_size=(2, -2)), (4, 4, 1), "pool_size must be a positive integer"),
    (dict(pool_size=2.0), (4, 4, 1), "pool_size must be a positive integer"),
    (dict(pool_size=(2, 2, 2)), (4, 4, 1), "pool_size must be a positive integer or a pair"),
    (dict(pool_size=2, strides=0), (4, 4, 1), "strides must be a positive integer"),
    (dict(pool_size=2, strides=(1, 0)), (4, 4, 1), "strides must be a positive integer"),
    (dict(pool_size=2), (16,), r"needs images of shape \(height, width, channels\)"),
    (dict(pool_size=2), (4, 4), r"got input of shape \(4, 4\)"),
])
def test_build_errors_name_the_layer(pool, kwargs, shape, message):
    layer = pool(**kwargs)
    with pytest.raises(ValueError, match=message) as info:
        layer.build(shape)
    assert str(info.value).startswith(repr(layer) + ": ")


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pool_refuses_windows_of_more_than_255_cells(padding):
    layer = MaxPool2D(16, padding=padding)
    with pytest.raises(ValueError, match=r"more than 255 cells") as info:
        layer.build((16, 16, 1))
    assert str(info.value).startswith(repr(layer))
    assert MaxPool2D((15, 17)).build((16, 17, 1)) == (1, 1, 1)  # 255 cells


def test_avg_pool_takes_large_windows(compute_backend):
    layer = AvgPool2D(16)
    layer.build((16, 16, 1))
    x = np.random.RandomState(0).normal(size=(2, 16, 16, 1))
    assert_allclose(layer.predict(x).ravel(), x.mean(axis=(1, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("pool", POOLS)
def test_back_ends_agree_on_nan_and_inf(pool):
    """NaN and inf go through both back-ends alike, forward and backward
    (a NaN propagates into every window holding it)."""
    if len(backends.available()) < 2:
        pytest.skip("numba is not installed: the NumPy back-end only")
    x = np.random.RandomState(0).normal(size=(2, 4, 5, 2))
    x[0, 0, 1, 0], x[0, 2, 2, 1], x[1, 3, 0, 0] = np.nan, np.inf, -np.inf
    results = []
    for name in ("numpy", "numba"):
        with backends.use(name):
            layer = pool(2, strides=1, padding="same")
            layer.build((4, 5, 2))
            layer.allocate(2)
            out = layer.forward(x).copy()
            results.append((out, layer.backward(np.ones_like(out)).copy(), layer.predict(x)))
    for a, b in zip(*results):
        assert_array_equal(a, b)
    out = results[0][0]
    assert np.isnan(out[0, 0, :2, 0]).all() and not np.isnan(out[0, 2:, :, 0]).any()
