"""The training loss per epoch, with the validation loss and score when
there was validation data."""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._figure import import_pyplot


def plot_loss_curve(est, *, ax=None, label=None):
    """Plot the training loss per epoch, and the validation loss and score
    if recorded.

    Parameters
    ----------
    est : fitted skdl estimator (MLP, NeuralNet or PerceptronClassifier), or a Pipeline ending in one
        The estimator whose ``loss_curve_`` to draw (one value per epoch, or
        per iteration for ``solver="lbfgs"``). When it had validation data,
        its ``validation_loss_curve_`` is drawn beside it, dashed, and its
        ``validation_scores_`` on a second y-axis; both end at the last
        epoch, as they cover the last epochs only when an earlier
        warm-started call had no validation data.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure when None. Call it again with the same
        ``ax`` to compare several estimators.
    label : str, default=None
        Legend label of the loss curve; by default the class and solver.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes holding the loss curve (the validation scores, if any, are
        on its twin ``ax.twinx()``).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``est`` is not fitted.
    ValueError
        If ``est`` recorded no loss curve (the perceptron rule keeps none).
    """
    plt = import_pyplot()
    if isinstance(est, Pipeline):
        est = est[-1]
    check_is_fitted(est)
    curve = getattr(est, "loss_curve_", None)
    # the solver the curve was recorded with (a scikit-learn MLP: its parameter)
    solver = getattr(est, "_solver", getattr(est, "solver", None))
    if not curve:
        if solver == "perceptron":
            raise ValueError(
                "There is no loss curve for the perceptron rule: it updates on "
                "mistakes and records no loss. Fit PerceptronClassifier with a "
                "gradient solver (e.g. activation='sigmoid') to get one."
            )
        raise ValueError(f"{type(est).__name__} has no loss_curve_ to plot.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    if label is None:
        label = f"{type(est).__name__} ({solver})"
    steps = np.arange(1, len(curve) + 1)
    (line,) = ax.plot(steps, curve, label=label)
    ax.set_xlabel("iteration" if solver == "lbfgs" else "epoch")
    ax.set_ylabel("training loss")
    validation_loss = getattr(est, "validation_loss_curve_", None)
    if validation_loss:
        ax.plot(steps[len(steps) - len(validation_loss):], validation_loss,
                color=line.get_color(), linestyle="--", label=f"{label}, validation")
        ax.set_ylabel("training and validation loss")
    scores = getattr(est, "validation_scores_", None)
    if scores is None:
        ax.legend(loc="best")
        return ax
    twin = ax.twinx()
    twin.plot(steps[len(steps) - len(scores):], scores, color="tab:orange",
              linestyle=":", label="validation score")
    twin.set_ylabel("validation score")
    # the twin is drawn on top, so it holds the legend of both
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = twin.get_legend_handles_labels()
    twin.legend(handles + more_handles, labels + more_labels, loc="center right")
    return ax
