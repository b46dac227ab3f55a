"""Batch normalization: each channel normalised by the statistics of the
batch while training, by running averages of them when predicting."""

import numbers

import numpy as np
import scipy.sparse as sp

from ..backend import normalization as normalization_routines
from ._normalization import Normalization
from ._keras_form import single_int
from .base import WeightSpec

__all__ = ["BatchNormalization"]

MASKED_EPSILON = 1e-7
"""What Keras adds to the number of unmasked steps it divides the masked
sums by (``keras.backend.epsilon()``)."""


class BatchNormalization(Normalization):
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

    On masked sequences (after an ``Embedding(mask_zero=True)``), a
    training pass takes its statistics over the unmasked steps only, as
    Keras's: the sums over the batch weigh each step by its mask and are
    divided by the number of unmasked steps plus ``1e-7`` (Keras's
    ``epsilon()``); every step is then normalised by them. Predictions use
    the moving statistics and ignore the mask, which passes on.

    Examples
    --------
    >>> from skdl.layers import BatchNormalization
    >>> layer = BatchNormalization()
    >>> layer.build((8, 8, 16))
    (8, 8, 16)
    >>> [(spec.name, spec.trainable) for spec in layer.weight_specs()]
    [('gamma', True), ('beta', True), ('moving_mean', False), ('moving_variance', False)]
    """

    keras_class_name = "BatchNormalization"
    keras_arguments = {"axis": single_int, "momentum": float, "epsilon": float,
                       "center": bool, "scale": bool}

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

    passes_mask = True
    takes_mask = True

    weight_names = ("gamma", "beta", "moving_mean", "moving_variance")
    axis_fix = "channels-last input, as the convolutions give"

    def _build(self, input_shape):
        momentum = self.momentum
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not (
            0 <= momentum <= 1
        ):
            self._refuse(f"momentum must be a number in [0, 1], got {momentum!r}.")
        return super()._build(input_shape)

    def weight_specs(self):
        """``[gamma, beta, moving_mean, moving_variance]``, each of shape
        ``(channels,)``; gamma and beta only when ``scale`` and ``center``
        ask for them, the moving statistics not trainable; none penalised.

        Returns
        -------
        list of WeightSpec
        """
        channels = (self.input_shape[-1],)
        return super().weight_specs() + [
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
        named = self._named(self.weights)
        self.moving_mean, self.moving_variance = named["moving_mean"], named["moving_variance"]

    def allocate(self, n_rows, needs_input_gradient=True):
        """The buffers of :class:`Normalization` and the batch's statistics.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        for name in ("mean", "variance", "inverse_std"):
            setattr(self.scratch, name, np.empty(self.input_shape[-1], dtype=self.dtype))

    def forward(self, x, rng=None, mask=None):
        """Training pass (see :meth:`Layer.forward`): normalise by the
        batch's statistics, over the unmasked steps when ``mask`` is given,
        and move the moving statistics towards them.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            Or a sparse matrix of rows, when the layer is the first.
        rng : ignored
        mask : ndarray of bool of shape (n, timesteps), default=None
            For sequences ``(timesteps, channels)``: the steps that hold data.

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        if mask is not None and len(self.input_shape) != 2:
            self._refuse(
                f"takes a mask on sequences of shape (timesteps, channels) only, got input of "
                f"shape {self.input_shape} and a mask of shape {np.shape(mask)}; end the mask "
                "before (a layer that does not pass it) or reshape the input."
            )
        self.scratch.step_weights = (None if mask is None else
                                     np.asarray(mask, dtype=self.dtype).reshape(-1))
        return super().forward(x, rng)

    def _normalise(self, x, out):
        """Normalise each channel of ``x``, ``(rows, channels)``, by the
        batch's statistics into ``out``, and move the moving statistics
        towards them."""
        scratch = self.scratch
        if scratch.step_weights is None:
            normalization_routines.batch_norm_forward(
                x, *self._scale_and_offset(), float(self.epsilon), scratch.mean,
                scratch.variance, scratch.inverse_std, scratch.normalised[: x.shape[0]], out,
            )
        else:
            self._normalise_masked(x, out)
        for moving, batch in ((self.moving_mean, scratch.mean),
                              (self.moving_variance, scratch.variance)):
            moving *= self.momentum
            moving += (1 - self.momentum) * batch

    def _normalise_masked(self, x, out):
        """:meth:`_normalise` with Keras's masked moments: each row weighed
        by its step's mask, the sums divided by ``sum(weights) + 1e-7``."""
        scratch = self.scratch
        weights = scratch.step_weights
        scratch.denominator = weights.sum() + MASKED_EPSILON
        normalised = scratch.normalised[: x.shape[0]]
        np.divide(weights @ x, scratch.denominator, out=scratch.mean)
        np.subtract(x, scratch.mean, out=normalised)
        # what the weighted centred values sum to: not quite 0, for the 1e-7
        scratch.centred_sum = weights @ normalised
        np.divide(weights @ (normalised * normalised), scratch.denominator,
                  out=scratch.variance)
        np.divide(1.0, np.sqrt(scratch.variance + self.epsilon), out=scratch.inverse_std)
        normalised *= scratch.inverse_std
        gamma, beta = self._scale_and_offset()
        np.multiply(normalised, gamma, out=out)
        out += beta

    def _inverse_std(self, rows):
        return self.scratch.inverse_std

    def _gradients_into(self, delta, normalised, inverse_std, gamma, gamma_grad, beta_grad,
                        dx):
        """The gradient through the batch's statistics included (see
        :func:`skdl.backend.normalization.batch_norm_backward`); with a
        mask, through the masked statistics::

            dx = gamma * inverse_std * (delta - w / D * (sum(delta) - inverse_std
                 * sum(delta * x_hat) * C / D) - w * x_hat * sum(delta * x_hat) / D)

        with ``w`` each row's mask, ``D = sum(w) + 1e-7`` and ``C`` the
        weighted sum of the centred input (0 but for the 1e-7).
        """
        scratch = self.scratch
        weights = scratch.step_weights
        normalization_routines.batch_norm_backward(
            delta, normalised, inverse_std, gamma, gamma_grad, beta_grad,
            dx if weights is None else None,
        )
        if weights is None or dx is None:
            return
        denominator = scratch.denominator
        shared = (beta_grad - inverse_std * gamma_grad * scratch.centred_sum / denominator) \
            / denominator
        np.multiply(normalised, gamma_grad / denominator, out=dx)
        dx += shared
        dx *= weights[:, None]
        np.subtract(delta, dx, out=dx)
        dx *= gamma * inverse_std

    def predict(self, x, mask=None):
        """Normalise by the moving statistics, in a fresh array (see
        :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            Or a sparse matrix of rows, when the layer is the first.
        mask : ndarray of bool, default=None
            Ignored, as Keras ignores it at inference.

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        if sp.issparse(x):
            x = x.toarray()
        return self._scaled((x - self.moving_mean)
                            / np.sqrt(self.moving_variance + self.epsilon))

    def to_onnx(self, graph, x, mask=None):
        """Write ONNX's ``BatchNormalization`` at inference, with the moving
        statistics, channels moved to axis 1 and back (see
        :meth:`Layer.to_onnx`); after a convolution those transposes cancel
        the convolution's own.

        Parameters
        ----------
        graph : OnnxGraph
        x : str
        mask : str or None
            Ignored, as in :meth:`predict`.

        Returns
        -------
        str
        """
        rank = len(self.input_shape) + 1
        if rank > 2:
            x = graph.transpose(x, (0, rank - 1, *range(1, rank - 1)))
        inputs = [x] + [graph.constant(value) for value in
                        (*self._onnx_weights(), self.moving_mean, self.moving_variance)]
        normalised = graph.node("BatchNormalization", inputs, epsilon=float(self.epsilon))
        return normalised if rank == 2 else graph.transpose(normalised, (0, *range(2, rank), 1))
