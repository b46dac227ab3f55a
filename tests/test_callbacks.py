"""Per-epoch callbacks, the history_ record and the ProgressBar callback."""

import io
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


def test_progress_bar_draws_one_line_per_fit(iris):
    X, y = iris
    stream = io.StringIO()
    _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, early_stopping=True,
                       n_iter_no_change=50, random_state=0,
                       callbacks=[ProgressBar(stream, width=8)]), X, y)
    text = stream.getvalue()
    frames = text.split("\r")[1:]
    assert len(frames) == 4
    assert frames[0].startswith("epoch 1/4 [==      ] loss ")
    assert frames[-1].startswith("epoch 4/4 [========] loss ")
    assert "validation" in frames[-1]
    assert text.endswith("\n") and text.count("\n") == 1


def test_progress_bar_never_stops_training(iris):
    X, y = iris
    bar = ProgressBar(io.StringIO())
    record = {"epoch": 1, "loss": 0.5, "validation_score": None, "elapsed": 0.1,
              "estimator": MLPClassifier(max_iter=10)}
    assert bar(record) is False
