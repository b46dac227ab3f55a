"""
Perceptron vs MLP: a perceptron can only draw a line
====================================================

A perceptron is one layer of weights: whatever its activation, it splits
the plane with a straight line. On XOR (the four quadrants, opposite ones
alike) no line will do. A hidden layer lets a multilayer perceptron bend
its boundary around the data.
"""

# %%
# Two data sets
# -------------
# XOR: points uniform in the square, labelled by the sign of ``x0 * x1``.
# The two moons: two interleaved half circles with noise.
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

# The tests and the documentation's checks set SKDL_EXAMPLES_QUICK=1 to run
# this page in seconds; the numbers quoted are the full run's.
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
n_samples = 60 if QUICK else 200

X_xor = np.random.default_rng(0).uniform(-1, 1, size=(n_samples, 2))
y_xor = (X_xor[:, 0] * X_xor[:, 1] > 0).astype(int)
datasets = {"XOR": (X_xor, y_xor),
            "moons": make_moons(n_samples, noise=0.2, random_state=0)}

# %%
# Two models
# ----------
# A :class:`~skdl.PerceptronClassifier` trained by the perceptron rule, and
# an :class:`~skdl.MLPClassifier` with one hidden layer of 16 tanh units,
# trained by Adam. Each is fitted on each data set, and
# :func:`skdl.plot.plot_decision_boundary` shades the regions it predicts
# (the MLP's by its predicted probability).
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier, PerceptronClassifier
from skdl.plot import plot_decision_boundary

models = {
    "PerceptronClassifier": PerceptronClassifier(random_state=3),
    "MLPClassifier (16 tanh units)": MLPClassifier(
        (16,), activation="tanh", solver="adam", learning_rate_init=0.01, alpha=0.01,
        batch_size=32, max_iter=50 if QUICK else 2000, random_state=0,
    ),
}

print(f"training accuracy on {n_samples} points")
fig, axes = plt.subplots(2, 2, figsize=(8, 7.4), layout="constrained",
                         num="perceptron_vs_mlp")
for row, (data_name, (X, y)) in zip(axes, datasets.items()):
    for ax, (model_name, model) in zip(row, models.items()):
        with warnings.catch_warnings():  # the quick run stops early
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        accuracy = model.score(X, y)
        print(f"{data_name:<6} {model_name:<30} {accuracy:.3f}")
        plot_decision_boundary(model, X, y, ax=ax, resolution=80 if QUICK else 200)
        ax.set_title(f"{data_name}: {model_name}\ntraining accuracy {accuracy:.3f}")

# %%
# The perceptron's line is right on 0.585 of XOR's points, little better
# than a coin, and on 0.845 of the moons, whose tips fall on the wrong side
# of it. The MLP's curved boundaries score 0.980 and 0.970.
plt.show()
