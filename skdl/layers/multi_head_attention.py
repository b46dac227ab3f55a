"""Multi-head scaled dot-product self-attention."""

import numbers

import numpy as np

from ..backend import attention as attention_routines
from ..backend.attention import hidden_floor
from ..scratch import Scratch
from .base import Layer, WeightSpec, draw_weight, positive_int, resolved_initializer

__all__ = ["MultiHeadAttention"]


class MultiHeadAttention(Layer):
    """Multi-head self-attention over the steps of a sequence, as Keras's
    ``MultiHeadAttention`` called as ``layer(x, x)``.

    Each step ``x_t`` of the input ``(timesteps, features)`` is projected
    into a query, a key and a value per head; each head's query meets every
    step's key in a dot product scaled by ``1 / sqrt(key_dim)``, a softmax
    over the keys turns the scores into weights, and the head's output at
    step ``t`` is the weighted sum of the values. The heads' outputs,
    side by side, are projected back to ``features``:

    .. code-block:: text

        q, k, v = x @ Wq + bq, x @ Wk + bk, x @ Wv + bv     (per head)
        A = softmax(q @ k.T / sqrt(key_dim))                 (over keys)
        out = concat_heads(A @ v) @ Wo + bo

    Parameters
    ----------
    num_heads : int
        Number of heads.
    key_dim : int
        Size of each head's queries and keys.
    value_dim : int, default=None
        Size of each head's values; None is ``key_dim``.
    dropout : float, default=0.0
        Fraction of the attention weights dropped in training passes
        (the kept ones scaled by ``1 / (1 - dropout)``), as Keras's.
    use_bias : bool, default=True
        Whether the four projections have biases.
    use_causal_mask : bool, default=False
        Hide from each step the steps after it, for a decoder or a
        forecaster. Keras takes it as a call argument; a stack has none,
        so here it is the layer's.
    kernel_initializer : str or Initializer, default="glorot_uniform"
        Draws the four kernels (:mod:`skdl.initializers`), with Keras's
        fans for their 3-D shapes.
    bias_initializer : str or Initializer, default="zeros"
        Draws the four biases.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    query_kernel, key_kernel : ndarray of shape (features, num_heads, key_dim)
    value_kernel : ndarray of shape (features, num_heads, value_dim)
    output_kernel : ndarray of shape (num_heads, value_dim, features)
    query_bias, key_bias : ndarray of shape (num_heads, key_dim)
    value_bias : ndarray of shape (num_heads, value_dim)
    output_bias : ndarray of shape (features,)
        The biases exist when ``use_bias`` is True.

    Notes
    -----
    A mask on the input (padding, from an ``Embedding(mask_zero=True)``)
    hides the padding steps as keys: a step attends to the steps that hold
    data only. As in Keras, the query's mask and the key's combine, so a
    padding step, whose every key is hidden, attends to all steps alike
    (Keras's default attention kernel gives it that; its dropout path gives
    it weight 0 instead); its output is padding, which the layers that
    take the mask after it ignore. The output has the input's mask.

    Examples
    --------
    >>> from skdl.layers import MultiHeadAttention
    >>> layer = MultiHeadAttention(num_heads=4, key_dim=16)
    >>> layer.build((10, 64))
    (10, 64)
    >>> [spec.shape for spec in layer.weight_specs()][::2]
    [(64, 4, 16), (64, 4, 16), (64, 4, 16), (4, 16, 64)]
    """

    passes_mask = True
    takes_mask = True

    keras_class_name = "MultiHeadAttention"
    keras_arguments = {"num_heads": int, "key_dim": int, "value_dim": None, "dropout": float,
                       "use_bias": bool, "use_causal_mask": bool}
    keras_fixed = {"attention_axes": (None, [1], 1, -2)}
    keras_call_inputs = 2

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 use_causal_mask=False, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", name=None):
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_causal_mask = use_causal_mask
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.name = name

    @property
    def draws_in_training(self):
        """Whether training passes drop attention weights."""
        return self.dropout > 0

    def _build(self, input_shape):
        if len(input_shape) != 2:
            self._refuse(
                f"needs sequences of shape (timesteps, features), got input of shape "
                f"{input_shape}; give input_shape=(timesteps, features), or put it after "
                "an Embedding or a layer that returns sequences."
            )
        self.heads_ = positive_int(self, "num_heads", self.num_heads)
        self.key_dim_ = positive_int(self, "key_dim", self.key_dim)
        self.value_dim_ = (self.key_dim_ if self.value_dim is None
                           else positive_int(self, "value_dim", self.value_dim))
        rate = self.dropout
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
            self._refuse(f"dropout must be a number in [0, 1), got {rate!r}.")
        for flag in ("use_bias", "use_causal_mask"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                self._refuse(f"{flag} must be True or False, got {getattr(self, flag)!r}.")
        resolved_initializer(self, "kernel_initializer")
        resolved_initializer(self, "bias_initializer")
        return input_shape

    def weight_specs(self):
        """Keras's eight weights in Keras's order: the query's kernel and
        bias, the key's, the value's, then the output's; the kernels alone
        without ``use_bias``. Kernels penalised.

        Returns
        -------
        list of WeightSpec
        """
        d, h, k, v = self.input_shape[-1], self.heads_, self.key_dim_, self.value_dim_
        shapes = [("query", (d, h, k), (h, k)), ("key", (d, h, k), (h, k)),
                  ("value", (d, h, v), (h, v)), ("output", (h, v, d), (d,))]
        specs = []
        for part, kernel, bias in shapes:
            specs.append(WeightSpec(f"{part}_kernel", kernel, True))
            if self.use_bias:
                specs.append(WeightSpec(f"{part}_bias", bias, False))
        return specs

    def bind(self, weights, gradients):
        """Name the views (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        for spec, weight in zip(self.weight_specs(), self.weights):
            setattr(self, spec.name, weight)

    def keras_config(self):
        """Keras's config (see :meth:`Layer.keras_config`), without
        ``use_causal_mask``, an argument of Keras's call.

        Returns
        -------
        dict
        """
        config = super().keras_config()
        del config["use_causal_mask"]
        return config

    def keras_call_arguments(self):
        """``use_causal_mask``, which Keras's layer takes in its call.

        Returns
        -------
        dict
        """
        return {"use_causal_mask": bool(self.use_causal_mask)}

    def keras_weight_groups(self):
        """The query's, key's, value's and output's kernels and biases in
        the groups of Keras's four projections (see
        :meth:`Layer.keras_weight_groups`).

        Returns
        -------
        list of (str, list of ndarray)
        """
        weights = self.get_weights()
        per_part = len(weights) // 4
        parts = ("query_dense", "key_dense", "value_dense", "output_dense")
        return [(f"{part}/vars", weights[i * per_part:(i + 1) * per_part])
                for i, part in enumerate(parts)] + [
            ("_dropout_layer/vars", []), ("_softmax/vars", [])]

    def initialize(self, random_state, factor=6.0):
        """Draw the kernels with ``kernel_initializer`` and the biases with
        ``bias_initializer``, in Keras's order.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Ignored: the initializers set the scale.
        """
        for spec, weight in zip(self.weight_specs(), self.weights):
            kind = "kernel" if spec.penalised else "bias"
            draw_weight(weight, getattr(self, f"{kind}_initializer"), random_state)

    # ------------------------------------------------------------- passes
    def _projections(self):
        """The query, key and value kernels side by side, ``(features,
        h * (2 * key_dim + value_dim))``, and their biases likewise (zeros
        without ``use_bias``): one matrix product projects all three."""
        d = self.input_shape[-1]
        kernel = np.concatenate([self.query_kernel.reshape(d, -1),
                                 self.key_kernel.reshape(d, -1),
                                 self.value_kernel.reshape(d, -1)], axis=1)
        if not self.use_bias:
            return kernel, np.zeros(kernel.shape[1], kernel.dtype)
        bias = np.concatenate([self.query_bias.ravel(), self.key_bias.ravel(),
                               self.value_bias.ravel()])
        return kernel, bias

    def _heads(self, projected, n):
        """The queries, keys and values of ``projected`` ``(n * T, h * (2k +
        v))`` as views ``(n, h, T, k or v)``."""
        steps, h, k = self.input_shape[0], self.heads_, self.key_dim_
        parts = np.split(projected, [h * k, 2 * h * k], axis=1)
        return [part.reshape(n, steps, h, -1).transpose(0, 2, 1, 3) for part in parts]

    def _allowed(self, mask):
        """Which keys each query may see, ``(n or 1, T, T)`` bool, or None
        when it sees all: the query's and the key's masks (Keras's
        combination) and the causal mask."""
        allowed = None
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            allowed = mask[:, :, None] & mask[:, None, :]
        if self.use_causal_mask:
            causal = np.tri(self.input_shape[0], dtype=bool)[None]
            allowed = causal if allowed is None else allowed & causal
        return allowed

    def _attend(self, x, mask, rng, buffers):
        """The layer's output for ``x``, into ``buffers`` (a scratch of
        arrays sized for ``x``), keeping there what backward needs."""
        n, steps, d = x.shape
        h, k, v = self.heads_, self.key_dim_, self.value_dim_
        rows = x.reshape(n * steps, d)
        kernel, bias = self._projections()
        projected = buffers.projected
        np.matmul(rows, kernel, out=projected)
        projected += bias
        projected[:, : h * k] *= 1.0 / np.sqrt(k)  # the scale goes on the queries
        queries, keys, values = self._heads(projected, n)
        scores = buffers.scores
        np.matmul(queries, keys.transpose(0, 1, 3, 2), out=scores)
        allowed = self._allowed(mask)
        buffers.hidden = None if allowed is None else ~allowed
        attention_routines.softmax_forward(scores, buffers.hidden)
        weights = scores
        buffers.kept = None
        if rng is not None and self.dropout > 0:
            buffers.kept = rng.random(scores.shape) >= self.dropout
            weights = buffers.dropped
            np.multiply(scores, buffers.kept, out=weights)
            weights *= 1.0 / (1.0 - self.dropout)
        buffers.weights = weights
        attended = buffers.attended  # (n * T, h * v), the heads side by side
        np.matmul(weights, values,
                  out=attended.reshape(n, steps, h, v).transpose(0, 2, 1, 3))
        out = buffers.out
        np.matmul(attended, self.output_kernel.reshape(h * v, d), out=out)
        if self.use_bias:
            out += self.output_bias
        return out.reshape(n, steps, d)

    def _batch_buffers(self, n, dtype, source=None):
        """Arrays for a batch of ``n``: views of ``source`` (the training
        scratch) or, without it, fresh ones."""
        steps, d = self.input_shape
        h, k, v = self.heads_, self.key_dim_, self.value_dim_
        shapes = {"projected": (n * steps, h * (2 * k + v)), "scores": (n, h, steps, steps),
                  "dropped": (n, h, steps, steps), "attended": (n * steps, h * v),
                  "out": (n * steps, d)}
        buffers = Scratch()
        for key, shape in shapes.items():
            if source is None:
                array = np.empty(shape if key != "dropped" else (0,), dtype)
            else:
                array = getattr(source, key)[: shape[0]]
            setattr(buffers, key, array)
        return buffers

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the projections, the attention weights, the heads'
        outputs and the gradients.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        steps, d = self.input_shape
        h, k, v = self.heads_, self.key_dim_, self.value_dim_
        scratch, dtype = self.scratch, self.dtype
        scratch.projected = np.empty((n_rows * steps, h * (2 * k + v)), dtype)
        scratch.scores = np.empty((n_rows, h, steps, steps), dtype)
        scratch.dropped = (np.empty_like(scratch.scores) if self.dropout > 0
                           else np.empty((n_rows, 0), dtype))
        scratch.attended = np.empty((n_rows * steps, h * v), dtype)
        scratch.out = np.empty((n_rows * steps, d), dtype)
        scratch.d_projected = np.empty_like(scratch.projected)
        scratch.d_weights = np.empty_like(scratch.scores)
        scratch.d_attended = np.empty_like(scratch.attended)
        scratch.dx = np.empty((n_rows * steps, d), dtype) if needs_input_gradient else None
        scratch.weight_names = [spec.name for spec in self.weight_specs()]

    def forward(self, x, rng=None, mask=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        rng : numpy.random.Generator, default=None
            Source of the attention dropout; None drops nothing.
        mask : ndarray of bool of shape (n, timesteps), default=None
            The input's mask.

        Returns
        -------
        ndarray of shape (n, timesteps, features)
        """
        n = x.shape[0]
        x = np.ascontiguousarray(x, dtype=self.dtype)
        buffers = self._batch_buffers(n, self.dtype, self.scratch)
        out = self._attend(x, mask, rng, buffers)
        self.scratch.batch = buffers
        self.scratch.x = x
        return out

    def backward(self, delta):
        """Backward pass (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n, timesteps, features)

        Returns
        -------
        ndarray of shape (n, timesteps, features) or None
        """
        scratch, batch = self.scratch, self.scratch.batch
        n, steps, d = delta.shape
        h, k, v = self.heads_, self.key_dim_, self.value_dim_
        grads = dict(zip(self.scratch.weight_names, self.gradients))
        delta = delta.reshape(n * steps, d)
        # output projection
        np.matmul(batch.attended.T, delta, out=grads["output_kernel"].reshape(h * v, d))
        if self.use_bias:
            np.sum(delta, axis=0, out=grads["output_bias"])
        d_attended = scratch.d_attended[: n * steps]
        np.matmul(delta, self.output_kernel.reshape(h * v, d).T, out=d_attended)
        d_heads = d_attended.reshape(n, steps, h, v).transpose(0, 2, 1, 3)
        queries, keys, values = self._heads(batch.projected, n)
        d_projected = scratch.d_projected[: n * steps]
        d_queries, d_keys, d_values = self._heads(d_projected, n)
        # values and attention weights
        np.matmul(batch.weights.transpose(0, 1, 3, 2), d_heads, out=d_values)
        d_weights = scratch.d_weights[:n]
        np.matmul(d_heads, values.transpose(0, 1, 3, 2), out=d_weights)
        if batch.kept is not None:
            d_weights *= batch.kept
            d_weights *= 1.0 / (1.0 - self.dropout)
        attention_routines.softmax_backward(d_weights, batch.scores, batch.hidden)
        # scores = (q / sqrt(k)) @ keys.T: the scale is already in the queries
        np.matmul(d_weights.transpose(0, 1, 3, 2), queries, out=d_keys)
        np.matmul(d_weights, keys, out=d_queries)
        d_projected[:, : h * k] *= 1.0 / np.sqrt(k)
        # the three input projections at once
        rows = scratch.x.reshape(n * steps, d)
        kernel_grad = rows.T @ d_projected
        for name, part in zip(("query", "key", "value"),
                              np.split(kernel_grad, [h * k, 2 * h * k], axis=1)):
            grads[f"{name}_kernel"].reshape(d, -1)[...] = part
        if self.use_bias:
            bias_grad = d_projected.sum(axis=0)
            for name, part in zip(("query", "key", "value"),
                                  np.split(bias_grad, [h * k, 2 * h * k])):
                grads[f"{name}_bias"].reshape(-1)[...] = part
        if not self._needs_input_gradient:
            return None
        kernel, _ = self._projections()
        dx = scratch.dx[: n * steps]
        np.matmul(d_projected, kernel.T, out=dx)
        return dx.reshape(n, steps, d)

    def predict(self, x, mask=None):
        """Output in fresh arrays (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        mask : ndarray of bool of shape (n, timesteps), default=None

        Returns
        -------
        ndarray of shape (n, timesteps, features)
        """
        dtype = np.result_type(x.dtype, self.dtype)
        x = np.ascontiguousarray(x, dtype=dtype)
        return self._attend(x, mask, None, self._batch_buffers(x.shape[0], dtype))

    def to_onnx(self, graph, x, mask=None):
        """Write the attention into an ONNX graph (see :meth:`Layer.to_onnx`):
        ``MatMul`` over the heads, the hidden keys set to a floor by
        ``Where``, ``Softmax`` over the keys.

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The input, of shape ``(n, timesteps, features)``.
        mask : str or None, default=None
            The input's mask, bool ``(n, timesteps)``.

        Returns
        -------
        str
            The output, of shape ``(n, timesteps, features)``.
        """
        steps, d = self.input_shape
        h, k, v = self.heads_, self.key_dim_, self.value_dim_
        kernel, bias = self._projections()
        kernel, bias = kernel.copy(), bias.copy()
        kernel[:, : h * k] /= np.sqrt(k)
        bias[: h * k] /= np.sqrt(k)
        projected = graph.affine(x, kernel, bias)
        sizes = graph.shape_constant([h * k, h * k, h * v])
        parts = graph.node("Split", [projected, sizes], n_outputs=3, axis=2)
        queries, keys, values = (
            graph.transpose(graph.reshape(part, (-1, steps, h, size)), perm)
            for part, size, perm in zip(parts, (k, k, v),
                                        ((0, 2, 1, 3), (0, 2, 3, 1), (0, 2, 1, 3)))
        )
        scores = graph.node("MatMul", [queries, keys])
        allowed = None
        if mask is not None:
            allowed = graph.node("And", [graph.reshape(mask, (-1, 1, steps, 1)),
                                         graph.reshape(mask, (-1, 1, 1, steps))])
        if self.use_causal_mask:
            causal = graph.constant(np.tri(steps, dtype=bool)[None, None], dtype=bool)
            allowed = causal if allowed is None else graph.node("And", [allowed, causal])
        if allowed is not None:
            floor = graph.constant(hidden_floor(graph.dtype))
            scores = graph.node("Where", [allowed, scores, floor])
        weights = graph.node("Softmax", [scores], axis=-1)
        attended = graph.reshape(
            graph.transpose(graph.node("MatMul", [weights, values]), (0, 2, 1, 3)),
            (-1, steps, h * v))
        output_bias = self.output_bias if self.use_bias else np.zeros(d, self.dtype)
        return graph.affine(attended, self.output_kernel.reshape(h * v, d), output_bias)
