"""Tests of the shared engine :class:`skdl.network.Network`.

References used here are independent of skdl: plain NumPy/SciPy
re-implementations of the activations, losses and forward pass written in this
file, scikit-learn's own MLP internals (``_init_coef``, ``_forward_pass_fast``,
``_backprop``) and finite differences.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
import scipy.sparse as sp
from scipy.special import logsumexp, ndtr, xlogy
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skdl import backend as backends
from skdl.activations import ReLU, Softmax, get_activation
from skdl.losses import get_loss
from skdl.layers import Dense, Dropout, Flatten
from skdl.mlp_network import MLPNetwork, predict_dense
from skdl.network import Network

from cases import ACTIVATION_NAMES, LOSS_OUTPUT_PAIRS

ALL_ACTIVATIONS = ACTIVATION_NAMES


# ------------------------------------------------------------ references
def ref_activation(name, z):
    z = np.asarray(z, dtype=np.float64)
    return {
        "identity": lambda: z.copy(),
        "step": lambda: (z >= 0).astype(np.float64),
        "sigmoid": lambda: 1.0 / (1.0 + np.exp(-z)),
        "softmax": lambda: np.exp(z - logsumexp(z, axis=1, keepdims=True)),
        "tanh": lambda: np.tanh(z),
        "relu": lambda: np.maximum(z, 0.0),
        "leaky_relu": lambda: np.where(z > 0, z, 0.01 * z),
        "elu": lambda: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1.0),
        "gelu": lambda: z * ndtr(z),
        "softplus": lambda: np.log1p(np.exp(z)),
        "exp": lambda: np.exp(z),
    }[name]()


SHAPES_REFUSED = r"Network.set_weights got arrays of shapes .*, but the network needs"
"""How Network.set_weights refuses weights of the wrong number or shapes."""


def ref_forward(X, coefs, intercepts, names):
    """Plain NumPy forward pass in float64; returns (output, output logits)."""
    a = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    for W, b, name in zip(coefs, intercepts, names):
        z = a @ np.asarray(W, np.float64) + np.asarray(b, np.float64)
        a = ref_activation(name, z)
    return a, z


def ref_per_sample_loss(name, y, out):
    r = out - y
    s = 2 * y - 1
    if name == "squared_error":
        v = 0.5 * r**2
    elif name == "absolute_error":
        v = np.abs(r)
    elif name == "huber":
        v = np.where(np.abs(r) <= 1.0, 0.5 * r**2, np.abs(r) - 0.5)
    elif name == "poisson":
        v = xlogy(y, y) - xlogy(y, out) - y + out
    elif name == "binary_cross_entropy":
        v = -(xlogy(y, out) + xlogy(1 - y, 1 - out))
    elif name == "cross_entropy":
        v = -xlogy(y, out)
    elif name == "hinge":
        v = np.maximum(0.0, 1.0 - s * out)
    elif name == "perceptron":
        v = np.maximum(0.0, -s * out)
    else:
        raise KeyError(name)
    return v.sum(axis=1)


def make_net(sizes, hidden, out, dtype=np.float64, seed=0):
    acts = [get_activation(hidden) for _ in sizes[1:-1]] + [get_activation(out)]
    net = MLPNetwork.from_sizes(sizes, acts, dtype)
    net.initialize(np.random.RandomState(seed))
    return net


def make_targets(loss_name, out_name, n, k, rs):
    if out_name == "softmax":
        return np.eye(k)[rs.randint(0, k, n)]
    if loss_name == "poisson":
        return rs.randint(0, 5, size=(n, k)).astype(np.float64)
    if out_name == "sigmoid" or loss_name in ("hinge", "perceptron"):
        return rs.randint(0, 2, size=(n, k)).astype(np.float64)
    return rs.normal(scale=1.5, size=(n, k))


def finite_difference(net, X, Y, loss, alpha=0.0, sample_weight=None, eps=1e-6):
    saved = net.params.copy()
    numeric = np.empty(saved.size)
    for i in range(saved.size):
        net.params[i] = saved[i] + eps
        up = net.loss_and_gradient(X, Y, loss, alpha, sample_weight)
        net.params[i] = saved[i] - eps
        down = net.loss_and_gradient(X, Y, loss, alpha, sample_weight)
        net.params[i] = saved[i]
        numeric[i] = (up - down) / (2 * eps)
    return numeric


# ------------------------------------------------------------ flat layout
LAYOUTS = [[4, 5, 3, 2], [3, 1], [2, 7, 4], [6, 3, 3, 3, 5]]


@pytest.mark.parametrize("sizes", LAYOUTS)
def test_flat_layout_coefs_then_intercepts(sizes):
    net = MLPNetwork.from_sizes(sizes, [get_activation("tanh")] * (len(sizes) - 1))
    shapes = list(zip(sizes[:-1], sizes[1:]))
    n_coef = sum(a * b for a, b in shapes)
    assert net.n_coef_params == n_coef
    assert net.params.shape == net.grad.shape == (n_coef + sum(sizes[1:]),)
    assert len(net.dense_layers) == len(sizes) - 1

    net.params[:] = np.arange(net.params.size)
    start = 0
    for coef, (a, b) in zip(net.coefs, shapes):
        np.testing.assert_array_equal(
            coef, np.arange(start, start + a * b).reshape(a, b)
        )
        start += a * b
    for intercept, (_, b) in zip(net.intercepts, shapes):
        np.testing.assert_array_equal(intercept, np.arange(start, start + b))
        start += b
    assert start == net.params.size


@pytest.mark.parametrize("sizes", LAYOUTS)
def test_views_share_memory_with_flat_vectors(sizes):
    net = MLPNetwork.from_sizes(sizes, [get_activation("tanh")] * (len(sizes) - 1))
    for view in net.coefs + net.intercepts:
        assert np.shares_memory(view, net.params)
    for view in net.coef_grads + net.intercept_grads:
        assert np.shares_memory(view, net.grad)
    # writes through a view land in the flat vector and vice versa
    net.coefs[-1][-1, -1] = 7.5
    offset = net.n_coef_params - 1
    assert net.params[offset] == 7.5
    net.params[-1] = -3.0
    assert net.intercepts[-1][-1] == -3.0
    net.grad[net.n_coef_params] = 4.0
    assert net.intercept_grads[0][0] == 4.0
    net.coef_grads[0][0, 0] = 2.0
    assert net.grad[0] == 2.0


def test_gradient_views_hold_per_layer_gradients():
    rs = np.random.RandomState(0)
    X, Y = rs.normal(size=(9, 4)), rs.normal(size=(9, 2))
    net = make_net([4, 5, 3, 2], "tanh", "identity")
    net.loss_and_gradient(X, Y, get_loss("squared_error"))
    numeric = finite_difference(net, X, Y, get_loss("squared_error"))
    net.loss_and_gradient(X, Y, get_loss("squared_error"))
    flat = np.concatenate([g.ravel() for g in net.coef_grads + net.intercept_grads])
    np.testing.assert_array_equal(flat, net.grad)
    np.testing.assert_allclose(net.grad, numeric, rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------ initialize
def _glorot_reference(sizes, factor, seed, dtype=np.float64):
    """Our own Glorot draw: per layer, coefficients then intercepts."""
    rs = np.random.RandomState(seed)
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rs.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
        intercepts.append(rs.uniform(-bound, bound, fan_out).astype(dtype))
    return coefs, intercepts


@pytest.mark.parametrize(
    "hidden, factor",
    [("sigmoid", 2.0), ("logistic", 2.0), ("relu", 6.0), ("tanh", 6.0), ("identity", 6.0)],
)
def test_glorot_bounds(hidden, factor):
    sizes = [30, 20, 10, 4]
    net = make_net(sizes, hidden, "softmax", seed=3)
    for coef, intercept, (fan_in, fan_out) in zip(
        net.coefs, net.intercepts, zip(sizes[:-1], sizes[1:])
    ):
        bound = np.sqrt(factor / (fan_in + fan_out))
        assert np.abs(coef).max() <= bound
        assert np.abs(intercept).max() <= bound
        # uniform over the whole interval, not a narrower one
        assert np.abs(coef).max() > 0.9 * bound
        assert coef.min() < 0 < coef.max()


@pytest.mark.parametrize("seed", [0, 1, 42])
@pytest.mark.parametrize(
    "hidden, factor, out",
    [
        ("sigmoid", 2.0, "softmax"),
        ("sigmoid", 2.0, "sigmoid"),
        ("relu", 6.0, "sigmoid"),
        ("tanh", 6.0, "identity"),
        ("gelu", 6.0, "softmax"),
    ],
)
def test_glorot_draw_order_matches_reference(seed, hidden, factor, out):
    sizes = [4, 6, 5, 3]
    net = make_net(sizes, hidden, out, seed=seed)
    coefs, intercepts = _glorot_reference(sizes, factor, seed)
    for got, want in zip(net.coefs + net.intercepts, coefs + intercepts):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize(
    "sk_activation, hidden, out",
    [
        ("logistic", "sigmoid", "softmax"),
        ("logistic", "sigmoid", "sigmoid"),
        ("relu", "relu", "sigmoid"),
        ("tanh", "tanh", "softmax"),
        ("identity", "identity", "identity"),
    ],
)
def test_initial_weights_equal_sklearn_mlp(dtype, seed, sk_activation, hidden, out):
    """Same RandomState seed -> the weights scikit-learn's MLP would draw."""
    sizes = [4, 6, 5, 3]
    net = make_net(sizes, hidden, out, dtype=dtype, seed=seed)
    clf = MLPClassifier(activation=sk_activation)
    clf._random_state = np.random.RandomState(seed)
    for i in range(len(sizes) - 1):
        coef, intercept = clf._init_coef(sizes[i], sizes[i + 1], dtype)
        assert net.coefs[i].dtype == coef.dtype
        np.testing.assert_array_equal(net.coefs[i], coef)
        np.testing.assert_array_equal(net.intercepts[i], intercept)


