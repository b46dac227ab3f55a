"""
Grid search over the hidden activation and the loss
===================================================

skdl's activations and losses are ordinary hyper-parameters, so
:class:`~sklearn.model_selection.GridSearchCV` tunes them like any other:
here an :class:`~skdl.MLPClassifier` behind a
:class:`~sklearn.preprocessing.StandardScaler` on the handwritten digits,
every activation against every classification loss, 3-fold
cross-validated. The heat map shows the mean validation accuracy of each
pair, the best one framed in red.

Run ``python examples/plot_grid_search.py --help`` for the options. The
script prints the scores and the path of the PNG it writes
(``grid_search.png``, in ``examples/output/`` unless ``--output-dir`` says
otherwise); the full search fits 54 small networks, about a minute.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "elu", "gelu"]
LOSSES = ["log_loss", "hinge", "squared_error"]


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True, n_jobs=None):
    """Run the search, print its scores and draw them as a heat map.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the PNG; created if missing.
    quick : bool, default=False
        300 digits, 3 activations, 2 losses and 10 iterations (for tests
        and quick documentation builds).
    close : bool, default=True
        Close the figure once saved (False leaves it open, for
        sphinx-gallery or ``plt.show()``).
    n_jobs : int, default=None
        Candidates fitted in parallel by ``GridSearchCV``; the scores do not
        depend on it.

    Returns
    -------
    list of Path
        The PNG written.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    X, y = load_digits(return_X_y=True)
    activations, losses = ACTIVATIONS, LOSSES
    if quick:
        X, y = X[:300], y[:300]
        activations, losses = activations[:3], losses[:2]
    pipe = make_pipeline(
        StandardScaler(),
        MLPClassifier((32,), solver="lbfgs", max_iter=10 if quick else 30,
                      random_state=0),
    )
    search = GridSearchCV(pipe, {
        "mlpclassifier__activation": activations,
        "mlpclassifier__loss": losses,
    }, cv=3, n_jobs=n_jobs)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    # the grid varies the loss fastest
    scores = search.cv_results_["mean_test_score"].reshape(len(activations), len(losses))

    print(f"GridSearchCV, 3-fold, on {len(y)} digits: {scores.size} candidates "
          f"in {time.perf_counter() - started:.0f} s; mean CV accuracy:")
    print(f"{'activation':<12}" + "".join(f"{loss:>15}" for loss in losses))
    for activation, row in zip(activations, scores):
        print(f"{activation:<12}" + "".join(f"{score:15.4f}" for score in row))
    best = search.best_params_
    print(f"best: activation={best['mlpclassifier__activation']!r}, "
          f"loss={best['mlpclassifier__loss']!r}, accuracy {search.best_score_:.4f}")

    fig, ax = plt.subplots(figsize=(6.5, 1.4 + 0.5 * len(activations)), layout="constrained")
    image = ax.imshow(scores, cmap="viridis", aspect="auto")
    fig.colorbar(image, ax=ax, label="mean CV accuracy")
    for (row, col), score in np.ndenumerate(scores):
        ax.text(col, row, f"{score:.3f}", ha="center", va="center",
                color="k" if score > scores.mean() else "w")
    best_row, best_col = np.unravel_index(np.argmax(scores), scores.shape)
    ax.add_patch(plt.Rectangle((best_col - 0.5, best_row - 0.5), 1, 1, fill=False,
                               edgecolor="red", linewidth=2.5))
    ax.set_xticks(range(len(losses)), losses)
    ax.set_yticks(range(len(activations)), activations)
    ax.set_xlabel("loss")
    ax.set_ylabel("hidden activation")
    ax.set_title(f"digits: GridSearchCV over activation x loss ({len(y)} samples)")
    return [save(fig, output_dir / "grid_search.png", close)]


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
    """The command line: ``--output-dir``, ``--quick``, ``--n-jobs``, ``--show``."""
    parser = argparse.ArgumentParser(
        description="Grid-search an MLPClassifier's hidden activation and loss on the "
                    "digits and draw the scores as a heat map (grid_search.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the PNG, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="300 digits, a 3 x 2 grid, 10 iterations: a few seconds "
                             "(also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="candidates fitted in parallel (default: one at a time)")
    parser.add_argument("--show", action="store_true",
                        help="also show the figure in a window")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    # the figure stays open: sphinx-gallery collects it, --show shows it
    main(args.output_dir, quick=args.quick, close=False, n_jobs=args.n_jobs)
    if args.show:
        plt.show()
