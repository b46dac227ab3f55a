"""The global pools converted to ONNX predict what skdl predicts, within
1e-5 (float32) or 1e-9 (float64): ReduceMean and ReduceMax over the pooled
axes, and the 1-D average over the unmasked steps when a mask comes."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import TOLERANCE, op_types, session
from padding_mask import PadMask

from skdl import NeuralNetRegressor
from skdl.layers import (
    Conv1D,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
)
from skdl.onnx import to_onnx


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def assert_matches_skdl(layers, shape, dtype, X=None):
    """Fit a regressor of two outputs over ``layers`` briefly; ONNX
    Runtime's predictions are skdl's. Returns the operator types."""
    rng = np.random.RandomState(0)
    if X is None:
        X = rng.normal(size=(8, int(np.prod(shape))))
    X = X.astype(dtype)
    model = NeuralNetRegressor(layers, input_shape=shape, max_iter=3, random_state=0)
    model.fit(X, rng.normal(size=(len(X), 2)))
    onx = to_onnx(model, X)
    (values,) = session(onx).run(None, {onx.graph.input[0].name: X})
    np.testing.assert_allclose(values, model.predict(X).reshape(values.shape),
                               rtol=TOLERANCE[X.dtype.type], atol=TOLERANCE[X.dtype.type])
    return set(op_types(onx))


@DTYPES
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("pool, shape", [
    (GlobalAveragePooling1D, (5, 3)), (GlobalMaxPooling1D, (5, 3)),
    (GlobalAveragePooling2D, (4, 3, 2)), (GlobalMaxPooling2D, (4, 3, 2)),
])
def test_global_pools(pool, shape, keepdims, dtype):
    layers = [pool(keepdims=keepdims)] + ([Flatten()] if keepdims else [])
    ops = assert_matches_skdl(layers, shape, dtype)
    assert ("ReduceMean" if "Average" in pool.__name__ else "ReduceMax") in ops


@DTYPES
def test_masked_average_over_the_unmasked_steps(dtype):
    X = np.random.RandomState(1).normal(size=(6, 5, 2))
    X[0, 3:] = 0
    X[1, :1] = 0
    X[2, 1::2] = 0
    X[3] = 0  # no unmasked step: zeros
    for keepdims in (False, True):
        layers = [PadMask(), GlobalAveragePooling1D(keepdims=keepdims)] + (
            [Flatten()] if keepdims else [])
        ops = assert_matches_skdl(layers, (5, 2), dtype, X.reshape(6, -1))
        assert "ReduceMean" not in ops and "Div" in ops


@DTYPES
def test_after_a_convolution(dtype):
    assert_matches_skdl([Conv1D(3, 2), GlobalMaxPooling1D()], (6, 2), dtype)
