"""The simple (Elman) recurrent layer."""

import numpy as np

from .base import resolved_activation
from .recurrent import Recurrent

__all__ = ["SimpleRNN"]


class SimpleRNN(Recurrent):
    """Fully connected recurrent layer (Elman, 1990), as Keras's:
    ``h = activation(x_t @ kernel + h @ recurrent_kernel + bias)`` at each
    step, from a zero state.

    Parameters
    ----------
    units : int
        Size of the state ``h``.
    activation : str, Activation or object, default="tanh"
        Anything :func:`skdl.activations.get_activation` takes; None is the
        identity.
    return_sequences : bool, default=False
        Output every step's ``h``, shape ``(timesteps, units)``, rather than
        the last one, shape ``(units,)``.

    Attributes
    ----------
    kernel : ndarray of shape (features, units)
    recurrent_kernel : ndarray of shape (units, units)
    bias : ndarray of shape (units,)
    activation_ : Activation

    Notes
    -----
    Weights start as Keras's: a Glorot-uniform kernel, an orthogonal
    recurrent kernel and a zero bias.

    Examples
    --------
    >>> from skdl.layers import SimpleRNN
    >>> SimpleRNN(8, return_sequences=True).build((10, 3))
    (10, 8)
    """

    n_gates = 1

    def __init__(self, units, activation="tanh", return_sequences=False):
        self.units = units
        self.activation = activation
        self.return_sequences = return_sequences

    def _build_cell(self):
        self.activation_ = resolved_activation(self)

    def _cell_buffers(self, n_rows, dtype):
        return {
            "pre": np.empty((self._timesteps, n_rows, self.units), dtype=dtype),
            "recurrent": np.empty((n_rows, self.units), dtype=dtype),
        }

    def _steps_forward(self, gates, states, cell):
        gates += self.bias
        pre, recurrent = cell["pre"], cell["recurrent"]
        for t in range(self._timesteps):
            np.matmul(states[t], self.recurrent_kernel, out=recurrent)
            np.add(gates[t], recurrent, out=pre[t])
            self.activation_.forward(pre[t], states[t + 1])

    def _steps_backward(self, d_out, d_gates, gates, states, dh, cell):
        pre = cell["pre"]
        dh[...] = 0
        for t in range(self._timesteps - 1, -1, -1):
            dh += d_out[t]
            d_gates[t] = dh
            self.activation_.backward(d_gates[t], pre[t], states[t + 1])
            np.matmul(d_gates[t], self.recurrent_kernel.T, out=dh)
