"""Prediction latency of skdl's ``predict_proba`` against ONNX Runtime.

Each model is fitted once on scikit-learn's digits (1,797 rows of 8x8
pixels scaled to [0, 1]; the fit is not timed, and is kept short: the
latency of a forward pass does not depend on how well the weights learned),
exported with ``skdl.onnx.to_onnx(model, X, options={"zipmap": False})``
and loaded into an ``onnxruntime.InferenceSession`` with the
``CPUExecutionProvider`` and the default graph optimisation level
(``ORT_ENABLE_ALL``). The models:

mlp.    ``MLPClassifier((256, 128))`` on the 64 pixels, float32;
cnn.    the digits-size CNN of ``bench_cnn.py``, float32:
        ``NeuralNetClassifier(layers=[Conv2D(32, 3, same, relu),
        MaxPool2D(2), Conv2D(64, 3, same, relu), MaxPool2D(2), Flatten(),
        Dense(128, relu)], input_shape=(8, 8, 1))``;
lstm.   ``NeuralNetClassifier(layers=[LSTM(64)], input_shape=(8, 8))``:
        each digit read as 8 steps of 8 pixels, float32;
mlp64.  the MLP fitted on float64 data: a float64 model, whose ONNX graph
        runs ONNX Runtime's float64 kernels (its ``MatMul`` in float64 is
        not the MLAS float32 one);
cnn64, lstm64 (not run by default; ``--models``): float64 models whose
        ``Conv`` and ``LSTM`` ONNX Runtime runs only in float32, so
        skdl.onnx writes them out of other operators (see
        ``skdl.onnx._graph.FLOAT32_ONLY_OPERATORS``).

Contenders, for every model, batch (1 row, and 1,000 rows: the first
1,000 digits) and thread count (``--threads``, 2 and 1 by default):

- ``skdl[numba]`` and ``skdl[numpy]``: ``model.predict_proba(X_batch)``,
  the back-end chosen with ``skdl.backend.use(...)`` around the timed calls
  (in this process: the back-end is switched per block, no child process
  is needed), with OpenBLAS limited to the thread count by threadpoolctl
  (skdl's only threads: its numba routines are serial). The call includes
  everything a user pays: ``check_is_fitted``, scikit-learn's input
  validation, the forward pass (in chunks of 256 rows for N-D inputs, as
  skdl predicts) and the normalisation of the probabilities;
- ``onnxruntime``: ``session.run(None, {"X": X_batch})`` (both outputs,
  label and probabilities), the session built with
  ``intra_op_num_threads`` equal to the thread count (one session per
  count). ``--ort-no-spin`` turns off the spinning of its pool's threads
  between runs (``session.intra_op.allow_spinning = 0``); by default they
  spin, as ONNX Runtime's users get them.

Method: rounds (``--rounds``, 7 by default) alternate the contenders: in
every round each case (model, rows, threads) times each contender in turn,
the order of the contenders rotating from round to round, so that the
drift of a shared machine falls on all of them alike. One measurement is
the mean of many back-to-back calls: 200 for a single row (where one call
lasts tens of microseconds), and for 1,000 rows as many as fill about
0.15 s at the slowest contender's warm-up speed (at least 2), the same
count for every contender of the case. Every contender is warmed up first
(numba compilation or cache loading, ONNX Runtime's first run and arena).
The table gives the median over rounds of each contender's milliseconds
per call, and the ratios skdl/onnxruntime are the medians of the per-round
quotients (both measured in the same round).

Equal work: once per model, before timing, the probabilities of
onnxruntime and of ``predict_proba`` (both back-ends) on the 1,000 rows are
compared (max absolute difference) and the labels counted (onnxruntime's
against ``model.predict``).

A last table says where skdl's single-row time goes: the forward pass
alone (the estimator's private ``_predict_validated``, which skips
``check_is_fitted`` and scikit-learn's ``validate_data``) against the full
``predict_proba``, skdl[numba], at the first thread count.

Load: with two threads on a two-core machine, any other busy process
breaks the comparison. OpenBLAS's two threads wait for each other at every
product, and when one core is taken each wait costs a scheduler time
slice: a (256, 64) @ (64, 256) float32 product was seen to take 1 ms on one
thread and 7-24 ms on two on a loaded machine. The load average is printed
at the start, after each round and at the end; trust a run whose rounds
agree with each other, and compare at one thread when the machine is busy.

Two other measurements replace the comparison when asked for:

``--guard-cost``: what the ``If`` around ONNX's ``LSTM`` and ``GRU`` (which
keeps a batch of 0 rows from ONNX Runtime's kernels, which abort the
process on one; see ``skdl.onnx._recurrent.ABORTS_ON_EMPTY_BATCH``) costs
on batches of 1 and 1,000 rows: the float32 ``LSTM(64)`` and ``GRU(64)``
digits models, each exported twice, with the guard and without it (the
set emptied for the export), timed in alternating rounds as above.

``--export-steps 500,1000,2000,4000``: the seconds ``skdl.onnx.to_onnx``
takes for a float64 ``NeuralNetRegressor([LSTM(4)])`` over each number of
steps (3 features, one epoch on 8 random rows), and the nodes of its
graph, subgraphs included; ONNX Runtime's outputs checked against
``predict``.

Run from the repository root::

    python benchmarks/bench_onnx.py                  # full run, 7 rounds
    python benchmarks/bench_onnx.py --rounds 11
    python benchmarks/bench_onnx.py --quick          # smoke test, under a minute
    python benchmarks/bench_onnx.py --models mlp,cnn64 --threads 1
    python benchmarks/bench_onnx.py --guard-cost --threads 1
    python benchmarks/bench_onnx.py --export-steps 500,1000,2000,4000

Needs onnx, skl2onnx and onnxruntime (``pip install -e ".[onnx]"`` and
``pip install onnxruntime``).
"""

