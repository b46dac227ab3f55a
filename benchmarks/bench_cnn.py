"""Speed and memory of skdl's CNNs against torch and the matrix-product floor.

Two workloads, one Adam epoch each, float32, mini-batches of 128, two
threads for every library (OpenBLAS for skdl through threadpoolctl;
``torch.set_num_threads(2)`` and ``OMP_NUM_THREADS=2`` for torch):

a. digits-size CNN, 8x8x1 input: Conv2D(32, 3, same, relu), MaxPool2D(2),
   Conv2D(64, 3, same, relu), MaxPool2D(2), Flatten, Dense(128, relu),
   Dense(10) softmax;
b. LeNet-style, 28x28x1 input: Conv2D(6, 5, same, relu), MaxPool2D(2),
   Conv2D(16, 5, valid, relu), MaxPool2D(2), Flatten, Dense(120, relu),
   Dense(84, relu), Dense(10) softmax;
c. workload a with a batch normalization after each convolution:
   Conv2D(32, 3, same), BatchNormalization, relu, MaxPool2D(2), Conv2D(64,
   3, same), BatchNormalization, relu, MaxPool2D(2), Flatten, Dense(128,
   relu), Dense(10) softmax. skdl writes the relu as an ``Activation``
   layer; torch's ``BatchNorm2d(momentum=0.01, eps=1e-3)`` is Keras's
   (skdl's) momentum 0.99 and epsilon 1e-3.

The data are synthetic (uniform random pixels, 10 random labels; 6,000 rows
each by default): the speed of an epoch does not depend on what the pixels
show, and nothing installed ships MNIST.

Contenders, per workload:

- ``skdl[numba]`` and ``skdl[numpy]``: the wall time of a fresh
  ``NeuralNetClassifier(..., max_iter=1).fit(X, y)``, taken after a warm-up
  fit of the same estimator in this process, so numba's compilation (and
  its cache loading) is excluded. The timed fit does include everything a
  user pays for one epoch: input validation, building and initialising the
  network, allocating the per-batch buffers (once per fit) and the epoch
  itself. The share of that set-up, measured from ``history_[0]["elapsed"]``
  (which starts just before the epoch loop), is printed; it is a few
  percent at most.
- ``torch``: the same architecture in channels-first tensors
  (``Conv2d(padding="same" or 0)``, ``MaxPool2d``, ``Linear``, Adam with
  lr 1e-3, ``CrossEntropyLoss``, a fresh ``randperm`` each epoch and the
  batch gathered by indexing, as skdl gathers it), one epoch timed after one
  warm-up epoch, in a child process of its own each round: torch's OpenMP
  threads keep spinning after each call and slowed every NumPy and BLAS
  measurement made after them in the same process, and torch's speed on
  LeNet was seen to be bimodal from process to process, so a fresh process
  per round lets the median see both modes.
- the floor, "GEMMs only": the same matrix products alone, per batch, into
  preallocated outputs, in this process. For each convolution the im2col
  product ``(N*OH*OW, kh*kw*C) @ (kh*kw*C, F)`` forward, and backward
  ``cols.T @ d`` and ``d @ K.T`` (the latter not for the first layer, which
  needs no input gradient); for each Dense layer ``a @ W``, ``a.T @ d`` and
  ``d @ W.T`` (the first Dense layer is not the network's first layer, so it
  too has its ``d @ W.T``). No im2col/col2im, pooling, activation, loss or
  Adam step: the floor is what BLAS alone needs.

Method, as ``bench_mlp.py``: rounds alternate the contenders, and every
timing is divided by the mean of the floor measured just before and just
after it; the machine's speed drifts by tens of percent within seconds on
these shared machines, and that ratio cancels most of the drift. Each
figure is the median over ``--rounds`` rounds. The ratios to torch are the
medians of the per-round quotients of the two floor ratios (``(skdl /
floor) / (torch / floor)``, one value per round); the seconds printed are
plain medians. A second table gives each contender's best round (its
minimum seconds, ratios of the minima).

Load: with two threads on a two-core machine, any other busy process
breaks the comparison. Both torch's OpenMP and OpenBLAS wait for their
threads at every barrier, and when one core is taken each barrier costs a
scheduler time slice: torch's epoch was seen to go from 0.5 to 15 s and the
GEMM floor from 0.25 to 5 s in the same run. Each round's line therefore
prints the load average, and a warning is printed when the machine is busy
at the start; trust a run whose rounds agree with each other.

Peak memory: in a child process per measurement, ``fit`` of skdl[numba] on
workload b for one epoch, traced by ``tracemalloc`` (NumPy reports its
buffers to it) from before X is made, minus the bytes of X itself, at
6,000 and at 60,000 rows: buffers are sized by the batch, so the peak
should barely move when the rows grow tenfold (what is left grows with the
rows: the targets, the shuffled order).

Run from the repository root::

    python benchmarks/bench_cnn.py                 # full run, 5 rounds
    python benchmarks/bench_cnn.py --rounds 9
    python benchmarks/bench_cnn.py --quick         # smoke test, a minute
    python benchmarks/bench_cnn.py --workloads b   # LeNet only
    python benchmarks/bench_cnn.py --workloads a,c # digits CNN without and with BN

torch is optional: without it the torch columns read "n/a".
"""

