"""The shared training loop (skdl/_training.py): the validation side (a
validation set given to fit in place of the held-out split, the scores and
curves recorded on it, the weights early stopping keeps, the inputs refused,
and what a fitted model does not keep), scikit-learn's rules for the
learning rate between epochs ("invscaling" and "adaptive") against
scikit-learn's own SGD optimizer, and which solvers train in mini-batches."""

import inspect
import math
import pickle
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer, log_loss
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler, label_binarize
from sklearn.utils._param_validation import InvalidParameterError

from skdl import (
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    PerceptronClassifier,
)
from skdl import backend as backends
from skdl._training import EpochRateRule, is_stochastic, validation_objective
from skdl.layers import Dense
from skdl.losses import CrossEntropy, SquaredError
from skdl.optimizers import SGD, AdamW


@pytest.fixture(scope="module")
def iris():
    """Standardised iris split into training and validation rows, with
    regression targets (the first feature, from the three others)."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
    return {
        "classification": (X_train, y_train, X_val, y_val),
        "regression": (X_train[:, 1:], X_train[:, 0], X_val[:, 1:], X_val[:, 0]),
    }


def _quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def _network(estimator, **params):
    """A small network of ``estimator``'s kind, of Dense layers only."""
    if estimator in (MLPClassifier, MLPRegressor):
        return estimator(hidden_layer_sizes=(8,), random_state=0, **params)
    return estimator(layers=[Dense(8, activation="tanh")], random_state=0, **params)


def _task(estimator):
    classifier = estimator in (MLPClassifier, NeuralNetClassifier, PerceptronClassifier)
    return "classification" if classifier else "regression"


def _fitted_weights(model):
    if isinstance(model, PerceptronClassifier):
        return [model.coef_, model.intercept_]
    return model._fitted_weights()


def _penalised_weights(model):
    """The weights the L2 term covers, flat: every Dense kernel."""
    if hasattr(model, "coefs_"):
        kernels = model.coefs_
    else:
        kernels = [layer.get_weights()[0] for layer in model.layers_]
    return np.concatenate([k.ravel() for k in kernels])


def _user_validation_loss(model, X_val, y_val, sample_weight):
    """The validation objective as a user recomputes it from the fitted model:
    the public loss of its predict_proba (or predict), plus the L2 term."""
    if hasattr(model, "classes_"):
        targets = label_binarize(y_val, classes=model.classes_).astype(X_val.dtype)
        loss = CrossEntropy().value(targets, model.predict_proba(X_val), sample_weight)
    else:
        targets = y_val.reshape(-1, 1).astype(X_val.dtype)
        loss = SquaredError().value(targets, model.predict(X_val).reshape(-1, 1), sample_weight)
    coefs = _penalised_weights(model)
    total = len(y_val) if sample_weight is None else float(np.sum(sample_weight))
    return loss + 0.5 * model.alpha * float(np.dot(coefs, coefs)) / total


def _mean_absolute_error_scorer(estimator, X, y, sample_weight=None):
    """A user's scorer: minus the weighted mean absolute error of predict."""
    return -float(np.average(np.abs(estimator.predict(X) - y), weights=sample_weight))


# --------------------------------------------------------------------------
# The validation objective against its written formula


@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_validation_objective_is_the_batch_objective_of_the_validation_rows(alpha, weighted):
    rng = np.random.RandomState(0)
    Y, out = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    coefs = rng.normal(size=11)
    weights = rng.uniform(0.5, 2.0, size=7) if weighted else None
    per_row = 0.5 * ((out - Y) ** 2).sum(axis=1)
    total = 7.0 if weights is None else weights.sum()
    expected = np.average(per_row, weights=weights) + alpha / (2 * total) * np.sum(coefs ** 2)
    value = validation_objective(SquaredError(), Y, out, weights, coefs, alpha)
    assert value == pytest.approx(expected, rel=1e-12)


def test_validation_objective_of_probabilities_is_the_log_loss():
    rng = np.random.RandomState(1)
    proba = rng.dirichlet(np.ones(3), size=9)
    labels = np.arange(9) % 3
    value = validation_objective(CrossEntropy(), np.eye(3)[labels], proba, None, np.zeros(4), 1.0)
    assert value == pytest.approx(log_loss(labels, proba), rel=1e-12)


