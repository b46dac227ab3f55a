"""A classifier's regions over two features, the data drawn on top."""

import numpy as np
from scipy import sparse
from sklearn.base import is_classifier
from sklearn.utils.validation import check_array, check_is_fitted

from ._figure import check_resolution, import_pyplot


def plot_decision_boundary(est, X, y, *, ax=None, resolution=200, margin=0.1):
    """Plot a classifier's regions over 2-D data, with the data on top.

    Each class fills the region where it is predicted, in its own colour.
    When the estimator has ``predict_proba`` the shade deepens with the
    predicted probability of the winning class. The boundaries between
    regions are drawn as black lines and the samples as dots coloured by
    their true class.

    Parameters
    ----------
    est : fitted classifier
        Any fitted classifier with ``predict`` on two features: an skdl
        estimator, a Pipeline ending in one, or any scikit-learn classifier.
    X : {array-like, sparse matrix} of shape (n_samples, 2)
        The data to draw; it also sets the plotted range. It is validated
        as ``fit`` validates it (finite, at least one sample).
    y : array-like of shape (n_samples,)
        True class of each sample, among ``est.classes_``.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure when None.
    resolution : int, default=200
        Grid points along each axis.
    margin : float, default=0.1
        Space around the data, as a fraction of its range on each axis.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``est`` is not fitted.
    ValueError
        If ``est`` is not a classifier, ``X`` is refused as ``fit`` refuses
        it (empty, or holding NaN or infinity) or has not exactly two
        columns, ``y`` does not fit ``X``, or ``resolution`` is not an
        integer of at least 2.
    """
    plt = import_pyplot()
    from matplotlib.colors import LinearSegmentedColormap

    if not is_classifier(est):
        raise ValueError(
            f"plot_decision_boundary needs a classifier, got {type(est).__name__}."
        )
    check_is_fitted(est)
    check_resolution(resolution)
    X = check_array(X, accept_sparse=True, dtype=(np.float64, np.float32),
                    estimator=est, input_name="X")
    if sparse.issparse(X):
        X = X.toarray()  # two columns, so small; the scatter needs it dense
    y = np.asarray(y)
    if X.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary needs X with exactly 2 columns, got shape "
            f"{X.shape}; select or project two features first."
        )
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y must have shape ({X.shape[0]},) to match X, got {y.shape}."
        )
    classes = np.asarray(est.classes_)
    unknown = np.setdiff1d(y, classes)
    if unknown.size:
        raise ValueError(f"y has labels {unknown} that are not in est.classes_ {classes}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4), layout="constrained")

    low, high = X.min(axis=0), X.max(axis=0)
    pad = margin * np.where(high > low, high - low, 1.0)
    xx, yy = np.meshgrid(
        np.linspace(low[0] - pad[0], high[0] + pad[0], resolution),
        np.linspace(low[1] - pad[1], high[1] + pad[1], resolution),
    )
    grid = _with_feature_names(est, np.column_stack([xx.ravel(), yy.ravel()]))
    colours = _class_colours(len(classes))
    if hasattr(est, "predict_proba"):
        proba = np.asarray(est.predict_proba(grid))
        winner = proba.argmax(axis=1).reshape(xx.shape)
        confidence = proba.max(axis=1).reshape(xx.shape)
        levels = np.linspace(1 / len(classes), 1, 9)
        for k, colour in enumerate(colours):
            shades = LinearSegmentedColormap.from_list(
                f"class_{k}", [_tint(colour, 0.08), _tint(colour, 0.6)]
            )
            ax.contourf(xx, yy, np.ma.masked_where(winner != k, confidence),
                        levels=levels, cmap=shades)
    else:
        winner = np.searchsorted(classes, est.predict(grid)).reshape(xx.shape)
        ax.contourf(xx, yy, winner, levels=np.arange(len(classes) + 1) - 0.5,
                    colors=[_tint(c, 0.35) for c in colours])
    ax.contour(xx, yy, winner, levels=np.arange(len(classes) - 1) + 0.5,
               colors="k", linewidths=1)
    for label, colour in zip(classes, colours):
        mine = y == label
        ax.scatter(X[mine, 0], X[mine, 1], color=colour, edgecolors="k",
                   linewidths=0.5, s=20, label=str(label))
    ax.set_xlim(xx[0, 0], xx[0, -1])
    ax.set_ylim(yy[0, 0], yy[-1, 0])
    ax.legend(title="class", loc="best", fontsize="small")
    return ax


def _with_feature_names(est, grid):
    """``grid`` as a pandas DataFrame with ``est``'s column names when it was
    fitted on named columns (a Pipeline has those of its first step), so that
    predicting on it raises no feature-name warning; as it is otherwise."""
    names = getattr(est, "feature_names_in_", None)
    if names is None:
        return grid
    try:
        import pandas as pd
    except ImportError:  # named columns from another library: predict only warns
        return grid
    return pd.DataFrame(grid, columns=names)


def _class_colours(n_classes):
    """One RGB colour per class, from the ``tab10`` palette."""
    from matplotlib import colormaps

    palette = colormaps["tab10"].colors
    return [np.asarray(palette[k % len(palette)]) for k in range(n_classes)]


def _tint(colour, strength):
    """``colour`` mixed with white; ``strength`` 1 is the colour itself."""
    return tuple(1 - strength * (1 - np.asarray(colour)))
