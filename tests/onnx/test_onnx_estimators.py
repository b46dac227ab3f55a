"""Every skdl estimator converted to ONNX predicts what skdl predicts: labels
identical, probabilities, scores and values within 1e-5 (float32) or 1e-9
(float64), over estimators x activations x targets, and inside pipelines."""

import warnings

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

import skl2onnx  # noqa: E402
from onnx_helpers import assert_close, run_onnx, session  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType  # noqa: E402

import skdl.onnx  # noqa: E402,F401  (registers the converters)
from skdl import (  # noqa: E402
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    PerceptronClassifier,
)
from skdl.activations import ELU, LeakyReLU  # noqa: E402
from skdl.layers import Dense, Dropout  # noqa: E402
from skdl.onnx import to_onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = [np.float32, np.float64]
HIDDEN = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus"]
"""Every built-in activation a hidden layer can train with (step has no
gradient; exp and softmax are outputs), by their canonical names."""


def _data(dtype, n_features=5, n_rows=48, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n_rows, n_features)).astype(dtype)


def _targets(X, kind):
    score = X[:, 0] + 0.5 * X[:, 1] - X[:, 2] ** 2
    if kind == "binary":
        return (score > np.median(score)).astype(int)
    if kind == "multiclass":
        return np.digitize(score, np.quantile(score, [0.33, 0.66]))
    if kind == "strings":
        return np.array(["cat", "dog", "emu"])[np.digitize(score, np.quantile(score, [0.33, 0.66]))]
    if kind == "multilabel":
        return np.column_stack([score > 0, X[:, 3] > 0, X[:, 4] < 0.5]).astype(int)
    raise ValueError(kind)


def _check_classifier(model, X, scores=None):
    """ONNX labels equal skdl's; its second output is within tolerance of
    predict_proba, or of ``scores`` for a model without probabilities."""
    label, second = run_onnx(model, X)
    expected_label = model.predict(X)
    assert label.shape == expected_label.shape
    assert np.array_equal(label, expected_label.astype(label.dtype) if label.dtype.kind != "U"
                          else expected_label)
    expected = model.predict_proba(X) if scores is None else scores
    assert second.dtype == X.dtype
    assert_close(second, expected)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "strings", "multilabel"])
@pytest.mark.parametrize("activation", HIDDEN)
def test_mlp_classifier_every_activation_and_target(activation, kind, dtype):
    X = _data(dtype)
    model = MLPClassifier((7, 4), activation=activation, max_iter=30, random_state=0)
    _check_classifier(model.fit(X, _targets(X, kind)), X)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(
    "params, kind",
    [
        ({"output_activation": "softmax"}, "binary"),  # two softmax columns
        ({"output_activation": "logistic", "loss": "binary_cross_entropy"}, "multiclass"),
        ({"output_activation": "logistic"}, "binary"),
        ({"loss": "cross_entropy"}, "binary"),
        ({"activation": ["gelu", "elu"], "class_weight": "balanced"}, "multiclass"),
        ({"dropout": 0.3, "solver": "adam"}, "multiclass"),
    ],
    ids=["softmax-binary", "logistic-multiclass", "logistic-binary", "ce-binary",
         "per-layer", "dropout"],
)
def test_mlp_classifier_output_options(params, kind, dtype):
    X = _data(dtype)
    model = MLPClassifier((6, 5), max_iter=30, random_state=0, **params)
    _check_classifier(model.fit(X, _targets(X, kind)), X)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_margin_loss_classifier_gives_its_scores(kind, dtype):
    """A hinge-loss MLP has no predict_proba: the second output holds its
    outputs, one column as ``[-score, score]``."""
    X = _data(dtype)
    model = MLPClassifier((6,), loss="hinge", max_iter=30, random_state=0)
    model.fit(X, _targets(X, kind))
    assert not hasattr(model, "predict_proba")
    out = model._predict_outputs(X)
    scores = np.hstack([-out, out]) if out.shape[1] == 1 else out
    _check_classifier(model, X, scores)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("n_outputs", [1, 2])
