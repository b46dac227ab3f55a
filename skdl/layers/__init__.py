"""The layers networks are built from, named and laid out as Keras's.

Each layer owns its forward and backward passes, infers its output shape
from its input shape when the network is built, and holds its weights as
views into the network's flat parameter vector. Data is channels-last: an
image is ``(height, width, channels)``.

=================  ==============================================  ====================================
layer              computes                                        ``get_weights()``
=================  ==============================================  ====================================
``Dense``          ``activation(x @ kernel + bias)``               ``[kernel (n_in, units), bias]``
``Conv2D``         2-D cross-correlation, then activation          ``[kernel (kh, kw, c_in, f), bias]``
``MaxPool2D``      maximum over each window                        ``[]``
``AvgPool2D``      mean over each window                           ``[]``
``Flatten``        each sample as a flat row                       ``[]``
``Dropout``        random zeroing in training                      ``[]``
=================  ==============================================  ====================================
"""

from .base import Layer, WeightSpec
from .conv2d import Conv2D
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .pooling import AvgPool2D, MaxPool2D

__all__ = [
    "Layer",
    "WeightSpec",
    "Dense",
    "Conv2D",
    "MaxPool2D",
    "AvgPool2D",
    "Flatten",
    "Dropout",
]
