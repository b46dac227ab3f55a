"""Regenerate the example pictures: run every ``examples/plot_*.py`` and save
its PNGs into ``docs/images`` (the README shows some of them).

Run it from anywhere with ``python examples/make_gallery.py [OUTPUT_DIR]``.
"""

import importlib.util
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
DEFAULT_OUTPUT = EXAMPLES.parent / "docs" / "images"


def example_paths():
    """The example scripts that draw pictures, sorted by name.

    Returns
    -------
    list of Path
    """
    return sorted(EXAMPLES.glob("plot_*.py"))


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


def main(output_dir=DEFAULT_OUTPUT, quick=False):
    """Run every picture example into ``output_dir``.

    Parameters
    ----------
    output_dir : str or Path, default=docs/images
        Folder for the PNGs; created if missing.
    quick : bool, default=False
        Passed on to each example: smaller data and fewer iterations.

    Returns
    -------
    list of Path
        Every PNG written.
    """
    written = []
    for path in example_paths():
        started = time.perf_counter()
        pictures = load_example(path).main(output_dir, quick=quick)
        print(f"{path.name:<30} {time.perf_counter() - started:5.1f} s  "
              + ", ".join(str(p) for p in pictures))
        written.extend(pictures)
    return written


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT)
