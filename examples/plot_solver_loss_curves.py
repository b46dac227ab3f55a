"""
Loss curves of the three solvers, and early stopping
====================================================

The same :class:`~skdl.MLPClassifier` (64 hidden units) on the handwritten
digits trained by mini-batch SGD with momentum, by Adam and by L-BFGS
(whose curve has one point per iteration, each a full pass over the data
and a line search). On the right, Adam with early stopping: the training
loss and, on a second axis, the accuracy on the held-out validation tenth,
which levels off first; training stops once it has not improved for 10
epochs, and the best weights are kept.

Run ``python examples/plot_solver_loss_curves.py --help`` for the options.
The script prints each solver's iterations and final loss, where early
stopping stopped, and the path of the PNG it writes
(``solver_loss_curves.png``, in ``examples/output/`` unless
``--output-dir`` says otherwise).
"""

import argparse
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier
from skdl.plot import plot_loss_curve

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True):
    """Train with each solver, print what each did and draw the loss curves.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the PNG; created if missing.
    quick : bool, default=False
        300 digits and 10 epochs (for tests and quick documentation
        builds).
    close : bool, default=True
        Close the figure once saved (False leaves it open, for
        sphinx-gallery or ``plt.show()``).

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
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.5, 3.6), layout="constrained")
    print(f"MLPClassifier((64,)) on {len(y)} digits, at most {max_iter} epochs:")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for solver in ("sgd", "adam", "lbfgs"):
            model = MLPClassifier((64,), solver=solver, learning_rate_init=0.01,
                                  max_iter=max_iter, random_state=0).fit(X, y)
            steps = "iterations" if solver == "lbfgs" else "epochs"
            print(f"  solver={solver!r:<8} {model.n_iter_:3d} {steps:<10} final training "
                  f"loss {model.loss_:.3g}")
            plot_loss_curve(model, ax=left, label=solver)
        stopped = MLPClassifier((64,), early_stopping=True, max_iter=max_iter,
                                random_state=0).fit(X, y)
    print(f"  adam with early stopping: stopped after {stopped.n_iter_} epochs, best "
          f"validation accuracy {stopped.best_validation_score_:.4f}")
    left.set_yscale("log")
    left.set_xlabel("epoch (iteration for lbfgs)")
    left.set_title("sgd vs adam vs lbfgs")
    plot_loss_curve(stopped, ax=right, label="training loss (adam)")
    right.set_title(f"adam, early stopping after {stopped.n_iter_} epochs")
    fig.suptitle(f"MLPClassifier((64,)) on {len(y)} handwritten digits")
    return [save(fig, output_dir / "solver_loss_curves.png", close)]


def save(fig, path, close=True):
    """Write ``fig`` as a PNG whose bytes depend on the picture alone (no
    software version in its metadata), and print where it went."""
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    if close:
        plt.close(fig)
    full, here = Path(path).resolve(), Path.cwd()
    print("wrote", full.relative_to(here) if full.is_relative_to(here) else full)
    return Path(path)


def parse_args(argv=None):
    """The command line: ``--output-dir``, ``--quick``, ``--show``."""
    parser = argparse.ArgumentParser(
        description="Train an MLPClassifier on the digits with sgd, adam and lbfgs, "
                    "and adam with early stopping, and draw the loss curves "
                    "(solver_loss_curves.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the PNG, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="300 digits, 10 epochs (also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--show", action="store_true",
                        help="also show the figure in a window")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    # the figure stays open: sphinx-gallery collects it, --show shows it
    main(args.output_dir, quick=args.quick, close=False)
    if args.show:
        plt.show()
