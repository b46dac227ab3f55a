"""Masked recurrent layers converted to ONNX: an Embedding(mask_zero=True)
makes the mask, and SimpleRNN, LSTM and GRU run as a Scan whose step keeps
the previous state at padding, within the tolerance of each float type, on
pre- and post-padded rows."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import assert_close, op_types, run_onnx

from skdl import NeuralNetClassifier
from skdl.layers import GRU, LSTM, Embedding, Flatten, SimpleRNN
from skdl.onnx import to_onnx

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _padded_ids(n=24, steps=6, vocabulary=9, seed=0):
    rs = np.random.RandomState(seed)
    ids = rs.randint(1, vocabulary, size=(n, steps)).astype(float)
    lengths = rs.randint(0, steps + 1, size=n)
    post = np.arange(steps) >= lengths[:, np.newaxis]
    ids[post] = 0
    ids[::2] = ids[::2, ::-1]  # every other row pre-padded
    return ids


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_masked_recurrent_stack(dtype):
    X = _padded_ids().astype(dtype)
    y = (X.sum(axis=1) > 20).astype(int)
    model = NeuralNetClassifier(
        layers=[Embedding(9, 3, mask_zero=True), SimpleRNN(3, return_sequences=True),
                GRU(3, return_sequences=True), LSTM(2, return_sequences=True), Flatten()],
        input_shape=(6,), max_iter=3, random_state=0).fit(X, y)
    _, probabilities = run_onnx(model, X)
    assert_close(probabilities, model.predict_proba(X))
    types = op_types(to_onnx(model, X, options={"zipmap": False}))
    assert types.count("Scan") == 3 and types.count("Where") == 4  # LSTM: h and c
    assert not {"RNN", "GRU", "LSTM"} & set(types)
