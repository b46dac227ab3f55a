"""skdl: deep learning native to scikit-learn.

Multi-layer perceptrons, a perceptron and networks of any layers
(convolutions, pools) with pluggable activations and losses, on one NumPy
backpropagation engine.
"""

from . import activations, layers, losses, optimizers, preprocessing, schedules
from .gradcheck import check_gradients
from .mlp import MLPClassifier, MLPRegressor
from .neural_net import NeuralNetClassifier, NeuralNetRegressor
from .perceptron import PerceptronClassifier

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "PerceptronClassifier",
    "activations",
    "layers",
    "losses",
    "optimizers",
    "preprocessing",
    "schedules",
    "check_gradients",
]

__version__ = "0.1.0"
