"""Tests of skdl.PerceptronClassifier against independent references:
scikit-learn's Perceptron and LogisticRegression, NumPy least squares and
plain NumPy gradient descent."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.metrics import get_scorer, log_loss
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import PerceptronClassifier
from skdl import backend as backends

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(params=backends.available())
def backend(request):
    """Each compute back-end that runs here."""
    return request.param


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _datasets():
    X_iris, y_iris = _iris()
    X_bin, y_bin = make_classification(
        n_samples=200, n_features=6, n_informative=3, flip_y=0.1, random_state=0
    )
    X_multi, y_multi = make_classification(
        n_samples=200, n_features=6, n_informative=4, n_classes=3,
        n_clusters_per_class=1, random_state=1,
    )
    return {
        "iris": (X_iris, y_iris),
        "iris_binary": (X_iris, (y_iris == 1).astype(int)),
        "make_classification_binary": (X_bin, y_bin),
        "make_classification_3class": (X_multi, y_multi),
    }


DATASETS = _datasets()

# Settings for which sklearn's Perceptron and the estimator must agree,
# epoch count included. L1 and elastic-net run a fixed number of epochs:
# sklearn's stopping criterion there reads a norm it does not refresh after
# the L1 truncation, so its tol-based stop is not a reference.
RULE_SETTINGS = {
    "default": {},
    "l2": dict(penalty="l2", alpha=1e-3),
    "l2_strong": dict(penalty="l2", alpha=0.05, eta0=0.5),
    "l1_fixed_epochs": dict(penalty="l1", alpha=1e-3, tol=None, max_iter=12),
    "elasticnet_fixed_epochs": dict(
        penalty="elasticnet", alpha=1e-3, l1_ratio=0.3, tol=None, max_iter=12
    ),
    "balanced": dict(class_weight="balanced"),
    "class_weight_dict": dict(class_weight={0: 2.0, 1: 0.5}),
    "no_intercept": dict(fit_intercept=False),
    "eta0": dict(eta0=0.3),
    "no_early_stopping": dict(early_stopping=False, n_iter_no_change=3, tol=1e-2),
    "fixed_epochs": dict(tol=None, max_iter=7),
}


def _assert_same_model(ours, ref, X, rtol=1e-10, atol=1e-12):
    assert ours.coef_.shape == ref.coef_.shape
    assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=atol)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=rtol, atol=atol)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_
    assert_array_equal(ours.classes_, ref.classes_)
    assert_array_equal(ours.predict(X), ref.predict(X))
    assert_allclose(ours.decision_function(X), ref.decision_function(X), rtol=rtol,
                    atol=max(atol, 1e-10))


# --------------------------------------------------------------------------
# Weight-for-weight reproduction of sklearn.linear_model.Perceptron
# --------------------------------------------------------------------------


@pytest.mark.parametrize("setting", list(RULE_SETTINGS))
@pytest.mark.parametrize("data", list(DATASETS))
def test_reproduces_sklearn_perceptron(data, setting):
    X, y = DATASETS[data]
    kw = RULE_SETTINGS[setting]
    ref = Perceptron(shuffle=False, **kw).fit(X, y)
    ours = PerceptronClassifier(shuffle=False, **kw).fit(X, y)
    _assert_same_model(ours, ref, X)
    # the models did learn something
    assert np.any(ours.coef_ != 0)


@pytest.mark.parametrize("data", ["iris", "make_classification_binary"])
@pytest.mark.parametrize("setting", ["default", "l2", "balanced"])
def test_reproduces_sklearn_perceptron_with_sample_weight(data, setting):
    X, y = DATASETS[data]
    sw = np.random.RandomState(0).uniform(0.2, 3.0, size=len(y))
    kw = RULE_SETTINGS[setting]
    ref = Perceptron(shuffle=False, **kw).fit(X, y, sample_weight=sw)
    ours = PerceptronClassifier(shuffle=False, **kw).fit(X, y, sample_weight=sw)
    _assert_same_model(ours, ref, X)
    unweighted = PerceptronClassifier(shuffle=False, **kw).fit(X, y)
    assert not np.allclose(ours.coef_, unweighted.coef_)


def test_reproduces_sklearn_perceptron_with_string_labels():
    X, y = DATASETS["iris"]
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    ref = Perceptron(shuffle=False).fit(X, names)
    ours = PerceptronClassifier(shuffle=False).fit(X, names)
    _assert_same_model(ours, ref, X)
    assert set(ours.predict(X)) <= set(names)


@pytest.mark.parametrize("setting", ["default", "l2", "balanced", "fixed_epochs", "no_intercept"])
@pytest.mark.parametrize("data", ["iris", "make_classification_binary"])
def test_reproduces_sklearn_perceptron_float32(data, setting):
    X, y = DATASETS[data]
    X32 = X.astype(np.float32)
    kw = RULE_SETTINGS[setting]
    ref = Perceptron(shuffle=False, **kw).fit(X32, y)
    ours = PerceptronClassifier(shuffle=False, **kw).fit(X32, y)
    assert ours.coef_.dtype == np.float32
    # scikit-learn keeps a binary intercept in float64, the rule's own dtype
    assert ours.intercept_.dtype == ref.intercept_.dtype
    assert ours.decision_function(X32).dtype == ref.decision_function(X32).dtype
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=0)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=0)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_
    assert_array_equal(ours.predict(X32), ref.predict(X32))
    assert_allclose(ours.decision_function(X32), ref.decision_function(X32), rtol=1e-10)


# --------------------------------------------------------------------------
# The same path as scikit-learn with shuffling on, the default
# --------------------------------------------------------------------------


def _shuffled_datasets():
    X_cancer, y_cancer = load_breast_cancer(return_X_y=True)
    X_wine, y_wine = load_wine(return_X_y=True)
    return {
        **DATASETS,
        "breast_cancer": (StandardScaler().fit_transform(X_cancer), y_cancer),
        "wine_unscaled": (X_wine, y_wine),
    }


SHUFFLED_DATASETS = _shuffled_datasets()

SHUFFLED_SETTINGS = {
    "default": {},
    "l2": dict(penalty="l2", alpha=1e-3),
    "l1": dict(penalty="l1", alpha=1e-3),
    "elasticnet": dict(penalty="elasticnet", alpha=1e-3, l1_ratio=0.3),
    "balanced": dict(class_weight="balanced"),
    "class_weight_dict": dict(class_weight={0: 2.0, 1: 0.5}),
    "early_stopping": dict(early_stopping=True, validation_fraction=0.2),
    "early_stopping_l2": dict(early_stopping=True, penalty="l2", alpha=1e-3),
    "no_intercept_eta0": dict(fit_intercept=False, eta0=0.3),
}


def _layout(X, dtype, layout):
    X = X.astype(dtype)
    return sp.csr_matrix(X) if layout == "csr" else X


def _assert_same_weights(ours, ref):
    """Weight for weight, in scikit-learn's dtypes, with the same epochs."""
    assert ours.coef_.dtype == ref.coef_.dtype
    assert ours.intercept_.dtype == ref.intercept_.dtype
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=0)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=0)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("setting", list(SHUFFLED_SETTINGS))
@pytest.mark.parametrize("data", list(SHUFFLED_DATASETS))
def test_shuffled_fit_follows_sklearn(backend, data, setting, dtype, layout):
    X, y = SHUFFLED_DATASETS[data]
    X = _layout(X, dtype, layout)
    kw = dict(SHUFFLED_SETTINGS[setting], random_state=7)
    ref = Perceptron(**kw).fit(X, y)
    with backends.use(backend):
        ours = PerceptronClassifier(**kw).fit(X, y)
    _assert_same_weights(ours, ref)
    assert ours.n_iter_ < ours.max_iter


