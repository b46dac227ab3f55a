"""skdl.backend.embedding.scatter_add_rows: repeated ids add up as
np.add.at adds them, in every back-end and dtype; what would index past the
table, or write a copy, is refused before the loop runs."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl import backend as backends
from skdl.backend.embedding import scatter_add_rows

from .routine_helpers import BACKENDS, DTYPES, tol


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sums_repeated_ids_as_add_at(name, dtype, rng):
    ids = rng.randint(0, 9, size=50).astype(np.intp)
    ids[:10] = 3  # one row many times
    delta = rng.normal(size=(50, 4)).astype(dtype)
    out = rng.normal(size=(12, 4)).astype(dtype)
    want = out.copy()
    np.add.at(want, ids, delta)
    with backends.use(name):
        scatter_add_rows(ids, delta, out)
        assert_allclose(out, want, **tol(dtype))
        empty = out.copy()
        scatter_add_rows(ids[:0], delta[:0], empty)
        assert_allclose(empty, out, rtol=0)


def test_refusals(rng):
    ids = np.array([0, 2, 1], dtype=np.intp)
    delta, out = rng.normal(size=(3, 4)), np.zeros((3, 4))
    cases = [
        ((ids.astype(np.int32), delta, out), "ids must be a 1-D intp array"),
        ((ids, delta[:2], out), r"delta has shape \(2, 4\), but needs shape \(3, 4\)"),
        ((ids, delta.astype(np.float32), out), "share one dtype"),
        ((ids, delta, np.zeros((4, 3)).T), "out is written in place"),
        ((np.array([0, 3, 1], dtype=np.intp), delta, out), r"ids must lie in \[0, 3\)"),
        ((np.array([0, -1, 1], dtype=np.intp), delta, out), r"ids must lie in \[0, 3\)"),
        ((ids, out, out), "out shares memory with delta"),
    ]
    for args, message in cases:
        before = args[2].copy()
        with pytest.raises(ValueError, match=message):
            scatter_add_rows(*args)
        assert_allclose(args[2], before, rtol=0)
