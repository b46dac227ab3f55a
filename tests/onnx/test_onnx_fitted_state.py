"""The export reads the fitted model, never its parameters as they are now:
``set_params`` after fit, or the user's own layer list edited in place,
must not change what ONNX Runtime computes."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import assert_close, run_onnx  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from skdl import (  # noqa: E402
    MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor,
)
from skdl.layers import LSTM, Conv1D, Conv2D, Dense, Flatten, MaxPool2D  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float32), y[:300]


def _cnn_layers():
    return [Conv2D(4, 3, padding="same", activation="tanh"), MaxPool2D(2), Flatten()]


# each: what to fit, then what to change after fit
CHANGES = {
    "set_params activation": (
        lambda: NeuralNetClassifier(_cnn_layers(), input_shape=(8, 8, 1)),
        lambda est: est.set_params(
            layers=[Conv2D(4, 3, padding="same", activation="relu"), MaxPool2D(2), Flatten()]
        ),
    ),
    "set_params geometry, same weight shapes": (
        lambda: NeuralNetClassifier(
            [Conv2D(4, 3, padding="same", activation="tanh"), Flatten()], input_shape=(8, 8, 1)
        ),
        lambda est: est.set_params(
            layers=[Conv2D(4, 3, padding="valid", activation="tanh"), Flatten()],
        ),
    ),
    "the user's layer edited in place": (
        lambda: NeuralNetClassifier(_cnn_layers(), input_shape=(8, 8, 1)),
        lambda est: setattr(est.layers[0], "activation", "sigmoid"),
    ),
    "set_params input_shape of a sequence": (
        lambda: NeuralNetClassifier([Conv1D(3, 2, activation="relu"), LSTM(4)],
                                    input_shape=(8, 8)),
        lambda est: est.set_params(input_shape=(16, 4)),
    ),
    "MLP set_params sizes and activation": (
        lambda: MLPClassifier(hidden_layer_sizes=(12,), activation="tanh"),
        lambda est: est.set_params(hidden_layer_sizes=(12,), activation="relu"),
    ),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("change", list(CHANGES))
def test_the_export_is_the_fitted_model_whatever_changed_since(digits, change, dtype):
    X, y = digits
    X = X.astype(dtype)
    make, alter = CHANGES[change]
    est = make().set_params(max_iter=5, random_state=0).fit(X, y)
    proba = est.predict_proba(X)
    alter(est)
    assert_close(run_onnx(est, X)[1], proba)
    np.testing.assert_array_equal(est.predict_proba(X), proba)


def test_a_regressor_export_is_the_fitted_model(digits):
    X, y = digits
    for est, alter in [
        (NeuralNetRegressor([Dense(6, activation="tanh")]), {"layers": [Dense(6, "relu")]}),
        (MLPRegressor(hidden_layer_sizes=(6,)), {"hidden_layer_sizes": (9, 3)}),
    ]:
        est.set_params(max_iter=5, random_state=0).fit(X, y.astype(float))
        prediction = est.predict(X)
        est.set_params(**alter)
        assert_close(run_onnx(est, X)[0].ravel(), prediction)
