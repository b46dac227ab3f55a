"""Scaling out: searches over skdl estimators on two local processes and on a
Dask cluster, and fitting large data without copying it."""

import tracemalloc
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier, PerceptronClassifier


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


def _search(n_jobs):
    pipe = make_pipeline(StandardScaler(),
                         MLPClassifier((16,), solver="lbfgs", max_iter=60, random_state=0))
    grid = {"mlpclassifier__activation": ["relu", "tanh"],
            "mlpclassifier__loss": ["log_loss", "hinge"]}
    return GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs)


def _fit(search, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return search.fit(X, y)


@pytest.mark.slow  # starts worker processes
def test_grid_and_randomized_search_on_two_processes(digits):
    X, y = digits
    local = _fit(_search(1), X, y)
    parallel = _fit(_search(2), X, y)  # joblib's loky processes
    assert parallel.best_params_ == local.best_params_
    assert_allclose(parallel.cv_results_["mean_test_score"],
                    local.cv_results_["mean_test_score"])
    randomized = RandomizedSearchCV(
        PerceptronClassifier(), {"eta0": [0.1, 1.0], "penalty": [None, "l2"]}, n_iter=4,
        cv=3, random_state=0, n_jobs=2,
    )
    randomized.fit(X, y)
    assert randomized.best_score_ > 0.8


@pytest.mark.slow  # starts worker processes
def test_grid_search_on_a_dask_cluster_matches_the_local_run(digits):
    distributed = pytest.importorskip("distributed")
    X, y = digits
    local = _fit(_search(1), X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with joblib.parallel_backend("dask"):
            remote = _fit(_search(-1), X, y)
        workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    assert remote.best_params_ == local.best_params_
    assert_allclose(remote.cv_results_["mean_test_score"],
                    local.cv_results_["mean_test_score"])


def test_large_data_is_streamed_without_copying_X():
    rng = np.random.RandomState(0)
    X = rng.rand(200_000, 50).astype(np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    model = MLPClassifier((16,), max_iter=1, random_state=0)
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # a copy of X would alone be X.nbytes (40 MB); the largest transient is
    # the label encoding (about 11 MB here), then the shuffle order and batches
    assert peak < 0.5 * X.nbytes, peak
    assert model.score(X[:2000], y[:2000]) > 0.8
