"""Speed of skdl's MLP against the matrix-product floor, scikit-learn and torch.

Everything is measured side by side in one process run and reported as
ratios to the floor: the time of the same matrix products alone (per batch,
``a @ W`` for each layer forward, ``a.T @ d`` for each layer and ``d @ W.T``
for all but the first backward), at the same dtype and batch size. Every
timing is divided by the mean of the floor measured just before and just
after it, and each figure is the median of ``--repeats`` such rounds: on
shared machines the speed of the whole machine drifts by tens of percent
within seconds, and a ratio to a floor measured around it cancels most of
that drift.

Run from the repository root::

    python benchmarks/bench_mlp.py            # full tables (a few minutes)
    python benchmarks/bench_mlp.py --quick    # smaller, for a smoke test

torch is optional: its column is filled when it imports; it runs in a child
process, because its spinning OpenMP threads would slow every measurement
taken after it in this one.
"""

import argparse
import statistics
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP

from skdl import MLPClassifier
from skdl import backend as skdl_backend

warnings.simplefilter("ignore", ConvergenceWarning)

N_FEATURES, N_CLASSES, BATCH = 784, 10, 200


def make_data(n_rows, dtype, seed=0):
    """Random inputs and labels like the benchmark's work."""
    rng = np.random.RandomState(seed)
    return rng.rand(n_rows, N_FEATURES).astype(dtype), rng.randint(0, N_CLASSES, n_rows)


def layer_sizes(hidden):
    return [N_FEATURES, *hidden, N_CLASSES]


