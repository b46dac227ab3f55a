"""The max and average pools, 1-D and 2-D, in ONNX.

skdl pools channels-last tensors, ONNX's ``MaxPool`` and ``AveragePool``
channels-first ones: each pool is written between two transposes, which
cancel against those of the neighbouring convolutions and pools (see
:mod:`skdl.onnx._windows`). Under ``"same"`` padding, as in skdl and
TensorFlow, padded cells never win a max and are left out of a mean
(``count_include_pad=0``).

ONNX Runtime has no float64 ``AveragePool``: a float64 model gathers every
window's cells, channels-last, sums them and divides by the number of each
window's cells inside the input, computed here.
"""

from ..layers import MaxPool2D
from ._windows import (
    gather_windows,
    sliding_windows,
    to_channels_first,
    to_channels_last,
    window_cells,
)

__all__ = ["pool1d_to_onnx", "pool2d_to_onnx"]


def pool2d_to_onnx(graph, layer, x):
    """A :class:`~skdl.layers.MaxPool2D` or :class:`~skdl.layers.AvgPool2D`.

    Parameters
    ----------
    graph : OnnxGraph
    layer : MaxPool2D or AvgPool2D
        Built.
    x : str
        Its input, of shape ``(n, height, width, channels)``.

    Returns
    -------
    str
        Its output, of shape ``(n, out_height, out_width, channels)``.
    """
    return _pool(graph, layer, x)


def pool1d_to_onnx(graph, layer, x):
    """A :class:`~skdl.layers.MaxPool1D` or :class:`~skdl.layers.AvgPool1D`.

    Parameters
    ----------
    graph : OnnxGraph
    layer : MaxPool1D or AvgPool1D
        Built.
    x : str
        Its input, of shape ``(n, timesteps, channels)``.

    Returns
    -------
    str
        Its output, of shape ``(n, out_timesteps, channels)``.
    """
    return _pool(graph, layer, x)


def _pool(graph, layer, x):
    windows = sliding_windows(layer)
    ndim = len(windows.sizes)
    if isinstance(layer, MaxPool2D):  # the 1-D max pool is one too
        op_type, attributes = "MaxPool", windows.attributes()
    else:
        op_type, attributes = "AveragePool", {**windows.attributes(), "count_include_pad": 0}
    if not graph.has_kernel(op_type):
        return _mean_by_windows(graph, x, windows, layer.input_shape[-1])
    pooled = graph.node(op_type, [to_channels_first(graph, x, ndim)], **attributes)
    return to_channels_last(graph, pooled, ndim)


def _mean_by_windows(graph, x, windows, channels):
    """Each window's mean over its cells inside the input, channels-last."""
    cells = window_cells(windows, channels)  # (*out, window cells, channels)
    gathered = gather_windows(graph, x, windows, channels, cells)
    total = graph.node("ReduceSum", [gathered, graph.shape_constant([-2])], keepdims=0)
    counts = (cells[..., :1] >= 0).sum(axis=-2)  # (*out, 1)
    return graph.node("Div", [total, graph.constant(counts)])
