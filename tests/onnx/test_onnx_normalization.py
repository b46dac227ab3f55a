"""The normalization layers converted to ONNX predict what skdl predicts,
within 1e-5 (float32) or 1e-9 (float64): ONNX's LayerNormalization over the
last axis, and BatchNormalization with the moving statistics, channels
moved to axis 1 and back (no transposes at all between a convolution and
its batch normalization); and the Activation layer that follows them."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import TOLERANCE, op_types, session
from padding_mask import PadMask

from skdl import NeuralNetRegressor
from skdl.layers import (
    Activation,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    Flatten,
    GlobalAveragePooling1D,
    LayerNormalization,
)
from skdl.onnx import to_onnx

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def fitted(layers, shape, dtype, seed=0):
    """A regressor of two outputs over ``layers``, fitted briefly on random
    samples of ``shape``, and those samples."""
    rng = np.random.RandomState(seed)
    X = rng.normal(1.0, 2.0, size=(8, int(np.prod(shape)))).astype(dtype)
    y = rng.normal(size=(len(X), 2))
    model = NeuralNetRegressor(layers, input_shape=shape, max_iter=3, random_state=seed)
    return model.fit(X, y), X


def assert_matches_skdl(model, X):
    """ONNX Runtime's predictions are skdl's; returns the operator types."""
    onx = to_onnx(model, X)
    (values,) = session(onx).run(None, {onx.graph.input[0].name: X})
    assert values.dtype == X.dtype
    np.testing.assert_allclose(values, model.predict(X).reshape(values.shape),
                               rtol=TOLERANCE[X.dtype.type], atol=TOLERANCE[X.dtype.type])
    return set(op_types(onx))


@DTYPES
@pytest.mark.parametrize("center, scale", [(True, True), (False, False)])
@pytest.mark.parametrize("layers, shape", [
    ([Dense(4), LayerNormalization()], (3,)),
    ([LayerNormalization(), Flatten()], (3, 4)),
    ([LayerNormalization(), Flatten()], (2, 3, 4)),
], ids=["flat", "sequence", "image"])
def test_layer_normalization(layers, shape, center, scale, dtype):
    layers = [LayerNormalization(center=center, scale=scale) if isinstance(layer,
              LayerNormalization) else layer for layer in layers]
    assert "LayerNormalization" in assert_matches_skdl(*fitted(layers, shape, dtype))


@DTYPES
@pytest.mark.parametrize("layers, shape, transposes", [
    ([Dense(4), BatchNormalization(), Activation("tanh")], (3,), 0),
    ([Conv1D(3, 2), BatchNormalization(center=False), Activation("relu"), Flatten()],
     (5, 2), 2),
    ([Conv2D(3, 2), BatchNormalization(), Activation("softmax"), Flatten()], (4, 4, 1), 2),
], ids=["dense", "conv1d", "conv2d"])
def test_batch_normalization(layers, shape, transposes, dtype):
    model, X = fitted(layers, shape, dtype)
    # the moving statistics have moved away from their start
    assert not np.allclose(model.layers_[1].moving_variance, 1.0)
    onx = to_onnx(model, X)
    ops = op_types(onx)
    assert "BatchNormalization" in ops and ops.count("Transpose") == transposes
    assert_matches_skdl(model, X)


@DTYPES
def test_masked_sequences_pass_the_mask_on(dtype):
    # the normalizations pass the mask to the average pool, in ONNX as in skdl
    rng = np.random.RandomState(0)
    X = rng.normal(size=(8, 5, 3))
    X[:4, 3:] = 0
    X = X.reshape(8, -1).astype(dtype)
    model = NeuralNetRegressor([PadMask(), BatchNormalization(), LayerNormalization(),
                                GlobalAveragePooling1D()], input_shape=(5, 3), max_iter=3,
                               random_state=0).fit(X, rng.normal(size=(8, 2)))
    ops = assert_matches_skdl(model, X)
    assert "ReduceMean" not in ops  # the masked average
