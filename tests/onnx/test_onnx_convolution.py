"""Conv2D and Conv1D converted to ONNX predict what skdl predicts, within
1e-5 (float32) or 1e-9 (float64): ONNX's channels-first Conv between
transposes in float32, gathered windows times the kernel in float64; over
kernel sizes, strides, paddings, channels, activations and stacks."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import TOLERANCE, run_onnx

from skdl import NeuralNetClassifier, NeuralNetRegressor
from skdl.layers import (
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Flatten,
    MaxPool1D,
    MaxPool2D,
)
from skdl.onnx import to_onnx

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def fitted(layers, shape, dtype, n_rows=6, seed=0):
    """A regressor of three outputs over ``layers``, fitted briefly on
    random samples of ``shape``, and those samples."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, int(np.prod(shape)))).astype(dtype)
    y = rng.normal(size=(n_rows, 3))
    model = NeuralNetRegressor(layers + [Flatten()], input_shape=shape, max_iter=2,
                               random_state=seed)
    return model.fit(X, y), X


def assert_matches_skdl(model, X):
    """ONNX Runtime's predictions are skdl's, in X's dtype."""
    (values,) = run_onnx(model, X, options={})
    assert values.dtype == X.dtype
    np.testing.assert_allclose(values, model.predict(X).reshape(values.shape),
                               rtol=0, atol=TOLERANCE[X.dtype.type])


@DTYPES
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("kernel_size, channels", [(1, 3), (2, 1), (3, 3), ((3, 2), 1)],
                         ids=["k1-C3", "k2-C1", "k3-C3", "k3x2-C1"])
def test_conv2d_matches_skdl(kernel_size, channels, strides, padding, dtype):
    layer = Conv2D(4, kernel_size, strides=strides, padding=padding, activation="relu")
    assert_matches_skdl(*fitted([layer], (5, 6, channels), dtype))


@DTYPES
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("kernel_size, channels", [(1, 1), (2, 3), (3, 1)],
                         ids=["k1-C1", "k2-C3", "k3-C1"])
def test_conv1d_matches_skdl(kernel_size, channels, strides, padding, dtype):
    layer = Conv1D(3, kernel_size, strides=strides, padding=padding, activation="tanh")
    assert_matches_skdl(*fitted([layer], (7, channels), dtype))


class Cube:
    """A user activation with its own ONNX form."""

    def value(self, z):
        return z ** 3

    def derivative(self, z, a):
        return 3 * z ** 2

    def to_onnx(self, graph, z):
        return graph.node("Pow", [z, graph.constant(3.0)])


@DTYPES
@pytest.mark.parametrize("activation", ["softmax", "gelu", "relu", "leaky_relu", Cube()],
                         ids=["softmax", "gelu", "relu", "leaky_relu", "user"])
def test_conv_activations_match_skdl(activation, dtype):
    # softmax normalises over the filters: in ONNX, over the channels-last axis
    layers = [Conv2D(3, 2, padding="same", activation=activation)]
    assert_matches_skdl(*fitted(layers, (4, 5, 2), dtype))
    layers = [Conv1D(3, 2, padding="same", activation=activation)]
    assert_matches_skdl(*fitted(layers, (6, 2), dtype))


def stack_2d():
    return [Conv2D(3, 3, padding="same", activation="relu"), MaxPool2D(2, padding="same"),
            Conv2D(4, 2, strides=2, activation="gelu"), AvgPool2D(2, strides=1, padding="same"),
            Conv2D(2, 1)]


def stack_1d():
    return [Conv1D(3, 3, padding="same", activation="relu"), AvgPool1D(2, padding="same"),
            Conv1D(2, 2, activation="elu"), MaxPool1D(3, strides=1, padding="same")]


def live_nodes(onx):
    """The nodes the graph's outputs depend on, in graph order, and which
    node makes each tensor."""
    maker = {out: node for node in onx.graph.node for out in node.output}
    live, pending = set(), [output.name for output in onx.graph.output]
    while pending:
        node = maker.get(pending.pop())
        if node is not None and id(node) not in live:
            live.add(id(node))
            pending.extend(node.input)
    return [node for node in onx.graph.node if id(node) in live], maker


@DTYPES
@pytest.mark.parametrize("make, shape", [(stack_2d, (7, 6, 3)), (stack_1d, (9, 2))],
                         ids=["2d", "1d"])
def test_stacks_match_skdl_and_transpose_only_at_the_ends(make, shape, dtype):
    model, X = fitted(make(), shape, dtype)
    assert_matches_skdl(model, X)
    nodes, maker = live_nodes(to_onnx(model, X))
    ops = [node.op_type for node in nodes]
    transposes = [node for node in nodes if node.op_type == "Transpose"]
    assert not any(maker[node.input[0]].op_type == "Transpose" for node in transposes)
    if dtype == np.float32:
        # into channels-first once, and back once, for the whole stack
        assert len(transposes) == 2
        assert {"Conv", "MaxPool", "AveragePool"} <= set(ops)
    else:
        # only the max pools run channels-first
        assert len(transposes) == 2 * ops.count("MaxPool") == 2
        assert not {"Conv", "AveragePool"} & set(ops)


def test_softmax_conv_keeps_channels_last_softmax():
    model, X = fitted([Conv2D(3, 2, activation="softmax"), MaxPool2D(2)], (5, 5, 2), np.float32)
    nodes, maker = live_nodes(to_onnx(model, X))
    (softmax,) = [node for node in nodes if node.op_type == "Softmax"]
    assert maker[softmax.input[0]].op_type == "Transpose"
    assert_matches_skdl(model, X)


@DTYPES
def test_cnn_classifier_labels_and_probabilities(dtype):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(12, 6 * 5 * 1)).astype(dtype)
    y = np.array(["cat", "dog", "owl"] * 4)
    model = NeuralNetClassifier(
        [Conv2D(3, 3, padding="same", activation="relu"), MaxPool2D(2), Flatten()],
        input_shape=(6, 5, 1), max_iter=2, random_state=0,
    ).fit(X, y)
    labels, probabilities = run_onnx(model, X)
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(probabilities, model.predict_proba(X), rtol=0,
                               atol=TOLERANCE[dtype])
