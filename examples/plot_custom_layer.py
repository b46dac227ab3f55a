"""
Writing your own layer
======================

A complete layer in one file: a dense layer whose inputs are centred on a
running mean, as a batch normalization centres them. It declares a
trainable kernel and bias and a weight that does not train, makes its
buffers, runs its training pass and its backward pass, predicts, passes a
gradient check, trains inside a scikit-learn pipeline and exports to ONNX.
The user guide's page *Writing your own layer* explains each part.

Needs the ``onnx`` extra and onnxruntime:
``pip install -e ".[onnx]" onnxruntime``.
"""

# %%
# The layer
# ---------
# ``CentredTanh(units)`` computes ``tanh((x - mean) @ kernel + bias)``. In a
# training pass ``mean`` is the batch's own mean, and the layer moves its
# ``moving_mean`` towards it; at prediction it centres on ``moving_mean``.
# ``moving_mean`` is declared with ``trainable=False``: it is saved and
# restored with the other weights, but no optimizer and no L2 penalty sees
# it.
import numbers

import numpy as np

from skdl.layers import Layer, WeightSpec


class CentredTanh(Layer):
    """``tanh((x - mean) @ kernel + bias)``, ``mean`` a running mean of the inputs."""

    def __init__(self, units, momentum=0.9):
        self.units = units
        self.momentum = momentum

    def _build(self, input_shape):
        units, momentum = self.units, self.momentum
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units < 1:
            self._refuse(f"units must be a positive integer, got {units!r}.")
        if not (isinstance(momentum, numbers.Real) and 0 <= momentum < 1):
            self._refuse(f"momentum must be a number in [0, 1), got {momentum!r}.")
        if len(input_shape) != 1:
            self._refuse(f"needs flat input, got input of shape {input_shape}.")
        return (int(units),)

    def weight_specs(self):
        (n_in,) = self.input_shape
        return [WeightSpec("kernel", (n_in, self.units), penalised=True),
                WeightSpec("bias", (self.units,), penalised=False),
                WeightSpec("moving_mean", (n_in,), penalised=False, trainable=False)]

    def bind(self, weights, gradients):
        super().bind(weights, gradients)
        self.kernel, self.bias, self.moving_mean = self.weights

    def initialize(self, random_state, factor=6.0):
        bound = np.sqrt(factor / sum(self.kernel.shape))
        self.kernel[...] = random_state.uniform(-bound, bound, self.kernel.shape)
        self.bias[...] = 0
        self.moving_mean[...] = 0

    def allocate(self, n_rows, needs_input_gradient=True):
        super().allocate(n_rows, needs_input_gradient)
        (n_in,) = self.input_shape
        self.scratch.centred = np.empty((n_rows, n_in), dtype=self.dtype)
        self.scratch.out = np.empty((n_rows, self.units), dtype=self.dtype)
        self.scratch.dx = (np.empty((n_rows, n_in), dtype=self.dtype)
                           if needs_input_gradient else None)

    def forward(self, x, rng=None):
        n = x.shape[0]
        mean = x.mean(axis=0)
        self.moving_mean *= self.momentum
        self.moving_mean += (1 - self.momentum) * mean
        centred, out = self.scratch.centred[:n], self.scratch.out[:n]
        np.subtract(x, mean, out=centred)
        np.matmul(centred, self.kernel, out=out)
        out += self.bias
        return np.tanh(out, out=out)

    def backward(self, delta):
        n = delta.shape[0]
        delta *= 1 - self.scratch.out[:n] ** 2  # through tanh
        kernel_grad, bias_grad, _ = self.gradients  # moving_mean has none
        np.matmul(self.scratch.centred[:n].T, delta, out=kernel_grad)
        np.sum(delta, axis=0, out=bias_grad)
        if self.scratch.dx is None:  # the first layer: no input gradient
            return None
        dx = np.matmul(delta, self.kernel.T, out=self.scratch.dx[:n])
        dx -= dx.mean(axis=0)  # every row moved the batch mean
        return dx

    def predict(self, x):
        return np.tanh((x - self.moving_mean) @ self.kernel + self.bias)

    def to_onnx(self, graph, x):
        centred = graph.node("Sub", [x, graph.constant(self.moving_mean)])
        return graph.node("Tanh", [graph.affine(centred, self.kernel, self.bias)])


