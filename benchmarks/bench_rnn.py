"""Speed of skdl's recurrent layers against torch and the matrix-product floor.

Three workloads, one Adam epoch each, float32, mini-batches of 64, two
threads for every library (OpenBLAS for skdl through threadpoolctl;
``torch.set_num_threads(2)`` and ``OMP_NUM_THREADS=2`` for torch):

lstm. ``LSTM(128)`` on sequences of 28 steps of 28 features (an MNIST image
      read row by row), then ``Dense(10)`` softmax;
gru.  ``GRU(128)`` on the same;
simple_rnn. ``SimpleRNN(128)`` (tanh) on the same: one gate where the LSTM
      has four, so about a quarter of its elementwise work per step.

The data are synthetic (uniform random values, 10 random labels; 6,000
rows by default): the speed of an epoch does not depend on what the values
show, and nothing installed ships MNIST.

Contenders, per workload:

- ``skdl[numba]`` and ``skdl[numpy]``: the wall time of a fresh
  ``NeuralNetClassifier(layers=[LSTM(128)], input_shape=(28, 28),
  batch_size=64, max_iter=1, random_state=0).fit(X, y)``, taken after a
  warm-up fit of the same estimator in this process, so numba's compilation
  (and its cache loading) is excluded. The timed fit includes everything a
  user pays for one epoch (validation, building, initialising, buffers);
  the share of it spent outside the epoch loop, from
  ``history_[0]["elapsed"]``, is printed.
- ``torch``: ``nn.LSTM(28, 128, batch_first=True)`` (or ``nn.GRU``,
  ``nn.RNN``), the
  last step's output into ``nn.Linear(128, 10)``, ``CrossEntropyLoss``,
  Adam with lr 1e-3, a fresh ``randperm`` each epoch and the batch gathered
  by indexing, as skdl gathers it; one epoch timed after one warm-up epoch,
  in a child process of its own each round (torch's OpenMP threads keep
  spinning after each call and slow NumPy and BLAS measured after them in
  the same process; a fresh process per round lets the median see torch's
  process-to-process modes).
- the floor, "GEMMs only": the same matrix products alone, per batch, into
  preallocated outputs, in this process: the input projection of every step
  at once ``(T*b, F) @ (F, G*H)`` (``G`` gates: 4 for the LSTM, 3 for the
  GRU, 1 for the SimpleRNN), one recurrent product ``(b, H) @ (H, G*H)`` per step forward and
  ``(b, G*H) @ (G*H, H)`` per step backward, the gradients of the kernel
  and the recurrent kernel
  ``(F, T*b) @ (T*b, G*H)`` and ``(H, T*b) @ (T*b, G*H)``, and the Dense
  layer's three products. The recurrent layer is the first, so it needs no
  input gradient. No gate arithmetic, loss or Adam step: the floor is what
  BLAS alone needs, and its 2*T small per-step products make it a
  latency-bound floor.

Method, as ``bench_cnn.py``: rounds alternate the contenders, and every
timing is divided by the mean of the floor measured just before and just
after it; the ratios to torch are the medians of the per-round quotients of
the two floor ratios, the seconds printed are plain medians. A second table
gives each contender's best round.

A per-layer micro-benchmark follows: forward and backward of one LSTM (and
one GRU, one SimpleRNN) layer alone, no input gradient, float32, for T=28, F=28, H=128,
batch 64 and for T=8, F=8, H=32, batch 64: milliseconds per forward +
backward, the median of ``--layer-reps`` repetitions, skdl through the
layer's ``forward``/``backward`` and torch in a child process (``out[:,
-1]`` of the layer, ``backward`` of its dot product with a fixed gradient).

Load: with two threads on a two-core machine, any other busy process breaks
the comparison (see ``bench_cnn.py``). Each round's line prints the load
average, and a warning is printed when the machine is busy at the start.

Run from the repository root::

    python benchmarks/bench_rnn.py                 # full run, 5 rounds
    python benchmarks/bench_rnn.py --rounds 9
    python benchmarks/bench_rnn.py --quick         # smoke test
    python benchmarks/bench_rnn.py --workloads lstm

torch is optional: without it the torch columns read "n/a".
"""

import argparse
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from torch_peer import timed_epoch
from torch_peer import torch_child as run_torch_child

BATCH = 64
N_CLASSES = 10
THREADS = 2
HERE = Path(__file__).resolve().parent

