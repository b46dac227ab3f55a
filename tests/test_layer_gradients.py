"""Finite-difference checks of backpropagation through every layer of
skdl.layers, alone and stacked, in float64 on both compute back-ends.

Every network is tiny (finite differences cost two passes per parameter).
Kinks: the hidden activations are smooth (tanh, sigmoid, softplus, gelu)
except in one ReLU case, and the inputs are continuous draws, so no
pre-activation sits within the step ``epsilon = 1e-6`` of ReLU's kink and no
pool window holds two maxima that close (a tie would make the maximum's
derivative one-sided); the data and seeds are fixed, so each check is
deterministic.
"""

import numpy as np
import pytest

from skdl import backend as backends
from skdl.gradcheck import check_gradients
from skdl.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from skdl.losses import get_loss
from skdl.network import Network

TOL = 1e-6


@pytest.fixture(params=["numpy", "numba"])
def compute_backend(request):
    if request.param not in backends.available():
        pytest.skip("numba is not installed: the NumPy back-end only")
    with backends.use(request.param):
        yield request.param


# id -> (hidden layers, input shape); the output Dense layer is added
STACKS = {
    "conv-s1-valid-C1": (lambda: [Conv2D(2, 3, activation="tanh"), Flatten()], (4, 4, 1)),
    "conv-s1-same-C3": (lambda: [Conv2D(2, 2, padding="same", activation="tanh"), Flatten()],
                        (3, 3, 3)),
    "conv-s2-valid-C3": (lambda: [Conv2D(3, 2, strides=2, activation="sigmoid"), Flatten()],
                         (5, 4, 3)),
    "conv-s2-same-C1": (lambda: [Conv2D(3, 3, strides=2, padding="same", activation="tanh"),
                                 Flatten()], (5, 5, 1)),
    "conv-nonsquare": (lambda: [Conv2D(2, (1, 3), strides=(2, 1), padding="same",
                                       activation="softplus"), Flatten()], (3, 4, 2)),
    "conv-relu": (lambda: [Conv2D(3, 2, activation="relu"), Flatten()], (3, 3, 2)),
    "conv-conv": (lambda: [Conv2D(2, 2, activation="tanh"),
                           Conv2D(2, 2, strides=2, padding="same", activation="gelu"),
                           Flatten()], (4, 4, 1)),
    "maxpool-overlap-valid": (lambda: [Conv2D(2, 2, activation="tanh"),
                                       MaxPool2D(2, strides=1), Flatten()], (4, 4, 1)),
    "maxpool-overlap-same": (lambda: [Conv2D(2, 2, activation="tanh"),
                                      MaxPool2D(3, strides=2, padding="same"), Flatten()],
                             (5, 5, 1)),
    "maxpool-gapped": (lambda: [Conv2D(1, 1, activation="tanh"),
                                MaxPool2D(2, strides=3), Flatten()], (5, 5, 2)),
    "avgpool-overlap-valid": (lambda: [Conv2D(2, 2, activation="tanh"),
                                       AvgPool2D(2, strides=1), Flatten()], (4, 4, 1)),
    "avgpool-overlap-same": (lambda: [Conv2D(2, 2, activation="tanh"),
                                      AvgPool2D((3, 2), strides=(2, 1), padding="same"),
                                      Flatten()], (5, 4, 1)),
    "pool-first": (lambda: [MaxPool2D(2, strides=1, padding="same"),
                            Conv2D(2, 2, activation="tanh"),
                            AvgPool2D(2, padding="same"), Flatten()], (4, 4, 2)),
    "flatten-dense": (lambda: [Flatten(), Dense(3, activation="tanh")], (2, 2, 2)),
    "dense": (lambda: [Dense(4, activation="tanh"), Dense(3, activation="softplus")], (5,)),
    "dropout": (lambda: [Dropout(0.0), Conv2D(2, 2, activation="tanh"), Dropout(0.5),
                         Flatten(), Dense(3, activation="tanh"), Dropout(0.3)], (3, 3, 1)),
}


def _network(stack, n_out, out_activation, seed=0):
    make, shape = STACKS[stack]
    net = Network([*make(), Dense(n_out, out_activation)], shape)
    net.initialize(np.random.RandomState(seed))
    return net


def _data(net, n=4, seed=1):
    rs = np.random.RandomState(seed)
    X = rs.normal(size=(n, net.n_features))
    return rs, X


@pytest.mark.parametrize("stack", list(STACKS))
@pytest.mark.parametrize("alpha, weighted", [(0.0, False), (0.3, True)],
                         ids=["plain", "alpha-weighted"])
