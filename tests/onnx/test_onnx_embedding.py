"""Embedding converted to ONNX: a Gather of the table's rows at the ids,
within the tolerance of each float type."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import assert_close, run_onnx

from skdl import NeuralNetRegressor
from skdl.layers import Embedding, Flatten

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_embedding_as_gather(dtype):
    rs = np.random.RandomState(0)
    X = rs.randint(0, 12, size=(30, 5)).astype(dtype)
    y = X.sum(axis=1)
    model = NeuralNetRegressor(layers=[Embedding(12, 3), Flatten()], input_shape=(5,),
                               max_iter=3, random_state=0).fit(X, y)
    (predicted,) = run_onnx(model, X)
    assert_close(predicted.ravel(), model.predict(X))
