"""The shared estimator base: training loops, stopping, warm starts and the
promise that a failing call leaves a fitted estimator as it was."""

import copy
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import neural_network
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier, MLPRegressor, NeuralNetClassifier
from skdl import backend as backends
from skdl._base import restore_on_error
from skdl.optimizers import SGD, Adam, AdamW, Nadam, RMSprop
from skdl.schedules import ExponentialDecay, PiecewiseConstantDecay


@pytest.fixture(scope="module")
def data():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _state(estimator):
    """A deep snapshot of every attribute, arrays copied."""
    return copy.deepcopy(vars(estimator))


def _quiet(fit):
    """Run ``fit`` with convergence warnings silenced; return its result."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit()


def _assert_same_state(before, after):
    assert before.keys() == after.keys()
    for key in before:
        a, b = before[key], after[key]
        if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
            for x, y in zip(a, b):
                assert_array_equal(x, y)
        elif isinstance(a, np.ndarray):
            assert_array_equal(a, b)
        elif key == "optimizer_":
            assert type(a) is type(b)
            for name, value in (vars(a) if a is not None else {}).items():
                if isinstance(value, np.ndarray):
                    assert_array_equal(value, vars(b)[name])
                elif hasattr(value, "get_params"):  # a schedule
                    assert value.get_params() == vars(b)[name].get_params()
                else:
                    assert value == vars(b)[name]
        elif hasattr(a, "get_params"):  # an optimizer given as the solver
            assert a.get_params() == b.get_params(), key
        elif key not in ("_layer_activations", "_loss", "_label_binarizer"):
            assert a == b, key


@pytest.mark.parametrize("backend", backends.available())
def test_partial_fit_after_refit_with_another_solver_starts_a_new_optimizer(backend):
    """A fresh fit drops the optimizer of the fit before it; partial_fit with a
    different solver than the one that made the optimizer starts afresh."""
    X, y = load_iris(return_X_y=True)
    with backends.use(backend), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
        model.set_params(hidden_layer_sizes=(7,), solver="lbfgs").fit(X, y)
        assert model.optimizer_ is None
        model.set_params(solver="adam").partial_fit(X, y)
        direct = MLPClassifier(hidden_layer_sizes=(7,), max_iter=5, solver="lbfgs",
                               random_state=0).fit(X, y)
        direct.set_params(solver="adam").partial_fit(X, y)
        model.set_params(solver="sgd").partial_fit(X, y)
        direct.set_params(solver="sgd").partial_fit(X, y)
    assert type(model.optimizer_).__name__ == "SGD"
    for a, b in zip(model.coefs_ + model.intercepts_, direct.coefs_ + direct.intercepts_):
        assert_array_equal(a, b)


@pytest.mark.parametrize("first, second", [(False, True), (True, False)])
def test_warm_start_may_switch_early_stopping(data, first, second):
    X, y = data
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, early_stopping=first,
                          n_iter_no_change=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        model.set_params(warm_start=True, early_stopping=second).fit(X, y)
    assert len(model.loss_curve_) == 8
    if second:
        assert len(model.validation_scores_) == 4
        assert model.best_validation_score_ == max(model.validation_scores_)
        assert model.best_loss_ is None
    else:
        assert model.validation_scores_ is None and model.best_validation_score_ is None
        assert model.best_loss_ == min(model.loss_curve_[4:])


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_lbfgs_meeting_a_non_finite_objective_raises(data, estimator):
    X, y = data
    model = _quiet(lambda: estimator(solver="lbfgs", max_iter=5, random_state=0).fit(X, y))
    before = _state(model)
    with pytest.raises(ValueError, match="Training diverged: L-BFGS met a non-finite"):
        model.fit(X * 1e160, y)
    _assert_same_state(before, _state(model))


def test_lbfgs_warm_start_extends_the_loss_curve(data):
    X, y = data
    model = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=4,
                          warm_start=True, random_state=0)
    _quiet(lambda: model.fit(X, y))
    _quiet(lambda: model.fit(X, y))
    assert len(model.loss_curve_) == len(model.history_) == 8
    assert_allclose([r["loss"] for r in model.history_], model.loss_curve_)
    assert model.best_loss_ == min(model.loss_curve_)


def test_a_callback_raising_stop_iteration_is_an_error_under_lbfgs(data):
    def stop_the_hard_way(record):
        if record["epoch"] == 2:
            raise StopIteration

    X, y = data
    model = MLPClassifier(solver="lbfgs", callbacks=[stop_the_hard_way], random_state=0)
    with pytest.raises(RuntimeError, match="return True to stop"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_failed_fit_leaves_a_random_state_object_as_it_was(data):
    X, _ = data
    rng = np.random.RandomState(0)
    model = MLPRegressor(solver="sgd", learning_rate_init=1e10, max_iter=5, random_state=rng)
    with pytest.raises(ValueError, match="Training diverged"):
        _quiet(lambda: model.fit(X * 1e3, X[:, 0]))
    assert rng.randint(10**6) == np.random.RandomState(0).randint(10**6)


def test_restore_on_error_puts_back_every_attribute():
    class Thing:
        pass

    thing = Thing()
    thing.kept = 1
    with pytest.raises(RuntimeError):
        with restore_on_error(thing):
            thing.kept = 2
            thing.added = 3
            raise RuntimeError("boom")
    assert vars(thing) == {"kept": 1}


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize(
    "bad_call",
    [
        lambda est, X, y: est.fit(np.where(X > 1, np.nan, X), y),
        lambda est, X, y: est.set_params(warm_start=True).fit(X[:, :3], y),
        lambda est, X, y: est.fit(X, y[:-1]),
        lambda est, X, y: est.fit(X, y, sample_weight=-np.ones(len(y))),
    ],
    ids=["nan", "warm-start-features", "lengths", "negative-weights"],
)
def test_failed_fit_leaves_fitted_model_unchanged(data, solver, bad_call):
    X, y = data
    model = MLPClassifier(hidden_layer_sizes=(5,), solver=solver, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    before = _state(model)
    proba = model.predict_proba(X)
    with pytest.raises(ValueError):
        bad_call(model, X, y)
    model.set_params(warm_start=False)
    _assert_same_state(before, _state(model))
    assert_array_equal(model.predict_proba(X), proba)


def test_divergence_raises_and_keeps_previous_weights(data):
    X, y = data
    y_reg = 1e6 * X[:, 0]
    model = MLPRegressor(hidden_layer_sizes=(5,), solver="sgd", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X[:, 0])
    before = _state(model)
    model.set_params(learning_rate_init=10.0, momentum=0.99)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X * 1e3, y_reg)
    model.set_params(learning_rate_init=0.001, momentum=0.9)
    _assert_same_state(before, _state(model))
    assert all(np.isfinite(c).all() for c in model.coefs_)


def test_divergence_on_first_fit_leaves_estimator_unfitted(data):
    X, _ = data
    model = MLPRegressor(solver="sgd", learning_rate_init=10.0, momentum=0.99, max_iter=5)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X * 1e3, 1e6 * X[:, 0])
    assert not hasattr(model, "coefs_")
    assert not hasattr(model, "n_features_in_")


def test_convergence_warning_and_batch_size_warning_like_sklearn(data):
    X, y = data
    for est in (MLPClassifier(max_iter=3, batch_size=1000),
                neural_network.MLPClassifier(max_iter=3, batch_size=1000)):
        with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
            with pytest.warns(UserWarning, match="clipped"):
                est.fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        MLPClassifier(solver="lbfgs", max_iter=2).fit(X, y)


def test_tol_and_n_iter_no_change_stop_training(data):
    X, y = data
    model = MLPClassifier(hidden_layer_sizes=(5,), tol=10.0, n_iter_no_change=3, random_state=0)
    model.fit(X, y)
    # every epoch fails to improve by tol: stop once the count exceeds 3
    assert model.n_iter_ == 5
    assert len(model.loss_curve_) == 5


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_mini_batches_of_weight_zero_take_no_step(data, solver):
    # unshuffled batches of 10: the first five hold only rows of weight 0
    X, y = data
    order = np.random.RandomState(0).permutation(len(y))  # iris is sorted by class
    X, y = X[order], y[order]
    weight = np.ones(len(y))
    weight[:50] = 0
    kw = dict(hidden_layer_sizes=(5,), solver=solver, batch_size=10, shuffle=False,
              max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = MLPClassifier(**kw).fit(X, y, sample_weight=weight)
        dropped = MLPClassifier(**kw).fit(X[50:], y[50:])
    for a, b in zip(weighted.coefs_ + weighted.intercepts_,
                    dropped.coefs_ + dropped.intercepts_):
        assert_array_equal(a, b)
    assert_allclose(weighted.loss_curve_, dropped.loss_curve_)


@pytest.mark.parametrize("estimator", [
    MLPClassifier((5,), early_stopping=True, random_state=0),
    MLPRegressor(hidden_layer_sizes=(5,), early_stopping=True, random_state=0),
])
def test_early_stopping_split_needs_weight_on_both_sides(data, estimator):
    # one row of non-zero weight lands on one side of the split; the other
    # side is left with none
    X, y = data
    weight = np.zeros(len(y))
    weight[0] = 1.0
    estimator = clone(estimator).set_params(warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    before = _state(estimator)
    with pytest.raises(ValueError, match="sample weights summing to 0"):
        estimator.fit(X, y, sample_weight=weight)
    _assert_same_state(before, _state(estimator))


def test_adaptive_learning_rate_divides_by_five(data):
    X, y = data
    params = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate="adaptive",
                  tol=10.0, n_iter_no_change=1, max_iter=8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**params).fit(X, y)
        theirs = neural_network.MLPClassifier(**params).fit(X, y)
    # no epoch improves by tol: after the first, every second one divides by 5
    assert_allclose(ours.optimizer_.learning_rate, 0.001 / 5**3)
    assert_allclose(ours.optimizer_.learning_rate, theirs._optimizer.learning_rate)


def test_early_stopping_keeps_best_validation_weights(data):
    X, y = data
    model = MLPClassifier(hidden_layer_sizes=(10,), early_stopping=True, max_iter=300,
                          n_iter_no_change=5, learning_rate_init=0.01, random_state=0)
    model.fit(X, y)
    assert model.best_loss_ is None
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.n_iter_ < 300


def test_warm_start_continues_and_refit_restarts(data):
    X, y = data
    params = dict(hidden_layer_sizes=(5,), max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold = MLPClassifier(**params).fit(X, y)
        first_curve = list(cold.loss_curve_)
        cold.fit(X, y)
        assert cold.loss_curve_ == first_curve  # a plain refit starts over
        warm = MLPClassifier(warm_start=True, **params).fit(X, y)
        warm.fit(X, y)
    assert len(warm.loss_curve_) == 20
    assert warm.loss_curve_[:10] == first_curve
    assert warm.loss_curve_[10] < first_curve[-1]


def test_verbose_prints_iterations(data, capsys):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(max_iter=2, verbose=True).fit(X, y)
        MLPClassifier(max_iter=2, verbose=True, solver="lbfgs").fit(X, y)
    out = capsys.readouterr().out
    assert out.count("Iteration 1, loss = ") == 2
    assert "Iteration 2, loss = " in out


@pytest.mark.parametrize("sizes", [(0,), (3, -1), (2.5,)])
def test_bad_hidden_layer_sizes(data, sizes):
    X, y = data
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=sizes).fit(X, y)


def test_no_hidden_layer_is_a_linear_model(data):
    X, y = data
    model = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", random_state=0).fit(X, y)
    assert model.n_layers_ == 2
    assert [c.shape for c in model.coefs_] == [(4, 3)]
    assert model.score(X, y) > 0.9


# --------------------------------------------------------------------------
# zero effective weight: class weights times sample weights


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_of_zero_weight_takes_no_step(data, solver):
    # a streamed batch holding only a class of weight 0
    X, y = data
    y = (y == 1).astype(int)
    zero, other = y == 0, y == 1
    kw = dict(hidden_layer_sizes=(5,), solver=solver, class_weight={0: 0.0, 1: 1.0},
              shuffle=False, random_state=0)
    model = MLPClassifier(**kw).partial_fit(X, y, classes=[0, 1])
    before = _state(model)
    model.partial_fit(X[zero], y[zero])
    after = _state(model)
    assert model.n_iter_ == 0
    before.pop("n_iter_"), after.pop("n_iter_")
    _assert_same_state(before, after)
    # a first call of zero weight only initialises: the next call trains as
    # if it were the first
    skipped = MLPClassifier(**kw).partial_fit(X[zero], y[zero], classes=[0, 1])
    assert skipped.loss_curve_ == [] and skipped.t_ == 0
    skipped.partial_fit(X[other], y[other])
    direct = MLPClassifier(**kw).partial_fit(X[other], y[other], classes=[0, 1])
    for a, b in zip(skipped.coefs_ + skipped.intercepts_, direct.coefs_ + direct.intercepts_):
        assert_array_equal(a, b)
    assert skipped.loss_curve_ == direct.loss_curve_


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("weights", ["class_weight", "both"])
def test_fit_of_zero_weight_is_refused_naming_the_weights(data, solver, weights):
    X, y = data
    model = _quiet(lambda: MLPClassifier((5,), solver=solver, max_iter=5,
                                         random_state=0, warm_start=True).fit(X, y))
    before = _state(model)
    if weights == "class_weight":
        model.set_params(class_weight={0: 0.0, 1: 0.0, 2: 0.0})
        sample_weight = None
    else:  # each weight alone leaves some rows, together none
        model.set_params(class_weight={0: 0.0})
        sample_weight = (y == 0).astype(float)
    with pytest.raises(ValueError, match="sample_weight times class_weight sum to 0"):
        model.fit(X, y, sample_weight=sample_weight)
    before.pop("class_weight"), vars(model).pop("class_weight")
    _assert_same_state(before, _state(model))


# --------------------------------------------------------------------------
# a loss that ends orders of magnitude above where it started


def _growing_regression():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3)) * 10
    return X, X @ [1.0, -2.0, 3.0]


def test_a_loss_that_ends_far_above_its_start_warns():
    # full-batch steps too large for this scale: the loss grows every epoch
    # but stays finite, so nothing else would tell
    X, y = _growing_regression()
    # (training stops as scikit-learn's does, after n_iter_no_change epochs
    # without improvement, and says nothing else)
    model = MLPRegressor(hidden_layer_sizes=(), solver="sgd", learning_rate_init=0.025,
                         momentum=0.0, batch_size=50, shuffle=False, random_state=0,
                         warm_start=True)
    message = r"loss grew from 694\.8 to 1\.56\de\+09 over 12 epochs.*learning_rate_init"
    with pytest.warns(ConvergenceWarning, match=message):
        model.fit(X, y)
    assert model.n_iter_ == 12
    assert model.loss_curve_[-1] > 1e6 * model.loss_curve_[0]
    # a warm start is judged on its own epochs: here the loss falls again
    model.set_params(learning_rate_init=1e-3, n_iter_no_change=50, max_iter=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert not [w for w in caught if "grew" in str(w.message)]
    assert len(model.loss_curve_) == 17
    assert model.loss_curve_[-1] < model.loss_curve_[12]
    assert model.loss_curve_[-1] > 10 * model.loss_curve_[0]


def test_a_loss_that_falls_does_not_warn(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPClassifier((5,), solver="sgd", learning_rate_init=0.1, max_iter=300,
                      random_state=0).fit(X, y)


# -------------------------------------------- what a fitted model carries
def _fitted_models():
    """(name, estimator, X, y) for every kind of network: each layer kind's
    buffers and what its forward pass keeps for its backward pass."""
    from skdl import NeuralNetClassifier, NeuralNetRegressor
    from skdl.layers import (
        GRU, LSTM, AvgPool1D, Conv1D, Conv2D, Dense, Dropout, Flatten, MaxPool2D, SimpleRNN,
    )

    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 36))  # continuous: no value recurs by chance
    y = (X[:, :18].sum(axis=1) > 0).astype(int)
    common = dict(max_iter=3, random_state=0, batch_size=50)
    return [
        ("cnn", NeuralNetClassifier(
            [Conv2D(4, 3, padding="same", activation="relu"), MaxPool2D(2), Flatten(),
             Dropout(0.2), Dense(8, activation="tanh")],
            input_shape=(6, 6, 1), **common), X, y),
        ("conv1d", NeuralNetRegressor(
            [Conv1D(3, 2, activation="relu"), AvgPool1D(2), Flatten()],
            input_shape=(12, 3), **common), X, X[:, 0]),
        ("lstm", NeuralNetClassifier([LSTM(5)], input_shape=(6, 6), **common), X, y),
        ("gru", NeuralNetClassifier(
            [GRU(4, return_sequences=True), SimpleRNN(3)], input_shape=(9, 4), **common), X, y),
        ("mlp-dropout", MLPClassifier(hidden_layer_sizes=(7,), dropout=0.3, **common), X, y),
        ("mlp-sgd", MLPRegressor(hidden_layer_sizes=(6,), solver="sgd", **common), X, X[:, :2]),
        ("mlp-lbfgs", MLPRegressor(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=5,
                                   random_state=0), X, X[:, 0]),
    ]


FITTED_MODELS = _fitted_models()


def _values_in(blob, X):
    """How many of X's values (float64) appear byte for byte in ``blob``."""
    windows = {blob[i : i + 8] for i in range(len(blob) - 7)}
    return sum(value.tobytes() in windows for value in np.asarray(X, np.float64).ravel())


