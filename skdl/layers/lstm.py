"""The long short-term memory layer."""

import numpy as np

from ..backend import recurrent as recurrent_routines
from .recurrent import Recurrent

__all__ = ["LSTM"]


class LSTM(Recurrent):
    """Long short-term memory (Hochreiter and Schmidhuber, 1997), as Keras's.

    At each step, ``a = x_t @ kernel + h @ recurrent_kernel + bias`` splits
    into the gates input, forget, cell and output (that order):
    ``i, f, o = sigmoid(...)``, ``g = tanh(...)``; then
    ``c = f * c + i * g`` and ``h = o * tanh(c)``. States start at zero.

    Parameters
    ----------
    units : int
        Size of the state ``h``.
    return_sequences : bool, default=False
        Output every step's ``h``, shape ``(timesteps, units)`` (to feed
        another recurrent layer, a 1-D convolution or pool, or Flatten),
        rather than the last one, shape ``(units,)``.

    Attributes
    ----------
    kernel : ndarray of shape (features, 4 * units)
    recurrent_kernel : ndarray of shape (units, 4 * units)
    bias : ndarray of shape (4 * units,)

    Notes
    -----
    Weights start as Keras's: a Glorot-uniform kernel, an orthogonal
    recurrent kernel, and a zero bias except the forget gate's, 1
    (``unit_forget_bias``).

    Examples
    --------
    >>> from skdl.layers import LSTM
    >>> LSTM(16).build((28, 28))
    (16,)
    >>> LSTM(16, return_sequences=True).build((28, 28))
    (28, 16)
    """

    n_gates = 4

    def __init__(self, units, return_sequences=False):
        self.units = units
        self.return_sequences = return_sequences

    def initialize(self, random_state, factor=6.0):
        """Keras's start (see Notes), the forget gate's bias at 1.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
        """
        super().initialize(random_state, factor)
        self.bias[self.units : 2 * self.units] = 1

    def _cell_buffers(self, n_rows, dtype):
        steps, units = self._timesteps, self.units
        return {
            "cells": np.zeros((steps + 1, n_rows, units), dtype=dtype),
            "tanh_cells": np.empty((steps, n_rows, units), dtype=dtype),
            "recurrent": np.empty((n_rows, 4 * units), dtype=dtype),
            "d_cell": np.empty((n_rows, units), dtype=dtype),
        }

    def _steps_forward(self, gates, states, cell):
        recurrent_kernel, bias = self._weights_in(gates.dtype)
        cells = cell["cells"]
        cells[0] = 0
        recurrent_routines.lstm_sequence_forward(gates, bias, recurrent_kernel, states, cells,
                                                 cell["tanh_cells"], cell["recurrent"])

    def _steps_backward(self, d_out, d_gates, gates, states, dh, cell):
        recurrent_routines.lstm_sequence_backward(d_out, gates, cell["cells"],
                                                  cell["tanh_cells"], self.recurrent_kernel, dh,
                                                  cell["d_cell"], d_gates)
