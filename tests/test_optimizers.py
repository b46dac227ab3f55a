"""skdl.optimizers: each optimizer against its formula written out here
(Keras's, or torch's for AdamW), over a few full-batch steps of a tiny
network, with the L2 term, weight decay, clipping and schedules; against
scikit-learn's SGD and Adam and, where torch is installed, against
torch.optim; the refusal of bad arguments; clone, nested parameters,
copies and pickles; clipping rescuing an LSTM; and the L-BFGS adapter.
"""

import copy
import doctest
import math
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from skdl import NeuralNetRegressor
from skdl import optimizers
from skdl.activations import get_activation
from skdl.layers import LSTM
from skdl.losses import get_loss
from skdl.mlp_network import MLPNetwork
from skdl.optimizers import SGD, Adam, AdamW, Nadam, RMSprop, train_lbfgs
from skdl.schedules import ExponentialDecay, PiecewiseConstantDecay

SIZES = [4, 5, 3, 2]


def _network(dtype=np.float64, seed=0):
    net = MLPNetwork.from_sizes(
        SIZES,
        [get_activation("tanh"), get_activation("tanh"), get_activation("identity")],
        dtype,
    )
    net.initialize(np.random.RandomState(seed))
    return net


def _data(dtype=np.float64):
    rs = np.random.RandomState(0)
    X = rs.normal(size=(20, 4)).astype(dtype)
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] * X[:, 3]]).astype(dtype)
    return X, Y


def _tolerance(dtype):
    return dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-13)


# --------------------------------------------------------------- formulas
# Each reference takes float64 copies: the weights w, the gradient g with
# the L2 term already added, clipped and the weights decayed (see
# _reference_step), the step's learning rate, t = iterations + 1, and a
# dict of its state; it returns the new weights.

def _ref_sgd(w, g, lr, t, state, momentum=0.0, nesterov=False, **_):
    v = state.get("velocity", np.zeros_like(w))
    v = momentum * v - lr * g
    state["velocity"] = v
    return w + (momentum * v - lr * g if nesterov else v)


