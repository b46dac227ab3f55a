"""
One-step-ahead forecasting of a series: an MLP, an LSTM and a 1-D CNN
=====================================================================

The series is made here: 3,000 hourly values of a slow trend, a daily and a
weekly cycle, and noise that lingers from one hour to the next (AR(1)).
Each sample is a window of the last ``L = 48`` values (two days), and the
target the value that follows it. The three models read the same windows:

- an :class:`~skdl.MLPRegressor` with 64 hidden units takes the 48 lags as
  48 separate features;
- a :class:`~skdl.NeuralNetRegressor` with an ``LSTM(32)`` reads them as a
  sequence of 48 steps of one feature (``input_shape=(48, 1)``);
- another with ``Conv1D(16, 3)``, ``MaxPool1D(2)``, ``Flatten()`` and
  ``Dense(32)`` slides 3-hour filters along the window.

Each sits in a pipeline that standardises the windows (the columns of ``X``
are lags of one series, so they share nearly one mean and scale) and,
through a ``TransformedTargetRegressor``, the target. They train on the
first 80% of the windows and are scored on the last 20%, later in time,
never shuffled across that cut (early stopping holds out a random tenth of
the training windows, all before the cut); two naive forecasts (the last
value, and the value 24 hours before) and the best forecast possible (the
formula that made the series, all of it but the hour's new shock) give the
scale of the errors. The LSTM comes closest to the best (RMSE 0.621 on the
test span, against 0.581; R^2 0.962 against 0.967), the MLP and the CNN
next (0.698 and 0.694), far ahead of the last value (0.965).

The picture shows the whole series with its test span, each model's
one-step-ahead forecasts over that span against the truth, and the last
three days of it for all three at once.

Run ``python examples/plot_forecasting.py --help`` for the options. The
script prints the test errors and the path of the PNG it writes
(``forecasting.png``, in ``examples/output/`` unless ``--output-dir`` says
otherwise). The full run takes under a minute on two cores, most of it the
LSTM's; ``--quick`` takes seconds.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import MLPRegressor, NeuralNetRegressor
from skdl.layers import LSTM, Conv1D, Dense, Flatten, MaxPool1D

# sphinx-gallery runs this file from its folder, without __file__
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DEFAULT_OUTPUT = Path(os.environ.get("SKDL_EXAMPLES_OUTPUT") or HERE / "output")
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
DPI = 100

WINDOW = 48
"""Values each forecast reads: the last two days."""

TEST_FRACTION = 0.2
"""The last part of the windows, held out for the test."""


def make_series(n_points=3000, seed=0):
    """Hourly values: trend + daily and weekly cycles + AR(1) noise.

    Parameters
    ----------
    n_points : int, default=3000
    seed : int, default=0

    Returns
    -------
    series : ndarray of shape (n_points,)
    best : ndarray of shape (n_points,)
        The best forecast of each value from those before it, by the
        formula that made the series: all of it but the new shock.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_points)
    noise = np.empty(n_points)
    noise[0] = 0.0
    shocks = rng.normal(scale=0.6, size=n_points)
    for i in range(1, n_points):
        noise[i] = 0.7 * noise[i - 1] + shocks[i]
    signal = (20 + 0.002 * t
              + 4 * np.sin(2 * np.pi * t / 24)
              + 2 * np.sin(2 * np.pi * t / 168 + 1.0))
    return signal + noise, signal + np.r_[0.0, 0.7 * noise[:-1]]


def make_windows(series, window=WINDOW):
    """Each run of ``window`` values as a row of ``X``, the next value as
    its target.

    Returns
    -------
    X : ndarray of shape (len(series) - window, window)
        Oldest value first: row ``i`` is ``series[i : i + window]``.
    y : ndarray of shape (len(series) - window,)
    """
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], window)
    return np.ascontiguousarray(X), series[window:]


def _scaled(regressor):
    """``regressor`` behind a scaler of the windows, its target scaled too."""
    return TransformedTargetRegressor(make_pipeline(StandardScaler(), regressor),
                                      transformer=StandardScaler())


def make_models(window=WINDOW, max_iter=200):
    """The three forecasters, each in its scaling pipeline."""
    training = {"solver": "adam", "batch_size": 64, "max_iter": max_iter,
                "early_stopping": True, "n_iter_no_change": 20, "random_state": 0}
    return {
        "MLP (MLPRegressor, 64)": _scaled(MLPRegressor(
            hidden_layer_sizes=(64,), alpha=1e-4, learning_rate_init=1e-3, **training)),
        "LSTM(32)": _scaled(NeuralNetRegressor(
            layers=[LSTM(32)], input_shape=(window, 1),
            alpha=1e-4, learning_rate_init=3e-3, **training)),
        "Conv1D(16, 3) + pool + Dense(32)": _scaled(NeuralNetRegressor(
            layers=[Conv1D(16, 3, activation="relu"), MaxPool1D(2), Flatten(),
                    Dense(32, activation="relu")],
            input_shape=(window, 1),
            alpha=1e-4, learning_rate_init=1e-3, **training)),
    }


