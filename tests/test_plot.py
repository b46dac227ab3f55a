"""skdl.plot: each picture on small fitted models under the Agg backend,
checked through the artists it leaves on the axes; the loss landscape
against the estimators' own objective."""

import copy
import importlib
import re
import sys
import warnings

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.contour import QuadContourSet  # noqa: E402
from mpl_toolkits.mplot3d.art3d import Poly3DCollection  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from scipy import sparse  # noqa: E402
from scipy.special import expit  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, make_blobs, make_moons  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skdl  # noqa: E402
from skdl import (  # noqa: E402
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    PerceptronClassifier,
)
from skdl.activations import LeakyReLU  # noqa: E402
from skdl.layers import (  # noqa: E402
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
)
from skdl.plot import (  # noqa: E402
    BUILTIN_ACTIVATIONS,
    _filter_normalised_direction,
    loss_landscape,
    plot_activations,
    plot_conv_filters,
    plot_decision_boundary,
    plot_feature_maps,
    plot_loss_curve,
    plot_loss_landscape,
)

from cases import ACTIVATION_NAMES  # noqa: E402  (tests/ is on sys.path)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def moons():
    return make_moons(80, noise=0.2, random_state=0)


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(90, centers=3, random_state=0)


@pytest.fixture(scope="module")
def lbfgs_mlp(moons):
    return MLPClassifier((8,), activation="tanh", solver="lbfgs", max_iter=60,
                         random_state=0).fit(*moons)


def _filled(ax):
    return [c for c in ax.collections if isinstance(c, QuadContourSet) and c.filled]


def _lines(ax):
    return [c for c in ax.collections if isinstance(c, QuadContourSet) and not c.filled]


def _points(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def _fit_error(est, X, y, sample_weight=None):
    """The error fitting a fresh copy of ``est`` on the data raises."""
    with pytest.raises(Exception) as raised:
        clone(est).fit(X, y, sample_weight=sample_weight)
    return raised.value


def _raises_as_fit(est, X, y, sample_weight=None):
    """pytest.raises for exactly the error ``fit`` gives on the data."""
    error = _fit_error(est, X, y, sample_weight)
    return pytest.raises(type(error), match=f"^{re.escape(str(error))}$")


# ---------------------------------------------------------------- loss curve
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


def test_loss_curve_with_early_stopping_adds_validation_scores(moons):
    est = MLPClassifier((8,), early_stopping=True, max_iter=20, random_state=0).fit(*moons)
    ax = plot_loss_curve(est)
    twin = next(other for other in ax.figure.axes if other is not ax)
    assert len(ax.lines) == 1
    (scores,) = twin.lines
    assert_array_equal(scores.get_ydata(), est.validation_scores_)
    assert twin.get_ylabel() == "validation score"
    assert len(twin.get_legend().get_texts()) == 2


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


@pytest.mark.parametrize("draw", [
    lambda est, X, y: plot_loss_curve(est),
    lambda est, X, y: plot_decision_boundary(est, X, y),
    lambda est, X, y: loss_landscape(est, X, y),
    lambda est, X, y: plot_loss_landscape(est, X, y),
], ids=["loss_curve", "decision_boundary", "loss_landscape", "plot_loss_landscape"])
def test_unfitted_estimator_raises(draw, moons):
    with pytest.raises(NotFittedError):
        draw(MLPClassifier(), *moons)


# --------------------------------------------------------- decision boundary
def test_decision_boundary_shades_probabilities(lbfgs_mlp, moons):
    X, y = moons
    ax = plot_decision_boundary(lbfgs_mlp, X, y, resolution=30)
    filled = _filled(ax)
    assert len(filled) == 2  # one shaded region per class
    for regions in filled:
        assert_allclose(regions.levels[[0, -1]], [0.5, 1.0])  # probability of the winner
    (boundary,) = _lines(ax)
    assert_array_equal(boundary.levels, [0.5])
    points = _points(ax)
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
    (regions,) = _filled(ax)
    assert_array_equal(regions.levels, [-0.5, 0.5, 1.5, 2.5])  # one band per class
    (boundary,) = _lines(ax)
    assert_array_equal(boundary.levels, [0.5, 1.5])
    assert sum(len(dots.get_offsets()) for dots in _points(ax)) == len(X)
    assert_allclose(ax.get_ylim(), [X[:, 1].min(), X[:, 1].max()])


def test_decision_boundary_of_pipeline_on_given_axes(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), MLPClassifier((6,), solver="lbfgs",
                                                         max_iter=30, random_state=0))
    _, ax = plt.subplots()
    assert plot_decision_boundary(pipe.fit(X, y), X, y, ax=ax, resolution=20) is ax
    assert len(_filled(ax)) == 3
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
    with _raises_as_fit(lbfgs_mlp, X, y[: len(X)]):
        plot_decision_boundary(lbfgs_mlp, X, y[: len(X)], resolution=5)


