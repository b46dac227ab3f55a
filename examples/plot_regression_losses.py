"""Choosing the regression loss when the data has outliers.

A noisy sine with 15% of the targets thrown upwards. The squared error
(Gaussian noise) is pulled towards the outliers; the absolute error
(Laplace noise, fits the median) and the Huber loss (squared near the fit,
absolute beyond ``delta``) follow the clean data.

Run it with ``python examples/plot_regression_losses.py [OUTPUT_DIR]``
(default ``docs/images``).
"""

import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skdl import MLPRegressor  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "images"

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


def main(output_dir=DEFAULT_OUTPUT, quick=False):
    """Fit one MLPRegressor per loss and draw the fits over the data.

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
    X, y, is_outlier = make_data(60 if quick else 200)
    grid = np.linspace(-3, 3, 300)[:, None]
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.scatter(X[~is_outlier, 0], y[~is_outlier], s=12, color="0.5", label="data")
    ax.scatter(X[is_outlier, 0], y[is_outlier], s=18, color="0.5", marker="x",
               label="outliers")
    ax.plot(grid[:, 0], np.sin(grid[:, 0]), color="k", linestyle=":", label="sin(x)")
    for loss in LOSSES:
        model = MLPRegressor(loss, (16,), activation="tanh", solver="lbfgs",
                             max_iter=30 if quick else 300, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        ax.plot(grid[:, 0], model.predict(grid), linewidth=2, label=f"loss={loss!r}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("MLPRegressor with 15% outliers: which loss?")
    ax.legend(fontsize="small", loc="upper left")
    path = output_dir / "regression_losses.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT)
