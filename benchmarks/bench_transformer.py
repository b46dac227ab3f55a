"""Speed of skdl's pre-norm transformer blocks against torch and the
matrix-product floor.

The workload (issue 25): sequences of 64 steps of 64 float32 features, two
pre-norm transformer blocks (d=64, 4 heads of 16, feed-forward 128), a
global average pool and a softmax output over 10 classes; one Adam epoch
of mini-batches of 64, two threads for every library::

    Residual([LayerNormalization(), MultiHeadAttention(4, 16)])
    Residual([LayerNormalization(), Dense(128, "relu"), Dense(64)])
    (twice), GlobalAveragePooling1D(), Dense(10, "softmax")

The sequences are random floats fed as they are (no Embedding): an epoch's
speed does not depend on what they hold.

Contenders:

- ``skdl[numba]`` and ``skdl[numpy]``: the wall time of a fresh
  ``NeuralNetClassifier(..., max_iter=1).fit(X, y)``, after a warm-up fit
  in this process (numba's compilation excluded), set-up included.
- ``torch``: the same architecture (``LayerNorm(64, eps=1e-3)``,
  ``MultiheadAttention(64, 4, batch_first=True)``, ``Linear`` layers, the
  mean over steps), Adam with lr 1e-3, one epoch timed after a warm-up
  epoch, in a fresh child process each round (see bench_cnn.py for why).
- the floor, "GEMMs only": the network's matrix products alone, per batch,
  into preallocated outputs: each block's three projections at once, its
  scores ``Q @ K.T`` and weighted values ``A @ V`` per head, the output
  projection and the two feed-forward products, each forward and its two
  backward products.

Method, as bench_rnn.py: rounds alternate the contenders, each timing is
divided by the mean of the floor measured just before and after it, and
the ratios to torch are medians of the per-round quotients; a second line
gives each contender's best round. Run the benchmark with OpenBLAS on its
own kernel for the CPU (see docs/benchmarks.rst)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_transformer.py
    ... python benchmarks/bench_transformer.py --rounds 9 --rows 4096

torch is optional (``PYTHONPATH`` may point to it): without it the torch
column reads "n/a".
"""

import argparse
import os
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from torch_peer import timed_epoch
from torch_peer import torch_child as run_torch_child

BATCH = 64
STEPS, D_MODEL, HEADS, KEY_DIM, FFN = 64, 64, 4, 16, 128
N_CLASSES = 10
THREADS = 2
HERE = Path(__file__).resolve().parent


def make_data(n_rows, seed=0):
    """Random float32 sequences as flat rows, and labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, STEPS * D_MODEL), dtype=np.float32)
    return X, rng.integers(0, N_CLASSES, n_rows)


def skdl_estimator():
    from skdl import NeuralNetClassifier
    from skdl.layers import (Dense, GlobalAveragePooling1D, LayerNormalization,
                             MultiHeadAttention, Residual)

    blocks = []
    for _ in range(2):
        blocks += [Residual([LayerNormalization(), MultiHeadAttention(HEADS, KEY_DIM)]),
                   Residual([LayerNormalization(), Dense(FFN, activation="relu"),
                             Dense(D_MODEL)])]
    return NeuralNetClassifier(layers=[*blocks, GlobalAveragePooling1D()],
                               input_shape=(STEPS, D_MODEL), batch_size=BATCH, max_iter=1,
                               random_state=0)


def skdl_fit_seconds(X, y, backend):
    from skdl import backend as skdl_backend

    with skdl_backend.use(backend), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = skdl_estimator()
        started = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - started


def torch_epoch_seconds(n_rows, threads=THREADS, warmup=1):
    """Seconds of one torch epoch after ``warmup`` epochs; run it in a child
    process."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(D_MODEL, eps=1e-3)
            self.attention = nn.MultiheadAttention(D_MODEL, HEADS, batch_first=True)

        def forward(self, x):
            h = self.norm(x)
            return x + self.attention(h, h, h, need_weights=False)[0]

    class FeedForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(D_MODEL, eps=1e-3)
            self.inner = nn.Linear(D_MODEL, FFN)
            self.outer = nn.Linear(FFN, D_MODEL)

        def forward(self, x):
            return x + self.outer(torch.relu(self.inner(self.norm(x))))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.Sequential(Attention(), FeedForward(), Attention(), FeedForward())
            self.out = nn.Linear(D_MODEL, N_CLASSES)

        def forward(self, x):
            return self.out(self.blocks(x).mean(dim=1))

    model = Model()
    X, y = make_data(n_rows)
    Xt = torch.from_numpy(X.reshape(-1, STEPS, D_MODEL))
    yt = torch.from_numpy(y.astype(np.int64))
    return timed_epoch(model, (Xt,), yt, BATCH, warmup)


