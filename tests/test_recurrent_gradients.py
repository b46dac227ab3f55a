"""Finite-difference checks of backpropagation through time and through the
1-D layers (Conv1D, MaxPool1D, AvgPool1D), alone and stacked, in float64 on
both compute back-ends, with and without an L2 penalty and sample weights.

Every network is tiny (T <= 4, F <= 3, H <= 3): finite differences cost two
passes per parameter. The inputs are continuous draws and the seeds fixed,
so no pool window holds two maxima within the step ``epsilon = 1e-6`` of
each other and each check is deterministic.
"""

import numpy as np
import pytest

from skdl import backend as backends
from skdl.gradcheck import check_gradients
from skdl.layers import (
    GRU,
    LSTM,
    AvgPool1D,
    Conv1D,
    Dense,
    Dropout,
    Flatten,
    MaxPool1D,
    SimpleRNN,
)
from skdl.losses import get_loss
from skdl.network import Network

TOL = 1e-6


@pytest.fixture(params=["numpy", "numba"])
def compute_backend(request):
    if request.param not in backends.available():
        pytest.skip("numba is not installed: the NumPy back-end only")
    with backends.use(request.param):
        yield request.param


# id -> (hidden layers, input shape (timesteps, features)); the output Dense
# layer is added
STACKS = {
    "lstm-last": (lambda: [LSTM(3)], (4, 2)),
    "lstm-seq": (lambda: [LSTM(3, return_sequences=True), Flatten()], (4, 2)),
    "gru-last": (lambda: [GRU(3)], (4, 2)),
    "gru-seq": (lambda: [GRU(2, return_sequences=True), Flatten()], (3, 3)),
    "rnn-last": (lambda: [SimpleRNN(3)], (4, 2)),
    "rnn-seq": (lambda: [SimpleRNN(3, return_sequences=True), Flatten()], (4, 3)),
    "rnn-sigmoid": (lambda: [SimpleRNN(2, activation="sigmoid", return_sequences=True),
                             Flatten()], (3, 2)),
    "one-step": (lambda: [LSTM(2, return_sequences=True), GRU(2)], (1, 3)),
    "lstm-lstm": (lambda: [LSTM(2, return_sequences=True), LSTM(3)], (4, 2)),
    "gru-rnn-lstm": (lambda: [GRU(3, return_sequences=True),
                              SimpleRNN(2, return_sequences=True), LSTM(2)], (3, 2)),
    "lstm-gru-seq": (lambda: [LSTM(2, return_sequences=True),
                              GRU(2, return_sequences=True), Flatten(),
                              Dense(2, activation="tanh")], (4, 1)),
    "conv-s1-valid-lstm": (lambda: [Conv1D(2, 2, activation="tanh"), LSTM(2)], (4, 2)),
    "conv-s1-same-lstm": (lambda: [Conv1D(2, 3, padding="same", activation="tanh"),
                                   LSTM(2)], (4, 3)),
    "conv-s2-valid-lstm": (lambda: [Conv1D(3, 2, strides=2), LSTM(2)], (4, 2)),
    "conv-s2-same-lstm": (lambda: [Conv1D(2, 2, strides=2, padding="same",
                                          activation="softplus"), LSTM(3)], (3, 2)),
    "conv-s2-same-gru-seq": (lambda: [Conv1D(2, 3, strides=2, padding="same"),
                                      GRU(2, return_sequences=True), Flatten()], (4, 1)),
    "lstm-maxpool": (lambda: [LSTM(3, return_sequences=True), MaxPool1D(2), Flatten()],
                     (4, 2)),
    "lstm-maxpool-overlap-same": (lambda: [LSTM(2, return_sequences=True),
                                           MaxPool1D(3, strides=1, padding="same"),
                                           Flatten()], (4, 2)),
    "lstm-avgpool": (lambda: [LSTM(3, return_sequences=True), AvgPool1D(2), Flatten()],
                     (4, 2)),
    "gru-avgpool-same": (lambda: [GRU(2, return_sequences=True),
                                  AvgPool1D(3, strides=2, padding="same"), Flatten()],
                         (4, 2)),
    "conv-maxpool-rnn": (lambda: [Conv1D(2, 2, padding="same", activation="tanh"),
                                  MaxPool1D(2, padding="same"), SimpleRNN(2)], (3, 2)),
    "conv-avgpool-dense": (lambda: [Conv1D(3, 2, activation="gelu"),
                                    AvgPool1D(2, strides=1), Flatten(),
                                    Dense(2, activation="tanh")], (4, 2)),
    "pool-first-lstm": (lambda: [AvgPool1D(2, strides=1, padding="same"), LSTM(2)], (4, 2)),
    "dropout0-gru": (lambda: [Dropout(0.0), GRU(2), Dropout(0.5)], (3, 2)),
}