def test_zeros_scheme():
    net = make_net([4, 5, 3], "relu", "softmax", seed=0)
    assert np.any(net.params != 0)
    params_obj = net.params
    net.initialize(np.random.RandomState(0), scheme="zeros")
    assert net.params is params_obj
    assert not np.any(net.params)
    assert all(not c.any() for c in net.coefs)


# ------------------------------------------------------------ forward
@pytest.mark.parametrize("out", ["identity", "softmax", "sigmoid", "exp", "step"])
@pytest.mark.parametrize("hidden", ALL_ACTIVATIONS)
def test_forward_equals_numpy_reference(hidden, out):
    rs = np.random.RandomState(0)
    X = rs.uniform(-1, 1, size=(8, 4))
    X_copy = X.copy()
    net = make_net([4, 5, 3, 3], hidden, out, seed=1)
    params = net.params.copy()
    want, want_z = ref_forward(X, net.coefs, net.intercepts, [hidden, hidden, out])

    got = net.predict(X)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    got2, z = net.predict(X, return_logits=True)
    np.testing.assert_allclose(got2, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(z, want_z, rtol=1e-12, atol=1e-15)
    # module-level function agrees
    np.testing.assert_array_equal(
        predict_dense(X, net.coefs, net.intercepts, net.activations), got
    )
    # nothing was overwritten; outputs are fresh arrays
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(net.params, params)
    assert not np.shares_memory(got, net.params)
    assert not np.shares_memory(got, got2)


@pytest.mark.parametrize(
    "sk_activation, hidden", [("identity", "identity"), ("logistic", "sigmoid"),
                              ("tanh", "tanh"), ("relu", "relu")]
)
@pytest.mark.parametrize(
    "sk_out, out", [("softmax", "softmax"), ("logistic", "sigmoid"), ("identity", "identity")]
)
def test_forward_equals_sklearn_forward_pass(sk_activation, hidden, sk_out, out):
    rs = np.random.RandomState(1)
    X = rs.normal(size=(10, 4))
    net = make_net([4, 6, 5, 3], hidden, out, seed=2)
    clf = MLPClassifier(activation=sk_activation)
    clf.coefs_ = [c.copy() for c in net.coefs]
    clf.intercepts_ = [b.copy() for b in net.intercepts]
    clf.n_layers_ = 4
    clf.out_activation_ = sk_out
    want = clf._forward_pass_fast(X, check_input=False)
    np.testing.assert_allclose(net.predict(X), want, rtol=1e-12, atol=1e-15)


def test_forward_with_user_activation():
    class Softsign:
        def value(self, z):
            return z / (1 + np.abs(z))

        def derivative(self, z, a):
            return 1 / (1 + np.abs(z)) ** 2

    rs = np.random.RandomState(0)
    X, Y = rs.normal(size=(7, 4)), rs.normal(size=(7, 2))
    act = get_activation(Softsign())
    net = MLPNetwork.from_sizes([4, 5, 3, 2], [act, act, get_activation("identity")])
    net.initialize(np.random.RandomState(0))
    a = X
    for i, (W, b) in enumerate(zip(net.coefs, net.intercepts)):
        z = a @ W + b
        a = z / (1 + np.abs(z)) if i < 2 else z
    np.testing.assert_allclose(net.predict(X), a, rtol=1e-12)
    # and the buffered training pass backpropagates through it correctly
    loss = get_loss("squared_error")
    numeric = finite_difference(net, X, Y, loss)
    net.loss_and_gradient(X, Y, loss)
    np.testing.assert_allclose(net.grad, numeric, rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------ loss value
@pytest.mark.parametrize("loss_name, out", LOSS_OUTPUT_PAIRS)
@pytest.mark.parametrize("alpha", [0.0, 0.7])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_and_gradient_value(loss_name, out, alpha, weighted):
    rs = np.random.RandomState(4)
    n, k = 9, (3 if out == "softmax" else 2)
    X = rs.normal(size=(n, 4))
    Y = make_targets(loss_name, out, n, k, rs)
    net = make_net([4, 5, k], "tanh", out, seed=5)
    # large intercepts: they must not enter the penalty
    for b in net.intercepts:
        b += 0.5 * np.sign(rs.normal(size=b.shape))
    sw = rs.uniform(0.1, 3.0, n) if weighted else None
    loss = get_loss(loss_name)
    value = net.loss_and_gradient(X, Y, loss, alpha=alpha, sample_weight=sw)

    out_ref, _ = ref_forward(X, net.coefs, net.intercepts, ["tanh", out])
    per_sample = ref_per_sample_loss(loss_name, Y, out_ref)
    w = np.ones(n) if sw is None else sw
    coef_sq = sum(np.sum(c.astype(np.float64) ** 2) for c in net.coefs)
    expected = np.dot(per_sample, w) / w.sum() + alpha / (2 * w.sum()) * coef_sq
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-10)
    # also equal to loss.value on the engine's forward output plus the penalty
    via_loss = loss.value(Y, net.predict(X), sw) + alpha / (2 * w.sum()) * coef_sq
    assert value == pytest.approx(via_loss, rel=1e-10)


@pytest.mark.parametrize(
    "sk_activation, hidden", [("logistic", "sigmoid"), ("tanh", "tanh"), ("relu", "relu")]
)
@pytest.mark.parametrize("case", ["softmax", "binary", "regression"])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_and_gradient_equal_sklearn_backprop(sk_activation, hidden, case, weighted):
    rs = np.random.RandomState(2)
    n = 11
    X = rs.normal(size=(n, 4))
    alpha = 0.3
    if case == "softmax":
        Y, out, sk_out, est = np.eye(3)[rs.randint(0, 3, n)], "softmax", "softmax", MLPClassifier
        loss_name = "cross_entropy"
    elif case == "binary":
        Y, out, sk_out, est = rs.randint(0, 2, (n, 1)).astype(float), "sigmoid", "logistic", MLPClassifier
        loss_name = "binary_cross_entropy"
    else:
        # one output: scikit-learn's squared loss averages over outputs too
        Y, out, sk_out, est = rs.normal(size=(n, 1)), "identity", "identity", MLPRegressor
        loss_name = "squared_error"
    sw = rs.uniform(0.2, 2.0, n) if weighted else None
    net = make_net([4, 6, 5, Y.shape[1]], hidden, out, seed=3)
    value = net.loss_and_gradient(X, Y, get_loss(loss_name), alpha=alpha, sample_weight=sw)

    sk = est(activation=sk_activation, alpha=alpha)
    sk.coefs_ = [c.copy() for c in net.coefs]
    sk.intercepts_ = [b.copy() for b in net.intercepts]
    sk.n_layers_ = 4
    sk.out_activation_ = sk_out
    L = 3
    sk_value, coef_grads, intercept_grads = sk._backprop(
        X, Y, sw, [X] + [None] * L, [None] * L, [None] * L, [None] * L
    )
    assert value == pytest.approx(sk_value, rel=1e-10)
    for got, want in zip(net.coef_grads + net.intercept_grads, coef_grads + intercept_grads):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("alpha", [0.0, 0.4])
def test_integer_sample_weight_equals_repeated_rows(alpha):
    rs = np.random.RandomState(5)
    X, Y = rs.normal(size=(6, 4)), np.eye(3)[rs.randint(0, 3, 6)]
    w = np.array([1, 3, 0, 2, 1, 4])
    loss = get_loss("cross_entropy")
    net = make_net([4, 5, 3], "relu", "softmax", seed=0)
    v_w = net.loss_and_gradient(X, Y, loss, alpha, w.astype(float))
    g_w = net.grad.copy()
    v_r = net.loss_and_gradient(np.repeat(X, w, axis=0), np.repeat(Y, w, axis=0), loss, alpha)
    assert v_w == pytest.approx(v_r, rel=1e-12)
    np.testing.assert_allclose(g_w, net.grad, rtol=1e-10, atol=1e-14)


# ------------------------------------------------------------ fused path
class _WrappedLoss:
    """A user loss delegating to a built-in one: forces the generic path."""

    def __init__(self, name):
        self.inner = get_loss(name)

    def value(self, y, out, sample_weight=None):
        return self.inner.value(y, out, sample_weight)

    def gradient(self, y, out):
        return self.inner.gradient(y, out)


class _WrappedActivation:
    """A user activation delegating to a built-in elementwise one."""

    def __init__(self, name):
        self.inner = get_activation(name)

    def value(self, z):
        return self.inner.value(z)

    def derivative(self, z, a):
        return self.inner.derivative(z, a)


CANONICAL = [
    ("cross_entropy", "softmax", "loss"),
    ("binary_cross_entropy", "sigmoid", "loss"),
    ("binary_cross_entropy", "sigmoid", "activation"),
    ("squared_error", "identity", "loss"),
    ("squared_error", "identity", "activation"),
    ("poisson", "exp", "loss"),
    ("poisson", "exp", "activation"),
]


@pytest.mark.parametrize("loss_name, out, wrap", CANONICAL)
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_path_equals_generic_path(loss_name, out, wrap, weighted):
    rs = np.random.RandomState(6)
    n, k = 10, 3
    X = rs.normal(size=(n, 4))
    Y = make_targets(loss_name, out, n, k, rs)
    sw = rs.uniform(0.2, 2.0, n) if weighted else None
    fused = make_net([4, 5, 4, k], "tanh", out, seed=8)
    if wrap == "loss":
        generic = MLPNetwork.from_sizes(fused.layer_sizes, fused.activations)
        generic_loss = get_loss(_WrappedLoss(loss_name))
    else:
        generic = MLPNetwork.from_sizes(
            fused.layer_sizes,
            fused.activations[:-1] + [get_activation(_WrappedActivation(out))],
        )
        generic_loss = get_loss(loss_name)
    generic.params[:] = fused.params
    v_fused = fused.loss_and_gradient(X, Y, get_loss(loss_name), 0.2, sw)
    v_generic = generic.loss_and_gradient(X, Y, generic_loss, 0.2, sw)
    assert v_fused == pytest.approx(v_generic, rel=1e-10)
    np.testing.assert_allclose(fused.grad, generic.grad, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("loss_name, out", [("cross_entropy", "softmax"),
                                            ("binary_cross_entropy", "sigmoid")])
def test_fused_value_is_clipped_as_scikit_learns_for_saturated_logits(loss_name, out):
    # With huge logits the probabilities round to 0/1; the fused path reports
    # the log loss of the probabilities clipped to [eps, 1 - eps], as
    # scikit-learn does, and its gradient p - y stays finite
    rs = np.random.RandomState(0)
    X = rs.normal(size=(8, 3))
    net = MLPNetwork.from_sizes([3, 3], [get_activation(out)])
    net.set_weights([rs.normal(scale=200.0, size=(3, 3)), np.zeros(3)])
    z = X @ net.coefs[0]
    eps = np.finfo(np.float64).eps
    # make every sample badly wrong so losses are large
    if out == "softmax":
        Y = np.eye(3)[np.argmin(z, axis=1)]
        p = np.clip(np.exp(z - logsumexp(z, axis=1, keepdims=True)), eps, 1 - eps)
        expected = np.mean(-np.sum(Y * np.log(p), axis=1))
    else:
        Y = (z < 0).astype(float)
        p = np.clip(1 / (1 + np.exp(-z)), eps, 1 - eps)
        expected = np.mean(-np.sum(Y * np.log(p) + (1 - Y) * np.log(1 - p), axis=1))
    value = net.loss_and_gradient(X, Y, get_loss(loss_name))
    assert value == pytest.approx(expected, rel=1e-12)
    assert value <= -np.log(eps) * Y.shape[1]
    assert np.all(np.isfinite(net.grad))


# ------------------------------------------------------------ dtypes
@pytest.mark.parametrize("hidden, loss_name, out", [
    ("relu", "cross_entropy", "softmax"),
    ("tanh", "squared_error", "identity"),
    ("gelu", "huber", "identity"),
    ("sigmoid", "binary_cross_entropy", "sigmoid"),
])
def test_float32_network(hidden, loss_name, out):
    rs = np.random.RandomState(0)
    n, k = 12, 3
    X = rs.normal(size=(n, 4)).astype(np.float32)
    Y = make_targets(loss_name, out, n, k, rs).astype(np.float32)
    net32 = make_net([4, 6, 5, k], hidden, out, dtype=np.float32, seed=1)
    net64 = make_net([4, 6, 5, k], hidden, out, dtype=np.float64, seed=1)
    net64.params[:] = net32.params  # same (float32-representable) weights

    assert net32.params.dtype == net32.grad.dtype == np.float32
    assert all(c.dtype == np.float32 for c in net32.coefs + net32.intercepts)
    out32, z32 = net32.predict(X, return_logits=True)
    assert out32.dtype == z32.dtype == np.float32
    np.testing.assert_allclose(out32, net64.predict(X.astype(np.float64)), rtol=1e-4, atol=1e-5)

    v32 = net32.loss_and_gradient(X, Y, get_loss(loss_name), alpha=0.1)
    v64 = net64.loss_and_gradient(X.astype(np.float64), Y.astype(np.float64),
                                  get_loss(loss_name), alpha=0.1)
    assert net32.grad.dtype == np.float32
    assert v32 == pytest.approx(v64, rel=1e-4)
    np.testing.assert_allclose(net32.grad, net64.grad, rtol=1e-3, atol=1e-5)


# ------------------------------------------------------------ buffers
def test_buffers_reused_for_smaller_and_grown_for_larger_batches():
    rs = np.random.RandomState(0)
    X, Y = rs.normal(size=(20, 4)), np.eye(3)[rs.randint(0, 3, 20)]
    loss = get_loss("cross_entropy")
    net = make_net([4, 5, 4, 3], "relu", "softmax", seed=2)

    def fresh_result(rows, sw=None):
        fresh = MLPNetwork.from_sizes(net.layer_sizes, net.activations)
        fresh.params[:] = net.params
        return fresh.loss_and_gradient(X[rows], Y[rows], loss, 0.1, sw), fresh.grad.copy()

    batches = [slice(0, 8), slice(8, 11), slice(3, 11), slice(0, 1), slice(0, 13),
               slice(13, 20), slice(5, 18)]
    capacity = 0
    buffers = None
    for rows in batches:
        n = rows.stop - rows.start
        value = net.loss_and_gradient(X[rows], Y[rows], loss, 0.1)
        want_value, want_grad = fresh_result(rows)
        assert value == pytest.approx(want_value, rel=1e-13)
        np.testing.assert_allclose(net.grad, want_grad, rtol=1e-12, atol=1e-15)
        if n <= capacity:
            # reused, not reallocated
            assert all(layer.scratch.z is b for layer, b in zip(net.layers, buffers))
        else:
            capacity = n
            buffers = [layer.scratch.z for layer in net.layers]
        assert net.scratch.capacity == capacity
        assert net.layers[0].scratch.z.shape[0] == capacity


# ------------------------------------------------------------ sparse input
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array, sp.csc_matrix])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_input_equals_dense(container, weighted):
    rs = np.random.RandomState(0)
    X = rs.normal(size=(10, 6))
    X[rs.rand(10, 6) < 0.6] = 0.0
    Y = np.eye(3)[rs.randint(0, 3, 10)]
    sw = rs.uniform(0.5, 2.0, 10) if weighted else None
    loss = get_loss("cross_entropy")
    net = make_net([6, 5, 3], "tanh", "softmax", seed=0)
    v_dense = net.loss_and_gradient(X, Y, loss, 0.2, sw)
    g_dense = net.grad.copy()
    Xs = container(X)
    v_sparse = net.loss_and_gradient(Xs, Y, loss, 0.2, sw)
    assert v_sparse == pytest.approx(v_dense, rel=1e-13)
    np.testing.assert_allclose(net.grad, g_dense, rtol=1e-12, atol=1e-15)
    out = net.predict(Xs)
    assert isinstance(out, np.ndarray) and not isinstance(out, np.matrix)
    np.testing.assert_allclose(out, net.predict(X), rtol=1e-12)


