"""Zero padding around channels-last images."""

import numbers

import numpy as np

from ._keras_form import as_json, nested_tuple
from .base import Layer

__all__ = ["ZeroPadding2D"]


class ZeroPadding2D(Layer):
    """Add rows and columns of zeros around each image, as Keras's
    ``ZeroPadding2D``: ``(height, width, channels)`` becomes ``(top + height
    + bottom, left + width + right, channels)``.

    Parameters
    ----------
    padding : int, pair of int, or pair of pairs of int, default=(1, 1)
        An int pads every side by it; ``(rows, columns)`` pads top and
        bottom by ``rows``, left and right by ``columns``;
        ``((top, bottom), (left, right))`` gives each side. Counts are
        integers of at least 0.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Notes
    -----
    A convolution's ``padding="same"`` pads by what its window needs; this
    layer pads by what you choose, so that, say, a ``"valid"`` convolution
    after it keeps the image's size, or a 28x28 digit becomes the 32x32
    input of LeNet-5. The gradient of a padded image is the gradient of
    its middle; the zeros have none.

    Examples
    --------
    >>> from skdl.layers import ZeroPadding2D
    >>> ZeroPadding2D(2).build((28, 28, 1))
    (32, 32, 1)
    >>> ZeroPadding2D(((1, 0), (2, 3))).build((4, 4, 3))
    (5, 9, 3)
    """

    keras_class_name = "ZeroPadding2D"
    keras_arguments = {"padding": nested_tuple}
    keras_fixed = {"data_format": ("channels_last", None)}

    def __init__(self, padding=(1, 1), name=None):
        self.padding = padding
        self.name = name

    def _build(self, input_shape):
        if len(input_shape) != 3:
            self._refuse(
                "needs images of shape (height, width, channels), got input of shape "
                f"{input_shape}; give the estimator input_shape=(height, width, channels)."
            )
        self._pads = self._side_pads(2)
        return self._padded_shape(input_shape)

    def keras_config(self):
        """The padding as Keras writes it: ``[before, after]`` for a
        sequence, ``[[top, bottom], [left, right]]`` for an image (see
        :meth:`Layer.keras_config`).

        Returns
        -------
        dict
        """
        config = super().keras_config()
        config["padding"] = as_json(self._pads[0] if len(self._pads) == 1 else self._pads)
        return config

    def _side_pads(self, axes):
        """``padding`` as one ``(before, after)`` pair per spatial axis:
        an int for all sides, one int per axis, or one pair per axis."""
        value = self.padding
        if _count(value):
            return ((int(value),) * 2,) * axes
        try:
            entries = tuple(value)
        except TypeError:
            entries = ()
        if axes == 1 and len(entries) == 2 and all(map(_count, entries)):
            return (tuple(int(v) for v in entries),)
        if axes == 2 and len(entries) == 2:
            pairs = []
            for entry in entries:
                if _count(entry):
                    pairs.append((int(entry),) * 2)
                elif isinstance(entry, (tuple, list)) and len(entry) == 2 and all(
                        map(_count, entry)):
                    pairs.append(tuple(int(v) for v in entry))
            if len(pairs) == 2:
                return tuple(pairs)
        forms = ("an int or a pair (left, right)" if axes == 1 else
                 "an int, a pair (rows, columns) or a pair of pairs "
                 "((top, bottom), (left, right))")
        self._refuse(f"padding must be {forms} of integers of at least 0, got {value!r}.")

    def _padded_shape(self, input_shape):
        spatial = [size + before + after
                   for size, (before, after) in zip(input_shape, self._pads)]
        return (*spatial, input_shape[-1])

    def _middle(self, n):
        """The index of the input's cells in a batch of ``n`` padded samples."""
        return (slice(0, n), *(slice(before, before + size)
                               for (before, _), size in zip(self._pads, self.input_shape)))

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the padded output and the input gradient.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        self.scratch.out = np.zeros((n_rows, *self.output_shape), dtype=self.dtype)
        self.scratch.dx = (np.empty((n_rows, *self.input_shape), dtype=self.dtype)
                           if needs_input_gradient else None)

    def forward(self, x, rng=None):
        """Training pass: ``x`` in the middle of zeros (see
        :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
        rng : ignored

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        n = x.shape[0]
        out = self.scratch.out[:n]
        # the border is written again each pass: a later layer may have
        # worked in this buffer
        out[...] = 0
        out[self._middle(n)] = x
        return out

    def backward(self, delta):
        """The gradient of the middle (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + output_shape

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        if not self._needs_input_gradient:
            return None
        n = delta.shape[0]
        dx = self.scratch.dx[:n]
        dx[...] = delta[self._middle(n)]
        return dx

    def predict(self, x):
        """``x`` in the middle of zeros, in a fresh array (see
        :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        return np.pad(x, ((0, 0), *self._pads, (0, 0)))

    def to_onnx(self, graph, x):
        """Write ONNX's ``Pad`` (constant zeros) into the graph (see
        :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The input, ``(n,) + input_shape``.

        Returns
        -------
        str
            The padded output.
        """
        befores = [0, *(before for before, _ in self._pads), 0]
        afters = [0, *(after for _, after in self._pads), 0]
        return graph.node("Pad", [x, graph.shape_constant(befores + afters)], mode="constant")


def _count(value):
    """Whether ``value`` is an int of at least 0 (not a bool)."""
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and value >= 0)
