"""skdl.plot.plot_conv_filters and plot_feature_maps on small fitted
convolutional and recurrent networks under the Agg backend, checked through
the images and colour bars they leave on the figure."""

import re

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdl import (  # noqa: E402
    MLPClassifier,
    NeuralNetClassifier,
    NeuralNetRegressor,
)
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
from skdl.plot import plot_conv_filters, plot_feature_maps  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _cnn_layers():
    # (8, 8, 1) -> (8, 8, 5) -> (4, 4, 5) -> (3, 3, 3), no activation, so
    # negative -> (3, 3, 3) -> (27,) -> Dense(10)
    return [Conv2D(5, 3, padding="same", activation="relu"), MaxPool2D(2),
            Conv2D(3, 2), Dropout(0.1), Flatten()]


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
    with pytest.raises(ValueError, match=r"est.layers_\[4\] is Flatten\(name='flatten'\), "
                                         r"with output shape \(27,\), not an image"):
        plot_feature_maps(cnn, digits[0][0], 4)
    with pytest.raises(ValueError, match=r"layer=9 is out of range.* image \(Conv2D or "
                                         r"2-D pooling\) layers are at indices \[0, 1, 2, 3\]"):
        plot_feature_maps(cnn, digits[0][0], 9)
    # a flat row in a list and a (1, n_features) row are one sample too
    assert len(_images(plot_feature_maps(cnn, [digits[0][0].tolist()]))) == 6
