"""Tests of the flat-vector optimizers and the L-BFGS adapter.

Stochastic updates are compared with scikit-learn's own optimizers
(``sklearn.neural_network._stochastic_optimizers``), which work on a list of
per-layer arrays; L-BFGS is compared with closed-form least squares.
"""

import copy
import math

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from skdl.activations import get_activation
from skdl.losses import get_loss
from skdl.mlp_network import MLPNetwork
from skdl.optimizers import SGD, Adam, train_lbfgs
from skdl.scratch import Scratch

SIZES = [4, 5, 3, 2]


def _network(dtype=np.float64, seed=0):
    net = MLPNetwork.from_sizes(
        SIZES,
        [get_activation("tanh"), get_activation("tanh"), get_activation("identity")],
        dtype,
    )
    net.initialize(np.random.RandomState(seed))
    return net


def _split_like(net, flat):
    """Per-layer copies of a flat vector, in the network's layout."""
    out, start = [], 0
    for view in net.coefs + net.intercepts:
        out.append(flat[start : start + view.size].reshape(view.shape).copy())
        start += view.size
    return out


def _concat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def _tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ SGD
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "momentum, nesterov",
    [(0.9, True), (0.9, False), (0.5, True), (0.0, True), (0.0, False)],
    ids=["nesterov", "momentum", "nesterov-0.5", "plain", "plain-no-nesterov"],
)
@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
def test_sgd_matches_sklearn(dtype, momentum, nesterov, schedule):
    net = _network(dtype)
    sk_params = [p.copy() for p in net.coefs + net.intercepts]
    ours = SGD(net.params.size, dtype, learning_rate_init=0.05, learning_rate=schedule,
               momentum=momentum, nesterov=nesterov, power_t=0.4)
    ref = SGDOptimizer(sk_params, learning_rate_init=0.05, lr_schedule=schedule,
                       momentum=momentum, nesterov=nesterov, power_t=0.4)
    rs = np.random.RandomState(1)
    time_step = 0
    for epoch in range(3):
        for _ in range(3):
            grad = rs.normal(size=net.params.size).astype(dtype)
            ours.update(net.params, grad)
            ref.update_params(sk_params, _split_like(net, grad))
            np.testing.assert_allclose(net.params, _concat(sk_params), **_tolerance(dtype))
            time_step += 7
        ours.iteration_ends(time_step)
        ref.iteration_ends(time_step)
        assert ours.learning_rate == pytest.approx(ref.learning_rate, rel=1e-15)
        if schedule == "adaptive" and epoch == 1:
            assert ours.trigger_stopping("", False) is ref.trigger_stopping("", False)
    assert net.params.dtype == dtype
    # the per-layer views still alias the updated flat vector
    np.testing.assert_array_equal(_concat(net.coefs + net.intercepts), net.params)


def test_sgd_update_is_in_place_and_steps_downhill():
    net = _network()
    params_obj = net.params
    before = net.params.copy()
    grad = np.random.RandomState(0).normal(size=net.params.size)
    opt = SGD(net.params.size, np.float64, learning_rate_init=0.1, momentum=0.0)
    opt.update(net.params, grad)
    assert net.params is params_obj
    np.testing.assert_allclose(net.params, before - 0.1 * grad, rtol=1e-15)


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
@pytest.mark.parametrize("time_step", [0, 1, 10, 12345])
def test_invscaling_schedule(power_t, time_step):
    opt = SGD(3, np.float64, learning_rate_init=0.2, learning_rate="invscaling",
              power_t=power_t)
    assert opt.learning_rate == 0.2
    opt.iteration_ends(time_step)
    assert opt.learning_rate == pytest.approx(0.2 / (time_step + 1) ** power_t, rel=1e-14)
    # the schedule always starts from learning_rate_init, it does not compound
    opt.iteration_ends(time_step)
    assert opt.learning_rate == pytest.approx(0.2 / (time_step + 1) ** power_t, rel=1e-14)


