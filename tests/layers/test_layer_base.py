"""The contract of skdl.layers.Layer: WeightSpec, get_config and repr from
``__init__``'s arguments, get_params/set_params and clone as scikit-learn's
estimators have them, the name, build, bind, get_weights/set_weights, and a
user-written layer that keeps the contract training inside a Network."""

import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone

from skdl.gradcheck import check_gradients
from skdl.layers import (
    AvgPool2D, Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, WeightSpec,
)
from skdl.network import Network


def test_weight_spec():
    spec = WeightSpec("kernel", (np.int64(3), 2, 1, 4), penalised=1)
    assert spec.shape == (3, 2, 1, 4) and all(type(s) is int for s in spec.shape)
    assert spec.size == 24 and spec.penalised is True
    assert repr(spec) == "WeightSpec('kernel', (3, 2, 1, 4), penalised=True)"
    assert WeightSpec("bias", (4,), False).size == 4


def test_get_config_and_repr_come_from_init():
    class Shift(Layer):
        def __init__(self, amount, where="all"):
            self.amount = amount
            self.where = where

    assert Shift(2).get_config() == {"amount": 2, "where": "all"}
    assert repr(Shift(2, where="left")) == "Shift(amount=2, where='left')"

    class Bare(Layer):
        pass

    assert Bare().get_config() == {} and repr(Bare()) == "Bare()"


def test_get_params_lists_the_config_and_set_params_sets_it():
    layer = Conv2D(8, 3, activation="relu")
    assert layer.get_params() == layer.get_params(deep=False) == layer.get_config()
    assert layer.set_params(filters=16, name="first") is layer
    assert (layer.filters, layer.name, layer.kernel_size) == (16, "first", 3)


def test_set_params_refuses_an_unknown_name_and_sets_nothing():
    layer = Dense(2)
    with pytest.raises(ValueError, match=re.escape(
        "Invalid parameter 'unit' for layer Dense(units=2, activation=None). Valid "
        "parameters are: ['activation', 'bias_initializer', 'kernel_initializer', 'name', "
        "'units']."
    )):
        layer.set_params(units=3, unit=4)
    assert layer.units == 2 and not hasattr(layer, "unit")


def test_clone_makes_the_layer_anew_from_its_parameters():
    layer = Conv2D(2, [3, 3], padding="same", name="first")
    layer.build((5, 5, 1))
    layer.bind([np.zeros(s.shape) for s in layer.weight_specs()], None)
    copy = clone(layer)
    assert type(copy) is Conv2D and copy is not layer
    assert copy.get_config() == layer.get_config()
    assert copy.kernel_size is not layer.kernel_size  # deep: a list of its own
    assert copy.get_weights() == [] and not hasattr(copy, "output_shape")


def test_a_layer_class_without_a_name_argument_has_name_none():
    class Shift(Layer):
        def __init__(self, amount):
            self.amount = amount

    layer = Shift(2)
    assert layer.name is None and "name" not in layer.get_config()
    layer.name = "shift"  # what an estimator does to its copy
    assert repr(layer) == "Shift(amount=2)" and layer.get_params() == {"amount": 2}

    class Named(Layer):
        def __init__(self, name="mine"):
            self.name = name

    # name=None is left out of the repr only where it is the default
    assert repr(Named()) == "Named(name='mine')"
    assert repr(Named(name=None)) == "Named(name=None)"


@pytest.mark.parametrize("layer, shape", [
    (Dense(2), (4,)), (Conv2D(2, 2), (3, 3, 1)), (MaxPool2D(), (4, 4, 2)),
    (AvgPool2D(), (4, 4, 2)), (Flatten(), (2, 2, 2)), (Dropout(0.1), (5,)),
])
def test_build_returns_and_records_int_shapes(layer, shape):
    out = layer.build(np.array(shape))
    assert out == layer.output_shape and layer.input_shape == shape
    assert all(type(s) is int for s in layer.input_shape + layer.output_shape)


def test_rebuilding_takes_the_new_shape():
    layer = Conv2D(2, 3, padding="same")
    assert layer.build((5, 5, 1)) == (5, 5, 2)
    assert layer.build((7, 4, 3)) == (7, 4, 2)
    assert layer.weight_specs()[0].shape == (3, 3, 3, 2)


def test_unbuilt_layers_have_no_weights():
    for layer in (Dense(2), Conv2D(2, 2), MaxPool2D(), Flatten(), Dropout(0.5)):
        assert layer.get_weights() == []


