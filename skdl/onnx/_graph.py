"""The builder every ``to_onnx`` method writes ONNX nodes through: a thin layer over
skl2onnx's scope (unique names) and container (nodes and initializers),
and the subgraphs (a ``Scan``'s body, an ``If``'s branches) written the
same way."""

import numpy as np
from onnx import TensorProto, helper

from ._activations import activation_to_onnx

__all__ = ["OnnxGraph"]

FLOAT32_ONLY_OPERATORS = frozenset(
    {"Conv", "AveragePool", "RNN", "LSTM", "GRU", "Erf", "Elu", "LeakyRelu", "Softplus"}
)
"""Operators ONNX Runtime's CPU provider runs on float32 tensors but not on
float64 ones (measured with onnxruntime 1.32). A float64 model writes them
out of operators it does run in float64: MatMul, Gather, Where, Exp, ..."""


class OnnxGraph:
    """Where the ONNX export writes its nodes.

    Every layer's ``to_onnx(graph, x)`` method, and a user activation's
    ``to_onnx(graph, z)``, build the graph through this object:
    :meth:`node` adds one operator and returns the name of its output,
    :meth:`constant` adds a constant tensor in the model's float type, and
    :meth:`activation` writes any activation skdl can export. Names are
    made unique for you.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The conversion's scope, which hands out unique names.
    container : skl2onnx.common._container.ModelComponentContainer
        Where nodes and initializers go.
    dtype : numpy.dtype
        The model's float type: float32 or float64, as its input.

    Attributes
    ----------
    dtype : numpy.dtype
        The float type of every tensor the network computes.

    Examples
    --------
    A user activation ``f(z) = z ** 3`` gives its ONNX form with a
    ``to_onnx(graph, z)`` method:

    >>> class Cube:
    ...     def value(self, z):
    ...         return z ** 3
    ...     def derivative(self, z, a):
    ...         return 3 * z ** 2
    ...     def to_onnx(self, graph, z):
    ...         return graph.node("Pow", [z, graph.constant(3.0)])
    """

    def __init__(self, scope, container, dtype):
        self.scope = scope
        self.container = container
        self.dtype = np.dtype(dtype)
        self._transposed_from = {}
        self._nodes = []
        self._constants = {}  # (type, shape, contents) -> name
        self._inputs = []

    # ------------------------------------------------------------ the hook API
    def node(self, op_type, inputs, n_outputs=1, domain="", **attributes):
        """Add one operator and return the name of its output.

        Parameters
        ----------
        op_type : str
            An ONNX operator, e.g. ``"MatMul"``, ``"Tanh"``.
        inputs : list of str
            Names of its inputs (an empty string skips an optional input).
        n_outputs : int, default=1
            How many outputs the operator has.
        domain : str, default=""
            The operator's domain ("" is the standard one).
        **attributes
            The operator's attributes, e.g. ``axis=1``.

        Returns
        -------
        str or tuple of str
            The output's name, or a tuple of ``n_outputs`` names.
        """
        outputs = [self.scope.get_unique_variable_name(op_type.lower()) for _ in range(n_outputs)]
        self.container.add_node(
            op_type, list(inputs), outputs, op_domain=domain,
            name=self.scope.get_unique_operator_name(op_type), **attributes,
        )
        self._nodes.append(self.container.nodes[-1])
        return outputs[0] if n_outputs == 1 else tuple(outputs)

    def constant(self, value, dtype=None):
        """Add a constant tensor and return its name; the same value asked
        again gets the same tensor.

        Parameters
        ----------
        value : array-like
            Numbers (or strings).
        dtype : numpy dtype, optional
            Its type; by default the model's float type for numbers, so
            that constants match the tensors they meet.

        Returns
        -------
        str
        """
        array = np.asarray(value)
        if dtype is not None or array.dtype.kind in "biuf":
            array = array.astype(self.dtype if dtype is None else dtype)
        if array.dtype.kind in "OUS":
            proto_type = TensorProto.STRING
            contents = [str(item).encode("utf-8") for item in array.ravel()]
            key = (proto_type, array.shape, tuple(contents))
        else:
            proto_type = helper.np_dtype_to_tensor_dtype(array.dtype)
            contents = array.ravel().tolist()
            key = (proto_type, array.shape, array.tobytes())
        # one tensor per value: ONNX Runtime merges equal initializers, and
        # warns where a subgraph reads one of them
        if key not in self._constants:
            self._constants[key] = self.scope.get_unique_variable_name("const")
            self.container.add_initializer(
                self._constants[key], proto_type, list(array.shape), contents)
        return self._constants[key]

    def shape_constant(self, values):
        """An int64 constant, as shapes, axes and indices need.

        Parameters
        ----------
        values : sequence of int

        Returns
        -------
        str
        """
        return self.constant(np.asarray(values, dtype=np.int64), dtype=np.int64)

    def remove_unused(self):
        """Drop the nodes and constants written here that no node reads,
        such as a transpose that :meth:`transpose` cancelled. A subgraph's
        nodes read the names they use from the enclosing graph too.
        Converters call it once their outputs are connected."""
        while True:
            read = _names_read(self.container.nodes)
            unused = [node for node in self._nodes if not read.intersection(node.output)]
            if not unused:
                break
            for node in unused:
                self.container.nodes.remove(node)
                self._nodes.remove(node)
        unread = {name for name in self._constants.values() if name not in read}
        self.container.initializers[:] = [
            tensor for tensor in self.container.initializers if tensor.name not in unread
        ]
        for key in [key for key, name in self._constants.items() if name in unread]:
            del self._constants[key]
        # skl2onnx's container writes a value it holds already as an Identity
        # of the first tensor: forget those removed
        held = self.container.initializers_strings
        for content in [content for content, name in held.items() if name in unread]:
            del held[content]

    def activation(self, activation, z):
        """Write ``activation(z)``: a built-in activation in standard
        operators, a user's one through its own ``to_onnx(graph, z)``.

        Parameters
        ----------
        activation : Activation
            As :func:`skdl.activations.get_activation` returns it, e.g. a
            built layer's ``activation_``.
        z : str
            The pre-activation. Softmax normalises over the last axis.

        Returns
        -------
        str

        Raises
        ------
        TypeError
            For a user activation without a ``to_onnx`` method, or whose
            method returns no tensor name.
        """
        return activation_to_onnx(self, activation, z)

    # ---------------------------------------------------------------- subgraphs
    def subgraph(self):
        """A graph to write a subgraph in: a ``Scan``'s body, an ``If``'s
        branch.

        Its nodes are kept apart, for :meth:`to_proto`; its constants are
        the model's initializers, which the subgraph reads from the
        enclosing graph, and its names are unique in the whole model.

        Returns
        -------
        OnnxGraph
            Of the same float type.
        """
        sub = OnnxGraph(self.scope, _SubgraphContainer(self.container), self.dtype)
        sub._constants = self._constants  # shared, and removed if unread with the model's
        return sub

    def input(self, n_columns):
        """Add an input of this subgraph: a ``(n, n_columns)`` tensor of
        the model's float type.

        Parameters
        ----------
        n_columns : int

        Returns
        -------
        str
            Its name.
        """
        name = self.scope.get_unique_variable_name("input")
        self._inputs.append(helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(self.dtype), [None, n_columns]))
        return name

    def to_proto(self, outputs):
        """This subgraph as a ``GraphProto``, for a node's graph attribute.

        Parameters
        ----------
        outputs : list of str
            The tensors it gives, in order: of the model's float type. A
            name may come once only.

        Returns
        -------
        onnx.GraphProto
            Its inputs those :meth:`input` added, in that order.
        """
        proto_type = helper.np_dtype_to_tensor_dtype(self.dtype)
        return helper.make_graph(
            self.container.nodes, self.scope.get_unique_operator_name("subgraph"),
            self._inputs, [helper.make_tensor_value_info(name, proto_type, None)
                           for name in outputs],
        )

    # ----------------------------------------------- for the layers and activations
    def runtime_supports(self, op_type):
        """Whether ONNX Runtime runs ``op_type`` on this model's float type.

        Parameters
        ----------
        op_type : str

        Returns
        -------
        bool
            False for the operators in ``FLOAT32_ONLY_OPERATORS`` in a float64
            model: there a to_onnx method writes the operator out of others.
        """
        return self.dtype == np.float32 or op_type not in FLOAT32_ONLY_OPERATORS

    def transpose(self, x, perm):
        """Transpose ``x`` by ``perm``; undoing the transpose that made ``x``
        returns that transpose's input, so that back-to-back layout changes
        (channels-last to channels-first and back) cost nothing.

        Parameters
        ----------
        x : str
        perm : sequence of int

        Returns
        -------
        str
        """
        perm = tuple(int(p) for p in perm)
        if x in self._transposed_from:
            source, first = self._transposed_from[x]
            if tuple(first[p] for p in perm) == tuple(range(len(perm))):
                return source
        out = self.node("Transpose", [x], perm=list(perm))
        self._transposed_from[out] = (x, perm)
        return out

    def reshape(self, x, shape):
        """Reshape ``x`` to ``shape``: sizes, and -1 for the one that the
        number of rows sets.

        ONNX's ``Reshape`` reads a 0 as "the input's size there", which
        beside a -1 fails on a batch of 0 rows (the -1 is then any size),
        so sizes are given in full.

        Parameters
        ----------
        x : str
        shape : sequence of int
            Positive sizes and at most one -1.

        Returns
        -------
        str

        Raises
        ------
        ValueError
            For a 0 or another negative entry, or two -1s.
        """
        shape = [int(size) for size in shape]
        if any(size == 0 or size < -1 for size in shape) or shape.count(-1) > 1:
            raise ValueError(
                f"reshape takes positive sizes and at most one -1, got {shape}: a 0 "
                "copies the input's size, which beside a -1 fails on a batch of 0 rows."
            )
        return self.node("Reshape", [x, self.shape_constant(shape)])

    def affine(self, x, kernel, bias):
        """``x @ kernel + bias`` with the weights as constants.

        Parameters
        ----------
        x : str
            A tensor whose last axis has ``kernel.shape[0]`` entries.
        kernel : ndarray of shape (n_in, n_out)
        bias : ndarray of shape (n_out,)

        Returns
        -------
        str
        """
        product = self.node("MatMul", [x, self.constant(kernel)])
        return self.node("Add", [product, self.constant(bias)])


class _SubgraphContainer:
    """Where a subgraph's nodes go: skl2onnx's container checks each
    node and records the opset of its domain, then hands it over; constants
    go to the model's initializers."""

    def __init__(self, model):
        self._model = model
        self.nodes = []

    def add_node(self, *args, **kwargs):
        self._model.add_node(*args, **kwargs)
        self.nodes.append(self._model.nodes.pop())

    def add_initializer(self, *args):
        self._model.add_initializer(*args)


def _names_read(nodes):
    """The names ``nodes`` read, those their subgraphs read included."""
    read = set()
    for node in nodes:
        read.update(node.input)
        for attribute in node.attribute:
            for graph in [attribute.g, *attribute.graphs]:
                read |= _names_read(graph.node)
    return read
