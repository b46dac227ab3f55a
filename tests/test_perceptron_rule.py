"""Engine-level tests of skdl.perceptron_rule.fit_perceptron_rule.

The reference throughout is the classic perceptron rule written out by hand
in this file: zero (or given) start, samples in their stored order (or in
the explicit per-epoch orders that ``shuffle=True`` must follow), and on a
mistake (``s * z <= 0``) ``w += eta * weight * s * x`` and ``b += eta *
weight * s``, where a row's weight is its sample weight times its class's
weight. Every test that trains runs on each compute back-end.
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skdl import backend as backends
from skdl.backend import perceptron as perceptron_routines
from skdl.perceptron_rule import fit_perceptron_rule

BACKENDS = backends.available()

# --------------------------------------------------------------------------
# Tiny hand-made problems
# --------------------------------------------------------------------------

# Linearly separable, five points in 2-D.
X_SEP = np.array([[1.0, 2.0], [2.0, -1.0], [-1.0, -1.0], [0.0, 1.0], [1.0, 0.0]])
S_SEP = np.array([1.0, -1.0, -1.0, 1.0, 1.0])

# XOR-like, not separable: the rule never settles.
X_XOR = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [0.5, 0.2], [-0.3, 0.8]])
S_XOR = np.array([1.0, 1.0, -1.0, -1.0, 1.0, -1.0])


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test with each compute back-end in turn."""
    with backends.use(request.param):
        yield request.param


def _run(X, signs, sample_weight=None, class_weight=None, seeds=None, coef=None,
         intercept=None, **kwargs):
    """Call the engine with 1-D or 2-D signs and plain defaults (unit sample
    weights, no class weights, seed 0, zero start, no shuffling); returns
    (coef, intercept, n_iter)."""
    signs = np.asarray(signs, dtype=np.float64)
    if signs.ndim == 1:
        signs = signs[:, None]
    n_samples, n_outputs = signs.shape
    dtype = X.dtype
    sample_weight = (np.ones(n_samples, dtype=dtype) if sample_weight is None
                     else np.asarray(sample_weight, dtype=dtype))
    if class_weight is not None:
        class_weight = np.asarray(class_weight, dtype=np.float64)
    seeds = [0] * n_outputs if seeds is None else seeds
    coef = (np.zeros((n_outputs, X.shape[1]), dtype=dtype) if coef is None
            else np.array(coef, dtype=dtype, order="C"))
    intercept = (np.zeros(n_outputs) if intercept is None
                 else np.array(intercept, dtype=np.float64))
    kwargs.setdefault("shuffle", False)
    n_iter = fit_perceptron_rule(coef, intercept, X, signs, sample_weight, class_weight,
                                 seeds, **kwargs)
    return coef, intercept, n_iter


def _row_weights(s, sample_weight, class_weight):
    """Each row's sample weight times the weight of its class (negative,
    positive)."""
    sample_weight = np.ones(len(s)) if sample_weight is None else np.asarray(sample_weight)
    return sample_weight * np.where(np.asarray(s) > 0, class_weight[1], class_weight[0])


def _hand_epoch(w, b, X, s, weights, order, *, eta=1.0, fit_intercept=True, decay=1.0,
                intercept_decay=1.0):
    """One epoch of the rule over the rows in ``order``, written out plainly.

    Updates ``w`` in place; returns the new intercept and the summed
    perceptron criterion ``max(0, -s * z)``. ``decay`` multiplies the weights
    at every row before its update (L2 weight decay, ``1 - eta * alpha``);
    ``intercept_decay`` multiplies every intercept step."""
    criterion = 0.0
    for i in order:
        z = sum(w[j] * X[i, j] for j in range(X.shape[1])) + b
        criterion += max(0.0, -s[i] * z)
        w *= decay
        if s[i] * z <= 0:
            for j in range(X.shape[1]):
                w[j] += eta * weights[i] * s[i] * X[i, j]
            if fit_intercept:
                b += eta * weights[i] * s[i] * intercept_decay
    return b, criterion


def _hand_rule(X, s, sample_weight=None, class_weight=(1.0, 1.0), *, eta=1.0, epochs=1,
               orders=None, w0=None, b0=0.0, **epoch_kwargs):
    """The rule for ``epochs`` epochs in stored order, or for one epoch per
    entry of ``orders``; returns (w, b)."""
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=np.float64)
    b = float(b0)
    weights = _row_weights(s, sample_weight, class_weight)
    if orders is None:
        orders = [range(X.shape[0])] * epochs
    for order in orders:
        b, _ = _hand_epoch(w, b, X, s, weights, order, eta=eta, **epoch_kwargs)
    return w, b


def _hand_rule_with_stopping(X, s, sample_weight=None, class_weight=(1.0, 1.0), *, tol,
                             n_iter_no_change, max_iter, validation_mask=None):
    """The rule in stored order plus the documented stopping rule; returns
    (w, b, epochs).

    Without a validation mask the stop follows the mean criterion over the
    rows. Rows in ``validation_mask`` are left out of training, and the stop
    follows their accuracy (positive when ``z > 0``) weighted by their sample
    weights alone."""
    n, d = X.shape
    held_out = np.zeros(n, dtype=bool) if validation_mask is None else validation_mask
    sample_weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight)
    weights = _row_weights(s, sample_weight, class_weight)
    w, b = np.zeros(d), 0.0
    best = np.inf if validation_mask is None else -np.inf
    stale = 0
    for epoch in range(1, max_iter + 1):
        b, criterion = _hand_epoch(w, b, X, s, weights, np.flatnonzero(~held_out))
        if validation_mask is None:
            score = criterion / n
            worse = score > best - tol
            best = min(best, score)
        else:
            hits = (X[held_out] @ w + b > 0) == (s[held_out] > 0)
            score = np.average(hits, weights=sample_weight[held_out])
            worse = score < best + tol
            best = max(best, score)
        stale = stale + 1 if worse else 0
        if stale >= n_iter_no_change:
            break
    return w, b, epoch


