"""Finite-difference check of the engine's backpropagated gradients."""

import numpy as np

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
        check; they are restored afterwards. To check a fitted estimator,
        build one from its weights: ``Network(layer_sizes, activations)``
        then ``network.set_weights(est.coefs_, est.intercepts_)``.
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets.
    loss : str or Loss
        A loss, or its name as :func:`skdl.losses.get_loss` takes it.
    alpha : float, default=0.0
        L2 penalty.
    sample_weight : ndarray of shape (n_samples,), default=None
    epsilon : float, default=1e-6
        Finite-difference step.

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
        If ``Y`` or ``sample_weight`` does not fit ``X`` and the network, or
        either gradient has non-finite entries (the objective is not finite
        at or near these weights, e.g. a Poisson loss on outputs <= 0), which
        no relative error could measure.
    """
    if not isinstance(network, Network):
        raise TypeError(
            "check_gradients checks the engine's skdl.network.Network, got "
            f"{type(network).__name__}. For a fitted estimator, build the network "
            "from its weights: Network(layer_sizes, activations) then "
            "network.set_weights(est.coefs_, est.intercepts_)."
        )
    if isinstance(loss, str):
        loss = get_loss(loss, network.activations[-1].name)
    _check_targets(network, X, Y, sample_weight)
    params = network.params
    saved = params.copy()
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


def _check_targets(network, X, Y, sample_weight):
    """Refuse ``Y`` and ``sample_weight`` of shapes that do not fit ``X`` and
    ``network``, naming the shape expected."""
    n_samples, n_outputs = X.shape[0], network.layer_sizes[-1]
    if np.ndim(Y) != 2:
        raise ValueError(
            f"Y must be 2-D, of shape (n_samples, n_outputs) = ({n_samples}, "
            f"{n_outputs}), got shape {np.shape(Y)}; reshape one output with "
            "Y.reshape(-1, 1)."
        )
    if np.shape(Y) != (n_samples, n_outputs):
        raise ValueError(
            f"Y has shape {np.shape(Y)}; it needs shape ({n_samples}, {n_outputs}): "
            "one row per row of X and one column per output of the network."
        )
    if sample_weight is not None and np.shape(sample_weight) != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {np.shape(sample_weight)}, but X has "
            f"{n_samples} rows: it needs shape ({n_samples},)."
        )
