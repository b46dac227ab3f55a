"""Activation gallery: every built-in activation and its derivative.

Each panel shows ``f(z)`` (solid) and ``f'(z)`` (dashed) as skdl's engine
computes them; the derivative comes from the activation's own backward pass.
Softmax is shown as the first component of ``softmax([z, 0])``.

Run it with ``python examples/plot_activation_gallery.py [OUTPUT_DIR]``
(default ``docs/images``).
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from skdl.plot import plot_activations  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "images"


def main(output_dir=DEFAULT_OUTPUT, quick=False):
    """Draw the gallery into ``output_dir``.

    Parameters
    ----------
    output_dir : str or Path, default=docs/images
        Folder for the PNG; created if missing.
    quick : bool, default=False
        Accepted like every example's; the gallery is quick either way.

    Returns
    -------
    list of Path
        The PNG written.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    fig = plot_activations()
    fig.suptitle("skdl's activations: f(z) and f'(z)")
    path = output_dir / "activations.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT)
