"""Plain-loop references of the sequence layers, written here from their
definitions and independent of skdl's routines: channels-last sequences
``(n, timesteps, features)``, Keras's weight layouts and gate orders, zero
initial states, TensorFlow's "same" padding (``out = ceil(T / s)``, the odd
extra padding step at the end)."""

import numpy as np

from layer_reference import geometry


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm(x, kernel, recurrent_kernel, bias):
    """Every step's ``h`` (n, T, H): gates i, f, c, o in Keras's order,
    ``c = f * c + i * g``, ``h = o * tanh(c)``."""
    n, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h, c = np.zeros((n, units)), np.zeros((n, units))
    out = np.empty((n, steps, units))
    for t in range(steps):
        a = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i = sigmoid(a[:, :units])
        f = sigmoid(a[:, units:2 * units])
        g = np.tanh(a[:, 2 * units:3 * units])
        o = sigmoid(a[:, 3 * units:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out[:, t] = h
    return out


def gru(x, kernel, recurrent_kernel, bias):
    """Every step's ``h`` (n, T, H) of Keras's GRU with ``reset_after=True``:
    gates z, r, h~; ``h~ = tanh(x W_h + b_h + r * (h U_h + b_rh))``,
    ``h = z * h + (1 - z) * h~``; ``bias`` is (2, 3H), input then recurrent."""
    n, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((n, units))
    out = np.empty((n, steps, units))
    for t in range(steps):
        p = x[:, t] @ kernel + bias[0]
        q = h @ recurrent_kernel + bias[1]
        z = sigmoid(p[:, :units] + q[:, :units])
        r = sigmoid(p[:, units:2 * units] + q[:, units:2 * units])
        candidate = np.tanh(p[:, 2 * units:] + r * q[:, 2 * units:])
        h = z * h + (1 - z) * candidate
        out[:, t] = h
    return out


ACTIVATIONS = {
    "tanh": np.tanh,
    None: lambda z: z,
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": sigmoid,
}


def simple_rnn(x, kernel, recurrent_kernel, bias, activation="tanh"):
    """Every step's ``h = activation(x_t K + h R + b)``, (n, T, H)."""
    n, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    act = ACTIVATIONS[activation]
    h = np.zeros((n, units))
    out = np.empty((n, steps, units))
    for t in range(steps):
        h = act(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        out[:, t] = h
    return out


def conv1d(x, kernel, bias, stride, padding):
    """``out[n, t, f] = bias[f] + sum_{u, c} x[n, t * s + u - left, c] *
    kernel[u, c, f]``, steps outside the sequence counting as 0; one loop
    per output step, window step, channel and filter."""
    n, steps, channels = x.shape
    size, _, filters = kernel.shape
    out_steps, left = geometry(steps, size, stride, padding)
    out = np.zeros((n, out_steps, filters))
    for s in range(n):
        for t in range(out_steps):
            for f in range(filters):
                total = bias[f]
                for u in range(size):
                    step = t * stride + u - left
                    if 0 <= step < steps:
                        for c in range(channels):
                            total += x[s, step, c] * kernel[u, c, f]
                out[s, t, f] = total
    return out


def pool1d_windows(steps, size, stride, padding):
    """``(t, first, last)`` of every output step: the window's steps inside
    the sequence, ``range(first, last)``."""
    out_steps, left = geometry(steps, size, stride, padding)
    for t in range(out_steps):
        start = t * stride - left
        yield t, max(start, 0), min(start + size, steps)


def max_pool1d(x, size, stride, padding):
    n, steps, channels = x.shape
    out_steps = geometry(steps, size, stride, padding)[0]
    out = np.empty((n, out_steps, channels))
    for t, first, last in pool1d_windows(steps, size, stride, padding):
        out[:, t] = x[:, first:last].max(axis=1)
    return out


def avg_pool1d(x, size, stride, padding):
    """Mean over the window's steps inside the sequence."""
    n, steps, channels = x.shape
    out_steps = geometry(steps, size, stride, padding)[0]
    out = np.empty((n, out_steps, channels))
    for t, first, last in pool1d_windows(steps, size, stride, padding):
        out[:, t] = x[:, first:last].mean(axis=1)
    return out


def max_pool1d_backward(x, dout, size, stride, padding):
    """Each output's gradient added to the first maximum of its window."""
    dx = np.zeros(x.shape)
    n, steps, channels = x.shape
    for t, first, last in pool1d_windows(steps, size, stride, padding):
        for s in range(n):
            for c in range(channels):
                dx[s, first + int(np.argmax(x[s, first:last, c])), c] += dout[s, t, c]
    return dx
