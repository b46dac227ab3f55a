"""skdl.plot.plot_loss_curve on small fitted models under the Agg backend,
checked through the lines it leaves on the axes."""

import copy

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from numpy.testing import assert_array_equal  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdl import MLPClassifier, MLPRegressor, PerceptronClassifier  # noqa: E402
from skdl.plot import plot_loss_curve  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_loss_curve_has_one_point_per_epoch(moons):
    est = MLPClassifier((8,), max_iter=15, random_state=0).fit(*moons)
    ax = plot_loss_curve(est)
    (line,) = ax.lines
    assert_array_equal(line.get_xdata(), np.arange(1, est.n_iter_ + 1))
    assert_array_equal(line.get_ydata(), est.loss_curve_)
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "training loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["MLPClassifier (adam)"]


def test_loss_curve_of_lbfgs_counts_iterations(lbfgs_mlp):
    ax = plot_loss_curve(lbfgs_mlp, label="lbfgs")
    (line,) = ax.lines
    assert len(line.get_ydata()) == len(lbfgs_mlp.loss_curve_) > 1
    assert ax.get_xlabel() == "iteration"
    assert ax.get_legend().get_texts()[0].get_text() == "lbfgs"


def test_loss_curve_is_labelled_by_the_solver_that_recorded_it(lbfgs_mlp):
    est = copy.deepcopy(lbfgs_mlp).set_params(solver="adam")  # after fit
    ax = plot_loss_curve(est)
    assert ax.get_xlabel() == "iteration"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["MLPClassifier (lbfgs)"]


def test_loss_curves_of_several_estimators_share_an_axes(moons):
    _, ax = plt.subplots()
    for solver in ("sgd", "adam"):
        est = MLPClassifier((8,), solver=solver, max_iter=5, random_state=0).fit(*moons)
        assert plot_loss_curve(est, ax=ax, label=solver) is ax
    assert [len(line.get_ydata()) for line in ax.lines] == [5, 5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]


def test_loss_curve_with_early_stopping_adds_the_validation_loss_and_scores(moons):
    est = MLPClassifier((8,), early_stopping=True, max_iter=20, random_state=0).fit(*moons)
    ax = plot_loss_curve(est)
    twin = next(other for other in ax.figure.axes if other is not ax)
    training, validation = ax.lines
    assert_array_equal(validation.get_xdata(), training.get_xdata())
    assert_array_equal(validation.get_ydata(), est.validation_loss_curve_)
    assert validation.get_color() == training.get_color()
    assert ax.get_ylabel() == "training and validation loss"
    (scores,) = twin.lines
    assert_array_equal(scores.get_ydata(), est.validation_scores_)
    assert twin.get_ylabel() == "validation score"
    assert [t.get_text() for t in twin.get_legend().get_texts()] == [
        "MLPClassifier (adam)", "MLPClassifier (adam), validation", "validation score",
    ]


def test_validation_curves_end_at_the_last_epoch(moons):
    # a warm start that adds validation data: its curves cover its epochs only
    X, y = moons
    est = MLPClassifier((8,), max_iter=6, warm_start=True, random_state=0).fit(X, y)
    est.fit(X[:60], y[:60], X_val=X[60:], y_val=y[60:])
    ax = plot_loss_curve(est)
    twin = next(other for other in ax.figure.axes if other is not ax)
    assert_array_equal(ax.lines[1].get_xdata(), np.arange(7, 13))
    assert_array_equal(twin.lines[0].get_xdata(), np.arange(7, 13))


def test_loss_curve_of_regressor_and_pipeline(moons):
    X, y = moons
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=7, random_state=0).fit(X, y)
    assert len(plot_loss_curve(reg).lines[0].get_ydata()) == 7
    pipe = make_pipeline(StandardScaler(), MLPClassifier((4,), max_iter=6, random_state=0))
    pipe.fit(X, y)
    assert_array_equal(plot_loss_curve(pipe).lines[0].get_ydata(), pipe[-1].loss_curve_)


def test_loss_curve_of_perceptron(moons):
    est = PerceptronClassifier(activation="sigmoid", solver="sgd", eta0=0.1, max_iter=8,
                               tol=None).fit(*moons)
    assert len(plot_loss_curve(est).lines[0].get_ydata()) == 8
    lbfgs = PerceptronClassifier(activation="sigmoid").fit(*moons)  # solver="auto"
    ax = plot_loss_curve(lbfgs)
    assert ax.get_xlabel() == "iteration"
    assert ax.get_legend().get_texts()[0].get_text() == "PerceptronClassifier (lbfgs)"
    with pytest.raises(ValueError, match="no loss curve for the perceptron rule"):
        plot_loss_curve(PerceptronClassifier().fit(*moons))
