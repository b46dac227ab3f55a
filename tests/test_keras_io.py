"""skdl.keras: .keras files in and out.

Round trips for each supported layer, for a classifier and a regressor:
skdl -> .keras -> Keras (same predictions), Keras -> .keras -> skdl (same
predictions), skdl -> .keras -> skdl (same weights); and the refusals of
what skdl lacks. Keras runs on JAX on the CPU (tests/conftest.py)."""

import json
import sys
import warnings
import zipfile

# keras and h5py are imported, not skipped when missing: these tests must
# run in CI (the test extra has both)
import h5py  # noqa: F401
import keras
import numpy as np
import pytest

from skdl import MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor
from skdl.keras import load_model, save_model
from skdl.layers import (
    GRU,
    LSTM,
    Activation,
    AvgPool1D,
    AvgPool2D,
    BatchNormalization,
    Bidirectional,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    LayerNormalization,
    MaxPool1D,
    MaxPool2D,
    MultiHeadAttention,
    PositionEmbedding,
    SimpleRNN,
    ZeroPadding1D,
    ZeroPadding2D,
)

TOL = 1e-5

# name -> (hidden layers, input_shape); every supported layer appears in the
# round trips ("dense", the smallest, serves the other tests; its layers and
# activations appear in the others)
CASES = {
    "dense": (lambda: [Dense(4, activation="relu"), Dense(3, activation="tanh")], (5,)),
    "conv1d_pools": (lambda: [
        ZeroPadding1D((2, 0)), Conv1D(3, 2, padding="same", activation="relu"), MaxPool1D(2),
        AvgPool1D(2, strides=1), Flatten(),
    ], (8, 2)),
    "conv2d_pools": (lambda: [
        Conv2D(2, 3, activation="softplus"), MaxPool2D(2), AvgPool2D(1),
        GlobalAveragePooling2D(),
    ], (6, 6, 2)),
    "padding_global_max": (lambda: [
        ZeroPadding2D(((1, 0), (0, 2))), Conv2D(2, 2), GlobalMaxPooling2D(),
    ], (3, 3, 2)),
    "simple_rnn": (lambda: [
        SimpleRNN(3, return_sequences=True), GlobalMaxPooling1D(),
    ], (4, 3)),
    "lstm_gru": (lambda: [
        LSTM(3, return_sequences=True), GRU(2, return_sequences=True),
        GlobalAveragePooling1D(),
    ], (4, 3)),
    "norms": (lambda: [
        Dense(4, activation="tanh"), BatchNormalization(), Activation("elu"), Dropout(0.2),
        LayerNormalization(),
    ], (5,)),
    "bidirectional": (lambda: [
        Bidirectional(GRU(2, return_sequences=True)), Bidirectional(LSTM(2), "sum"),
    ], (4, 3)),
    "attention": (lambda: [
        Conv1D(4, 1), MultiHeadAttention(2, 3, use_causal_mask=True),
        MultiHeadAttention(1, 2, value_dim=2), GlobalAveragePooling1D(),
    ], (4, 3)),
    "embedding": (lambda: [Embedding(7, 3), Flatten()], (4,)),
}


def _X(name, shape, n=24, seed=0):
    rng = np.random.RandomState(seed)
    if name == "embedding":
        return rng.randint(0, 7, size=(n, *shape)).astype(float)
    return rng.normal(size=(n, int(np.prod(shape))))


def _fit(cls, name, **params):
    layers, shape = CASES[name]
    X = _X(name, shape)
    rng = np.random.RandomState(1)
    y = rng.randint(0, 3, len(X)) if cls is NeuralNetClassifier else rng.normal(size=len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(layers(), input_shape=shape, max_iter=3, random_state=0,
                   **params).fit(X, y), X


def _keras_outputs(model, X, shape):
    return np.asarray(model(X.reshape(-1, *shape).astype(np.float32)))


def _skdl_outputs(estimator, X):
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)
    return estimator.predict(X).reshape(len(X), -1)


def _keras_load(path):
    with warnings.catch_warnings():
        # Keras skips the optimizer's variables of a model that never
        # stepped, as for its own such files
        warnings.simplefilter("ignore")
        return keras.saving.load_model(path)


