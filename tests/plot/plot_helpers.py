"""What the plot tests read off a figure, and the error ``fit`` gives on
data a plot must refuse as ``fit`` does."""

import re

import pytest
from matplotlib.collections import PathCollection
from matplotlib.contour import QuadContourSet
from sklearn.base import clone


def filled_contours(ax):
    return [c for c in ax.collections if isinstance(c, QuadContourSet) and c.filled]


def contour_lines(ax):
    return [c for c in ax.collections if isinstance(c, QuadContourSet) and not c.filled]


def scatter_points(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def _fit_error(est, X, y, sample_weight=None):
    """The error fitting a fresh copy of ``est`` on the data raises."""
    with pytest.raises(Exception) as raised:
        clone(est).fit(X, y, sample_weight=sample_weight)
    return raised.value


def raises_as_fit(est, X, y, sample_weight=None):
    """pytest.raises for exactly the error ``fit`` gives on the data."""
    error = _fit_error(est, X, y, sample_weight)
    return pytest.raises(type(error), match=f"^{re.escape(str(error))}$")
