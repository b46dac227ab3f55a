"""The embedding of token ids into dense vectors."""

import numbers

import numpy as np
import scipy.sparse as sp

from ..backend import embedding as embedding_routines
from .base import Layer, WeightSpec, draw_weight, positive_int, resolved_initializer

__all__ = ["Embedding"]


class Embedding(Layer):
    """A table of ``input_dim`` learnt vectors of ``output_dim`` values,
    looked up by id, as Keras's: ``out[t] = embeddings[ids[t]]`` at each
    step ``t`` of a sequence of ids.

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary: ids run from 0 to ``input_dim - 1``.
    output_dim : int
        Length of each vector.
    embeddings_initializer : str or Initializer, default="uniform"
        How the table is drawn; Keras's names (see
        :func:`skdl.initializers.get_initializer`). Keras's default,
        ``"uniform"``, draws from ``U(-0.05, 0.05)``.
    mask_zero : bool, default=False
        Whether id 0 is padding: the layer then makes the mask ``ids !=
        0``, which the recurrent layers (they carry their state over the
        masked steps), global average pooling and attention below it take
        (see :ref:`masking`). Id 0 is still a row of the table, so
        ``input_dim`` counts it.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    embeddings : ndarray of shape (input_dim, output_dim)
        The table (a view into the network's parameters).

    Notes
    -----
    The input is a sequence of ``timesteps`` ids per sample, shape
    ``(timesteps,)``: rows of ids, one column per step, as
    :class:`~skdl.preprocessing.TextVectorization` makes them, floats
    holding integers being fine (scikit-learn's arrays are floats). That
    is the estimator's default ``input_shape``, ``(n_features,)``: leave it
    out, so that a search over the rows' length
    (``textvectorization__output_sequence_length``) needs nothing more. An id that is not an integer, or lies outside
    ``[0, input_dim)``, is refused before any pass, naming its row and
    value: in ``fit`` the whole of ``X`` is checked before training, and a
    refused ``predict`` changes nothing.

    The gradient with respect to the table is zero but in the rows of the
    ids a batch holds: the backward pass adds each step's output gradient
    into its id's row (:func:`skdl.backend.embedding.scatter_add_rows`)
    and zeroes only the rows the previous batch touched, so a batch costs
    nothing of the order of the table's size (the optimizer's step
    still moves every row). For that reason, as Keras's Embedding has no
    regulariser by default, the L2 penalty ``alpha`` does not apply to
    the table.

    Examples
    --------
    >>> from skdl.layers import Embedding
    >>> Embedding(1000, 16, mask_zero=True).build((50,))
    (50, 16)
    """

    keras_class_name = "Embedding"
    keras_arguments = {"input_dim": int, "output_dim": int, "mask_zero": bool}

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 mask_zero=False, name=None):
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = embeddings_initializer
        self.mask_zero = mask_zero
        self.name = name

    def _build(self, input_shape):
        positive_int(self, "input_dim", self.input_dim)
        output_dim = positive_int(self, "output_dim", self.output_dim)
        if not isinstance(self.mask_zero, (bool, np.bool_)):
            self._refuse(f"mask_zero must be True or False, got {self.mask_zero!r}.")
        if self.embeddings_initializer is None:
            self._refuse("embeddings_initializer must name an initializer, got None; "
                         "Keras's default is 'uniform'.")
        self._initializer = resolved_initializer(self, "embeddings_initializer")
        if len(input_shape) != 1:
            self._refuse(
                f"needs sequences of ids, of shape (timesteps,), got input of shape "
                f"{input_shape}. Give the estimator input_shape=(timesteps,) and rows of "
                "ids, and put the Embedding first."
            )
        return (input_shape[0], output_dim)

    def weight_specs(self):
        """``[embeddings (input_dim, output_dim)]``, not penalised (see
        Notes).

        Returns
        -------
        list of WeightSpec
        """
        return [WeightSpec("embeddings", (self.input_dim, self.output_dim), False)]

    def bind(self, weights, gradients):
        """Take the ``[embeddings]`` view (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        (self.embeddings,) = self.weights
        # a new gradient view holds what its owner left there: zero it all
        # at the next backward pass
        self.scratch.touched = None

    def initialize(self, random_state, factor=6.0):
        """Draw the table from ``embeddings_initializer``.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Ignored: Glorot's factor is for kernels.
        """
        draw_weight(self.embeddings, self._initializer, random_state)

    # ------------------------------------------------------------ the ids
    def check_input(self, x):
        """Refuse ids that are not integers in ``[0, input_dim)``, naming
        the first such row and value (see :meth:`Layer.check_input`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps)

        Raises
        ------
        ValueError
            Naming the layer, the row, the step and the value, and the fix.
        """
        self._ids(x)

    def _ids(self, x):
        """``x`` checked, as an intp array of ids of the same shape."""
        if sp.issparse(x):
            self._refuse("takes dense rows of ids, got a sparse matrix; convert it with "
                         "X.toarray().")
        x = np.asarray(x)
        invalid = first_invalid_id(x, 0, self.input_dim)
        if invalid is not None:
            row, step = invalid
            value = x[row, step].item()
            if isinstance(value, numbers.Integral) or float(value).is_integer():
                value = int(value)
                self._refuse(
                    f"row {row} of X holds the id {value} at step {step}, outside "
                    f"[0, {self.input_dim}): ids run from 0 to input_dim - 1. Raise "
                    "input_dim to the vocabulary's size, or map the ids beyond it to "
                    "one id for unknown tokens (TextVectorization gives them 1)."
                )
            self._refuse(
                f"row {row} of X holds {value} at step {step}, which is not an integer "
                "id: an Embedding takes token ids (integers, stored as floats if need "
                "be). Encode the tokens first, with TextVectorization or OrdinalEncoder."
            )
        return x.astype(np.intp)

    # ------------------------------------------------------------- passes
    def allocate(self, n_rows, needs_input_gradient=True):
        """The output buffer, and the record of the rows the gradient holds.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.out = np.empty((n_rows, *self.output_shape), dtype=self.dtype)
        self.scratch.touched = None

    def forward(self, x, rng=None):
        """Look the ids up (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps)
            Ids, checked first.
        rng : ignored

        Returns
        -------
        ndarray of shape (n, timesteps, output_dim)
        """
        ids = self._ids(x)
        out = self.scratch.out[: ids.shape[0]]
        np.take(self.embeddings, ids, axis=0, out=out)
        self.scratch.ids = ids.reshape(-1)
        return out

    def backward(self, delta):
        """Scatter-add each step's gradient into its id's row of the
        table's gradient (see :meth:`Layer.backward` and Notes).

        Parameters
        ----------
        delta : ndarray of shape (n, timesteps, output_dim)

        Returns
        -------
        ndarray or None
            Zeros of the input's shape (ids have no gradient), or None when
            not needed.
        """
        (gradient,) = self.gradients
        ids = self.scratch.ids
        rows = np.ascontiguousarray(delta, dtype=gradient.dtype).reshape(ids.shape[0], -1)
        scatter_gradient(gradient, getattr(self.scratch, "touched", None), ids, rows)
        self.scratch.touched = ids
        if not self._needs_input_gradient:
            return None
        return np.zeros((delta.shape[0], *self.input_shape), dtype=delta.dtype)

    def predict(self, x):
        """Look the ids up in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps)

        Returns
        -------
        ndarray of shape (n, timesteps, output_dim)
        """
        ids = self._ids(x)
        dtype = np.result_type(np.asarray(x).dtype, self.embeddings.dtype, np.float32)
        return np.take(self.embeddings, ids, axis=0).astype(dtype, copy=False)

    # ------------------------------------------------------------- masking
    def compute_mask(self, x, mask):
        """``ids != 0`` with ``mask_zero=True``, else None (see
        :meth:`Layer.compute_mask`).

        Parameters
        ----------
        x : ndarray of shape (n, timesteps)
        mask : ignored

        Returns
        -------
        ndarray of bool of shape (n, timesteps) or None
        """
        return np.asarray(x) != 0 if self.mask_zero else None

    def onnx_mask(self, graph, x, mask):
        """``Not(Equal(ids, 0))`` with ``mask_zero=True``, else None (see
        :meth:`Layer.onnx_mask`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
        mask : ignored

        Returns
        -------
        str or None
        """
        if not self.mask_zero:
            return None
        return graph.node("Not", [graph.node("Equal", [x, graph.constant(0.0)])])

    def to_onnx(self, graph, x):
        """The lookup as ONNX's ``Gather`` of the table's rows at the ids
        cast to integers (see :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The ids, ``(n, timesteps)``, as floats.

        Returns
        -------
        str
            ``(n, timesteps, output_dim)``.
        """
        from onnx import TensorProto

        ids = graph.node("Cast", [x], to=TensorProto.INT64)
        return graph.node("Gather", [graph.constant(self.get_weights()[0]), ids], axis=0)


