"""The loss landscape (Li et al., 2018, cited in :mod:`skdl.plot`): the
training objective on a plane through the fitted weights, computed and drawn."""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight

from .._base import carries_weight
from ._figure import check_resolution, import_pyplot


def loss_landscape(est, X, y, *, sample_weight=None, resolution=25, span=1.0,
                   random_state=None):
    """The training objective on a random plane through the fitted weights.

    Draws two Gaussian directions ``d1``, ``d2`` in weight space and
    filter-normalises them as Li et al. (2018) do: in every layer each
    filter (the weights into one unit, a column of the coefficient matrix)
    is rescaled to the norm of the same filter of the fitted weights, and
    the intercepts are left out (zero in both directions). The objective is
    then evaluated at ``w + a * d1 + b * d2`` by the network engine, exactly
    as training sees it (loss plus L2 penalty, sample and class weights).
    The estimator is not changed.

    Parameters
    ----------
    est : fitted skdl estimator (MLP, NeuralNet or PerceptronClassifier), or a Pipeline ending in one
        The estimator; for the perceptron rule the criterion is taken on the
        pre-activation. A Pipeline's earlier steps transform ``X`` first.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample in the objective.
    resolution : int, default=25
        Grid points along each direction; an odd number puts the fitted
        weights exactly on the grid.
    span : float, default=1.0
        The grid covers ``[-span, span]`` along each direction; 1 is a step
        as long as the fitted weights, filter by filter.
    random_state : int, RandomState instance or None, default=None
        Seed of the directions.

    Returns
    -------
    alphas : ndarray of shape (resolution,)
        Steps along the first direction.
    betas : ndarray of shape (resolution,)
        Steps along the second direction.
    losses : ndarray of shape (resolution, resolution)
        ``losses[i, j]`` is the objective at ``w + alphas[j] * d1 + betas[i]
        * d2`` (rows follow ``betas``, as ``contour`` expects).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``est`` is not fitted.
    TypeError
        If ``est`` is not an skdl estimator.
    ValueError
        If ``resolution`` is not an integer of at least 2 or ``span`` is not
        positive; if ``sample_weight`` is refused as ``fit`` refuses it
        (negative, all zero, or not one per sample); or if the weights of
        the data, ``sample_weight`` times the class weights, sum to zero.
    """
    check_resolution(resolution)
    if not span > 0:
        raise ValueError(f"span must be positive, got {span}.")
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
    if isinstance(est, Pipeline):
        X = est[:-1].transform(X)
        est = est[-1]
    if not hasattr(est, "_objective_parts"):
        raise TypeError(
            "The loss landscape needs an skdl estimator (MLPClassifier, MLPRegressor, "
            "NeuralNetClassifier, NeuralNetRegressor or PerceptronClassifier), got "
            f"{type(est).__name__}."
        )
    network, X, Y, loss, alpha, sample_weight = est._objective_parts(X, y, sample_weight)
    carries_weight(sample_weight, incremental=False)  # raises as fit does
    rng = check_random_state(random_state)
    centre = network.params.copy()
    d1 = _filter_normalised_direction(network, rng)
    d2 = _filter_normalised_direction(network, rng)
    # symmetric about 0, so that an odd resolution has 0 exactly on the grid
    steps = (np.arange(resolution) - (resolution - 1) / 2) * (2 * span / (resolution - 1))
    losses = np.empty((resolution, resolution))
    with np.errstate(over="ignore", invalid="ignore"):
        for i, b in enumerate(steps):
            for j, a in enumerate(steps):
                network.params[:] = centre + a * d1 + b * d2
                losses[i, j] = network.loss_and_gradient(X, Y, loss, alpha, sample_weight)
    return steps, steps.copy(), losses


