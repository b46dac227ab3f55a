"""scikit-learn's callback API (sklearn.callback, set_callbacks) on every skdl
estimator: the task of a fit and its epoch sub-tasks, ScoringMonitor's
scores at each epoch, ProgressBar, propagation through Pipeline,
cross_validate and GridSearchCV, and skdl without that API."""

import copy
import pickle
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import (
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    PerceptronClassifier,
)
from skdl import backend as backends
from skdl.callbacks import Callback, ModelCheckpoint
from skdl.layers import Dense

callback_api = pytest.importorskip("sklearn.callback")
ScoringMonitor = callback_api.ScoringMonitor


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _quiet(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit()


# every estimator, and every way each trains: (id, estimator, regression)
ESTIMATORS = [
    ("mlp-adam", MLPClassifier(hidden_layer_sizes=(5,), random_state=0), False),
    ("mlp-sgd", MLPClassifier(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=0.05,
                              random_state=0), False),
    ("mlp-lbfgs", MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", random_state=0),
     False),
    ("mlp-regressor", MLPRegressor(hidden_layer_sizes=(5,), learning_rate_init=0.01,
                                   random_state=0), True),
    ("net-classifier", NeuralNetClassifier(layers=[Dense(5, "tanh")], random_state=0), False),
    ("net-regressor", NeuralNetRegressor(layers=[Dense(5)], solver="lbfgs", random_state=0),
     True),
    ("perceptron-rule", PerceptronClassifier(random_state=0), False),
    ("perceptron-rule-threads", PerceptronClassifier(n_jobs=2, shuffle=True, random_state=1),
     False),
    ("perceptron-sgd", PerceptronClassifier(activation="sigmoid", solver="sgd", eta0=0.1),
     False),
    ("perceptron-lbfgs", PerceptronClassifier(activation="softmax"), False),
]


def _estimators(ids=None):
    chosen = [e for e in ESTIMATORS if ids is None or e[0] in ids]
    return pytest.mark.parametrize("estimator, regression", [e[1:] for e in chosen],
                                   ids=[e[0] for e in chosen])


def _data(iris, regression):
    X, y = iris
    return (X[:, 1:], X[:, 0]) if regression else (X, y)


def _is_lbfgs(estimator):
    return estimator.get_params().get("solver") == "lbfgs" or (
        isinstance(estimator, PerceptronClassifier) and estimator.activation != "step"
        and estimator.solver == "auto")


class _TaskRecorder:
    """A scikit-learn callback that records each hook with its task."""

    def __init__(self):
        self.calls = []

    def setup(self, estimator, context):
        self.calls.append(("setup", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, metadata=None,
                          fitted_estimator=None):
        self.calls.append(("begin", context.task_name, context.task_id, X is not None))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, metadata=None,
                        fitted_estimator=None):
        self.calls.append(("end", context.task_name, context.task_id,
                           fitted_estimator is not None))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context.task_name))


@_estimators()
def test_a_fit_is_a_task_whose_sub_tasks_are_its_epochs(iris, estimator, regression):
    X, y = _data(iris, regression)
    recorder = _TaskRecorder()
    model = _quiet(lambda: clone(estimator).set_params(max_iter=4).set_callbacks(recorder)
                   .fit(X, y))
    n = model.n_iter_
    assert 1 < n <= 4
    if _is_lbfgs(estimator):
        # as LogisticRegression's L-BFGS: each iteration ends as the next
        # begins, and the one begun last, never run, ends without a model
        epochs = [("begin", "iteration", k, True) for k in range(n + 1)]
        ends = [("end", "iteration", k, k < n) for k in range(n + 1)]
        inner = [call for pair in zip(epochs, ends) for call in pair]
    else:
        inner = [call for k in range(n)
                 for call in (("begin", "epoch", k, True), ("end", "epoch", k, True))]
    assert recorder.calls == [("setup", "fit"), ("begin", "fit", 0, True), *inner,
                              ("end", "fit", 0, True), ("teardown", "fit")]
    assert not hasattr(model, "_callback_fit_ctx")


