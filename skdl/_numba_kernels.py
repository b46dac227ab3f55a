"""The numba back-end of :mod:`skdl.kernels`: fused, vectorised loops.
Importing this module fails without numba.

The loops are serial on purpose. Between two matrix products OpenBLAS's
threads keep spinning on the cores; a parallel numba region started then
competes with them for the same cores, and measured here it made a training
step several times slower, not faster. ``error_model="numpy"`` lets LLVM
vectorise the divisions.

The fast-math flags leave out ``nnan`` and ``ninf``: with them LLVM may
assume that no value is inf or NaN, and on extreme inputs this back-end then
reached another outcome than NumPy's (a fit where NumPy diverged, or the
other way round). They leave out ``reassoc`` too, but for the one loop that
only sums: reordering a product changes where it overflows (``0 * (a * b)``
is NaN when ``a * b`` overflows, ``(0 * a) * b`` is 0). So every kernel
evaluates each entry in the order of the NumPy back-end's passes, and inf
and NaN go through it as through NumPy's ufuncs; the flags kept
(``contract``, ``arcp``, ``afn``, ``nsz``) only round differently. Losses
are summed in float64, squared norms in float64 when their sum in the
arrays' dtype overflows, as the NumPy back-end sums them.

Every kernel is compiled by :func:`skdl._numba_jit.njit`: cached on disk,
or, where numba finds no writable cache directory, compiled anew in each
process after one warning.
"""

import math

import numpy as np

from ._numba_conv import (
    avg_pool_backward,
    avg_pool_forward,
    col2im,
    im2col,
    max_pool_backward,
    max_pool_forward,
)
from ._numba_jit import FASTMATH_FLAGS, njit
from ._numba_perceptron import perceptron_epoch, shuffle_permutation
from ._numba_recurrent import (
    gru_sequence_backward,
    gru_sequence_forward,
    gru_step_backward,
    gru_step_forward,
    lstm_sequence_backward,
    lstm_sequence_forward,
    lstm_step_backward,
    lstm_step_forward,
)

__all__ = [
    "lstm_step_forward",
    "lstm_step_backward",
    "gru_step_forward",
    "gru_step_backward",
    "lstm_sequence_forward",
    "lstm_sequence_backward",
    "gru_sequence_forward",
    "gru_sequence_backward",
    "bias_forward", "relu_backward", "tanh_backward", "sigmoid_backward", "add_scaled",
    "sgd_step", "adam_step", "softmax_cross_entropy", "shuffle_permutation",
    "perceptron_epoch", "im2col", "col2im", "max_pool_forward", "max_pool_backward",
    "avg_pool_forward", "avg_pool_backward",
]

_jit = njit(fastmath=set(FASTMATH_FLAGS), error_model="numpy")
_jit_sum = njit(fastmath=set(FASTMATH_FLAGS | {"reassoc"}), error_model="numpy")
"""For a loop that only sums: ``reassoc`` lets LLVM vectorise the sum."""


@_jit
def _bias_forward(z, bias, kind, one):
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            x = z[i, j] + bias[j]
            if kind == 1:
                x = max(x, 0)
            elif kind == 2:
                x = math.tanh(x)
            elif kind == 3:
                x = one / (one + math.exp(-x))
            z[i, j] = x


_KINDS = {"identity": 0, "relu": 1, "tanh": 2, "sigmoid": 3}


def bias_forward(z, bias, activation):
    """See :func:`skdl.kernels.bias_forward`."""
    _bias_forward(z, bias, _KINDS[activation], z.dtype.type(1))


@_jit
def _relu_backward(grad, a):
    # NumPy's ``grad *= a > 0``, also for inf and NaN (inf times 0 is NaN);
    # the branch-free product also runs 2-3x faster than storing zeros
    for i in range(grad.size):
        grad[i] *= a[i] > 0


# ``one`` comes in the arrays' dtype: a literal 1 would make each product
# float64, overflowing elsewhere than NumPy's float32 product does
@_jit
def _tanh_backward(grad, a, one):
    for i in range(grad.size):
        grad[i] *= one - a[i] * a[i]


@_jit
def _sigmoid_backward(grad, a, one):
    for i in range(grad.size):
        grad[i] *= (one - a[i]) * a[i]


def relu_backward(grad, a):
    """See :func:`skdl.kernels.relu_backward`."""
    _relu_backward(grad.reshape(-1), a.reshape(-1))


def tanh_backward(grad, a):
    """See :func:`skdl.kernels.tanh_backward`."""
    _tanh_backward(grad.reshape(-1), a.reshape(-1), grad.dtype.type(1))