# %%
# Check the gradients
# -------------------
# :func:`skdl.gradcheck.check_gradients` compares what ``backward`` wrote
# with central finite differences of the training objective, nudging every
# trainable weight in turn. The layer sits second, so that its input
# gradient is checked too, and ``alpha`` adds the L2 penalty. The weight
# that does not train lives apart, in ``non_trainable_params``.
from skdl.gradcheck import check_gradients
from skdl.layers import Dense
from skdl.network import Network

rng = np.random.RandomState(0)
network = Network([Dense(6, "relu"), CentredTanh(5), Dense(3, "softmax")], (4,))
network.initialize(rng)
X_check, Y_check = rng.normal(size=(8, 4)), np.eye(3)[rng.randint(3, size=8)]
error, analytic, numeric = check_gradients(network, X_check, Y_check, "cross_entropy",
                                           alpha=0.1)
print(f"{network.params.size} trainable weights, "
      f"{network.non_trainable_params.size} that do not train")
print(f"gradient check: relative error {error:.1e}")

# %%
# Train it in a pipeline
# ----------------------
# The layer goes into :class:`~skdl.NeuralNetClassifier` like a built-in
# one, here after a :class:`~sklearn.preprocessing.MinMaxScaler`, whose
# pixels in [0, 1] are far from centred. The estimator copies the layer,
# fits it, and keeps the fitted copy in ``layers_``.
import os
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdl import NeuralNetClassifier

QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0)
model = make_pipeline(MinMaxScaler(), NeuralNetClassifier(
    [CentredTanh(32)], max_iter=10 if QUICK else 60, random_state=0))
with warnings.catch_warnings():  # the quick run stops before the loss settles
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X_train, y_train)
centre = model[-1].layers_[0]
pixel_means = model[0].transform(X_train).mean(axis=0)
print(f"test accuracy {model.score(X_test, y_test):.3f}; moving_mean within "
      f"{np.abs(centre.moving_mean - pixel_means).max():.3f} of the pixels' means")

# %%
# Export to ONNX
# --------------
# The ``to_onnx`` method wrote the layer's prediction through
# :class:`~skdl.onnx.OnnxGraph`; ONNX Runtime runs the whole pipeline and
# agrees with skdl.
import onnxruntime

from skdl.onnx import to_onnx

X_test32 = X_test.astype(np.float32)
onx = to_onnx(model, X_test32, options={"zipmap": False})
session = onnxruntime.InferenceSession(onx.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
labels, proba = session.run(None, {session.get_inputs()[0].name: X_test32})
expected = model.predict_proba(X_test32)
difference = np.abs(proba - expected).max()
print(f"ONNX Runtime: labels identical for {np.sum(labels == model.predict(X_test32))} "
      f"of {len(y_test)}; probabilities within 1e-05: {'yes' if difference <= 1e-5 else 'NO'}")

# %%
# What the three checks saw
# -------------------------
# Backpropagated against finite-difference gradients, the moving mean the
# fit left against the mean of the scaled training pixels, and ONNX
# Runtime's probabilities against skdl's: each on its diagonal.
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 3, figsize=(8.5, 3), layout="constrained", num="custom_layer")
pairs = [(analytic, numeric, "gradients", "backpropagated", "finite differences"),
         (pixel_means, centre.moving_mean, "input means", "training pixels",
          "moving_mean"),
         (expected.ravel(), proba.ravel(), "probabilities", "skdl", "ONNX Runtime")]
for ax, (a, b, title, xlabel, ylabel) in zip(axes, pairs):
    low, high = min(a.min(), b.min()), max(a.max(), b.max())
    ax.plot([low, high], [low, high], color="0.75", linewidth=1, zorder=0)
    ax.scatter(a, b, s=8, alpha=0.6)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)

plt.show()
