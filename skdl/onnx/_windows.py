"""Where the windows of a convolution or pool lie, as skdl computes them,
and the layout changes around ONNX's channels-first operators: what the
``to_onnx`` methods of :class:`~skdl.layers.Conv2D`,
:class:`~skdl.layers.Conv1D` and the pools share.

Layout. skdl's tensors are channels-last, ``(n, H, W, C)`` for images and
``(n, T, C)`` for sequences; ONNX's ``Conv`` and pools are channels-first,
``(n, C, H, W)`` and ``(n, C, T)``. A float32 model therefore writes such
a layer as ``Transpose -> operator -> Transpose``
(:func:`channels_first_operator`) through :meth:`OnnxGraph.transpose`,
which drops a transpose that undoes the one before it: a stack of
convolutions and pools changes layout once on the way in and once on the
way out. An activation that acts on each entry alone (every built-in one
but softmax) is applied before the transpose back, so that it does not
stand between two transposes that cancel; softmax, which normalises over
the channels, and a user's activation are applied to the channels-last
output, as skdl applies them.

float64. ONNX Runtime has no float64 ``Conv`` nor ``AveragePool``: a
float64 model gathers every window's cells channels-last (im2col), with
one ``Gather`` of indices computed here in NumPy (:func:`window_cells`,
:func:`gather_windows`); under padding each sample gets one trailing zero
that every padding cell reads.
"""

import math
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import activations as act

__all__ = [
    "ENTRYWISE",
    "Windows",
    "channels_first_operator",
    "gather_windows",
    "sliding_windows",
    "to_channels_first",
    "to_channels_last",
    "window_cells",
]

ENTRYWISE = (
    act.Identity, act.Step, act.Sigmoid, act.Tanh, act.ReLU, act.LeakyReLU,
    act.ELU, act.GELU, act.Softplus, act.Exp,
)
"""Built-in activations that act on each entry alone, so that they give the
same result in either layout."""


class Windows(NamedTuple):
    """Where a layer's windows lie along its spatial axes (height and
    width, or time), as skdl computes them.

    Attributes
    ----------
    sizes : tuple of int
        The input's extent along each axis.
    kernel, strides : tuple of int
        The window's extent and step along each axis.
    begins, ends : tuple of int
        Padding before and after the input along each axis (all 0 under
        ``"valid"``; under ``"same"``, the extra cell goes at the end, as
        TensorFlow).
    out : tuple of int
        The number of windows along each axis.
    """

    sizes: tuple
    kernel: tuple
    strides: tuple
    begins: tuple
    ends: tuple
    out: tuple

    @property
    def padded(self):
        """Whether any window reaches over the input's edge."""
        return any(self.begins) or any(self.ends)

    def attributes(self):
        """ONNX's ``kernel_shape``, ``strides`` and explicit ``pads`` (every
        axis's begin, then every axis's end) for ``Conv`` and the pools."""
        return {
            "kernel_shape": list(self.kernel),
            "strides": list(self.strides),
            "pads": [*self.begins, *self.ends],
        }


def sliding_windows(layer):
    """The windows of a built convolution or pooling layer.

    Parameters
    ----------
    layer : Conv1D, Conv2D or a pool
        Built: its input is ``(*sizes, channels)``.

    Returns
    -------
    Windows
    """
    ndim = len(layer.input_shape) - 1
    # the 1-D layers hold their geometry as that of an image one row high
    kernel, strides = layer._window[-ndim:], layer._steps[-ndim:]
    begins, out = layer._pads[-ndim:], layer._out_size[-ndim:]
    sizes = layer.input_shape[:ndim]
    ends = [max((o - 1) * s + k - n - b, 0)
            for n, k, s, b, o in zip(sizes, kernel, strides, begins, out)]
    return Windows(*(tuple(int(v) for v in values)
                     for values in (sizes, kernel, strides, begins, ends, out)))


