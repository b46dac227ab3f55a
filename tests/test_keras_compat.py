"""Keras's conventions, checked without Keras: Conv2D is the per-channel
cross-correlation of scipy.signal.correlate summed over channels, weights
come in Keras's layouts, the flat parameter vector holds every kernel first
and then every bias, and the L2 penalty covers kernels (conv ones included)
but not biases."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.signal import correlate

from skdl import backend as backends
from skdl.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from skdl.losses import get_loss
from skdl.network import Network


@pytest.fixture(params=["numpy", "numba"])
def compute_backend(request):
    if request.param not in backends.available():
        pytest.skip("numba is not installed: the NumPy back-end only")
    with backends.use(request.param):
        yield request.param


SHAPES_REFUSED = r"Network.set_weights got arrays of shapes .*, but the network needs"
"""How Network.set_weights refuses weights of the wrong number or shapes."""


def _tf_same_pad(x, kernel_size, strides):
    """``x`` zero padded as TensorFlow's "same" pads it: ``ceil(n / s)``
    outputs, the smaller half of the padding before, the rest after."""
    pads = []
    for size, k, s in zip(x.shape[1:3], kernel_size, strides):
        out = -(-size // s)
        total = max((out - 1) * s + k - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, [(0, 0), *pads, (0, 0)])


def _scipy_conv2d(x, kernel, bias, strides, padding):
    """Per sample and filter: sum over channels of scipy's "valid"
    correlation of the (padded) channel with the kernel's slice, then every
    stride-th row and column."""
    kh, kw, channels, filters = kernel.shape
    if padding == "same":
        x = _tf_same_pad(x, (kh, kw), strides)
    out = []
    for sample in x:
        maps = [
            sum(correlate(sample[:, :, c], kernel[:, :, c, f], mode="valid")
                for c in range(channels))[::strides[0], ::strides[1]] + bias[f]
            for f in range(filters)
        ]
        out.append(np.stack(maps, axis=-1))
    return np.stack(out)


@pytest.mark.parametrize("shape, kernel_size, strides, padding", [
    ((6, 6, 1), (3, 3), (1, 1), "valid"),
    ((6, 6, 3), (3, 3), (1, 1), "same"),
    ((7, 6, 3), (2, 2), (2, 2), "valid"),
    ((7, 6, 2), (2, 3), (2, 2), "same"),
    ((5, 8, 2), (4, 1), (1, 3), "same"),
    ((8, 5, 1), (5, 2), (3, 1), "valid"),
])
def test_conv2d_is_scipys_correlation_summed_over_channels(
    compute_backend, shape, kernel_size, strides, padding
):
    layer = Conv2D(4, kernel_size, strides=strides, padding=padding)
    Network([layer, Flatten(), Dense(1)], shape)  # builds the layer, binds its weights
    rs = np.random.RandomState(0)
    kernel = rs.normal(size=(*kernel_size, shape[2], 4))
    bias = rs.normal(size=4)
    layer.set_weights([kernel, bias])
    x = rs.normal(size=(3, *shape))
    want = _scipy_conv2d(x, kernel, bias, strides, padding)
    assert layer.output_shape == want.shape[1:]
    assert_allclose(layer.predict(x), want, rtol=1e-12, atol=1e-12)
    # the network reads each row of X as a sample flattened in C order
    hidden = Network([Conv2D(4, kernel_size, strides=strides, padding=padding), Flatten(),
                      Dense(want[0].size)], shape)
    hidden.set_weights([kernel, bias, np.eye(want[0].size), np.zeros(want[0].size)])
    assert_allclose(hidden.predict(x.reshape(3, -1)), want.reshape(3, -1), rtol=1e-12,
                    atol=1e-12)


def _mixed_network():
    layers = [
        Conv2D(3, 2, activation="relu"),  # kernel (2, 2, 2, 3)
        MaxPool2D(2, strides=1),
        Conv2D(2, (1, 2), padding="same", activation="tanh"),  # kernel (1, 2, 3, 2)
        AvgPool2D(2, padding="same"),
        Flatten(),
        Dropout(0.2),
        Dense(4, activation="tanh"),  # kernel (8, 4)
        Dense(3, "softmax"),  # kernel (4, 3)
    ]
    return Network(layers, (5, 5, 2)), layers


def test_flat_layout_puts_every_kernel_first_then_every_bias():
    net, layers = _mixed_network()
    kernel_shapes = [(2, 2, 2, 3), (1, 2, 3, 2), (8, 4), (4, 3)]
    bias_sizes = [3, 2, 4, 3]
    n_coef = sum(int(np.prod(s)) for s in kernel_shapes)
    assert net.n_coef_params == n_coef
    assert net.params.shape == net.grad.shape == (n_coef + sum(bias_sizes),)
    # Keras's order and shapes, layer after layer
    assert [w.shape for w in net.get_weights()] == [
        (2, 2, 2, 3), (3,), (1, 2, 3, 2), (2,), (8, 4), (4,), (4, 3), (3,),
    ]
    net.params[:] = np.arange(net.params.size)
    weighted = [layer for layer in layers if layer.weight_specs()]
    kernels_flat = np.concatenate([layer.kernel.ravel() for layer in weighted])
    biases_flat = np.concatenate([layer.bias for layer in weighted])
    assert_array_equal(kernels_flat, np.arange(n_coef))
    assert_array_equal(biases_flat, np.arange(n_coef, net.params.size))
    # weight_views of any vector of that layout: per layer, in Keras's order
    views = net.weight_views(net.grad)
    assert [[v.shape for v in per_layer] for per_layer in views] == [
        [(2, 2, 2, 3), (3,)], [], [(1, 2, 3, 2), (2,)], [], [], [], [(8, 4), (4,)],
        [(4, 3), (3,)],
    ]
    for per_layer, layer in zip(views, layers):
        for view, gradient in zip(per_layer, layer.gradients if per_layer else []):
            assert np.shares_memory(view, net.grad) and np.shares_memory(gradient, net.grad)
            assert view.__array_interface__["data"] == gradient.__array_interface__["data"]
    # and views of params are the layers' weights
    for per_layer, layer in zip(net.weight_views(net.params), layers):
        for view, weight in zip(per_layer, layer.get_weights()):
            assert_array_equal(view, weight)


def test_set_weights_is_keras_order_and_checked():
    net, layers = _mixed_network()
    weights = [np.full(w.shape, float(i)) for i, w in enumerate(net.get_weights())]
    net.set_weights(weights)
    assert_array_equal(layers[2].kernel, 2.0)
    assert_array_equal(layers[6].bias, 5.0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=SHAPES_REFUSED):
        net.set_weights(weights[:-1])
    with pytest.raises(ValueError, match=SHAPES_REFUSED):
        net.set_weights([weights[1], weights[0], *weights[2:]])
    assert_array_equal(net.params, before)


def test_l2_penalty_covers_conv_kernels_but_not_biases(compute_backend):
    net, layers = _mixed_network()
    net.initialize(np.random.RandomState(0))
    rs = np.random.RandomState(1)
    X = rs.normal(size=(6, net.n_features))
    Y = np.eye(3)[rs.randint(0, 3, 6)]
    w = rs.uniform(0.5, 2.0, 6)
    loss, alpha = get_loss("cross_entropy"), 0.7
    plain = net.loss_and_gradient(X, Y, loss, 0.0, w)
    plain_grad = net.grad.copy()
    penalised = net.loss_and_gradient(X, Y, loss, alpha, w)
    kernels_flat = np.concatenate([layers[i].kernel.ravel() for i in (0, 2, 6, 7)])
    assert penalised - plain == pytest.approx(
        0.5 * alpha * np.sum(kernels_flat**2) / w.sum(), rel=1e-10)
    extra = net.grad - plain_grad
    n_coef = net.n_coef_params
    assert_allclose(extra[:n_coef], alpha / w.sum() * kernels_flat, rtol=1e-8, atol=1e-15)
    assert_array_equal(extra[n_coef:], 0.0)
    # the penalty ignores biases: a change of bias changes the data term alone
    layers[0].bias[...] += 1.0
    shifted_plain = net.loss_and_gradient(X, Y, loss, 0.0, w)
    shifted = net.loss_and_gradient(X, Y, loss, alpha, w)
    assert shifted - shifted_plain == pytest.approx(penalised - plain, rel=1e-10)


def test_conv_initialisation_is_glorot_uniform_with_kerass_fans():
    """Kernel then bias drawn in U(-b, b), b = sqrt(6 / (fan_in + fan_out)),
    fans kh * kw * channels in and kh * kw * filters out; layer after layer
    from one RandomState (bias drawn too, as scikit-learn's MLP draws it)."""
    conv = Conv2D(4, (3, 2), activation="tanh")
    dense = Dense(2)
    net = Network([conv, Flatten(), dense], (5, 4, 3))
    net.initialize(np.random.RandomState(42))
    rs = np.random.RandomState(42)
    bound = np.sqrt(6.0 / (3 * 2 * 3 + 3 * 2 * 4))
    assert_array_equal(conv.kernel, rs.uniform(-bound, bound, (3, 2, 3, 4)))
    assert_array_equal(conv.bias, rs.uniform(-bound, bound, 4))
    n_in = 3 * 3 * 4
    bound = np.sqrt(6.0 / (n_in + 2))
    assert_array_equal(dense.kernel, rs.uniform(-bound, bound, (n_in, 2)))
    assert_array_equal(dense.bias, rs.uniform(-bound, bound, 2))