# ------------------------------------------------------------ validation
def test_set_weights_copies_values():
    net = MLPNetwork.from_sizes([4, 5, 2], [get_activation("relu"), get_activation("identity")])
    rs = np.random.RandomState(0)
    coefs = [rs.normal(size=(4, 5)), rs.normal(size=(5, 2))]
    intercepts = [rs.normal(size=5), rs.normal(size=2)]
    net.set_weights([coefs[0], intercepts[0], coefs[1], intercepts[1]])
    np.testing.assert_array_equal(
        net.params, np.concatenate([c.ravel() for c in coefs + intercepts])
    )
    coefs[0][0, 0] = 123.0  # a copy, not a reference
    assert net.coefs[0][0, 0] != 123.0


@pytest.mark.parametrize("bad", ["transposed_coef", "short_intercept", "extra_row"])
def test_set_weights_shape_mismatch_raises(bad):
    net = MLPNetwork.from_sizes([4, 5, 2], [get_activation("relu"), get_activation("identity")])
    coefs = [np.ones((4, 5)), np.ones((5, 2))]
    intercepts = [np.ones(5), np.ones(2)]
    if bad == "transposed_coef":
        coefs[1] = np.ones((2, 5))
    elif bad == "short_intercept":
        intercepts[0] = np.ones(4)
    else:
        coefs[0] = np.ones((5, 5))
    with pytest.raises(ValueError, match=SHAPES_REFUSED):
        net.set_weights([coefs[0], intercepts[0], coefs[1], intercepts[1]])


