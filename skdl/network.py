"""The shared engine: a stack of layer objects, their forward and backward
passes, and flat parameter storage.

All trainable weights live in one flat vector ``params``: every layer's
penalised weights (kernels) in layer order, then every layer's other
trainable weights (biases). Each layer holds views into it (see
:mod:`skdl.layers`), so an optimizer updates the whole network with a few
array operations, L-BFGS sees the same vector, and the L2 penalty covers
``params[:n_coef_params]``. Gradients live in ``grad`` with the same
layout. Weights that do not train (running statistics, which only the
layers' own training passes update) live apart, in
``non_trainable_params``, which no optimizer sees. Training passes reuse
per-batch buffers that grow only when a larger batch arrives.

The last layer is the output layer, a :class:`~skdl.layers.Dense` whose
activation goes with the loss: a canonical pair (softmax and cross-entropy,
sigmoid and binary cross-entropy, identity and squared error) takes one
fused step from the logits to the output error ``p - y``.

Rows of ``X`` are samples flattened in C order; the network reshapes them
to ``input_shape`` (channels-last) before the first layer. A mask (which
steps of a sequence are padding, see :mod:`skdl.layers.base`) goes down
the stack beside the batch: each layer's :meth:`~skdl.layers.Layer.compute_mask`
gives the next layer's, and the layers that take one are handed it.

Every public method and :func:`predict_layers` check their inputs before
any compute routine runs: ``X`` 2-D with one column per input feature, ``Y`` and
``sample_weight`` one row per row of ``X``, all of numbers, and the weights
summing to a positive, finite number. A mismatch raises a ``ValueError``
that names the arrays and their shapes; the compiled routines index without
bounds checks and never see such input.

This module knows nothing of scikit-learn.
"""

import math
import numbers

import numpy as np
import scipy.sparse as sp

from .activations import ACTIVATIONS, Sigmoid
from .backend import dense as dense_routines
from .layers import LAYER_NAMES, Dense, Layer
from .layers.base import checked_weights
from .scratch import Scratch

__all__ = ["Network"]

PREDICT_CHUNK = 256
"""Rows predicted at a time by networks of structured input or layers
(images, sequences), so that their im2col buffers and per-step outputs
stay small whatever the number of rows."""


