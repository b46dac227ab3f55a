"""Flatten: one sample's array as a flat row."""

import numpy as np

from .base import Layer

__all__ = ["Flatten"]


class Flatten(Layer):
    """Reshape each sample to a flat row, in C order (channels last), so
    that a :class:`~skdl.layers.Dense` layer can follow convolutions.

    Parameters
    ----------
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Examples
    --------
    >>> from skdl.layers import Flatten
    >>> Flatten().build((4, 4, 8))
    (128,)
    """

    keras_class_name = "Flatten"
    keras_fixed = {"data_format": ("channels_last", None)}

    def __init__(self, name=None):
        self.name = name

    def _build(self, input_shape):
        return (int(np.prod(input_shape, dtype=np.int64)),)

    def forward(self, x, rng=None):
        """A flat view of ``x`` (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
        rng : ignored

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        return x.reshape(x.shape[0], -1)

    def backward(self, delta):
        """``delta`` in the input's shape.

        Parameters
        ----------
        delta : ndarray of shape (n, n_features)

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        if not self._needs_input_gradient:
            return None
        return delta.reshape(delta.shape[0], *self.input_shape)

    def predict(self, x):
        """A flat view of ``x``.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        return x.reshape(x.shape[0], -1)

    def to_onnx(self, graph, x):
        """Write each sample as one row, in channels-last (C) order, into an
        ONNX graph (see :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            Samples of any shape.

        Returns
        -------
        str
            Rows, ``(n, n_features)``.
        """
        return graph.reshape(x, (-1, *self.output_shape))
