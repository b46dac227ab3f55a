"""Engine-level tests of skdl.perceptron_rule.fit_perceptron_rule.

The reference throughout is the classic perceptron rule written out by hand
in this file: zero (or given) start, samples in their stored order, and on a
mistake (``s * z <= 0``) ``w += eta * weight * s * x`` and ``b += eta *
weight * s``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skdl.perceptron_rule import fit_perceptron_rule

# --------------------------------------------------------------------------
# Tiny hand-made problems
# --------------------------------------------------------------------------

# Linearly separable, five points in 2-D.
X_SEP = np.array([[1.0, 2.0], [2.0, -1.0], [-1.0, -1.0], [0.0, 1.0], [1.0, 0.0]])
S_SEP = np.array([1.0, -1.0, -1.0, 1.0, 1.0])

# XOR-like, not separable: the rule never settles.
X_XOR = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [0.5, 0.2], [-0.3, 0.8]])
S_XOR = np.array([1.0, 1.0, -1.0, -1.0, 1.0, -1.0])


def _run(X, signs, weights=None, coef=None, intercept=None, **kwargs):
    """Call the engine with 1-D or 2-D signs; returns (coef, intercept, n_iter)."""
    signs = np.asarray(signs, dtype=float)
    if signs.ndim == 1:
        signs = signs[:, None]
    n_features, n_outputs = X.shape[1], signs.shape[1]
    if weights is None:
        weights = np.ones_like(signs)
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 1:
        weights = np.repeat(weights[:, None], n_outputs, axis=1)
    coef = np.zeros((n_features, n_outputs)) if coef is None else np.array(coef, dtype=float)
    intercept = np.zeros(n_outputs) if intercept is None else np.array(intercept, dtype=float)
    kwargs.setdefault("shuffle", False)
    kwargs.setdefault("random_state", np.random.RandomState(0))
    n_iter = fit_perceptron_rule(coef, intercept, X, signs, weights, **kwargs)
    return coef, intercept, n_iter


def _hand_rule(X, s, weights=None, *, eta=1.0, epochs=1, fit_intercept=True,
               w0=None, b0=0.0, decay=1.0):
    """The perceptron rule, one output, fixed order, written out plainly.

    ``decay`` multiplies the weights before every sample's update (L2 weight
    decay, ``1 - eta * alpha``)."""
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=float)
    b = float(b0)
    weights = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    for _ in range(epochs):
        for i in range(n):
            z = sum(w[j] * X[i, j] for j in range(d)) + b
            mistake = s[i] * z <= 0
            w = w * decay
            if mistake:
                for j in range(d):
                    w[j] += eta * weights[i] * s[i] * X[i, j]
                if fit_intercept:
                    b += eta * weights[i] * s[i]
    return w, b


def _hand_rule_with_stopping(X, s, *, eta=1.0, tol, n_iter_no_change, max_iter,
                             validation=None):
    """Plain rule plus the documented stopping rule; returns (w, b, epochs)."""
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    best = np.inf if validation is None else -np.inf
    stale = 0
    for epoch in range(1, max_iter + 1):
        criterion = 0.0
        for i in range(n):
            z = X[i] @ w + b
            criterion += max(0.0, -s[i] * z)
            if s[i] * z <= 0:
                w = w + eta * s[i] * X[i]
                b += eta * s[i]
        if validation is None:
            score = criterion / n
            worse = score > best - tol
            best = min(best, score)
        else:
            Xv, sv, wv = validation
            score = np.average(sv * (Xv @ w + b) > 0, weights=wv)
            worse = score < best + tol
            best = max(best, score)
        stale = stale + 1 if worse else 0
        if stale >= n_iter_no_change:
            break
    return w, b, epoch


# --------------------------------------------------------------------------
# The rule, weight for weight
# --------------------------------------------------------------------------


def test_first_epoch_worked_by_hand():
    # Worked on paper, eta=1, zero start, order 1..5:
    #   x1=(1,2),+ : z=0 -> mistake, w=(1,2),  b=1
    #   x2=(2,-1),-: z=1 -> mistake, w=(-1,3), b=0
    #   x3=(-1,-1),-: z=-2 fine;  x4=(0,1),+: z=3 fine
    #   x5=(1,0),+ : z=-1 -> mistake, w=(0,3), b=1
    # and the second epoch makes no mistakes.
    for epochs in (1, 2, 3):
        coef, intercept, n_iter = _run(X_SEP, S_SEP, max_iter=epochs, tol=None)
        assert_array_equal(coef[:, 0], [0.0, 3.0])
        assert_array_equal(intercept, [1.0])
        assert_array_equal(n_iter, [epochs])


def test_weighted_first_epoch_worked_by_hand():
    # Weights (2, 1, 1, 1, 0.5):
    #   x1: z=0 mistake, w=2*(1,2)=(2,4), b=2
    #   x2: z=2-4+2=2 with s=-1 -> mistake, w=(0,5), b=1
    #   x3: z=-4 fine; x4: z=6 fine; x5: z=1 fine.
    weights = np.array([2.0, 1.0, 1.0, 1.0, 0.5])
    coef, intercept, _ = _run(X_SEP, S_SEP, weights, max_iter=2, tol=None)
    assert_array_equal(coef[:, 0], [0.0, 5.0])
    assert_array_equal(intercept, [1.0])


@pytest.mark.parametrize("eta0", [1.0, 0.25, 3.0])
@pytest.mark.parametrize("epochs", [1, 2, 5, 9])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_hand_rule_on_xor(eta0, epochs, fit_intercept):
    coef, intercept, n_iter = _run(
        X_XOR, S_XOR, eta0=eta0, max_iter=epochs, tol=None, fit_intercept=fit_intercept
    )
    w, b = _hand_rule(X_XOR, S_XOR, eta=eta0, epochs=epochs, fit_intercept=fit_intercept)
    assert_allclose(coef[:, 0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)
    if not fit_intercept:
        assert intercept[0] == 0.0
    assert_array_equal(n_iter, [epochs])


@pytest.mark.parametrize("weights", [
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [2.0, 0.5, 1.0, 3.0, 0.0, 1.5],
    [0.1, 0.1, 4.0, 4.0, 1.0, 1.0],
])
def test_update_scales_with_weight(weights):
    coef, intercept, _ = _run(X_XOR, S_XOR, weights, eta0=0.5, max_iter=6, tol=None)
    w, b = _hand_rule(X_XOR, S_XOR, weights, eta=0.5, epochs=6)
    assert_allclose(coef[:, 0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


def test_zero_weight_sample_is_ignored():
    weights = np.ones(len(S_XOR))
    weights[2] = 0.0
    coef, intercept, _ = _run(X_XOR, S_XOR, weights, max_iter=7, tol=None)
    keep = np.arange(len(S_XOR)) != 2
    coef_drop, intercept_drop, _ = _run(X_XOR[keep], S_XOR[keep], max_iter=7, tol=None)
    assert_allclose(coef, coef_drop, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept, intercept_drop, rtol=1e-12, atol=1e-12)


def test_starts_from_given_weights():
    w0, b0 = np.array([0.3, -0.7]), -0.2
    coef, intercept, _ = _run(
        X_XOR, S_XOR, coef=w0[:, None], intercept=[b0], max_iter=4, tol=None
    )
    w, b = _hand_rule(X_XOR, S_XOR, epochs=4, w0=w0, b0=b0)
    assert_allclose(coef[:, 0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


def test_outputs_are_independent_problems():
    # Column 0 is the separable problem padded to 6 points, column 1 the XOR
    # problem; both must equal their single-output runs.
    X = X_XOR
    signs = np.column_stack([np.where(X[:, 0] + X[:, 1] > 0.05, 1.0, -1.0), S_XOR])
    weights = np.column_stack([np.ones(6), np.linspace(0.5, 2.0, 6)])
    coef, intercept, _ = _run(X, signs, weights, max_iter=5, tol=None)
    for k in range(2):
        w, b = _hand_rule(X, signs[:, k], weights[:, k], epochs=5)
        assert_allclose(coef[:, k], w, rtol=1e-12, atol=1e-12)
        assert_allclose(intercept[k], b, rtol=1e-12, atol=1e-12)


def test_separable_problem_is_solved():
    coef, intercept, _ = _run(X_SEP, S_SEP, max_iter=50, tol=None)
    assert np.all(S_SEP * (X_SEP @ coef[:, 0] + intercept[0]) > 0)


# --------------------------------------------------------------------------
# Stopping
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_iter_no_change", [1, 3, 5])
@pytest.mark.parametrize("tol", [1e-3, 0.2])
def test_tol_stopping_per_output(n_iter_no_change, tol):
    signs = np.column_stack([np.where(X_XOR[:, 0] + X_XOR[:, 1] > 0.05, 1.0, -1.0), S_XOR])
    coef, intercept, n_iter = _run(
        X_XOR, signs, max_iter=60, tol=tol, n_iter_no_change=n_iter_no_change
    )
    assert n_iter.shape == (2,)
    assert np.issubdtype(n_iter.dtype, np.integer)
    for k in range(2):
        w, b, epochs = _hand_rule_with_stopping(
            X_XOR, signs[:, k], tol=tol, n_iter_no_change=n_iter_no_change, max_iter=60
        )
        assert n_iter[k] == epochs
        assert_allclose(coef[:, k], w, rtol=1e-12, atol=1e-12)
        assert_allclose(intercept[k], b, rtol=1e-12, atol=1e-12)
        assert n_iter[k] >= n_iter_no_change


def test_stopping_epoch_worked_by_hand():
    # Epoch 1 on the separable problem errs on x1 (margin 0), x2 and x5
    # (margin -1 each): criterion 2/5. Epoch 2 makes no mistake: criterion
    # 0, an improvement. Epochs 3, 4, 5 stay at 0, which is not tol below
    # the best, so with n_iter_no_change=3 the rule stops after epoch 5.
    signs = np.column_stack([S_SEP, S_SEP])
    _, _, n_iter = _run(X_SEP, signs, max_iter=40, tol=1e-3, n_iter_no_change=3)
    assert_array_equal(n_iter, [5, 5])


def test_negative_tol_never_stops():
    # A negative tolerance counts any epoch no worse than 1 above the best
    # as an improvement, so the rule runs to max_iter.
    _, _, n_iter = _run(X_XOR, np.column_stack([S_XOR, -S_XOR]), max_iter=40, tol=-1.0,
                        n_iter_no_change=3)
    assert_array_equal(n_iter, [40, 40])


def test_tol_none_runs_max_iter():
    _, _, n_iter = _run(X_SEP, np.column_stack([S_SEP, -S_SEP, S_SEP]), max_iter=17, tol=None)
    assert_array_equal(n_iter, [17, 17, 17])


@pytest.mark.parametrize("n_iter_no_change", [1, 2, 4])
def test_validation_stopping(n_iter_no_change):
    # Training on XOR never converges, so a loss-based rule with tol<0 runs
    # to max_iter; with a validation set the stop follows validation accuracy.
    X_val = np.array([[2.0, 2.0], [-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0], [0.1, 0.1]])
    s_val = np.array([1.0, 1.0, -1.0, -1.0, 1.0])
    # weights under which the stop comes one epoch later than unweighted
    w_val = np.array([1.2, 3.1, 1.9, 2.4, 0.3])
    coef, intercept, n_iter = _run(
        X_XOR, S_XOR, max_iter=50, tol=1e-4, n_iter_no_change=n_iter_no_change,
        validation=(X_val, s_val[:, None], w_val),
    )
    w, b, epochs = _hand_rule_with_stopping(
        X_XOR, S_XOR, tol=1e-4, n_iter_no_change=n_iter_no_change, max_iter=50,
        validation=(X_val, s_val, w_val),
    )
    assert n_iter[0] == epochs < 50
    _, _, unweighted = _run(
        X_XOR, S_XOR, max_iter=50, tol=1e-4, n_iter_no_change=n_iter_no_change,
        validation=(X_val, s_val[:, None], np.ones_like(w_val)),
    )
    assert unweighted[0] == epochs - 1
    assert_allclose(coef[:, 0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


def test_validation_overrides_training_loss():
    # Same data, same tolerance: without validation the stop follows the
    # training criterion, with validation it follows validation accuracy;
    # the two references differ here, and the engine follows each.
    X_val = np.array([[2.0, 2.0], [-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0]])
    s_val = np.array([1.0, 1.0, -1.0, -1.0])
    kw = dict(tol=0.0, n_iter_no_change=2, max_iter=50)
    ones = np.ones(len(s_val))
    _, _, with_val = _hand_rule_with_stopping(X_XOR, S_XOR, validation=(X_val, s_val, ones),
                                              **kw)
    _, _, without = _hand_rule_with_stopping(X_XOR, S_XOR, **kw)
    assert with_val != without
    _, _, n_val = _run(X_XOR, S_XOR, validation=(X_val, s_val[:, None], ones), **kw)
    _, _, n_train = _run(X_XOR, S_XOR, **kw)
    assert n_val[0] == with_val
    assert n_train[0] == without


# --------------------------------------------------------------------------
# Sparse input, shuffling
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sparse_problem():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 6) * (rng.rand(40, 6) < 0.4)
    signs = np.where(rng.randn(40, 3) > 0, 1.0, -1.0)
    weights = rng.uniform(0.5, 2.0, size=(40, 3))
    return X, signs, weights


@pytest.mark.parametrize("penalty", [None, "l2"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_sparse_csr_equals_dense(sparse_problem, penalty, shuffle):
    X, signs, weights = sparse_problem
    kw = dict(penalty=penalty, alpha=0.01, max_iter=6, tol=None, shuffle=shuffle)
    dense = _run(X, signs, weights, random_state=np.random.RandomState(3), **kw)
    sparse = _run(sp.csr_matrix(X), signs, weights, random_state=np.random.RandomState(3), **kw)
    assert_allclose(sparse[0], dense[0], rtol=1e-12, atol=1e-14)
    assert_allclose(sparse[1], dense[1], rtol=1e-12, atol=1e-14)
    assert_array_equal(sparse[2], dense[2])
    assert np.any(dense[0] != 0)


def test_sparse_matches_hand_rule(sparse_problem):
    X, signs, weights = sparse_problem
    coef, intercept, _ = _run(sp.csr_matrix(X), signs, weights, eta0=0.7, max_iter=4, tol=None)
    for k in range(signs.shape[1]):
        w, b = _hand_rule(X, signs[:, k], weights[:, k], eta=0.7, epochs=4)
        assert_allclose(coef[:, k], w, rtol=1e-12, atol=1e-12)
        assert_allclose(intercept[k], b, rtol=1e-12, atol=1e-12)


def test_sparse_validation_stopping(sparse_problem):
    X, signs, weights = sparse_problem
    val = (sp.csr_matrix(X[:10]), signs[:10], weights[:10, 0])
    dense = _run(X[10:], signs[10:], weights[10:], validation=(X[:10], *val[1:]),
                 max_iter=30, n_iter_no_change=2)
    sparse = _run(sp.csr_matrix(X[10:]), signs[10:], weights[10:], validation=val,
                  max_iter=30, n_iter_no_change=2)
    assert_array_equal(sparse[2], dense[2])
    assert_allclose(sparse[0], dense[0], rtol=1e-12, atol=1e-14)


def test_shuffle_is_seeded_and_changes_order(sparse_problem):
    X, signs, weights = sparse_problem
    a = _run(X, signs, weights, shuffle=True, random_state=np.random.RandomState(5),
             max_iter=3, tol=None)
    b = _run(X, signs, weights, shuffle=True, random_state=np.random.RandomState(5),
             max_iter=3, tol=None)
    fixed = _run(X, signs, weights, shuffle=False, max_iter=3, tol=None)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], fixed[0])


def test_shuffled_rule_solves_separable_problem():
    rng = np.random.RandomState(1)
    X = rng.randn(60, 3)
    s = np.where(X @ [1.0, -2.0, 0.5] + 0.3 > 0, 1.0, -1.0)
    # keep a margin so the rule converges quickly
    keep = np.abs(X @ [1.0, -2.0, 0.5] + 0.3) > 0.3
    X, s = X[keep], s[keep]
    for seed in range(5):
        coef, intercept, _ = _run(X, s, shuffle=True, random_state=np.random.RandomState(seed),
                                  max_iter=200, tol=None)
        assert np.all(s * (X @ coef[:, 0] + intercept[0]) > 0)


# --------------------------------------------------------------------------
# Penalties
# --------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.01, 0.05])
def test_l2_is_weight_decay_before_each_update(alpha):
    eta0 = 0.5
    coef, intercept, _ = _run(
        X_XOR, S_XOR, eta0=eta0, penalty="l2", alpha=alpha, max_iter=5, tol=None
    )
    w, b = _hand_rule(X_XOR, S_XOR, eta=eta0, epochs=5, decay=1 - eta0 * alpha)
    assert_allclose(coef[:, 0], w, rtol=1e-12, atol=1e-12)
    assert_allclose(intercept[0], b, rtol=1e-12, atol=1e-12)


def test_elasticnet_with_zero_l1_ratio_is_l2():
    # l1_ratio=0 elastic net is pure L2 weight decay.
    a = _run(X_XOR, S_XOR, penalty="elasticnet", l1_ratio=0.0, alpha=0.03, max_iter=5, tol=None)
    b = _run(X_XOR, S_XOR, penalty="l2", alpha=0.03, max_iter=5, tol=None)
    assert_allclose(a[0], b[0], rtol=1e-12, atol=1e-14)
    assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-14)


@pytest.fixture(scope="module")
def noisy_problem():
    rng = np.random.RandomState(2)
    X = rng.randn(80, 8)
    s = np.where(X[:, 0] - X[:, 1] + 0.8 * rng.randn(80) > 0, 1.0, -1.0)
    return X, s


@pytest.mark.parametrize("penalty, l1_ratio", [("l2", 0.15), ("l1", 0.15), ("elasticnet", 0.5)])
def test_penalties_shrink_weights(noisy_problem, penalty, l1_ratio):
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
def test_l1_truncation_zeroes_noise_features(noisy_problem, penalty):
    X, s = noisy_problem
    free, _, _ = _run(X, s, max_iter=20, tol=None)
    coef, _, _ = _run(X, s, penalty=penalty, alpha=0.05, l1_ratio=0.9, max_iter=20, tol=None)
    assert np.count_nonzero(free) == free.size
    assert np.count_nonzero(coef == 0) >= 3
    # the informative features 0 and 1 survive with the right signs
    assert coef[0, 0] > 0 and coef[1, 0] < 0


# Start w=(1, 30), b=1 classifies every point of X_SEP with margin >= 2,
# and shrinking w only keeps it that way, so no rule update ever happens
# and the penalty alone acts: 15 samples over 3 epochs.
W_FROZEN, B_FROZEN = np.array([1.0, 30.0]), 1.0


@pytest.mark.parametrize("eta0, alpha", [(1.0, 0.5), (0.5, 0.2)])
def test_l1_alone_truncates_by_cumulative_penalty(eta0, alpha):
    coef, intercept, _ = _run(
        X_SEP, S_SEP, coef=W_FROZEN[:, None], intercept=[B_FROZEN], eta0=eta0,
        penalty="l1", alpha=alpha, max_iter=3, tol=None,
    )
    total = 15 * eta0 * alpha
    expected = np.sign(W_FROZEN) * np.maximum(0.0, np.abs(W_FROZEN) - total)
    assert_allclose(coef[:, 0], expected, rtol=1e-12, atol=1e-12)
    assert coef[0, 0] == 0.0  # clipped at zero, not pushed past it
    assert intercept[0] == B_FROZEN


@pytest.mark.parametrize("eta0, alpha", [(1.0, 0.01), (0.5, 0.2)])
def test_l2_alone_decays_geometrically(eta0, alpha):
    coef, intercept, _ = _run(
        X_SEP, S_SEP, coef=W_FROZEN[:, None], intercept=[B_FROZEN], eta0=eta0,
        penalty="l2", alpha=alpha, max_iter=3, tol=None,
    )
    assert_allclose(coef[:, 0], W_FROZEN * (1 - eta0 * alpha) ** 15, rtol=1e-12)
    assert intercept[0] == B_FROZEN


# --------------------------------------------------------------------------
# Overflow
# --------------------------------------------------------------------------


def test_overflow_raises_floating_point_error():
    X = np.array([[1e300, 1e300], [-1e300, 1e300]])
    s = np.array([1.0, -1.0])
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError):
        _run(X, s, eta0=1e308, max_iter=3, tol=None)


def test_finite_large_values_do_not_raise():
    X = np.array([[1e100, 1e100], [-1e100, 1e100]])
    s = np.array([1.0, -1.0])
    coef, intercept, _ = _run(X, s, eta0=1.0, max_iter=3, tol=None)
    assert np.all(np.isfinite(coef))
    assert np.all(s * (X @ coef[:, 0] + intercept[0]) > 0)
