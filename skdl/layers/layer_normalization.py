"""Layer normalization: each sample's features (each step's, each pixel's)
rescaled to mean 0 and variance 1, then scaled and shifted."""

import numpy as np
import scipy.sparse as sp

from ._keras_form import single_int
from ..backend import normalization as normalization_routines
from ._normalization import Normalization

__all__ = ["LayerNormalization"]


class LayerNormalization(Normalization):
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

    keras_class_name = "LayerNormalization"
    keras_arguments = {"axis": single_int, "epsilon": float, "center": bool, "scale": bool}

    def __init__(self, axis=-1, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", name=None):
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        self.name = name

    axis_fix = "reorder the input so that the features to normalise come last"

    def allocate(self, n_rows, needs_input_gradient=True):
        """The buffers of :class:`Normalization` and each vector's inverse
        deviation.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.inverse_std = np.empty(self._rows(n_rows), dtype=self.dtype)

    def _normalise(self, x, out):
        """Normalise the rows of ``x``, ``(rows, features)``, into ``out``."""
        rows = x.shape[0]
        normalization_routines.layer_norm_forward(
            x, *self._scale_and_offset(), float(self.epsilon), self.scratch.inverse_std[:rows],
            self.scratch.normalised[:rows], out,
        )

    def _inverse_std(self, rows):
        return self.scratch.inverse_std[:rows]

    def _gradients_into(self, *arrays):
        """With ``g = delta * gamma`` and ``x_hat`` the normalised input,
        each vector's gradient is ``(g - mean(g) - x_hat * mean(g * x_hat))
        / sqrt(var + epsilon)`` (see
        :func:`skdl.backend.normalization.layer_norm_backward`)."""
        normalization_routines.layer_norm_backward(*arrays)

    def predict(self, x):
        """Output in a fresh array (see :meth:`Layer.predict`).

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
        centred = x - x.mean(axis=-1, keepdims=True)
        return self._scaled(
            centred / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + self.epsilon))

    def to_onnx(self, graph, x):
        """Write ONNX's ``LayerNormalization`` over the last axis (see
        :meth:`Layer.to_onnx`); a missing ``gamma`` is written as ones and
        a missing ``beta`` as zeros.

        Parameters
        ----------
        graph : OnnxGraph
        x : str

        Returns
        -------
        str
        """
        inputs = [x] + [graph.constant(value) for value in self._onnx_weights()]
        return graph.node("LayerNormalization", inputs, axis=-1, epsilon=float(self.epsilon))
