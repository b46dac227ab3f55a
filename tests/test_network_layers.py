"""skdl.network.Network over layers of every kind: building errors that name
the layer and its position, the prediction pass (chunked, threaded) against
the training pass, inputs of other dtypes, and a layer given twice."""

import threading

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl import backend as backends
from skdl.gradcheck import check_gradients
from skdl.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from skdl.losses import get_loss
from skdl.network import PREDICT_CHUNK, Network, predict_layers


@pytest.fixture(params=["numpy", "numba"])
def compute_backend(request):
    if request.param not in backends.available():
        pytest.skip("numba is not installed: the NumPy back-end only")
    with backends.use(request.param):
        yield request.param


def _cnn(dtype=np.float64, first="conv", seed=0):
    lead = {
        "conv": [],
        "maxpool": [MaxPool2D(2, strides=1, padding="same")],
        "avgpool": [AvgPool2D(2, strides=1)],
        "dropout": [Dropout(0.3)],
    }[first]
    layers = [*lead, Conv2D(3, 3, padding="same", activation="relu"),
              MaxPool2D(2, padding="same"), Conv2D(2, 2, activation="tanh"),
              AvgPool2D(2, strides=1, padding="same"), Flatten(), Dropout(0.2),
              Dense(5, activation="relu"), Dense(3, "softmax")]
    net = Network(layers, (6, 5, 2), dtype)
    net.initialize(np.random.RandomState(seed))
    return net


def _training_outputs(net, X):
    """The output layer's activations as the training pass computes them."""
    Y = np.zeros((X.shape[0], net.n_outputs))
    net.loss_and_gradient(X, Y, get_loss("squared_error"))
    return net.scratch.out[: X.shape[0]].copy()


@pytest.mark.parametrize("first", ["conv", "maxpool", "avgpool", "dropout"])
def test_forward_equals_the_training_pass(compute_backend, first):
    net = _cnn(first=first)
    X = np.random.RandomState(1).normal(size=(7, net.n_features))
    out = net.predict(X)
    assert out.shape == (7, 3)
    assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)
    # through the generic (non-fused) path, the output is the activation's
    assert_allclose(_training_outputs(net, X), out, rtol=1e-12, atol=1e-15)
    out2, logits = net.predict(X, return_logits=True)
    assert_array_equal(out2, out)
    assert logits.shape == (7, 3)


def test_long_predictions_run_in_chunks_with_the_same_result(compute_backend):
    net = _cnn()
    n = 2 * PREDICT_CHUNK + 37
    X = np.random.RandomState(1).normal(size=(n, net.n_features))
    whole, logits = net.predict(X, return_logits=True)
    assert whole.shape == logits.shape == (n, 3)
    pieces = np.concatenate([net.predict(X[i:i + 50]) for i in range(0, n, 50)])
    assert_allclose(whole, pieces, rtol=1e-12, atol=1e-15)
    assert_allclose(predict_layers(net.layers, net.input_shape, X), whole, rtol=1e-12)


