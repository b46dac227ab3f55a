"""Keras 3 ``.keras`` files in and out.

:func:`save_model` writes a fitted skdl network as a Keras 3 ``.keras``
file, which ``keras.saving.load_model`` opens; :func:`load_model` reads
one back as a fitted skdl estimator, without Keras, TensorFlow, JAX or
torch. A ``.keras`` file is a zip of JSON configs and an HDF5 file of
weights, read here with :mod:`zipfile`, :mod:`json` and ``h5py`` (the
``keras`` extra: ``pip install "skdl[keras]"``).

skdl's layers use Keras's names, arguments and weight layouts
(channels-last), so each layer carries its Keras form, as it carries its
ONNX form: Keras's class name, its config in Keras's spelling, and where
its weights sit in the file (:attr:`skdl.layers.Layer.keras_class_name`
and the methods beside it). A layer whose class sets no Keras class name
is refused by :func:`save_model`, naming it.

What is carried over: the architecture, the weights (a batch
normalization's moving statistics included), the loss and the optimizer's
configuration. What is not: the optimizer's state (its moments and step
count), callbacks, skdl's training parameters (batch size, early
stopping...) and a classifier's labels (:func:`load_model`'s ``classes``).
"""

from ._load import load_model
from ._save import save_model

__all__ = ["load_model", "save_model"]
