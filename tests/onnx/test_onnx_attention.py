"""The attention layers in ONNX: MultiHeadAttention (masked keys through
``Where``, the causal mask, no biases), PositionEmbedding and Residual
blocks, against skdl's predictions within the ONNX tolerance, in float32
and float64."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from attention_reference import padded_sequences  # noqa: E402
from padding_mask import PadMask  # noqa: E402
from onnx_helpers import assert_close, op_types, run_onnx  # noqa: E402

from skdl import NeuralNetRegressor  # noqa: E402
from skdl.layers import (  # noqa: E402
    Dense,
    Flatten,
    GlobalAveragePooling1D,
    LayerNormalization,
    MultiHeadAttention,
    PositionEmbedding,
    Residual,
)
from skdl.onnx import to_onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _fitted(layers, dtype, steps=5, features=4):
    X = padded_sequences(12, steps, features).reshape(12, -1).astype(dtype)
    y = np.random.RandomState(1).normal(size=12)
    model = NeuralNetRegressor(layers=layers, input_shape=(steps, features), max_iter=2,
                               random_state=0).fit(X, y)
    return model, X


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_attention_with_masks_equals_skdl(dtype):
    for options in (dict(), dict(use_causal_mask=True, value_dim=3, use_bias=False)):
        model, X = _fitted([PadMask(), MultiHeadAttention(2, 3, **options), Flatten()],
                           dtype)
        assert_close(run_onnx(model, X)[0].ravel(), model.predict(X))
    ops = op_types(to_onnx(model, X))
    assert {"Where", "Softmax", "MatMul", "And"} <= set(ops)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pre_norm_transformer_blocks_equal_skdl(dtype):
    blocks = []
    for causal in (False, True):
        blocks += [Residual([LayerNormalization(), MultiHeadAttention(2, 2,
                                                                      use_causal_mask=causal)]),
                   Residual([LayerNormalization(), Dense(8, activation="relu"), Dense(4)])]
    layers = [PadMask(), PositionEmbedding(7), *blocks, GlobalAveragePooling1D()]
    model, X = _fitted(layers, dtype)
    assert_close(run_onnx(model, X)[0].ravel(), model.predict(X))