WORKLOADS = {
    "lstm": {"name": "LSTM(128), 28x28", "cell": "LSTM", "units": 128, "input": (28, 28)},
    "gru": {"name": "GRU(128), 28x28", "cell": "GRU", "units": 128, "input": (28, 28)},
    "simple_rnn": {"name": "SimpleRNN(128), 28x28", "cell": "SimpleRNN", "units": 128,
                   "input": (28, 28)},
}
GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
TORCH_CELLS = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}
"""torch's name of each cell (its RNN is tanh, as SimpleRNN's default)."""
LAYER_CASES = [(28, 28, 128), (8, 8, 32)]  # (T, F, H) of the micro-benchmark


def make_data(workload, n_rows, seed=0):
    """Random float32 sequences as flat rows (C order of (T, F)) and labels."""
    rng = np.random.default_rng(seed)
    n_features = int(np.prod(WORKLOADS[workload]["input"]))
    X = rng.random((n_rows, n_features), dtype=np.float32)
    y = rng.integers(0, N_CLASSES, n_rows)
    return X, y


# ------------------------------------------------------------------ floor
def describe_gemms(workload, batch=BATCH):
    w = WORKLOADS[workload]
    (steps, features), units = w["input"], w["units"]
    width = GATES[w["cell"]] * units
    m = steps * batch
    return [
        (f"{w['cell']}: input projection ({m},{features})@({features},{width}); "
         f"{steps} x forward ({batch},{units})@({units},{width}); "
         f"{steps} x backward ({batch},{width})@({width},{units}); "
         f"dK ({features},{m})@({m},{width}); dR ({units},{m})@({m},{width})"),
        (f"dense: fwd ({batch},{units})@({units},{N_CLASSES}), "
         f"dW ({units},{batch})@({batch},{N_CLASSES}), "
         f"dX ({batch},{N_CLASSES})@({N_CLASSES},{units})"),
    ]


class Floor:
    """The epoch's matrix products alone, over preallocated operands."""

    def __init__(self, workload, n_rows):
        rng = np.random.default_rng(1)
        w = WORKLOADS[workload]
        (self.steps, features), units = w["input"], w["units"]
        width = GATES[w["cell"]] * units
        self.n_rows = n_rows

        def r(*shape):
            return rng.random(shape, dtype=np.float32)

        m = self.steps * BATCH
        self.x, self.k, self.proj = r(m, features), r(features, width), r(m, width)
        self.h, self.rk, self.gates = r(self.steps + 1, BATCH, units), r(units, width), \
            r(self.steps, BATCH, width)
        self.dh = r(BATCH, units)
        self.dk, self.drk = r(features, width), r(units, width)
        self.a, self.w, self.z = r(BATCH, units), r(units, N_CLASSES), r(BATCH, N_CLASSES)
        self.dw, self.da = r(units, N_CLASSES), r(BATCH, units)

    def __call__(self):
        """Seconds of one epoch's products (the last batch may be short)."""
        started = time.perf_counter()
        steps = self.steps
        for start in range(0, self.n_rows, BATCH):
            b = min(BATCH, self.n_rows - start)
            m = steps * b
            np.matmul(self.x[:m], self.k, out=self.proj[:m])
            for t in range(steps):
                np.matmul(self.h[t, :b], self.rk, out=self.gates[t, :b])
            np.matmul(self.a[:b], self.w, out=self.z[:b])
            np.matmul(self.a[:b].T, self.z[:b], out=self.dw)
            np.matmul(self.z[:b], self.w.T, out=self.da[:b])
            for t in range(steps - 1, -1, -1):
                np.matmul(self.gates[t, :b], self.rk.T, out=self.dh[:b])
            np.matmul(self.x[:m].T, self.proj[:m], out=self.dk)
            np.matmul(self.h[:steps, :b].reshape(m, -1).T, self.proj[:m], out=self.drk)
        return time.perf_counter() - started


# ------------------------------------------------------------------- skdl
def skdl_estimator(workload, max_iter=1):
    from skdl import NeuralNetClassifier
    from skdl import layers as L

    w = WORKLOADS[workload]
    return NeuralNetClassifier(
        layers=[getattr(L, w["cell"])(w["units"])], input_shape=w["input"],
        batch_size=BATCH, max_iter=max_iter, random_state=0,
    )


