"""The numba back-end of :mod:`skdl.backend.recurrent`: each step's bias
and recurrent additions, gate nonlinearities and state updates fused into
one pass over the batch, float32 or float64, for the front's time loops.
Importing this module fails without numba.

Compiled as the other numba routines are (see :mod:`skdl.backend.numba`):
serial loops, ``error_model="numpy"``, cached, and the fast-math flags less
``nnan``, ``ninf`` and ``reassoc``. Each entry is computed in the order of
the NumPy back-end's passes (:mod:`skdl.backend.numpy.recurrent`), so that
inf and NaN go through as through NumPy's ufuncs. A SimpleRNN whose
activation is not a built-in one with a ``fused_name`` runs the NumPy
back-end's step, which calls the activation's own methods.

The exponential and the hyperbolic tangent
------------------------------------------
PyPI's llvmlite comes without a vector math library, so ``math.exp`` and
``math.tanh`` compile to one libm call per value, and the loops around
them stay scalar. In float32 the routines therefore use two branch-free,
vectorisable approximations instead (float64 keeps libm's ``math.exp`` and
``math.tanh``, which the gradient checks in float64 rely on):

- ``tanh``: Eigen's (and ONNX Runtime's, XLA's) rational minimax
  approximation, an odd polynomial of degree 13 over an even one of
  degree 6, on the input clamped to [-7.9053, 7.9053], and exactly +-1
  beyond +-9 (as float32's tanh). Measured against float64 ``tanh`` on
  4 million float32 in [-12, 12] and a million wider ones: relative error
  below 3e-7 (float32's own ``np.tanh``: 1.1e-7); the tests hold it to
  5e-7.
- ``sigmoid``: ``1 / (1 + exp(-x))`` as SciPy's ``expit`` computes it, with
  Cephes's ``expf``: ``exp(x) = 2**k * exp(r)``, ``k = round(x / ln 2)``,
  ``r`` reduced in two parts and ``exp(r)`` a polynomial of degree 7;
  ``2**k`` is made from its bits (an LLVM bitcast), as ``2 * 2**(k - 1)``
  so that k may reach 128. ``exp`` overflows to inf where float32's does,
  above 88.72283 (inf included, without a comparison: ``k`` stops at 128
  and the polynomial of the growing ``r`` overflows), and below -86 returns
  exp(-86), which ``1 +`` absorbs as it absorbs the true value. Measured
  as above, sigmoid's relative error is below 1.5e-7 (as float32's
  ``expit``) down to ``sigmoid(-87)``; below, its values are subnormal
  (absolute error below 2e-45), and they are 0 from -88.72284 on, at
  exactly the inputs where ``expit``'s are. The tests hold it to 5e-7.

inf gives the limits (+-1, 0 and 1) exactly, NaN gives NaN, as NumPy does,
and a gate is 0 exactly where NumPy's is: a GRU's reset gate of 0 times an
infinite recurrent projection is NaN in both back-ends. That costs no
speed: on the LSTM and GRU steps (64 x 128, float32) the upper clamp's
comparison that it dropped paid for the ``p + p`` that it added.

Loops
-----
Each cell routine runs one row of the batch at a time, its inner loop over
``units`` contiguous values, which LLVM vectorises (8 float32 a step with
AVX2). Each entry's arithmetic sits in a helper returning a tuple, inlined
by numba (``inline="always"``): left to LLVM's inliner, the tuple return
kept the loops scalar, 4x slower.
"""

import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic, overload

from ..numpy import recurrent as reference
from ._jit import JIT_OPTIONS, jit
from .dense import ACTIVATION_CODES, RELU, SIGMOID, TANH

_inline = numba.njit(inline="always", **JIT_OPTIONS)
"""For the per-entry helpers returning tuples: inlined by numba itself, as
LLVM's inlining left the loops that called them scalar."""


# ------------------------------------------------------- float32 tanh
_f32 = np.float32
_TANH_CLAMP = _f32(7.90531110763549805)
_TANH_P = tuple(_f32(v) for v in (
    4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
    5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
    -2.76076847742355e-16))
