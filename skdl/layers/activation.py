"""An activation as a layer of its own."""

import numpy as np
import scipy.sparse as sp

from ._keras_form import activation_from_keras
from .base import Layer, resolved_activation

__all__ = ["Activation"]


class Activation(Layer):
    """Apply an activation to the last axis of its input, as Keras's
    ``Activation`` layer: ``activation(x)``, with no weights.

    It lets a layer between a weighted layer and its activation, as in
    ``Conv2D(32, 3)``, ``BatchNormalization()``, ``Activation("relu")``.
    Elementwise activations act on each entry; softmax normalises over the
    last axis.

    Parameters
    ----------
    activation : str, Activation or object
        Anything :func:`skdl.activations.get_activation` takes.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    activation_ : Activation
        The resolved activation.

    Examples
    --------
    >>> from skdl.layers import Activation
    >>> Activation("relu").build((8, 8, 3))
    (8, 8, 3)
    """

    passes_mask = True

    keras_class_name = "Activation"
    keras_arguments = {"activation": activation_from_keras}

    def __init__(self, activation, name=None):
        self.activation = activation
        self.name = name

    def _build(self, input_shape):
        self.activation_ = resolved_activation(self)
        return input_shape

    def allocate(self, n_rows, needs_input_gradient=True):
        """A buffer for the output.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.out = np.empty((n_rows, *self.input_shape), dtype=self.dtype)

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`); keeps the input when the
        activation's derivative reads it.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            Or a sparse matrix of rows, when the layer is the first.
        rng : ignored

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        if sp.issparse(x):
            x = x.toarray()
        n = x.shape[0]
        out = self.scratch.out[:n]
        self.scratch.x = x if self.activation_.needs_input else None
        self.activation_.forward(_rows(x), _rows(out))
        return out

    def backward(self, delta):
        """Turn ``delta`` into the input's gradient in place.

        Parameters
        ----------
        delta : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray or None
        """
        if not self._needs_input_gradient:
            return None
        n = delta.shape[0]
        delta = np.ascontiguousarray(delta)  # its rows are changed in place below
        x = self.scratch.x
        self.activation_.backward(_rows(delta), None if x is None else _rows(x),
                                  _rows(self.scratch.out[:n]))
        return delta

    def predict(self, x):
        """``activation(x)`` in a fresh array.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray
        """
        if sp.issparse(x):
            x = x.toarray()
        x = np.asarray(x, dtype=np.result_type(x.dtype, np.float32))
        out = np.empty_like(x)
        self.activation_.forward(_rows(x), _rows(out))
        return out

    def to_onnx(self, graph, x):
        """Write ``activation(x)`` into an ONNX graph (see
        :meth:`Layer.to_onnx`), over the last axis.

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The input, of shape ``(n, *input_shape)``.

        Returns
        -------
        str
            The output, of the same shape.
        """
        if len(self.input_shape) == 1:
            return graph.activation(self.activation_, x)
        rows = graph.reshape(x, (-1, self.input_shape[-1]))
        return graph.reshape(graph.activation(self.activation_, rows),
                             (-1, *self.input_shape))


def _rows(array):
    """``array`` as a 2-D view of its last axis against the others."""
    return array.reshape(-1, array.shape[-1])
