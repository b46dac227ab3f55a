"""Keras 3 ``.keras`` files in and out.

:func:`save_model` writes a fitted skdl network as a Keras 3 ``.keras``
file, which ``keras.saving.load_model`` opens; :func:`load_model` reads
one back as a fitted skdl estimator, without Keras, TensorFlow, JAX or
torch: a ``.keras`` file is a zip of JSON configs and an HDF5 file of
weights, read here with :mod:`zipfile`, :mod:`json` and ``h5py`` (an
optional dependency: ``pip install h5py``).

skdl's layers already use Keras's names, arguments and weight layouts
(channels-last), so a layer's Keras config is its skdl config in Keras's
spelling, and its weights are the same arrays in the same order.

Layers read and written: Dense, Conv1D, Conv2D, MaxPooling1D/2D and
AveragePooling1D/2D (skdl's MaxPool1D... AvgPool2D), ZeroPadding1D/2D,
Flatten, Dropout, Activation, SimpleRNN, LSTM, GRU, Bidirectional (of a
recurrent layer), BatchNormalization, LayerNormalization, Embedding,
GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D, and MultiHeadAttention
called on one tensor as query and value (skdl's self-attention; such a
model is written as a functional chain, any other as a Sequential model).
Activations: linear, relu, tanh, sigmoid, softmax, softplus, elu and
exponential, as Keras defines them by name.

What is carried over: the architecture, the weights (a batch
normalization's moving statistics included) and the loss. What is not: the
optimizer's state (the file holds Adam's config with skdl's learning rate
and betas, not its moments), callbacks, and skdl's training parameters.
"""

import datetime
import io
import json
import re
import zipfile

import numpy as np
from sklearn.preprocessing import LabelBinarizer

from .layers import (
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
    SimpleRNN,
    ZeroPadding1D,
    ZeroPadding2D,
)
from .layers.base import resolved_activation

__all__ = ["load_model", "save_model"]

_KERAS_VERSION = "3.15.1"  # the version whose layout this module writes

# ------------------------------------------------------------- activations
# skdl's activation name -> Keras's, for the activations that are the same
# function under both names with Keras's default arguments
_TO_KERAS_ACTIVATION = {
    "identity": "linear",
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "tanh": "tanh",
    "relu": "relu",
    "softplus": "softplus",
    "elu": "elu",
    "exp": "exponential",
}
_FROM_KERAS_ACTIVATION = {
    "linear": "identity",
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "tanh": "tanh",
    "relu": "relu",
    "softplus": "softplus",
    "elu": "elu",
    "exponential": "exp",
}


def _keras_activation(layer):
    """Keras's name of ``layer``'s activation, refused when Keras has none
    that is the same function."""
    activation = resolved_activation(layer)
    name = activation.name
    # an activation with arguments other than its defaults is not Keras's string
    default = type(activation)
    try:
        plain = vars(activation) == vars(default())
    except TypeError:
        plain = False
    if name not in _TO_KERAS_ACTIVATION or not plain:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) has activation {activation!r}, "
            "which Keras has no built-in activation for under the same arguments; use "
            f"one of {sorted(_TO_KERAS_ACTIVATION)} (with default arguments) to save "
            "it as a .keras file."
        )
    return _TO_KERAS_ACTIVATION[name]


# ------------------------------------------------------------------ layers
def _as_list(value, rank):
    if value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return [int(value)] * rank
    return [int(v) for v in value]


def _conv_config(layer, rank):
    return {
        "filters": int(layer.filters),
        "kernel_size": _as_list(layer.kernel_size, rank),
        "strides": _as_list(layer.strides, rank),
        "padding": layer.padding,
        "data_format": "channels_last",
        "dilation_rate": [1] * rank,
        "activation": _keras_activation(layer),
        "use_bias": True,
    }


def _pool_config(layer, rank):
    return {
        "pool_size": _as_list(layer.pool_size, rank),
        "strides": _as_list(layer.strides, rank),
        "padding": layer.padding,
        "data_format": "channels_last",
    }


def _norm_config(layer, batch):
    config = {
        "axis": layer.axis, "epsilon": float(layer.epsilon), "center": bool(layer.center),
        "scale": bool(layer.scale),
    }
    if batch:
        config["momentum"] = float(layer.momentum)
    return config


