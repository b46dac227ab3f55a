"""What the recurrent layers share: sequences in, the last state or every
state out, the time loop's buffers, and Keras's weight layout.

A recurrent layer reads sequences of shape ``(timesteps, features)``. Its
input projection for all time steps is one matrix product; each step then
makes one product of the previous state with the recurrent kernel, every
gate at once. Backpropagation through time runs the steps in reverse and
leaves the weight gradients to three products over all steps together.

Inside, the time loop works time-major, ``(timesteps, n, units)``, so that
each step's slice is one contiguous block. A batch of ``n`` rows uses the
first ``timesteps * n * units`` values of each buffer (see
:func:`batch_view`), so that a short last batch is as contiguous as a full
one: the input projection, the gradients' products and the time loops of
:mod:`skdl.backend.recurrent` then take it without copies.
"""

import math

import numpy as np

from .base import (
    Layer,
    WeightSpec,
    check_initializers,
    draw_weight,
    drawn,
    glorot_uniform,
    positive_int,
)

__all__ = ["Recurrent", "SequenceMask", "batch_view"]


class SequenceMask:
    """The output mask of a layer whose ``return_sequences`` says whether
    it outputs every step (:class:`Recurrent`, ``Bidirectional``): the
    input's mask then, None for the last state alone."""

    def compute_mask(self, x, mask):
        """The input's mask with ``return_sequences=True`` (one output a
        step), else None: the last state is one vector (see
        :meth:`Layer.compute_mask`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        mask : ndarray of bool of shape (n, timesteps) or None

        Returns
        -------
        ndarray of bool or None
        """
        return mask if self.return_sequences else None

    def onnx_mask(self, graph, x, mask):
        """As :meth:`compute_mask`, in an ONNX graph (see
        :meth:`Layer.onnx_mask`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
        mask : str or None

        Returns
        -------
        str or None
        """
        return mask if self.return_sequences else None


