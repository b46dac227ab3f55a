"""skdl's callbacks: plain per-epoch callables and the history_ record, the
ProgressBar, the Callback lifecycle and Keras's callbacks (EarlyStopping,
ReduceLROnPlateau, ModelCheckpoint, LearningRateScheduler, CSVLogger),
scripted against Keras's rules and in real fits."""

import copy
import csv
import io
import math
import pickle
import re
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier, MLPRegressor
from skdl.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    ReduceLROnPlateau,
    check_callbacks,
)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("solver, early_stopping", [
    ("adam", False), ("adam", True), ("sgd", False), ("sgd", True), ("lbfgs", False),
])
def test_callbacks_see_every_epoch_and_history_keeps_them(iris, solver, early_stopping):
    X, y = iris
    records = []
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), solver=solver, max_iter=12,
                               early_stopping=early_stopping, random_state=0,
                               callbacks=[records.append]), X, y)
    assert [r["epoch"] for r in records] == list(range(1, model.n_iter_ + 1))
    assert all(r["estimator"] is model for r in records)
    assert [r["loss"] for r in records] == pytest.approx(model.loss_curve_)
    elapsed = [r["elapsed"] for r in records]
    assert elapsed == sorted(elapsed) and elapsed[0] >= 0
    if early_stopping:
        assert [r["validation_score"] for r in records] == model.validation_scores_
    else:
        assert all(r["validation_score"] is None for r in records)
    assert model.history_ == [{k: v for k, v in r.items() if k != "estimator"} for r in records]


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_returning_true_stops_training(iris, solver):
    X, y = iris
    model = MLPRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=200,
                         callbacks=[lambda record: record["epoch"] == 4], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is not a failure
        model.fit(X[:, 1:], X[:, 0])
    assert model.n_iter_ == 4
    assert len(model.history_) == 4
    assert len(model.loss_curve_) == 4


def test_callbacks_see_the_weights_as_they_train(iris):
    X, y = iris
    norms = []
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, learning_rate_init=0.05,
                               random_state=0,
                               callbacks=[lambda r: norms.append(
                                   float(np.linalg.norm(r["estimator"].coefs_[0])))]), X, y)
    assert len(set(norms)) == 5
    assert norms[-1] == pytest.approx(np.linalg.norm(model.coefs_[0]))


def test_history_accumulates_under_warm_start(iris):
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, warm_start=True, random_state=0)
    _fit(model, X, y)
    _fit(model, X, y)
    assert [r["epoch"] for r in model.history_] == [1, 2, 3, 1, 2, 3]
    assert_allclose([r["loss"] for r in model.history_], model.loss_curve_)


class _Terminal(io.StringIO):
    """A text stream that says it is an interactive terminal."""

    def isatty(self):
        return True


def _screen(text):
    """The lines a terminal shows for ``text``, and the cursor's line: an
    emulator of newlines and of the two ANSI escapes the bar writes."""
    lines, row, column = [""], 0, 0
    for piece in re.split(r"(\x1b\[A\r|\x1b\[K|\n)", text):
        if piece == "\x1b[A\r":
            row, column = row - 1, 0
        elif piece == "\x1b[K":
            lines[row] = lines[row][:column]
        elif piece == "\n":
            row, column = row + 1, 0
            lines += [""] * (row + 1 - len(lines))
        else:  # text overwrites what is under the cursor
            lines[row] = lines[row][:column] + piece + lines[row][column + len(piece):]
            column += len(piece)
    return lines, row


def test_progress_bar_writes_a_line_per_epoch_off_a_terminal(iris):
    X, y = iris
    stream = io.StringIO()
    _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, early_stopping=True,
                       n_iter_no_change=50, random_state=0,
                       callbacks=[ProgressBar(stream, width=8)]), X, y)
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("epoch 1/4 [==      ] loss ")
    assert lines[-1].startswith("epoch 4/4 [========] loss ")
    assert "validation" in lines[-1]
    assert text.endswith("\n")


def test_progress_bar_redraws_one_line_on_a_terminal(iris):
    X, y = iris
    stream = _Terminal()
    _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, random_state=0,
                       callbacks=[ProgressBar(stream, width=8)]), X, y)
    frames = stream.getvalue().split("\x1b[A\r")
    assert len(frames) == 4
    assert frames[0].startswith("epoch 1/4 [==      ] loss ")
    assert all(frame.endswith("\x1b[K\n") for frame in frames)
    lines, cursor = _screen(stream.getvalue())
    assert lines == [frames[-1].removesuffix("\x1b[K\n"), ""]
    assert lines[0].startswith("epoch 4/4 [========] loss ")
    assert cursor == 1  # on a fresh line


def _stop_early(reason, bar):
    """An estimator that stops before its max_iter for ``reason``."""
    params = dict(hidden_layer_sizes=(5,), max_iter=300, random_state=0)
    if reason == "tol":
        return MLPClassifier(tol=1.0, n_iter_no_change=2, callbacks=[bar], **params)
    if reason == "early_stopping":
        return MLPClassifier(early_stopping=True, tol=1.0, n_iter_no_change=2,
                             callbacks=[bar], **params)
    if reason == "lbfgs":
        return MLPClassifier(solver="lbfgs", tol=1e-2, callbacks=[bar], **params)
    return MLPClassifier(callbacks=[bar, lambda record: record["epoch"] == 3], **params)