def test_predictions_from_several_threads_at_once(compute_backend):
    net = _cnn()
    rs = np.random.RandomState(2)
    batches = [rs.normal(size=(40, net.n_features)) for _ in range(6)]
    want = [net.predict(X) for X in batches]
    got = [None] * len(batches)

    def run(i):
        for _ in range(5):
            got[i] = net.predict(batches[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for w, g in zip(want, got):
        assert_array_equal(w, g)


@pytest.mark.parametrize("layers, shape, message", [
    ([Conv2D(2, 5), Flatten(), Dense(2)], (4, 4, 1),
     r"Layer 0 cannot take inputs of shape \(4, 4, 1\): Conv2D\(filters=2, kernel_size=5, "
     r".*kernel_size 5x5 is larger than its input 4x4"),
    ([Conv2D(2, 2), Dense(2)], (4, 4, 1),
     r"Layer 1, the output layer Dense\(units=2, activation=None\), gets inputs of shape "
     r"\(3, 3, 2\), but the output layer needs flat inputs.*put GlobalAveragePooling1D or "
     r"Flatten before it"),
    ([Flatten(), MaxPool2D(), Dense(2)], (4, 4, 1),
     r"Layer 1 cannot take inputs of shape \(16,\): MaxPool2D\(pool_size=2, "
     r"strides=None, padding='valid'\): needs images"),
    ([Conv2D(2, 2), MaxPool2D(3), Flatten(), Dense(2)], (3, 3, 1),
     r"Layer 1 cannot take inputs of shape \(2, 2, 2\): MaxPool2D.*pool_size 3x3 is larger"),
    ([Conv2D(2, 2), Flatten()], (4, 4, 1), "the last of them a Dense output layer"),
])
def test_layers_that_do_not_fit_are_named_with_their_position(layers, shape, message):
    with pytest.raises(ValueError, match=message):
        Network(layers, shape)


@pytest.mark.parametrize("bad", [Conv2D, "conv", None, Dense(2).get_config()])
def test_non_layers_are_refused(bad):
    with pytest.raises(TypeError, match=r"Layer 0 is .* which is not a layer"):
        Network([bad, Flatten(), Dense(2)], (4, 4, 1))


@pytest.mark.parametrize("first", ["conv", "maxpool"])
@pytest.mark.parametrize("x_dtype", [np.float32, np.int64])
def test_other_input_dtypes_are_converted_as_for_dense_networks(compute_backend, first, x_dtype):
    """The dense engine casts X to the network's dtype (test_network's
    test_array_likes_and_other_dtypes_are_converted); so must a network
    whose first layer takes images, in training and prediction passes and
    in check_gradients."""
    net = _cnn(first=first)
    rs = np.random.RandomState(3)
    X = rs.randint(-2, 3, size=(5, net.n_features)).astype(x_dtype)
    Y = np.eye(3)[rs.randint(0, 3, 5)]
    loss = get_loss("cross_entropy")
    want = net.loss_and_gradient(X.astype(np.float64), Y, loss, 0.1)
    want_grad = net.grad.copy()
    assert net.loss_and_gradient(X, Y, loss, 0.1) == pytest.approx(want, rel=1e-12)
    assert_allclose(net.grad, want_grad, rtol=1e-12, atol=1e-15)
    assert_allclose(net.predict(X), net.predict(X.astype(np.float64)), rtol=1e-12)


def test_float64_rows_into_a_float32_image_network(compute_backend):
    net32 = _cnn(np.float32)
    net64 = _cnn(np.float64)
    rs = np.random.RandomState(3)
    X = rs.normal(size=(5, net64.n_features))
    Y = np.eye(3)[rs.randint(0, 3, 5)]
    loss = get_loss("cross_entropy")
    want = net64.loss_and_gradient(X, Y, loss)
    assert net32.loss_and_gradient(X, Y, loss) == pytest.approx(want, rel=1e-4)
    assert_allclose(net32.predict(X), net64.predict(X), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [
    pytest.param(lambda: Dense(4, "tanh"), id="Dense"),
    pytest.param(lambda: Conv2D(1, 2, padding="same", activation="tanh"), id="Conv2D"),
])
def test_a_layer_instance_given_twice_is_refused_or_trains_correctly(make):
    """One layer object holds one set of weights views and one set of
    per-batch buffers: listed twice, either the network refuses it or its
    gradients must still be right; it may not silently backpropagate wrong
    gradients."""
    layer = make()
    shape = (4,) if isinstance(layer, Dense) else (3, 3, 1)
    hidden = [layer, layer] if isinstance(layer, Dense) else [layer, layer, Flatten()]
    try:
        net = Network([*hidden, Dense(2)], shape)
    except ValueError as error:  # refused: fine, if the message names the layer
        assert repr(layer) in str(error)
        return
    net.initialize(np.random.RandomState(0))
    rs = np.random.RandomState(1)
    X, Y = rs.normal(size=(5, net.n_features)), rs.normal(size=(5, 2))
    error, _, _ = check_gradients(net, X, Y, "squared_error")
    assert error < 1e-6
