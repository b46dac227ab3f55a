"""The recurrent layers ``SimpleRNN``, ``LSTM`` and ``GRU`` in ONNX.

Layout. skdl's sequences are batch-major, ``(n, timesteps, features)``, and
so are the layers' outputs: ``(n, units)``, or ``(n, timesteps, units)``
with ``return_sequences=True``. ONNX's ``RNN``, ``LSTM`` and ``GRU``
operators read time-major input, ``(timesteps, n, features)``, and give
every step's state ``Y`` as ``(timesteps, directions, n, units)`` and the
last one ``Y_h`` as ``(directions, n, units)``; the converters transpose
the input and reshape and transpose the outputs back.

Weights and gate order. A layer's weights are Keras's: ``kernel (features,
gates * units)``, ``recurrent_kernel (units, gates * units)`` and ``bias``,
each a row of gate blocks of ``units`` columns. ONNX stores them
transposed, one direction at a time: ``W (1, gates * units, features)``,
``R (1, gates * units, units)`` and ``B (1, 2 * gates * units)``, the input
bias ``Wb`` then the recurrent bias ``Rb``. The blocks follow each
operator's gate order:

- ``LSTM``: Keras's ``i, f, c, o`` become ONNX's ``i, o, f, c``; the bias
  goes to ``Wb``, ``Rb`` is zero;
- ``GRU``: Keras's ``z, r, h`` is ONNX's order already; Keras's
  ``reset_after=True`` is ONNX's ``linear_before_reset=1``, and the input
  and recurrent bias rows are ``Wb`` and ``Rb``;
- ``RNN``: one block, the activation passed by name (``Tanh``, ``Relu``
  or ``Sigmoid``).

Empty batches. ONNX Runtime's ``LSTM`` and ``GRU`` kernels abort the
process on a batch of 0 rows; the converters write them inside an ``If``
on the input's size, whose other branch gives the empty output.

Loops. ONNX Runtime runs these operators on float32 tensors only, and
``RNN`` knows few activations. A float64 model, and a ``SimpleRNN`` with
any other activation (``gelu``, ``elu``, a user's one with a ``to_onnx``
hook...), gets the time loop as a ``Scan`` (:mod:`skdl.onnx._scan`) whose
body is one step: the state's product with the recurrent kernel added to
the step's input projection, and the gates applied with ``Sigmoid``,
``Tanh``, ``Mul``, ``Add`` and ``Sub`` in the order skdl computes them, so
that a float64 model agrees with skdl to rounding.
"""

from functools import partial

import numpy as np
from onnx import TensorProto

from .. import activations as act
from ._activations import activation_to_onnx
from ._scan import scan_recurrence

__all__ = ["gru_to_onnx", "lstm_to_onnx", "simple_rnn_to_onnx"]

_LSTM_ONNX_ORDER = (0, 3, 1, 2)
"""Keras's LSTM gate blocks (i, f, c, o) in ONNX's order (i, o, f, c)."""

ABORTS_ON_EMPTY_BATCH = frozenset({"LSTM", "GRU"})
"""Operators whose ONNX Runtime kernel (CPU, float32; onnxruntime 1.32)
aborts the process on a batch of 0 rows (``terminate called without an
active exception``): written inside an ``If`` that skips them then. Its
``RNN`` gives 0 rows."""

_RNN_ACTIVATIONS = {act.Tanh: "Tanh", act.ReLU: "Relu", act.Sigmoid: "Sigmoid"}
"""skdl's activations that ONNX's RNN operator computes alike, by its names."""


# ------------------------------------------------------------- the layers
def simple_rnn_to_onnx(graph, layer, x):
    """``h = activation(x_t @ kernel + h @ recurrent_kernel + bias)`` over
    the steps.

    ONNX's ``RNN`` operator in a float32 model when it has the layer's
    activation (tanh, relu, sigmoid); otherwise a ``Scan`` over the steps,
    the activation written by :func:`activation_to_onnx`.

    Parameters
    ----------
    graph : OnnxGraph
    layer : SimpleRNN
        Built, holding its weights.
    x : str
        The input, of shape ``(n, timesteps, features)``.

    Returns
    -------
    str
        The output, of shape ``(n, units)``, or ``(n, timesteps, units)``
        with ``return_sequences=True``.
    """
    activation = layer.activation_
    name = _RNN_ACTIVATIONS.get(type(activation))
    if name is not None and graph.has_kernel("RNN"):
        return _onnx_operator(graph, layer, x, "RNN", (0,), activations=[name])

    def step(body, p, states, recurrent):
        pre = body.node("Add", [p, recurrent(states[0])])
        return (activation_to_onnx(body, activation, pre),)

    return scan_recurrence(graph, layer, x, layer.get_weights()[2], 1, step)