def test_get_weights_copies_and_set_weights_copies_into_the_bound_views():
    layer = Dense(2)
    layer.build((3,))
    flat = np.zeros(8)
    layer.bind([flat[:6].reshape(3, 2), flat[6:]], None)
    layer.set_weights([np.arange(6.0).reshape(3, 2), [10.0, 20.0]])
    assert_array_equal(flat, [0, 1, 2, 3, 4, 5, 10, 20])  # written into the views
    copies = layer.get_weights()
    copies[0][...] = -1
    assert_array_equal(flat, [0, 1, 2, 3, 4, 5, 10, 20])
    assert layer.gradients is None


@pytest.mark.parametrize("layer, shape", [(Dense(2), (3,)), (Conv2D(2, 2), (3, 3, 1))])
def test_set_weights_error_names_the_layer_and_both_shape_lists(layer, shape):
    layer.build(shape)
    specs = layer.weight_specs()
    layer.bind([np.zeros(s.shape) for s in specs], None)
    expected = [s.shape for s in specs]
    message = (f"{layer!r}: set_weights got arrays of shapes [(1,)], but the layer needs "
               f"{expected}.")
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.set_weights([np.zeros(1)])


@pytest.mark.parametrize("make", [
    pytest.param(lambda: Dense(3, activation="no-such-activation"), id="Dense"),
    pytest.param(lambda: Conv2D(3, 2, activation="no-such-activation"), id="Conv2D"),
])
def test_an_unknown_activation_is_a_build_error_naming_the_layer(make):
    """Layer.build's contract: an invalid hyperparameter raises a ValueError
    whose message names the layer."""
    layer = make()
    shape = (4,) if isinstance(layer, Dense) else (3, 3, 1)
    with pytest.raises(ValueError, match="no-such-activation") as info:
        layer.build(shape)
    assert repr(layer) in str(info.value)


class Scale(Layer):
    """A user layer: multiplies each channel by a learnt factor."""

    def __init__(self, start=1.0):
        self.start = start

    def _build(self, input_shape):
        return input_shape

    def weight_specs(self):
        return [WeightSpec("gamma", (self.input_shape[-1],), penalised=False)]

    def bind(self, weights, gradients):
        super().bind(weights, gradients)
        (self.gamma,) = self.weights

    def initialize(self, random_state, factor=6.0):
        self.gamma[...] = self.start + random_state.uniform(-0.1, 0.1, self.gamma.shape)

    def forward(self, x, rng=None):
        self.scratch.x = x
        return x * self.gamma

    def backward(self, delta):
        (gamma_grad,) = self.gradients
        gamma_grad[...] = (delta * self.scratch.x).reshape(-1, self.gamma.size).sum(axis=0)
        if not self._needs_input_gradient:
            return None
        return delta * self.gamma

    def predict(self, x):
        return x * self.gamma


def test_a_user_layer_keeping_the_contract_trains_in_a_network():
    layers = [Conv2D(2, 2, activation="tanh"), Scale(0.5), Flatten(), Dense(3, "softmax")]
    net = Network(layers, (3, 3, 1))
    net.initialize(np.random.RandomState(0))
    # gamma is not penalised: after every kernel, between the biases
    assert net.n_coef_params == 2 * 2 * 1 * 2 + 8 * 3
    assert [w.shape for w in net.get_weights()] == [(2, 2, 1, 2), (2,), (2,), (8, 3), (3,)]
    assert np.all(np.abs(layers[1].gamma - 0.5) <= 0.1)
    rs = np.random.RandomState(1)
    X, Y = rs.normal(size=(4, 9)), np.eye(3)[[0, 1, 2, 1]]
    error, _, _ = check_gradients(net, X, Y, "cross_entropy", alpha=0.1)
    assert error < 1e-6
    # and first, where no input gradient is needed
    net = Network([Scale(), Flatten(), Dense(2)], (2, 2, 3))
    net.initialize(np.random.RandomState(0))
    error, _, _ = check_gradients(net, rs.normal(size=(3, 12)), rs.normal(size=(3, 2)),
                                  "squared_error")
    assert error < 1e-6