import argparse
import os
import platform
import statistics
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from torch_peer import run_in_child, timed_epoch
from torch_peer import torch_child as run_torch_child

BATCH = 128
N_CLASSES = 10
THREADS = 2
HERE = Path(__file__).resolve().parent

# Per workload: input (H, W, C) and the hidden layers as plain tuples, so
# that the torch child builds its model from the same description.
#   ("conv", filters, kernel, padding), ("pool", size), ("flatten",),
#   ("dense", units); every conv and dense is followed by relu, a conv with
#   a fifth entry "bn" by a batch normalization before its relu; the output
#   Dense(10) is added by skdl (from the labels) and explicitly for torch.
WORKLOADS = {
    "a": {
        "name": "digits CNN 8x8x1",
        "input": (8, 8, 1),
        "layers": [("conv", 32, 3, "same"), ("pool", 2), ("conv", 64, 3, "same"),
                   ("pool", 2), ("flatten",), ("dense", 128)],
    },
    "b": {
        "name": "LeNet 28x28x1",
        "input": (28, 28, 1),
        "layers": [("conv", 6, 5, "same"), ("pool", 2), ("conv", 16, 5, "valid"),
                   ("pool", 2), ("flatten",), ("dense", 120), ("dense", 84)],
    },
    "c": {
        "name": "digits CNN 8x8x1, BN",
        "input": (8, 8, 1),
        "layers": [("conv", 32, 3, "same", "bn"), ("pool", 2), ("conv", 64, 3, "same", "bn"),
                   ("pool", 2), ("flatten",), ("dense", 128)],
    },
}


def make_data(workload, n_rows, seed=0):
    """Random float32 images as flat rows (C order of (H, W, C)) and labels."""
    rng = np.random.default_rng(seed)
    n_features = int(np.prod(WORKLOADS[workload]["input"]))
    X = rng.random((n_rows, n_features), dtype=np.float32)
    y = rng.integers(0, N_CLASSES, n_rows)
    return X, y


# ----------------------------------------------------------------- shapes
def _conv_out(size, kernel, padding):
    return size if padding == "same" else size - kernel + 1


def gemm_shapes(workload):
    """Per layer with weights: ``(kind, rows per sample, k, n)``: the forward
    product is ``(batch * rows, k) @ (k, n)``."""
    h, w, c = WORKLOADS[workload]["input"]
    flat = None
    shapes = []
    for spec in WORKLOADS[workload]["layers"]:
        if spec[0] == "conv":
            _, filters, kernel, padding = spec[:4]
            h, w = _conv_out(h, kernel, padding), _conv_out(w, kernel, padding)
            shapes.append(("conv", h * w, kernel * kernel * c, filters))
            c = filters
        elif spec[0] == "pool":
            h, w = h // spec[1], w // spec[1]
        elif spec[0] == "flatten":
            flat = h * w * c
        elif spec[0] == "dense":
            shapes.append(("dense", 1, flat, spec[1]))
            flat = spec[1]
    shapes.append(("dense", 1, flat, N_CLASSES))
    return shapes


