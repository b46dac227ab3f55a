"""skdl.backend.optimizers: the SGD, Adam, RMSprop and Nadam steps, the L2
term and the clipping routines against a plain NumPy reference in every
back-end, their refusals, and their overflows."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl import backend as backends
from skdl.backend import optimizers

from .routine_helpers import (
    BACKENDS,
    DTYPES,
    assert_same_in_every_back_end,
    in_every_back_end,
    tol,
)


def z(*shape):
    """Zeros of ``shape``, float64."""
    return np.zeros(shape)


MISFITS = [
    ("sgd n_penalized past the end",
     lambda: optimizers.sgd_step(z(10), z(10), z(10), 0.1, 0.9, True, l2=1.0,
                                 n_penalized=int(5e7)),
     r"sgd_step: n_penalized must be an integer in \[0, 10\] \(the length of params\); "
     "got 50000000"),
    ("sgd negative n_penalized",
     lambda: optimizers.sgd_step(z(10), z(10), z(10), 0.1, 0.9, True, 1.0, -1),
     r"n_penalized must be an integer in \[0, 10\]"),
    ("sgd float n_penalized",
     lambda: optimizers.sgd_step(z(10), z(10), z(10), 0.1, 0.9, True, 1.0, 5.0),
     r"n_penalized must be an integer in \[0, 10\] .*; got 5.0"),
    ("sgd velocity", lambda: optimizers.sgd_step(z(7), z(7), z(5), 0.1, 0.9, True),
     r"sgd_step: velocity has shape \(5,\), but needs shape \(7,\) to fit params"),
    ("sgd 2-D params",
     lambda: optimizers.sgd_step(z(2, 3), z(2, 3), z(2, 3), 0.1, 0.9, True),
     r"sgd_step: params must be 1-D; got shape \(2, 3\)"),
    ("adam v", lambda: optimizers.adam_step(z(7), z(7), z(7), z(5), 0.01, 0.9, 0.999, 1e-8,
                                            z(7)),
     r"adam_step: v has shape \(5,\), but needs shape \(7,\) to fit params"),
    ("adam n_penalized past the end",
     lambda: optimizers.adam_step(z(7), z(7), z(7), z(7), 0.01, 0.9, 0.999, 1e-8, z(7),
                                  1.0, 8),
     r"adam_step: n_penalized must be an integer in \[0, 7\]"),
    ("adam read-only moment",
     lambda: optimizers.adam_step(z(7), z(7), np.broadcast_to(0.0, (7,)), z(7), 0.01, 0.9,
                                  0.999, 1e-8, z(7)),
     "adam_step: m is written in place, so it must be a C-contiguous, writeable array"),
    ("rmsprop velocity",
     lambda: optimizers.rmsprop_step(z(7), z(7), z(7), None, z(6), 0.01, 0.9, 0.5, 1e-7,
                                     z(7)),
     r"rmsprop_step: velocity has shape \(6,\), but needs shape \(7,\)"),
    ("rmsprop float32 mean",
     lambda: optimizers.rmsprop_step(z(7), z(7), z(7).astype(np.float32), None, None, 0.01,
                                     0.9, 0.0, 1e-7, z(7)),
     "rmsprop_step: mean_square has dtype float32 and params has float64"),
    ("nadam scratch rows",
     lambda: optimizers.nadam_step(z(7), z(7), z(7), z(7), 0.01, 0.9, 0.999, 1e-7, 1.0,
                                   1.0, 1.0, z(7)),
     r"nadam_step: scratch has shape \(7,\), but needs shape \(2, 7\)"),
    ("l2 n_penalized",
     lambda: optimizers.add_l2_gradient(z(7), z(7), z(7), 1.0, 9),
     r"add_l2_gradient: n_penalized must be an integer in \[0, 7\]"),
    ("clip boundaries",
     lambda: optimizers.clip_by_norm(z(7), (0, 3, 6), 1.0),
     r"clip_by_norm: boundaries must run from 0 to the length of grad \(7\)"),
    ("clip list",
     lambda: optimizers.clip_by_value([1.0, 2.0], 1.0),
     "clip_by_value: grad must be a float32 or float64 NumPy array"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("call, message", [m[1:] for m in MISFITS],
                         ids=[m[0] for m in MISFITS])
def test_routines_refuse_arrays_that_do_not_fit(backend, call, message):
    with backends.use(backend), pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_call_writes_nothing(backend):
    params, velocity = np.ones(7), np.ones(7)
    with backends.use(backend), pytest.raises(ValueError, match="grad has shape"):
        optimizers.sgd_step(params, np.ones(3), velocity, 0.1, 0.9, True, 1.0, 7)
    assert_array_equal(params, 1.0)
    assert_array_equal(velocity, 1.0)


def _penalised_gradient(params, grad, l2, n_penalized):
    """The reference for the optimizers' fused L2 term: the gradient with
    ``l2 * params`` added on the first entries, and their sum of squares."""
    g = grad.astype(np.float64)
    g[:n_penalized] += l2 * params[:n_penalized].astype(np.float64)
    return g, float(np.sum(params[:n_penalized].astype(np.float64) ** 2))


# no penalty; a penalty on part of the vector (coefficients before
# intercepts); a penalty on all of it
PENALTIES = [(0.0, 0), (0.3, 300), (0.3, 503)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
@pytest.mark.parametrize("l2, n_penalized", PENALTIES)
def test_sgd_step(backend, dtype, momentum, nesterov, l2, n_penalized, rng):
    params, grad, velocity = rng.normal(size=(3, 503)).astype(dtype)
    g, squares = _penalised_gradient(params, grad, l2, n_penalized)
    p, v = params.astype(np.float64), velocity.astype(np.float64)
    v = momentum * v - 0.1 * g
    p = p + (momentum * v - 0.1 * g if nesterov else v)
    with backends.use(backend):
        got = optimizers.sgd_step(params, grad, velocity, 0.1, momentum, nesterov, l2,
                                  n_penalized)
    assert_allclose(velocity, v, **tol(dtype))
    assert_allclose(params, p, **tol(dtype))
    assert_allclose(got, squares, **tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l2, n_penalized", PENALTIES)
def test_adam_step(backend, dtype, l2, n_penalized, rng):
    params, grad = rng.normal(size=(2, 503)).astype(dtype)
    m, v = rng.normal(size=503).astype(dtype), rng.uniform(size=503).astype(dtype)
    g, squares = _penalised_gradient(params, grad, l2, n_penalized)
    m64 = 0.9 * m + 0.1 * g
    v64 = 0.999 * v + 0.001 * g ** 2
    p64 = params - 0.01 * m64 / (np.sqrt(v64) + 1e-8)
    with backends.use(backend):
        got = optimizers.adam_step(params, grad, m, v, 0.01, 0.9, 0.999, 1e-8,
                                   np.empty_like(params), l2, n_penalized)
    for array, want in [(m, m64), (v, v64), (params, p64)]:
        assert array.dtype == dtype
        assert_allclose(array, want, **tol(dtype))
    assert_allclose(got, squares, **tol(dtype))


@pytest.mark.parametrize("step", ["sgd", "adam"])
def test_penalty_squares_are_finite_where_their_float64_sum_is(step):
    # each square is finite in float64 but not in float32
    params0 = np.full(64, 3e19, dtype=np.float32)
    expected = 64 * float(np.float32(3e19)) ** 2
    for name in BACKENDS:
        params, grad = params0.copy(), np.zeros(64, dtype=np.float32)
        with backends.use(name), np.errstate(all="ignore"):
            if step == "sgd":
                squares = optimizers.sgd_step(params, grad, np.zeros_like(params), 0.1, 0.9,
                                              True, 1e-30, 64)
            else:
                squares = optimizers.adam_step(params, grad, np.zeros_like(params),
                                               np.zeros_like(params), 1e-3, 0.9, 0.999, 1e-8,
                                               np.empty_like(params), 1e-30, 64)
        assert_allclose(squares, expected, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_optimizer_steps_overflow_alikein_every_back_end(dtype):
    # gradients around the square root of the largest number: whether
    # g ** 2 (1 - beta_2) overflows depends on the order of the products
    big = np.sqrt(np.finfo(dtype).max)
    grads = np.array([0.5, 1.0, 2.0, 8.0, 32.0, 1e3, np.inf, -np.inf, np.nan]) * big

    def make():
        n = grads.size
        return (np.linspace(-1, 1, n).astype(dtype), grads.astype(dtype),
                np.zeros(n, dtype), np.zeros(n, dtype), np.empty(n, dtype))

    adam = in_every_back_end(make, lambda p, g, m, v, s: optimizers.adam_step(
        p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, s, 1e-4, 5))
    assert_same_in_every_back_end([(r[0][:4], r[1]) for r in adam], rtol=1e-5)
    sgd = in_every_back_end(make, lambda p, g, m, v, s: optimizers.sgd_step(
        p, g, m, 0.1, 0.9, True, 1e-4, 5))
    assert_same_in_every_back_end([(r[0][:3], r[1]) for r in sgd], rtol=1e-5)


RMSPROP_CASES = [(0.0, False), (0.7, False), (0.0, True), (0.7, True)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum, centered", RMSPROP_CASES)
def test_rmsprop_step(backend, dtype, momentum, centered, rng):
    params, grad, velocity = rng.normal(size=(3, 503)).astype(dtype)
    # a running mean small beside the root of the mean square, as it is
    mean_gradient = rng.uniform(-0.5, 0.5, size=503).astype(dtype)
    mean_square = rng.uniform(1.0, 2.0, size=503).astype(dtype)
    s64 = 0.9 * mean_square + 0.1 * grad.astype(np.float64) ** 2
    a64 = 0.9 * mean_gradient + 0.1 * grad.astype(np.float64)
    denominator = s64 - a64**2 + 1e-7 if centered else s64 + 1e-7
    increment = 0.01 * grad / np.sqrt(denominator)
    vel64 = 0.7 * velocity + increment
    p64 = params - (vel64 if momentum else increment)
    with backends.use(backend):
        optimizers.rmsprop_step(params, grad, mean_square, mean_gradient if centered else None,
                                velocity if momentum else None, 0.01, 0.9, momentum, 1e-7,
                                np.empty_like(params))
    expected = [(params, p64), (mean_square, s64)]
    expected += [(mean_gradient, a64)] if centered else []
    expected += [(velocity, vel64)] if momentum else []
    for array, want in expected:
        assert array.dtype == dtype
        assert_allclose(array, want, **tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_nadam_step(backend, dtype, rng):
    params, grad, m = rng.normal(size=(3, 503)).astype(dtype)
    v = rng.uniform(size=503).astype(dtype)
    m64 = 0.9 * m + 0.1 * grad.astype(np.float64)
    v64 = 0.999 * v + 0.001 * grad.astype(np.float64) ** 2
    p64 = params - 0.01 * (0.8 * m64 + 0.3 * grad) / (np.sqrt(v64 / 0.2) + 1e-7)
    with backends.use(backend):
        optimizers.nadam_step(params, grad, m, v, 0.01, 0.9, 0.999, 1e-7, 0.8, 0.3, 0.2,
                              np.empty((2, 503), dtype))
    for array, want in [(m, m64), (v, v64), (params, p64)]:
        assert array.dtype == dtype
        assert_allclose(array, want, **tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l2, n_penalized", PENALTIES)
def test_add_l2_gradient(backend, dtype, l2, n_penalized, rng):
    params, grad = rng.normal(size=(2, 503)).astype(dtype)
    g, squares = _penalised_gradient(params, grad, l2, n_penalized)
    with backends.use(backend):
        got = optimizers.add_l2_gradient(params, grad, np.empty_like(params), l2, n_penalized)
    assert_allclose(grad, g, **tol(dtype))
    assert_allclose(got, squares, **tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_by_norm_scales_each_part_above_the_norm(backend, dtype, rng):
    grad = rng.normal(size=40).astype(dtype)
    grad[10:30] *= 10  # the middle part far above the norm, the others below
    boundaries = (0, 10, 30, 40)
    expected = grad.astype(np.float64)
    for start, stop in zip(boundaries[:-1], boundaries[1:]):
        norm = np.linalg.norm(expected[start:stop])
        expected[start:stop] *= 4.0 / max(norm, 4.0)
    with backends.use(backend):
        optimizers.clip_by_norm(grad, boundaries, 4.0)
    assert_allclose(grad, expected, **tol(dtype))
    assert np.linalg.norm(grad[10:30]) == pytest.approx(4.0, rel=1e-5)
    assert np.linalg.norm(grad[:10]) < 4.0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("clipnorm", [0.5, 1e3])
def test_clip_by_global_norm(backend, dtype, clipnorm, rng):
    grad = rng.normal(size=40).astype(dtype)
    expected = grad * (clipnorm / max(np.linalg.norm(grad.astype(np.float64)), clipnorm))
    with backends.use(backend):
        optimizers.clip_by_global_norm(grad, clipnorm)
    assert_allclose(grad, expected, **tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
def test_clip_by_value_keeps_nan(backend):
    grad = np.array([-3.0, -0.5, 0.0, 0.5, 3.0, np.nan, np.inf])
    with backends.use(backend):
        optimizers.clip_by_value(grad, 1.0)
    assert_array_equal(grad, [-1.0, -0.5, 0.0, 0.5, 1.0, np.nan, 1.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_norm_clipping_of_float32_takes_the_float64_norm_and_leaves_non_finite_alone(
        backend):
    # the squares overflow float32; their float64 sum does not
    big = np.full(4, 3e19, dtype=np.float32)
    with backends.use(backend), np.errstate(over="ignore"):
        optimizers.clip_by_global_norm(big, 1.0)
    assert_allclose(big, 0.5, rtol=1e-6)
    with_inf = np.array([np.inf, 1.0, 1.0])
    with backends.use(backend), np.errstate(all="ignore"):
        optimizers.clip_by_norm(with_inf, (0, 1, 3), 1.0)
    assert_allclose(with_inf, [np.inf, 2**-0.5, 2**-0.5], rtol=1e-15)
