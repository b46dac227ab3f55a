"""Test configuration: Hypothesis profiles that bound the property tests' run
time. ``ci`` (the default) keeps the suite fast; set
SKDL_HYPOTHESIS_PROFILE=thorough for a longer search."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("SKDL_HYPOTHESIS_PROFILE", "ci"))
