"""The numba back-end of :mod:`skdl.backend.optimizers`: the SGD and Adam
steps, each one fused loop over the parameters (see
:mod:`skdl.backend.numba` for how they are compiled)."""

import math

import numpy as np

from ._jit import jit, jit_sum


@jit_sum
def _sum_of_squares(x, n, zero):
    """``sum(x[:n] ** 2)``, summed in the dtype of ``zero``."""
    squares = zero
    for i in range(n):
        p = zero + x[i]  # in zero's dtype
        squares += p * p
    return squares


def _penalty_squares(params, n_penalized):
    """Sum of squares of ``params[:n_penalized]`` as the NumPy back-end
    sums it: in the parameters' dtype, again in float64 when that
    overflows, so that it is finite exactly when the float64 sum is. A loop
    of its own, the one allowed to reassociate; summing in float64 always
    cost 3.5x more time with float32 parameters."""
    squares = float(_sum_of_squares(params, n_penalized, params.dtype.type(0)))
    if squares == math.inf and params.dtype != np.float64:
        squares = float(_sum_of_squares(params, n_penalized, 0.0))
    return squares


# The penalised entries and the others run as two branch-free loops over
# slice views, each from index 0: a loop from a runtime offset
# (``range(n_penalized, size)``) compiled to scalar code, 5x slower.


@jit
def _sgd_penalised(params, grad, velocity, lr, momentum, nesterov, l2):
    for i in range(params.size):
        p = params[i]
        step = lr * (grad[i] + l2 * p)
        vel = momentum * velocity[i] - step
        velocity[i] = vel
        params[i] = p + momentum * vel - step if nesterov else p + vel


@jit
def _sgd_plain(params, grad, velocity, lr, momentum, nesterov):
    for i in range(params.size):
        p = params[i]
        step = lr * grad[i]
        vel = momentum * velocity[i] - step
        velocity[i] = vel
        params[i] = p + momentum * vel - step if nesterov else p + vel


@jit
def _sgd_step(params, grad, velocity, lr, momentum, nesterov, l2, n_penalized):
    n = n_penalized
    _sgd_penalised(params[:n], grad[:n], velocity[:n], lr, momentum, nesterov, l2)
    _sgd_plain(params[n:], grad[n:], velocity[n:], lr, momentum, nesterov)


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov, l2=0.0,
             n_penalized=0):
    """See :func:`skdl.backend.optimizers.sgd_step`."""
    cast = params.dtype.type
    n_penalized = n_penalized if l2 else 0
    squares = _penalty_squares(params, n_penalized)
    _sgd_step(params, grad, velocity, cast(learning_rate), cast(momentum), nesterov,
              cast(l2), n_penalized)
    return squares


@jit
def _adam_penalised(params, grad, m, v, step, beta_1, beta_2, epsilon, keep_m, keep_v, l2):
    for i in range(params.size):
        p = params[i]
        g = grad[i] + l2 * p
        mi = beta_1 * m[i] + keep_m * g
        vi = beta_2 * v[i] + g * g * keep_v
        m[i] = mi
        v[i] = vi
        params[i] = p - mi / (math.sqrt(vi) + epsilon) * step


@jit
def _adam_plain(params, grad, m, v, step, beta_1, beta_2, epsilon, keep_m, keep_v):
    for i in range(params.size):
        g = grad[i]
        mi = beta_1 * m[i] + keep_m * g
        vi = beta_2 * v[i] + g * g * keep_v
        m[i] = mi
        v[i] = vi
        params[i] -= mi / (math.sqrt(vi) + epsilon) * step


@jit
def _adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, keep_m, keep_v, l2,
               n_penalized):
    n = n_penalized
    _adam_penalised(params[:n], grad[:n], m[:n], v[:n], step, beta_1, beta_2, epsilon,
                    keep_m, keep_v, l2)
    _adam_plain(params[n:], grad[n:], m[n:], v[n:], step, beta_1, beta_2, epsilon, keep_m,
                keep_v)


def adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch, l2=0.0,
              n_penalized=0):
    """See :func:`skdl.backend.optimizers.adam_step` (``scratch`` is not needed).

    Each entry is computed in the order of the NumPy back-end's passes
    (``g * g`` first, then times ``1 - beta_2``; ``m / (sqrt(v) + epsilon)``
    before the step size), so that an overflow in one back-end is an
    overflow in the other. The penalised and unpenalised entries run as two
    branch-free loops over slice views, which LLVM vectorises; one loop with
    a branch inside ran 1.2x (float32) to 3x (float64) slower within
    training here. Every scalar comes cast to the parameters' dtype (``1 -
    beta_1`` computed inside would be float64 and turn a float32 loop into a
    float64 one).
    """
    cast = params.dtype.type
    n_penalized = n_penalized if l2 else 0
    squares = _penalty_squares(params, n_penalized)
    _adam_step(params, grad, m, v, cast(step), cast(beta_1), cast(beta_2), cast(epsilon),
               cast(1 - beta_1), cast(1 - beta_2), cast(l2), n_penalized)
    return squares


