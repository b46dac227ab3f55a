"""The online perceptron rule for a single dense layer.

On each sample the rule looks at the sign of an output's pre-activation
``z = x @ coef[k] + intercept[k]`` against the target sign ``s`` in
{-1, +1}; on a mistake (``s * z <= 0``) it moves the output's weights towards
the sample, ``coef[k] += eta0 * weight * s * x`` and ``intercept[k] += eta0 *
weight * s``. Each output is its own one-vs-rest problem. It visits the
samples in stored order, or reshuffles them before every epoch with its own
seed (see :func:`skdl.backend.perceptron.shuffle_permutation`), and stops on its own:
when its mean epoch objective (perceptron criterion plus penalty) has not
improved by ``tol`` for ``n_iter_no_change`` epochs, or, with a validation
set (rows held out of the data, or rows apart), when its validation
accuracy has not. Optional penalties: L2 as weight
decay before each update, L1 by cumulative truncation (Tsuruoka et al.,
2009), and their elastic-net mix.

Visiting order, rounding and stopping are those of scikit-learn's SGD loop,
so that with the same seeds both reach the same weights. The per-sample work
runs in :mod:`skdl.backend.perceptron`.

This module knows nothing of scikit-learn.
"""

import time

import numpy as np
from joblib import Parallel, delayed

from .backend import perceptron as perceptron_routines

__all__ = ["fit_perceptron_rule"]


def fit_perceptron_rule(
    coef,
    intercept,
    X,
    signs,
    sample_weight,
    class_weight,
    seeds,
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
    validation_mask=None,
    validation_set=None,
    verbose=0,
    n_jobs=None,
):
    """Train ``coef`` and ``intercept`` in place with the perceptron rule.

    Parameters
    ----------
    coef : ndarray of shape (n_outputs, n_features), C-contiguous
        Weights in X's dtype, one row per output.
    intercept : ndarray of float64, shape (n_outputs,)
    X : ndarray of shape (n_samples, n_features), C-contiguous, or CSR matrix
    signs : ndarray of shape (n_samples, n_outputs)
        Target signs in {-1, +1}.
    sample_weight : ndarray of shape (n_samples,), in X's dtype
    class_weight : ndarray of shape (n_outputs, 2)
        Each output's weights of its negative and of its positive rows.
    seeds : sequence of int, length n_outputs
        Each output's shuffling seed (unused when ``shuffle`` is False).
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
        Reshuffle the samples before each epoch.
    validation_mask : ndarray of bool, shape (n_samples,), default=None
        Rows held out of training; when it holds any, stopping follows each
        output's validation accuracy, weighted by ``sample_weight``.
    validation_set : tuple (X_val, signs_val, sample_weight_val), default=None
        Validation rows apart from ``X`` (a dense array or a sparse
        matrix), their target signs of shape ``(n_val, n_outputs)`` and
        their weights of shape ``(n_val,)``; stopping then follows each
        output's accuracy on them. Not with a ``validation_mask``.
    verbose : int, default=0
        Print each epoch's figures, in scikit-learn's format.
    n_jobs : int or None, default=None
        Threads training the outputs side by side (joblib's convention:
        None is one, -1 all cores). The outputs are independent, so the
        weights do not depend on it.

    Returns
    -------
    ndarray of int, shape (n_outputs,)
        Epochs each output ran.

    Raises
    ------
    FloatingPointError
        When the weights overflow; ``coef`` and ``intercept`` hold the
        outputs trained so far.
    """
    n_samples, n_outputs = signs.shape
    skip = np.zeros(n_samples, dtype=bool) if validation_mask is None else validation_mask
    if skip.all():
        raise ValueError("validation_mask holds out every row: none is left to train on.")
    if skip.any() and validation_set is not None:
        raise ValueError("Pass a validation_mask or a validation_set, not both.")
    if skip.any():
        validation_set = X[skip], signs[skip], sample_weight[skip]
    settings = dict(
        eta0=eta0, penalty=penalty,
        alpha=alpha, l1_ratio={"l1": 1.0, "elasticnet": l1_ratio}.get(penalty, 0.0),
        fit_intercept=fit_intercept, intercept_decay=intercept_decay,
        # scikit-learn sums the objective only where it decides when to stop
        track_objective=bool(verbose) or validation_set is None,
    )

    def train(k):
        weights = np.array([1.0, 1.0]) if class_weight is None else class_weight[k]
        validation = None if validation_set is None else (
            validation_set[0], validation_set[1][:, k] > 0, validation_set[2]
        )
        output = _Output(coef[k], intercept[k], X, np.asarray(signs[:, k], dtype=np.float64),
                         sample_weight, weights, skip, validation, settings)
        epochs = output.train(
            seeds[k] if shuffle else None, max_iter, tol, n_iter_no_change, verbose
        )
        intercept[k] = output.state[3]
        return epochs

    # each output writes only its own row of coef and entry of intercept
    n_iter = Parallel(n_jobs=n_jobs, require="sharedmem")(
        delayed(train)(k) for k in range(n_outputs)
    )
    return np.array(n_iter, dtype=int)


