"""MLPClassifier and MLPRegressor: drop-in parity with scikit-learn's MLPs,
scores next to scikit-learn's, pipelines, searches and persistence."""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import neural_network
from sklearn.datasets import load_diabetes, load_digits, load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier, MLPRegressor
from skdl.activations import LeakyReLU
from skdl.losses import SquaredError

PAIRS = [
    (MLPClassifier, neural_network.MLPClassifier),
    (MLPRegressor, neural_network.MLPRegressor),
]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _quiet_fit(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_same_parameters_and_defaults_as_sklearn(ours, theirs):
    their_params = inspect.signature(theirs).parameters
    our_params = inspect.signature(ours).parameters
    for name, param in their_params.items():
        assert name in our_params, name
        assert our_params[name].default == param.default, name
        assert our_params[name].kind == param.kind, name
    # the positional order scikit-learn users may rely on
    positional = [n for n, p in their_params.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert list(our_params)[: len(positional)] == positional


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="adam"),
        dict(solver="sgd", learning_rate="invscaling"),
        dict(solver="sgd", learning_rate="adaptive", nesterovs_momentum=False),
        dict(solver="lbfgs"),
        dict(solver="adam", activation="tanh", hidden_layer_sizes=(7, 5), alpha=0.01),
        dict(solver="sgd", activation="logistic", batch_size=32, shuffle=False),
    ],
)
@pytest.mark.parametrize("target", ["multiclass", "binary", "multilabel"])
def test_classifier_follows_sklearn_weight_for_weight(iris, params, target):
    X, y = iris
    if target == "binary":
        y = (y == 1).astype(int)
    elif target == "multilabel":
        y = np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    # Once outputs saturate, scikit-learn clips probabilities to [eps, 1 - eps]
    # while skdl evaluates the log loss from the logits; L-BFGS's line search
    # then sees slightly different objectives and the paths part, so L-BFGS is
    # compared over the iterations before saturation.
    max_iter = 15 if params["solver"] == "lbfgs" else 40
    ours = _quiet_fit(MLPClassifier(random_state=0, max_iter=max_iter, **params), X, y)
    theirs = _quiet_fit(
        neural_network.MLPClassifier(random_state=0, max_iter=max_iter, **params), X, y
    )
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=1e-6, atol=1e-8)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.out_activation_ == theirs.out_activation_
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-6)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-9)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    if params["solver"] != "lbfgs":
        assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
        assert ours.t_ == theirs.t_


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_regressor_follows_sklearn_weight_for_weight(iris, loss, solver):
    X, _ = iris
    y = np.exp(X[:, 0]) if loss == "poisson" else X[:, 0] - 2 * X[:, 1]
    params = dict(loss=loss, solver=solver, random_state=0, max_iter=30, learning_rate_init=0.01)
    ours = _quiet_fit(MLPRegressor(**params), X, y)
    theirs = _quiet_fit(neural_network.MLPRegressor(**params), X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=1e-6, atol=1e-8)
    assert ours.out_activation_ == theirs.out_activation_
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6)


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_same_fitted_attributes_as_sklearn(iris, ours, theirs):
    X, y = iris
    for solver in ["adam", "lbfgs"]:
        a = _quiet_fit(ours(solver=solver, max_iter=5, random_state=0), X, y)
        b = _quiet_fit(theirs(solver=solver, max_iter=5, random_state=0), X, y)
        public = {k for k in vars(b) if k.endswith("_") and not k.startswith("_")}
        missing = public - set(vars(a))
        assert not missing, missing


def test_digits_cv_accuracy_matches_sklearn():
    """The issue's bar: within 0.01 of scikit-learn's 5-fold accuracy, defaults."""
    X, y = load_digits(return_X_y=True)
    scores = {}
    for name, est in [("skdl", MLPClassifier(random_state=0)),
                      ("sklearn", neural_network.MLPClassifier(random_state=0))]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores[name] = cross_val_score(make_pipeline(StandardScaler(), est), X, y, cv=5).mean()
    assert scores["skdl"] > 0.9
    assert abs(scores["skdl"] - scores["sklearn"]) < 0.01, scores


def test_diabetes_cv_r2_matches_sklearn():
    """The issue's bar: within 0.02 R^2 of scikit-learn's 5-fold score, defaults."""
    X, y = load_diabetes(return_X_y=True)
    scores = {}
    for name, est in [("skdl", MLPRegressor(random_state=0)),
                      ("sklearn", neural_network.MLPRegressor(random_state=0))]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores[name] = cross_val_score(make_pipeline(StandardScaler(), est), X, y, cv=5).mean()
    assert abs(scores["skdl"] - scores["sklearn"]) < 0.02, scores


