"""NeuralNetClassifier and NeuralNetRegressor: networks of any layers as
scikit-learn estimators (fit, predict, input_shape, N-D X, clone, searches,
the layers' names and nested parameters, pipelines, warm starts,
partial_fit, early stopping, weights) and the errors raised before any
training."""

import copy
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from skdl import MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor
from skdl import backend as backends
from skdl.gradcheck import check_gradients
from skdl.optimizers import AdamW
from skdl.layers import (
    GRU,
    LSTM,
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool1D,
    MaxPool2D,
    SimpleRNN,
)

from stateful_layer import RunningCentre


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


@pytest.fixture(scope="module")
def images():
    """A regression on 4x4 images: the sum of the centre 2x2 block."""
    rs = np.random.RandomState(0)
    X = rs.normal(size=(120, 16))
    y = X.reshape(-1, 4, 4)[:, 1:3, 1:3].sum(axis=(1, 2))
    return X, y


def cnn_layers():
    return [Conv2D(4, 3, padding="same", activation="relu"), MaxPool2D(2), Flatten()]


def cnn(**params):
    params = {"layers": cnn_layers(), "input_shape": (8, 8, 1), "max_iter": 8,
              "learning_rate_init": 0.01, "random_state": 0, **params}
    return NeuralNetClassifier(**params)


@pytest.fixture(scope="module")
def fitted(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cnn().fit(X, y)


def _weights(estimator):
    return [w for layer in estimator.layers_ for w in layer.get_weights()]


def _assert_same_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert_array_equal(x, y)


# ----------------------------------------------------------------- fitting
def test_digits_cnn_learns(fitted, digits):
    X, y = digits
    assert fitted.score(X, y) > 0.6
    assert fitted.n_iter_ == 8 and len(fitted.loss_curve_) == 8
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]
    proba = fitted.predict_proba(X)
    assert proba.shape == (300, 10)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(fitted.classes_, np.arange(10))
    assert fitted.n_features_in_ == 64 and fitted.input_shape_ == (8, 8, 1)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_cnn_regressor_learns(images, solver):
    X, y = images
    reg = NeuralNetRegressor(
        layers=[Conv2D(4, 2, activation="tanh"), AvgPool2D(2, strides=1, padding="same"),
                Flatten()],
        input_shape=(4, 4, 1), solver=solver, max_iter=150 if solver == "lbfgs" else 60,
        learning_rate_init=0.02, random_state=0,
    ).fit(X, y)
    assert reg.score(X, y) > 0.9
    assert reg.predict(X).shape == (120,)
    multi = clone(reg).set_params(max_iter=5).fit(X, np.column_stack([y, -y]))
    assert multi.predict(X).shape == (120, 2)


def test_layers_attribute(fitted):
    layers = fitted.layers_
    assert [type(layer) for layer in layers] == [Conv2D, MaxPool2D, Flatten, Dense]
    output = layers[-1]
    assert output.units == 10 and output.activation == "softmax"
    assert [w.shape for w in layers[0].get_weights()] == [(3, 3, 1, 4), (4,)]
    assert layers[1].get_weights() == [] and layers[2].get_weights() == []
    assert [w.shape for w in output.get_weights()] == [(64, 10), (10,)]
    assert layers[0].output_shape == (8, 8, 4) and layers[1].output_shape == (4, 4, 4)
    # get_weights copies
    kernel = layers[0].get_weights()[0]
    kernel[...] = 0
    assert np.any(layers[0].get_weights()[0] != 0)


def test_binary_output_layer_has_one_unit(digits):
    X, y = digits
    clf = cnn(max_iter=2).fit(X, y % 2)
    assert clf.layers_[-1].units == 1 and clf.layers_[-1].activation == "sigmoid"
    assert clf.predict_proba(X).shape == (300, 2)


# ------------------------------------------------------------ input shapes
@pytest.mark.parametrize("input_shape", [(8, -1, 1), (-1, 8, 1), (8, 8, -1), [8, 8, 1]])
def test_input_shape_with_minus_one(fitted, digits, input_shape):
    X, y = digits
    clf = cnn(input_shape=input_shape).fit(X, y)
    assert clf.input_shape_ == (8, 8, 1)
    assert clf.input_shape == input_shape  # the parameter stays as given
    assert_array_equal(clf.predict_proba(X), fitted.predict_proba(X))


def test_n_d_x_is_read_as_samples_of_input_shape(fitted, digits):
    X, y = digits
    images = X.reshape(-1, 8, 8, 1)
    clf = cnn().fit(images, y)
    _assert_same_weights(_weights(clf), _weights(fitted))
    assert clf.n_features_in_ == 64
    for estimator in (clf, fitted):
        assert_array_equal(estimator.predict_proba(images), fitted.predict_proba(X))
        assert_array_equal(estimator.predict(images), fitted.predict(X))
        assert estimator.score(images, y) == fitted.score(X, y)


def test_n_d_x_of_another_sample_shape_is_refused(fitted, digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"X has samples of shape \(8, 8\), but input_shape"):
        cnn().fit(X.reshape(-1, 8, 8), y)
    with pytest.raises(ValueError, match=r"X has samples of shape \(4, 16, 1\)"):
        fitted.predict(X.reshape(-1, 4, 16, 1))


def test_flat_input_shape_and_none_are_the_same(digits):
    X, y = digits
    a = NeuralNetClassifier(layers=[Dense(8)], max_iter=3, random_state=0).fit(X, y)
    b = NeuralNetClassifier(layers=[Dense(8)], input_shape=(64,), max_iter=3,
                            random_state=0).fit(X, y)
    c = NeuralNetClassifier(layers=[Dense(8)], input_shape=(-1,), max_iter=3,
                            random_state=0).fit(X, y)
    _assert_same_weights(_weights(a), _weights(b))
    _assert_same_weights(_weights(a), _weights(c))