import argparse
import os
import platform
import statistics
import time
import warnings
from functools import partial

import numpy as np

ROWS = (1, 1000)
SINGLE_ROW_CALLS = 200
BATCH_SECONDS = 0.15
FORWARD_ONLY_REPS = 5

MODELS = {
    "mlp": {"name": "MLP (256, 128)", "kind": "mlp", "dtype": np.float32},
    "cnn": {"name": "digits CNN 8x8x1", "kind": "cnn", "dtype": np.float32},
    "lstm": {"name": "LSTM(64), 8x8", "kind": "lstm", "dtype": np.float32},
    "mlp64": {"name": "MLP (256, 128) float64", "kind": "mlp", "dtype": np.float64},
    "cnn64": {"name": "digits CNN float64", "kind": "cnn", "dtype": np.float64},
    "lstm64": {"name": "LSTM(64) float64", "kind": "lstm", "dtype": np.float64},
}
DEFAULT_MODELS = "mlp,cnn,lstm,mlp64"
# Epochs of the (untimed) fit: enough for sensible probabilities, short.
EPOCHS = {"mlp": 20, "cnn": 5, "lstm": 10}


def load_data(dtype):
    """Digits as rows of 64 pixels in [0, 1], and their labels."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(dtype), y


def make_estimator(kind, max_iter):
    from skdl import MLPClassifier, NeuralNetClassifier
    from skdl.layers import LSTM, Conv2D, Dense, Flatten, MaxPool2D

    if kind == "mlp":
        return MLPClassifier((256, 128), max_iter=max_iter, random_state=0)
    if kind == "cnn":
        layers = [Conv2D(32, 3, padding="same", activation="relu"), MaxPool2D(2),
                  Conv2D(64, 3, padding="same", activation="relu"), MaxPool2D(2),
                  Flatten(), Dense(128, activation="relu")]
        return NeuralNetClassifier(layers=layers, input_shape=(8, 8, 1),
                                   max_iter=max_iter, random_state=0)
    return NeuralNetClassifier(layers=[LSTM(64)], input_shape=(8, 8),
                               max_iter=max_iter, random_state=0)


def ort_session(onx, threads, spin):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(onx.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def per_call(fn, calls):
    """Mean seconds of ``calls`` back-to-back calls of ``fn``."""
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls


class Case:
    """One model at one batch size and thread count, and its contenders.

    Each contender is ``name -> measure(calls)`` returning seconds per call,
    with the back-end and the BLAS thread limit set around the whole loop
    of calls (entering them per call would add their cost to every call).
    """

    def __init__(self, key, model, session, X, rows, threads, backends):
        from threadpoolctl import threadpool_limits

        from skdl import backend as skdl_backend

        self.key, self.rows, self.threads = key, rows, threads
        Xb = np.ascontiguousarray(X[:rows])
        self.contenders = {}
        for b in backends:
            def measure(calls, b=b):
                with skdl_backend.use(b), threadpool_limits(threads, user_api="blas"):
                    return per_call(lambda: model.predict_proba(Xb), calls)
            self.contenders[f"skdl[{b}]"] = measure
        feed = {"X": Xb}
        self.contenders["onnxruntime"] = lambda calls: per_call(
            lambda: session.run(None, feed), calls)
        self.seconds = {name: [] for name in self.contenders}
        self.calls = None

    def warm_up(self, quick):
        """Call every contender, then fix the calls per measurement."""
        slowest = 0.0
        for measure in self.contenders.values():
            measure(3)
            slowest = max(slowest, measure(2 if self.rows > 1 else 20))
        if self.rows == 1:
            self.calls = SINGLE_ROW_CALLS // (10 if quick else 1)
        else:
            target = BATCH_SECONDS / (5 if quick else 1)
            self.calls = max(2, min(50, round(target / slowest)))

    def run_round(self, r):
        names = list(self.contenders)
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            self.seconds[name].append(self.contenders[name](self.calls))

    def summary(self):
        ms = {k: 1e3 * statistics.median(v) for k, v in self.seconds.items()}
        ort = self.seconds["onnxruntime"]
        ratios = {k: statistics.median(a / b for a, b in zip(v, ort))
                  for k, v in self.seconds.items() if k != "onnxruntime"}
        spread = {k: (1e3 * min(v), 1e3 * max(v)) for k, v in self.seconds.items()}
        return ms, ratios, spread


def prepare_model(key, threads_list, spin, quick):
    """Fit, export, load, and check that onnxruntime computes what skdl does."""
    from threadpoolctl import threadpool_limits

    from skdl import backend as skdl_backend
    from skdl.onnx import to_onnx

    spec = MODELS[key]
    X, y = load_data(spec["dtype"])
    model = make_estimator(spec["kind"], 2 if quick else EPOCHS[spec["kind"]])
    started = time.perf_counter()
    with threadpool_limits(1, user_api="blas"):  # robust on a busy machine
        model.fit(X, y)
    fit_seconds = time.perf_counter() - started
    onx = to_onnx(model, X, options={"zipmap": False})
    sessions = {t: ort_session(onx, t, spin) for t in threads_list}
    check_session = sessions[threads_list[0]]
    Xc = X[:1000]
    label, proba = check_session.run(None, {"X": Xc})
    diffs, same = {}, {}
    for b in skdl_backend.available():
        with skdl_backend.use(b):
            diffs[b] = float(np.abs(model.predict_proba(Xc) - proba).max())
            same[b] = int(np.sum(model.predict(Xc) == label))
    print(f"- {key} ({spec['name']}, {np.dtype(spec['dtype']).name}): fitted in "
          f"{fit_seconds:.1f} s ({model.n_iter_} epochs, training accuracy "
          f"{model.score(X, y):.3f}); {len(onx.graph.node)} ONNX nodes; on 1,000 rows "
          f"max |onnxruntime - skdl| probability "
          + ", ".join(f"{d:.1e} ({b})" for b, d in diffs.items())
          + "; labels equal " + ", ".join(f"{n}/1000 ({b})" for b, n in same.items()),
          flush=True)
    return model, sessions, X


def forward_only_lines(models, threads, reps, calls):
    """Single-row milliseconds of predict_proba and of the forward alone."""
    from threadpoolctl import threadpool_limits

    from skdl import backend as skdl_backend

    lines = []
    for key, (model, _, X) in models.items():
        Xb = np.ascontiguousarray(X[:1])
        with skdl_backend.use("numba" if "numba" in skdl_backend.available() else "numpy"), \
                threadpool_limits(threads, user_api="blas"):
            full, forward = [], []
            for _ in range(reps):
                full.append(per_call(partial(model.predict_proba, Xb), calls))
                forward.append(per_call(partial(model._predict_validated, Xb), calls))
        f, g = 1e3 * statistics.median(full), 1e3 * statistics.median(forward)
        lines.append(f"| {key} | {f:.3f} | {g:.3f} | {f - g:.3f} | {100 * (f - g) / f:.0f}% |")
    return lines


def guard_cost(threads_list, rounds, spin):
    """Milliseconds per call of the LSTM and GRU digits models exported
    with and without the empty-batch guard, and their ratio."""
    import skdl.onnx._recurrent as recurrent
    from skdl import NeuralNetClassifier
    from skdl.layers import GRU, LSTM
    from skdl.onnx import to_onnx

    X, y = load_data(np.float32)
    print("| model | rows | threads | guarded ms | bare ms | guarded/bare |")
    print("|---|---|---|---|---|---|")
    for layer in (LSTM(64), GRU(64)):
        model = NeuralNetClassifier(layers=[layer], input_shape=(8, 8), max_iter=2,
                                    random_state=0).fit(X, y)
        guarded = to_onnx(model, X, options={"zipmap": False})
        kept, recurrent.ABORTS_ON_EMPTY_BATCH = recurrent.ABORTS_ON_EMPTY_BATCH, frozenset()
        try:
            bare = to_onnx(model, X, options={"zipmap": False})
        finally:
            recurrent.ABORTS_ON_EMPTY_BATCH = kept
        for threads in threads_list:
            sessions = {"guarded": ort_session(guarded, threads, spin),
                        "bare": ort_session(bare, threads, spin)}
            for rows in ROWS:
                feed = {"X": np.ascontiguousarray(X[:rows])}
                outputs = [s.run(None, feed) for s in sessions.values()]
                assert all(np.array_equal(a, b) for a, b in zip(*outputs))
                calls = SINGLE_ROW_CALLS if rows == 1 else 10
                seconds = {name: [] for name in sessions}
                for r in range(rounds):
                    for name in list(sessions)[::1 if r % 2 else -1]:
                        run = partial(sessions[name].run, None, feed)
                        seconds[name].append(per_call(run, calls))
                ratio = statistics.median(
                    a / b for a, b in zip(seconds["guarded"], seconds["bare"]))
                print(f"| {type(layer).__name__}(64) | {rows:,} | {threads} | "
                      f"{1e3 * statistics.median(seconds['guarded']):.3f} | "
                      f"{1e3 * statistics.median(seconds['bare']):.3f} | {ratio:.3f} |",
                      flush=True)


def export_time(steps_list):
    """Seconds of to_onnx and nodes for a float64 LSTM(4) over each
    number of steps."""
    from skdl import NeuralNetRegressor
    from skdl.layers import LSTM
    from skdl.onnx import to_onnx

    def count_nodes(graph):
        return sum(1 + sum(count_nodes(g) for a in node.attribute for g in [a.g, *a.graphs])
                   for node in graph.node)

    print("| steps | export s | nodes | max abs difference to predict |")
    print("|---|---|---|---|")
    for steps in steps_list:
        X = np.random.RandomState(0).normal(size=(8, steps * 3))
        model = NeuralNetRegressor([LSTM(4)], input_shape=(steps, 3), max_iter=1,
                                   random_state=0).fit(X, X[:, 0])
        started = time.perf_counter()
        onx = to_onnx(model, X)
        seconds = time.perf_counter() - started
        (values,) = ort_session(onx, 1, True).run(None, {"X": X})
        difference = np.abs(values[:, 0] - model.predict(X)).max()
        print(f"| {steps:,} | {seconds:.2f} | {count_nodes(onx.graph)} | {difference:.1e} |",
              flush=True)


def main():
    """Run the benchmark and print Markdown."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="See the module docstring for the method.")
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternating rounds (default 7; 2 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2-epoch fits, 2 rounds, 20 calls per single-row "
                             "measurement, short 1,000-row measurements")
    parser.add_argument("--models", default=DEFAULT_MODELS,
                        help=f"comma-separated, from {', '.join(MODELS)} "
                             f"(default {DEFAULT_MODELS})")
    parser.add_argument("--threads", default="2,1",
                        help="comma-separated thread counts, for OpenBLAS (skdl) and "
                             "intra_op_num_threads (onnxruntime) alike (default 2,1)")
    parser.add_argument("--ort-no-spin", action="store_true",
                        help="stop onnxruntime's pool threads spinning between runs")
    parser.add_argument("--guard-cost", action="store_true",
                        help="instead: the LSTM and GRU models with and without the "
                             "empty-batch guard")
    parser.add_argument("--export-steps", default=None,
                        help="instead: to_onnx's seconds for a float64 LSTM(4) over these "
                             "comma-separated numbers of steps, e.g. 500,1000,2000,4000")
    args = parser.parse_args()
    keys = [k.strip() for k in args.models.split(",") if k.strip()]
    for k in keys:
        if k not in MODELS:
            parser.error(f"unknown model {k!r}; choose from {', '.join(MODELS)}")
    try:
        threads_list = [int(t) for t in args.threads.split(",") if t.strip()]
    except ValueError:
        parser.error("--threads takes integers, e.g. 2,1")
    if not threads_list or min(threads_list) < 1:
        parser.error("--threads takes positive integers, e.g. 2,1")
    rounds = args.rounds or (2 if args.quick else 7)

    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    if args.export_steps or args.guard_cost:
        print(f"load average at start {', '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
        if args.export_steps:
            export_time([int(steps) for steps in args.export_steps.split(",")])
        else:
            guard_cost(threads_list, rounds, not args.ort_no_spin)
        print(f"\nload average at end {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
        return

    import numba
    import onnx
    import onnxruntime
    import skl2onnx
    import sklearn
    from threadpoolctl import threadpool_info

    from skdl import backend as skdl_backend

    blas = [f"{p['internal_api']} {p.get('version')}" for p in threadpool_info()
            if p["user_api"] == "blas"]
    backends = [b for b in ("numba", "numpy") if b in skdl_backend.available()]
    print(f"# bench_onnx: predict_proba against onnxruntime, batches of {ROWS[0]} and "
          f"{ROWS[1]:,} rows, threads {args.threads}, {rounds} rounds\n")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba "
          f"{numba.__version__}, scikit-learn {sklearn.__version__}, onnx {onnx.__version__}, "
          f"skl2onnx {skl2onnx.__version__}, onnxruntime {onnxruntime.__version__}; BLAS: "
          f"{', '.join(blas)}; skdl back-ends {backends}; {os.cpu_count()} CPUs; "
          f"onnxruntime threads spin: {not args.ort_no_spin}; load average at start "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    if os.getloadavg()[0] > 1.0:
        print(f"WARNING: load average {os.getloadavg()[0]:.2f} at the start: other "
              "processes are running, and two-thread timings collapse when a core is "
              "taken (see the module docstring).\n")

    started = time.perf_counter()
    print("## Models (fit untimed, one BLAS thread) and the equal-work check\n")
    models = {k: prepare_model(k, threads_list, not args.ort_no_spin, args.quick)
              for k in keys}

    cases = []
    for k, (model, sessions, X) in models.items():
        for rows in ROWS:
            for t in threads_list:
                case = Case(k, model, sessions[t], X, rows, t, backends)
                case.warm_up(args.quick)
                cases.append(case)
    print(f"\nWarm-up done after {time.perf_counter() - started:.0f} s; calls per "
          "measurement: " + ", ".join(f"{c.key}/{c.rows}/{c.threads}t {c.calls}"
                                      for c in cases) + "\n", flush=True)

    for r in range(rounds):
        round_started = time.perf_counter()
        for case in cases:
            case.run_round(r)
        print(f"  round {r + 1}/{rounds}: {time.perf_counter() - round_started:.1f} s; "
              f"load {os.getloadavg()[0]:.2f}", flush=True)

    reps, calls = (2, 20) if args.quick else (FORWARD_ONLY_REPS, SINGLE_ROW_CALLS)
    forward_lines = forward_only_lines(models, threads_list[0], reps, calls)
    elapsed = time.perf_counter() - started

    names = [f"skdl[{b}]" for b in backends]
    print(f"\n### predict_proba against onnxruntime: ms per call, medians of {rounds} "
          "alternating rounds\n")
    print("| model | rows | threads | " + " | ".join(f"{n} ms" for n in names)
          + " | onnxruntime ms | " + " | ".join(f"{n}/onnxruntime" for n in names) + " |")
    print("|---|---|---|" + "---|" * (2 * len(names) + 1))
    spreads = []
    for c in cases:
        ms, ratios, spread = c.summary()
        print(f"| {c.key} | {c.rows:,} | {c.threads} | "
              + " | ".join(f"{ms[n]:.3f}" for n in names)
              + f" | {ms['onnxruntime']:.3f} | "
              + " | ".join(f"{ratios[n]:.2f}x" for n in names) + " |")
        spreads.append(f"- {c.key}, {c.rows:,} rows, {c.threads} threads: "
                       + ", ".join(f"{n} {lo:.3f}-{hi:.3f}" for n, (lo, hi) in spread.items()))
    print("\nRatios are medians of per-round quotients; below 1 skdl is faster.\n")
    print("Min-max ms over rounds:\n")
    for line in spreads:
        print(line)
    backend = "numba" if "numba" in backends else "numpy"
    print(f"\n### Where skdl's single-row time goes (skdl[{backend}], {threads_list[0]} "
          f"threads, medians of {reps} x {calls} calls)\n")
    print("| model | predict_proba ms | forward alone ms | checks and validation ms "
          "| share |")
    print("|---|---|---|---|---|")
    for line in forward_lines:
        print(line)
    print(f"\nLoad average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"benchmark took {elapsed:.0f} s.")


if __name__ == "__main__":
    main()
