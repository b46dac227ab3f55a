"""skdl.layers.Conv2D: shapes, values against a plain-loop cross-correlation
(tests/layers/layer_reference.py), TensorFlow's "same" padding, Keras's
weight layout, errors, and the prediction pass against the training pass,
on both compute back-ends."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl.layers import Conv2D

import layer_reference as ref

# (input shape, kernel_size, strides, padding, expected (out_h, out_w)),
# worked out by hand: valid (n - k) // s + 1, same ceil(n / s)
SHAPES = [
    ((5, 5, 1), 3, 1, "valid", (3, 3)),
    ((5, 5, 1), 3, 1, "same", (5, 5)),
    ((5, 5, 1), 3, 2, "valid", (2, 2)),
    ((5, 5, 1), 3, 2, "same", (3, 3)),
    ((6, 6, 2), 2, 2, "valid", (3, 3)),
    ((6, 6, 2), 2, 2, "same", (3, 3)),
    ((6, 6, 2), 4, 1, "same", (6, 6)),
    ((6, 7, 3), (2, 3), (1, 2), "valid", (5, 3)),
    ((6, 7, 3), (2, 3), (1, 2), "same", (6, 4)),
    ((7, 4, 1), (4, 1), (3, 1), "valid", (2, 4)),
    ((7, 4, 1), (4, 1), (3, 1), "same", (3, 4)),
    ((1, 5, 1), (1, 2), 1, "same", (1, 5)),
    ((4, 4, 1), 4, 1, "valid", (1, 1)),
    ((4, 4, 1), 4, 3, "valid", (1, 1)),
    ((4, 4, 1), 5, 1, "same", (4, 4)),
    ((28, 28, 1), 5, 2, "valid", (12, 12)),
    ((28, 28, 1), 1, 3, "same", (10, 10)),
]


@pytest.mark.parametrize("shape, kernel_size, strides, padding, expected", SHAPES)
def test_output_shape(shape, kernel_size, strides, padding, expected):
    layer = Conv2D(3, kernel_size, strides=strides, padding=padding)
    assert layer.build(shape) == (*expected, 3)
    assert layer.input_shape == shape
    assert layer.output_shape == (*expected, 3)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    assert [(s.name, s.shape, s.penalised) for s in layer.weight_specs()] == [
        ("kernel", (kh, kw, shape[2], 3), True), ("bias", (3,), False),
    ]


# (input shape, kernel_size, strides): odd and even, square and not
GEOMETRIES = [
    ((5, 6), 3, 1),
    ((5, 6), 2, 2),
    ((6, 5), (2, 3), (2, 1)),
    ((4, 7), (3, 2), (1, 3)),
    ((3, 3), 1, 2),
    ((4, 4), 4, 1),
]


@pytest.mark.parametrize("size, kernel_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("activation", [None, "tanh", "relu"])
def test_forward_and_predict_equal_the_loop_reference(
    compute_backend, size, kernel_size, strides, padding, channels, activation
):
    layer = ref.bind_weights(
        Conv2D(2, kernel_size, strides=strides, padding=padding, activation=activation),
        (*size, channels),
    )
    x = np.random.RandomState(1).normal(size=(3, *size, channels))
    z = ref.conv2d(x, layer.kernel, layer.bias, ref.pair(strides), padding)
    want = {None: z, "tanh": np.tanh(z), "relu": np.maximum(z, 0)}[activation]
    predicted = layer.predict(x)
    layer.allocate(3)
    trained = layer.forward(x)
    assert predicted.shape == trained.shape == want.shape == (3, *layer.output_shape)
    assert_allclose(trained, want, rtol=1e-12, atol=1e-12)
    assert_allclose(predicted, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel, strides, x, want", [
    # width 4, kernel 2, stride 1: one padding cell, at the right
    ([1.0, 10.0], 1, [1, 2, 3, 4], [21, 32, 43, 4]),
    # width 4, kernel 3, stride 1: one cell on each side
    ([1.0, 10.0, 100.0], 1, [1, 2, 3, 4], [210, 321, 432, 43]),
    # width 4, kernel 4, stride 1: one cell left, two right
    ([1.0, 10.0, 100.0, 1000.0], 1, [1, 2, 3, 4], [3210, 4321, 432, 43]),
    # width 4, kernel 3, stride 2: ceil(4 / 2) = 2 outputs, one cell at the right
    ([1.0, 1.0, 1.0], 2, [1, 2, 3, 4], [6, 7]),
    # width 5, kernel 2, stride 2: 3 outputs, one cell at the right
    ([1.0, 10.0], 2, [1, 2, 3, 4, 5], [21, 43, 5]),
])
def test_same_padding_is_tensorflows(compute_backend, kernel, strides, x, want):
    """Literal examples: the odd padding cell goes to the right (and, by
    symmetry, the bottom), as TensorFlow pads."""
    width = len(x)
    row = Conv2D(1, (1, len(kernel)), strides=strides, padding="same")
    row = ref.bind_weights(row, (1, width, 1))
    row.set_weights([np.reshape(kernel, (1, -1, 1, 1)), np.zeros(1)])
    x_row = np.reshape(np.asarray(x, float), (1, 1, width, 1))
    assert_array_equal(row.predict(x_row).ravel(), want)
    # the same along the height
    column = ref.bind_weights(
        Conv2D(1, (len(kernel), 1), strides=strides, padding="same"), (width, 1, 1)
    )
    column.set_weights([np.reshape(kernel, (-1, 1, 1, 1)), np.zeros(1)])
    assert_array_equal(column.predict(x_row.reshape(1, width, 1, 1)).ravel(), want)


def test_it_is_a_cross_correlation_not_a_convolution(compute_backend):
    """A kernel with a single 1 at its top-left corner picks, for each
    output, the input cell at the window's top-left (a convolution would
    flip the kernel and pick the bottom-right)."""
    layer = ref.bind_weights(Conv2D(1, 2), (3, 3, 1))
    kernel = np.zeros((2, 2, 1, 1))
    kernel[0, 0] = 1
    layer.set_weights([kernel, np.zeros(1)])
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    assert_array_equal(layer.predict(x)[0, :, :, 0], [[0, 1], [3, 4]])


def test_channels_and_filters_follow_keras_layout(compute_backend):
    """kernel[u, v, c, f] weighs input channel c into filter f."""
    layer = ref.bind_weights(Conv2D(3, 1), (2, 2, 2))
    kernel = np.zeros((1, 1, 2, 3))
    kernel[0, 0, 1, 2] = 1.0  # channel 1 -> filter 2
    kernel[0, 0, 0, 0] = -2.0  # channel 0 -> filter 0
    layer.set_weights([kernel, np.array([0.0, 5.0, 0.0])])
    x = np.random.RandomState(0).normal(size=(2, 2, 2, 2))
    out = layer.predict(x)
    assert_array_equal(out[..., 0], -2 * x[..., 0])
    assert_array_equal(out[..., 1], np.full(x.shape[:3], 5.0))
    assert_array_equal(out[..., 2], x[..., 1])


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("size, kernel_size, strides", GEOMETRIES)
def test_backward_is_the_adjoint_of_forward(compute_backend, size, kernel_size, strides, padding):
    """With the identity activation the layer is affine in x:
    <forward(x) - bias, d> == <x, backward(d)>, and the kernel gradient is
    the correlation of the inputs with d."""
    layer = ref.bind_weights(Conv2D(2, kernel_size, strides=strides, padding=padding),
                             (*size, 3))
    rs = np.random.RandomState(2)
    x = rs.normal(size=(2, *size, 3))
    layer.allocate(2)
    out = layer.forward(x) - layer.bias
    d = rs.normal(size=out.shape)
    dx = layer.backward(d.copy())
    assert dx.shape == x.shape
    assert np.vdot(out, d) == pytest.approx(np.vdot(x, dx), rel=1e-12)
    kernel_grad, bias_grad = layer.gradients
    assert_allclose(bias_grad, d.sum(axis=(0, 1, 2)), rtol=1e-12)
    # <forward(x; kernel) - bias, d> is linear in the kernel with that gradient
    assert np.vdot(kernel_grad, layer.kernel) == pytest.approx(np.vdot(out, d), rel=1e-12)


def test_first_layer_skips_the_input_gradient(compute_backend):
    layer = ref.bind_weights(Conv2D(2, 2, activation="tanh"), (3, 3, 1))
    layer.allocate(4, needs_input_gradient=False)
    x = np.random.RandomState(0).normal(size=(4, 3, 3, 1))
    out = layer.forward(x)
    assert layer.backward(np.ones_like(out)) is None
    assert np.any(layer.gradients[0] != 0) and np.any(layer.gradients[1] != 0)


def test_float32(compute_backend):
    layer = ref.bind_weights(Conv2D(3, 3, strides=2, padding="same", activation="tanh"),
                             (7, 6, 2), dtype=np.float32)
    x = np.random.RandomState(0).normal(size=(2, 7, 6, 2)).astype(np.float32)
    want = np.tanh(ref.conv2d(x.astype(float), layer.kernel.astype(float),
                              layer.bias.astype(float), (2, 2), "same"))
    layer.allocate(2)
    trained = layer.forward(x)
    predicted = layer.predict(x)
    assert trained.dtype == predicted.dtype == np.float32
    assert_allclose(trained, want, rtol=1e-5, atol=1e-5)
    assert_allclose(predicted, trained, rtol=1e-6)


def test_predict_uses_fresh_arrays(compute_backend):
    """predict never writes the training buffers nor its input, takes more
    rows than were allocated, and returns a new array each call."""
    layer = ref.bind_weights(Conv2D(2, 2, padding="same", activation="relu"), (4, 4, 1))
    rs = np.random.RandomState(0)
    x1, x2 = rs.normal(size=(3, 4, 4, 1)), rs.normal(size=(10, 4, 4, 1))
    layer.allocate(3)
    trained = layer.forward(x1)
    kept = trained.copy()
    x2_before = x2.copy()
    first = layer.predict(x2)
    second = layer.predict(x2)
    assert first is not second and not np.shares_memory(first, second)
    assert not np.shares_memory(first, trained)
    assert_array_equal(trained, kept)
    assert_array_equal(x2, x2_before)
    assert_array_equal(first, second)
    assert_allclose(layer.predict(x1), kept, rtol=1e-13, atol=1e-15)
    # a smaller batch through the same buffers
    assert_allclose(layer.forward(x1[:1]), kept[:1], rtol=1e-13, atol=1e-15)


def test_get_weights_and_set_weights():
    layer = ref.bind_weights(Conv2D(4, (2, 3)), (5, 6, 3))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (2, 3, 3, 4) and bias.shape == (4,)
    assert_array_equal(kernel, layer.kernel)
    assert_array_equal(bias, layer.bias)
    # copies: changing them leaves the layer alone
    kernel += 1
    assert not np.array_equal(kernel, layer.kernel)
    new = [np.arange(72.0).reshape(2, 3, 3, 4), np.arange(4.0)]
    layer.set_weights(new)
    assert_array_equal(layer.kernel, new[0])
    assert_array_equal(layer.bias, new[1])
    new[0][...] = 0  # set_weights copied
    assert layer.kernel[1, 2, 2, 3] == 71.0
    # array-likes of the right shapes
    layer.set_weights([new[0].tolist(), [1, 2, 3, 4]])
    assert_array_equal(layer.bias, [1, 2, 3, 4])


@pytest.mark.parametrize("weights", [
    [np.zeros((2, 3, 3, 4))],
    [np.zeros((2, 3, 3, 4)), np.zeros(4), np.zeros(4)],
    [np.zeros((3, 2, 3, 4)), np.zeros(4)],
    [np.zeros((2, 3, 4, 3)), np.zeros(4)],
    [np.zeros((6, 12)), np.zeros(4)],
    [np.zeros((2, 3, 3, 4)), np.zeros(5)],
    [np.zeros(4), np.zeros((2, 3, 3, 4))],
    [],
])
def test_set_weights_refuses_wrong_shapes_or_counts_and_writes_nothing(weights):
    layer = ref.bind_weights(Conv2D(4, (2, 3)), (5, 6, 3))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=re.escape("Conv2D(filters=4, kernel_size=(2, 3)")):
        layer.set_weights(weights)
    for old, now in zip(before, layer.get_weights()):
        assert_array_equal(old, now)


def test_set_weights_checks_every_array_before_copying_any():
    layer = ref.bind_weights(Conv2D(2, 2), (3, 3, 1))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="Conv2D"):
        layer.set_weights([np.ones((2, 2, 1, 2)), np.ones(3)])
    assert_array_equal(layer.kernel, before[0])


def test_get_config_and_repr():
    layer = Conv2D(8, (3, 5), strides=(1, 2), padding="same", activation="relu")
    assert layer.get_config() == {
        "filters": 8, "kernel_size": (3, 5), "strides": (1, 2), "padding": "same",
        "activation": "relu", "kernel_initializer": None, "bias_initializer": None,
        "name": None,
    }
    assert repr(layer) == (
        "Conv2D(filters=8, kernel_size=(3, 5), strides=(1, 2), padding='same', "
        "activation='relu')"
    )
    assert Conv2D(2, 3).get_config() == {
        "filters": 2, "kernel_size": 3, "strides": 1, "padding": "valid", "activation": None,
        "kernel_initializer": None, "bias_initializer": None, "name": None,
    }
    # a layer rebuilt from its config is the same layer
    assert repr(Conv2D(**layer.get_config())) == repr(layer)
    assert Conv2D(2, 3).get_weights() == []  # not built yet


@pytest.mark.parametrize("layer, shape, message", [
    (Conv2D(2, 5), (4, 4, 1), "kernel_size 5x5 is larger than its input 4x4"),
    (Conv2D(2, (2, 5)), (4, 4, 1), "kernel_size 2x5 is larger than its input 4x4"),
    (Conv2D(2, (5, 1)), (4, 8, 1), "kernel_size 5x1 is larger than its input 4x8"),
    (Conv2D(2, 3, padding="full"), (4, 4, 1), "padding must be 'valid' or 'same'"),
    (Conv2D(2, 3, padding="SAME"), (4, 4, 1), "padding must be 'valid' or 'same'"),
    (Conv2D(2, 3, padding=None), (4, 4, 1), "padding must be 'valid' or 'same'"),
    (Conv2D(0, 3), (4, 4, 1), "filters must be a positive integer, got 0"),
    (Conv2D(-1, 3), (4, 4, 1), "filters must be a positive integer"),
    (Conv2D(2.0, 3), (4, 4, 1), "filters must be a positive integer"),
    (Conv2D(True, 3), (4, 4, 1), "filters must be a positive integer"),
    (Conv2D(2, 0), (4, 4, 1), "kernel_size must be a positive integer"),
    (Conv2D(2, (2, 0)), (4, 4, 1), "kernel_size must be a positive integer"),
    (Conv2D(2, (2, 2, 2)), (4, 4, 1), "kernel_size must be a positive integer or a pair"),
    (Conv2D(2, "3"), (4, 4, 1), "kernel_size must be a positive integer or a pair"),
    (Conv2D(2, 1.5), (4, 4, 1), "kernel_size must be a positive integer or a pair"),
    (Conv2D(2, 2, strides=0), (4, 4, 1), "strides must be a positive integer"),
    (Conv2D(2, 2, strides=(1, -1)), (4, 4, 1), "strides must be a positive integer"),
    (Conv2D(2, 2), (16,), r"needs images of shape \(height, width, channels\)"),
    (Conv2D(2, 2), (4, 4), r"got input of shape \(4, 4\)"),
    (Conv2D(2, 2), (2, 4, 4, 1), r"got input of shape \(2, 4, 4, 1\)"),
])
def test_build_errors_name_the_layer(layer, shape, message):
    with pytest.raises(ValueError, match=message) as info:
        layer.build(shape)
    assert str(info.value).startswith(repr(layer) + ": ")


def test_kernel_larger_than_input_under_same_padding_is_fine(compute_backend):
    layer = ref.bind_weights(Conv2D(1, 5, padding="same"), (3, 2, 1))
    x = np.random.RandomState(0).normal(size=(2, 3, 2, 1))
    assert_allclose(layer.predict(x),
                    ref.conv2d(x, layer.kernel, layer.bias, (1, 1), "same"), rtol=1e-12)


def test_numpy_integer_hyperparameters_are_accepted():
    layer = Conv2D(np.int64(2), (np.int32(3), 2), strides=np.int64(2), padding="same")
    assert layer.build((np.int64(5), 5, 1)) == (3, 3, 2)
    assert all(type(s) is int for s in layer.output_shape + layer.input_shape)
