"""The embedding of a table's categorical columns (entity embeddings)."""

import numbers

import numpy as np
import scipy.sparse as sp

from .base import Layer, WeightSpec, draw_weight, positive_int, resolved_initializer
from .embedding import first_invalid_id, scatter_gradient

__all__ = ["CategoryEmbedding"]

UNKNOWN = -1
"""The code of a category the encoder did not see in ``fit``: scikit-learn's
``OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)``."""


class CategoryEmbedding(Layer):
    """Entity embeddings: each chosen column of a row holds a category's
    integer code, which the layer replaces by that category's learnt vector;
    the other columns pass through.

    So a table goes into a network as scikit-learn encodes it::

        ColumnTransformer([("categories", OrdinalEncoder(), categorical),
                           ("numbers", StandardScaler(), numerical)])

    puts the codes first, and ``CategoryEmbedding(columns=[0, 1, ...],
    input_dims=[...], output_dims=...)``, the first layer, embeds them. For
    ``x`` a row and ``c_j`` its ``j``-th chosen column, the output is

    ``[E_1[x[c_1]], ..., E_k[x[c_k]], the other columns of x, in order]``

    where ``E_j`` is the table of column ``c_j``: Keras's model of one
    ``Embedding`` per categorical column, each looked up, then concatenated
    with the numeric inputs.

    Parameters
    ----------
    columns : list of int
        The positions, in each row, of the categorical columns, distinct.
    input_dims : list of int
        For each of ``columns``, its number of categories: its codes run
        from 0 to ``input_dims[j] - 1`` (``len(encoder.categories_[j])``
        for an ``OrdinalEncoder``).
    output_dims : int or list of int
        The length of each column's vector, the same for all or one per
        column. A common choice is ``min(50, (categories + 1) // 2)``.
    embeddings_initializer : str or Initializer, default="uniform"
        How the tables are drawn; Keras's names (see
        :func:`skdl.initializers.get_initializer`). Keras's Embedding's
        default, ``"uniform"``, draws from ``U(-0.05, 0.05)``.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    tables : list of ndarray
        One ``(input_dims[j], output_dims[j])`` table per column, views into
        the network's parameters.

    Notes
    -----
    **Unknown categories.** The code -1, which
    ``OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)``
    gives a category it did not see in ``fit``, embeds as the zero vector:
    no table row is learnt for it, so a category unseen in training adds
    nothing, rather than a vector drawn at random and never trained. Under
    cross-validation a rare category can be missing from a training fold,
    so set ``handle_unknown`` so. Missing values (NaN) are refused by the
    estimators: encode them as a category of their own, or as unknown with
    ``encoded_missing_value=-1``.

    Any other code outside ``[0, input_dims[j])``, or not an integer, is
    refused before any pass, naming the row, the column and the value: in
    ``fit`` the whole of ``X`` is checked before training (when the layer
    comes first), and a refused ``predict`` changes nothing.

    The input is flat rows, shape ``(n_features,)``; the output is flat
    too, of ``sum(output_dims) + n_features - len(columns)`` values, so
    Dense layers follow directly.

    The gradient of each table is a scatter-add of the output's gradient
    into the rows of the codes a batch holds
    (:func:`skdl.backend.embedding.scatter_add_rows`), the rows the previous
    batch touched being zeroed, as :class:`~skdl.layers.Embedding` does.
    As Keras's Embedding, the tables take no L2 penalty by default: the
    penalty ``alpha`` does not apply to them. The codes have no gradient:
    the input gradient is zero in their columns.

    Examples
    --------
    >>> from skdl.layers import CategoryEmbedding
    >>> layer = CategoryEmbedding(columns=[0, 2], input_dims=[4, 10], output_dims=[2, 3])
    >>> layer.build((5,))
    (8,)
    >>> [spec.shape for spec in layer.weight_specs()]
    [(4, 2), (10, 3)]
    """

    def __init__(self, columns, input_dims, output_dims,
                 embeddings_initializer="uniform", name=None):
        self.columns = columns
        self.input_dims = input_dims
        self.output_dims = output_dims
        self.embeddings_initializer = embeddings_initializer
        self.name = name

    def _build(self, input_shape):
        if len(input_shape) != 1:
            self._refuse(
                f"needs flat rows of shape (n_features,), got input of shape {input_shape}; "
                "give the estimator the encoded table as it is (no input_shape), and put "
                "the CategoryEmbedding first."
            )
        (n_features,) = input_shape
        columns = self._int_list("columns", self.columns, minimum=0)
        if not columns:
            self._refuse("columns is empty: name at least one categorical column.")
        if len(set(columns)) != len(columns):
            self._refuse(f"columns {list(columns)} name a column twice; each is embedded once.")
        outside = [c for c in columns if c >= n_features]
        if outside:
            self._refuse(
                f"columns {outside} are beyond the {n_features} columns of the input of "
                f"shape {input_shape}; columns are positions in a row, from 0."
            )
        input_dims = self._int_list("input_dims", self.input_dims, minimum=1)
        output_dims = self.output_dims
        if isinstance(output_dims, numbers.Integral) and not isinstance(output_dims, bool):
            output_dims = [positive_int(self, "output_dims", output_dims)] * len(columns)
        output_dims = self._int_list("output_dims", output_dims, minimum=1)
        for argument, values in (("input_dims", input_dims), ("output_dims", output_dims)):
            if len(values) != len(columns):
                self._refuse(
                    f"{argument} has {len(values)} entries for {len(columns)} columns; give "
                    "one per column, in the order of columns."
                )
        if self.embeddings_initializer is None:
            self._refuse("embeddings_initializer must name an initializer, got None; "
                         "Keras's default is 'uniform'.")
        self._initializer = resolved_initializer(self, "embeddings_initializer")
        self.columns_ = np.array(columns, dtype=np.intp)
        self.input_dims_ = np.array(input_dims, dtype=np.intp)
        self.output_dims_ = np.array(output_dims, dtype=np.intp)
        self.passthrough_ = np.setdiff1d(np.arange(n_features), self.columns_)
        self.offsets_ = np.concatenate([[0], np.cumsum(self.output_dims_)])
        return (int(self.offsets_[-1]) + len(self.passthrough_),)

    def _int_list(self, argument, values, minimum):
        """``values`` as a list of ints of at least ``minimum``, refused
        naming ``argument`` otherwise."""
        try:
            values = list(values)
        except TypeError:
            values = None
        if values is None or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum
            for v in values
        ):
            self._refuse(
                f"{argument} must be a list of integers of at least {minimum}, got "
                f"{getattr(self, argument)!r}."
            )
        return [int(v) for v in values]

    def weight_specs(self):
        """One ``embeddings (input_dims[j], output_dims[j])`` per column, in
        the order of ``columns``, not penalised (see Notes).

        Returns
        -------
        list of WeightSpec
        """
        return [WeightSpec("embeddings", (int(rows), int(dim)), False)
                for rows, dim in zip(self.input_dims_, self.output_dims_)]

    def bind(self, weights, gradients):
        """Take the tables' views (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        self.tables = self.weights
        # a new gradient view holds what its owner left there: zero it all
        # at the next backward pass
        self.scratch.touched = None

    def initialize(self, random_state, factor=6.0):
        """Draw each table from ``embeddings_initializer``, in turn.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Ignored: Glorot's factor is for kernels.
        """
        for table in self.tables:
            draw_weight(table, self._initializer, random_state)

    # ------------------------------------------------------------ the codes
    def check_input(self, x):
        """Refuse codes that are neither -1 nor integers in
        ``[0, input_dims[j])``, naming the first such row, column and value
        (see :meth:`Layer.check_input`).

        Parameters
        ----------
        x : ndarray of shape (n, n_features)

        Raises
        ------
        ValueError
            Naming the layer, the row, the column, the value and the fix.
        """
        self._codes(x)

    def _codes(self, x):
        """The codes of ``x``'s categorical columns, checked, as an intp
        array of shape (n, len(columns)), -1 for unknown."""
        if sp.issparse(x):
            self._refuse(
                "takes dense rows, got a sparse matrix; convert it with X.toarray(), or "
                "give the ColumnTransformer sparse_threshold=0."
            )
        codes = np.asarray(x)[:, self.columns_]
        invalid = first_invalid_id(codes, UNKNOWN, self.input_dims_)
        if invalid is not None:
            row, j = invalid
            value = codes[row, j].item()
            column = self.columns_[j]
            if float(value).is_integer():
                self._refuse(
                    f"row {row} of X holds the code {int(value)} in column {column}, outside "
                    f"[0, {self.input_dims_[j]}) and not -1 (unknown). Raise input_dims[{j}] "
                    f"to the number of categories of column {column}, or have the encoder "
                    "give unseen categories -1: OrdinalEncoder(handle_unknown="
                    "'use_encoded_value', unknown_value=-1)."
                )
            self._refuse(
                f"row {row} of X holds {value} in column {column}, which is not an integer "
                "code: encode the categories first, with OrdinalEncoder, and list in "
                "columns only the columns it gives."
            )
        return codes.astype(np.intp)

    def _lookup(self, codes, j, out):
        """Write column ``j``'s vectors for ``codes`` (unknown: zeros) into
        ``out``, of shape (n, output_dims[j])."""
        column = codes[:, j]
        np.take(self.tables[j], np.maximum(column, 0), axis=0, out=out)
        out[column == UNKNOWN] = 0

    # ------------------------------------------------------------- passes
    def allocate(self, n_rows, needs_input_gradient=True):
        """The output and input-gradient buffers, and the record of the
        rows each table's gradient holds.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.out = np.empty((n_rows, *self.output_shape), dtype=self.dtype)
        self.scratch.dx = (np.zeros((n_rows, *self.input_shape), dtype=self.dtype)
                           if needs_input_gradient else None)
        self.scratch.touched = None

    def forward(self, x, rng=None):
        """Look the codes up and pass the other columns (see
        :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n, n_features)
            Codes checked first.
        rng : ignored

        Returns
        -------
        ndarray of shape (n, sum(output_dims) + n_passthrough)
        """
        codes = self._codes(x)
        out = self.scratch.out[: codes.shape[0]]
        offsets = self.offsets_
        for j in range(len(self.tables)):
            self._lookup(codes, j, out[:, offsets[j]:offsets[j + 1]])
        out[:, offsets[-1]:] = x[:, self.passthrough_]
        self.scratch.codes = codes
        return out

    def backward(self, delta):
        """Scatter-add each row's gradient into its codes' table rows (see
        :meth:`Layer.backward` and Notes).

        Parameters
        ----------
        delta : ndarray of shape (n, sum(output_dims) + n_passthrough)

        Returns
        -------
        ndarray of shape (n, n_features) or None
            The passthrough columns' gradient, zeros in the categorical
            columns; None when not needed.
        """
        codes = self.scratch.codes
        touched = self.scratch.touched
        offsets = self.offsets_
        seen = []
        for j, gradient in enumerate(self.gradients):
            known = codes[:, j] != UNKNOWN
            ids = np.ascontiguousarray(codes[known, j])
            rows = np.ascontiguousarray(delta[known, offsets[j]:offsets[j + 1]],
                                        dtype=gradient.dtype)
            scatter_gradient(gradient, None if touched is None else touched[j], ids, rows)
            seen.append(ids)
        self.scratch.touched = seen
        if not self._needs_input_gradient:
            return None
        dx = self.scratch.dx[: delta.shape[0]]
        dx[:, self.passthrough_] = delta[:, offsets[-1]:]
        return dx

    def predict(self, x):
        """The embedded rows in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n, n_features)

        Returns
        -------
        ndarray of shape (n, sum(output_dims) + n_passthrough)
        """
        codes = self._codes(x)
        x = np.asarray(x)
        dtype = np.result_type(x.dtype, self.dtype, np.float32)
        out = np.empty((x.shape[0], *self.output_shape), dtype=dtype)
        offsets = self.offsets_
        for j in range(len(self.tables)):
            self._lookup(codes, j, out[:, offsets[j]:offsets[j + 1]])
        out[:, offsets[-1]:] = x[:, self.passthrough_]
        return out

    def to_onnx(self, graph, x):
        """Each column's ``Gather`` of its table's rows at the codes, and a
        ``Gather`` of the other columns, joined by ``Concat`` (see
        :meth:`Layer.to_onnx`).

        Each table is written with a row of zeros after its last, which ONNX's
        ``Gather`` reads at the index -1: the unknown code's zero vector.

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            Rows, ``(n, n_features)``.

        Returns
        -------
        str
            ``(n, sum(output_dims) + n_passthrough)``.
        """
        from onnx import TensorProto

        parts = []
        for column, table in zip(self.columns_, self.get_weights()):
            codes = graph.node("Gather", [x, graph.constant(np.int64(column), np.int64)],
                               axis=1)
            ids = graph.node("Cast", [codes], to=TensorProto.INT64)
            padded = np.vstack([table, np.zeros((1, table.shape[1]))])
            parts.append(graph.node("Gather", [graph.constant(padded), ids], axis=0))
        if len(self.passthrough_):
            parts.append(graph.node(
                "Gather", [x, graph.constant(self.passthrough_, np.int64)], axis=1))
        return graph.node("Concat", parts, axis=1)
