"""Pictures of skdl's estimators: loss curves, decision boundaries,
activation functions, loss landscapes, and the filters and feature maps of
convolutional networks.

Needs matplotlib, an optional extra (``pip install 'skdl[plot]'``), imported
only when a plot is drawn. Every function draws on an ``ax`` it is given (or
on a new figure), returns what it drew on and never calls ``plt.show()``.

The loss landscape follows Li, Xu, Taylor, Studer and Goldstein (2018),
"Visualizing the Loss Landscape of Neural Nets": the training objective on
the plane through the fitted weights spanned by two random, filter-normalised
directions.
"""

from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted

from ._base import carries_weight
from .activations import get_activation
from .layers import Conv1D, Conv2D
from .neural_net import BaseNeuralNet

__all__ = [
    "plot_loss_curve",
    "plot_decision_boundary",
    "plot_activations",
    "loss_landscape",
    "plot_loss_landscape",
    "plot_conv_filters",
    "plot_feature_maps",
]

BUILTIN_ACTIVATIONS = (
    "identity", "step", "sigmoid", "softmax", "tanh", "relu", "leaky_relu",
    "elu", "gelu", "softplus", "exp",
)
"""Every built-in activation by its canonical name (aliases left out)."""

_MATPLOTLIB_MISSING = "skdl.plot needs matplotlib: pip install 'skdl[plot]'"


def _pyplot():
    """Import and return ``matplotlib.pyplot``, naming the extra when missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(_MATPLOTLIB_MISSING) from error
    return plt


def _class_colours(n_classes):
    """One RGB colour per class, from the ``tab10`` palette."""
    from matplotlib import colormaps

    palette = colormaps["tab10"].colors
    return [np.asarray(palette[k % len(palette)]) for k in range(n_classes)]


def _tint(colour, strength):
    """``colour`` mixed with white; ``strength`` 1 is the colour itself."""
    return tuple(1 - strength * (1 - np.asarray(colour)))


def _check_resolution(resolution):
    """Refuse a number of grid points that is not an integer of at least 2."""
    if isinstance(resolution, bool) or not isinstance(resolution, Integral) or resolution < 2:
        raise ValueError(
            "resolution (grid points along each axis) must be an integer of at "
            f"least 2, got {resolution!r}."
        )


# ---------------------------------------------------------------- loss curve
def plot_loss_curve(est, *, ax=None, label=None):
    """Plot the training loss per epoch, and the validation score if recorded.

    Parameters
    ----------
    est : fitted skdl estimator (MLP, NeuralNet or PerceptronClassifier), or a Pipeline ending in one
        The estimator whose ``loss_curve_`` to draw (one value per epoch, or
        per iteration for ``solver="lbfgs"``). When early stopping ran, its
        ``validation_scores_`` are drawn on a second y-axis.
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
    plt = _pyplot()
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
    ax.plot(steps, curve, label=label)
    ax.set_xlabel("iteration" if solver == "lbfgs" else "epoch")
    ax.set_ylabel("training loss")
    scores = getattr(est, "validation_scores_", None)
    if scores is None:
        ax.legend(loc="best")
        return ax
    twin = ax.twinx()
    twin.plot(np.arange(1, len(scores) + 1), scores, color="tab:orange",
              linestyle="--", label="validation score")
    twin.set_ylabel("validation score")
    # the twin is drawn on top, so it holds the legend of both
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = twin.get_legend_handles_labels()
    twin.legend(handles + more_handles, labels + more_labels, loc="center right")
    return ax


# --------------------------------------------------------- decision boundary
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
    plt = _pyplot()
    from matplotlib.colors import LinearSegmentedColormap

    if not is_classifier(est):
        raise ValueError(
            f"plot_decision_boundary needs a classifier, got {type(est).__name__}."
        )
    check_is_fitted(est)
    _check_resolution(resolution)
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


