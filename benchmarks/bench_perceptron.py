"""Fit time of skdl's PerceptronClassifier against scikit-learn's Perceptron.

Two workloads, both float64:

- synthetic: ``make_classification`` with 20,000 rows, 50 features and 4
  classes, fitted for exactly 15 epochs (``max_iter=15, tol=None``);
- digits: ``load_digits`` (1,797 rows, 64 features, 10 classes) with the
  default settings, so the number of epochs is up to the stopping rule.

Contestants: scikit-learn's ``Perceptron`` and skdl's
``PerceptronClassifier`` under each compute back-end (``numba`` when it
imports, and ``numpy``), all with ``random_state=0`` and ``shuffle=True``.
Each contestant is fitted once before timing, so numba's compilation is not
counted. Each round times one ``fit`` per contestant with
``time.perf_counter``, in an order rotated by the round's number; a figure
is the median over rounds, and a ratio is the median of the per-round
ratios to scikit-learn's fit in the same round, which cancels most of the
drift in the speed of a shared machine. The NumPy back-end runs a Python
loop per sample and takes seconds per fit, so it runs only in the first
``--numpy-rounds`` rounds.

A last line says whether skdl (numba) and scikit-learn learn the same
``coef_`` (``np.allclose``, ``rtol=1e-10, atol=0``) in the same ``n_iter_``.

Run from the repository root::

    python benchmarks/bench_perceptron.py                 # 9 rounds, 3 for numpy
    python benchmarks/bench_perceptron.py --rounds 3 --numpy-rounds 1
"""

import argparse
import os
import statistics
import time
import warnings
from contextlib import nullcontext

import numpy as np
import sklearn
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron as SklearnPerceptron

from skdl import PerceptronClassifier
from skdl import backend as skdl_backend

warnings.simplefilter("ignore", ConvergenceWarning)


def workloads():
    """Name, inputs, labels and shared estimator parameters of each workload.

    Returns
    -------
    list of (str, ndarray, ndarray, dict)
    """
    X, y = make_classification(n_samples=20000, n_features=50, n_informative=20,
                               n_classes=4, random_state=0)
    digits = load_digits()
    return [
        ("synthetic 20000x50, 4 classes, 15 epochs", X, y,
         {"max_iter": 15, "tol": None, "random_state": 0}),
        ("digits 1797x64, 10 classes, defaults", digits.data, digits.target,
         {"random_state": 0}),
    ]


def contestants(params):
    """Estimator factories by name: ``sklearn`` and one per skdl back-end.

    Parameters
    ----------
    params : dict
        Estimator parameters shared by all contestants.

    Returns
    -------
    dict of str -> (callable returning an estimator, back-end name or None)
    """
    found = {"sklearn": (lambda: SklearnPerceptron(**params), None)}
    for name in ("numba", "numpy"):
        if name in skdl_backend.available():
            found[name] = (lambda: PerceptronClassifier(**params), name)
    return found


def timed_fit(make, backend, X, y):
    """Seconds of one ``fit`` of a fresh estimator, and the fitted estimator.

    Parameters
    ----------
    make : callable returning an unfitted estimator
    backend : str or None
        skdl back-end to fit under; None for scikit-learn.
    X, y : ndarray

    Returns
    -------
    seconds : float
    estimator : fitted estimator
    """
    est = make()
    with nullcontext() if backend is None else skdl_backend.use(backend):
        started = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - started, est


def run_rounds(found, X, y, rounds, numpy_rounds):
    """Seconds per fit of each contestant, one list entry per round it ran.

    Round ``r`` runs the contestants in their order rotated by ``r``; the
    ``numpy`` contestant runs only in the first ``numpy_rounds`` rounds.
    """
    names = list(found)
    seconds = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            if name == "numpy" and r >= numpy_rounds:
                continue
            seconds[name].append(timed_fit(*found[name], X, y)[0])
    return seconds


def cells(seconds, name):
    """Median seconds of ``name`` and its median per-round ratio to sklearn."""
    if name not in seconds:
        return ["not available", "not available"]
    ratios = [ours / theirs for ours, theirs in zip(seconds[name], seconds["sklearn"])]
    return [f"{statistics.median(seconds[name]):.4f}", f"{statistics.median(ratios):.2f}x"]


def agreement(ours, theirs):
    """One line saying whether two fitted perceptrons agree on coef_ and n_iter_."""
    if ours.coef_.shape != theirs.coef_.shape:
        coef = f"coef_ DIFFERENT (shapes {ours.coef_.shape} and {theirs.coef_.shape})"
    elif np.allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=0):
        coef = "coef_ identical"
    else:
        coef = f"coef_ DIFFERENT (max abs diff {np.max(np.abs(ours.coef_ - theirs.coef_)):.3g})"
    same_iter = "same" if ours.n_iter_ == theirs.n_iter_ else "DIFFERENT"
    return f"{coef}; n_iter_ skdl {ours.n_iter_}, sklearn {theirs.n_iter_} ({same_iter})"


def main():
    """Print the machine context, the timing table and the agreement check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9,
                        help="rounds for scikit-learn and skdl[numba] (default 9)")
    parser.add_argument("--numpy-rounds", type=int, default=3,
                        help="rounds for skdl[numpy], the first of --rounds (default 3)")
    args = parser.parse_args()
    numpy_rounds = min(args.numpy_rounds, args.rounds)
    try:
        import numba
        numba_version = numba.__version__
    except ImportError:
        numba_version = "not installed"
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, numba {numba_version}; "
          f"{os.cpu_count()} CPUs")
    print(f"back-ends: {skdl_backend.available()}; default: {skdl_backend.active()}")
    print(f"\n### Perceptron fit: median seconds and median per-round ratio to scikit-learn "
          f"(scikit-learn and skdl[numba]: {args.rounds} rounds; skdl[numpy]: "
          f"{numpy_rounds} round{'s' * (numpy_rounds != 1)})\n")
    print("| workload | sklearn s | skdl[numba] s | numba / sklearn | skdl[numpy] s | "
          "numpy / sklearn |\n|---|---|---|---|---|---|")
    checks = []
    for label, X, y, params in workloads():
        found = contestants(params)
        warm = {name: timed_fit(*found[name], X, y)[1] for name in found}
        seconds = run_rounds(found, X, y, args.rounds, numpy_rounds)
        print(f"| {label} | {statistics.median(seconds['sklearn']):.4f} | "
              + " | ".join(cells(seconds, "numba") + cells(seconds, "numpy")) + " |")
        checks.append(f"{label}: " + agreement(warm.get("numba", warm["numpy"]),
                                                 warm["sklearn"]))
    backend = "numba" if "numba" in skdl_backend.available() else "numpy (numba not available)"
    print(f"\nCheck, skdl[{backend}] against scikit-learn "
          "(np.allclose rtol=1e-10, atol=0):")
    for line in checks:
        print(f"- {line}")


if __name__ == "__main__":
    main()
