"""The shared engine: a dense feed-forward network, its forward and backward
passes, and flat parameter storage.

All weights live in one flat vector ``params`` (every layer's coefficients,
then every layer's intercepts); ``coefs`` and ``intercepts`` are views into
it, so an optimizer updates the whole network with a few array operations
and L-BFGS sees the same vector. Gradients live in ``grad`` with the same
layout. Training passes reuse per-batch buffers that grow only when a larger
batch arrives.

Every public method and :func:`forward` check their inputs before any
kernel runs: ``X`` 2-D with one column per input unit, ``Y`` and
``sample_weight`` one row per row of ``X``, all of numbers, and the weights
summing to a positive, finite number. A mismatch raises a ``ValueError``
that names the arrays and their shapes; the compiled kernels index without
bounds checks and never see such input.

This module knows nothing of scikit-learn.
"""

import math
import numbers

import numpy as np
import scipy.sparse as sp

from . import kernels
from .activations import ACTIVATIONS, Sigmoid, get_activation

__all__ = ["Network", "forward"]


class Network:
    """A dense feed-forward network.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input first and output last.
    activations : sequence of Activation or str
        One per non-input layer: the hidden layers' then the output's
        (names, or any object :func:`skdl.activations.get_activation` takes).
    dtype : {np.float32, np.float64}, default=np.float64
        Dtype of weights, gradients and buffers.
    dropout : sequence of float, default=None
        Dropout rate of each hidden layer's outputs during training passes
        (inverted dropout: kept units are scaled by ``1 / (1 - rate)``).

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        All weights, coefficients first.
    grad : ndarray of shape (n_params,)
        Gradient of the last :meth:`loss_and_gradient` call.
    coefs, intercepts : list of ndarray
        Per-layer views into ``params``.
    coef_grads, intercept_grads : list of ndarray
        Per-layer views into ``grad``.
    n_coef_params : int
        Number of coefficients (the penalised part of ``params``).

    Raises
    ------
    ValueError
        If there are fewer than two layers, a layer has no units, the
        number of activations or dropout rates does not fit the layers, or
        ``dtype`` is not float32 or float64.
    """

    def __init__(self, layer_sizes, activations, dtype=np.float64, dropout=None):
        sizes = list(layer_sizes)
        if len(sizes) < 2 or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
            for n in sizes
        ):
            raise ValueError(
                "layer_sizes must hold at least two positive integers (input units, "
                f"then each layer's), got {sizes!r}."
            )
        self.layer_sizes = [int(n) for n in sizes]
        self.activations = [get_activation(a) for a in activations]
        if len(self.activations) != len(self.layer_sizes) - 1:
            raise ValueError(
                f"Need {len(self.layer_sizes) - 1} activations for layer sizes "
                f"{self.layer_sizes}, got {len(self.activations)}."
            )
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}.")
        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.n_coef_params = sum(i * o for i, o in shapes)
        n_params = self.n_coef_params + sum(self.layer_sizes[1:])
        self.params = np.zeros(n_params, dtype=self.dtype)
        self.grad = np.zeros(n_params, dtype=self.dtype)
        self.coefs, self.intercepts = _layer_views(self.params, shapes)
        self.coef_grads, self.intercept_grads = _layer_views(self.grad, shapes)
        n_hidden = len(self.activations) - 1
        self.dropout = [0.0] * n_hidden if dropout is None else [float(r) for r in dropout]
        if len(self.dropout) != n_hidden or not all(0 <= r < 1 for r in self.dropout):
            raise ValueError(
                f"Need one dropout rate in [0, 1) per hidden layer ({n_hidden}), "
                f"got {dropout!r}."
            )
        self._capacity = 0
        self._penalty_scratch = None

    @property
    def n_layers(self):
        """Number of layers including input and output."""
        return len(self.layer_sizes)

    def initialize(self, random_state, scheme="glorot"):
        """Draw fresh weights.

        Parameters
        ----------
        random_state : numpy.random.RandomState
            Source of randomness.
        scheme : {"glorot", "zeros"}, default="glorot"
            ``"glorot"`` draws each layer uniformly in ``+-sqrt(f / (fan_in +
            fan_out))`` with ``f = 2`` when the layer feeds a sigmoid and 6
            otherwise; ``"zeros"`` sets every weight to zero (the classic
            perceptron start).

        Raises
        ------
        ValueError
            If ``scheme`` is neither of the above.
        """
        if scheme not in ("glorot", "zeros"):
            raise ValueError(f"Unknown scheme {scheme!r}; use 'glorot' or 'zeros'.")
        if scheme == "zeros":
            self.params[:] = 0
            return
        hidden = self.activations[:-1] or self.activations
        for i, (coef, intercept) in enumerate(zip(self.coefs, self.intercepts)):
            fed = hidden[min(i, len(hidden) - 1)]
            factor = 2.0 if isinstance(fed, Sigmoid) else 6.0
            bound = np.sqrt(factor / (coef.shape[0] + coef.shape[1]))
            coef[...] = random_state.uniform(-bound, bound, coef.shape)
            intercept[...] = random_state.uniform(-bound, bound, intercept.shape)

    def set_weights(self, coefs, intercepts):
        """Copy per-layer weights into ``params``, all checked before any is copied.

        Parameters
        ----------
        coefs : sequence of array-like
            One ``(n_in, n_out)`` matrix per layer, as in :attr:`coefs`.
        intercepts : sequence of array-like
            One ``(n_out,)`` vector per layer, as in :attr:`intercepts`.

        Raises
        ------
        ValueError
            If any shape does not fit its layer.
        """
        sources = list(coefs) + list(intercepts)
        targets = self.coefs + self.intercepts
        shapes = [np.shape(src) for src in sources]
        if shapes != [dst.shape for dst in targets]:
            raise ValueError(
                f"Weights of shapes {shapes} do not fit the layers, which need "
                f"{[dst.shape for dst in targets]}."
            )
        for dst, src in zip(targets, sources):
            dst[...] = src

    def forward(self, X, return_logits=False):
        """Outputs for ``X`` at the current weights, in fresh arrays.

        Parameters
        ----------
        X, return_logits
            As in :func:`forward`, which this calls with the network's
            weights and activations.

        Returns
        -------
        out, logits
            As from :func:`forward`.

        Raises
        ------
        ValueError
            As :func:`forward`.
        """
        return forward(X, self.coefs, self.intercepts, self.activations, return_logits)

    def _ensure_buffers(self, n_rows):
        if n_rows <= self._capacity:
            return
        self._z, self._a, self._delta = [], [], []
        last = len(self.activations) - 1
        for i, act in enumerate(self.activations):
            units = self.layer_sizes[i + 1]
            z = np.empty((n_rows, units), dtype=self.dtype)
            separate = act.needs_input or i == last
            self._z.append(z)
            self._a.append(np.empty_like(z) if separate else z)
            self._delta.append(np.empty_like(z))
        self._ones = np.ones(n_rows, dtype=self.dtype)
        self._uniform, self._kept, self._dropped = [], [], []
        for rate, a in zip(self.dropout, self._a):
            self._uniform.append(np.empty_like(a) if rate else None)
            self._kept.append(np.empty(a.shape, dtype=bool) if rate else None)
            self._dropped.append(np.empty_like(a) if rate else None)
        self._capacity = n_rows

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
            matrix of numbers with at least one row and one column per input
            unit, ``Y`` is not of shape ``(n_samples, n_outputs)``,
            ``sample_weight`` is not of shape ``(n_samples,)``, either holds
            other than numbers, or the weights do not sum to a positive,
            finite number.
        """
        X = _check_X(X, self.layer_sizes[0])
        Y, sample_weight, weight_sum = self._check_targets(X, Y, sample_weight)
        n = X.shape[0]
        self._ensure_buffers(n)
        zs = [z[:n] for z in self._z]
        As = [a[:n] for a in self._a]
        deltas = [d[:n] for d in self._delta]
        last = len(self.activations) - 1

        out_act = self.activations[last]
        fused = _is_canonical_pair(loss, out_act)

        # forward; inputs[i] is what layer i multiplies (after dropout)
        dropping = [bool(rate) and dropout_rng is not None for rate in self.dropout]
        inputs = [X]
        for i, act in enumerate(self.activations):
            _matmul_into(inputs[i], self.coefs[i], zs[i])
            if act.kernel is not None and self._a[i] is self._z[i]:
                kernels.bias_forward(zs[i], self.intercepts[i], act.kernel)
            else:
                zs[i] += self.intercepts[i]
                if not (i == last and fused):  # the fused step below activates it
                    act.forward(zs[i], As[i])
            if i < last:
                inputs.append(self._drop(i, n, As[i], dropout_rng) if dropping[i] else As[i])

        # loss value and output delta dL/dz, already weighted and averaged
        delta = deltas[last]
        if fused:
            value = loss.canonical_step(
                Y, zs[last], out_act, As[last], delta, sample_weight, weight_sum
            )
        else:
            value = loss.value(Y, As[last], sample_weight)
            delta[...] = loss.gradient(Y, As[last])
            out_act.backward(delta, zs[last], As[last])
            kernels.scale_rows(delta, sample_weight, weight_sum)
        coefs_flat = self.params[: self.n_coef_params]
        penalise = include_penalty and alpha
        if penalise:
            value += 0.5 * alpha * float(np.dot(coefs_flat, coefs_flat)) / weight_sum

        # backward
        for i in range(last, -1, -1):
            _matmul_into(inputs[i].T, deltas[i], self.coef_grads[i])
            # column sums as a BLAS matrix-vector product: several times
            # faster than np.sum(axis=0) on these shapes
            np.dot(self._ones[:n], deltas[i], out=self.intercept_grads[i])
            if i > 0:
                np.matmul(deltas[i], self.coefs[i].T, out=deltas[i - 1])
                if dropping[i - 1]:
                    deltas[i - 1] *= self._kept[i - 1][:n]
                    deltas[i - 1] *= 1.0 / (1.0 - self.dropout[i - 1])
                self.activations[i - 1].backward(
                    deltas[i - 1], zs[i - 1], As[i - 1]
                )
        if penalise:
            if self._penalty_scratch is None:
                self._penalty_scratch = np.empty_like(coefs_flat)
            kernels.add_scaled(
                self.grad[: self.n_coef_params], coefs_flat, alpha / weight_sum,
                self._penalty_scratch,
            )
        return value

    def _check_targets(self, X, Y, sample_weight):
        """``Y`` and ``sample_weight`` as arrays of the network's dtype, and
        the weights' sum, once checked to fit ``X`` (already checked) and the
        output layer."""
        n_samples, n_outputs = X.shape[0], self.layer_sizes[-1]
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
        Y = Y.astype(self.dtype, copy=False)
        if sample_weight is None:
            return Y, None, n_samples
        sample_weight = _numbers("sample_weight", sample_weight)
        if sample_weight.shape != (n_samples,):
            raise ValueError(
                f"sample_weight has shape {sample_weight.shape}, but needs shape "
                f"({n_samples},): one weight per row of X (X has shape {X.shape})."
            )
        sample_weight = sample_weight.astype(self.dtype, copy=False)
        weight_sum = float(np.sum(sample_weight))
        if not 0 < weight_sum < math.inf:
            raise ValueError(
                f"sample_weight sums to {weight_sum}; the weighted mean loss needs a "
                "positive, finite sum of weights."
            )
        return Y, sample_weight, weight_sum

    def _drop(self, i, n, a, rng):
        """Inverted dropout of hidden layer ``i``'s outputs into a buffer."""
        uniform, kept, dropped = self._uniform[i][:n], self._kept[i][:n], self._dropped[i][:n]
        rng.random(out=uniform, dtype=self.dtype.type)
        np.greater_equal(uniform, self.dropout[i], out=kept)
        np.multiply(a, kept, out=dropped)
        dropped *= 1.0 / (1.0 - self.dropout[i])
        return dropped

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
        X = _check_X(X, self.layer_sizes[0])
        self._check_targets(X, Y, sample_weight)
        self.params[:] = flat_params
        value = self.loss_and_gradient(X, Y, loss, alpha, sample_weight)
        return value, self.grad.astype(np.float64)