def _filter_normalised_direction(network, rng):
    """A Gaussian direction over ``network``'s flat weights, each filter of
    each kernel (its last axis: a unit or an output channel) scaled to the
    norm of the network's own filter, biases zero."""
    direction = rng.standard_normal(network.params.size).astype(network.dtype)
    fitted = network.weight_views(network.params)
    for layer, views, weights in zip(network.layers, network.weight_views(direction), fitted):
        trainable = [spec for spec in layer.weight_specs() if spec.trainable]
        for spec, view, weight in zip(trainable, views, weights):
            if not spec.penalised:
                view[...] = 0
                continue
            # np.linalg.norm takes at most two axes; a Conv2D kernel has three
            # before its filters
            axes = tuple(range(view.ndim - 1))
            norms = np.sqrt(np.square(view).sum(axis=axes))
            fitted_norms = np.sqrt(np.square(weight).sum(axis=axes))
            view *= fitted_norms / np.where(norms > 0, norms, 1.0)
    return direction


def plot_loss_landscape(est, X, y, *, sample_weight=None, ax=None, resolution=25,
                        span=1.0, random_state=None, surface=False, levels=20):
    """Plot the loss landscape around the fitted weights (Li et al., 2018).

    The training objective on the plane through the fitted weights spanned
    by two random filter-normalised directions (see :func:`loss_landscape`),
    as filled contours with the fitted weights marked by a star, or as a
    3-D surface. The estimator is not changed.

    Parameters
    ----------
    est : fitted skdl estimator (MLP, NeuralNet or PerceptronClassifier), or a Pipeline ending in one
        The estimator (see :func:`loss_landscape`).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample in the objective.
    ax : matplotlib.axes.Axes, default=None
        Where to draw (a 3-D axes when ``surface=True``); a new figure when
        None.
    resolution : int, default=25
        Grid points along each direction.
    span : float, default=1.0
        The grid covers ``[-span, span]`` along each direction.
    random_state : int, RandomState instance or None, default=None
        Seed of the directions.
    surface : bool, default=False
        Draw a 3-D surface instead of contours.
    levels : int, default=20
        Number of contour levels, spaced logarithmically when every loss is
        positive (to resolve the basin), linearly otherwise.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on (an ``Axes3D`` when ``surface=True``).

    Raises
    ------
    ValueError
        If ``surface=True`` and ``ax`` is not a 3-D axes, or the grid or
        the weights are invalid (see :func:`loss_landscape`).
    """
    plt = import_pyplot()
    if surface and ax is not None and ax.name != "3d":
        raise ValueError(
            "surface=True needs a 3-D axes: create it with "
            "fig.add_subplot(projection='3d')."
        )
    alphas, betas, losses = loss_landscape(
        est, X, y, sample_weight=sample_weight, resolution=resolution, span=span,
        random_state=random_state,
    )
    losses = np.ma.masked_invalid(losses)
    A, B = np.meshgrid(alphas, betas)
    centre_loss = losses[np.abs(betas).argmin(), np.abs(alphas).argmin()]
    if ax is None:
        fig = plt.figure(figsize=(5, 4), layout="constrained")
        # in 3-D, draw in the order added, so the star stays above the surface
        ax = (fig.add_subplot(projection="3d", computed_zorder=False) if surface
              else fig.add_subplot())
    if surface:
        ax.plot_surface(A, B, losses, cmap="viridis", linewidth=0, antialiased=True,
                        alpha=0.9)
        ax.plot([0], [0], [centre_loss], marker="*", color="red", markersize=12,
                linestyle="none", zorder=10, label="fitted weights")
        ax.set_zlabel("training loss")
    else:
        low, high = losses.min(), losses.max()
        logarithmic = low > 0 and high > low
        bounds = (np.geomspace(low, high, levels + 1) if logarithmic
                  else np.linspace(low, high, levels + 1) if high > low else levels)
        filled = ax.contourf(A, B, losses, levels=bounds, cmap="viridis",
                             norm="log" if logarithmic else None)
        ax.contour(A, B, losses, levels=bounds, colors="k", linewidths=0.4, alpha=0.5)
        ax.figure.colorbar(filled, ax=ax, label="training loss", format="%.3g")
        ax.plot(0, 0, marker="*", color="red", markersize=12, linestyle="none",
                label=f"fitted weights (loss {centre_loss:.3g})")
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
        ax.set_aspect("equal")
    ax.set_xlabel("direction 1")
    ax.set_ylabel("direction 2")
    return ax
