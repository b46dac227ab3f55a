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
accuracy has not. The outputs train side by side,
epoch by epoch (an output that has stopped sits the later epochs out), so
that after each epoch the layer's weights are those a run of that many
epochs would end with. Optional penalties: L2 as weight decay before each
update, L1 by cumulative truncation (Tsuruoka et al., 2009), and their
elastic-net mix.

Visiting order, rounding and stopping are those of scikit-learn's SGD loop,
so that with the same seeds both reach the same weights. The per-sample work
runs in :mod:`skdl.backend.perceptron`.

This module knows nothing of scikit-learn.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
from joblib import effective_n_jobs

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
    on_epoch_begin=None,
    on_epoch_end=None,
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
        Threads training the outputs of each epoch side by side (joblib's
        convention: None is one, -1 all cores). The outputs are
        independent, so the weights do not depend on it.
    on_epoch_begin, on_epoch_end : callable, default=None
        Called before and after each epoch with a function that returns
        copies of the weights as they stand, ``(coef, intercept)``. When
        ``on_epoch_end`` returns True, training stops there.

    Returns
    -------
    ndarray of int, shape (n_outputs,)
        Epochs each output ran.

    Raises
    ------
    FloatingPointError
        When the weights overflow; ``coef`` and ``intercept`` hold every
        output's weights as of the epoch that overflowed.
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

    outputs = [
        _Output(coef[k], intercept[k], X, np.asarray(signs[:, k], dtype=np.float64),
                sample_weight,
                np.array([1.0, 1.0]) if class_weight is None else class_weight[k], skip,
                None if validation_set is None else (
                    validation_set[0], validation_set[1][:, k] > 0, validation_set[2]),
                settings, seeds[k] if shuffle else None, tol, n_iter_no_change, verbose)
        for k in range(n_outputs)
    ]

    def weights():
        current = [output.current_weights() for output in outputs]
        return np.stack([w for w, _ in current]), np.array([b for _, b in current])

    n_threads = min(effective_n_jobs(n_jobs), n_outputs)
    running = outputs
    # each output writes only its own row of coef
    try:
        with ThreadPoolExecutor(n_threads) if n_threads > 1 else nullcontext() as pool:
            for _ in range(max_iter):
                if on_epoch_begin is not None:
                    on_epoch_begin(weights)
                if pool is None:
                    for output in running:
                        output.run_epoch()
                else:
                    list(pool.map(_Output.run_epoch, running))
                running = [output for output in running if not output.converged]
                if on_epoch_end is not None and on_epoch_end(weights) or not running:
                    break
    finally:  # after an overflow too, coef and intercept hold what trained
        for k, output in enumerate(outputs):
            intercept[k] = output.finish()
    return np.array([output.epoch for output in outputs], dtype=int)


class _Output:
    """One output's one-vs-rest problem and its training state."""

    def __init__(self, w, intercept, X, signs, sample_weight, class_weight, skip, validation,
                 settings, seed, tol, n_iter_no_change, verbose):
        self.w, self.X, self.signs = w, X, signs
        self.sample_weight, self.class_weight, self.skip = sample_weight, class_weight, skip
        self.settings = settings
        self.tol, self.n_iter_no_change, self.verbose = tol, n_iter_no_change, verbose
        weights = w.astype(np.float64)
        # [wscale, squared norm, L1 norm, intercept, L1 penalty accumulated]
        self.state = np.array(
            [1.0, weights @ weights, np.abs(weights).sum(), intercept, 0.0]
        )
        self.l1_applied = np.zeros_like(w)
        self.n_train = int(np.count_nonzero(~skip))
        # (rows, whether each is positive, weights), or None
        self.validation = validation
        self.validating = validation is not None
        self.order = np.arange(signs.size)
        # seed None keeps the stored order
        self.shuffle = (None if seed is None
                        else perceptron_routines.shuffle_permutation(self.order.size, seed))
        self.best = -np.inf if self.validating else np.inf
        self.stale = 0
        self.epoch = 0
        self.converged = False
        self.started = time.perf_counter()

    def run_epoch(self):
        """Run one epoch; set ``converged`` when the stopping rule says so."""
        self.epoch += 1
        if self.verbose:
            print(f"-- Epoch {self.epoch}")
        if self.shuffle is not None:
            self.order = self.order[self.shuffle]
        loss_sum, objective_sum = perceptron_routines.perceptron_epoch(
            self.w, self.l1_applied, self.state, self.X, self.order, self.signs,
            self.sample_weight, class_weight=self.class_weight, skip=self.skip,
            **self.settings,
        )
        if not (np.isfinite(self.state[3]) and np.all(np.isfinite(self.w))):
            raise FloatingPointError(f"Perceptron weights overflowed at epoch {self.epoch}.")
        if self.validating:
            score = self._validation_score()
            worse = self.tol is not None and score < self.best + self.tol
            self.best = max(self.best, score)
        else:
            score = objective_sum / self.n_train
            worse = self.tol is not None and score > self.best - self.tol
            self.best = min(self.best, score)
        if self.verbose:
            self._report(self.epoch, loss_sum, objective_sum, score, self.started)
        self.stale = self.stale + 1 if worse else 0
        if self.stale >= self.n_iter_no_change:
            if self.verbose:
                print(f"Convergence after {self.epoch} epochs took "
                      f"{time.perf_counter() - self.started:.2f} seconds")
            self.converged = True

    def current_weights(self):
        """Copies of the weights (``wscale`` applied) and the intercept as
        they stand."""
        return self.w * self.w.dtype.type(self.state[0]), float(self.state[3])

    def finish(self):
        """Fold ``wscale`` into the stored weights; return the intercept."""
        self.w *= self.w.dtype.type(self.state[0])
        self.state[0] = 1.0
        return self.state[3]

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