@pytest.mark.parametrize("schedule", ["constant", "adaptive"])
def test_iteration_ends_keeps_rate_without_invscaling(schedule):
    opt = SGD(3, np.float64, learning_rate_init=0.3, learning_rate=schedule)
    opt.iteration_ends(1000)
    assert opt.learning_rate == 0.3


@pytest.mark.parametrize("lr_init", [0.1, 1e-3, 2e-6, 1e-6])
def test_adaptive_trigger_stopping_divides_by_five_then_stops(lr_init, capsys):
    opt = SGD(3, np.float64, learning_rate_init=lr_init, learning_rate="adaptive")
    ref = SGDOptimizer([np.zeros(3)], learning_rate_init=lr_init, lr_schedule="adaptive")
    # number of divisions by 5 before the rate is <= 1e-6
    expected_divisions = max(0, math.ceil(math.log(lr_init / 1e-6, 5) - 1e-12))
    rates = []
    for _ in range(expected_divisions):
        assert opt.trigger_stopping("No improvement.", verbose=True) is False
        rates.append(opt.learning_rate)
    assert opt.trigger_stopping("No improvement.", verbose=True) is True
    ours_out = capsys.readouterr().out
    np.testing.assert_allclose(
        rates, [lr_init / 5**k for k in range(1, expected_divisions + 1)], rtol=1e-12
    )
    assert opt.learning_rate <= 1e-6
    # every rate that was divided was still above the 1e-6 floor
    assert all(r > 1e-6 for r in ([lr_init] + rates)[:-1])
    # stopping leaves the rate alone, and keeps saying stop
    final = opt.learning_rate
    assert opt.trigger_stopping("again", verbose=False) is True
    assert opt.learning_rate == final

    # same decisions and messages as scikit-learn
    for _ in range(expected_divisions):
        assert ref.trigger_stopping("No improvement.", verbose=True) is False
    assert ref.trigger_stopping("No improvement.", verbose=True) is True
    assert ref.learning_rate == pytest.approx(final, rel=1e-12)
    assert ours_out == capsys.readouterr().out


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_non_adaptive_trigger_stopping_stops_at_once(schedule, capsys):
    opt = SGD(3, np.float64, learning_rate_init=0.1, learning_rate=schedule)
    assert opt.trigger_stopping("Converged.", verbose=True) is True
    assert opt.learning_rate == 0.1
    assert "Converged." in capsys.readouterr().out
    assert opt.trigger_stopping("Converged.", verbose=False) is True
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ Adam
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "lr, beta_1, beta_2, epsilon",
    [(1e-3, 0.9, 0.999, 1e-8), (0.05, 0.5, 0.9, 1e-4), (0.01, 0.0, 0.99, 1e-8)],
)
def test_adam_matches_sklearn(dtype, lr, beta_1, beta_2, epsilon):
    net = _network(dtype)
    sk_params = [p.copy() for p in net.coefs + net.intercepts]
    ours = Adam(net.params.size, dtype, learning_rate_init=lr, beta_1=beta_1,
                beta_2=beta_2, epsilon=epsilon)
    ref = AdamOptimizer(sk_params, learning_rate_init=lr, beta_1=beta_1,
                        beta_2=beta_2, epsilon=epsilon)
    rs = np.random.RandomState(2)
    for step in range(1, 9):
        grad = (rs.normal(size=net.params.size) * rs.uniform(0.01, 3.0)).astype(dtype)
        if step == 4:
            grad[:5] = 0.0  # zero gradients: epsilon guards the division
        ours.update(net.params, grad)
        ref.update_params(sk_params, _split_like(net, grad))
        assert ours.t == ref.t == step
        assert ours.learning_rate == pytest.approx(ref.learning_rate, rel=1e-12)
        np.testing.assert_allclose(net.params, _concat(sk_params), **_tolerance(dtype))
        np.testing.assert_allclose(ours.m, _concat(ref.ms), **_tolerance(dtype))
        np.testing.assert_allclose(ours.v, _concat(ref.vs), **_tolerance(dtype))
    assert net.params.dtype == dtype