def scatter_gradient(gradient, touched, ids, rows):
    """A table's gradient for one batch: zero the rows the previous batch
    touched (every row when ``touched`` is None: a gradient view new to the
    layer holds what its owner left there), then add each of ``rows`` into
    the row of its id.

    Parameters
    ----------
    gradient : ndarray of shape (input_dim, output_dim)
        The table's gradient, written in place.
    touched : ndarray of intp or None
        The ids of the previous batch.
    ids : ndarray of intp of shape (m,)
    rows : ndarray of shape (m, output_dim), of ``gradient``'s dtype
    """
    if touched is None:
        gradient[...] = 0
    else:
        gradient[touched] = 0
    embedding_routines.scatter_add_rows(ids, rows, gradient)


def first_invalid_id(values, low, high):
    """Where ``values`` first holds other than an integer in ``[low, high)``.

    Parameters
    ----------
    values : ndarray of shape (n, k)
        Ids or codes, of an integer or a float dtype.
    low : int
    high : int or ndarray of shape (k,)
        The end of the range, one per column if an array.

    Returns
    -------
    tuple of int or None
        ``(row, column)`` of the first invalid entry in row-major order,
        None when every entry is valid.
    """
    if values.dtype.kind in "iu":
        bad = (values < low) | (values >= high)
    else:
        with np.errstate(invalid="ignore"):
            bad = ~((values >= low) & (values < high) & (values == np.floor(values)))
    hits = np.argwhere(bad)
    return tuple(int(i) for i in hits[0]) if hits.size else None
