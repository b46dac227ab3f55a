"""Batch normalization: each channel normalised by the statistics of the
batch while training, by running averages of them when predicting."""

import numbers

import numpy as np
import scipy.sparse as sp

from ..backend import normalization as normalization_routines
from .base import Layer, WeightSpec, draw_weight, resolved_initializer
from .layer_normalization import check_epsilon, check_flags, scale_and_offset_specs

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Normalise each channel (the last axis) over the batch, as Keras's
    ``BatchNormalization``.

    In a training pass, with the mean and the biased variance of each
    channel over the batch (over every sample, step and pixel of it)::

        y = gamma * (x - mean_batch) / sqrt(var_batch + epsilon) + beta
        moving_mean = momentum * moving_mean + (1 - momentum) * mean_batch
        moving_variance = momentum * moving_variance + (1 - momentum) * var_batch

    When predicting, the moving statistics stand for the batch's, so that a
    sample's prediction does not depend on the others::

        y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta

    Parameters
    ----------
    axis : int, default=-1
        The channel axis, counted as Keras counts it (the batch axis is 0):
        only the last axis, ``-1`` or its positive index, which is the unit
        of a ``Dense`` layer and the channel of a ``Conv1D`` or ``Conv2D``
        one.
    momentum : float, default=0.99
        Weight of the old value in the moving averages, in [0, 1]. Note
        that torch's ``momentum`` is ``1 - momentum``.
    epsilon : float, default=0.001
        Added to the variance, positive.
    center : bool, default=True
        Whether to add the learnt offset ``beta``.
    scale : bool, default=True
        Whether to multiply by the learnt ``gamma``.
    beta_initializer : str or Initializer, default="zeros"
        Anything :func:`skdl.initializers.get_initializer` takes.
    gamma_initializer : str or Initializer, default="ones"
    moving_mean_initializer : str or Initializer, default="zeros"
    moving_variance_initializer : str or Initializer, default="ones"
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    gamma : ndarray of shape (channels,)
        The scale, when ``scale``.
    beta : ndarray of shape (channels,)
        The offset, when ``center``.
    moving_mean : ndarray of shape (channels,)
        Running average of the batches' means; it does not train.
    moving_variance : ndarray of shape (channels,)
        Running average of the batches' biased variances; it does not train.

    Notes
    -----
    The weights are ``[gamma, beta, moving_mean, moving_variance]``, as
    Keras's, gamma and beta each left out when its flag is False; the L2
    penalty ``alpha`` applies to none of them.

    Every training pass moves the moving statistics: with the ``"sgd"`` and
    ``"adam"`` solvers, one move per mini-batch. With ``solver="lbfgs"``,
    every evaluation of the objective is a training pass over the whole
    training set, line-search evaluations included, so the statistics move
    once per evaluation, towards the whole set's statistics at the weights
    being tried. With the default momentum of 0.99 they keep
    ``0.99 ** k`` of their start after ``k`` evaluations (37% after 100,
    5% after 300): for short L-BFGS fits, lower ``momentum`` (0.9, say).

    The layer does not take masks: its statistics run over every step of a
    sequence, padding included, and a mask stops here.

    Examples
    --------
    >>> from skdl.layers import BatchNormalization
    >>> layer = BatchNormalization()
    >>> layer.build((8, 8, 16))
    (8, 8, 16)
    >>> [(spec.name, spec.trainable) for spec in layer.weight_specs()]
    [('gamma', True), ('beta', True), ('moving_mean', False), ('moving_variance', False)]
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 name=None):
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.name = name

    def _build(self, input_shape):
        last = len(input_shape)
        axis = self.axis
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or axis not in (
            -1, last
        ):
            self._refuse(
                f"normalises the channels of the last axis only, got axis={self.axis!r} "
                f"for input of shape {input_shape}; pass axis=-1 (channels-last input, as "
                "the convolutions give)."
            )
        momentum = self.momentum
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not (
            0 <= momentum <= 1
        ):
            self._refuse(f"momentum must be a number in [0, 1], got {momentum!r}.")
        check_epsilon(self)
        check_flags(self)
        self._initializers = {
            name: resolved_initializer(self, f"{name}_initializer")
            for name in ("gamma", "beta", "moving_mean", "moving_variance")
        }
        return input_shape

    def weight_specs(self):
        """``[gamma, beta, moving_mean, moving_variance]``, each of shape
        ``(channels,)``; gamma and beta only when ``scale`` and ``center``
        ask for them, the moving statistics not trainable; none penalised.

        Returns
        -------
        list of WeightSpec
        """
        channels = (self.input_shape[-1],)
        return scale_and_offset_specs(self) + [
            WeightSpec("moving_mean", channels, False, trainable=False),
            WeightSpec("moving_variance", channels, False, trainable=False),
        ]

    def bind(self, weights, gradients):
        """Take views of the weights (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        names = [spec.name for spec in self.weight_specs()]
        named = dict(zip(names, self.weights))
        self.gamma, self.beta = named.get("gamma"), named.get("beta")
        self.moving_mean, self.moving_variance = named["moving_mean"], named["moving_variance"]
        self._gradients = dict(zip(names, gradients)) if gradients is not None else {}

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
        """Number of rows of a batch of ``n`` samples seen as ``(rows,
        channels)``."""
        return n * int(np.prod(self.input_shape[:-1], dtype=np.int64))

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the normalised batch, the output, the input gradient
        and the batch's statistics.

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
        for name in ("mean", "variance", "inverse_std", "gamma_grad", "beta_grad"):
            setattr(scratch, name, np.empty(channels, dtype=self.dtype))
        # what stands for gamma and beta where the flags leave them out
        scratch.ones = np.ones(channels, dtype=self.dtype)
        scratch.zeros = np.zeros(channels, dtype=self.dtype)

    def forward(self, x, rng=None):
        """Training pass: normalise by the batch's statistics and move the
        moving ones towards them (see :meth:`Layer.forward`).

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
        scratch = self.scratch
        out = scratch.out[:rows]
        normalization_routines.batch_norm_forward(
            np.ascontiguousarray(x, dtype=self.dtype).reshape(rows, -1),
            scratch.ones if self.gamma is None else self.gamma,
            scratch.zeros if self.beta is None else self.beta,
            float(self.epsilon), scratch.mean, scratch.variance, scratch.inverse_std,
            scratch.normalised[:rows], out,
        )
        for moving, batch in ((self.moving_mean, scratch.mean),
                              (self.moving_variance, scratch.variance)):
            moving *= self.momentum
            moving += (1 - self.momentum) * batch
        return out.reshape(n, *self.output_shape)

    def backward(self, delta):
        """Backward pass through the normalization and the batch's
        statistics (see :meth:`Layer.backward` and
        :func:`skdl.backend.normalization.batch_norm_backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        n, rows = delta.shape[0], self._rows(delta.shape[0])
        scratch = self.scratch
        gamma_grad = self._gradients.get("gamma", scratch.gamma_grad)
        beta_grad = self._gradients.get("beta", scratch.beta_grad)
        dx = scratch.dx[:rows] if self._needs_input_gradient else None
        normalization_routines.batch_norm_backward(
            np.ascontiguousarray(delta).reshape(rows, -1), scratch.normalised[:rows],
            scratch.inverse_std, scratch.ones if self.gamma is None else self.gamma,
            gamma_grad, beta_grad, dx,
        )
        return None if dx is None else dx.reshape(n, *self.input_shape)

    def predict(self, x):
        """Normalise by the moving statistics, in a fresh array (see
        :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            Or a sparse matrix of rows, when the layer is the first.

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        if sp.issparse(x):
            x = x.toarray()
        gamma = 1.0 if self.gamma is None else self.gamma
        beta = 0.0 if self.beta is None else self.beta
        return gamma * ((x - self.moving_mean) / np.sqrt(self.moving_variance + self.epsilon)) \
            + beta

    def to_onnx(self, graph, x):
        """Write ONNX's ``BatchNormalization`` at inference, with the moving
        statistics, channels moved to axis 1 and back (see
        :meth:`Layer.to_onnx`); after a convolution those transposes cancel
        the convolution's own.

        Parameters
        ----------
        graph : OnnxGraph
        x : str

        Returns
        -------
        str
        """
        channels = self.input_shape[-1]
        gamma = np.ones(channels) if self.gamma is None else self.gamma
        beta = np.zeros(channels) if self.beta is None else self.beta
        rank = len(self.input_shape) + 1
        if rank > 2:
            x = graph.transpose(x, (0, rank - 1, *range(1, rank - 1)))
        inputs = [x] + [graph.constant(value) for value in
                        (gamma, beta, self.moving_mean, self.moving_variance)]
        normalised = graph.node("BatchNormalization", inputs, epsilon=float(self.epsilon))
        return normalised if rank == 2 else graph.transpose(normalised, (0, *range(2, rank), 1))
