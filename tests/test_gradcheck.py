"""Finite-difference checks of the engine's backpropagation.

The heart of this file is the grid required by the project's issue: every
differentiable built-in activation (all but ``step``) in the hidden layers,
crossed with every loss paired with each output activation it is defined for.
Each cell builds a float64 network with input 4, hidden (5, 3), on 6 samples,
and asks :func:`skdl.gradcheck.check_gradients` for a relative error below
1e-6.

Avoiding kinks
--------------
ReLU, leaky ReLU (and, in its second derivative, ELU) have a kink at 0;
absolute error at a zero residual; Huber at ``|residual| == delta``; hinge
at ``s * out == 1`` and the perceptron criterion at ``s * out == 0``. Central
differences straddling a kink are meaningless, so for every cell the test
draws the data once and then walks through initialisation seeds until one is
*well conditioned*: computed with a plain NumPy forward pass written here (not
skdl's), every hidden pre-activation of a kinked activation, every residual
of a kinked loss and every margin is at least ``KINK_GUARD = 1e-3`` away from
its kink. The finite-difference step ``epsilon = 1e-6`` moves a
pre-activation by at most ``epsilon * max|layer input|`` (layer inputs stay
below ~20 here, so ~2e-5, then scaled by Glorot weights below 1 on the way
to the output), 50 times less than the guard, so no perturbed evaluation
crosses a kink. The same walk also rejects seeds whose
output pre-activations exceed ``|z| < 6`` (``exp`` stacked on ``exp`` can
overflow) and seeds that would make the check vacuous: a hinge or perceptron
cell must have at least one sample inside the margin (and the perceptron one
outside it), a Huber cell residuals on both sides of ``delta``. The chosen
seed is deterministic.
"""

import itertools
import re

import numpy as np
import pytest
from scipy.special import expit, ndtr, softmax as sp_softmax

from skdl.activations import get_activation
from skdl.gradcheck import check_gradients
from skdl.losses import Loss, get_loss
from skdl.mlp_network import MLPNetwork
from skdl.network import Network

from cases import DIFFERENTIABLE_ACTIVATION_NAMES, LOSS_OUTPUT_PAIRS

HIDDEN = DIFFERENTIABLE_ACTIVATION_NAMES

N_FEATURES, HIDDEN_SIZES, N_SAMPLES = 4, (5, 3), 6
TOL = 1e-6
KINK_GUARD = 1e-3
MAX_OUTPUT_LOGIT = 6.0
KINKED_HIDDEN = {"relu", "leaky_relu", "elu"}


# --------------------------------------------------------------------------
# Independent NumPy reference of the forward pass (used to pick seeds).
def _ref_activation(name, z):
    if name == "identity":
        return z
    if name == "sigmoid":
        return expit(z)
    if name == "softmax":
        return sp_softmax(z, axis=1)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1)
    if name == "gelu":
        return z * ndtr(z)
    if name == "softplus":
        return np.log1p(np.exp(z))
    if name == "exp":
        return np.exp(z)
    raise KeyError(name)


def _ref_pre_activations(net, X, names):
    """Pre-activations of every layer, by plain NumPy."""
    zs, a = [], X
    for W, b, name in zip(net.coefs, net.intercepts, names):
        z = a @ W + b
        zs.append(z)
        a = _ref_activation(name, z)
    return zs, a


def _make_data(loss_name, out_name, n_outputs, rs):
    X = rs.uniform(-1.0, 1.0, size=(N_SAMPLES, N_FEATURES))
    if out_name == "softmax":
        Y = np.eye(n_outputs)[rs.permutation(np.arange(N_SAMPLES) % n_outputs)]
    elif loss_name == "poisson":
        Y = rs.randint(0, 5, size=(N_SAMPLES, n_outputs)).astype(np.float64)
        Y[0, 0] = 0.0  # a zero count exercises the y log y = 0 convention
        Y[1, 0] = 3.0
    elif loss_name in ("binary_cross_entropy", "hinge", "perceptron") or (
        out_name == "sigmoid"
    ):
        Y = rs.randint(0, 2, size=(N_SAMPLES, n_outputs)).astype(np.float64)
        Y[0, 0], Y[1, 0] = 0.0, 1.0
    else:
        Y = rs.normal(scale=1.5, size=(N_SAMPLES, n_outputs))
    return X, Y