@pytest.mark.parametrize("setting", ["default", "l2", "class_weight_dict", "elasticnet"])
@pytest.mark.parametrize("data", ["iris", "iris_binary", "breast_cancer"])
def test_shuffled_sample_weight_follows_sklearn(backend, data, setting):
    X, y = SHUFFLED_DATASETS[data]
    weights = np.random.RandomState(1).uniform(0.0, 3.0, len(y))
    kw = dict(SHUFFLED_SETTINGS[setting], random_state=3)
    ref = Perceptron(**kw).fit(X, y, sample_weight=weights)
    with backends.use(backend):
        ours = PerceptronClassifier(**kw).fit(X, y, sample_weight=weights)
    _assert_same_weights(ours, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("setting", ["default", "l2", "class_weight_dict"])
@pytest.mark.parametrize("data", ["iris", "iris_binary", "make_classification_3class"])
def test_shuffled_partial_fit_follows_sklearn(backend, data, setting, dtype):
    X, y = SHUFFLED_DATASETS[data]
    X = X.astype(dtype)
    classes = np.unique(y)
    rng = np.random.RandomState(0)
    batches = [rng.permutation(len(y))[:60], np.arange(len(y)), rng.permutation(len(y))[:90]]
    kw = dict(SHUFFLED_SETTINGS[setting], random_state=5)
    ref = Perceptron(**kw)
    ours = PerceptronClassifier(**kw)
    with backends.use(backend):
        for rows in batches:
            ref.partial_fit(X[rows], y[rows], classes=classes)
            ours.partial_fit(X[rows], y[rows], classes=classes)
            _assert_same_weights(ours, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("data", ["iris", "iris_binary"])
def test_shuffled_warm_start_follows_sklearn(backend, data, dtype):
    # a warm start casts the last weights to X's dtype, as scikit-learn does
    X, y = SHUFFLED_DATASETS[data]
    X = X.astype(dtype)
    kw = dict(warm_start=True, penalty="l2", alpha=1e-3, max_iter=4, tol=None, random_state=2)
    ref = Perceptron(**kw)
    ours = PerceptronClassifier(**kw)
    with backends.use(backend):
        for _ in range(3):
            ref.fit(X, y)
            ours.fit(X, y)
            _assert_same_weights(ours, ref)


def test_random_state_instance_is_drawn_from_as_sklearn_draws():
    X, y = SHUFFLED_DATASETS["make_classification_3class"]
    ref_rng, our_rng = np.random.RandomState(11), np.random.RandomState(11)
    for kw in [{}, dict(early_stopping=True)]:
        ref = Perceptron(random_state=ref_rng, **kw).fit(X, y)
        ours = PerceptronClassifier(random_state=our_rng, **kw).fit(X, y)
        _assert_same_weights(ours, ref)
    # the same draws were taken from both generators
    assert ref_rng.randint(1 << 30) == our_rng.randint(1 << 30)


def test_digits_default_follows_sklearn():
    X, y = load_digits(return_X_y=True)
    ref = Perceptron(random_state=0).fit(X, y)
    ours = PerceptronClassifier(random_state=0).fit(X, y)
    _assert_same_weights(ours, ref)


@pytest.mark.parametrize("loader", [load_iris, load_wine])
def test_default_cross_validation_scores_equal_sklearn(loader):
    # the drop-in promise: swapping the class leaves the user's numbers as
    # they were
    X, y = loader(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    ref = cross_val_score(Perceptron(random_state=0), X, y, cv=cv)
    ours = cross_val_score(PerceptronClassifier(random_state=0), X, y, cv=cv)
    assert_array_equal(ours, ref)


def test_different_random_states_give_different_paths():
    X, y = SHUFFLED_DATASETS["iris"]
    first = PerceptronClassifier(random_state=0).fit(X, y)
    second = PerceptronClassifier(random_state=1).fit(X, y)
    assert not np.allclose(first.coef_, second.coef_)


@pytest.mark.parametrize("setting", ["default", "l2", "class_weight_dict"])
@pytest.mark.parametrize("data", ["iris", "iris_binary", "make_classification_3class"])
def test_partial_fit_reproduces_sklearn(data, setting):
    X, y = DATASETS[data]
    classes = np.unique(y)
    n = len(y)
    rng = np.random.RandomState(0)
    batches = [rng.permutation(n)[: n // 2], np.arange(n // 3, n), np.arange(n)[::-1],
               rng.permutation(n)[:40]]
    sws = [None, rng.uniform(0.5, 2.0, n), None, rng.uniform(0.5, 2.0, n)]
    kw = RULE_SETTINGS[setting]
    ref = Perceptron(shuffle=False, **kw)
    ours = PerceptronClassifier(shuffle=False, **kw)
    for idx, sw in zip(batches, sws):
        sw_batch = None if sw is None else sw[idx]
        ref.partial_fit(X[idx], y[idx], classes=classes, sample_weight=sw_batch)
        ours.partial_fit(X[idx], y[idx], classes=classes, sample_weight=sw_batch)
        _assert_same_model(ours, ref, X)
        assert ours.n_iter_ == 1


def test_partial_fit_first_batch_missing_a_class():
    X, y = DATASETS["iris"]
    first = y < 2  # class 2 absent from the first batch
    ref = Perceptron(shuffle=False).partial_fit(X[first], y[first], classes=[0, 1, 2])
    ours = PerceptronClassifier(shuffle=False).partial_fit(X[first], y[first], classes=[0, 1, 2])
    _assert_same_model(ours, ref, X)
    ref.partial_fit(X, y)
    ours.partial_fit(X, y)
    _assert_same_model(ours, ref, X)


def test_warm_start_weights_follow_sklearn():
    X, y = DATASETS["iris"]
    ref = Perceptron(shuffle=False, warm_start=True, tol=None, max_iter=3)
    ours = PerceptronClassifier(shuffle=False, warm_start=True, tol=None, max_iter=3)
    for _ in range(3):
        ref.fit(X, y)
        ours.fit(X, y)
        assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-12)
    cold = PerceptronClassifier(shuffle=False, tol=None, max_iter=9).fit(X, y)
    assert_allclose(ours.coef_, cold.coef_, rtol=1e-10, atol=1e-12)


def test_warm_start_t_matches_sklearn():
    X, y = DATASETS["iris"]
    ref = Perceptron(shuffle=False, warm_start=True, tol=None, max_iter=3)
    ours = PerceptronClassifier(shuffle=False, warm_start=True, tol=None, max_iter=3)
    for _ in range(2):
        ref.fit(X, y)
        ours.fit(X, y)
    assert ref.t_ == ref.n_iter_ * X.shape[0] + 1
    assert ours.t_ == ref.t_


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix])
def test_sparse_input_reproduces_sklearn(fmt):
    """On sparse X both libraries damp intercept steps (by 0.01), so the
    weights differ from the dense fit but agree with scikit-learn's."""
    X, y = DATASETS["make_classification_3class"]
    X = X * (np.random.RandomState(0).rand(*X.shape) < 0.5)
    ours = PerceptronClassifier(shuffle=False).fit(fmt(X), y)
    theirs = Perceptron(shuffle=False).fit(fmt(X), y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10, atol=1e-12)
    assert ours.n_iter_ == theirs.n_iter_
    assert_array_equal(ours.predict(fmt(X)), theirs.predict(fmt(X)))
    dense = PerceptronClassifier(shuffle=False).fit(X, y)
    assert not np.allclose(ours.intercept_, dense.intercept_)


def test_early_stopping_holds_out_validation_data():
    X, y = DATASETS["iris"]
    plain = PerceptronClassifier(random_state=0, n_iter_no_change=3).fit(X, y)
    early = PerceptronClassifier(random_state=0, early_stopping=True, n_iter_no_change=3,
                                 validation_fraction=0.2).fit(X, y)
    assert early.n_iter_ >= 4  # at least one epoch plus n_iter_no_change idle ones
    assert early.n_iter_ < early.max_iter
    assert early.t_ == early.n_iter_ * X.shape[0] + 1
    assert not np.allclose(early.coef_, plain.coef_)
    assert early.score(X, y) > 0.7


@pytest.mark.parametrize("validation_fraction", [0.1, 0.3])
@pytest.mark.parametrize("random_state", [0, 1, 42])
@pytest.mark.parametrize("data", ["make_classification_binary", "iris_binary",
                                  "make_classification_3class", "iris"])
def test_early_stopping_reproduces_sklearn(data, random_state, validation_fraction):
    # same validation rows for the same random_state, and the training rows
    # visited in their original order. Unpenalised only: under an L2 or
    # elastic-net penalty scikit-learn scores the validation rows with its
    # unscaled weight buffer (coef_ / wscale), so it stops elsewhere.
    X, y = DATASETS[data]
    kw = dict(early_stopping=True, shuffle=False, random_state=random_state,
              validation_fraction=validation_fraction)
    ref = Perceptron(**kw).fit(X, y)
    ours = PerceptronClassifier(**kw).fit(X, y)
    _assert_same_model(ours, ref, X)
    assert ours.n_iter_ < ours.max_iter


@pytest.mark.parametrize("random_state", [0, 3])
@pytest.mark.parametrize("data", ["make_classification_binary", "make_classification_3class"])
def test_early_stopping_weighs_validation_accuracy_like_sklearn(data, random_state):
    # the validation accuracy is weighted by sample_weight (class weights
    # stay out of it), so the weighted fit stops where scikit-learn's does;
    # with an unweighted accuracy these four cases stop elsewhere
    X, y = DATASETS[data]
    weights = np.random.RandomState(random_state).uniform(0.1, 3.0, len(y))
    kw = dict(early_stopping=True, shuffle=False, random_state=random_state,
              validation_fraction=0.3)
    ref = Perceptron(**kw).fit(X, y, sample_weight=weights)
    ours = PerceptronClassifier(**kw).fit(X, y, sample_weight=weights)
    _assert_same_model(ours, ref, X)


# --------------------------------------------------------------------------
# Sample weights under the online rule: statistical
# --------------------------------------------------------------------------

N_SEEDS = 30


@pytest.fixture(scope="module")
def weighted_votes():
    """Predictions on held-out points of models trained with shuffling over
    many seeds: class 1 unweighted, weighted k, and repeated k times."""
    rng = np.random.RandomState(0)
    n = 100
    X = np.vstack([rng.normal([-1, 0], 1, (n, 2)), rng.normal([1, 0], 1, (n, 2))])
    y = np.repeat([0, 1], n)
    X_test = np.vstack([rng.normal([-1, 0], 1, (1000, 2)), rng.normal([1, 0], 1, (1000, 2))])
    out = {"none": [], "w3": [], "rep3": [], "w10": []}
    X_rep = np.vstack([X, X[y == 1], X[y == 1]])
    y_rep = np.concatenate([y, y[y == 1], y[y == 1]])
    for seed in range(N_SEEDS):
        out["none"].append(PerceptronClassifier(random_state=seed).fit(X, y).predict(X_test))
        out["w3"].append(PerceptronClassifier(random_state=seed)
                         .fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0)).predict(X_test))
        out["rep3"].append(PerceptronClassifier(random_state=1000 + seed)
                           .fit(X_rep, y_rep).predict(X_test))
        out["w10"].append(PerceptronClassifier(random_state=seed)
                          .fit(X, y, sample_weight=np.where(y == 1, 10.0, 1.0)).predict(X_test))
    return {k: np.array(v) for k, v in out.items()}