def forward(X, coefs, intercepts, activations, return_logits=False):
    """Network outputs for ``X``, computed in fresh arrays.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    coefs, intercepts : list of ndarray
        Per-layer weights.
    activations : list of Activation
        One per layer after the input.
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
        matrix of numbers with one column per row of ``coefs[0]``, or the
        layers do not chain: one intercept vector and one activation per
        coefficient matrix, each matrix with as many rows as the previous
        one has columns, each intercept vector with as many entries as its
        matrix has columns.
    """
    n_layers = len(coefs)
    if n_layers == 0 or len(intercepts) != n_layers or len(activations) != n_layers:
        raise ValueError(
            f"Need one intercept vector and one activation per coefficient matrix; got "
            f"{n_layers} matrices, {len(intercepts)} intercept vectors and "
            f"{len(activations)} activations."
        )
    shapes = [np.shape(c) for c in coefs]
    fan_in = shapes[0][0] if len(shapes[0]) == 2 else None
    for i, (shape, intercept) in enumerate(zip(shapes, intercepts)):
        if len(shape) != 2 or shape[0] != fan_in or np.shape(intercept) != shape[1:]:
            raise ValueError(
                f"The layers do not chain: coefs have shapes {shapes} and intercepts "
                f"{[np.shape(b) for b in intercepts]} (layer {i} needs coefs of shape "
                f"({fan_in}, n_out) and intercepts of shape (n_out,))."
            )
        fan_in = shape[1]
    a = _check_X(X, shapes[0][0])
    last = n_layers - 1
    for i, act in enumerate(activations):
        z = a @ coefs[i]
        if i < last and act.kernel is not None and not act.needs_input:
            # X of another dtype than the weights gives z in the wider one
            kernels.bias_forward(z, np.asarray(intercepts[i], dtype=z.dtype), act.kernel)
            a = z
            continue
        z += intercepts[i]
        if i == last:
            out = np.empty_like(z)
            act.forward(z, out)
            return (out, z) if return_logits else out
        if act.needs_input:
            a = np.empty_like(z)
            act.forward(z, a)
        else:
            act.forward(z, z)
            a = z


def _numbers(name, values):
    """``values`` as an array, refused unless it holds numbers."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers (bool, integer or float); got dtype {array.dtype}."
        )
    return array


def _check_X(X, n_features):
    """``X`` as an array or sparse matrix, refused unless it is 2-D, of
    numbers, with ``n_features`` columns."""
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
        raise ValueError(
            f"X has {X.shape[1]} features (shape {X.shape}), but the input layer has "
            f"{n_features} units."
        )
    return X


def _layer_views(flat, shapes):
    coefs, intercepts, start = [], [], 0
    for n_in, n_out in shapes:
        coefs.append(flat[start : start + n_in * n_out].reshape(n_in, n_out))
        start += n_in * n_out
    for _, n_out in shapes:
        intercepts.append(flat[start : start + n_out])
        start += n_out
    return coefs, intercepts


def _matmul_into(a, b, out):
    if sp.issparse(a) or sp.issparse(b):
        out[...] = a @ b
    else:
        np.matmul(a, b, out=out)


def _is_canonical_pair(loss, activation):
    name = getattr(loss, "canonical_activation", None)
    return name is not None and type(activation) is ACTIVATIONS.get(name)