@pytest.fixture(scope="module", params=[NeuralNetClassifier, NeuralNetRegressor],
                ids=["classifier", "regressor"])
def kind(request):
    return request.param


@pytest.mark.parametrize("name", [name for name in CASES if name != "dense"])
def test_round_trips(name, kind, tmp_path):
    estimator, X = _fit(kind, name)
    shape = CASES[name][1]
    path = tmp_path / "model.keras"
    save_model(estimator, path)

    # skdl -> .keras -> Keras: the same predictions
    model = _keras_load(path)
    expected = _skdl_outputs(estimator, X)
    np.testing.assert_allclose(_keras_outputs(model, X, shape), expected, atol=TOL)
    assert model.loss == ("categorical_crossentropy" if kind is NeuralNetClassifier
                          else "mean_squared_error")

    # skdl -> .keras -> skdl: the same weights (as float32), the same kind
    loaded = load_model(path)
    assert type(loaded) is kind
    for ours, theirs in zip(estimator._fitted_weights(), loaded._fitted_weights(),
                            strict=True):
        np.testing.assert_array_equal(ours.astype(np.float32), theirs.astype(np.float32))
    np.testing.assert_allclose(_skdl_outputs(loaded, X), expected, atol=TOL)
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
        _skdl_outputs(from_keras, X), _keras_outputs(model, X, shape), atol=TOL
    )


def test_keras_built_model_and_functional_chain(tmp_path):
    """Models built in Keras (not written by skdl): a Sequential model of
    Keras's own configs, and the same layers as a functional chain."""
    layers = [keras.layers.Conv1D(3, 2, activation="relu"), keras.layers.LSTM(2),
              keras.layers.BatchNormalization(), keras.layers.Dense(3, activation="softmax")]
    sequential = keras.Sequential([keras.Input((6, 4)), *layers])
    inputs = keras.Input((6, 4))
    x = inputs
    for layer in [keras.layers.Conv1D(3, 2, activation="relu"), keras.layers.GRU(2),
                  keras.layers.Dense(3, activation="softmax")]:
        x = layer(x)
    functional = keras.Model(inputs, x)
    X = np.random.RandomState(0).normal(size=(10, 24))
    for i, model in enumerate([sequential, functional]):
        model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01))
        path = tmp_path / f"m{i}.keras"
        model.save(path)
        clf = load_model(path, classes=["a", "b", "c"])
        assert isinstance(clf, NeuralNetClassifier)
        assert list(clf.classes_) == ["a", "b", "c"]
        assert clf.solver.get_params()["learning_rate"] == 0.01
        expected = _keras_outputs(model, X, (6, 4))
        np.testing.assert_allclose(clf.predict_proba(X), expected, atol=TOL)
        np.testing.assert_array_equal(clf.predict(X), np.array(["a", "b", "c"])[
            expected.argmax(axis=1)])


