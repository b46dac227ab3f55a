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
