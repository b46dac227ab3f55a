"""Every exported model answers a batch of 0 rows with 0 rows: labels and
probabilities, or values, of the shapes and types a batch of 2 rows gets,
over every estimator, every layer kind, both float types and pipelines.

The models run in a child process (see ``onnx_helpers.run_in_child``):
ONNX Runtime's LSTM and GRU kernels abort the process on a batch of 0 rows,
and its Scan dies of a floating-point exception there when it stacks its
outputs along another axis than the first (onnxruntime 1.32), so should
skdl's way around them regress, a test fails instead of pytest dying.
"""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import TOLERANCE, Softsign, run_in_child  # noqa: E402
from sklearn.base import is_classifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

from skdl import (  # noqa: E402
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    PerceptronClassifier,
)
from skdl.layers import (  # noqa: E402
    GRU,
    LSTM,
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool1D,
    MaxPool2D,
    SimpleRNN,
)
from skdl.onnx import to_onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = {"float32": np.float32, "float64": np.float64}


NETWORKS = {
    "dense-dropout": ([Dense(5, "gelu"), Dropout(0.2), Dense(4, "elu")], None),
    "conv1d-pools": ([Conv1D(3, 3, padding="same"), MaxPool1D(2), Conv1D(2, 2),
                      AvgPool1D(2, padding="same"), Flatten()], (9, 2)),
    "conv2d-pools": ([Conv2D(3, 3, padding="same"), MaxPool2D(2), Conv2D(2, 2, strides=2),
                      AvgPool2D(2, padding="same"), Flatten()], (7, 6, 2)),
    "rnn-tanh": ([SimpleRNN(3)], (4, 2)),
    "rnn-relu": ([SimpleRNN(3, "relu")], (4, 2)),
    "rnn-sigmoid": ([SimpleRNN(3, "sigmoid", return_sequences=True), Flatten()], (4, 2)),
    "rnn-gelu": ([SimpleRNN(3, "gelu")], (4, 2)),
    "rnn-user": ([SimpleRNN(3, Softsign(), return_sequences=True), Flatten()], (4, 2)),
    "lstm": ([LSTM(3)], (4, 2)),
    "lstm-sequences": ([LSTM(3, return_sequences=True), Flatten()], (4, 2)),
    "gru": ([GRU(3)], (4, 2)),
    "gru-sequences": ([GRU(3, return_sequences=True), Flatten()], (4, 2)),
    "stacked": ([SimpleRNN(3, return_sequences=True), GRU(2, return_sequences=True),
                 LSTM(3)], (4, 2)),
    "conv1d-lstm": ([Conv1D(3, 2, activation="relu"), LSTM(2)], (5, 2)),
}
"""Layer stacks of a NeuralNetRegressor, and their input shapes."""


def _targets(X, kind):
    score = X[:, 0] - X[:, 1] + 0.1 * np.arange(len(X))
    classes = np.digitize(score, np.quantile(score, [0.33, 0.66]))
    return {
        "binary": (score > np.median(score)).astype(int),
        "multiclass": classes,
        "strings": np.array(["cat", "dog", "emu"])[classes],
        "multilabel": np.column_stack([score > 0, X[:, 2] > 0]).astype(int),
        "values": np.column_stack([score, X[:, 2]]),
    }[kind]


ESTIMATORS = {
    "mlp-binary": (lambda: MLPClassifier((4,), max_iter=5), 5, "binary"),
    "mlp-multiclass": (lambda: MLPClassifier((4, 3), max_iter=5), 5, "multiclass"),
    "mlp-strings": (lambda: MLPClassifier((4,), max_iter=5), 5, "strings"),
    "mlp-multilabel": (lambda: MLPClassifier((4,), max_iter=5), 5, "multilabel"),
    "mlp-hinge": (lambda: MLPClassifier((4,), loss="hinge", max_iter=5), 5, "binary"),
    "mlp-regressor": (lambda: MLPRegressor(hidden_layer_sizes=(4,), max_iter=5), 5, "values"),
    "perceptron-step": (lambda: PerceptronClassifier(max_iter=5), 5, "binary"),
    "perceptron-logistic": (lambda: PerceptronClassifier(activation="logistic", max_iter=5),
                            5, "multiclass"),
    "perceptron-softmax": (lambda: PerceptronClassifier(activation="softmax", max_iter=5),
                           5, "strings"),
    "nn-classifier-cnn": (lambda: NeuralNetClassifier(
        [Conv2D(2, 2), MaxPool2D(2), Flatten(), Dense(3)], input_shape=(4, 4, 1), max_iter=2),
        16, "multiclass"),
    "nn-classifier-lstm": (lambda: NeuralNetClassifier([LSTM(3)], input_shape=(3, 2),
                                                       max_iter=2), 6, "binary"),
    "nn-classifier-gru-multilabel": (lambda: NeuralNetClassifier(
        [GRU(3)], input_shape=(3, 2), max_iter=2), 6, "multilabel"),
    "pipeline-scaler-mlp": (lambda: make_pipeline(StandardScaler(), MLPClassifier(
        (4,), max_iter=5)), 5, "strings"),
    "pipeline-minmax-cnn": (lambda: make_pipeline(MinMaxScaler(), NeuralNetRegressor(
        [Conv1D(2, 2), AvgPool1D(2), Flatten()], input_shape=(4, 2), max_iter=2)),
        8, "values"),
    "pipeline-scaler-gru": (lambda: make_pipeline(StandardScaler(), NeuralNetClassifier(
        [GRU(3, return_sequences=True), Flatten()], input_shape=(3, 2), max_iter=2)),
        6, "multiclass"),
    **{f"nn-{name}": (lambda layers=layers, shape=shape: NeuralNetRegressor(
        layers, input_shape=shape, max_iter=2),
        5 if shape is None else int(np.prod(shape)), "values")
       for name, (layers, shape) in NETWORKS.items()},
}
"""Estimators, the width of their input and their target."""

