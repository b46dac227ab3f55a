"""
One-step-ahead forecasting of a series: an MLP, an LSTM and a 1-D CNN
=====================================================================

A forecaster reads a window of past values and predicts the next one. The
window can be read as separate features (an MLP on lags), as a sequence (a
recurrent network) or as a one-dimensional signal (a 1-D convolutional
network). Here the three read the same windows of one series, trained on
its past and tested on its future.
"""

# %%
# The series
# ----------
# 3,000 hourly values made here: a slow trend, a daily and a weekly cycle,
# and noise that lingers from one hour to the next (AR(1)). Made up, so the
# best possible forecast is known: the formula that made the series, all
# of it but the hour's new shock.
import os
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

# The tests and the documentation's checks set SKDL_EXAMPLES_QUICK=1 to run
# this page in seconds (400 values, windows of 12, a few epochs); the
# numbers quoted are the full run's.
QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")
n_points, window = (400, 12) if QUICK else (3000, 48)

rng = np.random.default_rng(0)
t = np.arange(n_points)
noise = np.zeros(n_points)
shocks = rng.normal(scale=0.6, size=n_points)
for i in range(1, n_points):
    noise[i] = 0.7 * noise[i - 1] + shocks[i]
signal = 20 + 0.002 * t + 4 * np.sin(2 * np.pi * t / 24) + 2 * np.sin(2 * np.pi * t / 168 + 1.0)
series = signal + noise
best = signal + np.r_[0.0, 0.7 * noise[:-1]]  # all but the new shock

# %%
# Windows and a split in time
# ---------------------------
# Each sample is a window of the last ``window`` values (48: two days), its
# target the value that follows. The models train on the first 80% of the
# windows and are tested on the last 20%, later in time: never shuffled
# across that cut.
X = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(series[:-1], window))
y = series[window:]
cut = round(len(y) * 0.8)
X_train, y_train, X_test, y_test = X[:cut], y[:cut], X[cut:], y[cut:]
print(f"{len(y)} windows of {window} values: {cut} to train on, {len(y_test)} to test")

# %%
# Three forecasters
# -----------------
# - an :class:`~skdl.MLPRegressor` with 64 hidden units takes the lags as
#   separate features;
# - a :class:`~skdl.NeuralNetRegressor` with an ``LSTM(32)`` reads them as
#   a sequence of ``window`` steps of one feature
#   (``input_shape=(window, 1)``);
# - another with ``Conv1D(16, 3)``, ``MaxPool1D(2)``, ``Flatten()`` and
#   ``Dense(32)`` slides 3-hour filters along the window.
#
# Each sits in a pipeline that standardises the windows and, through a
# :class:`~sklearn.compose.TransformedTargetRegressor`, the target. Adam
# trains them with early stopping, which holds out a random tenth of the
# training windows (all before the cut).
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import MLPRegressor, NeuralNetRegressor
from skdl.layers import LSTM, Conv1D, Dense, Flatten, MaxPool1D

training = {"solver": "adam", "batch_size": 64, "max_iter": 3 if QUICK else 200,
            "early_stopping": True, "n_iter_no_change": 20, "alpha": 1e-4,
            "random_state": 0}
regressors = {
    "MLP (MLPRegressor, 64)": MLPRegressor(
        hidden_layer_sizes=(64,), learning_rate_init=1e-3, **training),
    "LSTM(32)": NeuralNetRegressor(
        layers=[LSTM(32)], input_shape=(window, 1), learning_rate_init=3e-3, **training),
    "Conv1D(16, 3) + pool + Dense(32)": NeuralNetRegressor(
        layers=[Conv1D(16, 3, activation="relu"), MaxPool1D(2), Flatten(),
                Dense(32, activation="relu")],
        input_shape=(window, 1), learning_rate_init=1e-3, **training),
}
forecasts, fit_times = {}, {}
with warnings.catch_warnings():  # the quick run stops early
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, regressor in regressors.items():
        model = TransformedTargetRegressor(make_pipeline(StandardScaler(), regressor),
                                           transformer=StandardScaler())
        started = time.perf_counter()
        model.fit(X_train, y_train)
        fit_times[name] = time.perf_counter() - started
        forecasts[name] = model.predict(X_test)

