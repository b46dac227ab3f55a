"""A recurrent layer's time loop as one ONNX ``Scan``, for what ONNX
Runtime's ``RNN``, ``LSTM`` and ``GRU`` cannot compute: a float64 model
(they run in float32 only) and a ``SimpleRNN`` whose activation ``RNN``
does not know.

The ``Scan`` body is one step, written once whatever the number of steps,
so that the graph's size and the export's time do not grow with it (a
loop written out step by step took skl2onnx a time that grew as the
square of the steps). One ``MatMul`` projects every step's input at once
(plus the input bias); the ``Scan`` slices that projection along the time
axis and feeds each step its slice and the states, which start at zero;
its outputs are the last states and, with ``return_sequences=True``, every
step's ``h`` stacked time-major, then transposed to skdl's batch-major
layout: when the ``Scan`` itself stacks them along axis 1, ONNX Runtime
(1.32) dies of a floating-point exception on a batch of 0 rows. The
first step adds the zero states' products, which changes no bit of what
skdl computes there.

A mask (Keras's masking, True where a step holds data) is a second scanned
input, cast to the model's float type outside the loop (a subgraph's
inputs here are of that type) and to booleans in the step, where each new
state becomes ``Where(mask, new, previous)``: a masked step keeps, and
outputs, the previous state, as the layers do. ONNX's ``RNN``, ``LSTM`` and
``GRU`` operators take sequence lengths, which say only where a row's
padding starts, so a masked layer always runs as a ``Scan``.
"""

from onnx import TensorProto, helper

__all__ = ["scan_recurrence"]


def scan_recurrence(graph, layer, x, input_bias, n_states, step, mask=None):
    """Write ``layer``'s time loop as a ``Scan`` over the steps of ``x``.

    Parameters
    ----------
    graph : OnnxGraph
    layer : SimpleRNN, LSTM or GRU
        Built, holding its weights.
    x : str
        The input, of shape ``(n, timesteps, features)``.
    input_bias : ndarray of shape (gates * units,)
        Added to every step's input projection ``x_t @ kernel``.
    n_states : int
        How many states the layer carries: 1 (``h``), or 2 (``h, c``).
    step : callable
        ``step(body, p, states, recurrent)`` writes one step into the
        subgraph ``body``: ``p`` is the step's projection ``x_t @ kernel +
        input_bias``, of shape ``(n, gates * units)``, ``states`` the
        tuple of the previous step's states (zero at the first step), and
        ``recurrent(h)`` writes ``h @ recurrent_kernel``. It returns the
        tuple of the step's states, ``h`` first.
    mask : str or None, default=None
        The input's mask, a boolean tensor of shape ``(n, timesteps)``:
        where it is False, a step keeps the previous states.

    Returns
    -------
    str
        The output, of shape ``(n, units)``, or ``(n, timesteps, units)``
        with ``return_sequences=True``.
    """
    kernel, recurrent_kernel = layer.get_weights()[:2]
    units = layer.units
    projected = graph.affine(x, kernel, input_bias)  # (n, timesteps, gates * units)
    body = graph.subgraph()
    states = tuple(body.input(units) for _ in range(n_states))
    p = body.input(kernel.shape[1])  # after the states, as Scan feeds them
    weights = body.constant(recurrent_kernel)
    new_states = step(body, p, states, lambda h: body.node("MatMul", [h, weights]))
    scanned = [projected]
    if mask is not None:
        # (n, timesteps) bool -> (n, timesteps, 1) floats, a (n, 1) slice a step
        scanned.append(graph.node("Unsqueeze", [
            graph.node("Cast", [mask], to=helper.np_dtype_to_tensor_dtype(graph.dtype)),
            graph.shape_constant([2])]))
        holds = body.node("Cast", [body.input(1)], to=TensorProto.BOOL)
        new_states = tuple(body.node("Where", [holds, new, old])
                           for new, old in zip(new_states, states))
    # a subgraph gives a name once only: h again, the step's slice of the sequence
    every = [body.node("Identity", [new_states[0]])] if layer.return_sequences else []
    outputs = graph.node(
        "Scan", [*[_zero_states(graph, x, units)] * n_states, *scanned],
        n_outputs=n_states + len(every), body=body.to_proto([*new_states, *every]),
        num_scan_inputs=len(scanned), scan_input_axes=[1] * len(scanned),
    )
    if isinstance(outputs, str):  # the one state h
        return outputs
    if not every:
        return outputs[0]
    return graph.transpose(outputs[-1], (1, 0, 2))  # (timesteps, n, units) -> (n, ...)


def _zero_states(graph, x, units):
    """Zeros of shape ``(n, units)`` for the ``n`` rows of ``x``."""
    rows = graph.node("Gather", [graph.node("Shape", [x]), graph.shape_constant([0])])
    shape = graph.node("Concat", [rows, graph.shape_constant([units])], axis=0)
    zero = helper.make_tensor("value", helper.np_dtype_to_tensor_dtype(graph.dtype), [1], [0])
    return graph.node("ConstantOfShape", [shape], value=zero)