def _vote(predictions):
    return predictions.mean(axis=0) > 0.5


def test_weight_k_acts_like_k_repeats(weighted_votes):
    w3, rep3, none = (_vote(weighted_votes[k]) for k in ("w3", "rep3", "none"))
    agree_rep = np.mean(w3 == rep3)
    agree_none = np.mean(w3 == none)
    assert agree_rep > 0.95
    # the agreement is not just that of any two perceptrons on this data
    assert agree_rep > agree_none + 0.05
    assert abs(weighted_votes["w3"].mean() - weighted_votes["rep3"].mean()) < 0.05


def test_up_weighting_a_class_moves_predictions_towards_it(weighted_votes):
    frac = {k: weighted_votes[k].mean() for k in ("none", "w3", "w10")}
    # balanced classes and symmetric data: about half predicted as 1
    assert 0.4 < frac["none"] < 0.6
    assert frac["w3"] > frac["none"] + 0.08
    assert frac["w10"] > frac["w3"] + 0.05
    assert frac["w10"] > 0.7


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_balanced_class_weight_favours_minority_class(seed):
    X, y = make_classification(n_samples=300, n_features=4, n_informative=2,
                               weights=[0.85], flip_y=0.05, class_sep=0.5,
                               random_state=seed)
    recall = {}
    for cw in (None, "balanced"):
        preds = [PerceptronClassifier(class_weight=cw, random_state=s).fit(X, y).predict(X)
                 for s in range(8)]
        recall[cw] = np.mean([np.mean(p[y == 1] == 1) for p in preds])
    assert recall["balanced"] > recall[None] + 0.15