def _weight_bytes(estimator):
    weights = estimator._fitted_weights()
    return sum(w.nbytes for w in weights)


def _models(models):
    return pytest.mark.parametrize(
        "name, estimator, X, y", models, ids=[m[0] for m in models]
    )


@_models(FITTED_MODELS)
def test_a_fitted_model_carries_no_training_data(name, estimator, X, y):
    import pickle

    model = _quiet(lambda: clone(estimator).fit(X, y))
    blob = pickle.dumps(model)
    assert _values_in(blob, X) == 0
    assert _values_in(pickle.dumps(copy.deepcopy(model)), X) == 0
    # weights, Adam's two moments (what partial_fit needs), and a little more
    assert len(blob) < 3 * _weight_bytes(model) + 20_000
    # in memory too: no layer keeps its buffers or its last gradients
    for layer in getattr(model, "layers_", []):
        assert vars(layer.scratch) == {}
        assert layer.gradients is None


CHECKPOINTS = []


def _checkpoint(record):
    """A callback that pickles the estimator as it trains, as a checkpointing
    callback would (module-level, so that the estimator pickles with it)."""
    import pickle

    CHECKPOINTS.append(pickle.dumps(record["estimator"]))


@_models(FITTED_MODELS[:3])
def test_a_model_pickled_while_it_trains_carries_no_training_data(name, estimator, X, y):
    CHECKPOINTS.clear()
    _quiet(lambda: clone(estimator).set_params(callbacks=[_checkpoint]).fit(X, y))
    assert len(CHECKPOINTS) == 3
    assert [_values_in(blob, X) for blob in CHECKPOINTS] == [0, 0, 0]