def floor_epoch(X, hidden):
    """Seconds of one epoch's matrix products alone, into preallocated outputs."""
    rng = np.random.RandomState(1)
    sizes = layer_sizes(hidden)
    weights = [rng.rand(a, b).astype(X.dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [np.empty((BATCH, b), dtype=X.dtype) for b in sizes[1:]]
    deltas = [np.empty((BATCH, b), dtype=X.dtype) for b in sizes[1:]]
    grads = [np.empty_like(w) for w in weights]
    started = time.perf_counter()
    for start in range(0, X.shape[0] - BATCH + 1, BATCH):
        a = X[start : start + BATCH]
        inputs = [a]
        for i, w in enumerate(weights):
            np.matmul(inputs[i], w, out=acts[i])
            inputs.append(acts[i])
        deltas[-1][...] = acts[-1]
        for i in range(len(weights) - 1, -1, -1):
            np.matmul(inputs[i].T, deltas[i], out=grads[i])
            if i > 0:
                np.matmul(deltas[i], weights[i].T, out=deltas[i - 1])
    return time.perf_counter() - started


def forward_floor(X, hidden):
    """Seconds of the forward products alone over all of X."""
    rng = np.random.RandomState(1)
    sizes = layer_sizes(hidden)
    weights = [rng.rand(a, b).astype(X.dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    started = time.perf_counter()
    a = X
    for w in weights:
        a = a @ w
    return time.perf_counter() - started


def epoch_time(make_estimator, X, y, epochs):
    """Seconds per epoch: (fit of ``epochs`` - fit of 1) / (epochs - 1), so
    that set-up costs shared by both fits cancel."""
    times = {}
    for n in (1, epochs):
        est = make_estimator(n)
        started = time.perf_counter()
        est.fit(X, y)
        times[n] = time.perf_counter() - started
    return (times[epochs] - times[1]) / (epochs - 1)


def skdl_factory(hidden, **params):
    return lambda n: MLPClassifier(hidden, solver="adam", batch_size=BATCH, max_iter=n,
                                   tol=0.0, n_iter_no_change=10**6, random_state=0,
                                   **params)


def sklearn_factory(hidden, **params):
    return lambda n: SklearnMLP(hidden, solver="adam", batch_size=BATCH, max_iter=n,
                                tol=0.0, n_iter_no_change=10**6, random_state=0, **params)


def torch_epoch(X, y, hidden, epochs):
    """Seconds per epoch of the equivalent torch CPU loop.

    Call it only in a process of its own (see :func:`torch_ratio`): torch's
    OpenMP threads keep spinning after each call and slow every NumPy and
    BLAS measurement made after them in the same process.
    """
    import torch

    torch.manual_seed(0)
    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    sizes = layer_sizes(hidden)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))

    def run_epoch():
        order = torch.randperm(len(yt))
        for start in range(0, len(yt), BATCH):
            rows = order[start : start + BATCH]
            opt.zero_grad()
            loss_fn(model(Xt[rows]), yt[rows]).backward()
            opt.step()

    run_epoch()  # warm-up
    started = time.perf_counter()
    for _ in range(epochs - 1):
        run_epoch()
    return (time.perf_counter() - started) / (epochs - 1)


def torch_ratio(n_rows, hidden, dtype, epochs, repeats):
    """Median ratio of the torch loop to the floor, both measured in a child
    process (so torch's threads cannot disturb this one), or None when the
    child fails (torch not installed)."""
    import json
    import subprocess
    import sys

    code = (
        "import json, statistics, sys; sys.path.insert(0, {dir!r}); import bench_mlp as b; "
        "import numpy as np; X, y = b.make_data({n}, np.{dtype})\n"
        "_, ratios = b.bracketed_ratios(lambda: b.floor_epoch(X, {hidden}), "
        "{{'torch': lambda: b.torch_epoch(X, y, {hidden}, {epochs})}}, {repeats})\n"
        "print(json.dumps(statistics.median(ratios['torch'])))"
    ).format(dir=str(__import__("pathlib").Path(__file__).parent), n=n_rows,
             dtype=np.dtype(dtype).name, repeats=repeats, hidden=tuple(hidden),
             epochs=epochs)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(fn, repeats):
    return statistics.median(fn() for _ in range(repeats))


def bracketed_ratios(floor, contenders, repeats):
    """Per round, each contender's seconds over the mean of the floor timed
    just before and just after it.

    Parameters
    ----------
    floor : callable returning seconds
    contenders : dict of name -> callable returning seconds
    repeats : int

    Returns
    -------
    floors : list of float
        Every floor measurement.
    ratios : dict of name -> list of float
        One ratio per round.
    """
    floors, ratios = [floor()], {name: [] for name in contenders}
    for _ in range(repeats):
        for name, timed in contenders.items():
            seconds = timed()
            floors.append(floor())
            ratios[name].append(seconds / statistics.mean(floors[-2:]))
    return floors, ratios


def peak_memory(make, X, y):
    """Peak bytes allocated (tracemalloc sees NumPy's buffers) during fit."""
    tracemalloc.start()
    make(3).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def lbfgs_iteration(cls, X, y, hidden, iterations=10):
    est = cls(hidden, solver="lbfgs", max_iter=iterations, random_state=0)
    started = time.perf_counter()
    est.fit(X, y)
    return (time.perf_counter() - started) / est.n_iter_


def _with_backend(name, timed):
    with skdl_backend.use(name):
        return timed()


def main_table(n_rows, hidden, epochs, repeats):
    print(f"\n### Adam epoch, {n_rows} rows, hidden {hidden}, batch {BATCH}: time / floor "
          f"(median of {repeats} rounds; each time is over the floor measured just "
          "before and after it)\n")
    backends = skdl_backend.available()
    print("| dtype | floor s/epoch | " + " | ".join(
        [f"skdl[{b}]" for b in backends] + ["scikit-learn", "torch CPU",
                                            "skdl[numpy] speed-up over scikit-learn"]) + " |")
    print("|---" * (5 + len(backends)) + "|")
    for dtype in (np.float32, np.float64):
        X, y = make_data(n_rows, dtype)
        for name in backends:  # compile and warm up every back-end first
            with skdl_backend.use(name):
                skdl_factory(hidden)(2).fit(X[:1000], y[:1000])
        contenders = {}
        for name in backends:
            contenders[name] = lambda name=name: _with_backend(
                name, lambda: epoch_time(skdl_factory(hidden), X, y, epochs))
        contenders["sklearn"] = lambda: epoch_time(sklearn_factory(hidden), X, y, epochs)
        floors, ratios = bracketed_ratios(lambda: floor_epoch(X, hidden), contenders, repeats)
        floor = statistics.median(floors)
        cells = [f"{statistics.median(ratios[key]):.2f}x" for key in [*backends, "sklearn"]]
        torch = torch_ratio(n_rows, hidden, dtype, epochs + 1, repeats)
        cells.append("not installed" if torch is None else f"{torch:.2f}x")
        speedup = statistics.median(
            theirs / ours for theirs, ours in zip(ratios["sklearn"], ratios["numpy"]))
        cells.append(f"{speedup:.2f}x")
        print(f"| {dtype.__name__} | {floor:.3f} | " + " | ".join(cells) + " |")


def predict_table(n_rows, hidden, repeats):
    print(f"\n### predict_proba on {n_rows} rows (ratio to the forward products)\n")
    print("| dtype | forward floor s | skdl | scikit-learn |\n|---|---|---|---|")
    for dtype in (np.float32, np.float64):
        X, y = make_data(n_rows, dtype)
        ours = skdl_factory(hidden)(1).fit(X[:2000], y[:2000])
        theirs = sklearn_factory(hidden)(1).fit(X[:2000], y[:2000])

        def timed(est):
            started = time.perf_counter()
            est.predict_proba(X)
            return time.perf_counter() - started

        floors, ratios = bracketed_ratios(
            lambda: forward_floor(X, hidden),
            {"skdl": lambda: timed(ours), "sklearn": lambda: timed(theirs)}, repeats)
        cells = [f"{statistics.median(ratios[key]):.2f}x" for key in ("skdl", "sklearn")]
        print(f"| {dtype.__name__} | {statistics.median(floors):.4f} | " + " | ".join(cells)
              + " |")


def lbfgs_and_memory_table(n_rows, hidden, repeats):
    print(f"\n### L-BFGS seconds per iteration and peak memory of fit ({n_rows} rows)\n")
    print("| dtype | L-BFGS skdl / scikit-learn | peak MB skdl | peak MB scikit-learn |\n"
          "|---|---|---|---|")
    for dtype in (np.float32, np.float64):
        X, y = make_data(n_rows, dtype)
        ours = median(lambda: lbfgs_iteration(MLPClassifier, X, y, hidden), repeats)
        theirs = median(lambda: lbfgs_iteration(SklearnMLP, X, y, hidden), repeats)
        mem_ours = peak_memory(skdl_factory(hidden), X, y) / 2**20
        mem_theirs = peak_memory(sklearn_factory(hidden), X, y) / 2**20
        print(f"| {dtype.__name__} | {ours / theirs:.2f} | {mem_ours:.1f} | {mem_theirs:.1f} |")


def scaling_table(rows_list, widths, epochs, repeats):
    print(f"\n### Scaling (float32, skdl[{skdl_backend.active()}]): seconds per Adam epoch "
          "and ratio to the floor\n")
    print("| rows | hidden | s/epoch | ratio to floor |\n|---|---|---|---|")
    cases = [(n, (256, 128)) for n in rows_list] + [(20000, (w, w // 2)) for w in widths]
    for n_rows, hidden in cases:
        X, y = make_data(n_rows, np.float32)
        seconds = []

        def timed():
            seconds.append(epoch_time(skdl_factory(hidden), X, y, epochs))
            return seconds[-1]

        _, ratios = bracketed_ratios(lambda: floor_epoch(X, hidden), {"skdl": timed}, repeats)
        print(f"| {n_rows} | {hidden} | {statistics.median(seconds):.3f} | "
              f"{statistics.median(ratios['skdl']):.2f}x |")


def large_data_table(n_rows):
    print(f"\n### One Adam epoch on {n_rows} x 100 float32 rows: peak memory allocated "
          "during fit, beyond X itself\n")
    rng = np.random.RandomState(0)
    X = rng.rand(n_rows, 100).astype(np.float32)
    y = rng.randint(0, N_CLASSES, n_rows)
    print(f"X itself: {X.nbytes / 2**20:.0f} MB\n")
    print("| estimator | peak MB | seconds |\n|---|---|---|")
    for name, est in [("skdl", MLPClassifier((64,), max_iter=1, random_state=0)),
                      ("scikit-learn", SklearnMLP((64,), max_iter=1, random_state=0))]:
        tracemalloc.start()
        started = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"| {name} | {peak / 2**20:.1f} | {seconds:.1f} |")


def main():
    """Print the benchmark's tables as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    n_rows = 2000 if quick else 20000
    epochs = 2 if quick else 4
    print(f"back-ends: {skdl_backend.available()}; default: {skdl_backend.active()}")
    main_table(n_rows, (256, 128), epochs, repeats)
    predict_table(n_rows, (256, 128), repeats)
    lbfgs_and_memory_table(2000 if quick else 5000, (256, 128), repeats)
    scaling_table([1000, 2000] if quick else [1000, 10000, 100000],
                  [64] if quick else [64, 256, 1024], epochs, max(1, repeats // 2))
    large_data_table(100_000 if quick else 1_000_000)


if __name__ == "__main__":
    main()