@pytest.mark.parametrize("terminal", [False, True], ids=["file", "terminal"])
@pytest.mark.parametrize("reason", ["tol", "early_stopping", "lbfgs", "callback"])
def test_progress_bar_ends_its_line_when_training_stops_early(iris, reason, terminal):
    X, y = iris
    stream = _Terminal() if terminal else io.StringIO()
    model = _fit(_stop_early(reason, ProgressBar(stream)), X, y)
    assert 1 < model.n_iter_ < model.max_iter
    stream.write("UserWarning: written after the fit\n")
    lines, cursor = _screen(stream.getvalue())
    assert lines[cursor - 1] == "UserWarning: written after the fit"
    assert lines[cursor - 2].startswith(f"epoch {model.n_iter_:>3}/300 ")
    assert len(lines) == (3 if terminal else model.n_iter_ + 2)


def test_progress_bar_never_stops_training(iris):
    X, y = iris
    bar = ProgressBar(io.StringIO())
    record = {"epoch": 1, "loss": 0.5, "validation_score": None, "elapsed": 0.1,
              "estimator": MLPClassifier(max_iter=10)}
    assert bar(record) is False


# ------------------------------------------------------ checked before training
@pytest.mark.parametrize("bad, named", [
    (ProgressBar, r"callbacks\[1\] is the class ProgressBar, not an instance: "
                  r"pass ProgressBar\(\)"),
    ("ProgressBar", r"callbacks\[1\] is 'ProgressBar' \(str\), which is not callable"),
    (None, r"callbacks\[1\] is None \(NoneType\), which is not callable"),
], ids=["class", "name", "None"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_that_is_not_a_callable_instance_is_refused_before_training(
    iris, solver, bad, named
):
    X, y = iris
    records = []
    model = MLPClassifier(hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0,
                          callbacks=[records.append, bad])
    with pytest.raises(TypeError, match=named):
        model.fit(X, y)
    assert records == []  # not one epoch ran
    assert not hasattr(model, "coefs_")


def test_partial_fit_checks_callbacks_before_its_epoch(iris):
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    model.partial_fit(X, y, classes=[0, 1, 2])
    coefs = copy.deepcopy(model.coefs_)
    model.set_params(callbacks=[ProgressBar])
    with pytest.raises(TypeError, match="is the class ProgressBar"):
        model.partial_fit(X, y)
    for before, after in zip(coefs, model.coefs_):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("returned", ["stop", 1, 0.0, [], ProgressBar()],
                         ids=["str", "int", "float", "list", "object"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_must_return_none_or_a_bool(iris, solver, returned):
    X, y = iris

    def says_maybe(record):
        return returned

    model = MLPRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=20, random_state=0,
                         callbacks=[says_maybe])
    message = (rf"callbacks\[0\] \(.*says_maybe.*\) returned .* of type "
               rf"{type(returned).__name__}; a callback must return None or a bool")
    with pytest.raises(TypeError, match=message):
        model.fit(X[:, 1:], X[:, 0])


@pytest.mark.parametrize("stop", [True, np.True_])
def test_a_callback_may_return_a_numpy_bool(iris, stop):
    X, y = iris
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=50, random_state=0,
                               callbacks=[lambda record: None,
                                          lambda record: stop if record["epoch"] == 2
                                          else np.False_]), X, y)
    assert model.n_iter_ == 2


# ----------------------------------------------- clone, pickle, other processes
class _Unpicklable(io.TextIOWrapper):
    """A text stream like the real sys.stdout, which cannot be pickled."""

    def __init__(self):
        super().__init__(io.BytesIO(), encoding="utf-8")

    def text(self):
        self.flush()
        return self.buffer.getvalue().decode()


@pytest.mark.parametrize("name", ["stdout", "stderr", "__stdout__", "__stderr__"])
def test_progress_bar_on_a_standard_stream_pickles_as_that_stream_of_the_loader(
    monkeypatch, name
):
    monkeypatch.setattr(sys, name, _Unpicklable())
    bar = ProgressBar(stream=getattr(sys, name), width=7)
    data = pickle.dumps(MLPClassifier(callbacks=[bar]))
    monkeypatch.setattr(sys, name, _Unpicklable())  # another process, another stream
    (loaded,) = pickle.loads(data).callbacks
    assert loaded.stream is getattr(sys, name)
    assert loaded.width == 7
    assert bar.stream is not loaded.stream  # the original is left as it was


def test_progress_bar_clone_and_deepcopy_write_to_the_same_stream(iris, monkeypatch):
    monkeypatch.setattr(sys, "stdout", _Unpicklable())
    for stream in (sys.stdout, io.StringIO(), _Unpicklable()):
        bar = ProgressBar(stream=stream, width=5)
        (cloned,) = clone(MLPClassifier(callbacks=[bar])).callbacks
        assert cloned is not bar
        assert cloned.stream is stream and cloned.width == 5
        assert copy.deepcopy(bar).stream is stream


def test_progress_bar_of_a_grid_search_writes_to_the_users_stream(iris):
    X, y = iris
    stream = io.StringIO()
    search = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                      callbacks=[ProgressBar(stream=stream)]),
        {"alpha": [1e-4, 1e-2]}, cv=2,
    )
    _fit(search, X, y)
    # 2 candidates x 2 folds, then the refit, each drawing its 2 epochs
    assert stream.getvalue().count("epoch 2/2 ") == 5