# ----------------------------------------------------- the user's layers
def test_user_layers_are_never_modified(digits):
    X, y = digits
    layers = [Conv2D(2, 3, activation="relu"), MaxPool2D(2), Dropout(0.1), Flatten(),
              Dense(5, activation="tanh")]
    snapshot = copy.deepcopy(layers)
    clf = cnn(layers=layers, max_iter=2).fit(X, y)
    clf.partial_fit(X, y)
    clf.predict(X)
    clone(clf).fit(X, y)
    for layer, before in zip(layers, snapshot):
        assert repr(layer) == repr(before)
        assert vars(layer).keys() == vars(before).keys()
        assert not hasattr(layer, "kernel") and not hasattr(layer, "weights")
        assert not hasattr(layer, "input_shape") and not hasattr(layer, "output_shape")
    assert clf.layers is layers
    assert not any(fit is user for fit in clf.layers_ for user in layers)


def test_one_layer_list_serves_two_estimators(digits):
    X, y = digits
    layers = cnn_layers()
    a = cnn(layers=layers, max_iter=2).fit(X, y)
    b = cnn(layers=layers, max_iter=2, input_shape=(4, 16, 1)).fit(X, y)
    assert a.layers_[0].output_shape == (8, 8, 4)
    assert b.layers_[0].output_shape == (4, 16, 4)
    assert a.layers_[0].kernel is not b.layers_[0].kernel


def test_clone_and_get_params(fitted):
    copy_ = clone(fitted)
    assert not hasattr(copy_, "layers_")
    assert copy_.layers is not fitted.layers
    assert repr(copy_.layers) == repr(fitted.layers)
    params = fitted.get_params()
    assert params["layers"] is fitted.layers and params["input_shape"] == (8, 8, 1)


def test_grid_search_over_layers(digits):
    X, y = digits
    candidates = [
        [Conv2D(2, 3, activation="relu"), Flatten()],
        [AvgPool2D(2), Flatten(), Dense(8, activation="relu")],
    ]
    search = GridSearchCV(cnn(max_iter=3), {"layers": candidates}, cv=2,
                          error_score="raise").fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert any(search.best_params_["layers"] is c for c in candidates)
    assert [type(layer) for layer in search.best_estimator_.layers_][:-1] == [
        type(layer) for layer in search.best_params_["layers"]
    ]
    for candidate in candidates:
        assert not any(hasattr(layer, "weights") for layer in candidate)


# ------------------------------------------- layer names, nested parameters
def test_fitted_layers_carry_their_names(digits):
    X, y = digits
    layers = [Conv2D(2, 3, padding="same"), Conv2D(2, 3, name="second"), RunningCentre(),
              Flatten(), Dense(8, name="output")]
    clf = cnn(layers=layers, max_iter=1).fit(X, y)
    assert [layer.name for layer in clf.layers_] == [
        "conv2d-1", "second", "runningcentre", "flatten", "output", "output-1",
    ]
    assert [layer.name for layer in layers] == [None, "second", None, None, "output"]
    restored = pickle.loads(pickle.dumps(clf))
    assert [layer.name for layer in restored.layers_] == [layer.name for layer in clf.layers_]


def test_get_params_deep_lists_each_layers_hyperparameters(fitted):
    shallow, deep = fitted.get_params(deep=False), fitted.get_params()
    assert shallow.keys() == set(NeuralNetClassifier().get_params(deep=False))
    assert shallow.items() <= deep.items()
    assert deep["conv2d"] is fitted.layers[0]
    assert (deep["conv2d__filters"], deep["conv2d__padding"], deep["maxpool2d__pool_size"]) == (
        4, "same", 2)
    assert {key for key in deep if key.startswith("flatten")} == {"flatten", "flatten__name"}
    # layers=None: the default layers, by their names
    default = NeuralNetRegressor().get_params()
    assert (default["dense__units"], default["dense__activation"]) == (100, "relu")


def test_get_params_deep_lists_nothing_of_layers_fit_would_refuse():
    for layers in ([Dense(2, name="a"), Dense(3, name="a")], ["dense"], "dense"):
        clf = NeuralNetClassifier(layers=layers)
        assert clf.get_params().keys() == clf.get_params(deep=False).keys()


def test_set_params_changes_copies_and_leaves_the_users_layers(digits):
    X, y = digits
    layers = cnn_layers()
    snapshot = repr(layers)
    a, b = cnn(layers=layers, max_iter=1), cnn(layers=layers, max_iter=1)
    assert a.set_params(conv2d__filters=8, maxpool2d__padding="same", max_iter=2) is a
    assert repr(layers) == snapshot and b.layers is layers  # b is left as it was
    assert a.layers is not layers and a.max_iter == 2
    assert a.layers[2] is layers[2]  # the layer left unchanged: the same object
    assert (a.layers[0].filters, a.layers[1].padding) == (8, "same")
    a.fit(X, y)
    assert a.layers_[0].get_weights()[0].shape == (3, 3, 1, 8)
    assert a.get_params()["conv2d__filters"] == 8


def test_set_params_takes_layers_first_then_its_layers_parameters():
    clf = NeuralNetClassifier()
    clf.set_params(dense__units=32)  # layers=None: the default layers, changed
    assert repr(clf.layers) == "[Dense(units=32, activation='relu')]"
    replaced = [Conv2D(2, 3), Flatten()]
    clf.set_params(conv2d__filters=6, layers=replaced)
    assert clf.layers[0].filters == 6 and replaced[0].filters == 2
    clf.set_params(flatten=Dropout(0.1))  # a layer replaced by its name
    assert isinstance(clf.layers[1], Dropout) and "dropout__rate" in clf.get_params()