# --------------------------------------------------------------------------
# best_validation_score_ is the fitted model's score on the validation data


SCORINGS = [None, "loss", "named", _mean_absolute_error_scorer]


def _user_score(model, scoring, X_val, y_val, sample_weight):
    """The score of the fitted model on the validation rows, computed as a
    user computes it, from predict or predict_proba."""
    if scoring is None:
        return model.score(X_val, y_val, sample_weight=sample_weight)
    if scoring == "loss":
        return -_user_validation_loss(model, X_val, y_val, sample_weight)
    if callable(scoring):
        return scoring(model, X_val, y_val, sample_weight=sample_weight)
    name = "neg_log_loss" if hasattr(model, "classes_") else "neg_mean_absolute_error"
    return get_scorer(name)(model, X_val, y_val, sample_weight=sample_weight)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scoring", SCORINGS, ids=["None", "loss", "named", "callable"])
@pytest.mark.parametrize(
    "estimator", [MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor]
)
def test_best_validation_score_equals_the_fitted_models_score(iris, estimator, scoring, dtype):
    X, y, X_val, y_val = iris[_task(estimator)]
    X, X_val = X.astype(dtype), X_val.astype(dtype)
    weights = np.linspace(0.5, 2.0, len(y_val)).astype(dtype)
    named = "neg_log_loss" if _task(estimator) == "classification" else "neg_mean_absolute_error"
    model = _network(
        estimator, early_stopping=True, max_iter=40, learning_rate_init=0.01, alpha=0.01,
        scoring=named if scoring == "named" else scoring,
    )
    _quiet_fit(model, X, y, X_val=X_val, y_val=y_val, sample_weight_val=weights)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_validation_score_ == _user_score(model, scoring, X_val, y_val, weights)


@pytest.mark.parametrize("backend", backends.available())
def test_the_restored_weights_are_those_of_the_best_epoch(iris, backend):
    X, y, X_val, y_val = iris["classification"]
    seen = []

    def remember(record):
        seen.append([w.copy() for w in record["estimator"].coefs_])

    model = MLPClassifier(
        hidden_layer_sizes=(10,), early_stopping=True, max_iter=300, learning_rate_init=0.05,
        n_iter_no_change=8, random_state=1, callbacks=[remember], scoring="loss",
    )
    with backends.use(backend):
        _quiet_fit(model, X, y, X_val=X_val, y_val=y_val)
    best = int(np.argmax(model.validation_scores_))
    assert best < len(seen) - 1, "the last epoch was the best: nothing to restore"
    for final, kept in zip(model.coefs_, seen[best]):
        assert_array_equal(final, kept)
    assert model.best_validation_score_ == -_user_validation_loss(model, X_val, y_val, None)


# --------------------------------------------------------------------------
# X_val replaces the held-out split


def _spy_on_the_split(estimator):
    """A subclass of ``estimator`` that records the rows its early stopping
    holds out."""
    class Spy(estimator):
        def _validation_rows(self, Y, sample_weight, score_weight, rng):
            rows = super()._validation_rows(Y, sample_weight, score_weight, rng)
            splits.append(rows)
            return rows

    splits = []
    return Spy, splits


@pytest.mark.parametrize("estimator, params", [
    (MLPClassifier, dict(hidden_layer_sizes=(6,))),
    (MLPRegressor, dict(hidden_layer_sizes=(6,))),
    (NeuralNetClassifier, dict(layers=[Dense(6, activation="tanh")])),
    (PerceptronClassifier, dict(activation="sigmoid", solver="sgd", eta0=0.1)),
])
def test_the_held_out_rows_given_as_X_val_train_the_same_model(iris, estimator, params):
    # unshuffled, the split draws nothing the training then needs, so the
    # rows it holds out, given instead as X_val, lead to the same weights
    X, y, _, _ = iris[_task(estimator)]
    Spy, splits = _spy_on_the_split(estimator)
    settings = dict(params, early_stopping=True, shuffle=False, max_iter=30, random_state=0)
    split = _quiet_fit(Spy(**settings), X, y)
    train, val = splits[0]
    given = _quiet_fit(estimator(**settings), X[train], y[train], X_val=X[val], y_val=y[val])
    assert given.n_iter_ == split.n_iter_
    assert given.validation_scores_ == split.validation_scores_
    assert given.validation_loss_curve_ == split.validation_loss_curve_
    for a, b in zip(_fitted_weights(given), _fitted_weights(split)):
        assert_array_equal(a, b)


