"""
Activation functions and their derivatives
==========================================

Every built-in activation of :mod:`skdl.activations`, one panel each:
``f(z)`` (solid) and ``f'(z)`` (dashed) as skdl's engine computes them, the
derivative coming from the activation's own backward pass. Softmax acts on
a vector, so its panel shows the first component of ``softmax([z, 0])``.

Run ``python examples/plot_activation_gallery.py --help`` for the options.
The script prints the path of the PNG it writes (``activations.png``, in
``examples/output/`` unless ``--output-dir`` says otherwise).
"""

import argparse
import os
from pathlib import Path

import matplotlib.pyplot as plt

from skdl.plot import BUILTIN_ACTIVATIONS, plot_activations

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100  # 8.5 inches: 850 pixels, a documentation page's width


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True):
    """Draw every activation into ``output_dir``/activations.png.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the PNG; created if missing.
    quick : bool, default=False
        Accepted like every example's; this one is quick either way.
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
    fig, axes = plt.subplots(3, 4, figsize=(8.5, 5.6), layout="constrained")
    plot_activations(BUILTIN_ACTIVATIONS, axes=axes.ravel()[: len(BUILTIN_ACTIVATIONS)])
    for ax in axes.ravel()[: len(BUILTIN_ACTIVATIONS)]:
        ax.set_xticks([-4, -2, 0, 2, 4])
    for ax in axes[-1, :3]:
        ax.set_xlabel("z")
    for spare in axes.ravel()[len(BUILTIN_ACTIVATIONS):]:
        spare.remove()
    fig.suptitle("skdl's activations: f(z) solid, f'(z) dashed")
    print(f"Drew {len(BUILTIN_ACTIVATIONS)} activations: {', '.join(BUILTIN_ACTIVATIONS)}")
    return [save(fig, output_dir / "activations.png", close)]


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
        description="Draw every built-in activation of skdl and its derivative "
                    "(activations.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the PNG, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="accepted as by every example; this one is quick either "
                             "way (also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--show", action="store_true",
                        help="also show the figure in a window")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    # the figure stays open: sphinx-gallery collects it, --show shows it
    main(args.output_dir, quick=args.quick, close=False)
    if args.show:
        plt.show()
