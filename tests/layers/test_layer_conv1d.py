"""skdl.layers.Conv1D: shapes, values against a plain-loop cross-correlation
(tests/layers/sequence_reference.py) and against scipy.signal.correlate,
TensorFlow's "same" padding, Keras's weight layout (kernel_size, channels,
filters), initialisation, errors naming the layer, and the prediction pass
against the training pass, on both compute back-ends."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.signal import correlate

from skdl.layers import Conv1D, Conv2D, Dense, Flatten
from skdl.network import Network

import layer_reference as ref
import sequence_reference as seq

# (input shape, kernel_size, strides, padding, expected timesteps),
# by hand: valid (T - k) // s + 1, same ceil(T / s)
SHAPES = [
    ((5, 1), 3, 1, "valid", 3),
    ((5, 1), 3, 1, "same", 5),
    ((5, 2), 3, 2, "valid", 2),
    ((5, 2), 3, 2, "same", 3),
    ((6, 3), 2, 2, "valid", 3),
    ((6, 3), 2, 2, "same", 3),
    ((6, 1), 4, 1, "same", 6),
    ((7, 1), 4, 3, "valid", 2),
    ((7, 1), 4, 3, "same", 3),
    ((4, 2), 4, 1, "valid", 1),
    ((4, 2), 4, 3, "valid", 1),
    ((4, 2), 5, 1, "same", 4),
    ((1, 1), 1, 1, "valid", 1),
    ((1, 1), 3, 2, "same", 1),
    ((28, 1), 5, 2, "valid", 12),
    ((28, 3), 1, 3, "same", 10),
]


@pytest.mark.parametrize("shape, kernel_size, strides, padding, expected", SHAPES)
def test_output_shape(shape, kernel_size, strides, padding, expected):
    layer = Conv1D(3, kernel_size, strides=strides, padding=padding)
    assert layer.build(shape) == (expected, 3)
    assert layer.input_shape == shape
    assert layer.output_shape == (expected, 3)
    assert [(s.name, s.shape, s.penalised) for s in layer.weight_specs()] == [
        ("kernel", (kernel_size, shape[1], 3), True), ("bias", (3,), False),
    ]


# (timesteps, kernel_size, strides): odd and even, overlapping and gapped
GEOMETRIES = [
    (6, 3, 1),
    (6, 2, 2),
    (7, 3, 2),
    (7, 2, 3),
    (5, 1, 2),
    (4, 4, 1),
    (5, 4, 3),
]


@pytest.mark.parametrize("steps, kernel_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("activation", [None, "tanh", "relu"])
def test_forward_and_predict_equal_the_loop_reference(
    compute_backend, steps, kernel_size, strides, padding, channels, activation
):
    layer = ref.bind_weights(
        Conv1D(2, kernel_size, strides=strides, padding=padding, activation=activation),
        (steps, channels),
    )
    x = np.random.RandomState(1).normal(size=(3, steps, channels))
    z = seq.conv1d(x, layer.kernel, layer.bias, strides, padding)
    want = {None: z, "tanh": np.tanh(z), "relu": np.maximum(z, 0)}[activation]
    predicted = layer.predict(x)
    layer.allocate(3)
    trained = layer.forward(x)
    assert predicted.shape == trained.shape == want.shape == (3, *layer.output_shape)
    assert_allclose(trained, want, rtol=1e-12, atol=1e-12)
    assert_allclose(predicted, want, rtol=1e-12, atol=1e-12)


def _tf_same_pad(x, size, stride):
    out = -(-x.shape[1] // stride)
    total = max((out - 1) * stride + size - x.shape[1], 0)
    return np.pad(x, [(0, 0), (total // 2, total - total // 2), (0, 0)])


@pytest.mark.parametrize("steps, kernel_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv1d_is_scipys_correlation_summed_over_channels(
    compute_backend, steps, kernel_size, strides, padding
):
    layer = ref.bind_weights(Conv1D(4, kernel_size, strides=strides, padding=padding),
                             (steps, 2))
    x = np.random.RandomState(2).normal(size=(3, steps, 2))
    padded = _tf_same_pad(x, kernel_size, strides) if padding == "same" else x
    want = np.stack([
        np.stack([
            sum(correlate(sample[:, c], layer.kernel[:, c, f], mode="valid")
                for c in range(2))[::strides] + layer.bias[f]
            for f in range(4)
        ], axis=-1)
        for sample in padded
    ])
    assert layer.output_shape == want.shape[1:]
    assert_allclose(layer.predict(x), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel, strides, x, want", [
    # 4 steps, kernel 2, stride 1: one padding step, at the end
    ([1.0, 10.0], 1, [1, 2, 3, 4], [21, 32, 43, 4]),
    # kernel 3: one step on each side
    ([1.0, 10.0, 100.0], 1, [1, 2, 3, 4], [210, 321, 432, 43]),
    # kernel 4: one step before, two after
    ([1.0, 10.0, 100.0, 1000.0], 1, [1, 2, 3, 4], [3210, 4321, 432, 43]),
    # kernel 3, stride 2: ceil(4 / 2) = 2 outputs, one padding step at the end
    ([1.0, 1.0, 1.0], 2, [1, 2, 3, 4], [6, 7]),
    # 5 steps, kernel 2, stride 2: 3 outputs, one padding step at the end
    ([1.0, 10.0], 2, [1, 2, 3, 4, 5], [21, 43, 5]),
])
def test_same_padding_is_tensorflows(compute_backend, kernel, strides, x, want):
    layer = ref.bind_weights(Conv1D(1, len(kernel), strides=strides, padding="same"),
                             (len(x), 1))
    layer.set_weights([np.reshape(kernel, (-1, 1, 1)), np.zeros(1)])
    x = np.reshape(np.asarray(x, float), (1, -1, 1))
    assert_array_equal(layer.predict(x).ravel(), want)
    layer.allocate(1)
    assert_array_equal(layer.forward(x).ravel(), want)


def test_it_is_a_cross_correlation_not_a_convolution(compute_backend):
    """A kernel with a single 1 at its first step picks, for each output,
    the first step of its window (a convolution would pick the last)."""
    layer = ref.bind_weights(Conv1D(1, 3), (5, 1))
    layer.set_weights([np.array([1.0, 0.0, 0.0]).reshape(3, 1, 1), np.zeros(1)])
    x = np.arange(5.0).reshape(1, 5, 1)
    assert_array_equal(layer.predict(x).ravel(), [0, 1, 2])


def test_channels_and_filters_follow_keras_layout(compute_backend):
    """kernel[u, c, f] weighs input channel c, u steps into the window,
    into filter f."""
    layer = ref.bind_weights(Conv1D(3, 2), (4, 2))
    kernel = np.zeros((2, 2, 3))
    kernel[1, 1, 2] = 1.0  # next step, channel 1 -> filter 2
    kernel[0, 0, 0] = -2.0  # this step, channel 0 -> filter 0
    layer.set_weights([kernel, np.array([0.0, 5.0, 0.0])])
    x = np.random.RandomState(0).normal(size=(2, 4, 2))
    out = layer.predict(x)
    assert_array_equal(out[..., 0], -2 * x[:, :3, 0])
    assert_array_equal(out[..., 1], np.full((2, 3), 5.0))
    assert_array_equal(out[..., 2], x[:, 1:, 1])


@pytest.mark.parametrize("steps, kernel_size, strides", GEOMETRIES)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_is_conv2d_over_a_one_row_image(compute_backend, steps, kernel_size, strides, padding):
    layer = ref.bind_weights(Conv1D(2, kernel_size, strides=strides, padding=padding,
                                    activation="tanh"), (steps, 3))
    image = ref.bind_weights(Conv2D(2, (1, kernel_size), strides=(1, strides),
                                    padding=padding, activation="tanh"), (1, steps, 3))
    image.set_weights([layer.kernel[None], layer.bias])
    x = np.random.RandomState(3).normal(size=(4, steps, 3))
    assert_allclose(layer.predict(x), image.predict(x[:, None])[:, 0], rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("steps, kernel_size, strides", GEOMETRIES)
def test_backward_is_the_adjoint_of_forward(compute_backend, steps, kernel_size, strides, padding):
    """With the identity activation the layer is affine in x:
    <forward(x) - bias, d> == <x, backward(d)>, and linear in the kernel."""
    layer = ref.bind_weights(Conv1D(2, kernel_size, strides=strides, padding=padding),
                             (steps, 3))
    rs = np.random.RandomState(2)
    x = rs.normal(size=(2, steps, 3))
    layer.allocate(2)
    out = layer.forward(x) - layer.bias
    d = rs.normal(size=out.shape)
    dx = layer.backward(d.copy())
    assert dx.shape == x.shape
    assert np.vdot(out, d) == pytest.approx(np.vdot(x, dx), rel=1e-12)
    kernel_grad, bias_grad = layer.gradients
    assert kernel_grad.shape == layer.kernel.shape
    assert_allclose(bias_grad, d.sum(axis=(0, 1)), rtol=1e-12)
    assert np.vdot(kernel_grad, layer.kernel) == pytest.approx(np.vdot(out, d), rel=1e-12)


def test_first_layer_skips_the_input_gradient(compute_backend):
    layer = ref.bind_weights(Conv1D(2, 2, activation="tanh"), (5, 1))
    layer.allocate(4, needs_input_gradient=False)
    out = layer.forward(np.random.RandomState(0).normal(size=(4, 5, 1)))
    assert layer.backward(np.ones_like(out)) is None
    assert np.any(layer.gradients[0] != 0) and np.any(layer.gradients[1] != 0)


def test_float32(compute_backend):
    layer = ref.bind_weights(Conv1D(3, 3, strides=2, padding="same", activation="tanh"),
                             (7, 2), dtype=np.float32)
    x = np.random.RandomState(0).normal(size=(2, 7, 2)).astype(np.float32)
    want = np.tanh(seq.conv1d(x.astype(float), layer.kernel.astype(float),
                              layer.bias.astype(float), 2, "same"))
    layer.allocate(2)
    trained = layer.forward(x)
    predicted = layer.predict(x)
    assert trained.dtype == predicted.dtype == np.float32
    assert_allclose(trained, want, rtol=1e-5, atol=1e-5)
    assert_allclose(predicted, trained, rtol=1e-6)


def test_predict_uses_fresh_arrays(compute_backend):
    layer = ref.bind_weights(Conv1D(2, 2, padding="same", activation="relu"), (5, 2))
    rs = np.random.RandomState(0)
    x1, x2 = rs.normal(size=(3, 5, 2)), rs.normal(size=(10, 5, 2))
    layer.allocate(3)
    trained = layer.forward(x1)
    kept = trained.copy()
    x2_before = x2.copy()
    first, second = layer.predict(x2), layer.predict(x2)
    assert not np.shares_memory(first, second)
    assert not np.shares_memory(first, trained)
    assert_array_equal(trained, kept)
    assert_array_equal(x2, x2_before)
    assert_array_equal(first, second)
    assert_allclose(layer.predict(x1), kept, rtol=1e-13, atol=1e-15)
    assert_allclose(layer.forward(x1[:1]), kept[:1], rtol=1e-13, atol=1e-15)


def test_get_weights_and_set_weights():
    layer = ref.bind_weights(Conv1D(4, 3), (6, 2))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 4) and bias.shape == (4,)
    assert_array_equal(kernel, layer.kernel)
    assert_array_equal(bias, layer.bias)
    kernel += 1  # a copy
    assert not np.array_equal(kernel, layer.kernel)
    new = [np.arange(24.0).reshape(3, 2, 4), np.arange(4.0)]
    layer.set_weights(new)
    assert_array_equal(layer.kernel, new[0])
    assert_array_equal(layer.bias, new[1])
    new[0][...] = 0
    assert layer.kernel[2, 1, 3] == 23.0


@pytest.mark.parametrize("weights", [
    [np.zeros((3, 2, 4))],
    [np.zeros((3, 2, 4)), np.zeros(4), np.zeros(4)],
    [np.zeros((1, 3, 2, 4)), np.zeros(4)],  # a Conv2D kernel
    [np.zeros((2, 3, 4)), np.zeros(4)],
    [np.zeros((3, 2, 4)), np.zeros(3)],
    [],
])
def test_set_weights_refuses_wrong_shapes_and_writes_nothing(weights):
    layer = ref.bind_weights(Conv1D(4, 3), (6, 2))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=re.escape("Conv1D(filters=4, kernel_size=3")):
        layer.set_weights(weights)
    for old, now in zip(before, layer.get_weights()):
        assert_array_equal(old, now)


def test_get_config_and_repr():
    layer = Conv1D(8, 3, strides=2, padding="same", activation="relu")
    assert layer.get_config() == {
        "filters": 8, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu",
        "kernel_initializer": None, "bias_initializer": None, "name": None,
    }
    assert repr(layer) == (
        "Conv1D(filters=8, kernel_size=3, strides=2, padding='same', activation='relu')"
    )
    assert repr(Conv1D(**layer.get_config())) == repr(layer)
    assert Conv1D(2, 3).get_weights() == []


def test_initialisation_is_glorot_uniform_with_kerass_fans():
    """Kernel then bias from U(-b, b), b = sqrt(6 / (k * C + k * F)), as
    Conv2D's; drawn from the network's random state."""
    nets = []
    for _ in range(2):
        net = Network([Conv1D(5, 3), Flatten(), Dense(1)], (8, 4))
        net.initialize(np.random.RandomState(0))
        nets.append(net)
    kernel, bias = nets[0].layers[0].get_weights()
    bound = np.sqrt(6 / (3 * 4 + 3 * 5))
    assert np.all(np.abs(kernel) <= bound) and np.all(np.abs(bias) <= bound)
    assert kernel.std() > bound / 4  # spread over the interval, not all zero
    for a, b in zip(nets[0].get_weights(), nets[1].get_weights()):
        assert_array_equal(a, b)


@pytest.mark.parametrize("layer, shape, message", [
    (Conv1D(2, 5), (4, 1), "kernel_size 5 is longer than its input's 4 time steps"),
    (Conv1D(2, 5, strides=2), (4, 3), r"input shape \(4, 3\)"),
    (Conv1D(2, 3, padding="full"), (4, 1), "padding must be 'valid', 'same' or 'causal'"),
    (Conv1D(2, 3, padding=None), (4, 1), "padding must be 'valid', 'same' or 'causal'"),
    (Conv1D(0, 3), (4, 1), "filters must be a positive integer, got 0"),
    (Conv1D(2.0, 3), (4, 1), "filters must be a positive integer"),
    (Conv1D(True, 3), (4, 1), "filters must be a positive integer"),
    (Conv1D(2, 0), (4, 1), "kernel_size must be a positive integer"),
    (Conv1D(2, 1.5), (4, 1), "kernel_size must be a positive integer"),
    (Conv1D(2, (2, 2)), (4, 1), "kernel_size must be a positive integer"),
    (Conv1D(2, 2, strides=0), (4, 1), "strides must be a positive integer"),
    (Conv1D(2, 2, strides=(1, 1)), (4, 1), "strides must be a positive integer"),
    (Conv1D(2, 2, activation="nope"), (4, 1), "nope"),
    # images and flat rows are not sequences
    (Conv1D(2, 2), (4, 4, 1), r"needs sequences of shape \(timesteps, channels\), got "
                              r"input of shape \(4, 4, 1\)"),
    (Conv1D(2, 2), (16,), r"needs sequences of shape \(timesteps, channels\), got "
                          r"input of shape \(16,\)"),
])
def test_build_errors_name_the_layer(layer, shape, message):
    with pytest.raises(ValueError, match=message) as info:
        layer.build(shape)
    assert str(info.value).startswith(repr(layer) + ": ")


def test_a_network_names_the_conv1d_fed_flat_rows():
    with pytest.raises(ValueError, match=r"Layer 1 cannot take inputs of shape \(8,\): "
                                         r"Conv1D\(filters=2.*input_shape=\(timesteps"):
        Network([Flatten(), Conv1D(2, 2), Flatten(), Dense(1)], (4, 2))


def test_kernel_longer_than_the_sequence_under_same_padding_is_fine(compute_backend):
    layer = ref.bind_weights(Conv1D(2, 6, padding="same"), (3, 2))
    x = np.random.RandomState(0).normal(size=(2, 3, 2))
    assert layer.output_shape == (3, 2)
    assert_allclose(layer.predict(x), seq.conv1d(x, layer.kernel, layer.bias, 1, "same"),
                    rtol=1e-12)


def test_numpy_integer_hyperparameters_are_accepted():
    layer = Conv1D(np.int64(2), np.int32(3), strides=np.int64(2), padding="same")
    assert layer.build((np.int64(5), 1)) == (3, 2)
    assert all(type(s) is int for s in layer.output_shape + layer.input_shape)


def test_a_tuple_of_one_int_is_taken_as_keras_takes_it():
    assert Conv1D(2, (3,), strides=(2,)).build((9, 1)) == Conv1D(2, 3, strides=2).build((9, 1))
    with pytest.raises(ValueError, match=r"Conv1D.*kernel_size must be a positive integer"):
        Conv1D(2, (3, 3)).build((9, 1))


# ------------------------------------------------------------- causal
@pytest.mark.parametrize("steps, kernel_size, strides, expected", [
    (5, 3, 1, 5), (5, 3, 2, 3), (4, 7, 1, 4), (6, 1, 3, 2), (1, 2, 1, 1),
])
def test_causal_padding_keeps_ceil_steps_over_strides(steps, kernel_size, strides, expected):
    layer = Conv1D(2, kernel_size, strides=strides, padding="causal")
    assert layer.build((steps, 3)) == (expected, 2)


@pytest.mark.parametrize("kernel_size, strides", [(3, 1), (4, 2), (6, 1)])
def test_causal_is_valid_over_kernel_size_minus_one_zeros_before(compute_backend, kernel_size,
                                                                 strides):
    causal = ref.bind_weights(Conv1D(2, kernel_size, strides=strides, padding="causal",
                                     activation="tanh"), (5, 3))
    valid = ref.bind_weights(Conv1D(2, kernel_size, strides=strides, activation="tanh"),
                             (5 + kernel_size - 1, 3))
    valid.set_weights(causal.get_weights())
    x = np.random.RandomState(4).normal(size=(3, 5, 3))
    want = valid.predict(np.pad(x, ((0, 0), (kernel_size - 1, 0), (0, 0))))
    assert_allclose(causal.predict(x), want, rtol=1e-13, atol=1e-14)
    causal.allocate(3)
    assert_allclose(causal.forward(x), want, rtol=1e-13, atol=1e-14)


def test_a_causal_output_never_sees_a_later_step(compute_backend):
    layer = ref.bind_weights(Conv1D(3, 4, padding="causal"), (8, 2))
    rs = np.random.RandomState(5)
    x = rs.normal(size=(2, 8, 2))
    later = x.copy()
    later[:, 5:] = rs.normal(size=(2, 3, 2))
    out, changed = layer.predict(x), layer.predict(later)
    assert_array_equal(out[:, :5], changed[:, :5])
    assert np.all(out[:, 5:] != changed[:, 5:])


def test_causal_gradients_in_a_stack(compute_backend):
    ref.check_stack([Conv1D(2, 3, padding="causal", activation="tanh"),
                     Conv1D(2, 2, strides=2, padding="causal", activation="tanh"), Flatten()],
                    (5, 2))


def test_causal_outputs_are_kerass():
    keras = pytest.importorskip("keras")
    # one geometry (each costs JAX a compile): a stride, and a window
    # longer than the stride
    x = np.random.RandomState(6).normal(size=(2, 7, 3))
    ours = ref.bind_weights(Conv1D(2, 4, strides=2, padding="causal", activation="relu"),
                            (7, 3))
    theirs = keras.layers.Conv1D(2, 4, strides=2, padding="causal", activation="relu",
                                 dtype="float64")
    theirs.build((None, 7, 3))
    theirs.set_weights(ours.get_weights())
    assert_allclose(ours.predict(x), np.asarray(theirs(x)), rtol=1e-12, atol=1e-14)