def _shuffled_orders(n, seed, epochs):
    """The orders ``shuffle=True`` visits: before each epoch the last order
    is reordered by ``shuffle_permutation(n, seed)``, so epoch e visits P^e."""
    permutation = perceptron_routines.shuffle_permutation(n, seed)
    order, orders = np.arange(n), []
    for _ in range(epochs):
        order = order[permutation]
        orders.append(order)
    return orders


# --------------------------------------------------------------------------
# The rule, weight for weight
# --------------------------------------------------------------------------


def test_trains_in_place_and_returns_epochs_per_output(backend):
    coef = np.zeros((2, 2))
    intercept = np.zeros(2)
    signs = np.column_stack([S_SEP, -S_SEP])
    n_iter = fit_perceptron_rule(coef, intercept, X_SEP, signs, np.ones(5), None, [0, 0],
                                 max_iter=3, tol=None, shuffle=False)
    assert n_iter.shape == (2,)
    assert np.issubdtype(n_iter.dtype, np.integer)
    assert_array_equal(n_iter, [3, 3])
    for k in range(2):
        w, b = _hand_rule(X_SEP, signs[:, k], epochs=3)
        assert_allclose(coef[k], w, rtol=1e-12, atol=1e-12)
        assert_allclose(intercept[k], b, rtol=1e-12, atol=1e-12)
    assert np.any(coef != 0)


def test_first_epoch_worked_by_hand(backend):
    # Worked on paper, eta=1, zero start, order 1..5:
    #   x1=(1,2),+ : z=0 -> mistake, w=(1,2),  b=1
    #   x2=(2,-1),-: z=1 -> mistake, w=(-1,3), b=0
    #   x3=(-1,-1),-: z=-2 fine;  x4=(0,1),+: z=3 fine
    #   x5=(1,0),+ : z=-1 -> mistake, w=(0,3), b=1
    # and the second epoch makes no mistakes.
    for epochs in (1, 2, 3):
        coef, intercept, n_iter = _run(X_SEP, S_SEP, max_iter=epochs, tol=None)
        assert_array_equal(coef[0], [0.0, 3.0])
        assert_array_equal(intercept, [1.0])
        assert_array_equal(n_iter, [epochs])


def test_weighted_first_epoch_worked_by_hand(backend):
    # Sample weights (2, 1, 1, 1, 0.5):
    #   x1: z=0 mistake, w=2*(1,2)=(2,4), b=2
    #   x2: z=2-4+2=2 with s=-1 -> mistake, w=(0,5), b=1
    #   x3: z=-4 fine; x4: z=6 fine; x5: z=1 fine.
    sample_weight = np.array([2.0, 1.0, 1.0, 1.0, 0.5])
    coef, intercept, _ = _run(X_SEP, S_SEP, sample_weight, max_iter=2, tol=None)
    assert_array_equal(coef[0], [0.0, 5.0])
    assert_array_equal(intercept, [1.0])


def test_class_weighted_first_epoch_worked_by_hand(backend):
    # Class weights: negative 2, positive 0.5.
    #   x1=(1,2),+ : z=0 mistake, w=(0.5,1), b=0.5
    #   x2=(2,-1),-: z=0.5 mistake, w=(0.5,1)-2*(2,-1)=(-3.5,3), b=-1.5
    #   x3: z=-1 fine; x4: z=1.5 fine
    #   x5=(1,0),+ : z=-5 mistake, w=(-3,3), b=-1
    coef, intercept, _ = _run(X_SEP, S_SEP, class_weight=[[2.0, 0.5]], max_iter=1, tol=None)
    assert_array_equal(coef[0], [-3.0, 3.0])
    assert_array_equal(intercept, [-1.0])


def test_intercept_decay_worked_by_hand(backend):
    # intercept_decay=0.5 halves every intercept step, not the weight steps:
    #   x1: z=0 mistake, w=(1,2), b=0.5
    #   x2: z=0.5 with s=-1 -> mistake, w=(-1,3), b=0
    #   x3, x4 fine; x5: z=-1 mistake, w=(0,3), b=0.5
    # and the second epoch makes no mistakes (x5: z=0.5).
    coef, intercept, _ = _run(X_SEP, S_SEP, intercept_decay=0.5, max_iter=2, tol=None)
    assert_array_equal(coef[0], [0.0, 3.0])
    assert_array_equal(intercept, [0.5])


@pytest.mark.parametrize("eta0", [1.0, 0.25, 3.0])
@pytest.mark.parametrize("epochs", [1, 2, 5, 9])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_hand_rule_on_xor(backend, eta0, epochs, fit_intercept):
    coef, intercept, n_iter = _run(
        X_XOR, S_XOR, eta0=eta0, max_iter=epochs, tol=None, fit_intercept=fit_intercept
    )
    w, b = _hand_rule(X_XOR, S_XOR, eta=eta0, epochs=epochs, fit_intercept=fit_intercept)
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)
    if not fit_intercept:
        assert intercept[0] == 0.0
    assert_array_equal(n_iter, [epochs])


