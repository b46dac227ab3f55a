"""What the layers share in their Keras forms: the ``config`` entry a layer
writes in a ``.keras`` file (:meth:`Layer.keras_config`) and reads back
(:meth:`Layer.from_keras_config`), in Keras's spelling.

:mod:`skdl.keras` reads and writes the files; each layer class says how it
is spelt there through the attributes this module reads:
``keras_class_name``, ``keras_arguments`` (Keras's options that are the
layer's arguments, with a converter of Keras's value) and ``keras_fixed``
(Keras's options the layer computes one way only).
"""

import numbers

from ..activations import ACTIVATIONS, get_activation

KERAS_ACTIVATIONS = {
    "identity": ("linear", {}),
    "sigmoid": ("sigmoid", {}),
    "softmax": ("softmax", {}),
    "tanh": ("tanh", {}),
    "relu": ("relu", {}),
    "softplus": ("softplus", {}),
    "exp": ("exponential", {}),
    "gelu": ("gelu", {}),
    "elu": ("elu", {"alpha": 1.0}),
    "leaky_relu": ("leaky_relu", {"negative_slope": 0.2}),
}
"""skdl's activation name -> (Keras's name, the skdl parameters that make
the same function as Keras's activation of that name with its defaults)."""

_FROM_KERAS_ACTIVATIONS = {keras: (name, params)
                           for name, (keras, params) in KERAS_ACTIVATIONS.items()}

KERAS_IGNORED = frozenset({
    "name", "trainable", "dtype", "seed", "unit_forget_bias", "input_length", "lora_alpha",
    "renorm_momentum",
})
"""Keras options that do not change what a loaded layer computes or
stores: its name and dtype policy (skdl computes in the data's float
type), training seeds, an LSTM's forget-gate start (the weights come from
the file), and options of options that are off (a batch renormalization's
momentum: ``renorm`` itself is refused unless False). Initializers (``*_initializer``) are ignored too."""


def keras_activation(layer, activation):
    """Keras's name of ``activation`` (a resolved
    :class:`~skdl.activations.Activation` of ``layer``), refused naming the
    layer when Keras has no activation of that name with the same defaults.
    """
    name = activation.name
    keras_name, params = KERAS_ACTIVATIONS.get(name, (None, None))
    same = keras_name is not None and type(activation) is ACTIVATIONS[name] and {
        key: float(value) for key, value in vars(activation).items()} == params
    if not same:
        choices = ", ".join(
            skdl_name if not defaults else "{}({})".format(
                type(get_activation(skdl_name)).__name__,
                ", ".join(f"{key}={value}" for key, value in defaults.items()))
            for skdl_name, (_, defaults) in KERAS_ACTIVATIONS.items())
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) has activation "
            f"{getattr(layer, 'activation', None) or activation.name!r}, "
            "which Keras has no built-in activation for under the same arguments; a "
            f".keras file holds these: {choices}."
        )
    return keras_name


def activation_from_keras(value):
    """skdl's activation of Keras's activation ``value`` (a name): the name,
    or an object when Keras's defaults differ from skdl's."""
    if not isinstance(value, str) or value not in _FROM_KERAS_ACTIVATIONS:
        raise ValueError(
            f"activation {value!r}, which skdl does not have as Keras defines it; skdl "
            f"reads {sorted(_FROM_KERAS_ACTIVATIONS)}"
        )
    name, params = _FROM_KERAS_ACTIVATIONS[value]
    return get_activation(name).__class__(**params) if params else name


def single_int(value):
    """Keras's ``[n]`` or ``n`` (the kernel size of a 1-D layer) as ``n``;
    None stays."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return int(value)


def int_tuple(value):
    """Keras's ``[a, b]`` or ``n`` as ``(a, b)`` or ``n``; None stays."""
    if value is None or isinstance(value, numbers.Integral):
        return value
    return tuple(int(v) for v in value)


def nested_tuple(value):
    """Keras's nested lists (a padding's ``[[1, 0], [0, 2]]``) as tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(nested_tuple(v) for v in value)
    return value


def as_json(value):
    """``value`` with tuples as lists and NumPy scalars as Python's, as
    Keras's JSON configs hold them."""
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def keras_entry(layer, name):
    """``layer``'s entry in the ``config`` of a ``.keras`` file: Keras's
    class name and the layer's config under ``name``, in float32.

    Parameters
    ----------
    layer : Layer
        A built layer with a Keras form.
    name : str

    Returns
    -------
    dict
    """
    config = {"name": name, "trainable": True, "dtype": "float32", **layer.keras_config()}
    return {"module": "keras.layers", "class_name": layer.keras_class_name,
            "config": config, "registered_name": None}


def _switched_off(value):
    return value is None or value is False or (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and value == 0)


def read_keras_config(layer_class, config):
    """The arguments of ``layer_class`` for Keras's ``config`` of it.

    Each option is one of the layer's ``keras_arguments`` (converted), one
    of its ``keras_fixed`` options at a value the layer computes, ignored
    (:data:`KERAS_IGNORED`, initializers) or switched off (None, False or
    0, as regularizers, constraints and dropouts are by default); anything
    else is refused, naming the layer and the option.

    Parameters
    ----------
    layer_class : type
        A layer class with a Keras form.
    config : dict
        The ``config`` of the layer's entry in a ``.keras`` file, with the
        keyword arguments of its call merged in.

    Returns
    -------
    dict
        Keyword arguments of ``layer_class``, ``name`` included.

    Raises
    ------
    ValueError
        If an option is not one skdl's layer has.
    """
    keras_name = layer_class.keras_class_name
    name = config.get("name")
    kwargs = {}
    for key, value in config.items():
        where = f"Layer {name!r} ({keras_name}) has"
        if key in layer_class.keras_arguments:
            convert = layer_class.keras_arguments[key]
            try:
                kwargs[key] = value if convert is None else convert(value)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{where} {error}.") from None
        elif key in layer_class.keras_fixed:
            allowed = layer_class.keras_fixed[key]
            if value not in allowed:
                raise ValueError(
                    f"{where} {key}={value!r}, which skdl's {layer_class.__name__} does "
                    f"not have; it computes {key}={allowed[0]!r} only. Rebuild the model "
                    f"in Keras with {key}={allowed[0]!r}."
                )
        elif key in KERAS_IGNORED or key.endswith("_initializer") or _switched_off(value):
            continue
        else:
            raise ValueError(
                f"{where} {key}={value!r}, an option skdl's {layer_class.__name__} does "
                f"not have; skdl reads this layer only with {key} unset (None, False or "
                "0). Rebuild the model in Keras without it."
            )
    if name is not None:
        kwargs["name"] = name
    return kwargs
