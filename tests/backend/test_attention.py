"""skdl.backend.attention: the masked softmax over the keys and its
backward pass against plain NumPy formulas in every back-end and dtype
(a row with every key hidden gets even weights), and their refusals."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl import backend as backends
from skdl.backend import attention

from .routine_helpers import BACKENDS, DTYPES, tol


def _scores(dtype, n=3, heads=2, steps=5, seed=0):
    rs = np.random.RandomState(seed)
    scores = rs.normal(scale=3, size=(n, heads, steps, steps)).astype(dtype)
    hidden = rs.rand(n, steps, steps) < 0.4
    hidden[0, 1] = True  # a query that sees no key
    return scores, hidden


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("per_sample", [True, False, None])
def test_softmax_and_its_backward_are_the_formulas(backend, dtype, per_sample):
    scores, hidden = _scores(dtype)
    if per_sample is None:
        hidden = None
    elif not per_sample:
        hidden = np.ascontiguousarray(hidden[:1])
    shown = np.ones(scores.shape, bool) if hidden is None else ~hidden[:, None]
    shown = np.broadcast_to(shown, scores.shape)
    exps = np.where(shown, np.exp(scores - np.where(shown, scores, -np.inf).max(
        axis=-1, keepdims=True)), 0)
    with np.errstate(invalid="ignore"):
        want = exps / exps.sum(axis=-1, keepdims=True)
    want[~shown.any(axis=-1)] = 1 / scores.shape[-1]
    d = np.random.RandomState(1).normal(size=scores.shape).astype(dtype)
    d_want = want * (d - (d * want).sum(axis=-1, keepdims=True)) * shown
    weights, d_weights = scores.copy(), d.copy()
    with backends.use(backend):
        attention.softmax_forward(weights, hidden)
        attention.softmax_backward(d_weights, weights, hidden)
    assert_allclose(weights, want, **tol(dtype))
    assert_allclose(d_weights, d_want, **tol(dtype))


@pytest.mark.parametrize("call, message", [
    (lambda s, h: attention.softmax_forward(s[0], None), "softmax_forward"),
    (lambda s, h: attention.softmax_forward(s, h.astype(int)), "C-contiguous bool array"),
    (lambda s, h: attention.softmax_forward(s, h[:, :2]), r"shape \(1 or 3, 5, 5\)"),
    (lambda s, h: attention.softmax_backward(s, s.astype(np.float32), h), "softmax_backward"),
])
def test_refusals_name_the_routine(call, message):
    scores, hidden = _scores(np.float64)
    with pytest.raises(ValueError, match=message):
        call(scores, hidden)
