"""The layers' Keras forms (skdl/layers/_keras_form.py and the attributes
of each layer class): every built-in layer says its own Keras class name
or has none, skdl.keras names no layer, and Keras's options are read or
refused by one rule."""

import re
from pathlib import Path

import pytest

from skdl.activations import ELU, LeakyReLU
from skdl.layers import (
    BUILT_IN_LAYERS,
    CategoryEmbedding,
    Conv1D,
    Dense,
    Layer,
    PositionEmbedding,
)
from skdl.layers._keras_form import activation_from_keras, keras_activation

ROOT = Path(__file__).resolve().parents[2]

WITHOUT_KERAS_FORM = {PositionEmbedding, CategoryEmbedding}
"""Keras has no layer of these (keras-hub's PositionEmbedding returns the
positions, and needs keras-hub; a table's columns are split in a graph):
the docs name them."""


@pytest.mark.parametrize("layer_class", BUILT_IN_LAYERS)
def test_each_layer_names_its_own_keras_class(layer_class):
    # never a parent's name: MaxPool1D must not be written as MaxPooling2D
    if layer_class in WITHOUT_KERAS_FORM:
        assert layer_class.keras_class_name is None
    else:
        assert isinstance(vars(layer_class).get("keras_class_name"), str)


def test_skdl_keras_imports_no_layer():
    # a new layer's Keras form is in its own class: skdl/keras needs no edit
    for path in (ROOT / "skdl" / "keras").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        imported = re.findall(r"from \.\.layers import ([^\n]+)", text)
        assert all(names.strip() == "BUILT_IN_LAYERS" for names in imported), path


def test_a_layer_without_a_keras_form_is_refused_naming_it():
    layer = PositionEmbedding(4, name="positions")
    layer.build((4, 2))
    with pytest.raises(ValueError, match="'positions' is a PositionEmbedding, which has no "
                                         "Keras form"):
        layer.keras_config()


@pytest.mark.parametrize("activation, keras_name", [
    ("identity", "linear"), ("logistic", "sigmoid"), ("exp", "exponential"),
    ("gelu", "gelu"), (LeakyReLU(0.2), "leaky_relu"), (ELU(), "elu"),
])
def test_activations_keras_has_under_the_same_defaults(activation, keras_name):
    layer = Dense(2, activation=activation)
    layer.build((3,))
    assert layer.keras_config()["activation"] == keras_name
    back = activation_from_keras(keras_name)
    layer = Dense(2, activation=back)
    layer.build((3,))
    assert layer.keras_config()["activation"] == keras_name


@pytest.mark.parametrize("activation", ["leaky_relu", ELU(alpha=2.0), "step"])
def test_activations_that_differ_from_kerass_are_refused(activation):
    layer = Dense(2, activation=activation, name="d")
    layer.build((3,))
    with pytest.raises(ValueError, match=r"Layer 'd' \(Dense\) has activation"):
        keras_activation(layer, layer.activation_)


def test_kerass_options_read_ignored_or_refused():
    read = Conv1D.from_keras_config({
        "name": "c", "filters": 4, "kernel_size": [3], "strides": [1], "padding": "causal",
        "data_format": "channels_last", "dilation_rate": [1], "groups": 1,
        "activation": "relu", "use_bias": True, "kernel_initializer": {"class_name": "X"},
        "kernel_regularizer": None, "trainable": True, "dtype": "float32",
    })
    assert read.get_config() == Conv1D(4, 3, padding="causal", activation="relu",
                                       name="c").get_config()
    with pytest.raises(ValueError, match=r"'c' \(Conv1D\) has dilation_rate=\[2\], which "
                                         r"skdl's Conv1D does not have; it computes "
                                         r"dilation_rate=1 only"):
        Conv1D.from_keras_config({"name": "c", "filters": 4, "kernel_size": 3,
                                  "dilation_rate": [2]})
    with pytest.raises(ValueError, match=r"'c' \(Conv1D\) has activity_regularizer=.*unset"):
        Conv1D.from_keras_config({"name": "c", "filters": 4, "kernel_size": 3,
                                  "activity_regularizer": {"class_name": "L2"}})


def test_a_layer_of_your_own_has_no_keras_form_by_default():
    assert Layer.keras_class_name is None
    assert Layer().keras_call_arguments() == {}