def describe_gemms(workload, batch=BATCH):
    """The floor's products for one full batch, as text."""
    lines = []
    for i, (kind, rows, k, n) in enumerate(gemm_shapes(workload)):
        m = batch * rows
        parts = [f"fwd ({m},{k})@({k},{n})", f"dW ({k},{m})@({m},{n})"]
        if i > 0:
            parts.append(f"dX ({m},{n})@({n},{k})")
        lines.append(f"{kind}{i + 1}: " + ", ".join(parts))
    return lines


# ------------------------------------------------------------------ floor
class Floor:
    """The epoch's matrix products alone, over preallocated operands."""

    def __init__(self, workload, n_rows):
        rng = np.random.default_rng(1)
        self.n_rows = n_rows
        self.layers = []
        for kind, rows, k, n in gemm_shapes(workload):
            m = BATCH * rows
            self.layers.append({
                "rows": rows,
                "a": rng.random((m, k), dtype=np.float32),
                "w": rng.random((k, n), dtype=np.float32),
                "z": np.empty((m, n), dtype=np.float32),
                "d": rng.random((m, n), dtype=np.float32),
                "dw": np.empty((k, n), dtype=np.float32),
                "dx": np.empty((m, k), dtype=np.float32),
            })

    def __call__(self):
        """Seconds of one epoch's products (the last batch may be short)."""
        started = time.perf_counter()
        for start in range(0, self.n_rows, BATCH):
            b = min(BATCH, self.n_rows - start)
            for L in self.layers:
                m = b * L["rows"]
                np.matmul(L["a"][:m], L["w"], out=L["z"][:m])
            for i in range(len(self.layers) - 1, -1, -1):
                L = self.layers[i]
                m = b * L["rows"]
                np.matmul(L["a"][:m].T, L["d"][:m], out=L["dw"])
                if i > 0:
                    np.matmul(L["d"][:m], L["w"].T, out=L["dx"][:m])
        return time.perf_counter() - started


# ------------------------------------------------------------------- skdl
def skdl_layers(workload):
    from skdl.layers import Activation, BatchNormalization, Conv2D, Dense, Flatten, MaxPool2D

    out = []
    for spec in WORKLOADS[workload]["layers"]:
        if spec[0] == "conv" and spec[4:] == ("bn",):
            out += [Conv2D(spec[1], spec[2], padding=spec[3]), BatchNormalization(),
                    Activation("relu")]
        elif spec[0] == "conv":
            out.append(Conv2D(spec[1], spec[2], padding=spec[3], activation="relu"))
        elif spec[0] == "pool":
            out.append(MaxPool2D(spec[1]))
        elif spec[0] == "flatten":
            out.append(Flatten())
        else:
            out.append(Dense(spec[1], activation="relu"))
    return out


