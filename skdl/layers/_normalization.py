"""What the batch and layer normalizations share: the checks of their
arguments, the learnt scale ``gamma`` and offset ``beta`` of each channel of
the last axis, the batch seen as ``(rows, channels)``, and the skeleton of
their training passes around their backend routines."""

import numbers

import numpy as np
import scipy.sparse as sp

from .base import Layer, WeightSpec, draw_weight, resolved_initializer

__all__ = []


class Normalization(Layer):
    """Base of :class:`~skdl.layers.BatchNormalization` and
    :class:`~skdl.layers.LayerNormalization`.

    A subclass stores ``axis``, ``epsilon``, ``center``, ``scale`` and the
    ``*_initializer`` arguments of its :attr:`weight_names`, and gives
    :meth:`_normalise` and :meth:`_gradients_into` (its backend routines)
    and :meth:`_inverse_std`.
    """

    weight_names = ("gamma", "beta")
    """The weights whose initializers the layer takes, by Keras's names."""

    axis_fix = ""
    """What the refusal of another axis than the last suggests."""

    def _build(self, input_shape):
        axis = self.axis
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or axis not in (
            -1, len(input_shape)
        ):
            self._refuse(
                f"normalises the last axis only, got axis={self.axis!r} for input of shape "
                f"{input_shape}; pass axis=-1 ({self.axis_fix})."
            )
        epsilon = self.epsilon
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not epsilon > 0:
            self._refuse(f"epsilon must be a positive number, got {epsilon!r}.")
        for flag in ("center", "scale"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                self._refuse(f"{flag} must be True or False, got {getattr(self, flag)!r}.")
        self._initializers = {name: resolved_initializer(self, f"{name}_initializer")
                              for name in self.weight_names}
        return input_shape

    def weight_specs(self):
        """``gamma`` then ``beta``, of shape ``(channels,)``, as ``scale``
        and ``center`` ask for them, neither penalised.

        Returns
        -------
        list of WeightSpec
        """
        width = (self.input_shape[-1],)
        return ([WeightSpec("gamma", width, False)] if self.scale else []) + (
            [WeightSpec("beta", width, False)] if self.center else []
        )

    def _named(self, arrays):
        """``arrays``, one per weight spec, by the weights' names."""
        return dict(zip([spec.name for spec in self.weight_specs()], arrays))

    def bind(self, weights, gradients):
        """Take views of the weights (see :meth:`Layer.bind`); ``gamma`` and
        ``beta`` are None where the flags leave them out.

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        named = self._named(self.weights)
        self.gamma, self.beta = named.get("gamma"), named.get("beta")

    def initialize(self, random_state, factor=6.0):
        """Draw each weight from its initializer.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Ignored.
        """
        for spec, weight in zip(self.weight_specs(), self.weights):
            draw_weight(weight, self._initializers[spec.name], random_state)

    def _rows(self, n):
        """Rows of a batch of ``n`` samples seen as ``(rows, channels)``."""
        return n * int(np.prod(self.input_shape[:-1], dtype=np.int64))

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the normalised batch, the output and the input
        gradient, and what stands for ``gamma`` and ``beta`` and their
        gradients where the flags leave them out.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        rows, channels = self._rows(n_rows), self.input_shape[-1]
        scratch = self.scratch
        scratch.normalised = np.empty((rows, channels), dtype=self.dtype)
        scratch.out = np.empty((rows, channels), dtype=self.dtype)
        scratch.dx = (np.empty((rows, channels), dtype=self.dtype)
                      if needs_input_gradient else None)
        scratch.ones = np.ones(channels, dtype=self.dtype)
        scratch.zeros = np.zeros(channels, dtype=self.dtype)
        scratch.gamma_grad = np.empty(channels, dtype=self.dtype)
        scratch.beta_grad = np.empty(channels, dtype=self.dtype)

    def _scale_and_offset(self):
        """``gamma`` and ``beta``, ones and zeros where left out."""
        return (self.scratch.ones if self.gamma is None else self.gamma,
                self.scratch.zeros if self.beta is None else self.beta)

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            Or a sparse matrix of rows, when the layer is the first.
        rng : ignored

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        if sp.issparse(x):
            x = x.toarray()
        n, rows = x.shape[0], self._rows(x.shape[0])
        out = self.scratch.out[:rows]
        self._normalise(np.ascontiguousarray(x, dtype=self.dtype).reshape(rows, -1), out)
        return out.reshape(n, *self.output_shape)

    def backward(self, delta):
        """Backward pass through the normalization and the statistics it
        used (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        n, rows = delta.shape[0], self._rows(delta.shape[0])
        scratch = self.scratch
        named = self._named(self.gradients)
        dx = scratch.dx[:rows] if self._needs_input_gradient else None
        self._gradients_into(
            np.ascontiguousarray(delta).reshape(rows, -1), scratch.normalised[:rows],
            self._inverse_std(rows), self._scale_and_offset()[0],
            named.get("gamma", scratch.gamma_grad), named.get("beta", scratch.beta_grad), dx,
        )
        return None if dx is None else dx.reshape(n, *self.input_shape)

    def _scaled(self, normalised):
        """``gamma * normalised + beta`` in a fresh array, for predictions."""
        if self.gamma is not None:
            normalised = normalised * self.gamma
        if self.beta is not None:
            normalised = normalised + self.beta
        return normalised

    def _onnx_weights(self):
        """``gamma`` and ``beta``, ones and zeros where left out, for ONNX."""
        width = self.input_shape[-1]
        return (np.ones(width) if self.gamma is None else self.gamma,
                np.zeros(width) if self.beta is None else self.beta)