@pytest.mark.parametrize("sample_weight, class_weight", [
    ([1.0, 1.0, 1.0, 1.0, 1.0, 1.0], None),
    ([2.0, 0.5, 1.0, 3.0, 0.0, 1.5], None),
    ([0.1, 0.1, 4.0, 4.0, 1.0, 1.0], None),
    ([1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [[0.3, 2.5]]),
    ([2.0, 0.5, 1.0, 3.0, 0.0, 1.5], [[1.7, 0.4]]),
])
def test_update_scales_with_sample_and_class_weight(backend, sample_weight, class_weight):
    coef, intercept, _ = _run(X_XOR, S_XOR, sample_weight, class_weight, eta0=0.5,
                              max_iter=6, tol=None)
    w, b = _hand_rule(X_XOR, S_XOR, sample_weight,
                      (1.0, 1.0) if class_weight is None else class_weight[0],
                      eta=0.5, epochs=6)
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


def test_unit_class_weight_is_no_class_weight(backend):
    plain = _run(X_XOR, S_XOR, max_iter=6, tol=None)
    unit = _run(X_XOR, S_XOR, class_weight=[[1.0, 1.0]], max_iter=6, tol=None)
    tilted = _run(X_XOR, S_XOR, class_weight=[[1.0, 2.0]], max_iter=6, tol=None)
    assert_array_equal(unit[0], plain[0])
    assert_array_equal(unit[1], plain[1])
    assert not np.allclose(tilted[0], plain[0])


def test_zero_weight_sample_is_ignored(backend):
    sample_weight = np.ones(len(S_XOR))
    sample_weight[2] = 0.0
    coef, intercept, _ = _run(X_XOR, S_XOR, sample_weight, max_iter=7, tol=None)
    keep = np.arange(len(S_XOR)) != 2
    coef_drop, intercept_drop, _ = _run(X_XOR[keep], S_XOR[keep], max_iter=7, tol=None)
    assert_allclose(coef, coef_drop, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept, intercept_drop, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("intercept_decay", [1.0, 0.01])
def test_starts_from_given_weights(backend, intercept_decay):
    w0, b0 = np.array([0.3, -0.7]), -0.2
    coef, intercept, _ = _run(X_XOR, S_XOR, coef=w0[None, :], intercept=[b0], max_iter=4,
                              tol=None, intercept_decay=intercept_decay)
    w, b = _hand_rule(X_XOR, S_XOR, epochs=4, w0=w0, b0=b0, intercept_decay=intercept_decay)
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


def test_outputs_are_independent_problems(backend):
    # Output 0 is a separable problem on the XOR points, output 1 the XOR
    # problem; they share the sample weights and each has its own class
    # weights, and both must equal their single-output runs.
    signs = np.column_stack([np.where(X_XOR[:, 0] + X_XOR[:, 1] > 0.05, 1.0, -1.0), S_XOR])
    sample_weight = np.linspace(0.5, 2.0, 6)
    class_weight = np.array([[1.0, 1.0], [0.6, 1.8]])
    coef, intercept, _ = _run(X_XOR, signs, sample_weight, class_weight, max_iter=5, tol=None)
    for k in range(2):
        w, b = _hand_rule(X_XOR, signs[:, k], sample_weight, class_weight[k], epochs=5)
        assert_allclose(coef[k], w, rtol=1e-12, atol=1e-12)
        assert_allclose(intercept[k], b, rtol=1e-12, atol=1e-12)
    assert not np.allclose(coef[0], coef[1])


def test_separable_problem_is_solved(backend):
    coef, intercept, _ = _run(X_SEP, S_SEP, max_iter=50, tol=None)
    assert np.all(S_SEP * (X_SEP @ coef[0] + intercept[0]) > 0)


def test_float32_keeps_its_dtype_and_the_hand_weights(backend):
    # X_SEP's values and the steps are small integers, exact in float32.
    coef, intercept, _ = _run(X_SEP.astype(np.float32), S_SEP, [2.0, 1.0, 1.0, 1.0, 0.5],
                              max_iter=4, tol=None)
    w, b = _hand_rule(X_SEP, S_SEP, [2.0, 1.0, 1.0, 1.0, 0.5], epochs=4)
    assert coef.dtype == np.float32
    assert intercept.dtype == np.float64
    assert_array_equal(coef[0], w)
    assert intercept[0] == b


# --------------------------------------------------------------------------
# Stopping
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_iter_no_change", [1, 3, 5])
@pytest.mark.parametrize("tol", [1e-3, 0.2])
def test_tol_stopping_per_output(backend, n_iter_no_change, tol):
    signs = np.column_stack([np.where(X_XOR[:, 0] + X_XOR[:, 1] > 0.05, 1.0, -1.0), S_XOR])
    coef, intercept, n_iter = _run(
        X_XOR, signs, max_iter=60, tol=tol, n_iter_no_change=n_iter_no_change
    )
    for k in range(2):
        w, b, epochs = _hand_rule_with_stopping(
            X_XOR, signs[:, k], tol=tol, n_iter_no_change=n_iter_no_change, max_iter=60
        )
        assert n_iter[k] == epochs < 60
        assert_allclose(coef[k], w, rtol=1e-12, atol=1e-12)
        assert_allclose(intercept[k], b, rtol=1e-12, atol=1e-12)
        assert n_iter[k] >= n_iter_no_change


def test_stopping_epoch_worked_by_hand(backend):
    # Epoch 1 on the separable problem errs on x1 (margin 0), x2 and x5
    # (margin -1 each): criterion 2/5. Epoch 2 makes no mistake: criterion
    # 0, an improvement. Epochs 3, 4, 5 stay at 0, which is not tol below
    # the best, so with n_iter_no_change=3 the rule stops after epoch 5.
    signs = np.column_stack([S_SEP, S_SEP])
    _, _, n_iter = _run(X_SEP, signs, max_iter=40, tol=1e-3, n_iter_no_change=3)
    assert_array_equal(n_iter, [5, 5])


def test_negative_tol_never_stops(backend):
    # A negative tolerance counts any epoch no worse than 1 above the best
    # as an improvement, so the rule runs to max_iter.
    _, _, n_iter = _run(X_XOR, np.column_stack([S_XOR, -S_XOR]), max_iter=40, tol=-1.0,
                        n_iter_no_change=3)
    assert_array_equal(n_iter, [40, 40])


def test_tol_none_runs_max_iter(backend):
    _, _, n_iter = _run(X_SEP, np.column_stack([S_SEP, -S_SEP, S_SEP]), max_iter=17, tol=None)
    assert_array_equal(n_iter, [17, 17, 17])


# Start w=(1, 30), b=1 classifies every point of X_SEP with margin >= 2,
# and shrinking w only keeps it that way, so no rule update ever happens
# and the penalty alone acts: 5 rows per epoch.
W_FROZEN, B_FROZEN = np.array([1.0, 30.0]), 1.0


def test_l2_penalty_counts_in_the_stopping_objective(backend):
    # No row ever errs, so the objective is the penalty alone: at each row
    # alpha/2 |w|^2, which decays by (1 - eta0 * alpha)^2 per row. Each
    # epoch improves on the last, by less and less; the rule stops once
    # n_iter_no_change epochs in a row improve by less than tol (after epoch
    # 11 here; a penalty-free objective, 0 throughout, would stop after 3).
    alpha, tol, n_iter_no_change = 0.01, 0.2, 2
    decay = 1 - alpha
    visits = np.arange(5 * 60)
    per_row = alpha * 0.5 * (W_FROZEN @ W_FROZEN) * decay ** (2 * visits)
    objectives = per_row.reshape(60, 5).mean(axis=1)
    best, stale = np.inf, 0
    for epoch, objective in enumerate(objectives, start=1):
        stale = stale + 1 if objective > best - tol else 0
        best = min(best, objective)
        if stale >= n_iter_no_change:
            break
    assert 3 < epoch < 60
    _, _, n_iter = _run(X_SEP, S_SEP, coef=W_FROZEN[None, :], intercept=[B_FROZEN],
                        penalty="l2", alpha=alpha, max_iter=60, tol=tol,
                        n_iter_no_change=n_iter_no_change)
    assert_array_equal(n_iter, [epoch])


# --------------------------------------------------------------------------
# Validation rows
# --------------------------------------------------------------------------

# The XOR problem with four or five held-out rows after it.
X_VAL = np.array([[2.0, 2.0], [-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0], [0.1, 0.1]])
S_VAL = np.array([1.0, 1.0, -1.0, -1.0, 1.0])


def _xor_with_validation(n_val):
    """X_XOR then the first ``n_val`` validation rows, their signs, and the
    mask of the validation rows."""
    X = np.vstack([X_XOR, X_VAL[:n_val]])
    s = np.concatenate([S_XOR, S_VAL[:n_val]])
    return X, s, np.arange(len(s)) >= len(S_XOR)


@pytest.mark.parametrize("given", ["held out", "apart", "apart and sparse"])
@pytest.mark.parametrize("n_iter_no_change", [1, 2, 4])
def test_validation_stopping(backend, n_iter_no_change, given):
    # Training on XOR never converges; with validation rows the stop follows
    # their accuracy, weighted by their sample weights, whether a mask holds
    # them out of X or they are given apart (training then sees the same
    # rows in the same order).
    X, s, mask = _xor_with_validation(5)
    # validation weights under which the stop comes one epoch later than
    # unweighted
    sample_weight = np.concatenate([np.ones(6), [1.2, 3.1, 1.9, 2.4, 0.3]])
    kw = dict(tol=1e-4, n_iter_no_change=n_iter_no_change, max_iter=50)

    def run(weights):
        if given == "held out":
            return _run(X, s, weights, validation_mask=mask, **kw)
        rows = sp.csr_matrix(X[mask]) if given == "apart and sparse" else X[mask]
        apart = (rows, s[mask][:, None], weights[mask])
        return _run(X[~mask], s[~mask], validation_set=apart, **kw)

    coef, intercept, n_iter = run(sample_weight)
    w, b, epochs = _hand_rule_with_stopping(X, s, sample_weight, validation_mask=mask, **kw)
    assert n_iter[0] == epochs < 50
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)
    _, _, unweighted = run(np.ones(len(s)))
    assert unweighted[0] == epochs - 1


def test_validation_rows_are_held_out_in_place(backend):
    # Held-out rows interleaved with the training rows: training equals the
    # rule on the training rows alone, in their stored order.
    X, s, mask = _xor_with_validation(5)
    interleave = np.array([6, 0, 1, 7, 8, 2, 3, 9, 4, 5, 10])
    X, s, mask = X[interleave], s[interleave], mask[interleave]
    coef, intercept, n_iter = _run(X, s, validation_mask=mask, max_iter=7, tol=None)
    w, b = _hand_rule(X_XOR, S_XOR, epochs=7)
    assert_array_equal(n_iter, [7])
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


def test_a_validation_set_apart_and_held_out_rows_are_not_both_taken(backend):
    X, s, mask = _xor_with_validation(5)
    apart = (X[mask], s[mask][:, None], np.ones(mask.sum()))
    with pytest.raises(ValueError, match="validation_mask or a validation_set, not both"):
        _run(X, s, validation_mask=mask, validation_set=apart, max_iter=3)


def test_validation_overrides_training_loss(backend):
    # Same data, same tolerance: without validation the stop follows the
    # training criterion, with validation it follows validation accuracy;
    # the two references differ here, and the engine follows each.
    X, s, mask = _xor_with_validation(4)
    kw = dict(tol=0.0, n_iter_no_change=2, max_iter=50)
    _, _, with_val = _hand_rule_with_stopping(X, s, validation_mask=mask, **kw)
    _, _, without = _hand_rule_with_stopping(X_XOR, S_XOR, **kw)
    assert with_val != without
    _, _, n_val = _run(X, s, validation_mask=mask, **kw)
    _, _, n_train = _run(X_XOR, S_XOR, **kw)
    assert n_val[0] == with_val
    assert n_train[0] == without


@pytest.mark.parametrize("n_iter_no_change", [1, 2, 3])
def test_validation_score_ignores_class_weight(backend, n_iter_no_change):
    # Class weights shape training only: the held-out rows count by their
    # sample weights. Here weighing them by class too would stop a different
    # epoch.
    X, s, mask = _xor_with_validation(4)
    sample_weight = np.concatenate([np.ones(6), [2.7, 2.1, 2.2, 1.1]])
    class_weight = (2.2, 1.3)
    kw = dict(tol=1e-4, n_iter_no_change=n_iter_no_change, max_iter=50)
    w, b, epochs = _hand_rule_with_stopping(X, s, sample_weight, class_weight,
                                            validation_mask=mask, **kw)
    _, _, class_weighted = _hand_rule_with_stopping(
        X, s, _row_weights(s, sample_weight, class_weight), validation_mask=mask, **kw
    )
    assert class_weighted != epochs
    coef, intercept, n_iter = _run(X, s, sample_weight, [class_weight],
                                   validation_mask=mask, **kw)
    assert n_iter[0] == epochs
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------
# Sparse input
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sparse_problem():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 6) * (rng.rand(40, 6) < 0.4)
    signs = np.where(rng.randn(40, 3) > 0, 1.0, -1.0)
    sample_weight = rng.uniform(0.5, 2.0, size=40)
    class_weight = rng.uniform(0.5, 2.0, size=(3, 2))
    return X, signs, sample_weight, class_weight


