"""Writing a fitted network as a Keras 3 ``.keras`` file."""

import datetime
import os

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._base import BaseNetwork
from ..layers._keras_form import as_json, keras_entry
from ._archive import (
    KERAS_VERSION,
    keras_layer_order,
    snake_case,
    weight_keys,
    write_archive,
)

_KERAS_LOSSES = {
    "cross_entropy": "categorical_crossentropy",
    "binary_cross_entropy": "binary_crossentropy",
    "squared_error": "mean_squared_error",
    "absolute_error": "mean_absolute_error",
    "poisson": "poisson",
    "huber": "huber",
}
"""skdl's loss name -> Keras's, for the losses Keras has with the same
minimum (Keras averages where skdl halves: the scale differs, not the fit)."""


def _keras_loss(estimator):
    """Keras's name of the fitted loss, for the file's compile config."""
    loss = estimator._loss
    keras_name = _KERAS_LOSSES.get(loss.name)
    if keras_name is None or (loss.name == "huber" and loss.delta != 1.0):
        raise ValueError(
            f"{type(estimator).__name__} was fitted with the loss {loss.name!r}"
            f"{f' (delta={loss.delta})' if loss.name == 'huber' else ''}, which Keras has "
            "no built-in loss for; a .keras file holds log_loss (a cross-entropy), "
            "squared_error, absolute_error, poisson and huber (delta=1.0)."
        )
    return keras_name


def _serialized(kind, obj):
    """A skdl optimizer or schedule as Keras serializes its namesake: the
    class name and the parameters, which skdl spells as Keras does."""
    config = {}
    for key, value in obj.get_params(deep=False).items():
        config[key] = (_serialized("keras.optimizers.schedules", value)
                       if hasattr(value, "get_params") else as_json(value))
    return {"module": kind, "class_name": type(obj).__name__, "config": config,
            "registered_name": None}


def _keras_optimizer(estimator):
    """The fitted optimizer as Keras's config of its namesake; Keras's
    default Adam when the estimator trained with L-BFGS, which Keras
    lacks, or has not trained in skdl."""
    optimizer = getattr(estimator, "optimizer_", None)
    if optimizer is None:
        return {"module": "keras.optimizers", "class_name": "Adam", "config": {},
                "registered_name": None}
    return _serialized("keras.optimizers", optimizer)


def _json_labels(classes):
    """A classifier's labels as a JSON list, or None when JSON cannot hold
    them as they are (labels that are not strings, integers, booleans or
    finite floats)."""
    if classes is None:
        return None
    labels = np.asarray(classes).tolist()
    if all(isinstance(label, (str, int, bool)) or (
            isinstance(label, float) and np.isfinite(label)) for label in labels):
        return labels
    return None


def _named_entries(ordered):
    """Each layer's Keras entry (``ordered`` in Keras's order), named as
    the layer is or after Keras's class, unique."""
    names, entries = set(), []
    for i, layer in enumerate(ordered):
        entry = keras_entry(layer, None)  # refuses a layer without a Keras form
        name = layer.name or snake_case(layer.keras_class_name)
        name = f"{name}_{i}" if name in names else name
        names.add(name)
        entry["config"]["name"] = name
        entries.append(entry)
    return entries


def _link(layers, source, shape, entries):
    """Give the entries of ``layers`` (Keras's order, consumed from the
    front of ``entries``) their inbound nodes: each called on the output
    before it, from the tensor ``source`` of sample shape ``shape``, as
    many times as its Keras call takes it; a residual block's ``Add`` on
    its input and its layers' output. Returns the last output's name."""
    def tensor(name, shape):
        return {"class_name": "__keras_tensor__", "config": {
            "shape": [None, *(int(s) for s in shape)], "dtype": "float32",
            "keras_history": [name, 0, 0]}}

    for layer in layers:
        if layer.keras_adds_input:
            inner = _link(layer.keras_sublayers(), source, shape, entries)
            args = [[tensor(source, shape), tensor(inner, shape)]]
        else:
            args = [tensor(source, shape)] * layer.keras_call_inputs
        entry = entries.pop(0)
        entry["name"] = entry["config"]["name"]
        entry["inbound_nodes"] = [{"args": args, "kwargs": layer.keras_call_arguments()}]
        source, shape = entry["name"], layer.output_shape
    return source


def _write_weights(h5, ordered, functional):
    """The weights file: each layer's groups (``ordered`` in Keras's order)
    under its key; a functional model's input too."""
    keys = weight_keys([layer.keras_class_name for layer in ordered], functional)
    group = h5.create_group("layers")
    if functional:
        group.create_group("input_layer").create_group("vars")
    for key, layer in zip(keys, ordered):
        for path, arrays in layer.keras_weight_groups():
            variables = group.create_group(f"{key}/{path}")
            for i, array in enumerate(arrays):
                variables.create_dataset(str(i), data=np.asarray(array, np.float32))
    # an optimizer that has not stepped, as Keras writes a compiled model
    # before training: Keras, on loading, warns that it skips it
    h5.create_group("optimizer").create_group("vars")
    h5.create_group("vars")


