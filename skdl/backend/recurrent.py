"""The recurrent layers' time loops, written once for every cell.

A batch of ``n`` rows, ``units`` per state and gates of ``units`` columns
each, laid side by side as Keras lays them (LSTM: input, forget, cell,
output; GRU: update, reset, candidate; SimpleRNN: one block). Everything is
time-major, ``(timesteps, n, ...)``, so that each step's slice is one
contiguous block, and is checked once per sequence, before the loop.

The loop forward (:func:`_loop_forward`) makes each step's recurrent
product ``states[t] @ recurrent_kernel`` in NumPy's BLAS (none at the first
step when the initial state is all zeros, as in a layer), then hands the
step to the back-end's cell routine, which adds the bias and the product to
the step's input projection, applies the gates and writes the new state.
The loop backward (:func:`_loop_backward`, backpropagation through time)
runs the steps in reverse, each cell routine turning the gradient with
respect to the step's output into its gates' gradients, and one product per
step carrying the gradient back to the previous state.

A back-end supplies the per-step cell routines only (``lstm_cell_forward``
and the like); the NumPy back-end's are the reference, the numba back-end
fuses each step into one compiled pass. The loops are in Python on purpose:
numba's ``np.dot`` calls SciPy's OpenBLAS, a second thread pool whose
spinning threads fight NumPy's for the cores (measured for LSTM(128), T=28,
batch 64, float32: 30.5 ms forward against 7.5 with two threads), while the
Python loop costs a few microseconds a step.

Masks. Each sequence function takes a ``mask`` of shape ``(T, n)``, True
where a step of a row holds data (Keras's masking: padding is False). A
masked step keeps the previous state, as Keras's recurrent layers do: after
the step's cell routine ran for the whole batch, the carried arrays
(``states``, and an LSTM's ``cells``) get back row by row the previous
step's values where the mask is off (:func:`_loop_forward_masked`). Going
back, such a row's gradient with respect to the step's output passes to the
previous state untouched, and its gate gradients are zero, so that neither
the weights nor the input at that step receive anything
(:func:`_loop_backward_masked`). The back-ends' row routines
(``hold_masked_rows``, ``add_masked_rows``, ``zero_masked_rows``) do that
work, and only at the steps where some row is masked: without a mask, or at
a step where every row holds data, the loops are those above, step for
step.
"""

from functools import partial

import numpy as np

from ._checks import check_fit, check_floats, check_written, contiguous
from ._selection import routine

__all__ = [
    "lstm_sequence_forward", "lstm_sequence_backward", "gru_sequence_forward",
    "gru_sequence_backward", "simple_rnn_sequence_forward",
    "simple_rnn_sequence_backward",
]

_routine = partial(routine, "recurrent")

_STEP = ("n", "H")
_GATES = ("n", "W")
_SEQ = ("T", "n", "W")
_SEQ_STATES = ("T+1", "n", "H")
_SEQ_STEP = ("T", "n", "H")
_RECURRENT_KERNEL = ("H", "W")