@pytest.mark.parametrize("penalty", [None, "l2"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_sparse_csr_equals_dense(backend, sparse_problem, penalty, shuffle):
    X, signs, sample_weight, class_weight = sparse_problem
    kw = dict(penalty=penalty, alpha=0.01, max_iter=6, tol=None, shuffle=shuffle,
              seeds=[3, 4, 5])
    dense = _run(X, signs, sample_weight, class_weight, **kw)
    sparse = _run(sp.csr_matrix(X), signs, sample_weight, class_weight, **kw)
    assert_allclose(sparse[0], dense[0], rtol=1e-12, atol=1e-14)
    assert_allclose(sparse[1], dense[1], rtol=1e-12, atol=1e-14)
    assert_array_equal(sparse[2], dense[2])
    assert np.any(dense[0] != 0)


def test_sparse_matches_hand_rule(backend, sparse_problem):
    X, signs, sample_weight, class_weight = sparse_problem
    coef, intercept, _ = _run(sp.csr_matrix(X), signs, sample_weight, class_weight,
                              eta0=0.7, max_iter=4, tol=None)
    for k in range(signs.shape[1]):
        w, b = _hand_rule(X, signs[:, k], sample_weight, class_weight[k], eta=0.7, epochs=4)
        assert_allclose(coef[k], w, rtol=1e-12, atol=1e-12)
        assert_allclose(intercept[k], b, rtol=1e-12, atol=1e-12)


def test_sparse_validation_stopping(backend, sparse_problem):
    X, signs, sample_weight, class_weight = sparse_problem
    mask = np.arange(len(X)) < 10
    kw = dict(validation_mask=mask, max_iter=30, n_iter_no_change=2)
    dense = _run(X, signs, sample_weight, class_weight, **kw)
    sparse = _run(sp.csr_matrix(X), signs, sample_weight, class_weight, **kw)
    assert_array_equal(sparse[2], dense[2])
    assert_allclose(sparse[0], dense[0], rtol=1e-12, atol=1e-14)
    for k in range(signs.shape[1]):
        w, b, epochs = _hand_rule_with_stopping(
            X, signs[:, k], sample_weight, class_weight[k], tol=1e-3, n_iter_no_change=2,
            max_iter=30, validation_mask=mask,
        )
        assert sparse[2][k] == epochs < 30
        assert_allclose(sparse[0][k], w, rtol=1e-12, atol=1e-12)
        assert_allclose(sparse[1][k], b, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------
# Shuffling
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 7, 2**31 - 2])
def test_shuffle_visits_the_permuted_orders(backend, sparse_problem, seed):
    X, signs, sample_weight, class_weight = sparse_problem
    coef, intercept, _ = _run(X, signs[:, 0], sample_weight, class_weight[:1], seeds=[seed],
                              shuffle=True, eta0=0.7, max_iter=4, tol=None)
    orders = _shuffled_orders(len(X), seed, 4)
    w, b = _hand_rule(X, signs[:, 0], sample_weight, class_weight[0], eta=0.7, orders=orders)
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)
    # the orders really are shuffled, and that changes the weights
    assert len({tuple(order) for order in orders}) == 4
    stored, _ = _hand_rule(X, signs[:, 0], sample_weight, class_weight[0], eta=0.7, epochs=4)
    assert not np.allclose(w, stored)


