"""Activation: an activation function as a layer of its own."""

import numpy as np
import scipy.sparse as sp

from .base import Layer, resolved_activation

__all__ = ["Activation"]


class Activation(Layer):
    """Apply an activation to each entry (softmax: over the last axis), as
    Keras's ``Activation`` layer.

    A layer of its own where the activation cannot go in the layer before
    it: a batch normalization sits between a convolution and its
    activation, ``Conv2D(16, 3) -> BatchNormalization() ->
    Activation("relu")``.

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

    Notes
    -----
    Masks pass through.

    Examples
    --------
    >>> from skdl.layers import Activation
    >>> Activation("relu").build((8, 8, 16))
    (8, 8, 16)
    """

    passes_mask = True

    def __init__(self, activation, name=None):
        self.activation = activation
        self.name = name

    def _build(self, input_shape):
        self.activation_ = resolved_activation(self)
        return input_shape

    def _rows(self, x):
        """``x`` as ``(rows, last axis)``, the layout of the activations."""
        return x.reshape(-1, self.input_shape[-1])

    def allocate(self, n_rows, needs_input_gradient=True):
        """A buffer for the output.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.a = np.empty((n_rows, *self.input_shape), dtype=self.dtype)

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`); keeps ``x`` for the
        backward pass of an activation whose derivative needs it.

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
        z = self._rows(np.ascontiguousarray(x, dtype=self.dtype))
        self.scratch.z = z if self.activation_.needs_input else None
        a = self.scratch.a[:n]
        self.activation_.forward(z, self._rows(a))
        return a

    def backward(self, delta):
        """Backward pass (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + input_shape
            Overwritten with the input's gradient.

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        if not self._needs_input_gradient:
            return None
        n = delta.shape[0]
        delta = np.ascontiguousarray(delta)
        self.activation_.backward(self._rows(delta), self.scratch.z,
                                  self._rows(self.scratch.a[:n]))
        return delta

    def predict(self, x):
        """The activation of ``x``, in a fresh array.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            Or a sparse matrix of rows, when the layer is the first.

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        if sp.issparse(x):
            x = x.toarray()
        return self.activation_.value(self._rows(x)).reshape(x.shape)

    def to_onnx(self, graph, x):
        """Write the activation into an ONNX graph (see
        :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str

        Returns
        -------
        str
        """
        return graph.activation(self.activation_, x)
