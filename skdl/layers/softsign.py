"""Softsign: ``x / (1 + |x|)`` entry by entry (a throwaway layer that
measures how many files a new layer touches)."""

import numpy as np

from ..backend import dense as dense_routines
from .base import Layer

__all__ = ["Softsign"]


class Softsign(Layer):
    """``x / (1 + |x|)`` on every entry, any input shape.

    Examples
    --------
    >>> from skdl.layers import Softsign
    >>> Softsign().build((3, 4))
    (3, 4)
    """

    def _build(self, input_shape):
        return input_shape

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the output and the input's gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.out = np.empty((n_rows, *self.output_shape), dtype=self.dtype)

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
        self.scratch.x = x
        out = self.scratch.out[: x.shape[0]]
        dense_routines.softsign_forward(np.ascontiguousarray(x, dtype=self.dtype), out)
        return out

    def backward(self, delta):
        """``delta / (1 + |x|) ** 2`` (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + output_shape

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        if not self._needs_input_gradient:
            return None
        delta = np.ascontiguousarray(delta)
        dense_routines.softsign_backward(delta, np.ascontiguousarray(self.scratch.x, dtype=self.dtype))
        return delta

    def predict(self, x):
        """``x / (1 + |x|)`` in a fresh array.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        return x / (1 + np.abs(x))

    def to_onnx(self, graph, x):
        """``x / (1 + |x|)`` in ONNX operators.

        Parameters
        ----------
        graph : OnnxGraph
        x : str

        Returns
        -------
        str
        """
        one = graph.constant(np.array(1.0))
        return graph.node("Div", [x, graph.node("Add", [graph.node("Abs", [x]), one])])