def skdl_estimator(workload, max_iter=1):
    from skdl import NeuralNetClassifier

    return NeuralNetClassifier(
        layers=skdl_layers(workload), input_shape=WORKLOADS[workload]["input"],
        solver="adam", batch_size=BATCH, max_iter=max_iter, learning_rate_init=1e-3,
        alpha=0.0, tol=0.0, n_iter_no_change=10**6, random_state=0,
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


# ------------------------------------------------------------------ torch
def torch_epoch_seconds(workload, n_rows, warmup=1):
    """Seconds of one torch epoch after ``warmup`` epochs. Call it only in a
    child process (see the module docstring)."""
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    h, w, c = WORKLOADS[workload]["input"]
    mods = []
    flat = None
    for spec in WORKLOADS[workload]["layers"]:
        if spec[0] == "conv":
            _, filters, kernel, padding = spec[:4]
            mods.append(torch.nn.Conv2d(c, filters, kernel,
                                        padding="same" if padding == "same" else 0))
            if spec[4:] == ("bn",):
                mods.append(torch.nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01))
            mods.append(torch.nn.ReLU())
            h, w, c = _conv_out(h, kernel, padding), _conv_out(w, kernel, padding), filters
        elif spec[0] == "pool":
            mods.append(torch.nn.MaxPool2d(spec[1]))
            h, w = h // spec[1], w // spec[1]
        elif spec[0] == "flatten":
            mods.append(torch.nn.Flatten())
            flat = h * w * c
        else:
            mods += [torch.nn.Linear(flat, spec[1]), torch.nn.ReLU()]
            flat = spec[1]
    mods.append(torch.nn.Linear(flat, N_CLASSES))
    model = torch.nn.Sequential(*mods)
    X, y = make_data(workload, n_rows)
    H, W, C = WORKLOADS[workload]["input"]
    Xt = torch.from_numpy(np.ascontiguousarray(X.reshape(-1, H, W, C).transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y.astype(np.int64))
    return timed_epoch(model, (Xt,), yt, BATCH, warmup)


def torch_child(workload, n_rows):
    """Seconds of one torch epoch, in a fresh child process; None if torch
    cannot run."""
    return run_torch_child("bench_cnn", f"b.torch_epoch_seconds({workload!r}, {n_rows})",
                           THREADS)


# ----------------------------------------------------------------- memory
def memory_child(workload, n_rows):
    """In this (child) process: traced peak bytes of a one-epoch skdl[numba]
    fit, counted from before X is made, and X's bytes."""
    from skdl import backend as skdl_backend

    warnings.simplefilter("ignore")
    with skdl_backend.use("numba"):
        Xw, yw = make_data(workload, 300, seed=1)
        skdl_estimator(workload).fit(Xw, yw)  # loads the numba cache, imports
        del Xw, yw
        tracemalloc.start()
        X, y = make_data(workload, n_rows)
        skdl_estimator(workload).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"peak": peak, "x": X.nbytes, "y": y.nbytes}


def memory_lines(workload, rows_list):
    lines = []
    for n_rows in rows_list:
        value, error = run_in_child("bench_cnn", f"b.memory_child({workload!r}, {n_rows})",
                                    THREADS)
        if error:
            lines.append(f"- {n_rows:,} rows: child failed: {error}")
            continue
        mb = 2**20
        lines.append(
            f"- workload {workload}, {n_rows:,} rows: X itself {value['x'] / mb:.1f} MB; "
            f"tracemalloc peak of fit {value['peak'] / mb:.1f} MB; "
            f"peak minus X {(value['peak'] - value['x']) / mb:.1f} MB "
            f"(y is {value['y'] / mb:.2f} MB of it)")
    return lines


