"""Misuse of every public entry point gets a clear error of the conventional
type, and a failing call leaves a fitted estimator exactly as it was."""

import copy
import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skdl import MLPClassifier, MLPRegressor, PerceptronClassifier
from skdl.activations import Sigmoid, Tanh
from skdl.losses import Hinge, Huber

ESTIMATORS = [
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
    MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
    PerceptronClassifier(max_iter=5),
]
IDS = ["MLPClassifier", "MLPRegressor", "PerceptronClassifier"]
RNG = np.random.RandomState(0)
X = RNG.normal(size=(40, 3))
Y_CLASS = np.arange(40) % 3
Y_REG = X[:, 0] * 2.0


def _y(estimator):
    return Y_REG if isinstance(estimator, MLPRegressor) else Y_CLASS


def _fitted(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return copy.deepcopy(estimator).fit(X, _y(estimator))


def _snapshot(estimator):
    return pickle.dumps(estimator)


BAD_X = {
    "nan": (np.where(X > 1, np.nan, X), ValueError, "NaN"),
    "inf": (np.where(X > 1, np.inf, X), ValueError, "infinity"),
    "empty": (np.empty((0, 3)), ValueError, "0 sample"),
    "one-dimensional": (X[:, 0], ValueError, "Expected 2D array"),
    "no features": (np.empty((40, 0)), ValueError, "0 feature"),
    "strings": (np.full((40, 3), "a"), ValueError, "could not convert|numeric"),
    "complex": (X + 1j, ValueError, "[Cc]omplex"),
}


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("case", list(BAD_X))
def test_bad_X_in_fit_is_rejected_and_leaves_the_model_unchanged(estimator, case):
    bad, error, message = BAD_X[case]
    model = _fitted(estimator)
    before = _snapshot(model)
    y = _y(estimator)[: len(bad)] if bad.ndim == 2 else _y(estimator)
    with pytest.raises(error, match=message):
        model.fit(bad, y)
    assert _snapshot(model) == before


METHODS = [(est, method) for est in ESTIMATORS
           for method in ["predict", "score", "predict_proba", "decision_function"]
           if hasattr(est, method)]
METHOD_IDS = [f"{type(est).__name__}.{method}" for est, method in METHODS]


@pytest.mark.parametrize("estimator, method", METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize("case", ["nan", "inf", "one-dimensional", "complex"])
def test_bad_X_at_prediction(estimator, method, case):
    model = _fitted(estimator)
    bad, error, message = BAD_X[case]
    args = (bad, _y(estimator)) if method == "score" else (bad,)
    with pytest.raises(error, match=message):
        getattr(model, method)(*args)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_wrong_feature_count_at_prediction(estimator):
    model = _fitted(estimator)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :2])


@pytest.mark.parametrize("estimator, method", METHODS, ids=METHOD_IDS)
def test_unfitted_estimators_say_so(estimator, method):
    model = copy.deepcopy(estimator)
    args = (X, _y(estimator)) if method == "score" else (X,)
    with pytest.raises(NotFittedError):
        getattr(model, method)(*args)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_mismatched_lengths_and_bad_weights(estimator):
    model = _fitted(estimator)
    before = _snapshot(model)
    y = _y(estimator)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        model.fit(X, y, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="[Nn]egative"):
        model.fit(X, y, sample_weight=-np.ones(len(y)))
    assert _snapshot(model) == before


@pytest.mark.parametrize("estimator", [ESTIMATORS[0], ESTIMATORS[2]], ids=IDS[::2])
def test_classifier_target_errors(estimator):
    model = _fitted(estimator)
    before = _snapshot(model)
    with pytest.raises(ValueError, match="only one class"):
        model.fit(X, np.zeros(40))
    with pytest.raises(ValueError, match="Unknown label type"):
        model.fit(X, X[:, 0])
    with pytest.raises(ValueError, match="not in `self.classes_`"):
        model.partial_fit(X, Y_CLASS + 5)
    assert _snapshot(model) == before
    fresh = copy.deepcopy(estimator)
    with pytest.raises(ValueError, match="classes must be passed"):
        fresh.partial_fit(X, Y_CLASS)


def test_partial_fit_failure_keeps_optimizer_state():
    model = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    model.partial_fit(X, Y_CLASS, classes=[0, 1, 2])
    before = _snapshot(model)
    with pytest.raises(ValueError):
        model.partial_fit(np.where(X > 1, np.nan, X), Y_CLASS)
    assert _snapshot(model) == before
    assert model.optimizer_.iterations == 1


