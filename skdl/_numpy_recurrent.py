"""NumPy back-end of the recurrent cells' kernels: the gate nonlinearities
and the state updates of one time step, forward and back, for a whole batch
at once; and whole sequences, each step's recurrent product included. See
:mod:`skdl.kernels` for the contracts."""

import numpy as np
from scipy.special import expit

__all__ = [
    "lstm_step_forward",
    "lstm_step_backward",
    "gru_step_forward",
    "gru_step_backward",
    "lstm_sequence_forward",
    "lstm_sequence_backward",
    "gru_sequence_forward",
    "gru_sequence_backward",
]


def lstm_step_forward(a, c_prev, c, tanh_c, h):
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


def lstm_step_backward(a, c_prev, tanh_c, dh, dc, d_a):
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


def gru_step_forward(a, recurrent, h_prev, h):
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


def gru_step_backward(a, recurrent, h_prev, dh, d_a, d_recurrent):
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


# ------------------------------------------------------------- sequences
# The time loops, each step one product into a preallocated buffer and the
# step kernels above; the same passes as the layers made before these
# kernels existed.

def lstm_sequence_forward(gates, bias, recurrent_kernel, states, cells, tanh_cells,
                          recurrent):
    gates += bias
    from_zero = not states[0].any()
    for t in range(gates.shape[0]):
        if t > 0 or not from_zero:  # else the product is zero
            np.matmul(states[t], recurrent_kernel, out=recurrent)
            gates[t] += recurrent
        lstm_step_forward(gates[t], cells[t], cells[t + 1], tanh_cells[t], states[t + 1])


def lstm_sequence_backward(d_out, gates, cells, tanh_cells, recurrent_kernel, dh, dc,
                           d_gates):
    dh[...] = 0
    dc[...] = 0
    kernel_t = recurrent_kernel.T
    for t in range(gates.shape[0] - 1, -1, -1):
        dh += d_out[t]
        lstm_step_backward(gates[t], cells[t], tanh_cells[t], dh, dc, d_gates[t])
        np.matmul(d_gates[t], kernel_t, out=dh)


def gru_sequence_forward(gates, bias, recurrent_kernel, recurrent, states):
    gates += bias[0]
    from_zero = not states[0].any()
    for t in range(gates.shape[0]):
        if t == 0 and from_zero:
            recurrent[0] = bias[1]
        else:
            np.matmul(states[t], recurrent_kernel, out=recurrent[t])
            recurrent[t] += bias[1]
        gru_step_forward(gates[t], recurrent[t], states[t], states[t + 1])


def gru_sequence_backward(d_out, gates, recurrent, states, recurrent_kernel, dh, through,
                          d_gates, d_recurrent):
    dh[...] = 0
    kernel_t = recurrent_kernel.T
    for t in range(gates.shape[0] - 1, -1, -1):
        dh += d_out[t]
        gru_step_backward(gates[t], recurrent[t], states[t], dh, d_gates[t], d_recurrent[t])
        np.matmul(d_recurrent[t], kernel_t, out=through)
        dh += through