class Network:
    """A feed-forward stack of layers with one flat parameter vector.

    Parameters
    ----------
    layers : list of Layer
        The layers in order, the output :class:`~skdl.layers.Dense` layer
        last, on flat inputs. They are built here (the network takes them over: pass
        copies of layers you want to keep unbuilt).
    input_shape : tuple of int
        Shape of one sample, channels-last: ``(n_features,)`` for flat rows,
        ``(height, width, channels)`` for images.
    dtype : {np.float32, np.float64}, default=np.float64
        Dtype of weights, gradients and buffers.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        All trainable weights, the penalised ones (kernels) first.
    grad : ndarray of shape (n_params,)
        Gradient of the last :meth:`loss_and_gradient` call.
    non_trainable_params : ndarray of shape (n_non_trainable_params,)
        The weights that do not train (``WeightSpec(..., trainable=False)``),
        layer after layer in their specs' order: saved and restored by
        :meth:`get_weights` and :meth:`set_weights`, changed only by the
        layers' training passes, never by an optimizer nor the L2 penalty.
        They have no gradient.
    scratch : Scratch
        The network's own per-batch buffers (the layers hold theirs);
        emptied by :meth:`release_buffers`, empty in any copy or pickle.
    n_coef_params : int
        Number of penalised weights.
    weight_boundaries : tuple of int
        Offsets in ``params`` where each trainable weight array starts,
        then ``params.size``: the bounds of each array's part of the
        gradient, for an optimizer that clips each array's gradient.
    n_features : int
        Columns of ``X``: the product of ``input_shape``.
    n_outputs : int
        Units of the output layer.

    Raises
    ------
    TypeError
        If an entry of ``layers`` is not a :class:`~skdl.layers.Layer`.
    ValueError
        If there are no layers, the last one is not a Dense layer on flat
        inputs, ``input_shape`` is not a tuple of positive integers, a layer cannot
        take the shape it is given (the message names the layer, its
        position and the shape), or ``dtype`` is not float32 or float64.
    """

    def __init__(self, layers, input_shape, dtype=np.float64):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}.")
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Layer {i} is {layer!r}, of type {type(layer).__name__}, which is "
                    f"not a layer: use the classes of skdl.layers ({LAYER_NAMES}), as "
                    "instances."
                )
            first = next(j for j, other in enumerate(self.layers) if other is layer)
            if first != i:
                raise ValueError(
                    f"Layers {first} and {i} are the same object, {layer!r}; a layer "
                    "holds the weights and buffers of one place in the network, so "
                    "give each place its own (copy.deepcopy, or a new instance)."
                )
        if not self.layers or not isinstance(self.layers[-1], Dense):
            raise ValueError(
                "A network needs layers, the last of them a Dense output layer; got "
                f"{self.layers!r}."
            )
        self.input_shape = _check_shape(input_shape)
        shape = self.input_shape
        for i, layer in enumerate(self.layers):
            if i > 0 and type(layer).check_input is not Layer.check_input:
                raise ValueError(
                    f"Layer {i}, {layer!r}, reads its input from the columns of X (ids "
                    "or codes, which it checks before any pass), so it must be the "
                    "network's first layer: move it first."
                )
            try:
                shape = layer.build(shape, self.dtype)
            except ValueError as error:
                raise ValueError(
                    f"Layer {i} cannot take inputs of shape {shape}: {error}"
                ) from None
        output_layer = self.layers[-1]
        if len(output_layer.input_shape) != 1:
            raise ValueError(
                f"Layer {len(self.layers) - 1}, the output layer {output_layer!r}, gets "
                f"inputs of shape {output_layer.input_shape}, but the output layer needs "
                "flat inputs, one vector per sample (a Dense layer on a sequence gives "
                "one output per step): put GlobalAveragePooling1D or Flatten before it."
            )
        self.n_features = int(np.prod(self.input_shape, dtype=np.int64))
        self.n_outputs = output_layer.output_shape[0]
        specs = [layer.weight_specs() for layer in self.layers]
        every_spec = [s for per_layer in specs for s in per_layer]
        self.n_coef_params = sum(s.size for s in every_spec if s.penalised)
        self.params = np.zeros(sum(s.size for s in every_spec if s.trainable), self.dtype)
        self.grad = np.zeros_like(self.params)
        self.non_trainable_params = np.zeros(
            sum(s.size for s in every_spec if not s.trainable), self.dtype
        )
        self._specs = specs
        self.weight_boundaries = _boundaries(every_spec)
        for layer, weights, gradients in zip(
            self.layers, self._every_weight(), self._views(self.grad, None)
        ):
            layer.bind(weights, gradients)
        # backward passes stop at the first layer with weights that train
        weighted = [i for i, per_layer in enumerate(specs)
                    if any(spec.trainable for spec in per_layer)]
        self._first_weighted = weighted[0] if weighted else len(self.layers)
        self.scratch = Scratch()

    # ---------------------------------------------------------- structure
    @property
    def output_activation(self):
        """The output layer's :class:`~skdl.activations.Activation`."""
        return self.layers[-1].activation_

    @property
    def has_dropout(self):
        """Whether a training pass draws dropout masks (a layer's
        :attr:`~skdl.layers.Layer.draws_in_training`)."""
        return any(layer.draws_in_training for layer in self.layers)

    def weight_views(self, flat):
        """Each layer's trainable weights as views into ``flat``.

        Parameters
        ----------
        flat : ndarray of shape (n_params,)
            A vector in the layout of ``params`` (``params``, ``grad``, an
            optimizer's state, a direction).

        Returns
        -------
        list of list of ndarray
            Per layer, one view per trainable weight, in Keras's order and
            shapes (weights that do not train left out).
        """
        return [[view for view in per_layer if view is not None]
                for per_layer in self._views(flat, None)]

    def _every_weight(self):
        """Per layer, a view of each weight, trainable or not, in its specs'
        order: what the layers are bound to."""
        return self._views(self.params, self.non_trainable_params)

    def _views(self, flat, non_trainable):
        """Per layer, one entry per weight spec: a view into ``flat`` (in the
        layout of ``params``) for a trainable weight, into ``non_trainable``
        (in that of ``non_trainable_params``) for the others, or None where
        ``non_trainable`` is None."""
        penalised_at, other_at, fixed_at = 0, self.n_coef_params, 0
        views = []
        for per_layer in self._specs:
            layer_views = []
            for spec in per_layer:
                if not spec.trainable:
                    layer_views.append(None if non_trainable is None else
                                       non_trainable[fixed_at : fixed_at + spec.size]
                                       .reshape(spec.shape))
                    fixed_at += spec.size
                    continue
                start = penalised_at if spec.penalised else other_at
                layer_views.append(flat[start : start + spec.size].reshape(spec.shape))
                if spec.penalised:
                    penalised_at += spec.size
                else:
                    other_at += spec.size
            views.append(layer_views)
        return views

    def get_weights(self):
        """Copies of all weights, layer after layer, as Keras's
        ``Model.get_weights``.

        Returns
        -------
        list of ndarray
            Each layer's in its :meth:`Layer.get_weights` order, weights
            that do not train included.
        """
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        """Copy weights into ``params`` and ``non_trainable_params``, all
        checked before any is copied.

        Parameters
        ----------
        weights : sequence of array-like
            Layer after layer, each layer's in its :meth:`Layer.get_weights`
            order (as Keras's ``Model.set_weights``), weights that do not
            train included.

        Raises
        ------
        ValueError
            If the number of arrays or any shape does not fit the layers, or
            an array holds other than finite real numbers; every weight is
            then left as it was.
        """
        targets = [w for per_layer in self._every_weight() for w in per_layer]
        checked = checked_weights(weights, targets, _refuse, "the network")
        for target, source in zip(targets, checked):
            target[...] = source

    def initialize(self, random_state, scheme="glorot"):
        """Draw fresh weights.

        Parameters
        ----------
        random_state : numpy.random.RandomState
            Source of randomness.
        scheme : {"glorot", "zeros"}, default="glorot"
            ``"glorot"`` draws each layer's kernel then bias uniformly in
            ``+-sqrt(f / (fan_in + fan_out))``, layer after layer, as
            scikit-learn's MLP does: ``f = 2`` when the layer's activation
            (for the output layer, the last hidden layer's) is a sigmoid,
            and 6 otherwise; layers draw their weights that do not train as
            they choose. ``"zeros"`` sets every weight, trainable or not, to
            zero (the classic perceptron start).

        Raises
        ------
        ValueError
            If ``scheme`` is neither of the above.
        """
        if scheme not in ("glorot", "zeros"):
            raise ValueError(f"Unknown scheme {scheme!r}; use 'glorot' or 'zeros'.")
        if scheme == "zeros":
            self.params[:] = 0
            self.non_trainable_params[:] = 0
            return
        weighted = [layer for layer, specs in zip(self.layers, self._specs) if specs]
        hidden = weighted[:-1] or weighted
        for i, layer in enumerate(weighted):
            fed = getattr(hidden[min(i, len(hidden) - 1)], "activation_", None)
            layer.initialize(random_state, 2.0 if isinstance(fed, Sigmoid) else 6.0)

    # ------------------------------------------------------------- passes
    def check_input(self, X):
        """Hand the rows of ``X`` to the first layer's
        :meth:`~skdl.layers.Layer.check_input`, before a fit trains on them.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)

        Raises
        ------
        ValueError
            If ``X`` does not fit the network, or the first layer refuses it
            (an ``Embedding`` an id outside its vocabulary, naming the row).
        """
        X = _check_X(X, self.input_shape)
        _check_first_layer_input(self.layers[0], X, self.input_shape, self.dtype)

    def predict(self, X, return_logits=False):
        """Outputs for ``X`` at the current weights, in fresh arrays: the
        inference pass (no dropout, no buffers kept for a backward pass).

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        return_logits : bool, default=False
            Also return the output layer's pre-activation.

        Returns
        -------
        out : ndarray of shape (n_samples, n_outputs)
        logits : ndarray, only when ``return_logits``

        Raises
        ------
        ValueError
            Before any computation, if ``X`` is not a 2-D array or sparse
            matrix of numbers with ``n_features`` columns.
        """
        return _predict(self.layers, self.input_shape, X, return_logits)

    def _ensure_buffers(self, n_rows):
        # an empty scratch (new, released, copied or unpickled) has room for none
        if n_rows <= getattr(self.scratch, "capacity", 0):
            return
        # released, copied or unpickled layers have no gradient views
        gradients = self._views(self.grad, None)
        for i, layer in enumerate(self.layers):
            layer.bind(layer.weights, gradients[i])
            layer.allocate(n_rows, needs_input_gradient=i > self._first_weighted)
        self.scratch.out = np.empty((n_rows, self.n_outputs), dtype=self.dtype)
        self.scratch.delta = np.empty_like(self.scratch.out)
        self.scratch.capacity = n_rows

    def release_buffers(self):
        """Drop every per-batch buffer of the network and its layers, and
        the layers' gradient views (see :meth:`Layer.release_buffers`).

        A trained network keeps its weights and still predicts; the next
        :meth:`loss_and_gradient` call makes the buffers anew. Estimators
        call this when a fit ends, so that a fitted model never holds the
        data of its last batch.
        """
        for layer in self.layers:
            layer.release_buffers()
        self.scratch = Scratch()

    def loss_and_gradient(
        self, X, Y, loss, alpha=0.0, sample_weight=None, dropout_rng=None,
        include_penalty=True,
    ):
        """Forward and backward pass over one batch.

        Fills :attr:`grad` with the gradient of the objective
        ``weighted_mean(loss) + alpha / (2 * sum(w)) * sum(coef ** 2)``.
        Dropout applies only when ``dropout_rng`` is given.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
            Encoded targets.
        loss : Loss
        alpha : float, default=0.0
            L2 penalty.
        sample_weight : ndarray of shape (n_samples,), default=None
        dropout_rng : numpy.random.Generator, default=None
            Source of the dropout masks; None trains without dropout.
        include_penalty : bool, default=True
            False leaves the L2 term out of both value and gradient, for an
            optimizer that adds it within its update (see
            :meth:`skdl.optimizers.Adam.update`).

        Returns
        -------
        float
            The objective on this batch.

        Raises
        ------
        ValueError
            Before any computation, if ``X`` is not a 2-D array or sparse
            matrix of numbers with at least one row and ``n_features``
            columns, ``Y`` is not of shape ``(n_samples, n_outputs)``,
            ``sample_weight`` is not of shape ``(n_samples,)``, either holds
            other than numbers, or the weights do not sum to a positive,
            finite number.
        """
        X = _check_X(X, self.input_shape)
        Y, sample_weight, weight_sum = _check_targets(
            X, Y, sample_weight, self.n_outputs, self.dtype
        )
        n = X.shape[0]
        self._ensure_buffers(n)
        output_layer, out_act = self.layers[-1], self.output_activation
        fused = _is_canonical_pair(loss, out_act)

        x, mask = _shaped(X, self.input_shape, self.dtype), None
        for i, layer in enumerate(self.layers[:-1]):
            next_mask = layer.compute_mask(x, mask)
            if layer.takes_mask:
                out = layer.forward(x, dropout_rng, mask=mask)
            else:
                out = layer.forward(x, dropout_rng)
            x, mask = _checked_output(i, layer, "forward", out), next_mask
        z = output_layer.forward(x, activate=False)

        # loss value and output delta dL/dz, already weighted and averaged
        out, delta = self.scratch.out[:n], self.scratch.delta[:n]
        if fused:
            value = loss.canonical_step(Y, z, out_act, out, delta, sample_weight, weight_sum)
        else:
            out_act.forward(z, out)
            value = loss.value(Y, out, sample_weight)
            delta[...] = loss.gradient(Y, out)
            out_act.backward(delta, z, out)
            dense_routines.scale_rows(delta, sample_weight, weight_sum)
        coefs_flat = self.params[: self.n_coef_params]
        penalise = include_penalty and alpha
        if penalise:
            value += 0.5 * alpha * float(np.dot(coefs_flat, coefs_flat)) / weight_sum

        delta = output_layer.backward(delta, from_logits=True)
        for layer in reversed(self.layers[self._first_weighted : -1]):
            delta = layer.backward(delta)
        if penalise:
            if getattr(self.scratch, "penalty", None) is None:
                self.scratch.penalty = np.empty_like(coefs_flat)
            dense_routines.add_scaled(
                self.grad[: self.n_coef_params], coefs_flat, alpha / weight_sum,
                self.scratch.penalty,
            )
        return value

    def objective(self, flat_params, X, Y, loss, alpha=0.0, sample_weight=None):
        """Objective and its gradient at ``flat_params``, for scipy.optimize.

        Sets ``params`` to ``flat_params`` first.

        Parameters
        ----------
        flat_params : ndarray of shape (n_params,)
            Weights in the layout of ``params``.
        X, Y, loss, alpha, sample_weight
            As in :meth:`loss_and_gradient`.

        Returns
        -------
        value : float
        grad : ndarray of float64, shape (n_params,)

        Raises
        ------
        ValueError
            If ``flat_params`` is not of shape ``(n_params,)``, or as
            :meth:`loss_and_gradient`; ``params`` is then left unchanged.
        """
        if np.shape(flat_params) != self.params.shape:
            raise ValueError(
                f"flat_params has shape {np.shape(flat_params)}, but the network has "
                f"{self.params.size} parameters: it needs shape {self.params.shape}."
            )
        X = _check_X(X, self.input_shape)
        _check_targets(X, Y, sample_weight, self.n_outputs, self.dtype)
        self.params[:] = flat_params
        value = self.loss_and_gradient(X, Y, loss, alpha, sample_weight)
        return value, self.grad.astype(np.float64)


