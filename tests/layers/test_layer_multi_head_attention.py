"""skdl.layers.MultiHeadAttention: outputs against a plain-loop reference
(masks, causal mask, value_dim, no biases), Keras's weights and outputs on
padded sequences, attention dropout, gradients alone and in a stack on both
back-ends, and the refusals."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl.gradcheck import check_gradients
from skdl.layers import Dense, Flatten, MultiHeadAttention
from skdl.network import Network

import attention_reference as ref
from padding_mask import PadMask
import layer_reference


def _built(layer, shape=(5, 6), seed=0):
    return layer_reference.bind_weights(layer, shape, seed)


@pytest.mark.parametrize("options", [
    dict(),
    dict(value_dim=3, use_causal_mask=True),
    dict(use_bias=False),
])
def test_predict_and_forward_equal_the_reference(compute_backend, options):
    layer = _built(MultiHeadAttention(2, 4, **options))
    x = ref.padded_sequences(4, 5, 6)
    mask = np.any(x != 0, axis=-1)
    for given in (None, mask):
        want = ref.attention(x, layer.get_weights(), 2, given, options.get("use_causal_mask"),
                             options.get("use_bias", True))
        assert_allclose(layer.predict(x, mask=given), want, rtol=1e-10, atol=1e-12)
        layer.allocate(6)
        assert_allclose(layer.forward(x, mask=given), want, rtol=1e-10, atol=1e-12)


def test_weights_are_kerass_and_outputs_equal_kerass_on_padded_sequences():
    keras = pytest.importorskip("keras")
    x = ref.padded_sequences(3, 5, 6)
    mask = np.any(x != 0, axis=-1)
    # Keras's own combination of the masks, through a Masking layer
    layer = _built(MultiHeadAttention(2, 3))
    inputs = keras.Input((5, 6), dtype="float64")
    masked = keras.layers.Masking(0.0, dtype="float64")(inputs)
    theirs = keras.layers.MultiHeadAttention(2, 3, dtype="float64")
    model = keras.Model(inputs, theirs(masked, masked))
    assert [w.shape for w in theirs.get_weights()] == [s.shape for s in layer.weight_specs()]
    theirs.set_weights(layer.get_weights())
    # Keras's JAX attention kernel takes the softmax in float32
    assert_allclose(layer.predict(x, mask=mask), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
    # the causal mask, and no biases, called directly with that combination
    both = mask[:, :, None] & mask[:, None, :]
    unbiased = _built(MultiHeadAttention(2, 3, use_bias=False, use_causal_mask=True))
    theirs = keras.layers.MultiHeadAttention(2, 3, use_bias=False, dtype="float64")
    theirs(x, x)
    theirs.set_weights(unbiased.get_weights())
    want = theirs(x, x, attention_mask=both, use_causal_mask=True)
    assert_allclose(unbiased.predict(x, mask=mask), np.asarray(want), rtol=1e-5, atol=1e-6)


def test_dropout_acts_on_attention_weights_in_training_passes_only():
    layer = _built(MultiHeadAttention(2, 4, dropout=0.5))
    assert layer.draws_in_training and not MultiHeadAttention(2, 4).draws_in_training
    x = ref.padded_sequences(3, 5, 6)
    layer.allocate(3)
    plain = layer.predict(x)
    assert_allclose(layer.forward(x), plain, rtol=1e-12)
    dropped = layer.forward(x, np.random.default_rng(0))
    assert not np.allclose(dropped, plain)
    kept = layer.scratch.batch.kept
    assert 0.3 < kept.mean() < 0.7
    # the weights the values were averaged with: softmax, masked, rescaled
    assert_allclose(layer.scratch.batch.weights, layer.scratch.batch.scores * kept * 2)


def _stack(attention, steps=4, features=3, dtype=np.float64):
    layers = [PadMask(), attention, Flatten(), Dense(2)]
    network = Network(layers, (steps, features), dtype)
    network.initialize(np.random.RandomState(0))
    network.params[:] += np.random.RandomState(1).normal(scale=0.3, size=network.params.size)
    return network


@pytest.mark.parametrize("options", [
    dict(),
    dict(value_dim=2, use_causal_mask=True, use_bias=False),
])
def test_gradients_in_a_stack_with_masks(compute_backend, options):
    network = _stack(MultiHeadAttention(2, 2, **options))
    X = ref.padded_sequences(5, 4, 3, seed=2).reshape(5, -1)
    Y = np.random.RandomState(3).normal(size=(5, 2))
    error, _, _ = check_gradients(network, X, Y, "squared_error")
    assert error < 1e-6


def test_gradients_with_dropout_follow_the_drawn_mask():
    network = _stack(MultiHeadAttention(2, 2, dropout=0.3))
    assert network.has_dropout
    X = ref.padded_sequences(4, 4, 3, seed=2).reshape(4, -1)
    Y = np.random.RandomState(3).normal(size=(4, 2))
    from skdl.losses import get_loss
    loss = get_loss("squared_error")

    def objective(params):
        network.params[:] = params
        return network.loss_and_gradient(X, Y, loss, dropout_rng=np.random.default_rng(7))

    start = network.params.copy()
    objective(start)
    analytic = network.grad.copy()
    numeric = np.empty_like(start)
    for i in range(start.size):
        step = np.zeros_like(start)
        step[i] = 1e-6
        numeric[i] = (objective(start + step) - objective(start - step)) / 2e-6
    assert np.linalg.norm(analytic - numeric) < 1e-6 * np.linalg.norm(numeric)


def test_float32_is_close_to_float64():
    x = ref.padded_sequences(3, 5, 6)
    wide = _built(MultiHeadAttention(2, 4, use_causal_mask=True))
    narrow = layer_reference.bind_weights(MultiHeadAttention(2, 4, use_causal_mask=True),
                                          (5, 6), 0, np.float32)
    mask = np.any(x != 0, axis=-1)
    narrow.allocate(3)
    got = narrow.forward(x.astype(np.float32), mask=mask)
    assert got.dtype == np.float32
    assert_allclose(got, wide.predict(x, mask=mask), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layer, shape, message", [
    (MultiHeadAttention(2, 4), (6,), r"needs sequences of shape \(timesteps, features\), "
                                     r"got input of shape \(6,\)"),
    (MultiHeadAttention(0, 4), (5, 6), "num_heads must be a positive integer, got 0"),
    (MultiHeadAttention(2, 4, value_dim=-1), (5, 6), "value_dim must be a positive integer"),
    (MultiHeadAttention(2, 4, dropout=1.0), (5, 6), r"dropout must be a number in \[0, 1\)"),
    (MultiHeadAttention(2, 4, use_causal_mask="yes"), (5, 6), "use_causal_mask must be True"),
    (MultiHeadAttention(2, 4, kernel_initializer="nope"), (5, 6), "kernel_initializer"),
])
def test_build_errors_name_the_layer(layer, shape, message):
    with pytest.raises(ValueError, match=message) as info:
        layer.build(shape)
    assert str(info.value).startswith(repr(layer) + ": ")