@_estimators()
def test_scoring_monitor_logs_the_score_of_the_model_at_each_epoch(iris, estimator,
                                                                    regression):
    X, y = _data(iris, regression)
    scoring = "r2" if regression else "accuracy"
    monitor = ScoringMonitor(scoring=scoring)
    model = _quiet(lambda: clone(estimator).set_params(max_iter=4).set_callbacks(monitor)
                   .fit(X, y))
    rows = monitor.get_logs().data
    assert [row["task_name"] for row in rows] == ["fit", *[rows[1]["task_name"]] * model.n_iter_]
    assert rows[0][scoring] == model.score(X, y)
    for row in rows[1:]:
        # the model of a fit stopped after that epoch
        stopped_there = _quiet(lambda: clone(estimator).set_params(
            max_iter=row["task_id"] + 1).fit(X, y))
        assert row[scoring] == stopped_there.score(X, y)


def test_with_early_stopping_epochs_are_scored_as_they_ended_not_as_restored(iris):
    X, y = iris
    weights = []

    class Weights(Callback):
        def on_epoch_end(self, epoch, logs=None):
            weights.append(self.model.get_weights())

    monitor = ScoringMonitor(scoring="accuracy")
    model = _quiet(lambda: MLPClassifier(
        hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=0.05, early_stopping=True,
        n_iter_no_change=50, max_iter=6, random_state=0, callbacks=[Weights()],
    ).set_callbacks(monitor).fit(X, y))
    rows = monitor.get_logs().data
    assert rows[0]["accuracy"] == model.score(X, y)  # the fit's model: restored
    for row, epoch_weights in zip(rows[1:], weights, strict=True):
        at_epoch = copy.copy(model)  # the fitted model, with that epoch's weights
        at_epoch.coefs_, at_epoch.intercepts_ = epoch_weights[::2], epoch_weights[1::2]
        assert row["accuracy"] == at_epoch.score(X, y)
    assert len({row["accuracy"] for row in rows[1:]}) > 1


@pytest.mark.parametrize("backend", backends.available())
def test_scoring_monitor_scores_match_on_every_backend(iris, backend):
    X, y = iris
    estimator = NeuralNetClassifier(layers=[Dense(4)], max_iter=3, random_state=0)
    with backends.use(backend):
        monitor = ScoringMonitor(scoring="neg_log_loss")
        _quiet(lambda: clone(estimator).set_callbacks(monitor).fit(X, y))
        epochs = monitor.get_logs().data[1:]
        expected = [
            get_scorer("neg_log_loss")(
                _quiet(lambda: clone(estimator).set_params(max_iter=k).fit(X, y)), X, y)
            for k in (1, 2, 3)
        ]
    assert [row["neg_log_loss"] for row in epochs] == expected
    assert len(set(expected)) == 3


def test_scoring_monitor_passes_the_sample_weight_to_the_scorer(iris):
    X, y = iris
    weight = np.where(y == 0, 5.0, 1.0)
    monitor = ScoringMonitor(scoring="accuracy")
    model = _quiet(lambda: MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
                   .set_callbacks(monitor).fit(X, y, sample_weight=weight))
    assert monitor.get_logs().data[0]["accuracy"] == model.score(X, y, sample_weight=weight)


@_estimators(["mlp-adam", "mlp-lbfgs", "perceptron-rule", "perceptron-sgd"])
def test_a_scikit_learn_callback_can_stop_training(iris, estimator, regression):
    X, y = _data(iris, regression)

    class StopAtSecond(_TaskRecorder):
        def on_fit_task_end(self, estimator, context, **kwargs):
            return context.task_name != "fit" and context.task_id == 1

    model = _quiet(lambda: clone(estimator).set_params(max_iter=50)
                   .set_callbacks(StopAtSecond()).fit(X, y))
    assert model.n_iter_ == 2


def test_partial_fit_is_a_task_of_one_epoch(iris):
    X, y = iris
    recorder = _TaskRecorder()
    model = MLPClassifier(hidden_layer_sizes=(3,), random_state=0).set_callbacks(recorder)
    model.partial_fit(X, y, classes=[0, 1, 2])
    assert [call[:3] for call in recorder.calls[1:-1]] == [
        ("begin", "fit", 0), ("begin", "epoch", 0), ("end", "epoch", 0), ("end", "fit", 0)]


