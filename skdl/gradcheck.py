"""Finite-difference check of the engine's backpropagated gradients."""

import numpy as np

__all__ = ["check_gradients"]


def check_gradients(network, X, Y, loss, alpha=0.0, sample_weight=None, epsilon=1e-6):
    """Compare backpropagation with central finite differences.

    Every parameter is nudged by ``+-epsilon`` and the objective
    re-evaluated, so keep the network small.

    Parameters
    ----------
    network : Network
        The network, at the weights to check; they are restored afterwards.
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets.
    loss : Loss
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
    """
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
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    error = np.linalg.norm(analytic - numeric) / scale if scale > 0 else 0.0
    return float(error), analytic, numeric
