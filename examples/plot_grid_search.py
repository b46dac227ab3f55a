"""Grid search over the hidden activation and the loss, in a Pipeline.

skdl's activations and losses are ordinary hyper-parameters, so
``GridSearchCV`` tunes them like any other: here an MLPClassifier behind a
StandardScaler on the handwritten digits, every activation against every
classification loss, 3-fold cross-validated. The heat map shows the mean
validation accuracy of each pair, the best one framed.

Run it with ``python examples/plot_grid_search.py [OUTPUT_DIR]``
(default ``docs/images``).
"""

import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdl import MLPClassifier  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "images"

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "elu", "gelu"]
LOSSES = ["log_loss", "hinge", "squared_error"]


def main(output_dir=DEFAULT_OUTPUT, quick=False):
    """Run the search and draw its mean test scores as a heat map.

    Parameters
    ----------
    output_dir : str or Path, default=docs/images
        Folder for the PNG; created if missing.
    quick : bool, default=False
        Fewer samples, candidates and iterations (for the tests).

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
    }, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    # the grid varies the loss fastest
    scores = search.cv_results_["mean_test_score"].reshape(len(activations), len(losses))
    fig, ax = plt.subplots(figsize=(6, 1.2 + 0.45 * len(activations)), layout="constrained")
    image = ax.imshow(scores, cmap="viridis", aspect="auto")
    fig.colorbar(image, ax=ax, label="mean CV accuracy")
    for (row, col), score in np.ndenumerate(scores):
        ax.text(col, row, f"{score:.3f}", ha="center", va="center",
                color="k" if score > scores.mean() else "w", fontsize="small")
    best_row, best_col = np.unravel_index(np.argmax(scores), scores.shape)
    ax.add_patch(plt.Rectangle((best_col - 0.5, best_row - 0.5), 1, 1, fill=False,
                               edgecolor="red", linewidth=2))
    ax.set_xticks(range(len(losses)), losses)
    ax.set_yticks(range(len(activations)), activations)
    ax.set_xlabel("loss")
    ax.set_ylabel("hidden activation")
    ax.set_title("digits: GridSearchCV over activation x loss")
    path = output_dir / "grid_search.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT)
