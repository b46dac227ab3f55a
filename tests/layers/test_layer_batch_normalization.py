"""skdl.layers.BatchNormalization: training passes normalise each channel
by the batch's mean and biased variance and move the moving statistics as
Keras does; predictions use the moving statistics; the backward pass, the
batch's statistics included, gradient-checked alone and in stacks on both
back-ends; masked statistics on masked sequences, as Keras's; what
L-BFGS's evaluations do to the moving statistics."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl import NeuralNetRegressor
from skdl.gradcheck import check_gradients
from skdl.layers import BatchNormalization, Conv1D, Conv2D, Dense, Flatten, LayerNormalization
from skdl.network import Network

from layer_reference import bind_weights
from padding_mask import PadMask


def normalised(x, mean, variance, gamma, beta, epsilon=1e-3):
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


@pytest.mark.parametrize("shape", [(5,), (4, 3), (3, 2, 4)], ids=["dense", "conv1d", "conv2d"])
def test_training_normalises_by_the_batch_and_moves_the_statistics(compute_backend, shape):
    layer = bind_weights(BatchNormalization(momentum=0.9), shape)
    gamma, beta, moving_mean, moving_variance = layer.get_weights()
    layer.moving_variance[...] = moving_variance = np.abs(moving_variance)
    x = np.random.RandomState(1).normal(2.0, 3.0, size=(6, *shape))
    per_channel = x.reshape(-1, shape[-1])
    mean, variance = per_channel.mean(axis=0), per_channel.var(axis=0)  # biased
    layer.allocate(6)
    assert_allclose(layer.forward(x), normalised(x, mean, variance, gamma, beta),
                    rtol=1e-10, atol=1e-10)
    assert_allclose(layer.moving_mean, 0.9 * moving_mean + 0.1 * mean, rtol=1e-12)
    assert_allclose(layer.moving_variance, 0.9 * moving_variance + 0.1 * variance, rtol=1e-12)
    # predictions use the moving statistics, and change nothing
    before = layer.get_weights()
    assert_allclose(layer.predict(x), normalised(x, layer.moving_mean, layer.moving_variance,
                                                 gamma, beta), rtol=1e-12)
    for old, new in zip(before, layer.get_weights()):
        assert_allclose(old, new, rtol=0)


@pytest.mark.parametrize("center, scale, names", [
    (True, True, ["gamma", "beta", "moving_mean", "moving_variance"]),
    (False, True, ["gamma", "moving_mean", "moving_variance"]),
    (False, False, ["moving_mean", "moving_variance"]),
])
def test_weights_as_keras_with_the_statistics_not_trainable(center, scale, names):
    layer = BatchNormalization(center=center, scale=scale)
    layer.build((4, 3))
    specs = layer.weight_specs()
    assert [s.name for s in specs] == names
    assert [s.trainable for s in specs] == [n in ("gamma", "beta") for n in names]
    assert not any(s.penalised for s in specs) and all(s.shape == (3,) for s in specs)
    network = Network([Dense(4), BatchNormalization(center=center, scale=scale), Dense(1)],
                      (3,))
    network.initialize(np.random.RandomState(0))
    start = {"gamma": 1.0, "beta": 0.0, "moving_mean": 0.0, "moving_variance": 1.0}
    for name, weight in zip(names, network.layers[1].get_weights()):
        assert_allclose(weight, start[name])
    assert network.non_trainable_params.size == 8


STACKS = [
    ([BatchNormalization(), Dense(2)], (3,)),
    ([Dense(4, "tanh"), BatchNormalization(), Dense(2)], (3,)),
    ([Dense(4, "tanh"), BatchNormalization(center=False, scale=False), Dense(2)], (3,)),
    ([Conv2D(2, 2), BatchNormalization(), Flatten(), Dense(2)], (3, 3, 1)),
    ([Conv1D(2, 2, activation="relu"), BatchNormalization(), Flatten(), Dense(2)], (4, 2)),
]


@pytest.mark.parametrize("layers, shape", STACKS,
                         ids=["alone", "dense", "dense-no-weights", "conv2d", "conv1d"])
def test_gradients_alone_and_in_stacks(compute_backend, layers, shape):
    rs = np.random.RandomState(0)
    network = Network(layers, shape)
    network.initialize(rs)
    for layer in layers:  # gamma and beta away from 1 and 0
        if isinstance(layer, BatchNormalization) and layer.scale:
            layer.gamma[...] = rs.normal(size=layer.gamma.shape)
            layer.beta[...] = rs.normal(size=layer.beta.shape)
    X = rs.normal(size=(5, int(np.prod(shape))))
    error, analytic, _ = check_gradients(network, X, rs.normal(size=(5, 2)), "squared_error")
    assert error < 1e-6
    assert np.abs(analytic).max() > 1e-6


def test_first_layer_gradients_of_its_weights_only(compute_backend):
    layer = bind_weights(BatchNormalization(), (4,))
    layer.allocate(3, needs_input_gradient=False)
    x = np.random.RandomState(0).normal(size=(3, 4))
    layer.forward(x)
    assert layer.backward(np.ones((3, 4))) is None
    assert_allclose(layer.gradients[1], 3.0)  # beta's: the sum of delta
    assert_allclose(layer.gradients[0], 0.0, atol=1e-12)  # sum of the normalised batch


def test_float32(compute_backend):
    layer = bind_weights(BatchNormalization(), (4, 4, 3), dtype=np.float32)
    layer.moving_variance[...] = 1
    x = np.random.RandomState(0).normal(size=(5, 4, 4, 3)).astype(np.float32)
    layer.allocate(5)
    out = layer.forward(x)
    assert out.dtype == np.float32 and layer.backward(np.ones_like(out)).dtype == np.float32
    flat = x.reshape(-1, 3).astype(float)
    gamma, beta = layer.gamma.astype(float), layer.beta.astype(float)
    assert_allclose(out, normalised(x, flat.mean(0), flat.var(0), gamma, beta), atol=1e-5)


MASK = np.array([[True, True, False, False], [True, False, True, True],
                 [True, True, True, False]])


def test_masked_training_takes_the_statistics_of_the_unmasked_steps(compute_backend):
    layer = bind_weights(BatchNormalization(momentum=0.5), (4, 3))
    layer.moving_mean[...], layer.moving_variance[...] = 0, 1
    gamma, beta = layer.gamma.copy(), layer.beta.copy()
    x = np.random.RandomState(2).normal(1.0, 2.0, size=(3, 4, 3))
    steps = x[MASK]  # the 8 unmasked steps
    denominator = MASK.sum() + 1e-7  # Keras's masked moments
    mean = steps.sum(axis=0) / denominator
    variance = ((steps - mean) ** 2).sum(axis=0) / denominator
    layer.allocate(3)
    out = layer.forward(x, mask=MASK)
    # every step, masked or not, is normalised by those statistics
    assert_allclose(out, normalised(x, mean, variance, gamma, beta), rtol=1e-10)
    assert_allclose(layer.moving_mean, 0.5 * mean, rtol=1e-12)
    # predictions use the moving statistics and ignore the mask; the mask passes on
    assert_allclose(layer.predict(x, mask=MASK), layer.predict(x), rtol=0)
    assert layer.compute_mask(x, MASK) is MASK


def test_masked_gradients(compute_backend):
    # a weighted layer before it, which passes the mask, so that its input
    # gradient is checked too
    rs = np.random.RandomState(0)
    network = Network([PadMask(), LayerNormalization(), BatchNormalization(), Flatten(),
                       Dense(2)], (4, 3))
    network.initialize(rs)
    network.layers[1].set_weights([rs.normal(size=3), rs.normal(size=3)])
    network.layers[2].set_weights([rs.normal(size=3), rs.normal(size=3), np.zeros(3),
                                   np.ones(3)])
    X = rs.normal(size=(3, 4, 3)) * MASK[:, :, None]  # PadMask masks the zero steps
    error, analytic, _ = check_gradients(network, X.reshape(3, -1), rs.normal(size=(3, 2)),
                                         "squared_error")
    assert error < 1e-6 and np.abs(analytic[:3]).max() > 1e-6


def test_a_mask_on_images_is_refused():
    layer = bind_weights(BatchNormalization(), (2, 2, 3))
    layer.allocate(1)
    with pytest.raises(ValueError, match=r"takes a mask on sequences of shape \(timesteps, "
                                         r"channels\) only, got input of shape \(2, 2, 3\)"):
        layer.forward(np.zeros((1, 2, 2, 3)), mask=np.ones((1, 2), bool))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_lbfgs_moves_the_statistics_at_every_evaluation(monkeypatch):
    # BatchNormalization first: the statistics of its input do not depend on
    # the weights, so after k evaluations moving_mean = (1 - 0.99 ** k) * mean
    calls = []
    original = Network.loss_and_gradient

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_and_gradient", counted)
    rs = np.random.RandomState(0)
    X = rs.normal(3.0, 2.0, size=(40, 3))
    y = X @ np.array([1.0, -1.0, 0.5])
    model = NeuralNetRegressor([BatchNormalization()], input_shape=(3,), solver="lbfgs",
                               max_iter=15, random_state=0)
    model.fit(X, y)
    k = len(calls)
    assert k >= model.n_iter_  # line-search evaluations are training passes too
    layer = model.layers_[0]
    assert_allclose(layer.moving_mean, (1 - 0.99 ** k) * X.mean(axis=0), rtol=1e-10)
    assert_allclose(layer.moving_variance, 0.99 ** k + (1 - 0.99 ** k) * X.var(axis=0),
                    rtol=1e-10)


@pytest.mark.parametrize("kwargs, message", [
    ({"axis": 1}, r"normalises the last axis only, got axis=1 for input of "
                  r"shape \(4, 3\); pass axis=-1"),
    ({"momentum": 1.5}, r"momentum must be a number in \[0, 1\], got 1.5"),
    ({"epsilon": -1.0}, r"epsilon must be a positive number"),
    ({"scale": None}, r"scale must be True or False"),
    ({"moving_variance_initializer": "nonsense"}, r"moving_variance_initializer: "),
])
def test_build_refusals_name_the_layer_and_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=r"^BatchNormalization\(.*\): " + message):
        BatchNormalization(**kwargs).build((4, 3))


def test_keras_gives_the_same_outputs_and_statistics():
    keras = pytest.importorskip("keras")
    rs = np.random.RandomState(0)
    for shape, center, scale in [((5,), True, True), ((3, 2, 4), False, True)]:
        layer = bind_weights(BatchNormalization(momentum=0.8, center=center, scale=scale),
                             shape)
        layer.moving_variance[...] = np.abs(layer.moving_variance)
        theirs = keras.layers.BatchNormalization(momentum=0.8, center=center, scale=scale,
                                                 dtype="float64")
        theirs.build((None, *shape))
        theirs.set_weights(layer.get_weights())
        x = rs.normal(1.0, 2.0, size=(4, *shape))
        # inference first, then a training pass and the moved statistics
        assert_allclose(layer.predict(x), np.asarray(theirs(x)), rtol=1e-6, atol=1e-6)
        layer.allocate(4)
        assert_allclose(layer.forward(x), np.asarray(theirs(x, training=True)),
                        rtol=1e-6, atol=1e-6)
        for ours, keras_weight in zip(layer.get_weights(), theirs.get_weights()):
            assert_allclose(ours, keras_weight, rtol=1e-6, atol=1e-6)
    # masked sequences: Keras's masked moments
    layer = bind_weights(BatchNormalization(momentum=0.8), (4, 3))
    layer.moving_variance[...] = 1
    theirs = keras.layers.BatchNormalization(momentum=0.8, dtype="float64")
    theirs.build((None, 4, 3))
    theirs.set_weights(layer.get_weights())
    x = rs.normal(1.0, 2.0, size=(3, 4, 3))
    layer.allocate(3)
    assert_allclose(layer.forward(x, mask=MASK),
                    np.asarray(theirs(x, training=True, mask=MASK)), rtol=1e-6, atol=1e-6)
    for ours, keras_weight in zip(layer.get_weights(), theirs.get_weights()):
        assert_allclose(ours, keras_weight, rtol=1e-6, atol=1e-6)