def test_callbacks_are_torn_down_when_a_fit_fails(iris):
    X, y = iris
    recorder = _TaskRecorder()
    model = MLPRegressor(solver="sgd", learning_rate_init=1e10, max_iter=5, random_state=0)
    model.set_callbacks(recorder)
    with pytest.raises(ValueError, match="Training diverged"):
        _quiet(lambda: model.fit(X * 1e3, X[:, 0]))
    assert recorder.calls[0] == ("setup", "fit") and recorder.calls[-1] == ("teardown", "fit")
    assert not hasattr(model, "coefs_") and not hasattr(model, "_callback_fit_ctx")


def test_set_callbacks_survives_clone_and_pickle(iris):
    X, y = iris
    monitor = ScoringMonitor(scoring="accuracy")
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    model.set_callbacks(monitor)
    assert clone(model)._skl_callbacks == [monitor]
    fitted = _quiet(lambda: model.fit(X, y))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert isinstance(restored._skl_callbacks[0], ScoringMonitor)


def test_a_checkpoint_leaves_the_fits_task_tree_out(iris, tmp_path):
    X, y = iris
    path = tmp_path / "model.pkl"
    _quiet(lambda: MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                                 callbacks=[ModelCheckpoint(path)])
           .set_callbacks(ScoringMonitor(scoring="accuracy")).fit(X, y))
    saved = pickle.loads(path.read_bytes())
    assert not {"_callback_fit_ctx", "_skl_callbacks_to_teardown"} & set(vars(saved))


def test_skdl_callbacks_and_scikit_learn_callbacks_see_the_same_epochs(iris):
    X, y = iris
    seen = []

    class Epochs(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(epoch)

    monitor = ScoringMonitor(scoring="accuracy")
    model = _quiet(lambda: MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0,
                                         callbacks=[Epochs()]).set_callbacks(monitor)
                   .fit(X, y))
    assert seen == [row["task_id"] for row in monitor.get_logs().data[1:]] == [0, 1, 2]
    assert len(model.history_) == 3


# ------------------------------------------------------------- meta-estimators
@_estimators(["mlp-adam", "mlp-regressor", "net-classifier", "net-regressor",
              "perceptron-rule"])
def test_scoring_monitor_inside_a_pipeline_in_a_grid_search(iris, estimator, regression):
    X, y = _data(iris, regression)
    X = X * 3 + 1  # for the scaler to undo
    scoring = "r2" if regression else "accuracy"
    monitor = ScoringMonitor(scoring=scoring)
    estimator = clone(estimator).set_params(max_iter=3).set_callbacks(monitor)
    search = GridSearchCV(make_pipeline(StandardScaler(), estimator),
                          {"standardscaler__with_std": [True, False]}, cv=2)
    _quiet(lambda: search.fit(X, y))
    (log,) = monitor.get_logs(select="all")
    assert log.estimator_name == "GridSearchCV"
    epochs = [row for row in log.data if row["task_name"] in ("epoch", "iteration")]
    # 2 candidates x 2 folds, then the refit, of 3 epochs (L-BFGS:
    # iterations) each, each under its pipeline's task of fitting the final
    # estimator
    assert len(epochs) == 15
    assert {row["parent_task_id_path"][-1] for row in epochs} == {1}
    refit = [row for row in epochs if row["task_id_path"][1] == 1]
    assert [row["task_id"] for row in refit] == [0, 1, 2]
    name = type(estimator).__name__.lower()
    for row in refit:
        stopped_there = _quiet(lambda: clone(search.best_estimator_).set_params(
            **{f"{name}__max_iter": row["task_id"] + 1}).fit(X, y))
        assert row[scoring] == stopped_there.score(X, y)


def test_scoring_monitor_in_cross_validate_logs_one_run_per_fold(iris):
    X, y = iris
    monitor = ScoringMonitor(scoring="accuracy")
    estimator = PerceptronClassifier(max_iter=3, random_state=0)
    _quiet(lambda: cross_validate(clone(estimator).set_callbacks(monitor), X, y, cv=2))
    logs = monitor.get_logs(select="all")
    assert len(logs) == 2  # cross_validate takes no callbacks: each fit is a run
    folds = StratifiedKFold(2).split(X, y)
    for log, (train, _) in zip(logs, folds):
        for row in log.data[1:]:
            stopped_there = _quiet(lambda: clone(estimator).set_params(
                max_iter=row["task_id"] + 1).fit(X[train], y[train]))
            assert row["accuracy"] == stopped_there.score(X[train], y[train])