@_models(FITTED_MODELS[:6])
def test_training_goes_on_after_a_pickle_round_trip(name, estimator, X, y):
    import pickle

    model = _quiet(lambda: clone(estimator).fit(X, y))
    restored = pickle.loads(pickle.dumps(model))
    copied = copy.deepcopy(model)
    for other in (restored, copied):
        assert_array_equal(other.predict(X), model.predict(X))
    for m in (model, restored, copied):
        _quiet(lambda: m.partial_fit(X, y))
    for other in (restored, copied):
        for a, b in zip(other._fitted_weights(), model._fitted_weights()):
            assert_array_equal(a, b)
    for m in (model, restored, copied):
        _quiet(lambda: m.set_params(warm_start=True).fit(X, y))
    for other in (restored, copied):
        for a, b in zip(other._fitted_weights(), model._fitted_weights()):
            assert_array_equal(a, b)


@pytest.mark.parametrize("change", [
    {"alpha": 5.0}, {"class_weight": {0: 9.0, 1: 1.0, 2: 1.0}},
    {"hidden_layer_sizes": (4, 4)}, {"activation": "logistic"}, {"dropout": 0.5},
])
def test_the_loss_landscape_after_fit_is_the_fitted_objective(data, change):
    from skdl.plot import loss_landscape

    X, y = data
    clf = _quiet(lambda: MLPClassifier(
        hidden_layer_sizes=(5,), alpha=0.1, class_weight="balanced", max_iter=20,
        random_state=0,
    ).fit(X, y))
    before = loss_landscape(clf, X, y, resolution=3, random_state=0)
    clf.set_params(**change)
    after = loss_landscape(clf, X, y, resolution=3, random_state=0)
    for a, b in zip(before, after):
        assert_array_equal(a, b)


