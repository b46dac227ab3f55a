"""The NumPy back-end of :mod:`skdl.backend.optimizers`: in-place ufuncs
over the flat parameter vector, and the clipping of the gradient.

The sum of squares of the penalised weights is summed in float64 when it
overflows in their dtype, as the numba back-end sums it: summed in float32
alone it overflows sooner, and the two back-ends then reached different
outcomes on extreme inputs.
"""

import math

import numpy as np

from .dense import add_scaled


def _penalise(params, grad, l2, n_penalized, scratch=None):
    """Add the L2 gradient to ``grad``; return the penalised sum of squares.
    ``scratch`` (like ``params``) spares a temporary array."""
    if not (l2 and n_penalized):
        return 0.0
    penalised = params[:n_penalized]
    squares = _sum_of_squares(penalised)
    if scratch is None:
        grad[:n_penalized] += l2 * penalised
    else:
        add_scaled(grad[:n_penalized], penalised, l2, scratch[:n_penalized])
    return squares


def _sum_of_squares(x):
    """``sum(x ** 2)``: BLAS's dot in ``x``'s dtype (ten times faster than a
    float64 sum of float32 data), redone in float64 when that overflows, so
    that it is finite exactly when the float64 sum is."""
    squares = float(np.dot(x, x))
    if squares == np.inf and x.dtype != np.float64:
        squares = float(np.einsum("i,i->", x, x, dtype=np.float64))
    return squares


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov, l2=0.0,
             n_penalized=0):
    """See :func:`skdl.backend.optimizers.sgd_step`."""
    squares = _penalise(params, grad, l2, n_penalized)
    step = grad * learning_rate
    velocity *= momentum
    velocity -= step
    if nesterov:
        params += momentum * velocity
        params -= step
    else:
        params += velocity
    return squares


def adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch, l2=0.0,
              n_penalized=0):
    """See :func:`skdl.backend.optimizers.adam_step`."""
    squares = _penalise(params, grad, l2, n_penalized, scratch)
    m *= beta_1
    np.multiply(grad, 1 - beta_1, out=scratch)
    m += scratch
    v *= beta_2
    np.multiply(grad, grad, out=scratch)
    scratch *= 1 - beta_2
    v += scratch
    np.sqrt(v, out=scratch)
    scratch += epsilon
    np.divide(m, scratch, out=scratch)
    scratch *= step
    params -= scratch
    return squares


def rmsprop_step(params, grad, mean_square, mean_gradient, velocity, learning_rate, rho,
                 momentum, epsilon, scratch):
    """See :func:`skdl.backend.optimizers.rmsprop_step`."""
    mean_square *= rho
    np.multiply(grad, grad, out=scratch)
    scratch *= 1 - rho
    mean_square += scratch
    if mean_gradient is not None:
        mean_gradient *= rho
        np.multiply(grad, 1 - rho, out=scratch)
        mean_gradient += scratch
        np.multiply(mean_gradient, mean_gradient, out=scratch)
        np.subtract(mean_square, scratch, out=scratch)
        scratch += epsilon
    else:
        np.add(mean_square, epsilon, out=scratch)
    np.sqrt(scratch, out=scratch)
    np.divide(grad, scratch, out=scratch)
    scratch *= learning_rate
    if velocity is not None:
        velocity *= momentum
        velocity += scratch
        params -= velocity
    else:
        params -= scratch


def nadam_step(params, grad, m, v, learning_rate, beta_1, beta_2, epsilon,
               momentum_weight, gradient_weight, v_correction, scratch):
    """See :func:`skdl.backend.optimizers.nadam_step`."""
    denominator, numerator = scratch
    m *= beta_1
    np.multiply(grad, 1 - beta_1, out=denominator)
    m += denominator
    v *= beta_2
    np.multiply(grad, grad, out=denominator)
    denominator *= 1 - beta_2
    v += denominator
    np.multiply(grad, gradient_weight, out=numerator)
    np.multiply(m, momentum_weight, out=denominator)
    numerator += denominator
    numerator *= learning_rate
    np.divide(v, v_correction, out=denominator)
    np.sqrt(denominator, out=denominator)
    denominator += epsilon
    np.divide(numerator, denominator, out=numerator)
    params -= numerator


def add_l2_gradient(params, grad, scratch, l2, n_penalized):
    """See :func:`skdl.backend.optimizers.add_l2_gradient`."""
    return _penalise(params, grad, l2, n_penalized, scratch)


def clip_by_norm(grad, boundaries, clipnorm):
    """See :func:`skdl.backend.optimizers.clip_by_norm`."""
    for start, stop in zip(boundaries[:-1], boundaries[1:]):
        _clip_to_norm(grad[start:stop], clipnorm)


def clip_by_global_norm(grad, clipnorm):
    """See :func:`skdl.backend.optimizers.clip_by_global_norm`."""
    _clip_to_norm(grad, clipnorm)


def _clip_to_norm(part, clipnorm):
    """Scale ``part`` in place to the norm ``clipnorm`` if its norm is larger
    and finite."""
    norm = math.sqrt(_sum_of_squares(part))
    if clipnorm < norm < math.inf:
        part *= clipnorm / norm


def clip_by_value(grad, clipvalue):
    """See :func:`skdl.backend.optimizers.clip_by_value`."""
    np.clip(grad, -clipvalue, clipvalue, out=grad)
