"""The mini-batch training loop shared by every estimator trained by
stochastic gradient: the MLPs, the layer networks and the perceptron's
gradient path.

One loop runs the epochs: it shuffles the rows, walks them in mini-batches,
records the loss, holds out a validation split for early stopping, and
stops once neither the training loss nor the validation score has improved
by ``tol`` for ``n_iter_no_change`` epochs. What differs between estimators
is asked of them through hooks named for what they decide:

- ``_take_step``: how one batch moves the weights, and what it adds to the
  epoch's objective (the MLPs let the optimizer add the L2 term within its
  own pass; the perceptron puts it in its loss, then shrinks for L1 and
  keeps a fixed intercept);
- ``_validation_split``: which rows are held out (the MLPs' are scikit-learn
  MLP's, the perceptron's are scikit-learn ``Perceptron``'s);
- ``_batch_size``: the rows per batch (the MLPs warn, as scikit-learn's,
  when ``batch_size`` exceeds the training rows; the perceptron takes that
  as full-batch gradient descent);
- ``_stops_without_improvement``: how many stale epochs stop training
  (more than ``n_iter_no_change`` for the MLPs, as scikit-learn's MLP;
  ``n_iter_no_change`` for the perceptron, as scikit-learn's SGD);
- ``_restores_best_weights``: whether early stopping ends at the weights
  of the best validation score (the MLPs, as scikit-learn's MLP) or at the
  last epoch's (the perceptron, as scikit-learn's SGD).

The start and end of training, of each epoch and (when a callback follows
them) of each batch are reported to an
:class:`~skdl._epoch_events.EpochEvents`, which tells the estimator's
callbacks; they may ask to stop.
"""

import copy
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

STOCHASTIC_SOLVERS = ("sgd", "adam")


def check_split_weights(train_weight, val_weight, validation_fraction):
    """Raise a ValueError when an early-stopping split leaves the training or
    the validation rows with sample weights summing to zero (None: unweighted)."""
    for side, weight in (("training", train_weight), ("validation", val_weight)):
        if weight is not None and np.sum(weight) == 0:
            raise ValueError(
                f"The early-stopping split (validation_fraction={validation_fraction}) "
                f"left the {side} rows with sample weights summing to 0. Give more "
                "rows a non-zero weight, or change validation_fraction or random_state."
            )


