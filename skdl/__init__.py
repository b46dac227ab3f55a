"""skdl: deep learning native to scikit-learn.

Multi-layer perceptrons and a perceptron with pluggable activations and
losses, on one NumPy backpropagation engine.
"""

from . import activations, losses
from .gradcheck import check_gradients
from .mlp import MLPClassifier, MLPRegressor
from .perceptron import PerceptronClassifier

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "PerceptronClassifier",
    "activations",
    "losses",
    "check_gradients",
]

__version__ = "0.1.0"
