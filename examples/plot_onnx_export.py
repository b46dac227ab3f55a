"""
Export a CNN pipeline to ONNX and run it with ONNX Runtime
==========================================================

A fitted scikit-learn pipeline holding an skdl network converts to ONNX
with :func:`skdl.onnx.to_onnx`, and runs wherever ONNX Runtime runs, with
neither skdl nor scikit-learn installed. Here a scaler and a small CNN
fitted on the handwritten digits are exported, reloaded by
:mod:`onnxruntime` and checked against skdl's own predictions.

Needs the ``onnx`` extra and onnxruntime:
``pip install -e ".[onnx]" onnxruntime``.
"""

# %%
# Fit the pipeline
# ----------------
# A :class:`~sklearn.preprocessing.MinMaxScaler` and a CNN of ``Conv2D``,
# ``MaxPool2D``, ``Flatten`` and ``Dense`` layers, fitted on three quarters
# of the digits. It is fitted on float64 pixels, so that both of skdl's
# compute back-ends reach the same weights.
import os
import tempfile
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

# The tests and the documentation's checks set SKDL_EXAMPLES_QUICK=1 to run
# this page in seconds (5 epochs); the numbers quoted are the full run's.
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0)
cnn = NeuralNetClassifier(
    [Conv2D(16, 3, padding="same", activation="relu"), MaxPool2D(2),
     Conv2D(32, 3, padding="same", activation="relu"), MaxPool2D(2),
     Flatten(), Dense(64, "relu")],
    input_shape=(8, 8, 1), max_iter=5 if QUICK else 30, random_state=0,
)
pipe = make_pipeline(MinMaxScaler(), cnn)
started = time.perf_counter()
with warnings.catch_warnings():  # 30 epochs end before the loss settles
    warnings.simplefilter("ignore", ConvergenceWarning)
    pipe.fit(X_train, y_train)
print(f"fitted MinMaxScaler + CNN on {len(y_train)} digits: {cnn.n_iter_} epochs, "
      f"{time.perf_counter() - started:.1f} s")

# %%
# Export
# ------
# :func:`~skdl.onnx.to_onnx` takes the fitted pipeline and a sample of the
# input, whose type sets the model's: float32 here, as deployed models
# usually are, so the ONNX graph computes in float32 with ONNX's own
# ``Conv`` and ``MaxPool``. ``zipmap=False`` returns the probabilities as
# one array rather than a dictionary per row.
X_test = X_test.astype(np.float32)
onx = to_onnx(pipe, X_test, options={"zipmap": False})
operators = sorted({node.op_type for node in onx.graph.node})
print(f"{len(onx.graph.node)} ONNX nodes of {len(operators)} kinds: {', '.join(operators)}")

# %%
# Save, reload, run
# -----------------
# The model is one file; ONNX Runtime loads it and runs it on the test
# digits, knowing nothing of skdl or scikit-learn.
with tempfile.TemporaryDirectory() as folder:
    model_path = Path(folder) / "digits_cnn.onnx"
    model_path.write_bytes(onx.SerializeToString())
    print(f"saved {model_path.name}: {model_path.stat().st_size / 1024:.0f} KiB")
    session = onnxruntime.InferenceSession(str(model_path),
                                           providers=["CPUExecutionProvider"])
labels, proba = session.run(None, {session.get_inputs()[0].name: X_test})

expected_labels, expected_proba = pipe.predict(X_test), pipe.predict_proba(X_test)
difference = np.abs(proba - expected_proba).max()
print(f"ONNX Runtime on {len(y_test)} test digits:")
print(f"  labels identical to skdl's for {np.sum(labels == expected_labels)} of "
      f"{len(y_test)}")
print(f"  probabilities within 1e-05 of skdl's: {'yes' if difference <= 1e-5 else 'NO'} "
      f"(largest difference {difference:.1e})")
print(f"test accuracy: skdl {np.mean(expected_labels == y_test):.4f}, "
      f"ONNX Runtime {np.mean(labels == y_test):.4f}")

# %%
# Every one of the 4,500 probabilities (450 digits, 10 classes) lies on the
# diagonal: float32 arithmetic, done in another order, moved none by more
# than 7.4e-7, well within the 1e-5 that :mod:`skdl.onnx` promises in
# float32, and every label is the same.
fig, ax = plt.subplots(figsize=(5.5, 5), layout="constrained", num="onnx_export")
ax.plot([0, 1], [0, 1], color="0.75", linewidth=1, zorder=0)
ax.scatter(expected_proba.ravel(), proba.ravel(), s=8, alpha=0.5)
ax.set_xlabel("skdl predict_proba")
ax.set_ylabel("ONNX Runtime probabilities")
ax.set_title(f"{len(y_test)} test digits x 10 classes (float32)\n"
             + (f"every difference within {1e-5:.0e}" if difference <= 1e-5
                else f"largest difference {difference:.1e}"))

plt.show()
