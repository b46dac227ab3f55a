"""skdl.plot.loss_landscape against the estimators' own objective, and
plot_loss_landscape under the Agg backend."""

import copy

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from mpl_toolkits.mplot3d.art3d import Poly3DCollection  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdl import (  # noqa: E402
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    PerceptronClassifier,
)
from skdl.layers import Conv2D, Dense, Flatten, MaxPool2D  # noqa: E402
from skdl.plot import loss_landscape, plot_loss_landscape  # noqa: E402
from skdl.plot._loss_landscape import _filter_normalised_direction  # noqa: E402

from plot_helpers import contour_lines, filled_contours, raises_as_fit  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


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
    (filled,) = filled_contours(ax)
    losses = loss_landscape(lbfgs_mlp, *moons, resolution=7, random_state=0)[2]
    assert_allclose(filled.levels[[0, -1]], [losses.min(), losses.max()])
    assert len(contour_lines(ax)) == 1
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
    with raises_as_fit(lbfgs_mlp, X, y, sample_weight):
        draw(lbfgs_mlp, X, y, sample_weight=sample_weight, resolution=3)


def test_landscape_refuses_data_whose_class_weights_leave_no_weight(moons):
    X, y = moons
    est = MLPClassifier((4,), solver="lbfgs", max_iter=20, random_state=0,
                        class_weight={0: 0.0, 1: 1.0}).fit(X, y)
    only_0 = y == 0
    weight_on_class_0 = only_0.astype(float)  # non-negative, not all zero
    with raises_as_fit(est, X, y, weight_on_class_0):
        loss_landscape(est, X, y, sample_weight=weight_on_class_0, resolution=3)
    # fit refuses one class before it weighs it; the landscape has a fitted est
    with pytest.raises(ValueError, match="sample_weight times class_weight sum to 0"):
        loss_landscape(est, X[only_0], y[only_0], resolution=3)
    only_1 = loss_landscape(est, X[~only_0], y[~only_0], resolution=3)[2]
    assert np.all(np.isfinite(only_1))


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