def test_every_row_of_X_trains_beside_X_val(iris):
    X, y, X_val, y_val = iris["classification"]
    model = _quiet_fit(
        _network(MLPClassifier, early_stopping=True, max_iter=5), X, y, X_val=X_val, y_val=y_val
    )
    assert model.t_ == model.n_iter_ * len(X)
    held_out = _quiet_fit(_network(MLPClassifier, early_stopping=True, max_iter=5), X, y)
    assert held_out.t_ == held_out.n_iter_ * (len(X) - int(np.ceil(0.1 * len(X))))


# --------------------------------------------------------------------------
# Curves, with and without early stopping


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor, NeuralNetRegressor])
def test_X_val_without_early_stopping_records_curves_and_changes_no_weight(
    iris, estimator, solver
):
    X, y, X_val, y_val = iris[_task(estimator)]
    plain = _quiet_fit(_network(estimator, solver=solver, max_iter=15), X, y)
    watched = _quiet_fit(
        _network(estimator, solver=solver, max_iter=15), X, y, X_val=X_val, y_val=y_val
    )
    for a, b in zip(_fitted_weights(plain), _fitted_weights(watched)):
        assert_array_equal(a, b)
    assert plain.validation_scores_ is None and plain.validation_loss_curve_ is None
    assert len(watched.validation_scores_) == len(watched.validation_loss_curve_) == watched.n_iter_
    assert len(watched.loss_curve_) == watched.n_iter_
    assert watched.best_validation_score_ is None
    assert watched.best_loss_ == plain.best_loss_
    # the last entries are the fitted model's (L-BFGS's iterate included)
    assert watched.validation_scores_[-1] == watched.score(X_val, y_val)
    assert watched.validation_loss_curve_[-1] == _user_validation_loss(
        watched, X_val, y_val, None
    )
    assert [r["validation_loss"] for r in watched.history_] == watched.validation_loss_curve_
    assert [r["validation_score"] for r in watched.history_] == watched.validation_scores_
    assert [r["validation_loss"] for r in plain.history_] == [None] * plain.n_iter_


def test_loss_scoring_records_minus_the_validation_loss(iris):
    X, y, X_val, y_val = iris["classification"]
    model = _quiet_fit(
        _network(MLPClassifier, scoring="loss", early_stopping=True, max_iter=10), X, y,
        X_val=X_val, y_val=y_val,
    )
    assert model.validation_scores_ == [-v for v in model.validation_loss_curve_]


def test_the_default_score_is_accuracy_or_r2(iris):
    X, y, X_val, y_val = iris["regression"]
    model = _quiet_fit(_network(MLPRegressor, max_iter=3), X, y, X_val=X_val, y_val=y_val)
    assert model.validation_scores_[-1] == model.score(X_val, y_val)


def test_curves_extend_over_warm_starts_that_keep_validation_data(iris):
    X, y, X_val, y_val = iris["classification"]
    model = _network(MLPClassifier, max_iter=4, warm_start=True)
    _quiet_fit(model, X, y, X_val=X_val, y_val=y_val)
    first = list(model.validation_loss_curve_)
    _quiet_fit(model, X, y, X_val=X_val, y_val=y_val)
    assert model.validation_loss_curve_[:4] == first
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 8
    _quiet_fit(model, X, y)
    assert model.validation_loss_curve_ is None and model.validation_scores_ is None
    _quiet_fit(model, X, y, X_val=X_val, y_val=y_val)
    assert len(model.validation_loss_curve_) == 4
    assert len(model.loss_curve_) == 16
    model.partial_fit(X, y)
    assert model.validation_loss_curve_ is None