@pytest.mark.parametrize("layout", [sparse.csr_matrix, sparse.csc_matrix, sparse.coo_matrix])
def test_decision_boundary_of_sparse_X_draws_as_dense(layout, lbfgs_mlp, moons):
    X, y = moons
    dense = plot_decision_boundary(lbfgs_mlp, X, y, resolution=10)
    _, ax = plt.subplots()
    assert plot_decision_boundary(lbfgs_mlp, layout(X), y, ax=ax, resolution=10) is ax
    for ours, theirs in zip(_points(ax), _points(dense)):
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
    assert len(_filled(ax)) == (1 if isinstance(est, PerceptronClassifier) else 2)


# --------------------------------------------------------------- activations
def test_activations_draws_every_builtin_with_its_derivative():
    assert list(BUILTIN_ACTIVATIONS) == ACTIVATION_NAMES
    fig = plot_activations()
    assert [ax.get_title() for ax in fig.axes] == ACTIVATION_NAMES
    for ax in fig.axes:
        value, derivative = ax.lines
        assert len(value.get_xdata()) == len(derivative.get_ydata()) == 401
        assert np.all(np.isfinite(value.get_ydata()))
        assert np.all(np.isfinite(derivative.get_ydata()))
    by_name = dict(zip(ACTIVATION_NAMES, fig.axes))
    z = by_name["sigmoid"].lines[0].get_xdata()
    assert_allclose(z[[0, -1]], [-4, 4])
    for name in ("sigmoid", "softmax"):  # softmax([z, 0])[0] is the sigmoid
        value, derivative = by_name[name].lines
        assert_allclose(value.get_ydata(), expit(z), atol=1e-12)
        assert_allclose(derivative.get_ydata(), expit(z) * (1 - expit(z)), atol=1e-12)
    assert_array_equal(by_name["relu"].lines[1].get_ydata(), z > 0)
    assert_array_equal(by_name["step"].lines[1].get_ydata(), 0)


def test_activations_on_given_axes_with_instances():
    fig, axes = plt.subplots(1, 2)
    assert plot_activations(["tanh", LeakyReLU(0.2)], axes=axes, z_range=(-1, 1)) is fig
    slope = axes[1].lines[1].get_ydata()
    assert set(np.unique(slope)) == {0.2, 1.0}
    assert axes[1].get_title() == "LeakyReLU(negative_slope=0.2)"
    with pytest.raises(ValueError, match="one axes per activation"):
        plot_activations(["tanh", "relu"], axes=axes[0])


def test_activations_refuse_an_empty_list():
    with pytest.raises(ValueError, match="names is empty: give at least one activation"):
        plot_activations([])


