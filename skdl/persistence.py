"""Saving fitted models safely: the types skops may trust in an skdl model.

``skops.io.dump`` writes a fitted estimator, alone or in a pipeline, as a
file of arrays and plain data, and ``skops.io.load`` rebuilds it without
pickle: each object from its class and its attributes, and only classes the
caller trusts. :func:`trusted_types` lists skdl's own: its estimators,
layers, activations, losses, optimizers, schedules, initializers, callbacks
and the small objects they hold. None of them runs code from the file when
it is loaded: skops makes each one without calling its constructor and
sets its attributes, or calls an argument-free constructor (a layer's empty
``Scratch``); the one with a ``__setstate__`` of its own
(:class:`~skdl.callbacks.ProgressBar`) only looks up one of the four
standard streams by name.

An estimator saved by one version of skdl warns, with
:class:`InconsistentVersionWarning`, when another version loads it, by
pickle or by skops: only the version that saved a model promises to load
it as it was.

A model that holds an object of another library, or one of your own (an
activation, a loss, a layer), lists that type among the untrusted ones, as
skops does for any type it does not know: look at
``skops.io.get_untrusted_types(file=path)`` and add the types you trust.

Examples
--------
>>> import numpy as np
>>> import skops.io as sio
>>> from skdl import MLPClassifier
>>> from skdl.persistence import trusted_types
>>> X, y = np.random.RandomState(0).normal(size=(40, 3)), np.arange(40) % 2
>>> model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5).fit(X, y)  # doctest: +SKIP
>>> sio.dump(model, "model.skops")  # doctest: +SKIP
>>> loaded = sio.load("model.skops", trusted=trusted_types())  # doctest: +SKIP
"""

import inspect

import numpy as np

from . import (
    _training,
    activations,
    callbacks,
    initializers,
    layers,
    losses,
    optimizers,
    preprocessing,
    schedules,
)
from .mlp import MLPClassifier, MLPRegressor
from .neural_net import NeuralNetClassifier, NeuralNetRegressor
from .perceptron import PerceptronClassifier
from ._versioned_state import InconsistentVersionWarning
from .scratch import Scratch

__all__ = ["trusted_types", "InconsistentVersionWarning"]

_MODULES = (activations, losses, optimizers, schedules, initializers, callbacks)
"""The modules whose public classes a fitted model or its parameters may hold."""

_OTHERS = (
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    PerceptronClassifier,
    preprocessing.TextVectorization,
    Scratch,
    _training.EpochRateRule,
    activations._UserActivation,
    losses._UserLoss,
    callbacks._StandardStream,
    *layers.BUILT_IN_LAYERS,
)
"""The other skdl classes a fitted model holds (the wrappers of a user's
activation or loss among them: the user's object inside stays untrusted)."""


def trusted_types():
    """The types of a model made of skdl's parts, for ``skops.io.load``.

    Returns
    -------
    list of str
        Full names, as skops names types (``"skdl.layers.dense.Dense"``),
        sorted: every public class of :mod:`skdl.activations`,
        :mod:`skdl.losses`, :mod:`skdl.optimizers`, :mod:`skdl.schedules`,
        :mod:`skdl.initializers` and :mod:`skdl.callbacks`, the built-in
        layers, the estimators, :class:`~skdl.preprocessing.TextVectorization`,
        the internal objects a fitted model holds, and ``numpy.dtype``
        (skdl's layers keep their float type as one).

    Examples
    --------
    >>> from skdl.persistence import trusted_types
    >>> "skdl.layers.dense.Dense" in trusted_types()
    True
    """
    classes = set(_OTHERS)
    for module in _MODULES:
        classes.update(value for name in module.__all__
                       if inspect.isclass(value := getattr(module, name)))
    classes.update(activations.ACTIVATIONS.values())
    classes.update(losses.LOSSES.values())
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in classes}
    names.add(f"numpy.{np.dtype.__name__}")
    return sorted(names)