def window_cells(windows, channels):
    """Where each window's cells are in a flattened sample.

    A sample ``(*sizes, channels)`` flattened in C order is read by index;
    a cell in the padding gets index -1, the zero that
    :func:`gather_windows` appends.

    Parameters
    ----------
    windows : Windows
    channels : int

    Returns
    -------
    ndarray of int64, shape ``(*windows.out, prod(windows.kernel), channels)``
        Entry ``[*position, k, c]`` is channel ``c`` of the ``k``-th cell (in
        C order of the window's axes) of the window at ``position``.

    Examples
    --------
    >>> from skdl.onnx._windows import Windows, window_cells
    >>> window_cells(Windows((3,), (2,), (1,), (0,), (1,), (3,)), 1)[..., 0]
    array([[ 0,  1],
           [ 1,  2],
           [ 2, -1]])
    """
    ndim = len(windows.sizes)
    grid = np.arange(math.prod(windows.sizes) * channels, dtype=np.int64)
    grid = np.pad(grid.reshape(*windows.sizes, channels),
                  [*zip(windows.begins, windows.ends), (0, 0)], constant_values=-1)
    views = sliding_window_view(grid, windows.kernel, axis=tuple(range(ndim)))
    views = views[tuple(slice(0, (o - 1) * s + 1, s)
                        for o, s in zip(windows.out, windows.strides))]
    # (*out, channels, *kernel) -> (*out, *kernel, channels)
    return np.moveaxis(views, ndim, -1).reshape(*windows.out, -1, channels)


def gather_windows(graph, x, windows, channels, cells):
    """Copy the cells ``cells`` indexes out of each sample of ``x``.

    Parameters
    ----------
    graph : OnnxGraph
    x : str
        Channels-last samples, ``(n, *windows.sizes, channels)``.
    windows : Windows
    channels : int
    cells : ndarray of int64
        Indices as :func:`window_cells` gives them, in any shape.

    Returns
    -------
    str
        A tensor of shape ``(n, *cells.shape)``: 0 where the index is -1.
    """
    flat = graph.reshape(x, (-1, math.prod(windows.sizes) * channels))
    if windows.padded:
        flat = graph.node("Pad", [flat, graph.shape_constant([0, 0, 0, 1])])
    return graph.node("Gather", [flat, graph.shape_constant(cells)], axis=1)


def to_channels_first(graph, x, ndim):
    """``(n, *spatial, C)`` as ``(n, C, *spatial)``, over ``ndim`` spatial axes.

    Parameters
    ----------
    graph : OnnxGraph
    x : str
    ndim : int

    Returns
    -------
    str
    """
    return graph.transpose(x, (0, ndim + 1, *range(1, ndim + 1)))


def to_channels_last(graph, x, ndim):
    """``(n, C, *spatial)`` as ``(n, *spatial, C)``, over ``ndim`` spatial axes.

    Parameters
    ----------
    graph : OnnxGraph
    x : str
    ndim : int

    Returns
    -------
    str
    """
    return graph.transpose(x, (0, *range(2, ndim + 2), 1))


def channels_first_operator(graph, x, windows, op_type, weights=(), activation=None,
                            **attributes):
    """ONNX's channels-first ``op_type`` (``Conv``, ``MaxPool``,
    ``AveragePool``) over the windows of the channels-last ``x``, between
    two transposes.

    Parameters
    ----------
    graph : OnnxGraph
    x : str
        The input, channels-last.
    windows : Windows
        The input's windows: their kernel shape, strides and pads are the
        operator's.
    op_type : str
    weights : sequence of str, default=()
        The operator's inputs after ``x``, e.g. a ``Conv``'s weights and bias.
    activation : Activation, optional
        Applied to the operator's output: an :data:`ENTRYWISE` one in
        channels-first layout, any other channels-last.
    **attributes
        The operator's other attributes.

    Returns
    -------
    str
        Channels-last, ``(n, *windows.out, out_channels)``.
    """
    ndim = len(windows.sizes)
    out = graph.node(op_type, [to_channels_first(graph, x, ndim), *weights],
                     **windows.attributes(), **attributes)
    if activation is None:
        return to_channels_last(graph, out, ndim)
    if type(activation) in ENTRYWISE:
        return to_channels_last(graph, graph.activation(activation, out), ndim)
    return graph.activation(activation, to_channels_last(graph, out, ndim))
