"""The numba back-end of :mod:`skdl.kernels`: each kernel one fused pass.

Every loop is compiled twice, serial and parallel; arrays of at least
:data:`PARALLEL_MIN_SIZE` elements take the parallel one, smaller ones the
serial one, whose thread start-up would cost more than it saves.
``error_model="numpy"`` lets LLVM vectorise the divisions. Importing this
module fails without numba.
"""

import math

import numba

PARALLEL_MIN_SIZE = 1 << 16
"""Elements from which a kernel runs on all threads."""


def _kernel(loop):
    """Compile ``loop`` serial and parallel; call the one that fits the size
    of the first argument."""
    options = dict(fastmath=True, error_model="numpy", cache=True)
    serial = numba.njit(**options)(loop)
    parallel = numba.njit(parallel=True, **options)(loop)

    def run(first, *args):
        return (parallel if first.size >= PARALLEL_MIN_SIZE else serial)(first, *args)

    return run


@_kernel
def _bias_forward(z, bias, kind):
    rows, cols = z.shape
    for i in numba.prange(rows):
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


@_kernel
def _relu_backward(grad, a):
    for i in numba.prange(grad.size):
        if a[i] <= 0:
            grad[i] = 0


@_kernel
def _tanh_backward(grad, a):
    for i in numba.prange(grad.size):
        grad[i] *= 1 - a[i] * a[i]


@_kernel
def _sigmoid_backward(grad, a):
    for i in numba.prange(grad.size):
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


@_kernel
def _add_scaled(dst, src, scale):
    for i in numba.prange(dst.size):
        dst[i] += scale * src[i]


def add_scaled(dst, src, scale, scratch):
    """See :func:`skdl.kernels.add_scaled` (``scratch`` is not needed)."""
    _add_scaled(dst, src, dst.dtype.type(scale))


@_kernel
def _sgd_step(params, grad, velocity, lr, momentum, nesterov):
    for i in numba.prange(params.size):
        step = lr * grad[i]
        vel = momentum * velocity[i] - step
        velocity[i] = vel
        params[i] += momentum * vel - step if nesterov else vel


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov):
    """See :func:`skdl.kernels.sgd_step`."""
    cast = params.dtype.type
    _sgd_step(params, grad, velocity, cast(learning_rate), cast(momentum), nesterov)


@_kernel
def _adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon):
    keep_m, keep_v = 1 - beta_1, 1 - beta_2
    for i in numba.prange(params.size):
        g = grad[i]
        mi = beta_1 * m[i] + keep_m * g
        vi = beta_2 * v[i] + keep_v * g * g
        m[i] = mi
        v[i] = vi
        params[i] -= step * mi / (math.sqrt(vi) + epsilon)


def adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch):
    """See :func:`skdl.kernels.adam_step` (``scratch`` is not needed)."""
    cast = params.dtype.type
    _adam_step(params, grad, m, v, cast(step), cast(beta_1), cast(beta_2), cast(epsilon))