def _well_conditioned(net, X, Y, hidden, loss_name, out_name):
    names = [hidden, hidden, out_name]
    zs, out = _ref_pre_activations(net, X, names)
    if not np.all(np.isfinite(out)) or np.abs(zs[-1]).max() > MAX_OUTPUT_LOGIT:
        return False
    if hidden in KINKED_HIDDEN:
        if min(np.abs(z).min() for z in zs[:-1]) < KINK_GUARD:
            return False
        # keep some units alive in every hidden layer so gradients flow
        if any(not np.any(z > KINK_GUARD) for z in zs[:-1]):
            return False
    residual = out - Y
    if loss_name == "absolute_error":
        return np.abs(residual).min() > KINK_GUARD
    if loss_name == "huber":
        r = np.abs(residual)
        return (
            np.abs(r - 1.0).min() > KINK_GUARD
            and np.any(r < 1.0)
            and np.any(r > 1.0)
        )
    if loss_name in ("hinge", "perceptron"):
        margin = 1.0 if loss_name == "hinge" else 0.0
        sm = (2 * Y - 1) * out
        if np.abs(sm - margin).min() < KINK_GUARD or not np.any(sm < margin):
            return False
        return loss_name == "hinge" or np.any(sm > margin)
    return True


def _conditioned_network(hidden, loss_name, out_name, data_seed=0):
    n_outputs = 3 if out_name == "softmax" else 2
    X, Y = _make_data(loss_name, out_name, n_outputs, np.random.RandomState(data_seed))
    sizes = [N_FEATURES, *HIDDEN_SIZES, n_outputs]
    for seed in range(500):
        net = MLPNetwork.from_sizes(
            sizes,
            [get_activation(hidden), get_activation(hidden), get_activation(out_name)],
            np.float64,
        )
        net.initialize(np.random.RandomState(seed))
        if _well_conditioned(net, X, Y, hidden, loss_name, out_name):
            return net, X, Y
    pytest.fail(f"no well-conditioned seed for {hidden}/{loss_name}/{out_name}")


def _assert_gradients_match(net, X, Y, loss, **kwargs):
    error, analytic, numeric = check_gradients(net, X, Y, loss, **kwargs)
    assert error < TOL, f"relative error {error:.3g}"
    # elementwise too: a tiny wrong component could hide in the global norm
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
    # the check is not vacuous: gradient reaches the first layer
    n_first = net.coefs[0].size
    assert np.abs(analytic[:n_first]).max() > 1e-8
    return error, analytic, numeric


# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "hidden, loss_name, out_name",
    [(h, l, o) for h, (l, o) in itertools.product(HIDDEN, LOSS_OUTPUT_PAIRS)],
)
def test_gradients_all_activations_and_losses(hidden, loss_name, out_name):
    net, X, Y = _conditioned_network(hidden, loss_name, out_name)
    _assert_gradients_match(net, X, Y, get_loss(loss_name))


def test_grid_covers_every_differentiable_activation():
    from skdl.activations import ACTIVATIONS

    differentiable = {cls for name, cls in ACTIVATIONS.items() if name != "step"}
    assert {type(get_activation(h)) for h in HIDDEN} == differentiable
    from skdl.losses import LOSSES

    assert {loss for loss, _ in LOSS_OUTPUT_PAIRS} == set(LOSSES)


