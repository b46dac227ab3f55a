"""The NumPy back-end of :mod:`skdl.kernels`: in-place ufuncs over
preallocated buffers.

The loss is summed in float64 whatever the arrays' dtype, and the sum of
squares of the penalised weights in float64 when it overflows in theirs, as
the numba back-end sums them: summed in float32 alone they overflow sooner,
and the two back-ends then reached different outcomes on extreme inputs.
"""

import numpy as np
from scipy.special import expit

from ._numpy_conv import (
    avg_pool_backward,
    avg_pool_forward,
    col2im,
    im2col,
    max_pool_backward,
    max_pool_forward,
)
from ._numpy_perceptron import perceptron_epoch, shuffle_permutation
from ._numpy_recurrent import (
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


def bias_forward(z, bias, activation):
    """See :func:`skdl.kernels.bias_forward`."""
    z += bias
    if activation == "relu":
        np.maximum(z, 0, out=z)
    elif activation == "tanh":
        np.tanh(z, out=z)
    elif activation == "sigmoid":
        expit(z, out=z)


def relu_backward(grad, a):
    """See :func:`skdl.kernels.relu_backward`."""
    grad *= a > 0


def tanh_backward(grad, a):
    """See :func:`skdl.kernels.tanh_backward`."""
    slope = a * a
    np.subtract(1, slope, out=slope)
    grad *= slope


def sigmoid_backward(grad, a):
    """See :func:`skdl.kernels.sigmoid_backward`."""
    slope = 1 - a
    slope *= a
    grad *= slope


def add_scaled(dst, src, scale, scratch):
    """See :func:`skdl.kernels.add_scaled`."""
    np.multiply(src, scale, out=scratch)
    dst += scratch


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
    """See :func:`skdl.kernels.sgd_step`."""
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
    """See :func:`skdl.kernels.adam_step`."""
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


def softmax_cross_entropy(z, y, out, delta, sample_weight, weight_sum):
    """See :func:`skdl.kernels.softmax_cross_entropy`."""
    top = z.max(axis=1, keepdims=True)
    np.subtract(z, top, out=out)
    np.exp(out, out=out)
    total = out.sum(axis=1, keepdims=True)
    out /= total
    target_mass = y.sum(axis=1, dtype=np.float64)
    target_logit = np.einsum("ij,ij->i", y, z, dtype=np.float64)
    log_mass = np.log(total[:, 0], dtype=np.float64) + top[:, 0]
    per_sample = log_mass * target_mass - target_logit
    if sample_weight is None:
        value = float(np.mean(per_sample))
        delta_scale = 1.0 / weight_sum
    else:
        value = float(np.dot(per_sample, sample_weight) / weight_sum)
        delta_scale = (sample_weight / weight_sum).astype(delta.dtype)[:, None]
    np.multiply(out, target_mass[:, None], out=delta)
    delta -= y
    delta *= delta_scale
    return value