@pytest.mark.parametrize("missing", ["last_intercept", "all_intercepts"])
def test_set_weights_missing_layer_raises(missing):
    net = MLPNetwork.from_sizes([4, 5, 2], [get_activation("relu"), get_activation("identity")])
    coefs = [np.ones((4, 5)), np.ones((5, 2))]
    weights = [coefs[0], np.ones(5), coefs[1]] if missing == "last_intercept" else coefs
    with pytest.raises(ValueError, match=SHAPES_REFUSED):
        net.set_weights(weights)


@pytest.mark.parametrize("n_acts", [0, 1, 3, 4])
def test_wrong_number_of_activations_raises(n_acts):
    with pytest.raises(ValueError, match="activations"):
        MLPNetwork.from_sizes([4, 5, 2], [get_activation("relu")] * n_acts)


# ------------------------------------------------------------ objective
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_objective_sets_params_and_returns_float64_gradient(dtype):
    rs = np.random.RandomState(0)
    X = rs.normal(size=(9, 4)).astype(dtype)
    Y = rs.normal(size=(9, 2)).astype(dtype)
    loss = get_loss("squared_error")
    net = make_net([4, 5, 2], "tanh", "identity", dtype=dtype, seed=0)
    theta = rs.normal(scale=0.5, size=net.params.size)  # float64 input
    value, grad = net.objective(theta, X, Y, loss, 0.3)
    assert isinstance(value, float)
    assert grad.dtype == np.float64 and grad.shape == net.params.shape
    np.testing.assert_array_equal(net.params, theta.astype(dtype))
    assert not np.shares_memory(grad, net.grad)

    reference = make_net([4, 5, 2], "tanh", "identity", dtype=dtype, seed=1)
    reference.params[:] = theta
    want = reference.loss_and_gradient(X, Y, loss, 0.3)
    assert value == want
    np.testing.assert_array_equal(grad, reference.grad.astype(np.float64))

    # a later evaluation does not change a gradient already handed out
    kept = grad.copy()
    net.objective(theta + 1.0, X, Y, loss, 0.3)
    np.testing.assert_array_equal(grad, kept)


