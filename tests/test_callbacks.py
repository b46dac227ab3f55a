"""Per-epoch callbacks, the history_ record and the ProgressBar callback."""

import copy
import io
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
from skdl.callbacks import ProgressBar


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