def lstm_to_onnx(graph, layer, x):
    """Keras's LSTM over the steps: ONNX's ``LSTM`` operator in a float32
    model, a ``Scan`` over the steps in a float64 one.

    Parameters
    ----------
    graph : OnnxGraph
    layer : LSTM
        Built, holding its weights.
    x : str
        The input, of shape ``(n, timesteps, features)``.

    Returns
    -------
    str
        The output, of shape ``(n, units)``, or ``(n, timesteps, units)``
        with ``return_sequences=True``.
    """
    if graph.has_kernel("LSTM"):
        return _onnx_operator(graph, layer, x, "LSTM", _LSTM_ONNX_ORDER)

    def step(body, p, states, recurrent):
        # a = (x_t @ kernel + bias) + h @ recurrent_kernel, gates i, f, c, o
        gate = partial(_gate, body, layer.units)
        a = body.node("Add", [p, recurrent(states[0])])
        sigmoids = body.node("Sigmoid", [a])
        i, f, o = gate(sigmoids, 0), gate(sigmoids, 1), gate(sigmoids, 3)
        candidate = body.node("Tanh", [gate(a, 2)])
        # c = f * c_prev + i * candidate
        c = body.node("Add", [body.node("Mul", [f, states[1]]),
                              body.node("Mul", [i, candidate])])
        return body.node("Mul", [o, body.node("Tanh", [c])]), c

    return scan_recurrence(graph, layer, x, layer.get_weights()[2], 2, step)


def gru_to_onnx(graph, layer, x):
    """Keras's GRU (``reset_after=True``) over the steps: ONNX's ``GRU``
    operator (``linear_before_reset=1``) in a float32 model, a ``Scan``
    over the steps in a float64 one.

    Parameters
    ----------
    graph : OnnxGraph
    layer : GRU
        Built, holding its weights.
    x : str
        The input, of shape ``(n, timesteps, features)``.

    Returns
    -------
    str
        The output, of shape ``(n, units)``, or ``(n, timesteps, units)``
        with ``return_sequences=True``.
    """
    if graph.has_kernel("GRU"):
        return _onnx_operator(graph, layer, x, "GRU", (0, 1, 2), linear_before_reset=1)
    bias = layer.get_weights()[2]

    def step(body, p, states, recurrent):
        gate = partial(_gate, body, layer.units)
        # q = h @ recurrent_kernel + recurrent bias
        q = body.node("Add", [recurrent(states[0]), body.constant(bias[1])])
        zr = body.node("Sigmoid", [body.node("Add", [gate(p, 0, 2), gate(q, 0, 2)])])
        z, r = gate(zr, 0), gate(zr, 1)
        candidate = body.node(
            "Tanh", [body.node("Add", [gate(p, 2), body.node("Mul", [r, gate(q, 2)])])])
        # h = z * h_prev + (1 - z) * candidate, as (h_prev - candidate) * z + candidate
        away = body.node("Sub", [states[0], candidate])
        return (body.node("Add", [body.node("Mul", [away, z]), candidate]),)

    return scan_recurrence(graph, layer, x, bias[0], 1, step)


# ------------------------------------------------------ the shared parts
def _onnx_operator(graph, layer, x, op_type, order, **attributes):
    """The layer as ONNX's ``op_type`` operator (``RNN``, ``LSTM`` or
    ``GRU``), its weights permuted from Keras's gate blocks into ``order``
    and transposed; the input made time-major and the output channels-last
    again."""
    kernel, recurrent_kernel, bias = layer.get_weights()
    units = layer.units

    def blocks(matrix):
        return np.concatenate(
            [matrix[..., k * units:(k + 1) * units] for k in order], axis=-1)

    input_bias, recurrent_bias = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros_like(bias))
    weights = [
        blocks(kernel).T[np.newaxis],
        blocks(recurrent_kernel).T[np.newaxis],
        np.concatenate([blocks(input_bias), blocks(recurrent_bias)])[np.newaxis],
    ]
    sequence = graph.transpose(x, (1, 0, 2))
    constants = [graph.constant(w) for w in weights]

    def write(target):
        every, last = target.node(op_type, [sequence, *constants], n_outputs=2,
                                  hidden_size=units, **attributes)
        return every if layer.return_sequences else last

    steps = layer.input_shape[0]
    # every: (timesteps, 1, n, units); last: (1, n, units)
    empty = (steps, 1, 0, units) if layer.return_sequences else (1, 0, units)
    if op_type in ABORTS_ON_EMPTY_BATCH:
        out = _unless_empty(graph, sequence, write, empty)
    else:
        out = write(graph)
    if not layer.return_sequences:
        return graph.reshape(out, (-1, units))
    # (timesteps, 1, n, units) -> (timesteps, n, units) -> (n, timesteps, units)
    every = graph.reshape(out, (steps, -1, units))
    return graph.transpose(every, (1, 0, 2))


def _unless_empty(graph, x, write, empty_shape):
    """An ``If`` on ``x`` having elements: its branch ``write(branch)``
    writes the operator and gives its output; the other branch an empty
    tensor of ``empty_shape``, so that an operator of
    ``ABORTS_ON_EMPTY_BATCH`` never sees an empty batch."""
    has_rows = graph.node("Cast", [graph.node("Size", [x])], to=TensorProto.BOOL)
    run = graph.subgraph()
    ran = run.to_proto([write(run)])
    skip = graph.subgraph()
    skipped = skip.to_proto([skip.node("Identity", [graph.constant(np.zeros(empty_shape))])])
    return graph.node("If", [has_rows], then_branch=ran, else_branch=skipped)


def _gate(graph, units, a, k, count=1):
    """``a[:, k * units:(k + count) * units]``: gate blocks along the last
    axis."""
    bounds = (graph.shape_constant([v]) for v in (k * units, (k + count) * units, -1))
    return graph.node("Slice", [a, *bounds])