def skdl_fit_seconds(workload, X, y, backend, setup_shares):
    """Wall seconds of a fresh one-epoch fit with ``backend``; appends the
    share of it spent outside the epoch loop to ``setup_shares``."""
    from skdl import backend as skdl_backend

    with skdl_backend.use(backend):
        est = skdl_estimator(workload)
        started = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - started
    setup_shares.append(1 - est.history_[-1]["elapsed"] / seconds)
    return seconds


def skdl_layer_ms(cell, steps, features, units, backend, reps):
    """Median milliseconds of one layer's forward + backward (no input
    gradient), float32, batch 64."""
    from skdl import backend as skdl_backend
    from skdl import layers as L

    layer = getattr(L, cell)(units)
    layer.build((steps, features), np.float32)
    specs = layer.weight_specs()
    weights = [np.zeros(s.shape, np.float32) for s in specs]
    grads = [np.zeros(s.shape, np.float32) for s in specs]
    layer.bind(weights, grads)
    layer.initialize(np.random.RandomState(0))
    layer.allocate(BATCH, needs_input_gradient=False)
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, steps, features), dtype=np.float32)
    delta = rng.standard_normal((BATCH, units)).astype(np.float32)
    times = []
    with skdl_backend.use(backend):
        for i in range(reps + 3):
            started = time.perf_counter()
            layer.forward(x)
            layer.backward(delta)
            if i >= 3:
                times.append(time.perf_counter() - started)
    return 1e3 * statistics.median(times)


# ------------------------------------------------------------------ torch
def _torch_model(cell, features, units):
    import torch

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, TORCH_CELLS[cell])(features, units,
                                                            batch_first=True)
            self.out = torch.nn.Linear(units, N_CLASSES)

        def forward(self, x):
            return self.out(self.rnn(x)[0][:, -1])

    return Model()


def torch_epoch_seconds(workload, n_rows, warmup=1):
    """Seconds of one torch epoch after ``warmup`` epochs. Call it only in a
    child process (see the module docstring)."""
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    w = WORKLOADS[workload]
    (steps, features), units = w["input"], w["units"]
    model = _torch_model(w["cell"], features, units)
    X, y = make_data(workload, n_rows)
    Xt = torch.from_numpy(X.reshape(-1, steps, features))
    yt = torch.from_numpy(y.astype(np.int64))
    return timed_epoch(model, (Xt,), yt, BATCH, warmup)


def torch_layer_ms(cell, steps, features, units, reps):
    """Median milliseconds of one torch layer's forward + backward. Child
    process only."""
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    layer = getattr(torch.nn, TORCH_CELLS[cell])(features, units, batch_first=True)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((BATCH, steps, features), dtype=np.float32))
    delta = torch.from_numpy(rng.standard_normal((BATCH, units)).astype(np.float32))
    times = []
    for i in range(reps + 3):
        started = time.perf_counter()
        layer.zero_grad()
        (layer(x)[0][:, -1] * delta).sum().backward()
        if i >= 3:
            times.append(time.perf_counter() - started)
    return 1e3 * statistics.median(times)


def _child_call(expression):
    return run_torch_child("bench_rnn", expression, THREADS)


def torch_child(workload, n_rows):
    """Seconds of one torch epoch, in a fresh child process; None if torch
    cannot run."""
    return _child_call(f"b.torch_epoch_seconds({workload!r}, {n_rows})")