_TANH_Q = tuple(_f32(v) for v in (
    4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04,
    1.19825839466702e-06))
_P1, _P3, _P5, _P7, _P9, _P11, _P13 = _TANH_P
_Q0, _Q2, _Q4, _Q6 = _TANH_Q
_TANH_ONE = _f32(9.0)

# --------------------------------------------------------- float32 exp
_EXP_LO = _f32(-86.0)
_LOG2E = _f32(1.44269504088896341)
_LN2_HI = _f32(0.693359375)
_LN2_LO = _f32(-2.12194440e-4)
_HALF = _f32(0.5)
_ONE = _f32(1.0)
_E0, _E1, _E2, _E3, _E4, _E5 = (_f32(v) for v in (
    1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
    1.6666665459e-1, 5.0000001201e-1))
_K_LO = _f32(-125.0)
_K_HI = _f32(128.0)


@intrinsic
def _float32_from_bits(typingctx, bits):
    """The float32 whose bit pattern is the int32 ``bits``."""
    if bits != types.int32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


@jit
def _exp32(x):
    """exp of a float32, as Cephes's ``expf`` (module docstring): inf where
    float32's exp overflows, exp(-86) below -86. The clamps are comparisons,
    not ``min``/``max``, so that NaN passes."""
    if x < _EXP_LO:
        x = _EXP_LO
    k = np.floor(x * _LOG2E + _HALF)
    # k clamped to [-125, 128], before r is reduced with it: above 88.72283
    # (k = 128, r > 0) p grows with r (every coefficient is positive) and
    # the product below overflows to inf, as float32's exp does, inf
    # included. NaN fails both tests (its k would convert to an undefined
    # integer) and becomes -125, its r and p NaN.
    k = k if k > _K_LO else _K_LO
    k = k if k < _K_HI else _K_HI
    r = x - k * _LN2_HI
    r = r - k * _LN2_LO
    p = _E0 * r + _E1
    p = p * r + _E2
    p = p * r + _E3
    p = p * r + _E4
    p = p * r + _E5
    p = p * (r * r) + r + _ONE
    # 2**k as 2 * 2**(k - 1): 2**128 is no float32
    bits = (np.int32(k) + np.int32(126)) << np.int32(23)
    return (p + p) * _float32_from_bits(np.int32(bits))


@jit
def _tanh32(x):
    """tanh of a float32, Eigen's rational approximation (module docstring)."""
    y = x
    if y > _TANH_CLAMP:
        y = _TANH_CLAMP
    if y < -_TANH_CLAMP:
        y = -_TANH_CLAMP
    x2 = y * y
    p = _P13 * x2 + _P11
    p = p * x2 + _P9
    p = p * x2 + _P7
    p = p * x2 + _P5
    p = p * x2 + _P3
    p = p * x2 + _P1
    q = _Q6 * x2 + _Q4
    q = q * x2 + _Q2
    q = q * x2 + _Q0
    t = y * p / q
    # float32's tanh is +-1 from 9 on (NaN fails both tests)
    if x > _TANH_ONE:
        t = _ONE
    if x < -_TANH_ONE:
        t = -_ONE
    return t


def _sigmoid(x):
    """Logistic sigmoid of a float32 or float64 (compiled only)."""


def _tanh(x):
    """tanh of a float32 or float64 (compiled only)."""


@overload(_sigmoid, jit_options=JIT_OPTIONS)
def _sigmoid_impl(x):
    if x == types.float32:
        return lambda x: _ONE / (_ONE + _exp32(-x))
    return lambda x: 1.0 / (1.0 + math.exp(-x))


@overload(_tanh, jit_options=JIT_OPTIONS)
def _tanh_impl(x):
    if x == types.float32:
        return lambda x: _tanh32(x)
    return lambda x: math.tanh(x)


# ---------------------------------------------------------------- LSTM
# One row of the batch at a time, over slice views of it (module
# docstring). The unit functions hold each entry's arithmetic, in the order
# of the NumPy back-end's passes; ``one`` comes in the arrays' dtype (a
# literal 1 would make float32 products float64).

