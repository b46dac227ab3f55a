"""Quickstart: skdl's three estimators in scikit-learn pipelines.

Fits a perceptron and an MLP classifier on the handwritten digits and an MLP
regressor on the diabetes data, each behind a StandardScaler, and prints
their 5-fold cross-validated scores next to scikit-learn's own estimators.

Run it with ``python examples/quickstart.py``.
"""

import warnings

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


def cv_score(estimator, X, y):
    """Mean 5-fold score of ``estimator`` behind a StandardScaler."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(make_pipeline(StandardScaler(), estimator), X, y, cv=5)
    return scores.mean()


def main():
    """Print cross-validated scores of skdl and scikit-learn side by side."""
    X_digits, y_digits = load_digits(return_X_y=True)
    X_diabetes, y_diabetes = load_diabetes(return_X_y=True)

    rows = [
        ("digits accuracy", "PerceptronClassifier()",
         PerceptronClassifier(), Perceptron(), X_digits, y_digits),
        ("digits accuracy", "MLPClassifier()",
         MLPClassifier(random_state=0), SklearnMLPClassifier(random_state=0),
         X_digits, y_digits),
        ("diabetes R^2", "MLPRegressor((10,), solver='lbfgs')",
         MLPRegressor(hidden_layer_sizes=(10,), solver="lbfgs", alpha=1.0,
                      max_iter=1000, random_state=0),
         SklearnMLPRegressor(hidden_layer_sizes=(10,), solver="lbfgs", alpha=1.0, max_iter=1000,
                             random_state=0),
         X_diabetes, y_diabetes),
    ]
    print(f"{'task':<16} {'estimator':<42} {'skdl':>7} {'sklearn':>8}")
    for task, label, ours, theirs, X, y in rows:
        print(f"{task:<16} {label:<42} {cv_score(ours, X, y):7.3f} "
              f"{cv_score(theirs, X, y):8.3f}")

    print("\nWhat scikit-learn cannot do:")
    extras = [
        ("digits accuracy", "MLPClassifier(activation=LeakyReLU(.1))",
         MLPClassifier(activation=LeakyReLU(0.1), random_state=0), X_digits, y_digits),
        ("digits accuracy", "MLPClassifier(activation=['gelu','tanh'])",
         MLPClassifier((64, 32), activation=["gelu", "tanh"], random_state=0),
         X_digits, y_digits),
        ("digits accuracy", "PerceptronClassifier('softmax')",
         PerceptronClassifier(activation="softmax", penalty="l2", alpha=0.01),
         X_digits, y_digits),
        ("diabetes R^2", "MLPRegressor('huber', (10,), solver='lbfgs')",
         MLPRegressor("huber", hidden_layer_sizes=(10,), solver="lbfgs", alpha=1.0, max_iter=1000,
                      random_state=0),
         X_diabetes, y_diabetes),
    ]
    for task, label, est, X, y in extras:
        print(f"{task:<16} {label:<42} {cv_score(est, X, y):7.3f}")


if __name__ == "__main__":
    main()
