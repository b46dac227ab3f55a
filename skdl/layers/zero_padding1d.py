"""Zero padding at both ends of channels-last sequences."""

from .zero_padding2d import ZeroPadding2D

__all__ = ["ZeroPadding1D"]


class ZeroPadding1D(ZeroPadding2D):
    """Add steps of zeros at the start and end of each sequence, as Keras's
    ``ZeroPadding1D``: ``(timesteps, channels)`` becomes ``(left +
    timesteps + right, channels)``.

    Parameters
    ----------
    padding : int or pair of int, default=1
        An int pads both ends by it; ``(left, right)`` gives each end.
        Counts are integers of at least 0.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Notes
    -----
    The layer changes the number of steps, so a mask (see
    :attr:`Layer.passes_mask`) stops at it, as at any layer that does not
    keep the steps as they are.

    Examples
    --------
    >>> from skdl.layers import ZeroPadding1D
    >>> ZeroPadding1D(2).build((10, 3))
    (14, 3)
    >>> ZeroPadding1D((4, 0)).build((10, 3))
    (14, 3)
    """

    keras_class_name = "ZeroPadding1D"

    def __init__(self, padding=1, name=None):
        self.padding = padding
        self.name = name

    def _build(self, input_shape):
        if len(input_shape) != 2:
            self._refuse(
                "needs sequences of shape (timesteps, channels), got input of shape "
                f"{input_shape}; give the estimator input_shape=(timesteps, channels), "
                "e.g. (-1, 1) for one channel."
            )
        self._pads = self._side_pads(1)
        return self._padded_shape(input_shape)
