"""
The loss landscape of a small MLP
=================================

The training loss of an :class:`~skdl.MLPClassifier` fitted on the two
moons, on a plane through its fitted weights spanned by two random
directions in weight space, each filter-normalised as in Li et al. (2018),
"Visualizing the Loss Landscape of Neural Nets": every unit's incoming
weights in a direction have the norm of that unit's fitted weights, so that
one step along a direction changes every unit by as much as it holds. The
fitted weights (the star) sit at the bottom of a basin. Left: contours on a
log scale; right: the same as a surface.

Run ``python examples/plot_loss_landscape.py --help`` for the options. The
script prints the fit and the loss range it found, and the path of the PNG
it writes (``loss_landscape.png``, in ``examples/output/`` unless
``--output-dir`` says otherwise).
"""

import argparse
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier
from skdl.plot import loss_landscape, plot_loss_landscape

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True):
    """Fit the MLP, print its loss landscape's range and draw it as
    contours and as a surface.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the PNG; created if missing.
    quick : bool, default=False
        60 samples, 50 iterations and an 11 x 11 grid (for tests and quick
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
    X, y = make_moons(60 if quick else 200, noise=0.2, random_state=0)
    # an L2 penalty of about 0.1 that makes alpha / n_samples a power of two:
    # the penalty's gradient (alpha / n_samples) * w is then exact, so the numba
    # kernels (a fused multiply-add) and NumPy's (multiply, round, add) round
    # alike, and L-BFGS, which would amplify a difference in the last bit,
    # reaches the same weights on both back-ends
    alpha = len(y) / 2**11
    model = MLPClassifier((16, 16), solver="lbfgs", alpha=alpha,
                          max_iter=50 if quick else 500, random_state=0)
    with warnings.catch_warnings():  # --quick stops early
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # the same seed draws the same two directions in every call below
    landscape = {"resolution": 11 if quick else 41, "span": 1.0, "random_state": 0}
    _, _, losses = loss_landscape(model, X, y, **landscape)
    print(f"MLPClassifier((16, 16), lbfgs, alpha={alpha:.4g}) on {len(y)} moons: "
          f"{model.n_iter_} iterations, training loss {model.loss_:.4f}, "
          f"accuracy {model.score(X, y):.3f}")
    print(f"objective on a {losses.shape[0]} x {losses.shape[1]} grid around the fitted "
          f"weights: {losses.min():.4f} to {losses.max():.4f}")

    fig = plt.figure(figsize=(8.5, 3.8), layout="constrained")
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
    return [save(fig, output_dir / "loss_landscape.png", close)]


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
        description="Fit a small MLP on the two moons and draw the training loss on "
                    "a random plane through its weights (loss_landscape.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the PNG, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="60 samples, 50 iterations, an 11 x 11 grid "
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