# ------------------------------------------------------------ loss landscape
def test_landscape_centre_is_the_fitted_loss(lbfgs_mlp, moons):
    alphas, betas, losses = loss_landscape(lbfgs_mlp, *moons, resolution=9, random_state=0)
    assert alphas.shape == betas.shape == (9,)
    assert losses.shape == (9, 9)
    assert_allclose(alphas[[0, 4, -1]], [-1, 0, 1])
    assert alphas[4] == 0
    assert_allclose(losses[4, 4], lbfgs_mlp.loss_, rtol=1e-12)
    assert losses[4, 4] == losses.min()  # L-BFGS stopped in a basin
    again = loss_landscape(lbfgs_mlp, *moons, resolution=3, random_state=0)[2]
    assert_array_equal(again, losses[::4, ::4])  # same seed, same directions


def test_landscape_of_regressor_and_perceptron(moons):
    X, y = moons
    reg = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=30,
                       random_state=0).fit(X, y)
    _, _, losses = loss_landscape(reg, X, y, resolution=5, span=0.5, random_state=1)
    assert_allclose(losses[2, 2], reg.loss_, rtol=1e-12)
    # the perceptron rule's criterion is taken on the pre-activation
    rule = PerceptronClassifier().fit(X, y)
    _, _, losses = loss_landscape(rule, X, y, resolution=5, random_state=0)
    assert np.all(np.isfinite(losses)) and np.all(losses >= 0)


def test_landscape_of_pipeline_and_of_other_estimators(moons):
    X, y = moons
    pipe = make_pipeline(StandardScaler(), MLPClassifier((4,), solver="lbfgs", max_iter=30,
                                                         random_state=0)).fit(X, y)
    losses = loss_landscape(pipe, X, y, resolution=3, random_state=0)[2]
    assert_allclose(losses[1, 1], pipe[-1].loss_, rtol=1e-12)  # on the scaled X
    with pytest.raises(TypeError, match="needs an skdl estimator"):
        loss_landscape(LogisticRegression().fit(X, y), X, y)


def test_landscape_directions_are_filter_normalised(lbfgs_mlp, moons):
    network = lbfgs_mlp._objective_parts(*moons)[0]
    direction = _filter_normalised_direction(network, np.random.RandomState(0))
    start = 0
    for coef in lbfgs_mlp.coefs_:
        block = direction[start : start + coef.size].reshape(coef.shape)
        assert_allclose(np.linalg.norm(block, axis=0), np.linalg.norm(coef, axis=0))
        start += coef.size
    assert_array_equal(direction[start:], 0)  # intercepts are left out
    assert start + sum(b.size for b in lbfgs_mlp.intercepts_) == direction.size


def test_landscape_of_a_cnn_normalises_each_conv_filter(digits):
    X, y = digits
    est = NeuralNetClassifier([Conv2D(3, 3, activation="tanh"), MaxPool2D(2), Flatten()],
                              input_shape=(8, 8, 1), solver="lbfgs", max_iter=20,
                              random_state=0).fit(X, y)
    _, _, losses = loss_landscape(est, X, y, resolution=3, random_state=0)
    assert_allclose(losses[1, 1], est.loss_, rtol=1e-12)
    network = est._objective_parts(X, y)[0]
    direction = _filter_normalised_direction(network, np.random.RandomState(0))
    kernel = est.layers_[0].get_weights()[0]  # (3, 3, 1, 3): norms over 3 axes
    block, bias = network.weight_views(direction)[0]
    assert block.shape == kernel.shape
    assert_allclose(np.sqrt((block ** 2).sum(axis=(0, 1, 2))),
                    np.sqrt((kernel ** 2).sum(axis=(0, 1, 2))))
    assert_array_equal(bias, 0)


def test_landscape_contours_leave_the_estimator_unchanged(lbfgs_mlp, moons):
    coefs, intercepts = copy.deepcopy(lbfgs_mlp.coefs_), copy.deepcopy(lbfgs_mlp.intercepts_)
    ax = plot_loss_landscape(lbfgs_mlp, *moons, resolution=7, random_state=0)
    for before, after in zip(coefs + intercepts, lbfgs_mlp.coefs_ + lbfgs_mlp.intercepts_):
        assert_array_equal(before, after)
    (filled,) = _filled(ax)
    losses = loss_landscape(lbfgs_mlp, *moons, resolution=7, random_state=0)[2]
    assert_allclose(filled.levels[[0, -1]], [losses.min(), losses.max()])
    assert len(_lines(ax)) == 1
    (star,) = ax.lines
    assert_array_equal(star.get_xydata(), [[0, 0]])
    assert len(ax.figure.axes) == 2  # and a colour bar


