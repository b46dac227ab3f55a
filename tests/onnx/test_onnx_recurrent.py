"""SimpleRNN, LSTM and GRU converted to ONNX predict what skdl predicts,
within 1e-5 (float32) or 1e-9 (float64): ONNX's RNN/LSTM/GRU operators in
float32, a Scan over the steps in float64 and for activations ONNX's RNN
lacks, whose graph does not grow with the steps; last state or every
state, one step or several, stacked."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import TOLERANCE, Softsign, op_types, session

from skdl import NeuralNetClassifier, NeuralNetRegressor
from skdl.layers import GRU, LSTM, Conv1D, Flatten, SimpleRNN
from skdl.onnx import to_onnx

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = [np.float32, np.float64]
RECURRENT_OPERATORS = {"RNN", "LSTM", "GRU"}

LAYERS = {
    "lstm": (lambda rs: LSTM(4, return_sequences=rs), "LSTM"),
    "gru": (lambda rs: GRU(4, return_sequences=rs), "GRU"),
    "rnn-tanh": (lambda rs: SimpleRNN(4, "tanh", return_sequences=rs), "RNN"),
    "rnn-relu": (lambda rs: SimpleRNN(4, "relu", return_sequences=rs), "RNN"),
    "rnn-sigmoid": (lambda rs: SimpleRNN(4, "sigmoid", return_sequences=rs), "RNN"),
    "rnn-gelu": (lambda rs: SimpleRNN(4, "gelu", return_sequences=rs), None),
}
"""Each layer, and the ONNX operator a float32 model writes it with (None:
a Scan, as ONNX's RNN has no gelu)."""


def _data(shape, dtype, n_rows=24, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, int(np.prod(shape)))).astype(dtype)
    return X, X.sum(axis=1) + rng.normal(scale=0.1, size=n_rows).astype(dtype)