def test_adam_iteration_ends_and_trigger_stopping(capsys):
    opt = Adam(4, np.float64, learning_rate_init=0.01)
    params = np.ones(4)
    opt.update(params, np.full(4, 0.5))
    state = (opt.t, opt.learning_rate, opt.m.copy(), opt.v.copy())
    opt.iteration_ends(500)
    assert (opt.t, opt.learning_rate) == state[:2]
    np.testing.assert_array_equal(opt.m, state[2])
    np.testing.assert_array_equal(opt.v, state[3])
    assert opt.trigger_stopping("Done.", verbose=True) is True
    assert opt.trigger_stopping("Done.", verbose=False) is True
    assert capsys.readouterr().out.count("Done.") == 1


# ------------------------------------------------------------------ copying
@pytest.mark.parametrize(
    "make",
    [
        lambda n: SGD(n, np.float64, learning_rate_init=0.05, momentum=0.9, nesterov=True),
        lambda n: SGD(n, np.float64, learning_rate_init=0.05, momentum=0.7, nesterov=False),
        lambda n: Adam(n, np.float64, learning_rate_init=0.01),
    ],
    ids=["sgd-nesterov", "sgd-momentum", "adam"],
)
def test_optimizer_deepcopy_is_independent(make):
    rs = np.random.RandomState(0)
    n = 12
    grads = [rs.normal(size=n) for _ in range(6)]
    opt = make(n)
    params = rs.normal(size=n)
    for g in grads[:3]:
        opt.update(params, g)
    # the optimizer holds no reference to the parameters it updated
    for value in vars(opt).values():
        if isinstance(value, np.ndarray):
            assert not np.shares_memory(value, params)

    clone = copy.deepcopy(opt)
    arrays = [k for k, v in vars(opt).items() if isinstance(v, np.ndarray)]
    assert arrays  # it does carry state
    for key in arrays:
        assert not np.shares_memory(getattr(opt, key), getattr(clone, key))
        np.testing.assert_array_equal(getattr(opt, key), getattr(clone, key))

    # stepping the clone leaves the original untouched ...
    snapshot = copy.deepcopy(vars(opt))
    p_clone = params.copy()
    for g in grads[3:]:
        clone.update(p_clone, g)
    for key, value in snapshot.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(opt, key), value)
        elif not isinstance(value, Scratch):  # buffers, not state
            assert getattr(opt, key) == value
    # ... and the original, stepped the same way, follows the same path
    p_orig = params.copy()
    for g in grads[3:]:
        opt.update(p_orig, g)
    np.testing.assert_array_equal(p_orig, p_clone)
    assert not np.array_equal(p_orig, params)


# ------------------------------------------------------------------ L-BFGS
def _tiny_problem(dtype=np.float64):
    rs = np.random.RandomState(0)
    X = rs.normal(size=(20, 4)).astype(dtype)
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] * X[:, 3]]).astype(dtype)
    return X, Y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("alpha, weighted", [(0.0, False), (0.1, True)])
