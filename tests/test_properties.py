"""Property tests: on any valid input fit and predict work and give outputs
of the right shape and dtype, any invalid input gets a clear error, and
both compute back-ends reach the same outcome."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier, MLPRegressor, PerceptronClassifier
from skdl import backend as backends

DTYPES = [np.float16, np.float32, np.float64, np.int32, np.int64]

CLASSIFIERS = [
    lambda: MLPClassifier((5,), max_iter=15, random_state=0),
    lambda: MLPClassifier((4, 3), activation=["tanh", "gelu"], solver="lbfgs", max_iter=15,
                          random_state=0),
    lambda: MLPClassifier((5,), activation="elu", loss="hinge", solver="sgd", max_iter=15,
                          random_state=0),
    lambda: MLPClassifier((5,), loss="binary_cross_entropy", dropout=0.2, max_iter=15,
                          random_state=0),
    lambda: PerceptronClassifier(max_iter=15),
    lambda: PerceptronClassifier(activation="softmax", max_iter=15),
    lambda: PerceptronClassifier(activation="sigmoid", solver="sgd", eta0=0.1, max_iter=15),
]
REGRESSORS = [
    lambda: MLPRegressor(hidden_layer_sizes=(5,), max_iter=15, random_state=0),
    lambda: MLPRegressor("huber", hidden_layer_sizes=(4,), activation="softplus",
                         solver="lbfgs", max_iter=15, random_state=0),
    lambda: MLPRegressor("absolute_error", hidden_layer_sizes=(4,), activation="leaky_relu",
                         solver="sgd", max_iter=15, learning_rate_init=1e-3, random_state=0),
]


@st.composite
def datasets(draw, classification):
    """X of a drawn shape and dtype (dense or CSR), y, and optional weights."""
    n = draw(st.integers(6, 40))
    d = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from(DTYPES))
    elements = (st.integers(-20, 20) if np.issubdtype(dtype, np.integer)
                else st.floats(-20, 20, width=16 if dtype == np.float16 else 64))
    X = draw(arrays(dtype, (n, d), elements=elements))
    if classification:
        k = draw(st.integers(2, 4))
        y = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
        assume(len(np.unique(y)) >= 2)
        labels = draw(st.sampled_from(["int", "str"]))
        y = np.array(["a", "b", "c", "d"])[y] if labels == "str" else y
    else:
        y = draw(arrays(np.float64, n, elements=st.floats(-10, 10)))
    weights = draw(st.one_of(st.none(), arrays(np.float64, n, elements=st.floats(0, 3))))
    if weights is not None:
        assume(weights.sum() > 0.5)
    if X.dtype != np.float16 and draw(st.booleans()):  # scipy.sparse has no float16
        X = sp.csr_matrix(X)
    return X, y, weights


def _expected_dtype(X):
    return np.float32 if X.dtype == np.float32 else np.float64


def _fit(model, X, y, weights):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, sample_weight=weights)


@given(data=datasets(classification=True), which=st.integers(0, len(CLASSIFIERS) - 1))
def test_classifiers_on_any_valid_input(data, which):
    X, y, weights = data
    model = _fit(CLASSIFIERS[which](), X, y, weights)
    predicted = model.predict(X)
    assert predicted.shape == y.shape
    assert set(predicted) <= set(y)
    assert predicted.dtype == model.classes_.dtype
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        assert proba.shape == (len(y), len(model.classes_))
        assert proba.dtype == _expected_dtype(X)
        assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-3)
    weights_ = getattr(model, "coefs_", None) or [model.coef_]
    assert all(w.dtype == _expected_dtype(X) and np.isfinite(w).all() for w in weights_)


@given(data=datasets(classification=False), which=st.integers(0, len(REGRESSORS) - 1))
def test_regressors_on_any_valid_input(data, which):
    X, y, weights = data
    model = _fit(REGRESSORS[which](), X, y, weights)
    predicted = model.predict(X)
    assert predicted.shape == y.shape
    assert predicted.dtype == _expected_dtype(X)
    assert np.all(np.isfinite(predicted))


@given(data=datasets(classification=True), which=st.integers(0, len(CLASSIFIERS) - 1),
       row=st.integers(0, 5), col=st.integers(0, 4),
       bad=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_input_always_gets_the_clear_error(data, which, row, col, bad):
    X, y, weights = data
    X = (X.toarray() if sp.issparse(X) else X).astype(np.float64)
    X[row % X.shape[0], col % X.shape[1]] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        CLASSIFIERS[which]().fit(X, y, sample_weight=weights)


@given(data=datasets(classification=True), which=st.integers(0, len(CLASSIFIERS) - 1),
       extra=st.integers(1, 3))
def test_wrong_feature_count_always_gets_the_clear_error(data, which, extra):
    X, y, weights = data
    model = _fit(CLASSIFIERS[which](), X, y, weights)
    X = X.toarray() if sp.issparse(X) else X
    wider = np.hstack([X, np.zeros((X.shape[0], extra), dtype=X.dtype)])
    with pytest.raises(ValueError, match="features"):
        model.predict(wider)


def _outcome(model, X, y):
    """("fit", outputs) with finite weights, or ("diverged", None) for the
    divergence error; any other error propagates."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # convergence, overflow
        try:
            model.fit(X, y)
        except ValueError as error:
            if not str(error).startswith("Training diverged"):
                raise
            return "diverged", None
    assert all(np.isfinite(w).all() for w in model.coefs_ + model.intercepts_)
    out = model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)
    return "fit", out


@pytest.mark.skipif(len(backends.available()) < 2, reason="numba is not installed")
@given(classify=st.booleans(), exponent=st.integers(-30, 37),
       dtype=st.sampled_from([np.float32, np.float64]), alpha=st.sampled_from([0.0, 1e-4]),
       solver=st.sampled_from(["adam", "sgd", "lbfgs"]),
       activation=st.sampled_from(["relu", "tanh", "logistic"]), seed=st.integers(0, 3))
# the cases: X times 1e22 with the default alpha (numba diverged,
# NumPy fitted), X times 1e37 without a penalty (the other way round)
@example(classify=True, exponent=22, dtype=np.float32, alpha=1e-4, solver="adam",
         activation="relu", seed=0)
@example(classify=True, exponent=37, dtype=np.float32, alpha=0.0, solver="adam",
         activation="relu", seed=0)
def test_both_back_ends_reach_the_same_outcome_on_extreme_scales(
        classify, exponent, dtype, alpha, solver, activation, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, -2.0, 0.5] + np.tanh(X[:, 1])
    if classify:
        y = np.digitize(y, [-1.0, 1.0])
    X = (X * 10.0 ** exponent).astype(dtype)
    estimator = MLPClassifier if classify else MLPRegressor
    outcomes = []
    for name in ["numba", "numpy"]:
        model = estimator(hidden_layer_sizes=(6,), activation=activation, solver=solver,
                          alpha=alpha, max_iter=10, random_state=seed)
        with backends.use(name):
            outcomes.append(_outcome(model, X, y))
    (numba_says, numba_out), (numpy_says, numpy_out) = outcomes
    assert numba_says == numpy_says
    # L-BFGS's line search turns float32 rounding differences between the
    # back-ends (their tanh and exp differ in the last bit) into different
    # paths: there only the outcome has to agree
    if numba_says == "fit" and not (dtype == np.float32 and solver == "lbfgs"):
        scale = max(1.0, float(np.max(np.abs(numpy_out))))
        tolerance = 3e-2 if dtype == np.float32 else 1e-6
        np.testing.assert_allclose(numba_out / scale, numpy_out / scale, rtol=0,
                                   atol=tolerance)