def test_set_params_of_all_get_params_keeps_the_parameters(fitted):
    clf = clone(fitted)
    before = repr(clf.get_params())
    clf.set_params(**clf.get_params())
    assert repr(clf.get_params()) == before


@pytest.mark.parametrize("params, error, message", [
    (dict(conv3d__filters=4), ValueError, "Invalid parameter 'conv3d__filters': no layer "
     "is named 'conv3d'. The layers are named ['conv2d', 'maxpool2d', 'flatten']"),
    (dict(conv2d__filterz=4), ValueError,
     "Invalid parameter 'conv2d__filterz': layer 'conv2d', Conv2D("),
    (dict(layers__0__filters=4), ValueError,
     "Invalid parameter 'layers__0__filters': a layer's parameters are set through its "
     "name, as '<name>__<param>'"),
    (dict(solverr=4), ValueError, "Invalid parameter 'solverr': no layer is named 'solverr'"),
    (dict(flatten__name=None, layers=[Dense(2, name="a"), Flatten(name="a")]), ValueError,
     "layers[0] and layers[1] are both named 'a'"),
    (dict(dense__units=4, layers=[Dense(2), "flatten"]), TypeError,
     "layers[1] is 'flatten', of type str, which is not a layer"),
])
def test_set_params_refuses_a_bad_key_naming_it(params, error, message):
    clf = cnn()
    before = clf.get_params(deep=False)
    with pytest.raises(error, match=re.escape(message)):
        clf.set_params(max_iter=3, **params)
    assert clf.get_params(deep=False) == before


def test_clone_copies_the_layers_and_keeps_nested_parameters(fitted):
    clf = cnn().set_params(conv2d__filters=3, flatten__name="flat")
    copy_ = clone(clf)
    assert copy_.get_params()["conv2d__filters"] == 3 and "flat__name" in copy_.get_params()
    assert not any(a is b for a, b in zip(copy_.layers, clf.layers))
    copy_.set_params(conv2d__filters=5)
    assert clf.layers[0].filters == 3


def test_grid_search_over_two_layer_parameters(digits):
    X, y = digits
    net = cnn(layers=[Conv2D(2, 3, activation="relu"), Flatten(), Dense(4, activation="relu")],
              max_iter=3)
    grid = {"conv2d__filters": [2, 3], "dense__units": [4, 6]}
    search = GridSearchCV(net, grid, cv=2, error_score="raise").fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best, fitted_layers = search.best_params_, search.best_estimator_.layers_
    assert fitted_layers[0].get_weights()[0].shape == (3, 3, 1, best["conv2d__filters"])
    assert fitted_layers[2].get_weights()[0].shape[1] == best["dense__units"]
    # each candidate trained the layers its parameters say
    for params in search.cv_results_["params"]:
        candidate = clone(net).set_params(**params).fit(X[:50], y[:50])
        assert candidate.layers_[0].filters == params["conv2d__filters"]
        assert candidate.layers_[2].output_shape == (params["dense__units"],)
    assert [layer.get_config() for layer in net.layers] == [
        layer.get_config() for layer in net.get_params()["layers"]
    ] and net.layers[0].filters == 2 and not hasattr(net, "layers_")


def test_a_pipeline_reaches_its_networks_layers(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), cnn(max_iter=2))
    assert pipe.get_params()["neuralnetclassifier__conv2d__filters"] == 4
    search = GridSearchCV(pipe, {"neuralnetclassifier__conv2d__filters": [2, 3]}, cv=2,
                          error_score="raise").fit(X, y)
    best = search.best_params_["neuralnetclassifier__conv2d__filters"]
    assert search.best_estimator_[-1].layers_[0].filters == best


def test_pipeline_with_standard_scaler(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), cnn(max_iter=4)).fit(X * 16, y)
    scaled = StandardScaler().fit_transform(X * 16)
    alone = cnn(max_iter=4).fit(scaled, y)
    assert_allclose(pipe.predict_proba(X * 16), alone.predict_proba(scaled), rtol=1e-12)
    assert pipe.score(X * 16, y) == alone.score(scaled, y) > 0.2


def test_cross_validate(digits):
    X, y = digits
    estimator = cnn(max_iter=3)
    result = cross_validate(estimator, X, y, cv=3, error_score="raise",
                            return_estimator=True)
    assert np.all(np.isfinite(result["test_score"])) and len(result["test_score"]) == 3
    assert not hasattr(estimator, "layers_")
    assert all(hasattr(e, "layers_") for e in result["estimator"])


def test_pickle_round_trip(fitted, digits):
    X, _ = digits
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))


def test_float32_input_trains_a_float32_network(fitted, digits):
    X, y = digits
    clf = cnn().fit(X.astype(np.float32), y)
    assert all(w.dtype == np.float32 for w in _weights(clf))
    assert_allclose(clf.predict_proba(X), fitted.predict_proba(X), rtol=1e-3, atol=1e-4)


def test_back_ends_fit_alike(digits):
    if len(backends.available()) < 2:
        pytest.skip("numba is not installed: the NumPy back-end only")
    X, y = digits
    fits = []
    for name in ("numpy", "numba"):
        with backends.use(name):
            fits.append(cnn(max_iter=3).fit(X, y))
    for a, b in zip(_weights(fits[0]), _weights(fits[1])):
        assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def test_fitted_objective_gradients_check(digits):
    """The documented way to check a fitted estimator's gradients."""
    X, y = digits
    clf = cnn(layers=[Conv2D(2, 3, activation="tanh"), MaxPool2D(2, strides=1), Flatten()],
              input_shape=(8, 8, 1), max_iter=2).fit(X, y)
    network, Xv, Y, loss, alpha, sw = clf._objective_parts(X[:6], y[:6])
    error, _, _ = check_gradients(network, Xv, Y, loss, alpha, sw)
    assert error < 1e-6