def test_train_lbfgs_improves_and_writes_solution(dtype, alpha, weighted):
    X, Y = _tiny_problem(dtype)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, X.shape[0]) if weighted else None
    loss = get_loss("squared_error")
    net = _network(dtype)
    start = net.loss_and_gradient(X, Y, loss, alpha, sw)
    params_obj = net.params

    result, curve = train_lbfgs(net, X, Y, loss, alpha=alpha, sample_weight=sw,
                                max_iter=40, tol=1e-8)
    assert result.fun < 0.5 * start
    assert net.params is params_obj and net.params.dtype == dtype
    np.testing.assert_array_equal(net.params, result.x.astype(dtype))
    # the network's objective at the written-back weights is result.fun
    check = MLPNetwork.from_sizes(net.layer_sizes, net.activations, np.float64)
    check.params[:] = result.x
    recomputed = check.loss_and_gradient(X.astype(np.float64), Y.astype(np.float64),
                                         loss, alpha, sw)
    assert recomputed == pytest.approx(result.fun, rel=1e-4 if dtype == np.float32 else 1e-12)
    # one curve entry per iteration, ending at the solution, never increasing
    assert len(curve) == result.nit >= 1
    assert all(isinstance(v, float) for v in curve)
    assert curve[-1] == pytest.approx(result.fun, rel=1e-12, abs=0)
    assert curve[0] < start
    assert all(b <= a + 1e-12 for a, b in zip(curve, curve[1:]))


def test_train_lbfgs_respects_max_iter():
    X, Y = _tiny_problem()
    net = _network()
    result, curve = train_lbfgs(net, X, Y, get_loss("squared_error"), max_iter=3, tol=0)
    assert result.nit == 3 == len(curve)
    assert curve[-1] == pytest.approx(result.fun, rel=1e-12)


def test_train_lbfgs_verbose_prints_each_iteration(capsys):
    X, Y = _tiny_problem()
    net = _network()
    result, curve = train_lbfgs(net, X, Y, get_loss("squared_error"), max_iter=4,
                                tol=0, verbose=True)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert len(lines) == len(curve) == 4
    for line, value in zip(lines, curve):
        assert float(line.rsplit("=", 1)[1]) == pytest.approx(value, rel=1e-7)


@pytest.mark.parametrize("alpha", [0.0, 2.0])
def test_train_lbfgs_linear_network_reaches_least_squares(alpha):
    """With no hidden layer and squared error the optimum is (ridge) least
    squares with an unpenalised intercept, solved here in closed form."""
    rs = np.random.RandomState(3)
    n = 30
    X = rs.normal(size=(n, 4))
    y = X @ np.array([1.5, -2.0, 0.3, 0.0]) + 0.7 + 0.1 * rs.normal(size=n)
    net = MLPNetwork.from_sizes([4, 1], [get_activation("identity")])
    net.initialize(np.random.RandomState(0))
    result, curve = train_lbfgs(net, X, y[:, None], get_loss("squared_error"),
                                alpha=alpha, tol=1e-12, max_iter=500)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(4), Xc.T @ yc)
    b = y.mean() - X.mean(axis=0) @ w
    np.testing.assert_allclose(net.coefs[0][:, 0], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.intercepts[0], [b], rtol=1e-5, atol=1e-6)
    r = X @ w + b - y
    optimum = 0.5 * np.mean(r**2) + alpha / (2 * n) * w @ w
    assert result.fun == pytest.approx(optimum, rel=1e-8)
    assert curve[-1] == pytest.approx(result.fun, rel=1e-12)


def test_train_lbfgs_writes_solution_even_if_objective_restores_params():
    """The write-back must not rely on the last objective evaluation having
    happened at the solution: here every evaluation leaves params unchanged."""

    class ScratchNetwork(MLPNetwork):
        def objective(self, flat_params, *args):
            saved = self.params.copy()
            try:
                return super().objective(flat_params, *args)
            finally:
                self.params[:] = saved

    X, Y = _tiny_problem()
    net = ScratchNetwork.from_sizes(
        SIZES,
        [get_activation("tanh"), get_activation("tanh"), get_activation("identity")],
    )
    net.initialize(np.random.RandomState(0))
    start = net.params.copy()
    result, curve = train_lbfgs(net, X, Y, get_loss("squared_error"), max_iter=10)
    assert not np.array_equal(result.x, start)
    np.testing.assert_array_equal(net.params, result.x)
    assert curve[-1] == pytest.approx(result.fun, rel=1e-12)