class StochasticTrainingMixin:
    """The mini-batch training loop (see the module's description). Not for
    direct use.

    The host estimator has the parameters ``max_iter``, ``batch_size``,
    ``shuffle``, ``tol`` (None: train ``max_iter`` epochs),
    ``n_iter_no_change``, ``early_stopping``, ``validation_fraction``,
    ``solver``, ``verbose`` and (for the default :meth:`_take_step`)
    ``alpha``, the fitted ``_loss``, the scoring
    ``_score_outputs(Y, out, sample_weight)``, and the attributes
    ``loss_curve_`` and ``t_``. The loop keeps ``n_iter_``, ``loss_``, and
    the stopping rule's records ``best_loss_``, ``validation_scores_`` and
    ``best_validation_score_``.
    """

    _learning_rate_parameter = "learning_rate_init"
    """The parameter that sets the step size, named in divergence messages."""

    _restores_best_weights = True
    """Whether early stopping ends at the weights of the best validation score."""

    def _fit_stochastic(
        self, network, optimizer, X, Y, sample_weight, score_weight, rng, incremental, events,
    ):
        """Train ``network`` in epochs of mini-batches, one epoch for
        ``partial_fit`` (``incremental``), ``max_iter`` at most otherwise.

        Parameters
        ----------
        network : Network
        optimizer : SGD or Adam
        X, Y : arrays
            Validated inputs and encoded targets.
        sample_weight : ndarray or None
            Training weights (class weights applied).
        score_weight : ndarray or None
            Weights of the early-stopping score (sample weights alone).
        rng : numpy.random.RandomState
            Source of the shuffles and of the validation split.
        incremental : bool
        events : EpochEvents
            Told of training's start and end and of each epoch's, and of
            each batch when ``events.batch_callbacks`` says so.
        """
        if self.early_stopping != (self.validation_scores_ is not None):
            # a warm start that switched early stopping on or off
            self._reset_stopping_state()
        if self.early_stopping:
            X, X_val, Y, Y_val, sample_weight, sw_val = self._validation_split(
                X, Y, sample_weight, score_weight, rng
            )
            best_weights = network.get_weights()
            self.validation_scores_ = list(self.validation_scores_)
        dropout_rng = self._dropout_stream(network, rng, incremental)
        batch_size = self._batch_size(X.shape[0])
        # each epoch reshuffles the last one's order, as scikit-learn does, so
        # that the same random_state visits the rows in the same order
        order = np.arange(X.shape[0]) if self.shuffle else None
        self.loss_curve_ = list(self.loss_curve_)
        self.n_iter_ = 0
        events.train_begin()
        try:
            for _ in range(self.max_iter):
                if order is not None:
                    order = order[rng.permutation(order.size)]
                events.epoch_begin()
                self.loss_ = self._run_epoch(
                    network, optimizer, X, Y, sample_weight, batch_size, order, dropout_rng,
                    events.batch_callbacks,
                )
                self.n_iter_ += 1
                self.t_ += X.shape[0]
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
                if not np.isfinite(self.loss_):
                    raise ValueError(
                        f"Training diverged: the loss became {self.loss_} at "
                        f"iteration {self.n_iter_}. Lower {self._learning_rate_parameter} "
                        "or scale the input; the estimator was left unchanged."
                    )
                if self.tol is not None:  # None: no stopping rule, max_iter epochs
                    if not self.early_stopping:
                        self._track_training_loss()
                    elif self._track_validation(network, X_val, Y_val, sw_val):
                        best_weights = network.get_weights()
                optimizer.iteration_ends(self.t_)
                if events.epoch_end():
                    break
                if self._stops_without_improvement():
                    what = "Validation score" if self.early_stopping else "Training loss"
                    msg = (
                        f"{what} did not improve more than tol={self.tol:f} for "
                        f"{self.n_iter_no_change} consecutive epochs."
                    )
                    if optimizer.trigger_stopping(msg, self.verbose):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter and self.tol is not None:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        if self.early_stopping and self._restores_best_weights:
            network.set_weights(best_weights)
        events.train_end()

    def _run_epoch(
        self, network, optimizer, X, Y, sample_weight, batch_size, order, dropout_rng,
        batch_callbacks=None,
    ):
        """One pass over the data in mini-batches, in row ``order`` (None: as
        stored); returns the mean objective.

        Shuffled batches of dense X are gathered into one reused buffer
        rather than copied anew each time. A batch whose sample weights sum
        to zero carries no gradient: it takes no step and no part in the mean.
        ``batch_callbacks`` (a CallbackList, or None) is called around each
        batch that steps, and may end the epoch early.
        """
        n_samples = X.shape[0]
        gather = order is not None and not sp.issparse(X)
        if gather:
            X_buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
            Y_buffer = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)
        total, n_counted, n_steps = 0.0, 0, 0
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            rows = slice(start, stop) if order is None else order[start:stop]
            sw = None if sample_weight is None else sample_weight[rows]
            weight_sum = stop - start if sw is None else float(np.sum(sw))
            if weight_sum == 0:
                continue
            if gather:
                # rows come from a permutation, so always in range; mode="clip"
                # skips the bounds check, for which "raise" copies via a buffer
                X_batch = np.take(X, rows, axis=0, out=X_buffer[: stop - start], mode="clip")
                Y_batch = np.take(Y, rows, axis=0, out=Y_buffer[: stop - start], mode="clip")
            else:
                X_batch, Y_batch = X[rows], Y[rows]
            if batch_callbacks is not None:
                batch_callbacks.on_train_batch_begin(n_steps)
            value = self._take_step(
                network, optimizer, X_batch, Y_batch, sw, weight_sum, dropout_rng
            )
            total += (stop - start) * value
            n_counted += stop - start
            if batch_callbacks is not None and batch_callbacks.on_train_batch_end(
                n_steps, {"loss": total / n_counted}
            ):
                break
            n_steps += 1
        return total / n_counted

    def _dropout_stream(self, network, rng, incremental):
        """The source of this call's dropout masks (None without dropout).

        ``fit`` seeds a new stream from this call's ``rng``. ``partial_fit``
        goes on with the stream the previous call left (a copy of it, so that
        a failing call leaves it as it was): re-seeding from an int
        ``random_state`` would draw the same masks at every call.
        ``random_state`` still seeds each call's shuffles afresh, as
        scikit-learn's MLP does, so that without dropout the weights match
        scikit-learn's call for call.
        """
        if not network.has_dropout:
            return None
        previous = getattr(self, "_dropout_rng", None)
        if incremental and previous is not None:
            self._dropout_rng = copy.deepcopy(previous)
        else:
            # drawn only when needed, so that without dropout the shuffles
            # match scikit-learn's for the same random_state
            self._dropout_rng = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        return self._dropout_rng

    def _take_step(self, network, optimizer, X, Y, sample_weight, weight_sum, dropout_rng):
        """Move the weights by one batch; return the batch's objective.

        The optimizer adds the L2 term within its own pass over the weights,
        so the network's pass leaves it out.
        """
        value = network.loss_and_gradient(
            X, Y, self._loss, self.alpha, sample_weight, dropout_rng, include_penalty=False,
        )
        l2 = self.alpha / weight_sum
        squares = optimizer.update(network.params, network.grad, l2, network.n_coef_params)
        return value + 0.5 * l2 * squares

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped"
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _validation_split(self, X, Y, sample_weight, score_weight, rng):
        """Training and validation parts: ``X``, ``X_val``, ``Y``, ``Y_val``, the
        training rows' ``sample_weight`` and the validation rows'
        ``score_weight`` (each None when not given)."""
        stratify = self._stratify_labels(Y)
        n_val = int(np.ceil(self.validation_fraction * X.shape[0]))
        n_groups = 1 if stratify is None else len(np.unique(stratify, axis=0))
        if n_val < max(2, n_groups):
            raise ValueError(
                f"The validation set is too small ({n_val} rows for "
                f"{n_groups} class(es)). Increase 'validation_fraction' or the size "
                "of your dataset."
            )
        # the rows train_test_split(X, Y, ...) would pick, as scikit-learn's
        train, val = train_test_split(
            np.arange(X.shape[0]), random_state=rng, test_size=self.validation_fraction,
            stratify=stratify,
        )
        sw = None if sample_weight is None else sample_weight[train]
        sw_val = None if score_weight is None else score_weight[val]
        check_split_weights(sw, sw_val, self.validation_fraction)
        return X[train], X[val], Y[train], Y[val], sw, sw_val

    def _stratify_labels(self, Y):
        """Labels to stratify the validation split on; None for regression."""
        return None

    def _early_stopping(self):
        """Whether early stopping is in effect: L-BFGS ignores it, as in
        scikit-learn."""
        return self.early_stopping and self.solver in STOCHASTIC_SOLVERS

    def _reset_stopping_state(self):
        """Fresh bookkeeping for the stopping rule in effect: the validation
        score under early stopping, the training loss otherwise."""
        self._no_improvement_count = 0
        if self._early_stopping():
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _track_validation(self, network, X_val, Y_val, sw_val):
        out = network.predict(X_val)
        score = (
            self._score_outputs(Y_val, out, sw_val) if np.all(np.isfinite(out)) else np.nan
        )
        self.validation_scores_.append(score)
        if self.verbose:
            print("Validation score: %f" % score)
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            return True
        return False

    def _track_training_loss(self):
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])

    def _stops_without_improvement(self):
        """Whether the epochs without improvement stop training: more than
        ``n_iter_no_change`` of them, as scikit-learn's MLP counts."""
        return self._no_improvement_count > self.n_iter_no_change