def test_every_stack_backpropagates_exactly(compute_backend, stack, alpha, weighted):
    net = _network(stack, 3, "softmax")
    rs, X = _data(net)
    Y = np.eye(3)[rs.randint(0, 3, X.shape[0])]
    sample_weight = rs.uniform(0.2, 3.0, X.shape[0]) if weighted else None
    error, analytic, _ = check_gradients(net, X, Y, "cross_entropy", alpha=alpha,
                                         sample_weight=sample_weight)
    assert error < TOL
    assert np.count_nonzero(analytic) > analytic.size // 2  # not vacuous


@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss, out", [
    ("squared_error", "identity"),
    ("binary_cross_entropy", "sigmoid"),
    ("squared_error", "tanh"),  # no fused step: the generic path
])
def test_conv_pool_stack_with_each_loss(compute_backend, alpha, weighted, loss, out):
    net = _network("maxpool-overlap-same", 2, out)
    rs, X = _data(net, n=5)
    Y = (rs.randint(0, 2, size=(5, 2)).astype(float) if loss == "binary_cross_entropy"
         else rs.normal(size=(5, 2)))
    sample_weight = rs.uniform(0.0, 2.0, 5) if weighted else None
    error, _, _ = check_gradients(net, X, Y, loss, alpha=alpha, sample_weight=sample_weight)
    assert error < TOL


def test_zero_weights_are_rows_left_out(compute_backend):
    net = _network("avgpool-overlap-same", 2, "identity")
    rs, X = _data(net, n=6)
    Y = rs.normal(size=(6, 2))
    loss = get_loss("squared_error")
    w = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 1.0])
    value = net.loss_and_gradient(X, Y, loss, 0.2, w)
    grad = net.grad.copy()
    kept = w > 0
    assert net.loss_and_gradient(X[kept], Y[kept], loss, 0.2, w[kept]) == pytest.approx(value)
    np.testing.assert_allclose(net.grad, grad, rtol=1e-10, atol=1e-14)


def test_dropout_masks_backpropagate_exactly(compute_backend):
    """With the same generator state in every evaluation, the masks are
    fixed and the objective differentiable: finite differences through the
    drawn masks match backpropagation."""
    net = _network("dropout", 2, "identity")
    rs, X = _data(net, n=4)
    Y = rs.normal(size=(4, 2))
    loss = get_loss("squared_error")

    def objective():
        return net.loss_and_gradient(X, Y, loss, 0.1, dropout_rng=np.random.default_rng(3))

    objective()
    analytic = net.grad.copy()
    without = net.loss_and_gradient(X, Y, loss, 0.1)
    assert objective() != pytest.approx(without)  # the masks act
    saved = net.params.copy()
    numeric = np.empty_like(saved)
    for i in range(saved.size):
        net.params[i] = saved[i] + 1e-6
        up = objective()
        net.params[i] = saved[i] - 1e-6
        down = objective()
        net.params[i] = saved[i]
        numeric[i] = (up - down) / 2e-6
    error = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic)
                                                  + np.linalg.norm(numeric))
    assert error < TOL


@pytest.mark.parametrize("first", [3, 7, 2])
def test_buffers_grown_and_reused_give_fresh_gradients(compute_backend, first):
    """Batches of several sizes through one network (buffers grown for the
    larger, reused for the smaller) give the gradients of a fresh network."""
    net = _network("pool-first", 2, "identity")
    rs, X = _data(net, n=7)
    Y = rs.normal(size=(7, 2))
    loss = get_loss("squared_error")
    net.loss_and_gradient(X[:first], Y[:first], loss)
    for n in (5, 7, 1):
        value = net.loss_and_gradient(X[:n], Y[:n], loss, 0.1)
        fresh = _network("pool-first", 2, "identity")
        assert fresh.loss_and_gradient(X[:n], Y[:n], loss, 0.1) == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(net.grad, fresh.grad, rtol=1e-12, atol=1e-15)


def test_back_ends_agree_on_values_and_gradients():
    if len(backends.available()) < 2:
        pytest.skip("numba is not installed: the NumPy back-end only")
    results = []
    for name in ("numpy", "numba"):
        with backends.use(name):
            net = _network("pool-first", 3, "softmax")
            rs, X = _data(net, n=6)
            Y = np.eye(3)[rs.randint(0, 3, 6)]
            value = net.loss_and_gradient(X, Y, get_loss("cross_entropy"), 0.1)
            results.append((value, net.grad.copy(), net.predict(X)))
    (v1, g1, o1), (v2, g2, o2) = results
    assert v1 == pytest.approx(v2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(o1, o2, rtol=1e-12, atol=1e-15)
