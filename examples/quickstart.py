"""
Quick start: skdl's estimators in scikit-learn pipelines
========================================================

Fits a perceptron and an MLP classifier on the handwritten digits and an MLP
regressor on the diabetes data, each behind a
:class:`~sklearn.preprocessing.StandardScaler`, and prints their 5-fold
cross-validated scores next to scikit-learn's own estimators; then a few
models scikit-learn cannot build (a parameterised activation, one
activation per hidden layer, a softmax perceptron, the Huber loss).

Run ``python examples/quickstart.py --help`` for the options. It prints a
table and writes no file, unless ``--output-dir`` asks for the table as a
CSV file (``quickstart_scores.csv``), whose path it then prints.
"""

import argparse
import csv
import os
import time
import warnings
from pathlib import Path

from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier, MLPRegressor, PerceptronClassifier
from skdl.activations import LeakyReLU

QUICK = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")


def cv_score(estimator, X, y, cv=5):
    """Mean ``cv``-fold score of ``estimator`` behind a StandardScaler."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(make_pipeline(StandardScaler(), estimator), X, y, cv=cv)
    return scores.mean()


def main(output_dir=None, quick=False):
    """Print cross-validated scores of skdl and scikit-learn side by side.

    Parameters
    ----------
    output_dir : str or Path, default=None
        Folder for ``quickstart_scores.csv`` (created if missing); None
        writes no file.
    quick : bool, default=False
        600 digits, 3 folds and at most 20 epochs or iterations (for tests;
        the scores are then lower).

    Returns
    -------
    list of Path
        The files written: the CSV file, or none.
    """
    started = time.perf_counter()
    X_digits, y_digits = load_digits(return_X_y=True)
    X_diabetes, y_diabetes = load_diabetes(return_X_y=True)
    # 100 L-BFGS iterations: the regressors fit the diabetes data best there
    # (longer, they overfit), and skdl's two kernel back-ends and scikit-learn
    # agree to six decimals; after 1000, L-BFGS has grown last-bit rounding
    # differences into the third decimal
    cv, epochs, iterations = 5, 200, 100
    if quick:
        X_digits, y_digits = X_digits[:600], y_digits[:600]
        cv, epochs, iterations = 3, 20, 20

    rows = [
        ("digits accuracy", "PerceptronClassifier()",
         PerceptronClassifier(), Perceptron(), X_digits, y_digits),
        ("digits accuracy", "MLPClassifier()",
         MLPClassifier(max_iter=epochs, random_state=0),
         SklearnMLPClassifier(max_iter=epochs, random_state=0), X_digits, y_digits),
        ("diabetes R^2", "MLPRegressor((10,), solver='lbfgs')",
         MLPRegressor(hidden_layer_sizes=(10,), solver="lbfgs", alpha=1.0,
                      max_iter=iterations, random_state=0),
         SklearnMLPRegressor(hidden_layer_sizes=(10,), solver="lbfgs", alpha=1.0,
                             max_iter=iterations, random_state=0),
         X_diabetes, y_diabetes),
    ]
    table = []
    print(f"{cv}-fold cross-validated scores, each estimator behind a StandardScaler")
    print(f"{'task':<16} {'estimator':<46} {'skdl':>7} {'sklearn':>8}")
    for task, label, ours, theirs, X, y in rows:
        score, reference = cv_score(ours, X, y, cv), cv_score(theirs, X, y, cv)
        table.append((task, label, score, reference))
        print(f"{task:<16} {label:<46} {score:7.3f} {reference:8.3f}")

    print("\nWhat scikit-learn cannot do:")
    extras = [
        ("digits accuracy", "MLPClassifier(activation=LeakyReLU(.1))",
         MLPClassifier(activation=LeakyReLU(0.1), max_iter=epochs, random_state=0),
         X_digits, y_digits),
        ("digits accuracy", "MLPClassifier(activation=['gelu','tanh'])",
         MLPClassifier((64, 32), activation=["gelu", "tanh"], max_iter=epochs,
                       random_state=0),
         X_digits, y_digits),
        ("digits accuracy", "PerceptronClassifier('softmax')",
         PerceptronClassifier(activation="softmax", penalty="l2", alpha=0.01),
         X_digits, y_digits),
        ("diabetes R^2", "MLPRegressor('huber', (10,), solver='lbfgs')",
         MLPRegressor("huber", hidden_layer_sizes=(10,), solver="lbfgs", alpha=1.0,
                      max_iter=iterations, random_state=0),
         X_diabetes, y_diabetes),
    ]
    for task, label, estimator, X, y in extras:
        score = cv_score(estimator, X, y, cv)
        table.append((task, label, score, None))
        print(f"{task:<16} {label:<46} {score:7.3f}")
    print(f"({len(table)} estimators cross-validated in "
          f"{time.perf_counter() - started:.0f} s)")

    if output_dir is None:
        return []
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / "quickstart_scores.csv"
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["task", "estimator", "skdl", "sklearn"])
        for task, label, score, reference in table:
            writer.writerow([task, label, f"{score:.4f}",
                             "" if reference is None else f"{reference:.4f}"])
    full, here = path.resolve(), Path.cwd()
    print("wrote", full.relative_to(here) if full.is_relative_to(here) else full)
    return [path]


def parse_args(argv=None):
    """The command line: ``--output-dir``, ``--quick``."""
    parser = argparse.ArgumentParser(
        description="Cross-validate skdl's perceptron, MLP classifier and MLP regressor "
                    "in scikit-learn pipelines next to scikit-learn's own, and print "
                    "the scores.")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="also write the table as quickstart_scores.csv into this "
                             "folder, created if missing (default: write no file)")
    parser.add_argument("--quick", action="store_true", default=QUICK,
                        help="600 digits, 3 folds, 20 epochs: a few seconds, lower "
                             "scores (also set by SKDL_EXAMPLES_QUICK=1)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    main(args.output_dir, quick=args.quick)
