"""Speed of a masked text model, ``Embedding(20000, 64, mask_zero=True)``
then ``LSTM(64)``, against torch and the matrix-product floor.

The workload: sequences of 200 token ids out of 20,000, of lengths drawn
uniformly from 50 to 200 and post-padded with 0 (as ``TextVectorization``
pads), two classes; one Adam epoch, float32, mini-batches of 64, two
threads for every library.

Contenders:

- ``skdl[numba]`` and ``skdl[numpy]``: the wall time of a fresh
  ``NeuralNetClassifier(layers=[Embedding(20000, 64, mask_zero=True),
  LSTM(64)], input_shape=(200,), batch_size=64, max_iter=1).fit(X, y)``,
  after a warm-up fit in this process (numba's compilation excluded). The
  LSTM runs every step of every row; the mask makes a padded step keep its
  state.
- ``torch``: what a torch user writes for the same model:
  ``nn.Embedding(20000, 64, padding_idx=0)``, ``nn.LSTM(64, 64,
  batch_first=True)`` over ``pack_padded_sequence`` of the batch's lengths
  (so padded steps are not computed at all), the last state ``h_n`` into
  ``nn.Linear(64, 2)``, ``CrossEntropyLoss`` and Adam (lr 1e-3); a fresh
  ``randperm`` per epoch, one epoch timed after a warm-up one, in a child
  process of its own each round.
- ``torch (unpacked)``: the same without ``pack_padded_sequence``, the
  padding read as data (what skdl computes, but not what masking gives): a
  reference for the cost of torch's packed path, whose backward pass on
  the CPU is the slower one.
- the floor, "GEMMs only": the LSTM's and the Dense layer's matrix products
  of the epoch over every step (as skdl computes them), into preallocated
  outputs: the input projection ``(200 b, 64) @ (64, 256)``, one ``(b, 64)
  @ (64, 256)`` per step forward and ``(b, 256) @ (256, 64)`` backward, the
  kernels' gradients and the input's gradient (the embedding needs it).

Method, as ``bench_rnn.py``: rounds alternate the contenders, each timing
divided by the mean of the floor measured just before and after it; ratios
to torch are medians of per-round quotients; each contender's best round is
printed next to the medians.

Run from the repository root, with OpenBLAS on its own kernel (see the
guide), torch importable in the child (``--torch-path``)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_embedding_lstm.py \\
        --torch-path /path/to/torch/site --rounds 5
    python benchmarks/bench_embedding_lstm.py --quick      # smoke test
"""

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
from torch_peer import timed_epoch
from torch_peer import torch_child as run_torch_child

BATCH = 64
VOCABULARY = 20000
DIM = 64
UNITS = 64
STEPS = 200
LENGTHS = (50, 200)
THREADS = 2
HERE = Path(__file__).resolve().parent


def make_data(n_rows, seed=0):
    """Post-padded id sequences as float32 rows, their lengths and labels."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(LENGTHS[0], LENGTHS[1] + 1, n_rows)
    X = rng.integers(1, VOCABULARY, (n_rows, STEPS)).astype(np.float32)
    X[np.arange(STEPS)[np.newaxis, :] >= lengths[:, np.newaxis]] = 0
    y = rng.integers(0, 2, n_rows)
    return X, lengths, y


class Floor:
    """The epoch's matrix products alone, over preallocated operands."""

    def __init__(self, n_rows):
        rng = np.random.default_rng(1)

        def r(*shape):
            return rng.random(shape, dtype=np.float32)

        m, width = STEPS * BATCH, 4 * UNITS
        self.n_rows = n_rows
        self.x, self.k, self.proj, self.dx = r(m, DIM), r(DIM, width), r(m, width), r(m, DIM)
        self.h, self.rk = r(STEPS + 1, BATCH, UNITS), r(UNITS, width)
        self.gates, self.dh = r(STEPS, BATCH, width), r(BATCH, UNITS)
        self.dk, self.drk = r(DIM, width), r(UNITS, width)
        self.w, self.z, self.dw = r(UNITS, 2), r(BATCH, 2), r(UNITS, 2)

    def __call__(self):
        started = time.perf_counter()
        for start in range(0, self.n_rows, BATCH):
            b = min(BATCH, self.n_rows - start)
            m = STEPS * b
            np.matmul(self.x[:m], self.k, out=self.proj[:m])
            for t in range(STEPS):
                np.matmul(self.h[t, :b], self.rk, out=self.gates[t, :b])
            np.matmul(self.h[-1, :b], self.w, out=self.z[:b])
            np.matmul(self.h[-1, :b].T, self.z[:b], out=self.dw)
            np.matmul(self.z[:b], self.w.T, out=self.dh[:b])
            for t in range(STEPS - 1, -1, -1):
                np.matmul(self.gates[t, :b], self.rk.T, out=self.dh[:b])
            np.matmul(self.x[:m].T, self.proj[:m], out=self.dk)
            np.matmul(self.h[:STEPS, :b].reshape(m, -1).T, self.proj[:m], out=self.drk)
            np.matmul(self.proj[:m], self.k.T, out=self.dx[:m])
        return time.perf_counter() - started