def test_shuffle_seeds_give_their_own_orders(backend, sparse_problem):
    X, signs, sample_weight, _ = sparse_problem
    s = signs[:, 0]
    kw = dict(shuffle=True, max_iter=3, tol=None)
    assert not np.array_equal(perceptron_routines.shuffle_permutation(len(X), 5),
                              perceptron_routines.shuffle_permutation(len(X), 6))
    a = _run(X, s, sample_weight, seeds=[5], **kw)
    again = _run(X, s, sample_weight, seeds=[5], **kw)
    other = _run(X, s, sample_weight, seeds=[6], **kw)
    assert_array_equal(again[0], a[0])
    assert_array_equal(again[1], a[1])
    assert not np.allclose(other[0], a[0])
    # each output shuffles with its own seed
    both = _run(X, np.column_stack([s, s]), sample_weight, seeds=[5, 6], **kw)
    assert_array_equal(both[0], np.vstack([a[0], other[0]]))
    assert_array_equal(both[1], [a[1][0], other[1][0]])


def test_seeds_are_unused_without_shuffle(backend, sparse_problem):
    X, signs, sample_weight, class_weight = sparse_problem
    a = _run(X, signs, sample_weight, class_weight, seeds=[1, 2, 3], max_iter=3, tol=None)
    b = _run(X, signs, sample_weight, class_weight, seeds=[9, 8, 7], max_iter=3, tol=None)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])