def save_model(estimator, path):
    """Write a fitted network as a Keras 3 ``.keras`` file.

    The file holds a Sequential model (a functional chain when a layer's
    Keras call takes its input twice, as self-attention does, or the
    network has residual blocks, Keras's ``Add``): an
    ``InputLayer`` of the fitted ``input_shape_`` (channels-last), each
    layer under Keras's class name with its configuration in Keras's
    spelling, the output ``Dense`` layer with its activation, and a compile
    config of Keras's name of the fitted loss and Keras's config of the
    fitted optimizer (skdl's optimizers and schedules are Keras's
    namesakes; L-BFGS, which Keras lacks, is written as Keras's default
    Adam; an SGD of ``learning_rate="invscaling"`` or ``"adaptive"`` at its
    last rate). ``keras.saving.load_model(path)`` then predicts as the
    estimator does, and ``model.fit`` continues training. The optimizer's
    state is not carried over. A classifier's labels go in the file's
    metadata, which Keras ignores and :func:`load_model` reads.

    Parameters
    ----------
    estimator : NeuralNetClassifier, NeuralNetRegressor, MLPClassifier or MLPRegressor
        A fitted estimator whose layers, activations and loss Keras has.
    path : str or path-like
        Where to write, a name ending in ``.keras`` as Keras requires.

    Raises
    ------
    ValueError
        If a layer, an activation or the loss has no Keras form (the
        message names it), or ``path`` does not end in ``.keras``.
    TypeError
        If ``estimator`` is not one of skdl's networks (a Pipeline: save
        its last step).
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
    >>> load_model("iris.keras").predict(X[:3])  # doctest: +SKIP
    array([0, 0, 0])
    """
    if not isinstance(estimator, BaseNetwork):
        last = "; save its last step, save_model(pipeline[-1], path)" if hasattr(
            estimator, "steps") else ""
        kind = type(estimator)
        where = "" if kind.__module__.startswith("skdl") else f"{kind.__module__}."
        raise TypeError(
            f"save_model writes skdl's networks (NeuralNetClassifier, NeuralNetRegressor, "
            f"MLPClassifier, MLPRegressor), not {where}{kind.__name__}{last}."
        )
    if isinstance(path, (str, os.PathLike)) and not os.fspath(path).endswith(".keras"):
        raise ValueError(
            f"path={os.fspath(path)!r} does not end in .keras, which Keras requires of "
            "the files it opens; name it something.keras."
        )
    check_is_fitted(estimator)
    network = estimator._fitted_network(np.float32)
    layers = network.layers
    input_shape = [int(s) for s in network.input_shape]
    loss = _keras_loss(estimator)
    ordered = keras_layer_order(layers)
    entries = _named_entries(ordered)
    input_entry = {
        "module": "keras.layers", "class_name": "InputLayer",
        "config": {"batch_shape": [None, *input_shape], "dtype": "float32",
                   "sparse": False, "name": "input_layer"},
        "registered_name": None,
    }
    functional = any(layer.keras_call_inputs > 1 or layer.keras_call_arguments()
                     or layer.keras_adds_input for layer in ordered)
    if functional:
        input_entry["name"], input_entry["inbound_nodes"] = "input_layer", []
        last = _link(layers, "input_layer", input_shape, list(entries))
        model_config = {
            "module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": "functional", "trainable": True,
                       "layers": [input_entry, *entries],
                       "input_layers": ["input_layer", 0, 0],
                       "output_layers": [last, 0, 0]},
            "registered_name": "Functional",
        }
    else:
        model_config = {
            "module": "keras", "class_name": "Sequential",
            "config": {"name": "sequential", "trainable": True, "dtype": "float32",
                       "layers": [input_entry, *entries],
                       "build_input_shape": [None, *input_shape]},
            "registered_name": None,
        }
    model_config["build_config"] = {"input_shape": [None, *input_shape]}
    model_config["compile_config"] = {
        "optimizer": _keras_optimizer(estimator), "loss": loss, "loss_weights": None,
        "metrics": None, "weighted_metrics": None, "run_eagerly": False,
        "steps_per_execution": 1, "jit_compile": False,
    }
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    labels = _json_labels(getattr(estimator, "classes_", None))
    if labels is not None:
        # Keras ignores them; load_model reads them when not given classes
        metadata["skdl_classes"] = labels
        target_type = estimator._label_binarizer.y_type_
        metadata["skdl_target_kind"] = ("multilabel" if target_type.startswith("multilabel")
                                        else target_type)
    write_archive(path, model_config, metadata,
                  lambda h5: _write_weights(h5, ordered, functional))