@_inline
def _lstm_unit_forward(xi, xf, xg, xo, cp):
    i = _sigmoid(xi)
    f = _sigmoid(xf)
    g = _tanh(xg)
    o = _sigmoid(xo)
    c = f * cp + i * g
    t = _tanh(c)
    return i, f, g, o, c, t, o * t


@jit
def _lstm_cells_forward_sum(a, bias, recurrent, c_prev, c, tanh_c, h, h_prev, masked):
    """One step's cells from ``a = (a + bias) + recurrent``, the additions
    fused into the pass. Where ``masked`` (None, or one flag a row) is
    True, the row keeps ``c_prev`` and ``h_prev`` and nothing else of it is
    computed (numba compiles the None case without the test)."""
    n, units = c.shape
    bi = bias[:units]
    bf = bias[units:2 * units]
    bg = bias[2 * units:3 * units]
    bo = bias[3 * units:]
    for row in range(n):
        if masked is not None:
            if masked[row]:
                for j in range(units):
                    c[row, j] = c_prev[row, j]
                    h[row, j] = h_prev[row, j]
                continue
        gates = a[row]
        gi = gates[:units]
        gf = gates[units:2 * units]
        gg = gates[2 * units:3 * units]
        go = gates[3 * units:]
        rec = recurrent[row]
        ri = rec[:units]
        rf = rec[units:2 * units]
        rg = rec[2 * units:3 * units]
        ro = rec[3 * units:]
        cp = c_prev[row]
        cr = c[row]
        tr = tanh_c[row]
        hr = h[row]
        for j in range(units):
            i, f, g, o, cj, t, hj = _lstm_unit_forward(
                (gi[j] + bi[j]) + ri[j], (gf[j] + bf[j]) + rf[j],
                (gg[j] + bg[j]) + rg[j], (go[j] + bo[j]) + ro[j], cp[j])
            gi[j] = i
            gf[j] = f
            gg[j] = g
            go[j] = o
            cr[j] = cj
            tr[j] = t
            hr[j] = hj


@_inline
def _lstm_unit_backward(i, f, g, o, cp, t, d, dc, one):
    do = d * t * (o * (one - o))
    dc = dc + d * o * (one - t * t)
    di = dc * g * (i * (one - i))
    dg = dc * i * (one - g * g)
    df = dc * cp * (f * (one - f))
    return di, df, dg, do, dc * f


@jit
def _lstm_cells_backward(a, c_prev, tanh_c, dh, d_out, dc, d_a, one, masked, kept):
    """One step backward, the output's gradient ``dh + d_out`` (the
    addition fused in). Where ``masked`` (None, or one flag a row) is True,
    that gradient goes into the row of ``kept``, the row's gate gradients
    are zero and its ``dc`` stays as it is."""
    n, units = dc.shape
    for row in range(n):
        if masked is not None:
            if masked[row]:
                for j in range(units):
                    kept[row, j] = dh[row, j] + d_out[row, j]
                for j in range(4 * units):
                    d_a[row, j] = 0
                continue
        gates = a[row]
        gi = gates[:units]
        gf = gates[units:2 * units]
        gg = gates[2 * units:3 * units]
        go = gates[3 * units:]
        grads = d_a[row]
        di = grads[:units]
        df = grads[units:2 * units]
        dg = grads[2 * units:3 * units]
        do = grads[3 * units:]
        cp = c_prev[row]
        tr = tanh_c[row]
        dhr = dh[row]
        dor = d_out[row]
        dcr = dc[row]
        for j in range(units):
            di[j], df[j], dg[j], do[j], dcr[j] = _lstm_unit_backward(
                gi[j], gf[j], gg[j], go[j], cp[j], tr[j], dhr[j] + dor[j], dcr[j], one)


def lstm_cell_forward(a, bias, recurrent, c_prev, c, tanh_c, h):
    """See :func:`skdl.backend.numpy.recurrent.lstm_cell_forward`."""
    _lstm_cells_forward_sum(a, bias, recurrent, c_prev, c, tanh_c, h, None, None)