# %%
# Test errors
# -----------
# Two naive forecasts (the last value, and the value 24 hours before) and
# the best possible one give the errors their scale.
from sklearn.metrics import mean_squared_error, r2_score

baselines = {
    "last value (naive)": X_test[:, -1],
    "24 h before (seasonal naive)": X_test[:, -24] if window >= 24 else None,
    "the series' formula (best)": best[window:][cut:],
}
print(f"{'forecast':<34} {'RMSE':>6} {'R^2':>7} {'fit s':>6}")
for name, forecast in {**forecasts, **baselines}.items():
    if forecast is not None:
        rmse = mean_squared_error(y_test, forecast) ** 0.5
        fit = f"{fit_times[name]:6.1f}" if name in fit_times else f"{'-':>6}"
        print(f"{name:<34} {rmse:6.3f} {r2_score(y_test, forecast):7.4f} {fit}")

# %%
# The LSTM comes closest to the best possible forecast (RMSE 0.621 against
# 0.581, R^2 0.962 against 0.967); the MLP and the 1-D CNN follow (0.698
# and 0.694), all well ahead of repeating the last value (0.965). The value
# 24 hours before does worst (1.597): it has the daily cycle right, but the
# noise lingers for hours, not for a day.
#
# The whole series with its test span, each model's forecasts over that
# span against the truth, and the last three days of it for all three:
colours = ["tab:orange", "tab:green", "tab:blue"]
test_start = window + cut  # the hour of the first value forecast
hours = np.arange(test_start, n_points)
truth = series[test_start:]
fig, axes = plt.subplots(5, 1, figsize=(8.5, 10.3), layout="constrained",
                         height_ratios=[0.9, 1, 1, 1, 1.4], num="forecasting")
overview = axes[0]
overview.plot(t, series, color="0.35", linewidth=0.5)
overview.axvspan(test_start - 0.5, n_points - 0.5, color="tab:red", alpha=0.12,
                 label="test span; the models train on the values before it")
overview.set_xlim(0, n_points - 1)
overview.set_title(f"the series: {n_points} hourly values, trend + daily and weekly "
                   "cycles + AR(1) noise", loc="left")
overview.legend(loc="upper left", fontsize="small")

for ax, (name, forecast), colour in zip(axes[1:], forecasts.items(), colours):
    rmse = mean_squared_error(truth, forecast) ** 0.5
    ax.plot(hours, truth, color="0.6", linewidth=2.2, label="truth")
    ax.plot(hours, forecast, color=colour, linewidth=0.9, label="forecast, one step ahead")
    ax.set_title(f"{name}: RMSE {rmse:.3f}, R$^2$ {r2_score(truth, forecast):.4f}",
                 loc="left")
    ax.set_xlim(hours[0], hours[-1])
    ax.tick_params(labelbottom=False)
axes[1].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize="small", ncols=2,
               frameon=False, borderaxespad=0.1)  # in the title's row, clear of the curves
axes[-2].tick_params(labelbottom=True)

last = axes[-1]
zoom = slice(-min(72, len(hours)), None)
last.plot(hours[zoom], truth[zoom], color="k", linewidth=2.5, alpha=0.35, label="truth")
for (name, forecast), colour, marker in zip(forecasts.items(), colours, "os^"):
    last.plot(hours[zoom], forecast[zoom], color=colour, marker=marker, markersize=3.5,
              linewidth=1, label=name)
last.set_title("the last three days of the test span", loc="left")
last.set_xlabel("hour")
last.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", ncols=4,
            frameon=False)
for ax in axes:
    ax.set_ylabel("value")
    ax.grid(True, alpha=0.3)

plt.show()
