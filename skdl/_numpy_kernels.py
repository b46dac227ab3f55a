"""The NumPy back-end of :mod:`skdl.kernels`: in-place ufuncs over
preallocated buffers."""

import numpy as np
from scipy.special import expit


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


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov):
    """See :func:`skdl.kernels.sgd_step`."""
    step = grad * learning_rate
    velocity *= momentum
    velocity -= step
    if nesterov:
        params += momentum * velocity
        params -= step
    else:
        params += velocity


def adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch):
    """See :func:`skdl.kernels.adam_step`."""
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
