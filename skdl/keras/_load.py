"""Reading a Keras 3 ``.keras`` file as a fitted skdl estimator."""

import inspect
import io
import warnings

import numpy as np
from sklearn.preprocessing import LabelBinarizer

from .. import optimizers, schedules
from ..layers import BUILT_IN_LAYERS
from ..layers.base import resolved_activation
from ..network import Network
from ._archive import (
    h5py_module,
    keras_layer_order,
    read_archive,
    snake_case,
    weight_keys,
)

_READERS = {layer.keras_class_name: layer for layer in BUILT_IN_LAYERS
            if layer.keras_class_name is not None}
"""Keras's class name -> the skdl layer class that reads it."""


def _layer_from_keras(entry, call_arguments=None):
    """The skdl layer of one layer entry of a Keras config, refused naming
    the layer when skdl has no layer of its class."""
    class_name = entry.get("class_name")
    config = {**entry.get("config", {}), **(call_arguments or {})}
    if class_name not in _READERS:
        raise ValueError(
            f"Layer {config.get('name')!r} is a Keras {class_name}, which skdl cannot "
            f"read; skdl reads {sorted(_READERS)}. Rebuild the model from these layers "
            "in Keras, or in skdl."
        )
    return _READERS[class_name].from_keras_config(config)


def _tensor_source(value):
    """The name of the layer whose output ``value`` is, if it is a tensor."""
    if isinstance(value, dict) and "keras_history" in value.get("config", {}):
        return value["config"]["keras_history"][0]
    return None


def _call(node, masks):
    """The layers a call node takes the outputs of (its arguments, lists
    flattened, and the query, value and key of an attention's call by
    keyword), and its other keyword arguments: masks that Keras computed
    from an embedding's input are left out, as skdl computes them itself."""
    sources = []
    for arg in node.get("args", []):
        for value in arg if isinstance(arg, list) else [arg]:
            source = _tensor_source(value)
            if source is not None:
                sources.append(source)
    kwargs = {}
    for key, value in node.get("kwargs", {}).items():
        source = _tensor_source(value)
        if source is not None and key in ("query", "value", "key"):
            sources.append(source)
        elif source in masks and key.endswith("mask"):
            continue
        elif value is not None and key != "training":
            kwargs[key] = value
    return sources, kwargs


def _is_operation(entry):
    """Whether a functional config's entry is an operation (``x + y``, a
    mask's ``x != 0``), not a layer: it has no group in the weights file."""
    return str(entry.get("module", "")).startswith("keras.src.ops")


_MASK_OPERATIONS = {"NotEqual", "LogicalOr", "LogicalAnd"}
"""The operations by which Keras's functional models compute masks: an
embedding's ``input != 0``, and an ``Add``'s OR of its inputs' masks."""


def _graph_items(config):
    """The layers of a functional model that is a chain, as items
    ``(entry, call keyword arguments, block items or None)``: each layer
    called once, on the previous one's output only (as many times as its
    Keras call takes it), or a residual block's ``Add`` (a layer or the
    ``+`` operation) of an earlier output and the previous one, the layers
    between them its items. The masks Keras computes (``input != 0`` for an
    embedding's ``mask_zero``, their OR after an ``Add``) are left out:
    skdl's layers compute the same by the same rules."""
    inner = config.get("config", {})
    inputs = [entry for entry in inner.get("layers", []) if entry["class_name"] == "InputLayer"]
    if len(inputs) != 1:
        raise ValueError(
            f"The functional model {inner.get('name')!r} has {len(inputs)} inputs; skdl "
            "reads models of one input."
        )
    chain = [(inputs[0]["config"]["name"], None)]  # (output name, item)
    masks = set()
    for entry in inner["layers"]:
        if entry["class_name"] == "InputLayer":
            continue
        nodes = entry.get("inbound_nodes", [])
        sources, kwargs = _call(nodes[0], masks) if len(nodes) == 1 else ([], {})
        name = entry["config"]["name"]
        if _is_operation(entry) and entry["class_name"] in _MASK_OPERATIONS and set(
                sources) <= masks | {chain[0][0]}:
            masks.add(name)  # a mask from the input, or from masks
            continue
        if _is_operation(entry) and entry["class_name"] != "Add":
            raise ValueError(
                f"The functional model {inner.get('name')!r} computes {name!r} with "
                f"Keras's operation {entry['class_name']}, which skdl cannot read; skdl "
                "reads layers, and + (an Add) between a block's input and output."
            )
        if _is_operation(entry) and any(
                item[0]["class_name"] == "Embedding" and item[0]["config"].get("mask_zero")
                for _, item in chain[1:]):
            raise ValueError(
                f"{name!r} is Keras's + operation on masked sequences, after which Keras "
                "drops the mask, where skdl's Residual keeps it, as Keras's Add layer "
                "does; write the block with keras.layers.Add()([x, y])."
            )
        reader = _READERS.get(entry["class_name"])
        previous = chain[-1][0]
        outputs = [output for output, _ in chain]
        if reader is not None and reader.keras_adds_input and len(sources) == 2 and (
                previous in sources) and set(sources) - {previous} <= set(outputs[:-1]):
            skip = (set(sources) - {previous}).pop()
            start = outputs.index(skip) + 1
            block = [item for _, item in chain[start:]]
            del chain[start:]
            chain.append((name, (entry, {}, block)))
            continue
        takes = reader.keras_call_inputs if reader is not None else 1
        if not sources or set(sources) != {previous} or len(sources) not in (takes, takes + 1):
            raise ValueError(
                f"The functional model {inner.get('name')!r} is not a chain of layers "
                f"each taking the previous one's output (layer {name!r} takes "
                f"{sources}); skdl reads Sequential models and functional chains of "
                "layers only, with self-attention called on the previous output as query "
                "and value, and residual blocks (an Add of a block's input and output)."
            )
        chain.append((name, (entry, kwargs, None)))
    return [item for _, item in chain[1:]], inputs[0]