# --------------------------------------------------------------------------
# Sample weights under L-BFGS: exact
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def easy_binary_data():
    return make_classification(n_samples=200, n_features=5, n_informative=3,
                               class_sep=2.0, flip_y=0.0, random_state=0)


@pytest.fixture(scope="module")
def binary_data():
    return make_classification(n_samples=200, n_features=5, n_informative=3,
                               flip_y=0.1, random_state=0)


@pytest.mark.parametrize("activation", ["sigmoid", "softmax", "identity"])
def test_lbfgs_weight_two_equals_duplicated_rows(binary_data, activation):
    X, y = binary_data
    sw = np.ones(len(y))
    sw[:50] = 2.0
    kw = dict(activation=activation, penalty="l2", alpha=0.1, tol=1e-10, max_iter=5000)
    weighted = PerceptronClassifier(**kw).fit(X, y, sample_weight=sw)
    duplicated = PerceptronClassifier(**kw).fit(np.vstack([X, X[:50]]),
                                                np.concatenate([y, y[:50]]))
    unweighted = PerceptronClassifier(**kw).fit(X, y)
    assert_allclose(weighted.decision_function(X), duplicated.decision_function(X),
                    rtol=1e-6, atol=1e-8)
    assert not np.allclose(weighted.decision_function(X), unweighted.decision_function(X),
                           rtol=1e-3)


def test_lbfgs_zero_weight_equals_dropping_rows(binary_data):
    X, y = binary_data
    sw = np.ones(len(y))
    sw[150:] = 0.0
    kw = dict(activation="sigmoid", penalty="l2", alpha=0.1, tol=1e-10, max_iter=5000)
    weighted = PerceptronClassifier(**kw).fit(X, y, sample_weight=sw)
    dropped = PerceptronClassifier(**kw).fit(X[:150], y[:150])
    assert_allclose(weighted.decision_function(X), dropped.decision_function(X),
                    rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("penalty", [None, "l1"])
def test_sgd_mini_batches_of_weight_zero_take_no_step(binary_data, penalty):
    # unshuffled batches of 10: the first five hold only rows of weight 0
    X, y = binary_data
    sw = np.ones(len(y))
    sw[:50] = 0.0
    kw = dict(solver="sgd", activation="sigmoid", penalty=penalty, batch_size=10,
              shuffle=False, max_iter=5, random_state=0)
    weighted = PerceptronClassifier(**kw).fit(X, y, sample_weight=sw)
    dropped = PerceptronClassifier(**kw).fit(X[50:], y[50:])
    assert_array_equal(weighted.coef_, dropped.coef_)
    assert_array_equal(weighted.intercept_, dropped.intercept_)
    assert_allclose(weighted.loss_curve_, dropped.loss_curve_)


@pytest.mark.parametrize("solver", ["perceptron", "sgd"])
def test_early_stopping_split_needs_weight_on_both_sides(binary_data, solver):
    # one row of non-zero weight lands on one side of the split
    X, y = binary_data
    sw = np.zeros(len(y))
    sw[0] = 1.0
    activation = "step" if solver == "perceptron" else "sigmoid"
    model = PerceptronClassifier(solver=solver, activation=activation, early_stopping=True,
                                 warm_start=True, random_state=0).fit(X, y)
    coef, intercept = model.coef_.copy(), model.intercept_.copy()
    with pytest.raises(ValueError, match="sample weights summing to 0"):
        model.fit(X, y, sample_weight=sw)
    assert_array_equal(model.coef_, coef)
    assert_array_equal(model.intercept_, intercept)


# --------------------------------------------------------------------------
# Gradient-trained variants against independent references
# --------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [1e-2, 1.0, 10.0])
def test_sigmoid_is_logistic_regression(binary_data, alpha):
    # skdl: mean log loss + alpha / (2 n) ||w||^2; sklearn: C * sum log loss
    # + ||w||^2 / 2. Multiplying the first by n / alpha gives the second
    # with C = 1 / alpha.
    X, y = binary_data
    ours = PerceptronClassifier(activation="sigmoid", penalty="l2", alpha=alpha,
                                tol=1e-10, max_iter=5000).fit(X, y)
    ref = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-3)
    assert_array_equal(ours.predict(X), ref.predict(X))


def test_sigmoid_without_penalty_is_unpenalised_logistic_regression(binary_data):
    X, y = binary_data
    ours = PerceptronClassifier(activation="sigmoid", tol=1e-10).fit(X, y)
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0}])
def test_sigmoid_class_weight_is_weighted_logistic_regression(class_weight):
    X, y = make_classification(n_samples=300, n_features=5, weights=[0.8],
                               flip_y=0.05, random_state=0)
    ours = PerceptronClassifier(activation="sigmoid", penalty="l2", alpha=0.5,
                                class_weight=class_weight, tol=1e-10).fit(X, y)
    ref = LogisticRegression(C=2.0, class_weight=class_weight, tol=1e-12,
                             max_iter=10000).fit(X, y)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("alpha", [0.1, 1.0])
def test_softmax_is_multinomial_logistic_regression(alpha):
    X, y = _iris()
    ours = PerceptronClassifier(activation="softmax", penalty="l2", alpha=alpha,
                                tol=1e-10, max_iter=5000).fit(X, y)
    ref = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    assert ours.coef_.shape == (3, 4)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=5e-4)
    assert np.mean(ours.predict(X) == ref.predict(X)) > 0.98


