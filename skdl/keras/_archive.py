"""The ``.keras`` file itself: a zip of ``config.json``, ``metadata.json``
and ``model.weights.h5``, whose groups Keras keys by the layers' class
names."""

import io
import json
import re
import zipfile

KERAS_VERSION = "3.15.1"
"""The Keras version whose file layout :func:`write_archive` writes."""


def h5py_module():
    """h5py, or an ImportError that says how to install it."""
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Reading and writing .keras files needs h5py, for their HDF5 weights: "
            'pip install h5py (or pip install "skdl[keras]")'
        ) from None
    return h5py


def snake_case(name):
    """Keras's ``naming.to_snake_case``: how it keys a layer in the
    weights file and names a layer left unnamed."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def weight_keys(class_names, functional):
    """The weights file's group of each layer of a model, in order: its
    class name in snake case, with ``_1``, ``_2``... after the first of a
    class, as Keras's saving library keys the layers of a container. A
    functional model's layers begin with its input, keyed ``input_layer``."""
    used = {"input_layer": 0} if functional else {}
    keys = []
    for class_name in class_names:
        key = snake_case(class_name)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        keys.append(key)
    return keys


def keras_layer_order(layers):
    """``layers`` as Keras holds them: a layer's :meth:`keras_sublayers`
    (a residual block's), in turn, before the layer itself."""
    ordered = []
    for layer in layers:
        ordered.extend(keras_layer_order(layer.keras_sublayers()))
        ordered.append(layer)
    return ordered


def write_archive(path, model_config, metadata, weight_writer):
    """Write a ``.keras`` file: the configs as JSON, and the weights file
    that ``weight_writer(h5)`` fills."""
    h5py = h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        weight_writer(h5)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(metadata))
        archive.writestr("config.json", json.dumps(model_config))
        archive.writestr("model.weights.h5", buffer.getvalue())


def read_archive(path):
    """The model config of a ``.keras`` file, its metadata and its weights
    file's bytes."""
    h5py_module()
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            names = archive.namelist()
            metadata = (json.loads(archive.read("metadata.json"))
                        if "metadata.json" in names else {})
            weights = archive.read("model.weights.h5")
    except (zipfile.BadZipFile, KeyError) as error:
        raise ValueError(
            f"{path!s} is not a Keras 3 .keras file (a zip holding config.json and "
            f"model.weights.h5): {error}"
        ) from None
    return config, metadata, weights
