"""The layers of a network as nested parameters (skdl/_layer_params.py):
names by scikit-learn's make_pipeline rule, given names, the names refused,
the output layer's name, and changes applied to copies in a new list."""

import re

import pytest

from skdl._layer_params import (
    layer_names,
    name_layers,
    nested_layer_params,
    output_layer_name,
    with_layer_params,
)
from skdl.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D

from stateful_layer import RunningCentre


def test_unnamed_layers_are_named_as_make_pipeline_names_steps():
    layers = [Conv2D(2, 3), MaxPool2D(), Conv2D(4, 3), Flatten(), Dense(8), RunningCentre()]
    # a class that repeats is numbered on every layer of it, in order; a
    # user's class without a name argument is named the same way
    assert layer_names(layers) == [
        "conv2d-1", "maxpool2d", "conv2d-2", "flatten", "dense", "runningcentre",
    ]


def test_a_given_name_wins_and_renames_no_other_layer():
    assert layer_names([Dense(4, name="hidden"), Dense(8), Dense(2)]) == [
        "hidden", "dense-2", "dense-3",
    ]
    assert layer_names([Dense(4, name="dense"), Dense(8)]) == ["dense", "dense-2"]
    assert layer_names([Conv2D(2, 3, name="first"), Flatten()]) == ["first", "flatten"]


@pytest.mark.parametrize("layers, message", [
    ([Dense(4, name="a"), Dropout(0.1, name="a")],
     "layers[0] and layers[1] are both named 'a'"),
    # a given name that the rule gives another layer
    ([Dense(4, name="dense-2"), Dense(8), Dense(2)],
     "layers[0] and layers[1] are both named 'dense-2'"),
    ([Dense(4, name="conv__1")], "layers[0] by its name argument is named 'conv__1'"),
    ([Dense(4, name="")], "layers[0] by its name argument is named ''"),
    ([Flatten(), Dense(4, name="solver")],
     "layers[1] by its name argument is named 'solver', which is a parameter"),
])
def test_names_that_clash_or_hold_the_separator_are_refused(layers, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        layer_names(layers, reserved={"solver", "layers"})


def test_a_class_name_that_is_a_parameter_is_refused():
    class Solver(Flatten):
        pass

    with pytest.raises(ValueError, match=re.escape(
        "layers[0] after its class is named 'solver', which is a parameter of the "
        "estimator: 'solver__<param>' would be ambiguous"
    )):
        layer_names([Solver()], reserved={"solver"})


@pytest.mark.parametrize("name", [3, b"dense", ("a",)])
def test_a_name_that_is_not_a_string_is_refused(name):
    with pytest.raises(TypeError, match=re.escape(f"layers[1] has name={name!r}")):
        layer_names([Flatten(), Dense(2, name=name)])


def test_the_output_layer_takes_the_first_free_output_name():
    assert output_layer_name(["dense", "flatten"]) == "output"
    assert output_layer_name(["output", "dense"]) == "output-1"
    assert output_layer_name(["output-1", "output"]) == "output-2"


def test_name_layers_writes_the_names_into_the_layers():
    hidden, output = [Dense(4, name="output"), Dropout(0.2)], Dense(2)
    assert name_layers(hidden, output) == [*hidden, output]
    assert [layer.name for layer in (*hidden, output)] == ["output", "dropout", "output-1"]


def test_nested_params_list_each_layer_and_its_hyperparameters():
    layers = [Conv2D(2, 3), Dense(4, name="head")]
    params = nested_layer_params(layers, ["conv2d", "head"])
    assert params["conv2d"] is layers[0] and params["head"] is layers[1]
    assert params["conv2d__filters"] == 2 and params["conv2d__name"] is None
    assert params["head__units"] == 4 and params["head__name"] == "head"
    assert len(params) == 2 + len(layers[0].get_config()) + len(layers[1].get_config())


def test_changes_go_to_copies_in_a_new_list():
    layers = [Conv2D(2, 3), Flatten(), Dense(4)]
    names = layer_names(layers)
    changed = with_layer_params(layers, names, {"conv2d__filters": 8, "conv2d__padding": "same"})
    assert changed is not layers and changed[1:] == layers[1:]  # the others, the same objects
    assert changed[0] is not layers[0]
    assert (changed[0].filters, changed[0].padding, changed[0].kernel_size) == (8, "same", 3)
    assert (layers[0].filters, layers[0].padding) == (2, "valid")


def test_a_layer_is_replaced_by_name_before_parameters_apply():
    layers = [Conv2D(2, 3), Flatten(), Dense(4)]
    replacement = Dense(16, activation="relu")
    changed = with_layer_params(
        layers, layer_names(layers), {"dense__units": 32, "dense": replacement}
    )
    assert changed[2] is not replacement and replacement.units == 16
    assert (changed[2].units, changed[2].activation) == (32, "relu")
    assert with_layer_params(layers, layer_names(layers), {"flatten": replacement})[1] is (
        replacement
    )


@pytest.mark.parametrize("params, error, message", [
    ({"conv3d__filters": 4}, ValueError,
     "Invalid parameter 'conv3d__filters': no layer is named 'conv3d'. The layers are "
     "named ['conv2d', 'flatten', 'dense']"),
    ({"conv2d__filterz": 4}, ValueError,
     "Invalid parameter 'conv2d__filterz': layer 'conv2d', Conv2D(filters=2, "
     "kernel_size=3, strides=1, padding='valid', activation=None), has no parameter "
     "'filterz'; its parameters are ['activation', 'bias_initializer', 'filters', "
     "'kernel_initializer', 'kernel_size', 'name', 'padding', 'strides']"),
    ({"flatten__units": 4}, ValueError, "layer 'flatten', Flatten(), has no parameter 'units'"),
    ({"dense": "passthrough"}, TypeError,
     "dense='passthrough' would replace a layer by an object of type str"),
])
def test_bad_keys_are_refused_naming_them(params, error, message):
    layers = [Conv2D(2, 3), Flatten(), Dense(4)]
    with pytest.raises(error, match=re.escape(message)):
        with_layer_params(layers, layer_names(layers), {"dense__units": 8, **params})
    assert layers[2].units == 4
