"""
Learning-rate schedules
=======================

The six schedules of :mod:`skdl.schedules`, Keras's, drawn over 1,000
optimizer steps: each gives the learning rate of a step from the number of
steps taken before it. Then one of them trains a network, and the rate that
``history_`` records at the end of each epoch falls on its curve.
"""

# %%
# Six curves
# ----------
# A schedule is called with a step, or an array of steps, and returns the
# rate. All six start from 0.1 here; the first three decay for good, the
# last two follow a cosine, one with a warm-up and one with restarts.
import matplotlib.pyplot as plt
import numpy as np

from skdl.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

schedules = {
    "ExponentialDecay(0.1, 200, 0.5)": ExponentialDecay(0.1, 200, 0.5),
    "PiecewiseConstantDecay([300, 600], [0.1, 0.03, 0.01])":
        PiecewiseConstantDecay([300, 600], [0.1, 0.03, 0.01]),
    "PolynomialDecay(0.1, 800, 0.01, power=2)":
        PolynomialDecay(0.1, 800, end_learning_rate=0.01, power=2.0),
    "InverseTimeDecay(0.1, 100, 1.0)": InverseTimeDecay(0.1, 100, 1.0),
    "CosineDecay(0.0, 800, alpha=0.1,\nwarmup_target=0.1, warmup_steps=200)":
        CosineDecay(0.0, 800, alpha=0.1, warmup_target=0.1, warmup_steps=200),
    "CosineDecayRestarts(0.1, 150, m_mul=0.7)":
        CosineDecayRestarts(0.1, 150, t_mul=2.0, m_mul=0.7),
}
steps = np.arange(1000)
fig, axes = plt.subplots(2, 3, figsize=(8.5, 5.0), layout="constrained", sharey=True,
                         num="learning_rate_schedules")
for ax, (name, schedule) in zip(axes.ravel(), schedules.items()):
    ax.plot(steps, schedule(steps))
    ax.set_title(name, fontsize=7.5)
staircase = ExponentialDecay(0.1, 200, 0.5, staircase=True)
axes[0, 0].plot(steps, staircase(steps), linestyle="--", label="staircase=True")
axes[0, 0].legend(fontsize=7)
for ax in axes[1]:
    ax.set_xlabel("optimizer step")
for ax in axes[:, 0]:
    ax.set_ylabel("learning rate")

# %%
# A schedule in training
# ----------------------
# Given as an estimator's ``learning_rate`` (or an optimizer's), the
# schedule sets the rate of every mini-batch step: here 400 rows in batches
# of 50 are 8 steps an epoch, so 100 epochs cover 800 steps of the warm-up
# and the cosine. ``history_`` records the rate at the end of each epoch,
# which the dots mark on the curve.
import warnings

from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier

X, y = make_classification(n_samples=400, n_features=10, random_state=0)
warmup = CosineDecay(0.0, 800, alpha=0.1, warmup_target=0.1, warmup_steps=200)
model = MLPClassifier((16,), solver="adam", learning_rate=warmup, batch_size=50,
                      max_iter=100, tol=0.0, n_iter_no_change=100, random_state=0)
with warnings.catch_warnings():  # all 100 epochs, on purpose
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X, y)
epoch_ends = [8 * record["epoch"] for record in model.history_]
rates = [record["learning_rate"] for record in model.history_]
axes[1, 1].plot(epoch_ends[::5], rates[::5], "o", markersize=3, color="black",
                label="history_, every 5th epoch")
axes[1, 1].legend(fontsize=7, loc="lower center")
print(f"{model.optimizer_.iterations} steps; the last epoch ended at rate {rates[-1]:.4f}, "
      f"the schedule's value at step 800 is {warmup(800):.4f}")

# %%
# The rate of a step is the schedule's value at the number of steps taken
# before it, counted from 0, as Keras counts: it is a count of mini-batches,
# not of epochs, so a schedule written for one batch size decays twice as
# fast, per epoch, with batches half as large.
plt.show()