# ------------------------------------------------------------------ rounds
def bench_workload(workload, n_rows, rounds, with_torch):
    from skdl import backend as skdl_backend

    X, y = make_data(workload, n_rows)
    floor = Floor(workload, n_rows)
    backends = [b for b in ("numba", "numpy") if b in skdl_backend.available()]
    shares = {b: [] for b in backends}
    for b in backends:  # compile, load caches, touch the code paths
        with skdl_backend.use(b):
            skdl_estimator(workload).fit(X[:500], y[:500])
        skdl_fit_seconds(workload, X, y, b, [])
    floor()

    contenders = {}
    if with_torch:
        contenders["torch"] = lambda: torch_child(workload, n_rows)
    for b in backends:
        contenders[b] = lambda b=b: skdl_fit_seconds(workload, X, y, b, shares[b])

    floors = [floor()]
    seconds = {name: [] for name in contenders}
    ratios = {name: [] for name in contenders}
    for r in range(rounds):
        for name, timed in contenders.items():
            s = timed()
            floors.append(floor())
            if s is None:
                continue
            seconds[name].append(s)
            ratios[name].append(s / statistics.mean(floors[-2:]))
        print(f"  round {r + 1}/{rounds} ({workload}): "
              + ", ".join(f"{k} {v[-1]:.3f}s" for k, v in seconds.items() if v)
              + f", floor {floors[-1]:.3f}s; load {os.getloadavg()[0]:.1f}", flush=True)
    result = {
        "floor": statistics.median(floors),
        "seconds": {k: statistics.median(v) if v else None for k, v in seconds.items()},
        "to_floor": {k: statistics.median(v) if v else None for k, v in ratios.items()},
        "setup_share": {k: statistics.median(v) if v else None for k, v in shares.items()},
        "to_torch": {},
        "spread": {k: (min(v), max(v)) if v else None for k, v in seconds.items()},
        "best": {k: min(v) if v else None for k, v in seconds.items()},
        "best_floor": min(floors),
    }
    torch_ratios = ratios.get("torch") or []
    for b in backends:
        if len(torch_ratios) == len(ratios[b]) and torch_ratios:
            result["to_torch"][b] = statistics.median(
                ours / theirs for ours, theirs in zip(ratios[b], torch_ratios))
        else:
            result["to_torch"][b] = None
    return result