def torch_child(n_rows, threads):
    """One torch epoch's seconds in a fresh child process, or None."""
    return run_torch_child("bench_transformer", f"b.torch_epoch_seconds({n_rows}, {threads})",
                           threads)


class Floor:
    """The epoch's matrix products alone, in float32 (see the docstring)."""

    def __init__(self, n_rows):
        rng = np.random.default_rng(0)
        self.n_batches = -(-n_rows // BATCH)
        rows, hk = BATCH * STEPS, HEADS * KEY_DIM

        def array(*shape):
            return rng.standard_normal(shape, dtype=np.float32)

        # (a, b, out) of every product, forward and backward, of one block pair
        shapes = [
            ((rows, D_MODEL), (D_MODEL, 3 * hk)),  # projections
            ((BATCH, HEADS, STEPS, KEY_DIM), (BATCH, HEADS, KEY_DIM, STEPS)),  # scores
            ((BATCH, HEADS, STEPS, STEPS), (BATCH, HEADS, STEPS, KEY_DIM)),  # A @ V
            ((rows, hk), (hk, D_MODEL)),  # output projection
            ((rows, D_MODEL), (D_MODEL, FFN)),
            ((rows, FFN), (FFN, D_MODEL)),
        ]
        self.products = []
        for a_shape, b_shape in shapes:
            a, b = array(*a_shape), array(*b_shape)
            out = np.matmul(a, b)
            swap = (*range(a.ndim - 2), a.ndim - 1, a.ndim - 2)
            # forward a @ b; backward a.T @ d and d @ b.T
            self.products += [(a, b, out), (a.transpose(swap), out, np.empty_like(b)),
                              (out, b.transpose(swap), np.empty_like(a))]

    def __call__(self):
        started = time.perf_counter()
        for _ in range(self.n_batches):
            for _ in range(2):  # two blocks of each kind
                for a, b, out in self.products:
                    np.matmul(a, b, out=out)
        return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads of every library (1 steadies a busy machine)")
    args = parser.parse_args()

    from threadpoolctl import threadpool_info, threadpool_limits

    from skdl import backend as skdl_backend

    threadpool_limits(args.threads)
    blas = [(i.get("internal_api"), i.get("architecture"), i.get("num_threads"))
            for i in threadpool_info() if i.get("user_api") == "blas"]
    print(f"BLAS: {blas}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}; "
          f"load {os.getloadavg()[0]:.1f}")
    X, y = make_data(args.rows)
    floor = Floor(args.rows)
    backends = [b for b in ("numba", "numpy") if b in skdl_backend.available()]
    for b in backends:  # compile and warm up
        skdl_fit_seconds(X[:256], y[:256], b)
    contenders = {} if args.no_torch else {"torch": lambda: torch_child(args.rows, args.threads)}
    for b in backends:
        contenders[b] = lambda b=b: skdl_fit_seconds(X, y, b)
    floors = [floor()]
    seconds = {name: [] for name in contenders}
    ratios = {name: [] for name in contenders}
    for r in range(args.rounds):
        for name, timed in contenders.items():
            s = timed()
            floors.append(floor())
            if s is not None:
                seconds[name].append(s)
                ratios[name].append(s / statistics.mean(floors[-2:]))
        print(f"  round {r + 1}/{args.rounds}: "
              + ", ".join(f"{k} {v[-1]:.3f}s" for k, v in seconds.items() if v)
              + f", floor {floors[-1]:.3f}s; load {os.getloadavg()[0]:.1f}", flush=True)

    print(f"\n{args.rows} rows, batches of {BATCH}, {args.threads} threads, medians of "
          f"{args.rounds} rounds "
          f"(floor {statistics.median(floors):.3f}s, best {min(floors):.3f}s)")
    print(f"{'contender':<14}{'seconds':>9}{'x floor':>9}{'x torch':>9}"
          f"{'best s':>9}{'best x torch':>14}")
    torch_ratios, torch_best = ratios.get("torch") or [], min(seconds.get("torch") or [0]) or None
    for name in contenders:
        if not seconds[name]:
            print(f"{name:<14}{'n/a':>9}")
            continue
        to_torch = best_to_torch = "n/a"
        if name != "torch" and len(torch_ratios) == len(ratios[name]) and torch_ratios:
            to_torch = f"{statistics.median(o / t for o, t in zip(ratios[name], torch_ratios)):.2f}"
            best_to_torch = f"{min(seconds[name]) / torch_best:.2f}"
        print(f"{name:<14}{statistics.median(seconds[name]):>9.3f}"
              f"{statistics.median(ratios[name]):>9.2f}{to_torch:>9}"
              f"{min(seconds[name]):>9.3f}{best_to_torch:>14}")


if __name__ == "__main__":
    main()
