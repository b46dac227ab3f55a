"""Pooling layers, channels-last: the maximum or the mean of each window of
an image (2-D) or a sequence (1-D)."""

import numpy as np

from ..backend import convolution as convolution_routines
from ._keras_form import int_tuple, single_int
from .base import Layer, int_pair, one_int, padding_option
from .conv1d import sequence_as_image
from .conv2d import window_geometry

__all__ = ["MaxPool2D", "AvgPool2D", "MaxPool1D", "AvgPool1D"]

MAX_POOL_CELLS = 255
"""Largest window a max-pool takes: it records each maximum's position in
the window as one byte."""


class _Pool2D(Layer):
    """What the two pools share: hyperparameters, shapes and buffers."""

    keras_arguments = {"pool_size": int_tuple, "strides": int_tuple, "padding": None}
    keras_fixed = {"data_format": ("channels_last", None)}

    def __init__(self, pool_size=2, strides=None, padding="valid", name=None):
        self.pool_size = pool_size
        self.strides = strides
        self.padding = padding
        self.name = name

    def _build(self, input_shape):
        self._window = int_pair(self, "pool_size", self.pool_size)
        self._steps = int_pair(
            self, "strides", self._window if self.strides is None else self.strides
        )
        padding = padding_option(self, self.padding)
        if len(input_shape) != 3:
            self._refuse(
                "needs images of shape (height, width, channels), got input of shape "
                f"{input_shape}; give the estimator input_shape=(height, width, channels)."
            )
        self._out_size, self._pads = window_geometry(
            self, input_shape, self._window, self._steps, padding, "pool_size"
        )
        return (*self._out_size, input_shape[2])

    def _geometry(self):
        return self._window, self._steps, self._pads

    def _as_image(self, array):
        """``array`` of samples as the routines' (n, height, width, channels)."""
        return array

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the output and the input gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.out = np.empty((n_rows, *self.output_shape), dtype=self.dtype)
        self.scratch.dx = (
            np.empty((n_rows, *self.input_shape), dtype=self.dtype)
            if needs_input_gradient else None
        )


class MaxPool2D(_Pool2D):
    """Maximum over each window of each channel.

    The backward pass routes each output's gradient to the first maximum
    of its window.

    Parameters
    ----------
    pool_size : int or pair of int, default=2
        Window height and width, at most 255 cells.
    strides : int or pair of int, default=None
        Step of the window; None steps by ``pool_size`` (windows that do
        not overlap).
    padding : {"valid", "same"}, default="valid"
        ``"same"`` lets windows run over the edge (the cells outside never
        win), so that the output has ``ceil(size / stride)`` rows and
        columns.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Examples
    --------
    >>> from skdl.layers import MaxPool2D
    >>> MaxPool2D(2).build((28, 28, 6))
    (14, 14, 6)
    """

    keras_class_name = "MaxPooling2D"

    def _build(self, input_shape):
        shape = super()._build(input_shape)
        if self._window[0] * self._window[1] > MAX_POOL_CELLS:
            self._refuse(
                f"pool_size {self._window} has more than {MAX_POOL_CELLS} cells."
            )
        return shape

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the output, each maximum's position and the input
        gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.argmax = np.empty(self.scratch.out.shape, dtype=np.uint8)

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, height, width, channels)
        rng : ignored

        Returns
        -------
        ndarray of shape (n, out_height, out_width, channels)
        """
        n = x.shape[0]
        out = self.scratch.out[:n]
        convolution_routines.max_pool_forward(
            self._as_image(x), *self._geometry(), self._as_image(out),
            self._as_image(self.scratch.argmax[:n]),
        )
        return out

    def backward(self, delta):
        """Backward pass (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n, out_height, out_width, channels)

        Returns
        -------
        ndarray of shape (n, height, width, channels) or None
        """
        if not self._needs_input_gradient:
            return None
        n = delta.shape[0]
        dx = self.scratch.dx[:n]
        convolution_routines.max_pool_backward(
            self._as_image(delta), self._as_image(self.scratch.argmax[:n]), *self._geometry(),
            self._as_image(dx),
        )
        return dx

    def predict(self, x):
        """Output in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, height, width, channels)

        Returns
        -------
        ndarray of shape (n, out_height, out_width, channels)
        """
        x = np.ascontiguousarray(x)
        out = np.empty((x.shape[0], *self.output_shape), dtype=x.dtype)
        argmax = np.empty(out.shape, dtype=np.uint8)
        convolution_routines.max_pool_forward(
            self._as_image(x), *self._geometry(), self._as_image(out), self._as_image(argmax)
        )
        return out

    def to_onnx(self, graph, x):
        """Write ONNX's ``MaxPool`` into an ONNX graph, between transposes
        to its channels-first layout and back (see :meth:`Layer.to_onnx`);
        padded cells never win, as here. A :class:`MaxPool1D` is written
        the same way over its one spatial axis.

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            Images, ``(n, height, width, channels)``, or sequences,
            ``(n, timesteps, channels)``.

        Returns
        -------
        str
            Each window's maximum, channels-last.
        """
        from ..onnx import _windows

        windows = _windows.sliding_windows(self)
        return _windows.channels_first_operator(graph, x, windows, "MaxPool")


class AvgPool2D(_Pool2D):
    """Mean over each window of each channel.

    Parameters
    ----------
    pool_size : int or pair of int, default=2
        Window height and width.
    strides : int or pair of int, default=None
        Step of the window; None steps by ``pool_size``.
    padding : {"valid", "same"}, default="valid"
        ``"same"`` lets windows run over the edge; each mean is then over
        the window's cells inside the image (as TensorFlow).
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Examples
    --------
    >>> from skdl.layers import AvgPool2D
    >>> AvgPool2D(3, strides=2, padding="same").build((7, 7, 4))
    (4, 4, 4)
    """

    keras_class_name = "AveragePooling2D"

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, height, width, channels)
        rng : ignored

        Returns
        -------
        ndarray of shape (n, out_height, out_width, channels)
        """
        out = self.scratch.out[: x.shape[0]]
        convolution_routines.avg_pool_forward(self._as_image(x), *self._geometry(), self._as_image(out))
        return out

    def backward(self, delta):
        """Backward pass (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n, out_height, out_width, channels)

        Returns
        -------
        ndarray of shape (n, height, width, channels) or None
        """
        if not self._needs_input_gradient:
            return None
        dx = self.scratch.dx[: delta.shape[0]]
        convolution_routines.avg_pool_backward(
            self._as_image(delta), *self._geometry(), self._as_image(dx)
        )
        return dx

    def predict(self, x):
        """Output in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, height, width, channels)

        Returns
        -------
        ndarray of shape (n, out_height, out_width, channels)
        """
        x = np.ascontiguousarray(x)
        out = np.empty((x.shape[0], *self.output_shape), dtype=x.dtype)
        convolution_routines.avg_pool_forward(self._as_image(x), *self._geometry(), self._as_image(out))
        return out

    def to_onnx(self, graph, x):
        """Write each window's mean over its cells inside the input into an
        ONNX graph (see :meth:`Layer.to_onnx`).

        A float32 model runs ONNX's channels-first ``AveragePool``
        (``count_include_pad=0``) between two transposes. ONNX Runtime has
        no float64 ``AveragePool``: a float64 model gathers every window's
        cells, channels-last, sums them and divides by the number of each
        window's cells inside the input. An :class:`AvgPool1D` is written
        the same way over its one spatial axis.

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            Channels-last images or sequences.

        Returns
        -------
        str
            Each window's mean.
        """
        from ..onnx import _windows

        windows = _windows.sliding_windows(self)
        if graph.runtime_supports("AveragePool"):
            return _windows.channels_first_operator(graph, x, windows, "AveragePool",
                                                    count_include_pad=0)
        channels = self.input_shape[-1]
        cells = _windows.window_cells(windows, channels)  # (*out, window cells, channels)
        gathered = _windows.gather_windows(graph, x, windows, channels, cells)
        total = graph.node("ReduceSum", [gathered, graph.shape_constant([-2])], keepdims=0)
        counts = (cells[..., :1] >= 0).sum(axis=-2)  # (*out, 1)
        return graph.node("Div", [total, graph.constant(counts)])