class Recurrent(SequenceMask, Layer):
    """Base of the recurrent layers. Not for direct use.

    Subclasses set ``n_gates`` and implement ``_cell_buffers``,
    ``_steps_forward`` and ``_steps_backward``; the input projection, the
    output's shape and the gradients of the kernels are shared here.
    """

    n_gates = 1
    """Blocks of ``units`` columns in the kernels: one per gate."""

    takes_mask = True
    """A masked step (padding) keeps the previous state, as in Keras: see
    :meth:`forward`."""

    def _build(self, input_shape):
        units = positive_int(self, "units", self.units)
        if not isinstance(self.return_sequences, (bool, np.bool_)):
            self._refuse(
                f"return_sequences must be True or False, got {self.return_sequences!r}."
            )
        if len(input_shape) != 2:
            hint = (
                " Give the estimator input_shape=(timesteps, features), e.g. (-1, 1) "
                "for a series of one feature"
                + (", and if a Flatten comes before this layer, drop it (a recurrent "
                   "layer with return_sequences=True keeps the time axis)."
                   if len(input_shape) == 1 else ".")
            )
            self._refuse(
                f"needs sequences of shape (timesteps, features), got input of shape "
                f"{input_shape}.{hint}"
            )
        self._timesteps, self._features = input_shape
        check_initializers(self)
        self._build_cell()
        return (self._timesteps, units) if self.return_sequences else (units,)

    def _build_cell(self):
        """Subclass hook: resolve the cell's own hyperparameters."""

    def weight_specs(self):
        """``[kernel (features, gates * units), recurrent_kernel (units,
        gates * units), bias (gates * units,)]`` in Keras's layout.

        Returns
        -------
        list of WeightSpec
        """
        width = self.n_gates * self.units
        return [
            WeightSpec("kernel", (self._features, width), True),
            WeightSpec("recurrent_kernel", (self.units, width), True),
            WeightSpec("bias", self._bias_shape(), False),
        ]

    def keras_weight_groups(self):
        """The weights in the group of Keras's cell, ``"cell/vars"``, in
        :meth:`weight_specs`'s order (see :meth:`Layer.keras_weight_groups`).

        Returns
        -------
        list of (str, list of ndarray)
        """
        return [("vars", []), ("cell/vars", self.get_weights())]

    def _bias_shape(self):
        return (self.n_gates * self.units,)

    def bind(self, weights, gradients):
        """Take ``[kernel, recurrent_kernel, bias]`` views (see
        :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        self.kernel, self.recurrent_kernel, self.bias = self.weights

    def initialize(self, random_state, factor=6.0):
        """Draw the kernel, the recurrent kernel, then the bias, each with
        its initializer or, where that is None, as Keras's defaults: a
        Glorot-uniform kernel, an orthogonal recurrent kernel, a zero bias.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Glorot's factor for a kernel left at None: 6 (Keras's
            ``"glorot_uniform"``), or 2 where a sigmoid follows.
        """
        if not drawn(self, "kernel_initializer", self.kernel, random_state):
            glorot_uniform(random_state, [self.kernel], *self.kernel.shape, factor)
        if not drawn(self, "recurrent_initializer", self.recurrent_kernel, random_state):
            draw_weight(self.recurrent_kernel, "orthogonal", random_state)
        self._initialize_bias(random_state)

    def _initialize_bias(self, random_state):
        """Draw the bias with ``bias_initializer``, zeros where None."""
        if not drawn(self, "bias_initializer", self.bias, random_state):
            self.bias[...] = 0

    # ------------------------------------------------------------- passes
    def allocate(self, n_rows, needs_input_gradient=True):
        """Time-major buffers for the projections, states and gradients.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        steps, width, units = self._timesteps, self.n_gates * self.units, self.units
        self.scratch.x_time = np.empty((steps, n_rows, self._features), dtype=self.dtype)
        self.scratch.gates = np.empty((steps, n_rows, width), dtype=self.dtype)
        self.scratch.states = np.empty((steps + 1, n_rows, units), dtype=self.dtype)
        self.scratch.d_gates = np.empty_like(self.scratch.gates)
        self.scratch.d_state = np.empty((n_rows, units), dtype=self.dtype)
        self.scratch.d_out = np.empty((steps, n_rows, units), dtype=self.dtype)
        self.scratch.dx_time = (
            np.empty((steps, n_rows, self._features), dtype=self.dtype)
            if needs_input_gradient else None
        )
        self.scratch.out = np.empty((n_rows, *self.output_shape), dtype=self.dtype)
        self.scratch.dx = (
            np.empty((n_rows, steps, self._features), dtype=self.dtype)
            if needs_input_gradient else None
        )
        self.scratch.cell = self._cell_buffers(n_rows, self.dtype)

    def _cell_buffers(self, n_rows, dtype):
        """Subclass hook: the cell's own buffers, a dict of C-contiguous
        arrays whose second-to-last axis is the batch."""
        raise NotImplementedError

    def _cell_slice(self, n):
        return {name: batch_view(buffer, n) for name, buffer in self.scratch.cell.items()}

    def _weights_in(self, dtype):
        """The recurrent kernel and the bias in ``dtype``: themselves, or
        copies when a prediction runs in a wider dtype than the weights."""
        return (np.asarray(self.recurrent_kernel, dtype=dtype),
                np.asarray(self.bias, dtype=dtype))

    def forward(self, x, rng=None, mask=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        rng : ignored
        mask : ndarray of bool of shape (n, timesteps), default=None
            True where a step holds data. At a step where it is False
            (padding) the state, and an LSTM's cell state, are carried
            over unchanged, and with ``return_sequences=True`` that step's
            output is the carried state, as Keras's layers give it; the
            backward pass sends such a step's gradient straight to the
            previous state.

        Returns
        -------
        ndarray of shape (n, timesteps, units) or (n, units)
        """
        n = x.shape[0]
        x_time = batch_view(self.scratch.x_time, n)
        x_time[...] = x.transpose(1, 0, 2)
        gates, states = batch_view(self.scratch.gates, n), batch_view(self.scratch.states, n)
        _project(x_time, self.kernel, gates)
        states[0] = 0
        self.scratch.mask = _time_major(mask)
        self._steps_forward(gates, states, self._cell_slice(n), self.scratch.mask)
        out = self.scratch.out[:n]
        if self.return_sequences:
            out[...] = states[1:].transpose(1, 0, 2)
        else:
            out[...] = states[-1]
        return out

    def backward(self, delta):
        """Backpropagation through time (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n, timesteps, units) or (n, units)

        Returns
        -------
        ndarray of shape (n, timesteps, features) or None
        """
        n = delta.shape[0]
        d_out = batch_view(self.scratch.d_out, n)
        if self.return_sequences:
            d_out[...] = delta.transpose(1, 0, 2)
        else:
            d_out[:-1] = 0
            d_out[-1] = delta
        d_gates = batch_view(self.scratch.d_gates, n)
        cell = self._cell_slice(n)
        self._steps_backward(d_out, d_gates, batch_view(self.scratch.gates, n),
                             batch_view(self.scratch.states, n), self.scratch.d_state[:n], cell,
                             self.scratch.mask)
        self._kernel_gradients(d_gates, cell, n)
        if not self._needs_input_gradient:
            return None
        dx, dx_time = self.scratch.dx[:n], batch_view(self.scratch.dx_time, n)
        _project(d_gates, self.kernel.T, dx_time)
        dx[...] = dx_time.transpose(1, 0, 2)
        return dx

    def _kernel_gradients(self, d_gates, cell, n):
        """The kernels' and bias's gradients from every step's gate
        gradients, each one product over all steps."""
        kernel_grad, recurrent_grad, bias_grad = self.gradients
        steps, width = self._timesteps, self.n_gates * self.units
        x_rows = batch_view(self.scratch.x_time, n).reshape(steps * n, self._features)
        g_rows = d_gates.reshape(steps * n, width)
        np.matmul(x_rows.T, g_rows, out=kernel_grad)
        # the first step's state is zero, its rows add nothing: leave them out
        h_rows = batch_view(self.scratch.states, n)[1:-1].reshape((steps - 1) * n, self.units)
        r_rows = self._recurrent_gate_gradients(d_gates, cell).reshape(steps * n, width)
        np.matmul(h_rows.T, r_rows[n:], out=recurrent_grad)
        self._bias_gradient(g_rows, r_rows, bias_grad)

    def _recurrent_gate_gradients(self, d_gates, cell):
        """The gate gradients the recurrent products see (the same as the
        input's, except in the GRU)."""
        return d_gates

    def _bias_gradient(self, input_rows, recurrent_rows, bias_grad):
        """The bias's gradient: the sum of every step's gate gradients."""
        np.sum(input_rows, axis=0, out=bias_grad)

    def predict(self, x, mask=None):
        """Output in fresh arrays (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        mask : ndarray of bool of shape (n, timesteps), default=None
            As in :meth:`forward`.

        Returns
        -------
        ndarray of shape (n, timesteps, units) or (n, units)
        """
        n = x.shape[0]
        dtype = np.result_type(x.dtype, self.kernel.dtype)
        x_time = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)
        gates = np.empty((self._timesteps, n, self.n_gates * self.units), dtype=dtype)
        _project(x_time, self.kernel, gates)
        states = np.zeros((self._timesteps + 1, n, self.units), dtype=dtype)
        self._steps_forward(gates, states, self._cell_buffers(n, dtype), _time_major(mask))
        if self.return_sequences:
            return np.ascontiguousarray(states[1:].transpose(1, 0, 2))
        return states[-1].copy()


def _time_major(mask):
    """A ``(n, timesteps)`` mask as the time loops take it, ``(timesteps,
    n)`` and C-contiguous; None for None."""
    return None if mask is None else np.ascontiguousarray(np.asarray(mask, dtype=bool).T)


def batch_view(buffer, n):
    """The first ``n`` rows of a time-major buffer, as a C-contiguous view.

    ``buffer`` has the batch as its second-to-last axis, sized for the
    largest batch. The view of shape ``(..., n, k)`` is the buffer's first
    values, not ``buffer[..., :n, :]``, which for a short batch skips
    memory between the steps.

    Parameters
    ----------
    buffer : ndarray of shape (..., n_rows, k), C-contiguous
    n : int
        At most ``n_rows``.

    Returns
    -------
    ndarray of shape (..., n, k)
    """
    shape = (*buffer.shape[:-2], n, buffer.shape[-1])
    return buffer.reshape(-1)[: math.prod(shape)].reshape(shape)


def _project(x_time, kernel, out):
    """``out = x_time @ kernel`` over every step as one product of
    ``timesteps * n`` rows (a 3-D ``matmul`` makes one product per step)."""
    rows = x_time.shape[0] * x_time.shape[1]
    np.matmul(x_time.reshape(rows, x_time.shape[2]), kernel,
              out=out.reshape(rows, out.shape[2]))
