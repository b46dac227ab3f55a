"""skdl.plot.plot_activations under the Agg backend, checked against the
activations' values and derivatives."""

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from scipy.special import expit  # noqa: E402

from skdl.activations import LeakyReLU  # noqa: E402
from skdl.plot import BUILTIN_ACTIVATIONS, plot_activations  # noqa: E402

from cases import ACTIVATION_NAMES  # noqa: E402  (tests/ is on sys.path)


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
