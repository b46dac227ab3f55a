"""
Perceptron vs MLP: a perceptron can only draw a line
====================================================

On XOR (the four quadrants, opposite ones alike) and on two interleaved
half moons, the :class:`~skdl.PerceptronClassifier`'s single layer splits
the plane with one straight line and gets about half of XOR wrong; an
:class:`~skdl.MLPClassifier` with one hidden layer bends its boundary
around the data. The MLP's regions are shaded by its predicted probability.

Run ``python examples/plot_perceptron_vs_mlp.py --help`` for the options.
The script prints each model's training accuracy and the path of the PNG it
writes (``perceptron_vs_mlp.png``, in ``examples/output/`` unless
``--output-dir`` says otherwise).
"""

import argparse
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier, PerceptronClassifier
from skdl.plot import plot_decision_boundary

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100


def make_xor(n_samples, random_state=0):
    """Points uniform in the square [-1, 1]^2, labelled by the sign of x0 * x1."""
    X = np.random.default_rng(random_state).uniform(-1, 1, size=(n_samples, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True):
    """Fit both models on both data sets, print their accuracy and draw
    their regions.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the PNG; created if missing.
    quick : bool, default=False
        60 samples, 50 iterations and coarser regions (for tests and quick
        documentation builds).
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
    n_samples = 60 if quick else 200
    datasets = {
        "XOR": make_xor(n_samples),
        "moons": make_moons(n_samples, noise=0.2, random_state=0),
    }
    models = {
        "PerceptronClassifier": lambda: PerceptronClassifier(random_state=3),
        "MLPClassifier (16 tanh units)": lambda: MLPClassifier(
            (16,), activation="tanh", solver="adam", learning_rate_init=0.01,
            alpha=0.01, batch_size=32, max_iter=50 if quick else 2000, random_state=0,
        ),
    }
    print(f"training accuracy on {n_samples} points")
    fig, axes = plt.subplots(2, 2, figsize=(8, 7.4), layout="constrained")
    for row, (data_name, (X, y)) in zip(axes, datasets.items()):
        for ax, (model_name, make_model) in zip(row, models.items()):
            with warnings.catch_warnings():  # --quick stops early
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = make_model().fit(X, y)
            accuracy = model.score(X, y)
            print(f"{data_name:<6} {model_name:<30} {accuracy:.3f}")
            plot_decision_boundary(model, X, y, ax=ax, resolution=80 if quick else 200)
            ax.set_title(f"{data_name}: {model_name}\ntraining accuracy {accuracy:.3f}")
    return [save(fig, output_dir / "perceptron_vs_mlp.png", close)]


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
        description="Fit a perceptron and an MLP on XOR and on the two moons and draw "
                    "their decision regions (perceptron_vs_mlp.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the PNG, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="60 samples, 50 iterations, coarser regions "
                             "(also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--show", action="store_true",
                        help="also show the figure in a window")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    # the figure stays open: sphinx-gallery collects it, --show shows it
    main(args.output_dir, quick=args.quick, close=False)
    if args.show:
        plt.show()