# ------------------------------------------------------------------ dropout
def _dropout_network(rates):
    net = MLPNetwork.from_sizes([4, 6, 5, 3], [get_activation("tanh"), get_activation("sigmoid"),
                                 get_activation("softmax")], np.float64, dropout=rates)
    net.initialize(np.random.RandomState(0))
    return net


def test_dropout_gradient_matches_finite_differences():
    """With the masks held fixed (same generator seed on every pass), the
    backpropagated gradient is that of the masked network."""
    rng = np.random.RandomState(1)
    X, Y = rng.normal(size=(7, 4)), np.eye(3)[rng.randint(0, 3, 7)]
    net, loss, eps = _dropout_network([0.3, 0.5]), get_loss("cross_entropy"), 1e-6

    def objective():
        return net.loss_and_gradient(X, Y, loss, 0.01, None, np.random.default_rng(7))

    objective()
    analytic = net.grad.copy()
    numeric = np.empty_like(analytic)
    for i in range(net.params.size):
        net.params[i] += eps
        upper = objective()
        net.params[i] -= 2 * eps
        lower = objective()
        net.params[i] += eps
        numeric[i] = (upper - lower) / (2 * eps)
    error = np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)
    assert error < 1e-6
    plain = _dropout_network([0.0, 0.0])
    plain.loss_and_gradient(X, Y, loss, 0.01, None, np.random.default_rng(7))
    assert not np.allclose(plain.grad, analytic)  # the masks did act


def test_dropout_masks_drop_the_rate_and_rescale_the_rest():
    layer = Dropout(0.25)
    layer.build((6,))
    layer.allocate(4000)
    a = np.full((4000, 6), 2.0)
    dropped = layer.forward(a, np.random.default_rng(0))
    assert abs(np.mean(dropped == 0) - 0.25) < 0.01
    np.testing.assert_allclose(dropped[dropped != 0], 2.0 / 0.75)
    assert abs(dropped.mean() - 2.0) < 0.05  # inverted dropout keeps the mean