CASES = [f"{name}-{dtype}" for name in ESTIMATORS for dtype in DTYPES]
ZIPMAP_CASES = ["mlp-binary-float32", "mlp-strings-float32", "nn-classifier-lstm-float32"]
"""Classifiers converted with skl2onnx's default ZipMap too: float32 ones,
as ONNX Runtime's ZipMap takes no float64 probabilities."""


def _case(key):
    """The fitted model of ``key``, a batch of 2 rows and what skdl
    predicts for it: labels and probabilities, or values."""
    name, dtype = key.rsplit("-", 1)
    make, width, kind = ESTIMATORS[name]
    X = np.random.RandomState(0).normal(size=(12, width)).astype(DTYPES[dtype])
    model = make()
    model.set_params(**{key: 0 for key in model.get_params() if key.endswith("random_state")})
    model.fit(X, _targets(X, kind))
    X2 = X[:2]
    if not is_classifier(model):
        return model, X2, [model.predict(X2).reshape(2, -1)]
    scores = model.predict_proba(X2) if hasattr(model, "predict_proba") else None
    return model, X2, [model.predict(X2), scores]


@pytest.fixture(scope="module")
def answers():
    """Every case's model run on 0 rows, then 2, in one child process; those
    of ``ZIPMAP_CASES`` converted with ZipMap as well."""
    cases = {key: _case(key) for key in CASES}
    jobs = {}
    for key, (model, X2, _) in cases.items():
        batches = [X2[:0], X2]
        options = {"zipmap": False} if is_classifier(model) else {}
        jobs[key] = (to_onnx(model, X2, options=options), batches)
        if key in ZIPMAP_CASES:
            jobs[f"{key}-zipmap"] = (to_onnx(model, X2), batches)
    return cases, run_in_child(jobs)


@pytest.mark.parametrize("key", CASES)
def test_zero_rows_give_zero_rows(answers, key):
    cases, results = answers
    _, X2, expected = cases[key]
    assert not isinstance(results[key], str), results[key]
    empty, two = results[key]
    assert len(empty) == len(two) == len(expected)
    for out_empty, out_two, skdl in zip(empty, two, expected):
        assert out_empty.shape == (0, *out_two.shape[1:])
        assert out_empty.dtype == out_two.dtype
        assert out_two.shape[0] == 2
        if skdl is None:  # a model without predict_proba gives its scores
            assert out_two.dtype == X2.dtype
        elif skdl.dtype.kind in "iuUO":  # labels
            assert np.array_equal(out_two, skdl.astype(out_two.dtype))
        else:
            assert out_two.dtype == X2.dtype
            tol = TOLERANCE[X2.dtype.type]
            np.testing.assert_allclose(out_two, skdl, rtol=tol, atol=tol)


@pytest.mark.parametrize("key", ZIPMAP_CASES)
def test_zipmap_gives_no_row_for_zero_rows(answers, key):
    cases, results = answers
    model = cases[key][0]
    assert not isinstance(results[f"{key}-zipmap"], str), results[f"{key}-zipmap"]
    (label_empty, rows_empty), (label_two, rows_two) = results[f"{key}-zipmap"]
    assert label_empty.shape == (0,) and label_empty.dtype == label_two.dtype
    assert list(rows_empty) == []
    assert [list(row) for row in rows_two] == [list(model.classes_)] * 2
