"""The NumPy back-end of :mod:`skdl.backend.optimizers`: in-place ufuncs
over the flat parameter vector.

The sum of squares of the penalised weights is summed in float64 when it
overflows in their dtype, as the numba back-end sums it: summed in float32
alone it overflows sooner, and the two back-ends then reached different
outcomes on extreme inputs.
"""

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
