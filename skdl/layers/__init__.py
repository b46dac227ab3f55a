"""The layers networks are built from, named and laid out as Keras's.

Each layer owns its forward and backward passes, infers its output shape
from its input shape when the network is built, and holds its weights as
views into the network's flat parameter vector. Data is channels-last: an
image is ``(height, width, channels)``, a sequence ``(timesteps, features)``.

=================  ==============================================  ====================================
layer              computes                                        ``get_weights()``
=================  ==============================================  ====================================
``Dense``          ``activation(x @ kernel + bias)``               ``[kernel (n_in, units), bias]``
``Conv2D``         2-D cross-correlation, then activation          ``[kernel (kh, kw, c_in, f), bias]``
``Conv1D``         1-D cross-correlation, then activation          ``[kernel (k, c_in, f), bias]``
``MaxPool2D``      maximum over each window                        ``[]``
``AvgPool2D``      mean over each window                           ``[]``
``MaxPool1D``      maximum over each window of a sequence          ``[]``
``AvgPool1D``      mean over each window of a sequence             ``[]``
``SimpleRNN``      ``h = activation(x_t K + h R + b)``              ``[kernel, recurrent_kernel, bias]``
``LSTM``           gates i, f, c, o; ``h = o * tanh(c)``           ``[kernel (F, 4H), recurrent (H, 4H), bias]``
``GRU``            gates z, r, h~ (``reset_after``)                ``[kernel (F, 3H), recurrent (H, 3H), bias (2, 3H)]``
``Flatten``        each sample as a flat row                       ``[]``
``Dropout``        random zeroing in training                      ``[]``
=================  ==============================================  ====================================
"""

from .base import Layer, Scratch, WeightSpec
from .conv1d import Conv1D
from .conv2d import Conv2D
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .gru import GRU
from .lstm import LSTM
from .pooling import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D
from .simple_rnn import SimpleRNN

__all__ = [
    "Layer",
    "Scratch",
    "WeightSpec",
    "Dense",
    "Conv2D",
    "MaxPool2D",
    "AvgPool2D",
    "Conv1D",
    "MaxPool1D",
    "AvgPool1D",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Flatten",
    "Dropout",
]

LAYER_NAMES = ", ".join(name for name in __all__ if name not in ("Layer", "Scratch", "WeightSpec"))
"""The layers skdl offers, by name, for messages."""
