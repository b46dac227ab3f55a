"""The NumPy back-end of :mod:`skdl.backend.normalization`: column sums as
BLAS matrix-vector products (several times faster than ``sum(axis=0)`` on
these shapes) and in-place ufuncs."""

import numpy as np


def _column_means(a, out):
    """``out = a.mean(axis=0)`` by a matrix-vector product."""
    np.dot(np.full(a.shape[0], 1.0 / a.shape[0], dtype=a.dtype), a, out=out)


def batch_norm_forward(x, gamma, beta, epsilon, mean, variance, inverse_std, normalised, out):
    """See :func:`skdl.backend.normalization.batch_norm_forward`."""
    _column_means(x, mean)
    np.subtract(x, mean, out=normalised)
    np.multiply(normalised, normalised, out=out)
    _column_means(out, variance)
    np.add(variance, epsilon, out=inverse_std)
    np.sqrt(inverse_std, out=inverse_std)
    np.divide(1, inverse_std, out=inverse_std)
    normalised *= inverse_std
    np.multiply(normalised, gamma, out=out)
    out += beta


def batch_norm_backward(delta, normalised, inverse_std, gamma, gamma_grad, beta_grad, dx):
    """See :func:`skdl.backend.normalization.batch_norm_backward`."""
    ones = np.ones(delta.shape[0], dtype=delta.dtype)
    np.dot(ones, delta, out=beta_grad)
    # dx holds the product until it is written
    product = delta * normalised if dx is None else np.multiply(delta, normalised, out=dx)
    np.dot(ones, product, out=gamma_grad)
    if dx is None:
        return
    rows = delta.shape[0]
    np.multiply(normalised, gamma_grad / rows, out=dx)
    dx += beta_grad / rows
    np.subtract(delta, dx, out=dx)
    dx *= gamma * inverse_std


def _row_means(a, out):
    """``out = a.mean(axis=1)`` by a matrix-vector product."""
    np.matmul(a, np.full(a.shape[1], 1.0 / a.shape[1], dtype=a.dtype), out=out)


def layer_norm_forward(x, gamma, beta, epsilon, inverse_std, normalised, out):
    """See :func:`skdl.backend.normalization.layer_norm_forward`."""
    _row_means(x, inverse_std)
    np.subtract(x, inverse_std[:, None], out=normalised)
    np.multiply(normalised, normalised, out=out)
    _row_means(out, inverse_std)
    inverse_std += epsilon
    np.sqrt(inverse_std, out=inverse_std)
    np.divide(1, inverse_std, out=inverse_std)
    normalised *= inverse_std[:, None]
    np.multiply(normalised, gamma, out=out)
    out += beta


def layer_norm_backward(delta, normalised, inverse_std, gamma, gamma_grad, beta_grad, dx):
    """See :func:`skdl.backend.normalization.layer_norm_backward`."""
    ones = np.ones(delta.shape[0], dtype=delta.dtype)
    np.dot(ones, delta, out=beta_grad)
    product = delta * normalised
    np.dot(ones, product, out=gamma_grad)
    if dx is None:
        return
    spread = delta * gamma
    np.multiply(spread, normalised, out=product)
    spread_mean, product_mean = np.empty((2, delta.shape[0]), dtype=delta.dtype)
    _row_means(spread, spread_mean)
    _row_means(product, product_mean)
    np.multiply(normalised, product_mean[:, None], out=dx)
    np.subtract(spread, dx, out=dx)
    dx -= spread_mean[:, None]
    dx *= inverse_std[:, None]
