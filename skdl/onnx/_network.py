"""A network's layers in ONNX: the input reshaped to one sample's shape, then
each layer's ``to_onnx`` method in turn, in channels-last order as skdl
computes them."""

from ._hook import method_onnx_form, missing_onnx_form

__all__ = ["network_to_onnx", "layer_to_onnx", "missing_layer_form"]


def network_to_onnx(graph, network, x):
    """Write a network's prediction for the rows ``x`` into ``graph``.

    Parameters
    ----------
    graph : OnnxGraph
    network : Network
        Built and holding the fitted weights.
    x : str
        The input rows, of shape ``(n, n_features)``.

    Returns
    -------
    str
        The network's outputs, of shape ``(n, n_outputs)``.
    """
    if len(network.input_shape) > 1:
        x = graph.reshape(x, (-1, *network.input_shape))
    mask = None
    for layer in network.layers:
        next_mask = layer.onnx_mask(graph, x, mask)
        x, mask = layer_to_onnx(graph, layer, x, mask), next_mask
    return x


def layer_to_onnx(graph, layer, x, mask=None):
    """Write one built layer's prediction into ``graph`` through its
    ``to_onnx(graph, x)`` method, built-in layers' as any other's: a
    subclass without a method of its own exports as its parent class.

    Parameters
    ----------
    graph : OnnxGraph
    layer : Layer
        A built layer holding its weights.
    x : str
        Its input, channels-last, of shape ``(n, *layer.input_shape)``.
    mask : str or None, default=None
        The name of its input's mask (see :meth:`skdl.layers.Layer.onnx_mask`),
        handed to a layer whose ``takes_mask`` is True as ``to_onnx``'s
        ``mask`` keyword.

    Returns
    -------
    str
        Its output, channels-last, of shape ``(n, *layer.output_shape)``.

    Raises
    ------
    TypeError
        For a layer without an ONNX form (:meth:`skdl.layers.Layer.to_onnx`
        refuses), or whose method returns no tensor name.
    """
    keywords = {"mask": mask} if getattr(layer, "takes_mask", False) else {}
    return method_onnx_form(graph, layer, *_layer_method(layer), x, **keywords)


def missing_layer_form(layer):
    """The error for a layer class without an ONNX form, which
    :meth:`skdl.layers.Layer.to_onnx` raises.

    Parameters
    ----------
    layer : Layer

    Returns
    -------
    TypeError
        It names the layer and says how to give it a form.
    """
    return missing_onnx_form(*_layer_method(layer))


def _layer_method(layer):
    """How messages name a layer, its method's argument and what it writes."""
    return f"The layer {layer!r} ({type(layer).__name__})", "x", "the layer's output"
