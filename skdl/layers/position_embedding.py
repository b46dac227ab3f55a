"""A learned position vector added to each step of a sequence."""

import numpy as np

from .base import Layer, WeightSpec, draw_weight, positive_int, resolved_initializer

__all__ = ["PositionEmbedding"]


class PositionEmbedding(Layer):
    """Adds a learned vector per position to each step of a sequence:
    ``out[t] = x[t] + embeddings[t]``.

    Attention weighs the steps by their contents alone, whatever their
    order; adding a vector that depends on the position lets it tell the
    first step from the last.

    Parameters
    ----------
    sequence_length : int
        The longest sequence the layer takes: the number of position
        vectors. A shorter sequence uses the first rows, as keras-hub's
        layer does.
    initializer : str or Initializer, default="glorot_uniform"
        Draws the position vectors (:mod:`skdl.initializers`).
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    embeddings : ndarray of shape (sequence_length, features)
        The position vectors (a view into the network's parameters).

    Notes
    -----
    keras-hub's ``PositionEmbedding`` (the name and arguments followed
    here) returns the position vectors, for the user to add to the
    sequence in a functional model: ``x + PositionEmbedding(...)(x)``. A
    stack of layers has no addition, so this layer adds them itself; its
    weights are keras-hub's, ``[embeddings (sequence_length, features)]``.
    The mask of the input passes on.

    Examples
    --------
    >>> from skdl.layers import PositionEmbedding
    >>> layer = PositionEmbedding(sequence_length=100)
    >>> layer.build((20, 64))
    (20, 64)
    >>> [spec.shape for spec in layer.weight_specs()]
    [(100, 64)]
    """

    passes_mask = True

    def __init__(self, sequence_length, initializer="glorot_uniform", name=None):
        self.sequence_length = sequence_length
        self.initializer = initializer
        self.name = name

    def _build(self, input_shape):
        length = positive_int(self, "sequence_length", self.sequence_length)
        resolved_initializer(self, "initializer")
        if len(input_shape) != 2:
            self._refuse(
                f"needs sequences of shape (timesteps, features), got input of shape "
                f"{input_shape}; give input_shape=(timesteps, features), or put it after "
                "an Embedding."
            )
        if input_shape[0] > length:
            self._refuse(
                f"has {length} positions, but gets sequences of {input_shape[0]} steps "
                f"(input of shape {input_shape}); give sequence_length={input_shape[0]} "
                "or more, or shorten the sequences."
            )
        return input_shape

    def weight_specs(self):
        """``[embeddings (sequence_length, features)]``, not penalised, as
        Keras's embeddings have no regularizer by default.

        Returns
        -------
        list of WeightSpec
        """
        return [WeightSpec("embeddings", (self.sequence_length, self.input_shape[-1]), False)]

    def bind(self, weights, gradients):
        """Take the ``[embeddings]`` view (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        (self.embeddings,) = self.weights

    def initialize(self, random_state, factor=6.0):
        """Draw the position vectors with ``initializer``.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Ignored: the initializer sets the scale.
        """
        draw_weight(self.embeddings, self.initializer, random_state)

    def allocate(self, n_rows, needs_input_gradient=True):
        """A buffer for the output.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.out = np.empty((n_rows, *self.input_shape), self.dtype)

    def forward(self, x, rng=None):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)
        rng : ignored

        Returns
        -------
        ndarray of shape (n, timesteps, features)
        """
        out = self.scratch.out[: x.shape[0]]
        np.add(x, self.embeddings[: self.input_shape[0]], out=out)
        return out

    def backward(self, delta):
        """Backward pass: the position vectors' gradient is the sum of the
        output's gradient over the batch; the rows past the sequence get 0.

        Parameters
        ----------
        delta : ndarray of shape (n, timesteps, features)

        Returns
        -------
        ndarray or None
            ``delta`` itself, the input's gradient.
        """
        (grad,) = self.gradients
        steps = self.input_shape[0]
        np.sum(delta, axis=0, out=grad[:steps])
        grad[steps:] = 0
        return delta if self._needs_input_gradient else None

    def predict(self, x):
        """Output in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps, features)

        Returns
        -------
        ndarray of shape (n, timesteps, features)
        """
        return x + self.embeddings[: self.input_shape[0]]

    def to_onnx(self, graph, x):
        """Write ``x + embeddings[:timesteps]`` into an ONNX graph (see
        :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The input, of shape ``(n, timesteps, features)``.

        Returns
        -------
        str
        """
        return graph.node("Add", [x, graph.constant(self.embeddings[: self.input_shape[0]])])
