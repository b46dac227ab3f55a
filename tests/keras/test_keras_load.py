"""skdl.keras.load_model: files Keras writes, read without Keras, as the
estimator their output and loss call for; and the refusals of what skdl
lacks, naming the layer and the option."""

import warnings

import keras
import numpy as np
import pytest
from keras_cases import TOL, fitted, keras_file, keras_load, keras_outputs, skdl_outputs

from skdl import NeuralNetClassifier, NeuralNetRegressor
from skdl.keras import load_model, save_model


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
        expected = keras_outputs(model, X, (6, 4))
        np.testing.assert_allclose(clf.predict_proba(X), expected, atol=TOL)
        np.testing.assert_array_equal(clf.predict(X), np.array(["a", "b", "c"])[
            expected.argmax(axis=1)])


@pytest.mark.parametrize("output, loss, expected", [
    ("sigmoid", "binary_crossentropy", NeuralNetClassifier),
    ("sigmoid", "mse", NeuralNetRegressor),
    ("linear", "mse", NeuralNetRegressor),
    ("softmax", None, NeuralNetClassifier),
    ("sigmoid", None, NeuralNetRegressor),
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
    ours = skdl_outputs(loaded, X)
    if expected is NeuralNetClassifier and output == "sigmoid":  # the positive class
        ours = ours[:, 1:]
    np.testing.assert_allclose(ours, keras_outputs(model, X, (3,)), atol=TOL)
    if expected is NeuralNetClassifier:
        assert list(loaded.classes_) == list(range(max(units, 2)))


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
        load_model(keras_file(tmp_path, *layers()))


def test_load_refuses_a_backward_layer_of_its_own(tmp_path):
    path = keras_file(tmp_path, keras.layers.Bidirectional(
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
    expected = keras_outputs(model, X, (3,))
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
                               keras_outputs(model, X, (3,))[:, 0], atol=TOL)
    path = keras_file(tmp_path, keras.layers.LSTM(2), keras.layers.Dense(1),
                       shape=(None, 3))
    with pytest.raises(ValueError, match=r"input shape is \[None, None, 3\].*Input of a fixed"):
        load_model(path)


def _saved_with_new_weights(model, tmp_path):
    """``model`` with its weights moved off Keras's start (zero biases,
    unit scales), saved by Keras as m.keras; and the random state."""
    rng = np.random.RandomState(0)
    model.set_weights([w + rng.normal(scale=0.3, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    model.save(tmp_path / "m.keras")
    return model, rng


def test_functional_self_attention(tmp_path):
    """Keras's MultiHeadAttention called on one tensor as query and value,
    in a functional chain built in Keras, loads as skdl's self-attention
    layer (the round trips cover files skdl writes, causal or not)."""
    causal = True
    inputs = keras.Input((4, 5))
    x = keras.layers.MultiHeadAttention(2, 3)(inputs, inputs, use_causal_mask=causal)
    x = keras.layers.LayerNormalization()(x)
    outputs = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(x))
    model, rng = _saved_with_new_weights(keras.Model(inputs, outputs), tmp_path)
    loaded = load_model(tmp_path / "m.keras")
    assert loaded.layers_[0].use_causal_mask is causal
    X = rng.normal(size=(6, 20))
    np.testing.assert_allclose(loaded.predict(X), keras_outputs(model, X, (4, 5))[:, 0],
                               atol=TOL)


def test_residual_blocks_built_in_keras(tmp_path):
    """A pre-norm transformer block written in Keras's functional API (an
    Add of a block's input and its output) reads as skdl's Residual."""
    inputs = keras.Input((5, 4))
    x = keras.layers.Add()([inputs, keras.layers.MultiHeadAttention(2, 3)(
        *[keras.layers.LayerNormalization()(inputs)] * 2)])
    feed = keras.layers.Dense(4)(keras.layers.Dense(8, activation="gelu")(x))
    x = keras.layers.Add()([feed, x])  # the skip second, as Add is commutative
    outputs = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(x))
    model, rng = _saved_with_new_weights(keras.Model(inputs, outputs), tmp_path)
    loaded = load_model(tmp_path / "m.keras")
    assert [type(layer).__name__ for layer in loaded.layers_] == [
        "Residual", "Residual", "GlobalAveragePooling1D", "Dense"]
    assert [type(layer).__name__ for layer in loaded.layers_[0].layers] == [
        "LayerNormalization", "MultiHeadAttention"]
    X = rng.normal(size=(6, 20))
    np.testing.assert_allclose(loaded.predict(X), keras_outputs(model, X, (5, 4))[:, 0],
                               atol=TOL)


def test_branches_that_are_not_a_block_are_refused(tmp_path):
    inputs = keras.Input((3,))
    x = keras.layers.Add(name="both")([keras.layers.Dense(2)(inputs),
                                       keras.layers.Dense(2)(inputs)])
    keras.Model(inputs, keras.layers.Dense(1)(x)).save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"not a chain of layers each taking the previous one's output \(layer 'dense"):
        load_model(tmp_path / "m.keras")


@pytest.mark.parametrize("loss, units", [
    (keras.losses.SparseCategoricalCrossentropy(from_logits=True), 3),
    (keras.losses.BinaryCrossentropy(from_logits=True), 1),
])
def test_a_logits_output_loads_as_a_classifier(loss, units, tmp_path):
    """Keras's idiom, a linear output under a cross-entropy from logits,
    is a classifier: skdl's output applies the loss's softmax or sigmoid."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])
    model.compile(loss=loss)
    model.save(tmp_path / "m.keras")
    clf = load_model(tmp_path / "m.keras")
    assert isinstance(clf, NeuralNetClassifier)
    X = np.random.RandomState(0).normal(size=(8, 3))
    logits = keras_outputs(model, X, (3,))
    if units == 1:
        expected = 1 / (1 + np.exp(-logits))
        np.testing.assert_allclose(clf.predict_proba(X)[:, 1:], expected, atol=TOL)
    else:
        expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(clf.predict_proba(X), expected, atol=TOL)



def test_a_huber_loss_object_loads_as_huber(tmp_path):
    # Keras 3.15 leaves Huber's delta out of the file: skdl's default, 1.0
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(loss=keras.losses.Huber())
    model.save(tmp_path / "m.keras")
    regressor = load_model(tmp_path / "m.keras")
    assert isinstance(regressor, NeuralNetRegressor)
    assert regressor.loss == "huber"


def test_skdls_labels_come_back_from_the_file_not_from_kerass(tmp_path):
    X = np.random.RandomState(0).normal(size=(30, 5))
    y = np.array(["cat", "dog", "emu"])[np.arange(30) % 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = NeuralNetClassifier(max_iter=2, random_state=0).fit(X, y)
    save_model(clf, tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert list(loaded.classes_) == ["cat", "dog", "emu"]
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    # given labels win; a file Keras saves again keeps none
    assert list(load_model(tmp_path / "m.keras", classes=["a", "b", "c"]).classes_) == [
        "a", "b", "c"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keras.saving.load_model(tmp_path / "m.keras").save(tmp_path / "again.keras")
    assert list(load_model(tmp_path / "again.keras").classes_) == [0, 1, 2]


def test_masks_plus_and_keyword_calls_of_a_functional_model(tmp_path):
    """What Keras's functional API writes beyond layers: the mask of an
    embedding's ``mask_zero`` as the operation ``input != 0`` passed to the
    next layers, attention called by keyword, and a residual block written
    ``x + f(x)`` (an operation, without a group in the weights file)."""
    inputs = keras.Input((7,))
    x = keras.layers.Embedding(20, 6, mask_zero=True)(inputs)
    x = keras.layers.Add()([x, keras.layers.MultiHeadAttention(2, 3)(query=x, value=x)])
    x = keras.layers.LSTM(4)(x)
    model, rng = _saved_with_new_weights(
        keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x)), tmp_path)
    loaded = load_model(tmp_path / "m.keras")
    assert [type(layer).__name__ for layer in loaded.layers_] == [
        "Embedding", "Residual", "LSTM", "Dense"]
    X = rng.randint(1, 20, size=(10, 7)).astype(float)
    X[:, 4:] = 0  # padding, masked
    np.testing.assert_allclose(loaded.predict(X), keras_outputs(model, X, (7,))[:, 0],
                               atol=TOL)

    inputs = keras.Input((6, 4))
    x = inputs + keras.layers.Dense(4)(inputs)
    x = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(x))
    model, rng = _saved_with_new_weights(keras.Model(inputs, x), tmp_path)
    loaded = load_model(tmp_path / "m.keras")
    assert type(loaded.layers_[0]).__name__ == "Residual"
    X = rng.normal(size=(5, 24))
    np.testing.assert_allclose(loaded.predict(X), keras_outputs(model, X, (6, 4))[:, 0],
                               atol=TOL)


def test_plus_on_masked_sequences_is_refused(tmp_path):
    # Keras drops the mask after the + operation; skdl's Residual keeps it
    inputs = keras.Input((7,))
    x = keras.layers.Embedding(20, 6, mask_zero=True)(inputs)
    x = keras.layers.LSTM(4)(x + keras.layers.Dense(6)(x))
    keras.Model(inputs, keras.layers.Dense(1)(x)).save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"\+ operation on masked sequences.*keras.layers.Add"):
        load_model(tmp_path / "m.keras")


def test_a_file_keras_saved_again_keeps_the_mask(tmp_path):
    estimator, X = fitted(NeuralNetClassifier, "masked_sequences")
    save_model(estimator, tmp_path / "skdl.keras")
    model = keras_load(tmp_path / "skdl.keras")
    model.save(tmp_path / "again.keras")
    again = load_model(tmp_path / "again.keras", classes=estimator.classes_)
    np.testing.assert_allclose(again.predict_proba(X), estimator.predict_proba(X), atol=TOL)


def test_other_operations_are_refused_naming_them(tmp_path):
    inputs = keras.Input((3,))
    x = keras.layers.Dense(2)(inputs) * 2.0
    keras.Model(inputs, keras.layers.Dense(1)(x)).save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"with Keras's operation Multiply, which skdl"):
        load_model(tmp_path / "m.keras")


def test_loss_options_skdl_lacks_are_named_in_a_warning(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1))
    model.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match=r"options \{'label_smoothing': 0.1\}"):
        assert isinstance(load_model(tmp_path / "m.keras"), NeuralNetClassifier)


def test_a_linear_output_under_a_cross_entropy_asks_for_from_logits(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(loss="sparse_categorical_crossentropy")
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"a 'linear' output, .*from_logits=True"):
        load_model(tmp_path / "m.keras")


@pytest.mark.parametrize("output_activation, y", [
    ("logistic", np.array(["a", "b", "c"])[np.arange(30) % 3]),  # one-vs-rest
    ("auto", np.arange(30) % 3 * 1.0),  # float labels
])
def test_skdls_target_kind_comes_back_from_the_file(output_activation, y, tmp_path):
    X = np.random.RandomState(0).normal(size=(30, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = NeuralNetClassifier(output_activation=output_activation, max_iter=5,
                                  random_state=0).fit(X, y)
    save_model(clf, tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=TOL)
    assert loaded.score(X, y) == clf.score(X, y)


def test_repeated_classes_are_named(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"classes has 3 labels \(1 repeated\)"):
        load_model(tmp_path / "m.keras", classes=["a", "a", "b"])
