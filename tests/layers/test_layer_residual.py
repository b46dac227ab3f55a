"""skdl.layers.Residual: ``x + layers(x)``, its layers' weights in order as
views of the network's vector, gradients through both paths on both
back-ends, masks threaded through its layers and combined as Keras 3's Add,
the refusals, and the block as a hyperparameter (clone, pickle, summary)."""

import pickle
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from skdl import NeuralNetClassifier, NeuralNetRegressor
from skdl.gradcheck import check_gradients
from skdl.layers import (
    Conv1D,
    Embedding,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling1D,
    LayerNormalization,
    MultiHeadAttention,
    PositionEmbedding,
    Residual,
)
from skdl.network import Network

import attention_reference as ref
from padding_mask import PadMask


class HideFirstStep(PadMask):
    """Passes its input on and marks its first step as padding too."""

    passes_mask = True

    def compute_mask(self, x, mask):
        shown = np.ones((len(x if x is not None else mask), self.input_shape[0]), bool)
        shown[:, 0] = False
        return shown if mask is None else mask & shown


def _network(layers, shape, dtype=np.float64):
    network = Network(layers, shape, dtype)
    network.initialize(np.random.RandomState(0))
    return network


def test_output_is_the_input_plus_its_layers_and_weights_are_theirs(compute_backend):
    inner = [Dense(5, activation="relu"), Dense(3)]
    network = _network([Residual(inner), Dense(2)], (3,))
    block = network.layers[0]
    assert [s.shape for s in block.weight_specs()] == [(3, 5), (5,), (5, 3), (3,)]
    weights = block.get_weights()
    for got, want in zip(weights, inner[0].get_weights() + inner[1].get_weights()):
        assert_array_equal(got, want)
    assert len(network.get_weights()) == 6
    x = np.random.RandomState(1).normal(size=(4, 3))
    want = x + np.maximum(x @ weights[0] + weights[1], 0) @ weights[2] + weights[3]
    assert_allclose(block.predict(x), want, rtol=1e-12)
    block.set_weights([w + 1 for w in weights])  # into the network's vector
    assert_array_equal(network.layers[0].layers[1].bias, weights[3] + 1)
    assert_array_equal(network.get_weights()[3], weights[3] + 1)


def test_gradients_through_both_paths(compute_backend):
    network = _network([Dense(3, activation="tanh"),
                        Residual([Dense(4, activation="tanh"), Dense(3)]),
                        Residual([Dense(3, activation="sigmoid")]), Dense(2)], (3,))
    rs = np.random.RandomState(1)
    X, Y = rs.normal(size=(6, 3)), rs.normal(size=(6, 2))
    error, _, _ = check_gradients(network, X, Y, "squared_error")
    assert error < 1e-6
    # first in the stack: no input gradient, its weights' gradients all the same
    first = _network([Residual([Dense(4, activation="tanh"), Dense(3)]), Dense(2)], (3,))
    error, _, _ = check_gradients(first, X, Y, "squared_error")
    assert error < 1e-6


def test_masks_go_through_its_layers_and_combine_as_kerass_add():
    block = Residual([HideFirstStep(), MultiHeadAttention(1, 2)])
    network = _network([PadMask(), block, Flatten(), Dense(2)], (4, 3))
    x = ref.padded_sequences(5, 4, 3, seed=1)
    mask = np.any(x != 0, axis=-1)
    inner_mask = mask & np.array([False, True, True, True])
    # Keras 3's Add: the OR of the two masks, none when either is missing
    assert_array_equal(block.compute_mask(x, mask), mask | inner_mask)
    assert block.compute_mask(x, None) is None
    conv_block = Residual([Conv1D(3, 2, padding="same")])
    conv_block.build((4, 3))
    assert conv_block.compute_mask(x, mask) is None
    # the attention inside was handed the mask with the first step hidden
    attention = block.layers[1]
    inner = attention.predict(x, mask=inner_mask)
    assert_allclose(block.predict(x, mask=mask), x + inner, rtol=1e-12)
    Y = np.random.RandomState(3).normal(size=(5, 2))
    error, _, _ = check_gradients(network, x.reshape(5, -1), Y, "squared_error")
    assert error < 1e-6


def test_shape_mismatch_and_bad_layers_are_refused_at_build():
    with pytest.raises(ValueError, match=r"its layers turn inputs of shape \(6, 4\) into "
                                         r"outputs of shape \(6, 8\), which cannot be added.*"
                                         r"Dense\(4\)"):
        Network([Residual([Dense(8)]), Flatten(), Dense(1)], (6, 4))
    with pytest.raises(ValueError, match=r"Layer 0 cannot take.*its layer 2 cannot take inputs "
                                         r"of shape \(18,\).*needs sequences"):
        Network([Residual([Dense(3), Flatten(), MultiHeadAttention(1, 2)]), Dense(1)], (6, 4))
    dense = Dense(2)
    for layers, message in [([], "non-empty list"), ([Dense], "not a layer"),
                            ([dense, dense], "comes twice")]:
        block = Residual(layers)
        with pytest.raises(ValueError, match=message) as info:
            block.build((2,))
        assert str(info.value).startswith(repr(block) + ": ")


