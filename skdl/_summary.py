"""The table of a network's layers: each layer's name, type, output shape
and number of weights, printed as Keras's ``Model.summary()`` prints it,
and drawn in the estimator's HTML diagram as a Pipeline draws its steps.

The table is read from built layers, the output layer last. Before fit the
output layer's units depend on the targets: the estimators then build it
with one unit and the table says ``n_outputs`` for its width, its weights
and the totals.
"""

# scikit-learn's diagram block, imported where Pipeline's diagram imports
# it in every supported scikit-learn (its module moved in 1.7)
from sklearn.pipeline import _VisualBlock

UNKNOWN_OUTPUTS = "n_outputs"
"""What the table says for the output layer's width before fit."""


class LayerRow:
    """One layer of the table.

    Parameters
    ----------
    layer : Layer
        A named layer, built unless ``built`` is False.
    built : bool, default=True
        False when the layer's input shape is not known: the row then has
        its name and type only.
    outputs_known : bool, default=True
        False for an output layer built with one unit in place of the
        targets' number: its counts are then per output.

    Attributes
    ----------
    layer : Layer
    name, type_name : str
    shape : str or None
        The output shape with ``None`` for the batch, as Keras shows it.
    trainable, non_trainable : int or None
        Entries of the weights that train and of those that do not (per
        output when ``outputs_known`` is False).
    """

    def __init__(self, layer, built=True, outputs_known=True):
        self.layer = layer
        self.name = layer.name
        self.type_name = type(layer).__name__
        self.outputs_known = outputs_known
        self.shape = self.trainable = self.non_trainable = None
        if built:
            shape = layer.output_shape
            if not outputs_known:
                shape = (*shape[:-1], UNKNOWN_OUTPUTS)
            self.shape = "(" + ", ".join(str(s) for s in (None, *shape)) + ")"
            specs = layer.weight_specs()
            self.trainable = sum(spec.size for spec in specs if spec.trainable)
            self.non_trainable = sum(spec.size for spec in specs if not spec.trainable)

    @property
    def size(self):
        """Entries of all the layer's weights."""
        return self.trainable + self.non_trainable

    @property
    def size_text(self):
        """:attr:`size` with thousands separators, ``"<k> * n_outputs"``
        when per output."""
        return _count_text(self.size, self.outputs_known)


def _count_text(count, outputs_known):
    return f"{count:,}" if outputs_known else f"{count:,} * {UNKNOWN_OUTPUTS}"


def _total_text(rows, count):
    """The sum of ``count(row)`` over ``rows``, the output layer's
    added per output when its width is not known."""
    known = sum(count(row) for row in rows if row.outputs_known)
    per_output = sum(count(row) for row in rows if not row.outputs_known)
    return f"{known:,} + {_count_text(per_output, False)}" if per_output else f"{known:,}"


def layer_rows(layers, built=True, outputs_known=True):
    """The rows of named ``layers``, the output layer last.

    Parameters
    ----------
    layers : list of Layer
    built : bool, default=True
        Whether the layers are built (their input shape known).
    outputs_known : bool, default=True
        False when the output layer stands built with one unit for the
        targets' number, before fit.

    Returns
    -------
    list of LayerRow
    """
    last = len(layers) - 1
    return [
        LayerRow(layer, built, outputs_known or i < last) for i, layer in enumerate(layers)
    ]


def summary_lines(title, rows):
    """The lines of Keras's summary: a header, a row per layer, then the
    total, trainable and non-trainable numbers of weights.

    Parameters
    ----------
    title : str
        What the first line names.
    rows : list of LayerRow
        Of built layers.

    Returns
    -------
    list of str
    """
    table = [("Layer (type)", "Output Shape", "Param #")] + [
        (f"{row.name} ({row.type_name})", row.shape, row.size_text) for row in rows
    ]
    widths = [max(len(cells[k]) for cells in table) for k in range(3)]
    width = sum(widths) + 8

    def line(cells):
        name, shape, count = cells
        return f" {name:<{widths[0]}}   {shape:<{widths[1]}}   {count:>{widths[2]}}"

    return [
        f"Model: {title}",
        "_" * width,
        line(table[0]),
        "=" * width,
        *(line(cells) for cells in table[1:]),
        "=" * width,
        f"Total params: {_total_text(rows, lambda row: row.size)}",
        f"Trainable params: {_total_text(rows, lambda row: row.trainable)}",
        f"Non-trainable params: {_total_text(rows, lambda row: row.non_trainable)}",
        "_" * width,
    ]


def layer_diagram(rows):
    """The layers as a serial block of scikit-learn's estimator diagram:
    one box per layer, labelled ``name: Type``, with its output shape below
    the label (when known) and its repr and number of weights inside.

    Parameters
    ----------
    rows : list of LayerRow

    Returns
    -------
    _VisualBlock
    """
    labels = [f"{row.name}: {row.type_name}" for row in rows]
    blocks = []
    for label, row in zip(labels, rows):
        details = repr(row.layer) if row.outputs_known else (
            "The output layer: its units and activation come from the targets at fit."
        )
        if row.shape is not None:
            details += f"\nweights: {row.size_text}"
        blocks.append(_VisualBlock(
            "single", row.layer, names=label, name_details=details, name_caption=row.shape,
        ))
    return _VisualBlock("serial", blocks, names=labels, dash_wrapped=False)
