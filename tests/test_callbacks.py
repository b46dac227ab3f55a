"""Per-epoch callbacks, the history_ record and the ProgressBar callback."""

import io
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
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