class _Pool1D:
    """What the 1-D pools add to the 2-D ones: sequences of shape
    ``(timesteps, channels)``, run as images one row high."""

    keras_arguments = {"pool_size": single_int, "strides": single_int, "padding": None}

    def _build(self, input_shape):
        size = one_int(self, "pool_size", self.pool_size)
        step = size if self.strides is None else one_int(self, "strides", self.strides)
        padding = padding_option(self, self.padding)
        image = sequence_as_image(self, input_shape, "pool_size", size, padding)
        self._window, self._steps = (1, size), (1, step)
        self._out_size, self._pads = window_geometry(
            self, image, self._window, self._steps, padding, "pool_size"
        )
        return (self._out_size[1], input_shape[1])

    def _as_image(self, array):
        return array.reshape(array.shape[0], 1, *array.shape[1:])


class MaxPool1D(_Pool1D, MaxPool2D):
    """Maximum over each window of each channel of a sequence.

    Parameters
    ----------
    pool_size : int or tuple of one int, default=2
        Window length, in time steps (at most 255).
    strides : int or tuple of one int, default=None
        Step of the window; None steps by ``pool_size``.
    padding : {"valid", "same"}, default="valid"
        ``"same"`` lets windows run over the ends (the steps outside never
        win), so that the output has ``ceil(timesteps / strides)`` steps.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Examples
    --------
    >>> from skdl.layers import MaxPool1D
    >>> MaxPool1D(2).build((28, 8))
    (14, 8)
    """

    keras_class_name = "MaxPooling1D"

    def _build(self, input_shape):
        shape = _Pool1D._build(self, input_shape)
        if self._window[1] > MAX_POOL_CELLS:
            self._refuse(f"pool_size {self._window[1]} is over {MAX_POOL_CELLS} steps.")
        return shape


class AvgPool1D(_Pool1D, AvgPool2D):
    """Mean over each window of each channel of a sequence.

    Parameters
    ----------
    pool_size : int or tuple of one int, default=2
        Window length, in time steps.
    strides : int or tuple of one int, default=None
        Step of the window; None steps by ``pool_size``.
    padding : {"valid", "same"}, default="valid"
        ``"same"`` lets windows run over the ends; each mean is then over
        the window's steps inside the sequence (as TensorFlow).
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Examples
    --------
    >>> from skdl.layers import AvgPool1D
    >>> AvgPool1D(3, strides=1, padding="same").build((10, 4))
    (10, 4)
    """

    keras_class_name = "AveragePooling1D"
