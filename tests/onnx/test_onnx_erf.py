"""The float64 error function built of Gather, Mul and Add: within 1e-15 of
scipy's erf, in NumPy (the table) and in ONNX Runtime (the graph)."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx import TensorProto, helper  # noqa: E402
from onnx_helpers import session  # noqa: E402
from scipy.special import erf  # noqa: E402
from skl2onnx.common._container import ModelComponentContainer  # noqa: E402
from skl2onnx.common._topology import Scope  # noqa: E402

from skdl.onnx import OnnxGraph  # noqa: E402
from skdl.onnx._erf import PIECE_WIDTH, SATURATION, erf_to_onnx, taylor_table  # noqa: E402

X = np.concatenate([np.linspace(-9, 9, 180001), [0.0, -0.0, 6.0, -6.0, 1e-300, 40.0, -1e300]])


def _evaluate_table(x):
    centres, table = taylor_table()
    magnitude = np.minimum(np.abs(x), SATURATION)
    piece = np.minimum(np.floor(magnitude / PIECE_WIDTH), len(centres) - 1).astype(int)
    offset = magnitude - centres[piece]
    value = np.zeros_like(x)
    for coefficients in table[::-1]:
        value = value * offset + coefficients[piece]
    return value * np.sign(x)


def test_taylor_table_is_within_1e_15_of_erf():
    assert np.abs(_evaluate_table(X) - erf(X)).max() < 1e-15


def test_onnx_runtime_evaluates_it_in_float64():
    scope = Scope("erf", target_opset=17, registered_models=None)
    container = ModelComponentContainer(17)
    graph = OnnxGraph(scope, container, np.float64)
    out = erf_to_onnx(graph, "x")
    container.add_node("Identity", [out], ["y"], name="out")
    model = helper.make_model(
        helper.make_graph(
            container.nodes, "erf",
            [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None])],
            [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None])],
            container.initializers,
        ),
        opset_imports=[helper.make_opsetid("", 17)],
    )
    (values,) = session(model).run(None, {"x": X})
    assert np.abs(values - erf(X)).max() < 1e-15
    assert {node.op_type for node in model.graph.node}.isdisjoint({"Erf", "Where"})
