"""
A CNN from skdl to Keras and back
=================================

skdl trains on one CPU; Keras trains the same layers on a GPU, on JAX,
torch or TensorFlow. A ``.keras`` file carries a network from one to the
other. Here a small CNN trains on the handwritten digits in skdl, is saved
with :func:`skdl.keras.save_model`, opened by Keras, trained one more epoch
there, saved by Keras, read back with :func:`skdl.keras.load_model` into a
scikit-learn pipeline, and exported to ONNX. At every stop the two sides'
probabilities are compared and the test accuracy is printed.

Needs Keras 3 with a back-end (JAX here), h5py and onnxruntime:
``pip install "keras>=3.8" "jax[cpu]" h5py onnxruntime``. Keras runs on the
CPU here; on a machine with a GPU the same code trains there.
"""

# %%
# Train in skdl
# -------------
# A :class:`~sklearn.preprocessing.MinMaxScaler`, then a CNN of a ``Conv2D``,
# a ``MaxPool2D``, a ``Flatten`` and a ``Dense`` layer, channels-last on the
# 8 x 8 digits, fitted on three quarters of them. The pipeline is what a
# scikit-learn user keeps; the network alone is what travels to Keras.
import os
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdl import NeuralNetClassifier
from skdl.layers import Conv2D, Dense, Flatten, MaxPool2D

# The tests and the documentation's checks set SKDL_EXAMPLES_QUICK=1 to run
# this page in seconds (400 digits, 2 epochs); the numbers quoted are the
# full run's.
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")

X, y = load_digits(return_X_y=True)
if QUICK:
    X, y = X[:400], y[:400]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0)
cnn = NeuralNetClassifier(
    [Conv2D(16, 3, padding="same", activation="relu"), MaxPool2D(2),
     Flatten(), Dense(64, "relu")],
    input_shape=(8, 8, 1), learning_rate_init=0.01, max_iter=2 if QUICK else 10,
    random_state=0,
)
pipe = make_pipeline(MinMaxScaler(), cnn)
with warnings.catch_warnings():  # a few epochs end before the loss settles
    warnings.simplefilter("ignore", ConvergenceWarning)
    pipe.fit(X_train, y_train)
scaler = pipe[0]
accuracy = {"skdl": pipe.score(X_test, y_test)}
print(f"skdl, {cnn.n_iter_} epochs on {len(y_train)} digits: "
      f"test accuracy {accuracy['skdl']:.4f}")

# %%
# Save as ``.keras``, open in Keras
# ---------------------------------
# :func:`skdl.keras.save_model` writes the network: an ``Input`` of shape
# (8, 8, 1), each layer under Keras's name with its weights, the softmax
# output layer skdl added, and a compile config. Keras on JAX opens it with
# ``keras.saving.load_model``. The scaler stays on the skdl side: Keras is
# given scaled images, shaped (n, 8, 8, 1). Keras warns that the file's
# optimizer has no moments yet, as it warns for any model compiled and
# saved before it trained; the warning is silenced here.
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

import skdl.keras  # noqa: E402

folder = tempfile.TemporaryDirectory()
skdl_file = Path(folder.name) / "digits_cnn.keras"
skdl.keras.save_model(cnn, skdl_file)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
    model = keras.saving.load_model(skdl_file)
print(f"Keras read {skdl_file.name}: {len(model.layers)} layers, "
      f"{model.count_params()} weights, loss {model.loss!r}, optimizer "
      f"{type(model.optimizer).__name__}(learning_rate={model.optimizer.learning_rate.numpy():.0e})")


def images(X):
    """Scaled digits as Keras takes them: (n, 8, 8, 1), float32."""
    return scaler.transform(X).reshape(-1, 8, 8, 1).astype(np.float32)


proba_skdl = pipe.predict_proba(X_test)
proba_keras = model.predict(images(X_test), verbose=0)
difference = {"skdl to Keras": np.abs(proba_keras - proba_skdl).max()}
accuracy["Keras, loaded"] = np.mean(cnn.classes_[proba_keras.argmax(axis=1)] == y_test)
print(f"  probabilities: largest difference from skdl's {difference['skdl to Keras']:.1e}")
print(f"  test accuracy {accuracy['Keras, loaded']:.4f}")