def test_dropout_needs_a_generator_to_act():
    rng = np.random.RandomState(2)
    X, Y = rng.normal(size=(5, 4)), np.eye(3)[rng.randint(0, 3, 5)]
    loss = get_loss("cross_entropy")
    with_rates, without = _dropout_network([0.5, 0.5]), _dropout_network(None)
    value = with_rates.loss_and_gradient(X, Y, loss)
    assert value == without.loss_and_gradient(X, Y, loss)
    np.testing.assert_array_equal(with_rates.grad, without.grad)


@pytest.mark.parametrize("rates", [[0.5], [0.2, 1.0], [-0.1, 0.0]])
def test_dropout_rates_are_checked(rates):
    with pytest.raises(ValueError, match="dropout rate"):
        _dropout_network(rates)


def test_activations_may_be_given_by_name():
    by_name = MLPNetwork.from_sizes([3, 4, 2], ["relu", "softmax"])
    by_object = MLPNetwork.from_sizes([3, 4, 2], [ReLU(), Softmax()])
    assert by_name.activations == by_object.activations
    with pytest.raises(ValueError, match="Unknown activation 'rleu'"):
        MLPNetwork.from_sizes([3, 4, 2], ["rleu", "softmax"])


# ------------------------------------------------ inputs checked before work
BACKENDS = backends.available()


def _batch(n=50, sizes=(4, 5, 3)):
    rs = np.random.RandomState(0)
    net = make_net(list(sizes), "relu", "softmax", seed=0)
    return net, rs.normal(size=(n, sizes[0])), np.eye(sizes[-1])[rs.randint(0, 3, n)]


BATCH_MISFITS = [
    ("one row of Y for every row of X", lambda X, Y: (X, Y[:1], None),
     r"Y has shape \(1, 3\), but needs shape \(50, 3\): one row per row of X \(X has "
     r"shape \(50, 4\)\)"),
    ("Y columns", lambda X, Y: (X, Y[:, :2], None), r"Y has shape \(50, 2\), but needs"),
    ("1-D Y", lambda X, Y: (X, Y[:, 0], None),
     r"Y has shape \(50,\).*reshape one output with Y.reshape\(-1, 1\)"),
    ("Y of strings", lambda X, Y: (X, Y.astype(str), None),
     "Y must hold numbers .* got dtype <U"),
    ("X features", lambda X, Y: (np.hstack([X, X[:, :1]]), Y, None),
     r"X has 5 features \(shape \(50, 5\)\), but the input layer has 4 units"),
    ("1-D X", lambda X, Y: (X[0], Y, None), r"X must be 2-D, of shape \(n_samples, 4\); "
     r"got shape \(4,\)"),
    ("no rows", lambda X, Y: (X[:0], Y[:0], None), r"X has 0 rows \(shape \(0, 4\)\)"),
    ("X of objects", lambda X, Y: (X.astype(object), Y, None),
     "X must hold numbers .* got dtype object"),
    ("short sample_weight", lambda X, Y: (X, Y, np.ones(2)),
     r"sample_weight has shape \(2,\), but needs shape \(50,\): one weight per row of X"),
    ("2-D sample_weight", lambda X, Y: (X, Y, np.ones((50, 1))),
     r"sample_weight has shape \(50, 1\), but needs shape \(50,\)"),
    ("weights summing to zero", lambda X, Y: (X, Y, np.zeros(50)),
     "sample_weight sums to 0.0; the weighted mean loss needs a positive, finite sum"),
    ("weights of mixed signs summing to zero",
     lambda X, Y: (X, Y, np.resize([1.0, -1.0], 50)), "sample_weight sums to 0.0"),
    ("NaN weight", lambda X, Y: (X, Y, np.r_[np.nan, np.ones(49)]),
     "sample_weight sums to nan"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misfit, message", [m[1:] for m in BATCH_MISFITS],
                         ids=[m[0] for m in BATCH_MISFITS])
def test_loss_and_gradient_refuses_batches_that_do_not_fit(backend, misfit, message):
    net, X, Y = _batch()
    X, Y, sample_weight = misfit(X, Y)
    grad = net.grad.copy()
    with backends.use(backend), pytest.raises(ValueError, match=message):
        net.loss_and_gradient(X, Y, get_loss("cross_entropy"), 0.1, sample_weight)
    np.testing.assert_array_equal(net.grad, grad)  # refused before any work
    assert vars(net.scratch) == {}  # no buffers made


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misfit, message", [m[1:] for m in BATCH_MISFITS],
                         ids=[m[0] for m in BATCH_MISFITS])
def test_objective_refuses_the_same_batches_and_keeps_params(backend, misfit, message):
    net, X, Y = _batch()
    X, Y, sample_weight = misfit(X, Y)
    params = net.params.copy()
    with backends.use(backend), pytest.raises(ValueError, match=message):
        net.objective(params + 1.0, X, Y, get_loss("cross_entropy"), 0.1, sample_weight)
    np.testing.assert_array_equal(net.params, params)


@pytest.mark.parametrize("flat", [np.ones(1), np.ones(5), np.ones((43, 1))])
def test_objective_refuses_params_of_another_length(flat):
    net, X, Y = _batch()
    params = net.params.copy()
    with pytest.raises(ValueError, match=rf"flat_params has shape \({flat.shape[0]},.*"
                                         r"needs shape \(43,\)"):
        net.objective(flat, X, Y, get_loss("cross_entropy"))
    np.testing.assert_array_equal(net.params, params)


@pytest.mark.parametrize("backend", BACKENDS)
def test_array_likes_and_other_dtypes_are_converted(backend):
    net, X, Y = _batch(n=6)
    net32 = make_net([4, 5, 3], "relu", "softmax", dtype=np.float32, seed=0)
    weights = [1.0, 2.0, 0.5, 1.0, 1.0, 3.0]
    loss = get_loss("cross_entropy")
    with backends.use(backend):
        want = net.loss_and_gradient(X, Y, loss, 0.1, np.array(weights))
        want_grad = net.grad.copy()
        assert net.loss_and_gradient(X.tolist(), Y.astype(int).tolist(), loss, 0.1,
                                     weights) == pytest.approx(want, rel=1e-14)
        np.testing.assert_allclose(net.grad, want_grad, rtol=1e-14)
        # float64 targets and weights for a float32 network are cast to float32
        value32 = net32.loss_and_gradient(X.astype(np.float32), Y, loss, 0.1,
                                          np.array(weights))
    assert value32 == pytest.approx(want, rel=1e-5)
    np.testing.assert_allclose(net32.grad, want_grad, rtol=1e-4, atol=1e-6)