def test_a_block_is_a_hyperparameter_that_clones_pickles_and_shows_in_the_summary(capsys):
    block = Residual([Dense(8, activation="relu"), Dropout(0.1), Dense(4)])
    copy = clone(block)
    assert repr(copy) == repr(block) and copy.layers[0] is not block.layers[0]
    X = np.random.RandomState(0).normal(size=(40, 4))
    model = NeuralNetRegressor(layers=[block], max_iter=3, random_state=0)
    model.fit(X, X[:, 0])
    assert not hasattr(block.layers[0], "kernel")  # the user's layers stay unbuilt
    fitted = model.layers_[0]
    assert fitted.draws_in_training and len(fitted.get_weights()) == 4
    again = pickle.loads(pickle.dumps(model))
    assert_allclose(again.predict(X), model.predict(X))
    assert len(pickle.dumps(model)) < 20_000  # weights and hyperparameters, no batch
    assert model.get_params()["residual__layers"] is block.layers
    model.summary()
    assert re.search(r"residual \(Residual\) +\(None, 4\) +76\n", capsys.readouterr().out)


def _transformer_layers(d=8, heads=2, key_dim=4, ffn=16, causal=False):
    """Two pre-norm transformer blocks, then the pool the output layer needs."""
    blocks = []
    for _ in range(2):
        blocks += [Residual([LayerNormalization(),
                             MultiHeadAttention(heads, key_dim, use_causal_mask=causal)]),
                   Residual([LayerNormalization(), Dense(ffn, activation="relu"), Dense(d)])]
    return [PositionEmbedding(6), *blocks, GlobalAveragePooling1D()]


def test_pre_norm_transformer_blocks_gradients(compute_backend):
    layers = [PadMask(), *_transformer_layers(d=4, key_dim=2, ffn=6, causal=True)]
    network = _network([*layers, Dense(2)], (5, 4))
    network.params[:] += np.random.RandomState(2).normal(scale=0.2, size=network.params.size)
    X = ref.padded_sequences(4, 5, 4, seed=3).reshape(4, -1)
    Y = np.random.RandomState(3).normal(size=(4, 2))
    error, _, _ = check_gradients(network, X, Y, "squared_error")
    assert error < 1e-6


def test_pre_norm_transformer_trains_in_an_estimator():
    # which of two marker vectors a sequence holds, wherever it stands
    rs = np.random.RandomState(0)
    X = rs.normal(scale=0.3, size=(160, 6, 8))
    y = rs.randint(0, 2, 160)
    markers = np.eye(8)[:2] * 3
    X[np.arange(160), rs.randint(0, 6, 160)] += markers[y]
    model = NeuralNetClassifier(layers=_transformer_layers(), input_shape=(6, 8), max_iter=15,
                                learning_rate_init=0.01, random_state=0)
    model.fit(X[:120], y[:120])
    assert model.score(X[120:], y[120:]) > 0.9
    assert [type(layer).__name__ for layer in model.layers_][-2:] == [
        "GlobalAveragePooling1D", "Dense"]


def test_its_layers_are_nested_parameters_of_the_estimator():
    block = Residual([Dense(8, activation="relu"), Dense(4)])
    model = NeuralNetRegressor(layers=[block])
    params = model.get_params()
    assert params["residual__dense-1__units"] == 8 and params["residual__dense-2"] is block.layers[1]
    model.set_params(**{"residual__dense-1__units": 16})
    assert block.layers[0].units == 8  # the user's layers are never changed
    assert model.layers[0].layers[0].units == 16 and model.layers[0] is not block
    with pytest.raises(ValueError, match="Invalid parameter 'dense-1__size'.*has no parameter 'size'"):
        model.set_params(**{"residual__dense-1__size": 3})
    X = np.random.RandomState(0).normal(size=(30, 4))
    model.set_params(max_iter=2).fit(X, X[:, 0])
    assert model.layers_[0].get_weights()[0].shape == (4, 16)


def test_masks_after_a_block_equal_kerass_add():
    keras = pytest.importorskip("keras")
    rs = np.random.RandomState(0)
    ids = rs.randint(1, 30, size=(4, 7)).astype(float)
    ids[0, 4:] = 0
    ids[1, :3] = 0
    # a Conv1D in the block ends the mask, so the pool averages every step;
    # a Dense passes it on, so the pool averages the unmasked steps
    for inner, keras_inner in [
        (Conv1D(4, 3, padding="same"), keras.layers.Conv1D(4, 3, padding="same", dtype="float64")),
        (Dense(4), keras.layers.Dense(4, dtype="float64")),
    ]:
        tokens = keras.Input((7,), dtype="int32")
        embedded = keras.layers.Embedding(30, 4, mask_zero=True, dtype="float64")(tokens)
        added = keras.layers.Add(dtype="float64")([embedded, keras_inner(embedded)])
        pooled = keras.layers.GlobalAveragePooling1D(dtype="float64")(added)
        model = keras.Model(tokens, keras.layers.Dense(1, dtype="float64")(pooled))
        model.set_weights([w + rs.normal(scale=0.3, size=w.shape) for w in model.get_weights()])
        network = _network([Embedding(30, 4, mask_zero=True), Residual([inner]),
                            GlobalAveragePooling1D(), Dense(1)], (7,))
        network.set_weights(model.get_weights())
        assert_allclose(network.predict(ids), np.asarray(model(ids.astype("int32"))),
                        rtol=1e-6, atol=1e-7)
