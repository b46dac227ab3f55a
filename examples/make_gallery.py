"""
Regenerate the example pictures
===============================

Runs every ``examples/plot_*.py`` as sphinx-gallery runs it (as
``__main__``, with matplotlib's Agg back-end and ``plt.show()`` doing
nothing) and saves each figure the page leaves open as ``<label>.png`` in
``docs/images``, the label being the name the page gave the figure
(``plt.subplots(num="cnn_digits_scores")`` or ``fig.set_label(...)``). It
prints what each page prints, then the path of every PNG and whether its
bytes changed. The pages themselves write no files: this script is the
plumbing a reader of the gallery does not need.

Run ``python examples/make_gallery.py --help`` for the options. The full
run takes about three minutes on two idle cores with numba, four and a
half with NumPy alone, most of it for the CNN and the LSTM; ``--quick``
runs every page on reduced sizes (``SKDL_EXAMPLES_QUICK=1``, as the tests
do) in under a minute, into
``examples/output/quick`` unless ``--output-dir`` says otherwise, so that it
never overwrites the committed pictures.

The pictures are the same on every run and on both compute back-ends
(``SKDL_BACKEND=numpy`` or ``numba``), byte for byte: the pages fix every
seed, the PNGs carry no software version in their metadata, and the pages
train the way that keeps the back-ends' last-bit rounding differences from
growing (Adam rather than long L-BFGS runs, an LSTM learning rate that does
not amplify them). The exception is ``plot_onnx_export.py``, whose CNN
trains in float32, where the back-ends round differently from the first
epoch on; ``--skip onnx`` leaves it out.
"""

import argparse
import contextlib
import hashlib
import os
import time
from pathlib import Path

import matplotlib

from skdl import backend as skdl_backend

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = HERE.parent / "docs" / "images"
QUICK_OUTPUT = HERE / "output" / "quick"
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100
"""Pixels per inch of the PNGs: a figure 8.5 inches wide fits a page of 850 pixels."""


def example_paths():
    """The example pages that draw pictures, sorted by name.

    Returns
    -------
    list of Path
    """
    return sorted(HERE.glob("plot_*.py"))


@contextlib.contextmanager
def _quick_mode(quick):
    """``SKDL_EXAMPLES_QUICK`` set to ``quick`` for the duration, then restored."""
    before = os.environ.get("SKDL_EXAMPLES_QUICK")
    os.environ["SKDL_EXAMPLES_QUICK"] = "1" if quick else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ["SKDL_EXAMPLES_QUICK"]
        else:
            os.environ["SKDL_EXAMPLES_QUICK"] = before


def run_example(path, quick=False):
    """Run one page as sphinx-gallery does and return the figures it drew.

    Parameters
    ----------
    path : str or Path
        The page, a script.
    quick : bool, default=False
        Run it with ``SKDL_EXAMPLES_QUICK=1``: smaller data, fewer epochs.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        The figures the page left open, by label, in the order drawn. They
        stay open: close them with ``plt.close("all")``.

    Raises
    ------
    ValueError
        If a figure has no label or two share one: the label names the PNG.
    """
    matplotlib.use("Agg")  # files only: no windows
    import matplotlib.pyplot as plt

    path = Path(path)
    plt.close("all")
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    show = plt.show
    plt.show = lambda *args, **kwargs: None  # as sphinx-gallery's scraper has it
    try:
        with _quick_mode(quick):
            exec(code, {"__name__": "__main__"})  # noqa: S102 - as sphinx-gallery does
    finally:
        plt.show = show
    figures = {}
    for number in plt.get_fignums():
        figure = plt.figure(number)
        label = figure.get_label()
        if not label or label in figures:
            plt.close("all")
            raise ValueError(
                f"{path.name} drew a figure with {'no' if not label else 'a second'} label "
                f"{label!r}; give each figure its own, the name of its PNG "
                f"(plt.subplots(num='name') or fig.set_label('name')).")
        figures[label] = figure
    return figures


def save_figure(figure, path):
    """Write ``figure`` as a PNG whose bytes depend on the picture alone (no
    software version in its metadata).

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    path : str or Path

    Returns
    -------
    Path
    """
    figure.savefig(path, dpi=DPI, metadata={"Software": None})
    return Path(path)


def _shown(path):
    """``path`` relative to the working folder when it lies under it."""
    full, here = Path(path).resolve(), Path.cwd()
    return full.relative_to(here) if full.is_relative_to(here) else full


def _digest(path):
    """The SHA-256 of a file's bytes, or None if there is no such file."""
    path = Path(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def main(output_dir=None, quick=False, only=None, skip=None):
    """Run the picture examples and save their figures into ``output_dir``.

    Parameters
    ----------
    output_dir : str or Path, default=None
        Folder for the PNGs; created if missing. None means ``docs/images``,
        or ``examples/output/quick`` when ``quick``.
    quick : bool, default=False
        Run each page with ``SKDL_EXAMPLES_QUICK=1``: smaller data and fewer
        iterations.
    only : list of str, default=None
        Run only the pages whose file name contains one of these strings
        (e.g. ``["cnn", "lstm"]``); None runs them all.
    skip : list of str, default=None
        Leave out the pages whose file name contains one of these.

    Returns
    -------
    list of Path
        Every PNG written.
    """
    import matplotlib.pyplot as plt

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
          f"({'quick' if quick else 'full'} run, {skdl_backend.active()!r} back-end)")
    written, changed, skipped = [], [], []
    started = time.perf_counter()
    for path in paths:
        print(f"\n== {path.name}")
        begun = time.perf_counter()
        try:
            figures = run_example(path, quick=quick)
        except ModuleNotFoundError as error:  # an optional dependency, e.g. onnxruntime
            print(f"-- {path.name}: skipped, it needs {error.name!r} ({error})")
            skipped.append(path.name)
            continue
        print(f"-- {path.name}: {time.perf_counter() - begun:.1f} s")
        output_dir.mkdir(parents=True, exist_ok=True)
        for label, figure in figures.items():
            file = output_dir / f"{label}.png"
            old = _digest(file)
            save_figure(figure, file)
            state = ("new" if old is None
                     else "unchanged" if old == _digest(file) else "changed")
            print(f"wrote {_shown(file)} ({state})")
            if state != "unchanged":
                changed.append(file)
            written.append(file)
        plt.close("all")
    print(f"\n{len(written)} PNGs in {time.perf_counter() - started:.0f} s, "
          f"{len(written) - len(changed)} unchanged, {len(changed)} new or changed"
          + "".join(f"\n   {_shown(p)}" for p in changed))
    if skipped:
        print(f"skipped for a missing dependency: {', '.join(skipped)}")
    return written


def parse_args(argv=None):
    """The command line: ``--output-dir``, ``--quick``, ``--only``, ``--skip``."""
    parser = argparse.ArgumentParser(
        description="Run every examples/plot_*.py and save the figures each leaves open "
                    "as <label>.png, saying which ones changed. The compute back-end is "
                    "chosen as skdl chooses it (SKDL_BACKEND=numpy or numba).")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="folder for the PNGs, created if missing (default: "
                             "docs/images, or examples/output/quick with --quick)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="run each page on reduced sizes, under a minute in "
                             "all (also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="run only the pages whose file name contains TEXT "
                             "(repeatable), e.g. --only cnn --only lstm")
    parser.add_argument("--skip", action="append", metavar="TEXT",
                        help="leave out the pages whose file name contains TEXT "
                             "(repeatable), e.g. --skip onnx")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    main(args.output_dir, quick=args.quick, only=args.only, skip=args.skip)