def _keras_order(items):
    """The entries of the items, as Keras holds its layers: a block's
    before the block's own."""
    ordered = []
    for entry, _, block in items:
        ordered.extend(_keras_order(block or []))
        ordered.append(entry)
    return ordered


def _layers(items):
    """Fresh skdl layers of the items of a model."""
    return [_layer_from_keras(entry, kwargs) if block is None
            else _layer_from_keras(entry, {"layers": _layers(block)})
            for entry, kwargs, block in items]


def _model_layers(config):
    """The items of a Sequential config or a functional chain (see
    :func:`_graph_items`), and the input shape."""
    class_name = config.get("class_name")
    inner = config.get("config", {})
    input_entry = None
    if class_name == "Functional":
        items, input_entry = _graph_items(config)
    elif class_name == "Sequential":
        entries = list(inner.get("layers", []))
        if entries and entries[0]["class_name"] == "InputLayer":
            input_entry = entries.pop(0)
        items = [(entry, {}, None) for entry in entries]
    else:
        raise ValueError(
            f"The file holds a Keras {class_name}; skdl reads Sequential models and "
            "functional chains of layers."
        )
    shape = None
    if input_entry is not None:
        shape = (input_entry["config"].get("batch_shape")
                 or input_entry["config"].get("batch_input_shape"))
    shape = shape or inner.get("build_input_shape") or config.get(
        "build_config", {}).get("input_shape")
    if shape is None or any(s is None for s in shape[1:]):
        raise ValueError(
            f"The model's input shape is {shape!r}: skdl needs every dimension of a "
            "sample known (no None but the batch's); give the Keras model an Input of "
            "a fixed shape."
        )
    return items, tuple(int(s) for s in shape[1:])


def _read_weights(h5, keys, layers):
    """The weights of the built ``layers`` (Keras's order), read from the
    groups ``keys`` names; None for an operation, which has none."""
    weights = []
    for key, layer in zip(keys, layers):
        if key is None:  # an operation: no weights, no group
            continue
        for path, _ in layer.keras_weight_groups():
            group = h5["layers"].get(f"{key}/{path}")
            if group is None:
                raise ValueError(
                    f"The weights file has no group layers/{key}/{path} for layer "
                    f"{layer.name!r} ({layer.keras_class_name}): the file is not one "
                    "Keras 3 wrote for this model."
                )
            weights.extend(np.asarray(group[str(i)]) for i in range(len(group)))
    return weights


def _loss_kind(compile_config):
    """Keras's loss of the config in snake case (None when not compiled),
    and its options (a loss object's, such as ``from_logits``)."""
    loss = (compile_config or {}).get("loss")
    options = {}
    if isinstance(loss, dict):
        loss, options = loss.get("class_name"), loss.get("config") or {}
    if loss is None:
        return None, options
    if not isinstance(loss, str):
        raise ValueError(f"The model's loss is {loss!r}; skdl reads one loss by name.")
    loss = snake_case(loss)
    return {"mse": "mean_squared_error", "mae": "mean_absolute_error"}.get(loss, loss), options