def test_landscape_surface(lbfgs_mlp, moons):
    ax = plot_loss_landscape(lbfgs_mlp, *moons, resolution=5, surface=True, random_state=0)
    assert ax.name == "3d"
    assert sum(isinstance(c, Poly3DCollection) for c in ax.collections) == 1
    assert ax.get_zlabel() == "training loss"
    _, flat = plt.subplots()
    with pytest.raises(ValueError, match="3-D axes"):
        plot_loss_landscape(lbfgs_mlp, *moons, ax=flat, surface=True)


@pytest.mark.parametrize("draw", [loss_landscape, plot_loss_landscape])
@pytest.mark.parametrize("resolution", [1, 0, 5.0, "5", None])
def test_landscape_rejects_resolution_that_is_not_an_integer_of_2_or_more(
    draw, resolution, lbfgs_mlp, moons
):
    with pytest.raises(ValueError, match=f"must be an integer of at least 2, got {resolution!r}"):
        draw(lbfgs_mlp, *moons, resolution=resolution)


def test_landscape_rejects_bad_grid(lbfgs_mlp, moons):
    with pytest.raises(ValueError, match="resolution"):
        loss_landscape(lbfgs_mlp, *moons, resolution=1)
    with pytest.raises(ValueError, match="span"):
        loss_landscape(lbfgs_mlp, *moons, span=0)


@pytest.mark.parametrize("sample_weight", [
    -np.ones(80),
    np.r_[np.ones(40), -np.ones(40)],  # sums to zero
    np.r_[np.ones(79), -1e-9],
    np.zeros(80),
    np.ones(79),
], ids=["negative", "mixed-signs-summing-to-zero", "one-negative", "zero", "too-short"])
@pytest.mark.parametrize("draw", [loss_landscape, plot_loss_landscape])
def test_landscape_refuses_sample_weight_with_the_error_of_fit(
    draw, sample_weight, lbfgs_mlp, moons
):
    X, y = moons
    with _raises_as_fit(lbfgs_mlp, X, y, sample_weight):
        draw(lbfgs_mlp, X, y, sample_weight=sample_weight, resolution=3)


def test_landscape_refuses_data_whose_class_weights_leave_no_weight(moons):
    X, y = moons
    est = MLPClassifier((4,), solver="lbfgs", max_iter=20, random_state=0,
                        class_weight={0: 0.0, 1: 1.0}).fit(X, y)
    only_0 = y == 0
    weight_on_class_0 = only_0.astype(float)  # non-negative, not all zero
    with _raises_as_fit(est, X, y, weight_on_class_0):
        loss_landscape(est, X, y, sample_weight=weight_on_class_0, resolution=3)
    # fit refuses one class before it weighs it; the landscape has a fitted est
    with pytest.raises(ValueError, match="sample_weight times class_weight sum to 0"):
        loss_landscape(est, X[only_0], y[only_0], resolution=3)
    only_1 = loss_landscape(est, X[~only_0], y[~only_0], resolution=3)[2]
    assert np.all(np.isfinite(only_1))


# ------------------------------------------------- convolutional networks
def _cnn_layers():
    # (8, 8, 1) -> (8, 8, 5) -> (4, 4, 5) -> (3, 3, 3), no activation, so
    # negative -> (3, 3, 3) -> (27,) -> Dense(10)
    return [Conv2D(5, 3, padding="same", activation="relu"), MaxPool2D(2),
            Conv2D(3, 2), Dropout(0.1), Flatten()]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:150] / 16, y[:150]


