"""skdl.keras: round trips of every layer with a Keras form, for a
classifier and a regressor: skdl -> .keras -> Keras (same predictions),
Keras -> .keras -> skdl (same predictions), skdl -> .keras -> skdl (same
weights)."""

import importlib.util
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from keras_cases import CASES, TOL, fitted, keras_load, keras_outputs, skdl_outputs

from skdl import MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor
from skdl.activations import LeakyReLU
from skdl.keras import load_model, save_model
from skdl.layers import Dense


@pytest.fixture(scope="module", params=[NeuralNetClassifier, NeuralNetRegressor],
                ids=["classifier", "regressor"])
def kind(request):
    return request.param


@pytest.mark.parametrize("name", [name for name in CASES if name != "dense"])
def test_round_trips(name, kind, tmp_path):
    estimator, X = fitted(kind, name)
    shape = CASES[name][1]
    path = tmp_path / "model.keras"
    save_model(estimator, path)

    # skdl -> .keras -> Keras: the same predictions
    model = keras_load(path)
    expected = skdl_outputs(estimator, X)
    np.testing.assert_allclose(keras_outputs(model, X, shape), expected, atol=TOL)
    assert model.loss == ("categorical_crossentropy" if kind is NeuralNetClassifier
                          else "mean_squared_error")

    # skdl -> .keras -> skdl: the same weights (as float32), the same kind
    loaded = load_model(path)
    assert type(loaded) is kind
    for ours, theirs in zip(estimator._fitted_weights(), loaded._fitted_weights(),
                            strict=True):
        np.testing.assert_array_equal(ours.astype(np.float32), theirs.astype(np.float32))
    np.testing.assert_allclose(skdl_outputs(loaded, X), expected, atol=TOL)
    assert loaded.input_shape_ == shape
    assert loaded.n_iter_ == 0

    # Keras -> .keras -> skdl: new weights drawn in Keras, saved by Keras
    rng = np.random.RandomState(2)
    model.set_weights([
        (np.abs(w) + 0.5 if "variance" in v.path else w + rng.normal(scale=0.3, size=w.shape))
        .astype(np.float32)
        for w, v in zip(model.get_weights(), model.weights)
    ])
    keras_path = tmp_path / "keras.keras"
    model.save(keras_path)
    from_keras = load_model(keras_path)
    np.testing.assert_allclose(
        skdl_outputs(from_keras, X), keras_outputs(model, X, shape), atol=TOL
    )


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_mlp_to_keras(cls, tmp_path):
    X = np.random.RandomState(0).normal(size=(30, 4))
    y = np.arange(30) % 2 if cls is MLPClassifier else X[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp = cls(hidden_layer_sizes=(5, 3), max_iter=5, random_state=0).fit(X, y)
    save_model(mlp, tmp_path / "mlp.keras")
    model = keras_load(tmp_path / "mlp.keras")
    ours = mlp.predict_proba(X)[:, 1:] if cls is MLPClassifier else mlp.predict(X)[:, None]
    np.testing.assert_allclose(keras_outputs(model, X, (4,)), ours, atol=TOL)
    loaded = load_model(tmp_path / "mlp.keras")
    np.testing.assert_allclose(skdl_outputs(loaded, X), skdl_outputs(mlp, X), atol=TOL)


@pytest.mark.slow  # compiles Keras's training step
def test_keras_continues_training(tmp_path):
    """The file's compile config (Keras's loss name, Adam) lets Keras train
    on from skdl's weights, and the result comes back to skdl."""
    estimator, X = fitted(NeuralNetClassifier, "dense")
    save_model(estimator, tmp_path / "m.keras")
    model = keras_load(tmp_path / "m.keras")
    before = [w.copy() for w in model.get_weights()]
    Y = np.eye(3)[estimator.predict(X)]
    history = model.fit(X.astype(np.float32), Y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    model.save(tmp_path / "trained.keras")
    back = load_model(tmp_path / "trained.keras", classes=estimator.classes_)
    np.testing.assert_allclose(back.predict_proba(X), keras_outputs(model, X, (5,)),
                               atol=TOL)


def test_the_cases_hold_every_layer_with_a_keras_form():
    from skdl.layers import BUILT_IN_LAYERS

    seen = set()
    for make_layers, _ in CASES.values():
        for layer in make_layers():
            seen.add(type(layer))
            if hasattr(layer, "layer"):  # a wrapper's layer
                seen.add(type(layer.layer))
    assert seen == {layer for layer in BUILT_IN_LAYERS if layer.keras_class_name}


OUTPUTS = [
    (NeuralNetRegressor, {"output_activation": "identity"}, "mean_squared_error"),
    (NeuralNetRegressor, {"output_activation": "relu", "loss": "absolute_error"},
     "mean_absolute_error"),
    (NeuralNetRegressor, {"output_activation": "tanh", "loss": "huber"}, "huber"),
    (NeuralNetRegressor, {"output_activation": "sigmoid"}, "mean_squared_error"),
    (NeuralNetRegressor, {"output_activation": "softplus"}, "mean_squared_error"),
    (NeuralNetRegressor, {"output_activation": "exp", "loss": "poisson"}, "poisson"),
    (NeuralNetClassifier, {}, "categorical_crossentropy"),
    (NeuralNetClassifier, {"output_activation": "logistic"}, "binary_crossentropy"),
]


@pytest.mark.parametrize("kind, params, keras_loss", OUTPUTS,
                         ids=[f"{kind.__name__}-{params}" for kind, params, _ in OUTPUTS])
@pytest.mark.parametrize("targets", ["one", "several"])
def test_output_activations_losses_and_kinds(kind, params, keras_loss, targets, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4))
    if kind is NeuralNetClassifier:
        y = (rng.randint(0, 2, size=(30, 3)) if targets == "several"
             else rng.randint(0, 2 if "output_activation" in params else 3, size=30))
    else:
        y = np.abs(rng.normal(size=(30, 2) if targets == "several" else 30))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Keras's leaky_relu has the slope 0.2, not skdl's default 0.01
        estimator = kind([Dense(3, activation=LeakyReLU(0.2))], max_iter=3, random_state=0,
                         **params).fit(X, y)
    path = tmp_path / "m.keras"
    save_model(estimator, path)
    model = keras_load(path)
    multilabel = kind is NeuralNetClassifier and targets == "several"
    assert model.loss == ("binary_crossentropy" if multilabel else keras_loss)
    expected = skdl_outputs(estimator, X)
    theirs = keras_outputs(model, X, (4,))
    if expected.shape[1] == 2 and theirs.shape[1] == 1:  # a binary classifier's column
        expected = expected[:, 1:]
    np.testing.assert_allclose(theirs, expected, atol=TOL)
    loaded = load_model(path)  # a classifier's labels from the file's metadata
    assert type(loaded) is kind
    assert loaded.out_activation_ == estimator.out_activation_
    np.testing.assert_allclose(skdl_outputs(loaded, X), skdl_outputs(estimator, X), atol=TOL)
    if kind is NeuralNetClassifier:
        np.testing.assert_array_equal(loaded.classes_, estimator.classes_)


TORCH_SCRIPT = """
import sys
import numpy as np
import keras

model = keras.saving.load_model(sys.argv[1])
X = np.load(sys.argv[2]).astype("float32")
Y = np.eye(3, dtype="float32")[np.arange(len(X)) % 3]
model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
model.save(sys.argv[3])
np.save(sys.argv[4], np.asarray(model.predict(X, verbose=0)))
print(keras.backend.backend())
"""


@pytest.mark.slow  # starts Keras on torch in a child process
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_keras_on_torch_continues_training(tmp_path):
    """Where torch is installed, Keras on torch trains on from skdl's file,
    and its file comes back to skdl with the same predictions."""
    estimator, X = fitted(NeuralNetClassifier, "conv2d_pools")
    save_model(estimator, tmp_path / "m.keras")
    np.save(tmp_path / "X.npy", X.reshape(-1, 6, 6, 2))
    paths = [tmp_path / "m.keras", tmp_path / "X.npy", tmp_path / "trained.keras",
             tmp_path / "out.npy"]
    done = subprocess.run([sys.executable, "-c", TORCH_SCRIPT, *map(str, paths)],
                          env={**os.environ, "KERAS_BACKEND": "torch"},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "torch"
    back = load_model(tmp_path / "trained.keras", classes=estimator.classes_)
    np.testing.assert_allclose(back.predict_proba(X), np.load(tmp_path / "out.npy"), atol=TOL)
    assert not np.allclose(back.predict_proba(X), estimator.predict_proba(X), atol=1e-6)