def _ref_adam(w, g, lr, t, state, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    """Keras's (and scikit-learn's): epsilon on the root of the raw v."""
    m = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
    v = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g * g
    state.update(m=m, v=v)
    return w - lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (np.sqrt(v) + epsilon)


def _ref_adamw(w, g, lr, t, state, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    """torch's: epsilon on the root of the bias-corrected v."""
    m = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
    v = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g * g
    state.update(m=m, v=v)
    m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon)


def _ref_rmsprop(w, g, lr, t, state, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **_):
    """Keras's: epsilon under the root, the rate inside the momentum."""
    s = rho * state.get("s", 0.0) + (1 - rho) * g * g
    state["s"] = s
    denominator = s + epsilon
    if centered:
        a = rho * state.get("a", 0.0) + (1 - rho) * g
        state["a"] = a
        denominator = s - a * a + epsilon
    increment = lr * g / np.sqrt(denominator)
    if momentum > 0:
        increment = momentum * state.get("velocity", 0.0) + increment
        state["velocity"] = increment
    return w - increment


def _ref_nadam(w, g, lr, t, state, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    """Keras's: u_t = b1 (1 - 0.5 * 0.96^t), P_t their product."""
    def u(k):
        return beta_1 * (1 - 0.5 * 0.96**k)
    product = state.get("product", 1.0) * u(t)
    m = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
    v = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g * g
    state.update(m=m, v=v, product=product)
    m_hat = u(t + 1) * m / (1 - product * u(t + 1)) + (1 - u(t)) * g / (1 - product)
    v_hat = v / (1 - beta_2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon)


REFERENCES = {SGD: _ref_sgd, Adam: _ref_adam, AdamW: _ref_adamw, RMSprop: _ref_rmsprop,
              Nadam: _ref_nadam}


def _reference_step(optimizer, w, g, t, state, l2, n_penalized, boundaries):
    """One step of ``optimizer``'s written formula, in Keras's order: the L2
    gradient, clipping, decay, update."""
    params = optimizer.get_params(deep=False)
    rate = params["learning_rate"]
    lr = rate(t - 1) if callable(rate) else rate
    g = g.copy()
    g[:n_penalized] += l2 * w[:n_penalized]
    if params["clipnorm"] is not None:
        for start, stop in zip(boundaries[:-1], boundaries[1:]):
            norm = np.linalg.norm(g[start:stop])
            g[start:stop] *= params["clipnorm"] / max(norm, params["clipnorm"])
    elif params["global_clipnorm"] is not None:
        norm = np.linalg.norm(g)
        g *= params["global_clipnorm"] / max(norm, params["global_clipnorm"])
    elif params["clipvalue"] is not None:
        g = np.clip(g, -params["clipvalue"], params["clipvalue"])
    if params["weight_decay"]:
        w = w - lr * params["weight_decay"] * w
    return REFERENCES[type(optimizer)](w, g, lr, t, state, **params)


CONFIGURATIONS = [
    SGD(learning_rate=0.05),
    SGD(learning_rate=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
    SGD(learning_rate=ExponentialDecay(0.1, 2, 0.5), momentum=0.5, clipnorm=0.05),
    Adam(learning_rate=0.01),
    Adam(learning_rate=0.01, weight_decay=0.2, global_clipnorm=0.1),
    AdamW(learning_rate=0.01),
    AdamW(learning_rate=PiecewiseConstantDecay([2], [0.02, 0.005]), weight_decay=0.3,
          epsilon=1e-3, clipvalue=0.02),
    RMSprop(learning_rate=0.01),
    RMSprop(learning_rate=0.01, rho=0.8, momentum=0.7, centered=True, epsilon=1e-4,
            weight_decay=0.05),
    RMSprop(learning_rate=0.01, momentum=0.5, clipnorm=0.1),
    Nadam(learning_rate=0.01),
    Nadam(learning_rate=ExponentialDecay(0.02, 3, 0.7), epsilon=1e-3, weight_decay=0.1,
          global_clipnorm=0.2),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("optimizer", CONFIGURATIONS, ids=repr)
def test_steps_follow_the_written_formula(compute_backend, optimizer, alpha, dtype):
    net = _network(dtype)
    X, Y = _data(dtype)
    loss = get_loss("squared_error")
    optimizer = clone(optimizer).build(net.params, net.weight_boundaries)
    l2 = alpha / X.shape[0]
    reference, state = net.params.astype(np.float64), {}
    for t in range(1, 6):
        net.loss_and_gradient(X, Y, loss, include_penalty=False)
        grad = net.grad.astype(np.float64)
        squares = optimizer.update(net.params, net.grad, l2, net.n_coef_params)
        reference = _reference_step(optimizer, reference, grad, t, state, l2,
                                    net.n_coef_params, net.weight_boundaries)
        assert optimizer.iterations == t
        assert net.params.dtype == dtype
        assert_allclose(net.params, reference, **_tolerance(dtype))
        net.params[:] = reference  # the next step starts from the same weights
        if l2:
            assert squares > 0
    # the per-layer views still alias the updated flat vector
    assert_array_equal(np.concatenate([a.ravel() for a in net.coefs + net.intercepts]),
                       net.params)


def test_weight_boundaries_clip_each_weight_array_on_its_own():
    # two arrays: one gradient far above the norm, one below it
    optimizer = SGD(learning_rate=1.0, clipnorm=1.0).build(np.zeros(5), (0, 3, 5))
    weights = np.zeros(5)
    optimizer.update(weights, np.array([3.0, 0.0, 4.0, 0.3, 0.4]))
    assert_allclose(weights, [-0.6, 0.0, -0.8, -0.3, -0.4], rtol=1e-15)


# ----------------------------------------------------------- scikit-learn
def _split_like(net, flat):
    """Per-layer copies of a flat vector, in the network's layout."""
    out, start = [], 0
    for view in net.coefs + net.intercepts:
        out.append(flat[start : start + view.size].reshape(view.shape).copy())
        start += view.size
    return out


def _concat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "momentum, nesterov", [(0.9, True), (0.9, False), (0.5, True), (0.0, True), (0.0, False)],
)
def test_sgd_matches_sklearn(compute_backend, dtype, momentum, nesterov):
    net = _network(dtype)
    sk_params = [p.copy() for p in net.coefs + net.intercepts]
    ours = SGD(learning_rate=0.05, momentum=momentum, nesterov=nesterov).build(net.params)
    ref = SGDOptimizer(sk_params, learning_rate_init=0.05, momentum=momentum,
                       nesterov=nesterov)
    rs = np.random.RandomState(1)
    for _ in range(6):
        grad = rs.normal(size=net.params.size).astype(dtype)
        ours.update(net.params, grad)
        ref.update_params(sk_params, _split_like(net, grad))
        assert_allclose(net.params, _concat(sk_params), **_tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "lr, beta_1, beta_2, epsilon",
    [(1e-3, 0.9, 0.999, 1e-8), (0.05, 0.5, 0.9, 1e-4), (0.01, 0.0, 0.99, 1e-8)],
)
def test_adam_matches_sklearn(compute_backend, dtype, lr, beta_1, beta_2, epsilon):
    net = _network(dtype)
    sk_params = [p.copy() for p in net.coefs + net.intercepts]
    ours = Adam(learning_rate=lr, beta_1=beta_1, beta_2=beta_2,
                epsilon=epsilon).build(net.params)
    ref = AdamOptimizer(sk_params, learning_rate_init=lr, beta_1=beta_1, beta_2=beta_2,
                        epsilon=epsilon)
    rs = np.random.RandomState(2)
    for step in range(1, 9):
        grad = (rs.normal(size=net.params.size) * rs.uniform(0.01, 3.0)).astype(dtype)
        if step == 4:
            grad[:5] = 0.0  # zero gradients: epsilon guards the division
        ours.update(net.params, grad)
        ref.update_params(sk_params, _split_like(net, grad))
        assert ours.iterations == ref.t == step
        assert_allclose(net.params, _concat(sk_params), **_tolerance(dtype))
        assert_allclose(ours.m, _concat(ref.ms), **_tolerance(dtype))
        assert_allclose(ours.v, _concat(ref.vs), **_tolerance(dtype))


# ------------------------------------------------------------------ torch
TORCH_CASES = [
    # (ours, torch's class name, its arguments)
    (AdamW(learning_rate=0.01, weight_decay=0.1, epsilon=1e-8), "AdamW",
     dict(lr=0.01, weight_decay=0.1, eps=1e-8)),
    (AdamW(learning_rate=0.05, weight_decay=0.5, beta_1=0.8, beta_2=0.9, epsilon=1e-3),
     "AdamW", dict(lr=0.05, weight_decay=0.5, betas=(0.8, 0.9), eps=1e-3)),
    # torch's NAdam follows Keras's momentum schedule at momentum_decay=1
    (Nadam(learning_rate=0.01, epsilon=1e-8), "NAdam",
     dict(lr=0.01, eps=1e-8, momentum_decay=1.0)),
    (Nadam(learning_rate=0.05, beta_1=0.7, beta_2=0.95, epsilon=1e-3), "NAdam",
     dict(lr=0.05, betas=(0.7, 0.95), eps=1e-3, momentum_decay=1.0)),
    # torch puts epsilon after the root and Keras under it: the same with
    # none (at a constant rate, where the rate's place in the momentum
    # does not matter either)
    (RMSprop(learning_rate=0.01, epsilon=1e-300), "RMSprop", dict(lr=0.01, alpha=0.9, eps=0.0)),
    (RMSprop(learning_rate=0.01, rho=0.8, momentum=0.9, centered=True, epsilon=1e-300),
     "RMSprop", dict(lr=0.01, alpha=0.8, momentum=0.9, centered=True, eps=0.0)),
    (SGD(learning_rate=0.05, momentum=0.9, nesterov=True), "SGD",
     dict(lr=0.05, momentum=0.9, nesterov=True)),
]


@pytest.mark.parametrize("ours, torch_name, torch_args", TORCH_CASES,
                         ids=[f"{case[1]}-{i}" for i, case in enumerate(TORCH_CASES)])
def test_full_batch_steps_equal_torch(ours, torch_name, torch_args):
    """From the same weights, each full-batch step of a tiny network equals
    torch.optim's on the same gradient, to float64 precision."""
    torch = pytest.importorskip("torch")
    net = _network()
    X, Y = _data()
    loss = get_loss("squared_error")
    ours = clone(ours).build(net.params, net.weight_boundaries)
    weights = torch.tensor(net.params.copy(), dtype=torch.float64, requires_grad=True)
    theirs = getattr(torch.optim, torch_name)([weights], **torch_args)
    # torch keeps NAdam's running product in the default dtype
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for _ in range(4):
            net.loss_and_gradient(X, Y, loss)
            weights.grad = torch.tensor(net.grad.copy(), dtype=torch.float64)
            ours.update(net.params, net.grad)
            theirs.step()
            assert_allclose(net.params, weights.detach().numpy(), rtol=1e-12, atol=1e-14)
    finally:
        torch.set_default_dtype(default)


# ------------------------------------------------------ the learning rate
def test_learning_rate_assigned_between_steps_sets_the_next_steps():
    optimizer = SGD(learning_rate=0.1).build(np.zeros(1))
    weights = np.zeros(1)
    optimizer.update(weights, np.ones(1))
    optimizer.learning_rate = 0.01
    assert optimizer.current_learning_rate == 0.01
    optimizer.update(weights, np.ones(1))
    assert_allclose(weights, [-0.11], rtol=1e-15)
    optimizer.learning_rate = ExponentialDecay(1.0, 1, 0.5)  # at iterations=2: 0.25
    assert optimizer.current_learning_rate == 0.25
    optimizer.update(weights, np.ones(1))
    assert_allclose(weights, [-0.36], rtol=1e-15)
    assert optimizer.iterations == 3


def test_schedule_is_evaluated_at_iterations_from_zero():
    schedule = PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.25])
    optimizer = SGD(learning_rate=schedule).build(np.zeros(1))
    rates = []
    for _ in range(3):
        rates.append(optimizer.current_learning_rate)
        optimizer.update(np.zeros(1), np.ones(1))
    assert rates == [1.0, 0.5, 0.25]


def test_a_learning_rate_a_schedule_of_ones_own_makes_invalid_is_refused():
    class Negative(ExponentialDecay):
        def _rate(self, step):
            return -1.0 + 0 * step

    optimizer = SGD(learning_rate=Negative(0.1, 10, 0.5)).build(np.zeros(2))
    weights = np.ones(2)
    with pytest.raises(ValueError, match="learning rate at step 0 is -1.0"):
        optimizer.update(weights, np.ones(2))
    assert_array_equal(weights, 1.0)
    assert optimizer.iterations == 0


# --------------------------------------------------------------- parameters
def test_defaults_are_keras():
    assert SGD().get_params() == dict(
        learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
        clipvalue=None, global_clipnorm=None)
    for kind in (Adam, Nadam):
        assert {k: v for k, v in kind().get_params().items() if "clip" not in k} == dict(
            learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None)
    assert AdamW().get_params()["weight_decay"] == 0.004
    assert AdamW().get_params()["epsilon"] == 1e-7
    assert {k: v for k, v in RMSprop().get_params().items() if "clip" not in k} == dict(
        learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
        weight_decay=None)


def test_get_params_nest_a_schedule_and_set_params_reaches_it():
    optimizer = AdamW(learning_rate=ExponentialDecay(0.01, 100, 0.5), weight_decay=0.01)
    params = optimizer.get_params(deep=True)
    assert params["learning_rate__decay_steps"] == 100
    assert "learning_rate__decay_steps" not in optimizer.get_params(deep=False)
    optimizer.set_params(learning_rate__decay_steps=10, weight_decay=0.1)
    assert optimizer.learning_rate.decay_steps == 10
    assert optimizer.weight_decay == 0.1
    with pytest.raises(ValueError, match="which has no parameters to set"):
        AdamW().set_params(learning_rate__decay_steps=10)


@pytest.mark.parametrize("optimizer", CONFIGURATIONS, ids=repr)
def test_optimizer_clones_without_its_state(optimizer):
    built = clone(optimizer).build(np.zeros(6))
    built.update(np.zeros(6), np.ones(6))
    twin = clone(built)
    assert type(twin) is type(built) and twin is not built
    assert twin.iterations == 0 and twin.weight_boundaries is None
    deep = twin.get_params(deep=True)
    assert deep.keys() == built.get_params(deep=True).keys()
    if isinstance(built.learning_rate, ExponentialDecay):
        assert twin.learning_rate is not built.learning_rate


@pytest.mark.parametrize("optimizer", CONFIGURATIONS, ids=repr)
def test_copies_and_pickles_carry_the_state_and_go_on_alike(optimizer):
    rs = np.random.RandomState(0)
    grads = [rs.normal(size=12) for _ in range(6)]
    original = clone(optimizer).build(np.zeros(12), (0, 5, 12))
    weights = rs.normal(size=12)
    for g in grads[:3]:
        original.update(weights, g.copy())
    # the optimizer holds no reference to the weights it updated
    for value in vars(original).values():
        assert not (isinstance(value, np.ndarray) and np.shares_memory(value, weights))
    copies = [copy.deepcopy(original), pickle.loads(pickle.dumps(original))]
    paths = []
    for stepper in [original, *copies]:
        w = weights.copy()
        for g in grads[3:]:
            stepper.update(w, g.copy())
        paths.append(w)
        assert stepper.iterations == 6
    for path in paths[1:]:
        assert_array_equal(path, paths[0])


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: SGD(learning_rate=-0.1), ValueError, "learning_rate"),
        (lambda: SGD(learning_rate="0.1"), TypeError, "or a schedule of skdl.schedules"),
        (lambda: SGD(momentum=1.5), ValueError, "momentum"),
        (lambda: SGD(nesterov="yes"), TypeError, "nesterov"),
        (lambda: Adam(beta_1=1.0), ValueError, r"beta_1 must be a finite number in \[0.0"),
        (lambda: Adam(beta_2=-0.1), ValueError, "beta_2"),
        (lambda: Adam(epsilon=0.0), ValueError, "epsilon"),
        (lambda: Adam(weight_decay=-1.0), ValueError, "weight_decay"),
        (lambda: AdamW(weight_decay=None), TypeError, "weight_decay must be a real number"),
        (lambda: RMSprop(rho=1.0), ValueError, "rho"),
        (lambda: RMSprop(centered=None), TypeError, "centered"),
        (lambda: Nadam(clipnorm=0.0), ValueError, "clipnorm"),
        (lambda: Nadam(clipvalue=-1.0), ValueError, "clipvalue"),
        (lambda: SGD(global_clipnorm=np.nan), ValueError, "global_clipnorm"),
        (lambda: SGD(clipnorm=1.0, clipvalue=1.0), ValueError,
         "only one of clipnorm, clipvalue and global_clipnorm"),
        (lambda: SGD().build(np.zeros((2, 2))), ValueError, "1-D float32 or float64"),
        (lambda: SGD().build(np.zeros(4), (0, 3)), ValueError, "weight_boundaries"),
        (lambda: SGD().build(np.zeros(4), (0, 3, 2, 4)), ValueError, "weight_boundaries"),
        (lambda: SGD().update(np.zeros(2), np.zeros(2)), ValueError,
         "no state yet: call build"),
        (lambda: SGD().build(np.zeros(3)).update(np.zeros(4), np.zeros(4)), ValueError,
         "velocity has shape"),
    ],
)
def test_bad_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_refused_set_params_leaves_the_optimizer_as_it_was():
    optimizer = Adam(learning_rate=0.01, clipnorm=1.0)
    with pytest.raises(ValueError, match="only one of"):
        optimizer.set_params(learning_rate=0.5, clipvalue=1.0)
    assert optimizer.learning_rate == 0.01 and optimizer.clipvalue is None
    with pytest.raises(ValueError, match="Invalid parameter 'lr'"):
        optimizer.set_params(lr=0.1)


