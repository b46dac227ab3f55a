"""Fixtures of the plot tests: small data sets and models fitted once per
module, and every figure closed after the test that drew it."""

import pytest
from sklearn.datasets import load_digits, make_moons

from skdl import MLPClassifier


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt  # the test modules skip without matplotlib

    plt.close("all")


@pytest.fixture(scope="module")
def moons():
    return make_moons(80, noise=0.2, random_state=0)


@pytest.fixture(scope="module")
def lbfgs_mlp(moons):
    return MLPClassifier((8,), activation="tanh", solver="lbfgs", max_iter=60,
                         random_state=0).fit(*moons)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:150] / 16, y[:150]
