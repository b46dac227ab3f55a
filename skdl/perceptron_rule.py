"""The online perceptron rule for a single dense layer.

On each sample the rule looks at the sign of an output's pre-activation
``z = x @ coef[:, k] + intercept[k]`` against the target sign ``s`` in
{-1, +1}; on a mistake (``s * z <= 0``) it moves the output's weights towards
the sample, ``coef[:, k] += eta * w * s * x`` and ``intercept[k] += eta * w *
s``. Each output is its own one-vs-rest problem, visits the samples in its
own shuffled order and stops on its own, when its mean
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
    intercept_decay=1.0,
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
    intercept_decay : float, default=1.0
        Factor on every intercept step.
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float or None, default=1e-3
        Improvement needed to reset the no-improvement count; None never stops
        before ``max_iter``.
    n_iter_no_change : int, default=5
    shuffle : bool, default=True
        Visit the samples in a new random order each epoch.
    random_state : numpy.random.RandomState, default=None
    validation : tuple (X_val, signs_val, weight_val), default=None
        When given, stopping follows each output's validation accuracy,
        weighted by ``weight_val`` (shape (n_val,)).
    verbose : int, default=0
        Print each epoch's mean loss.

    Returns
    -------
    ndarray of int, shape (n_outputs,)
        Epochs each output ran.
    """
    n_outputs = signs.shape[1]
    n_iter = np.zeros(n_outputs, dtype=int)
    seeds = random_state.randint(np.iinfo(np.int32).max, size=n_outputs)
    for k in range(n_outputs):
        w, b = coef[:, k].copy(), np.array(intercept[k], dtype=float)
        val = None if validation is None else (
            validation[0], validation[1][:, k], validation[2]
        )
        n_iter[k] = _fit_binary(
            w, b, X, signs[:, k], weights[:, k], eta0=eta0, penalty=penalty,
            alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
            intercept_decay=intercept_decay, max_iter=max_iter, tol=tol, n_iter_no_change=n_iter_no_change,
            order_rng=np.random.RandomState(seeds[k]) if shuffle else None,
            validation=val, verbose=verbose,
        )
        coef[:, k] = w
        intercept[k] = b
    return n_iter


def _fit_binary(
    w, b, X, signs, weights, *, eta0, penalty, alpha, l1_ratio, fit_intercept,
    intercept_decay, max_iter, tol, n_iter_no_change, order_rng, validation, verbose,
):
    """Perceptron rule for one output; ``w`` and ``b`` (0-d) change in place.
    Returns the number of epochs run."""
    n_samples = signs.shape[0]
    rows = _row_reader(X)
    l1 = {"l1": 1.0, "elasticnet": l1_ratio}.get(penalty, 0.0)
    decay = 1.0
    if penalty in ("l2", "elasticnet"):
        decay = max(0.0, 1.0 - (1.0 - l1) * eta0 * alpha)
    cumulative_l1 = 0.0
    applied_l1 = np.zeros_like(w) if l1 else None
    best = np.inf if validation is None else -np.inf
    no_improvement = 0
    order = np.arange(n_samples)

    for epoch in range(1, max_iter + 1):
        if order_rng is not None:
            order_rng.shuffle(order)
        objective = 0.0
        for i in order:
            idx, x = rows(i)
            s = signs[i]
            margin = s * (x @ w[idx] + b)
            objective += max(0.0, -margin)
            if penalty is not None:
                objective += alpha * ((1 - l1) * 0.5 * (w @ w) + l1 * np.abs(w).sum())
            if decay != 1.0:
                w *= decay
            if margin <= 0:
                update = eta0 * s * weights[i]
                w[idx] += update * x
                if fit_intercept:
                    b += update * intercept_decay
            if l1:
                cumulative_l1 += l1 * eta0 * alpha
                _truncate_l1(w, applied_l1, idx, cumulative_l1)
        if verbose:
            print(f"-- Epoch {epoch}, average loss: {objective / n_samples:.6f}")
        if not (np.all(np.isfinite(w)) and np.isfinite(b)):
            raise FloatingPointError(f"Perceptron weights overflowed at epoch {epoch}.")
        if tol is None:
            continue
        if validation is None:
            score = objective / n_samples
            worse = score > best - tol
            best = min(best, score)
        else:
            X_val, signs_val, weight_val = validation
            score = float(np.average((X_val @ w + b) * signs_val > 0, weights=weight_val))
            worse = score < best + tol
            best = max(best, score)
        no_improvement = no_improvement + 1 if worse else 0
        if no_improvement >= n_iter_no_change:
            break
    return epoch


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


def _truncate_l1(w, applied, idx, total):
    """Clip each touched weight towards zero by the L1 penalty not yet applied."""
    before = w[idx].copy()
    q = applied[idx]
    after = np.where(
        before > 0, np.maximum(0.0, before - (total + q)),
        np.where(before < 0, np.minimum(0.0, before + (total - q)), before),
    )
    w[idx] = after
    applied[idx] = q + (after - before)