# ------------------------------------------------ divergence in partial_fit
def _diverging_calls():
    from skdl import NeuralNetClassifier, NeuralNetRegressor
    from skdl.layers import Conv1D, Dense, Flatten

    return [
        ("mlp-classifier", MLPClassifier(hidden_layer_sizes=(5,)), {"classes": [0, 1, 2]}),
        ("mlp-adam-regressor", MLPRegressor(hidden_layer_sizes=(5,)), {}),
        ("layers-classifier", NeuralNetClassifier([Dense(5, activation="relu")]),
         {"classes": [0, 1, 2]}),
        ("conv1d-regressor", NeuralNetRegressor(
            [Conv1D(3, 2, activation="relu"), Flatten()], input_shape=(4, 1)), {}),
    ]


@pytest.mark.parametrize("name, estimator, kwargs", _diverging_calls(),
                         ids=[c[0] for c in _diverging_calls()])
def test_a_partial_fit_whose_outputs_overflow_raises_and_changes_nothing(data, name, estimator,
                                                                          kwargs):
    X, y = data
    y = y if kwargs else X[:, 0]
    est = clone(estimator).set_params(random_state=0)
    _quiet(lambda: est.partial_fit(X, y, **kwargs))
    weights, out = copy.deepcopy(est._fitted_weights()), est.predict(X)
    before = {k: v for k, v in _state(est).items() if k not in ("layers", "layers_")}
    # an absurd step size (a new optimizer: the solver changed): one step
    # leaves finite weights whose outputs overflow, and the call's loss,
    # taken before the step, was finite
    est.set_params(solver="sgd", learning_rate_init=1e200)
    with pytest.raises(ValueError, match="Training diverged"):
        _quiet(lambda: est.partial_fit(X, y))
    est.set_params(solver=before["solver"], learning_rate_init=before["learning_rate_init"])
    after = {k: v for k, v in _state(est).items() if k not in ("layers", "layers_")}
    _assert_same_state(before, after)
    for a, b in zip(est._fitted_weights(), weights):
        assert_array_equal(a, b)
    assert_array_equal(est.predict(X), out)
    # a first call that diverges leaves the estimator unfitted
    fresh = clone(estimator).set_params(random_state=0, solver="sgd", learning_rate_init=1e200)
    with pytest.raises(ValueError, match="Training diverged"):
        _quiet(lambda: fresh.partial_fit(X, y, **kwargs))
    assert not hasattr(fresh, "n_iter_")