# skdl class -> (Keras class name, config function)
_TO_KERAS = {
    Dense: ("Dense", lambda l: {
        "units": int(l.units), "activation": _keras_activation(l), "use_bias": True,
    }),
    Conv1D: ("Conv1D", lambda l: _conv_config(l, 1)),
    Conv2D: ("Conv2D", lambda l: _conv_config(l, 2)),
    MaxPool1D: ("MaxPooling1D", lambda l: _pool_config(l, 1)),
    MaxPool2D: ("MaxPooling2D", lambda l: _pool_config(l, 2)),
    AvgPool1D: ("AveragePooling1D", lambda l: _pool_config(l, 1)),
    AvgPool2D: ("AveragePooling2D", lambda l: _pool_config(l, 2)),
    Flatten: ("Flatten", lambda l: {"data_format": "channels_last"}),
    Dropout: ("Dropout", lambda l: {"rate": float(l.rate)}),
    Activation: ("Activation", lambda l: {"activation": _keras_activation(l)}),
    SimpleRNN: ("SimpleRNN", lambda l: {
        "units": int(l.units), "activation": _keras_activation(l), "use_bias": True,
        "return_sequences": bool(l.return_sequences),
    }),
    LSTM: ("LSTM", lambda l: {
        "units": int(l.units), "activation": "tanh", "recurrent_activation": "sigmoid",
        "use_bias": True, "return_sequences": bool(l.return_sequences),
    }),
    GRU: ("GRU", lambda l: {
        "units": int(l.units), "activation": "tanh", "recurrent_activation": "sigmoid",
        "use_bias": True, "reset_after": True,
        "return_sequences": bool(l.return_sequences),
    }),
    BatchNormalization: ("BatchNormalization", lambda l: _norm_config(l, True)),
    LayerNormalization: ("LayerNormalization", lambda l: _norm_config(l, False)),
    Embedding: ("Embedding", lambda l: {
        "input_dim": int(l.input_dim), "output_dim": int(l.output_dim),
        "mask_zero": bool(l.mask_zero),
    }),
    GlobalAveragePooling1D: ("GlobalAveragePooling1D", lambda l: {
        "data_format": "channels_last", "keepdims": bool(l.keepdims),
    }),
    GlobalAveragePooling2D: ("GlobalAveragePooling2D", lambda l: {
        "data_format": "channels_last", "keepdims": bool(l.keepdims),
    }),
    GlobalMaxPooling1D: ("GlobalMaxPooling1D", lambda l: {
        "data_format": "channels_last", "keepdims": bool(l.keepdims),
    }),
    GlobalMaxPooling2D: ("GlobalMaxPooling2D", lambda l: {
        "data_format": "channels_last", "keepdims": bool(l.keepdims),
    }),
    ZeroPadding1D: ("ZeroPadding1D", lambda l: {"padding": _padding_pair(l.padding)}),
    ZeroPadding2D: ("ZeroPadding2D", lambda l: {
        "padding": _padding_pairs(l.padding), "data_format": "channels_last",
    }),
    Bidirectional: ("Bidirectional", lambda l: _bidirectional_config(l)),
    MultiHeadAttention: ("MultiHeadAttention", lambda l: {
        "num_heads": int(l.num_heads), "key_dim": int(l.key_dim),
        "value_dim": int(l.key_dim if l.value_dim is None else l.value_dim),
        "dropout": float(l.dropout), "use_bias": bool(l.use_bias),
        "output_shape": None, "attention_axes": None,
    }),
}


def _chain_nodes(keras_layers, layers, input_shape):
    """Give the entries of a functional config (the InputLayer's, then one
    per layer) their names and inbound nodes: each layer called on the
    previous one's output, a MultiHeadAttention on it as query and value,
    with skdl's ``use_causal_mask`` as Keras's call argument."""
    keras_layers[0]["name"] = keras_layers[0]["config"]["name"]
    keras_layers[0]["inbound_nodes"] = []
    shapes = [input_shape, *(layer.output_shape for layer in layers)]
    for before, entry, layer, shape in zip(keras_layers, keras_layers[1:], layers, shapes):
        previous = before["name"]
        tensor = {"class_name": "__keras_tensor__", "config": {
            "shape": [None, *(int(s) for s in shape)], "dtype": "float32",
            "keras_history": [previous, 0, 0]}}
        if isinstance(layer, MultiHeadAttention):
            node = {"args": [tensor, tensor],
                    "kwargs": {"use_causal_mask": bool(layer.use_causal_mask)}}
        else:
            node = {"args": [tensor], "kwargs": {}}
        entry["name"] = entry["config"]["name"]
        entry["inbound_nodes"] = [node]


def _padding_pair(padding):
    """A padding of one axis as Keras's ``[before, after]``."""
    if isinstance(padding, (int, np.integer)):
        return [int(padding)] * 2
    return [int(p) for p in padding]


def _padding_pairs(padding):
    """A 2-D padding as Keras's ``[[top, bottom], [left, right]]``."""
    if isinstance(padding, (int, np.integer)):
        return [[int(padding)] * 2] * 2
    return [_padding_pair(axis) for axis in padding]


