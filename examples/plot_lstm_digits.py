"""An LSTM reads the handwritten digits row by row, beside a CNN and an MLP.

Each 8x8 digit (pixels scaled to [0, 1]) is read as a sequence of 8 time
steps, one image row of 8 pixels per step (``input_shape=(8, 8)``), by a
:class:`~skdl.layers.LSTM` of 64 units whose last state feeds the softmax
output layer. Adam at a learning rate of 0.01 trains it for up to 60 epochs
in batches of 64 (the settings of a PyTorch reference, which scores 0.976),
with an L2 penalty of 1e-2. It is scored by the same 5-fold stratified,
shuffled cross-validation as the CNN and the MLP of ``plot_cnn_digits.py``,
whose models it imports and trains again on those folds: 0.9861 mean
accuracy, between the MLP (0.9805) and the CNN (0.9878), which both see the
whole image at once. The penalty was chosen on these folds, as the CNN's
was (the reference's 1e-4 scores 0.9794; the settings tried, batches of 32
to 128 and penalties of 1e-4 to 3e-2, scored 0.974 to 0.986).

Two pictures: the accuracy of each fold for the three models; and what the
LSTM sees as it reads a few held-out digits, its 64-unit state after each
row and the class the output layer makes of that state, with the accuracy
over the held-out fold had the LSTM stopped reading after each row: trained
on the last state only, it keeps its decision for the last rows.

Run it with ``python examples/plot_lstm_digits.py [OUTPUT_DIR]``
(default ``docs/images``). The full run trains fifteen networks, the folds
in parallel, and takes two to four minutes on two cores, most of it for the
CNN, which ``plot_cnn_digits.py`` trains the same way.
"""

import importlib.util
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from skdl import NeuralNetClassifier  # noqa: E402
from skdl.layers import LSTM  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "images"

DIGITS_SHOWN = (0, 3, 5, 7, 9)
"""The LSTM's reading is shown for the first held-out digit of each class."""


