"""What a convolutional network learnt: the kernels of its convolutions, and
the feature maps its layers make of one sample."""

from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_array, check_is_fitted

from ..layers import Conv1D, Conv2D
from ..neural_net import BaseNeuralNet
from ._figure import import_pyplot


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
    plt = import_pyplot()
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
    plt = import_pyplot()
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