def test_shuffle_keeps_validation_rows_in_place(backend, sparse_problem):
    # The held-out rows are shuffled along with the others and skipped where
    # they land, so training visits the full permutation's orders without
    # them, not a shuffle of the training rows alone.
    X, signs, sample_weight, _ = sparse_problem
    s = signs[:, 1]
    mask = np.arange(len(X)) % 4 == 1
    coef, intercept, n_iter = _run(X, s, sample_weight, seeds=[11], shuffle=True,
                                   validation_mask=mask, max_iter=3, tol=None)
    orders = [order[~mask[order]] for order in _shuffled_orders(len(X), 11, 3)]
    w, b = _hand_rule(X, s, sample_weight, orders=orders)
    assert_array_equal(n_iter, [3])
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)
    train = np.flatnonzero(~mask)
    apart = [train[order] for order in _shuffled_orders(train.size, 11, 3)]
    w_apart, _ = _hand_rule(X, s, sample_weight, orders=apart)
    assert not np.allclose(w_apart, w)


def test_shuffled_rule_solves_separable_problem(backend):
    rng = np.random.RandomState(1)
    X = rng.randn(60, 3)
    margin = X @ [1.0, -2.0, 0.5] + 0.3
    # keep a margin so the rule converges quickly
    X, s = X[np.abs(margin) > 0.3], np.sign(margin[np.abs(margin) > 0.3])
    for seed in range(5):
        coef, intercept, _ = _run(X, s, seeds=[seed], shuffle=True, max_iter=50, tol=None)
        assert np.all(s * (X @ coef[0] + intercept[0]) > 0)