def test_a_warm_start_given_its_own_validation_set_restores_its_own_best(iris):
    X, y, X_val, y_val = iris["classification"]
    model = _network(MLPClassifier, early_stopping=True, max_iter=30, warm_start=True)
    _quiet_fit(model, X, y, X_val=X_val, y_val=y_val)
    # a harder validation set: the last call's best score was not measured on it
    flipped = (y_val + 1) % 3
    _quiet_fit(model, X, y, X_val=X_val, y_val=flipped)
    assert model.best_validation_score_ == model.score(X_val, flipped)


# --------------------------------------------------------------------------
# Scikit-learn's tools pass X_val through


@pytest.mark.parametrize("estimator", [
    MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor, PerceptronClassifier,
])
def test_fit_takes_validation_data_as_hist_gradient_boosting_does(estimator):
    ours = inspect.signature(estimator.fit).parameters
    theirs = inspect.signature(HistGradientBoostingClassifier.fit).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]
    # each is metadata a router can be asked to pass
    with sklearn.config_context(enable_metadata_routing=True):
        request = estimator().set_fit_request(X_val=True, y_val=True, sample_weight_val=True)
    assert request.get_metadata_routing().fit.requests == {
        "sample_weight": None, "X_val": True, "y_val": True, "sample_weight_val": True,
    }


def test_a_pipeline_transforms_X_val_on_the_way_in(iris):
    X, y, X_val, y_val = iris["classification"]
    scale = np.array([100.0, 1.0, 0.01, 10.0])
    net = _network(MLPClassifier, early_stopping=True, max_iter=20)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [("scale", StandardScaler()), ("net", net.set_fit_request(X_val=True, y_val=True))],
            transform_input=["X_val"],
        )
        _quiet_fit(pipe, X * scale, y, X_val=X_val * scale, y_val=y_val)
    fitted = pipe[-1]
    assert fitted.best_validation_score_ == pipe.score(X_val * scale, y_val)
    direct = _quiet_fit(
        clone(net), pipe[0].transform(X * scale), y, X_val=pipe[0].transform(X_val * scale),
        y_val=y_val,
    )
    assert direct.validation_scores_ == fitted.validation_scores_


def test_searches_and_cross_validation_pass_X_val_to_every_fit(iris):
    # X_val has fewer rows than X: scikit-learn passes it whole, where it
    # would split a parameter of one entry per training row between folds
    X, y, X_val, y_val = iris["classification"]
    net = _network(MLPClassifier, early_stopping=True, max_iter=20)
    search = _quiet_fit(GridSearchCV(net, {"alpha": [1e-4, 1e-2]}, cv=3), X, y,
                        X_val=X_val, y_val=y_val)
    best = search.best_estimator_
    assert best.best_validation_score_ == best.score(X_val, y_val)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = cross_validate(net, X, y, cv=3, params={"X_val": X_val, "y_val": y_val},
                                return_estimator=True)
    for fitted in result["estimator"]:
        assert fitted.best_validation_score_ == fitted.score(X_val, y_val)