# ----------------------------------------------------- training variants
def test_warm_start_continues(digits):
    X, y = digits
    three = cnn(max_iter=3).fit(X, y)
    warm = cnn(max_iter=3, warm_start=True).fit(X, y)
    start = _weights(warm)
    warm.fit(X, y)
    assert len(warm.loss_curve_) == 6
    assert_array_equal(warm.loss_curve_[:3], three.loss_curve_)
    assert warm.loss_curve_[3] < warm.loss_curve_[0]  # went on from where it was
    assert not all(np.array_equal(a, b) for a, b in zip(start, _weights(warm)))


@pytest.mark.parametrize("change", [
    dict(layers=[Conv2D(5, 3, padding="same", activation="relu"), MaxPool2D(2), Flatten()]),
    dict(layers=[Conv2D(4, 5, padding="same", activation="relu"), MaxPool2D(2), Flatten()]),
    dict(layers=[Conv2D(4, 3, padding="same", activation="relu"), AvgPool2D(2), Flatten()]),
    dict(layers=[Conv2D(4, 3, padding="same", activation="relu"), Flatten()]),
    dict(input_shape=(4, 16, 1)),
])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_warm_start_refuses_a_changed_architecture(fitted, digits, change, method):
    X, y = digits
    clf = copy.deepcopy(fitted).set_params(warm_start=True, **change)
    before = _weights(clf)
    layers_before = clf.layers_
    with pytest.raises(ValueError, match="refit from scratch"):
        getattr(clf, method)(X, y)
    _assert_same_weights(before, _weights(clf))
    assert clf.layers_ is layers_before


def test_partial_fit(digits):
    X, y = digits
    clf = cnn()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:50], y[:50])
    clf.partial_fit(X[:100], y[:100], classes=np.arange(10))
    first = _weights(clf)
    for start in (100, 200):
        clf.partial_fit(X[start:start + 100].reshape(-1, 8, 8, 1), y[start:start + 100])
    assert clf.predict(X).shape == (300,)
    assert not all(np.array_equal(a, b) for a, b in zip(first, _weights(clf)))
    assert len(clf.loss_curve_) == 3
    reg = NeuralNetRegressor(layers=[Conv2D(2, 2), Flatten()], input_shape=(8, 8, 1),
                             random_state=0)
    reg.partial_fit(X, y.astype(float))
    reg.partial_fit(X, y.astype(float))
    assert reg.predict(X).shape == (300,)


def test_early_stopping(digits):
    X, y = digits
    clf = cnn(early_stopping=True, max_iter=30, n_iter_no_change=2,
              validation_fraction=0.2).fit(X, y)
    assert clf.n_iter_ == len(clf.validation_scores_) <= 30
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_class_weight_equals_the_sample_weights_it_stands_for(digits):
    X, y = digits
    weights = {c: 1.0 + c / 3 for c in range(10)}
    by_class = cnn(max_iter=3, class_weight=weights).fit(X, y)
    by_sample = cnn(max_iter=3).fit(X, y, sample_weight=np.array([weights[c] for c in y]))
    for a, b in zip(_weights(by_class), _weights(by_sample)):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    balanced = cnn(max_iter=3, class_weight="balanced").fit(X, y)
    by_sample = cnn(max_iter=3).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    for a, b in zip(_weights(balanced), _weights(by_sample)):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_zero_sample_weights_are_rows_left_out(images):
    X, y = images
    weights = np.ones(120)
    weights[::3] = 0
    params = dict(layers=[Conv2D(2, 2, activation="tanh"), MaxPool2D(2, strides=1),
                          Flatten()],
                  input_shape=(4, 4, 1), solver="lbfgs", max_iter=20, random_state=0)
    weighted = NeuralNetRegressor(**params).fit(X, y, sample_weight=weights)
    dropped = NeuralNetRegressor(**params).fit(X[weights > 0], y[weights > 0])
    assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-6, atol=1e-8)


def test_dropout_trains_but_does_not_predict(digits):
    X, y = digits
    with_dropout = cnn(layers=[*cnn_layers(), Dropout(0.5)], max_iter=3).fit(X, y)
    first = with_dropout.predict_proba(X)
    assert_array_equal(with_dropout.predict_proba(X), first)  # deterministic
    without = cnn(max_iter=3).fit(X, y)
    assert not np.allclose(_weights(with_dropout)[-2], _weights(without)[-2])


