"""What the benchmarks share to time PyTorch, the peer: one training epoch
of a torch model, and a fresh child process to run it in.

torch is timed in a child process of its own, with the thread variables
set before it starts, so that its threads and its OpenBLAS never share a
process with skdl's.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed_epoch(model, inputs, target, batch, warmup=1):
    """Seconds of one epoch of Adam (learning rate 1e-3) on a cross-entropy,
    in shuffled mini-batches of ``batch`` rows, after ``warmup`` epochs.

    Parameters
    ----------
    model : torch.nn.Module
        Called on the rows of each of ``inputs``.
    inputs : tuple of torch.Tensor
        The model's arguments, one row per sample.
    target : torch.Tensor
        Class indices, one per sample.
    batch : int
    warmup : int, default=1

    Returns
    -------
    float
    """
    import torch

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = torch.nn.CrossEntropyLoss()
    n_rows = len(target)

    def epoch():
        order = torch.randperm(n_rows)
        for start in range(0, n_rows, batch):
            rows = order[start:start + batch]
            optimizer.zero_grad()
            loss(model(*(values[rows] for values in inputs)), target[rows]).backward()
            optimizer.step()

    for _ in range(warmup):
        epoch()
    started = time.perf_counter()
    epoch()
    return time.perf_counter() - started


def run_in_child(module, expression, threads, torch_path=None):
    """The JSON value of ``expression`` (where ``b`` is the benchmark
    ``module``) computed in a fresh child process of ``threads`` threads.

    Parameters
    ----------
    module : str
        A script of this folder, by its module name.
    expression : str
    threads : int
    torch_path : str, default=None
        A folder to put first on the child's path (a torch installed with
        ``pip install --target``).

    Returns
    -------
    value, error : object or None, str or None
        The value, or None and the child's last line of error.
    """
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    if torch_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [torch_path, env.get("PYTHONPATH")]))
    code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import {module} as b; "
            f"print(json.dumps({expression}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, env=env, cwd=str(HERE.parent))
    if out.returncode != 0:
        return None, (out.stderr.strip().splitlines() or ["(no message)"])[-1]
    return json.loads(out.stdout.strip().splitlines()[-1]), None


def torch_child(module, expression, threads, torch_path=None):
    """:func:`run_in_child` for a torch timing: its value, or None after
    printing why the child failed."""
    value, error = run_in_child(module, expression, threads, torch_path)
    if error:
        print(f"  torch child failed: {error}", flush=True)
    return value