class _Output:
    """One output's one-vs-rest problem and its training state."""

    def __init__(
        self, w, intercept, X, signs, sample_weight, class_weight, skip, validation, settings
    ):
        self.w, self.X, self.signs = w, X, signs
        self.sample_weight, self.class_weight, self.skip = sample_weight, class_weight, skip
        # (rows, whether each is positive, weights), or None
        self.validation = validation
        self.settings = settings
        weights = w.astype(np.float64)
        # [wscale, squared norm, L1 norm, intercept, L1 penalty accumulated]
        self.state = np.array(
            [1.0, weights @ weights, np.abs(weights).sum(), intercept, 0.0]
        )
        self.l1_applied = np.zeros_like(w)
        self.n_train = int(np.count_nonzero(~skip))
        self.validating = validation is not None

    def train(self, seed, max_iter, tol, n_iter_no_change, verbose):
        """Run up to ``max_iter`` epochs; return the number run. ``seed`` None
        keeps the stored order."""
        order = np.arange(self.signs.size)
        shuffle = None if seed is None else perceptron_routines.shuffle_permutation(order.size, seed)
        best = -np.inf if self.validating else np.inf
        stale = 0
        started = time.perf_counter()
        for epoch in range(1, max_iter + 1):
            if verbose:
                print(f"-- Epoch {epoch}")
            if shuffle is not None:
                order = order[shuffle]
            loss_sum, objective_sum = perceptron_routines.perceptron_epoch(
                self.w, self.l1_applied, self.state, self.X, order, self.signs,
                self.sample_weight, class_weight=self.class_weight, skip=self.skip,
                **self.settings,
            )
            if not (np.isfinite(self.state[3]) and np.all(np.isfinite(self.w))):
                raise FloatingPointError(f"Perceptron weights overflowed at epoch {epoch}.")
            if self.validating:
                score = self._validation_score()
                worse = tol is not None and score < best + tol
                best = max(best, score)
            else:
                score = objective_sum / self.n_train
                worse = tol is not None and score > best - tol
                best = min(best, score)
            if verbose:
                self._report(epoch, loss_sum, objective_sum, score, started)
            stale = stale + 1 if worse else 0
            if stale >= n_iter_no_change:
                if verbose:
                    print(f"Convergence after {epoch} epochs took "
                          f"{time.perf_counter() - started:.2f} seconds")
                break
        self.w *= self.w.dtype.type(self.state[0])
        self.state[0] = 1.0
        return epoch

    def _validation_score(self):
        """Validation accuracy, weighted by the sample weights. Like
        scikit-learn's, it scores the stored weights, without ``wscale``."""
        X_val, positive, weight = self.validation
        hits = (X_val @ self.w + self.state[3] > 0) == positive
        return float(np.average(hits, weights=weight))

    def _report(self, epoch, loss_sum, objective_sum, score, started):
        """Print an epoch's figures as scikit-learn's SGD loop does."""
        weights = self.w * self.state[0]
        line = (f"Norm: {np.sqrt(weights @ weights):.2f}, NNZs: {np.count_nonzero(self.w)}, "
                f"Bias: {self.state[3]:.6f}, T: {epoch * self.n_train}, "
                f"Avg. loss: {loss_sum / self.n_train:f}, "
                f"Objective: {objective_sum / self.n_train:f}")
        if self.validating:
            line += f", Validation score: {score:f}"
        print(line)
        print(f"Total training time: {time.perf_counter() - started:.2f} seconds.")