def test_softmax_binary_maps_to_logistic_regression_with_doubled_C(binary_data):
    # Two softmax columns w1, w0 both penalised: at the optimum w1 = -w0 =
    # d / 2 for the logit difference d, so the penalty alpha/2 (|w1|^2 +
    # |w0|^2) = alpha/4 |d|^2, i.e. logistic regression with C = 2 / alpha.
    X, y = binary_data
    alpha = 1.0
    ours = PerceptronClassifier(activation="softmax", penalty="l2", alpha=alpha,
                                tol=1e-10, max_iter=5000).fit(X, y)
    ref = LogisticRegression(C=2 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    assert ours.coef_.shape == (2, X.shape[1])
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-3)


def test_adaline_is_least_squares_binary():
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3,
                               random_state=2)
    ours = PerceptronClassifier(activation="identity", loss="squared_error",
                                solver="lbfgs", tol=1e-10, max_iter=5000).fit(X, y)
    A = np.hstack([X, np.ones((len(y), 1))])
    solution = np.linalg.lstsq(A, y.astype(float), rcond=None)[0]
    assert_allclose(ours.coef_.ravel(), solution[:-1], rtol=1e-5, atol=1e-7)
    assert_allclose(ours.intercept_, solution[-1:], rtol=1e-5, atol=1e-7)
    # decisions threshold the fitted 0/1 regression at 1/2
    fitted = A @ solution
    assert_allclose(ours.decision_function(X), fitted - 0.5, atol=1e-6)
    assert_array_equal(ours.predict(X), (fitted > 0.5).astype(int))


def test_adaline_is_least_squares_multiclass():
    X, y = _iris()
    ours = PerceptronClassifier(activation="identity", loss="squared_error",
                                solver="lbfgs", tol=1e-10, max_iter=5000).fit(X, y)
    A = np.hstack([X, np.ones((len(y), 1))])
    targets = np.eye(3)[y]
    solution = np.linalg.lstsq(A, targets, rcond=None)[0]
    assert_allclose(ours.coef_, solution[:-1].T, rtol=1e-4, atol=1e-6)
    assert_allclose(ours.intercept_, solution[-1], rtol=1e-4, atol=1e-6)
    assert_array_equal(ours.predict(X), np.argmax(A @ solution, axis=1))


def _gradient_descent(X, y, eta, steps, l2=0.0, l1=0.0, sw=None):
    """Full-batch gradient descent on the weighted mean log loss plus
    l2 / (2 sum(sw)) ||w||^2, with an L1 soft threshold eta * l1 / sum(sw)
    after each step (the L1 term scaled like the L2 one)."""
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    sw = np.ones(n) if sw is None else sw
    for _ in range(steps):
        r = (expit(X @ w + b) - y) * sw / sw.sum()
        grad_w = X.T @ r + l2 / sw.sum() * w
        w, b = w - eta * grad_w, b - eta * r.sum()
        w = np.sign(w) * np.maximum(np.abs(w) - eta * l1 / sw.sum(), 0.0)
    return w, b


@pytest.mark.parametrize("penalty, alpha", [(None, 1e-4), ("l2", 0.5), ("l1", 0.01)])
@pytest.mark.parametrize("weighted", [False, True])
def test_sgd_full_batch_is_gradient_descent(penalty, alpha, weighted):
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    sw = np.random.RandomState(0).uniform(0.1, 2.0, 100) if weighted else None
    ours = PerceptronClassifier(
        activation="sigmoid", solver="sgd", batch_size=500, shuffle=False, tol=None,
        max_iter=7, eta0=0.5, penalty=penalty, alpha=alpha,
    ).fit(X, y, sample_weight=sw)
    w, b = _gradient_descent(X, y, 0.5, 7, l2=alpha if penalty == "l2" else 0.0,
                             l1=alpha if penalty == "l1" else 0.0, sw=sw)
    assert_allclose(ours.coef_.ravel(), w, rtol=1e-10, atol=1e-12)
    assert_allclose(ours.intercept_[0], b, rtol=1e-10, atol=1e-12)
    assert ours.n_iter_ == 7


@pytest.mark.parametrize("activation", ["sigmoid", "softmax", "identity"])
def test_sgd_trains_and_reduces_loss(activation):
    X, y = _iris()
    clf = PerceptronClassifier(activation=activation, solver="sgd", eta0=0.1,
                               batch_size=16, max_iter=100).fit(X, y)
    curve = clf.loss_curve_
    assert len(curve) == clf.n_iter_
    assert curve[-1] < 0.7 * curve[0]
    assert clf.score(X, y) > 0.8


def test_sgd_partial_fit_continues_training():
    X, y = _iris()
    clf = PerceptronClassifier(activation="softmax", solver="sgd", eta0=0.1)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    first = clf.coef_.copy()
    for _ in range(30):
        clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == 31
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert not np.allclose(first, clf.coef_)


# --------------------------------------------------------------------------
# Probabilities and decisions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("activation, has_proba", [
    ("step", False), ("identity", False), ("tanh", False),
    ("sigmoid", True), ("softmax", True),
])
def test_predict_proba_availability(activation, has_proba):
    X, y = _iris()
    clf = PerceptronClassifier(activation=activation)
    assert hasattr(clf, "predict_proba") is has_proba
    clf.fit(X, y)
    assert hasattr(clf, "predict_proba") is has_proba
    assert hasattr(clf, "predict_log_proba") is has_proba


@pytest.mark.parametrize("activation", ["sigmoid", "softmax"])
@pytest.mark.parametrize("data", ["iris", "iris_binary"])
def test_probabilities_are_distributions(activation, data):
    X, y = DATASETS[data]
    clf = PerceptronClassifier(activation=activation, penalty="l2", alpha=0.1).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), len(np.unique(y)))
    assert np.all((proba >= 0) & (proba <= 1))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-12)


@pytest.mark.parametrize("activation, loss", [
    ("step", "auto"), ("sigmoid", "auto"), ("softmax", "auto"), ("identity", "auto"),
    ("tanh", "auto"), ("tanh", "hinge"), ("identity", "hinge"), ("softplus", "auto"),
])
def test_binary_decision_sign_agrees_with_predict(activation, loss, easy_binary_data):
    X, y = easy_binary_data
    clf = PerceptronClassifier(activation=activation, loss=loss).fit(X, y)
    scores = clf.decision_function(X)
    assert scores.shape == (len(y),)
    assert_array_equal(clf.predict(X), clf.classes_[(scores > 0).astype(int)])
    assert np.mean(clf.predict(X) == y) > 0.6


@pytest.mark.parametrize("solver, eta0, min_score", [("lbfgs", 1.0, 0.8), ("sgd", 0.1, 0.6)])
def test_relu_activation_learns(solver, eta0, min_score, easy_binary_data):
    """Zero weights are a dead start for ReLU; the estimator starts elsewhere."""
    X, y = easy_binary_data
    clf = PerceptronClassifier(activation="relu", solver=solver, eta0=eta0).fit(X, y)
    assert np.any(clf.coef_ != 0)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(X, y) > min_score