def _network(stack, n_out, out_activation, seed=0):
    make, shape = STACKS[stack]
    net = Network([*make(), Dense(n_out, out_activation)], shape)
    net.initialize(np.random.RandomState(seed))
    # biases at 0 (the recurrent layers' start) hide their gradients' errors
    # in a check: draw every weight
    rs = np.random.RandomState(seed + 10)
    net.params[:] = rs.normal(scale=0.7, size=net.params.size)
    return net


def _data(net, n=4, seed=1):
    rs = np.random.RandomState(seed)
    return rs, rs.normal(size=(n, net.n_features))


@pytest.mark.parametrize("stack", list(STACKS))
def test_every_stack_backpropagates_exactly(compute_backend, stack):
    """With an L2 penalty and sample weights (which the plain objective is
    a case of: tests/test_layer_gradients.py checks the penalty and the
    weights apart, through layers without time)."""
    net = _network(stack, 3, "softmax")
    rs, X = _data(net)
    Y = np.eye(3)[rs.randint(0, 3, X.shape[0])]
    sample_weight = rs.uniform(0.2, 3.0, X.shape[0])
    error, analytic, _ = check_gradients(net, X, Y, "cross_entropy", alpha=0.3,
                                         sample_weight=sample_weight)
    assert error < TOL
    assert np.count_nonzero(analytic) > analytic.size // 2  # not vacuous


@pytest.mark.parametrize("stack", ["gru-seq", "rnn-last", "lstm-maxpool"])
@pytest.mark.parametrize("loss, out", [
    ("squared_error", "identity"),
    ("binary_cross_entropy", "sigmoid"),
    ("squared_error", "tanh"),  # no fused step: the generic path
])
def test_recurrent_stacks_with_each_loss(compute_backend, stack, loss, out):
    net = _network(stack, 2, out)
    rs, X = _data(net, n=5)
    Y = (rs.randint(0, 2, size=(5, 2)).astype(float) if loss == "binary_cross_entropy"
         else rs.normal(size=(5, 2)))
    error, _, _ = check_gradients(net, X, Y, loss, alpha=0.2,
                                  sample_weight=rs.uniform(0.0, 2.0, 5))
    assert error < TOL


@pytest.mark.parametrize("stack", ["lstm-last", "gru-seq", "rnn-seq"])
def test_each_weight_array_is_checked(compute_backend, stack):
    """The kernel, the recurrent kernel and the bias each get their own
    exact gradient, not only the vector as a whole."""
    net = _network(stack, 2, "identity")
    rs, X = _data(net, n=3)
    Y = rs.normal(size=(3, 2))
    _, analytic, numeric = check_gradients(net, X, Y, "squared_error", alpha=0.1)
    for a, b in zip(net.weight_views(analytic)[0], net.weight_views(numeric)[0]):
        assert np.linalg.norm(a - b) <= TOL * (np.linalg.norm(a) + np.linalg.norm(b))
        assert np.any(a != 0)


