"""Dropout: random zeroing of inputs during training."""

import numbers

import numpy as np
import scipy.sparse as sp

from .base import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Inverted dropout: during training passes, each input is zeroed with
    probability ``rate`` and the kept ones scaled by ``1 / (1 - rate)``, so
    that predictions (which pass inputs through unchanged) need no
    rescaling.

    Parameters
    ----------
    rate : float
        Fraction of inputs dropped, in [0, 1).
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Examples
    --------
    >>> from skdl.layers import Dropout
    >>> Dropout(0.5).build((8, 8, 3))
    (8, 8, 3)
    """

    passes_mask = True

    keras_class_name = "Dropout"
    keras_arguments = {"rate": float}

    def __init__(self, rate, name=None):
        self.rate = rate
        self.name = name

    @property
    def draws_in_training(self):
        """Whether training passes drop inputs: ``rate > 0``."""
        return self.rate > 0

    def _build(self, input_shape):
        rate = self.rate
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
            self._refuse(f"rate must be a number in [0, 1), got {rate!r}.")
        return input_shape

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the uniform draws, the mask and the output.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        shape = (n_rows, *self.input_shape)
        self.scratch.uniform = np.empty(shape, dtype=self.dtype)
        self.scratch.kept = np.empty(shape, dtype=bool)
        self.scratch.dropped = np.empty(shape, dtype=self.dtype)

    def forward(self, x, rng=None):
        """Drop inputs when ``rng`` is given (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            Or a sparse matrix of rows, when the layer is the first.
        rng : numpy.random.Generator, default=None
            Source of the mask; None passes ``x`` through.

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        self.scratch.dropping = rng is not None and self.rate > 0
        if not self.scratch.dropping:
            return x
        if sp.issparse(x):
            x = x.toarray()
        n = x.shape[0]
        scratch = self.scratch
        uniform, kept, dropped = scratch.uniform[:n], scratch.kept[:n], scratch.dropped[:n]
        rng.random(out=uniform, dtype=self.dtype.type)
        np.greater_equal(uniform, self.rate, out=kept)
        np.multiply(x, kept, out=dropped)
        dropped *= 1.0 / (1.0 - self.rate)
        return dropped

    def backward(self, delta):
        """Mask and scale ``delta`` in place as the forward pass did.

        Parameters
        ----------
        delta : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray or None
        """
        if not self._needs_input_gradient:
            return None
        if self.scratch.dropping:
            delta *= self.scratch.kept[: delta.shape[0]]
            delta *= 1.0 / (1.0 - self.rate)
        return delta

    def predict(self, x):
        """``x`` unchanged: dropout acts only in training.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray
        """
        return x

    def to_onnx(self, graph, x):
        """Write nothing into the ONNX graph: dropout acts only in training
        (see :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The input.

        Returns
        -------
        str
            ``x`` itself.
        """
        return x
