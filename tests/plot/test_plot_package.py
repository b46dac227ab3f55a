"""skdl.plot as a whole: importing it needs no matplotlib, and every plot of a
fitted estimator refuses an unfitted one."""

import importlib
import sys

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from sklearn.exceptions import NotFittedError  # noqa: E402

import skdl  # noqa: E402
from skdl import MLPClassifier  # noqa: E402
from skdl.plot import (  # noqa: E402
    loss_landscape,
    plot_decision_boundary,
    plot_loss_curve,
    plot_loss_landscape,
)


@pytest.mark.parametrize("draw", [
    lambda est, X, y: plot_loss_curve(est),
    lambda est, X, y: plot_decision_boundary(est, X, y),
    lambda est, X, y: loss_landscape(est, X, y),
    lambda est, X, y: plot_loss_landscape(est, X, y),
], ids=["loss_curve", "decision_boundary", "loss_landscape", "plot_loss_landscape"])
def test_unfitted_estimator_raises(draw, moons):
    with pytest.raises(NotFittedError):
        draw(MLPClassifier(), *moons)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    for name in [name for name in sys.modules if name.split(".")[:2] == ["skdl", "plot"]]:
        monkeypatch.delitem(sys.modules, name)  # the package and its modules
    monkeypatch.setattr(skdl, "plot", skdl.plot)  # put back after the fresh import
    fresh = importlib.import_module("skdl.plot")  # importing needs no matplotlib
    with pytest.raises(ImportError, match=r"needs matplotlib: pip install 'skdl\[plot\]'"):
        fresh.plot_activations()