def lstm_cell_backward(a, c_prev, tanh_c, dh, d_out, dc, d_a):
    """See :func:`skdl.backend.numpy.recurrent.lstm_cell_backward` (``dh``
    is left as it is)."""
    _lstm_cells_backward(a, c_prev, tanh_c, dh, d_out, dc, d_a, dc.dtype.type(1), None, None)


def lstm_cell_forward_masked(a, bias, recurrent, c_prev, c, tanh_c, h_prev, h, masked):
    """See :func:`skdl.backend.numpy.recurrent.lstm_cell_forward_masked`;
    the masked rows are copied, not computed (their ``a`` and ``tanh_c``
    are left as they are)."""
    _lstm_cells_forward_sum(a, bias, recurrent, c_prev, c, tanh_c, h, h_prev, masked)


def lstm_cell_backward_masked(a, c_prev, tanh_c, dh, d_out, dc, d_a, masked, kept_h, kept_c):
    """See :func:`skdl.backend.numpy.recurrent.lstm_cell_backward_masked`;
    the masked rows' ``dc`` is never changed, so ``kept_c`` is not used."""
    _lstm_cells_backward(a, c_prev, tanh_c, dh, d_out, dc, d_a, dc.dtype.type(1), masked,
                         kept_h)


# ----------------------------------------------------------------- GRU
@_inline
def _gru_unit_forward(xz, xr, xh, rz, rr, rh, hp):
    z = _sigmoid(xz + rz)
    r = _sigmoid(xr + rr)
    candidate = _tanh(xh + r * rh)
    return z, r, candidate, (hp - candidate) * z + candidate


@jit
def _gru_cells_forward_sum(a, bias, recurrent, h_prev, h):
    """One step from ``a + bias[0]`` and ``recurrent += bias[1]``, the two
    bias additions fused into the pass."""
    n, units = h.shape
    bz, br, bh = bias[0, :units], bias[0, units:2 * units], bias[0, 2 * units:]
    cz, cr, ch = bias[1, :units], bias[1, units:2 * units], bias[1, 2 * units:]
    for row in range(n):
        gates = a[row]
        gz = gates[:units]
        gr = gates[units:2 * units]
        gh = gates[2 * units:]
        rec = recurrent[row]
        rz = rec[:units]
        rr = rec[units:2 * units]
        rh = rec[2 * units:]
        hp = h_prev[row]
        hr = h[row]
        for j in range(units):
            qz = rz[j] + cz[j]
            qr = rr[j] + cr[j]
            qh = rh[j] + ch[j]
            rz[j] = qz
            rr[j] = qr
            rh[j] = qh
            gz[j], gr[j], gh[j], hr[j] = _gru_unit_forward(gz[j] + bz[j], gr[j] + br[j],
                                                           gh[j] + bh[j], qz, qr, qh, hp[j])


@_inline
def _gru_unit_backward(z, r, candidate, rh, hp, d, one):
    dz = (hp - candidate) * d * (z * (one - z))
    dcand = (one - z) * d * (one - candidate * candidate)
    dr = dcand * rh * (r * (one - r))
    return dz, dr, dcand, dcand * r, d * z


@jit
def _gru_cells_backward(a, recurrent, h_prev, dh, through, d_out, d_a, d_recurrent, one):
    """One step backward, the output's gradient ``(dh + through) + d_out``
    (the additions fused in)."""
    n, units = dh.shape
    for row in range(n):
        gates = a[row]
        gz = gates[:units]
        gr = gates[units:2 * units]
        gh = gates[2 * units:]
        rh = recurrent[row][2 * units:]
        grads = d_a[row]
        dz = grads[:units]
        dr = grads[units:2 * units]
        dhh = grads[2 * units:]
        rgrads = d_recurrent[row]
        rz = rgrads[:units]
        rr = rgrads[units:2 * units]
        rhh = rgrads[2 * units:]
        hp = h_prev[row]
        dhr = dh[row]
        thr = through[row]
        dor = d_out[row]
        for j in range(units):
            d = (dhr[j] + thr[j]) + dor[j]
            dzj, drj, dcand, dr_h, dhj = _gru_unit_backward(gz[j], gr[j], gh[j], rh[j], hp[j],
                                                            d, one)
            dz[j] = dzj
            dr[j] = drj
            dhh[j] = dcand
            rz[j] = dzj
            rr[j] = drj
            rhh[j] = dr_h
            dhr[j] = dhj