def test_progress_bar_on_stdout_in_cross_val_score_and_grid_search_with_2_jobs(
    iris, monkeypatch
):
    X, y = iris
    monkeypatch.setattr(sys, "stdout", _Unpicklable())
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0,
                          callbacks=[ProgressBar(stream=sys.stdout)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_workers = cross_val_score(model, X, y, cv=2, n_jobs=2)
        here = cross_val_score(model, X, y, cv=2)
        search = GridSearchCV(model, {"alpha": [1e-4, 1e-2]}, cv=2, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(in_workers, here)
    assert sys.stdout.text().count("epoch 3/3 ") == 3  # 2 folds here and the refit
    assert search.best_estimator_.callbacks[0].stream is sys.stdout


# ================================================ Callback: Keras's lifecycle
class _Recorder(Callback):
    """Records every hook it gets, with the epoch or batch and the logs."""

    def on_train_begin(self, logs=None):
        self.calls = [("train_begin", logs)]

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, dict(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", dict(logs)))


class _EpochRecorder(Callback):
    """Records each epoch's logs and the network's weights at its end."""

    def on_train_begin(self, logs=None):
        self.logs, self.weights = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))
        self.weights.append(self.model.get_weights())


def _names(calls):
    return [call[0] for call in calls]


def test_callback_hooks_come_in_keras_order_around_epochs_and_batches(iris):
    X, y = iris
    recorder = _Recorder()
    # 150 rows in batches of 100: two batches an epoch
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, batch_size=100,
                               random_state=0, callbacks=[recorder]), X, y)
    epoch = ["epoch_begin", "batch_begin", "batch_end", "batch_begin", "batch_end",
             "epoch_end"]
    assert _names(recorder.calls) == ["train_begin", *epoch * 3, "train_end"]
    assert recorder.calls[0] == ("train_begin", {})
    ends = [call for call in recorder.calls if call[0] == "epoch_end"]
    assert [call[1] for call in ends] == [0, 1, 2]
    assert [call[2]["loss"] for call in ends] == model.loss_curve_
    batches = [call for call in recorder.calls if call[0] == "batch_end"]
    assert [call[1] for call in batches] == [0, 1] * 3
    # a batch's loss is the mean objective of the epoch's batches so far: the
    # last batch's is the epoch's
    assert [call[2]["loss"] for call in batches[1::2]] == pytest.approx(model.loss_curve_)
    assert recorder.calls[-1] == ("train_end", ends[-1][2])


def test_with_lbfgs_each_iteration_is_an_epoch_without_batches(iris):
    X, y = iris
    recorder = _Recorder()
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=4,
                               random_state=0, callbacks=[recorder]), X, y)
    assert model.n_iter_ == 4
    assert _names(recorder.calls) == ["train_begin", *["epoch_begin", "epoch_end"] * 4,
                                      "train_end"]
    ends = [call for call in recorder.calls if call[0] == "epoch_end"]
    assert [call[2] for call in ends] == [{"loss": loss} for loss in model.loss_curve_]


def test_batch_hooks_cost_nothing_unless_a_callback_overrides_them(iris, monkeypatch):
    def refuse(*args):
        raise AssertionError("a batch hook was called")

    monkeypatch.setattr(CallbackList, "on_train_batch_begin", refuse)
    monkeypatch.setattr(CallbackList, "on_train_batch_end", refuse)
    X, y = iris
    epochs = _EpochRecorder()
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, batch_size=10,
                               random_state=0, callbacks=[epochs, records_nothing]), X, y)
    assert len(epochs.logs) == model.n_iter_ == 3
    assert not CallbackList([epochs, records_nothing], None).follows_batches
    assert CallbackList([_Recorder()], None).follows_batches


def records_nothing(record):
    """A plain callback that does nothing."""


def test_logs_hold_the_loss_validation_score_and_learning_rate(iris):
    X, y = iris
    epochs = _EpochRecorder()
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, early_stopping=True,
                               n_iter_no_change=50, learning_rate_init=0.01,
                               random_state=0, callbacks=[epochs]), X, y)
    assert [logs["loss"] for logs in epochs.logs] == model.loss_curve_
    assert [logs["val_score"] for logs in epochs.logs] == model.validation_scores_
    assert [logs["learning_rate"] for logs in epochs.logs] == [0.01] * 4
    assert [logs["val_loss"] for logs in epochs.logs] == model.validation_loss_curve_


def test_a_callback_reaches_the_estimator_its_network_and_optimizer(iris):
    X, y = iris
    seen = []

    class Inspector(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((self.model.estimator, self.model.optimizer.learning_rate,
                         self.model.get_weights()))

    inspector = Inspector()
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, learning_rate_init=0.02,
                               random_state=0, callbacks=[inspector]), X, y)
    assert all(estimator is model for estimator, _, _ in seen)
    assert [rate for _, rate, _ in seen] == [0.02, 0.02]
    # the network's weights are the estimator's, layer after layer
    for a, b in zip(seen[-1][2], [w for pair in zip(model.coefs_, model.intercepts_)
                                  for w in pair]):
        np.testing.assert_array_equal(a, b)
    assert inspector.model is None  # training is over


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_stops_training_at_the_end_of_an_epoch(iris, solver):
    X, y = iris

    class StopAtThird(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 2

    model = MLPClassifier(hidden_layer_sizes=(5,), solver=solver, max_iter=50,
                          random_state=0, callbacks=[StopAtThird()])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is not a failure
        model.fit(X, y)
    assert model.n_iter_ == len(model.loss_curve_) == 3


def test_a_batch_callback_stops_training_within_an_epoch(iris):
    X, y = iris
    recorder = _Recorder()

    class StopAtSecondBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = self.model.estimator.n_iter_ == 1 and batch == 1

    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=50, batch_size=30,
                               random_state=0, callbacks=[StopAtSecondBatch(), recorder]),
                 X, y)
    # the second epoch ends after its second batch of five, and is the last
    assert model.n_iter_ == 2
    assert _names(recorder.calls)[-6:] == ["batch_begin", "batch_end", "batch_begin",
                                           "batch_end", "epoch_end", "train_end"]
    assert recorder.calls[-2][2]["loss"] == model.loss_curve_[-1]
    # t_ counts the rows seen: a whole epoch of 150, then two batches of 30
    assert model.t_ == len(y) + 60
    assert model.optimizer_.iterations == 5 + 2


