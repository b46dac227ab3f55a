"""Fixtures of the layer tests: every test that asks for ``compute_backend``
runs once per compute back-end, numba skipped where it is not installed."""

import pytest

from skdl import backend as backends


@pytest.fixture(params=["numpy", "numba"])
def compute_backend(request):
    """Run the test inside ``backends.use(name)`` for each back-end."""
    if request.param not in backends.available():
        pytest.skip("numba is not installed: the NumPy back-end only")
    with backends.use(request.param):
        yield request.param
