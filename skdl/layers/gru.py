"""The gated recurrent unit layer."""

import numpy as np

from ..backend import recurrent as recurrent_routines
from .recurrent import Recurrent

__all__ = ["GRU"]


class GRU(Recurrent):
    """Gated recurrent unit (Cho et al., 2014), in Keras's default
    ``reset_after=True`` form (the form of cuDNN and PyTorch).

    At each step, with ``p = x_t @ kernel + bias[0]`` and
    ``q = h @ recurrent_kernel + bias[1]``, each split into the gates
    update, reset and candidate (that order): ``z = sigmoid(p_z + q_z)``,
    ``r = sigmoid(p_r + q_r)``, ``h~ = tanh(p_h + r * q_h)`` and
    ``h = z * h + (1 - z) * h~``. The state starts at zero.

    Parameters
    ----------
    units : int
        Size of the state ``h``.
    return_sequences : bool, default=False
        Output every step's ``h``, shape ``(timesteps, units)``, rather than
        the last one, shape ``(units,)``.

    Attributes
    ----------
    kernel : ndarray of shape (features, 3 * units)
    recurrent_kernel : ndarray of shape (units, 3 * units)
    bias : ndarray of shape (2, 3 * units)
        The input bias, then the recurrent bias.

    Notes
    -----
    Weights start as Keras's: a Glorot-uniform kernel, an orthogonal
    recurrent kernel and a zero bias.

    Examples
    --------
    >>> from skdl.layers import GRU
    >>> GRU(16).build((28, 28))
    (16,)
    """

    n_gates = 3

    def __init__(self, units, return_sequences=False):
        self.units = units
        self.return_sequences = return_sequences

    def _bias_shape(self):
        return (2, 3 * self.units)

    def _cell_buffers(self, n_rows, dtype):
        steps, width = self._timesteps, 3 * self.units
        return {
            "recurrent": np.empty((steps, n_rows, width), dtype=dtype),
            "d_recurrent": np.empty((steps, n_rows, width), dtype=dtype),
            "d_bypass": np.empty((n_rows, self.units), dtype=dtype),
        }

    def _steps_forward(self, gates, states, cell):
        recurrent_kernel, bias = self._weights_in(gates.dtype)
        recurrent_routines.gru_sequence_forward(gates, bias, recurrent_kernel, cell["recurrent"],
                                                states)

    def _steps_backward(self, d_out, d_gates, gates, states, dh, cell):
        recurrent_routines.gru_sequence_backward(d_out, gates, cell["recurrent"], states,
                                                 self.recurrent_kernel, dh, cell["d_bypass"],
                                                 d_gates, cell["d_recurrent"])

    def _recurrent_gate_gradients(self, d_gates, cell):
        return cell["d_recurrent"]

    def _bias_gradient(self, input_rows, recurrent_rows, bias_grad):
        np.sum(input_rows, axis=0, out=bias_grad[0])
        np.sum(recurrent_rows, axis=0, out=bias_grad[1])
