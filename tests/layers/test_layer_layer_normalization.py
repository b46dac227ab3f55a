"""skdl.layers.LayerNormalization: each vector along the last axis
normalised by its own mean and biased variance, then scaled by gamma and
shifted by beta, as Keras's layer; the backward pass gradient-checked alone
and in stacks on both back-ends."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl.gradcheck import check_gradients
from skdl.layers import Conv1D, Dense, Flatten, LayerNormalization
from skdl.network import Network

from layer_reference import bind_weights


def reference(x, gamma, beta, epsilon=1e-3):
    """The formula, over the last axis."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + epsilon) + beta


@pytest.mark.parametrize("shape", [(5,), (4, 3), (3, 2, 4)], ids=["flat", "sequence", "image"])
def test_forward_and_predict_are_the_formula(compute_backend, shape):
    layer = bind_weights(LayerNormalization(), shape)
    gamma, beta = layer.get_weights()
    x = np.random.RandomState(1).normal(2.0, 3.0, size=(6, *shape))
    want = reference(x, gamma, beta)
    layer.allocate(6)
    assert_allclose(layer.forward(x), want, rtol=1e-12, atol=1e-12)
    assert_allclose(layer.predict(x), want, rtol=1e-12, atol=1e-12)
    assert layer.output_shape == shape


@pytest.mark.parametrize("center, scale, names", [
    (True, True, ["gamma", "beta"]), (False, True, ["gamma"]),
    (True, False, ["beta"]), (False, False, []),
])
def test_weights_follow_the_flags_as_keras(center, scale, names):
    layer = LayerNormalization(center=center, scale=scale)
    layer.build((4, 3))
    specs = layer.weight_specs()
    assert [s.name for s in specs] == names
    assert all(s.shape == (3,) and not s.penalised and s.trainable for s in specs)
    network = Network([layer, Flatten(), Dense(2)], (4, 3))
    network.initialize(np.random.RandomState(0))
    # Keras's initial weights: gamma ones, beta zeros
    for name, weight in zip(names, layer.get_weights()):
        assert_allclose(weight, 1.0 if name == "gamma" else 0.0)
    x = np.random.RandomState(0).normal(size=(2, 4, 3))
    assert_allclose(layer.predict(x), reference(x, 1.0, 0.0))


@pytest.mark.parametrize("center, scale", [(True, True), (False, False)])
def test_gradients_alone_and_in_stacks(compute_backend, center, scale):
    rs = np.random.RandomState(0)
    stacks = [
        ([LayerNormalization(center=center, scale=scale), Flatten(), Dense(2)], (3, 4)),
        ([Dense(5, "tanh"), LayerNormalization(center=center, scale=scale), Dense(2)], (4,)),
        ([Conv1D(3, 2), LayerNormalization(center=center, scale=scale), Flatten(), Dense(2)],
         (5, 2)),
    ]
    for layers, shape in stacks:
        network = Network(layers, shape)
        network.initialize(rs)
        # gamma and beta away from 1 and 0, so that both enter the gradient
        for layer in layers:
            if isinstance(layer, LayerNormalization):
                layer.set_weights([rs.normal(size=w.shape) for w in layer.get_weights()])
        X = rs.normal(size=(4, int(np.prod(shape))))
        Y = rs.normal(size=(4, 2))
        error, analytic, _ = check_gradients(network, X, Y, "squared_error")
        assert error < 1e-6, (layers, error)
        assert np.abs(analytic).max() > 1e-6


def test_first_layer_skips_the_input_gradient():
    layer = bind_weights(LayerNormalization(), (3, 4))
    layer.allocate(2, needs_input_gradient=False)
    layer.forward(np.random.RandomState(0).normal(size=(2, 3, 4)))
    assert layer.backward(np.ones((2, 3, 4))) is None
    assert np.all(layer.gradients[1] == 6.0)  # beta's gradient: delta summed over 2 x 3 steps


def test_float32(compute_backend):
    layer = bind_weights(LayerNormalization(), (4, 6), dtype=np.float32)
    x = np.random.RandomState(0).normal(size=(3, 4, 6)).astype(np.float32)
    layer.allocate(3)
    out = layer.forward(x)
    assert out.dtype == np.float32 and layer.backward(np.ones_like(out)).dtype == np.float32
    gamma, beta = layer.get_weights()
    assert_allclose(out, reference(x.astype(float), gamma, beta), rtol=1e-5, atol=1e-5)


def test_masks_pass_through():
    layer = LayerNormalization()
    layer.build((4, 3))
    mask = np.array([[True, True, False, False]])
    assert layer.passes_mask and not layer.takes_mask
    assert layer.compute_mask(np.zeros((1, 4, 3)), mask) is mask


@pytest.mark.parametrize("kwargs, message", [
    ({"axis": 1}, r"normalises the last axis only, got axis=1 for input of shape "
                  r"\(4, 3\); pass axis=-1"),
    ({"axis": -2}, r"normalises the last axis only, got axis=-2"),
    ({"axis": "last"}, r"normalises the last axis only, got axis='last'"),
    ({"epsilon": 0}, r"epsilon must be a positive number, got 0"),
    ({"center": "yes"}, r"center must be True or False"),
    ({"gamma_initializer": "nonsense"}, r"gamma_initializer: "),
])
def test_build_refusals_name_the_layer_and_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=r"^LayerNormalization\(.*\): " + message):
        LayerNormalization(**kwargs).build((4, 3))


def test_the_last_axis_may_be_given_as_keras_counts_it():
    # Keras counts the batch axis: the last axis of (n, 4, 3) is 2
    assert LayerNormalization(axis=2).build((4, 3)) == (4, 3)
    assert LayerNormalization(axis=[-1]).build((4, 3)) == (4, 3)


def test_keras_gives_the_same_outputs():
    keras = pytest.importorskip("keras")
    rs = np.random.RandomState(0)
    for shape, center, scale in [((5,), True, True), ((4, 3), False, True),
                                 ((3, 2, 4), True, False)]:
        layer = bind_weights(LayerNormalization(center=center, scale=scale, epsilon=0.01),
                             shape)
        theirs = keras.layers.LayerNormalization(center=center, scale=scale, epsilon=0.01,
                                                 dtype="float64")
        theirs.build((None, *shape))
        theirs.set_weights(layer.get_weights())
        x = rs.normal(1.0, 2.0, size=(3, *shape))
        # Keras 3.15 on JAX is within ~3e-7 of the float64 formula here: part of
        # its computation runs in float32, as its global average pool's mean does
        assert_allclose(layer.predict(x), np.asarray(theirs(x)), rtol=1e-6, atol=1e-6)
