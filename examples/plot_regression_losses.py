"""
Choosing the regression loss when the data has outliers
=======================================================

A noisy sine, each target thrown upwards with a chance of 15% (18 of the
200 are), fitted by one
:class:`~skdl.MLPRegressor` per loss. The squared error (it assumes
Gaussian noise and fits the mean) is pulled towards the outliers; the
absolute error (Laplace noise, fits the median) and the Huber loss (squared
near the fit, absolute beyond ``delta``) follow the clean data.

Run ``python examples/plot_regression_losses.py --help`` for the options.
The script prints each fit's error against the clean sine and the path of
the PNG it writes (``regression_losses.png``, in ``examples/output/``
unless ``--output-dir`` says otherwise).
"""

import argparse
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPRegressor

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100


LOSSES = ("squared_error", "absolute_error", "huber")


def make_data(n_samples, outlier_share=0.15, random_state=0):
    """A noisy sine on [-3, 3] with a share of its targets pushed up by 2 to 5.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)
    is_outlier : ndarray of bool, shape (n_samples,)
    """
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-3, 3, n_samples)
    y = np.sin(x) + 0.1 * rng.standard_normal(n_samples)
    is_outlier = rng.random(n_samples) < outlier_share
    y[is_outlier] += rng.uniform(2, 5, is_outlier.sum())
    return x[:, None], y, is_outlier


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True):
    """Fit one MLPRegressor per loss, print how far each is from the clean
    sine and draw the fits over the data.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the PNG; created if missing.
    quick : bool, default=False
        60 samples and 30 iterations (for tests and quick documentation
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
    X, y, is_outlier = make_data(60 if quick else 200)
    grid = np.linspace(-3, 3, 301)[:, None]
    fig, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
    ax.scatter(X[~is_outlier, 0], y[~is_outlier], s=14, color="0.5", label="data")
    ax.scatter(X[is_outlier, 0], y[is_outlier], s=22, color="0.5", marker="x",
               label="outliers")
    ax.plot(grid[:, 0], np.sin(grid[:, 0]), color="k", linestyle=":", label="sin(x)")
    print(f"{len(y)} samples, {is_outlier.sum()} of them outliers; root mean squared "
          "distance of each fit to sin(x) on [-3, 3]:")
    for loss in LOSSES:
        model = MLPRegressor(loss, (16,), activation="tanh", learning_rate_init=0.01,
                             n_iter_no_change=50, max_iter=50 if quick else 3000,
                             random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        fitted = model.predict(grid)
        distance = np.sqrt(np.mean((fitted - np.sin(grid[:, 0])) ** 2))
        print(f"  loss={loss!r:<17} {distance:.3f} ({model.n_iter_} epochs)")
        ax.plot(grid[:, 0], fitted, linewidth=2, label=f"loss={loss!r}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"MLPRegressor with {is_outlier.mean():.0%} outliers: which loss?")
    ax.legend(fontsize="small", loc="upper left")
    return [save(fig, output_dir / "regression_losses.png", close)]


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
        description="Fit an MLPRegressor with the squared, absolute and Huber losses "
                    "on a sine with outliers and draw the fits (regression_losses.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the PNG, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="60 samples, 30 iterations "
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
