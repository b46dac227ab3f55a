"""
AdamW and a cosine schedule against the defaults
================================================

A small convolutional network on the handwritten digits, trained three
ways for the same 40 epochs: with the defaults (Adam at a constant rate of
0.001), with Adam at a constant rate thirty times higher, and with AdamW
under a cosine schedule that warms up to that higher rate and then decays.
A validation set of our choosing (``X_val``, ``y_val``) is scored after
every epoch, so ``validation_loss_curve_`` can be drawn beside
``loss_curve_``; the test rows are touched only at the end.
"""

# %%
# Data and the network
# --------------------
# 60% of the digits train, 20% validate and 20% test, split by class. The
# network is a 3x3 convolution, a 2x2 pool and a dense layer of 64 units.
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdl import NeuralNetClassifier
from skdl.layers import Conv2D, Dense, Flatten, MaxPool2D
from skdl.optimizers import Adam, AdamW
from skdl.schedules import CosineDecay

X, y = load_digits(return_X_y=True)
X = X / 16

# The tests and the documentation's checks set SKDL_EXAMPLES_QUICK=1 to run
# this page in seconds; the numbers quoted are the full run's.
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
if QUICK:
    X, y = X[:400], y[:400]
epochs = 4 if QUICK else 40
seeds = [0] if QUICK else [0, 1, 2]

X_train, X_rest, y_train, y_rest = train_test_split(
    X, y, test_size=0.4, random_state=0, stratify=y)
X_val, X_test, y_val, y_test = train_test_split(
    X_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest)
batch_size = 64
steps = epochs * int(np.ceil(len(y_train) / batch_size))  # optimizer steps in all
warmup = min(100, steps // 4)


def cnn(solver, seed):
    """The network, trained ``epochs`` epochs by ``solver`` (``n_iter_no_change``
    is set past ``epochs`` so that every run trains as long)."""
    return NeuralNetClassifier(
        [Conv2D(16, 3, activation="relu"), MaxPool2D(2), Flatten(),
         Dense(64, activation="relu")],
        input_shape=(8, 8, 1), solver=solver, batch_size=batch_size,
        max_iter=epochs, n_iter_no_change=epochs + 1, random_state=seed,
    )


# %%
# Three optimizers
# ----------------
# The schedule counts optimizer steps (mini-batches), as Keras's do: a
# linear warm-up from 0.001 to 0.03 over the first 100 steps, then a cosine
# down to 0 at the last step. AdamW shrinks every weight by
# ``learning_rate * weight_decay`` at each step, apart from the gradient.
def solvers():
    warm_cosine = CosineDecay(1e-3, decay_steps=steps - warmup, warmup_target=3e-2,
                              warmup_steps=warmup)
    return {
        "defaults: Adam, 0.001": "adam",
        "Adam, 0.03": Adam(learning_rate=3e-2),
        "AdamW, cosine to 0.03": AdamW(learning_rate=warm_cosine, weight_decay=0.05),
    }


models, accuracy, final_validation_loss = {}, {}, {}
with warnings.catch_warnings():  # every run uses all its epochs, on purpose
    warnings.simplefilter("ignore", ConvergenceWarning)
    for seed in seeds:
        for name, solver in solvers().items():
            model = cnn(solver, seed).fit(X_train, y_train, X_val=X_val, y_val=y_val)
            accuracy.setdefault(name, []).append(model.score(X_test, y_test))
            final_validation_loss.setdefault(name, []).append(
                model.validation_loss_curve_[-1])
            if seed == seeds[0]:
                models[name] = model

print(f"{len(y_train)} training, {len(y_val)} validation and {len(y_test)} test digits, "
      f"{epochs} epochs, seeds {seeds}:")
for name in accuracy:
    print(f"  {name:<24} test accuracy {np.mean(accuracy[name]):.4f} "
          f"(per seed {', '.join(f'{a:.4f}' for a in accuracy[name])}); "
          f"last validation loss {np.mean(final_validation_loss[name]):.4f}")

# %%
# The curves
# ----------
# On the left the training loss of each epoch, on the right the loss on the
# validation rows after each epoch (the first seed's runs), and below them
# the rate each epoch ended with, which ``history_`` records.
fig, axes = plt.subplots(1, 3, figsize=(8.5, 3.2), layout="constrained",
                         num="adamw_cosine_schedule")
for name, model in models.items():
    epoch = np.arange(1, model.n_iter_ + 1)
    axes[0].plot(epoch, model.loss_curve_, label=name)
    axes[1].plot(epoch, model.validation_loss_curve_, label=name)
    axes[2].plot(epoch, [record["learning_rate"] for record in model.history_], label=name)
for ax, title in zip(axes, ["training loss", "validation loss", "learning rate"]):
    ax.set_title(title)
    ax.set_xlabel("epoch")
axes[0].set_yscale("log")
axes[1].set_yscale("log")
axes[2].legend(fontsize=8)

# %%
# Over three seeds (the full run), AdamW under the cosine schedule reached a
# test accuracy of 0.986 and a last validation loss of 0.037, against 0.969
# and 0.107 for the defaults, which are still descending after 40 epochs.
# Much of the gain in accuracy comes from the higher rate alone: Adam at a
# constant 0.03 reaches 0.984. Its training loss falls furthest, but its
# validation loss levels off higher (0.061): it fits the training rows more
# tightly than the others. AdamW's validation loss wanders while the rate is
# near its peak, then settles lowest as the cosine brings the rate down and
# the weight decay keeps the weights small.
plt.show()
