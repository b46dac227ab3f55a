"""A layer for the tests of masking without an embedding: it passes its
input on and marks as padding the steps that are all zeros, as an
``Embedding(mask_zero=True)`` marks id 0; in ONNX too."""

import numpy as np

from skdl.layers import Layer


class PadMask(Layer):
    """Passes sequences on and marks the steps that are all zeros as
    padding, as an ``Embedding(mask_zero=True)`` would mark id 0."""

    def __init__(self, name=None):
        self.name = name

    def _build(self, input_shape):
        return input_shape

    def forward(self, x, rng=None):
        return x

    def backward(self, delta):
        return delta

    def predict(self, x):
        return x

    def compute_mask(self, x, mask):
        return np.any(x != 0, axis=-1)

    def to_onnx(self, graph, x):
        return x

    def onnx_mask(self, graph, x, mask):
        size = graph.node("ReduceSum", [graph.node("Abs", [x]), graph.shape_constant([2])],
                          keepdims=0)
        return graph.node("Not", [graph.node("Equal", [size, graph.constant(0.0)])])