def test_growing_sgd_loss_warns(easy_binary_data):
    X, y = easy_binary_data
    with pytest.warns(ConvergenceWarning, match="eta0"):
        PerceptronClassifier(activation="identity", solver="sgd", eta0=1.0).fit(X, y)


@pytest.mark.parametrize("activation, threshold", [
    ("identity", 0.5), ("softplus", 0.5), ("tanh", 0.5), ("sigmoid", 0.5),
])
def test_binary_predict_thresholds_the_output(activation, threshold, binary_data):
    # 0/1 targets: the positive class is predicted where the activated
    # output exceeds 1/2, computed here from coef_ and intercept_.
    X, y = binary_data
    clf = PerceptronClassifier(activation=activation).fit(X, y)
    z = X @ clf.coef_.ravel() + clf.intercept_[0]
    out = {"identity": z, "softplus": np.logaddexp(0, z), "tanh": np.tanh(z),
           "sigmoid": expit(z)}[activation]
    assert np.any(out > threshold) and np.any(out < threshold)
    margin = np.abs(out - threshold) > 1e-9
    assert_array_equal(clf.predict(X)[margin], (out > threshold).astype(int)[margin])


@pytest.mark.parametrize("activation", ["step", "sigmoid", "softmax", "identity", "tanh"])
def test_multiclass_predict_is_argmax_of_decision(activation):
    X, y = _iris()
    clf = PerceptronClassifier(activation=activation).fit(X, y)
    scores = clf.decision_function(X)
    assert scores.shape == (len(y), 3)
    assert_array_equal(clf.predict(X), clf.classes_[np.argmax(scores, axis=1)])
    assert_allclose(scores, X @ clf.coef_.T + clf.intercept_, rtol=1e-12)


def test_step_decision_function_is_linear_score():
    X, y = DATASETS["make_classification_binary"]
    clf = PerceptronClassifier().fit(X, y)
    assert_allclose(clf.decision_function(X), X @ clf.coef_.ravel() + clf.intercept_[0],
                    rtol=1e-12)


# --------------------------------------------------------------------------
# Errors and failure atomicity
# --------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    dict(activation="step", loss="log_loss"),
    dict(activation="step", loss="squared_error"),
    dict(solver="perceptron", activation="sigmoid"),
    dict(solver="lbfgs", activation="step"),
    dict(penalty="l1", solver="lbfgs", activation="sigmoid"),
    dict(penalty="elasticnet", activation="sigmoid"),
    dict(activation="sigmoid", fit_intercept=False, solver="lbfgs"),
])
def test_invalid_combinations_raise(params):
    X, y = _iris()
    with pytest.raises(ValueError):
        PerceptronClassifier(**params).fit(X, y)


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
def test_single_class_raises(activation):
    X, _ = _iris()
    with pytest.raises(ValueError, match="class"):
        PerceptronClassifier(activation=activation).fit(X, np.zeros(len(X)))


def test_partial_fit_needs_classes_first():
    X, y = _iris()
    clf = PerceptronClassifier()
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "coef_")


def test_partial_fit_unavailable_for_lbfgs():
    assert not hasattr(PerceptronClassifier(activation="sigmoid"), "partial_fit")
    assert hasattr(PerceptronClassifier(activation="sigmoid", solver="sgd"), "partial_fit")
    assert hasattr(PerceptronClassifier(), "partial_fit")


def _snapshot(clf):
    return {k: np.copy(getattr(clf, k)) for k in ("coef_", "intercept_", "classes_")} | {
        "n_iter_": clf.n_iter_, "t_": clf.t_}


def _assert_unchanged(clf, snap, X):
    for key in ("coef_", "intercept_", "classes_"):
        assert_array_equal(getattr(clf, key), snap[key])
    assert clf.n_iter_ == snap["n_iter_"]
    assert clf.t_ == snap["t_"]
    assert_array_equal(clf.predict(X), clf.classes_[np.argmax(X @ snap["coef_"].T
                                                              + snap["intercept_"], axis=1)])


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
def test_failed_refit_with_nan_leaves_estimator_unchanged(activation):
    X, y = _iris()
    clf = PerceptronClassifier(activation=activation).fit(X, y)
    snap = _snapshot(clf)
    X_bad = X.copy()
    X_bad[3, 1] = np.nan
    with pytest.raises(ValueError):
        clf.fit(X_bad, y)
    _assert_unchanged(clf, snap, X)


def test_failed_refit_by_overflow_leaves_estimator_unchanged():
    X, y = _iris()
    clf = PerceptronClassifier().fit(X, y)
    snap = _snapshot(clf)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, FloatingPointError)):
            clf.set_params(eta0=1e308).fit(X * 1e300, y)
    clf.set_params(eta0=1.0)
    _assert_unchanged(clf, snap, X)


def test_failed_partial_fit_with_unknown_class_leaves_estimator_unchanged():
    X, y = _iris()
    clf = PerceptronClassifier().partial_fit(X, y, classes=[0, 1, 2])
    snap = _snapshot(clf)
    with pytest.raises(ValueError):
        clf.partial_fit(X, np.where(y == 2, 7, y))
    _assert_unchanged(clf, snap, X)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_2d_targets_raise_and_leave_estimator_unchanged(method):
    X, y = _iris()
    Y = np.eye(3, dtype=int)[y]  # multilabel indicator of the same classes
    with pytest.raises(ValueError, match="1d array"):
        Perceptron().fit(X, Y)
    clf = PerceptronClassifier()
    fit = getattr(clf, method)
    extra = {"classes": [0, 1, 2]} if method == "partial_fit" else {}
    with pytest.raises(ValueError, match=r"y should be a 1d array.*shape \(150, 3\)"):
        fit(X, Y, **extra)
    assert not hasattr(clf, "coef_") and not hasattr(clf, "classes_")
    fit(X, y, **extra)
    snap = _snapshot(clf)
    with pytest.raises(ValueError, match="1d array"):
        fit(X, Y)
    _assert_unchanged(clf, snap, X)


