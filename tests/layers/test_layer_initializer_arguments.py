"""The ``*_initializer`` arguments of the weighted layers (Dense, Conv1D,
Conv2D, SimpleRNN, LSTM, GRU; skdl.layers.base's ``drawn`` and
``check_initializers``): None keeps each layer's own draw, number for
number; a name or an object draws that weight from the same random stream,
in the layer's weight order; the LSTM's forget gate keeps its ones, as
Keras's; bad ones are refused naming the layer; an estimator given them is
reproducible, clones, and searches them."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skdl import NeuralNetRegressor
from skdl.initializers import Constant, HeNormal, Orthogonal, RandomNormal
from skdl.layers import GRU, LSTM, Conv1D, Conv2D, Dense, SimpleRNN
from skdl.network import Network

RECURRENT = [SimpleRNN, LSTM, GRU]

# the estimators here train one epoch at a step of 1e-9, to see where they
# start: that does not converge
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _built(layer, input_shape, seed=0):
    """``layer`` built, bound to fresh weights and initialized."""
    layer.build(input_shape)
    layer.bind([np.empty(spec.shape) for spec in layer.weight_specs()], None)
    layer.initialize(np.random.RandomState(seed))
    return layer


@pytest.mark.parametrize("layer, shape, fans", [
    (Dense(5), (7,), (7, 5)),
    (Conv2D(4, (2, 3)), (6, 6, 3), (18, 24)),
    (Conv1D(4, 3), (9, 2), (6, 12)),
], ids=["Dense", "Conv2D", "Conv1D"])
def test_none_keeps_the_glorot_uniform_draw_of_kernel_then_bias(layer, shape, fans):
    kernel, bias = _built(layer, shape).get_weights()
    rng, bound = np.random.RandomState(0), np.sqrt(6 / sum(fans))
    assert_array_equal(kernel, rng.uniform(-bound, bound, kernel.shape))
    assert_array_equal(bias, rng.uniform(-bound, bound, bias.shape))


@pytest.mark.parametrize("cls", RECURRENT)
def test_none_keeps_kerass_recurrent_start(cls):
    kernel, recurrent, bias = _built(cls(3), (5, 2)).get_weights()
    rng, bound = np.random.RandomState(0), np.sqrt(6 / (2 + kernel.shape[1]))
    assert_array_equal(kernel, rng.uniform(-bound, bound, kernel.shape))
    assert_array_equal(recurrent, Orthogonal()(recurrent.shape, rng))
    want = np.zeros(bias.shape)
    if cls is LSTM:
        want[3:6] = 1
    assert_array_equal(bias, want)


def test_a_given_initializer_draws_its_weight_in_the_layers_order():
    # kernel, then bias, from one stream: a bias left at None draws the
    # scikit-learn uniform after the kernel's draw
    kernel, bias = _built(Dense(5, kernel_initializer="he_normal"), (7,)).get_weights()
    rng = np.random.RandomState(0)
    assert_array_equal(kernel, HeNormal()((7, 5), rng))
    bound = np.sqrt(6 / 12)
    assert_array_equal(bias, rng.uniform(-bound, bound, 5))
    kernel, bias = _built(Dense(5, bias_initializer="zeros"), (7,)).get_weights()
    assert_array_equal(kernel, np.random.RandomState(0).uniform(-bound, bound, (7, 5)))
    assert_array_equal(bias, np.zeros(5))
    layer = _built(Conv2D(2, 3, kernel_initializer=Constant(0.5), bias_initializer="ones"),
                   (4, 4, 1))
    assert_array_equal(layer.kernel, np.full((3, 3, 1, 2), 0.5))
    assert_array_equal(layer.bias, np.ones(2))


@pytest.mark.parametrize("layer, shape, variance", [
    (Dense(300, kernel_initializer="he_normal"), (400,), 2 / 400),
    (Conv2D(64, 3, kernel_initializer="he_uniform"), (5, 5, 32), 2 / (9 * 32)),
    (Conv1D(64, 5, kernel_initializer="lecun_normal"), (9, 40), 1 / 200),
    (GRU(40, kernel_initializer="glorot_normal"), (3, 200), 2 / (200 + 120)),
], ids=["Dense", "Conv2D", "Conv1D", "GRU"])
def test_kernels_have_the_initializers_variance_with_kerass_fans(layer, shape, variance):
    kernel = _built(layer, shape).kernel
    assert_allclose(kernel.var(), variance, rtol=0.06)


@pytest.mark.parametrize("cls", RECURRENT)
def test_recurrent_layers_take_all_three(cls):
    layer = _built(cls(4, kernel_initializer="zeros", recurrent_initializer=RandomNormal(
        stddev=0.1), bias_initializer=Constant(0.5)), (5, 3))
    assert_array_equal(layer.kernel, 0)
    recurrent = layer.recurrent_kernel
    assert_array_equal(recurrent, RandomNormal(stddev=0.1)(recurrent.shape,
                                                          np.random.RandomState(0)))
    want = np.full(layer.bias.shape, 0.5)
    if cls is LSTM:  # Keras's unit_forget_bias: the forget gate keeps its ones
        want[4:8] = 1
    assert_array_equal(layer.bias, want)


def test_the_lstm_draws_its_other_gates_biases_as_keras_does():
    # the input gate's block, then the cell's and output gate's together,
    # each with the fans of its own shape
    layer = _built(LSTM(3, kernel_initializer="zeros", recurrent_initializer="zeros",
                        bias_initializer="he_normal"), (2, 2))
    rng = np.random.RandomState(0)
    assert_array_equal(layer.bias[:3], HeNormal()((3,), rng))
    assert_array_equal(layer.bias[3:6], 1)
    assert_array_equal(layer.bias[6:], HeNormal()((6,), rng))


def test_the_lstm_bias_matches_kerass_layout():
    keras = pytest.importorskip("keras")
    theirs = keras.layers.LSTM(3, bias_initializer=keras.initializers.Constant(0.5))
    theirs.build((None, 4, 2))
    ours = _built(LSTM(3, bias_initializer=Constant(0.5)), (4, 2))
    assert_array_equal(ours.bias, np.asarray(theirs.get_weights()[2]))


@pytest.mark.parametrize("layer, message", [
    (Dense(2, kernel_initializer="glorot"),
     r"Dense\(units=2, activation=None, kernel_initializer='glorot'\): kernel_initializer: "
     r"Unknown initializer 'glorot'"),
    (GRU(2, recurrent_initializer=0.1),
     r"GRU\(.*\): recurrent_initializer: An initializer must be a name"),
    (Conv1D(2, 2, bias_initializer="Glorot"), r"Conv1D\(.*\): bias_initializer: Unknown"),
])
def test_unknown_initializers_are_refused_at_build_naming_the_layer(layer, message):
    with pytest.raises(ValueError, match=message):
        layer.build((4, 3) if isinstance(layer, (GRU, Conv1D)) else (3,))


def test_an_initializer_that_cannot_draw_the_weight_is_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"Dense\(.*bias_initializer='orthogonal'\): "
                                         r"bias_initializer: Orthogonal needs a weight of "
                                         r"at least 2 axes"):
        _built(Dense(2, bias_initializer="orthogonal"), (3,))


def test_a_repr_leaves_initializers_at_none_out():
    assert repr(Dense(3)) == "Dense(units=3, activation=None)"
    assert repr(LSTM(2, recurrent_initializer="orthogonal")) == (
        "LSTM(units=2, return_sequences=False, recurrent_initializer='orthogonal')")
    layer = Dense(3, kernel_initializer=HeNormal())
    assert repr(Dense(**layer.get_config())) == repr(layer)


def test_a_network_draws_the_same_for_the_same_random_state():
    def weights(seed):
        net = Network([Conv1D(3, 2, kernel_initializer="he_normal", bias_initializer="zeros"),
                       LSTM(4, kernel_initializer="lecun_uniform"), Dense(1)], (6, 2))
        net.initialize(np.random.RandomState(seed))
        return net.get_weights()

    first = weights(0)
    for a, b in zip(first, weights(0)):
        assert_array_equal(a, b)
    assert not np.array_equal(first[0], weights(1)[0])


def _regressor(**params):
    return NeuralNetRegressor(
        layers=[Dense(200, activation="relu", kernel_initializer="he_normal",
                      bias_initializer="zeros")],
        max_iter=1, learning_rate_init=1e-9, batch_size=20, random_state=0, **params)



def test_an_estimator_starts_from_its_layers_initializers_reproducibly():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(100, 50)), rng.normal(size=100)
    model = _regressor().fit(X, y)
    kernel, bias = model.layers_[0].get_weights()
    assert_allclose(kernel.var(), 2 / 50, rtol=0.06)
    assert_allclose(bias, 0, atol=1e-6)
    again = clone(model).fit(X, y)
    assert_array_equal(again.layers_[0].kernel, kernel)


def test_a_search_over_a_layers_kernel_initializer():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 5)), rng.normal(size=60)
    grid = {"dense__kernel_initializer": [None, "he_normal", RandomNormal(stddev=0.01)]}
    search = GridSearchCV(_regressor(), grid, cv=2).fit(X, y)
    assert list(search.cv_results_["param_dense__kernel_initializer"]) == grid[
        "dense__kernel_initializer"]
    assert search.best_estimator_.layers_[0].kernel_initializer in grid[
        "dense__kernel_initializer"]


def test_an_initializers_parameters_nest_in_the_layers_and_the_estimators():
    shared = RandomNormal(stddev=0.05)
    layer = Dense(3, kernel_initializer=shared)
    assert layer.get_params()["kernel_initializer__stddev"] == 0.05
    assert "kernel_initializer__stddev" not in layer.get_params(deep=False)
    layer.set_params(kernel_initializer__stddev=0.2, units=4)
    assert (layer.units, layer.kernel_initializer.stddev, shared.stddev) == (4, 0.2, 0.05)
    with pytest.raises(ValueError, match="Invalid parameter 'stdev' for RandomNormal"):
        layer.set_params(kernel_initializer__stdev=0.1)
    with pytest.raises(ValueError, match="bias_initializer is None, which has no parameters"):
        layer.set_params(bias_initializer__stddev=0.1)
    model = _regressor()
    model.set_params(dense__kernel_initializer=shared, dense__kernel_initializer__mean=1.0)
    assert model.get_params()["dense__kernel_initializer__mean"] == 1.0
    assert shared.mean == 0.0
    rng = np.random.RandomState(0)
    model.fit(rng.normal(size=(40, 50)), rng.normal(size=40))
    assert_allclose(model.layers_[0].kernel.mean(), 1.0, atol=0.01)