def _bidirectional_config(layer):
    """A Bidirectional's config: its merge mode and the forward layer's
    entry, from which Keras makes the backward one (``go_backwards``)."""
    inner = layer.layer
    if type(inner) not in (SimpleRNN, LSTM, GRU):
        raise ValueError(
            f"Layer {layer.name!r} (Bidirectional) wraps {inner!r}, which save_model "
            "cannot write; it writes Bidirectional of SimpleRNN, LSTM or GRU."
        )
    class_name, config_of = _TO_KERAS[type(inner)]
    return {
        "merge_mode": layer.merge_mode,
        "layer": {
            "module": "keras.layers", "class_name": class_name,
            "config": {"name": f"forward_{_snake_case(class_name)}", **config_of(inner)},
            "registered_name": None,
        },
    }

# Keras class names whose weights sit in a ``cell`` sub-group of the file
_CELL_LAYERS = {"SimpleRNN", "LSTM", "GRU"}


def _snake_case(name):
    """Keras's ``naming.to_snake_case``: how it keys a layer in the weights
    file."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _weight_keys(class_names):
    """The weights file's group of each layer: its class name in snake case,
    ``_1``, ``_2``... after the first of a class, as Keras's saving library
    keys the layers of a container."""
    used = {}
    keys = []
    for class_name in class_names:
        key = _snake_case(class_name)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        keys.append(key)
    return keys


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Reading and writing .keras files needs h5py, for their HDF5 weights: "
            "pip install h5py"
        ) from None
    return h5py


# --------------------------------------------------------------- save_model
def _loss_name(estimator, output):
    """Keras's name of the estimator's loss, for ``compile_config``."""
    loss = estimator.loss
    if loss == "log_loss" and output == "softmax":
        return "categorical_crossentropy"
    if loss == "log_loss" and output == "sigmoid":
        return "binary_crossentropy"
    if loss == "squared_error":
        return "mean_squared_error"
    if loss == "absolute_error":
        return "mean_absolute_error"
    if loss == "poisson":
        return "poisson"
    raise ValueError(
        f"{type(estimator).__name__} has loss={loss!r} with a {output!r} output, which "
        "Keras has no built-in loss for; save an estimator with loss='log_loss' "
        "(softmax or sigmoid output), 'squared_error', 'absolute_error' or 'poisson'."
    )


def _adam_config(estimator):
    learning_rate = estimator.learning_rate_init
    return {
        "module": "keras.optimizers", "class_name": "Adam",
        "config": {
            "name": "adam", "learning_rate": float(learning_rate),
            "beta_1": float(estimator.beta_1), "beta_2": float(estimator.beta_2),
            "epsilon": float(estimator.epsilon), "amsgrad": False,
        },
        "registered_name": None,
    }


def save_model(estimator, path):
    """Write a fitted network as a Keras 3 ``.keras`` file.

    The file holds a Sequential model: an ``InputLayer`` of the fitted
    ``input_shape_`` (channels-last), each layer under Keras's class name
    with its skdl configuration in Keras's spelling, the output ``Dense``
    layer with its activation, and a compile config of Keras's name of the
    loss and an Adam optimizer of the estimator's learning rate and betas,
    so that ``keras.saving.load_model(path)`` predicts as the estimator does
    and ``model.fit`` can continue training. The optimizer's state is not
    carried over.

    Parameters
    ----------
    estimator : NeuralNetClassifier, NeuralNetRegressor, MLPClassifier or MLPRegressor
        A fitted estimator whose layers and activations Keras has.
    path : str or path-like
        Where to write; Keras opens files named ``*.keras``.

    Raises
    ------
    ValueError
        If a layer, an activation or the loss has no Keras equivalent; the
        message names it.
    ImportError
        If h5py is not installed.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.

    See Also
    --------
    load_model : Read a ``.keras`` file as a fitted estimator.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdl import NeuralNetClassifier
    >>> from skdl.keras import load_model, save_model
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NeuralNetClassifier(max_iter=20, random_state=0).fit(X, y)
    >>> save_model(clf, "iris.keras")  # doctest: +SKIP
    >>> load_model("iris.keras", classes=clf.classes_).predict(X[:3])  # doctest: +SKIP
    array([0, 0, 0])
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    h5py = _h5py()
    network = estimator._fitted_network(np.float32)
    input_shape = [int(s) for s in network.input_shape]
    entries = []
    for layer in network.layers:
        if type(layer) not in _TO_KERAS:
            raise ValueError(
                f"Layer {layer.name!r} is a {type(layer).__name__}, which save_model "
                "cannot write as Keras yet; it writes "
                f"{sorted(cls.__name__ for cls in _TO_KERAS)}."
            )
        class_name, config_of = _TO_KERAS[type(layer)]
        entries.append((class_name, layer, config_of(layer)))
    output = entries[-1][2]["activation"]
    keras_layers = [{
        "module": "keras.layers", "class_name": "InputLayer",
        "config": {"batch_shape": [None, *input_shape], "dtype": "float32",
                   "sparse": False, "name": "input_layer"},
        "registered_name": None,
    }]
    names = set()
    for i, (class_name, layer, config) in enumerate(entries):
        name = layer.name or _snake_case(class_name)
        if name in names:
            name = f"{name}_{i}"
        names.add(name)
        keras_layers.append({
            "module": "keras.layers", "class_name": class_name,
            "config": {"name": name, "trainable": True, "dtype": "float32", **config},
            "registered_name": None,
        })
    # self-attention is Keras's MultiHeadAttention called on one tensor
    # twice, which a Sequential model cannot say: a functional chain then
    functional = any(class_name == "MultiHeadAttention" for class_name, _, _ in entries)
    if functional:
        _chain_nodes(keras_layers, [layer for _, layer, _ in entries], input_shape)
        model_config = {
            "module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": "functional", "trainable": True, "layers": keras_layers,
                       "input_layers": [keras_layers[0]["name"], 0, 0],
                       "output_layers": [keras_layers[-1]["name"], 0, 0]},
            "registered_name": "Functional",
        }
    else:
        model_config = {
            "module": "keras", "class_name": "Sequential",
            "config": {"name": "sequential", "trainable": True, "dtype": "float32",
                       "layers": keras_layers, "build_input_shape": [None, *input_shape]},
            "registered_name": None,
        }
    model_config.update({
        "build_config": {"input_shape": [None, *input_shape]},
        "compile_config": {
            "optimizer": _adam_config(estimator),
            "loss": _loss_name(estimator, output),
            "loss_weights": None, "metrics": None, "weighted_metrics": None,
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
        },
    })
    metadata = {
        "keras_version": _KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        group = h5.create_group("layers")
        class_names = [class_name for class_name, _, _ in entries]
        if functional:
            # a functional model's layers, and so its weights file, hold its input
            keys = _weight_keys(["InputLayer", *class_names])
            group.create_group(keys.pop(0)).create_group("vars").attrs["name"] = "input_layer"
        else:
            keys = _weight_keys(class_names)
        for key, (class_name, layer, _) in zip(keys, entries):
            layer_group = group.create_group(key)
            own = layer_group.create_group("vars")
            own.attrs["name"] = layer.name or key
            target = own
            if class_name == "MultiHeadAttention":
                weights = layer.get_weights()
                per_part = len(weights) // 4
                for j, part in enumerate(("query_dense", "key_dense", "value_dense",
                                          "output_dense")):
                    sub = layer_group.create_group(part).create_group("vars")
                    sub.attrs["name"] = part
                    for k, weight in enumerate(weights[j * per_part:(j + 1) * per_part]):
                        sub.create_dataset(str(k), data=np.asarray(weight, np.float32))
                for part in ("_dropout_layer", "_softmax"):
                    layer_group.create_group(part).create_group("vars")
                continue
            if class_name == "Bidirectional":
                weights = layer.get_weights()
                half = len(weights) // 2
                for part, arrays in (("forward_layer", weights[:half]),
                                     ("backward_layer", weights[half:])):
                    sub = layer_group.create_group(part)
                    sub.create_group("vars").attrs["name"] = part
                    cell = sub.create_group("cell").create_group("vars")
                    cell.attrs["name"] = f"{part}_cell"
                    for j, weight in enumerate(arrays):
                        cell.create_dataset(str(j), data=np.asarray(weight, np.float32))
                continue
            if class_name in _CELL_LAYERS:
                cell = layer_group.create_group("cell").create_group("vars")
                cell.attrs["name"] = f"{key}_cell"
                target = cell
            for j, weight in enumerate(layer.get_weights()):
                target.create_dataset(str(j), data=np.asarray(weight, np.float32))
        # as Keras writes a compiled model whose optimizer has not stepped:
        # its iteration count and learning rate (Keras, on loading, warns
        # that it skips them, as for its own such files)
        optimizer = h5.create_group("optimizer").create_group("vars")
        optimizer.attrs["name"] = "adam"
        optimizer.create_dataset("0", data=np.int32(0))
        optimizer.create_dataset("1", data=np.float32(estimator.learning_rate_init))
        h5.create_group("vars").attrs["name"] = "sequential"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(metadata))
        archive.writestr("config.json", json.dumps(model_config))
        archive.writestr("model.weights.h5", buffer.getvalue())