def test_lifecycle_callbacks_and_plain_callables_are_called_in_list_order(iris):
    X, y = iris
    order = []

    class Named(Callback):
        def __init__(self, name="?"):
            self.name = name

        def on_epoch_end(self, epoch, logs=None):
            order.append(self.name)

    _fit(MLPClassifier(hidden_layer_sizes=(3,), max_iter=1, random_state=0,
                       callbacks=[Named("a"), lambda record: order.append("plain"),
                                  Named("b")]), X, y)
    assert order == ["a", "plain", "b"]


def test_callbacks_share_one_logs_dict_as_keras_does(iris):
    X, y = iris

    class AddsDoubleLoss(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["double_loss"] = 2 * logs["loss"]

    epochs = _EpochRecorder()
    _fit(MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                       callbacks=[AddsDoubleLoss(), epochs]), X, y)
    assert [logs["double_loss"] for logs in epochs.logs] == [
        2 * logs["loss"] for logs in epochs.logs]


def test_partial_fit_is_a_training_of_one_epoch(iris):
    X, y = iris
    recorder = _Recorder()
    model = MLPClassifier(hidden_layer_sizes=(3,), random_state=0, callbacks=[recorder])
    model.partial_fit(X, y, classes=[0, 1, 2])
    model.partial_fit(X, y)
    # the second call's training: one epoch of one batch (150 rows of at most 200)
    assert _names(recorder.calls) == ["train_begin", "epoch_begin", "batch_begin",
                                      "batch_end", "epoch_end", "train_end"]
    assert recorder.calls[4][1] == 0
    assert recorder.calls[4][2]["loss"] == model.loss_curve_[-1]


# ------------------------------------------------------ hyperparameters
ALL_CALLBACKS = [
    EarlyStopping(monitor="loss", patience=3, min_delta=0.01),
    ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2),
    ModelCheckpoint("checkpoint.pkl", monitor="val_score", save_best_only=True),
    LearningRateScheduler(math.sqrt, verbose=1),
    CSVLogger("log.csv", separator=";", append=True),
]


@pytest.mark.parametrize("callback", ALL_CALLBACKS, ids=lambda c: type(c).__name__)
def test_a_callback_clones_as_a_new_instance_of_its_arguments(callback):
    estimator = MLPClassifier(callbacks=[callback])
    (cloned,) = clone(estimator).callbacks
    assert cloned is not callback and type(cloned) is type(callback)
    assert cloned.get_params() == callback.get_params()
    assert repr(cloned) == repr(callback)
    (pickled,) = pickle.loads(pickle.dumps(estimator)).callbacks
    assert pickled.get_params() == callback.get_params()


def test_a_fit_leaves_no_state_in_a_callback_that_changes_the_next_fit(iris):
    X, y = iris
    stopper = EarlyStopping(monitor="loss", patience=1, min_delta=10.0,
                            restore_best_weights=True)
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0,
                          callbacks=[stopper])
    first = copy.deepcopy(_fit(model, X, y).coefs_)
    assert (stopper.stopped_epoch, model.n_iter_) == (1, 2)
    second = _fit(model, X, y).coefs_
    assert (stopper.stopped_epoch, model.n_iter_) == (1, 2)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # what it holds after training is state, never the model or weights
    assert stopper.model is None and stopper._best_weights is None
    assert "model" not in vars(pickle.loads(pickle.dumps(stopper)))


class _PicklesItself(Callback):
    """Pickles itself at the end of each epoch, into ``blobs``."""

    def on_train_begin(self, logs=None):
        self.blobs = []

    def on_epoch_end(self, epoch, logs=None):
        self.blobs.append(pickle.dumps(self))


def test_a_pickled_callback_does_not_carry_the_model_in_training(iris):
    X, y = iris
    callback = _PicklesItself()
    _fit(MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                       callbacks=[callback]), X, y)
    assert len(callback.blobs) == 2
    assert all(pickle.loads(blob).model is None for blob in callback.blobs)
    assert all(len(blob) < 1000 for blob in callback.blobs)


