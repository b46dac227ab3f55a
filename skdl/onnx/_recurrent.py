"""What the ``to_onnx`` methods of the recurrent layers ``SimpleRNN``,
``LSTM`` and ``GRU`` share: ONNX's recurrent operators, and the gate blocks.

Layout. skdl's sequences are batch-major, ``(n, timesteps, features)``, and
so are the layers' outputs: ``(n, units)``, or ``(n, timesteps, units)``
with ``return_sequences=True``. ONNX's ``RNN``, ``LSTM`` and ``GRU``
operators read time-major input, ``(timesteps, n, features)``, and give
every step's state ``Y`` as ``(timesteps, directions, n, units)`` and the
last one ``Y_h`` as ``(directions, n, units)``; :func:`recurrent_operator`
transposes the input and reshapes and transposes the outputs back.

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

Empty batches. ONNX Runtime's ``LSTM`` and ``GRU`` implementations abort the
process on a batch of 0 rows; :func:`recurrent_operator` writes them
inside an ``If`` on the input's size, whose other branch gives the empty
output.

Loops. ONNX Runtime runs these operators on float32 tensors only, and
``RNN`` knows few activations. A float64 model, and a ``SimpleRNN`` with
any other activation (``gelu``, ``elu``, a user's one with a ``to_onnx``
hook...), gets the time loop as a ``Scan`` (:mod:`skdl.onnx._scan`) whose
body is one step: the state's product with the recurrent kernel added to
the step's input projection, and the gates applied with ``Sigmoid``,
``Tanh``, ``Mul``, ``Add`` and ``Sub`` in the order skdl computes them, so
that a float64 model agrees with skdl to rounding.
"""

import numpy as np
from onnx import TensorProto

__all__ = ["gate_blocks", "recurrent_operator"]

ABORTS_ON_EMPTY_BATCH = frozenset({"LSTM", "GRU"})
"""Operators whose ONNX Runtime implementation (CPU, float32; onnxruntime 1.32)
aborts the process on a batch of 0 rows (``terminate called without an
active exception``): written inside an ``If`` that skips them then. Its
``RNN`` gives 0 rows."""


def recurrent_operator(graph, layer, x, op_type, order, **attributes):
    """A recurrent layer as ONNX's ``op_type`` operator (``RNN``, ``LSTM``
    or ``GRU``): its weights permuted from Keras's gate blocks into
    ``order`` and transposed, the input made time-major and the output
    batch-major again.

    Parameters
    ----------
    graph : OnnxGraph
    layer : SimpleRNN, LSTM or GRU
        Built, holding its weights.
    x : str
        The input, of shape ``(n, timesteps, features)``.
    op_type : str
    order : tuple of int
        Keras's gate blocks in the operator's order: entry ``k`` is the
        Keras block that goes ``k``-th.
    **attributes
        The operator's other attributes.

    Returns
    -------
    str
        The output, of shape ``(n, units)``, or ``(n, timesteps, units)``
        with ``return_sequences=True``.
    """
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


def gate_blocks(graph, units, a, k, count=1):
    """``a[:, k * units:(k + count) * units]``: ``count`` gate blocks of
    ``units`` columns from the ``k``-th.

    Parameters
    ----------
    graph : OnnxGraph
    units : int
    a : str
        A tensor whose last axis is a row of gate blocks.
    k, count : int

    Returns
    -------
    str
    """
    bounds = (graph.shape_constant([v]) for v in (k * units, (k + count) * units, -1))
    return graph.node("Slice", [a, *bounds])