# --------------------------------------------------------------- load_model
def _activation_from_keras(class_name, name, value):
    if not isinstance(value, str) or value not in _FROM_KERAS_ACTIVATION:
        raise ValueError(
            f"Layer {name!r} ({class_name}) has activation {value!r}, which skdl does "
            f"not have as Keras defines it; skdl reads {sorted(_FROM_KERAS_ACTIVATION)}."
        )
    return _FROM_KERAS_ACTIVATION[value]


def _int_or_tuple(rank):
    def convert(class_name, name, value):
        if value is None:
            return None
        values = [value] * rank if isinstance(value, int) else [int(v) for v in value]
        return values[0] if rank == 1 else tuple(values)
    return convert


def _same(class_name, name, value):
    return value


_CONV = {"filters": _same, "kernel_size": None, "strides": None, "padding": _same,
         "activation": _activation_from_keras}
_POOL = {"pool_size": None, "strides": None, "padding": _same}
_CHANNELS_LAST = {"data_format": ("channels_last", None)}
_RNN_OFF = {"return_state": (False,), "go_backwards": (False,), "stateful": (False,),
            "unroll": (False,), "zero_output_for_mask": (False,)}


def _conv_arguments(rank):
    return {**_CONV, "kernel_size": _int_or_tuple(rank), "strides": _int_or_tuple(rank)}


