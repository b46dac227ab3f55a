"""The hidden layers of a network as nested parameters, as
:class:`~sklearn.pipeline.Pipeline` holds its steps: each layer has a name,
and its hyperparameters are the estimator's parameters
``<name>__<param>``.

A layer's name is its ``name`` argument, or else the one scikit-learn's
``make_pipeline`` gives a step: the class name in lower case, with ``-1``,
``-2``, ... on every layer of a class that comes more than once. The rule
counts every layer of the list, named or not, so that naming one layer
renames no other. The output layer the estimator adds is not one of them;
it is named ``"output"``.

Changes never touch the user's layer objects: :func:`with_layer_params`
returns a new list in which each changed layer is a changed copy, so that
one list may serve several estimators. :class:`NestedLayerParamsMixin`
gives an estimator the ``get_params`` and ``set_params`` that list and set
them.
"""

import copy

from sklearn.pipeline import _name_estimators

from .layers import Layer

OUTPUT_LAYER_NAME = "output"
"""Name of the output Dense layer the estimators add, unless a hidden layer
has it (see :func:`output_layer_name`)."""


def layer_names(layers, reserved=()):
    """The name of each of ``layers``: its ``name``, or the
    ``make_pipeline`` rule's.

    Parameters
    ----------
    layers : list of Layer
    reserved : collection of str, default=()
        Names no layer may have: the estimator's own parameters, whose
        nested parameters ``<parameter>__<key>`` a layer's would shadow.

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        If a given name is not a string.
    ValueError
        If a name is empty, holds ``"__"`` (which separates a layer's name
        from its parameter's) or is reserved, or two layers have one name;
        the message names the layers.
    """
    names = []
    for i, (rule_name, layer) in enumerate(_name_estimators(layers)):
        given = layer.name
        if given is not None and not isinstance(given, str):
            raise TypeError(
                f"layers[{i}] has name={given!r}; a layer's name is a string, or None "
                "to name it after its class."
            )
        name = rule_name if given is None else given
        source = f"layers[{i}] {'after its class' if given is None else 'by its name argument'}"
        if not name or "__" in name:
            raise ValueError(
                f"{source} is named {name!r}: a layer's name must be non-empty and "
                "free of '__', which separates it from the parameter in nested "
                "parameters such as 'dense__units'."
            )
        if name in reserved:
            raise ValueError(
                f"{source} is named {name!r}, which is a parameter of the estimator: "
                f"'{name}__<param>' would be ambiguous. Give the layer another name "
                "(name=...)."
            )
        if name in names:
            raise ValueError(
                f"layers[{names.index(name)}] and layers[{i}] are both named {name!r}; "
                "each layer needs its own name, as nested parameters such as "
                f"'{name}__<param>' address one layer. Give one of them another name "
                "(name=...)."
            )
        names.append(name)
    return names


def output_layer_name(hidden_names):
    """``"output"``, or the first of ``"output-1"``, ``"output-2"``, ...
    that no hidden layer has."""
    name, k = OUTPUT_LAYER_NAME, 0
    while name in hidden_names:
        k += 1
        name = f"{OUTPUT_LAYER_NAME}-{k}"
    return name


def name_layers(hidden, output, reserved=()):
    """Write each layer's name into it: the hidden layers' by
    :func:`layer_names`, the output layer's by :func:`output_layer_name`.

    Parameters
    ----------
    hidden : list of Layer
        Layers of the estimator's own (copies), changed in place.
    output : Layer
        The output layer, named in place.
    reserved : collection of str, default=()
        See :func:`layer_names`.

    Returns
    -------
    list of Layer
        ``hidden`` then ``output``.
    """
    names = layer_names(hidden, reserved)
    for layer, name in zip(hidden, names):
        layer.name = name
    output.name = output_layer_name(names)
    return [*hidden, output]


def nested_layer_params(layers, names):
    """Each layer by its name, and each of its hyperparameters as
    ``<name>__<param>``, as ``Pipeline.get_params(deep=True)`` lists its
    steps; a layer that holds layers (:class:`~skdl.layers.Residual`)
    lists theirs too, as ``<name>__<inner name>__<param>``.

    Parameters
    ----------
    layers : list of Layer
    names : list of str
        Their names (:func:`layer_names`).

    Returns
    -------
    dict
    """
    params = {}
    for name, layer in zip(names, layers):
        params[name] = layer
        params.update(
            (f"{name}__{key}", value) for key, value in layer.get_params(deep=True).items()
        )
    return params


