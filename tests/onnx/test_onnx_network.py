"""A network's export calls each layer's ``to_onnx`` method
(skdl/onnx/_network.py): a subclass without a method of its own exports
as its parent, one with a method exports through it, and a layer without
an ONNX form is refused with a TypeError that names it."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import assert_close, op_types, run_onnx  # noqa: E402

from skdl import NeuralNetRegressor  # noqa: E402
from skdl.layers import LSTM, Conv2D, Dense, Flatten, Layer  # noqa: E402
from skdl.onnx import to_onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = [np.float32, np.float64]


class PlainDense(Dense):
    """A Dense layer under another name, without an ONNX form of its own."""


class SameConv2D(Conv2D):
    """A Conv2D whose padding is always "same", without an ONNX form of its own."""

    def __init__(self, filters, kernel_size, activation=None):
        super().__init__(filters, kernel_size, padding="same", activation=activation)


class SequenceLSTM(LSTM):
    """An LSTM that gives every step, without an ONNX form of its own."""

    def __init__(self, units):
        super().__init__(units, return_sequences=True)


class GemmDense(Dense):
    """A Dense layer with an ONNX form of its own: one Gemm."""

    def to_onnx(self, graph, x):
        kernel, bias = self.get_weights()
        z = graph.node("Gemm", [x, graph.constant(kernel), graph.constant(bias)])
        return graph.activation(self.activation_, z)


class Doubling(Layer):
    """A layer without an ONNX form: ``2 * x``."""

    def _build(self, input_shape):
        return input_shape

    def forward(self, x, rng=None):
        return 2 * x

    def backward(self, delta):
        return 2 * delta

    def predict(self, x):
        return 2 * x


class LoudDoubling(Doubling):
    """A subclass of a layer without an ONNX form, without one either."""


def _fitted(layers, input_shape, dtype):
    """A regressor of ``layers`` fitted briefly on 16 features, and its data."""
    X = np.random.RandomState(0).rand(40, 16).astype(dtype)
    model = NeuralNetRegressor(layers, input_shape=input_shape, max_iter=5, random_state=0)
    return model.fit(X, X[:, :2]), X


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("subclass, parent, input_shape", [
    (PlainDense(6, "tanh"), Dense(6, "tanh"), None),
    (SameConv2D(3, 3, "relu"), Conv2D(3, 3, padding="same", activation="relu"), (4, 4, 1)),
    (SequenceLSTM(3), LSTM(3, return_sequences=True), (8, 2)),
], ids=["Dense", "Conv2D", "LSTM"])
def test_a_subclass_without_a_method_exports_as_its_parent(subclass, parent, input_shape, dtype):
    model, X = _fitted([subclass, Flatten()], input_shape, dtype)
    (values,) = run_onnx(model, X)
    assert_close(values, model.predict(X))
    twin, _ = _fitted([parent, Flatten()], input_shape, dtype)
    assert op_types(to_onnx(model, X)) == op_types(to_onnx(twin, X))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_a_subclass_with_a_method_exports_through_it(dtype):
    model, X = _fitted([GemmDense(5, "relu")], None, dtype)
    (values,) = run_onnx(model, X)
    assert_close(values, model.predict(X))
    assert "Gemm" in op_types(to_onnx(model, X))
    plain, _ = _fitted([Dense(5, "relu")], None, dtype)
    assert "Gemm" not in op_types(to_onnx(plain, X))


@pytest.mark.parametrize("layer", [Doubling(), LoudDoubling()], ids=repr)
def test_a_layer_without_an_onnx_form_is_refused_by_name(layer):
    model, X = _fitted([Dense(4), layer], None, np.float32)
    name = type(layer).__name__
    with pytest.raises(TypeError, match=rf"The layer {name}\(\) \({name}\) has no ONNX form: "
                                        r"give it a method to_onnx\(graph, x\)"):
        to_onnx(model, X)