def _pool_arguments(rank):
    return {**_POOL, "pool_size": _int_or_tuple(rank), "strides": _int_or_tuple(rank)}


# Keras class name -> (skdl class, {Keras argument: converter to skdl's},
# {Keras argument: the values skdl's layer computes, as a tuple})
_FROM_KERAS = {
    "Dense": (Dense, {"units": _same, "activation": _activation_from_keras},
              {"use_bias": (True,)}),
    "Conv1D": (Conv1D, _conv_arguments(1),
               {"use_bias": (True,), "dilation_rate": (1, [1]), "groups": (1,),
                **_CHANNELS_LAST}),
    "Conv2D": (Conv2D, _conv_arguments(2),
               {"use_bias": (True,), "dilation_rate": (1, [1, 1]), "groups": (1,),
                **_CHANNELS_LAST}),
    "MaxPooling1D": (MaxPool1D, _pool_arguments(1), _CHANNELS_LAST),
    "MaxPooling2D": (MaxPool2D, _pool_arguments(2), _CHANNELS_LAST),
    "AveragePooling1D": (AvgPool1D, _pool_arguments(1), _CHANNELS_LAST),
    "AveragePooling2D": (AvgPool2D, _pool_arguments(2), _CHANNELS_LAST),
    "Flatten": (Flatten, {}, _CHANNELS_LAST),
    "Dropout": (Dropout, {"rate": _same}, {}),
    "Activation": (Activation, {"activation": _activation_from_keras}, {}),
    "SimpleRNN": (SimpleRNN, {"units": _same, "activation": _activation_from_keras,
                              "return_sequences": _same},
                  {"use_bias": (True,), **_RNN_OFF}),
    "LSTM": (LSTM, {"units": _same, "return_sequences": _same},
             {"use_bias": (True,), "activation": ("tanh",),
              "recurrent_activation": ("sigmoid",), **_RNN_OFF}),
    "GRU": (GRU, {"units": _same, "return_sequences": _same},
            {"use_bias": (True,), "activation": ("tanh",),
             "recurrent_activation": ("sigmoid",), "reset_after": (True,), **_RNN_OFF}),
    "BatchNormalization": (BatchNormalization, {
        "axis": _same, "momentum": _same, "epsilon": _same, "center": _same, "scale": _same,
    }, {}),
    "LayerNormalization": (LayerNormalization, {
        "axis": _same, "epsilon": _same, "center": _same, "scale": _same,
    }, {}),
    "Embedding": (Embedding, {"input_dim": _same, "output_dim": _same, "mask_zero": _same},
                  {}),
    "GlobalAveragePooling1D": (GlobalAveragePooling1D, {"keepdims": _same}, _CHANNELS_LAST),
    "GlobalAveragePooling2D": (GlobalAveragePooling2D, {"keepdims": _same}, _CHANNELS_LAST),
    "GlobalMaxPooling1D": (GlobalMaxPooling1D, {"keepdims": _same}, _CHANNELS_LAST),
    "GlobalMaxPooling2D": (GlobalMaxPooling2D, {"keepdims": _same}, _CHANNELS_LAST),
    "ZeroPadding1D": (ZeroPadding1D, {
        "padding": lambda class_name, name, value: tuple(_padding_pair(value)),
    }, _CHANNELS_LAST),
    "ZeroPadding2D": (ZeroPadding2D, {
        "padding": lambda class_name, name, value: tuple(
            tuple(pair) for pair in _padding_pairs(value)),
    }, _CHANNELS_LAST),
    "MultiHeadAttention": (MultiHeadAttention, {
        "num_heads": _same, "key_dim": _same, "value_dim": _same, "dropout": _same,
        "use_bias": _same, "use_causal_mask": _same,
    }, {"attention_axes": (None, [1], 1, -2)}),
    "Bidirectional": (Bidirectional, {
        "merge_mode": _same, "layer": lambda class_name, name, value: _wrapped(name, value),
        "backward_layer": lambda class_name, name, value: None,
    }, {}),
}


