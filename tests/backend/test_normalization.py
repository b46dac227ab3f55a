"""skdl.backend.normalization: the batch and layer normalizations' routines
against plain NumPy formulas in every back-end and dtype, and their
refusals."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl import backend as backends
from skdl.backend import normalization

from .routine_helpers import BACKENDS, DTYPES, tol


def _batch(dtype, rows=37, channels=5, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.normal(3.0, 2.0, size=(rows, channels)).astype(dtype)
    gamma, beta = (rs.normal(size=channels).astype(dtype) for _ in range(2))
    return x, gamma, beta


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_and_backward_are_the_formulas(backend, dtype):
    x, gamma, beta = _batch(dtype)
    rows, channels = x.shape
    stats = [np.empty(channels, dtype) for _ in range(3)]
    normalised, out = np.empty_like(x), np.empty_like(x)
    with backends.use(backend):
        normalization.batch_norm_forward(x, gamma, beta, 1e-3, *stats, normalised, out)
    x64 = x.astype(float)
    mean, variance = x64.mean(axis=0), x64.var(axis=0)
    want = (x64 - mean) / np.sqrt(variance + 1e-3)
    for got, expected in zip([*stats, normalised, out],
                             [mean, variance, 1 / np.sqrt(variance + 1e-3), want,
                              gamma * want + beta]):
        assert_allclose(got, expected, **tol(dtype))
    delta = np.random.RandomState(1).normal(size=x.shape).astype(dtype)
    gamma_grad, beta_grad, dx = np.empty(channels, dtype), np.empty(channels, dtype), \
        np.empty_like(x)
    with backends.use(backend):
        normalization.batch_norm_backward(delta, normalised, stats[2], gamma, gamma_grad,
                                          beta_grad, dx)
    d64 = delta.astype(float)
    assert_allclose(beta_grad, d64.sum(axis=0), **tol(dtype))
    assert_allclose(gamma_grad, (d64 * want).sum(axis=0), **tol(dtype))
    expected_dx = gamma / np.sqrt(variance + 1e-3) * (
        d64 - d64.mean(axis=0) - want * (d64 * want).mean(axis=0))
    assert_allclose(dx, expected_dx, rtol=tol(dtype)["rtol"] * 10, atol=tol(dtype)["atol"] * 10)
    # without dx: the weights' gradients only
    gamma_grad[...] = beta_grad[...] = 0
    with backends.use(backend):
        normalization.batch_norm_backward(delta, normalised, stats[2], gamma, gamma_grad,
                                          beta_grad, None)
    assert_allclose(beta_grad, d64.sum(axis=0), **tol(dtype))


def test_misfit_arrays_are_refused_before_any_loop():
    x, gamma, beta = _batch(np.float64)
    stats = [np.empty(5) for _ in range(3)]
    with pytest.raises(ValueError, match=r"batch_norm_forward: gamma has shape \(4,\), but "
                                         r"needs shape \(5,\)"):
        normalization.batch_norm_forward(x, gamma[:4], beta, 1e-3, *stats, np.empty_like(x),
                                         np.empty_like(x))
    with pytest.raises(ValueError, match=r"batch_norm_backward: dx has shape \(36, 5\)"):
        normalization.batch_norm_backward(x, x, stats[2], gamma, stats[0], stats[1],
                                          np.empty((36, 5)))
    with pytest.raises(ValueError, match="batch_norm_forward: out .*float32"):
        normalization.batch_norm_forward(x, gamma, beta, 1e-3, *stats, np.empty_like(x),
                                         np.empty(x.shape, np.float32))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_norm_forward_and_backward_are_the_formulas(backend, dtype):
    x, gamma, beta = _batch(dtype, rows=7, channels=33)
    rows, features = x.shape
    inverse_std, normalised, out = np.empty(rows, dtype), np.empty_like(x), np.empty_like(x)
    with backends.use(backend):
        normalization.layer_norm_forward(x, gamma, beta, 1e-3, inverse_std, normalised, out)
    x64 = x.astype(float)
    mean, variance = x64.mean(axis=1, keepdims=True), x64.var(axis=1, keepdims=True)
    want = (x64 - mean) / np.sqrt(variance + 1e-3)
    assert_allclose(inverse_std, 1 / np.sqrt(variance[:, 0] + 1e-3), **tol(dtype))
    assert_allclose(normalised, want, **tol(dtype))
    assert_allclose(out, gamma * want + beta, **tol(dtype))
    delta = np.random.RandomState(1).normal(size=x.shape).astype(dtype)
    gamma_grad, beta_grad, dx = np.empty(features, dtype), np.empty(features, dtype), \
        np.empty_like(x)
    with backends.use(backend):
        normalization.layer_norm_backward(delta, normalised, inverse_std, gamma, gamma_grad,
                                          beta_grad, dx)
    d64 = delta.astype(float)
    assert_allclose(beta_grad, d64.sum(axis=0), **tol(dtype))
    assert_allclose(gamma_grad, (d64 * want).sum(axis=0), **tol(dtype))
    spread = d64 * gamma
    expected_dx = (spread - spread.mean(axis=1, keepdims=True)
                   - want * (spread * want).mean(axis=1, keepdims=True)) / np.sqrt(variance + 1e-3)
    assert_allclose(dx, expected_dx, rtol=tol(dtype)["rtol"] * 10, atol=tol(dtype)["atol"] * 10)


def test_layer_norm_refuses_misfit_arrays():
    x, gamma, beta = _batch(np.float64)
    with pytest.raises(ValueError, match=r"layer_norm_forward: inverse_std has shape \(5,\), "
                                         r"but needs shape \(37,\)"):
        normalization.layer_norm_forward(x, gamma, beta, 1e-3, np.empty(5), np.empty_like(x),
                                         np.empty_like(x))