@pytest.fixture(scope="module")
def cnn(digits):
    return NeuralNetClassifier(_cnn_layers(), input_shape=(8, 8, 1), max_iter=3,
                               batch_size=50, random_state=0).fit(*digits)


def _images(fig):
    """Every image on the figure (and its subfigures), row by row."""
    return [image for ax in _all_axes(fig) for image in ax.images]


def _all_axes(fig):
    """The axes of ``fig`` and of its subfigures, each once, in order of
    creation (a root figure lists its subfigures' axes in recent matplotlib)."""
    axes = list(fig.axes)
    for sub in getattr(fig, "subfigs", []):
        axes += [ax for ax in _all_axes(sub) if ax not in axes]
    return axes


def _colour_bars(fig):
    return [ax for ax in _all_axes(fig) if ax.get_label() == "<colorbar>"]


def test_conv_filters_draws_each_filter_of_the_first_layer(cnn):
    fig = plot_conv_filters(cnn)
    images = _images(fig)
    kernel = cnn.layers_[0].get_weights()[0]  # (3, 3, 1, 5)
    assert len(images) == 5
    for f, image in enumerate(images):
        assert_array_equal(image.get_array(), kernel[:, :, 0, f])
    bound = np.abs(kernel).max()
    for image in images:  # one symmetric scale, on a diverging colormap
        assert image.get_clim() == (-bound, bound)
        assert image.get_cmap().name == "RdBu_r"
    (bar,) = _colour_bars(fig)
    assert_allclose(bar.get_ylim(), [-bound, bound])
    assert "5 filters 3x3" in fig.get_suptitle()


def test_conv_filters_of_a_deeper_layer_and_channel_on_given_axes(cnn):
    fig, axes = plt.subplots(1, 3)
    assert plot_conv_filters(cnn, 2, channel=4, axes=axes) is fig
    kernel = cnn.layers_[2].get_weights()[0]  # (2, 2, 5, 3)
    images = _images(fig)
    assert len(images) == 3
    for f, image in enumerate(images):
        assert_array_equal(image.get_array(), kernel[:, :, 4, f])
        bound = np.abs(kernel[:, :, 4, :]).max()
        assert image.get_clim() == (-bound, bound)
    assert plot_conv_filters(cnn, -4, channel=1).get_suptitle().startswith("est.layers_[2]")
    with pytest.raises(ValueError, match="Got 2 axes for 3 filters"):
        plot_conv_filters(cnn, 2, axes=axes[:2])


def test_conv_filters_of_pipeline_and_regressor(digits, cnn):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), clone(cnn)).fit(X, y)
    assert_array_equal(_images(plot_conv_filters(pipe))[0].get_array(),
                       pipe[-1].layers_[0].get_weights()[0][:, :, 0, 0])
    reg = NeuralNetRegressor([Conv2D(2, 3), Flatten()], input_shape=(8, 8, 1),
                             max_iter=2, random_state=0).fit(X, y)
    assert len(_images(plot_conv_filters(reg))) == 2


def test_conv_filters_refuse_bad_layer_and_channel(cnn):
    with pytest.raises(ValueError, match=r"layer=6 is out of range: est.layers_ has 6 "
                                         r"layers .*convolution \(Conv2D or Conv1D\) layers "
                                         r"are at indices \[0, 2\]"):
        plot_conv_filters(cnn, 6)
    with pytest.raises(ValueError, match="layer=-7 is out of range"):
        plot_conv_filters(cnn, -7)
    with pytest.raises(ValueError, match=r"est.layers_\[1\] is MaxPool2D.*not a convolution "
                                         r"\(Conv2D or Conv1D\) layer; the convolution "
                                         r"\(Conv2D or Conv1D\) layers are at indices \[0, 2\]"):
        plot_conv_filters(cnn, 1)
    with pytest.raises(ValueError, match=r"est.layers_\[5\] is Dense"):
        plot_conv_filters(cnn, -1)
    for layer in (1.0, "0", True, None):
        with pytest.raises(TypeError, match="layer must be an integer index"):
            plot_conv_filters(cnn, layer)
    with pytest.raises(ValueError, match=r"channel=1 is not an input channel of "
                                         r"est.layers_\[0\], which has 1"):
        plot_conv_filters(cnn, channel=1)
    with pytest.raises(ValueError, match="channel=-1"):
        plot_conv_filters(cnn, 2, channel=-1)
    for channel in (0.0, "0", True):
        with pytest.raises(TypeError, match="channel must be None or an integer"):
            plot_conv_filters(cnn, channel=channel)


