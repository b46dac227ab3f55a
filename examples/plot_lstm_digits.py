"""
An LSTM reads the handwritten digits row by row
===============================================

Each 8x8 digit (pixels scaled to [0, 1]) is read as a sequence of 8 time
steps, one image row of 8 pixels per step (``input_shape=(8, 8)``), by a
:class:`~skdl.layers.LSTM` of 64 units whose last state feeds the softmax
output layer. Adam at a learning rate of 0.005 trains it for 60 epochs in
batches of 64, with an L2 penalty of 1e-2. It is scored by the same 5-fold
stratified, shuffled cross-validation as the CNN and the MLP of
``plot_cnn_digits.py``, whose models it imports and trains again on those
folds: 0.9783 mean accuracy, a little below the MLP (0.9805) and the CNN
(0.9878), which both see the whole image at once (a PyTorch LSTM of the
same size, trained by Adam at 0.01 for 60 epochs, scores 0.976).

At a learning rate of 0.01 skdl's LSTM scores about 0.986 on these folds,
but that training amplifies the last-bit differences between skdl's two
kernel back-ends (NumPy's and numba's ``exp`` and ``tanh`` round
differently) a million-fold every 20 epochs or so, until a held-out digit
flips; at 0.005 the two back-ends end within 1e-11 of each other and give
the same scores, so the pictures do not depend on which one ran them.

Two pictures: the accuracy of each fold for the three models; and what the
LSTM sees as it reads a few held-out digits, its 64-unit state after each
row and the class the output layer makes of that state, with the accuracy
over the held-out fold had the LSTM stopped reading after each row: trained
on the last state only, it keeps its decision for the last rows.

Run ``python examples/plot_lstm_digits.py --help`` for the options. The
script prints the scores and the paths of the PNGs it writes (in
``examples/output/`` unless ``--output-dir`` says otherwise). The full run
trains fifteen networks, the folds in parallel, and takes about two minutes
on two cores, most of it for the CNN, which ``plot_cnn_digits.py`` trains
the same way; ``--quick`` takes seconds.
"""

import argparse
import importlib.util
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from skdl import NeuralNetClassifier
from skdl.layers import LSTM

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100

DIGITS_SHOWN = (0, 3, 5, 7, 9)
"""The LSTM's reading is shown for the first held-out digit of each class."""