@pytest.mark.parametrize("params, message", [
    (dict(early_stopping=True), "early_stopping should be False with partial_fit"),
    (dict(class_weight="balanced"), "class_weight='balanced' is not supported for partial_fit"),
])
@pytest.mark.parametrize("solver", ["perceptron", "sgd"])
def test_partial_fit_rejects_batch_dependent_settings(solver, params, message):
    X, y = _iris()
    activation = "step" if solver == "perceptron" else "sigmoid"
    with pytest.raises(ValueError):
        Perceptron(**params).partial_fit(X, y, classes=[0, 1, 2])
    clf = PerceptronClassifier(solver=solver, activation=activation, **params)
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert not hasattr(clf, "coef_") and not hasattr(clf, "classes_")
    clf.set_params(early_stopping=False, class_weight=None).partial_fit(
        X, y, classes=[0, 1, 2])
    snap = _snapshot(clf)
    with pytest.raises(ValueError, match=message):
        clf.set_params(**params).partial_fit(X, y)
    _assert_unchanged(clf, snap, X)
    # fit is unaffected, and so is a class_weight dict under partial_fit
    clf.fit(X, y)
    clf.set_params(early_stopping=False, class_weight={0: 2.0, 1: 1.0, 2: 0.5})
    clf.partial_fit(X, y)


def test_max_iter_reached_warns():
    X, y = _iris()
    with pytest.warns(ConvergenceWarning):
        PerceptronClassifier(max_iter=2, tol=1e-3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        PerceptronClassifier(max_iter=2, tol=None).fit(X, y)


# --------------------------------------------------------------------------
# scikit-learn integration
# --------------------------------------------------------------------------


def test_pipeline_grid_search_and_cross_val_score():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), PerceptronClassifier())
    grid = {"perceptronclassifier__eta0": [0.1, 1.0],
            "perceptronclassifier__activation": ["step", "sigmoid"]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    assert search.best_score_ > 0.85
    assert search.score(X, y) > 0.85
    # every grid cell equals an independent cross_val_score of that setting
    for params, mean in zip(search.cv_results_["params"],
                            search.cv_results_["mean_test_score"]):
        scores = cross_val_score(
            make_pipeline(StandardScaler(), PerceptronClassifier(**{
                k.split("__")[1]: v for k, v in params.items()})),
            X, y, cv=cv,
        )
        assert_allclose(scores.mean(), mean, rtol=1e-12)
    # the eta0 grid is irrelevant to L-BFGS, so both sigmoid cells score alike
    sig = [m for p, m in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])
           if p["perceptronclassifier__activation"] == "sigmoid"]
    assert sig[0] == sig[1]


@pytest.mark.parametrize("params", [
    {}, dict(activation="sigmoid"), dict(activation="softmax", penalty="l2"),
    dict(activation="identity", solver="sgd", eta0=0.05),
])
def test_pickle_round_trip(params):
    X, y = _iris()
    clf = PerceptronClassifier(**params).fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    assert_array_equal(clone.predict(X), clf.predict(X))
    assert_array_equal(clone.decision_function(X), clf.decision_function(X))
    if hasattr(clf, "predict_proba"):
        assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))


def test_sparsify_and_densify_like_sklearn():
    X, y = _iris()
    kw = dict(penalty="l1", alpha=0.01, shuffle=False, max_iter=20, tol=None)
    ours = PerceptronClassifier(**kw).fit(X, y)
    ref = Perceptron(**kw).fit(X, y)
    dense, scores = ours.coef_.copy(), ours.decision_function(X)
    assert ours.sparsify() is ours and ref.sparsify() is ref
    assert sp.issparse(ours.coef_) and sp.issparse(ref.coef_)
    assert ours.coef_.nnz == ref.coef_.nnz < dense.size
    assert_allclose(ours.decision_function(X), scores, rtol=1e-12)
    assert_array_equal(ours.predict(X), ref.predict(X))
    # a warm start from sparse weights trains as from the dense ones
    warm = dict(warm_start=True, max_iter=3)
    from_sparse = ours.set_params(**warm).fit(X, y)
    assert isinstance(from_sparse.coef_, np.ndarray)
    from_dense = PerceptronClassifier(**kw).fit(X, y).set_params(**warm).fit(X, y)
    assert_array_equal(from_sparse.coef_, from_dense.coef_)
    restored = PerceptronClassifier(**kw).fit(X, y).sparsify().densify()
    assert isinstance(restored.coef_, np.ndarray)
    assert_array_equal(restored.coef_, dense)
    with pytest.raises(NotFittedError):
        PerceptronClassifier().sparsify()


@pytest.mark.parametrize("activation, loss", [
    ("identity", "log_loss"), ("tanh", "binary_cross_entropy"), ("relu", "cross_entropy"),
])
def test_probability_losses_refuse_activations_that_are_not_probabilities(activation, loss):
    X, y = _iris()
    with pytest.raises(ValueError, match=f"loss='{loss}' is defined on probabilities"):
        PerceptronClassifier(activation=activation, loss=loss).fit(X, y)