def test_is_built_for_reads_length_and_dtype():
    optimizer = Adam()
    assert not optimizer.is_built_for(np.zeros(3))
    optimizer.build(np.zeros(3))
    assert optimizer.is_built_for(np.zeros(3))
    assert not optimizer.is_built_for(np.zeros(4))
    assert not optimizer.is_built_for(np.zeros(3, dtype=np.float32))


def test_docstring_examples_run():
    failures, tried = doctest.testmod(optimizers, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


# ------------------------------------------------- clipping an LSTM
def _sequences():
    """Sequences of 10 steps whose target, of a large scale, sums a
    saturating function of the first feature: gradients big enough to
    throw an LSTM off at a high rate."""
    rs = np.random.RandomState(0)
    X = 3 * rs.normal(size=(64, 10, 2))
    y = np.tanh(X[:, :, 0]).sum(axis=1)
    return X.reshape(64, -1), 30 * y / np.std(y)


def _lstm(**clipping):
    return NeuralNetRegressor(
        layers=[LSTM(8)], input_shape=(10, 2), solver=SGD(learning_rate=3.0, **clipping),
        batch_size=16, max_iter=30, alpha=0.0, tol=0.0, n_iter_no_change=1000,
        random_state=0,
    )


def test_clipping_trains_an_lstm_that_diverges_without_it(compute_backend):
    X, y = _sequences()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            curve = _lstm().fit(X, y).loss_curve_
            diverged = curve[-1] > 1e6 * curve[0]
        except ValueError as error:  # overflow: the estimator refuses it
            diverged = "diverged" in str(error)
        assert diverged
        for clipping in (dict(clipnorm=1.0), dict(global_clipnorm=1.0),
                         dict(clipvalue=0.1)):
            curve = _lstm(**clipping).fit(X, y).loss_curve_
            assert np.all(np.isfinite(curve))
            assert curve[-1] < 0.3 * curve[0], clipping


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