def gru_cell_forward(a, bias, recurrent, h_prev, h):
    """See :func:`skdl.backend.numpy.recurrent.gru_cell_forward`."""
    _gru_cells_forward_sum(a, bias, recurrent, h_prev, h)


def gru_cell_backward(a, recurrent, h_prev, dh, through, d_out, d_a, d_recurrent):
    """See :func:`skdl.backend.numpy.recurrent.gru_cell_backward`."""
    _gru_cells_backward(a, recurrent, h_prev, dh, through, d_out, d_a, d_recurrent,
                        dh.dtype.type(1))


# ----------------------------------------------------------- SimpleRNN
# The built-in activations by the code of their ``fused_name``; ``one`` as
# above.


@_inline
def _activate(x, code):
    """The activation of code ``code`` (the identity by default)."""
    if code == RELU:
        return max(x, 0)
    if code == TANH:
        return _tanh(x)
    if code == SIGMOID:
        return _sigmoid(x)
    return x


@_inline
def _activation_slope(a, code, one):
    """The derivative from the output ``a``, as the activations' backward
    routines compute it."""
    if code == RELU:
        return one if a > 0 else one - one
    if code == TANH:
        return one - a * a
    if code == SIGMOID:
        return (one - a) * a
    return one


@jit
def _simple_rnn_cells_forward(pre, bias, recurrent, h, code):
    n, units = h.shape
    for row in range(n):
        pr = pre[row]
        rec = recurrent[row]
        hr = h[row]
        for j in range(units):
            x = (pr[j] + bias[j]) + rec[j]
            pr[j] = x
            hr[j] = _activate(x, code)


@jit
def _simple_rnn_cells_backward(h, dh, d_out, d_pre, code, one):
    n, units = h.shape
    for row in range(n):
        hr = h[row]
        dhr = dh[row]
        dor = d_out[row]
        dpr = d_pre[row]
        for j in range(units):
            d = dhr[j] + dor[j]
            dpr[j] = d * _activation_slope(hr[j], code, one)


def simple_rnn_cell_forward(pre, bias, recurrent, h, activation):
    """See :func:`skdl.backend.numpy.recurrent.simple_rnn_cell_forward`;
    fused for a built-in activation, else the NumPy back-end's step."""
    code = ACTIVATION_CODES.get(getattr(activation, "fused_name", None))
    if code is None:
        reference.simple_rnn_cell_forward(pre, bias, recurrent, h, activation)
    else:
        _simple_rnn_cells_forward(pre, bias, recurrent, h, code)


def simple_rnn_cell_backward(pre, h, dh, d_out, d_pre, activation):
    """See :func:`skdl.backend.numpy.recurrent.simple_rnn_cell_backward`
    (``dh`` is left as it is when the step is fused)."""
    code = ACTIVATION_CODES.get(getattr(activation, "fused_name", None))
    if code is None:
        reference.simple_rnn_cell_backward(pre, h, dh, d_out, d_pre, activation)
    else:
        _simple_rnn_cells_backward(h, dh, d_out, d_pre, code, h.dtype.type(1))


# ---------------------------------------------------------------- masks
@jit
def hold_masked_rows(masked, source, target):
    """See :func:`skdl.backend.numpy.recurrent.hold_masked_rows`."""
    for row in range(masked.shape[0]):
        if masked[row]:
            for j in range(target.shape[1]):
                target[row, j] = source[row, j]


@jit
def add_masked_rows(masked, a, b, out):
    """See :func:`skdl.backend.numpy.recurrent.add_masked_rows`."""
    for row in range(masked.shape[0]):
        if masked[row]:
            for j in range(out.shape[1]):
                out[row, j] = a[row, j] + b[row, j]


@jit
def zero_masked_rows(masked, target):
    """See :func:`skdl.backend.numpy.recurrent.zero_masked_rows`."""
    for row in range(masked.shape[0]):
        if masked[row]:
            for j in range(target.shape[1]):
                target[row, j] = 0
