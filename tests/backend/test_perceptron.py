"""skdl.backend.perceptron: scikit-learn's shuffle, and the rule's epoch by
hand and agreeing between back-ends."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skdl import backend as backends
from skdl.backend import perceptron

from .routine_helpers import BACKENDS, DTYPES


# --------------------------------------------------------------------------
# The perceptron rule's routines
# --------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed", [0, 1, 12345, 2**31 - 2, 2**32 + 7])
def test_shuffle_permutation_is_scikit_learns_shuffle(backend, seed):
    seq_dataset = pytest.importorskip("sklearn.utils._seq_dataset")
    n = 257
    X, zeros = np.zeros((n, 1)), np.zeros(n)
    dataset = seq_dataset.ArrayDataset64(X, zeros, np.ones(n), seed=1)
    with backends.use(backend):
        permutation = perceptron.shuffle_permutation(n, seed)
    order = np.arange(n)
    for _ in range(3):  # each epoch shuffles the last epoch's order again
        dataset._shuffle_py(seed % 2**32)
        visited = [dataset._next_py()[-1] for _ in range(n)]
        order = order[permutation]
        assert_array_equal(visited, order)


@pytest.mark.parametrize("backend", BACKENDS)
def test_shuffle_permutation_of_nothing_and_of_one(backend):
    with backends.use(backend):
        assert perceptron.shuffle_permutation(0, 3).size == 0
        assert_array_equal(perceptron.shuffle_permutation(1, 3), [0])
        with pytest.raises(ValueError, match="n_samples must be >= 0"):
            perceptron.shuffle_permutation(-1, 3)


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
        with backends.use(backend):
            sums = [perceptron.perceptron_epoch(**run, penalty=penalty, alpha=0.01, l1_ratio=0.5,
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
    with backends.use(backend):
        loss_sum, objective_sum = perceptron.perceptron_epoch(**problem, eta0=0.5)
    assert_allclose(problem["coef"], w, rtol=1e-12)
    assert_allclose(problem["state"][3], b, rtol=1e-12)
    assert_allclose([loss_sum, objective_sum], [loss, loss], rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("change, message", [
    (dict(coef=np.zeros(4), l1_applied=np.zeros(4)), "X has 5 features, coef has 4"),
    (dict(coef=np.zeros((5, 1))), r"coef must be 1-D; got shape \(5, 1\)"),
    (dict(coef=[0.0] * 5), "coef must be a float32 or float64 NumPy array; got a list"),
    (dict(l1_applied=np.zeros(3)), r"l1_applied has shape \(3,\), but needs shape \(5,\)"),
    (dict(l1_applied=np.zeros(5, dtype=np.float32)), "l1_applied has dtype float32"),
    (dict(coef=np.zeros(10)[::2]), "coef is written in place, so it must be a C-contiguous"),
    (dict(state=np.zeros(10)[::2]), "state is written in place"),
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
    with backends.use(backend), pytest.raises(ValueError, match=message):
        perceptron.perceptron_epoch(**problem)


@pytest.mark.parametrize("backend", BACKENDS)
def test_perceptron_epoch_refuses_csr_indices_out_of_range(backend, rng):
    problem = _perceptron_problem(rng)
    X = sp.csr_matrix(problem["X"])
    X.indices[3] = 5  # one past the last feature
    problem["X"] = X
    with backends.use(backend), pytest.raises(ValueError, match=r"feature outside 0\.\.4"):
        perceptron.perceptron_epoch(**problem)
    X.indices[3] = 0
    X.indptr[7] = X.indptr[8] + 1  # an index pointer that runs backwards
    with backends.use(backend), pytest.raises(ValueError, match="valid CSR index pointer"):
        perceptron.perceptron_epoch(**problem)
