"""Finite-difference check of the engine's backpropagated gradients."""

import math
import numbers

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import _check_sample_weight

from .losses import get_loss
from .network import Network

__all__ = ["check_gradients"]


def check_gradients(network, X, Y, loss, alpha=0.0, sample_weight=None, epsilon=1e-6):
    """Compare backpropagation with central finite differences.

    Every parameter is nudged by ``+-epsilon`` and the objective
    re-evaluated, so keep the network small.

    Parameters
    ----------
    network : Network
        The engine network (:class:`skdl.network.Network`), at the weights to
        check; they are restored afterwards, weights that do not train
        included. Only trainable weights are nudged: the others have no
        gradient. To check a fitted estimator,
        take ``est._objective_parts(X, y)[0]``, a network holding a copy of
        its weights, or build one: ``Network(layers, input_shape)`` then
        ``network.set_weights(weights)``.
    X : array-like or sparse matrix of shape (n_samples, n_features)
    Y : array-like of shape (n_samples, n_outputs)
        Encoded targets.
    loss : str or Loss
        A loss, or its name as :func:`skdl.losses.get_loss` takes it.
    alpha : float, default=0.0
        L2 penalty.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, with a positive sum.
    epsilon : float, default=1e-6
        Finite-difference step, positive.

    Returns
    -------
    relative_error : float
        ``|g_backprop - g_numeric| / (|g_backprop| + |g_numeric|)`` in the
        Euclidean norm (0 when both gradients vanish).
    analytic : ndarray of shape (n_params,)
        Backpropagated gradient.
    numeric : ndarray of shape (n_params,)
        Finite-difference gradient.

    Raises
    ------
    TypeError
        If ``network`` is not a :class:`~skdl.network.Network` (an estimator,
        say).
    ValueError
        Before any gradient is computed, for the ``X``, ``Y`` and
        ``sample_weight`` that ``fit`` refuses, with the same message (empty,
        1-D ``X``, NaN or infinite values, negative weights); when they do
        not fit each other and the network (the message names the arrays and
        their shapes); or when ``epsilon`` is not positive and finite.
        After, if either gradient has non-finite entries (the objective is
        not finite at or near these weights, e.g. a Poisson loss on outputs
        <= 0), which no relative error could measure.
    """
    if not isinstance(network, Network):
        raise TypeError(
            "check_gradients checks the engine's skdl.network.Network, got "
            f"{type(network).__name__}. For a fitted estimator, build the network "
            "from its weights: Network(layers, input_shape) then "
            "network.set_weights(weights), or skdl.mlp_network.MLPNetwork.from_sizes("
            "layer_sizes, activations) for an MLP."
        )
    if not (isinstance(epsilon, numbers.Real) and 0 < epsilon < math.inf):
        raise ValueError(
            f"epsilon must be a positive, finite step; got {epsilon!r}."
        )
    # the checks and messages of fit, then the engine's: shapes that fit
    X = check_array(X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32),
                    input_name="X", estimator="check_gradients")
    Y = check_array(Y, ensure_2d=False, dtype=(np.float64, np.float32), input_name="Y",
                    estimator="check_gradients")
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype,
                                             ensure_non_negative=True)
    if isinstance(loss, str):
        loss = get_loss(loss, network.output_activation)
    params = network.params
    saved = params.copy()
    # training passes may update weights that do not train (running
    # statistics): the check leaves them as it found them too
    saved_non_trainable = network.non_trainable_params.copy()
    try:
        network.loss_and_gradient(X, Y, loss, alpha, sample_weight)
        analytic = network.grad.astype(np.float64)
        numeric = np.empty_like(analytic)
        for i in range(params.size):
            params[i] = saved[i] + epsilon
            upper = network.loss_and_gradient(X, Y, loss, alpha, sample_weight)
            params[i] = saved[i] - epsilon
            lower = network.loss_and_gradient(X, Y, loss, alpha, sample_weight)
            params[i] = saved[i]
            numeric[i] = (upper - lower) / (2 * epsilon)
    finally:
        params[:] = saved
        network.non_trainable_params[:] = saved_non_trainable
    for kind, gradient in [("backpropagated", analytic), ("finite-difference", numeric)]:
        n_bad = np.count_nonzero(~np.isfinite(gradient))
        if n_bad:
            raise ValueError(
                f"The {kind} gradient has {n_bad} non-finite entries of "
                f"{gradient.size}: the objective is not finite at or near these "
                "weights (is the loss defined on these outputs? e.g. Poisson "
                "needs outputs > 0), so the gradients cannot be compared."
            )
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    error = np.linalg.norm(analytic - numeric) / scale if scale > 0 else 0.0
    return float(error), analytic, numeric

