"""The 2-D convolution layer, channels-last."""

import numpy as np

from ..backend import convolution as convolution_routines
from ._keras_form import activation_from_keras, int_tuple
from .base import (
    Layer,
    WeightSpec,
    bias_and_activation,
    check_initializers,
    drawn,
    glorot_uniform,
    int_pair,
    padding_option,
    positive_int,
    resolved_activation,
)

__all__ = ["Conv2D"]


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in every framework) over
    channels-last images, then an activation.

    ``out[n, i, j, f] = activation(bias[f] + sum_{u, v, c}
    x[n, i * sh + u - top, j * sw + v - left, c] * kernel[u, v, c, f])``,
    where cells outside the image count as 0.

    Parameters
    ----------
    filters : int
        Number of output channels.
    kernel_size : int or pair of int
        Window height and width.
    strides : int or pair of int, default=1
        Step of the window down and across.
    padding : {"valid", "same"}, default="valid"
        ``"valid"`` keeps windows inside the image; ``"same"`` pads with
        zeros so that the output has ``ceil(size / stride)`` rows and
        columns, the odd extra row or column at the bottom or right (as
        TensorFlow).
    activation : str, Activation or object, default=None
        Anything :func:`skdl.activations.get_activation` takes; None is the
        identity.
    kernel_initializer : str, Initializer or None, default=None
        Draws the kernel: a name such as ``"he_normal"`` or an object,
        anything :func:`skdl.initializers.get_initializer` takes, with
        Keras's fans (``kh * kw * in_channels`` in, ``kh * kw * filters``
        out). None draws it uniformly in ``+-sqrt(f / (fan_in + fan_out))``
        with those fans and ``f = 6`` (Keras's ``"glorot_uniform"``), or 2
        where a sigmoid follows.
    bias_initializer : str, Initializer or None, default=None
        Draws the bias, as ``kernel_initializer`` the kernel. None draws it
        from the same uniform law as a kernel left at None (Keras starts
        biases at ``"zeros"``; pass that to start as Keras does).
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    kernel : ndarray of shape (kernel_height, kernel_width, in_channels, filters)
        Weights of the built layer, in Keras's layout.
    bias : ndarray of shape (filters,)
    activation_ : Activation

    Notes
    -----
    Training passes copy each window into a row of a per-batch matrix
    (im2col) and multiply it by the kernel in one BLAS product; the
    backward pass multiplies by the kernel's transpose and adds the rows
    back into the image (col2im).

    Examples
    --------
    >>> from skdl.layers import Conv2D
    >>> Conv2D(8, 3, padding="same").build((28, 28, 1))
    (28, 28, 8)
    >>> Conv2D(8, 5, strides=2).build((28, 28, 1))
    (12, 12, 8)
    """

    keras_class_name = "Conv2D"
    keras_arguments = {"filters": int, "kernel_size": int_tuple, "strides": int_tuple,
                       "padding": None, "activation": activation_from_keras}
    keras_fixed = {"use_bias": (True,), "dilation_rate": (1, [1, 1]), "groups": (1,),
                   "data_format": ("channels_last",)}

    def __init__(
        self, filters, kernel_size, strides=1, padding="valid", activation=None,
        kernel_initializer=None, bias_initializer=None, name=None
    ):
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.name = name

    def _build(self, input_shape):
        filters = positive_int(self, "filters", self.filters)
        self._window = int_pair(self, "kernel_size", self.kernel_size)
        self._steps = int_pair(self, "strides", self.strides)
        padding = padding_option(self, self.padding)
        if len(input_shape) != 3:
            self._refuse(
                "needs images of shape (height, width, channels), got input of shape "
                f"{input_shape}; give the estimator input_shape=(height, width, channels)."
            )
        self._out_size, self._pads = window_geometry(
            self, input_shape, self._window, self._steps, padding, "kernel_size"
        )
        self._image_shape, self._filters = input_shape, filters
        self.activation_ = resolved_activation(self)
        check_initializers(self)
        return (*self._out_size, filters)

    def weight_specs(self):
        """``[kernel (kh, kw, in_channels, filters), bias (filters,)]``.

        Returns
        -------
        list of WeightSpec
        """
        channels, filters = self._image_shape[2], self._filters
        return [
            WeightSpec("kernel", (*self._window, channels, filters), True),
            WeightSpec("bias", (filters,), False),
        ]

    def bind(self, weights, gradients):
        """Take ``[kernel, bias]`` views (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        self.kernel, self.bias = self.weights

    def initialize(self, random_state, factor=6.0):
        """Draw the kernel, then the bias, each with its initializer or,
        where that is None, Glorot-uniform with Keras's fans: ``kh * kw *
        in_channels`` in and ``kh * kw * filters`` out.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
        """
        cells = self._window[0] * self._window[1]
        fan_in, fan_out = cells * self._image_shape[2], cells * self._filters
        for array, argument in ((self.kernel, "kernel_initializer"),
                                (self.bias, "bias_initializer")):
            if not drawn(self, argument, array, random_state):
                glorot_uniform(random_state, [array], fan_in, fan_out, factor)

    def _window_rows(self, n):
        """Rows of the im2col matrix for ``n`` samples."""
        return n * self._out_size[0] * self._out_size[1]

    def _geometry(self):
        return self._window, self._steps, self._pads, self._out_size

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the window matrix, pre-activation, output and input
        gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        m, (kh, kw), channels = self._window_rows(n_rows), self._window, self._image_shape[2]
        scratch = self.scratch
        scratch.cols = np.empty((m, kh * kw * channels), dtype=self.dtype)
        scratch.z = np.empty((m, self._filters), dtype=self.dtype)
        scratch.a = np.empty_like(scratch.z) if self.activation_.needs_input else scratch.z
        self.scratch.dx = (
            np.empty((n_rows, *self.input_shape), dtype=self.dtype)
            if needs_input_gradient else None
        )
        self.scratch.ones = np.ones(m, dtype=self.dtype)

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, height, width, channels)
        rng : ignored

        Returns
        -------
        ndarray of shape (n, out_height, out_width, filters)
        """
        n = x.shape[0]
        m = self._window_rows(n)
        cols, z = self.scratch.cols[:m], self.scratch.z[:m]
        convolution_routines.im2col(x.reshape(n, *self._image_shape), *self._geometry(), cols)
        np.matmul(cols, self.kernel.reshape(-1, self._filters), out=z)
        a = bias_and_activation(z, self.bias, self.activation_, self.scratch.a[:m])
        return a.reshape(n, *self.output_shape)

    def backward(self, delta):
        """Backward pass (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n, out_height, out_width, filters)
            Overwritten.

        Returns
        -------
        ndarray of shape (n, height, width, channels) or None
        """
        n = delta.shape[0]
        m = self._window_rows(n)
        d = delta.reshape(m, self._filters)
        self.activation_.backward(d, self.scratch.z[:m], self.scratch.a[:m])
        kernel_grad, bias_grad = self.gradients
        cols = self.scratch.cols[:m]
        np.matmul(cols.T, d, out=kernel_grad.reshape(-1, self._filters))
        np.dot(self.scratch.ones[:m], d, out=bias_grad)
        if not self._needs_input_gradient:
            return None
        # the window matrix is spent: it takes the windows' gradients
        np.matmul(d, self.kernel.reshape(-1, self._filters).T, out=cols)
        dx = self.scratch.dx[:n]
        convolution_routines.col2im(cols, *self._geometry(), dx.reshape(n, *self._image_shape))
        return dx

    def predict(self, x):
        """Output in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, height, width, channels)

        Returns
        -------
        ndarray of shape (n, out_height, out_width, filters)
        """
        n = x.shape[0]
        x = np.ascontiguousarray(x, dtype=self.kernel.dtype).reshape(n, *self._image_shape)
        (kh, kw), channels = self._window, self._image_shape[2]
        cols = np.empty((self._window_rows(n), kh * kw * channels), dtype=x.dtype)
        convolution_routines.im2col(x, *self._geometry(), cols)
        z = cols @ self.kernel.reshape(-1, self._filters)
        out = np.empty_like(z) if self.activation_.needs_input else z
        a = bias_and_activation(z, self.bias, self.activation_, out)
        return a.reshape(n, *self.output_shape)

    def to_onnx(self, graph, x):
        """Write the convolution, bias and activation into an ONNX graph
        (see :meth:`Layer.to_onnx`).

        A float32 model runs ONNX's channels-first ``Conv`` between two
        transposes, which cancel against those of a neighbouring
        convolution or pool. ONNX Runtime has no float64 ``Conv``: a float64
        model copies each window's cells into a row, channels-last, and
        multiplies the rows by the kernel, as the layer computes (see
        :mod:`skdl.onnx._windows`). A :class:`Conv1D` is written the same
        way over its one spatial axis.

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The images, ``(n, height, width, channels)`` (for a Conv1D the
            sequences, ``(n, timesteps, channels)``).

        Returns
        -------
        str
            The feature maps, of ``filters`` channels.
        """
        from ..onnx import _windows

        windows = _windows.sliding_windows(self)
        kernel, bias = self.get_weights()  # (*window, C, F), over len(window) axes
        ndim = len(windows.sizes)
        if graph.runtime_supports("Conv"):
            onnx_kernel = np.transpose(kernel, (ndim + 1, ndim, *range(ndim)))  # (F, C, *window)
            weights = [graph.constant(onnx_kernel), graph.constant(bias)]
            return _windows.channels_first_operator(graph, x, windows, "Conv", weights,
                                                    self.activation_)
        channels, filters = kernel.shape[-2:]
        cells = _windows.window_cells(windows, channels).reshape(*windows.out, -1)
        rows = _windows.gather_windows(graph, x, windows, channels, cells)
        return graph.activation(self.activation_,
                                graph.affine(rows, kernel.reshape(-1, filters), bias))


def window_geometry(layer, input_shape, window, steps, padding, what):
    """Output size and leading pads of a sliding window over an image.

    Parameters
    ----------
    layer : Layer
        Named in errors.
    input_shape : tuple of int
        ``(height, width, channels)``.
    window, steps : pair of int
    padding : {"valid", "same"}
    what : str
        The hyperparameter holding ``window``, for errors.

    Returns
    -------
    out_size : pair of int
    pads : pair of int
        Rows above and columns left of the image that the window sees as
        padding.
    """
    sizes = input_shape[:2]
    if padding == "valid" and any(w > s for w, s in zip(window, sizes)):
        layer._refuse(
            f"{what} {window[0]}x{window[1]} is larger than its input "
            f"{sizes[0]}x{sizes[1]} (input shape {input_shape}) under padding='valid'; "
            "use padding='same', a smaller window, or a larger input."
        )
    out_size, pads = [], []
    for size, w, s in zip(sizes, window, steps):
        out, before = convolution_routines.conv_output_size(size, w, s, padding)
        out_size.append(out)
        pads.append(before)
    return tuple(out_size), tuple(pads)