# ------------------------------------------- set_weights refuses, all first
BAD_WEIGHTS = {
    "strings after a good kernel": lambda k, b: [np.zeros_like(k), np.array(["a"] * b.size)],
    "complex kernel": lambda k, b: [k + 1j, b],
    "object array": lambda k, b: [k.astype(object), b],
    "too few arrays": lambda k, b: [np.zeros_like(k)],
    "too many arrays": lambda k, b: [np.zeros_like(k), b, b],
    "NaN in the bias": lambda k, b: [np.zeros_like(k), np.full_like(b, np.nan)],
    "beyond float32": lambda k, b: [np.full(k.shape, 1e300), b],
    "a ragged list": lambda k, b: [np.zeros_like(k), [[1.0], [1.0, 2.0]]],
    "not a list": lambda k, b: 5,
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", list(BAD_WEIGHTS))
def test_a_refused_set_weights_changes_nothing(bad, dtype):
    layer = Dense(3)
    layer.build((4,), dtype)
    layer.bind([np.ones((4, 3), dtype), np.ones(3, dtype)], None)
    before = layer.get_weights()
    weights = BAD_WEIGHTS[bad](*before)
    if bad == "beyond float32" and dtype == np.float64:
        layer.set_weights(weights)  # finite in float64: taken
        return
    with pytest.raises(ValueError, match=re.escape(repr(layer)) + ": set_weights"):
        layer.set_weights(weights)
    for a, b in zip(layer.get_weights(), before):
        assert_array_equal(a, b)


def test_set_weights_takes_ints_and_bools_as_numbers():
    layer = Dense(2)
    layer.build((2,))
    layer.bind([np.zeros((2, 2)), np.zeros(2)], None)
    layer.set_weights([[[1, 2], [3, 4]], np.array([True, False])])
    assert_array_equal(layer.kernel, [[1, 2], [3, 4]])
    assert_array_equal(layer.bias, [1, 0])


# ------------------------------------ hyperparameters a layer cannot list
class VarArgsLayer(Layer):
    def __init__(self, *sizes):
        self.sizes = sizes

    def _build(self, input_shape):
        return input_shape


class KwArgsLayer(Layer):
    def __init__(self, scale=1.0, **options):
        self.scale = scale
        self.options = options

    def _build(self, input_shape):
        return input_shape


class RenamedLayer(Layer):
    def __init__(self, units):
        self.n_units = units

    def _build(self, input_shape):
        return input_shape


def test_varargs_are_refused_when_built_and_repr_still_works():
    layer = VarArgsLayer(2, 3)
    assert repr(layer) == "VarArgsLayer(...)"
    with pytest.raises(TypeError, match=r"VarArgsLayer.__init__ takes \*sizes"):
        layer.get_config()
    with pytest.raises(TypeError, match=r"takes \*sizes"):
        layer.build((4,))
    with pytest.raises(TypeError, match=r"takes \*sizes"):
        Network([VarArgsLayer(1), Dense(2)], (4,))


def test_kwargs_are_left_out_as_scikit_learn_leaves_them():
    layer = KwArgsLayer(2.0, colour="red")
    assert layer.get_config() == {"scale": 2.0}
    assert repr(layer) == "KwArgsLayer(scale=2.0)"
    assert layer.build((3,)) == (3,)


def test_an_argument_stored_under_another_name_is_named():
    layer = RenamedLayer(4)
    assert repr(layer) == "RenamedLayer(...)"
    with pytest.raises(TypeError, match=r"no attribute 'units'.*self.units = units"):
        layer.build((3,))


def test_a_weight_spec_may_not_train():
    spec = WeightSpec("moving_mean", (3,), penalised=False, trainable=False)
    assert spec.trainable is False and spec.size == 3
    assert repr(spec) == "WeightSpec('moving_mean', (3,), penalised=False, trainable=False)"
    assert WeightSpec("kernel", (2, 3), True).trainable is True


def test_a_penalised_weight_that_does_not_train_is_refused():
    with pytest.raises(ValueError, match="'moving_mean' is penalised but not trainable"):
        WeightSpec("moving_mean", (3,), penalised=True, trainable=False)


def test_a_layer_bound_outside_a_network_gets_and_sets_the_weight_that_does_not_train():
    from stateful_layer import RunningCentre

    layer = RunningCentre()
    layer.build((2,))
    weights = [np.ones(2), np.zeros(2), np.zeros(2)]
    layer.bind(weights, None)
    layer.set_weights([[2.0, 3.0], [0.5, -0.5], [1.0, 1.0]])
    assert_array_equal(weights[1], [0.5, -0.5])  # written into the bound view
    assert_array_equal(layer.predict(np.array([[0.5, 0.5]])), [[1.0, 4.0]])
    with pytest.raises(ValueError, match="set_weights got arrays of shapes"):
        layer.set_weights([[2.0, 3.0], [1.0, 1.0]])
    assert_array_equal(layer.get_weights()[1], [0.5, -0.5])
