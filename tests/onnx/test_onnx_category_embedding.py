"""CategoryEmbedding converted to ONNX: a Gather of each column's table
rows at its codes (the unknown code -1 reading a row of zeros), the other
columns gathered after them, all concatenated, within the tolerance of each
float type."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import assert_close, run_onnx

from skdl import NeuralNetClassifier
from skdl.layers import CategoryEmbedding, Dense

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_category_embedding_as_gathers_and_concat(dtype):
    rs = np.random.RandomState(0)
    X = rs.normal(size=(40, 4)).astype(dtype)
    X[:, 1] = rs.randint(-1, 5, 40)
    X[:, 2] = rs.randint(-1, 3, 40)
    y = (X[:, 1] > 1).astype(int) + (X[:, 0] > 0)
    model = NeuralNetClassifier(
        layers=[CategoryEmbedding([2, 1], [3, 5], [2, 3], embeddings_initializer="normal"),
                Dense(6, "tanh")],
        max_iter=5, random_state=0).fit(X, y)
    labels, probabilities = run_onnx(model, X)
    assert_close(probabilities, model.predict_proba(X))
    np.testing.assert_array_equal(labels, model.predict(X))


def test_every_column_categorical():
    X = np.array([[0, 1], [1, -1], [-1, 0], [1, 1]], dtype=np.float32)
    model = NeuralNetClassifier(layers=[CategoryEmbedding([0, 1], [2, 2], 2)],
                                max_iter=3, random_state=0).fit(X, [0, 1, 0, 1])
    _, probabilities = run_onnx(model, X)
    assert_close(probabilities, model.predict_proba(X))
