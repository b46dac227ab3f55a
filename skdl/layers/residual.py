"""A residual block: its input added to the output of its layers."""

import numpy as np
import scipy.sparse as sp

from ..activations import Sigmoid
from .base import Layer

__all__ = ["Residual"]


class Residual(Layer):
    """A block of layers whose input is added to their output:
    ``out = x + layers(x)``, the skip connection of residual networks and
    transformer blocks.

    The gradient reaches the block's input twice, through the layers and
    straight through the addition, so that deep stacks of blocks still
    train. A pre-norm transformer block is two of them::

        Residual([LayerNormalization(), MultiHeadAttention(4, 16)])
        Residual([LayerNormalization(), Dense(128, activation="relu"), Dense(64)])

    Parameters
    ----------
    layers : list of Layer
        The block's layers, in order; their output must have the block's
        input shape, so that the two can be added. They are hyperparameters
        of the block: an estimator copies them, and ``clone`` clones them.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Notes
    -----
    The block's weights are its layers' weights, layer after layer, each
    layer's in its own order: ``get_weights`` gives that list, and the
    block's layers hold views into the network's one vector as any layer
    does. The mask of the input goes through the layers, to those that
    take it, and the output's mask is that of Keras 3's ``Add``: none if
    the input has none or a layer of the block ends it (a ``Conv1D``, say),
    else the OR of the input's and the layers' output masks. The layers' masks are worked out from the mask the block gets:
    a layer that makes a mask from its input's values (an ``Embedding``)
    changes the shape, and cannot sit in a block.

    A shape mismatch is refused when the network is built, before any
    training, naming both shapes. Its layers are named as an estimator
    names its own (``"dense"``, or ``"dense-1"``, ``"dense-2"``, ...), so an
    estimator's nested parameters reach them:
    ``residual__dense-2__units``.

    Examples
    --------
    >>> from skdl.layers import Dense, Residual
    >>> block = Residual([Dense(32, activation="relu"), Dense(8)])
    >>> block.build((8,))
    (8,)
    >>> [spec.shape for spec in block.weight_specs()]
    [(8, 32), (32,), (32, 8), (8,)]
    """

    takes_mask = True

    keras_class_name = "Add"
    keras_arguments = {"layers": None}
    keras_adds_input = True

    def __init__(self, layers, name=None):
        self.layers = layers
        self.name = name

    def get_params(self, deep=True):
        """The block's hyperparameters, with ``deep=True`` its layers' too.

        Parameters
        ----------
        deep : bool, default=True
            Also list each of its layers by its name (its ``name``, or its
            class's as ``make_pipeline`` names steps) and each of their
            hyperparameters as ``<layer name>__<param>``, as an estimator
            lists its layers; an estimator's nested parameters then reach
            them (``residual__dense__units``).

        Returns
        -------
        dict
        """
        params = self.get_config()
        if deep:
            from .._layer_params import layer_names, nested_layer_params

            try:
                layers = self._checked_layers()
                params.update(nested_layer_params(layers, layer_names(layers)))
            except (TypeError, ValueError):  # build says what is wrong
                pass
        return params

    def set_params(self, **params):
        """Set hyperparameters, its layers' as ``<layer name>__<param>``.

        The layers are never changed: ``layers`` becomes a new list in
        which each changed layer is a changed copy, as an estimator's
        :meth:`~skdl.NeuralNetClassifier.set_params` does.

        Parameters
        ----------
        **params
            ``layers``, ``name``, ``<layer name>`` (a layer to put in that
            one's place) or ``<layer name>__<param>``.

        Returns
        -------
        self : Residual

        Raises
        ------
        ValueError
            If a key names no parameter, no layer, or a parameter its layer
            does not have; nothing is set.
        """
        from .._layer_params import layer_names, with_layer_params

        own = {key: value for key, value in params.items() if key in self.get_config()}
        inner = {key: value for key, value in params.items() if key not in own}
        layers = own.get("layers", self.layers)
        if inner:
            layers = self._checked_layers() if "layers" not in own else layers
            layers = with_layer_params(layers, layer_names(layers), inner)
        super().set_params(**own)
        if inner:
            self.layers = layers
        return self

    @property
    def draws_in_training(self):
        """Whether one of the block's layers draws in training passes."""
        return any(layer.draws_in_training for layer in self._checked_layers())

    def _checked_layers(self):
        """The ``layers`` argument as a list, refused unless it holds
        distinct layer instances."""
        layers = self.layers
        if not isinstance(layers, (list, tuple)) or not layers:
            self._refuse(f"layers must be a non-empty list of layers, got {layers!r}.")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                self._refuse(
                    f"layers[{i}] is {layer!r}, of type {type(layer).__name__}, which is not "
                    "a layer: pass instances of the classes of skdl.layers."
                )
            if any(other is layer for other in layers[:i]) or layer is self:
                self._refuse(
                    f"layers[{i}], {layer!r}, comes twice: a layer holds the weights of one "
                    "place, so give each place its own (copy.deepcopy, or a new instance)."
                )
        return list(layers)

    def _build(self, input_shape):
        shape = input_shape
        for i, layer in enumerate(self._checked_layers()):
            try:
                shape = layer.build(shape, self.dtype)
            except ValueError as error:
                self._refuse(f"its layer {i} cannot take inputs of shape {shape}: {error}")
        if shape != input_shape:
            self._refuse(
                f"its layers turn inputs of shape {input_shape} into outputs of shape "
                f"{shape}, which cannot be added to the inputs: make the last of them give "
                f"the input's shape (a Dense({input_shape[-1]}) ends a feed-forward block)."
            )
        return input_shape

    def keras_config(self):
        """Keras's ``Add``, which has no options: the block's layers are
        Keras layers of their own (:meth:`keras_sublayers`).

        Returns
        -------
        dict
        """
        return {}

    def keras_sublayers(self):
        """The block's layers, which Keras calls in turn on the block's
        input before adding it to their output.

        Returns
        -------
        list of Layer
        """
        return list(self.layers)

    def keras_weight_groups(self):
        """None: the weights are the block's layers', in their groups.

        Returns
        -------
        list of (str, list of ndarray)
        """
        return [("vars", [])]

    def weight_specs(self):
        """Its layers' weights, layer after layer.

        Returns
        -------
        list of WeightSpec
        """
        return [spec for layer in self.layers for spec in layer.weight_specs()]

    def bind(self, weights, gradients):
        """Hand each layer its slice of the views (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        start = 0
        for layer in self.layers:
            stop = start + len(layer.weight_specs())
            layer.bind(self.weights[start:stop],
                       None if self.gradients is None else self.gradients[start:stop])
            start = stop

    def initialize(self, random_state, factor=6.0):
        """Draw each layer's weights in turn, Glorot's factor 2 for a layer
        that feeds a sigmoid (as the network's rule), 6 otherwise.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Ignored: each layer's own activation sets its factor.
        """
        for layer in self.layers:
            fed = getattr(layer, "activation_", None)
            layer.initialize(random_state, 2.0 if isinstance(fed, Sigmoid) else 6.0)

    def allocate(self, n_rows, needs_input_gradient=True):
        """Its layers' buffers, the output's and the input gradient's.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        for i, layer in enumerate(self.layers):
            layer.allocate(n_rows, needs_input_gradient=needs_input_gradient or i > 0)
        shape = (n_rows, *self.input_shape)
        self.scratch.out = np.empty(shape, self.dtype)
        self.scratch.dx = np.empty(shape, self.dtype) if needs_input_gradient else None

    def release_buffers(self):
        """Drop the block's and its layers' scratch (see
        :meth:`Layer.release_buffers`)."""
        super().release_buffers()
        for layer in self.layers:
            layer.release_buffers()

    def forward(self, x, rng=None, mask=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
        rng : numpy.random.Generator, default=None
            Handed to the layers.
        mask : ndarray of bool of shape (n, timesteps), default=None

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        x = x.toarray() if sp.issparse(x) else x
        inner = x
        for layer, layer_mask in zip(self.layers, self._layer_masks(x, mask)):
            if layer.takes_mask:
                inner = layer.forward(inner, rng, mask=layer_mask)
            else:
                inner = layer.forward(inner, rng)
        out = self.scratch.out[: x.shape[0]]
        np.add(x, inner, out=out)
        return out

    def backward(self, delta):
        """Backward pass: the output's gradient goes back through the
        layers, and straight to the input, where the two add.

        Parameters
        ----------
        delta : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        dx = None
        if self._needs_input_gradient:
            dx = self.scratch.dx[: delta.shape[0]]
            dx[...] = delta  # before the layers overwrite delta
        for layer in reversed(self.layers):
            delta = layer.backward(delta)
            if delta is None:
                return None
        if dx is None:
            return None
        dx += delta
        return dx

    def predict(self, x, mask=None):
        """Output in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
        mask : ndarray of bool of shape (n, timesteps), default=None

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        x = x.toarray() if sp.issparse(x) else x
        inner = x
        for layer, layer_mask in zip(self.layers, self._layer_masks(x, mask)):
            inner = layer.predict(inner, mask=layer_mask) if layer.takes_mask else (
                layer.predict(inner))
        return x + inner

    def _layer_masks(self, x, mask):
        """The mask each layer gets, then that of the last one's output."""
        masks = [mask]
        for i, layer in enumerate(self.layers):
            masks.append(layer.compute_mask(x if i == 0 else None, masks[-1]))
        return masks

    def compute_mask(self, x, mask):
        """The input's mask and its layers' output mask, combined (see
        :meth:`Layer.compute_mask`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
        mask : ndarray of bool of shape (n, timesteps) or None

        Returns
        -------
        ndarray of bool or None
        """
        return _both(mask, self._layer_masks(x, mask)[-1], np.logical_or)

    def onnx_mask(self, graph, x, mask):
        """Write the output's mask into an ONNX graph, as
        :meth:`compute_mask` (see :meth:`Layer.onnx_mask`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
        mask : str or None

        Returns
        -------
        str or None
        """
        inner = mask
        for i, layer in enumerate(self.layers):
            inner = layer.onnx_mask(graph, x if i == 0 else None, inner)
        if inner is mask:
            return mask
        return _both(mask, inner, lambda a, b: graph.node("Or", [a, b]))

    def to_onnx(self, graph, x, mask=None):
        """Write its layers' forms, then the addition, into an ONNX graph
        (see :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
        mask : str or None, default=None

        Returns
        -------
        str
        """
        from ..onnx._network import layer_to_onnx

        inner = x
        for layer in self.layers:
            next_mask = layer.onnx_mask(graph, inner, mask)
            inner, mask = layer_to_onnx(graph, layer, inner, mask), next_mask
        return graph.node("Add", [x, inner])


def _both(mask, other, combine):
    """The mask of the sum, as Keras 3's ``Add`` computes it: none when
    either mask is missing (a layer of the block that ends the mask ends the
    block's), else ``combine(mask, other)``, their OR."""
    if mask is None or other is None:
        return None
    return combine(mask, other)