@pytest.mark.parametrize("activation", HIDDEN)
def test_mlp_regressor_every_activation(activation, n_outputs, dtype):
    X = _data(dtype)
    y = X[:, :n_outputs] * 2 + X[:, 2:3] ** 2
    model = MLPRegressor(hidden_layer_sizes=(7, 4), activation=activation, max_iter=30, random_state=0)
    model.fit(X, y.ravel() if n_outputs == 1 else y)
    (values,) = run_onnx(model, X)
    assert values.shape == (len(X), n_outputs) and values.dtype == dtype
    assert_close(values, model.predict(X).reshape(len(X), -1))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(
    "params",
    [
        {"loss": "poisson"},  # exp output
        {"output_activation": "softplus", "loss": "poisson"},
        {"output_activation": "logistic"},
        {"loss": "huber", "activation": LeakyReLU(0.2)},
        {"loss": "absolute_error", "activation": ELU(0.5)},
    ],
    ids=["poisson-exp", "poisson-softplus", "logistic-output", "huber-leaky0.2", "l1-elu0.5"],
)
def test_mlp_regressor_outputs_and_parameterised_activations(params, dtype):
    X = _data(dtype)
    y = np.exp(0.3 * X[:, 0]) if params.get("loss") == "poisson" else 1 / (1 + np.exp(-X[:, 0]))
    model = MLPRegressor(hidden_layer_sizes=(6,), max_iter=30, random_state=0, **params).fit(X, y)
    (values,) = run_onnx(model, X)
    assert_close(values[:, 0], model.predict(X))


def _perceptron_pairings():
    """Every (activation, loss) pair PerceptronClassifier trains, found by
    fitting each on a small problem."""
    X = _data(np.float64, n_rows=24)
    y = _targets(X, "multiclass")
    pairings = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for activation in ["step", *HIDDEN, "softmax", "exp"]:
            for loss in ["auto", "perceptron", "hinge", "squared_error", "absolute_error",
                         "huber", "binary_cross_entropy", "cross_entropy", "poisson"]:
                try:
                    PerceptronClassifier(activation=activation, loss=loss, max_iter=3).fit(X, y)
                except ValueError:
                    continue
                pairings.append((activation, loss))
    return pairings


PERCEPTRON_PAIRINGS = _perceptron_pairings()


def test_perceptron_pairings_cover_the_classic_models():
    for pair in [("step", "auto"), ("logistic", "auto"), ("softmax", "auto"),
                 ("identity", "squared_error"), ("identity", "hinge")]:
        assert pair in PERCEPTRON_PAIRINGS


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("activation, loss", PERCEPTRON_PAIRINGS,
                         ids=[f"{a}-{l}" for a, l in PERCEPTRON_PAIRINGS])
def test_perceptron_every_pairing(activation, loss, n_classes, dtype):
    X = _data(dtype)
    y = _targets(X, "binary" if n_classes == 2 else "multiclass")
    model = PerceptronClassifier(activation=activation, loss=loss, max_iter=20, random_state=0)
    model.fit(X, y)
    scores = None
    if not hasattr(model, "predict_proba"):
        decision = model.decision_function(X)
        scores = np.column_stack([-decision, decision]) if decision.ndim == 1 else decision
    _check_classifier(model, X, scores)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_sparsified_perceptron(dtype):
    X = _data(dtype)
    model = PerceptronClassifier(penalty="l1", alpha=0.05, random_state=0)
    model.fit(X, _targets(X, "multiclass")).sparsify()
    label, _ = run_onnx(model, X)
    assert np.array_equal(label, model.predict(X))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("activation", [*HIDDEN, LeakyReLU(0.3), ELU(2.0)],
                         ids=[*HIDDEN, "leaky0.3", "elu2"])
def test_neural_net_per_layer_activations(activation, dtype):
    X = _data(dtype)
    layers = [Dense(6, activation), Dropout(0.25), Dense(5, "tanh")]
    clf = NeuralNetClassifier(layers, max_iter=20, random_state=0)
    _check_classifier(clf.fit(X, _targets(X, "multiclass")), X)
    reg = NeuralNetRegressor(layers, max_iter=20, random_state=0).fit(X, X[:, 0] ** 2)
    (values,) = run_onnx(reg, X)
    assert_close(values[:, 0], reg.predict(X))


