"""The numba back-end of :mod:`skdl.backend.normalization`: the statistics,
the normalisation and the backward pass in two or three sweeps over the
batch, with the channels (features) innermost and the sums in float64."""

import math

import numpy as np

from ._jit import jit, jit_sum


@jit
def _batch_norm_forward(x, gamma, beta, epsilon, mean, variance, inverse_std, normalised, out):
    rows, channels = x.shape
    total = np.zeros(channels)
    for i in range(rows):
        xs = x[i]
        for c in range(channels):
            total[c] += xs[c]
    for c in range(channels):
        mean[c] = total[c] / rows
        total[c] = 0.0
    for i in range(rows):
        xs, ns = x[i], normalised[i]
        for c in range(channels):
            centred = xs[c] - mean[c]
            ns[c] = centred
            total[c] += centred * centred
    for c in range(channels):
        variance[c] = total[c] / rows
        inverse_std[c] = 1.0 / math.sqrt(total[c] / rows + epsilon)
    for i in range(rows):
        ns, outs = normalised[i], out[i]
        for c in range(channels):
            value = ns[c] * inverse_std[c]
            ns[c] = value
            outs[c] = value * gamma[c] + beta[c]


def batch_norm_forward(x, gamma, beta, epsilon, mean, variance, inverse_std, normalised, out):
    """See :func:`skdl.backend.normalization.batch_norm_forward`."""
    _batch_norm_forward(x, gamma, beta, epsilon, mean, variance, inverse_std, normalised, out)


@jit
def _batch_norm_sums(delta, normalised, gamma_grad, beta_grad):
    rows, channels = delta.shape
    delta_sum = np.zeros(channels)
    product_sum = np.zeros(channels)
    for i in range(rows):
        ds, ns = delta[i], normalised[i]
        for c in range(channels):
            delta_sum[c] += ds[c]
            product_sum[c] += ds[c] * ns[c]
    for c in range(channels):
        beta_grad[c] = delta_sum[c]
        gamma_grad[c] = product_sum[c]


@jit
def _batch_norm_input_gradient(delta, normalised, inverse_std, gamma, gamma_grad, beta_grad,
                               dx):
    rows, channels = delta.shape
    for i in range(rows):
        ds, ns, dxs = delta[i], normalised[i], dx[i]
        for c in range(channels):
            shared = ns[c] * (gamma_grad[c] / rows) + beta_grad[c] / rows
            dxs[c] = (ds[c] - shared) * (gamma[c] * inverse_std[c])


def batch_norm_backward(delta, normalised, inverse_std, gamma, gamma_grad, beta_grad, dx):
    """See :func:`skdl.backend.normalization.batch_norm_backward`."""
    _batch_norm_sums(delta, normalised, gamma_grad, beta_grad)
    if dx is not None:
        _batch_norm_input_gradient(delta, normalised, inverse_std, gamma, gamma_grad,
                                   beta_grad, dx)


@jit_sum
def _row_sum(values):
    total = 0.0
    for value in values:
        total += value
    return total


@jit_sum
def _centred_squares(values, mean, centred):
    total = 0.0
    for k in range(values.shape[0]):
        difference = values[k] - mean
        centred[k] = difference
        total += difference * difference
    return total


@jit
def _layer_norm_forward(x, gamma, beta, epsilon, inverse_std, normalised, out):
    rows, features = x.shape
    for i in range(rows):
        ns, outs = normalised[i], out[i]
        mean = _row_sum(x[i]) / features
        scale = 1.0 / math.sqrt(_centred_squares(x[i], mean, ns) / features + epsilon)
        inverse_std[i] = scale
        for k in range(features):
            value = ns[k] * scale
            ns[k] = value
            outs[k] = value * gamma[k] + beta[k]


def layer_norm_forward(x, gamma, beta, epsilon, inverse_std, normalised, out):
    """See :func:`skdl.backend.normalization.layer_norm_forward`."""
    _layer_norm_forward(x, gamma, beta, epsilon, inverse_std, normalised, out)


@jit_sum
def _spread_sums(deltas, gamma, normalised):
    spread_sum = 0.0
    product_sum = 0.0
    for k in range(deltas.shape[0]):
        spread = deltas[k] * gamma[k]
        spread_sum += spread
        product_sum += spread * normalised[k]
    return spread_sum, product_sum


@jit
def _layer_norm_input_gradient(delta, normalised, inverse_std, gamma, dx):
    rows, features = delta.shape
    for i in range(rows):
        ds, ns, dxs = delta[i], normalised[i], dx[i]
        spread_sum, product_sum = _spread_sums(ds, gamma, ns)
        spread_mean, product_mean = spread_sum / features, product_sum / features
        for k in range(features):
            dxs[k] = (ds[k] * gamma[k] - ns[k] * product_mean - spread_mean) * inverse_std[i]


def layer_norm_backward(delta, normalised, inverse_std, gamma, gamma_grad, beta_grad, dx):
    """See :func:`skdl.backend.normalization.layer_norm_backward`."""
    _batch_norm_sums(delta, normalised, gamma_grad, beta_grad)
    if dx is not None:
        _layer_norm_input_gradient(delta, normalised, inverse_std, gamma, dx)
