"""
Loss curves of the three solvers, and early stopping
====================================================

The same :class:`~skdl.MLPClassifier` (64 hidden units) on the handwritten
digits, trained by mini-batch SGD with momentum, by Adam and by L-BFGS; then
Adam with early stopping, which holds out a tenth of the data and stops when
the accuracy on it stops improving.
"""

# %%
# Three solvers
# -------------
# ``loss_curve_`` holds the training loss after each epoch, or after each
# iteration for L-BFGS, where one iteration is a full pass over the data
# plus a line search. :func:`skdl.plot.plot_loss_curve` draws it.
import os
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier
from skdl.plot import plot_loss_curve

X, y = load_digits(return_X_y=True)

# The tests and the documentation's checks set SKDL_EXAMPLES_QUICK=1 to run
# this page in seconds; the numbers quoted are the full run's.
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
if QUICK:
    X, y = X[:300], y[:300]
max_iter = 10 if QUICK else 100

X = StandardScaler().fit_transform(X)
fig, (left, right) = plt.subplots(1, 2, figsize=(8.5, 3.6), layout="constrained",
                                  num="solver_loss_curves")
print(f"MLPClassifier((64,)) on {len(y)} digits, at most {max_iter} epochs:")
with warnings.catch_warnings():  # SGD runs out of epochs
    warnings.simplefilter("ignore", ConvergenceWarning)
    for solver in ("sgd", "adam", "lbfgs"):
        model = MLPClassifier((64,), solver=solver, learning_rate_init=0.01,
                              max_iter=max_iter, random_state=0).fit(X, y)
        steps = "iterations" if solver == "lbfgs" else "epochs"
        print(f"  solver={solver!r:<8} {model.n_iter_:3d} {steps:<10} final training "
              f"loss {model.loss_:.3g}")
        plot_loss_curve(model, ax=left, label=solver)
left.set_yscale("log")
left.set_xlabel("epoch (iteration for lbfgs)")
left.set_title("sgd vs adam vs lbfgs")

# %%
# Early stopping
# --------------
# With ``early_stopping=True``, a tenth of the training data is held out;
# training stops once the accuracy on it has not improved for
# ``n_iter_no_change`` (10) epochs, and the weights of its best epoch are
# kept. On the right, the training loss and, on a second axis, that
# validation accuracy, which levels off first.
with warnings.catch_warnings():  # the quick run stops early
    warnings.simplefilter("ignore", ConvergenceWarning)
    stopped = MLPClassifier((64,), early_stopping=True, max_iter=max_iter,
                            random_state=0).fit(X, y)
print(f"  adam with early stopping: stopped after {stopped.n_iter_} epochs, best "
      f"validation accuracy {stopped.best_validation_score_:.4f}")
plot_loss_curve(stopped, ax=right, label="training loss (adam)")
right.set_title(f"adam, early stopping after {stopped.n_iter_} epochs")
fig.suptitle(f"MLPClassifier((64,)) on {len(y)} handwritten digits")

# %%
# L-BFGS drives the training loss lowest and fastest on this small data set
# (1.1e-4 in 17 iterations); Adam stops after 42 epochs, when its loss no
# longer improves by ``tol``; SGD is still descending after 100. A low
# training loss is not the aim, though: the validation accuracy levels off
# after about 20 epochs, and early stopping ends training at epoch 43 with
# 0.9556 on the held-out tenth.
plt.show()
