"""Test configuration: Hypothesis profiles that bound the property tests' run
time (``ci``, the default, keeps the suite fast; set
SKDL_HYPOTHESIS_PROFILE=thorough for a longer search), the fixture that
runs a test in each compute back-end, and Keras's back-end for the tests
that compare layers with Keras's: JAX on the CPU, with float64 allowed."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_ENABLE_X64", "1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest
from hypothesis import HealthCheck, settings

from skdl import backend as backends

settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("SKDL_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=["numpy", "numba"])
def compute_backend(request):
    """Run the test in each compute back-end (numba's skipped where it is
    not installed); the back-end's name."""
    if request.param not in backends.available():
        pytest.skip("numba is not installed: the NumPy back-end only")
    with backends.use(request.param):
        yield request.param