def with_layer_params(layers, names, params):
    """``layers`` with ``params`` applied, as a new list.

    Parameters
    ----------
    layers : list of Layer
        Never changed, nor the list.
    names : list of str
        Their names (:func:`layer_names`).
    params : dict
        ``<name>``: a layer to put in that one's place; ``<name>__<param>``:
        a new value for one hyperparameter, set on a copy of the layer.
        Replacements apply first.

    Returns
    -------
    list of Layer
        The layers ``params`` does not name are the same objects.

    Raises
    ------
    ValueError
        If a key names no layer, or a parameter the layer does not have;
        nothing is changed.
    TypeError
        If a layer would be replaced by an object that is not a layer.
    """
    layers = list(layers)
    indices = {}
    for key in params:
        name = key.partition("__")[0]
        if name not in names:
            raise ValueError(
                f"Invalid parameter {key!r}: no layer is named {name!r}. The layers "
                f"are named {names!r}; a layer's parameter is '<name>__<param>'."
            )
        indices[key] = names.index(name)
    for key, value in params.items():
        if "__" not in key:
            if not isinstance(value, Layer):
                raise TypeError(
                    f"{key}={value!r} would replace a layer by an object of type "
                    f"{type(value).__name__}, which is not a layer."
                )
            layers[indices[key]] = value
    changes = {}
    for key, value in params.items():
        if "__" in key:
            i, param = indices[key], key.partition("__")[2]
            valid = layers[i].get_params(deep=True)
            if param not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r}: layer {names[i]!r}, {layers[i]!r}, has "
                    f"no parameter {param!r}; its parameters are {sorted(valid)!r}."
                )
            changes.setdefault(i, {})[param] = value
    for i, layer_params in changes.items():
        layers[i] = copy.deepcopy(layers[i]).set_params(**layer_params)
    return layers


class NestedLayerParamsMixin:
    """``get_params`` and ``set_params`` of an estimator whose parameter
    ``layers`` holds its hidden layers, listing and setting each layer by
    its name and each of its hyperparameters as ``<name>__<param>``. Not
    for direct use.

    The host implements ``_checked_layers(layers)``: the hidden layers that
    a value of the parameter ``layers`` stands for, checked to be layers.
    """

    def _named_layers(self, layers):
        """The hidden layers of the value ``layers``, and their names (no
        name may be one of the estimator's parameters)."""
        layers = self._checked_layers(layers)
        return layers, layer_names(layers, reserved=self._get_param_names())

    def get_params(self, deep=True):
        """Get the parameters of this estimator, with deep=True its layers'.

        Parameters
        ----------
        deep : bool, default=True
            Also list each hidden layer by its name, and each of its
            hyperparameters as ``<name>__<param>``, as a Pipeline lists its
            steps (the default layers of ``layers=None`` too). A ``layers``
            list that fit would refuse (not layers, names that clash) adds
            nothing: fit and :meth:`set_params` say what is wrong.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        if deep:
            try:
                layers, names = self._named_layers(self.layers)
            except (TypeError, ValueError):
                return params
            params.update(nested_layer_params(layers, names))
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator, its layers' included.

        ``<name>__<param>`` sets one hyperparameter of the layer of that
        name, and ``<name>`` replaces the layer, as for a Pipeline's steps;
        ``layers``, if given too, is set first. The layer objects are never
        changed: ``layers`` becomes a new list, in which each changed layer
        is a changed copy (``layers=None`` becomes the default layers), so
        that one list of layers can serve several estimators.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.

        Raises
        ------
        ValueError
            If a key names neither a parameter nor a layer, or a parameter
            the layer does not have, or goes through ``layers__``; the
            message names the key. Nothing is set then.
        TypeError
            If ``layers`` holds other than layers, or a layer would be
            replaced by an object that is not one.
        """
        through_layers = [key for key in params if key.startswith("layers__")]
        if through_layers:
            raise ValueError(
                f"Invalid parameter {through_layers[0]!r}: a layer's parameters are set "
                "through its name, as '<name>__<param>' (get_params() lists them), not "
                "through 'layers'."
            )
        own = self._get_param_names()
        layer_params = {
            key: value for key, value in params.items() if key.partition("__")[0] not in own
        }
        if layer_params:
            new_layers = with_layer_params(
                *self._named_layers(params.get("layers", self.layers)), layer_params
            )
        super().set_params(**{k: v for k, v in params.items() if k not in layer_params})
        if layer_params:
            self.layers = new_layers
        return self