def predict_layers(layers, input_shape, X, return_logits=False):
    """Outputs of built layers (the output Dense layer last) for ``X``, in
    fresh arrays, as :meth:`Network.predict` gives them.

    Parameters
    ----------
    layers : list of Layer
        Built layers holding weights, such as an estimator's ``layers_``.
    input_shape : tuple of int
        Shape of one sample.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    return_logits : bool, default=False

    Returns
    -------
    out : ndarray of shape (n_samples, n_outputs)
    logits : ndarray, only when ``return_logits``
    """
    return _predict(layers, tuple(input_shape), X, return_logits)


def _predict(layers, input_shape, X, return_logits, whole=True):
    X = _check_X(X, input_shape)
    if whole:  # the rows named in a message are X's, not a chunk's
        _check_first_layer_input(layers[0], X, input_shape, np.result_type(X.dtype, np.float32))
    structured = len(input_shape) > 1 or any(len(layer.output_shape) > 1 for layer in layers)
    if structured and X.shape[0] > PREDICT_CHUNK:
        parts = [
            _predict(layers, input_shape, X[start : start + PREDICT_CHUNK], return_logits,
                     whole=False)
            for start in range(0, X.shape[0], PREDICT_CHUNK)
        ]
        if return_logits:
            return tuple(np.concatenate(p) for p in zip(*parts))
        return np.concatenate(parts)
    x, mask = _shaped(X, input_shape, np.result_type(X.dtype, np.float32)), None
    for i, layer in enumerate(layers[:-1]):
        next_mask = layer.compute_mask(x, mask)
        out = layer.predict(x, mask=mask) if layer.takes_mask else layer.predict(x)
        x, mask = _checked_output(i, layer, "predict", out), next_mask
    z = layers[-1].predict(x, activate=False)
    out = np.empty_like(z)
    layers[-1].activation_.forward(z, out)
    return (out, z) if return_logits else out