_REGRESSION_LOSSES = {
    None: "squared_error", "mean_squared_error": "squared_error",
    "mean_absolute_error": "absolute_error", "huber": "huber", "poisson": "poisson",
}
_CROSSENTROPY = {"categorical_crossentropy", "sparse_categorical_crossentropy",
                 "binary_crossentropy"}


def _float32_value(value):
    """A float Keras stored from float32 (``0.0010000000474974513``) as the
    number it was given (0.001)."""
    return float(str(np.float32(value))) if isinstance(value, float) else value


def _skdl_object(module, entry, what):
    """skdl's namesake (in ``module``) of Keras's optimizer or schedule
    ``entry``, or None with a warning when skdl has no such class or not
    all of its options."""
    class_name = entry.get("class_name") if isinstance(entry, dict) else None
    cls = getattr(module, class_name, None) if isinstance(class_name, str) else None
    if cls is None or not isinstance(cls, type):
        warnings.warn(
            f"The file's {what} is Keras's {class_name or entry!r}, which skdl does not "
            "have; the estimator keeps skdl's default solver.", UserWarning, stacklevel=4)
        return None
    accepted = set(inspect.signature(cls).parameters)
    kwargs, dropped = {}, {}
    for key, value in entry.get("config", {}).items():
        if isinstance(value, dict) and "class_name" in value:
            value = _skdl_object(schedules, value, "learning-rate schedule")
            if value is None:
                return None
        if key in accepted:
            kwargs[key] = _float32_value(value)
        elif key not in ("name", "ema_momentum") and value not in (None, False):
            dropped[key] = value
    if dropped:
        warnings.warn(
            f"skdl's {class_name} has no option {dropped}; the estimator's solver leaves "
            "it out.", UserWarning, stacklevel=4)
    return cls(**kwargs)