FORWARD_MISFITS = [
    ("X features", lambda X, c, b, a: (X[:, :3], c, b, a),
     r"X has 3 features \(shape \(50, 3\)\), but the input layer has 4 units"),
    ("long intercept", lambda X, c, b, a: (X, c, [np.ones(7), b[1]], a),
     r"The layers do not chain: coefs have shapes \[\(4, 5\), \(5, 3\)\] and intercepts "
     r"\[\(7,\), \(3,\)\] \(layer 0 needs"),
    ("short intercept", lambda X, c, b, a: (X, c, [b[0], np.ones(1)], a),
     r"intercepts \[\(5,\), \(1,\)\] \(layer 1 needs coefs of shape \(5, n_out\)"),
    ("coefs that do not chain", lambda X, c, b, a: (X, [c[0], np.ones((4, 3))], b, a),
     r"coefs have shapes \[\(4, 5\), \(4, 3\)\]"),
    ("one activation short", lambda X, c, b, a: (X, c, b, a[:1]),
     "got 2 matrices, 2 intercept vectors and 1 activations"),
    ("no layers", lambda X, c, b, a: (X, [], [], []),
     "got 0 matrices, 0 intercept vectors and 0 activations"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misfit, message", [m[1:] for m in FORWARD_MISFITS],
                         ids=[m[0] for m in FORWARD_MISFITS])
def test_forward_refuses_layers_that_do_not_fit(backend, misfit, message):
    net, X, _ = _batch()
    args = misfit(X, net.coefs, net.intercepts, net.activations)
    with backends.use(backend), pytest.raises(ValueError, match=message):
        predict_dense(*args)


@pytest.mark.parametrize("backend", BACKENDS)
def test_forward_of_float64_rows_through_float32_weights(backend):
    net, X, _ = _batch()
    net32 = make_net([4, 5, 3], "relu", "softmax", dtype=np.float32, seed=0)
    with backends.use(backend):
        out = predict_dense(X, net32.coefs, net32.intercepts, net32.activations)
    np.testing.assert_allclose(out, net.predict(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("sizes, dtype, message", [
    ([3], np.float64, "at least two positive integers"),
    ([3, 0], np.float64, r"got \[3, 0\]"),
    ([3, 2.5], np.float64, r"got \[3, 2.5\]"),
    ([3, 2], np.float16, "dtype must be float32 or float64, got float16"),
    ([3, 2], np.int64, "dtype must be float32 or float64, got int64"),
])
def test_network_refuses_layouts_it_cannot_build(sizes, dtype, message):
    with pytest.raises(ValueError, match=message):
        MLPNetwork.from_sizes(sizes, ["identity"] * (len(sizes) - 1) or ["identity"], dtype)


def test_initialize_refuses_an_unknown_scheme():
    net = make_net([3, 2], "relu", "identity")
    params = net.params.copy()
    with pytest.raises(ValueError, match="Unknown scheme 'he'"):
        net.initialize(np.random.RandomState(0), scheme="he")
    np.testing.assert_array_equal(net.params, params)


@pytest.mark.parametrize("last", [
    np.array(["a", "b"]), np.ones(2) + 1j, np.array([np.inf, 0.0]), np.ones(3),
])
def test_a_refused_network_set_weights_changes_nothing(last):
    net = MLPNetwork.from_sizes([4, 5, 2], [get_activation("relu"), get_activation("identity")])
    net.params[:] = np.arange(net.params.size)
    before = net.params.copy()
    weights = [np.zeros((4, 5)), np.zeros(5), np.zeros((5, 2)), last]
    with pytest.raises(ValueError, match="Network.set_weights"):
        net.set_weights(weights)
    np.testing.assert_array_equal(net.params, before)


# ------------------------------------------------- weights that do not train
def _centred_net(dtype=np.float64):
    """Dense, the RunningCentre test layer, then the output: the weight that
    does not train sits between trainable ones, in the middle of the stack."""
    from stateful_layer import RunningCentre

    net = Network([Dense(3, "tanh"), RunningCentre(), Dense(2)], (4,), dtype)
    net.initialize(np.random.RandomState(0))
    return net


@pytest.mark.parametrize("make", [
    lambda: _centred_net(),
    lambda: MLPNetwork.from_sizes([4, 5, 3, 2], ["tanh", "relu", "identity"]),
])
def test_weight_boundaries_bound_each_trainable_array(make):
    """Through views into 0, 1, 2, ...: each trainable array holds one run
    of consecutive offsets, and the boundaries are where the runs start."""
    net = make()
    views = [view.ravel() for per_layer in net.weight_views(
        np.arange(net.params.size, dtype=net.dtype)) for view in per_layer]
    assert all(np.all(np.diff(view) == 1) for view in views)
    starts = sorted(int(view[0]) for view in views)
    assert net.weight_boundaries == (*starts, net.params.size)


def test_weights_that_do_not_train_live_outside_params():
    net = _centred_net()
    centre = net.layers[1]
    # 4*3 + 3, gamma 3 + beta 3, 3*2 + 2; moving_mean's 3 are apart
    assert net.params.size == net.grad.size == 15 + 6 + 8
    assert net.n_coef_params == 12 + 3 + 6  # the kernels and gamma
    assert net.non_trainable_params.shape == (3,)
    assert np.shares_memory(centre.moving_mean, net.non_trainable_params)
    assert not np.shares_memory(centre.moving_mean, net.params)
    assert centre.gradients[1] is None
    assert np.shares_memory(centre.gradients[0], net.grad)
    assert [[w.shape for w in views] for views in net.weight_views(net.grad)] == [
        [(4, 3), (3,)], [(3,), (3,)], [(3, 2), (2,)],
    ]


def test_get_and_set_weights_list_every_weight_in_the_layers_order():
    net = _centred_net()
    weights = net.get_weights()
    assert [w.shape for w in weights] == [(4, 3), (3,), (3,), (3,), (3,), (3, 2), (2,)]
    np.testing.assert_array_equal(weights[3], net.layers[1].moving_mean)
    new = [np.full(w.shape, float(i)) for i, w in enumerate(weights)]
    net.set_weights(new)
    for got, want in zip(net.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(net.non_trainable_params, 3.0)
    np.testing.assert_array_equal(net.layers[1].gamma, 2.0)
    np.testing.assert_array_equal(net.layers[1].beta, 4.0)


@pytest.mark.parametrize("bad", ["moving_mean of another shape", "moving_mean left out",
                                 "moving_mean not finite"])
def test_a_refused_set_weights_leaves_the_weights_that_do_not_train(bad):
    net = _centred_net()
    net.non_trainable_params[:] = [1.0, 2.0, 3.0]
    before, params = net.get_weights(), net.params.copy()
    weights = [np.zeros(w.shape) for w in before]
    if bad == "moving_mean of another shape":
        weights[3] = np.zeros(4)
    elif bad == "moving_mean left out":
        del weights[3]
    else:
        weights[3] = np.array([0.0, np.nan, 0.0])
    with pytest.raises(ValueError, match="Network.set_weights"):
        net.set_weights(weights)
    np.testing.assert_array_equal(net.params, params)
    np.testing.assert_array_equal(net.non_trainable_params, [1.0, 2.0, 3.0])


def test_training_passes_update_them_and_the_l2_penalty_never_sees_them():
    rs = np.random.RandomState(0)
    X, Y = rs.normal(size=(6, 4)), rs.normal(size=(6, 2))
    loss = get_loss("squared_error")
    net = _centred_net()
    hidden = np.tanh(X @ net.layers[0].kernel + net.layers[0].bias)
    net.loss_and_gradient(X, Y, loss)
    # momentum 0.5 from zero: half the batch mean of the layer's inputs
    np.testing.assert_allclose(net.layers[1].moving_mean, 0.5 * hidden.mean(axis=0))

    # the penalty is alpha / 2n times the squares of the penalised weights
    # (kernels and gamma), whatever moving_mean holds
    kernel, bias, gamma, _, beta, out_kernel, out_bias = net.get_weights()
    squares = np.sum(kernel ** 2) + np.sum(gamma ** 2) + np.sum(out_kernel ** 2)
    for moving_mean in (0.0, 1e3):
        net.non_trainable_params[:] = moving_mean
        plain = net.loss_and_gradient(X, Y, loss)
        net.non_trainable_params[:] = moving_mean
        penalised = net.loss_and_gradient(X, Y, loss, alpha=2.0)
        np.testing.assert_allclose(penalised - plain, 2.0 / 2 * squares / 6, rtol=1e-12)


def test_zeros_scheme_zeroes_the_weights_that_do_not_train_too():
    net = _centred_net()
    net.non_trainable_params[:] = 1.0
    net.initialize(np.random.RandomState(0), scheme="zeros")
    assert not np.any(net.params) and not np.any(net.non_trainable_params)


def test_predictions_use_the_weights_that_do_not_train():
    rs = np.random.RandomState(1)
    X = rs.normal(size=(5, 4))
    net = _centred_net()
    before = net.predict(X)
    net.non_trainable_params[:] = 0.25
    assert not np.allclose(net.predict(X), before)
    np.testing.assert_array_equal(net.non_trainable_params, 0.25)  # predicting changes nothing


class _Truncating(Flatten):
    """A faulty user layer: its passes drop a column its build promised."""

    def forward(self, x, rng=None):
        return super().forward(x, rng)[:, :-1]

    def predict(self, x):
        return super().predict(x)[:, :-1]


def test_a_layer_returning_another_shape_than_its_build_is_named():
    rs = np.random.RandomState(0)
    X, Y = rs.normal(size=(5, 4)), np.eye(2)[rs.randint(0, 2, 5)]
    net = Network([Dense(3, "tanh"), _Truncating(), Dense(2, "softmax")], (4,))
    net.initialize(rs)
    message = (r"Layer 1, _Truncating\(\), returned a batch of shape \(5, 2\) from {}, but "
               r"its build gave the output shape \(3,\)")
    with pytest.raises(ValueError, match=message.format("forward")):
        net.loss_and_gradient(X, Y, get_loss("cross_entropy"))
    with pytest.raises(ValueError, match=message.format("predict")):
        net.predict(X)


class _ZeroMask(Flatten):
    """Passes its input on and marks its zero entries as padding."""

    def compute_mask(self, x, mask):
        return x != 0


class _MaskReader(Flatten):
    """Passes its input on and records the masks it is handed."""

    takes_mask = True

    def __init__(self, passes_mask=False):
        self.passes_mask = passes_mask

    def forward(self, x, rng=None, mask=None):
        self.seen = [*getattr(self, "seen", []), ("forward", mask)]
        return super().forward(x, rng)

    def predict(self, x, mask=None):
        self.seen = [*getattr(self, "seen", []), ("predict", mask)]
        return super().predict(x)


def test_a_mask_goes_down_the_stack_to_the_layers_that_take_it():
    X = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    readers = [_MaskReader(passes_mask=True), _MaskReader(), _MaskReader()]
    network = Network([_ZeroMask(), readers[0], readers[1], readers[2], Dense(1)], (3,))
    network.initialize(np.random.RandomState(0))
    network.loss_and_gradient(X, np.zeros((2, 1)), get_loss("squared_error"))
    network.predict(X)
    for reader in readers[:2]:
        assert [method for method, _ in reader.seen] == ["forward", "predict"]
        for _, mask in reader.seen:
            assert_array_equal(mask, X != 0)
    # the second reader does not pass the mask on: the third gets none
    assert readers[2].seen == [("forward", None), ("predict", None)]


@pytest.mark.parametrize("reader", ["Embedding", "CategoryEmbedding"])
def test_a_layer_that_reads_the_columns_of_x_must_come_first(reader):
    from skdl import layers

    layer = (layers.Embedding(20, 4) if reader == "Embedding"
             else layers.CategoryEmbedding([0], [20], 4))
    with pytest.raises(ValueError, match=rf"Layer 1, {reader}\(.*must be the network's first "
                                         r"layer: move it first"):
        Network([Dropout(0.2), layer, Flatten(), Dense(1)], (6,))