PENALTY_CASES = [
    ("tanh", "squared_error", "identity"),
    ("relu", "cross_entropy", "softmax"),
    ("gelu", "poisson", "exp"),
    ("sigmoid", "hinge", "tanh"),
    ("elu", "binary_cross_entropy", "sigmoid"),
    ("softplus", "huber", "identity"),
    ("leaky_relu", "absolute_error", "identity"),
    ("exp", "squared_error", "softplus"),
]


@pytest.mark.parametrize("hidden, loss_name, out_name", PENALTY_CASES)
@pytest.mark.parametrize(
    "alpha, weighted", [(0.3, False), (0.0, True), (0.3, True)], ids=["alpha", "sw", "both"]
)
def test_gradients_with_alpha_and_sample_weight(
    hidden, loss_name, out_name, alpha, weighted
):
    net, X, Y = _conditioned_network(hidden, loss_name, out_name)
    sample_weight = None
    if weighted:
        sample_weight = np.random.RandomState(7).uniform(0.2, 3.0, N_SAMPLES)
        sample_weight[2] = 0.0  # a zero weight is allowed
    _assert_gradients_match(
        net, X, Y, get_loss(loss_name), alpha=alpha, sample_weight=sample_weight
    )


@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_linear_network_against_closed_form(alpha, weighted):
    # A network without hidden layers and identity output under squared error
    # is linear least squares; its gradient has a closed form.
    rs = np.random.RandomState(3)
    X, Y = rs.normal(size=(7, 4)), rs.normal(size=(7, 2))
    w = rs.uniform(0.5, 2.0, 7) if weighted else np.ones(7)
    net = MLPNetwork.from_sizes([4, 2], [get_activation("identity")], np.float64)
    net.initialize(np.random.RandomState(0))
    W, b = net.coefs[0].copy(), net.intercepts[0].copy()
    R = X @ W + b - Y
    expected = np.concatenate(
        [
            (X.T @ (w[:, None] * R) / w.sum() + alpha / w.sum() * W).ravel(),
            (w[:, None] * R).sum(axis=0) / w.sum(),
        ]
    )
    error, analytic, numeric = check_gradients(
        net, X, Y, get_loss("squared_error"), alpha=alpha,
        sample_weight=w if weighted else None,
    )
    np.testing.assert_allclose(analytic, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(numeric, expected, rtol=1e-7, atol=1e-9)
    assert error < 1e-8


def test_returned_error_follows_documented_formula():
    net, X, Y = _conditioned_network("tanh", "squared_error", "tanh")
    error, analytic, numeric = check_gradients(net, X, Y, get_loss("squared_error"))
    assert analytic.shape == numeric.shape == net.params.shape
    assert analytic.dtype == numeric.dtype == np.float64
    expected = np.linalg.norm(analytic - numeric) / (
        np.linalg.norm(analytic) + np.linalg.norm(numeric)
    )
    assert error == pytest.approx(expected, rel=1e-12, abs=1e-18)


def test_zero_gradient_gives_zero_error():
    # Perceptron criterion with every sample classified with a wide margin:
    # the objective is flat zero nearby, both gradients vanish.
    rs = np.random.RandomState(0)
    X = rs.normal(size=(6, 3))
    w_true = np.array([[1.0], [-2.0], [0.5]])
    score = X @ w_true
    keep = np.abs(score[:, 0]) > 0.3
    X, score = X[keep], score[keep]
    Y = (score > 0).astype(np.float64)
    net = MLPNetwork.from_sizes([3, 1], [get_activation("identity")])
    net.set_weights([w_true, np.zeros(1)])
    error, analytic, numeric = check_gradients(net, X, Y, get_loss("perceptron"))
    assert error == 0.0
    assert not analytic.any() and not numeric.any()


# ------------------------------------------------------ parameters restored
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_check_gradients_restores_parameters(alpha):
    net, X, Y = _conditioned_network("sigmoid", "cross_entropy", "softmax")
    params_obj = net.params
    before = net.params.copy()
    coef_views = [c for c in net.coefs]
    check_gradients(net, X, Y, get_loss("cross_entropy"), alpha=alpha)
    assert net.params is params_obj
    np.testing.assert_array_equal(net.params, before)
    # the per-layer views still alias the (unchanged) flat vector
    for view in coef_views:
        assert np.shares_memory(view, net.params)
    # and the network computes the same objective as before the check
    fresh = MLPNetwork.from_sizes(net.layer_sizes, net.activations, np.float64)
    fresh.params[:] = before
    assert net.loss_and_gradient(X, Y, get_loss("cross_entropy")) == pytest.approx(
        fresh.loss_and_gradient(X, Y, get_loss("cross_entropy")), rel=1e-14
    )


def test_check_gradients_restores_parameters_on_error():
    class Exploding:
        """Squared error that raises on its 10th evaluation."""

        def __init__(self):
            self.calls = 0

        def value(self, y, out, sample_weight=None):
            self.calls += 1
            if self.calls == 10:
                raise RuntimeError("boom")
            return 0.5 * np.mean(np.sum((out - y) ** 2, axis=1))

        def gradient(self, y, out):
            return out - y

    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    before = net.params.copy()
    with pytest.raises(RuntimeError, match="boom"):
        check_gradients(net, X, Y, get_loss(Exploding()))
    np.testing.assert_array_equal(net.params, before)


# --------------------------------------------------------- the check can fail
class _HalfSquaredError:
    """A user loss: half squared error with an optional gradient scale."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def value(self, y, out, sample_weight=None):
        per_sample = 0.5 * np.sum((out - y) ** 2, axis=1)
        return np.average(per_sample, weights=sample_weight)

    def gradient(self, y, out):
        return self.scale * (out - y)


@pytest.mark.parametrize("hidden", ["tanh", "relu", "gelu"])
def test_correct_user_loss_passes(hidden):
    net, X, Y = _conditioned_network(hidden, "squared_error", "identity")
    _, analytic, _ = _assert_gradients_match(net, X, Y, get_loss(_HalfSquaredError()))
    # and the user path agrees with the built-in loss's (fused) gradient
    _, builtin, _ = check_gradients(net, X, Y, get_loss("squared_error"))
    np.testing.assert_allclose(analytic, builtin, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("hidden", ["tanh", "relu", "gelu"])
def test_detects_gradient_scaled_by_two(hidden):
    net, X, Y = _conditioned_network(hidden, "squared_error", "identity")
    error, analytic, numeric = check_gradients(
        net, X, Y, get_loss(_HalfSquaredError(scale=2.0))
    )
    # analytic == 2 * numeric, so |2g - g| / (|2g| + |g|) = 1/3
    assert error > 1e-2
    assert error == pytest.approx(1 / 3, abs=1e-6)
    np.testing.assert_allclose(analytic, 2 * numeric, rtol=1e-5, atol=1e-8)


def test_detects_sign_flipped_gradient_of_loss_subclass():
    class FlippedSquaredError(Loss):
        name = "flipped"

        def per_sample(self, y, out):
            return 0.5 * np.sum((out - y) ** 2, axis=1)

        def gradient(self, y, out):
            return y - out

    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    error, _, _ = check_gradients(net, X, Y, FlippedSquaredError())
    assert error == pytest.approx(1.0, abs=1e-6)


def test_detects_wrong_activation_derivative():
    class BadTanh:
        def value(self, z):
            return np.tanh(z)

        def derivative(self, z, a):
            return 1 - a  # should be 1 - a ** 2

    class GoodTanh(BadTanh):
        def derivative(self, z, a):
            return 1 - a * a

    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    loss = get_loss("squared_error")
    for act, bad in [(BadTanh(), True), (GoodTanh(), False)]:
        user = MLPNetwork.from_sizes(
            net.layer_sizes,
            [get_activation(act), get_activation(act), get_activation("identity")],
        )
        user.params[:] = net.params
        error, _, _ = check_gradients(user, X, Y, loss)
        if bad:
            assert error > 1e-2
        else:
            assert error < TOL


# ------------------------------------------- rows not summing to one
@pytest.mark.parametrize(
    "rows",
    ["all_zero_row", "multilabel"],
)
def test_fused_cross_entropy_gradient_for_rows_not_summing_to_one(rows):
    net, X, Y = _conditioned_network("tanh", "cross_entropy", "softmax")
    Y = Y.copy()
    if rows == "all_zero_row":
        Y[-1] = 0.0
    else:
        Y[0] = [1.0, 1.0, 0.0]
    error, _, _ = check_gradients(net, X, Y, get_loss("cross_entropy"))
    assert error < TOL


# ------------------------------------------ what the check refuses to judge
def test_non_finite_numeric_gradient_is_an_error_not_a_pass():
    # a Poisson loss on identity outputs, some of them negative: the
    # objective is NaN at and around these weights
    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    Y = np.abs(np.round(Y))
    assert (net.predict(X) < 0).any()
    n = net.params.size
    with pytest.raises(ValueError,
                       match=f"finite-difference gradient has {n} non-finite entries of {n}"):
        check_gradients(net, X, Y, get_loss("poisson"))


def test_non_finite_backpropagated_gradient_is_an_error_not_a_pass():
    class NaNGradient(Loss):
        name = "nan_gradient"

        def per_sample(self, y, out):
            return 0.5 * np.sum((out - y) ** 2, axis=1)

        def gradient(self, y, out):
            return np.full_like(out, np.nan)

    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    before = net.params.copy()
    with pytest.raises(ValueError, match="backpropagated gradient has .* non-finite"):
        check_gradients(net, X, Y, NaNGradient())
    np.testing.assert_array_equal(net.params, before)


@pytest.mark.parametrize("loss_name, out_name", [
    ("squared_error", "identity"), ("log_loss", "softmax"), ("log_loss", "sigmoid"),
])
def test_loss_by_name(loss_name, out_name):
    net, X, Y = _conditioned_network("tanh", "squared_error", out_name)
    by_name = check_gradients(net, X, Y, loss_name)
    by_object = check_gradients(net, X, Y, get_loss(loss_name, out_name))
    assert by_name[0] < TOL
    np.testing.assert_array_equal(by_name[1], by_object[1])


def test_unknown_loss_name_lists_the_choices():
    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    with pytest.raises(ValueError, match="Unknown loss 'squared'; choose one of"):
        check_gradients(net, X, Y, "squared")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_instead_of_network_says_to_pass_the_network():
    from skdl import MLPRegressor

    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    est = MLPRegressor(hidden_layer_sizes=HIDDEN_SIZES, activation="tanh", solver="lbfgs",
                       max_iter=5).fit(X, Y)
    with pytest.raises(TypeError, match=r"Network, got MLPRegressor.*set_weights"):
        check_gradients(est, X, Y, "squared_error")
    # and the recipe in the message works
    network = MLPNetwork.from_sizes([N_FEATURES, *HIDDEN_SIZES, 2],
                      [get_activation("tanh"), get_activation("tanh"),
                       get_activation(est.out_activation_)])
    network.set_weights([w for pair in zip(est.coefs_, est.intercepts_) for w in pair])
    assert check_gradients(network, X, Y, "squared_error")[0] < TOL


@pytest.mark.parametrize("misfit, match", [
    (lambda Y: (Y[:, 0], None),
     r"Y has shape \(6,\), but needs shape \(6, 2\).*reshape one output with "
     r"Y.reshape\(-1, 1\)"),
    (lambda Y: (Y[:5], None), r"Y has shape \(5, 2\), but needs shape \(6, 2\)"),
    (lambda Y: (np.hstack([Y, Y]), None),
     r"Y has shape \(6, 4\), but needs shape \(6, 2\)"),
    (lambda Y: (Y, np.ones(5)), r"sample_weight.shape == \(5,\), expected \(6,\)"),
    (lambda Y: (Y, np.ones((6, 1))), "Sample weights must be 1D array or scalar"),
    (lambda Y: (Y, np.zeros(6)), "Sample weights must contain at least one non-zero"),
], ids=["1-D Y", "Y rows", "Y columns", "weight rows", "2-D weight", "zero weights"])
def test_targets_and_weights_that_do_not_fit(misfit, match):
    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    Y, sample_weight = misfit(Y)
    with pytest.raises(ValueError, match=match):
        check_gradients(net, X, Y, "squared_error", sample_weight=sample_weight)


def _fit_error(X, y, sample_weight=None):
    """The message ``fit`` gives for these inputs, as check_gradients names
    itself."""
    from skdl import MLPRegressor

    with pytest.raises(ValueError) as caught:
        MLPRegressor(hidden_layer_sizes=HIDDEN_SIZES).fit(X, y, sample_weight=sample_weight)
    return str(caught.value).replace("MLPRegressor", "check_gradients")


@pytest.mark.parametrize("case", ["empty X", "1-D X", "NaN in X", "inf in X",
                                  "negative weight"])
def test_inputs_fit_refuses_get_fits_error(case):
    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    sample_weight = None
    if case == "empty X":
        X, Y = X[:0], Y[:0]
    elif case == "1-D X":
        X = X[0]  # one sample as a 1-D row: the message must not blame Y
    elif case in ("NaN in X", "inf in X"):
        X = X.copy()
        X[2, 1] = np.nan if case == "NaN in X" else np.inf
    else:
        sample_weight = np.r_[-1.0, np.ones(5)]
    expected = _fit_error(X, Y[:, 0], sample_weight)
    params = net.params.copy()
    with pytest.raises(ValueError) as caught:
        check_gradients(net, X, Y, "squared_error", sample_weight=sample_weight)
    assert str(caught.value) == expected
    assert not re.search(r"\bY\b", str(caught.value))
    np.testing.assert_array_equal(net.params, params)


def test_array_likes_are_taken_as_fit_takes_them():
    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    want = check_gradients(net, X, Y, "squared_error", sample_weight=np.full(6, 0.5))
    got = check_gradients(net, X.tolist(), Y.tolist(), "squared_error",
                          sample_weight=[0.5] * 6)
    assert got[0] == want[0]
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[2], want[2])


@pytest.mark.parametrize("epsilon", [0, 0.0, -1e-6, np.nan, np.inf, "1e-6", None])
def test_epsilon_must_be_a_positive_finite_step(epsilon):
    net, X, Y = _conditioned_network("tanh", "squared_error", "identity")
    with pytest.raises(ValueError, match=r"epsilon must be a positive, finite step; got "):
        check_gradients(net, X, Y, "squared_error", epsilon=epsilon)


def test_weights_that_do_not_train_are_left_out_and_left_as_they_were():
    """Training passes move RunningCentre's moving_mean: the check nudges
    only the trainable weights and restores both vectors."""
    from stateful_layer import RunningCentre

    from skdl.layers import Dense

    network = Network([Dense(3, "tanh"), RunningCentre(), Dense(2, "softmax")], (4,))
    network.initialize(np.random.RandomState(0))
    network.non_trainable_params[:] = [0.1, -0.2, 0.3]
    params = network.params.copy()
    rs = np.random.RandomState(1)
    X, Y = rs.normal(size=(5, 4)), np.eye(2)[[0, 1, 1, 0, 1]]
    error, analytic, numeric = check_gradients(network, X, Y, "cross_entropy", alpha=0.1)
    assert error < 1e-6 and analytic.shape == numeric.shape == params.shape
    np.testing.assert_array_equal(network.params, params)
    np.testing.assert_array_equal(network.non_trainable_params, [0.1, -0.2, 0.3])