def test_changed_activation_takes_effect_on_warm_start():
    X, y = _iris()
    clf = PerceptronClassifier(activation="sigmoid", max_iter=5, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        clf.set_params(activation="softmax", loss="auto").fit(X, y)
    assert clf._layer_activations[0].name == "softmax"
    assert clf._loss.name == "cross_entropy"
    assert_allclose(clf.predict_proba(X).sum(axis=1), 1)


def test_margin_loss_on_a_sigmoid_predicts_like_predict_proba():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = PerceptronClassifier(activation="sigmoid", loss="hinge").fit(X, y)
    assert_array_equal(clf.predict(X), (clf._predict_outputs(X)[:, 0] > 0.5).astype(int))
    assert_array_equal(clf.predict(X), (clf.decision_function(X) > 0).astype(int))
    assert_array_equal(clf.predict(X), clf.predict_proba(X).argmax(axis=1))
    assert clf.score(X, y) > 0.95


@pytest.mark.parametrize("activation", ["exp", "softplus"])
def test_margin_loss_refuses_an_output_that_never_reaches_zero(activation):
    X, y = _iris()
    with pytest.raises(ValueError, match="splits the classes at an output of 0"):
        PerceptronClassifier(activation=activation, loss="hinge").fit(X, y)


def test_lbfgs_warm_start_extends_the_loss_curve_and_warns_once():
    X, y = _iris()
    clf = PerceptronClassifier(activation="sigmoid", warm_start=True, max_iter=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    assert sum(issubclass(w.category, ConvergenceWarning) for w in caught) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert len(clf.loss_curve_) == 6


# --------------------------------------------------------------------------
# zero effective weight: class weights times sample weights


def test_sgd_partial_fit_of_zero_weight_takes_no_step(binary_data):
    X, y = binary_data
    kw = dict(activation="sigmoid", solver="sgd", class_weight={0: 0.0, 1: 1.0},
              shuffle=False)
    model = PerceptronClassifier(**kw).partial_fit(X, y, classes=[0, 1])
    coef, intercept, curve, t = model.coef_.copy(), model.intercept_.copy(), \
        list(model.loss_curve_), model.t_
    model.partial_fit(X[y == 0], y[y == 0])
    assert_array_equal(model.coef_, coef)
    assert_array_equal(model.intercept_, intercept)
    assert model.loss_curve_ == curve and model.t_ == t and model.n_iter_ == 0


@pytest.mark.parametrize("solver, activation", [
    ("sgd", "sigmoid"), ("lbfgs", "sigmoid"), ("perceptron", "step"),
])
@pytest.mark.parametrize("weights", ["class_weight", "both"])
def test_fit_of_zero_weight_is_refused_naming_the_weights(binary_data, solver, activation,
                                                            weights):
    X, y = binary_data
    model = PerceptronClassifier(solver=solver, activation=activation, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    before = pickle.dumps(model)
    if weights == "class_weight":
        class_weight, sample_weight = {0: 0.0, 1: 0.0}, None
    else:  # each weight alone leaves some rows, together none
        class_weight, sample_weight = {0: 0.0}, (y == 0).astype(float)
    with pytest.raises(ValueError, match="sample_weight times class_weight sum to 0"):
        clone(model).set_params(class_weight=class_weight).fit(X, y, sample_weight)
    model.set_params(class_weight=class_weight, warm_start=True)
    with pytest.raises(ValueError, match="sample_weight times class_weight sum to 0"):
        model.fit(X, y, sample_weight)
    model.set_params(class_weight=None, warm_start=False)
    assert pickle.dumps(model) == before


def test_rule_with_zero_weight_on_every_positive_still_trains_the_negatives():
    # one-vs-rest: a class of weight 0 keeps its rows as negatives of the
    # other outputs, so the fit has weight, as in scikit-learn
    X, y = _iris()
    cw = {0: 0.0, 1: 0.0, 2: 0.0}
    ours = PerceptronClassifier(class_weight=cw).fit(X, y)
    theirs = Perceptron(class_weight=cw).fit(X, y)
    assert_array_equal(ours.coef_, theirs.coef_)


def test_growing_sgd_loss_is_judged_on_each_calls_own_epochs(easy_binary_data):
    X, y = easy_binary_data
    model = PerceptronClassifier(activation="identity", solver="sgd", eta0=1.0,
                                 warm_start=True, max_iter=5, tol=None)
    with pytest.warns(ConvergenceWarning, match="The training loss grew from .* eta0=1.0"):
        model.fit(X, y)
    model.set_params(eta0=1e-3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert not [w for w in caught if "grew" in str(w.message)]
    # the warm start's own epochs fall, still far above the first fit's start
    assert model.loss_curve_[-1] < model.loss_curve_[5]
    assert model.loss_curve_[-1] > 10 * model.loss_curve_[0]


# --------------------------------------------------------------------------
# user activations and losses


class _UserExp:
    def value(self, z):
        return np.exp(z)

    def derivative(self, z, a):
        return a


def test_user_exp_activation_fits_like_the_builtin_exp(binary_data):
    # exp overflows far from zero: where predict splits the classes is found
    # without evaluating the activation there
    X, y = binary_data
    kw = dict(loss="squared_error", max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        user = PerceptronClassifier(activation=_UserExp(), **kw).fit(X, y)
        builtin = PerceptronClassifier(activation="exp", **kw).fit(X, y)
    assert_allclose(user.coef_, builtin.coef_, rtol=1e-10)
    assert_allclose(user.decision_function(X), builtin.decision_function(X), rtol=1e-10,
                    atol=1e-12)
    assert_array_equal(user.predict(X), builtin.predict(X))
    # the split sits where exp crosses 0.5
    assert_allclose(user._decision_offset, np.log(0.5), rtol=1e-12)


def test_perceptron_rule_refuses_a_user_loss_named_perceptron(binary_data):
    class Named:
        name = "perceptron"

        def value(self, y, out, sample_weight=None):
            return float(np.average(((out - y) ** 2).sum(axis=1), weights=sample_weight))

        def gradient(self, y, out):
            return out - y

    X, y = binary_data
    with pytest.raises(ValueError, match="perceptron rule minimises the perceptron criterion"):
        PerceptronClassifier(loss=Named()).fit(X, y)


# --------------------------------------------------------------------------
# A validation set given to fit
# --------------------------------------------------------------------------


def _iris_with_validation():
    """Standardised iris: training rows and labels, validation rows and labels."""
    X, y = _iris()
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
    return X_train, y_train, X_val, y_val


def test_the_perceptron_rule_stops_on_a_given_validation_set_as_on_its_split():
    X, y, _, _ = _iris_with_validation()
    settings = dict(early_stopping=True, shuffle=False, random_state=0, n_iter_no_change=3)
    split = PerceptronClassifier(**settings).fit(X, y)
    held_out = split._validation_mask(y, np.ones(len(y)))
    given = PerceptronClassifier(**settings).fit(
        X[~held_out], y[~held_out], X_val=X[held_out], y_val=y[held_out]
    )
    assert given.n_iter_ == split.n_iter_
    assert_array_equal(given.coef_, split.coef_)
    assert_array_equal(given.intercept_, split.intercept_)


def test_the_perceptron_rule_refuses_what_it_cannot_do_with_a_validation_set():
    X, y, X_val, y_val = _iris_with_validation()
    with pytest.raises(ValueError, match="X_val serves only its early stopping"):
        PerceptronClassifier().fit(X, y, X_val=X_val, y_val=y_val)
    with pytest.raises(ValueError, match="applies to gradient training"):
        PerceptronClassifier(early_stopping=True, scoring="loss").fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_the_perceptron_records_curves_in_gradient_training(solver):
    X, y, X_val, y_val = _iris_with_validation()
    model = PerceptronClassifier(activation="softmax", solver=solver, eta0=0.1, max_iter=20).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    assert len(model.validation_scores_) == len(model.validation_loss_curve_) == model.n_iter_
    assert model.validation_scores_[-1] == model.score(X_val, y_val)
    proba = model.predict_proba(X_val)
    assert model.validation_loss_curve_[-1] == pytest.approx(log_loss(y_val, proba), rel=1e-9)


def test_a_named_scorer_drives_the_perceptrons_gradient_training():
    X, y, X_val, y_val = _iris_with_validation()
    model = PerceptronClassifier(
        activation="sigmoid", solver="sgd", eta0=0.1, max_iter=20, scoring="neg_log_loss",
        early_stopping=True,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    # as scikit-learn's SGD, the perceptron ends at its last epoch's weights
    assert model.validation_scores_[-1] == get_scorer("neg_log_loss")(model, X_val, y_val)
