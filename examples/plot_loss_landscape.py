"""
The loss landscape of a small MLP
=================================

Training searches the loss surface over the weight space, which has far too
many dimensions to draw. A plane through the fitted weights, spanned by two
random directions, shows a slice of it: here for an
:class:`~skdl.MLPClassifier` fitted on the two moons.
"""

# %%
# The model
# ---------
# Two hidden layers of 16 units, fitted by L-BFGS with an L2 penalty of
# about 0.1.
import os
import warnings

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier
from skdl.plot import loss_landscape, plot_loss_landscape

# The tests and the documentation's checks set SKDL_EXAMPLES_QUICK=1 to run
# this page in seconds; the numbers quoted are the full run's.
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")

X, y = make_moons(60 if QUICK else 200, noise=0.2, random_state=0)
# alpha / n_samples is a power of two, so the penalty's gradient is exact and
# both compute back-ends reach the same weights (L-BFGS would amplify a
# difference in the last bit)
alpha = len(y) / 2**11
model = MLPClassifier((16, 16), solver="lbfgs", alpha=alpha,
                      max_iter=50 if QUICK else 500, random_state=0)
with warnings.catch_warnings():  # the quick run stops early
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X, y)
print(f"MLPClassifier((16, 16), lbfgs, alpha={alpha:.4g}) on {len(y)} moons: "
      f"{model.n_iter_} iterations, training loss {model.loss_:.4f}, "
      f"accuracy {model.score(X, y):.3f}")

# %%
# The landscape
# -------------
# :func:`skdl.plot.loss_landscape` evaluates the training objective on a
# grid of the plane. Each direction is filter-normalised, as in Li et al.
# (2018), "Visualizing the Loss Landscape of Neural Nets": every unit's
# incoming weights in a direction have the norm of that unit's fitted
# weights, so one step along a direction changes every unit by as much as
# it holds. The same ``random_state`` draws the same two directions in
# every call.
landscape = {"resolution": 11 if QUICK else 41, "span": 1.0, "random_state": 0}
_, _, losses = loss_landscape(model, X, y, **landscape)
print(f"objective on a {losses.shape[0]} x {losses.shape[1]} grid around the fitted "
      f"weights: {losses.min():.4f} to {losses.max():.4f}")

# %%
# :func:`skdl.plot.plot_loss_landscape` draws it, as contours on a log scale
# (left) and as a surface (right). The fitted weights, the star, sit at the
# bottom of a basin: the objective is 0.0972 there and rises to 14.38
# within one step along the directions.
fig = plt.figure(figsize=(8.5, 3.8), layout="constrained", num="loss_landscape")
contour = fig.add_subplot(1, 2, 1)
plot_loss_landscape(model, X, y, ax=contour, **landscape)
contour.set_title("training loss around the fitted weights")
# drawn in the order added, so the star stays above the surface
surface = fig.add_subplot(1, 2, 2, projection="3d", computed_zorder=False)
plot_loss_landscape(model, X, y, ax=surface, surface=True, **landscape)
surface.set_xticks([-1, 0, 1])
surface.set_yticks([-1, 0, 1])
surface.zaxis.set_major_locator(MaxNLocator(4))
surface.set_zlabel("")  # the colour bar says it; a 3-D label gets clipped
surface.set_title("the same, as a surface")

plt.show()