# ------------------------------------------------------------------ rounds
def bench_workload(workload, n_rows, rounds, with_torch):
    from skdl import backend as skdl_backend

    X, y = make_data(workload, n_rows)
    floor = Floor(workload, n_rows)
    backends = [b for b in ("numba", "numpy") if b in skdl_backend.available()]
    shares = {b: [] for b in backends}
    for b in backends:  # compile, load caches, touch the code paths
        with skdl_backend.use(b):
            skdl_estimator(workload).fit(X[:1000], y[:1000])
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


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def main():
    """Run the benchmark and print Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternating rounds (default 5; 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="1,000 rows, 1 round, memory at 1,000 and 10,000 rows")
    parser.add_argument("--workloads", default="a,b,c", help="comma-separated: a, b, c")
    parser.add_argument("--rows", type=int, default=None, help="rows per workload")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in WORKLOADS:
            parser.error(f"unknown workload {w!r}; choose from {sorted(WORKLOADS)}")
    rounds = args.rounds or (1 if args.quick else 5)
    n_rows = args.rows or (1000 if args.quick else 6000)
    memory_rows = (1000, 10000) if args.quick else (6000, 60000)

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_info, threadpool_limits

    warnings.simplefilter("ignore", ConvergenceWarning)
    threadpool_limits(THREADS, user_api="blas")

    import numba
    import sklearn

    from skdl import backend as skdl_backend

    blas = [f"{p['internal_api']} {p.get('version')} {p.get('architecture', '')} "
            f"({p['num_threads']} threads)"
            for p in threadpool_info() if p["user_api"] == "blas"]
    print(f"# bench_cnn: {n_rows:,} rows, batch {BATCH}, float32, {rounds} rounds, "
          f"{THREADS} threads\n")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba "
          f"{numba.__version__}, scikit-learn {sklearn.__version__}; BLAS: "
          f"{', '.join(blas)}; skdl back-ends {skdl_backend.available()}; "
          f"{os.cpu_count()} CPUs; load average at start "
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
              "taken (see the module docstring).\n")

    results = {}
    started = time.perf_counter()
    for w in workloads:
        print(f"## workload {w}: {WORKLOADS[w]['name']}; GEMMs of the floor per batch:")
        for line in describe_gemms(w):
            print(f"    {line}")
        results[w] = bench_workload(w, n_rows, rounds, with_torch)

    mem = [] if args.no_memory else memory_lines("b", memory_rows)
    elapsed = time.perf_counter() - started

    print(f"\n### One Adam epoch, {n_rows:,} rows, batch {BATCH}, float32, {THREADS} threads: "
          f"medians of {rounds} alternating rounds\n")
    print("| workload | torch s | numba s | numba/torch | numpy s | numpy/torch "
          "| numba/GEMMs | numpy/GEMMs | GEMMs s | torch/GEMMs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for w, r in results.items():
        s, f, t = r["seconds"], r["to_floor"], r["to_torch"]
        print(f"| ({w}) {WORKLOADS[w]['name']} | {fmt(s.get('torch'), '.3f')} "
              f"| {fmt(s.get('numba'), '.3f')} | {fmt(t.get('numba'), '.2f')}x "
              f"| {fmt(s.get('numpy'), '.3f')} | {fmt(t.get('numpy'), '.2f')}x "
              f"| {fmt(f.get('numba'), '.2f')}x | {fmt(f.get('numpy'), '.2f')}x "
              f"| {r['floor']:.3f} | {fmt(f.get('torch'), '.2f')}x |")
    print("\nTargets: numba/torch <= 1.0x on (a) and (c), <= 1.5x on (b); numpy/torch <= 3x "
          "on all. Ratios to torch are medians of per-round quotients of floor-normalised "
          "times; seconds are plain medians.")
    print("\n### The same, each contender's best round (min seconds; ratios of the minima)\n")
    print("| workload | torch s | numba s | numba/torch | numpy s | numpy/torch "
          "| numba/GEMMs | numpy/GEMMs | GEMMs s | torch/GEMMs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for w, r in results.items():
        s, f = r["best"], r["best_floor"]

        def over(a, b):
            return None if a is None or b is None else a / b

        print(f"| ({w}) {WORKLOADS[w]['name']} | {fmt(s.get('torch'), '.3f')} "
              f"| {fmt(s.get('numba'), '.3f')} | {fmt(over(s.get('numba'), s.get('torch')), '.2f')}x "
              f"| {fmt(s.get('numpy'), '.3f')} | {fmt(over(s.get('numpy'), s.get('torch')), '.2f')}x "
              f"| {fmt(over(s.get('numba'), f), '.2f')}x | {fmt(over(s.get('numpy'), f), '.2f')}x "
              f"| {f:.3f} | {fmt(over(s.get('torch'), f), '.2f')}x |")
    print("\nBest rounds show what each library does when the machine leaves it alone; "
          "on a loaded machine two-thread OpenMP (torch) and OpenBLAS collapse by "
          "up to 30x when a core is taken, and medians then mostly measure the load.\n")
    for w, r in results.items():
        spread = ", ".join(f"{k} {lo:.3f}-{hi:.3f}" for k, v in r["spread"].items()
                           if v for lo, hi in [v])
        share = ", ".join(f"{k} {100 * v:.1f}%" for k, v in r["setup_share"].items()
                          if v is not None)
        print(f"- ({w}) min-max seconds over rounds: {spread}; share of skdl's fit spent "
              f"outside the epoch loop (validation, building, init): {share}")
    if mem:
        print("\n### Peak memory of fit, skdl[numba], workload b, 1 epoch (tracemalloc, "
              "child process each)\n")
        for line in mem:
            print(line)
    print(f"\nLoad average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"benchmark took {elapsed:.0f} s.")


if __name__ == "__main__":
    main()
