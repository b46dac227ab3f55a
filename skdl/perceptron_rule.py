"""The online perceptron rule for a single dense layer.

On each sample the rule looks at the sign of every output's pre-activation
``z = x @ coef + intercept`` against the target sign ``s`` in {-1, +1}; on a
mistake (``s * z <= 0``) it moves that output's weights towards the sample,
``coef[:, k] += eta * w * s * x`` and ``intercept[k] += eta * w * s``. Each
output is its own one-vs-rest problem and stops on its own, when its mean
epoch objective (perceptron criterion plus penalty) has not improved by
``tol`` for ``n_iter_no_change`` epochs, or, with a validation set, when its
validation accuracy has not. Optional penalties: L2 as weight decay before
each update, L1 by cumulative truncation (Tsuruoka et al., 2009), and their
elastic-net mix.

This module knows nothing of scikit-learn.
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["fit_perceptron_rule"]


def fit_perceptron_rule(
    coef,
    intercept,
    X,
    signs,
    weights,
    *,
    eta0=1.0,
    penalty=None,
    alpha=0.0001,
    l1_ratio=0.15,
    fit_intercept=True,
    max_iter=1000,
    tol=1e-3,
    n_iter_no_change=5,
    shuffle=True,
    random_state=None,
    validation=None,
    verbose=0,
):
    """Train ``coef`` and ``intercept`` in place with the perceptron rule.

    Parameters
    ----------
    coef : ndarray of shape (n_features, n_outputs)
    intercept : ndarray of shape (n_outputs,)
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    signs : ndarray of shape (n_samples, n_outputs)
        Target signs in {-1, +1}.
    weights : ndarray of shape (n_samples, n_outputs)
        Per-sample, per-output weights (sample weight times class weight).
    eta0 : float, default=1.0
        Learning rate.
    penalty : {None, "l2", "l1", "elasticnet"}, default=None
    alpha : float, default=0.0001
        Penalty strength.
    l1_ratio : float, default=0.15
        L1 share of the elastic-net penalty.
    fit_intercept : bool, default=True
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float or None, default=1e-3
        Improvement needed to reset the no-improvement count; None never stops
        before ``max_iter``.
    n_iter_no_change : int, default=5
    shuffle : bool, default=True
        Visit the samples in a new random order each epoch.
    random_state : numpy.random.RandomState, default=None
    validation : tuple (X_val, signs_val), default=None
        When given, stopping follows each output's validation accuracy.
    verbose : int, default=0
        Print each epoch's mean loss.

    Returns
    -------
    ndarray of int, shape (n_outputs,)
        Epochs each output ran.
    """
    n_samples, n_outputs = signs.shape
    rows = _row_reader(X)
    l1 = {"l1": 1.0, "elasticnet": l1_ratio}.get(penalty, 0.0)
    decay = 1.0 - (1.0 - l1) * eta0 * alpha if penalty in ("l2", "elasticnet") else 1.0
    decay = max(0.0, decay)
    cumulative_l1 = 0.0
    applied_l1 = np.zeros_like(coef) if l1 else None

    active = np.ones(n_outputs, dtype=bool)
    n_iter = np.zeros(n_outputs, dtype=int)
    best = np.full(n_outputs, np.inf if validation is None else -np.inf)
    no_improvement = np.zeros(n_outputs, dtype=int)
    order = np.arange(n_samples)

    for epoch in range(max_iter):
        if shuffle:
            random_state.shuffle(order)
        objective = np.zeros(n_outputs)
        for i in order:
            idx, x = rows(i)
            z = x @ coef[idx] + intercept
            s = signs[i]
            margin = s * z
            objective += np.maximum(0.0, -margin)
            if penalty is not None:
                objective += alpha * (
                    (1 - l1) * 0.5 * np.einsum("ij,ij->j", coef, coef)
                    + l1 * np.abs(coef).sum(axis=0)
                )
            update = np.where((margin <= 0) & active, eta0 * s * weights[i], 0.0)
            if decay != 1.0:
                coef[:, active] *= decay
            if update.any():
                coef[idx] += np.outer(x, update)
                if fit_intercept:
                    intercept += update
            if l1:
                cumulative_l1 += l1 * eta0 * alpha
                _truncate_l1(coef, applied_l1, idx, active, cumulative_l1)

        n_iter[active] = epoch + 1
        if verbose:
            print(f"-- Epoch {epoch + 1}, average loss: {objective.mean() / n_samples:.6f}")
        if not np.all(np.isfinite(coef)) or not np.all(np.isfinite(intercept)):
            raise FloatingPointError(
                f"Perceptron weights overflowed at epoch {epoch + 1}."
            )
        if tol is None:
            continue
        if validation is None:
            score = objective / n_samples
            worse = score > best - tol
            best = np.minimum(best, score)
        else:
            X_val, signs_val = validation
            score = ((X_val @ coef + intercept) * signs_val > 0).mean(axis=0)
            worse = score < best + tol
            best = np.maximum(best, score)
        no_improvement = np.where(worse, no_improvement + 1, 0)
        active &= no_improvement < n_iter_no_change
        if not active.any():
            break
    return n_iter


def _row_reader(X):
    """Return ``rows(i) -> (feature index, values)`` for dense or CSR X."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        indptr, indices, data = X.indptr, X.indices, X.data

        def rows(i):
            start, stop = indptr[i], indptr[i + 1]
            return indices[start:stop], data[start:stop]

        return rows
    everything = slice(None)
    return lambda i: (everything, X[i])


def _truncate_l1(coef, applied, idx, active, total):
    """Clip each touched weight towards zero by the L1 penalty not yet applied."""
    w = coef[idx][:, active]
    q = applied[idx][:, active]
    before = w.copy()
    positive, negative = w > 0, w < 0
    w[positive] = np.maximum(0.0, w[positive] - (total + q[positive]))
    w[negative] = np.minimum(0.0, w[negative] + (total - q[negative]))
    q += w - before
    cols = np.flatnonzero(active)
    if isinstance(idx, slice):
        coef[:, cols] = w
        applied[:, cols] = q
    else:
        coef[np.ix_(idx, cols)] = w
        applied[np.ix_(idx, cols)] = q