# ------------------------------------------- one random stream across calls
MASKS = []


def _recording_dropout(rate):
    from skdl.layers import Dropout

    class RecordingDropout(Dropout):
        """Dropout that records each training pass's mask."""

        def forward(self, x, rng=None):
            out = super().forward(x, rng)
            if rng is not None:
                MASKS.append(self.scratch.kept[: x.shape[0]].copy())
            return out

    return RecordingDropout(rate)


@pytest.mark.parametrize("shuffle", [False, True])
def test_partial_fit_draws_new_dropout_masks_at_every_call(data, shuffle):
    from skdl import NeuralNetClassifier
    from skdl.layers import Dense

    X, y = data
    clf = NeuralNetClassifier(
        [Dense(6, activation="relu"), _recording_dropout(0.5)], batch_size=150,
        shuffle=shuffle, random_state=0,
    )
    MASKS.clear()
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert len(MASKS) == 3
    assert not np.array_equal(MASKS[1], MASKS[2])
    assert not np.array_equal(MASKS[0], MASKS[1])
    # a refit starts the stream again from random_state: the same masks
    MASKS.clear()
    clone(clf).partial_fit(X, y, classes=[0, 1, 2])
    clf.set_params(max_iter=1)
    _quiet(lambda: clf.fit(X, y))
    assert_array_equal(MASKS[0], MASKS[1])