# ------------------------------------------------- errors before training
@pytest.mark.parametrize("params, error, message", [
    (dict(layers=[Conv2D(2, 9), Flatten()]), ValueError,
     r"Conv2D\(filters=2, kernel_size=9.*kernel_size 9x9 is larger than its input 8x8 "
     r"\(input shape \(8, 8, 1\)\)"),
    (dict(layers=[Conv2D(2, 3), MaxPool2D(7), Flatten()]), ValueError,
     r"MaxPool2D\(pool_size=7.*pool_size 7x7 is larger than its input 6x6"),
    (dict(input_shape=(8, 7, 1)), ValueError,
     r"input_shape=\(8, 7, 1\) holds 56 values, but X has 64 features per row"),
    (dict(input_shape=(5, -1, 1)), ValueError, "64 is not a multiple of 5"),
    (dict(input_shape=(8, -1, -1)), ValueError, "one of which may be -1"),
    (dict(input_shape=(8, 0, 8)), ValueError, "input_shape must be a tuple of positive"),
    (dict(layers=[Conv2D(2, 3, padding="full"), Flatten()]), ValueError,
     r"Conv2D\(.*padding must be 'valid' or 'same', got 'full'"),
    (dict(layers=[MaxPool2D(2, padding="causal"), Flatten()]), ValueError,
     r"MaxPool2D\(.*padding must be 'valid' or 'same'"),
    (dict(layers=[Conv2D(2, 3), "flatten"]), TypeError,
     r"layers\[1\] is 'flatten', of type str, which is not a layer"),
    (dict(layers=[Conv2D(2, 3), Flatten(), None]), TypeError, r"layers\[2\] is None"),
    (dict(layers=[Conv2D, Flatten()]), TypeError,
     r"layers\[0\] is the class Conv2D, where an instance is needed"),
    (dict(layers=[Conv2D(2, 3), Flatten]), TypeError, r"layers\[1\] is the class Flatten"),
    (dict(layers=[Conv2D(2, 3), Dense(4)]), ValueError,
     r"Layer 2, the output layer Dense\(units=10, .*gets inputs of shape \(6, 6, 4\).*"
     r"put GlobalAveragePooling1D or Flatten before it"),
    (dict(layers=[Conv2D(2, 3)]), ValueError,
     r"Layer 1, the output layer Dense\(units=10, activation='softmax', name='output'\), "
     r"gets inputs of shape \(6, 6, 2\).*put GlobalAveragePooling1D or Flatten before it"),
    (dict(layers=[Flatten(), Conv2D(2, 3)]), ValueError, r"Conv2D.*needs images"),
    (dict(layers=[Flatten(), Dropout(0.2)], solver="lbfgs"), ValueError,
     "dropout makes the objective random, which L-BFGS cannot follow"),
    (dict(layers=[Flatten(), Dropout(1.0)]), ValueError, r"Dropout\(rate=1.0, name='dropout'\): rate must"),
    (dict(layers=[Conv2D(2, 3, activation="step"), Flatten()]), ValueError,
     "The 'step' activation has a zero derivative"),
])
def test_errors_before_training(digits, params, error, message):
    X, y = digits
    clf = cnn(**params)
    with pytest.raises(error, match=message):
        clf.fit(X, y)
    assert not hasattr(clf, "layers_") and not hasattr(clf, "n_iter_")


def test_lbfgs_takes_dropout_of_rate_zero(digits):
    X, y = digits
    cnn(layers=[Flatten(), Dropout(0.0)], solver="lbfgs", max_iter=2).fit(X, y)


def test_sparse_x_refused_with_image_input_and_accepted_with_flat(fitted, digits):
    X, y = digits
    with pytest.raises(TypeError, match="Sparse data was passed"):
        cnn().fit(sp.csr_matrix(X), y)
    with pytest.raises(TypeError, match="Sparse data was passed"):
        fitted.predict(sp.csr_matrix(X))
    for input_shape in (None, (64,), (-1,)):
        dense = NeuralNetClassifier(layers=[Dense(8)], input_shape=input_shape, max_iter=3,
                                    random_state=0).fit(X, y)
        sparse = clone(dense).fit(sp.csr_matrix(X), y)
        for a, b in zip(_weights(dense), _weights(sparse)):
            assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        assert_allclose(sparse.predict_proba(sp.csc_matrix(X)), dense.predict_proba(X),
                        rtol=1e-10)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix])
def test_sparse_x_through_dropout_on_the_input(digits, container):
    """Dropout as the first layer of a flat network (input dropout): sparse
    rows train as their dense equal do."""
    X, y = digits
    params = dict(layers=[Dropout(0.2), Dense(8)], max_iter=3, random_state=0)
    dense = NeuralNetClassifier(**params).fit(X, y)
    sparse = NeuralNetClassifier(**params).fit(container(X), y)
    for a, b in zip(_weights(dense), _weights(sparse)):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bad", [
    dict(layers=[Conv2D(2, 9), Flatten()]),
    dict(input_shape=(8, 7, 1)),
    dict(layers=[Conv2D(2, 3), Dense(4)]),
    dict(layers=["conv"]),
    dict(layers=[Flatten(), Dropout(0.5)], solver="lbfgs"),
    dict(layers=[Flatten(name="a"), Dense(4, name="a")]),
    dict(layers=[Flatten(), Dense(4, name="solver")]),
])
def test_a_failing_fit_leaves_a_fitted_model_unchanged(fitted, digits, bad):
    X, y = digits
    clf = copy.deepcopy(fitted)
    before, proba = _weights(clf), clf.predict_proba(X)
    layers_before, n_iter = clf.layers_, clf.n_iter_
    with pytest.raises((ValueError, TypeError)):
        clf.set_params(**bad).fit(X, y)
    assert clf.layers_ is layers_before and clf.n_iter_ == n_iter
    _assert_same_weights(before, _weights(clf))
    assert_array_equal(clf.predict_proba(X), proba)


# ------------------------------------------------------- the MLPs, as were
def test_mlps_are_networks_of_dense_and_dropout_layers(digits):
    X, y = digits
    mlp = MLPClassifier(hidden_layer_sizes=(8, 6), dropout=0.2, max_iter=3,
                        random_state=0).fit(X, y)
    network = mlp._new_network(X.shape[1], 10, X.dtype)  # as fit trains it
    assert [type(layer) for layer in network.layers] == [Dense, Dropout, Dense, Dropout, Dense]
    # dropout acts in training only: the fitted network has none
    network = mlp._objective_parts(X, y)[0]
    assert [type(layer) for layer in network.layers] == [Dense, Dense, Dense]
    assert [w.shape for w in mlp.coefs_] == [(64, 8), (8, 6), (6, 10)]
    reg = MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    assert [type(layer) for layer in reg._objective_parts(X, y)[0].layers] == [Dense, Dense]
    assert not hasattr(mlp, "layers_") and not hasattr(reg, "layers_")


