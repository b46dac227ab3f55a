"""The throwaway Softsign layer: gradients, both back-ends, and ONNX."""

import numpy as np
import pytest

from skdl import NeuralNetClassifier
from skdl import backend as backends
from skdl.gradcheck import check_gradients
from skdl.layers import Dense, Softsign
from skdl.network import Network


@pytest.mark.parametrize("name", backends.available())
def test_softsign_gradients_and_outputs(name):
    rs = np.random.RandomState(0)
    X, Y = rs.normal(size=(6, 4)), np.eye(2)[rs.randint(0, 2, 6)]
    with backends.use(name):
        network = Network([Dense(3, "tanh"), Softsign(), Dense(2, "softmax")], (4,))
        network.initialize(rs)
        assert check_gradients(network, X, Y, "cross_entropy")[0] < 1e-6
        layer = Softsign()
        layer.build((4,))
        layer.allocate(6)
        np.testing.assert_allclose(layer.forward(X), X / (1 + np.abs(X)), rtol=1e-12)
        np.testing.assert_allclose(layer.predict(X), X / (1 + np.abs(X)), rtol=1e-12)


def test_softsign_exports_to_onnx():
    ort = pytest.importorskip("onnxruntime")
    from skdl.onnx import to_onnx

    rs = np.random.RandomState(1)
    X, y = rs.normal(size=(40, 4)), rs.randint(0, 2, 40)
    est = NeuralNetClassifier([Dense(5, "relu"), Softsign()], max_iter=5,
                              random_state=0).fit(X, y)
    model = to_onnx(est, X[:1].astype(np.float32), options={"zipmap": False})
    session = ort.InferenceSession(model.SerializeToString())
    probabilities = session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[1]
    np.testing.assert_allclose(probabilities, est.predict_proba(X), atol=1e-5)