def test_an_mlp_dropout_stream_goes_on_and_a_failed_call_leaves_it(data):
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(5,), dropout=0.5, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    draws = [copy.deepcopy(clf._dropout_rng).random(8)]
    clf.partial_fit(X, y)
    draws.append(copy.deepcopy(clf._dropout_rng).random(8))
    assert not np.array_equal(*draws)
    # a call that fails after drawing its masks leaves the stream where it was
    clf.set_params(solver="sgd", learning_rate_init=1e200)
    with pytest.raises(ValueError, match="Training diverged"):
        _quiet(lambda: clf.partial_fit(X, y))
    assert_array_equal(copy.deepcopy(clf._dropout_rng).random(8), draws[1])


def test_divergence_is_refused_for_a_weight_that_does_not_train():
    from stateful_layer import RunningCentre

    from skdl._base import refuse_divergence
    from skdl.layers import Dense
    from skdl.network import Network

    network = Network([RunningCentre(), Dense(1)], (2,))
    network.initialize(np.random.RandomState(0))
    X = np.ones((3, 2))
    refuse_divergence(network, X, "Lower it.")  # finite: taken
    network.non_trainable_params[0] = np.inf
    with pytest.raises(ValueError, match="non-finite weights. Lower it."):
        refuse_divergence(network, X, "Lower it.")


# ----------------------------------------------- optimizers and schedules
def _optimizer_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 4))
    return X, np.tanh(X[:, 0]) - X[:, 1] * X[:, 2]


def _regressor(**params):
    params = {"hidden_layer_sizes": (6,), "max_iter": 3, "batch_size": 30,
              "random_state": 0, **params}
    return MLPRegressor(**params)


