"""ZeroPadding1D, ZeroPadding2D and Conv1D(padding="causal") converted to
ONNX predict what skdl predicts, within 1e-5 (float32) or 1e-9 (float64):
ONNX's Pad for the padding layers; for the causal convolution, the
convolution's explicit pads, all before the sequence."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import TOLERANCE, run_onnx

from skdl import NeuralNetRegressor
from skdl.layers import Conv1D, Conv2D, Flatten, MaxPool1D, ZeroPadding1D, ZeroPadding2D

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def _assert_onnx_matches(layers, shape, dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(5, int(np.prod(shape)))).astype(dtype)
    model = NeuralNetRegressor(layers + [Flatten()], input_shape=shape, max_iter=2,
                               random_state=0).fit(X, rng.normal(size=(5, 2)))
    (values,) = run_onnx(model, X, options={})
    assert values.dtype == X.dtype
    np.testing.assert_allclose(values, model.predict(X).reshape(values.shape), rtol=0,
                               atol=TOLERANCE[X.dtype.type])


@DTYPES
def test_zero_padding2d_around_convolutions(dtype):
    _assert_onnx_matches([ZeroPadding2D(((1, 0), (2, 1))), Conv2D(2, 3, activation="relu"),
                          ZeroPadding2D(1)], (4, 3, 2), dtype)


@DTYPES
def test_zero_padding1d(dtype):
    _assert_onnx_matches([ZeroPadding1D((2, 1)), Conv1D(3, 2, activation="tanh"),
                          ZeroPadding1D(1)], (5, 2), dtype)


@DTYPES
@pytest.mark.parametrize("strides", [1, 2])
def test_causal_conv1d(dtype, strides):
    _assert_onnx_matches([Conv1D(3, 3, strides=strides, padding="causal", activation="relu"),
                          MaxPool1D(2, padding="same"),
                          Conv1D(2, 4, padding="causal")], (6, 2), dtype)