@pytest.mark.parametrize("output, loss, expected", [
    ("sigmoid", "binary_crossentropy", NeuralNetClassifier),
    ("sigmoid", "mse", NeuralNetRegressor),
    ("linear", "mse", NeuralNetRegressor),
    ("softmax", None, NeuralNetRegressor),
])
def test_estimator_kind_from_output_and_loss(output, loss, expected, tmp_path):
    units = 3 if output == "softmax" else 1
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation=output)])
    if loss is not None:
        model.compile(loss=loss, optimizer="adam")
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert type(loaded) is expected
    X = np.random.RandomState(0).normal(size=(5, 3))
    ours = _skdl_outputs(loaded, X)
    if expected is NeuralNetClassifier:  # the positive class's column
        ours = ours[:, 1:]
    np.testing.assert_allclose(ours, _keras_outputs(model, X, (3,)), atol=TOL)
    if expected is NeuralNetClassifier:
        assert list(loaded.classes_) == [0, 1]


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_mlp_to_keras(cls, tmp_path):
    X = np.random.RandomState(0).normal(size=(30, 4))
    y = np.arange(30) % 2 if cls is MLPClassifier else X[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp = cls(hidden_layer_sizes=(5, 3), max_iter=5, random_state=0).fit(X, y)
    save_model(mlp, tmp_path / "mlp.keras")
    model = _keras_load(tmp_path / "mlp.keras")
    ours = mlp.predict_proba(X)[:, 1:] if cls is MLPClassifier else mlp.predict(X)[:, None]
    np.testing.assert_allclose(_keras_outputs(model, X, (4,)), ours, atol=TOL)
    loaded = load_model(tmp_path / "mlp.keras")
    np.testing.assert_allclose(_skdl_outputs(loaded, X), _skdl_outputs(mlp, X), atol=TOL)


def _keras_file(tmp_path, *layers, shape=(6, 6, 2)):
    model = keras.Sequential([keras.Input(shape), *layers])
    path = tmp_path / "m.keras"
    model.save(path)
    return path


@pytest.mark.parametrize("layers, match", [
    (lambda: [keras.layers.Conv2D(2, 3, dilation_rate=2, name="c"), keras.layers.Flatten(),
              keras.layers.Dense(1)], r"'c' \(Conv2D\) has dilation_rate=\[2, 2\]"),
    (lambda: [keras.layers.Reshape((72,), name="r"), keras.layers.Dense(1)],
     r"'r' is a Keras Reshape, which skdl cannot read"),
    (lambda: [keras.layers.Flatten(), keras.layers.Dense(2, use_bias=False, name="d")],
     r"'d' \(Dense\) has use_bias=False"),
    (lambda: [keras.layers.Flatten(),
              keras.layers.Dense(2, kernel_regularizer="l2", name="d")],
     r"'d' \(Dense\) has kernel_regularizer=.*an option skdl's Dense does not have"),
    (lambda: [keras.layers.Flatten(), keras.layers.Dense(2, activation="selu", name="d")],
     r"'d' \(Dense\) has activation 'selu'"),
    (lambda: [keras.layers.Flatten(), keras.layers.Dense(2), keras.layers.Activation("relu")],
     r"last layer is a Dense layer"),
])
def test_load_refuses_what_skdl_lacks(layers, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        load_model(_keras_file(tmp_path, *layers()))


def test_load_refuses_a_backward_layer_of_its_own(tmp_path):
    path = _keras_file(tmp_path, keras.layers.Bidirectional(
        keras.layers.GRU(2), backward_layer=keras.layers.GRU(3, go_backwards=True),
        name="b"), keras.layers.Dense(1), shape=(4, 3))
    with pytest.raises(ValueError, match=r"'b' \(Bidirectional\) has a backward_layer"):
        load_model(path)


def test_load_refuses_bad_classes(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy")
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="classes has 2 labels"):
        load_model(tmp_path / "m.keras", classes=[0, 1])
    with pytest.raises(ValueError, match="not sorted"):
        load_model(tmp_path / "m.keras", classes=[2, 1, 0])


def test_save_refuses_what_keras_lacks(tmp_path):
    X = np.random.RandomState(0).normal(size=(20, 8))
    y = np.arange(20) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        padded = NeuralNetClassifier([PositionEmbedding(4), Flatten()], input_shape=(4, 2),
                                     max_iter=1).fit(X, y)
        leaky = NeuralNetClassifier([Dense(3, activation="leaky_relu")], max_iter=1).fit(X, y)
        hinge = NeuralNetClassifier([Dense(3)], loss="hinge", max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="is a PositionEmbedding, which has no Keras form"):
        save_model(padded, tmp_path / "a.keras")
    with pytest.raises(ValueError, match="activation LeakyReLU"):
        save_model(leaky, tmp_path / "b.keras")
    with pytest.raises(ValueError, match="fitted with the loss 'hinge', which Keras has no"):
        save_model(hinge, tmp_path / "c.keras")


def test_file_layout_and_no_keras_needed(tmp_path, monkeypatch):
    estimator, X = _fit(NeuralNetRegressor, "dense")
    save_model(estimator, tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert set(archive.namelist()) == {"config.json", "metadata.json", "model.weights.h5"}
        config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Sequential"
    assert [entry["class_name"] for entry in config["config"]["layers"]] == [
        "InputLayer", "Dense", "Dense", "Dense"]
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    # loading needs no Keras
    monkeypatch.setitem(sys.modules, "keras", None)
    np.testing.assert_allclose(load_model(tmp_path / "m.keras").predict(X),
                               estimator.predict(X), atol=TOL)


def test_h5py_missing_is_an_import_error(tmp_path, monkeypatch):
    estimator, _ = _fit(NeuralNetRegressor, "dense")
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match="pip install h5py"):
        save_model(estimator, tmp_path / "m.keras")
    with pytest.raises(ImportError, match="pip install h5py"):
        load_model(tmp_path / "m.keras")


def test_multilabel_and_continued_training(tmp_path):
    """Several sigmoid outputs under a binary cross-entropy load as a
    multi-label classifier, which warm_start trains on from Keras's
    weights."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(3, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.save(tmp_path / "m.keras")
    clf = load_model(tmp_path / "m.keras")
    X = np.random.RandomState(0).normal(size=(20, 3))
    expected = _keras_outputs(model, X, (3,))
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=TOL)
    np.testing.assert_array_equal(clf.predict(X), (expected > 0.5).astype(int))
    before = [w.copy() for w in clf._fitted_weights()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.set_params(warm_start=True, max_iter=2).fit(X, (X > 0).astype(int))
    assert clf.n_iter_ == 2
    assert any(not np.allclose(a, b) for a, b in zip(before, clf._fitted_weights()))


def test_model_built_without_input_layer_and_open_shapes(tmp_path):
    """A Sequential model built with ``build`` (no InputLayer) takes its
    input shape from the build; a sample shape with None is refused."""
    model = keras.Sequential([keras.layers.Dense(2, activation="relu"), keras.layers.Dense(1)])
    model.build((None, 3))
    model.save(tmp_path / "built.keras")
    X = np.random.RandomState(0).normal(size=(4, 3))
    np.testing.assert_allclose(load_model(tmp_path / "built.keras").predict(X),
                               _keras_outputs(model, X, (3,))[:, 0], atol=TOL)
    path = _keras_file(tmp_path, keras.layers.LSTM(2), keras.layers.Dense(1),
                       shape=(None, 3))
    with pytest.raises(ValueError, match=r"input shape is \[None, None, 3\].*Input of a fixed"):
        load_model(path)


def test_functional_self_attention(tmp_path):
    """Keras's MultiHeadAttention called on one tensor as query and value,
    in a functional chain built in Keras, loads as skdl's self-attention
    layer (the round trips cover files skdl writes, causal or not)."""
    causal = True
    inputs = keras.Input((4, 5))
    x = keras.layers.MultiHeadAttention(2, 3)(inputs, inputs, use_causal_mask=causal)
    x = keras.layers.LayerNormalization()(x)
    outputs = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(x))
    model = keras.Model(inputs, outputs)
    rng = np.random.RandomState(0)
    model.set_weights([w + rng.normal(scale=0.3, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert loaded.layers_[0].use_causal_mask is causal
    X = rng.normal(size=(6, 20))
    np.testing.assert_allclose(loaded.predict(X), _keras_outputs(model, X, (4, 5))[:, 0],
                               atol=TOL)


@pytest.mark.slow  # compiles Keras's training step
def test_keras_continues_training(tmp_path):
    """The file's compile config (Keras's loss name, Adam) lets Keras train
    on from skdl's weights, and the result comes back to skdl."""
    estimator, X = _fit(NeuralNetClassifier, "dense")
    save_model(estimator, tmp_path / "m.keras")
    model = _keras_load(tmp_path / "m.keras")
    before = [w.copy() for w in model.get_weights()]
    Y = np.eye(3)[estimator.predict(X)]
    history = model.fit(X.astype(np.float32), Y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    model.save(tmp_path / "trained.keras")
    back = load_model(tmp_path / "trained.keras", classes=estimator.classes_)
    np.testing.assert_allclose(back.predict_proba(X), _keras_outputs(model, X, (5,)),
                               atol=TOL)
