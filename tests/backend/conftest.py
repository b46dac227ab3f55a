"""Fixtures of the routines' tests."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A seeded random state."""
    return np.random.RandomState(0)
