"""The numba back-end of :mod:`skdl.backend.dense`: the bias and activation
pass, the activations' derivatives, ``dst += scale * src`` and the softmax
cross-entropy, each one fused loop (see :mod:`skdl.backend.numba` for how
they are compiled)."""

import math

import numpy as np

from ..dense import FUSED_ACTIVATIONS
from ._jit import jit

ACTIVATION_CODES = {name: code for code, name in enumerate(FUSED_ACTIVATIONS)}
"""The number a compiled loop knows each fused activation by."""
RELU, TANH, SIGMOID = (ACTIVATION_CODES[name] for name in ("relu", "tanh", "sigmoid"))


@jit
def _bias_forward(z, bias, kind, one):
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            x = z[i, j] + bias[j]
            if kind == RELU:
                x = max(x, 0)
            elif kind == TANH:
                x = math.tanh(x)
            elif kind == SIGMOID:
                x = one / (one + math.exp(-x))
            z[i, j] = x


def bias_forward(z, bias, activation):
    """See :func:`skdl.backend.dense.bias_forward`."""
    _bias_forward(z, bias, ACTIVATION_CODES[activation], z.dtype.type(1))


@jit
def _relu_backward(grad, a):
    # NumPy's ``grad *= a > 0``, also for inf and NaN (inf times 0 is NaN);
    # the branch-free product also runs 2-3x faster than storing zeros
    for i in range(grad.size):
        grad[i] *= a[i] > 0


# ``one`` comes in the arrays' dtype: a literal 1 would make each product
# float64, overflowing elsewhere than NumPy's float32 product does
@jit
def _tanh_backward(grad, a, one):
    for i in range(grad.size):
        grad[i] *= one - a[i] * a[i]


@jit
def _sigmoid_backward(grad, a, one):
    for i in range(grad.size):
        grad[i] *= (one - a[i]) * a[i]


def relu_backward(grad, a):
    """See :func:`skdl.backend.dense.relu_backward`."""
    _relu_backward(grad.reshape(-1), a.reshape(-1))


def tanh_backward(grad, a):
    """See :func:`skdl.backend.dense.tanh_backward`."""
    _tanh_backward(grad.reshape(-1), a.reshape(-1), grad.dtype.type(1))


def sigmoid_backward(grad, a):
    """See :func:`skdl.backend.dense.sigmoid_backward`."""
    _sigmoid_backward(grad.reshape(-1), a.reshape(-1), grad.dtype.type(1))


@jit
def _add_scaled(dst, src, scale):
    for i in range(dst.size):
        dst[i] += scale * src[i]


def add_scaled(dst, src, scale, scratch):
    """See :func:`skdl.backend.dense.add_scaled` (``scratch`` is not needed)."""
    _add_scaled(dst, src, dst.dtype.type(scale))



@jit
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
    """See :func:`skdl.backend.dense.softmax_cross_entropy`."""
    weighted = sample_weight is not None
    weights = sample_weight if weighted else z[:0, 0]
    return float(_softmax_cross_entropy(z, y, out, delta, weights, weighted,
                                        float(weight_sum)))
