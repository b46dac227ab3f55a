"""Loss curves of the three solvers, and early stopping.

The same MLPClassifier on the handwritten digits trained by mini-batch SGD
with momentum, by Adam and by L-BFGS (whose curve has one point per
iteration, each a full pass over the data and a line search). On the right,
Adam with early stopping: the training loss and, on a second axis, the
accuracy on the held-out validation part, which levels off first.

Run it with ``python examples/plot_solver_loss_curves.py [OUTPUT_DIR]``
(default ``docs/images``).
"""

import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdl import MLPClassifier  # noqa: E402
from skdl.plot import plot_loss_curve  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "images"


def main(output_dir=DEFAULT_OUTPUT, quick=False):
    """Train with each solver and draw the loss curves.

    Parameters
    ----------
    output_dir : str or Path, default=docs/images
        Folder for the PNG; created if missing.
    quick : bool, default=False
        Fewer samples and iterations (for the tests).

    Returns
    -------
    list of Path
        The PNG written.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    X, y = load_digits(return_X_y=True)
    if quick:
        X, y = X[:300], y[:300]
    X = StandardScaler().fit_transform(X)
    max_iter = 10 if quick else 100
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for solver in ("sgd", "adam", "lbfgs"):
            model = MLPClassifier((64,), solver=solver, learning_rate_init=0.01,
                                  max_iter=max_iter, random_state=0).fit(X, y)
            plot_loss_curve(model, ax=left, label=solver)
        stopped = MLPClassifier((64,), early_stopping=True, max_iter=max_iter,
                                random_state=0).fit(X, y)
    left.set_yscale("log")
    left.set_xlabel("epoch (iteration for lbfgs)")
    left.set_title("digits: sgd vs adam vs lbfgs")
    plot_loss_curve(stopped, ax=right, label="training loss (adam)")
    right.set_title(f"early stopping after {stopped.n_iter_} epochs")
    path = output_dir / "solver_loss_curves.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT)