def _convert(model, X, **options):
    """ONNX Runtime's outputs on ``X`` and the converted graph's operators."""
    onx = to_onnx(model, X, options=options)
    sess = session(onx)
    return sess.run(None, {sess.get_inputs()[0].name: X}), set(op_types(onx))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape", [(1, 3), (7, 1), (7, 3)], ids=lambda s: f"T{s[0]}F{s[1]}")
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("name", list(LAYERS))
def test_recurrent_layer_matches_skdl(name, return_sequences, shape, dtype):
    make, operator = LAYERS[name]
    layers = [make(return_sequences)] + ([Flatten()] if return_sequences else [])
    X, y = _data(shape, dtype)
    model = NeuralNetRegressor(layers, input_shape=shape, max_iter=2, random_state=0).fit(X, y)
    (values,), ops = _convert(model, X)
    assert values.dtype == dtype and values.shape == (len(X), 1)
    np.testing.assert_allclose(values[:, 0], model.predict(X), rtol=0, atol=TOLERANCE[dtype])
    if dtype == np.float32 and operator is not None:
        assert ops & RECURRENT_OPERATORS == {operator}
    else:  # float64 runs none of them in ONNX Runtime; ONNX's RNN has no gelu
        assert not ops & RECURRENT_OPERATORS and "Scan" in ops


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_stacked_lstm_gru_classifier(dtype):
    shape = (7, 3)
    X, score = _data(shape, dtype, n_rows=36)
    y = np.digitize(score, np.quantile(score, [0.33, 0.66]))
    model = NeuralNetClassifier(
        [LSTM(4, return_sequences=True), GRU(3)], input_shape=shape, max_iter=3,
        random_state=0,
    ).fit(X, y)
    (label, proba), ops = _convert(model, X, zipmap=False)
    np.testing.assert_array_equal(label, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=TOLERANCE[dtype])
    expected = {"LSTM", "GRU"} if dtype == np.float32 else set()
    assert ops & RECURRENT_OPERATORS == expected


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_every_state_feeds_the_next_recurrent_layer(dtype):
    """Three recurrent layers, every one returning sequences, before Flatten:
    the time-major and channels-last layouts meet at each junction."""
    shape = (5, 2)
    X, y = _data(shape, dtype)
    layers = [SimpleRNN(4, return_sequences=True), GRU(2, return_sequences=True),
              LSTM(4, return_sequences=True), Flatten()]
    model = NeuralNetRegressor(layers, input_shape=shape, max_iter=2, random_state=0).fit(X, y)
    (values,), _ = _convert(model, X)
    np.testing.assert_allclose(values[:, 0], model.predict(X), rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_conv1d_then_lstm(dtype):
    shape = (7, 3)
    X, y = _data(shape, dtype)
    layers = [Conv1D(4, 3, padding="same", activation="relu"), LSTM(3)]
    model = NeuralNetRegressor(layers, input_shape=shape, max_iter=2, random_state=0).fit(X, y)
    (values,), _ = _convert(model, X)
    np.testing.assert_allclose(values[:, 0], model.predict(X), rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("activation", ["elu", Softsign()], ids=["elu", "user"])
def test_simple_rnn_other_activations_scanned(activation, dtype):
    shape = (7, 3)
    X, y = _data(shape, dtype)
    layers = [SimpleRNN(4, activation, return_sequences=True), Flatten()]
    model = NeuralNetRegressor(layers, input_shape=shape, max_iter=2, random_state=0).fit(X, y)
    (values,), ops = _convert(model, X)
    np.testing.assert_allclose(values[:, 0], model.predict(X), rtol=0, atol=TOLERANCE[dtype])
    assert not ops & RECURRENT_OPERATORS and "Scan" in ops


@pytest.mark.parametrize("name, return_sequences, dtype", [
    ("lstm", False, np.float64), ("lstm", True, np.float64), ("gru", False, np.float64),
    ("gru", True, np.float64), ("rnn-tanh", True, np.float64), ("rnn-gelu", False, np.float64),
    ("rnn-gelu", True, np.float32),
], ids=lambda value: getattr(value, "__name__", str(value)))
def test_scan_graph_does_not_grow_with_the_steps(name, return_sequences, dtype):
    """5 steps or 200, the same operators and constants: the Scan's body
    is one step (a loop written out step by step grew with the steps, and
    skl2onnx's export time with their square)."""
    make, _ = LAYERS[name]
    layers = [make(return_sequences)] + ([Flatten()] if return_sequences else [])
    sizes = {}
    for steps in (5, 200):
        X, y = _data((steps, 2), dtype, n_rows=6)
        model = NeuralNetRegressor(layers, input_shape=(steps, 2), max_iter=1,
                                   random_state=0).fit(X, y)
        onx = to_onnx(model, X)
        sess = session(onx)
        (values,) = sess.run(None, {sess.get_inputs()[0].name: X})
        np.testing.assert_allclose(values[:, 0], model.predict(X), rtol=0,
                                   atol=TOLERANCE[dtype])
        sizes[steps] = (op_types(onx), len(onx.graph.initializer))
    assert sizes[5] == sizes[200]
    assert "Scan" in sizes[5][0]


def test_onnx_runtime_loads_the_scans_without_warnings(capfd):
    """The Scan bodies read the model's constants, one per value: ONNX
    Runtime, which merges equal ones, warned that it could not rename those
    a subgraph reads."""
    X, y = _data((4, 2), np.float64)
    layers = [GRU(3, return_sequences=True), SimpleRNN(3, "gelu")]
    model = NeuralNetRegressor(layers, input_shape=(4, 2), max_iter=1, random_state=0).fit(X, y)
    capfd.readouterr()
    sess = session(to_onnx(model, X))
    (values,) = sess.run(None, {sess.get_inputs()[0].name: X})
    np.testing.assert_allclose(values[:, 0], model.predict(X), rtol=0, atol=TOLERANCE[np.float64])
    assert "onnxruntime" not in capfd.readouterr().err