def main(output_dir=DEFAULT_OUTPUT, quick=False, close=True):
    """Fit the forecasters, print their test errors and draw the forecasts.

    Parameters
    ----------
    output_dir : str or Path, default=examples/output
        Folder for the PNG; created if missing.
    quick : bool, default=False
        A series of 400 values, windows of 12 and 3 epochs (for tests and
        quick documentation builds).
    close : bool, default=True
        Close the figure once saved (False leaves it open, for
        sphinx-gallery or ``plt.show()``).

    Returns
    -------
    list of Path
        The PNGs written.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    window = 12 if quick else WINDOW
    series, best = make_series(400 if quick else 3000)
    X, y = make_windows(series, window)
    cut = round(len(y) * (1 - TEST_FRACTION))
    X_train, y_train, X_test, y_test = X[:cut], y[:cut], X[cut:], y[cut:]

    forecasts, fit_times = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, model in make_models(window, max_iter=3 if quick else 200).items():
            started = time.perf_counter()
            model.fit(X_train, y_train)
            fit_times[name] = time.perf_counter() - started
            forecasts[name] = model.predict(X_test)
    baselines = {
        "last value (naive)": X_test[:, -1],
        "24 h before (seasonal naive)": X_test[:, -24] if window >= 24 else None,
        "the series' formula (best)": best[window:][cut:],
    }

    print(f"One-step-ahead forecasts of {len(series)} hourly values from windows of "
          f"{window}: trained on the first {cut} windows, tested on the last {len(y_test)}")
    print(f"{'forecast':<34} {'RMSE':>6} {'R^2':>7} {'fit s':>6}")
    for name, forecast in {**forecasts, **baselines}.items():
        if forecast is None:
            continue
        rmse = mean_squared_error(y_test, forecast) ** 0.5
        fit = f"{fit_times[name]:6.1f}" if name in fit_times else f"{'-':>6}"
        print(f"{name:<34} {rmse:6.3f} {r2_score(y_test, forecast):7.4f} {fit}")

    test_start = window + cut  # the hour of the first value forecast
    return [_draw_forecasts(series, test_start, forecasts,
                            output_dir / "forecasting.png", close)]


def _draw_forecasts(series, test_start, forecasts, path, close=True):
    """The whole series; one panel per model over the test span; and the
    last three days of it with every model."""
    colours = ["tab:orange", "tab:green", "tab:blue"]
    n_models = len(forecasts)
    fig, axes = plt.subplots(n_models + 2, 1, figsize=(8.5, 1.9 * n_models + 4.6),
                             layout="constrained",
                             height_ratios=[0.9] + [1] * n_models + [1.4])
    overview = axes[0]
    overview.plot(np.arange(len(series)), series, color="0.35", linewidth=0.5)
    overview.axvspan(test_start - 0.5, len(series) - 0.5, color="tab:red", alpha=0.12,
                     label="test span; the models train on the values before it")
    overview.set_xlim(0, len(series) - 1)
    overview.set_title(f"the series: {len(series)} hourly values, trend + daily and "
                       "weekly cycles + AR(1) noise", loc="left")
    overview.legend(loc="upper left", fontsize="small")
    overview.grid(True, alpha=0.3)

    hours = np.arange(test_start, len(series))
    truth = series[test_start:]
    for ax, (name, forecast), colour in zip(axes[1:], forecasts.items(), colours):
        rmse = mean_squared_error(truth, forecast) ** 0.5
        ax.plot(hours, truth, color="0.6", linewidth=2.2, label="truth")
        ax.plot(hours, forecast, color=colour, linewidth=0.9,
                label="forecast, one step ahead")
        ax.set_title(f"{name}: RMSE {rmse:.3f}, R$^2$ {r2_score(truth, forecast):.4f}",
                     loc="left")
        ax.set_xlim(hours[0], hours[-1])
        ax.grid(True, alpha=0.3)
        if ax is axes[1]:  # once, in the title's row, clear of the curves
            ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize="small",
                      ncols=2, frameon=False, borderaxespad=0.1)
    zoom = slice(-min(72, len(hours)), None)
    last = axes[-1]
    last.plot(hours[zoom], truth[zoom], color="k", linewidth=2.5, alpha=0.35,
              label="truth")
    for (name, forecast), colour, marker in zip(forecasts.items(), colours, "os^"):
        last.plot(hours[zoom], forecast[zoom], color=colour, marker=marker,
                  markersize=3.5, linewidth=1, label=name)
    last.set_title("the last three days of the test span", loc="left")
    last.set_xlabel("hour")
    last.grid(True, alpha=0.3)
    last.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", ncols=4,
                frameon=False)
    for ax in axes:
        ax.set_ylabel("value")
    for ax in axes[1:-2]:
        ax.tick_params(labelbottom=False)
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
    """The command line: ``--output-dir``, ``--quick``, ``--show``."""
    parser = argparse.ArgumentParser(
        description="Forecast a made-up hourly series one step ahead with an MLP, an "
                    "LSTM and a Conv1D stack, print their test errors and draw the "
                    "forecasts (forecasting.png).")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the PNG, created if missing (default: "
                             "$SKDL_EXAMPLES_OUTPUT if set, else examples/output)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="400 values, windows of 12, 3 epochs: seconds instead of "
                             "minutes (also set by SKDL_EXAMPLES_QUICK=1)")
    parser.add_argument("--show", action="store_true",
                        help="also show the figure in a window")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    # the figure stays open: sphinx-gallery collects it, --show shows it
    main(args.output_dir, quick=args.quick, close=False)
    if args.show:
        plt.show()