def _load_cnn_example():
    """``plot_cnn_digits.py``, for its models, folds and score chart
    (``examples/`` is no package)."""
    path = HERE / "plot_cnn_digits.py"
    spec = importlib.util.spec_from_file_location("skdl_example_plot_cnn_digits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cnn_example = _load_cnn_example()


def make_lstm(max_iter=60, batch_size=64):
    """The LSTM: 64 units, its last state into the softmax output layer;
    Adam at 0.005 for all ``max_iter`` epochs, batches of 64, an L2 penalty
    of 1e-2."""
    return NeuralNetClassifier(
        layers=[LSTM(64)],
        input_shape=(8, 8),  # 8 time steps (rows) of 8 features (pixels)
        solver="adam",
        learning_rate_init=0.005,
        batch_size=batch_size,
        alpha=1e-2,
        max_iter=max_iter,
        n_iter_no_change=max_iter,  # no early stop: every fold trains as long
        random_state=0,
    )


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True, n_jobs=None):
    """Cross-validate the three models, print the scores and draw the pictures.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the PNGs; created if missing.
    quick : bool, default=False
        200 digits, 2 folds and a few epochs (for tests and quick
        documentation builds).
    close : bool, default=True
        Close the figures once saved (False leaves them open, for
        sphinx-gallery or ``plt.show()``).
    n_jobs : int, default=None
        Folds trained in parallel; None means all cores for the full run and
        one at a time for the quick one. The scores do not depend on it.

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
    if n_jobs is None:
        n_jobs = 1 if quick else -1
    results = cnn_example.cross_validate_models(models, X, y, cv, n_jobs=n_jobs)

    paths = [
        cnn_example.draw_scores(results, n_folds, output_dir / "lstm_digits_scores.png",
                                "handwritten digits 8x8: LSTM (row by row) vs CNN vs MLP"
                                + ("\n(quick run: 200 digits, 3 epochs)" if quick else ""),
                                close=close),
    ]
    # the reading is that of the first fold's LSTM, on digits it did not train on
    lstm = results["LSTM (NeuralNetClassifier)"]["estimator"][0]
    test_part = next(iter(cv.split(X, y)))[1]
    paths.append(_draw_reading(lstm, X[test_part], y[test_part],
                               output_dir / "lstm_hidden_states.png", close))
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


def _draw_reading(lstm, X, y, path, close=True):
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
    print(f"accuracy on the {len(y)} held-out digits of the first fold, reading the "
          "LSTM's state after rows 1 to 8: " + " ".join(f"{a:.3f}" for a in accuracy))

    # the units grouped by the class their output weight favours most,
    # strongest first within each group
    kernel = output_layer.get_weights()[0]  # (units, classes)
    favoured = kernel.argmax(axis=1)
    order = np.lexsort((-kernel.max(axis=1), favoured))
    bounds = np.flatnonzero(np.diff(favoured[order])) + 0.5

    shown = [np.flatnonzero(y == c)[0] for c in DIGITS_SHOWN if np.any(y == c)]
    fig = plt.figure(figsize=(8.5, 1.55 * len(shown) + 2.7), layout="constrained")
    grid = fig.add_gridspec(len(shown) + 1, 3, width_ratios=[1.7, 7, 1.9],
                            height_ratios=[1] * len(shown) + [1.35])
    rows = np.arange(1, steps + 1)
    tiny = 7  # points: tick labels of the small panels
    for i, digit in enumerate(shown):
        ax_image = fig.add_subplot(grid[i, 0])
        ax_image.imshow(X[digit].reshape(lstm.input_shape_), cmap="gray_r", vmin=0, vmax=1)
        ax_image.set_xticks([])
        ax_image.set_yticks(range(steps), rows, fontsize=tiny)
        ax_image.set_ylabel(f"a held-out {y[digit]}\nrow (time step)", fontsize="small")

        ax_state = fig.add_subplot(grid[i, 1])
        state_image = ax_state.imshow(states[digit][:, order], cmap="coolwarm",
                                      vmin=-1, vmax=1, aspect="auto",
                                      interpolation="nearest")
        for b in bounds:
            ax_state.axvline(b, color="k", linewidth=0.6)
        ax_state.set_yticks(range(steps), rows, fontsize=tiny)
        if i == 0:
            ax_state.set_title(f"the LSTM's {units}-unit state h after each row, units "
                               "grouped\nby the class their output weight favours")
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
                          va="center", fontsize=tiny,
                          color="w" if probabilities[digit, t].max() > 0.6 else "k")
        ax_proba.set_yticks(range(steps), rows, fontsize=tiny)
        ax_proba.set_xticks(range(len(classes)), classes, fontsize=tiny)
        if i == 0:
            ax_proba.set_title("P(class | h)")
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
    ax_acc.set_ylim(0, 1.15)
    ax_acc.set_xlabel("rows read (time steps)")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title(f"accuracy on the fold's {len(y)} held-out digits, reading the state "
                     f"after each row\n(the output layer was trained on the state after row "
                     f"{steps} only)")
    ax_acc.grid(True, alpha=0.3)
    return save(fig, path, close)


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
    """The command line: ``--output-dir``, ``--quick``, ``--n-jobs``, ``--show``."""
    parser = argparse.ArgumentParser(
        description="Cross-validate an LSTM reading the digits row by row beside the "
                    "CNN and the MLP of plot_cnn_digits.py (5 folds), and draw the "
                    "scores and what the LSTM's state says after each row "
                    "(lstm_digits_scores.png, lstm_hidden_states.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the PNGs, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="200 digits, 2 folds, 3 epochs: seconds instead of minutes "
                             "(also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="folds trained in parallel (default: all cores, or 1 with "
                             "--quick); the scores do not depend on it")
    parser.add_argument("--show", action="store_true",
                        help="also show the figures in windows")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    # the figures stay open: sphinx-gallery collects them, --show shows them
    main(args.output_dir, quick=args.quick, close=False, n_jobs=args.n_jobs)
    if args.show:
        plt.show()