def test_scorers_see_X_val_with_its_column_names(iris):
    pd = pytest.importorskip("pandas")
    X, y, X_val, y_val = iris["classification"]
    columns = ["a", "b", "c", "d"]
    model = _network(MLPClassifier, early_stopping=True, max_iter=5, scoring="accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "X does not have valid feature names"
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(pd.DataFrame(X, columns=columns), y,
                  X_val=pd.DataFrame(X_val, columns=columns), y_val=y_val)
        held_out = clone(model).fit(pd.DataFrame(X, columns=columns), y)
    assert len(model.validation_scores_) == model.n_iter_
    assert len(held_out.validation_scores_) == held_out.n_iter_


# --------------------------------------------------------------------------
# A fitted model keeps no validation data; clones and pickles


def test_a_fitted_model_keeps_no_validation_row(iris):
    X, y, X_val, y_val = iris["classification"]
    marker = X_val.copy()
    marker[:, 0] = np.arange(len(marker)) + 0.123456789
    model = _quiet_fit(_network(MLPClassifier, early_stopping=True, max_iter=5,
                                scoring=_mean_absolute_error_scorer),
                       X, y, X_val=marker, y_val=y_val)
    blob = pickle.dumps(model)
    assert marker[3].tobytes() not in blob and marker[:, 0].tobytes() not in blob
    restored = pickle.loads(blob)
    assert_array_equal(restored.predict_proba(X_val), model.predict_proba(X_val))
    assert restored.validation_scores_ == model.validation_scores_
    twin = clone(model)
    assert twin.get_params()["scoring"] is _mean_absolute_error_scorer
    assert not hasattr(twin, "validation_scores_")


# --------------------------------------------------------------------------
# Bad inputs, refused before any training; failing calls change nothing


@pytest.mark.parametrize("estimator", [MLPClassifier, NeuralNetRegressor, PerceptronClassifier])
@pytest.mark.parametrize("given, message", [
    (dict(X_val=True), "X_val is given, but y_val is not"),
    (dict(y_val=True), "y_val is given, but X_val is not"),
    (dict(sample_weight_val=True), "sample_weight_val is given without X_val and y_val"),
])
def test_validation_data_comes_whole(iris, estimator, given, message):
    X, y, X_val, y_val = iris[_task(estimator)]
    values = {"X_val": X_val, "y_val": y_val, "sample_weight_val": np.ones(len(y_val))}
    with pytest.raises(ValueError, match=message):
        estimator().fit(X, y, **{name: values[name] for name in given})


@pytest.mark.parametrize("call, message", [
    (lambda m, X, y, Xv, yv: m.fit(X, y, X_val=Xv[:, :3], y_val=yv),
     "The validation set X_val, y_val was refused: X has 3 features, but "
     "MLPClassifier is expecting 4"),
    (lambda m, X, y, Xv, yv: m.fit(X, y, X_val=Xv, y_val=yv[:-1]), "inconsistent numbers"),
    (lambda m, X, y, Xv, yv: m.fit(X, y, X_val=Xv, y_val=yv, sample_weight_val=np.ones(3)),
     "sample_weight_val was refused for the 45 rows of X_val: "
     "sample_weight.shape == \\(3,\\)"),
    (lambda m, X, y, Xv, yv: m.fit(X, y, X_val=Xv, y_val=yv,
                                   sample_weight_val=np.zeros(len(yv))),
     "Sample weights must contain at least one non-zero number"),
    (lambda m, X, y, Xv, yv: m.fit(X, y, X_val=Xv, y_val=np.eye(3)[yv]),
     "y_val is a multi-label indicator matrix but y was not"),
    (lambda m, X, y, Xv, yv: m.set_params(scoring="accuracy_typo").fit(X, y),
     "'accuracy_typo' is not a valid scoring value"),
])
def test_bad_validation_inputs_are_refused(iris, call, message):
    X, y, X_val, y_val = iris["classification"]
    with pytest.raises(ValueError, match=message):
        call(MLPClassifier(max_iter=2), X, y, X_val, y_val)


def test_regression_validation_targets_need_ys_width(iris):
    X, y, X_val, y_val = iris["regression"]
    with pytest.raises(ValueError, match=r"y_val has 2 target\(s\) per row, but y has 1"):
        MLPRegressor(max_iter=2).fit(X, y, X_val=X_val, y_val=np.c_[y_val, y_val])
    with pytest.raises(ValueError, match="needs non-negative targets y_val"):
        MLPRegressor(loss="poisson", max_iter=2).fit(X, y ** 2, X_val=X_val, y_val=y_val)


def test_scoring_of_another_type_is_refused(iris):
    X, y, _, _ = iris["classification"]
    with pytest.raises(InvalidParameterError, match="'scoring' parameter"):
        MLPClassifier(scoring=3).fit(X, y)


@pytest.mark.parametrize("estimator", [MLPClassifier, NeuralNetClassifier, PerceptronClassifier])
def test_partial_fit_takes_no_validation_set(iris, estimator):
    # as scikit-learn's own partial_fit methods (SGDClassifier, MLPClassifier)
    X, y, X_val, y_val = iris["classification"]
    model = estimator(solver="sgd")
    with pytest.raises(TypeError, match="unexpected keyword argument 'X_val'"):
        model.partial_fit(X, y, classes=[0, 1, 2], X_val=X_val, y_val=y_val)


def test_a_call_failing_in_its_scorer_leaves_the_fitted_model_as_it_was(iris):
    X, y, X_val, y_val = iris["classification"]
    calls = []

    def fails_on_the_third_epoch(estimator, X, y, sample_weight=None):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("scorer failed")
        return estimator.score(X, y)

    model = _quiet_fit(_network(MLPClassifier, max_iter=5, early_stopping=True), X, y,
                       X_val=X_val, y_val=y_val)
    before = pickle.dumps(model)
    model.set_params(warm_start=True, scoring=fails_on_the_third_epoch)
    with pytest.raises(RuntimeError, match="scorer failed"):
        model.fit(X, y, X_val=X_val, y_val=y_val)
    model.set_params(warm_start=False, scoring=None)
    assert pickle.dumps(model) == before


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
@pytest.mark.parametrize("samples_seen", [0, 1, 10, 12345])
def test_invscaling_sets_scikit_learns_rate(power_t, samples_seen):
    optimizer = SGD(learning_rate=0.2)
    rule = EpochRateRule("invscaling", 0.2, power_t)
    reference = SGDOptimizer([np.zeros(3)], learning_rate_init=0.2, lr_schedule="invscaling",
                             power_t=power_t)
    for _ in range(2):  # the rule starts from the initial rate, it does not compound
        rule.epoch_ends(optimizer, samples_seen)
        reference.iteration_ends(samples_seen)
        assert optimizer.learning_rate == reference.learning_rate
        assert optimizer.learning_rate == pytest.approx(
            0.2 / (samples_seen + 1) ** power_t, rel=1e-14)


@pytest.mark.parametrize("kind", ["constant", "adaptive"])
def test_other_rules_keep_the_rate_at_epoch_ends(kind):
    optimizer = SGD(learning_rate=0.3)
    EpochRateRule(kind, 0.3).epoch_ends(optimizer, 1000)
    assert optimizer.learning_rate == 0.3


@pytest.mark.parametrize("initial", [0.1, 1e-3, 2e-6, 1e-6])
def test_adaptive_divides_by_five_then_stops_as_scikit_learn(initial, capsys):
    optimizer = SGD(learning_rate=initial)
    rule = EpochRateRule("adaptive", initial)
    reference = SGDOptimizer([np.zeros(3)], learning_rate_init=initial,
                             lr_schedule="adaptive")
    divisions = max(0, math.ceil(math.log(initial / 1e-6, 5) - 1e-12))
    rates = []
    for _ in range(divisions):
        assert rule.stops(optimizer, "No improvement.", verbose=True) is False
        rates.append(optimizer.learning_rate)
    assert rule.stops(optimizer, "No improvement.", verbose=True) is True
    ours = capsys.readouterr().out
    np.testing.assert_allclose(rates, [initial / 5**k for k in range(1, divisions + 1)],
                               rtol=1e-12)
    # stopping leaves the rate alone, and keeps saying stop
    final = optimizer.learning_rate
    assert rule.stops(optimizer, "again", verbose=False) is True
    assert optimizer.learning_rate == final
    # the same decisions and messages as scikit-learn's
    for _ in range(divisions):
        assert reference.trigger_stopping("No improvement.", verbose=True) is False
    assert reference.trigger_stopping("No improvement.", verbose=True) is True
    assert reference.learning_rate == pytest.approx(final, rel=1e-12)
    assert ours == capsys.readouterr().out


@pytest.mark.parametrize("kind", ["constant", "invscaling"])
def test_other_rules_stop_at_once(kind, capsys):
    optimizer = SGD(learning_rate=0.1)
    rule = EpochRateRule(kind, 0.1)
    assert rule.stops(optimizer, "Converged.", verbose=True) is True
    assert optimizer.learning_rate == 0.1
    assert capsys.readouterr().out == "Converged. Stopping.\n"
    assert rule.stops(optimizer, "Converged.", verbose=False) is True
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("solver, expected", [
    ("sgd", True), ("adam", True), ("adamw", True), ("rmsprop", True), ("nadam", True),
    ("lbfgs", False), ("perceptron", False), (AdamW(), True), (None, False),
])
def test_is_stochastic(solver, expected):
    assert is_stochastic(solver) is expected