def test_conv_plots_refuse_a_network_without_a_conv_layer(digits):
    X, y = digits
    dense = NeuralNetClassifier([Dense(4)], max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"this network has no convolution \(Conv2D or "
                                         r"Conv1D\) layer"):
        plot_conv_filters(dense)
    with pytest.raises(ValueError, match=r"this network has no image \(Conv2D or 2-D "
                                         r"pooling\)"):
        plot_feature_maps(dense, X[0])


@pytest.mark.parametrize("draw", [
    lambda est, x: plot_conv_filters(est),
    lambda est, x: plot_feature_maps(est, x),
], ids=["conv_filters", "feature_maps"])
def test_conv_plots_refuse_unfitted_and_other_estimators(draw, digits):
    X, y = digits
    with pytest.raises(NotFittedError):
        draw(NeuralNetClassifier(_cnn_layers(), input_shape=(8, 8, 1)), X[0])
    with pytest.raises(NotFittedError):
        draw(make_pipeline(StandardScaler(), NeuralNetClassifier(_cnn_layers())), X[0])
    mlp = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="needs a NeuralNetClassifier or NeuralNetRegressor"):
        draw(mlp, X[0])


@pytest.fixture(scope="module")
def sequence_net():
    """Conv1D (kernel (4, 2, 3)) -> MaxPool1D -> Dropout -> Conv1D (kernel
    (2, 3, 2)) -> AvgPool1D -> LSTM with sequences -> GRU -> Dense."""
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 24)), np.arange(40) % 2
    layers = [Conv1D(3, 4, activation="relu"), MaxPool1D(2), Dropout(0.1), Conv1D(2, 2),
              AvgPool1D(1), LSTM(4, return_sequences=True), GRU(3), Dense(4)]
    return NeuralNetClassifier(layers, input_shape=(12, 2), max_iter=2,
                               random_state=0).fit(X, y), X


def test_conv_filters_of_a_conv1d_draw_each_filter_over_its_window(sequence_net):
    est, _ = sequence_net
    kernel = est.layers_[0].get_weights()[0]  # (4 steps, 2 channels, 3 filters)
    fig = plot_conv_filters(est)
    images = _images(fig)
    assert len(images) == 3
    bound = np.abs(kernel).max()
    for f, image in enumerate(images):  # input channels in rows, steps in columns
        assert_array_equal(image.get_array(), kernel[:, :, f].T)
        assert image.get_clim() == (-bound, bound)
        assert image.get_cmap().name == "RdBu_r"
    assert len(_colour_bars(fig)) == 1
    assert fig.get_suptitle() == ("est.layers_[0] Conv1D: 3 filters of 4 steps, input "
                                  "channels 0-1 (rows)")
    # one input channel of the deeper Conv1D, on given axes
    fig, axes = plt.subplots(1, 2)
    assert plot_conv_filters(est, 3, channel=2, axes=axes) is fig
    kernel = est.layers_[3].get_weights()[0]  # (2, 3, 2)
    images = _images(fig)
    bound = np.abs(kernel[:, 2, :]).max()
    for f, image in enumerate(images):
        assert_array_equal(image.get_array(), kernel[:, 2, f][np.newaxis])
        assert image.get_clim() == (-bound, bound)
    assert "2 filters of 2 steps, input channel 2 of 3" in fig.get_suptitle()
    with pytest.raises(ValueError, match=r"channel=3 is not an input channel of "
                                         r"est.layers_\[3\], which has 3 \(0 to 2\)"):
        plot_conv_filters(est, 3, channel=3)


