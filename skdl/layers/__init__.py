"""The layers networks are built from, named and laid out as Keras's.

Each layer owns its forward and backward passes, infers its output shape
from its input shape when the network is built, and holds its weights as
views into the network's flat vectors (``params`` for the weights that
train, ``non_trainable_params`` for the others). Data is channels-last: an
image is ``(height, width, channels)``, a sequence ``(timesteps, features)``.

The built-in layers are listed once, in :data:`BUILT_IN_LAYERS`: the
exports of this module, the messages that name them and the API
reference's table derive from it. Each layer class describes its weights
in ``weight_specs()``, in Keras's order and shapes, and writes its ONNX
form in ``to_onnx(graph, x)``.
"""

from .activation import Activation
from .base import Layer, Scratch, WeightSpec
from .batch_normalization import BatchNormalization
from .bidirectional import Bidirectional
from .category_embedding import CategoryEmbedding
from .conv1d import Conv1D
from .conv2d import Conv2D
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
)
from .gru import GRU
from .layer_normalization import LayerNormalization
from .lstm import LSTM
from .multi_head_attention import MultiHeadAttention
from .pooling import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D
from .position_embedding import PositionEmbedding
from .residual import Residual
from .simple_rnn import SimpleRNN
from .zero_padding1d import ZeroPadding1D
from .zero_padding2d import ZeroPadding2D

BUILT_IN_LAYERS = (
    Dense,
    Conv2D,
    MaxPool2D,
    AvgPool2D,
    ZeroPadding2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    Conv1D,
    MaxPool1D,
    AvgPool1D,
    ZeroPadding1D,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    SimpleRNN,
    LSTM,
    GRU,
    Bidirectional,
    Embedding,
    CategoryEmbedding,
    MultiHeadAttention,
    PositionEmbedding,
    Residual,
    BatchNormalization,
    LayerNormalization,
    Flatten,
    Dropout,
    Activation,
)
"""The layer classes skdl offers, in the order the API reference lists them."""

__all__ = ["Layer", "Scratch", "WeightSpec", "BUILT_IN_LAYERS",
           *(layer.__name__ for layer in BUILT_IN_LAYERS)]

LAYER_NAMES = ", ".join(layer.__name__ for layer in BUILT_IN_LAYERS)
"""The layers skdl offers, by name, for messages."""