INVALID_PARAMETERS = {
    MLPClassifier: dict(
        hidden_layer_sizes=[(0,), "wide"], activation=["swish", 3], solver=["newton"],
        alpha=[-1.0], batch_size=[0, "big"], learning_rate=["fast"],
        learning_rate_init=[0.0], power_t=[-1.0], max_iter=[0], shuffle=["yes"],
        random_state=["seed"], tol=[-1.0], warm_start=[2], momentum=[1.5],
        nesterovs_momentum=[None], early_stopping=["no"], validation_fraction=[1.0],
        beta_1=[1.0], beta_2=[-0.1], epsilon=[0.0], n_iter_no_change=[0], max_fun=[0],
        loss=["poisson", 7], output_activation=["nope"], class_weight=["even"],
        dropout=[1.0, "half"], callbacks=["print"],
    ),
    MLPRegressor: dict(loss=["hinge"], alpha=[-1.0], dropout=[-0.5]),
    PerceptronClassifier: dict(
        penalty=["l3"], alpha=[-1.0], l1_ratio=[1.5], fit_intercept=[0.5], max_iter=[0],
        eta0=[0.0], n_jobs=["all"], early_stopping=["x"], validation_fraction=[0.0],
        n_iter_no_change=[0], class_weight=["odd"], activation=["swish"],
        loss=["huber"], solver=["adam"], batch_size=[0],
    ),
}
INVALID_CASES = [(cls, name, value) for cls, params in INVALID_PARAMETERS.items()
                 for name, values in params.items() for value in values]


@pytest.mark.parametrize("cls, name, value", INVALID_CASES,
                         ids=[f"{c.__name__}-{n}-{v!r}" for c, n, v in INVALID_CASES])
def test_every_invalid_hyperparameter_is_named(cls, name, value):
    with pytest.raises((InvalidParameterError, ValueError, TypeError), match=name):
        cls(**{name: value}).fit(X, Y_REG if cls is MLPRegressor else Y_CLASS)


def test_fractional_layer_size_is_named():
    with pytest.raises(ValueError, match=r"must be positive integers, got \[5.5\]"):
        MLPClassifier(hidden_layer_sizes=(5.5,)).fit(X, Y_CLASS)


class WrongShape:
    def value(self, z):
        return z[:, :1]

    def derivative(self, z, a):
        return np.ones_like(z)


class NotFinite:
    def value(self, z):
        return np.full_like(z, np.nan)

    def derivative(self, z, a):
        return np.ones_like(z)


class BadGradient:
    def __init__(self, kind):
        self.kind = kind

    def value(self, y, out, sample_weight=None):
        return float(np.mean((out - y) ** 2)) if self.kind != "nan-value" else np.nan

    def gradient(self, y, out):
        if self.kind == "shape":
            return out[:, :0]
        return np.full_like(out, np.inf) if self.kind == "inf" else out - y


@pytest.mark.parametrize("params, message", [
    (dict(activation=WrongShape()), "returned shape"),
    (dict(activation=NotFinite()), "non-finite"),
    (dict(loss=BadGradient("shape")), "returned shape"),
    (dict(loss=BadGradient("inf")), "non-finite"),
    (dict(loss=BadGradient("nan-value")), "returned nan"),
])
def test_user_activation_or_loss_that_misbehaves(params, message):
    model = _fitted(ESTIMATORS[1])
    before = _snapshot(model)
    with pytest.raises(ValueError, match=message):
        model.set_params(**params).fit(X, Y_REG)
    model.set_params(activation="relu", loss="squared_error")
    assert _snapshot(model) == before


def test_objects_without_the_methods_are_rejected():
    with pytest.raises(InvalidParameterError, match="activation"):
        MLPRegressor(activation=object()).fit(X, Y_REG)
    with pytest.raises(InvalidParameterError, match="loss"):
        MLPRegressor(loss=object()).fit(X, Y_REG)


@pytest.mark.parametrize("estimator", [
    MLPRegressor(solver="sgd", learning_rate_init=10.0, momentum=0.99, max_iter=20),
    MLPRegressor(solver="adam", learning_rate_init=1e6, max_iter=20),
    PerceptronClassifier(activation="identity", solver="sgd", eta0=1e12, max_iter=20),
], ids=["sgd", "adam", "perceptron-sgd"])
def test_divergence_never_keeps_non_finite_weights(estimator):
    big_X = X * 1e4
    y = Y_REG * 1e6 if isinstance(estimator, MLPRegressor) else Y_CLASS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            estimator.fit(big_X, y)
        except ValueError as error:
            assert "diverged" in str(error)
            assert not hasattr(estimator, "coefs_") and not hasattr(estimator, "coef_")
            return
    weights = getattr(estimator, "coefs_", None) or [estimator.coef_]
    assert all(np.isfinite(w).all() for w in weights)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_same_random_state_gives_bit_identical_weights(estimator):
    first, second = _fitted(estimator), _fitted(estimator)
    weights = lambda m: getattr(m, "coefs_", None) or [m.coef_]  # noqa: E731
    for a, b in zip(weights(first), weights(second)):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse", [False, True])
