"""Global pooling, channels-last: the mean or the maximum of each channel
over all the steps of a sequence (1-D) or all the pixels of an image (2-D),
one value per channel."""

import numpy as np

from .base import Layer

__all__ = [
    "GlobalAveragePooling1D", "GlobalMaxPooling1D",
    "GlobalAveragePooling2D", "GlobalMaxPooling2D",
]


class _GlobalPool(Layer):
    """What the four global pools share: the argument, the shapes, and the
    view of a batch as ``(n, positions, channels)``."""

    spatial_axes = 1
    """Number of axes pooled away: 1 for sequences, 2 for images."""

    _reduction = None
    """The NumPy reduction of the positions (``np.mean``, ``np.max``)."""

    _onnx_reduction = None
    """The ONNX operator of that reduction."""

    keras_arguments = {"keepdims": None}
    keras_fixed = {"data_format": ("channels_last", None)}

    def __init__(self, keepdims=False, name=None):
        self.keepdims = keepdims
        self.name = name

    def _build(self, input_shape):
        if not isinstance(self.keepdims, (bool, np.bool_)):
            self._refuse(f"keepdims must be True or False, got {self.keepdims!r}.")
        if len(input_shape) != self.spatial_axes + 1:
            kind, shape = (("sequences", "(timesteps, features)") if self.spatial_axes == 1
                           else ("images", "(height, width, channels)"))
            self._refuse(
                f"needs {kind} of shape {shape}, got input of shape {input_shape}; give the "
                f"estimator input_shape={shape}, or put the layer after one that outputs "
                f"{kind}."
            )
        channels = input_shape[-1]
        return (*(1,) * self.spatial_axes, channels) if self.keepdims else (channels,)

    def _positions(self, x):
        """``x`` as ``(n, positions, channels)``."""
        return x.reshape(x.shape[0], -1, self.input_shape[-1])

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the output and the input gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        channels = self.input_shape[-1]
        self.scratch.out = np.empty((n_rows, channels), dtype=self.dtype)
        self.scratch.dx = (np.empty((n_rows, *self.input_shape), dtype=self.dtype)
                           if needs_input_gradient else None)

    def _shaped(self, pooled):
        """``(n, channels)`` in the output shape."""
        return pooled.reshape(pooled.shape[0], *self.output_shape)

    def predict(self, x):
        """Each channel's mean or maximum, in a fresh array.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        return self._shaped(self._reduction(self._positions(x), axis=1))

    def to_onnx(self, graph, x):
        """Write ONNX's ``ReduceMean`` or ``ReduceMax`` over the pooled axes
        (see :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str

        Returns
        -------
        str
        """
        axes = graph.shape_constant(list(range(1, self.spatial_axes + 1)))
        return graph.node(self._onnx_reduction, [x, axes], keepdims=int(self.keepdims))


class _GlobalAveragePool(_GlobalPool):
    """The mean over positions, forward and backward."""

    _reduction = staticmethod(np.mean)
    _onnx_reduction = "ReduceMean"

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
        rng : ignored

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        out = self.scratch.out[: x.shape[0]]
        np.mean(self._positions(x), axis=1, out=out)
        return self._shaped(out)

    def backward(self, delta):
        """Each position gets its channel's gradient divided by the number
        of positions (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + output_shape

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        if not self._needs_input_gradient:
            return None
        n = delta.shape[0]
        dx = self._positions(self.scratch.dx[:n])
        np.multiply(delta.reshape(n, 1, -1), 1.0 / dx.shape[1], out=dx)
        return self.scratch.dx[:n]


class _GlobalMaxPool(_GlobalPool):
    """The maximum over positions; the backward pass routes each channel's
    gradient to the position of its first maximum."""

    _reduction = staticmethod(np.max)
    _onnx_reduction = "ReduceMax"

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the output, the positions of the maxima and the
        input gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.argmax = np.empty((n_rows, 1, self.input_shape[-1]), dtype=np.intp)

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
        rng : ignored

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        n = x.shape[0]
        positions = self._positions(x)
        argmax = self.scratch.argmax[:n]
        np.argmax(positions, axis=1, out=argmax[:, 0])
        out = self.scratch.out[:n]
        out[...] = np.take_along_axis(positions, argmax, axis=1)[:, 0]
        return self._shaped(out)

    def backward(self, delta):
        """Backward pass (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + output_shape

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        if not self._needs_input_gradient:
            return None
        n = delta.shape[0]
        dx = self._positions(self.scratch.dx[:n])
        dx[...] = 0
        np.put_along_axis(dx, self.scratch.argmax[:n], delta.reshape(n, 1, -1), axis=1)
        return self.scratch.dx[:n]


class GlobalAveragePooling1D(_GlobalAveragePool):
    """Mean of each feature over the steps of a sequence, as Keras's
    ``GlobalAveragePooling1D``; with a mask, over the unmasked steps only.

    Parameters
    ----------
    keepdims : bool, default=False
        Keep the steps axis, of length 1: output ``(1, features)`` instead
        of ``(features,)``.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Notes
    -----
    With a mask (from an ``Embedding(mask_zero=True)``, say), each
    sequence's output is the sum of its unmasked steps divided by their
    number, as Keras computes it: padding does not dilute the mean. A
    sequence with no unmasked step (an empty text) gets the zero vector,
    where Keras gives NaN (0 / 0), which would make a fit fail and a
    prediction meaningless. The mask stops here.

    Examples
    --------
    >>> from skdl.layers import GlobalAveragePooling1D
    >>> GlobalAveragePooling1D().build((20, 8))
    (8,)
    """

    takes_mask = True

    keras_class_name = "GlobalAveragePooling1D"

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the output, the steps' weights and the input gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.step_weights = np.empty((n_rows, self.input_shape[0]), dtype=self.dtype)

    def forward(self, x, rng=None, mask=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        rng : ignored
        mask : ndarray of bool of shape (n, timesteps), default=None
            Steps that hold data; None averages all.

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        self.scratch.masked = mask is not None
        if mask is None:
            return super().forward(x)
        n = x.shape[0]
        weights = self.scratch.step_weights[:n]
        _step_weights(mask, out=weights)
        out = self.scratch.out[:n]
        np.matmul(weights[:, None, :], x, out=out[:, None, :])
        return self._shaped(out)

    def backward(self, delta):
        """Backward pass (see :meth:`Layer.backward`): each unmasked step
        gets its sequence's gradient divided by the number of unmasked
        steps, each masked step none.

        Parameters
        ----------
        delta : ndarray of shape (n,) + output_shape

        Returns
        -------
        ndarray of shape (n, timesteps, features) or None
        """
        if not (self._needs_input_gradient and self.scratch.masked):
            return super().backward(delta)
        n = delta.shape[0]
        dx = self.scratch.dx[:n]
        np.multiply(self.scratch.step_weights[:n, :, None], delta.reshape(n, 1, -1), out=dx)
        return dx

    def predict(self, x, mask=None):
        """The mean of each feature, over the unmasked steps when ``mask``
        is given, in a fresh array.

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        mask : ndarray of bool of shape (n, timesteps), default=None

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        if mask is None:
            return super().predict(x)
        weights = _step_weights(mask, np.empty(mask.shape, dtype=x.dtype))
        return self._shaped((weights[:, None, :] @ x)[:, 0])

    def to_onnx(self, graph, x, mask=None):
        """Write the mean into an ONNX graph: ``ReduceMean`` without a mask,
        else the masked steps' sum divided by their number (see
        :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
        mask : str or None
            The boolean mask, ``(n, timesteps)``.

        Returns
        -------
        str
        """
        if mask is None:
            return super().to_onnx(graph, x)
        from onnx import helper

        weights = graph.node("Cast", [mask], to=helper.np_dtype_to_tensor_dtype(graph.dtype))
        counts = graph.node("ReduceSum", [weights, graph.shape_constant([1])], keepdims=1)
        counts = graph.node("Max", [counts, graph.constant(1.0)])  # an empty sequence: 0
        weights = graph.node("Unsqueeze", [weights, graph.shape_constant([2])])
        total = graph.node("ReduceSum", [graph.node("Mul", [x, weights]),
                                         graph.shape_constant([1])], keepdims=1)
        if not self.keepdims:
            total = graph.node("Squeeze", [total, graph.shape_constant([1])])
        return graph.node("Div", [total, counts if not self.keepdims else
                                  graph.node("Unsqueeze", [counts, graph.shape_constant([2])])])


class GlobalMaxPooling1D(_GlobalMaxPool):
    """Maximum of each feature over the steps of a sequence, as Keras's
    ``GlobalMaxPooling1D``.

    Parameters
    ----------
    keepdims : bool, default=False
        Keep the steps axis, of length 1.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Notes
    -----
    As Keras's, it does not take a mask: the maximum runs over every step,
    padding included, and the mask stops here (Keras warns that it drops
    it). The backward pass routes each feature's gradient to its first
    maximum.

    Examples
    --------
    >>> from skdl.layers import GlobalMaxPooling1D
    >>> GlobalMaxPooling1D(keepdims=True).build((20, 8))
    (1, 8)
    """

    keras_class_name = "GlobalMaxPooling1D"


class GlobalAveragePooling2D(_GlobalAveragePool):
    """Mean of each channel over the pixels of an image, as Keras's
    ``GlobalAveragePooling2D``: a CNN's usual last pool before its output
    layer, in place of ``Flatten``.

    Parameters
    ----------
    keepdims : bool, default=False
        Keep the height and width axes, of length 1: output ``(1, 1,
        channels)`` instead of ``(channels,)``.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Examples
    --------
    >>> from skdl.layers import GlobalAveragePooling2D
    >>> GlobalAveragePooling2D().build((8, 8, 16))
    (16,)
    """

    spatial_axes = 2

    keras_class_name = "GlobalAveragePooling2D"


class GlobalMaxPooling2D(_GlobalMaxPool):
    """Maximum of each channel over the pixels of an image, as Keras's
    ``GlobalMaxPooling2D``.

    Parameters
    ----------
    keepdims : bool, default=False
        Keep the height and width axes, of length 1.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Notes
    -----
    The backward pass routes each channel's gradient to its first maximum,
    in row-major order.

    Examples
    --------
    >>> from skdl.layers import GlobalMaxPooling2D
    >>> GlobalMaxPooling2D().build((8, 8, 16))
    (16,)
    """

    spatial_axes = 2

    keras_class_name = "GlobalMaxPooling2D"


def _step_weights(mask, out):
    """Each step's weight in its sequence's mean: ``mask / (number of
    unmasked steps)``, zero throughout for a sequence with none (whose mean
    is then the zero vector, where Keras's is 0 / 0, NaN)."""
    counts = np.maximum(mask.sum(axis=1, keepdims=True), 1)
    np.divide(mask, counts, out=out)
    return out
