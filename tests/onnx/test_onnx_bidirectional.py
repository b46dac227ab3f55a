"""Bidirectional converted to ONNX: the backward copy over steps reversed
by a Slice, merged, zero at masked steps; ONNX Runtime's outputs within the
tolerance of each float type, with and without a mask."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import assert_close, run_onnx

from skdl import NeuralNetClassifier
from skdl.layers import GRU, LSTM, Bidirectional, Embedding, Flatten

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("mask_zero", [False, True], ids=["unmasked", "masked"])
def test_bidirectional_stack(dtype, mask_zero):
    rs = np.random.RandomState(0)
    X = rs.randint(1, 9, size=(24, 6)).astype(dtype)
    X[np.arange(6) >= rs.randint(0, 7, size=24)[:, np.newaxis]] = 0
    X[::2] = X[::2, ::-1]
    y = (X.sum(axis=1) > 20).astype(int)
    model = NeuralNetClassifier(
        layers=[Embedding(9, 3, mask_zero=mask_zero),
                Bidirectional(GRU(3, return_sequences=True), "ave"),
                Bidirectional(LSTM(2, return_sequences=True)), Flatten()],
        input_shape=(6,), max_iter=3, random_state=0).fit(X, y)
    _, probabilities = run_onnx(model, X)
    assert_close(probabilities, model.predict_proba(X))
