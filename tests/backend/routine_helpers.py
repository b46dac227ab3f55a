"""What the tests of the routines share: the back-ends, the dtypes and
their tolerances, and the runs of one call in every back-end on extreme
inputs."""

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from skdl import backend as backends

BACKENDS = backends.available()
DTYPES = [np.float32, np.float64]


def tol(dtype):
    """The tolerances of a routine's result in ``dtype``."""
    return dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------
# Both back-ends reach the same values on extreme inputs: inf and NaN pass
# through every routine as through NumPy's ufuncs, and the sums are float64
# --------------------------------------------------------------------------

SPECIAL = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e38, -1e38, 3.0, -3.0, 1e-45])


def in_every_back_end(make, call):
    """``call(*make())`` in every back-end; the arrays it wrote, per back-end."""
    results = []
    for name in BACKENDS:
        arrays = make()
        with backends.use(name), np.errstate(all="ignore"):
            returned = call(*arrays)
        results.append((arrays, returned))
    return results


def assert_same_in_every_back_end(results, rtol):
    """The arrays of :func:`in_every_back_end` agree: inf and NaN at the
    same places, the finite values to ``rtol``."""
    (reference, reference_returned), *others = results
    for arrays, returned in others:
        for got, want in zip(arrays, reference):
            assert_array_equal(np.isnan(got), np.isnan(want))
            assert_array_equal(np.isposinf(got), np.isposinf(want))
            assert_array_equal(np.isneginf(got), np.isneginf(want))
            finite = np.isfinite(want)
            assert_allclose(got[finite], want[finite], rtol=rtol, atol=0)
        if reference_returned is not None:
            assert_allclose(returned, reference_returned, rtol=rtol)
