"""The bidirectional wrapper of a recurrent layer."""

import numpy as np

from ._keras_form import keras_entry, read_keras_config
from .base import Layer
from .gru import GRU
from .lstm import LSTM
from .recurrent import Recurrent, SequenceMask
from .simple_rnn import SimpleRNN

__all__ = ["Bidirectional"]

MERGE_MODES = ("concat", "sum", "mul", "ave")


class Bidirectional(SequenceMask, Layer):
    """Run a recurrent layer over the sequence both ways and merge the two
    outputs, as Keras's ``Bidirectional``.

    The forward copy reads steps ``0, 1, ..., T-1``; the backward copy, of
    the same hyperparameters and weights of its own, reads them in reverse,
    ``T-1, ..., 0`` (Keras's ``go_backwards``). With
    ``return_sequences=True`` the backward copy's outputs are put back in
    the order of the steps, so that step ``t`` of the output merges what
    the forward copy saw up to ``t`` with what the backward copy saw from
    the end down to ``t``; otherwise each copy gives its last state, which
    for the backward copy is the one after step 0.

    Parameters
    ----------
    layer : SimpleRNN, LSTM or GRU
        The layer to run both ways; its ``return_sequences`` says what the
        wrapper returns. It is a hyperparameter: the wrapper builds two
        fresh copies of it, and leaves it as it is.
    merge_mode : {"concat", "sum", "mul", "ave"}, default="concat"
        How the two outputs combine: side by side (``2 * units`` values),
        or their sum, product or mean (``units`` values). Keras's ``None``,
        which returns the two outputs apart, is refused: a layer of a stack
        passes one array on.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    forward_layer_ : SimpleRNN, LSTM or GRU
        The copy that reads the steps in order (built by :meth:`build`).
    backward_layer_ : SimpleRNN, LSTM or GRU
        The copy that reads them in reverse.

    Notes
    -----
    The weights are the forward copy's (``kernel``, ``recurrent_kernel``,
    ``bias``), then the backward copy's, as in Keras. A mask (from an
    ``Embedding(mask_zero=True)``) goes to both copies, reversed for the
    backward one, so both carry their state over padding; for post-padded
    rows the backward copy meets the padding first and keeps its zero
    state through it. The output keeps the mask with
    ``return_sequences=True``, and then, as Keras's wrapper makes its
    copies do (``zero_output_for_mask``), the output at a masked step is
    zero, where a recurrent layer alone outputs the state it carries.

    Examples
    --------
    >>> from skdl.layers import LSTM, Bidirectional
    >>> Bidirectional(LSTM(8)).build((20, 4))
    (16,)
    >>> Bidirectional(LSTM(8, return_sequences=True), merge_mode="sum").build((20, 4))
    (20, 8)
    """

    takes_mask = True
    """The mask goes to both copies (see Notes)."""

    keras_class_name = "Bidirectional"
    keras_arguments = {"merge_mode": None}

    def __init__(self, layer, merge_mode="concat", name=None):
        self.layer = layer
        self.merge_mode = merge_mode
        self.name = name

    def _build(self, input_shape):
        if not isinstance(self.layer, Recurrent):
            self._refuse(
                f"wraps a recurrent layer (SimpleRNN, LSTM or GRU), got {self.layer!r}."
            )
        if self.merge_mode is None:
            self._refuse(
                "merge_mode=None gives the two directions' outputs apart (a list, in "
                "Keras), which a stack of layers cannot pass on; use 'concat' (the "
                "default), 'sum', 'mul' or 'ave'."
            )
        if not (isinstance(self.merge_mode, str) and self.merge_mode in MERGE_MODES):
            self._refuse(f"merge_mode must be one of {MERGE_MODES}, got {self.merge_mode!r}.")
        wrapped = type(self.layer)
        inner = self.name or "bidirectional"
        self.forward_layer_, self.backward_layer_ = (
            wrapped(**{**self.layer.get_config(), "name": f"{direction}_{inner}"})
            for direction in ("forward", "backward")
        )
        try:
            shape = self.forward_layer_.build(input_shape, self.dtype)
            self.backward_layer_.build(input_shape, self.dtype)
        except ValueError as error:
            self._refuse(str(error))
        self._units = shape[-1]
        if self.merge_mode == "concat":
            return (*shape[:-1], 2 * shape[-1])
        return shape

    @property
    def return_sequences(self):
        """The wrapped layer's ``return_sequences``."""
        return bool(self.layer.return_sequences)

    def _copies(self):
        return (self.forward_layer_, self.backward_layer_)

    def weight_specs(self):
        """The forward copy's weights, then the backward copy's.

        Returns
        -------
        list of WeightSpec
        """
        return [spec for copy in self._copies() for spec in copy.weight_specs()]

    def bind(self, weights, gradients):
        """Hand each copy its share of the views (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None, or None
        """
        super().bind(weights, gradients)
        count = len(self.forward_layer_.weight_specs())
        for copy, part in zip(self._copies(), (slice(None, count), slice(count, None))):
            copy.bind(self.weights[part], None if gradients is None else self.gradients[part])

    def initialize(self, random_state, factor=6.0):
        """Draw each copy's weights in turn, the forward one first.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
        """
        for copy in self._copies():
            copy.initialize(random_state, factor)

    # ------------------------------------------------------------- passes
    def keras_config(self):
        """Keras's config (see :meth:`Layer.keras_config`): the merge mode
        and the forward copy's entry, from which Keras makes the backward
        one.

        Returns
        -------
        dict
        """
        config = super().keras_config()
        config["layer"] = keras_entry(self.forward_layer_, self.forward_layer_.name)
        return config

    @classmethod
    def from_keras_config(cls, config):
        """The layer of Keras's config (see :meth:`Layer.from_keras_config`),
        its wrapped layer read from Keras's forward layer.

        Parameters
        ----------
        config : dict

        Returns
        -------
        Bidirectional

        Raises
        ------
        ValueError
            If the wrapped layer is not a recurrent layer skdl reads, or
            Keras's backward layer is not the forward one run backwards.
        """
        config = dict(config)
        forward, backward = config.pop("layer", {}), config.pop("backward_layer", None)
        name = config.get("name")
        readable = {layer.keras_class_name: layer for layer in (SimpleRNN, LSTM, GRU)}
        wrapped = readable.get(forward.get("class_name"))
        if wrapped is None:
            raise ValueError(
                f"Layer {name!r} (Bidirectional) wraps a Keras {forward.get('class_name')}; "
                f"skdl's Bidirectional wraps {sorted(readable)}."
            )
        # Keras's wrapper sets zero_output_for_mask on its copies, as skdl's does
        forward_config = {**forward.get("config", {}), "name": None}
        forward_config.pop("zero_output_for_mask", None)
        layer = wrapped.from_keras_config(forward_config)
        if backward is not None and not _same_layer(layer, backward):
            raise ValueError(
                f"Layer {name!r} (Bidirectional) has a backward_layer of its own, unlike its "
                "forward layer; skdl's Bidirectional runs the forward layer's copy "
                "backwards only. Rebuild it in Keras without backward_layer."
            )
        return cls(layer, **read_keras_config(cls, config))

    def keras_weight_groups(self):
        """The forward copy's groups under ``forward_layer/``, then the
        backward copy's (see :meth:`Layer.keras_weight_groups`).

        Returns
        -------
        list of (str, list of ndarray)
        """
        return [(f"{direction}_layer/{path}", arrays)
                for direction, copy in zip(("forward", "backward"), self._copies())
                for path, arrays in copy.keras_weight_groups()]

    def allocate(self, n_rows, needs_input_gradient=True):
        """Each copy's buffers, the reversed input's and the output's.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        for copy in self._copies():
            copy.allocate(n_rows, needs_input_gradient)
        self.scratch.reversed = np.empty((n_rows, *self.input_shape), dtype=self.dtype)
        self.scratch.out = np.empty((n_rows, *self.output_shape), dtype=self.dtype)

    def release_buffers(self):
        """Drop the wrapper's and both copies' buffers (see
        :meth:`Layer.release_buffers`)."""
        super().release_buffers()
        for copy in self._copies():
            copy.release_buffers()

    def forward(self, x, rng=None, mask=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        rng : ignored
        mask : ndarray of bool of shape (n, timesteps), default=None

        Returns
        -------
        ndarray of shape (n, timesteps, merged) or (n, merged)
        """
        n = x.shape[0]
        ahead = self.forward_layer_.forward(x, mask=mask)
        flipped = self.scratch.reversed[:n]
        flipped[...] = x[:, ::-1]
        behind = self.backward_layer_.forward(flipped, mask=_flip(mask))
        if self.return_sequences:
            behind = behind[:, ::-1]
        self.scratch.ahead, self.scratch.behind = ahead, behind
        self.scratch.padding = self._padding(mask)
        return self._merge(ahead, behind, self.scratch.out[:n], self.scratch.padding)

    def backward(self, delta):
        """Each copy's backward pass on its share of ``delta`` (see
        :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + output_shape

        Returns
        -------
        ndarray of shape (n, timesteps, features) or None
        """
        units, mode = self._units, self.merge_mode
        if self.scratch.padding is not None:  # zero there: no gradient
            delta[self.scratch.padding] = 0
        if mode == "concat":
            d_ahead, d_behind = delta[..., :units], delta[..., units:]
        elif mode == "mul":
            d_ahead, d_behind = delta * self.scratch.behind, delta * self.scratch.ahead
        else:  # sum, ave: each output's gradient is delta (times 1/2)
            d_ahead = delta * 0.5 if mode == "ave" else delta
            d_behind = d_ahead
        if self.return_sequences:
            d_behind = d_behind[:, ::-1]
        # each copy may overwrite the gradient it is given: one array each
        dx_ahead = self.forward_layer_.backward(np.array(d_ahead, dtype=self.dtype))
        dx_behind = self.backward_layer_.backward(np.array(d_behind, dtype=self.dtype))
        if dx_ahead is None:
            return None
        dx_ahead += dx_behind[:, ::-1]
        return dx_ahead

    def predict(self, x, mask=None):
        """Output in fresh arrays (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        mask : ndarray of bool of shape (n, timesteps), default=None

        Returns
        -------
        ndarray of shape (n, timesteps, merged) or (n, merged)
        """
        ahead = self.forward_layer_.predict(x, mask=mask)
        behind = self.backward_layer_.predict(np.ascontiguousarray(x[:, ::-1]),
                                              mask=_flip(mask))
        if self.return_sequences:
            behind = behind[:, ::-1]
        dtype = np.result_type(ahead, behind)
        return self._merge(ahead, behind, np.empty((x.shape[0], *self.output_shape), dtype),
                           self._padding(mask))

    def _padding(self, mask):
        """Where the output is zero: the masked steps with
        ``return_sequences=True``, else None."""
        if mask is None or not self.return_sequences:
            return None
        return ~np.asarray(mask, dtype=bool)

    def _merge(self, ahead, behind, out, padding):
        mode = self.merge_mode
        if mode == "concat":
            out[..., : self._units] = ahead
            out[..., self._units :] = behind
        elif mode == "mul":
            np.multiply(ahead, behind, out=out)
        else:
            np.add(ahead, behind, out=out)
            if mode == "ave":
                out *= 0.5
        if padding is not None:
            out[padding] = 0
        return out

    # -------------------------------------------------------------- export
    def to_onnx(self, graph, x, mask=None):
        """Each copy's ONNX form, the backward one's over the steps reversed
        by a ``Slice`` of step -1 (its mask too, and its every-step output
        reversed back), merged by ``Concat``, ``Add`` or ``Mul``, and zero
        at the masked steps by a ``Where`` (see :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The sequences, ``(n, timesteps, features)``.
        mask : str or None, default=None
            The input's mask, ``(n, timesteps)`` booleans.

        Returns
        -------
        str
        """
        ahead = self.forward_layer_.to_onnx(graph, x, mask=mask)
        behind = self.backward_layer_.to_onnx(
            graph, _onnx_flip(graph, x), mask=None if mask is None else _onnx_flip(graph, mask))
        if self.return_sequences:
            behind = _onnx_flip(graph, behind)
        if self.merge_mode == "concat":
            out = graph.node("Concat", [ahead, behind], axis=-1)
        elif self.merge_mode == "mul":
            out = graph.node("Mul", [ahead, behind])
        else:
            out = graph.node("Add", [ahead, behind])
            if self.merge_mode == "ave":
                out = graph.node("Mul", [out, graph.constant(0.5)])
        if mask is None or not self.return_sequences:
            return out
        # zero at the masked steps: (n, timesteps, 1) booleans choose
        holds = graph.node("Unsqueeze", [mask, graph.shape_constant([2])])
        return graph.node("Where", [holds, out, graph.constant(0.0)])


def _flip(mask):
    """A ``(n, timesteps)`` mask with its steps reversed; None for None."""
    return None if mask is None else mask[:, ::-1]


def _onnx_flip(graph, tensor):
    """``tensor[:, ::-1]``: its axis 1 (the steps) reversed."""
    last = np.iinfo(np.int64).min
    return graph.node("Slice", [tensor, graph.shape_constant([-1]), graph.shape_constant([last]),
                                graph.shape_constant([1]), graph.shape_constant([-1])])



def _same_layer(layer, entry):
    """Whether Keras's layer ``entry``, run backwards, reads as ``layer``."""
    config = {**entry.get("config", {}), "name": None}
    config.pop("zero_output_for_mask", None)
    if entry.get("class_name") != layer.keras_class_name or config.pop(
            "go_backwards", None) is not True:
        return False
    try:
        return type(layer).from_keras_config(config).get_config() == layer.get_config()
    except ValueError:
        return False