def _check_first_layer_input(layer, X, input_shape, dtype):
    """Hand the rows of ``X`` (already checked), as samples, to ``layer``'s
    ``check_input`` when its class has one of its own (the base's accepts
    everything, and images need not be copied for it)."""
    if type(layer).check_input is not Layer.check_input:
        layer.check_input(_shaped(X, input_shape, dtype))


def _checked_output(position, layer, method, out):
    """``out``, the batch ``layer`` (at ``position``) returned from
    ``method``, once it has the output shape the layer's build gave: a
    user's layer that returns another shape is named here, not by an
    obscure error in the next layer."""
    if tuple(out.shape[1:]) != layer.output_shape:
        raise ValueError(
            f"Layer {position}, {layer!r}, returned a batch of shape {tuple(out.shape)} "
            f"from {method}, but its build gave the output shape {layer.output_shape}: "
            f"{method} must return an array of shape (n_samples, *output_shape)."
        )
    return out


def _boundaries(specs):
    """Where each trainable weight array of ``specs`` (every layer's, in
    order) starts in ``params``, then the end: the penalised ones first,
    then the others, each group in order, as :meth:`Network._views` lays
    them out."""
    trainable = [spec for spec in specs if spec.trainable]
    sizes = ([spec.size for spec in trainable if spec.penalised]
             + [spec.size for spec in trainable if not spec.penalised])
    return tuple(int(offset) for offset in np.cumsum([0, *sizes]))