def _check(name, n_gates, arrays, layouts, written):
    """Refuse arrays that do not fit the gates.

    Parameters
    ----------
    name : str
        The routine's name, for the messages.
    n_gates : int
    arrays : dict of str to object
        The first is the gate block, ``(timesteps, n, n_gates * units)``;
        it gives the dtype and sizes the others must have.
    layouts : dict of str to tuple
        Each array's shape in symbols: ``"T"`` (timesteps), ``"T+1"``,
        ``"n"``, ``"H"`` (units), ``"W"`` (``n_gates * units``) or an int.
    written : tuple of str
        Arrays the routine writes: C-contiguous and writeable.

    Raises
    ------
    ValueError
        Naming the array at fault and its dtype or shape.
    """
    check_floats(name, arrays)
    names = list(arrays)
    reference = names[0]
    gates = arrays[reference]
    if gates.ndim != 3:
        raise ValueError(f"{name}: {reference} must be 3-D; got shape {gates.shape}.")
    width = gates.shape[-1]
    if width % n_gates:
        raise ValueError(
            f"{name}: {reference} has {width} columns, which is not {n_gates} gates of "
            "equal width."
        )
    sizes = {"T": gates.shape[0], "T+1": gates.shape[0] + 1, "n": gates.shape[1],
             "W": width, "H": width // n_gates}
    others = {other: arrays[other] for other in names[1:]}
    needed = {other: tuple(sizes[d] if isinstance(d, str) else d for d in layouts[other])
              for other in others}
    check_fit(name, (reference, gates), others, needed)
    check_written(name, arrays, written)


def _loop_forward(recurrent_kernel, states, recurrent, cell_step):
    """Run the steps forward: each step's recurrent product into
    ``recurrent`` (one ``(n, W)`` buffer, or a ``(T, n, W)`` one that keeps
    every step's), then ``cell_step(t, recurrent_t)``."""
    from_zero = not states[0].any()
    for t in range(states.shape[0] - 1):
        product = recurrent[t] if recurrent.ndim == 3 else recurrent
        if t == 0 and from_zero:  # the product is zero
            product[...] = 0
        else:
            np.matmul(states[t], recurrent_kernel, out=product)
        cell_step(t, product)


def _check_mask(name, mask, gates):
    """``~mask``, C-contiguous, once ``mask`` is checked to be a boolean
    array of shape ``(T, n)`` for the gates ``(T, n, W)``; None for None."""
    if mask is None:
        return None
    if not (isinstance(mask, np.ndarray) and mask.dtype == np.bool_
            and mask.shape == gates.shape[:2]):
        raise ValueError(
            f"{name}: mask must be a boolean array of shape {gates.shape[:2]} (timesteps, "
            f"n), True where a step holds data; got {_describe_mask(mask)}."
        )
    return np.ascontiguousarray(~mask)


def _describe_mask(mask):
    if isinstance(mask, np.ndarray):
        return f"an array of shape {mask.shape} and dtype {mask.dtype}"
    return f"a {type(mask).__name__}"


def _loop_forward_masked(recurrent_kernel, states, recurrent, cell_step, masked, carried):
    """:func:`_loop_forward`, then at each step where ``masked`` (``(T,
    n)``, True at padding) holds a row, each array of ``carried`` (``(T +
    1, n, H)``) gets back that row of the previous step."""
    if masked is None:
        _loop_forward(recurrent_kernel, states, recurrent, cell_step)
        return
    hold = _routine("hold_masked_rows")
    any_masked = masked.any(axis=1)

    def step(t, product):
        cell_step(t, product)
        if any_masked[t]:
            for array in carried:
                hold(masked[t], array[t], array[t + 1])

    _loop_forward(recurrent_kernel, states, recurrent, step)


def _loop_backward_masked(recurrent_kernel, d_recurrent, through, cell_step, masked, before,
                          zeroed, after):
    """:func:`_loop_backward` where ``masked`` (``(T, n)``, True at
    padding) is None; else at each step with a masked row, ``before(t,
    m)`` runs before the cell (to keep what the masked rows must carry),
    the rows ``m`` of every array ``zeroed(t)`` gives are zeroed after it
    (their gates get no gradient; so ``through`` gets none there), and
    ``after(t, m)`` runs after the recurrent product."""
    if masked is None:
        _loop_backward(recurrent_kernel, d_recurrent, through, cell_step)
        return
    zero = _routine("zero_masked_rows")
    any_masked = masked.any(axis=1)
    through[...] = 0
    kernel_t = recurrent_kernel.T
    for t in range(d_recurrent.shape[0] - 1, -1, -1):
        if not any_masked[t]:
            cell_step(t)
            np.matmul(d_recurrent[t], kernel_t, out=through)
            continue
        m = masked[t]
        before(t, m)
        cell_step(t)
        for array in zeroed(t):
            zero(m, array)
        np.matmul(d_recurrent[t], kernel_t, out=through)
        after(t, m)


def _loop_backward(recurrent_kernel, d_recurrent, through, cell_step):
    """Run the steps backward from ``through = 0``: ``cell_step(t)`` makes
    the step's gradients (``through`` holds the gradient the later steps
    send to this step's output), then ``through = d_recurrent[t] @
    recurrent_kernel.T``, the gradient with respect to the previous state
    (at the end, the initial one)."""
    through[...] = 0
    kernel_t = recurrent_kernel.T
    for t in range(d_recurrent.shape[0] - 1, -1, -1):
        cell_step(t)
        np.matmul(d_recurrent[t], kernel_t, out=through)


def lstm_sequence_forward(gates, bias, recurrent_kernel, states, cells, tanh_cells,
                          recurrent, mask=None):
    """An LSTM layer's time loop forward, after the input projection.

    For ``t`` in ``0 .. T-1``: ``a = (gates[t] + bias) + states[t] @
    recurrent_kernel`` split into the gates input, forget, cell and output,
    ``i, f, o = sigmoid(...)``, ``g = tanh(...)``; then ``cells[t + 1] = f
    * cells[t] + i * g`` and ``states[t + 1] = o * tanh(cells[t + 1])``.

    Parameters
    ----------
    gates : ndarray of shape (T, n, 4 * units), C-contiguous
        Each step's input projection ``x_t @ kernel``, without the bias;
        overwritten with the step's gates (sigmoid, sigmoid, tanh, sigmoid).
    bias : ndarray of shape (4 * units,)
    recurrent_kernel : ndarray of shape (units, 4 * units)
    states : ndarray of shape (T + 1, n, units), C-contiguous
        ``states[0]`` is the initial output state (read); ``states[1:]``
        are written, the output of each step.
    cells : ndarray of shape (T + 1, n, units), C-contiguous
        ``cells[0]`` is the initial cell state (read); ``cells[1:]`` are
        written.
    tanh_cells : ndarray of shape (T, n, units), C-contiguous
        Written: ``tanh(cells[1:])``.
    recurrent : ndarray of shape (n, 4 * units), C-contiguous
        Scratch for the step's recurrent product.
    mask : ndarray of bool of shape (T, n), default=None
        True where a step holds data; where it is False the step keeps
        the previous ``states`` and ``cells`` (see the module's notes).

    Raises
    ------
    ValueError
        If the arrays are not float arrays of one dtype and these shapes,
        or a written one is not C-contiguous and writeable, or the mask
        is not a boolean array of shape (T, n).
    """
    _check("lstm_sequence_forward", 4,
           {"gates": gates, "bias": bias, "recurrent_kernel": recurrent_kernel,
            "states": states, "cells": cells, "tanh_cells": tanh_cells,
            "recurrent": recurrent},
           {"bias": ("W",), "recurrent_kernel": _RECURRENT_KERNEL, "states": _SEQ_STATES,
            "cells": _SEQ_STATES, "tanh_cells": _SEQ_STEP, "recurrent": _GATES},
           ("gates", "states", "cells", "tanh_cells", "recurrent"))
    masked = _check_mask("lstm_sequence_forward", mask, gates)
    bias, recurrent_kernel = contiguous(bias, recurrent_kernel)
    cell = _routine("lstm_cell_forward")
    if masked is None:
        _loop_forward(recurrent_kernel, states, recurrent, lambda t, product: cell(
            gates[t], bias, product, cells[t], cells[t + 1], tanh_cells[t], states[t + 1]))
        return
    # one routine computes the rows that hold data and copies the others
    cell_masked = _routine("lstm_cell_forward_masked")
    any_masked = masked.any(axis=1)

    def step(t, product):
        if any_masked[t]:
            cell_masked(gates[t], bias, product, cells[t], cells[t + 1], tanh_cells[t],
                        states[t], states[t + 1], masked[t])
        else:
            cell(gates[t], bias, product, cells[t], cells[t + 1], tanh_cells[t],
                 states[t + 1])

    _loop_forward(recurrent_kernel, states, recurrent, step)


def lstm_sequence_backward(d_out, gates, cells, tanh_cells, recurrent_kernel, dh, dc,
                           d_gates, mask=None):
    """An LSTM layer's time loop backward (backpropagation through time),
    up to the gates' gradients.

    Runs ``t`` from ``T-1`` down to 0 with ``dh`` and ``dc`` from zero:
    the gradient with respect to ``states[t + 1]`` is ``dh + d_out[t]``;
    from it and ``dc`` the step's gate gradients go into ``d_gates[t]``,
    ``dc`` becomes the gradient with respect to ``cells[t]``, and ``dh =
    d_gates[t] @ recurrent_kernel.T``.

    Parameters
    ----------
    d_out : ndarray of shape (T, n, units)
        Gradient with respect to each step's output ``states[t + 1]``.
    gates : ndarray of shape (T, n, 4 * units)
        As :func:`lstm_sequence_forward` left them.
    cells : ndarray of shape (T + 1, n, units)
    tanh_cells : ndarray of shape (T, n, units)
    recurrent_kernel : ndarray of shape (units, 4 * units)
    dh, dc : ndarray of shape (n, units), C-contiguous
        Written: the gradients with respect to the initial state and cell.
    d_gates : ndarray of shape (T, n, 4 * units), C-contiguous
        Written: the gradient with respect to each step's gate
        pre-activations (from which the layer makes the weights' gradients).
    mask : ndarray of bool of shape (T, n), default=None
        The forward pass's: at a masked step of a row the gradients with
        respect to its state and cell pass to the previous step unchanged,
        and its gate gradients are zero.

    Raises
    ------
    ValueError
        As :func:`lstm_sequence_forward`.
    """
    _check("lstm_sequence_backward", 4,
           {"gates": gates, "d_out": d_out, "cells": cells, "tanh_cells": tanh_cells,
            "recurrent_kernel": recurrent_kernel, "dh": dh, "dc": dc, "d_gates": d_gates},
           {"d_out": _SEQ_STEP, "cells": _SEQ_STATES, "tanh_cells": _SEQ_STEP,
            "recurrent_kernel": _RECURRENT_KERNEL, "dh": _STEP, "dc": _STEP,
            "d_gates": _SEQ},
           ("dh", "dc", "d_gates"))
    d_out, gates, cells, tanh_cells, recurrent_kernel = contiguous(
        d_out, gates, cells, tanh_cells, recurrent_kernel)
    masked = _check_mask("lstm_sequence_backward", mask, gates)
    cell = _routine("lstm_cell_backward")
    dc[...] = 0
    if masked is None:
        _loop_backward(recurrent_kernel, d_gates, dh, lambda t: cell(
            gates[t], cells[t], tanh_cells[t], dh, d_out[t], dc, d_gates[t]))
        return
    # one routine per step: the masked rows' dh + d_out[t] kept aside (their
    # gate gradients zero, so the product gives them nothing), put back after
    cell_masked, hold = _routine("lstm_cell_backward_masked"), _routine("hold_masked_rows")
    any_masked = masked.any(axis=1)
    kept_h, kept_c = np.empty_like(dh), np.empty_like(dc)
    dh[...] = 0
    kernel_t = recurrent_kernel.T
    for t in range(gates.shape[0] - 1, -1, -1):
        if any_masked[t]:
            cell_masked(gates[t], cells[t], tanh_cells[t], dh, d_out[t], dc, d_gates[t],
                        masked[t], kept_h, kept_c)
            np.matmul(d_gates[t], kernel_t, out=dh)
            hold(masked[t], kept_h, dh)
        else:
            cell(gates[t], cells[t], tanh_cells[t], dh, d_out[t], dc, d_gates[t])
            np.matmul(d_gates[t], kernel_t, out=dh)


def gru_sequence_forward(gates, bias, recurrent_kernel, recurrent, states, mask=None):
    """A GRU layer's time loop forward (Keras's ``reset_after=True``), after
    the input projection.

    For ``t`` in ``0 .. T-1``: ``recurrent[t] = states[t] @ recurrent_kernel
    + bias[1]`` and ``a = gates[t] + bias[0]``, each split into the gates
    update, reset and candidate; ``z = sigmoid(a_z + recurrent_z)``, ``r =
    sigmoid(a_r + recurrent_r)``, the candidate ``tanh(a_h + r *
    recurrent_h)`` and ``states[t + 1] = z * states[t] + (1 - z) *
    candidate``.

    Parameters
    ----------
    gates : ndarray of shape (T, n, 3 * units), C-contiguous
        Each step's input projection ``x_t @ kernel``, without the bias;
        overwritten with the step's ``z``, ``r`` and candidate.
    bias : ndarray of shape (2, 3 * units)
        The input bias, then the recurrent bias.
    recurrent_kernel : ndarray of shape (units, 3 * units)
    recurrent : ndarray of shape (T, n, 3 * units), C-contiguous
        Written: each step's recurrent projection, bias included.
    states : ndarray of shape (T + 1, n, units), C-contiguous
        ``states[0]`` is the initial state (read); ``states[1:]`` are
        written.
    mask : ndarray of bool of shape (T, n), default=None
        True where a step holds data; where it is False the step keeps
        the previous state.

    Raises
    ------
    ValueError
        If the arrays are not float arrays of one dtype and these shapes,
        or a written one is not C-contiguous and writeable, or the mask
        is not a boolean array of shape (T, n).
    """
    _check("gru_sequence_forward", 3,
           {"gates": gates, "bias": bias, "recurrent_kernel": recurrent_kernel,
            "recurrent": recurrent, "states": states},
           {"bias": (2, "W"), "recurrent_kernel": _RECURRENT_KERNEL, "recurrent": _SEQ,
            "states": _SEQ_STATES},
           ("gates", "recurrent", "states"))
    masked = _check_mask("gru_sequence_forward", mask, gates)
    bias, recurrent_kernel = contiguous(bias, recurrent_kernel)
    cell = _routine("gru_cell_forward")
    _loop_forward_masked(recurrent_kernel, states, recurrent, lambda t, product: cell(
        gates[t], bias, product, states[t], states[t + 1]), masked, (states,))


def gru_sequence_backward(d_out, gates, recurrent, states, recurrent_kernel, dh, through,
                          d_gates, d_recurrent, mask=None):
    """A GRU layer's time loop backward, up to the gates' gradients.

    Runs ``t`` from ``T-1`` down to 0 with ``dh`` and ``through`` from
    zero: the gradient with respect to ``states[t + 1]`` is ``(dh +
    through) + d_out[t]``; the step's gradients go into ``d_gates[t]`` and
    ``d_recurrent[t]``, ``dh`` becomes its part that bypasses the recurrent
    product (times ``z``) and ``through = d_recurrent[t] @
    recurrent_kernel.T`` the part through it.

    Parameters
    ----------
    d_out : ndarray of shape (T, n, units)
        Gradient with respect to each step's output ``states[t + 1]``.
    gates, recurrent : ndarray of shape (T, n, 3 * units)
        As :func:`gru_sequence_forward` left them.
    states : ndarray of shape (T + 1, n, units)
    recurrent_kernel : ndarray of shape (units, 3 * units)
    dh : ndarray of shape (n, units), C-contiguous
        Written: the gradient with respect to the initial state.
    through : ndarray of shape (n, units), C-contiguous
        Scratch for the recurrent product's part of it.
    d_gates, d_recurrent : ndarray of shape (T, n, 3 * units), C-contiguous
        Written: the gradients with respect to each step's input and
        recurrent projections.
    mask : ndarray of bool of shape (T, n), default=None
        The forward pass's: at a masked step of a row the gradient with
        respect to its state passes to the previous step unchanged, and
        its gate gradients are zero.

    Raises
    ------
    ValueError
        As :func:`gru_sequence_forward`.
    """
    _check("gru_sequence_backward", 3,
           {"gates": gates, "d_out": d_out, "recurrent": recurrent, "states": states,
            "recurrent_kernel": recurrent_kernel, "dh": dh, "through": through,
            "d_gates": d_gates, "d_recurrent": d_recurrent},
           {"d_out": _SEQ_STEP, "recurrent": _SEQ, "states": _SEQ_STATES,
            "recurrent_kernel": _RECURRENT_KERNEL, "dh": _STEP, "through": _STEP,
            "d_gates": _SEQ, "d_recurrent": _SEQ},
           ("dh", "through", "d_gates", "d_recurrent"))
    d_out, gates, recurrent, states, recurrent_kernel = contiguous(
        d_out, gates, recurrent, states, recurrent_kernel)
    masked = _check_mask("gru_sequence_backward", mask, gates)
    cell = _routine("gru_cell_backward")
    dh[...] = 0
    kept = None if masked is None else np.empty_like(dh)

    def before(t, m):  # what the masked rows carry: (dh + through) + d_out[t]
        _routine("add_masked_rows")(m, dh, through, kept)
        _routine("add_masked_rows")(m, kept, d_out[t], kept)

    def after(t, m):  # through is zero there: its rows of d_recurrent were
        _routine("hold_masked_rows")(m, kept, dh)

    _loop_backward_masked(recurrent_kernel, d_recurrent, through, lambda t: cell(
        gates[t], recurrent[t], states[t], dh, through, d_out[t], d_gates[t],
        d_recurrent[t]), masked, before, lambda t: (d_gates[t], d_recurrent[t]), after)
    dh += through


def _check_activation(name, activation):
    """Refuse an activation without the in-place ``forward`` and
    ``backward`` the loops call."""
    if not (callable(getattr(activation, "forward", None))
            and callable(getattr(activation, "backward", None))):
        raise TypeError(
            f"{name}: activation must be an Activation (with forward and backward "
            f"methods); got {activation!r}. skdl.activations.get_activation makes one."
        )


def simple_rnn_sequence_forward(gates, bias, recurrent_kernel, states, recurrent,
                                activation, mask=None):
    """A SimpleRNN layer's time loop forward, after the input projection.

    For ``t`` in ``0 .. T-1``: ``gates[t] = (gates[t] + bias) + states[t]
    @ recurrent_kernel`` and ``states[t + 1] = activation(gates[t])``.
    The built-in activations named in
    :data:`skdl.backend.dense.FUSED_ACTIVATIONS` (by their ``fused_name``)
    may run fused into the step's pass; any other runs through its own
    ``forward`` method.

    Parameters
    ----------
    gates : ndarray of shape (T, n, units), C-contiguous
        Each step's input projection ``x_t @ kernel``, without the bias;
        overwritten with the step's pre-activation.
    bias : ndarray of shape (units,)
    recurrent_kernel : ndarray of shape (units, units)
    states : ndarray of shape (T + 1, n, units), C-contiguous
        ``states[0]`` is the initial state (read); ``states[1:]`` are
        written.
    recurrent : ndarray of shape (n, units), C-contiguous
        Scratch for the step's recurrent product.
    activation : Activation
    mask : ndarray of bool of shape (T, n), default=None
        True where a step holds data; where it is False the step keeps
        the previous state.

    Raises
    ------
    ValueError
        If the arrays are not float arrays of one dtype and these shapes,
        or a written one is not C-contiguous and writeable.
    TypeError
        If ``activation`` has no ``forward`` and ``backward`` methods.
    """
    _check("simple_rnn_sequence_forward", 1,
           {"gates": gates, "bias": bias, "recurrent_kernel": recurrent_kernel,
            "states": states, "recurrent": recurrent},
           {"bias": ("W",), "recurrent_kernel": _RECURRENT_KERNEL, "states": _SEQ_STATES,
            "recurrent": _GATES},
           ("gates", "states", "recurrent"))
    _check_activation("simple_rnn_sequence_forward", activation)
    masked = _check_mask("simple_rnn_sequence_forward", mask, gates)
    bias, recurrent_kernel = contiguous(bias, recurrent_kernel)
    cell = _routine("simple_rnn_cell_forward")
    _loop_forward_masked(recurrent_kernel, states, recurrent, lambda t, product: cell(
        gates[t], bias, product, states[t + 1], activation), masked, (states,))


def simple_rnn_sequence_backward(d_out, gates, states, recurrent_kernel, dh, d_gates,
                                 activation, mask=None):
    """A SimpleRNN layer's time loop backward, up to the pre-activations'
    gradients.

    Runs ``t`` from ``T-1`` down to 0 with ``dh`` from zero: the gradient
    with respect to ``states[t + 1]`` is ``dh + d_out[t]``, times the
    activation's derivative it goes into ``d_gates[t]``, and ``dh =
    d_gates[t] @ recurrent_kernel.T``.

    Parameters
    ----------
    d_out : ndarray of shape (T, n, units)
        Gradient with respect to each step's output ``states[t + 1]``.
    gates : ndarray of shape (T, n, units)
        The pre-activations, as :func:`simple_rnn_sequence_forward` left
        them.
    states : ndarray of shape (T + 1, n, units)
    recurrent_kernel : ndarray of shape (units, units)
    dh : ndarray of shape (n, units), C-contiguous
        Written: the gradient with respect to the initial state.
    d_gates : ndarray of shape (T, n, units), C-contiguous
        Written: the gradient with respect to each step's pre-activation.
    activation : Activation
        As in :func:`simple_rnn_sequence_forward`.
    mask : ndarray of bool of shape (T, n), default=None
        The forward pass's: at a masked step of a row the gradient with
        respect to its state passes to the previous step unchanged, and
        its pre-activation's gradient is zero.

    Raises
    ------
    ValueError, TypeError
        As :func:`simple_rnn_sequence_forward`.
    """
    _check("simple_rnn_sequence_backward", 1,
           {"gates": gates, "d_out": d_out, "states": states,
            "recurrent_kernel": recurrent_kernel, "dh": dh, "d_gates": d_gates},
           {"d_out": _SEQ_STEP, "states": _SEQ_STATES, "recurrent_kernel": _RECURRENT_KERNEL,
            "dh": _STEP, "d_gates": _SEQ},
           ("dh", "d_gates"))
    _check_activation("simple_rnn_sequence_backward", activation)
    d_out, gates, states, recurrent_kernel = contiguous(d_out, gates, states,
                                                        recurrent_kernel)
    masked = _check_mask("simple_rnn_sequence_backward", mask, gates)
    cell = _routine("simple_rnn_cell_backward")
    kept = None if masked is None else np.empty_like(dh)

    def before(t, m):  # what the masked rows carry: dh + d_out[t]
        _routine("add_masked_rows")(m, dh, d_out[t], kept)

    def after(t, m):
        _routine("hold_masked_rows")(m, kept, dh)

    _loop_backward_masked(recurrent_kernel, d_gates, dh, lambda t: cell(
        gates[t], states[t + 1], dh, d_out[t], d_gates[t], activation),
        masked, before, lambda t: (d_gates[t],), after)
