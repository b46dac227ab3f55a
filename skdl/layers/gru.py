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
    kernel_initializer : str, Initializer or None, default=None
        Draws the kernel: a name such as ``"he_normal"`` or an object,
        anything :func:`skdl.initializers.get_initializer` takes. None is
        Keras's ``"glorot_uniform"``.
    recurrent_initializer : str, Initializer or None, default=None
        Draws the recurrent kernel, as ``kernel_initializer`` the kernel.
        None is Keras's ``"orthogonal"``.
    bias_initializer : str, Initializer or None, default=None
        Draws the bias, as ``kernel_initializer`` the kernel. None is
        Keras's ``"zeros"``.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    kernel : ndarray of shape (features, 3 * units)
    recurrent_kernel : ndarray of shape (units, 3 * units)
    bias : ndarray of shape (2, 3 * units)
        The input bias, then the recurrent bias.

    Notes
    -----
    With the initializers left at None, weights start as Keras's: a
    Glorot-uniform kernel, an orthogonal recurrent kernel and a zero bias.

    Examples
    --------
    >>> from skdl.layers import GRU
    >>> GRU(16).build((28, 28))
    (16,)
    """

    n_gates = 3

    keras_class_name = "GRU"
    keras_arguments = {"units": int, "return_sequences": bool}
    keras_fixed = {"activation": ("tanh",), "recurrent_activation": ("sigmoid",),
                   "use_bias": (True,), "reset_after": (True,)}

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
        :meth:`Layer.to_onnx`): ONNX's ``GRU`` operator
        (``linear_before_reset=1``, Keras's ``reset_after=True``) in a
        float32 model, a ``Scan`` over the steps in a float64 one or with a
        mask (see :mod:`skdl.onnx._recurrent` and :mod:`skdl.onnx._scan`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The sequences, ``(n, timesteps, features)``, batch-major.
        mask : str or None, default=None
            The input's mask, ``(n, timesteps)`` booleans.

        Returns
        -------
        str
            The last state, ``(n, units)``, or every step's state, batch-major,
            with ``return_sequences=True``.
        """
        from ..onnx._recurrent import gate_blocks, recurrent_operator
        from ..onnx._scan import scan_recurrence

        if mask is None and graph.runtime_supports("GRU"):
            return recurrent_operator(graph, self, x, "GRU", (0, 1, 2), linear_before_reset=1)
        bias = self.get_weights()[2]

        def step(body, p, states, recurrent):
            def gate(a, k, count=1):
                return gate_blocks(body, self.units, a, k, count)

            # q = h @ recurrent_kernel + recurrent bias
            q = body.node("Add", [recurrent(states[0]), body.constant(bias[1])])
            zr = body.node("Sigmoid", [body.node("Add", [gate(p, 0, 2), gate(q, 0, 2)])])
            z, r = gate(zr, 0), gate(zr, 1)
            candidate = body.node(
                "Tanh", [body.node("Add", [gate(p, 2), body.node("Mul", [r, gate(q, 2)])])])
            # h = z * h_prev + (1 - z) * candidate, as (h_prev - candidate) * z + candidate
            away = body.node("Sub", [states[0], candidate])
            return (body.node("Add", [body.node("Mul", [away, z]), candidate]),)

        return scan_recurrence(graph, self, x, bias[0], 1, step, mask)

    def _bias_shape(self):
        return (2, 3 * self.units)

    def _cell_buffers(self, n_rows, dtype):
        steps, width = self._timesteps, 3 * self.units
        return {
            "recurrent": np.empty((steps, n_rows, width), dtype=dtype),
            "d_recurrent": np.empty((steps, n_rows, width), dtype=dtype),
            "d_bypass": np.empty((n_rows, self.units), dtype=dtype),
        }

    def _steps_forward(self, gates, states, cell, mask):
        recurrent_kernel, bias = self._weights_in(gates.dtype)
        recurrent_routines.gru_sequence_forward(gates, bias, recurrent_kernel, cell["recurrent"],
                                                states, mask)

    def _steps_backward(self, d_out, d_gates, gates, states, dh, cell, mask):
        recurrent_routines.gru_sequence_backward(d_out, gates, cell["recurrent"], states,
                                                 self.recurrent_kernel, dh, cell["d_bypass"],
                                                 d_gates, cell["d_recurrent"], mask)

    def _recurrent_gate_gradients(self, d_gates, cell):
        return cell["d_recurrent"]

    def _bias_gradient(self, input_rows, recurrent_rows, bias_grad):
        np.sum(input_rows, axis=0, out=bias_grad[0])
        np.sum(recurrent_rows, axis=0, out=bias_grad[1])