@pytest.mark.parametrize("layer, name", [
    (0, "Conv1D"), (1, "MaxPool1D"), (2, "Dropout"), (3, "Conv1D"), (4, "AvgPool1D"),
    (5, "LSTM"), (6, "GRU"), (7, "Dense"),
])
def test_plots_of_layers_that_are_no_image_or_kernel_say_so(sequence_net, layer, name):
    """Sequence and vector outputs have no feature-map image, and only the
    convolutions have filters: each is refused by name, never unpacked."""
    est, X = sequence_net
    shape = re.escape(str(est.layers_[layer].output_shape))
    with pytest.raises(ValueError, match=rf"est.layers_\[{layer}\] is {name}\(.*\), with "
                                         rf"output shape {shape}, not an image \(Conv2D or "
                                         r"2-D pooling\) layer; this network has no image"):
        plot_feature_maps(est, X[0], layer)
    if name != "Conv1D":
        with pytest.raises(ValueError, match=rf"est.layers_\[{layer}\] is {name}.*not a "
                                             r"convolution \(Conv2D or Conv1D\) layer; the "
                                             r"convolution .* are at indices \[0, 3\]"):
            plot_conv_filters(est, layer)


def _maps(cnn, x, layer):
    out = x.reshape(1, 8, 8, 1)
    for step in cnn.layers_[: layer + 1]:
        out = step.predict(out)
    return out[0]


def test_feature_maps_of_the_first_conv_draw_the_input_then_each_channel(cnn, digits):
    x = digits[0][7]
    fig = plot_feature_maps(cnn, x)
    images = _images(fig)
    assert len(images) == 1 + 5
    assert_array_equal(images[0].get_array(), x.reshape(8, 8))
    expected = _maps(cnn, x, 0)
    assert expected.shape == (8, 8, 5)
    for k, image in enumerate(images[1:]):
        assert_allclose(image.get_array(), expected[:, :, k])
        # relu maps: one shared scale from 0
        assert image.get_clim() == (0, expected.max())
    assert len(_colour_bars(fig)) == 1
    # the sample as an image gives the same maps
    again = _images(plot_feature_maps(cnn, x.reshape(8, 8, 1)))
    for ours, theirs in zip(again, images):
        assert_array_equal(ours.get_array(), theirs.get_array())


def test_feature_maps_of_pool_and_of_a_layer_with_negative_outputs(cnn, digits):
    x = digits[0][3]
    images = _images(plot_feature_maps(cnn, x, 1))
    assert [image.get_array().shape for image in images] == [(8, 8)] + [(4, 4)] * 5
    pooled = _maps(cnn, x, 1)
    assert_allclose(images[3].get_array(), pooled[:, :, 2])
    # the Conv2D without activation, and the Dropout after it (a no-op here)
    for layer in (2, 3, -3):
        images = _images(plot_feature_maps(cnn, x, layer))
        maps = _maps(cnn, x, 2)
        assert maps.min() < 0 < maps.max()
        assert len(images) == 1 + 3
        bound = np.abs(maps).max()
        for k, image in enumerate(images[1:]):
            assert_allclose(image.get_array(), maps[:, :, k])
            assert image.get_clim() == (-bound, bound)
            assert image.get_cmap().name == "RdBu_r"


def test_feature_maps_on_given_axes_and_of_a_pipeline(cnn, digits):
    X, y = digits
    fig, axes = plt.subplots(2, 2)
    assert plot_feature_maps(cnn, X[0], 2, axes=axes) is fig
    assert len(_images(fig)) == 4
    with pytest.raises(ValueError, match="Got 4 axes for 6 images"):
        plot_feature_maps(cnn, X[0], axes=axes)
    scaler = StandardScaler().fit(X)
    pipe = make_pipeline(scaler, clone(cnn)).fit(X, y)
    images = _images(plot_feature_maps(pipe, X[0]))
    seen = scaler.transform(X[:1])  # the input as the network sees it
    assert_allclose(images[0].get_array(), seen.reshape(8, 8))
    assert_allclose(images[1].get_array(), _maps(pipe[-1], seen, 0)[:, :, 0])


