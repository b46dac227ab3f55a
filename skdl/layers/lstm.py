"""The long short-term memory layer."""

import numpy as np

from ..backend import recurrent as recurrent_routines
from .base import drawn
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
    kernel_initializer : str, Initializer or None, default=None
        Draws the kernel: a name such as ``"he_normal"`` or an object,
        anything :func:`skdl.initializers.get_initializer` takes. None is
        Keras's ``"glorot_uniform"``.
    recurrent_initializer : str, Initializer or None, default=None
        Draws the recurrent kernel, as ``kernel_initializer`` the kernel.
        None is Keras's ``"orthogonal"``.
    bias_initializer : str, Initializer or None, default=None
        Draws the bias of the input, cell and output gates, as Keras's
        LSTM with its default ``unit_forget_bias=True`` does: the input
        gate's block of ``units``, then the cell's and output gate's
        ``2 * units`` together. The forget gate's block always starts at
        1. None is Keras's ``"zeros"`` for the other gates.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    kernel : ndarray of shape (features, 4 * units)
    recurrent_kernel : ndarray of shape (units, 4 * units)
    bias : ndarray of shape (4 * units,)

    Notes
    -----
    With the initializers left at None, weights start as Keras's: a
    Glorot-uniform kernel, an orthogonal recurrent kernel, and a zero bias
    except the forget gate's, 1 (``unit_forget_bias``).

    Examples
    --------
    >>> from skdl.layers import LSTM
    >>> LSTM(16).build((28, 28))
    (16,)
    >>> LSTM(16, return_sequences=True).build((28, 28))
    (28, 16)
    """

    n_gates = 4

    keras_class_name = "LSTM"
    keras_arguments = {"units": int, "return_sequences": bool}
    keras_fixed = {"activation": ("tanh",), "recurrent_activation": ("sigmoid",),
                   "use_bias": (True,)}

    def __init__(self, units, return_sequences=False, kernel_initializer=None,
                 recurrent_initializer=None, bias_initializer=None, name=None):
        self.units = units
        self.return_sequences = return_sequences
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.name = name

    def to_onnx(self, graph, x, mask=None):
        """Write the layer over the steps into an ONNX graph (see
        :meth:`Layer.to_onnx`): ONNX's ``LSTM`` operator in a float32 model,
        Keras's gates i, f, c, o reordered into its i, o, f, c; a ``Scan``
        over the steps in a float64 one or with a mask (see
        :mod:`skdl.onnx._recurrent` and :mod:`skdl.onnx._scan`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The sequences, of ``features`` entries a step.
        mask : str or None, default=None
            The input's mask, ``(n, timesteps)`` booleans.

        Returns
        -------
        str
            The hidden states ``h`` (never the cell states ``c``): the last,
            or with ``return_sequences=True`` every step's.
        """
        from ..onnx._recurrent import gate_blocks, recurrent_operator
        from ..onnx._scan import scan_recurrence

        if mask is None and graph.runtime_supports("LSTM"):
            return recurrent_operator(graph, self, x, "LSTM", (0, 3, 1, 2))

        def step(body, p, states, recurrent):
            def gate(a, k):
                return gate_blocks(body, self.units, a, k)

            # a = (x_t @ kernel + bias) + h @ recurrent_kernel, gates i, f, c, o
            a = body.node("Add", [p, recurrent(states[0])])
            sigmoids = body.node("Sigmoid", [a])
            i, f, o = gate(sigmoids, 0), gate(sigmoids, 1), gate(sigmoids, 3)
            candidate = body.node("Tanh", [gate(a, 2)])
            # c = f * c_prev + i * candidate
            c = body.node("Add", [body.node("Mul", [f, states[1]]),
                                  body.node("Mul", [i, candidate])])
            return body.node("Mul", [o, body.node("Tanh", [c])]), c

        return scan_recurrence(graph, self, x, self.get_weights()[2], 2, step, mask)

    def _initialize_bias(self, random_state):
        """The gates' biases as Keras's ``unit_forget_bias=True`` draws
        them: the input gate's block, then the cell's and output gate's,
        from ``bias_initializer`` (zeros where None); the forget gate's at 1."""
        units = self.units
        for block in (self.bias[:units], self.bias[2 * units:]):
            if not drawn(self, "bias_initializer", block, random_state):
                block[...] = 0
        self.bias[units : 2 * units] = 1

    def _cell_buffers(self, n_rows, dtype):
        steps, units = self._timesteps, self.units
        return {
            "cells": np.zeros((steps + 1, n_rows, units), dtype=dtype),
            "tanh_cells": np.empty((steps, n_rows, units), dtype=dtype),
            "recurrent": np.empty((n_rows, 4 * units), dtype=dtype),
            "d_cell": np.empty((n_rows, units), dtype=dtype),
        }

    def _steps_forward(self, gates, states, cell, mask):
        recurrent_kernel, bias = self._weights_in(gates.dtype)
        cells = cell["cells"]
        cells[0] = 0
        recurrent_routines.lstm_sequence_forward(gates, bias, recurrent_kernel, states, cells,
                                                 cell["tanh_cells"], cell["recurrent"], mask)

    def _steps_backward(self, d_out, d_gates, gates, states, dh, cell, mask):
        recurrent_routines.lstm_sequence_backward(d_out, gates, cell["cells"],
                                                  cell["tanh_cells"], self.recurrent_kernel, dh,
                                                  cell["d_cell"], d_gates, mask)