def test_a_neural_net_of_dense_layers_is_the_mlp(digits):
    """The same hidden layers, solver and seed: the same weights as the MLP."""
    X, y = digits
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    net = NeuralNetClassifier(layers=[Dense(8, activation="relu")], max_iter=3,
                              random_state=0).fit(X, y)
    flat = [w for layer in net.layers_ for w in layer.get_weights()]
    for got, want in zip(flat, [mlp.coefs_[0], mlp.intercepts_[0], mlp.coefs_[1],
                                mlp.intercepts_[1]]):
        assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------- sequences
@pytest.fixture(scope="module")
def series():
    """A regression on series of 16 steps: a sum of tanh of a local
    pattern (each step minus half the next), which one Conv1D window of 2
    steps sees."""
    rs = np.random.RandomState(0)
    X = rs.normal(size=(200, 16))
    y = np.tanh(X[:, :-1] - 0.5 * X[:, 1:]).sum(axis=1)
    return X, y


def lstm_net(**params):
    params = {"layers": [LSTM(16)], "input_shape": (8, 8), "max_iter": 10,
              "learning_rate_init": 0.02, "random_state": 0, **params}
    return NeuralNetClassifier(**params)


@pytest.fixture(scope="module")
def fitted_lstm(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return lstm_net().fit(X, y)


def test_lstm_learns_digits_read_as_sequences(fitted_lstm, digits):
    """Each 8x8 digit read as 8 time steps (rows) of 8 features."""
    X, y = digits
    assert fitted_lstm.score(X, y) > 0.6  # chance is 0.1
    assert fitted_lstm.input_shape_ == (8, 8)
    assert [type(layer) for layer in fitted_lstm.layers_] == [LSTM, Dense]
    assert [w.shape for w in fitted_lstm.layers_[0].get_weights()] == [
        (8, 64), (16, 64), (64,)]
    assert fitted_lstm.predict_proba(X).shape == (300, 10)


def test_lstm_takes_sequences_as_n_d_x(fitted_lstm, digits):
    X, _ = digits
    assert_array_equal(fitted_lstm.predict_proba(X.reshape(-1, 8, 8)),
                       fitted_lstm.predict_proba(X))


def test_lstm_pickle_and_clone(fitted_lstm, digits):
    X, y = digits
    restored = pickle.loads(pickle.dumps(fitted_lstm))
    assert_array_equal(restored.predict_proba(X), fitted_lstm.predict_proba(X))
    refit = clone(fitted_lstm).fit(X, y)
    assert_array_equal(refit.predict_proba(X), fitted_lstm.predict_proba(X))


def test_recurrent_stacks_fit_and_predict(digits):
    X, y = digits
    for layers in ([GRU(8, return_sequences=True), SimpleRNN(8)],
                   [Conv1D(8, 3, padding="same", activation="relu"), MaxPool1D(2),
                    LSTM(8, return_sequences=True), AvgPool1D(2), Flatten()]):
        clf = lstm_net(layers=layers, max_iter=3).fit(X, y)
        assert clf.predict(X).shape == (300,)
        assert np.isfinite(clf.loss_curve_).all()
        assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_fitted_lstm_objective_gradients_check(digits):
    X, y = digits
    clf = lstm_net(layers=[Conv1D(2, 3, activation="tanh"), GRU(2, return_sequences=True),
                           LSTM(2)], max_iter=2).fit(X, y)
    network, Xv, Y, loss, alpha, sw = clf._objective_parts(X[:4], y[:4])
    error, _, _ = check_gradients(network, Xv, Y, loss, alpha, sw)
    assert error < 1e-6


def test_lstm_float32_input_trains_a_float32_network(fitted_lstm, digits):
    X, y = digits
    clf = lstm_net().fit(X.astype(np.float32), y)
    assert all(w.dtype == np.float32 for w in _weights(clf))
    assert_allclose(clf.predict_proba(X), fitted_lstm.predict_proba(X), rtol=1e-2, atol=1e-3)


def test_lstm_warm_start_and_partial_fit(digits):
    X, y = digits
    two = lstm_net(max_iter=2).fit(X, y)
    warm = lstm_net(max_iter=2, warm_start=True).fit(X, y)
    start = _weights(warm)
    warm.fit(X, y)
    assert len(warm.loss_curve_) == 4
    assert_array_equal(warm.loss_curve_[:2], two.loss_curve_)
    assert warm.loss_curve_[2] < warm.loss_curve_[0]  # went on from where it was
    assert not all(np.array_equal(a, b) for a, b in zip(start, _weights(warm)))
    online = lstm_net()
    online.partial_fit(X[:150], y[:150], classes=np.arange(10))
    online.partial_fit(X[150:].reshape(-1, 8, 8), y[150:])
    assert len(online.loss_curve_) == 2
    assert online.predict(X).shape == (300,)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_conv1d_regressor_learns_a_series(series, solver):
    X, y = series
    reg = NeuralNetRegressor(
        layers=[Conv1D(4, 2, activation="tanh"), Flatten()], input_shape=(-1, 1),
        solver=solver, max_iter=60, learning_rate_init=0.02, random_state=0,
    ).fit(X, y)
    assert reg.input_shape_ == (16, 1)
    assert reg.layers_[0].get_weights()[0].shape == (2, 1, 4)
    assert reg.score(X, y) > (0.99 if solver == "lbfgs" else 0.8)
    assert reg.predict(X).shape == (200,)


@pytest.mark.parametrize("params, message", [
    (dict(input_shape=None), r"Layer 0 cannot take inputs of shape \(64,\): LSTM\(units=16.*"
                             r"input_shape=\(timesteps, features\)"),
    (dict(input_shape=(8, 8, 1)), r"LSTM\(units=16.*needs sequences of shape "
                                  r"\(timesteps, features\)"),
    (dict(layers=[Flatten(), LSTM(4)]), r"Layer 1 cannot take inputs of shape \(64,\): "
                                        r"LSTM\(units=4.*if a Flatten comes before this layer, drop it"),
    (dict(layers=[LSTM(4, return_sequences=True)]),
     r"Dense\(units=10.*put GlobalAveragePooling1D or Flatten before it"),
    (dict(layers=[LSTM(4), GRU(4)]), r"Layer 1 cannot take inputs of shape \(4,\): GRU"),
    (dict(layers=[GRU(0)]), r"GRU\(units=0.*units must be a positive integer"),
    (dict(layers=[SimpleRNN(4, return_sequences="no")]),
     r"SimpleRNN\(.*return_sequences must be True or False"),
    (dict(layers=[SimpleRNN(4, activation="step")]), "The 'step' activation"),
    (dict(layers=[Conv1D(4, 9), Flatten()]), r"Conv1D\(filters=4, kernel_size=9.*longer than"),
    (dict(layers=[MaxPool1D(9), Flatten()]), r"MaxPool1D\(pool_size=9.*longer than"),
    (dict(layers=[Conv1D(4, 3), Flatten()], input_shape=(8, 8, 1)),
     r"Conv1D\(.*needs sequences of shape \(timesteps, channels\)"),
])
def test_sequence_errors_before_training(digits, params, message):
    X, y = digits
    clf = lstm_net(**params)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
    assert not hasattr(clf, "layers_") and not hasattr(clf, "n_iter_")


# ------------------------------------- after fit: the fitted state, not params
def test_samples_of_the_fitted_shape_are_read_whatever_input_shape_says_now(fitted, digits):
    X, y = digits
    clf = copy.deepcopy(fitted)
    proba = clf.predict_proba(X)
    images = X.reshape(-1, 8, 8, 1)
    for changed in [(4, 16, 1), (64,), None, (8, 8, -1)]:
        clf.set_params(input_shape=changed)
        assert_array_equal(clf.predict_proba(images), proba)
        assert_array_equal(clf.predict_proba(X), proba)
    # samples of the new shape are refused, not read as the old one
    clf.set_params(input_shape=(4, 16, 1))
    with pytest.raises(ValueError, match=r"samples of shape \(4, 16, 1\).*fitted input_shape_ "
                                         r"is \(8, 8, 1\)"):
        clf.predict(X.reshape(-1, 4, 16, 1))
    with pytest.raises(ValueError, match=r"samples of shape \(8, 8\)"):
        clf.predict(X.reshape(-1, 8, 8))
    assert clf.score(images, y) == fitted.score(X, y)


def test_sparse_rows_follow_the_fitted_shape_whatever_input_shape_says_now(digits):
    X, y = digits
    flat = NeuralNetClassifier([Dense(8, activation="relu")], max_iter=3, random_state=0)
    flat.fit(X, y)
    proba = flat.predict_proba(X)
    flat.set_params(input_shape=(8, 8, 1))  # would refuse sparse input to fit
    assert_allclose(flat.predict_proba(sp.csr_matrix(X)), proba)
    images = cnn(max_iter=2).fit(X, y).set_params(input_shape=None)  # would take it
    with pytest.raises(TypeError, match="Sparse data was passed"):
        images.predict(sp.csr_matrix(X))


@pytest.mark.parametrize("alter", [
    lambda est: est.set_params(layers=[Conv2D(4, 3, activation="tanh"), Flatten()]),
    lambda est: setattr(est.layers[0], "padding", "valid"),
    lambda est: est.set_params(input_shape=(4, 16, 1)),
])
def test_the_objective_after_fit_is_the_fitted_network(fitted, digits, alter):
    X, y = digits
    clf = copy.deepcopy(fitted)
    clf.set_params(layers=copy.deepcopy(clf.layers))  # its own list, to edit
    network, *objective = clf._objective_parts(X, y)
    value = network.loss_and_gradient(*objective)
    alter(clf)
    network, *objective = clf._objective_parts(X, y)
    assert network.loss_and_gradient(*objective) == value
    assert [type(layer) for layer in network.layers] == [type(la) for la in fitted.layers_]


# ------------------------------------------------- weights that do not train
# RunningCentre (tests/stateful_layer.py) first, so that its inputs are the
# rows of X themselves; one batch per epoch in row order: after k training
# passes from zero its moving_mean is (1 - 0.5 ** k) times the mean of X.
def centred_net(**params):
    params = {"layers": [RunningCentre(), Dense(6, "tanh")], "shuffle": False,
              "alpha": 1.0, "max_iter": 4, "random_state": 0, **params}
    return NeuralNetRegressor(**params)


@pytest.fixture(scope="module")
def offset_rows():
    """Rows whose mean is far from zero, and a target they predict."""
    rs = np.random.RandomState(0)
    X = rs.normal(loc=[3.0, -2.0, 1.0], size=(60, 3))
    return X, X @ [0.5, -1.0, 2.0]


def _moving_mean(estimator):
    return estimator.layers_[0].moving_mean


@pytest.mark.parametrize("solver", [
    "sgd", "adam",
    # neither weight decay nor clipping reach it
    AdamW(learning_rate=0.1, weight_decay=0.5, clipnorm=0.1),
], ids=["sgd", "adam", "adamw"])
def test_only_the_layer_moves_a_weight_that_does_not_train(offset_rows, solver):
    X, y = offset_rows
    reg = centred_net(solver=solver).fit(X, y)
    assert reg.n_iter_ == 4
    assert_allclose(_moving_mean(reg), (1 - 0.5 ** 4) * X.mean(axis=0), rtol=1e-12)
    trainable = sum(w.size for w in _weights(reg)) - 3
    state = reg.optimizer_.velocity if solver == "sgd" else reg.optimizer_.m
    assert state.size == trainable  # the optimizer never saw it


def test_lbfgs_never_sees_a_weight_that_does_not_train(offset_rows):
    X, y = offset_rows
    reg = centred_net(solver="lbfgs", max_iter=20).fit(X, y)
    # every objective evaluation is one training pass: (1 - 0.5 ** k) of
    # the mean for some k, the same for every feature
    ratio = _moving_mean(reg) / X.mean(axis=0)
    assert_allclose(ratio, ratio[0], rtol=1e-12)
    passes = -np.log2(1 - ratio[0])
    assert passes >= 1 and abs(passes - round(passes)) < 1e-6


def test_warm_start_and_partial_fit_carry_a_weight_that_does_not_train(offset_rows):
    X, y = offset_rows
    mean = X.mean(axis=0)
    warm = centred_net(max_iter=2, warm_start=True).fit(X, y)
    assert_allclose(_moving_mean(warm), 0.75 * mean, rtol=1e-12)
    warm.set_params(max_iter=1).fit(X, y)
    assert_allclose(_moving_mean(warm), 0.875 * mean, rtol=1e-12)
    partial = centred_net()
    for expected in (0.5, 0.75, 0.875):
        partial.partial_fit(X, y)
        assert_allclose(_moving_mean(partial), expected * mean, rtol=1e-12)


def test_copies_and_the_fitted_network_carry_a_weight_that_does_not_train(offset_rows):
    X, y = offset_rows
    reg = centred_net().fit(X, y)
    assert [w.shape for w in reg.layers_[0].get_weights()] == [(3,), (3,), (3,)]
    for copied in (pickle.loads(pickle.dumps(reg)), copy.deepcopy(reg)):
        _assert_same_weights(_weights(copied), _weights(reg))
        assert_array_equal(copied.predict(X), reg.predict(X))
    network = reg._objective_parts(X, y)[0]
    assert_array_equal(network.non_trainable_params, _moving_mean(reg))
    # predictions centre on the moving mean: another one predicts otherwise
    shifted = copy.deepcopy(reg)
    shifted.layers_[0].moving_mean[...] = 0
    assert not np.allclose(shifted.predict(X), reg.predict(X))


def test_early_stopping_restores_the_weight_that_does_not_train_of_the_best_epoch():
    rs = np.random.RandomState(1)
    X = rs.normal(size=(100, 3))
    X[:, 0] = 2.0  # a constant feature: every batch's mean is 2, whatever the split
    y = X[:, 1] - X[:, 2] + 0.3 * rs.normal(size=100)
    reg = centred_net(early_stopping=True, n_iter_no_change=2, max_iter=40,
                      learning_rate_init=0.05).fit(X, y)
    best = int(np.argmax(reg.validation_scores_)) + 1  # training passes it had seen
    assert best < reg.n_iter_
    assert_allclose(_moving_mean(reg)[0], (1 - 0.5 ** best) * 2.0, rtol=1e-12)


def test_a_fitted_net_with_a_weight_that_does_not_train_checks_its_gradients(offset_rows):
    X, y = offset_rows
    # after a Dense layer, where the centring's input gradient counts
    reg = centred_net(layers=[Dense(6, "tanh"), RunningCentre()]).fit(X, y)
    network, Xv, Y, loss, alpha, sw = reg._objective_parts(X[:8], y[:8])
    before = network.non_trainable_params.copy()
    error, analytic, _ = check_gradients(network, Xv, Y, loss, alpha, sw)
    assert error < 1e-6 and analytic.size == network.params.size
    assert_array_equal(network.non_trainable_params, before)  # left as it was


def test_N_D_validation_samples_are_read_by_input_shape():
    X, y = load_iris(return_X_y=True)
    X, X_val, y, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
    net = NeuralNetClassifier(
        layers=[Conv1D(2, 2, activation="tanh"), Flatten()], input_shape=(4, 1),
        max_iter=5, random_state=0, early_stopping=True,
    )
    flat = clone(net).fit(X, y, X_val=X_val, y_val=y_val)
    shaped = clone(net).fit(X[:, :, None], y, X_val=X_val[:, :, None], y_val=y_val)
    assert shaped.validation_scores_ == flat.validation_scores_
    with pytest.raises(ValueError, match=r"X_val has samples of shape \(2, 2\)"):
        clone(net).fit(X[:, :, None], y, X_val=X_val.reshape(-1, 2, 2), y_val=y_val)


def test_dense_on_sequences_and_the_flat_output_layer():
    X, y = np.random.RandomState(0).normal(size=(30, 12)), np.arange(30) % 2
    fitted = NeuralNetClassifier(layers=[Dense(5, activation="relu"), Flatten()],
                                 input_shape=(3, 4), max_iter=2).fit(X, y)
    assert fitted.layers_[0].output_shape == (3, 5)
    assert fitted.layers_[0].get_weights()[0].shape == (4, 5)
    with pytest.raises(ValueError, match=r"gets inputs of shape \(3, 5\).*put "
                                         r"GlobalAveragePooling1D or Flatten before it"):
        NeuralNetClassifier(layers=[Dense(5)], input_shape=(3, 4), max_iter=2).fit(X, y)