def skdl_estimator():
    from skdl import NeuralNetClassifier
    from skdl.layers import LSTM, Embedding

    return NeuralNetClassifier(
        layers=[Embedding(VOCABULARY, DIM, mask_zero=True), LSTM(UNITS)],
        input_shape=(STEPS,), batch_size=BATCH, max_iter=1, random_state=0)


def skdl_fit_seconds(X, y, backend):
    import warnings

    from skdl import backend as skdl_backend

    with skdl_backend.use(backend), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = skdl_estimator()
        started = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - started


def torch_epoch_seconds(n_rows, packed=True):
    """Seconds of one torch epoch after a warm-up one (run in a child)."""
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    X, lengths, y = make_data(n_rows)
    X, lengths, y = (torch.from_numpy(X.astype(np.int64)), torch.from_numpy(lengths),
                     torch.from_numpy(y))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCABULARY, DIM, padding_idx=0)
            self.lstm = nn.LSTM(DIM, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, 2)

        def forward(self, ids, lengths):
            steps = self.embedding(ids)
            if packed:
                steps = pack_padded_sequence(steps, lengths, batch_first=True,
                                             enforce_sorted=False)
            _, (h, _) = self.lstm(steps)
            return self.out(h[-1])

    return timed_epoch(Model(), (X, lengths), y, BATCH)


def torch_child(n_rows, torch_path, packed=True):
    return run_torch_child("bench_embedding_lstm",
                           f"b.torch_epoch_seconds({n_rows}, {packed})", THREADS, torch_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="300 rows, 1 round")
    parser.add_argument("--torch-path", default=os.environ.get("SKDL_BENCH_TORCH_PATH"),
                        help="a directory to put on the torch child's PYTHONPATH")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    rows, rounds = (300, 1) if args.quick else (args.rows, args.rounds)

    from threadpoolctl import threadpool_info, threadpool_limits

    from skdl import backend as skdl_backend

    threadpool_limits(THREADS)
    blas = [f"{p['internal_api']} {p.get('version')} ({p.get('architecture')})"
            for p in threadpool_info() if p["user_api"] == "blas"]
    print(f"BLAS: {', '.join(blas)}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; load "
          f"{os.getloadavg()[0]:.1f}")
    X, lengths, y = make_data(rows)
    print(f"{rows} rows of {STEPS} ids, lengths {lengths.min()}..{lengths.max()} "
          f"(mean {lengths.mean():.0f}), post-padded")
    floor = Floor(rows)
    backends = [b for b in ("numba", "numpy") if b in skdl_backend.available()]
    for b in backends:
        skdl_fit_seconds(X[:200], y[:200], b)
    contenders = {} if args.no_torch else {
        "torch": lambda: torch_child(rows, args.torch_path),
        "torch (unpacked)": lambda: torch_child(rows, args.torch_path, packed=False)}
    for b in backends:
        contenders[b] = lambda b=b: skdl_fit_seconds(X, y, b)
    floors = [floor()]
    seconds = {k: [] for k in contenders}
    ratios = {k: [] for k in contenders}
    for r in range(rounds):
        for name, timed in contenders.items():
            s = timed()
            floors.append(floor())
            if s is None:
                continue
            seconds[name].append(s)
            ratios[name].append(s / statistics.mean(floors[-2:]))
        print(f"  round {r + 1}/{rounds}: "
              + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in seconds.items() if v)
              + f", floor {floors[-1]:.2f}s; load {os.getloadavg()[0]:.1f}", flush=True)
    references = [k for k in ("torch", "torch (unpacked)") if seconds.get(k)]
    print("\n| contender | median s | best s | x floor (median) | "
          + " | ".join(f"x {k} (median) | x {k} (best)" for k in references) + " |")
    print("|---" * (4 + 2 * len(references)) + "|")
    for name in contenders:
        if not seconds[name]:
            continue
        cells = []
        for reference in references:
            if name.startswith("torch"):
                cells += ["", ""]
                continue
            per_round = statistics.median(
                a / t for a, t in zip(ratios[name], ratios[reference]))
            cells += [f"{per_round:.2f}", f"{min(seconds[name]) / min(seconds[reference]):.2f}"]
        print(f"| {name} | {statistics.median(seconds[name]):.2f} | {min(seconds[name]):.2f} "
              f"| {statistics.median(ratios[name]):.2f} | " + " | ".join(cells) + " |")
    print(f"| floor (GEMMs only) | {statistics.median(floors):.2f} | {min(floors):.2f} | 1 |"
          + " |" * (2 * len(references)))


if __name__ == "__main__":
    main()