# ------------------------------------------------------ refused arguments
@pytest.mark.parametrize("callback, error, message", [
    (EarlyStopping(patience=-1), ValueError, "'patience' parameter of EarlyStopping"),
    (EarlyStopping(mode="minimum"), ValueError, "'mode' parameter of EarlyStopping"),
    (EarlyStopping(monitor="accuracy"), ValueError,
     "EarlyStopping cannot tell whether monitor='accuracy' is better lower or higher"),
    (EarlyStopping(baseline="0.5"), TypeError, "'baseline' parameter of EarlyStopping"),
    (ReduceLROnPlateau(factor=1.0), ValueError, r"'factor' parameter of ReduceLROnPlateau "
                                                r"must be a float in the range \(0.0, 1.0\)"),
    (ReduceLROnPlateau(min_lr=-1e-3), ValueError, "'min_lr' parameter"),
    (ReduceLROnPlateau(cooldown=0.5), TypeError, "'cooldown' parameter"),
    (ModelCheckpoint(3), TypeError, "'filepath' parameter of ModelCheckpoint"),
    (ModelCheckpoint("m.pkl", monitor="auc", save_best_only=True), ValueError,
     "Pass mode='min' or mode='max'"),
    (LearningRateScheduler(0.01), TypeError, "'schedule' parameter of LearningRateScheduler"),
    (CSVLogger("log.csv", append="yes"), TypeError, "'append' parameter of CSVLogger"),
    (EarlyStopping, TypeError, r"callbacks\[0\] is the class EarlyStopping, not an instance"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_bad_callback_arguments_are_refused_before_training(iris, callback, error, message):
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, callbacks=[callback])
    with pytest.raises(error, match=message):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


class _RenamesItsArgument(Callback):
    def __init__(self, path="log.txt"):
        self._path = path


def test_a_callback_that_does_not_keep_its_arguments_is_refused(iris):
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(3,), callbacks=[_RenamesItsArgument()])
    with pytest.raises(TypeError, match=r"callbacks\[0\] is a _RenamesItsArgument whose "
                                        r"arguments cannot be read .*'path'.* stores each "
                                        r"argument of __init__ under its own name"):
        model.fit(X, y)


def test_a_monitor_of_unknown_direction_is_fine_without_save_best_only(iris, tmp_path):
    # it saves every epoch: which way "auc" improves does not matter
    X, y = iris
    path = tmp_path / "m.pkl"
    _fit(MLPClassifier(hidden_layer_sizes=(3,), max_iter=1, callbacks=[
        ModelCheckpoint(path, monitor="auc")]), X, y)
    assert path.is_file()
    with pytest.raises(ValueError, match="Pass mode='min' or mode='max'"):
        check_callbacks([ModelCheckpoint(path, monitor="auc", save_best_only=True)])


def test_a_scikit_learn_callback_in_callbacks_is_refused_naming_set_callbacks(iris):
    from sklearn.callback import ScoringMonitor

    X, y = iris
    model = MLPClassifier(callbacks=[ScoringMonitor(scoring="accuracy")])
    message = r"scikit-learn callback .* estimator\.set_callbacks\(ScoringMonitor"
    with pytest.raises(TypeError, match=message):
        model.fit(X, y)


@pytest.mark.parametrize("callback", [ReduceLROnPlateau("loss"),
                                      LearningRateScheduler(lambda epoch, lr: lr)],
                         ids=["ReduceLROnPlateau", "LearningRateScheduler"])
def test_learning_rate_callbacks_refuse_lbfgs_which_has_no_learning_rate(iris, callback):
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs", callbacks=[callback])
    with pytest.raises(ValueError, match="solver='lbfgs', which has none"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("callback", [ReduceLROnPlateau("loss"),
                                      LearningRateScheduler(lambda epoch, lr: lr)],
                         ids=["ReduceLROnPlateau", "LearningRateScheduler"])
def test_learning_rate_callbacks_refuse_an_optimizer_whose_rate_is_a_schedule(callback):
    model = _ScriptedModel()
    model.optimizer.learning_rate = lambda step: 0.1 / (1 + step)
    callback.set_model(model)
    with pytest.raises(TypeError, match="the optimizer's learning_rate is .*, a schedule"):
        callback.on_train_begin({})


@pytest.mark.parametrize("rate", [-0.1, 0.0, float("nan"), "0.1", None, True])
def test_a_schedule_must_return_a_positive_number(iris, rate):
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0,
                          callbacks=[LearningRateScheduler(lambda epoch, lr: rate)])
    with pytest.raises(ValueError, match="returned .* at epoch 0; it must return the "
                                         "learning rate, a positive number"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


# ------------------------------------- scripted runs, against Keras's rules
class _ScriptedOptimizer:
    """An optimizer with a float learning rate, as the contract's optimizer_."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    @property
    def current_learning_rate(self):
        return self.learning_rate


class _ScriptedModel:
    """A stand-in for the model in training, whose weights are the index of
    the epoch it is at (as Keras's own tests of EarlyStopping script them)."""

    def __init__(self, learning_rate=0.1):
        self.estimator = None
        self.stop_training = False
        self.weights = None
        self.optimizer = _ScriptedOptimizer(learning_rate)
        self.saved = []

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights

    def save(self, filepath):
        self.saved.append((filepath, self.weights))


def _drive(callback, values, monitor="val_loss", model=None):
    """Train ``callback`` through one training of ``len(values)`` epochs at
    most, the monitored value of each given; return the model and the
    number of epochs run."""
    model = model or _ScriptedModel()
    callback.set_model(model)
    callback.on_train_begin({})
    for epoch, value in enumerate(values):
        model.weights = epoch
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {"loss": 1.0, monitor: value})
        if model.stop_training:
            break
    callback.on_train_end({})
    return model, epoch + 1


# a loss that improves, then stalls just above its best, then improves again
STALLING = [5.0, 4.0, 3.5, 3.6, 3.55, 3.52, 3.51, 3.4]


@pytest.mark.parametrize("patience, stopped_epoch", [
    (0, 3), (1, 3), (2, 4), (3, 5), (4, 6),  # patience 0 acts as 1: never at epoch 0
    (5, 0),  # epoch 7 improves before patience runs out: no stop
])
def test_early_stopping_stops_after_patience_epochs_without_improvement(patience,
                                                                         stopped_epoch):
    stopper = EarlyStopping(monitor="loss", patience=patience)
    _, n_epochs = _drive(stopper, STALLING, monitor="loss")
    assert stopper.stopped_epoch == stopped_epoch
    assert n_epochs == (stopped_epoch + 1 if stopped_epoch else len(STALLING))
    assert stopper.best == (3.4 if patience == 5 else 3.5)


@pytest.mark.parametrize("min_delta, stopped_epoch", [(0.05, 1), (-0.05, 1), (0.04, 2)])
def test_early_stopping_counts_changes_within_min_delta_as_no_improvement(min_delta,
                                                                          stopped_epoch):
    stopper = EarlyStopping(min_delta=min_delta, patience=1)
    _drive(stopper, [1.0, 0.95, 0.91, 0.89])
    assert stopper.stopped_epoch == stopped_epoch


@pytest.mark.parametrize("monitor, mode", [("val_score", "auto"), ("val_score", "max"),
                                           ("val_loss", "max")])
def test_early_stopping_on_a_score_stops_when_it_stops_rising(monitor, mode):
    stopper = EarlyStopping(monitor=monitor, mode=mode, patience=1)
    _drive(stopper, [0.5, 0.6, 0.6, 0.59], monitor=monitor)
    assert stopper.stopped_epoch == 2
    assert (stopper.best, stopper.best_epoch) == (0.6, 1)


def test_early_stopping_counts_epochs_against_patience_until_one_beats_baseline():
    # epochs 0 and 1 improve but do not beat 0.5, so they count: epoch 2,
    # the first that does not improve, is the third, and patience is out
    stopper = EarlyStopping(patience=3, baseline=0.5, restore_best_weights=True)
    model, n_epochs = _drive(stopper, [0.9, 0.8, 0.85, 0.86, 0.7])
    assert (stopper.stopped_epoch, n_epochs) == (2, 3)
    assert model.weights == 1  # the best epoch's, although it did not beat the baseline
    # beating the baseline starts the count afresh
    stopper = EarlyStopping(patience=2, baseline=0.5)
    _drive(stopper, [0.9, 0.8, 0.7, 0.6, 0.4, 0.45, 0.46])
    assert stopper.stopped_epoch == 6


def test_early_stopping_watches_from_start_from_epoch():
    stopper = EarlyStopping(patience=0, start_from_epoch=2)
    _, n_epochs = _drive(stopper, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert (stopper.stopped_epoch, n_epochs, stopper.best) == (3, 4, 3.0)


def test_early_stopping_restores_the_best_epoch_when_training_ends_without_it():
    stopper = EarlyStopping(patience=5, restore_best_weights=True)
    model, n_epochs = _drive(stopper, [0.3, 0.1, 0.2])
    assert (stopper.stopped_epoch, n_epochs, model.weights) == (0, 3, 1)
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    model, n_epochs = _drive(stopper, [0.2, 0.15, 0.1, 0.11, 0.12])
    assert (stopper.stopped_epoch, n_epochs, model.weights) == (4, 5, 2)
    model, _ = _drive(EarlyStopping(patience=2), [0.2, 0.15, 0.1, 0.11, 0.12])
    assert model.weights == 4  # without restore_best_weights, the last epoch's


def test_early_stopping_warns_when_the_monitored_value_is_not_logged():
    stopper = EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="'val_loss', which is not in the logs; they hold "
                                         "'loss', 'val_score'"):
        _, n_epochs = _drive(stopper, [0.5, 0.4, 0.4], monitor="val_score")
    assert n_epochs == 3


def test_early_stopping_verbose_says_when_it_stops_and_restores(capsys):
    _drive(EarlyStopping(patience=1, restore_best_weights=True, verbose=1), [1.0, 0.5, 0.6])
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 3: early stopping",
        "Restoring model weights from the end of the best epoch: 2.",
    ]


def _rates(callback, values, monitor="val_loss"):
    """The learning rate after each epoch of a scripted training."""
    model = _ScriptedModel(learning_rate=0.1)
    rates = []
    callback.set_model(model)
    callback.on_train_begin({})
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {monitor: value})
        rates.append(model.optimizer.learning_rate)
    return rates


