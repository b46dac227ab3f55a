"""Shared test cases: the built-in activations and the loss/output pairs the
issue requires every test of the engine to cover."""

ACTIVATION_NAMES = [
    "identity", "step", "sigmoid", "softmax", "tanh", "relu", "leaky_relu",
    "elu", "gelu", "softplus", "exp",
]
"""Every built-in activation, aliases left out."""

DIFFERENTIABLE_ACTIVATION_NAMES = [n for n in ACTIVATION_NAMES if n != "step"]

LOSS_OUTPUT_PAIRS = [
    ("squared_error", "identity"),
    ("squared_error", "sigmoid"),
    ("squared_error", "tanh"),
    ("squared_error", "softplus"),
    ("absolute_error", "identity"),
    ("huber", "identity"),
    ("poisson", "exp"),
    ("poisson", "softplus"),
    ("binary_cross_entropy", "sigmoid"),
    ("cross_entropy", "softmax"),
    ("hinge", "identity"),
    ("hinge", "tanh"),
    ("perceptron", "identity"),
]
"""Each loss with every output activation it is defined for."""
