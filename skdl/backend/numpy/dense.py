"""The NumPy back-end of :mod:`skdl.backend.dense`: in-place ufuncs over
preallocated buffers. The loss is summed in float64 whatever the arrays'
dtype, as the numba back-end sums it."""

import numpy as np
from scipy.special import expit

def bias_forward(z, bias, activation):
    """See :func:`skdl.backend.dense.bias_forward`."""
    z += bias
    if activation == "relu":
        np.maximum(z, 0, out=z)
    elif activation == "tanh":
        np.tanh(z, out=z)
    elif activation == "sigmoid":
        expit(z, out=z)


def relu_backward(grad, a):
    """See :func:`skdl.backend.dense.relu_backward`."""
    grad *= a > 0


def tanh_backward(grad, a):
    """See :func:`skdl.backend.dense.tanh_backward`."""
    slope = a * a
    np.subtract(1, slope, out=slope)
    grad *= slope


def sigmoid_backward(grad, a):
    """See :func:`skdl.backend.dense.sigmoid_backward`."""
    slope = 1 - a
    slope *= a
    grad *= slope


def add_scaled(dst, src, scale, scratch):
    """See :func:`skdl.backend.dense.add_scaled`."""
    np.multiply(src, scale, out=scratch)
    dst += scratch


def softmax_cross_entropy(z, y, out, delta, sample_weight, weight_sum):
    """See :func:`skdl.backend.dense.softmax_cross_entropy`."""
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


def scale_rows(delta, sample_weight, weight_sum):
    """See :func:`skdl.backend.dense.scale_rows`."""
    if sample_weight is None:
        delta *= 1.0 / weight_sum
    else:
        delta *= (sample_weight / weight_sum).astype(delta.dtype)[:, None]
