"""A layer with a weight that does not train, for the tests of such weights:
a per-feature scale and shift of inputs centred on their mean, the mean a
running average that training passes update and predictions use (a
BatchNormalization without the variance)."""

import numpy as np
import scipy.sparse as sp

from skdl.layers import Layer, WeightSpec


class RunningCentre(Layer):
    """``gamma * (x - mean) + beta`` per feature (the last axis).

    A training pass centres the batch on its own mean and moves
    ``moving_mean`` towards it: ``moving_mean = momentum * moving_mean + (1 -
    momentum) * batch_mean``. A prediction centres on ``moving_mean``.
    Weights, in order: ``gamma`` (trainable, penalised), ``moving_mean``
    (not trainable), ``beta`` (trainable), so that the weight that does not
    train sits between two that do.
    """

    def __init__(self, momentum=0.5):
        self.momentum = momentum

    def _build(self, input_shape):
        return input_shape

    def weight_specs(self):
        channels = (self.input_shape[-1],)
        return [
            WeightSpec("gamma", channels, penalised=True),
            WeightSpec("moving_mean", channels, penalised=False, trainable=False),
            WeightSpec("beta", channels, penalised=False),
        ]

    def bind(self, weights, gradients):
        super().bind(weights, gradients)
        self.gamma, self.moving_mean, self.beta = self.weights

    def initialize(self, random_state, factor=6.0):
        self.gamma[...] = 1 + random_state.uniform(-0.1, 0.1, self.gamma.shape)
        self.moving_mean[...] = 0
        self.beta[...] = 0

    def _per_feature(self, x):
        return x.reshape(-1, self.input_shape[-1])

    def forward(self, x, rng=None):
        x = x.toarray() if sp.issparse(x) else x
        mean = self._per_feature(x).mean(axis=0)
        self.moving_mean *= self.momentum
        self.moving_mean += (1 - self.momentum) * mean
        self.scratch.centred = x - mean
        return self.scratch.centred * self.gamma + self.beta

    def backward(self, delta):
        gamma_grad, _, beta_grad = self.gradients  # moving_mean has no gradient
        gamma_grad[...] = self._per_feature(delta * self.scratch.centred).sum(axis=0)
        beta_grad[...] = self._per_feature(delta).sum(axis=0)
        if not self._needs_input_gradient:
            return None
        spread = delta * self.gamma
        return spread - self._per_feature(spread).mean(axis=0)

    def predict(self, x):
        x = x.toarray() if sp.issparse(x) else x
        return (x - self.moving_mean) * self.gamma + self.beta