def test_pickle_and_joblib_round_trips(estimator, dtype, sparse, tmp_path):
    data = X.astype(dtype)
    data = sp.csr_matrix(data) if sparse else data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = copy.deepcopy(estimator).fit(data, _y(estimator))
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    for clone in (pickle.loads(pickle.dumps(model)), joblib.load(path)):
        assert_array_equal(clone.predict(data), model.predict(data))
        weights = getattr(clone, "coefs_", None) or [clone.coef_]
        assert all(w.dtype == dtype for w in weights)


EVERY_PARAMETER = [(type(est), name) for est in ESTIMATORS for name in est.get_params()]


@pytest.mark.parametrize("cls, name", EVERY_PARAMETER,
                         ids=[f"{c.__name__}-{n}" for c, n in EVERY_PARAMETER])
def test_every_hyperparameter_rejects_a_value_of_the_wrong_kind(cls, name):
    """An arbitrary object fits no parameter's constraints, so each one must
    be refused by name before any training starts."""
    model = cls(**{name: object()})
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        model.fit(X, Y_REG if cls is MLPRegressor else Y_CLASS)
    assert not hasattr(model, "n_features_in_")


# --------------------------------------------------------------------------
# a class where an instance is needed, and user objects returning non-numbers


@pytest.mark.parametrize("estimator, params, example", [
    (ESTIMATORS[0], dict(loss=Hinge), "Hinge()"),
    (ESTIMATORS[0], dict(activation=Tanh), "Tanh()"),
    (ESTIMATORS[0], dict(activation=[Tanh]), "Tanh()"),
    (ESTIMATORS[0], dict(output_activation=Sigmoid), "Sigmoid()"),
    (ESTIMATORS[1], dict(loss=Huber), "Huber()"),
    (ESTIMATORS[2], dict(activation=Tanh, loss="squared_error"), "Tanh()"),
    (ESTIMATORS[2], dict(activation="identity", loss=Hinge), "Hinge()"),
], ids=["loss", "activation", "activation-list", "output_activation", "regressor-loss",
        "perceptron-activation", "perceptron-loss"])
def test_a_class_where_an_instance_is_needed_is_named(estimator, params, example):
    model = _fitted(estimator)
    before = _snapshot(model)
    saved = {name: getattr(model, name) for name in params}
    model.set_params(**params)
    with pytest.raises(TypeError, match=rf"is a class.*an instance.*{re.escape(example)}"):
        model.fit(X, _y(estimator))
    model.set_params(**saved)
    assert _snapshot(model) == before


class _Returns:
    """A user activation or loss whose ``method`` returns ``fill``s."""

    def __init__(self, method, fill):
        self.method, self.fill = method, fill

    def _result(self, method, like, good):
        return np.full(np.shape(like), self.fill) if method == self.method else good

    def value(self, *args):
        if len(args) == 1:  # an activation's value(z)
            return self._result("value", args[0], np.tanh(args[0]))
        y, out, _ = args
        return self._result("value", (), float(np.mean((out - y) ** 2)))

    def derivative(self, z, a):
        return self._result("derivative", a, 1 - a * a)

    def gradient(self, y, out):
        return self._result("gradient", out, out - y)


NON_NUMBERS = {"strings": "a", "objects": object(), "complex": 1j}


@pytest.mark.parametrize("fill", list(NON_NUMBERS))
@pytest.mark.parametrize("method", ["value", "derivative"])
@pytest.mark.parametrize("where", ["MLP-hidden", "MLP-output", "perceptron"])
def test_a_user_activation_returning_non_numbers_is_named(fill, method, where):
    activation = _Returns(method, NON_NUMBERS[fill])
    estimator = {
        "MLP-hidden": MLPRegressor(hidden_layer_sizes=(3,), activation=activation, max_iter=2),
        "MLP-output": MLPRegressor(hidden_layer_sizes=(3,), output_activation=activation,
                                   max_iter=2),
        "perceptron": PerceptronClassifier(activation=activation, loss="squared_error",
                                           max_iter=2),
    }[where]
    with pytest.raises(TypeError, match=rf"'_Returns'\.{method} returned .* not real numbers"):
        estimator.fit(X, _y(estimator))


@pytest.mark.parametrize("fill", list(NON_NUMBERS))
@pytest.mark.parametrize("method", ["value", "gradient"])
def test_a_user_loss_returning_non_numbers_is_named(fill, method):
    model = _fitted(ESTIMATORS[1])
    before = _snapshot(model)
    with pytest.raises(TypeError, match=rf"'_Returns'\.{method} returned .* not real numbers"):
        model.set_params(loss=_Returns(method, NON_NUMBERS[fill])).fit(X, Y_REG)
    model.set_params(loss="squared_error")
    assert _snapshot(model) == before