# --------------------------------------------------------------------------
# Penalties
# --------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.01, 0.05])
def test_l2_is_weight_decay_before_each_update(backend, alpha):
    eta0 = 0.5
    coef, intercept, _ = _run(
        X_XOR, S_XOR, eta0=eta0, penalty="l2", alpha=alpha, max_iter=5, tol=None
    )
    w, b = _hand_rule(X_XOR, S_XOR, eta=eta0, epochs=5, decay=1 - eta0 * alpha)
    assert_allclose(coef[0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


def test_elasticnet_with_zero_l1_ratio_is_l2(backend):
    # l1_ratio=0 elastic net is pure L2 weight decay.
    a = _run(X_XOR, S_XOR, penalty="elasticnet", l1_ratio=0.0, alpha=0.03, max_iter=5, tol=None)
    b = _run(X_XOR, S_XOR, penalty="l2", alpha=0.03, max_iter=5, tol=None)
    free = _run(X_XOR, S_XOR, max_iter=5, tol=None)
    assert_allclose(a[0], b[0], rtol=1e-12, atol=1e-14)
    assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-14)
    assert not np.allclose(a[0], free[0])


@pytest.fixture(scope="module")
def noisy_problem():
    rng = np.random.RandomState(2)
    X = rng.randn(80, 8)
    s = np.where(X[:, 0] - X[:, 1] + 0.8 * rng.randn(80) > 0, 1.0, -1.0)
    return X, s


@pytest.mark.parametrize("penalty, l1_ratio", [("l2", 0.15), ("l1", 0.15), ("elasticnet", 0.5)])
def test_penalties_shrink_weights(backend, noisy_problem, penalty, l1_ratio):
    X, s = noisy_problem
    free, _, _ = _run(X, s, max_iter=20, tol=None)
    norms = []
    for alpha in (0.01, 0.05):
        coef, _, _ = _run(X, s, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio,
                          max_iter=20, tol=None)
        norms.append(np.abs(coef).sum())
    assert norms[0] < np.abs(free).sum()
    assert norms[1] < norms[0]


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_l1_truncation_zeroes_noise_features(backend, noisy_problem, penalty):
    X, s = noisy_problem
    free, _, _ = _run(X, s, max_iter=20, tol=None)
    coef, _, _ = _run(X, s, penalty=penalty, alpha=0.05, l1_ratio=0.9, max_iter=20, tol=None)
    assert np.count_nonzero(free) == free.size
    assert np.count_nonzero(coef == 0) >= 3
    # the informative features 0 and 1 survive with the right signs
    assert coef[0, 0] > 0 and coef[0, 1] < 0


@pytest.mark.parametrize("eta0, alpha", [(1.0, 0.5), (0.5, 0.2)])
def test_l1_alone_truncates_by_cumulative_penalty(backend, eta0, alpha):
    coef, intercept, _ = _run(
        X_SEP, S_SEP, coef=W_FROZEN[None, :], intercept=[B_FROZEN], eta0=eta0,
        penalty="l1", alpha=alpha, max_iter=3, tol=None,
    )
    total = 15 * eta0 * alpha
    expected = np.sign(W_FROZEN) * np.maximum(0.0, np.abs(W_FROZEN) - total)
    assert_allclose(coef[0], expected, rtol=1e-12, atol=1e-12)
    assert coef[0, 0] == 0.0  # clipped at zero, not pushed past it
    assert intercept[0] == B_FROZEN


def test_sparse_l1_truncates_only_the_features_of_each_row(backend):
    # Truncation is lazy: a row only catches up the features it holds. In
    # CSR, X_SEP's last row (1, 0) does not hold feature 1, so after 3 epochs
    # feature 1 has had the penalty of 14 rows, not 15; dense rows hold both.
    eta0, alpha = 0.5, 0.2
    kw = dict(coef=W_FROZEN[None, :], intercept=[B_FROZEN], eta0=eta0, penalty="l1",
              alpha=alpha, max_iter=3, tol=None)
    sparse, _, _ = _run(sp.csr_matrix(X_SEP), S_SEP, **kw)
    dense, _, _ = _run(X_SEP, S_SEP, **kw)
    assert_allclose(sparse[0], [0.0, 30.0 - 14 * eta0 * alpha], rtol=1e-12)
    assert_allclose(dense[0], [0.0, 30.0 - 15 * eta0 * alpha], rtol=1e-12)


@pytest.mark.parametrize("eta0, alpha", [(1.0, 0.01), (0.5, 0.2)])
def test_l2_alone_decays_geometrically(backend, eta0, alpha):
    coef, intercept, _ = _run(
        X_SEP, S_SEP, coef=W_FROZEN[None, :], intercept=[B_FROZEN], eta0=eta0,
        penalty="l2", alpha=alpha, max_iter=3, tol=None,
    )
    assert_allclose(coef[0], W_FROZEN * (1 - eta0 * alpha) ** 15, rtol=1e-12)
    assert intercept[0] == B_FROZEN


@pytest.mark.parametrize("l1_ratio", [0.3, 0.8])
def test_elasticnet_alone_decays_then_truncates(backend, l1_ratio):
    # At every row the L2 part scales the weights by 1 - (1 - l1_ratio) *
    # eta0 * alpha, then the L1 part takes l1_ratio * eta0 * alpha off
    # their size, clipping at zero.
    eta0, alpha = 0.5, 0.2
    coef, intercept, _ = _run(
        X_SEP, S_SEP, coef=W_FROZEN[None, :], intercept=[B_FROZEN], eta0=eta0,
        penalty="elasticnet", alpha=alpha, l1_ratio=l1_ratio, max_iter=3, tol=None,
    )
    expected = W_FROZEN.copy()
    for _ in range(15):
        expected = np.maximum(0.0, expected * (1 - (1 - l1_ratio) * eta0 * alpha)
                              - l1_ratio * eta0 * alpha)
    assert_allclose(coef[0], expected, rtol=1e-12, atol=1e-12)
    # the L1 part took more than the L2 decay alone
    assert 0.0 < coef[0, 1] < W_FROZEN[1] * (1 - (1 - l1_ratio) * eta0 * alpha) ** 15
    assert intercept[0] == B_FROZEN


# --------------------------------------------------------------------------
# Overflow
# --------------------------------------------------------------------------


def test_overflow_raises_floating_point_error(backend):
    X = np.array([[1e300, 1e300], [-1e300, 1e300]])
    s = np.array([1.0, -1.0])
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="epoch 1"):
        _run(X, s, eta0=1e308, max_iter=3, tol=None)


def test_overflow_keeps_what_the_other_outputs_trained(backend):
    # Output 1's huge class weights overflow its first step; the outputs
    # train epoch by epoch side by side, so output 0 holds its weights after
    # that first epoch.
    coef = np.zeros((2, 2))
    intercept = np.zeros(2)
    signs = np.column_stack([S_XOR, S_XOR])
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="epoch 1"):
        fit_perceptron_rule(coef, intercept, X_XOR, signs, np.ones(6),
                            np.array([[1.0, 1.0], [1e300, 1e300]]), [0, 0],
                            eta0=1e10, max_iter=4, tol=None, shuffle=False)
    w, b = _hand_rule(X_XOR, S_XOR, eta=1e10, epochs=1)
    assert_allclose(coef[0], w, rtol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12)


def test_finite_large_values_do_not_raise(backend):
    X = np.array([[1e100, 1e100], [-1e100, 1e100]])
    s = np.array([1.0, -1.0])
    coef, intercept, _ = _run(X, s, eta0=1.0, max_iter=3, tol=None)
    assert np.all(np.isfinite(coef))
    assert np.all(s * (X @ coef[0] + intercept[0]) > 0)


# --------------------------------------------------------------------------
# Verbose output
# --------------------------------------------------------------------------

_TIME = r"\d+\.\d\d"


def _epoch_lines(out):
    """The figures of each epoch's report line, as dicts of strings."""
    return [dict(pair.split(": ") for pair in line.split(", "))
            for line in out.splitlines() if line.startswith("Norm: ")]


