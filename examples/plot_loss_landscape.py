"""The loss landscape of a small MLP on the moons.

The training loss on a plane through the fitted weights, spanned by two
random directions in weight space, each filter-normalised as in Li et al.
(2018), "Visualizing the Loss Landscape of Neural Nets": every unit's
incoming weights in a direction have the norm of that unit's fitted weights,
so that one step along a direction changes every unit by as much as it
holds. The fitted weights (the star) sit at the bottom of a basin. Left:
contours on a log scale; right: the same as a surface.

Run it with ``python examples/plot_loss_landscape.py [OUTPUT_DIR]``
(default ``docs/images``).
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402

from skdl import MLPClassifier  # noqa: E402
from skdl.plot import plot_loss_landscape  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "images"


def main(output_dir=DEFAULT_OUTPUT, quick=False):
    """Fit the MLP and draw its loss landscape as contours and as a surface.

    Parameters
    ----------
    output_dir : str or Path, default=docs/images
        Folder for the PNG; created if missing.
    quick : bool, default=False
        Fewer samples, iterations and grid points (for the tests).

    Returns
    -------
    list of Path
        The PNG written.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    X, y = make_moons(60 if quick else 200, noise=0.2, random_state=0)
    model = MLPClassifier((16, 16), solver="lbfgs", alpha=0.1,
                          max_iter=50 if quick else 500, random_state=0).fit(X, y)
    landscape = dict(resolution=11 if quick else 41, span=1.0, random_state=0)
    fig = plt.figure(figsize=(10, 4.2), layout="constrained")
    contour = fig.add_subplot(1, 2, 1)
    plot_loss_landscape(model, X, y, ax=contour, **landscape)
    contour.set_title("training loss around the fitted weights")
    # drawn in the order added, so the star stays above the surface
    surface = fig.add_subplot(1, 2, 2, projection="3d", computed_zorder=False)
    plot_loss_landscape(model, X, y, ax=surface, surface=True, **landscape)
    surface.set_box_aspect(None, zoom=0.9)  # room for the z label
    surface.set_title("the same, as a surface")
    path = output_dir / "loss_landscape.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT)