def _wrapped(name, entry):
    """The recurrent layer a Bidirectional wraps (Keras's forward layer)."""
    if entry.get("class_name") not in ("SimpleRNN", "LSTM", "GRU"):
        raise ValueError(
            f"Layer {name!r} (Bidirectional) wraps a Keras {entry.get('class_name')}; "
            "skdl's Bidirectional wraps SimpleRNN, LSTM or GRU."
        )
    # Keras zeroes a wrapped layer's outputs at masked steps of a returned
    # sequence, as skdl's Bidirectional does for its copies
    config = {k: v for k, v in entry.get("config", {}).items() if k != "zero_output_for_mask"}
    layer = _layer_from_keras({**entry, "config": config})
    layer.name = None
    return layer


def _check_backward(name, config):
    """Refuse a Bidirectional whose backward layer is not the forward one
    run backwards, which is all skdl's computes."""
    backward = config.get("backward_layer")
    if backward is None:
        return
    forward = dict(config["layer"]["config"])
    other = dict(backward.get("config", {}))
    for entry in (forward, other):
        for key in ("name", "go_backwards"):
            entry.pop(key, None)
        for key in [k for k in entry if k.endswith("_initializer")]:
            entry.pop(key)
    if backward.get("class_name") != config["layer"].get("class_name") or forward != other:
        raise ValueError(
            f"Layer {name!r} (Bidirectional) has a backward_layer of its own, unlike its "
            "forward layer; skdl's Bidirectional runs the forward layer's copy "
            "backwards only. Rebuild it in Keras without backward_layer."
        )

# arguments that do not change what a loaded layer computes or stores:
# its name and dtype policy (skdl computes in float64 or float32 as the
# data), initializers (the weights come from the file), training seeds
_IGNORED = {"name", "trainable", "dtype", "seed", "unit_forget_bias", "renorm_momentum",
            "input_length", "lora_alpha"}


def _layer_from_keras(entry):
    """The skdl layer of one Keras layer entry of a config, refused naming
    the layer and the option when skdl lacks it."""
    class_name = entry.get("class_name")
    config = dict(entry.get("config", {}))
    name = config.get("name")
    if class_name not in _FROM_KERAS:
        raise ValueError(
            f"Layer {name!r} is a Keras {class_name}, which skdl cannot read; skdl reads "
            f"{sorted(_FROM_KERAS)}. Rebuild the model from these layers in Keras, or "
            "in skdl."
        )
    cls, arguments, required = _FROM_KERAS[class_name]
    if class_name == "Bidirectional":
        _check_backward(name, config)
        config.pop("backward_layer", None)
    kwargs = {}
    for key, value in config.items():
        if key in arguments:
            kwargs[key] = arguments[key](class_name, name, value)
        elif key in required:
            if value not in required[key]:
                raise ValueError(
                    f"Layer {name!r} ({class_name}) has {key}={value!r}, which skdl's "
                    f"{cls.__name__} does not have; it computes {key}="
                    f"{required[key][0]!r} only. Rebuild the model in Keras with "
                    f"{key}={required[key][0]!r}."
                )
        elif key in _IGNORED or key.endswith("_initializer"):
            continue
        elif value is None or value is False or (
            isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0
        ):
            # an option switched off: regularizers, constraints, dropout,
            # quantization and the like
            continue
        else:
            raise ValueError(
                f"Layer {name!r} ({class_name}) has {key}={value!r}, an option skdl's "
                f"{cls.__name__} does not have; skdl reads this layer only with {key} "
                "unset (None, False or 0). Rebuild the model in Keras without it."
            )
    if name is not None:
        kwargs["name"] = name
    return cls(**kwargs)


def _sequential_entries(config):
    """The layer entries and the input shape of a Sequential config, or of
    a functional model that is a chain of single-input layers."""
    class_name = config.get("class_name")
    inner = config.get("config", {})
    entries = list(inner.get("layers", []))
    if class_name == "Functional":
        inputs = [entry for entry in entries if entry["class_name"] == "InputLayer"]
        chain = []
        for entry in entries:
            if entry["class_name"] == "InputLayer":
                continue
            nodes = entry.get("inbound_nodes", [])
            sources = [
                arg["config"]["keras_history"][0]
                for node in nodes for arg in node.get("args", [])
                if isinstance(arg, dict) and "keras_history" in arg.get("config", {})
            ]
            previous = chain[-1]["config"]["name"] if chain else (
                inputs[0]["config"]["name"] if inputs else None)
            attention = entry["class_name"] == "MultiHeadAttention"
            calls_itself = attention and len(sources) in (2, 3) and set(sources) == {previous}
            if len(nodes) != 1 or len(inputs) != 1 or not (
                sources == [previous] or calls_itself
            ):
                raise ValueError(
                    f"The functional model {inner.get('name')!r} is not a chain of "
                    f"layers each taking the previous one's output (layer "
                    f"{entry['config']['name']!r} takes {sources}); skdl reads "
                    "Sequential models and functional chains only (a MultiHeadAttention "
                    "called on the previous output as query, value and key)."
                )
            kwargs = {k: v for k, v in nodes[0].get("kwargs", {}).items() if v is not None}
            if attention and "use_causal_mask" in kwargs:
                # skdl's layer holds Keras's call argument as an option
                entry = {**entry, "config": {**entry["config"],
                                             "use_causal_mask": kwargs.pop("use_causal_mask")}}
            kwargs.pop("training", None)
            if kwargs:
                raise ValueError(
                    f"Layer {entry['config']['name']!r} ({entry['class_name']}) is called "
                    f"with {kwargs}, which skdl's layer does not take; call it on its "
                    "input alone."
                )
            chain.append(entry)
        entries = [*inputs, *chain]
    elif class_name != "Sequential":
        raise ValueError(
            f"The file holds a Keras {class_name}; skdl reads Sequential models and "
            "functional chains of layers."
        )
    shape = None
    if entries and entries[0]["class_name"] == "InputLayer":
        layer_config = entries[0]["config"]
        shape = layer_config.get("batch_shape") or layer_config.get("batch_input_shape")
        entries = entries[1:]
    shape = shape or inner.get("build_input_shape") or config.get(
        "build_config", {}).get("input_shape")
    if shape is None or any(s is None for s in shape[1:]):
        raise ValueError(
            f"The model's input shape is {shape!r}: skdl needs every dimension of a "
            "sample known (no None but the batch's); give the Keras model an Input of "
            "a fixed shape."
        )
    return entries, tuple(int(s) for s in shape[1:])


