"""OnnxGraph: unique names, constants in the model's float type, transposes
that undo each other cancel, and what nothing reads is removed."""

import numpy as np
import pytest

pytest.importorskip("skl2onnx")

from onnx import TensorProto  # noqa: E402
from skl2onnx.common._container import ModelComponentContainer  # noqa: E402
from skl2onnx.common._topology import Scope  # noqa: E402

from skdl.onnx import OnnxGraph  # noqa: E402


def _graph(dtype):
    container = ModelComponentContainer(17)
    return OnnxGraph(Scope("t", target_opset=17, registered_models=None), container, dtype), container


def _initializer(container, name):
    return next(t for t in container.initializers if t.name == name)


@pytest.mark.parametrize("dtype, proto", [(np.float32, TensorProto.FLOAT),
                                          (np.float64, TensorProto.DOUBLE)])
def test_numbers_take_the_model_float_type_unless_told(dtype, proto):
    graph, container = _graph(dtype)
    assert _initializer(container, graph.constant(1.5)).data_type == proto
    assert _initializer(container, graph.constant([1, 2])).data_type == proto
    assert _initializer(container, graph.shape_constant([1, -1])).data_type == TensorProto.INT64
    labels = graph.constant(np.array(["cat", "dog"]), dtype=np.array(["x"]).dtype)
    assert _initializer(container, labels).data_type == TensorProto.STRING


def test_node_names_are_unique():
    graph, container = _graph(np.float32)
    first, second = graph.node("Relu", ["x"]), graph.node("Relu", ["x"])
    assert first != second
    assert len({node.name for node in container.nodes}) == 2
    assert len(graph.node("Split", ["x"], n_outputs=3, axis=1, num_outputs=3)) == 3


def test_a_transpose_that_undoes_the_last_one_cancels():
    graph, container = _graph(np.float32)
    first = graph.transpose("x", (0, 3, 1, 2))
    assert graph.transpose(first, (0, 2, 3, 1)) == "x"
    assert graph.transpose(first, (0, 1, 3, 2)) != "x"  # not an inverse: kept
    assert [node.op_type for node in container.nodes] == ["Transpose", "Transpose"]


def test_remove_unused_drops_dead_nodes_and_their_constants():
    graph, container = _graph(np.float64)
    dead = graph.node("Add", [graph.transpose("x", (1, 0)), graph.constant(2.0)])
    graph.node("Relu", [dead])
    live = graph.node("Mul", ["x", graph.constant(3.0)])
    container.add_node("Identity", [live], ["y"], name="out")
    graph.remove_unused()
    assert [node.op_type for node in container.nodes] == ["Mul", "Identity"]
    assert len(container.initializers) == 1


def test_runtime_supports_tells_float64_models_what_onnx_runtime_lacks():
    float32, _ = _graph(np.float32)
    float64, _ = _graph(np.float64)
    assert float32.runtime_supports("Conv") and float32.runtime_supports("LSTM")
    assert not float64.runtime_supports("Conv") and not float64.runtime_supports("Erf")
    assert float64.runtime_supports("MaxPool") and float64.runtime_supports("MatMul")


def test_reshape_refuses_sizes_copied_from_the_input():
    """A 0 copies the input's size, and beside a -1 fails on a batch of 0
    rows (as ``(0, -1)`` did in the float64 convolutions): every size is
    given, -1 at most once."""
    graph, container = _graph(np.float64)
    for shape in [(0, -1), (-1, 0, 3), (-1, 2, -1), (-2, 3)]:
        with pytest.raises(ValueError, match="positive sizes and at most one -1"):
            graph.reshape("x", shape)
    assert not container.nodes
    graph.reshape("x", (-1, 4, 3))
    assert [node.op_type for node in container.nodes] == ["Reshape"]


def test_a_subgraph_keeps_its_nodes_apart_and_what_it_reads_alive():
    """A subgraph's nodes go to its proto, not the model; the model's
    nodes and constants that only the subgraph reads survive
    remove_unused, the others go."""
    graph, container = _graph(np.float64)
    outer = graph.transpose("x", (1, 0))  # read by the subgraph only
    unread = graph.constant(7.0)
    body = graph.subgraph()
    p = body.input(3)
    out = body.node("Add", [body.node("Mul", [p, outer]), body.constant([1.0, 2.0, 3.0])])
    proto = body.to_proto([out])
    assert [node.op_type for node in proto.node] == ["Mul", "Add"]
    assert [value.name for value in proto.input] == [p]
    assert proto.input[0].type.tensor_type.elem_type == TensorProto.DOUBLE
    assert [value.name for value in proto.output] == [out]
    assert [node.op_type for node in container.nodes] == ["Transpose"]
    container.add_node("If", ["cond"], ["y"], name="if", then_branch=proto, else_branch=proto)
    graph.remove_unused()
    assert [node.op_type for node in container.nodes] == ["Transpose", "If"]
    kept = {tensor.name for tensor in container.initializers}
    assert unread not in kept and proto.node[1].input[1] in kept


def test_a_value_asked_again_gets_the_same_constant():
    """One initializer per value, shared with subgraphs: ONNX Runtime
    merges equal initializers and warns where a subgraph reads one."""
    graph, container = _graph(np.float64)
    first = graph.constant([1.0, 2.0])
    assert graph.constant(np.array([1, 2])) == first
    assert graph.subgraph().constant([1.0, 2.0]) == first
    assert graph.constant([1.0, 2.0], dtype=np.float32) != first
    assert graph.constant([[1.0, 2.0]]) != first  # another shape
    assert graph.shape_constant([1, 2]) != first
    assert len(container.initializers) == 4
    graph.remove_unused()  # nothing reads them: removed, and forgotten
    assert not container.initializers
    assert graph.constant([1.0, 2.0]) in {tensor.name for tensor in container.initializers}
