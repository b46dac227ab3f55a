"""The 1-D convolution layer, over channels-last sequences."""

from ..backend.convolution import conv_output_size
from ._keras_form import activation_from_keras, single_int
from .base import (
    WeightSpec,
    check_initializers,
    one_int,
    padding_option,
    positive_int,
    resolved_activation,
)
from .conv2d import Conv2D, window_geometry

__all__ = ["Conv1D"]


class Conv1D(Conv2D):
    """1-D convolution (cross-correlation) over sequences of shape
    ``(timesteps, channels)``, then an activation.

    ``out[n, t, f] = activation(bias[f] + sum_{u, c}
    x[n, t * stride + u - left, c] * kernel[u, c, f])``, where steps
    outside the sequence count as 0 and ``left`` is the padding before it.
    It runs as a :class:`Conv2D` over an image one row high.

    Parameters
    ----------
    filters : int
        Number of output channels.
    kernel_size : int or tuple of one int
        Window length, in time steps.
    strides : int or tuple of one int, default=1
        Step of the window.
    padding : {"valid", "same", "causal"}, default="valid"
        ``"valid"`` keeps windows inside the sequence. ``"same"`` pads with
        zeros so that the output has ``ceil(timesteps / strides)`` steps,
        the odd extra step at the end (as TensorFlow). ``"causal"``, as
        Keras's, puts all ``kernel_size - 1`` zeros before the sequence:
        output step ``t`` sees input steps ``t * strides`` and earlier,
        never later ones, for forecasting without looking ahead; it has
        ``ceil(timesteps / strides)`` steps too.
    activation : str, Activation or object, default=None
        Anything :func:`skdl.activations.get_activation` takes; None is the
        identity.
    kernel_initializer : str, Initializer or None, default=None
        Draws the kernel: a name such as ``"he_normal"`` or an object,
        anything :func:`skdl.initializers.get_initializer` takes, with
        Keras's fans (``kernel_size * in_channels`` in, ``kernel_size *
        filters`` out). None draws it uniformly in ``+-sqrt(f / (fan_in +
        fan_out))`` with those fans and ``f = 6`` (Keras's
        ``"glorot_uniform"``), or 2 where a sigmoid follows.
    bias_initializer : str, Initializer or None, default=None
        Draws the bias, as ``kernel_initializer`` the kernel. None draws it
        from the same uniform law as a kernel left at None (Keras starts
        biases at ``"zeros"``; pass that to start as Keras does).
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    kernel : ndarray of shape (kernel_size, in_channels, filters)
        Weights of the built layer, in Keras's layout.
    bias : ndarray of shape (filters,)
    activation_ : Activation

    Examples
    --------
    >>> from skdl.layers import Conv1D
    >>> Conv1D(8, 3, padding="same").build((28, 1))
    (28, 8)
    >>> Conv1D(8, 5, strides=2).build((28, 3))
    (12, 8)
    >>> Conv1D(8, 5, padding="causal").build((28, 3))
    (28, 8)
    """

    keras_class_name = "Conv1D"
    keras_arguments = {"filters": int, "kernel_size": single_int, "strides": single_int,
                       "padding": None, "activation": activation_from_keras}
    keras_fixed = {"use_bias": (True,), "dilation_rate": (1, [1]), "groups": (1,),
                   "data_format": ("channels_last",)}

    def _build(self, input_shape):
        filters = positive_int(self, "filters", self.filters)
        size = one_int(self, "kernel_size", self.kernel_size)
        step = one_int(self, "strides", self.strides)
        padding = padding_option(self, self.padding, ("valid", "same", "causal"))
        image = sequence_as_image(self, input_shape, "kernel_size", size, padding)
        self._window, self._steps = (1, size), (1, step)
        if padding == "causal":
            # a valid convolution over size - 1 zeros then the sequence
            out, _ = conv_output_size(input_shape[0] + size - 1, size, step, "valid")
            self._out_size, self._pads = (1, out), (0, size - 1)
        else:
            self._out_size, self._pads = window_geometry(
                self, image, self._window, self._steps, padding, "kernel_size"
            )
        self._image_shape, self._filters = image, filters
        self.activation_ = resolved_activation(self)
        check_initializers(self)
        return (self._out_size[1], filters)

    def weight_specs(self):
        """``[kernel (kernel_size, in_channels, filters), bias (filters,)]``.

        Returns
        -------
        list of WeightSpec
        """
        return [
            WeightSpec("kernel", (self._window[1], self._image_shape[2], self._filters), True),
            WeightSpec("bias", (self._filters,), False),
        ]


def sequence_as_image(layer, input_shape, what, size, padding):
    """A sequence's shape ``(timesteps, channels)`` as the shape of an image
    one row high, refused, naming ``layer``, unless it is a sequence that a
    window of ``size`` steps fits under ``padding``.

    Parameters
    ----------
    layer : Layer
    input_shape : tuple of int
    what : str
        The hyperparameter holding ``size``, for errors.
    size : int
    padding : {"valid", "same", "causal"}

    Returns
    -------
    tuple of int
        ``(1, timesteps, channels)``.
    """
    if len(input_shape) != 2:
        layer._refuse(
            "needs sequences of shape (timesteps, channels), got input of shape "
            f"{input_shape}; give the estimator input_shape=(timesteps, channels), "
            "e.g. (-1, 1) for one channel."
        )
    if padding == "valid" and size > input_shape[0]:
        layer._refuse(
            f"{what} {size} is longer than its input's {input_shape[0]} time steps "
            f"(input shape {input_shape}) under padding='valid'; use padding='same', "
            "a shorter window, or longer sequences."
        )
    return (1, *input_shape)