def _layer_weights(h5, key, class_name):
    group = h5["layers"][key]
    arrays = []
    if class_name == "MultiHeadAttention":
        for part in ("query_dense", "key_dense", "value_dense", "output_dense"):
            variables = group[part]["vars"]
            arrays.extend(np.asarray(variables[str(i)]) for i in range(len(variables)))
        return arrays
    if class_name == "Bidirectional":
        for part in ("forward_layer", "backward_layer"):
            variables = group[part]["cell"]["vars"]
            arrays.extend(np.asarray(variables[str(i)]) for i in range(len(variables)))
        return arrays
    for part in ("vars", "cell/vars"):
        if part.split("/")[0] in group and (part == "vars" or class_name in _CELL_LAYERS):
            variables = group[part]
            arrays.extend(np.asarray(variables[str(i)]) for i in range(len(variables)))
    return arrays


def _loss_kind(compile_config):
    """Keras's loss of the config, in snake case (None when not compiled)."""
    loss = (compile_config or {}).get("loss")
    if isinstance(loss, dict):
        loss = loss.get("class_name")
    if loss is None:
        return None
    if not isinstance(loss, str):
        raise ValueError(f"The model's loss is {loss!r}; skdl reads one loss by name.")
    loss = _snake_case(loss)
    return {"mse": "mean_squared_error", "mae": "mean_absolute_error"}.get(loss, loss)


_REGRESSION_LOSSES = {
    None: "squared_error", "mean_squared_error": "squared_error",
    "mean_absolute_error": "absolute_error", "huber": "huber", "poisson": "poisson",
}
_CROSSENTROPY = {"categorical_crossentropy", "sparse_categorical_crossentropy",
                 "binary_crossentropy"}


def _fitted_estimator(estimator, network, target_kind, classes):
    """Make ``estimator`` (unfitted, its parameters describing ``network``:
    its hidden layers, ``input_shape`` and ``output_activation``) fitted to
    hold ``network``'s weights, as a fit that trained for no epoch would
    leave it: ``n_iter_`` 0 and empty curves.

    This is skdl's private path from given weights to a fitted estimator;
    ``network`` is built by the estimator's own ``_new_network`` so that
    the fitted layers are those a fit would make.
    """
    estimator.n_features_in_ = int(network.n_features)
    if classes is not None:
        binarizer = LabelBinarizer()
        if target_kind == "multilabel":
            binarizer.fit(np.eye(len(classes), dtype=int))
        else:
            binarizer.fit(classes)
        estimator._label_binarizer = binarizer
        estimator.classes_ = binarizer.classes_ if target_kind != "multilabel" else (
            np.asarray(classes))
    estimator._setup_layers(target_kind)
    fitted = estimator._new_network(network.n_features, network.n_outputs, network.dtype)
    fitted.set_weights(network.get_weights())
    estimator.n_outputs_ = int(network.n_outputs)
    estimator.n_iter_ = 0
    estimator.t_ = 0
    estimator.optimizer_ = None
    estimator._reset_curves()
    estimator._keep_network(fitted)
    return estimator