# %%
# One more epoch in Keras
# -----------------------
# The file carried the loss, ``categorical_crossentropy``, which wants
# one-hot targets, and the optimizer skdl trained with, Adam with skdl's
# learning rate and betas, so ``model.fit`` goes on at once. Adam's moments were not carried over:
# Keras starts them from zero, and a fresh Adam's first steps move every
# weight by about the learning rate. A network that has settled is
# fine-tuned at a tenth of skdl's rate, so that they do not shake it.
# Keras then saves the model itself.
keras.utils.set_random_seed(0)
model.optimizer.learning_rate = 1e-3
history = model.fit(images(X_train), keras.utils.to_categorical(y_train, 10),
                    epochs=1, batch_size=32, verbose=0)
proba_keras = model.predict(images(X_test), verbose=0)
accuracy["Keras, +1 epoch"] = np.mean(cnn.classes_[proba_keras.argmax(axis=1)] == y_test)
print(f"Keras, one epoch: training loss {history.history['loss'][-1]:.4f}, "
      f"test accuracy {accuracy['Keras, +1 epoch']:.4f}")
keras_file = Path(folder.name) / "digits_cnn_keras.keras"
model.save(keras_file)

# %%
# Back into a scikit-learn pipeline
# ---------------------------------
# :func:`skdl.keras.load_model` reads Keras's file without Keras: a
# ``.keras`` file is a zip of JSON and HDF5. The softmax output and the
# cross-entropy loss make it a :class:`~skdl.NeuralNetClassifier`;
# ``classes=`` gives it its labels, which Keras does not keep. A
# pipeline of the fitted scaler and the loaded network predicts without a
# new ``fit``.
loaded = skdl.keras.load_model(keras_file, classes=cnn.classes_)
folder.cleanup()
back = make_pipeline(scaler, loaded)
proba_back = back.predict_proba(X_test)
difference["Keras to skdl"] = np.abs(proba_back - proba_keras).max()
accuracy["skdl, loaded back"] = back.score(X_test, y_test)
print(f"skdl read it back as {type(loaded).__name__} with {len(loaded.layers)} hidden "
      f"layers; probabilities: largest difference from Keras's "
      f"{difference['Keras to skdl']:.1e}")
print(f"  test accuracy {accuracy['skdl, loaded back']:.4f}")

# %%
# On to ONNX
# ----------
# The pipeline that came back is an ordinary fitted skdl pipeline, so
# :func:`skdl.onnx.to_onnx` exports it, scaler included, and ONNX Runtime
# runs it in float32.
import onnxruntime  # noqa: E402

from skdl.onnx import to_onnx  # noqa: E402

X_test32 = X_test.astype(np.float32)
onx = to_onnx(back, X_test32, options={"zipmap": False})
session = onnxruntime.InferenceSession(onx.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
labels, proba_onnx = session.run(None, {session.get_inputs()[0].name: X_test32})
difference["skdl to ONNX"] = np.abs(proba_onnx - proba_back).max()
accuracy["ONNX Runtime"] = np.mean(labels == y_test)
print(f"ONNX Runtime: probabilities: largest difference from skdl's "
      f"{difference['skdl to ONNX']:.1e}; test accuracy {accuracy['ONNX Runtime']:.4f}")

# %%
# Every stop
# ----------
# Left, the test accuracy at each stop: it changes only where a network
# trained (Keras's epoch), never at a hand-over. Right, the largest
# difference between the probabilities on either side of each hand-over:
# float32 rounding, all well under 1e-5.
fig, (ax_acc, ax_diff) = plt.subplots(1, 2, figsize=(8.5, 3.6), layout="constrained",
                                      num="keras_round_trip",
                                      gridspec_kw={"width_ratios": [3, 2]})
stops = list(accuracy)
bars = ax_acc.bar(range(len(stops)), [accuracy[stop] for stop in stops],
                  color=["C0", "C1", "C1", "C0", "C2"])
ax_acc.bar_label(bars, fmt="%.3f", fontsize=8)
ax_acc.set_xticks(range(len(stops)), [stop.replace(", ", ",\n") for stop in stops],
                  fontsize=8)
low = min(accuracy.values())
ax_acc.set_ylim(max(0.0, low - 0.1), 1.0)
ax_acc.set_ylabel("test accuracy")
ax_acc.set_title(f"{len(y_test)} test digits")
ax_diff.bar(range(len(difference)), list(difference.values()), color="0.5")
ax_diff.axhline(1e-5, color="C3", linestyle="--", linewidth=1, label="1e-5")
ax_diff.set_yscale("log")
ax_diff.set_ylim(1e-9, 1e-4)
ax_diff.set_xticks(range(len(difference)), [d.replace(" to ", " to\n") for d in difference],
                   fontsize=8)
ax_diff.set_ylabel("largest |difference| of probabilities")
ax_diff.set_title("at each hand-over")
ax_diff.legend(loc="upper right", fontsize=8)

plt.show()
