"""The numba back-end of :mod:`skdl.kernels`: fused, vectorised loops.
Importing this module fails without numba.

The loops are serial on purpose. Between two matrix products OpenBLAS's
threads keep spinning on the cores; a parallel numba region started then
competes with them for the same cores, and measured here it made a training
step several times slower, not faster. ``error_model="numpy"`` lets LLVM
vectorise the divisions.
"""

import math

import numba

from ._numba_perceptron import perceptron_epoch, shuffle_permutation

__all__ = [
    "bias_forward", "relu_backward", "tanh_backward", "sigmoid_backward", "add_scaled",
    "sgd_step", "adam_step", "softmax_cross_entropy", "shuffle_permutation",
    "perceptron_epoch",
]

_jit = numba.njit(fastmath=True, error_model="numpy", cache=True)


@_jit
def _bias_forward(z, bias, kind):
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            x = z[i, j] + bias[j]
            if kind == 1:
                x = max(x, 0)
            elif kind == 2:
                x = math.tanh(x)
            elif kind == 3:
                x = 1 / (1 + math.exp(-x))
            z[i, j] = x


_KINDS = {"identity": 0, "relu": 1, "tanh": 2, "sigmoid": 3}


def bias_forward(z, bias, activation):
    """See :func:`skdl.kernels.bias_forward`."""
    _bias_forward(z, bias, _KINDS[activation])


@_jit
def _relu_backward(grad, a):
    for i in range(grad.size):
        if a[i] <= 0:
            grad[i] = 0


@_jit
def _tanh_backward(grad, a):
    for i in range(grad.size):
        grad[i] *= 1 - a[i] * a[i]


@_jit
def _sigmoid_backward(grad, a):
    for i in range(grad.size):
        grad[i] *= a[i] * (1 - a[i])


def relu_backward(grad, a):
    """See :func:`skdl.kernels.relu_backward`."""
    _relu_backward(grad.reshape(-1), a.reshape(-1))


def tanh_backward(grad, a):
    """See :func:`skdl.kernels.tanh_backward`."""
    _tanh_backward(grad.reshape(-1), a.reshape(-1))


def sigmoid_backward(grad, a):
    """See :func:`skdl.kernels.sigmoid_backward`."""
    _sigmoid_backward(grad.reshape(-1), a.reshape(-1))


@_jit
def _add_scaled(dst, src, scale):
    for i in range(dst.size):
        dst[i] += scale * src[i]


def add_scaled(dst, src, scale, scratch):
    """See :func:`skdl.kernels.add_scaled` (``scratch`` is not needed)."""
    _add_scaled(dst, src, dst.dtype.type(scale))


@_jit
def _sgd_step(params, grad, velocity, lr, momentum, nesterov, l2, n_penalized):
    squares = l2 - l2  # a zero of the parameters' dtype, so the sum vectorises
    for i in range(n_penalized):
        p = params[i]
        squares += p * p
        step = lr * (grad[i] + l2 * p)
        vel = momentum * velocity[i] - step
        velocity[i] = vel
        params[i] = p + (momentum * vel - step if nesterov else vel)
    for i in range(n_penalized, params.size):
        step = lr * grad[i]
        vel = momentum * velocity[i] - step
        velocity[i] = vel
        params[i] += momentum * vel - step if nesterov else vel
    return squares


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov, l2=0.0,
             n_penalized=0):
    """See :func:`skdl.kernels.sgd_step`."""
    cast = params.dtype.type
    return float(_sgd_step(params, grad, velocity, cast(learning_rate), cast(momentum),
                           nesterov, cast(l2), n_penalized if l2 else 0))


@_jit
def _adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, keep_m, keep_v, l2,
               n_penalized):
    squares = l2 - l2  # a zero of the parameters' dtype, so the sum vectorises
    for i in range(n_penalized):
        p = params[i]
        squares += p * p
        g = grad[i] + l2 * p
        mi = beta_1 * m[i] + keep_m * g
        vi = beta_2 * v[i] + keep_v * g * g
        m[i] = mi
        v[i] = vi
        params[i] = p - step * mi / (math.sqrt(vi) + epsilon)
    for i in range(n_penalized, params.size):
        g = grad[i]
        mi = beta_1 * m[i] + keep_m * g
        vi = beta_2 * v[i] + keep_v * g * g
        m[i] = mi
        v[i] = vi
        params[i] -= step * mi / (math.sqrt(vi) + epsilon)
    return squares


def adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch, l2=0.0,
              n_penalized=0):
    """See :func:`skdl.kernels.adam_step` (``scratch`` is not needed).

    The penalised and unpenalised entries run as two branch-free loops,
    which LLVM vectorises; one loop with a branch inside ran 1.2x (float32)
    to 3x (float64) slower within training here. Every scalar comes cast to
    the parameters' dtype (``1 - beta_1`` computed inside would be float64
    and turn a float32 loop into a float64 one).
    """
    cast = params.dtype.type
    return float(_adam_step(params, grad, m, v, cast(step), cast(beta_1), cast(beta_2),
                            cast(epsilon), cast(1 - beta_1), cast(1 - beta_2), cast(l2),
                            n_penalized if l2 else 0))


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
            target_logit += y[i, j] * z[i, j]
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
