"""Fixtures of the layer tests: every test that asks for ``kernel_backend``
runs once per kernel back-end, numba skipped where it is not installed."""

import pytest

from skdl import kernels


@pytest.fixture(params=["numpy", "numba"])
def kernel_backend(request):
    """Run the test inside ``kernels.use(name)`` for each back-end."""
    if request.param not in kernels.available():
        pytest.skip("numba is not installed: the NumPy back-end only")
    with kernels.use(request.param):
        yield request.param
