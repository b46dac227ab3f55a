"""
Regenerate the example pictures
===============================

Runs every ``examples/plot_*.py`` and saves its PNGs into ``docs/images``
(the README and the documentation show them), printing each example's
results, the path of every PNG and whether its bytes changed.

Run ``python examples/make_gallery.py --help`` for the options. The full
run takes about six minutes on two cores, most of it for the CNN and the
LSTM; ``--quick`` runs every example on reduced sizes in under a minute,
into ``examples/output/quick`` unless ``--output-dir`` says otherwise, so
that it never overwrites the committed pictures. Files other than PNGs
(the ONNX example's model) are not kept.

The pictures are the same on every run and on both kernel back-ends
(``SKDL_KERNELS=numpy`` or ``numba``), byte for byte: the examples fix
every seed, save PNGs without a software version in their metadata, and
train the way that keeps the back-ends' last-bit rounding differences from
growing (Adam rather than long L-BFGS runs, an LSTM learning rate that does
not amplify them). The exception is ``plot_onnx_export.py``, whose CNN
trains in float32, where the back-ends round differently from the first
epoch on; ``--skip onnx`` leaves it out.
"""

import argparse
import hashlib
import importlib.util
import os
import time
from pathlib import Path

import matplotlib

from skdl import kernels

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = HERE.parent / "docs" / "images"
QUICK_OUTPUT = HERE / "output" / "quick"
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")


def example_paths():
    """The example scripts that draw pictures, sorted by name.

    Returns
    -------
    list of Path
    """
    return sorted(HERE.glob("plot_*.py"))


def load_example(path):
    """Import an example script as a module (``examples/`` is no package).

    Parameters
    ----------
    path : str or Path
        The script.

    Returns
    -------
    module
        The loaded module, with its ``main(output_dir, quick=False)``.
    """
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"skdl_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shown(path):
    """``path`` relative to the working folder when it lies under it."""
    full, here = Path(path).resolve(), Path.cwd()
    return full.relative_to(here) if full.is_relative_to(here) else full


def _digest(path):
    """The SHA-256 of a file's bytes, or None if there is no such file."""
    path = Path(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def main(output_dir=None, quick=False, only=None, skip=None):
    """Run the picture examples into ``output_dir``.

    Parameters
    ----------
    output_dir : str or Path, default=None
        Folder for the PNGs; created if missing. None means ``docs/images``,
        or ``examples/output/quick`` when ``quick``.
    quick : bool, default=False
        Passed on to each example: smaller data and fewer iterations.
    only : list of str, default=None
        Run only the examples whose file name contains one of these
        strings (e.g. ``["cnn", "lstm"]``); None runs them all.
    skip : list of str, default=None
        Leave out the examples whose file name contains one of these.

    Returns
    -------
    list of Path
        Every PNG written. Other files an example writes (the ONNX
        example's model) are removed: the gallery keeps pictures only.
    """
    matplotlib.use("Agg")  # files only: no windows
    if output_dir is None:
        output_dir = QUICK_OUTPUT if quick else DEFAULT_OUTPUT
    output_dir = Path(output_dir)
    paths = [path for path in example_paths()
             if (not only or any(part in path.name for part in only))
             and not any(part in path.name for part in skip or ())]
    if not paths:
        raise ValueError(f"No example matches {only!r} less {skip!r}; the examples are "
                         f"{[path.name for path in example_paths()]}.")
    print(f"Running {len(paths)} example(s) into {_shown(output_dir)} "
          f"({'quick' if quick else 'full'} run, {kernels.backend()!r} kernels)")
    written, changed, skipped = [], [], []
    started = time.perf_counter()
    for path in paths:
        before = {p.name: _digest(p) for p in output_dir.glob("*.png")} \
            if output_dir.is_dir() else {}
        print(f"\n== {path.name}")
        begun = time.perf_counter()
        try:
            example = load_example(path)
        except ModuleNotFoundError as error:  # an optional dependency, e.g. onnxruntime
            print(f"-- {path.name}: skipped, it needs {error.name!r} ({error})")
            skipped.append(path.name)
            continue
        files = example.main(output_dir, quick=quick)
        print(f"-- {path.name}: {time.perf_counter() - begun:.1f} s")
        for file in map(Path, files):
            if file.suffix != ".png":
                file.unlink()  # the gallery keeps pictures only (e.g. no .onnx model)
                print(f"   {_shown(file)}: removed, not a picture")
                continue
            old = before.get(file.name)
            state = ("new" if old is None
                     else "unchanged" if old == _digest(file) else "changed")
            print(f"   {_shown(file)}: {state}")
            if state != "unchanged":
                changed.append(file)
            written.append(file)
    print(f"\n{len(written)} PNGs in {time.perf_counter() - started:.0f} s, "
          f"{len(written) - len(changed)} unchanged, {len(changed)} new or changed"
          + "".join(f"\n   {_shown(p)}" for p in changed))
    if skipped:
        print(f"skipped for a missing dependency: {', '.join(skipped)}")
    return written


def parse_args(argv=None):
    """The command line: ``--output-dir``, ``--quick``, ``--only``, ``--skip``."""
    parser = argparse.ArgumentParser(
        description="Run every examples/plot_*.py and write their PNGs, saying which "
                    "ones changed. The kernel back-end is chosen as skdl chooses it "
                    "(SKDL_KERNELS=numpy or numba).")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="folder for the PNGs, created if missing (default: "
                             "docs/images, or examples/output/quick with --quick)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="run each example on reduced sizes, about a minute in "
                             "all (also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="run only the examples whose file name contains TEXT "
                             "(repeatable), e.g. --only cnn --only lstm")
    parser.add_argument("--skip", action="append", metavar="TEXT",
                        help="leave out the examples whose file name contains TEXT "
                             "(repeatable), e.g. --skip onnx")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    main(args.output_dir, quick=args.quick, only=args.only, skip=args.skip)
