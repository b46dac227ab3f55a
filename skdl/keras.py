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

What is carried over: the architecture, the weights (a batch
normalization's moving statistics included) and the loss. What is not: the
optimizer's state (the file holds Adam's config with skdl's learning rate
and betas, not its moments), callbacks, and skdl's training parameters.
"""

import datetime
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
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    LayerNormalization,
    MaxPool1D,
    MaxPool2D,
    SimpleRNN,
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
    if loss == "poisson":
        return "poisson"
    raise ValueError(
        f"{type(estimator).__name__} has loss={loss!r} with a {output!r} output, which "
        "Keras has no built-in loss for; save an estimator with loss='log_loss' "
        "(softmax or sigmoid output) or 'squared_error'."
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
    model_config = {
        "module": "keras", "class_name": "Sequential",
        "config": {"name": "sequential", "trainable": True, "dtype": "float32",
                   "layers": keras_layers, "build_input_shape": [None, *input_shape]},
        "registered_name": None,
        "build_config": {"input_shape": [None, *input_shape]},
        "compile_config": {
            "optimizer": _adam_config(estimator),
            "loss": _loss_name(estimator, output),
            "loss_weights": None, "metrics": None, "weighted_metrics": None,
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
        },
    }
    metadata = {
        "keras_version": _KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    import io

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        group = h5.create_group("layers")
        keys = _weight_keys([class_name for class_name, _, _ in entries])
        for key, (class_name, layer, _) in zip(keys, entries):
            layer_group = group.create_group(key)
            own = layer_group.create_group("vars")
            own.attrs["name"] = layer.name or key
            target = own
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
