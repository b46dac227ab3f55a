"""The ``to_onnx`` method through which a layer, built-in or not, and a
user's activation give their ONNX form: calling it, checking what it
returns, and the refusal of an object that has none."""

__all__ = ["method_onnx_form", "missing_onnx_form"]


def method_onnx_form(graph, owner, described, argument, writes, x, **keywords):
    """Call ``owner.to_onnx(graph, x, **keywords)`` and check that it
    returns a tensor's name.

    Parameters
    ----------
    graph : OnnxGraph
    owner : object
        A layer, or a user's activation.
    described : str
        How messages name it, e.g. ``"The activation 'cube' (Cube)"``.
    argument : str
        The method's tensor argument in messages: ``"z"`` or ``"x"``.
    writes : str
        What the method writes, for messages, e.g. ``"f(z)"``.
    x : str
        The input tensor's name.
    **keywords
        Passed on to the method (a layer's ``mask``).

    Returns
    -------
    str
        The name of the tensor the method wrote.

    Raises
    ------
    TypeError
        When ``owner`` has no ``to_onnx`` method, or it returns something
        other than a name.
    """
    method = getattr(owner, "to_onnx", None)
    if not callable(method):
        raise missing_onnx_form(described, argument, writes)
    out = method(graph, x, **keywords)
    if not isinstance(out, str):
        raise TypeError(
            f"The to_onnx method of {described[0].lower()}{described[1:]} returned "
            f"{out!r}; it must return the name (a str) of the tensor it wrote."
        )
    return out


def missing_onnx_form(described, argument, writes):
    """The error for an object without an ONNX form, saying how to give it
    one.

    Parameters
    ----------
    described, argument, writes : str
        As :func:`method_onnx_form` takes them.

    Returns
    -------
    TypeError
    """
    return TypeError(
        f"{described} has no ONNX form: give it a method to_onnx(graph, {argument}) "
        f"that writes {writes} with graph.node(op_type, inputs, **attributes) and "
        "graph.constant(value) and returns the output's name (see "
        "skdl.onnx.OnnxGraph)."
    )
