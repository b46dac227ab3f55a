"""Perceptron vs MLP: a perceptron can only draw a line.

On XOR (the four quadrants, opposite ones alike) and on two interleaved
half moons, the perceptron's single layer splits the plane with one straight
line and gets about half of XOR wrong; an MLP with one hidden layer bends its
boundary around the data. The MLP's regions are shaded by its predicted
probability.

Run it with ``python examples/plot_perceptron_vs_mlp.py [OUTPUT_DIR]``
(default ``docs/images``).
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402

from skdl import MLPClassifier, PerceptronClassifier  # noqa: E402
from skdl.plot import plot_decision_boundary  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "images"


def make_xor(n_samples, random_state=0):
    """Points uniform in the square [-1, 1]^2, labelled by the sign of x0 * x1."""
    X = np.random.default_rng(random_state).uniform(-1, 1, size=(n_samples, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def main(output_dir=DEFAULT_OUTPUT, quick=False):
    """Fit both models on both data sets and draw their regions.

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
    n_samples = 60 if quick else 200
    datasets = {
        "XOR": make_xor(n_samples),
        "moons": make_moons(n_samples, noise=0.2, random_state=0),
    }
    models = {
        "PerceptronClassifier": lambda: PerceptronClassifier(random_state=3),
        "MLPClassifier (16 tanh units)": lambda: MLPClassifier(
            (16,), activation="tanh", solver="lbfgs", alpha=0.1,
            max_iter=50 if quick else 1000, random_state=0,
        ),
    }
    fig, axes = plt.subplots(2, 2, figsize=(8, 7), layout="constrained")
    for row, (data_name, (X, y)) in zip(axes, datasets.items()):
        for ax, (model_name, make_model) in zip(row, models.items()):
            model = make_model().fit(X, y)
            plot_decision_boundary(model, X, y, ax=ax, resolution=80 if quick else 200)
            ax.set_title(f"{data_name}: {model_name}\ntraining accuracy "
                         f"{model.score(X, y):.2f}", fontsize="medium")
    path = output_dir / "perceptron_vs_mlp.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT)