@_estimators(["mlp-adam", "mlp-lbfgs", "mlp-regressor", "net-classifier", "net-regressor",
              "perceptron-rule", "perceptron-sgd"])
def test_progress_bar_draws_a_fit_alone_and_in_meta_estimators(iris, estimator, regression,
                                                               capsys):
    pytest.importorskip("rich")
    X, y = _data(iris, regression)
    name = type(estimator).__name__
    estimator = clone(estimator).set_params(max_iter=3)
    _quiet(lambda: clone(estimator).set_callbacks(callback_api.ProgressBar()).fit(X, y))
    out = capsys.readouterr().out
    assert re.search(rf"{name} - fit .*100%", out)
    pipeline = make_pipeline(StandardScaler(), clone(estimator))
    search = GridSearchCV(pipeline, {"standardscaler__with_mean": [True, False]}, cv=2)
    search.set_callbacks(callback_api.ProgressBar(max_propagation_depth=None))
    _quiet(lambda: search.fit(X, y))
    out = capsys.readouterr().out
    assert len(re.findall(rf"Pipeline - fit-final-estimator \| {name} - fit", out)) == 5
    assert not re.search(r"\b[0-9]{1,2}%", out)  # every bar completed
    _quiet(lambda: cross_validate(clone(estimator).set_callbacks(
        callback_api.ProgressBar()), X, y, cv=2))
    assert len(re.findall(rf"{name} - fit", capsys.readouterr().out)) == 2


# ------------------------------------------------ without scikit-learn's API
NO_API_ESTIMATORS = """[
    MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0),
    MLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=5, random_state=0),
    NeuralNetClassifier(layers=[Dense(3)], max_iter=5, random_state=0),
    PerceptronClassifier(max_iter=5),
    PerceptronClassifier(activation="sigmoid", solver="sgd", max_iter=5),
]"""

FIT_AND_DESCRIBE = """
import hashlib, warnings
import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skdl import MLPClassifier, NeuralNetClassifier, PerceptronClassifier
from skdl.callbacks import EarlyStopping
from skdl.layers import Dense

warnings.simplefilter("ignore")
X, y = load_iris(return_X_y=True)
lines = []
for estimator in ESTIMATORS:
    pipe = make_pipeline(StandardScaler(), estimator).fit(X, y)
    search = GridSearchCV(pipe, {"standardscaler__with_mean": [True, False]}, cv=2).fit(X, y)
    scores = cross_validate(pipe, X, y, cv=2)["test_score"]
    raw = pipe.predict_proba(X) if hasattr(pipe, "predict_proba") else pipe.decision_function(X)
    outputs = np.concatenate([raw.ravel(), scores,
                              [search.best_score_]])
    lines.append(f"{hasattr(estimator, 'set_callbacks')} {estimator.n_iter_} "
                 + hashlib.sha256(outputs.tobytes()).hexdigest())
stopper = EarlyStopping(monitor="loss", min_delta=10.0, patience=1)
model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=50, callbacks=[stopper]).fit(X, y)
lines.append(f"stopped after {model.n_iter_}")
print("\\n".join(lines))
""".replace("ESTIMATORS", NO_API_ESTIMATORS)


def test_without_the_callback_api_skdl_trains_as_before():
    # scikit-learn loads first, with its API; then skdl is imported as if
    # sklearn.callback did not exist (as before scikit-learn 1.9)
    without = subprocess.run(
        [sys.executable, "-c", textwrap.dedent("""
            import sys
            import sklearn.base, sklearn.pipeline, sklearn.model_selection
            sys.modules["sklearn.callback"] = None
        """) + FIT_AND_DESCRIBE],
        capture_output=True, text=True, timeout=300,
    )
    assert without.returncode == 0, without.stderr
    with_api = subprocess.run([sys.executable, "-c", FIT_AND_DESCRIBE], capture_output=True,
                              text=True, timeout=300)
    assert with_api.returncode == 0, with_api.stderr
    lines = without.stdout.splitlines()
    assert lines[-1] == "stopped after 2"
    assert [line.startswith("False 5 ") for line in lines[:-1]] == [True] * 5
    # the same weights, searches and cross-validations as with the API
    assert [line.split()[1:] for line in lines] == [
        line.split()[1:] for line in with_api.stdout.splitlines()]
    assert all(line.startswith("True ") for line in with_api.stdout.splitlines()[:-1])