def sigmoid_backward(grad, a):
    """See :func:`skdl.kernels.sigmoid_backward`."""
    _sigmoid_backward(grad.reshape(-1), a.reshape(-1), grad.dtype.type(1))


@_jit
def _add_scaled(dst, src, scale):
    for i in range(dst.size):
        dst[i] += scale * src[i]


def add_scaled(dst, src, scale, scratch):
    """See :func:`skdl.kernels.add_scaled` (``scratch`` is not needed)."""
    _add_scaled(dst, src, dst.dtype.type(scale))


@_jit_sum
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


@_jit
def _sgd_penalised(params, grad, velocity, lr, momentum, nesterov, l2):
    for i in range(params.size):
        p = params[i]
        step = lr * (grad[i] + l2 * p)
        vel = momentum * velocity[i] - step
        velocity[i] = vel
        params[i] = p + momentum * vel - step if nesterov else p + vel


@_jit
def _sgd_plain(params, grad, velocity, lr, momentum, nesterov):
    for i in range(params.size):
        p = params[i]
        step = lr * grad[i]
        vel = momentum * velocity[i] - step
        velocity[i] = vel
        params[i] = p + momentum * vel - step if nesterov else p + vel


@_jit
def _sgd_step(params, grad, velocity, lr, momentum, nesterov, l2, n_penalized):
    n = n_penalized
    _sgd_penalised(params[:n], grad[:n], velocity[:n], lr, momentum, nesterov, l2)
    _sgd_plain(params[n:], grad[n:], velocity[n:], lr, momentum, nesterov)


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov, l2=0.0,
             n_penalized=0):
    """See :func:`skdl.kernels.sgd_step`."""
    cast = params.dtype.type
    n_penalized = n_penalized if l2 else 0
    squares = _penalty_squares(params, n_penalized)
    _sgd_step(params, grad, velocity, cast(learning_rate), cast(momentum), nesterov,
              cast(l2), n_penalized)
    return squares


@_jit
def _adam_penalised(params, grad, m, v, step, beta_1, beta_2, epsilon, keep_m, keep_v, l2):
    for i in range(params.size):
        p = params[i]
        g = grad[i] + l2 * p
        mi = beta_1 * m[i] + keep_m * g
        vi = beta_2 * v[i] + g * g * keep_v
        m[i] = mi
        v[i] = vi
        params[i] = p - mi / (math.sqrt(vi) + epsilon) * step


@_jit
def _adam_plain(params, grad, m, v, step, beta_1, beta_2, epsilon, keep_m, keep_v):
    for i in range(params.size):
        g = grad[i]
        mi = beta_1 * m[i] + keep_m * g
        vi = beta_2 * v[i] + g * g * keep_v
        m[i] = mi
        v[i] = vi
        params[i] -= mi / (math.sqrt(vi) + epsilon) * step


@_jit
def _adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, keep_m, keep_v, l2,
               n_penalized):
    n = n_penalized
    _adam_penalised(params[:n], grad[:n], m[:n], v[:n], step, beta_1, beta_2, epsilon,
                    keep_m, keep_v, l2)
    _adam_plain(params[n:], grad[n:], m[n:], v[n:], step, beta_1, beta_2, epsilon, keep_m,
                keep_v)


def adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch, l2=0.0,
              n_penalized=0):
    """See :func:`skdl.kernels.adam_step` (``scratch`` is not needed).

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


@_jit
def _softmax_cross_entropy(z, y, out, delta, weights, weighted, weight_sum):
    rows, cols = z.shape
    total = 0.0
    for i in range(rows):
        top = z[i, 0]
        for j in range(1, cols):
            top = max(top, z[i, j])
        mass = 0.0
        for j in range(cols):
            e = math.exp(z[i, j] - top)
            out[i, j] = e
            mass += e
        target_mass = 0.0
        target_logit = 0.0
        for j in range(cols):
            out[i, j] /= mass
            target_mass += y[i, j]
            target_logit += np.float64(y[i, j]) * np.float64(z[i, j])  # as NumPy
        w = weights[i] if weighted else 1.0
        scale = w / weight_sum
        for j in range(cols):
            delta[i, j] = (out[i, j] * target_mass - y[i, j]) * scale
        total += w * ((math.log(mass) + top) * target_mass - target_logit)
    return total / weight_sum


def softmax_cross_entropy(z, y, out, delta, sample_weight, weight_sum):
    """See :func:`skdl.kernels.softmax_cross_entropy`."""
    weighted = sample_weight is not None
    weights = sample_weight if weighted else z[:0, 0]
    return float(_softmax_cross_entropy(z, y, out, delta, weights, weighted,
                                        float(weight_sum)))