def bench_layers(cells, reps, rounds, with_torch):
    """Per (cell, case): median over ``rounds`` alternating rounds of each
    contender's median milliseconds."""
    from skdl import backend as skdl_backend

    backends = [b for b in ("numba", "numpy") if b in skdl_backend.available()]
    out = {}
    for cell in cells:
        for steps, features, units in LAYER_CASES:
            times = {name: [] for name in (["torch"] if with_torch else []) + backends}
            for _ in range(rounds):
                if with_torch:
                    value = _child_call(
                        f"b.torch_layer_ms({cell!r}, {steps}, {features}, {units}, {reps})")
                    if value is not None:
                        times["torch"].append(value)
                for b in backends:
                    times[b].append(skdl_layer_ms(cell, steps, features, units, b, reps))
            out[(cell, steps, features, units)] = {
                k: statistics.median(v) if v else None for k, v in times.items()}
    return out


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def main():
    """Run the benchmark and print Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternating rounds (default 5; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="1,000 rows, 1 round")
    parser.add_argument("--workloads", default="lstm,gru,simple_rnn",
                        help="comma-separated: lstm, gru, simple_rnn")
    parser.add_argument("--rows", type=int, default=None, help="rows per workload")
    parser.add_argument("--layer-reps", type=int, default=None,
                        help="repetitions per layer timing (default 50; 10 with --quick)")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-layers", action="store_true",
                        help="skip the per-layer micro-benchmark")
    args = parser.parse_args()
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in WORKLOADS:
            parser.error(f"unknown workload {w!r}; choose from {sorted(WORKLOADS)}")
    rounds = args.rounds or (1 if args.quick else 5)
    n_rows = args.rows or (1000 if args.quick else 6000)
    layer_reps = args.layer_reps or (10 if args.quick else 50)

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_info, threadpool_limits

    warnings.simplefilter("ignore", ConvergenceWarning)
    threadpool_limits(THREADS, user_api="blas")

    import numba
    import sklearn

    import skdl
    from skdl import backend as skdl_backend

    blas = [f"{p['internal_api']} {p.get('version')} ({p['num_threads']} threads)"
            for p in threadpool_info() if p["user_api"] == "blas"]
    print(f"# bench_rnn: {n_rows:,} rows, batch {BATCH}, float32, {rounds} rounds, "
          f"{THREADS} threads\n")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba "
          f"{numba.__version__}, scikit-learn {sklearn.__version__}; BLAS: "
          f"{', '.join(blas)}; skdl from {Path(skdl.__file__).parent}, back-ends "
          f"{skdl_backend.available()}; {os.cpu_count()} CPUs; load average at start "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    try:
        import importlib.metadata as md
        torch_version = md.version("torch")
    except Exception:  # noqa: BLE001
        torch_version = None
    with_torch = torch_version is not None and not args.no_torch
    print(f"torch {torch_version or 'not installed'} (child process per round)\n")
    if os.getloadavg()[0] > 1.0:
        print(f"WARNING: load average {os.getloadavg()[0]:.2f} at the start: other "
              "processes are running, and two-thread timings collapse when a core is "
              "taken (see bench_cnn.py's docstring).\n")

    results = {}
    started = time.perf_counter()
    for w in workloads:
        print(f"## workload {w}: {WORKLOADS[w]['name']}; GEMMs of the floor per batch:")
        for line in describe_gemms(w):
            print(f"    {line}")
        results[w] = bench_workload(w, n_rows, rounds, with_torch)
    layer_results = {} if args.no_layers else bench_layers(
        [WORKLOADS[w]["cell"] for w in workloads], layer_reps, rounds, with_torch)
    elapsed = time.perf_counter() - started

    header = ("| workload | torch s | numba s | numba/torch | numpy s | numpy/torch "
              "| numba/GEMMs | numpy/GEMMs | GEMMs s | torch/GEMMs |\n"
              "|---|---|---|---|---|---|---|---|---|---|")
    print(f"\n### One Adam epoch, {n_rows:,} rows, batch {BATCH}, float32, {THREADS} threads: "
          f"medians of {rounds} alternating rounds\n")
    print(header)
    for w, r in results.items():
        s, f, t = r["seconds"], r["to_floor"], r["to_torch"]
        print(f"| {WORKLOADS[w]['name']} | {fmt(s.get('torch'), '.3f')} "
              f"| {fmt(s.get('numba'), '.3f')} | {fmt(t.get('numba'), '.2f')}x "
              f"| {fmt(s.get('numpy'), '.3f')} | {fmt(t.get('numpy'), '.2f')}x "
              f"| {fmt(f.get('numba'), '.2f')}x | {fmt(f.get('numpy'), '.2f')}x "
              f"| {r['floor']:.3f} | {fmt(f.get('torch'), '.2f')}x |")
    print("\nTargets: numba/torch <= 1.5x, numpy/torch <= 3x. Ratios to torch are medians "
          "of per-round quotients of floor-normalised times; seconds are plain medians.")
    print("\n### The same, each contender's best round (min seconds; ratios of the minima)\n")
    print(header)
    for w, r in results.items():
        s, f = r["best"], r["best_floor"]

        def over(a, b):
            return None if a is None or b is None else a / b

        print(f"| {WORKLOADS[w]['name']} | {fmt(s.get('torch'), '.3f')} "
              f"| {fmt(s.get('numba'), '.3f')} | {fmt(over(s.get('numba'), s.get('torch')), '.2f')}x "
              f"| {fmt(s.get('numpy'), '.3f')} | {fmt(over(s.get('numpy'), s.get('torch')), '.2f')}x "
              f"| {fmt(over(s.get('numba'), f), '.2f')}x | {fmt(over(s.get('numpy'), f), '.2f')}x "
              f"| {f:.3f} | {fmt(over(s.get('torch'), f), '.2f')}x |")
    print()
    for w, r in results.items():
        spread = ", ".join(f"{k} {lo:.3f}-{hi:.3f}" for k, v in r["spread"].items()
                           if v for lo, hi in [v])
        share = ", ".join(f"{k} {100 * v:.1f}%" for k, v in r["setup_share"].items()
                          if v is not None)
        print(f"- {w}: min-max seconds over rounds: {spread}; share of skdl's fit spent "
              f"outside the epoch loop (validation, building, init): {share}")
    if layer_results:
        print(f"\n### One layer's forward + backward (no input gradient), float32, batch "
              f"{BATCH}: ms, medians of {layer_reps} repetitions, median over {rounds} "
              "rounds\n")
        print("| layer | T | F | H | torch ms | numba ms | numba/torch | numpy ms "
              "| numpy/torch |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (cell, steps, features, units), v in layer_results.items():
            t = v.get("torch")

            def rel(x, t=t):
                return None if x is None or t is None else x / t

            print(f"| {cell} | {steps} | {features} | {units} | {fmt(t, '.2f')} "
                  f"| {fmt(v.get('numba'), '.2f')} | {fmt(rel(v.get('numba')), '.2f')}x "
                  f"| {fmt(v.get('numpy'), '.2f')} | {fmt(rel(v.get('numpy')), '.2f')}x |")
        print("\n(The guide's starting points for the LSTM layer: NumPy 31 ms vs torch "
              "11.7 ms at T=28, H=128; 0.54 vs 0.57 ms at T=8, H=32.)")
    print(f"\nLoad average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"benchmark took {elapsed:.0f} s.")


if __name__ == "__main__":
    main()
