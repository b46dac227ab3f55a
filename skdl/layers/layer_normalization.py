"""Layer normalization: each sample's features (each step's, each pixel's)
rescaled to mean 0 and variance 1, then scaled and shifted."""

import numbers

import numpy as np

from .base import Layer, WeightSpec, draw_weight, resolved_initializer

__all__ = ["LayerNormalization"]


class LayerNormalization(Layer):
    """Normalise the last axis of each sample, as Keras's
    ``LayerNormalization``.

    For each vector ``x`` along the last axis (a flat row, a step of a
    sequence, a pixel of an image)::

        y = gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta

    with the mean and the (biased) variance over that vector alone, so that
    a sample's output does not depend on the other samples of its batch and
    training and prediction compute the same thing.

    Parameters
    ----------
    axis : int, default=-1
        The axis normalised, counted as Keras counts it (the batch axis is
        0): only the last axis, ``-1`` or its positive index.
    epsilon : float, default=0.001
        Added to the variance, positive.
    center : bool, default=True
        Whether to add the learnt offset ``beta``.
    scale : bool, default=True
        Whether to multiply by the learnt ``gamma``.
    beta_initializer : str or Initializer, default="zeros"
        Anything :func:`skdl.initializers.get_initializer` takes.
    gamma_initializer : str or Initializer, default="ones"
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    gamma : ndarray of shape (n_features,)
        The scale, when ``scale``.
    beta : ndarray of shape (n_features,)
        The offset, when ``center``.

    Notes
    -----
    The weights are ``[gamma, beta]``, as Keras's, each left out when its
    flag is False; neither is penalised by ``alpha``. Masks pass through.

    Examples
    --------
    >>> from skdl.layers import LayerNormalization
    >>> layer = LayerNormalization()
    >>> layer.build((10, 16))
    (10, 16)
    >>> [spec.name for spec in layer.weight_specs()]
    ['gamma', 'beta']
    """

    passes_mask = True

    def __init__(self, axis=-1, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", name=None):
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
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
                f"normalises the last axis only, got axis={self.axis!r} for input of shape "
                f"{input_shape}; pass axis=-1 (reorder the input so that the features to "
                "normalise come last)."
            )
        check_epsilon(self)
        check_flags(self)
        self._initializers = {
            "gamma": resolved_initializer(self, "gamma_initializer"),
            "beta": resolved_initializer(self, "beta_initializer"),
        }
        return input_shape

    def weight_specs(self):
        """``[gamma (n_features,), beta (n_features,)]``, each present only
        when ``scale`` and ``center`` ask for it; neither penalised.

        Returns
        -------
        list of WeightSpec
        """
        return scale_and_offset_specs(self)

    def bind(self, weights, gradients):
        """Take views of ``gamma`` and ``beta`` (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        named = dict(zip([spec.name for spec in self.weight_specs()], self.weights))
        self.gamma, self.beta = named.get("gamma"), named.get("beta")

    def initialize(self, random_state, factor=6.0):
        """Draw ``gamma`` and ``beta`` from their initializers.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Ignored.
        """
        for spec, weight in zip(self.weight_specs(), self.weights):
            draw_weight(weight, self._initializers[spec.name], random_state)

    def _rows(self, n):
        """Number of normalised vectors in a batch of ``n`` samples."""
        return n * int(np.prod(self.input_shape[:-1], dtype=np.int64))

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the normalised input, its inverse deviations, the
        output, a product of the backward pass and the input gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        rows, width = self._rows(n_rows), self.input_shape[-1]
        scratch = self.scratch
        scratch.normalised = np.empty((rows, width), dtype=self.dtype)
        scratch.inverse_std = np.empty((rows, 1), dtype=self.dtype)
        scratch.out = np.empty((rows, width), dtype=self.dtype)
        scratch.product = np.empty((rows, width), dtype=self.dtype)
        scratch.dx = np.empty((rows, width), dtype=self.dtype) if needs_input_gradient else None

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
        rng : ignored

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        n, rows = x.shape[0], self._rows(x.shape[0])
        scratch = self.scratch
        normalised, inverse_std = scratch.normalised[:rows], scratch.inverse_std[:rows]
        out = scratch.out[:rows]
        x = x.reshape(rows, -1)
        np.mean(x, axis=1, keepdims=True, out=inverse_std)
        np.subtract(x, inverse_std, out=normalised)
        np.multiply(normalised, normalised, out=out)
        np.mean(out, axis=1, keepdims=True, out=inverse_std)
        inverse_std += self.epsilon
        np.sqrt(inverse_std, out=inverse_std)
        np.divide(1.0, inverse_std, out=inverse_std)
        normalised *= inverse_std
        self._scale_and_shift(normalised, out)
        return out.reshape(n, *self.output_shape)

    def _scale_and_shift(self, normalised, out):
        if self.gamma is not None:
            np.multiply(normalised, self.gamma, out=out)
        else:
            out[...] = normalised
        if self.beta is not None:
            out += self.beta

    def backward(self, delta):
        """Backward pass (see :meth:`Layer.backward`): with ``g = delta *
        gamma`` and ``x_hat`` the normalised input, each vector's gradient
        is ``(g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var + epsilon)``.

        Parameters
        ----------
        delta : ndarray of shape (n,) + input_shape
            Overwritten.

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        n, rows = delta.shape[0], self._rows(delta.shape[0])
        delta = delta.reshape(rows, -1)
        normalised = self.scratch.normalised[:rows]
        named = dict(zip([spec.name for spec in self.weight_specs()], self.gradients))
        product = self.scratch.product[:rows]
        np.multiply(delta, normalised, out=product)
        if "gamma" in named:
            np.sum(product, axis=0, out=named["gamma"])
        if "beta" in named:
            np.sum(delta, axis=0, out=named["beta"])
        if not self._needs_input_gradient:
            return None
        if self.gamma is not None:
            delta *= self.gamma
            np.multiply(delta, normalised, out=product)
        dx = self.scratch.dx[:rows]
        mean_product = product.mean(axis=1, keepdims=True)
        np.multiply(normalised, mean_product, out=dx)
        np.subtract(delta, dx, out=dx)
        dx -= delta.mean(axis=1, keepdims=True)
        dx *= self.scratch.inverse_std[:rows]
        return dx.reshape(n, *self.input_shape)

    def predict(self, x):
        """Output in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n,) + input_shape
        """
        centred = x - x.mean(axis=-1, keepdims=True)
        normalised = centred / np.sqrt((centred * centred).mean(axis=-1, keepdims=True)
                                       + self.epsilon)
        out = np.empty_like(normalised)
        self._scale_and_shift(normalised, out)
        return out

    def to_onnx(self, graph, x):
        """Write ONNX's ``LayerNormalization`` over the last axis (see
        :meth:`Layer.to_onnx`); a missing ``gamma`` is written as ones and
        a missing ``beta`` left out.

        Parameters
        ----------
        graph : OnnxGraph
        x : str

        Returns
        -------
        str
        """
        width = self.input_shape[-1]
        gamma = np.ones(width) if self.gamma is None else self.gamma
        inputs = [x, graph.constant(gamma)]
        if self.beta is not None:
            inputs.append(graph.constant(self.beta))
        return graph.node("LayerNormalization", inputs, axis=-1, epsilon=float(self.epsilon))


def check_epsilon(layer):
    """Refuse an ``epsilon`` that is not a positive number."""
    epsilon = layer.epsilon
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not epsilon > 0:
        layer._refuse(f"epsilon must be a positive number, got {epsilon!r}.")


def check_flags(layer):
    """Refuse ``center`` and ``scale`` other than booleans."""
    for flag in ("center", "scale"):
        if not isinstance(getattr(layer, flag), (bool, np.bool_)):
            layer._refuse(f"{flag} must be True or False, got {getattr(layer, flag)!r}.")


def scale_and_offset_specs(layer):
    """``gamma`` then ``beta``, of the last axis's size, as ``layer.scale``
    and ``layer.center`` ask, neither penalised: the weights of the two
    normalizations."""
    width = (layer.input_shape[-1],)
    return ([WeightSpec("gamma", width, False)] if layer.scale else []) + (
        [WeightSpec("beta", width, False)] if layer.center else []
    )