# ------------------------------------------------------------- in pipelines
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_skl2onnx_converts_a_pipeline_holding_skdl(dtype):
    X = _data(dtype) * 10 + 3
    y = _targets(X, "strings")
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=40, random_state=0))
    pipe.fit(X, y)
    onx = skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False})
    label, proba = session(onx).run(None, {"X": X})
    assert np.array_equal(label, pipe.predict(X))
    assert_close(proba, pipe.predict_proba(X))


def test_column_transformer_next_to_scikit_learn():
    X = _data(np.float32, n_features=6)
    columns = ColumnTransformer([("a", StandardScaler(), [0, 1, 2]), ("b", MinMaxScaler(), [3, 4, 5])])
    pipe = make_pipeline(columns, MLPRegressor(hidden_layer_sizes=(5,), max_iter=40, random_state=0))
    pipe.fit(X, X[:, 0] - X[:, 5])
    onx = skl2onnx.to_onnx(pipe, X[:1])
    (values,) = session(onx).run(None, {"X": X})
    assert_close(values[:, 0], pipe.predict(X))


# ------------------------------------------------------------------ zipmap
@pytest.mark.parametrize("kind", ["binary", "strings"])
def test_zipmap_gives_one_dictionary_per_row(kind):
    X = _data(np.float32)
    model = MLPClassifier((5,), max_iter=30, random_state=0).fit(X, _targets(X, kind))
    label, rows = run_onnx(model, X, options={})
    proba = model.predict_proba(X)
    assert np.array_equal(label, model.predict(X))
    assert len(rows) == len(X)
    for row, expected in zip(rows, proba):
        assert list(row) == list(model.classes_)
        np.testing.assert_allclose([row[c] for c in model.classes_], expected, atol=1e-5)


def test_zipmap_columns_gives_one_output_per_class():
    X = _data(np.float32)
    model = MLPClassifier((5,), max_iter=30, random_state=0).fit(X, _targets(X, "multiclass"))
    outputs = run_onnx(model, X, options={"zipmap": "columns"})
    assert len(outputs) == 1 + len(model.classes_)
    np.testing.assert_allclose(np.column_stack(outputs[1:]), model.predict_proba(X), atol=1e-5)


def test_multilabel_has_no_zipmap():
    X = _data(np.float64)
    model = MLPClassifier((5,), max_iter=30, random_state=0).fit(X, _targets(X, "multilabel"))
    label, proba = run_onnx(model, X, options={})
    assert np.array_equal(label, model.predict(X))
    assert_close(proba, model.predict_proba(X))


# ---------------------------------------------------------------- bad calls
ESTIMATORS = [MLPClassifier((3,)), MLPRegressor(hidden_layer_sizes=(3,)), PerceptronClassifier(),
              NeuralNetClassifier([Dense(3)]), NeuralNetRegressor([Dense(3)])]


@pytest.mark.parametrize("model", ESTIMATORS, ids=lambda m: type(m).__name__)
def test_unfitted_model_is_refused(model):
    with pytest.raises(NotFittedError):
        to_onnx(model, _data(np.float32))


@pytest.mark.parametrize("model", ESTIMATORS, ids=lambda m: type(m).__name__)
def test_input_of_the_wrong_width_is_refused(model):
    X = _data(np.float64)
    model.set_params(max_iter=5).fit(X, _targets(X, "binary"))
    with pytest.raises(ValueError, match=r"fitted on 5 features.*\[None, 5\].*\[None, 4\]"):
        skl2onnx.to_onnx(model, initial_types=[("X", FloatTensorType([None, 4]))])
    with pytest.raises(TypeError, match="FloatTensorType or DoubleTensorType.*Int64TensorType"):
        skl2onnx.to_onnx(model, initial_types=[("X", Int64TensorType([None, 5]))])


def test_float_labels_that_are_whole_become_int64():
    X = _data(np.float64)
    model = MLPClassifier((3,), max_iter=5).fit(X, _targets(X, "binary").astype(float))
    label, _ = run_onnx(model, X)
    assert label.dtype == np.int64
    assert np.array_equal(label, model.predict(X))