@pytest.mark.parametrize("solver, kind, expected", [
    ("sgd", SGD, dict(learning_rate=0.02, momentum=0.5, nesterov=False)),
    ("adam", Adam, dict(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-6)),
    ("adamw", AdamW, dict(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-6,
                          weight_decay=0.004)),
    ("nadam", Nadam, dict(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-6)),
    ("rmsprop", RMSprop, dict(learning_rate=0.02, epsilon=1e-6, rho=0.9, momentum=0.0)),
])
def test_a_solver_name_builds_its_optimizer_from_the_estimators_parameters(
        solver, kind, expected):
    X, y = _optimizer_data()
    model = _quiet(lambda: _regressor(
        solver=solver, learning_rate_init=0.02, momentum=0.5, nesterovs_momentum=False,
        beta_1=0.8, beta_2=0.99, epsilon=1e-6).fit(X, y))
    assert type(model.optimizer_) is kind
    params = model.optimizer_.get_params()
    assert {name: params[name] for name in expected} == expected
    assert model.optimizer_.iterations == 3 * 3  # 3 epochs of 3 batches
    assert vars(model.optimizer_.scratch) == {}  # no buffers kept after fit


def test_an_optimizer_instance_trains_as_a_copy_and_ignores_the_estimators_rate_parameters():
    X, y = _optimizer_data()
    schedule = ExponentialDecay(0.05, 3, 0.5)
    solver = AdamW(learning_rate=schedule, weight_decay=0.01, clipnorm=1.0)
    given = copy.deepcopy(solver.get_params())
    fits = [
        _quiet(lambda: _regressor(solver=solver, **params).fit(X, y))
        for params in (dict(), dict(learning_rate_init=0.5, beta_1=0.1, epsilon=0.1))
    ]
    for a, b in zip(fits[0].coefs_ + fits[0].intercepts_, fits[1].coefs_ + fits[1].intercepts_):
        assert_array_equal(a, b)
    # the user's optimizer and schedule never train
    assert solver.iterations == 0 and solver.weight_boundaries is None
    assert solver.learning_rate is schedule
    assert {k: v for k, v in solver.get_params(deep=False).items() if k != "learning_rate"} \
        == {k: v for k, v in given.items() if "learning_rate" not in k}
    for model in fits:
        assert model.optimizer_ is not solver
        assert model.optimizer_.learning_rate is not schedule
        assert model.optimizer_.iterations == 9
    # the rate of each epoch's end: the schedule at the steps taken so far
    assert [record["learning_rate"] for record in fits[0].history_] == [
        schedule(3 * epoch) for epoch in (1, 2, 3)]


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop"])
def test_a_schedule_as_learning_rate_of_a_solver_name_replaces_learning_rate_init(solver):
    X, y = _optimizer_data()
    schedule = PiecewiseConstantDecay([4], [0.05, 0.01])
    fits = [_quiet(lambda: _regressor(solver=solver, learning_rate=schedule,
                                      learning_rate_init=rate).fit(X, y))
            for rate in (0.001, 0.3)]
    for a, b in zip(fits[0].coefs_, fits[1].coefs_):
        assert_array_equal(a, b)
    assert [r["learning_rate"] for r in fits[0].history_] == [0.05, 0.01, 0.01]
    assert fits[0].optimizer_.learning_rate is not schedule
    assert fits[0].optimizer_.learning_rate.get_params() == schedule.get_params()


def test_history_records_the_rate_of_each_epoch():
    X, y = _optimizer_data()
    constant = _quiet(lambda: _regressor(solver="adam", learning_rate_init=0.01).fit(X, y))
    assert [r["learning_rate"] for r in constant.history_] == [0.01] * 3
    # invscaling: the rate an epoch trained at, from the samples seen before it
    scaled = _quiet(lambda: _regressor(solver="sgd", learning_rate="invscaling",
                                       learning_rate_init=0.1, power_t=0.5).fit(X, y))
    assert [r["learning_rate"] for r in scaled.history_] == pytest.approx(
        [0.1, 0.1 / 91**0.5, 0.1 / 181**0.5], rel=1e-14)
    lbfgs = _quiet(lambda: _regressor(solver="lbfgs").fit(X, y))
    assert lbfgs.optimizer_ is None
    assert {r["learning_rate"] for r in lbfgs.history_} == {None}


def test_partial_fit_goes_on_with_the_optimizers_state_and_its_assigned_rate():
    X, y = _optimizer_data()
    model = _regressor(solver=SGD(learning_rate=0.05, momentum=0.0))
    assert hasattr(model, "partial_fit")
    model.partial_fit(X, y)
    optimizer = model.optimizer_
    model.partial_fit(X, y)
    assert model.optimizer_.iterations == 6
    assert model.optimizer_ is not optimizer and optimizer.iterations == 3
    # a rate of zero set between calls stops the weights
    model.optimizer_.learning_rate = 0.0
    before = [c.copy() for c in model.coefs_]
    model.partial_fit(X, y)
    for a, b in zip(before, model.coefs_):
        assert_array_equal(a, b)
    assert model.optimizer_.iterations == 9


