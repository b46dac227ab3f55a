"""skdl.plot.plot_decision_boundary on small fitted classifiers under the Agg
backend, checked through the contours and points it leaves on the axes."""

import warnings

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdl import MLPClassifier, MLPRegressor, PerceptronClassifier  # noqa: E402
from skdl.plot import plot_decision_boundary  # noqa: E402

from plot_helpers import (  # noqa: E402  (tests/plot/ is on sys.path)
    contour_lines,
    filled_contours,
    raises_as_fit,
    scatter_points,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(90, centers=3, random_state=0)


def test_decision_boundary_shades_probabilities(lbfgs_mlp, moons):
    X, y = moons
    ax = plot_decision_boundary(lbfgs_mlp, X, y, resolution=30)
    filled = filled_contours(ax)
    assert len(filled) == 2  # one shaded region per class
    for regions in filled:
        assert_allclose(regions.levels[[0, -1]], [0.5, 1.0])  # probability of the winner
    (boundary,) = contour_lines(ax)
    assert_array_equal(boundary.levels, [0.5])
    points = scatter_points(ax)
    assert len(points) == 2
    for label, dots in zip(lbfgs_mlp.classes_, points):
        assert_array_equal(dots.get_offsets(), X[y == label])
    x_low, x_high = ax.get_xlim()
    span = X[:, 0].max() - X[:, 0].min()
    assert_allclose([x_low, x_high], [X[:, 0].min() - 0.1 * span, X[:, 0].max() + 0.1 * span])


def test_decision_boundary_without_probabilities_fills_predicted_classes(blobs):
    X, y = blobs
    est = PerceptronClassifier().fit(X, y)
    assert not hasattr(est, "predict_proba")
    ax = plot_decision_boundary(est, X, y, resolution=40, margin=0.0)
    (regions,) = filled_contours(ax)
    assert_array_equal(regions.levels, [-0.5, 0.5, 1.5, 2.5])  # one band per class
    (boundary,) = contour_lines(ax)
    assert_array_equal(boundary.levels, [0.5, 1.5])
    assert sum(len(dots.get_offsets()) for dots in scatter_points(ax)) == len(X)
    assert_allclose(ax.get_ylim(), [X[:, 1].min(), X[:, 1].max()])


def test_decision_boundary_of_pipeline_on_given_axes(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), MLPClassifier((6,), solver="lbfgs",
                                                         max_iter=30, random_state=0))
    _, ax = plt.subplots()
    assert plot_decision_boundary(pipe.fit(X, y), X, y, ax=ax, resolution=20) is ax
    assert len(filled_contours(ax)) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]


def test_decision_boundary_rejects_bad_input(lbfgs_mlp, moons):
    X, y = moons
    with pytest.raises(ValueError, match="exactly 2 columns"):
        plot_decision_boundary(lbfgs_mlp, np.hstack([X, X[:, :1]]), y)
    with pytest.raises(ValueError, match="y must have shape"):
        plot_decision_boundary(lbfgs_mlp, X, y[:-1])
    with pytest.raises(ValueError, match="not in est.classes_"):
        plot_decision_boundary(lbfgs_mlp, X, y + 5)
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="needs a classifier"):
        plot_decision_boundary(reg, X, y)
    for resolution in (5.0, 1, True):
        with pytest.raises(ValueError, match="resolution .* must be an integer of at least 2"):
            plot_decision_boundary(lbfgs_mlp, X, y, resolution=resolution)


def _with_value(X, value):
    X = X.copy()
    X[3, 1] = value
    return X


@pytest.mark.parametrize("bad_X", [
    lambda X: _with_value(X, np.inf),
    lambda X: _with_value(X, -np.inf),
    lambda X: _with_value(X, np.nan),
    lambda X: _with_value(X, np.inf).astype(np.float32),
    lambda X: X[:0],
    lambda X: X[:, 0],
], ids=["inf", "-inf", "nan", "float32-inf", "empty", "1-D"])
def test_decision_boundary_refuses_X_with_the_error_of_fit(bad_X, lbfgs_mlp, moons):
    X, y = moons
    X = bad_X(X)
    with raises_as_fit(lbfgs_mlp, X, y[: len(X)]):
        plot_decision_boundary(lbfgs_mlp, X, y[: len(X)], resolution=5)


@pytest.mark.parametrize("layout", [sparse.csr_matrix, sparse.csc_matrix, sparse.coo_matrix])
def test_decision_boundary_of_sparse_X_draws_as_dense(layout, lbfgs_mlp, moons):
    X, y = moons
    dense = plot_decision_boundary(lbfgs_mlp, X, y, resolution=10)
    _, ax = plt.subplots()
    assert plot_decision_boundary(lbfgs_mlp, layout(X), y, ax=ax, resolution=10) is ax
    for ours, theirs in zip(scatter_points(ax), scatter_points(dense)):
        assert_array_equal(ours.get_offsets(), theirs.get_offsets())
    assert ax.get_xlim() == dense.get_xlim() and ax.get_ylim() == dense.get_ylim()


@pytest.mark.parametrize("make_estimator", [
    lambda: MLPClassifier((6,), solver="lbfgs", max_iter=30, random_state=0),
    lambda: make_pipeline(StandardScaler(), MLPClassifier((6,), solver="lbfgs",
                                                          max_iter=30, random_state=0)),
    lambda: PerceptronClassifier(),  # no predict_proba: the grid goes to predict
], ids=["mlp", "pipeline", "perceptron"])
def test_decision_boundary_of_estimator_fitted_on_a_data_frame(make_estimator, moons):
    pd = pytest.importorskip("pandas")
    X, y = moons
    frame = pd.DataFrame(X, columns=["width", "height"])
    est = make_estimator().fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "X does not have valid feature names"
        ax = plot_decision_boundary(est, frame, y, resolution=20)
    assert len(filled_contours(ax)) == (1 if isinstance(est, PerceptronClassifier) else 2)
