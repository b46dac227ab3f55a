"""The NumPy back-end of :mod:`skdl.backend.recurrent`: each cell's work
of one time step, forward and back, for a whole batch at once, in in-place
ufuncs; the time loops around them are the front's."""

import numpy as np
from scipy.special import expit


def lstm_cell_forward(a, bias, recurrent, c_prev, c, tanh_c, h):
    """One LSTM step from its input projection ``a`` (overwritten with the
    gates), the bias and the recurrent product (see
    :func:`skdl.backend.recurrent.lstm_sequence_forward`)."""
    a += bias
    a += recurrent
    units = c.shape[1]
    expit(a[:, : 2 * units], out=a[:, : 2 * units])
    np.tanh(a[:, 2 * units : 3 * units], out=a[:, 2 * units : 3 * units])
    expit(a[:, 3 * units :], out=a[:, 3 * units :])
    i, f, g, o = (a[:, k * units : (k + 1) * units] for k in range(4))
    np.multiply(f, c_prev, out=c)
    np.multiply(i, g, out=tanh_c)
    c += tanh_c
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=h)


def lstm_cell_backward(a, c_prev, tanh_c, dh, d_out, dc, d_a):
    """One LSTM step backward, the output's gradient ``dh + d_out`` (left in
    ``dh``); ``dc`` becomes the previous cell's gradient (see
    :func:`skdl.backend.recurrent.lstm_sequence_backward`)."""
    dh += d_out
    units = dc.shape[1]
    i, f, g, o = (a[:, k * units : (k + 1) * units] for k in range(4))
    di, df, dg, do = (d_a[:, k * units : (k + 1) * units] for k in range(4))
    # the output gate, then the cell's gradient through tanh(c)
    np.multiply(dh, tanh_c, out=do)
    do *= o * (1 - o)
    dc += dh * o * (1 - tanh_c * tanh_c)
    np.multiply(dc, g, out=di)
    di *= i * (1 - i)
    np.multiply(dc, i, out=dg)
    dg *= 1 - g * g
    np.multiply(dc, c_prev, out=df)
    df *= f * (1 - f)
    dc *= f


def lstm_cell_forward_masked(a, bias, recurrent, c_prev, c, tanh_c, h_prev, h, masked):
    """:func:`lstm_cell_forward`, then the rows where ``masked`` is True
    keep ``c_prev`` and ``h_prev`` (see
    :func:`skdl.backend.recurrent.lstm_sequence_forward`)."""
    lstm_cell_forward(a, bias, recurrent, c_prev, c, tanh_c, h)
    hold_masked_rows(masked, c_prev, c)
    hold_masked_rows(masked, h_prev, h)


def lstm_cell_backward_masked(a, c_prev, tanh_c, dh, d_out, dc, d_a, masked, kept_h, kept_c):
    """:func:`lstm_cell_backward` where the rows of ``masked`` are False;
    where they are True, ``kept_h`` gets ``dh + d_out`` (the gradient the
    previous state receives through the masked step), the gate gradients
    ``d_a`` are zero and ``dc`` is as it was (``kept_c`` holds it
    meanwhile; see :func:`skdl.backend.recurrent.lstm_sequence_backward`)."""
    add_masked_rows(masked, dh, d_out, kept_h)
    hold_masked_rows(masked, dc, kept_c)
    lstm_cell_backward(a, c_prev, tanh_c, dh, d_out, dc, d_a)
    zero_masked_rows(masked, d_a)
    hold_masked_rows(masked, kept_c, dc)


def gru_cell_forward(a, bias, recurrent, h_prev, h):
    """One GRU step from its input projection ``a`` (overwritten with the
    gates), the biases and the recurrent product (``recurrent``, to which
    the recurrent bias is added; see
    :func:`skdl.backend.recurrent.gru_sequence_forward`)."""
    a += bias[0]
    recurrent += bias[1]
    units = h.shape[1]
    zr = a[:, : 2 * units]
    zr += recurrent[:, : 2 * units]
    expit(zr, out=zr)
    z, r, hh = (a[:, k * units : (k + 1) * units] for k in range(3))
    hh += r * recurrent[:, 2 * units :]
    np.tanh(hh, out=hh)
    # h = z * h_prev + (1 - z) * hh = hh + z * (h_prev - hh)
    np.subtract(h_prev, hh, out=h)
    h *= z
    h += hh


def gru_cell_backward(a, recurrent, h_prev, dh, through, d_out, d_a, d_recurrent):
    """One GRU step backward, the output's gradient ``(dh + through) +
    d_out``; ``dh`` becomes its part that bypasses the recurrent product
    (see :func:`skdl.backend.recurrent.gru_sequence_backward`)."""
    dh += through
    dh += d_out
    units = dh.shape[1]
    z, r, hh = (a[:, k * units : (k + 1) * units] for k in range(3))
    dz, dr, dhh = (d_a[:, k * units : (k + 1) * units] for k in range(3))
    rz, rr, rh = (d_recurrent[:, k * units : (k + 1) * units] for k in range(3))
    rec_h = recurrent[:, 2 * units :]
    np.subtract(h_prev, hh, out=dz)
    dz *= dh
    dz *= z * (1 - z)
    np.subtract(1, z, out=dhh)
    dhh *= dh
    dhh *= 1 - hh * hh
    np.multiply(dhh, rec_h, out=dr)
    dr *= r * (1 - r)
    rz[...] = dz
    rr[...] = dr
    np.multiply(dhh, r, out=rh)
    dh *= z


def simple_rnn_cell_forward(pre, bias, recurrent, h, activation):
    """One SimpleRNN step: ``pre = (pre + bias) + recurrent``, then ``h =
    activation(pre)`` by the activation's own ``forward`` (see
    :func:`skdl.backend.recurrent.simple_rnn_sequence_forward`)."""
    pre += bias
    pre += recurrent
    activation.forward(pre, h)


def simple_rnn_cell_backward(pre, h, dh, d_out, d_pre, activation):
    """One SimpleRNN step backward: ``d_pre`` is ``dh + d_out`` times the
    activation's derivative, by its own ``backward`` (see
    :func:`skdl.backend.recurrent.simple_rnn_sequence_backward`)."""
    dh += d_out
    d_pre[...] = dh
    activation.backward(d_pre, pre, h)


def hold_masked_rows(masked, source, target):
    """``target[i] = source[i]`` for the rows ``i`` where ``masked`` is
    True: a masked step keeps the previous step's values."""
    np.copyto(target, source, where=masked[:, np.newaxis])


def add_masked_rows(masked, a, b, out):
    """``out[i] = a[i] + b[i]`` for the rows ``i`` where ``masked`` is
    True, the others left as they are."""
    np.add(a, b, out=out, where=masked[:, np.newaxis])


def zero_masked_rows(masked, target):
    """``target[i] = 0`` for the rows ``i`` where ``masked`` is True."""
    target[masked] = 0