@pytest.mark.parametrize("kwargs, rates", [
    # min_delta 100: no epoch after the first improves
    ({}, [0.1, 0.01, 0.001, 0.0001, 1e-5, 1e-6]),
    # a reduction, then two epochs of cooldown, the last counting again
    ({"cooldown": 2}, [0.1, 0.01, 0.01, 0.001, 0.001, 0.0001]),
    # never below min_lr; at min_lr, "reduced" to min_lr again
    ({"min_lr": 0.005}, [0.1, 0.01, 0.005, 0.005, 0.005, 0.005]),
    ({"patience": 2}, [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]),
    ({"patience": 2, "factor": 0.5}, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]),
])
def test_reduce_lr_on_plateau_rate_sequence(kwargs, rates):
    callback = ReduceLROnPlateau(**{"patience": 1, "min_delta": 100, **kwargs})
    assert _rates(callback, [1.0] * 6) == pytest.approx(rates)


def test_reduce_lr_on_plateau_on_a_score_waits_for_it_to_stop_rising():
    callback = ReduceLROnPlateau(monitor="val_score", patience=2, min_delta=0.01)
    rates = _rates(callback, [0.5, 0.52, 0.55, 0.55, 0.56, 0.6, 0.6], monitor="val_score")
    # 0.55 and 0.56 do not beat 0.55 by more than 0.01: reduced at the second;
    # 0.6 improves, then one stale epoch is not enough
    assert rates == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01])
    assert (callback.best, callback.wait) == (0.6, 1)


