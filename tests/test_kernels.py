"""The two kernel back-ends: each kernel against a plain NumPy reference, and
whole fits agreeing between back-ends."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier, MLPRegressor, kernels

BACKENDS = kernels.available()
DTYPES = [np.float32, np.float64]


def _tol(dtype):
    return dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_back_end_provides_every_kernel(backend):
    module = kernels._BACKENDS[backend]
    assert all(callable(getattr(module, name, None)) for name in kernels.KERNEL_NAMES)


@pytest.mark.parametrize("backend", BACKENDS)
def test_optimizer_steps_refuse_vectors_of_different_lengths(backend):
    params, grad = np.zeros(7), np.ones(7)
    short = np.zeros(5)
    with kernels.use(backend):
        with pytest.raises(ValueError, match=r"sizes \[7, 7, 5\]"):
            kernels.sgd_step(params, grad, short, 0.1, 0.9, True)
        with pytest.raises(ValueError, match="must all match the parameter vector"):
            kernels.adam_step(params, grad, np.zeros(7), short, 0.01, 0.9, 0.999, 1e-8,
                              np.zeros(7))
    assert not params.any()


def test_numba_is_available_where_installed():
    try:
        import numba  # noqa: F401
    except ImportError:
        assert BACKENDS == ["numpy"]
    else:
        assert BACKENDS == ["numba", "numpy"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation, reference", [
    ("identity", lambda z: z), ("relu", lambda z: np.maximum(z, 0)),
    ("tanh", np.tanh), ("sigmoid", expit),
])
def test_bias_forward(backend, dtype, activation, reference, rng):
    z = rng.normal(size=(37, 11)).astype(dtype)
    bias = rng.normal(size=11).astype(dtype)
    expected = reference(z.astype(np.float64) + bias)
    with kernels.use(backend):
        kernels.bias_forward(z, bias, activation)
    assert z.dtype == dtype
    assert_allclose(z, expected, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, slope", [
    ("relu_backward", lambda a: (a > 0).astype(float)),
    ("tanh_backward", lambda a: 1 - a * a),
    ("sigmoid_backward", lambda a: a * (1 - a)),
])
def test_activation_backward(backend, dtype, name, slope, rng):
    a = rng.uniform(-0.9, 0.9, size=(23, 9)).astype(dtype)
    grad = rng.normal(size=(23, 9)).astype(dtype)
    expected = grad.astype(np.float64) * slope(a.astype(np.float64))
    with kernels.use(backend):
        getattr(kernels, name)(grad, a)
    assert grad.dtype == dtype
    assert_allclose(grad, expected, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_add_scaled(backend, dtype, rng):
    dst, src = rng.normal(size=(2, 1001)).astype(dtype)
    expected = dst.astype(np.float64) + 0.37 * src
    with kernels.use(backend):
        kernels.add_scaled(dst, src, 0.37, np.empty_like(src))
    assert_allclose(dst, expected, **_tol(dtype))


def _penalised_gradient(params, grad, l2, n_penalized):
    """The reference for the optimizers' fused L2 term: the gradient with
    ``l2 * params`` added on the first entries, and their sum of squares."""
    g = grad.astype(np.float64)
    g[:n_penalized] += l2 * params[:n_penalized].astype(np.float64)
    return g, float(np.sum(params[:n_penalized].astype(np.float64) ** 2))


# no penalty; a penalty on part of the vector (coefficients before
# intercepts); a penalty on all of it
PENALTIES = [(0.0, 0), (0.3, 300), (0.3, 503)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
@pytest.mark.parametrize("l2, n_penalized", PENALTIES)
def test_sgd_step(backend, dtype, momentum, nesterov, l2, n_penalized, rng):
    params, grad, velocity = rng.normal(size=(3, 503)).astype(dtype)
    g, squares = _penalised_gradient(params, grad, l2, n_penalized)
    p, v = params.astype(np.float64), velocity.astype(np.float64)
    v = momentum * v - 0.1 * g
    p = p + (momentum * v - 0.1 * g if nesterov else v)
    with kernels.use(backend):
        got = kernels.sgd_step(params, grad, velocity, 0.1, momentum, nesterov, l2,
                               n_penalized)
    assert_allclose(velocity, v, **_tol(dtype))
    assert_allclose(params, p, **_tol(dtype))
    assert_allclose(got, squares, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l2, n_penalized", PENALTIES)
def test_adam_step(backend, dtype, l2, n_penalized, rng):
    params, grad = rng.normal(size=(2, 503)).astype(dtype)
    m, v = rng.normal(size=503).astype(dtype), rng.uniform(size=503).astype(dtype)
    g, squares = _penalised_gradient(params, grad, l2, n_penalized)
    m64 = 0.9 * m + 0.1 * g
    v64 = 0.999 * v + 0.001 * g ** 2
    p64 = params - 0.01 * m64 / (np.sqrt(v64) + 1e-8)
    with kernels.use(backend):
        got = kernels.adam_step(params, grad, m, v, 0.01, 0.9, 0.999, 1e-8,
                                np.empty_like(params), l2, n_penalized)
    for array, want in [(m, m64), (v, v64), (params, p64)]:
        assert array.dtype == dtype
        assert_allclose(array, want, **_tol(dtype))
    assert_allclose(got, squares, **_tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("params", [
    dict(solver="adam", activation="relu", alpha=1e-3),
    dict(solver="sgd", activation="tanh"),
    dict(solver="adam", activation="logistic", dropout=0.2),
])
def test_whole_fits_agree_between_back_ends(dtype, params):
    if len(BACKENDS) < 2:
        pytest.skip("numba is not installed: one back-end only")
    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16).astype(dtype)
    fits = []
    for name in BACKENDS:
        with kernels.use(name), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(MLPClassifier((32, 16), max_iter=10, random_state=0, **params)
                        .fit(X, y[:400]))
    for a, b in zip(fits[0].coefs_, fits[1].coefs_):
        assert_allclose(a, b, rtol=1e-3 if dtype == np.float32 else 1e-7, atol=1e-5)
    assert_allclose(fits[0].loss_curve_, fits[1].loss_curve_, rtol=1e-4)


def test_regressor_agrees_between_back_ends():
    if len(BACKENDS) < 2:
        pytest.skip("numba is not installed: one back-end only")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5))
    y = X[:, 0] - np.tanh(X[:, 1])
    preds = []
    for name in BACKENDS:
        with kernels.use(name), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            preds.append(MLPRegressor(hidden_layer_sizes=(16,), activation="tanh", max_iter=20,
                                      random_state=0)
                         .fit(X, y).predict(X))
    assert_allclose(preds[0], preds[1], rtol=1e-7, atol=1e-9)


def test_use_restores_and_rejects_unknown_back_ends():
    before = kernels.backend()
    with kernels.use("numpy"):
        assert kernels.backend() == "numpy"
    assert kernels.backend() == before
    with pytest.raises(ValueError, match="not available"):
        with kernels.use("cuda"):
            pass
    assert kernels.backend() == before


def test_use_rejects_unknown_back_ends_when_called_outside_with():
    with pytest.raises(ValueError, match="'nunpy' is not available here"):
        kernels.use("nunpy")


def test_use_switches_on_entering_and_nests():
    before = kernels.backend()
    switch = kernels.use("numpy")
    assert kernels.backend() == before  # the call alone switches nothing
    with switch:
        assert kernels.backend() == "numpy"
        for name in BACKENDS:
            with kernels.use(name):
                assert kernels.backend() == name
            assert kernels.backend() == "numpy"
    assert kernels.backend() == before


def _backend_in_subprocess(setting, block_numba=False):
    """The back-end a fresh interpreter picks with ``SKDL_KERNELS=setting``
    (unset when None), and the warnings its import raised."""
    code = (
        "import sys, warnings\n"
        + ("sys.modules['numba'] = None\n" if block_numba else "")
        + "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from skdl import kernels\n"
        "print(kernels.backend())\n"
        "for w in caught:\n"
        "    print(w.category.__name__, w.message)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SKDL_KERNELS"}
    if setting is not None:
        env["SKDL_KERNELS"] = setting
    lines = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    return lines[0], lines[1:]


def test_environment_variable_forces_numpy():
    assert _backend_in_subprocess("numpy") == ("numpy", [])
    assert _backend_in_subprocess(None) == (BACKENDS[0], [])
    assert _backend_in_subprocess("numba") == (BACKENDS[0], [])


def test_unknown_environment_value_warns_and_falls_back():
    backend, warned = _backend_in_subprocess("nunpy")
    assert backend == BACKENDS[0]
    assert warned == [
        "RuntimeWarning Ignoring SKDL_KERNELS='nunpy': it is not a kernel back-end "
        f"(choose one of ['numba', 'numpy']); using {BACKENDS[0]!r}."
    ]


def test_numba_asked_for_but_missing_warns_and_uses_numpy():
    backend, warned = _backend_in_subprocess("numba", block_numba=True)
    assert backend == "numpy"
    (message,) = warned
    assert message.startswith("RuntimeWarning SKDL_KERNELS='numba' asks for numba, "
                              "which cannot be imported here (")
    assert message.endswith("using 'numpy'. Install it with: pip install 'skdl[fast]'.")
    # without the variable, a missing numba is the normal case: no warning
    assert _backend_in_subprocess(None, block_numba=True) == ("numpy", [])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_cross_entropy(backend, dtype, weighted, rng):
    z = (rng.normal(size=(31, 5)) * 30).astype(dtype)  # large logits: must stay finite
    y = np.eye(5, dtype=dtype)[rng.randint(0, 5, 31)]
    y[3] = 0  # a row that does not sum to one
    weights = rng.uniform(0, 2, size=31).astype(dtype) if weighted else None
    weight_sum = float(weights.sum()) if weighted else 31.0
    z64, y64 = z.astype(np.float64), y.astype(np.float64)
    top = z64.max(axis=1, keepdims=True)
    log_mass = np.log(np.exp(z64 - top).sum(axis=1, keepdims=True)) + top
    p = np.exp(z64 - log_mass)
    per_sample = (log_mass[:, 0] * y64.sum(axis=1)) - (y64 * z64).sum(axis=1)
    w = np.ones(31) if weights is None else weights.astype(np.float64)
    out, delta = np.empty_like(z), np.empty_like(z)
    with kernels.use(backend):
        value = kernels.softmax_cross_entropy(z, y, out, delta, weights, weight_sum)
    assert np.isfinite(value)
    assert_allclose(value, np.dot(per_sample, w) / weight_sum, rtol=1e-5)
    assert_allclose(out, p, **_tol(dtype))
    assert_allclose(delta, (p * y64.sum(axis=1, keepdims=True) - y64) * (w / weight_sum)[:, None],
                    **_tol(dtype))


# --------------------------------------------------------------------------
# The perceptron rule's kernels
# --------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed", [0, 1, 12345, 2**31 - 2, 2**32 + 7])
def test_shuffle_permutation_is_scikit_learns_shuffle(backend, seed):
    seq_dataset = pytest.importorskip("sklearn.utils._seq_dataset")
    n = 257
    X, zeros = np.zeros((n, 1)), np.zeros(n)
    dataset = seq_dataset.ArrayDataset64(X, zeros, np.ones(n), seed=1)
    with kernels.use(backend):
        permutation = kernels.shuffle_permutation(n, seed)
    order = np.arange(n)
    for _ in range(3):  # each epoch shuffles the last epoch's order again
        dataset._shuffle_py(seed % 2**32)
        visited = [dataset._next_py()[-1] for _ in range(n)]
        order = order[permutation]
        assert_array_equal(visited, order)


@pytest.mark.parametrize("backend", BACKENDS)
def test_shuffle_permutation_of_nothing_and_of_one(backend):
    with kernels.use(backend):
        assert kernels.shuffle_permutation(0, 3).size == 0
        assert_array_equal(kernels.shuffle_permutation(1, 3), [0])
        with pytest.raises(ValueError, match="n_samples must be >= 0"):
            kernels.shuffle_permutation(-1, 3)


def _perceptron_problem(rng, dtype=np.float64, n=40, d=5):
    X = rng.normal(size=(n, d)).astype(dtype)
    signs = np.where(rng.rand(n) < 0.5, -1.0, 1.0)
    return dict(
        coef=np.zeros(d, dtype=dtype), l1_applied=np.zeros(d, dtype=dtype),
        state=np.array([1.0, 0.0, 0.0, 0.0, 0.0]), X=X, order=np.arange(n),
        signs=signs, sample_weight=np.ones(n, dtype=dtype),
    )


@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_perceptron_epoch_back_ends_agree(penalty, layout, dtype, rng):
    problem = _perceptron_problem(rng, dtype)
    if layout == "csr":
        problem["X"] = sp.csr_matrix(problem["X"] * (rng.rand(*problem["X"].shape) < 0.6))
    problem["order"] = rng.permutation(40)
    results = {}
    for backend in BACKENDS:
        run = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in problem.items()}
        with kernels.use(backend):
            sums = [kernels.perceptron_epoch(**run, penalty=penalty, alpha=0.01, l1_ratio=0.5,
                                             class_weight=(0.5, 2.0)) for _ in range(3)]
        results[backend] = run["coef"], run["state"], sums
    reference_coef, reference_state, reference_sums = results["numpy"]
    assert np.any(reference_coef != 0)
    for coef, state, sums in results.values():
        assert_allclose(coef, reference_coef, rtol=1e-12, atol=0)
        assert_allclose(state, reference_state, rtol=1e-12)
        assert_allclose(sums, reference_sums, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_perceptron_epoch_matches_the_rule_by_hand(backend, rng):
    problem = _perceptron_problem(rng)
    X, signs = problem["X"], problem["signs"]
    w, b, loss = np.zeros(X.shape[1]), 0.0, 0.0
    for i in range(len(signs)):
        margin = signs[i] * (X[i] @ w + b)
        loss += max(0.0, -margin)
        if margin <= 0:
            w += 0.5 * signs[i] * X[i]
            b += 0.5 * signs[i]
    with kernels.use(backend):
        loss_sum, objective_sum = kernels.perceptron_epoch(**problem, eta0=0.5)
    assert_allclose(problem["coef"], w, rtol=1e-12)
    assert_allclose(problem["state"][3], b, rtol=1e-12)
    assert_allclose([loss_sum, objective_sum], [loss, loss], rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("change, message", [
    (dict(coef=np.zeros(4), l1_applied=np.zeros(4)), "X has 5 features, coef has 4"),
    (dict(coef=np.zeros((5, 1))), "coef must be a 1-D"),
    (dict(l1_applied=np.zeros(3)), "l1_applied must match coef"),
    (dict(state=np.zeros(4)), "state must be a float64 array of shape"),
    (dict(signs=np.ones(39)), r"signs must be a float64 array of shape \(40,\)"),
    (dict(sample_weight=np.ones(41)), r"sample_weight must be a float64 array of shape"),
    (dict(sample_weight=np.ones(40, dtype=np.float32)), "sample_weight must be a float64"),
    (dict(X=np.zeros((40, 5), dtype=np.float32)), "X's dtype float32 differs"),
    (dict(X=np.zeros((5, 40)).T), "C-contiguous"),
    (dict(X=sp.csc_matrix(np.zeros((40, 5)))), "must be a CSR matrix"),
    (dict(order=np.arange(40.0)), "order must be a 1-D integer array"),
    (dict(order=np.array([0, 40])), r"order holds a row outside 0\.\.39"),
    (dict(order=np.array([-1])), r"order holds a row outside 0\.\.39"),
    (dict(skip=np.zeros(39, dtype=bool)), r"skip must be a bool array of shape \(40,\)"),
    (dict(penalty="l3"), "Unknown penalty 'l3'"),
])
def test_perceptron_epoch_refuses_inputs_that_do_not_fit(backend, change, message, rng):
    problem = _perceptron_problem(rng)
    problem.update(change)
    with kernels.use(backend), pytest.raises(ValueError, match=message):
        kernels.perceptron_epoch(**problem)


@pytest.mark.parametrize("backend", BACKENDS)
def test_perceptron_epoch_refuses_csr_indices_out_of_range(backend, rng):
    problem = _perceptron_problem(rng)
    X = sp.csr_matrix(problem["X"])
    X.indices[3] = 5  # one past the last feature
    problem["X"] = X
    with kernels.use(backend), pytest.raises(ValueError, match=r"feature outside 0\.\.4"):
        kernels.perceptron_epoch(**problem)
    X.indices[3] = 0
    X.indptr[7] = X.indptr[8] + 1  # an index pointer that runs backwards
    with kernels.use(backend), pytest.raises(ValueError, match="valid CSR index pointer"):
        kernels.perceptron_epoch(**problem)
