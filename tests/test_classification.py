"""Class labels to network targets and back, shared by skdl's classifiers."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn import neural_network
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier, NeuralNetClassifier, PerceptronClassifier


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _fit(estimator, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **kwargs)


@pytest.mark.parametrize("estimator", [
    MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0),
    PerceptronClassifier(),
])
def test_string_and_object_labels_are_kept(iris, estimator):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    for labels in (names[y], names[y].astype(object)):
        model = _fit(estimator, X, labels)
        assert_array_equal(model.classes_, names)
        predicted = model.predict(X)
        assert set(predicted) <= set(names)
        assert np.mean(predicted == labels) > 0.8


def test_binary_targets_are_one_column_or_two_under_softmax(iris):
    X, y = iris
    y = np.where(y == 1, "yes", "no")
    sigmoid = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    softmax = _fit(MLPClassifier(hidden_layer_sizes=(4,), loss="cross_entropy", max_iter=5,
                                 random_state=0), X, y)
    assert sigmoid.n_outputs_ == 1 and sigmoid.coefs_[-1].shape[1] == 1
    assert softmax.n_outputs_ == 2 and softmax.coefs_[-1].shape[1] == 2
    for model in (sigmoid, softmax):
        proba = model.predict_proba(X)
        assert proba.shape == (len(X), 2)
        assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
        assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
        assert_allclose(model.predict_log_proba(X), np.log(proba))


def test_one_vs_rest_sigmoid_probabilities_are_normalised(iris):
    X, y = iris
    model = _fit(MLPClassifier(hidden_layer_sizes=(8,), loss="binary_cross_entropy",
                               solver="lbfgs", random_state=0), X, y)
    assert model.out_activation_ == "logistic"
    raw = model._predict_outputs(X)
    proba = model.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1)
    assert_allclose(proba, raw / raw.sum(axis=1, keepdims=True))
    assert_array_equal(model.predict(X), model.classes_[raw.argmax(axis=1)])


def test_hinge_outputs_threshold_at_zero(iris):
    X, y = iris
    y = (y == 0).astype(int)
    model = _fit(MLPClassifier(hidden_layer_sizes=(4,), loss="hinge", solver="lbfgs",
                               random_state=0), X, y)
    out = model._predict_outputs(X)[:, 0]
    assert_array_equal(model.predict(X), (out > 0).astype(int))
    assert model.score(X, y) > 0.95


@pytest.mark.parametrize("loss", ["hinge", "perceptron"])
def test_margin_loss_on_probability_output_predicts_like_predict_proba(iris, loss):
    X, y = iris
    y = (y == 0).astype(int)
    model = _fit(MLPClassifier(hidden_layer_sizes=(4,), loss=loss, output_activation="logistic",
                               solver="lbfgs", random_state=0), X, y)
    proba = model.predict_proba(X)
    assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    if loss == "hinge":
        # the perceptron criterion has no gradient on a positive row whose
        # sigmoid output is always positive, so only hinge learns here
        assert model.score(X, y) > 0.95


@pytest.mark.parametrize("loss, output", [
    ("log_loss", "identity"), ("cross_entropy", "relu"), ("binary_cross_entropy", "tanh"),
])
def test_probability_losses_refuse_outputs_that_are_not_probabilities(iris, loss, output):
    X, y = iris
    fitted = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    coefs = [c.copy() for c in fitted.coefs_]
    fitted.set_params(loss=loss, output_activation=output, warm_start=True)
    with pytest.raises(ValueError, match=f"loss='{loss}' is defined on probabilities"):
        fitted.fit(X, y)
    for before, after in zip(coefs, fitted.coefs_):
        assert_array_equal(before, after)
    assert fitted.loss == loss and fitted._loss.name == "cross_entropy"


def test_user_activation_marked_as_probability_is_accepted_by_log_loss(iris):
    class Sigmoid:
        is_probability = True

        def value(self, z):
            return expit(z)

        def derivative(self, z, a):
            return a * (1 - a)

    X, y = iris
    y = (y == 0).astype(int)
    model = _fit(MLPClassifier(hidden_layer_sizes=(4,), output_activation=Sigmoid(),
                               solver="lbfgs", random_state=0), X, y)
    assert model.score(X, y) > 0.95


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 20.0}])
def test_class_weight_equals_sample_weight(iris, class_weight):
    X, y = iris
    y = (y == 1).astype(int)
    counts = np.bincount(y)
    per_class = (len(y) / (2 * counts) if class_weight == "balanced"
                 else np.array([class_weight[0], class_weight[1]]))
    # alpha=0: the L2 term is divided by the summed weights, so scaling every
    # weight by 2 would otherwise halve it
    params = dict(hidden_layer_sizes=(4,), solver="lbfgs", alpha=0.0, random_state=0,
                  max_iter=50)
    weighted = _fit(MLPClassifier(class_weight=class_weight, **params), X, y)
    by_samples = _fit(MLPClassifier(**params), X, y, sample_weight=per_class[y])
    assert_allclose(weighted.predict_proba(X), by_samples.predict_proba(X), rtol=1e-6)
    combined = _fit(MLPClassifier(class_weight=class_weight, **params), X, y,
                    sample_weight=np.full(len(y), 2.0))
    assert_allclose(combined.predict_proba(X), by_samples.predict_proba(X), rtol=1e-5)


def test_single_class_is_rejected_with_a_clear_message(iris):
    X, _ = iris
    for est in (MLPClassifier(), PerceptronClassifier()):
        with pytest.raises(ValueError, match="only one class"):
            est.fit(X, np.zeros(len(X)))


def test_continuous_targets_are_rejected(iris):
    X, _ = iris
    for est in (MLPClassifier(), PerceptronClassifier()):
        with pytest.raises(ValueError, match="Unknown label type"):
            est.fit(X, X[:, 0])


def test_warm_start_and_partial_fit_check_classes(iris):
    X, y = iris
    model = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, warm_start=True,
                               random_state=0), X, y)
    with pytest.raises(ValueError, match="same classes"):
        model.fit(X[y < 2], y[y < 2])
    online = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        online.partial_fit(X, y)
    online.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert_array_equal(online.classes_, [0, 1, 2])
    with pytest.raises(ValueError, match="not in `self.classes_`"):
        online.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match="not the same"):
        online.partial_fit(X, y, classes=[0, 1])


@pytest.mark.parametrize("estimator", [MLPClassifier, PerceptronClassifier])
def test_balanced_class_weight_is_refused_by_partial_fit(iris, estimator):
    X, y = iris
    model = estimator(class_weight="balanced")
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        model.partial_fit(X, y, classes=np.unique(y))
    assert not hasattr(model, "classes_")
    model.set_params(class_weight={0: 2.0}).partial_fit(X, y, classes=np.unique(y))
    assert model.classes_.tolist() == [0, 1, 2]


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 2.0}])
def test_class_weight_is_refused_for_multilabel_targets(iris, class_weight):
    X, y = iris
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    with pytest.raises(ValueError, match="class_weight applies to single-label targets"):
        MLPClassifier(class_weight=class_weight, max_iter=5).fit(X, Y)


@pytest.mark.parametrize("estimator, params", [
    (MLPClassifier, dict(hidden_layer_sizes=(4,))),
    (PerceptronClassifier, dict(activation="sigmoid", solver="sgd", eta0=0.1)),
])
def test_early_stopping_scores_validation_by_sample_weight_alone(iris, estimator, params):
    # as scikit-learn's SGD estimators do: class weights shape training only
    class Spy(estimator):
        def _score_outputs(self, y, out, sample_weight=None):
            seen.append(sample_weight)
            return super()._score_outputs(y, out, sample_weight)

    X, y = iris
    seen = []
    kw = dict(early_stopping=True, max_iter=3, random_state=0, class_weight={0: 5.0}, **params)
    _fit(Spy(**kw), X, y)
    assert seen and all(w is None or np.all(w == 1) for w in seen)
    seen.clear()
    row_weights = np.where(np.arange(len(y)) % 2, 2.0, 3.0)
    _fit(Spy(**kw), X, y, sample_weight=row_weights)
    assert seen and all(set(np.unique(w)) <= {2.0, 3.0} for w in seen)


# --------------------------------------------------------------------------
# partial_fit: the labels of y against `classes`, on every call, as
# scikit-learn checks them

ONLINE_CLASSIFIERS = {
    "MLPClassifier-sgd": (MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", random_state=0),
                          neural_network.MLPClassifier(hidden_layer_sizes=(4,), solver="sgd",
                                                       random_state=0)),
    "MLPClassifier-adam": (MLPClassifier(hidden_layer_sizes=(4,), random_state=0),
                           neural_network.MLPClassifier(hidden_layer_sizes=(4,),
                                                        random_state=0)),
    "PerceptronClassifier": (PerceptronClassifier(), Perceptron()),
    "PerceptronClassifier-sgd": (PerceptronClassifier(activation="sigmoid", solver="sgd"),
                                 Perceptron()),
}


def _online(name):
    return [clone(estimator) for estimator in ONLINE_CLASSIFIERS[name]]


@pytest.mark.parametrize("name", list(ONLINE_CLASSIFIERS))
@pytest.mark.parametrize("classes", [[0, 1], [0, 1, 3]], ids=["binary", "multiclass"])
def test_first_partial_fit_refuses_labels_outside_classes(iris, name, classes):
    # label 2 is not among `classes`: it would be trained as class 0, or as
    # an all-zero target
    X, y = iris
    ours, theirs = _online(name)
    for estimator in (ours, theirs):
        with pytest.raises(ValueError, match="classes"):
            estimator.partial_fit(X, y, classes=classes)
    assert not hasattr(ours, "classes_")


@pytest.mark.parametrize("name", list(ONLINE_CLASSIFIERS))
def test_partial_fit_refuses_classes_of_another_type_than_y(iris, name):
    X, y = iris
    for estimator in _online(name):
        with pytest.raises(ValueError, match="classes"):
            estimator.partial_fit(X, y, classes=["0", "1", "2"])
    ours, _ = _online(name)
    _fit_quietly(ours.partial_fit, X, y, classes=[0, 1, 2])
    before = pickle.dumps(ours)
    with pytest.raises(ValueError, match="classes"):
        ours.partial_fit(X, y.astype(str))
    assert pickle.dumps(ours) == before


@pytest.mark.parametrize("name", list(ONLINE_CLASSIFIERS))
def test_later_partial_fit_refuses_a_different_classes(iris, name):
    X, y = iris
    for estimator in _online(name):
        _fit_quietly(estimator.partial_fit, X, y, classes=[0, 1, 2])
        before = pickle.dumps(estimator)
        for classes in ([0, 1, 2, 3], [0, 1], ["0", "1", "2"]):
            with pytest.raises(ValueError, match="not the same as on"):
                estimator.partial_fit(X, y, classes=classes)
        assert pickle.dumps(estimator) == before
        # the same classes, in any order, are accepted
        _fit_quietly(estimator.partial_fit, X, y, classes=[2, 0, 1])


@pytest.mark.parametrize("name", list(ONLINE_CLASSIFIERS))
def test_later_partial_fit_refuses_labels_outside_classes(iris, name):
    X, y = iris
    for estimator in _online(name):
        _fit_quietly(estimator.partial_fit, X[y < 2], y[y < 2], classes=[0, 1])
        before = pickle.dumps(estimator)
        with pytest.raises(ValueError, match="classes"):
            estimator.partial_fit(X, y)
        assert pickle.dumps(estimator) == before


def _fit_quietly(method, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return method(*args, **kwargs)


# --------------------------------------------------------------------------
# a user activation is never a built-in by its name


class _Named:
    """A user activation that calls itself ``name``: a tanh, or a sigmoid
    marked as a probability."""

    def __init__(self, name, probability=False):
        self.name, self.is_probability = name, probability

    def value(self, z):
        return expit(z) if self.is_probability else np.tanh(z)

    def derivative(self, z, a):
        return a * (1 - a) if self.is_probability else 1 - a * a


BUILTIN_NAMES = ["softmax", "step", "sigmoid", "logistic", "identity", "exp"]


def _same_model(a, b, X):
    assert_array_equal(a.predict(X), b.predict(X))
    if hasattr(b, "predict_proba"):
        assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("name", BUILTIN_NAMES)
@pytest.mark.parametrize("target", ["binary", "multiclass"])
@pytest.mark.parametrize("probability", [False, True], ids=["tanh", "sigmoid"])
def test_mlp_treats_a_user_activation_alike_whatever_its_name(iris, name, target, probability):
    X, y = iris
    if target == "binary":
        y = (y == 1).astype(int)
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0,
              loss="log_loss" if probability else "squared_error")
    named, plain = (
        _fit(MLPClassifier(activation=_Named(n), output_activation=_Named(n, probability),
                           **kw), X, y)
        for n in (name, "mine")
    )
    assert named.n_outputs_ == plain.n_outputs_
    assert named._loss.name == plain._loss.name
    for a, b in zip(named.coefs_, plain.coefs_):
        assert_array_equal(a, b)
    _same_model(named, plain, X)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
@pytest.mark.parametrize("target", ["binary", "multiclass"])
def test_perceptron_treats_a_user_activation_alike_whatever_its_name(iris, name, target):
    X, y = iris
    if target == "binary":
        y = (y == 1).astype(int)
    named, plain = (
        _fit(PerceptronClassifier(activation=_Named(n), max_iter=20), X, y)
        for n in (name, "mine")
    )
    assert named._solver == plain._solver == "lbfgs"
    assert named._loss.name == plain._loss.name == "squared_error"
    assert_array_equal(named.coef_, plain.coef_)
    _same_model(named, plain, X)


@pytest.mark.parametrize("estimator", [MLPClassifier, NeuralNetClassifier, PerceptronClassifier])
def test_validation_labels_unseen_in_y_are_refused_by_name(iris, estimator):
    X, y = iris
    X, X_val, y, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
    labels = np.array(["setosa", "versicolor", "virginica"])
    with pytest.raises(ValueError, match=r"y_val has labels not seen in y: \['virginica'\]"):
        estimator().fit(X[y < 2], labels[y[y < 2]], X_val=X_val, y_val=labels[y_val])
    with pytest.raises(ValueError, match=r"y_val has labels not seen in y: \[7\]"):
        estimator().fit(X, y, X_val=X_val[:2], y_val=[0, 7])
    with pytest.raises(ValueError, match="y_val has labels not seen in y"):
        estimator().fit(X, y, X_val=X_val[:2], y_val=["a", "b"])