def test_feature_maps_with_average_pool_of_rgb_images():
    rng = np.random.RandomState(0)
    X, y = rng.uniform(size=(40, 6, 6, 3)), np.arange(40) % 2
    est = NeuralNetClassifier([AvgPool2D(2), Flatten()], input_shape=(6, 6, 3),
                              max_iter=2, random_state=0).fit(X, y)
    images = _images(plot_feature_maps(est, X[0]))
    assert images[0].get_array().shape == (6, 6, 3)  # drawn in colour
    assert_allclose(images[1].get_array()[0, 0], X[0, :2, :2, 0].mean())


@pytest.mark.parametrize("x, shape", [
    (np.zeros(63), "(63,)"),
    (np.zeros(65), "(65,)"),
    (np.zeros((8, 8)), "(8, 8)"),
    (np.zeros((8, 8, 2)), "(8, 8, 2)"),
    (np.zeros((2, 64)), "(2, 64)"),
    (np.zeros((2, 8, 8, 1)), "(2, 8, 8, 1)"),
], ids=["short", "long", "no-channel-axis", "two-channels", "two-rows", "two-images"])
def test_feature_maps_refuse_x_that_is_not_one_sample(x, shape, cnn):
    with pytest.raises(ValueError, match=re.escape(
        "x must be one sample: a flat row of 64 features or an array of shape "
        f"input_shape_=(8, 8, 1), got an array of shape {shape}."
    )):
        plot_feature_maps(cnn, x)


def test_feature_maps_refuse_bad_values_and_layers(cnn, digits):
    x = digits[0][0].copy()
    x[5] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        plot_feature_maps(cnn, x)
    with pytest.raises(ValueError, match=r"est.layers_\[4\] is Flatten\(\), with output "
                                         r"shape \(27,\), not an image"):
        plot_feature_maps(cnn, digits[0][0], 4)
    with pytest.raises(ValueError, match=r"layer=9 is out of range.* image \(Conv2D or "
                                         r"2-D pooling\) layers are at indices \[0, 1, 2, 3\]"):
        plot_feature_maps(cnn, digits[0][0], 9)
    # a flat row in a list and a (1, n_features) row are one sample too
    assert len(_images(plot_feature_maps(cnn, [digits[0][0].tolist()]))) == 6


# --------------------------------------------------------- optional extra
def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    monkeypatch.delitem(sys.modules, "skdl.plot")
    monkeypatch.setattr(skdl, "plot", skdl.plot)  # put back after the fresh import
    fresh = importlib.import_module("skdl.plot")  # importing needs no matplotlib
    with pytest.raises(ImportError, match=r"needs matplotlib: pip install 'skdl\[plot\]'"):
        fresh.plot_activations()


def test_landscape_moves_only_weights_that_train(moons):
    """A layer's weight that does not train (RunningCentre's moving_mean)
    takes no part in the directions; its gamma is a filter, its beta a
    bias."""
    from stateful_layer import RunningCentre

    X, y = moons
    est = NeuralNetClassifier([Dense(4, "tanh"), RunningCentre()], solver="lbfgs",
                              max_iter=20, random_state=0).fit(X, y)
    _, _, losses = loss_landscape(est, X, y, resolution=3, random_state=0)
    assert_allclose(losses[1, 1], est.loss_, rtol=1e-12)
    network = est._objective_parts(X, y)[0]
    direction = _filter_normalised_direction(network, np.random.RandomState(0))
    assert direction.size == network.params.size
    gamma, beta = network.weight_views(direction)[1]
    assert_allclose(np.abs(gamma), np.abs(est.layers_[1].gamma))  # one-entry filters
    assert_array_equal(beta, 0)