def fitted_estimator(estimator, network, target_kind, classes):
    """Make ``estimator`` (unfitted, its parameters describing ``network``:
    its hidden layers, ``input_shape`` and ``output_activation``) fitted to
    hold ``network``'s weights, as a fit that trained for no epoch would
    leave it: ``n_iter_`` 0 and empty curves.

    The estimator's own ``_new_network`` builds the fitted layers, so that
    they are those a fit would make.
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


def _classes(labels, output, n_outputs, target_kind=None):
    """The target kind and the checked labels of a classifier's output;
    ``target_kind``, skdl's own from the file, tells a one-vs-rest output
    (sigmoids over classes that exclude each other) from a multi-label one."""
    if output == "softmax":
        kind, n_classes = "multiclass", n_outputs
    elif n_outputs == 1:
        kind, n_classes = "binary", 2
    else:
        kind = "multiclass" if target_kind == "multiclass" else "multilabel"
        n_classes = n_outputs
    labels = np.arange(n_classes) if labels is None else np.asarray(labels)
    distinct = len(set(labels.tolist())) if labels.ndim == 1 else 0
    if labels.ndim != 1 or len(labels) != n_classes or distinct != n_classes:
        repeated = (f" ({len(labels) - distinct} repeated)"
                    if labels.ndim == 1 and distinct < len(labels) else "")
        raise ValueError(
            f"classes has {len(labels)} labels{repeated}, but the model's {output} output "
            f"of {n_outputs} unit(s) gives {n_classes} distinct classes; give "
            f"{n_classes} distinct labels."
        )
    if kind != "multilabel" and not np.array_equal(
            np.argsort(labels, kind="stable"), np.arange(n_classes)):
        raise ValueError(
            f"classes={labels.tolist()!r} is not sorted; skdl's classifiers, as "
            "scikit-learn's, keep their labels sorted, one per output column in that "
            "order: give them sorted, in the order of the outputs."
        )
    return kind, labels


_LOSS_OPTIONS_KEPT = {"name", "reduction", "from_logits", "ignore_class", "axis", "dtype"}
"""Options of a Keras loss object that skdl's loss has too (``from_logits``
is read), or that do not change the fit."""


def load_model(path, classes=None):
    """Read a Keras 3 ``.keras`` file as a fitted skdl estimator.

    Keras, TensorFlow, JAX and torch are not needed: the file's JSON
    configs are read with :mod:`json` and its weights with ``h5py``. The
    file must hold a Sequential model, or a functional chain, of layers
    skdl has, ending in a ``Dense`` layer; a functional chain may hold
    residual blocks (Keras's ``Add``, or ``+``, of a block's input and its
    output) and self-attention, and the masks Keras computes for them.

    The estimator is a :class:`~skdl.NeuralNetClassifier` when the output
    activation is softmax or sigmoid and the compiled loss is a
    cross-entropy, when the output is linear and the loss a cross-entropy
    ``from_logits`` (the classifier's output then applies the softmax or
    sigmoid the loss applied), or when the output is softmax and the model
    not compiled; a :class:`~skdl.NeuralNetRegressor` otherwise. It predicts what the Keras model predicts (``predict_proba``
    for a classifier); its ``n_iter_`` is 0 and its curves empty, as it has not
    trained in skdl. Its ``solver`` is skdl's namesake of the file's
    optimizer (with its schedule), when skdl has it; with
    ``warm_start=True``, ``fit`` continues training from the loaded
    weights.

    Parameters
    ----------
    path : str or path-like
        A ``.keras`` file.
    classes : array-like of shape (n_classes,), default=None
        A classifier's labels, sorted, in the order of the output columns
        (for a single sigmoid output, the negative then the positive
        label). None: the labels :func:`save_model` wrote in the file's
        metadata (strings, integers or booleans), else ``0, 1, ...,
        n_classes - 1`` (Keras keeps no labels: a file Keras saved has
        none). Ignored for a regressor.

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
    from ..neural_net import NeuralNetClassifier, NeuralNetRegressor

    config, metadata, weights_file = read_archive(path)
    items, input_shape = _model_layers(config)
    if not items or items[-1][0].get("class_name") != "Dense":
        raise ValueError(
            "skdl reads models whose last layer is a Dense layer (the output layer, "
            "with its activation); this one ends in "
            f"{items[-1][0].get('class_name') if items else 'no layer'}. Fold a final "
            "Activation into the Dense layer before it."
        )
    layers = _layers(items)
    network = Network(layers, input_shape)
    entries = _keras_order(items)
    class_names = [entry["class_name"] for entry in entries if not _is_operation(entry)]
    keys = iter(weight_keys(class_names, config.get("class_name") == "Functional"))
    keys = [None if _is_operation(entry) else next(keys) for entry in entries]
    with h5py_module().File(io.BytesIO(weights_file), "r") as h5:
        network.set_weights(_read_weights(h5, keys, keras_layer_order(layers)))

    compile_config = config.get("compile_config") or {}
    params = {"layers": _layers(items[:-1]), "input_shape": input_shape}
    if compile_config.get("optimizer") is not None:
        solver = _skdl_object(optimizers, compile_config["optimizer"], "optimizer")
        if solver is not None:
            params["solver"] = solver
    output = resolved_activation(layers[-1]).name
    loss, options = _loss_kind(compile_config)
    dropped = {key: value for key, value in options.items()
               if key not in _LOSS_OPTIONS_KEPT and value not in (None, False, 0, 0.0)}
    if dropped:
        warnings.warn(
            f"The file's loss {loss!r} has the options {dropped}, which skdl's loss does "
            "not have; fit with warm_start=True trains without them.", UserWarning,
            stacklevel=2)
    if output == "identity" and loss in _CROSSENTROPY and options.get("from_logits"):
        # Keras's logits output: skdl's classifier applies what the loss did
        output = "sigmoid" if loss == "binary_crossentropy" else "softmax"
    if (output in ("softmax", "sigmoid") and loss in _CROSSENTROPY) or (
            output == "softmax" and loss is None):
        target_kind = None
        if classes is None and "skdl_classes" in metadata:
            classes = metadata["skdl_classes"]
            target_kind = metadata.get("skdl_target_kind")
        kind, labels = _classes(classes, output, network.n_outputs, target_kind)
        estimator = NeuralNetClassifier(
            output_activation="softmax" if output == "softmax" else "logistic",
            loss="log_loss", **params,
        )
        return fitted_estimator(estimator, network, kind, labels)
    if loss not in _REGRESSION_LOSSES:
        keras_output = "linear" if output == "identity" else output
        hint = (" (a linear output of logits wants the loss's from_logits=True)"
                if loss in _CROSSENTROPY and output == "identity" else "")
        raise ValueError(
            f"The model's loss is {loss!r} with a {keras_output!r} output, which skdl has "
            f"no estimator for{hint}; skdl reads cross-entropy losses of softmax or "
            "sigmoid outputs, and the regression losses "
            f"{sorted(k for k in _REGRESSION_LOSSES if k)}."
        )
    estimator = NeuralNetRegressor(output_activation=output, loss=_REGRESSION_LOSSES[loss],
                                   **params)
    return fitted_estimator(estimator, network, "continuous", None)