def test_zero_weights_are_rows_left_out(compute_backend):
    net = _network("lstm-gru-seq", 2, "identity")
    rs, X = _data(net, n=6)
    Y = rs.normal(size=(6, 2))
    loss = get_loss("squared_error")
    w = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 1.0])
    value = net.loss_and_gradient(X, Y, loss, 0.2, w)
    grad = net.grad.copy()
    kept = w > 0
    assert net.loss_and_gradient(X[kept], Y[kept], loss, 0.2, w[kept]) == pytest.approx(value)
    np.testing.assert_allclose(net.grad, grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("stack", ["gru-rnn-lstm", "conv-maxpool-rnn", "lstm-avgpool"])
@pytest.mark.parametrize("first", [3, 7, 2])
def test_buffers_grown_and_reused_give_fresh_gradients(compute_backend, stack, first):
    """Batches of several sizes through one network (buffers grown for the
    larger, reused for the smaller) give the gradients of a fresh network."""
    net = _network(stack, 2, "identity")
    rs, X = _data(net, n=7)
    Y = rs.normal(size=(7, 2))
    loss = get_loss("squared_error")
    net.loss_and_gradient(X[:first], Y[:first], loss)
    for n in (5, 7, 1):
        value = net.loss_and_gradient(X[:n], Y[:n], loss, 0.1)
        fresh = _network(stack, 2, "identity")
        assert fresh.loss_and_gradient(X[:n], Y[:n], loss, 0.1) == pytest.approx(value,
                                                                                 rel=1e-12)
        np.testing.assert_allclose(net.grad, fresh.grad, rtol=1e-12, atol=1e-15)
        # and the training pass's output is the prediction's
        np.testing.assert_allclose(net.predict(X[:n]), fresh.predict(X[:n]), rtol=1e-13)


@pytest.mark.parametrize("stack", ["lstm-gru-seq", "conv-maxpool-rnn"])
def test_back_ends_agree_on_values_and_gradients(stack):
    if len(backends.available()) < 2:
        pytest.skip("numba is not installed: the NumPy back-end only")
    results = []
    for name in ("numpy", "numba"):
        with backends.use(name):
            net = _network(stack, 3, "softmax")
            rs, X = _data(net, n=6)
            Y = np.eye(3)[rs.randint(0, 3, 6)]
            value = net.loss_and_gradient(X, Y, get_loss("cross_entropy"), 0.1)
            results.append((value, net.grad.copy(), net.predict(X)))
    (v1, g1, o1), (v2, g2, o2) = results
    assert v1 == pytest.approx(v2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(o1, o2, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("stack", ["lstm-seq", "gru-last", "conv-s1-same-lstm"])
def test_float32_gradients_follow_float64(compute_backend, stack):
    """A float32 network's gradient is the float64 one to float32 precision."""
    make, shape = STACKS[stack]
    grads = []
    for dtype in (np.float64, np.float32):
        net = Network([*make(), Dense(2)], shape, dtype=dtype)
        net.params[:] = np.random.RandomState(10).normal(scale=0.7, size=net.params.size)
        rs, X = _data(net, n=5)
        Y = rs.normal(size=(5, 2))
        net.loss_and_gradient(X.astype(dtype), Y.astype(dtype), get_loss("squared_error"), 0.1)
        grads.append(net.grad.astype(np.float64))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layer", [LSTM(2), GRU(2), SimpleRNN(2), Conv1D(2, 2)])
def test_l2_penalty_covers_both_kernels_but_not_the_biases(layer):
    """The penalty is alpha / (2 n) times the squares of every kernel (the
    recurrent kernels included) and never a bias, as for Dense and Conv2D."""
    head = [Flatten()] if isinstance(layer, Conv1D) else []
    net = Network([layer, *head, Dense(1)], (3, 2))
    net.params[:] = np.random.RandomState(0).normal(size=net.params.size)
    X = np.random.RandomState(1).normal(size=(4, 6))
    Y = np.zeros((4, 1))
    loss = get_loss("squared_error")
    plain = net.loss_and_gradient(X, Y, loss, 0.0)
    grad_plain = net.grad.copy()
    penalised = net.loss_and_gradient(X, Y, loss, 0.8)
    kernels_ = [w for lay in net.layers for w, s in zip(lay.weights, lay.weight_specs())
                if s.penalised]
    names = [s.name for s in layer.weight_specs() if s.penalised]
    assert names == (["kernel", "recurrent_kernel"] if not isinstance(layer, Conv1D)
                     else ["kernel"])
    squares = sum(float(np.sum(w ** 2)) for w in kernels_)
    assert penalised - plain == pytest.approx(0.5 * 0.8 * squares / 4, rel=1e-12)
    extra = net.weight_views(net.grad - grad_plain)[0]
    for spec, g, w in zip(layer.weight_specs(), extra, layer.weights):
        np.testing.assert_allclose(g, 0.8 / 4 * w if spec.penalised else 0.0, rtol=1e-10,
                                   atol=1e-14)


# Masked stacks: an Embedding(mask_zero=True) first, ids with padding before,
# after and inside the rows (and one row all padding), so that masked steps
# carry the state and its gradient at the start, the end and between steps.
MASKED_STACKS = {
    "lstm-last": lambda: [LSTM(3)],
    "gru-seq": lambda: [GRU(2, return_sequences=True), Flatten()],
    "rnn-seq-lstm": lambda: [SimpleRNN(2, return_sequences=True), LSTM(2)],
}


@pytest.mark.parametrize("stack", list(MASKED_STACKS))
def test_masked_stacks_backpropagate_exactly(compute_backend, stack):
    from skdl.layers import Embedding

    net = Network([Embedding(5, 2, mask_zero=True), *MASKED_STACKS[stack](),
                   Dense(2, "softmax")], (5,))
    net.initialize(np.random.RandomState(0))
    rs = np.random.RandomState(10)
    net.params[:] = rs.normal(scale=0.7, size=net.params.size)
    X = np.array([[0, 0, 3, 1, 4], [2, 4, 1, 0, 0], [1, 0, 2, 0, 3], [0, 0, 0, 0, 0],
                  [3, 1, 4, 2, 1]], dtype=float)
    Y = np.eye(2)[[0, 1, 1, 0, 1]]
    error, analytic, _ = check_gradients(net, X, Y, "cross_entropy", alpha=0.3)
    assert error < TOL
    assert np.count_nonzero(analytic) > analytic.size // 3