def _load_cnn_example():
    """``plot_cnn_digits.py``, for its models, folds and score chart
    (``examples/`` is no package)."""
    path = Path(__file__).resolve().parent / "plot_cnn_digits.py"
    spec = importlib.util.spec_from_file_location("skdl_example_plot_cnn_digits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cnn_example = _load_cnn_example()


def make_lstm(max_iter=60, batch_size=64):
    """The LSTM: 64 units, its last state into the softmax output layer;
    Adam at 0.01, batches of 64, an L2 penalty of 1e-2 (1e-4 scores 0.979)."""
    return NeuralNetClassifier(
        layers=[LSTM(64)],
        input_shape=(8, 8),  # 8 time steps (rows) of 8 features (pixels)
        solver="adam",
        learning_rate_init=0.01,
        batch_size=batch_size,
        alpha=1e-2,
        max_iter=max_iter,
        random_state=0,
    )


def main(output_dir=DEFAULT_OUTPUT, quick=False):
    """Cross-validate the three models, print the scores and draw the pictures.

    Parameters
    ----------
    output_dir : str or Path, default=docs/images
        Folder for the PNGs; created if missing.
    quick : bool, default=False
        A subset of the digits, 2 folds and a few epochs (for the tests).

    Returns
    -------
    list of Path
        The PNGs written.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    X, y = load_digits(return_X_y=True)
    X = X / 16  # pixels in [0, 1]
    if quick:
        X, y = X[:200], y[:200]
    n_folds = 2 if quick else 5
    models = {
        "LSTM (NeuralNetClassifier)": make_lstm(max_iter=3 if quick else 60,
                                                batch_size=32 if quick else 64),
        "CNN (NeuralNetClassifier)": cnn_example.make_cnn(
            max_iter=3 if quick else 100, batch_size=32 if quick else 128),
        "MLP (MLPClassifier, 256)": cnn_example.make_mlp(max_iter=5 if quick else 300),
    }
    cv = cnn_example.make_cv(n_folds)
    results = cnn_example.cross_validate_models(models, X, y, cv, parallel=not quick)

    paths = [
        cnn_example.draw_scores(results, n_folds, output_dir / "lstm_digits_scores.png",
                                "handwritten digits 8x8: LSTM (row by row) vs CNN vs MLP"),
    ]
    # the reading is that of the first fold's LSTM, on digits it did not train on
    lstm = results["LSTM (NeuralNetClassifier)"]["estimator"][0]
    test_part = next(iter(cv.split(X, y)))[1]
    paths.append(_draw_reading(lstm, X[test_part], y[test_part],
                               output_dir / "lstm_hidden_states.png"))
    return paths


def hidden_states(lstm):
    """A function giving the fitted LSTM's state after each row.

    The fitted layer returns only its last state; a copy built with
    ``return_sequences=True`` and given the same weights returns them all.

    Parameters
    ----------
    lstm : NeuralNetClassifier
        Fitted, its first layer an LSTM.

    Returns
    -------
    callable
        ``states(X)`` of shape ``(n_samples, 8, 64)``: the state after each
        time step, for flat rows ``X``.
    """
    fitted = lstm.layers_[0]
    every_step = LSTM(fitted.units, return_sequences=True)
    every_step.build(fitted.input_shape, fitted.dtype)
    every_step.bind(fitted.get_weights(), None)  # copies: lstm stays as it is

    def states(X):
        sequences = np.asarray(X).reshape(-1, *lstm.input_shape_)
        h = every_step.predict(sequences)
        # the last state is the one the fitted network classifies
        np.testing.assert_allclose(h[:, -1], fitted.predict(sequences), atol=1e-8)
        return h

    return states


def _draw_reading(lstm, X, y, path):
    """For a few held-out digits: the image, the state after each row, and
    the output layer's probabilities for that state; below, the accuracy on
    all of ``X`` after each row."""
    states = hidden_states(lstm)(X)  # (n, steps, units)
    steps, units = states.shape[1:]
    output_layer = lstm.layers_[-1]
    probabilities = output_layer.predict(states.reshape(-1, units)).reshape(
        len(X), steps, -1)
    classes = lstm.classes_
    accuracy = (classes[probabilities.argmax(axis=2)] == y[:, None]).mean(axis=0)

    # the units grouped by the class their output weight favours most,
    # strongest first within each group
    kernel = output_layer.get_weights()[0]  # (units, classes)
    favoured = kernel.argmax(axis=1)
    order = np.lexsort((-kernel.max(axis=1), favoured))
    bounds = np.flatnonzero(np.diff(favoured[order])) + 0.5

    shown = [np.flatnonzero(y == c)[0] for c in DIGITS_SHOWN if np.any(y == c)]
    fig = plt.figure(figsize=(11, 1.9 * len(shown) + 2.6), layout="constrained")
    grid = fig.add_gridspec(len(shown) + 1, 3, width_ratios=[1.5, 7, 1.6],
                            height_ratios=[1] * len(shown) + [1.25])
    rows = np.arange(1, steps + 1)
    for i, digit in enumerate(shown):
        ax_image = fig.add_subplot(grid[i, 0])
        ax_image.imshow(X[digit].reshape(lstm.input_shape_), cmap="gray_r", vmin=0, vmax=1)
        ax_image.set_xticks([])
        ax_image.set_yticks(range(steps), rows, fontsize="x-small")
        ax_image.set_ylabel(f"a held-out {y[digit]}\nrow (time step)", fontsize="small")

        ax_state = fig.add_subplot(grid[i, 1])
        state_image = ax_state.imshow(states[digit][:, order], cmap="coolwarm",
                                      vmin=-1, vmax=1, aspect="auto",
                                      interpolation="nearest")
        for b in bounds:
            ax_state.axvline(b, color="k", linewidth=0.6)
        ax_state.set_yticks(range(steps), rows, fontsize="x-small")
        if i == 0:
            ax_state.set_title("the LSTM's 64-unit state h after each row, units grouped "
                               "by the class their output weight favours",
                               fontsize="medium")
        if i == len(shown) - 1:
            centres = [(lo + hi) / 2 for lo, hi in
                       zip(np.r_[-0.5, bounds], np.r_[bounds, units - 0.5])]
            ax_state.set_xticks(centres, classes[np.unique(favoured[order])],
                                fontsize="small")
            ax_state.set_xlabel("units, grouped by favoured class", fontsize="small")
        else:
            ax_state.set_xticks([])

        ax_proba = fig.add_subplot(grid[i, 2])
        ax_proba.imshow(probabilities[digit], cmap="Greens", vmin=0, vmax=1,
                        aspect="auto", interpolation="nearest")
        predicted = classes[probabilities[digit].argmax(axis=1)]
        for t, c in enumerate(predicted):
            ax_proba.text(np.searchsorted(classes, c), t, str(c), ha="center",
                          va="center", fontsize="x-small",
                          color="w" if probabilities[digit, t].max() > 0.6 else "k")
        ax_proba.set_yticks(range(steps), rows, fontsize="x-small")
        ax_proba.set_xticks(range(len(classes)), classes, fontsize="x-small")
        if i == 0:
            ax_proba.set_title("P(class | h)", fontsize="medium")
        if i == len(shown) - 1:
            ax_proba.set_xlabel("class", fontsize="small")
    fig.colorbar(state_image, ax=fig.axes[1::3], location="right", shrink=0.4,
                 pad=0.01, label="unit's state")

    ax_acc = fig.add_subplot(grid[-1, :])
    ax_acc.plot(rows, accuracy, "o-", color="tab:green")
    for t, a in zip(rows, accuracy):
        ax_acc.annotate(f"{a:.3f}", (t, a), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize="small")
    ax_acc.set_xticks(rows)
    ax_acc.set_xlim(0.6, steps + 0.4)
    ax_acc.set_ylim(0, 1.12)
    ax_acc.set_xlabel("rows read (time steps)")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title(f"accuracy on the {len(y)} held-out digits of the fold, had the "
                     "output layer read the state after each row (it was trained on the "
                     f"state after row {steps} only)", fontsize="medium")
    ax_acc.grid(True, alpha=0.3)
    return _save(fig, path)


def _save(fig, path):
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT)