def test_a_failed_partial_fit_leaves_the_optimizer_as_it_was():
    X, y = _optimizer_data()
    model = _regressor(solver=Nadam(learning_rate=0.01, global_clipnorm=1.0)).partial_fit(X, y)
    before = _state(model)
    with pytest.raises(ValueError):
        model.partial_fit(np.where(X > 1, np.nan, X), y)
    _assert_same_state(before, _state(model))
    assert model.optimizer_.iterations == 3


def test_an_estimator_with_an_optimizer_clones_searches_and_pickles():
    import pickle

    from sklearn.model_selection import GridSearchCV

    X, y = _optimizer_data()
    solver = AdamW(learning_rate=ExponentialDecay(0.02, 10, 0.5), weight_decay=0.1)
    model = _regressor(solver=solver)
    params = model.get_params(deep=True)
    assert params["solver__weight_decay"] == 0.1
    assert params["solver__learning_rate__decay_steps"] == 10
    twin = clone(model)
    assert twin.solver is not solver and twin.solver.get_params(deep=True).keys() \
        == solver.get_params(deep=True).keys()
    search = _quiet(lambda: GridSearchCV(
        model, {"solver__weight_decay": [1e-4, 1e-2],
                "solver__learning_rate__decay_steps": [5, 50]}, cv=2).fit(X, y))
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.optimizer_.weight_decay in (1e-4, 1e-2)
    assert solver.weight_decay == 0.1 and solver.learning_rate.decay_steps == 10
    fitted = _quiet(lambda: model.fit(X, y))
    restored = pickle.loads(pickle.dumps(fitted))
    for m in (fitted, restored):
        _quiet(lambda: m.partial_fit(X, y))
    for a, b in zip(fitted.coefs_, restored.coefs_):
        assert_array_equal(a, b)
    assert restored.optimizer_.iterations == fitted.optimizer_.iterations == 12


@pytest.mark.parametrize("params, message", [
    (dict(solver="adagrad"), "'solver' parameter"),
    (dict(solver=object()), "'solver' parameter"),
    (dict(learning_rate=0.1), "'learning_rate' parameter"),
    (dict(learning_rate="cosine"), "'learning_rate' parameter"),
])
def test_unknown_solvers_and_learning_rates_are_refused(params, message):
    X, y = _optimizer_data()
    with pytest.raises(ValueError, match=message):
        _regressor(**params).fit(X, y)


def test_divergence_names_the_optimizers_learning_rate():
    X, y = _optimizer_data()
    model = _regressor(solver=SGD(learning_rate=1e3, momentum=0.9), max_iter=20)
    with pytest.raises(ValueError, match="Lower the solver's learning_rate"):
        _quiet(lambda: model.fit(X * 1e3, y * 1e6))
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("estimator", [MLPClassifier, NeuralNetClassifier])
@pytest.mark.parametrize("key, hint", [
    ("solver__weight_decay", "such as solver=AdamW"),
    ("learning_rate__decay_steps", "learning_rate=ExponentialDecay"),
])
def test_nested_parameters_of_a_plain_value_are_refused_with_the_fix(estimator, key, hint):
    model = estimator(solver="adamw")
    with pytest.raises(ValueError, match=f"Cannot set '{key}'.*has no parameters of its own"):
        model.set_params(**{key: 0.1})
    with pytest.raises(ValueError, match=hint):
        model.set_params(**{key: 0.1})
    assert model.solver == "adamw" and model.learning_rate == "constant"
    # given the object in the same call, its parameter is set on it
    model.set_params(solver=AdamW(), solver__weight_decay=0.1)
    assert model.solver.weight_decay == 0.1


@pytest.mark.parametrize("learning_rate", ["adaptive", "invscaling",
                                           ExponentialDecay(0.1, 10, 0.5)])
def test_an_optimizer_object_refuses_the_estimators_rate_rules(learning_rate):
    X, y = load_iris(return_X_y=True)
    model = MLPClassifier(solver=SGD(0.1, momentum=0.9), learning_rate=learning_rate,
                          max_iter=2)
    with pytest.raises(ValueError, match="sets the rate of a solver given by name"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")