def _refuse(problem):
    raise ValueError(f"Network.{problem}")


def _check_shape(input_shape):
    """``input_shape`` as a tuple of positive ints."""
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if not shape or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1 for s in shape
    ):
        raise ValueError(
            f"input_shape must be a tuple of positive integers (one sample's shape), "
            f"got {input_shape!r}."
        )
    return tuple(int(s) for s in shape)


def _shaped(X, input_shape, dtype):
    """Rows of ``X`` (already checked) as samples of ``input_shape``, of
    ``dtype`` when they are images (flat rows go to the matrix products as
    they are, which cast them)."""
    if len(input_shape) == 1:
        return X
    return np.ascontiguousarray(X, dtype=dtype).reshape(X.shape[0], *input_shape)


def _numbers(name, values):
    """``values`` as an array, refused unless it holds numbers."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers (bool, integer or float); got dtype {array.dtype}."
        )
    return array


def _check_targets(X, Y, sample_weight, n_outputs, dtype):
    """``Y`` and ``sample_weight`` as arrays of ``dtype``, and the weights'
    sum, once checked to fit ``X`` (already checked) and the ``n_outputs``
    of the output layer."""
    n_samples = X.shape[0]
    if n_samples == 0:
        raise ValueError(
            f"X has 0 rows (shape {X.shape}); a batch needs at least one."
        )
    Y = _numbers("Y", Y)
    if Y.shape != (n_samples, n_outputs):
        hint = "; reshape one output with Y.reshape(-1, 1)" if Y.ndim == 1 else ""
        raise ValueError(
            f"Y has shape {Y.shape}, but needs shape ({n_samples}, {n_outputs}): one "
            f"row per row of X (X has shape {X.shape}) and one column per output "
            f"of the network{hint}."
        )
    Y = Y.astype(dtype, copy=False)
    if sample_weight is None:
        return Y, None, n_samples
    sample_weight = _numbers("sample_weight", sample_weight)
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {sample_weight.shape}, but needs shape "
            f"({n_samples},): one weight per row of X (X has shape {X.shape})."
        )
    sample_weight = sample_weight.astype(dtype, copy=False)
    weight_sum = float(np.sum(sample_weight))
    if not 0 < weight_sum < math.inf:
        raise ValueError(
            f"sample_weight sums to {weight_sum}; the weighted mean loss needs a "
            "positive, finite sum of weights."
        )
    return Y, sample_weight, weight_sum


def _check_X(X, input_shape):
    """``X`` as an array or sparse matrix, refused unless it is 2-D, of
    numbers, with one column per entry of a sample of ``input_shape``
    (sparse only when that shape is flat)."""
    n_features = int(np.prod(input_shape, dtype=np.int64))
    if sp.issparse(X) and len(input_shape) > 1:
        raise ValueError(
            f"X is a sparse matrix, but samples of shape {input_shape} need dense "
            "input; convert it with X.toarray()."
        )
    if not sp.issparse(X):
        X = _numbers("X", X)
    elif X.dtype.kind not in "biuf":
        raise ValueError(
            f"X must hold numbers (bool, integer or float); got dtype {X.dtype}."
        )
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D, of shape (n_samples, {n_features}); got shape {X.shape}. "
            "Reshape one sample with X.reshape(1, -1)."
        )
    if X.shape[1] != n_features:
        takes = (
            f"the input layer has {n_features} units" if len(input_shape) == 1
            else f"the network takes {n_features}: samples of shape {input_shape}"
        )
        raise ValueError(f"X has {X.shape[1]} features (shape {X.shape}), but {takes}.")
    return X


def _is_canonical_pair(loss, activation):
    name = getattr(loss, "canonical_activation", None)
    return name is not None and type(activation) is ACTIVATIONS.get(name)