def test_reduce_lr_on_plateau_warns_when_the_monitored_value_is_not_logged():
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on "
                                         "'val_loss'"):
        rates = _rates(ReduceLROnPlateau(patience=0), [1.0, 1.0], monitor="loss")
    assert rates == [0.1, 0.1]


def test_reduce_lr_on_plateau_verbose_says_the_new_rate(capsys):
    _rates(ReduceLROnPlateau(patience=1, min_delta=100, verbose=1, factor=0.5), [1.0, 1.0])
    assert capsys.readouterr().out == (
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.05.\n")


def test_learning_rate_scheduler_sets_each_epochs_rate_from_the_current_one():
    calls = []

    def halve_on_odd_epochs(epoch, lr):
        calls.append((epoch, lr))
        return lr / 2 if epoch % 2 else lr

    rates = _rates(LearningRateScheduler(halve_on_odd_epochs), [None] * 4)
    assert rates == [0.1, 0.05, 0.05, 0.025]
    assert calls == [(0, 0.1), (1, 0.1), (2, 0.05), (3, 0.05)]


def test_learning_rate_scheduler_verbose_says_the_rate(capsys):
    _rates(LearningRateScheduler(lambda epoch, lr: 0.5, verbose=1), [None])
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.5.\n")


def test_model_checkpoint_saves_every_epoch_by_default_under_a_formatted_name():
    checkpoint = ModelCheckpoint("model-{epoch:02d}-{val_loss:.1f}.pkl")
    model, _ = _drive(checkpoint, [0.5, 0.7, 0.2])
    assert model.saved == [("model-01-0.5.pkl", 0), ("model-02-0.7.pkl", 1),
                           ("model-03-0.2.pkl", 2)]


@pytest.mark.parametrize("kwargs, monitor, saved_epochs", [
    ({}, "val_loss", [0, 2, 4]),
    ({"mode": "max"}, "val_loss", [0, 1, 3]),
    ({}, "val_score", [0, 1, 3]),
    ({"initial_value_threshold": 0.35}, "val_loss", [2, 4]),
])
def test_model_checkpoint_with_save_best_only_saves_the_epochs_that_improve(
    kwargs, monitor, saved_epochs
):
    checkpoint = ModelCheckpoint("best.pkl", monitor=monitor, save_best_only=True, **kwargs)
    model, _ = _drive(checkpoint, [0.4, 0.5, 0.3, 0.6, 0.2], monitor=monitor)
    assert model.saved == [("best.pkl", epoch) for epoch in saved_epochs]
    # the best starts afresh at each training
    model, _ = _drive(checkpoint, [0.4, 0.5, 0.3, 0.6, 0.2], monitor=monitor)
    assert model.saved == [("best.pkl", epoch) for epoch in saved_epochs]


def test_model_checkpoint_saves_with_a_warning_when_the_monitor_is_not_logged():
    checkpoint = ModelCheckpoint("best.pkl", save_best_only=True)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        model, _ = _drive(checkpoint, [0.4, 0.5], monitor="val_score")
    assert [epoch for _, epoch in model.saved] == [0, 1]


def test_model_checkpoint_names_the_missing_field_of_its_filepath():
    with pytest.raises(ValueError, match="cannot fill filepath='m-{val_auc}.pkl': no value "
                                         "for 'val_auc'"):
        _drive(ModelCheckpoint("m-{val_auc}.pkl"), [0.4])


def test_model_checkpoint_verbose_says_what_it_saves(capsys):
    _drive(ModelCheckpoint("best.pkl", save_best_only=True, verbose=1), [0.5, 0.6])
    assert capsys.readouterr().out.splitlines() == [
        "", "Epoch 1: val_loss improved from None to 0.50000, saving model to best.pkl",
        "", "Epoch 2: val_loss did not improve from 0.50000",
    ]


def test_csv_logger_writes_keras_columns_and_rows(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.on_train_begin({})
    logger.on_epoch_end(0, {"loss": 0.5, "learning_rate": 0.01})
    assert path.read_text().splitlines() == [
        "epoch,learning_rate,loss,val_learning_rate,val_loss", "0,0.01,0.5,NA,NA"]
    logger.on_epoch_end(1, {"loss": 0.25, "learning_rate": 0.01})
    assert path.read_text().splitlines()[-1] == "1,0.01,0.25,NA,NA"
    # a new training starts the file anew
    logger.on_train_begin({})
    logger.on_epoch_end(0, {"loss": 0.5, "val_score": 0.75})
    assert path.read_text().splitlines() == ["epoch,loss,val_score", "0,0.5,0.75"]


def test_csv_logger_appends_without_a_second_header(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(str(path), separator=";", append=True)
    for _ in range(2):
        logger.on_train_begin({})
        logger.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.75})
    assert path.read_text().splitlines() == ["epoch;loss;val_loss", "0;0.5;0.75",
                                             "0;0.5;0.75"]


# ------------------------------------------------------- with real training
def test_early_stopping_stops_a_fit_and_restores_the_best_weights(iris):
    X, y = iris
    # min_delta 10: only the first epoch counts as an improvement
    stopper = EarlyStopping(monitor="loss", min_delta=10.0, patience=2,
                            restore_best_weights=True)
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=50, random_state=0,
                               callbacks=[stopper]), X, y)
    assert (stopper.stopped_epoch, model.n_iter_) == (2, 3)
    one_epoch = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=1, random_state=0),
                     X, y)
    for a, b in zip(model.coefs_ + model.intercepts_,
                    one_epoch.coefs_ + one_epoch.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_restores_weights_that_do_not_train_too(iris):
    from stateful_layer import RunningCentre

    from skdl import NeuralNetRegressor
    from skdl.layers import Dense

    X, _ = iris
    epochs = _EpochRecorder()
    stopper = EarlyStopping(monitor="loss", patience=3, restore_best_weights=True)
    model = _fit(NeuralNetRegressor(layers=[RunningCentre(), Dense(4)], max_iter=8,
                                    learning_rate_init=0.05, batch_size=30, random_state=0,
                                    callbacks=[stopper, epochs]), X[:, 1:], X[:, 0])
    best = int(np.argmin(model.loss_curve_))
    assert stopper.best_epoch == best
    restored = [w for layer in model.layers_ for w in layer.get_weights()]
    # gamma, moving_mean, beta, then the kernels and biases of the two Dense layers
    assert len(restored) == 7
    for a, b in zip(restored, epochs.weights[best]):
        np.testing.assert_array_equal(a, b)
    # the moving mean moved between epochs: restoring it is not a no-op
    assert not np.array_equal(epochs.weights[best][1], epochs.weights[-1][1])


def test_reduce_lr_on_plateau_lowers_the_optimizers_rate_in_a_fit(iris):
    X, y = iris
    epochs = _EpochRecorder()
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, learning_rate_init=0.01,
                               random_state=0,
                               callbacks=[ReduceLROnPlateau("loss", patience=1,
                                                            min_delta=100.0), epochs]), X, y)
    # each epoch logs the rate it trained with, as Keras's ReduceLROnPlateau
    # logs it, before reducing it for the next
    assert [logs["learning_rate"] for logs in epochs.logs] == pytest.approx(
        [0.01, 0.01, 0.001, 1e-4])
    assert model.optimizer_.learning_rate == pytest.approx(1e-5)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_constant_schedule_trains_as_that_learning_rate_init(iris, solver):
    X, y = iris
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0)
    scheduled = _fit(MLPClassifier(learning_rate_init=0.3, **params, callbacks=[
        LearningRateScheduler(lambda epoch, lr: 0.02)]), X, y)
    plain = _fit(MLPClassifier(learning_rate_init=0.02, **params), X, y)
    for a, b in zip(scheduled.coefs_ + scheduled.intercepts_, plain.coefs_ + plain.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_a_scheduled_rate_applies_from_its_epochs_first_step(iris):
    X, y = iris
    params = dict(hidden_layer_sizes=(5,), solver="sgd", shuffle=False, random_state=0)
    scheduled = _fit(MLPClassifier(max_iter=4, **params, callbacks=[
        LearningRateScheduler(lambda epoch, lr: 0.1 if epoch < 2 else 0.01)]), X, y)
    # the same epochs one at a time, the rate set between them
    stepped = MLPClassifier(learning_rate_init=0.1, **params)
    for epoch in range(4):
        if epoch == 2:
            stepped.optimizer_.learning_rate = 0.01
        stepped.partial_fit(X, y, classes=[0, 1, 2])
    for a, b in zip(scheduled.coefs_ + scheduled.intercepts_,
                    stepped.coefs_ + stepped.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_model_checkpoint_saves_the_best_epochs_model_which_reloads_and_trains(
    iris, tmp_path
):
    X, y = iris
    epochs = _EpochRecorder()
    path = tmp_path / "best.pkl"
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=12, early_stopping=True,
                               n_iter_no_change=50, random_state=0, callbacks=[
                                   epochs, ModelCheckpoint(path, monitor="val_score",
                                                           save_best_only=True)]), X, y)
    best = int(np.argmax(model.validation_scores_))
    blob = path.read_bytes()
    loaded = pickle.loads(blob)
    assert type(loaded) is MLPClassifier and loaded.n_iter_ == best + 1
    saved = [w for pair in zip(loaded.coefs_, loaded.intercepts_) for w in pair]
    for a, b in zip(saved, epochs.weights[best]):
        np.testing.assert_array_equal(a, b)
    assert loaded.callbacks[1].model is None
    # no training data in it, and it goes on training
    X_bytes = {value.tobytes() for value in np.asarray(X, np.float64).ravel()}
    assert not any(blob[i:i + 8] in X_bytes for i in range(len(blob) - 7))
    loaded.set_params(callbacks=None, early_stopping=False).partial_fit(X, y)
    assert loaded.predict(X).shape == (150,)


def test_model_checkpoint_of_every_epoch_writes_one_file_each(iris, tmp_path):
    X, y = iris
    model = _fit(MLPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0, callbacks=[
        ModelCheckpoint(tmp_path / "epoch-{epoch}-{loss:.6f}.pkl")]), X[:, 1:], X[:, 0])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"epoch-{k + 1}-{loss:.6f}.pkl" for k, loss in enumerate(model.loss_curve_)]
    last = pickle.loads((tmp_path / names[-1]).read_bytes())
    np.testing.assert_array_equal(last.predict(X[:, 1:]), model.predict(X[:, 1:]))


def test_csv_logger_logs_a_fit(iris, tmp_path):
    X, y = iris
    path = tmp_path / "log.csv"
    model = _fit(MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, early_stopping=True,
                               n_iter_no_change=50, random_state=0,
                               callbacks=[CSVLogger(path)]), X, y)
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["epoch", "learning_rate", "loss", "val_loss", "val_score"]
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2]
    assert [float(row["loss"]) for row in rows] == model.loss_curve_
    assert [float(row["val_loss"]) for row in rows] == model.validation_loss_curve_
    assert [float(row["val_score"]) for row in rows] == model.validation_scores_