def load_model(path, classes=None):
    """Read a Keras 3 ``.keras`` file as a fitted skdl estimator.

    Keras, TensorFlow, JAX and torch are not needed: the file's JSON
    configs are read with :mod:`json` and its weights with ``h5py``. The
    file must hold a Sequential model, or a functional chain, of layers
    skdl has, ending in a ``Dense`` layer.

    The estimator is a :class:`~skdl.NeuralNetClassifier` when the output
    activation is softmax or sigmoid and the compiled loss is a
    cross-entropy, and a :class:`~skdl.NeuralNetRegressor` otherwise. It
    predicts what the Keras model predicts (``predict_proba`` for a
    classifier); its ``n_iter_`` is 0 and its curves empty, as it has not
    trained in skdl. With ``warm_start=True``, ``fit`` continues training
    from the loaded weights.

    Parameters
    ----------
    path : str or path-like
        A ``.keras`` file.
    classes : array-like of shape (n_classes,), default=None
        A classifier's labels, in the order of the output columns (for a
        single sigmoid output, the negative then the positive label).
        None: ``0, 1, ..., n_classes - 1``. Ignored for a regressor.

    Returns
    -------
    estimator : NeuralNetClassifier or NeuralNetRegressor
        Fitted, its ``layers`` and ``input_shape`` those of the file.

    Raises
    ------
    ValueError
        If the model holds a layer, or a layer an option, that skdl lacks
        (the message names the layer and the option), or is not a chain of
        layers, or ``classes`` does not match the outputs.
    ImportError
        If h5py is not installed.

    See Also
    --------
    save_model : Write a fitted estimator as a ``.keras`` file.
    """
    from .neural_net import NeuralNetClassifier, NeuralNetRegressor

    h5py = _h5py()
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        weights_file = archive.read("model.weights.h5")
    entries, input_shape = _sequential_entries(config)
    if not entries or entries[-1].get("class_name") != "Dense":
        raise ValueError(
            "skdl reads models whose last layer is a Dense layer (the output layer, "
            f"with its activation); this one ends in "
            f"{entries[-1].get('class_name') if entries else 'no layer'}. Fold a final "
            "Activation into the Dense layer before it."
        )
    layers = [_layer_from_keras(entry) for entry in entries]
    class_names = [entry["class_name"] for entry in entries]
    with h5py.File(io.BytesIO(weights_file), "r") as h5:
        weights = [
            w for key, class_name in zip(_weight_keys(class_names), class_names)
            for w in _layer_weights(h5, key, class_name)
        ]
    from .network import Network

    network = Network(layers, input_shape)
    network.set_weights(weights)

    output = resolved_activation(layers[-1]).name
    compile_config = config.get("compile_config")
    loss = _loss_kind(compile_config)
    n_outputs = network.n_outputs
    # the estimator's parameters: unbuilt layers, as a user gives them
    hidden = [_layer_from_keras(entry) for entry in entries[:-1]]
    params = {"layers": hidden, "input_shape": input_shape}
    optimizer = (compile_config or {}).get("optimizer")
    if isinstance(optimizer, dict) and optimizer.get("class_name") == "Adam":
        opt = optimizer.get("config", {})
        for keras_name, skdl_name in (("learning_rate", "learning_rate_init"),
                                      ("beta_1", "beta_1"), ("beta_2", "beta_2"),
                                      ("epsilon", "epsilon")):
            if isinstance(opt.get(keras_name), (int, float)):
                params[skdl_name] = float(opt[keras_name])
    if output in ("softmax", "sigmoid") and loss in _CROSSENTROPY:
        if output == "softmax":
            kind, n_classes = "multiclass", n_outputs
        elif n_outputs == 1:
            kind, n_classes = "binary", 2
        else:
            kind, n_classes = "multilabel", n_outputs
        labels = np.arange(n_classes) if classes is None else np.asarray(classes)
        if labels.ndim != 1 or len(labels) != n_classes or len(set(labels.tolist())) != n_classes:
            raise ValueError(
                f"classes has {len(labels)} labels, but the model's {output} output of "
                f"{n_outputs} unit(s) gives {n_classes} distinct classes; give "
                f"{n_classes} distinct labels."
            )
        if kind != "multilabel":
            order = np.argsort(labels, kind="stable")
            if not np.array_equal(order, np.arange(n_classes)):
                raise ValueError(
                    f"classes={labels.tolist()!r} is not sorted; skdl's classifiers, as "
                    "scikit-learn's, keep their labels sorted, one per output column in "
                    "that order: give them sorted, in the order of the outputs."
                )
        estimator = NeuralNetClassifier(
            output_activation="softmax" if output == "softmax" else "logistic",
            loss="log_loss", **params,
        )
        return _fitted_estimator(estimator, network, kind, labels)
    if loss not in _REGRESSION_LOSSES:
        raise ValueError(
            f"The model's loss is {loss!r} with a {output!r} output, which skdl has no "
            f"estimator for; skdl reads cross-entropy losses of softmax or sigmoid "
            f"outputs, and the regression losses {sorted(k for k in _REGRESSION_LOSSES if k)}."
        )
    estimator = NeuralNetRegressor(
        output_activation=output, loss=_REGRESSION_LOSSES[loss], **params
    )
    return _fitted_estimator(estimator, network, "continuous", None)
