"""Conv1D and Conv2D in ONNX (their windows: :mod:`skdl.onnx._windows`).

Layout. skdl's tensors are channels-last, ``(n, H, W, C)`` for images and
``(n, T, C)`` for sequences; ONNX's ``Conv`` and pools are channels-first,
``(n, C, H, W)`` and ``(n, C, T)``. A float32 model therefore writes a
layer as ``Transpose -> Conv -> Transpose`` through
:meth:`OnnxGraph.transpose`, which drops a transpose that undoes the one
before it: a stack of convolutions and pools changes layout once on the way
in and once on the way out. An activation that acts on each entry alone
(every built-in one but softmax) is applied before the transpose back, so
that it does not stand between two transposes that cancel; softmax, which
normalises over the filters, and a user's activation are applied to the
channels-last output, as skdl applies them.

float64. ONNX Runtime has no float64 ``Conv`` (nor ``AveragePool``), so a
float64 model computes the convolution as skdl does, channels-last
throughout (im2col): each sample is flattened and, under padding, given one
trailing zero that every padding cell reads; one ``Gather`` of indices
computed here in NumPy copies every window's cells into a row, and a
``MatMul`` by the kernel reshaped to ``(kh * kw * C, F)`` gives the output.
"""

import numpy as np

from .. import activations as act
from ._activations import activation_to_onnx
from ._windows import (
    gather_windows,
    sliding_windows,
    to_channels_first,
    to_channels_last,
    window_cells,
)

__all__ = ["conv1d_to_onnx", "conv2d_to_onnx"]

ELEMENTWISE = (
    act.Identity, act.Step, act.Sigmoid, act.Tanh, act.ReLU, act.LeakyReLU,
    act.ELU, act.GELU, act.Softplus, act.Exp,
)
"""Built-in activations that act on each entry alone, so that they give the
same result in either layout."""


def conv2d_to_onnx(graph, layer, x):
    """A :class:`~skdl.layers.Conv2D` layer: convolution, bias, activation.

    Parameters
    ----------
    graph : OnnxGraph
    layer : Conv2D
        Built, holding its weights.
    x : str
        Its input, of shape ``(n, height, width, channels)``.

    Returns
    -------
    str
        Its output, of shape ``(n, out_height, out_width, filters)``.
    """
    return _convolution(graph, layer, x)


def conv1d_to_onnx(graph, layer, x):
    """A :class:`~skdl.layers.Conv1D` layer: convolution, bias, activation.

    Parameters
    ----------
    graph : OnnxGraph
    layer : Conv1D
        Built, holding its weights.
    x : str
        Its input, of shape ``(n, timesteps, channels)``.

    Returns
    -------
    str
        Its output, of shape ``(n, out_timesteps, filters)``.
    """
    return _convolution(graph, layer, x)


def _convolution(graph, layer, x):
    """Either convolution: its kernel is ``(*window, C, F)`` in Keras's
    layout, over ``len(window)`` spatial axes."""
    windows = sliding_windows(layer)
    kernel, bias = layer.get_weights()
    ndim = len(windows.sizes)
    if graph.has_kernel("Conv"):
        onnx_kernel = np.transpose(kernel, (ndim + 1, ndim, *range(ndim)))  # (F, C, *window)
        z = graph.node(
            "Conv",
            [to_channels_first(graph, x, ndim), graph.constant(onnx_kernel), graph.constant(bias)],
            **windows.attributes(),
        )
        if type(layer.activation_) in ELEMENTWISE:
            return to_channels_last(graph, activation_to_onnx(graph, layer.activation_, z), ndim)
        return activation_to_onnx(graph, layer.activation_, to_channels_last(graph, z, ndim))
    channels, filters = kernel.shape[-2:]
    cells = window_cells(windows, channels).reshape(*windows.out, -1)
    rows = gather_windows(graph, x, windows, channels, cells)
    z = graph.affine(rows, kernel.reshape(-1, filters), bias)
    return activation_to_onnx(graph, layer.activation_, z)
