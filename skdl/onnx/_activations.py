"""Each activation of :mod:`skdl.activations` in standard ONNX operators,
and the hook a user's activation gives its own form through."""

import math

from onnx import TensorProto

from .. import activations as act
from ._erf import erf_to_onnx
from ._hook import method_onnx_form

__all__ = ["activation_to_onnx"]


def activation_to_onnx(graph, activation, z):
    """Write ``activation(z)`` into ``graph``.

    Parameters
    ----------
    graph : OnnxGraph
    activation : Activation
        A built-in activation, or a user's one (wrapped by
        :func:`skdl.activations.get_activation`) with a ``to_onnx(graph, z)``
        method.
    z : str
        The pre-activation's name. Softmax normalises over the last axis.

    Returns
    -------
    str
        The output's name.

    Raises
    ------
    TypeError
        For a user activation without a ``to_onnx`` method, or whose method
        returns no tensor name.
    """
    write = _BUILT_IN.get(type(activation))
    if write is not None:
        return write(graph, activation, z)
    user = getattr(activation, "obj", activation)
    described = f"The activation {activation.name!r} ({type(user).__name__})"
    return method_onnx_form(graph, user, described, "z", "f(z)", z)


def _identity(graph, activation, z):
    return z


def _step(graph, activation, z):
    above = graph.node("GreaterOrEqual", [z, graph.constant(0.0)])
    return graph.node("Cast", [above], to=_float_type(graph))


def _sigmoid(graph, activation, z):
    # 1 / (1 + exp(-z)): ONNX Runtime's float32 Sigmoid is accurate to 2e-7
    # in absolute terms only, which normalised probabilities magnify
    denominator = graph.node("Add", [graph.node("Exp", [graph.node("Neg", [z])]), graph.constant(1.0)])
    return graph.node("Reciprocal", [denominator])


def _softmax(graph, activation, z):
    return graph.node("Softmax", [z], axis=-1)


def _leaky_relu(graph, activation, z):
    if graph.runtime_supports("LeakyRelu"):
        return graph.node("LeakyRelu", [z], alpha=float(activation.negative_slope))
    scaled = graph.node("Mul", [z, graph.constant(activation.negative_slope)])
    return _where_positive(graph, z, scaled)


def _elu(graph, activation, z):
    if graph.runtime_supports("Elu"):
        return graph.node("Elu", [z], alpha=float(activation.alpha))
    below = graph.node("Exp", [graph.node("Min", [z, graph.constant(0.0)])])
    below = graph.node("Sub", [below, graph.constant(1.0)])
    below = graph.node("Mul", [below, graph.constant(activation.alpha)])
    return _where_positive(graph, z, below)


def _gelu(graph, activation, z):
    scaled = graph.node("Mul", [z, graph.constant(1.0 / math.sqrt(2.0))])
    if graph.runtime_supports("Erf"):
        erf = graph.node("Erf", [scaled])
    else:
        erf = erf_to_onnx(graph, scaled)
    cdf = graph.node("Mul", [graph.node("Add", [erf, graph.constant(1.0)]), graph.constant(0.5)])
    return graph.node("Mul", [z, cdf])


def _softplus(graph, activation, z):
    if graph.runtime_supports("Softplus"):
        return graph.node("Softplus", [z])
    # max(z, 0) + log(1 + exp(-|z|)): no overflow for large |z|
    tail = graph.node("Exp", [graph.node("Neg", [graph.node("Abs", [z])])])
    tail = graph.node("Log", [graph.node("Add", [tail, graph.constant(1.0)])])
    return graph.node("Add", [graph.node("Relu", [z]), tail])


def _where_positive(graph, z, otherwise):
    """``z`` where ``z > 0``, else ``otherwise``."""
    positive = graph.node("Greater", [z, graph.constant(0.0)])
    return graph.node("Where", [positive, z, otherwise])


def _float_type(graph):
    return TensorProto.FLOAT if graph.dtype.itemsize == 4 else TensorProto.DOUBLE


def _single_operator(op_type):
    def write(graph, activation, z):
        return graph.node(op_type, [z])

    write.__name__ = f"_{op_type.lower()}"
    return write


_BUILT_IN = {
    act.Identity: _identity,
    act.Step: _step,
    act.Sigmoid: _sigmoid,
    act.Softmax: _softmax,
    act.Tanh: _single_operator("Tanh"),
    act.ReLU: _single_operator("Relu"),
    act.LeakyReLU: _leaky_relu,
    act.ELU: _elu,
    act.GELU: _gelu,
    act.Softplus: _softplus,
    act.Exp: _single_operator("Exp"),
}
"""The ONNX form of each built-in activation class."""
