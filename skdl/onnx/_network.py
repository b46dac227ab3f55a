"""A network's layers in ONNX: the input reshaped to one sample's shape, then
each layer in turn, in channels-last order as skdl computes them."""

import numpy as np

from ..layers import (
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
    SimpleRNN,
)
from ._activations import activation_to_onnx
from ._convolution import conv1d_to_onnx, conv2d_to_onnx
from ._graph import user_onnx_form
from ._pooling import pool1d_to_onnx, pool2d_to_onnx
from ._recurrent import gru_to_onnx, lstm_to_onnx, simple_rnn_to_onnx

__all__ = ["network_to_onnx", "layer_to_onnx"]


def network_to_onnx(graph, network, x):
    """Write a network's prediction for the rows ``x`` into ``graph``.

    Parameters
    ----------
    graph : OnnxGraph
    network : Network
        Built and holding the fitted weights.
    x : str
        The input rows, of shape ``(n, n_features)``.

    Returns
    -------
    str
        The network's outputs, of shape ``(n, n_outputs)``.
    """
    if len(network.input_shape) > 1:
        x = graph.reshape(x, (-1, *network.input_shape))
    for layer in network.layers:
        x = layer_to_onnx(graph, layer, x)
    return x


def layer_to_onnx(graph, layer, x):
    """Write one built layer's prediction into ``graph``.

    Parameters
    ----------
    graph : OnnxGraph
    layer : Layer
        A built layer holding its weights. A layer class skdl does not
        know converts through its own ``to_onnx(graph, x)`` method.
    x : str
        Its input, channels-last, of shape ``(n, *layer.input_shape)``.

    Returns
    -------
    str
        Its output, channels-last, of shape ``(n, *layer.output_shape)``.

    Raises
    ------
    TypeError
        For a layer class with neither a converter here nor a ``to_onnx``
        method, or whose method returns no tensor name.
    """
    write = _CONVERTERS.get(type(layer))
    if write is not None:
        return write(graph, layer, x)
    described = f"The layer {layer!r} ({type(layer).__name__})"
    return user_onnx_form(graph, layer, described, "x", "the layer's output", x)


def dense_to_onnx(graph, layer, x):
    """``activation(x @ kernel + bias)``.

    Parameters
    ----------
    graph : OnnxGraph
    layer : Dense
    x : str

    Returns
    -------
    str
    """
    kernel, bias = layer.get_weights()
    return activation_to_onnx(graph, layer.activation_, graph.affine(x, kernel, bias))


def flatten_to_onnx(graph, layer, x):
    """Each sample as one row, in channels-last (C) order.

    Parameters
    ----------
    graph : OnnxGraph
    layer : Flatten
    x : str

    Returns
    -------
    str
    """
    return graph.reshape(x, (-1, int(np.prod(layer.input_shape))))


def dropout_to_onnx(graph, layer, x):
    """Nothing: dropout only acts in training.

    Parameters
    ----------
    graph : OnnxGraph
    layer : Dropout
    x : str

    Returns
    -------
    str
        ``x`` itself.
    """
    return x


_CONVERTERS = {
    Dense: dense_to_onnx,
    Flatten: flatten_to_onnx,
    Dropout: dropout_to_onnx,
    Conv2D: conv2d_to_onnx,
    Conv1D: conv1d_to_onnx,
    MaxPool2D: pool2d_to_onnx,
    AvgPool2D: pool2d_to_onnx,
    MaxPool1D: pool1d_to_onnx,
    AvgPool1D: pool1d_to_onnx,
    SimpleRNN: simple_rnn_to_onnx,
    LSTM: lstm_to_onnx,
    GRU: gru_to_onnx,
}
"""The converter of each layer class."""
