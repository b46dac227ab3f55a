"""What the ONNX tests share: convert a fitted model and run it in ONNX
Runtime, and the tolerances skdl promises per float type."""

import numpy as np
import onnxruntime
from sklearn.base import is_classifier

from skdl.onnx import to_onnx

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-9}
"""Largest difference allowed between ONNX Runtime's and skdl's outputs of
order one (probabilities): absolute, and relative for larger values."""


def assert_close(actual, expected):
    """``actual`` within ``TOLERANCE`` of ``expected`` for its dtype:
    ``|actual - expected| <= tol * (1 + |expected|)``; so probabilities are
    within ``tol`` and unbounded scores and values within ``tol`` relative. ``actual``'s dtype sets ``tol``."""
    tol = TOLERANCE[actual.dtype.type]
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


def session(onx):
    """An ONNX Runtime session on the CPU for a model proto."""
    return onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def run_onnx(model, X, options=None):
    """Convert ``model`` for ``X``'s dtype (without ZipMap unless
    ``options`` say otherwise) and return ONNX Runtime's outputs on ``X``."""
    if options is None:
        options = {"zipmap": False} if is_classifier(model) else {}
    onx = to_onnx(model, X, options=options)
    sess = session(onx)
    return sess.run(None, {sess.get_inputs()[0].name: X})


def op_types(onx):
    """The operator types of a model's graph, in order."""
    return [node.op_type for node in onx.graph.node]
