"""What the tests of skdl.keras share: small fitted networks of every
layer with a Keras form, and Keras's and skdl's outputs of a model.

keras and h5py are imported, not skipped when missing: these tests must
run in CI (the test extra has both). Keras runs on JAX on the CPU
(tests/conftest.py)."""

import warnings

import h5py  # noqa: F401
import keras
import numpy as np

from skdl import NeuralNetClassifier
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
    Residual,
    SimpleRNN,
    ZeroPadding1D,
    ZeroPadding2D,
)

TOL = 1e-5

CASES = {
    "dense": (lambda: [Dense(4, activation="relu"), Dense(3, activation="tanh")], (5,)),
    "conv1d_pools": (lambda: [
        ZeroPadding1D((2, 0)), Conv1D(3, 2, padding="same", activation="relu"), MaxPool1D(2),
        AvgPool1D(2, strides=1), Conv1D(2, 2, padding="causal", activation="gelu"),
        Flatten(),
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
    "residual": (lambda: [
        Conv1D(4, 1), Residual([LayerNormalization(), MultiHeadAttention(2, 2)]),
        Residual([Dense(6, activation="relu"), Dense(4)]),
        Residual([Residual([Dense(4, activation="tanh")]), Dense(4)]),
        GlobalAveragePooling1D(),
    ], (4, 3)),
    "masked_sequences": (lambda: [
        Embedding(7, 3, mask_zero=True), LSTM(3, return_sequences=True),
        Bidirectional(GRU(2, return_sequences=True)), GlobalAveragePooling1D(),
    ], (5,)),
}
"""name -> (a function making the hidden layers, input_shape). Together
they hold every layer with a Keras form, which a test checks; "dense", the
smallest, also serves the other tests."""


def sample_X(name, shape, n=24, seed=0):
    """Rows for the network of ``CASES[name]``: ids for an embedding,
    post-padded with 0 for the masked sequences; normal numbers otherwise."""
    rng = np.random.RandomState(seed)
    if name == "embedding":
        return rng.randint(0, 7, size=(n, *shape)).astype(float)
    if name == "masked_sequences":
        ids = rng.randint(1, 7, size=(n, *shape))
        lengths = rng.randint(1, shape[0] + 1, size=n)
        return np.where(np.arange(shape[0]) < lengths[:, None], ids, 0).astype(float)
    return rng.normal(size=(n, int(np.prod(shape))))


def fitted(cls, name, **params):
    """A ``cls`` fitted for 3 epochs on the network of ``CASES[name]``,
    and its rows."""
    layers, shape = CASES[name]
    X = sample_X(name, shape)
    rng = np.random.RandomState(1)
    y = rng.randint(0, 3, len(X)) if cls is NeuralNetClassifier else rng.normal(size=len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(layers(), input_shape=shape, max_iter=3, random_state=0,
                   **params).fit(X, y), X


def keras_outputs(model, X, shape):
    """A Keras model's outputs for the rows of ``X``, shaped as samples."""
    return np.asarray(model(X.reshape(-1, *shape).astype(np.float32)))


def skdl_outputs(estimator, X):
    """A classifier's probabilities or a regressor's predictions, 2-D."""
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)
    return estimator.predict(X).reshape(len(X), -1)


def keras_load(path):
    """``keras.saving.load_model``, quietly: Keras warns that it skips the
    variables of an optimizer that never stepped, as for its own files."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return keras.saving.load_model(path)


def keras_file(tmp_path, *layers, shape=(6, 6, 2)):
    """A .keras file that Keras writes of a Sequential model of ``layers``."""
    model = keras.Sequential([keras.Input(shape), *layers])
    path = tmp_path / "m.keras"
    model.save(path)
    return path
