"""The simple (Elman) recurrent layer."""

import numpy as np

from ..backend import recurrent as recurrent_routines
from ._keras_form import activation_from_keras
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
    kernel_initializer : str, Initializer or None, default=None
        Draws the kernel: a name such as ``"he_normal"`` or an object,
        anything :func:`skdl.initializers.get_initializer` takes. None is
        Keras's ``"glorot_uniform"`` (with scikit-learn's narrower bound,
        ``sqrt(2 / (fan_in + fan_out))``, for a sigmoid activation).
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
    kernel : ndarray of shape (features, units)
    recurrent_kernel : ndarray of shape (units, units)
    bias : ndarray of shape (units,)
    activation_ : Activation

    Notes
    -----
    With the initializers left at None, weights start as Keras's: a
    Glorot-uniform kernel, an orthogonal recurrent kernel and a zero bias.

    Examples
    --------
    >>> from skdl.layers import SimpleRNN
    >>> SimpleRNN(8, return_sequences=True).build((10, 3))
    (10, 8)
    """

    n_gates = 1

    keras_class_name = "SimpleRNN"
    keras_arguments = {"units": int, "activation": activation_from_keras,
                       "return_sequences": bool}
    keras_fixed = {"use_bias": (True,)}

    def __init__(self, units, activation="tanh", return_sequences=False,
                 kernel_initializer=None, recurrent_initializer=None, bias_initializer=None,
                 name=None):
        self.units = units
        self.activation = activation
        self.return_sequences = return_sequences
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.name = name

    def to_onnx(self, graph, x, mask=None):
        """Write ``h = activation(x_t @ kernel + h @ recurrent_kernel + bias)``
        over the steps into an ONNX graph (see :meth:`Layer.to_onnx`).

        ONNX's ``RNN`` operator in a float32 model when it has the layer's
        activation (tanh, relu, sigmoid) and there is no mask; otherwise a
        ``Scan`` over the steps (see :mod:`skdl.onnx._recurrent` and
        :mod:`skdl.onnx._scan`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The sequences, ``(n, timesteps, features)``.
        mask : str or None, default=None
            The input's mask, ``(n, timesteps)`` booleans.

        Returns
        -------
        str
            The states ``h``: the last, ``(n, units)``, or with
            ``return_sequences=True`` every step's, ``(n, timesteps, units)``.
        """
        from .. import activations
        from ..onnx._recurrent import recurrent_operator
        from ..onnx._scan import scan_recurrence

        onnx_names = {activations.Tanh: "Tanh", activations.ReLU: "Relu",
                      activations.Sigmoid: "Sigmoid"}
        name = onnx_names.get(type(self.activation_))
        if name is not None and mask is None and graph.runtime_supports("RNN"):
            return recurrent_operator(graph, self, x, "RNN", (0,), activations=[name])

        def step(body, p, states, recurrent):
            pre = body.node("Add", [p, recurrent(states[0])])
            return (body.activation(self.activation_, pre),)

        return scan_recurrence(graph, self, x, self.get_weights()[2], 1, step, mask)

    def _build_cell(self):
        self.activation_ = resolved_activation(self)

    def _cell_buffers(self, n_rows, dtype):
        return {"recurrent": np.empty((n_rows, self.units), dtype=dtype)}

    def _steps_forward(self, gates, states, cell, mask):
        recurrent_kernel, bias = self._weights_in(gates.dtype)
        recurrent_routines.simple_rnn_sequence_forward(gates, bias, recurrent_kernel, states,
                                                       cell["recurrent"], self.activation_, mask)

    def _steps_backward(self, d_out, d_gates, gates, states, dh, cell, mask):
        recurrent_routines.simple_rnn_sequence_backward(d_out, gates, states,
                                                        self.recurrent_kernel, dh, d_gates,
                                                        self.activation_, mask)