def test_verbose_prints_scikit_learns_epoch_lines(backend, capsys):
    # The run of test_stopping_epoch_worked_by_hand: w=(0, 3), b=1 after
    # epoch 1, with criterion 2 over 5 rows, then no mistakes; it stops
    # after epoch 5.
    _, _, n_iter = _run(X_SEP, S_SEP, max_iter=40, tol=1e-3, n_iter_no_change=3, verbose=1)
    assert_array_equal(n_iter, [5])
    lines = capsys.readouterr().out.splitlines()
    expected = []
    for epoch in range(1, 6):
        loss = "0.400000" if epoch == 1 else "0.000000"
        expected += [
            rf"-- Epoch {epoch}",
            rf"Norm: 3\.00, NNZs: 1, Bias: 1\.000000, T: {5 * epoch}, "
            rf"Avg\. loss: {loss}, Objective: {loss}",
            rf"Total training time: {_TIME} seconds\.",
        ]
    expected.append(rf"Convergence after 5 epochs took {_TIME} seconds")
    assert len(lines) == len(expected)
    for line, pattern in zip(lines, expected):
        assert re.fullmatch(pattern, line), (line, pattern)


def test_verbose_without_convergence_and_per_output(backend, capsys):
    _run(X_XOR, np.column_stack([S_XOR, -S_XOR]), max_iter=3, tol=None, verbose=1)
    out = capsys.readouterr().out
    assert "Convergence" not in out
    # each output reports its own epochs, counted from 1; the outputs train
    # epoch by epoch side by side, so their reports alternate
    assert re.findall(r"-- Epoch (\d+)", out) == ["1", "1", "2", "2", "3", "3"]
    assert [fields["T"] for fields in _epoch_lines(out)] == ["6", "6", "12", "12", "18", "18"]
    assert len(re.findall(rf"^Total training time: {_TIME} seconds\.$", out, re.M)) == 6


def test_verbose_reports_the_penalised_objective(backend, capsys):
    # Frozen weights: no row errs, so the loss is 0 and the objective is the
    # L2 penalty alpha/2 |w|^2 at each row, decaying by (1 - alpha)^2 per row.
    alpha = 0.01
    _run(X_SEP, S_SEP, coef=W_FROZEN[None, :], intercept=[B_FROZEN], penalty="l2",
         alpha=alpha, max_iter=2, tol=None, verbose=1)
    reports = _epoch_lines(capsys.readouterr().out)
    assert len(reports) == 2
    decay = 1 - alpha
    for epoch, fields in enumerate(reports, start=1):
        visits = np.arange(5 * (epoch - 1), 5 * epoch)
        objective = np.mean(alpha * 0.5 * (W_FROZEN @ W_FROZEN) * decay ** (2 * visits))
        assert fields["Avg. loss"] == "0.000000"
        assert_allclose(float(fields["Objective"]), objective, atol=2e-6)
        assert fields["Norm"] == f"{np.sqrt(W_FROZEN @ W_FROZEN) * decay ** (5 * epoch):.2f}"
        assert fields["NNZs"] == "2"


def test_verbose_validation_score_is_sample_weighted_on_stored_weights(backend, capsys):
    # With L2 the engine keeps w = wscale * stored; like scikit-learn it
    # scores the held-out rows with the stored weights, without wscale, and
    # predicts positive where z > 0. Frozen weights, alpha=0.1: after epoch
    # 1, w = 0.9^5 (1, 30) = 0.59 (1, 30), stored (1, 30), b = 1. Held-out
    # rows and how each scores them:
    #   (1, -0.08), +: w gives 0.59 (-1.4) + 1 > 0, a hit; stored -0.4, a miss
    #   (-1, -1),   -: both give z < 0, a hit
    #   (0, 1),     -: both give z > 0, a miss
    #   (-1, 0),    -: w gives 0.41, a miss; stored exactly 0, a hit
    # With sample weights 1, 3, 2, 4 the stored weights score 7/10 (w would
    # score 4/10); unweighted, 2/4.
    X = np.vstack([X_SEP, [[1.0, -0.08], [-1.0, -1.0], [0.0, 1.0], [-1.0, 0.0]]])
    s = np.concatenate([S_SEP, [1.0, -1.0, -1.0, -1.0]])
    mask = np.arange(9) >= 5
    alpha = 0.1
    kw = dict(coef=W_FROZEN[None, :], intercept=[B_FROZEN], penalty="l2", alpha=alpha,
              validation_mask=mask, max_iter=1, tol=None, verbose=1)
    _run(X, s, np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 2.0, 4.0]), **kw)
    _run(X, s, **kw)
    out = capsys.readouterr().out
    weighted, unweighted = _epoch_lines(out)
    assert weighted["Validation score"] == f"{7 / 10:f}"
    assert unweighted["Validation score"] == f"{2 / 4:f}"
    # the training figures count the 5 training rows alone
    objective = np.mean(alpha * 0.5 * (W_FROZEN @ W_FROZEN) * (1 - alpha) ** (2 * np.arange(5)))
    assert_allclose(float(weighted["Objective"]), objective, atol=2e-6)
    assert weighted["T"] == "5"
    assert "Convergence" not in out


def test_an_empty_validation_mask_stops_on_the_training_objective(backend):
    # nothing held out: the objective decides, whether or not it is printed
    runs = [
        _run(X_XOR, S_XOR, validation_mask=mask, verbose=verbose, max_iter=60)[2]
        for mask in (None, np.zeros(len(S_XOR), dtype=bool))
        for verbose in (0, 1)
    ]
    assert all(n_iter[0] == runs[0][0] for n_iter in runs)
    assert 5 < runs[0][0] < 60


def test_a_validation_mask_holding_out_every_row_is_refused():
    with pytest.raises(ValueError, match="holds out every row"):
        _run(X_XOR, S_XOR, validation_mask=np.ones(len(S_XOR), dtype=bool))