# --------------------------------------------------------------- activations
def plot_activations(names=None, *, axes=None, z_range=(-4.0, 4.0)):
    """Plot activations and their derivatives, one small panel each.

    Each panel shows ``f(z)`` (solid) and ``f'(z)`` (dashed), both as the
    engine computes them: the derivative comes from the activation's own
    backward pass. For softmax, which acts on a vector, the panel shows the
    first component of ``softmax([z, 0])`` (the sigmoid) and its derivative
    with respect to ``z``.

    Parameters
    ----------
    names : list of str or Activation, default=None
        Activations to draw, by registry name or as objects (e.g.
        ``LeakyReLU(0.1)`` or your own); None draws every built-in one.
    axes : matplotlib.axes.Axes or sequence of Axes, default=None
        One axes per activation; a new figure with a grid of panels when None.
    z_range : (float, float), default=(-4.0, 4.0)
        Range of the pre-activation ``z``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the panels.

    Raises
    ------
    ValueError
        If ``names`` is empty or ``axes`` does not hold one axes per
        activation.
    """
    plt = _pyplot()
    names = list(BUILTIN_ACTIVATIONS if names is None else names)
    if not names:
        raise ValueError(
            "names is empty: give at least one activation, or None to draw "
            "every built-in one."
        )
    if axes is None:
        n_cols = min(4, len(names))
        n_rows = -(-len(names) // n_cols)
        fig, grid = plt.subplots(n_rows, n_cols, figsize=(2.4 * n_cols, 2 * n_rows),
                                 squeeze=False, layout="constrained")
        axes = grid.ravel()
        for spare in axes[len(names):]:
            fig.delaxes(spare)
    else:
        axes = np.atleast_1d(axes).ravel()
        if len(axes) != len(names):
            raise ValueError(
                f"Got {len(axes)} axes for {len(names)} activations; pass one "
                "axes per activation."
            )
        fig = axes[0].figure
    z = np.linspace(*z_range, 401)
    for name, ax in zip(names, axes):
        value, derivative = _activation_curves(get_activation(name), z)
        ax.plot(z, value, label="f(z)")
        ax.plot(z, derivative, linestyle="--", label="f'(z)")
        ax.set_title(name if isinstance(name, str) else repr(name), fontsize="medium")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small")
    return fig


def _activation_curves(activation, z):
    """``f(z)`` and ``f'(z)`` of the first unit of ``activation([z, 0])``.

    For elementwise activations that is ``f`` itself; for softmax it is the
    first component. The derivative is the backward pass of the gradient
    ``[1, 0]``.
    """
    Z = np.column_stack([z, np.zeros_like(z)])
    A = np.empty_like(Z)
    activation.forward(Z, A)
    grad = np.column_stack([np.ones_like(z), np.zeros_like(z)])
    activation.backward(grad, Z, A)
    return A[:, 0], grad[:, 0]


# ------------------------------------------------------------ loss landscape
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
    _check_resolution(resolution)
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
    plt = _pyplot()
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


# ------------------------------------------------- convolutional networks
def _fitted_layer_network(est, function):
    """``est`` (or a Pipeline's last step) checked to be a fitted
    NeuralNetClassifier or NeuralNetRegressor, with the Pipeline's earlier
    steps (None without one)."""
    head = None
    if isinstance(est, Pipeline):
        head, est = est[:-1], est[-1]
    if not isinstance(est, BaseNeuralNet):
        raise TypeError(
            f"{function} needs a NeuralNetClassifier or NeuralNetRegressor (or a "
            f"Pipeline ending in one), got {type(est).__name__}."
        )
    check_is_fitted(est)
    return est, head


def _chosen_layer(est, layer, wanted, accepts, article="a"):
    """``est.layers_[layer]``, refused with the indices of the layers that
    ``accepts`` when ``layer`` is no index of it or ``accepts`` refuses it."""
    layers = est.layers_
    suitable = [i for i, candidate in enumerate(layers) if accepts(candidate)]
    where = (f"the {wanted} layers are at indices {suitable}" if suitable
             else f"this network has no {wanted} layer")
    if isinstance(layer, bool) or not isinstance(layer, Integral):
        raise TypeError(
            f"layer must be an integer index into est.layers_, got {layer!r}; {where}."
        )
    if not -len(layers) <= layer < len(layers):
        raise ValueError(
            f"layer={layer} is out of range: est.layers_ has {len(layers)} layers "
            f"(indices 0 to {len(layers) - 1}, the output Dense layer last); {where}."
        )
    index = layer % len(layers)
    if not accepts(layers[index]):
        raise ValueError(
            f"est.layers_[{index}] is {layers[index]!r}, with output shape "
            f"{layers[index].output_shape}, not {article} {wanted} layer; {where}."
        )
    return index, layers[index]


def _image_grid(fig, n_images, n_cols=8):
    """A grid of at least ``n_images`` axes on ``fig``, without ticks; the
    spare cells removed."""
    n_cols = min(n_cols, n_images)
    n_rows = -(-n_images // n_cols)
    grid = fig.subplots(n_rows, n_cols, squeeze=False)
    axes = grid.ravel()
    for spare in axes[n_images:]:
        spare.remove()
    return axes[:n_images]


def _given_axes(axes, n_images, what):
    """``axes`` as a flat array, refused unless it holds ``n_images`` axes."""
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if len(axes) != n_images:
        raise ValueError(
            f"Got {len(axes)} axes for {n_images} {what}; pass one axes per image, "
            "or axes=None for a new figure."
        )
    return axes


def _bare(ax):
    """Axes that show an image only: no ticks."""
    ax.set_xticks([])
    ax.set_yticks([])


def plot_conv_filters(est, layer=0, *, channel=None, axes=None):
    """Plot the learnt kernels of a Conv2D or Conv1D layer, one small image per filter.

    For a Conv2D layer, each image is one filter's ``kernel_height x
    kernel_width`` weights on one input channel,
    ``est.layers_[layer].get_weights()[0][:, :, channel, f]``. For a Conv1D
    layer, each image is one filter's weights over its window (columns, in
    time order) for each input channel (rows),
    ``est.layers_[layer].get_weights()[0][:, :, f].T``, or for the one
    ``channel`` asked for. All images share one colour scale, symmetric
    about 0 on a diverging colormap (red positive, blue negative, white 0),
    shown by a colour bar, so filters can be compared with each other.

    Parameters
    ----------
    est : fitted NeuralNetClassifier or NeuralNetRegressor, or a Pipeline ending in one
        The network.
    layer : int, default=0
        Index of a Conv2D or Conv1D layer in ``est.layers_`` (negative
        counts from the end, as for lists); 0 is the first layer when the
        network starts with a convolution.
    channel : int, default=None
        Input channel of the kernels to draw (for deeper layers, the
        channel of the previous layer's output). None draws channel 0 of a
        Conv2D layer (the only one of grey images) and every channel of a
        Conv1D layer.
    axes : sequence of matplotlib.axes.Axes, default=None
        One axes per filter; a new figure with a grid of images (8 a row)
        when None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the images and the colour bar.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``est`` is not fitted.
    TypeError
        If ``est`` is not a NeuralNetClassifier or NeuralNetRegressor (or a
        Pipeline ending in one), ``layer`` is not an integer, or
        ``channel`` is neither None nor an integer.
    ValueError
        If ``layer`` is out of range of ``est.layers_`` or not a Conv2D or
        Conv1D layer, ``channel`` is not an input channel of it, or
        ``axes`` does not hold one axes per filter.

    See Also
    --------
    plot_feature_maps : What the layers compute from one sample.
    """
    plt = _pyplot()
    from matplotlib.colors import Normalize

    est, _ = _fitted_layer_network(est, "plot_conv_filters")
    index, conv = _chosen_layer(est, layer, "convolution (Conv2D or Conv1D)",
                                lambda c: isinstance(c, Conv2D))
    kernel = conv.get_weights()[0]
    # Conv2D (kh, kw, in_channels, filters); Conv1D (kw, in_channels, filters)
    n_channels, n_filters = kernel.shape[-2:]
    if channel is not None and (isinstance(channel, bool) or not isinstance(channel, Integral)):
        raise TypeError(f"channel must be None or an integer, got {channel!r}.")
    if channel is not None and not 0 <= channel < n_channels:
        raise ValueError(
            f"channel={channel} is not an input channel of est.layers_[{index}], "
            f"which has {n_channels} (0 to {n_channels - 1})."
        )
    if isinstance(conv, Conv1D):
        drawn = range(n_channels) if channel is None else [channel]
        weights = kernel[:, drawn, :].transpose(1, 0, 2)  # (channels, kw, filters)
        shape = f"of {kernel.shape[0]} steps"
        which = (f"input channels 0-{n_channels - 1} (rows)" if channel is None
                 else f"input channel {channel} of {n_channels}")
    else:
        channel = 0 if channel is None else channel
        weights = kernel[:, :, channel, :]
        shape = f"{kernel.shape[0]}x{kernel.shape[1]}"
        which = f"input channel {channel} of {n_channels}"
    if axes is None:
        n_cols = min(8, n_filters)
        n_rows = -(-n_filters // n_cols)
        fig = plt.figure(figsize=(1.0 * n_cols + 1.2, 1.0 * n_rows + 0.7),
                         layout="constrained")
        axes = _image_grid(fig, n_filters)
    else:
        axes = _given_axes(axes, n_filters, "filters")
        fig = axes[0].figure
    bound = float(np.abs(weights).max())
    norm = Normalize(-bound, bound) if bound > 0 else Normalize(-1.0, 1.0)
    for f, ax in enumerate(axes):
        # a Conv1D filter fills its cell: a few rows of many steps, or one
        image = ax.imshow(weights[:, :, f], cmap="RdBu_r", norm=norm, interpolation="nearest",
                          aspect="auto" if isinstance(conv, Conv1D) else None)
        _bare(ax)
        ax.set_title(f"filter {f}", fontsize="x-small", pad=2)
    fig.colorbar(image, ax=list(axes), label="weight", shrink=0.9)
    fig.suptitle(
        f"est.layers_[{index}] {type(conv).__name__}: {n_filters} filters {shape}, {which}",
        fontsize="medium",
    )
    return fig


def plot_feature_maps(est, x, layer=0, *, axes=None):
    """Plot the feature maps a convolutional or pooling layer makes of one sample.

    The sample runs through ``est.layers_`` up to and including ``layer``
    (each layer's ``predict``, as at prediction time: dropout passes
    through); each output channel of that layer is drawn as an image, after
    the input image itself. The maps share one colour scale, shown by a
    colour bar: from 0 when no value is negative (as after a ReLU),
    otherwise symmetric about 0 on a diverging colormap.

    Parameters
    ----------
    est : fitted NeuralNetClassifier or NeuralNetRegressor, or a Pipeline ending in one
        The network. A Pipeline's earlier steps transform ``x`` first, and
        the input drawn is the transformed one, as the network sees it.
    x : array-like of shape (n_features,) or ``input_shape_``
        One sample: a flat row as in ``X``, or an image of shape
        ``est.input_shape_`` (channels-last).
    layer : int, default=0
        Index in ``est.layers_`` of a layer whose output is an image
        (``Conv2D``, ``MaxPool2D``, ``AvgPool2D``, or ``Dropout`` after
        them); negative counts from the end. Layers whose output is a
        sequence (``Conv1D``, ``MaxPool1D``, ``AvgPool1D``, recurrent
        layers) are not drawn.
    axes : sequence of matplotlib.axes.Axes, default=None
        One axes for the input, then one per channel of the layer's output;
        a new figure when None, the input on the left and the maps in a
        grid (8 a row) on the right.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the images and the colour bar.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``est`` is not fitted.
    TypeError
        If ``est`` is not a NeuralNetClassifier or NeuralNetRegressor (or a
        Pipeline ending in one), or ``layer`` is not an integer.
    ValueError
        If ``x`` is not one sample of ``n_features_in_`` values or of shape
        ``input_shape_``, or holds NaN or infinity; if ``layer`` is out of
        range or its output is not an image (a sequence or a vector); or if
        ``axes`` does not hold one axes per image.

    See Also
    --------
    plot_conv_filters : The kernels of a Conv2D layer.
    """
    plt = _pyplot()
    from matplotlib.colors import Normalize

    est, head = _fitted_layer_network(est, "plot_feature_maps")
    index, chosen = _chosen_layer(
        est, layer, "image (Conv2D or 2-D pooling)", lambda c: len(c.output_shape) == 3,
        article="an",
    )
    if head is not None:
        x = head.transform(np.asarray(x).reshape(1, -1))
        if sparse.issparse(x):
            x = x.toarray()
    x = _one_sample(est, x)
    maps = x[np.newaxis]
    for step in est.layers_[: index + 1]:
        maps = step.predict(maps)
    maps = maps[0]  # (height, width, channels)
    n_maps = maps.shape[2]
    if axes is None:
        n_cols = min(8, n_maps)
        n_rows = -(-n_maps // n_cols)
        fig = plt.figure(figsize=(1.1 * n_cols + 2.6, 1.1 * n_rows + 0.9),
                         layout="constrained")
        left, right = fig.subfigures(1, 2, width_ratios=[2.0, 1.1 * n_cols + 0.6])
        input_ax = left.subplots()
        map_axes = _image_grid(right, n_maps)
        bar_holder = right
    else:
        axes = _given_axes(axes, n_maps + 1, "images (the input, then one per channel)")
        input_ax, map_axes = axes[0], axes[1:]
        fig = bar_holder = axes[0].figure
    _draw_input(input_ax, x)
    low, high = float(maps.min()), float(maps.max())
    if low >= 0:
        cmap, norm = "viridis", Normalize(0.0, high if high > 0 else 1.0)
    else:
        bound = max(-low, high)
        cmap, norm = "RdBu_r", Normalize(-bound, bound)
    for k, ax in enumerate(map_axes):
        image = ax.imshow(maps[:, :, k], cmap=cmap, norm=norm, interpolation="nearest")
        _bare(ax)
        ax.set_title(f"channel {k}", fontsize="x-small", pad=2)
    bar_holder.colorbar(image, ax=list(map_axes), label="activation", shrink=0.9)
    fig.suptitle(
        f"est.layers_[{index}] {type(chosen).__name__}: {n_maps} maps "
        f"{maps.shape[0]}x{maps.shape[1]}", fontsize="medium",
    )
    return fig


def _one_sample(est, x):
    """``x`` as one sample of shape ``est.input_shape_``, checked to be
    finite and to hold ``prod(input_shape_)`` values, flat or in that shape."""
    shape = tuple(est.input_shape_)
    n_features = int(np.prod(shape))
    x = np.asarray(x)
    flat = x.ndim == 1 or (x.ndim == 2 and x.shape[0] == 1)
    if not ((flat and x.size == n_features) or x.shape in (shape, (1, *shape))):
        raise ValueError(
            f"x must be one sample: a flat row of {n_features} features or an array "
            f"of shape input_shape_={shape}, got an array of shape {x.shape}."
        )
    row = check_array(x.reshape(1, -1), dtype=(np.float64, np.float32), input_name="x")
    return row.reshape(shape)


def _draw_input(ax, x):
    """The network's input image on ``ax``: grey for one channel, colour for
    three or four (rescaled to [0, 1]), else the mean of the channels."""
    height, width, n_channels = x.shape if x.ndim == 3 else (*x.shape, 1)
    image = x.reshape(height, width, n_channels)
    if n_channels == 1:
        ax.imshow(image[:, :, 0], cmap="gray_r", interpolation="nearest")
        title = "input"
    elif n_channels in (3, 4):
        low, high = image.min(), image.max()
        ax.imshow((image - low) / (high - low if high > low else 1.0),
                  interpolation="nearest")
        title = "input"
    else:
        ax.imshow(image.mean(axis=2), cmap="gray_r", interpolation="nearest")
        title = f"input (mean of {n_channels} channels)"
    _bare(ax)
    ax.set_title(f"{title}\n{height}x{width}", fontsize="small")