@pytest.mark.parametrize(
    "estimator, grid",
    [
        (MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0),
         {"est__activation": ["tanh", LeakyReLU(0.1)], "est__loss": ["log_loss", "hinge"]}),
        (MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", alpha=1.0, random_state=0),
         {"est__activation": ["relu", "gelu"], "est__loss": ["squared_error", "huber"]}),
    ],
)
def test_pipeline_grid_search_and_cross_validation(iris, estimator, grid):
    from sklearn.pipeline import Pipeline

    X, y = iris
    if isinstance(estimator, MLPRegressor):
        X, y = X[:, 1:], X[:, 0]
    pipe = Pipeline([("scale", StandardScaler()), ("est", estimator)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = KFold(3, shuffle=True, random_state=0)
        search = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
        scores = cross_val_score(search.best_estimator_, X, y, cv=cv)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.6
    assert scores.mean() > 0.6


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pickle_round_trip_and_dtype(iris, estimator, dtype):
    X, y = iris
    X = X.astype(dtype)
    model = _quiet_fit(estimator(hidden_layer_sizes=(5,), max_iter=20, random_state=0), X, y)
    assert all(c.dtype == dtype for c in model.coefs_ + model.intercepts_)
    assert model.predict(X[:3]).dtype == (dtype if estimator is MLPRegressor else y.dtype)
    clone = pickle.loads(pickle.dumps(model))
    assert_array_equal(clone.predict(X), model.predict(X))
    assert all(c.dtype == dtype for c in clone.coefs_)
    if estimator is MLPClassifier:
        assert model.predict_proba(X).dtype == dtype
        assert_array_equal(clone.predict_proba(X), model.predict_proba(X))


def test_per_layer_activations(iris):
    X, y = iris
    model = MLPClassifier((6, 4), activation=["gelu", "tanh"], solver="lbfgs", random_state=0)
    model.fit(X, y)
    assert [a.name for a in model._layer_activations] == ["gelu", "tanh", "softmax"]
    assert model.score(X, y) > 0.9
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLPClassifier((6, 4), activation=["relu"]).fit(X, y)


def test_user_activation_and_loss_objects(iris):
    X, _ = iris
    y = X[:, 0] + X[:, 1] ** 2

    class Cube:
        def value(self, z):
            return z**3 / 3 + z

        def derivative(self, z, a):
            return z**2 + 1

    class HalfSquares:
        def value(self, y, out, sample_weight=None):
            return np.average(0.5 * ((out - y) ** 2).sum(axis=1), weights=sample_weight)

        def gradient(self, y, out):
            return out - y

    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, random_state=0)
    builtin = _quiet_fit(MLPRegressor(loss="squared_error", activation="tanh", **params), X, y)
    custom = _quiet_fit(MLPRegressor(loss=HalfSquares(), activation="tanh", **params), X, y)
    instance = _quiet_fit(MLPRegressor(loss=SquaredError(), activation="tanh", **params), X, y)
    assert_allclose(custom.predict(X), builtin.predict(X), rtol=1e-5)
    assert_allclose(instance.predict(X), builtin.predict(X), rtol=1e-10)
    cubic = _quiet_fit(MLPRegressor(activation=Cube(), **params), X[:, :2], y)
    assert cubic.score(X[:, :2], y) > 0.8


@pytest.mark.parametrize(
    "estimator, y_kind, expected",
    [
        (MLPClassifier(), "multiclass", "softmax"),
        (MLPClassifier(), "binary", "logistic"),
        (MLPClassifier(), "multilabel", "logistic"),
        (MLPClassifier(loss="hinge"), "multiclass", "identity"),
        (MLPClassifier(loss="cross_entropy"), "binary", "softmax"),
        (MLPRegressor(), "continuous", "identity"),
        (MLPRegressor(loss="poisson"), "counts", "exp"),
        (MLPRegressor(loss="huber", output_activation="softplus"), "counts", "softplus"),
    ],
)
def test_output_activation_follows_loss_and_target(iris, estimator, y_kind, expected):
    X, y = iris
    y = {
        "multiclass": y,
        "binary": y == 1,
        "multilabel": np.column_stack([y == 0, y == 2]).astype(int),
        "continuous": X[:, 0],
        "counts": np.round(np.exp(X[:, 0])),
    }[y_kind]
    model = _quiet_fit(estimator.set_params(max_iter=20, random_state=0), X, y)
    assert model.out_activation_ == expected
    if expected == "identity" and isinstance(model, MLPClassifier):
        assert not hasattr(model, "predict_proba")
    elif isinstance(model, MLPClassifier):
        proba = model.predict_proba(X)
        if y_kind != "multilabel":
            assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
        assert proba.shape == (len(X), 2 if y_kind == "binary" else y.shape[1] if y.ndim == 2 else 3)


def test_multilabel_and_multioutput(iris):
    X, y = make_multilabel_classification(n_samples=80, n_classes=3, random_state=0)
    model = _quiet_fit(MLPClassifier(hidden_layer_sizes=(20,), solver="lbfgs", random_state=0), X, y)
    assert model.predict(X).shape == y.shape
    assert set(np.unique(model.predict(X))) <= {0, 1}
    assert model.score(X, y) > 0.8
    X, _ = iris
    Y = np.column_stack([X[:, 0], X[:, 1] - X[:, 2]])
    reg = _quiet_fit(MLPRegressor(hidden_layer_sizes=(10,), solver="lbfgs", random_state=0), X[:, 2:], Y)
    assert reg.predict(X[:, 2:]).shape == Y.shape
    assert reg.n_outputs_ == 2
