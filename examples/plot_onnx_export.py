"""
Export a CNN pipeline to ONNX and run it with ONNX Runtime
==========================================================

A fitted :class:`~sklearn.pipeline.Pipeline` (a
:class:`~sklearn.preprocessing.MinMaxScaler`, then a small CNN,
:class:`~skdl.NeuralNetClassifier` of ``Conv2D``, ``MaxPool2D``,
``Flatten`` and ``Dense`` layers) trained on the handwritten digits is
converted with :func:`skdl.onnx.to_onnx`, saved as a ``.onnx`` file,
loaded back by :mod:`onnxruntime`, which knows nothing of skdl or
scikit-learn, and asked for the test digits' labels and probabilities. The
picture sets ONNX Runtime's probabilities against skdl's: every point lies
on the diagonal.

The pipeline is fitted on float64 pixels, so that both of skdl's back-ends
reach the same weights, and exported for float32 input (``--dtype``
chooses): the ONNX model then computes in float32, as deployed models
usually do, with ONNX's own ``Conv`` and ``MaxPool``.

Needs the ``onnx`` extra and onnxruntime: ``pip install -e ".[onnx]"
onnxruntime``. Run ``python examples/plot_onnx_export.py --help`` for the
options; the script prints the agreement and the paths of the ``.onnx``
file and the PNG it writes (in ``examples/output/`` unless
``--output-dir`` says otherwise).
"""

import argparse
import os
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdl import NeuralNetClassifier
from skdl.layers import Conv2D, Dense, Flatten, MaxPool2D
from skdl.onnx import to_onnx

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100
TOLERANCE = {"float32": 1e-5, "float64": 1e-9}
"""How close skdl.onnx promises ONNX Runtime's probabilities to skdl's."""


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True, dtype="float32"):
    """Fit, export, reload with ONNX Runtime, compare and draw.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the ``.onnx`` file and the PNG; created if missing.
    quick : bool, default=False
        5 epochs instead of 30 (for tests and quick documentation builds).
    close : bool, default=True
        Close the figure once saved (False leaves it open, for
        sphinx-gallery or ``plt.show()``).
    dtype : {"float32", "float64"}, default="float32"
        The exported model's float type, set by the type of the data it is
        converted for (the pipeline is fitted on float64 data).

    Returns
    -------
    list of Path
        The ``.onnx`` file and the PNG.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    cnn = NeuralNetClassifier(
        [Conv2D(16, 3, padding="same", activation="relu"), MaxPool2D(2),
         Conv2D(32, 3, padding="same", activation="relu"), MaxPool2D(2),
         Flatten(), Dense(64, "relu")],
        input_shape=(8, 8, 1), max_iter=5 if quick else 30, random_state=0,
    )
    pipe = make_pipeline(MinMaxScaler(), cnn)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X_train, y_train)
    print(f"fitted MinMaxScaler + CNN (float64) on {len(y_train)} digits: "
          f"{cnn.n_iter_} epochs, {time.perf_counter() - started:.1f} s")

    X_test = X_test.astype(dtype)
    onx = to_onnx(pipe, X_test, options={"zipmap": False})
    model_path = output_dir / f"digits_cnn_{dtype}.onnx"
    model_path.write_bytes(onx.SerializeToString())
    operators = sorted({node.op_type for node in onx.graph.node})
    print(f"exported {len(onx.graph.node)} ONNX nodes of {len(operators)} kinds:")
    print("  " + ", ".join(operators))
    print("wrote", _shown(model_path), f"({model_path.stat().st_size / 1024:.0f} KiB)")

    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, {session.get_inputs()[0].name: X_test})
    expected_labels, expected_proba = pipe.predict(X_test), pipe.predict_proba(X_test)
    difference = np.abs(proba - expected_proba).max()
    tolerance = TOLERANCE[dtype]
    print(f"ONNX Runtime on {len(y_test)} test digits:")
    print(f"  labels identical to skdl's for {np.sum(labels == expected_labels)} "
          f"of {len(y_test)}")
    print(f"  probabilities within {tolerance:.0e} of skdl's: "
          f"{'yes' if difference <= tolerance else 'NO'}")
    print(f"test accuracy: skdl {np.mean(expected_labels == y_test):.4f}, "
          f"ONNX Runtime {np.mean(labels == y_test):.4f}")

    fig, ax = plt.subplots(figsize=(5.5, 5), layout="constrained")
    ax.plot([0, 1], [0, 1], color="0.75", linewidth=1, zorder=0)
    ax.scatter(expected_proba.ravel(), proba.ravel(), s=8, alpha=0.5)
    ax.set_xlabel("skdl predict_proba")
    ax.set_ylabel("ONNX Runtime probabilities")
    ax.set_title(f"{len(y_test)} test digits x 10 classes ({dtype})\n"
                 f"every difference within {tolerance:.0e}" if difference <= tolerance
                 else f"largest difference {difference:.1e}")
    return [model_path, _save(fig, output_dir / "onnx_export.png", close)]


def _shown(path):
    """``path`` relative to the working folder when it lies under it."""
    full, here = Path(path).resolve(), Path.cwd()
    return full.relative_to(here) if full.is_relative_to(here) else full


def _save(fig, path, close=True):
    """Write ``fig`` as a PNG whose bytes depend on the picture alone, and
    print where it went."""
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    if close:
        plt.close(fig)
    print("wrote", _shown(path))
    return Path(path)


def parse_args(argv=None):
    """The command line: ``--output-dir``, ``--quick``, ``--dtype``, ``--show``."""
    parser = argparse.ArgumentParser(
        description="Fit a MinMaxScaler + CNN pipeline on the digits, export it to ONNX, "
                    "run it with ONNX Runtime and compare its predictions with skdl's "
                    "(writes digits_cnn_<dtype>.onnx and onnx_export.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the files, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="5 epochs instead of 30 (also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="the model's float type (default: float32)")
    parser.add_argument("--show", action="store_true",
                        help="also show the figure in a window")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    # the figure stays open: sphinx-gallery collects it, --show shows it
    main(args.output_dir, quick=args.quick, close=False, dtype=args.dtype)
    if args.show:
        plt.show()
