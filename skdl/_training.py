"""The mini-batch training loop shared by every estimator trained by
stochastic gradient (the MLPs, the layer networks and the perceptron's
gradient path), and the validation set a fit call watches.

One loop runs the epochs: it shuffles the rows, walks them in mini-batches,
records the loss, scores the validation set, and stops once neither the
training loss nor the validation score has improved by ``tol`` for
``n_iter_no_change`` epochs. What differs between estimators is asked of
them through hooks named for what they decide:

- ``_take_step``: how one batch moves the weights, and what it adds to the
  epoch's objective (the MLPs let the optimizer add the L2 term within its
  own pass; the perceptron puts it in its loss, then shrinks for L1 and
  keeps a fixed intercept);
- ``_validation_rows``: which rows early stopping holds out when ``fit`` is
  given no validation set (the MLPs' are scikit-learn MLP's, the
  perceptron's are scikit-learn ``Perceptron``'s);
- ``_validation_outputs``: the outputs the estimator's own prediction path
  gives for validation rows at the weights as they train;
- ``_batch_size``: the rows per batch (the MLPs warn, as scikit-learn's,
  when ``batch_size`` exceeds the training rows; the perceptron takes that
  as full-batch gradient descent);
- ``_stops_without_improvement``: how many stale epochs stop training
  (more than ``n_iter_no_change`` for the MLPs, as scikit-learn's MLP;
  ``n_iter_no_change`` for the perceptron, as scikit-learn's SGD);
- ``_restores_best_weights``: whether early stopping ends at the weights
  of the best validation score (the MLPs, as scikit-learn's MLP) or at the
  last epoch's (the perceptron, as scikit-learn's SGD).

The validation set is a :class:`ValidationSet`: the rows given to ``fit`` as
``X_val``, ``y_val`` and ``sample_weight_val`` (every row of ``X`` then
trains), or, under early stopping without them, the rows held out of ``X``.
It lives only as long as the call: a fitted model never keeps it. Each epoch
(each L-BFGS iteration) it yields the validation loss, recorded in
``validation_loss_curve_``, and the score ``scoring`` names, recorded in
``validation_scores_``; both are computed from the outputs the estimator's
``predict`` and ``predict_proba`` give, so that a user who recomputes them
from the fitted model finds the same numbers.

The start and end of training, of each epoch and (when a callback follows
them) of each batch are reported to an
:class:`~skdl._epoch_events.EpochEvents`, which tells the estimator's
callbacks; they may ask to stop.
"""

import copy
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_sample_weight

from .optimizers import Optimizer

STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw", "rmsprop", "nadam")
"""The names of the optimizers trained in mini-batches (``solver=``)."""


def is_stochastic(solver):
    """Whether ``solver`` (a name or an optimizer) trains in mini-batches."""
    return isinstance(solver, Optimizer) or (
        isinstance(solver, str) and solver in STOCHASTIC_SOLVERS)


@dataclass(frozen=True)
class EpochRateRule:
    """scikit-learn MLP's learning-rate rules between epochs, for
    ``solver="sgd"`` given by name with ``learning_rate="invscaling"`` or
    ``"adaptive"``: the optimizer's rate is set at the end of each epoch,
    or divided when training stops improving.

    Parameters
    ----------
    kind : {"constant", "invscaling", "adaptive"}, default="constant"
        ``"invscaling"`` sets the rate to ``initial / (t + 1) ** power_t``
        at each epoch end (``t`` counts samples seen); ``"adaptive"``
        divides it by 5 when training stops improving, until it falls below
        1e-6; ``"constant"`` stops training there.
    initial : float, default=None
        ``learning_rate_init``, for ``"invscaling"``.
    power_t : float, default=0.5
        Exponent of ``"invscaling"``.
    """

    kind: str = "constant"
    initial: float = None
    power_t: float = 0.5

    def epoch_ends(self, optimizer, samples_seen):
        """Set ``optimizer.learning_rate`` for the next epoch (invscaling)."""
        if self.kind == "invscaling":
            optimizer.learning_rate = float(self.initial) / (samples_seen + 1) ** self.power_t

    def stops(self, optimizer, msg, verbose):
        """Whether training stops now that it no longer improves; with
        ``"adaptive"``, divide the rate by 5 instead while it is above 1e-6.
        Prints what scikit-learn's MLP prints when ``verbose``."""
        if self.kind != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if optimizer.current_learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        optimizer.learning_rate = optimizer.current_learning_rate / 5.0
        if verbose:
            print(msg + f" Setting learning rate to {optimizer.learning_rate:f}")
        return False


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


@dataclass(frozen=True)
class ValidationSet:
    """The rows one fit call validates on. Held by the call alone: the
    fitted estimator never keeps it.

    Attributes
    ----------
    X : ndarray or sparse matrix
        The rows, validated as ``predict`` validates them.
    y : ndarray
        Their targets, validated as ``fit`` validates ``y``: what a score
        compares predictions with.
    Y : ndarray
        The targets encoded as the loss takes them.
    sample_weight : ndarray or None
        Weights of the rows in the score and the loss (None: unweighted).
    scorer : None, "loss" or callable
        What the score is: None, the estimator's ``score``; ``"loss"``,
        minus the validation loss; a callable, a scikit-learn scorer.
    scorer_X : array-like or None
        The rows as the user gave them, for a callable ``scorer``, which
        predicts through the estimator's public methods (and so checks
        feature names against ``X``'s); None otherwise.
    given : bool
        Whether ``fit`` was given the rows (``X_val``) rather than holding
        them out of ``X``.
    """

    X: Any
    y: Any
    Y: np.ndarray
    sample_weight: Any
    scorer: Any
    scorer_X: Any
    given: bool


def validation_objective(loss, Y, out, sample_weight, coefs, alpha):
    """The training objective taken on validation rows as one batch.

    It is defined as ``loss_curve_``'s objective is on a batch: the
    (sample-weighted) mean loss plus the L2 term
    ``alpha / (2 * sum(sample_weight)) * sum(coefs ** 2)``, the weight sum
    being the number of rows when unweighted.

    Parameters
    ----------
    loss : Loss
    Y : ndarray of shape (n_rows, n_outputs)
        Encoded targets.
    out : ndarray of shape (n_rows, n_outputs)
        The network's outputs for the rows.
    sample_weight : ndarray of shape (n_rows,) or None
    coefs : ndarray
        The penalised weights, flat.
    alpha : float
        Strength of the L2 term.

    Returns
    -------
    float
    """
    value = loss.value(Y, out, sample_weight)
    if alpha:
        weight_sum = Y.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        value += 0.5 * alpha * float(np.dot(coefs, coefs)) / weight_sum
    return float(value)


class StochasticTrainingMixin:
    """The mini-batch training loop and the validation set it scores (see
    the module's description). Not for direct use.

    The host estimator has the parameters ``max_iter``, ``batch_size``,
    ``shuffle``, ``tol`` (None: train ``max_iter`` epochs),
    ``n_iter_no_change``, ``early_stopping``, ``validation_fraction``,
    ``scoring``, ``solver``, ``verbose`` and (for the default
    :meth:`_take_step`) ``alpha``; the fitted ``_loss`` and
    ``_objective_settings["alpha"]``; the scoring
    ``_score_outputs(y, out, sample_weight)``; the checks
    ``_validate_validation_targets(X_val, y_val)`` and
    ``_encode_targets(y, dtype)``; and the attributes ``loss_curve_`` and
    ``t_``. The loop keeps ``n_iter_``, ``loss_``, the stopping rule's
    records ``best_loss_`` and ``best_validation_score_``, and the
    validation curves ``validation_scores_`` and ``validation_loss_curve_``.
    """

    _learning_rate_parameter = "learning_rate_init"
    """The parameter that sets the step size, named in divergence messages."""

    _restores_best_weights = True
    """Whether early stopping ends at the weights of the best validation score."""

    _rate_rule = EpochRateRule()
    """scikit-learn's rules for the learning rate between epochs; an
    estimator sets its own with each new optimizer."""

    def _fit_stochastic(
        self, network, optimizer, X, Y, sample_weight, rng, incremental, validation,
        events,
    ):
        """Train ``network`` in epochs of mini-batches, one epoch for
        ``partial_fit`` (``incremental``), ``max_iter`` at most otherwise.

        Parameters
        ----------
        network : Network
        optimizer : Optimizer
            Built on ``network.params``.
        X, Y : arrays
            Validated training rows and their encoded targets.
        sample_weight : ndarray or None
            Training weights (class weights applied).
        rng : numpy.random.RandomState
            Source of the shuffles.
        incremental : bool
        validation : ValidationSet or None
            Scored after every epoch; early stopping watches it.
        events : EpochEvents
            Told of training's start and end and of each epoch's, and of
            each batch when ``events.batch_callbacks`` says so.
        """
        early_stopping = self._early_stopping()
        if early_stopping != (self.best_validation_score_ is not None) or (
            early_stopping and validation.given
        ):
            # a warm start that switched early stopping on or off, or one
            # given its own validation set, which the last call's best score
            # was not measured on
            self._reset_stopping_state()
        self._start_validation_curves(validation is not None)
        if early_stopping:
            best_weights = network.get_weights()
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
                self.loss_, rows_seen = self._run_epoch(
                    network, optimizer, X, Y, sample_weight, batch_size, order, dropout_rng,
                    events.batch_callbacks,
                )
                self.n_iter_ += 1
                self.t_ += rows_seen
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
                if not np.isfinite(self.loss_):
                    raise ValueError(
                        f"Training diverged: the loss became {self.loss_} at "
                        f"iteration {self.n_iter_}. Lower {self._learning_rate_parameter} "
                        "or scale the input; the estimator was left unchanged."
                    )
                if validation is not None:
                    score = self._validate(network, validation)
                if early_stopping:
                    if self._track_validation(score):
                        best_weights = network.get_weights()
                elif self.tol is not None:  # None: no stopping rule, max_iter epochs
                    self._track_training_loss()
                # the epoch's record sees the rate the epoch ended with
                stop = events.epoch_end()
                self._rate_rule.epoch_ends(optimizer, self.t_)
                if stop:
                    break
                if self._stops_without_improvement():
                    what = "Validation score" if early_stopping else "Training loss"
                    msg = (
                        f"{what} did not improve more than tol={self.tol:f} for "
                        f"{self.n_iter_no_change} consecutive epochs."
                    )
                    if self._rate_rule.stops(optimizer, msg, self.verbose):
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
        if early_stopping and self._restores_best_weights:
            network.set_weights(best_weights)
        events.train_end()

    def _run_epoch(
        self, network, optimizer, X, Y, sample_weight, batch_size, order, dropout_rng,
        batch_callbacks=None,
    ):
        """One pass over the data in mini-batches, in row ``order`` (None: as
        stored); returns the mean objective and the number of rows the pass
        went through (fewer than all when a batch callback ended it early).

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
                return total / n_counted, stop
            n_steps += 1
        return total / n_counted, n_samples

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

    def _validation_scorer(self):
        """What this call's validation score is, from ``scoring``: None (the
        estimator's ``score``), ``"loss"``, or the scorer
        :func:`sklearn.metrics.check_scoring` makes of a name or callable
        (a ValueError names an unknown scorer before any training)."""
        if self.scoring is None or (isinstance(self.scoring, str) and self.scoring == "loss"):
            return self.scoring
        return check_scoring(self, self.scoring)

    def _check_validation_data(self, X_val, y_val, sample_weight_val, scorer, n_outputs=None):
        """The validation set given to ``fit``, checked as ``X``, ``y`` and
        ``sample_weight`` are, with targets encoded into ``n_outputs``
        columns as ``y``'s (None: a classifier's labels, which encode as
        ``y``'s); None when none is given.

        Raises
        ------
        ValueError
            When only one of ``X_val`` and ``y_val`` is given, or
            ``sample_weight_val`` without them; when they do not pass the
            checks ``X`` and ``y`` pass (features, shapes, classes seen in
            ``y``, as many targets as ``y``; weights not negative, not all
            zero).
        """
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError(
                    "sample_weight_val is given without X_val and y_val: it weighs "
                    "the validation rows given to fit, and none are. Pass X_val and "
                    "y_val with it, or leave it out (the rows early stopping holds "
                    "out of X keep their sample_weight)."
                )
            return None
        if y_val is None:
            raise ValueError(
                "X_val is given, but y_val is not: pass the validation rows' targets "
                "as y_val, or neither."
            )
        if X_val is None:
            raise ValueError(
                "y_val is given, but X_val is not: pass the validation rows as X_val, "
                "or neither."
            )
        rows_given = X_val
        try:
            X_val, y_val = self._validate_validation_targets(X_val, y_val)
        except ValueError as error:
            # the checks of X and y word their refusals for X and y
            raise ValueError(f"The validation set X_val, y_val was refused: {error}") from error
        if sample_weight_val is not None:
            # refused when negative or all zero, as sample_weight is
            try:
                sample_weight_val = _check_sample_weight(
                    sample_weight_val, X_val, dtype=X_val.dtype, ensure_non_negative=True
                )
            except ValueError as error:
                raise ValueError(
                    f"sample_weight_val was refused for the {X_val.shape[0]} rows of "
                    f"X_val: {error}"
                ) from error
        Y_val = self._encode_targets(y_val, X_val.dtype)
        if n_outputs is not None and Y_val.shape[1] != n_outputs:
            raise ValueError(
                f"y_val has {Y_val.shape[1]} target(s) per row, but y has {n_outputs}."
            )
        return ValidationSet(
            X_val, y_val, Y_val, sample_weight_val, scorer,
            rows_given if callable(scorer) else None, given=True,
        )

    def _training_and_validation(
        self, validation, X, X_given, y, Y, sample_weight, score_weight, rng, scorer
    ):
        """This call's training rows and validation set.

        Beside a ``validation`` set given to ``fit``, or without early
        stopping, every row trains. Under early stopping without one, the
        rows of :meth:`_validation_rows` are held out of ``X`` to make it.

        Parameters
        ----------
        validation : ValidationSet or None
            The set given to ``fit``.
        X, y, Y : arrays
            Validated rows, their targets, and the targets encoded.
        X_given : array-like
            The rows as the user gave them, for a callable ``scorer``.
        sample_weight, score_weight : ndarray or None
            Weights of training (class weights applied) and of the score.
        rng : numpy.random.RandomState
            Source of the split.
        scorer : None, "loss" or callable
            As :meth:`_validation_scorer` returns it.

        Returns
        -------
        X, Y, sample_weight : the training rows, targets and weights
        validation : ValidationSet or None
        """
        if validation is not None or not self._early_stopping():
            return X, Y, sample_weight, validation
        train, val = self._validation_rows(Y, sample_weight, score_weight, rng)
        held_out = ValidationSet(
            X[val], y[val], Y[val], None if score_weight is None else score_weight[val],
            scorer, _safe_indexing(X_given, val) if callable(scorer) else None,
            given=False,
        )
        train_weight = None if sample_weight is None else sample_weight[train]
        return X[train], Y[train], train_weight, held_out

    def _validation_rows(self, Y, sample_weight, score_weight, rng):
        """The rows early stopping trains on and those it holds out
        (``train``, ``val`` index arrays), drawn as scikit-learn's MLP draws
        them from ``rng``."""
        stratify = self._stratify_labels(Y)
        n_val = int(np.ceil(self.validation_fraction * Y.shape[0]))
        n_groups = 1 if stratify is None else len(np.unique(stratify, axis=0))
        if n_val < max(2, n_groups):
            raise ValueError(
                f"The validation set is too small ({n_val} rows for "
                f"{n_groups} class(es)). Increase 'validation_fraction' or the size "
                "of your dataset, or pass a validation set as X_val and y_val."
            )
        # the rows train_test_split(X, Y, ...) would pick, as scikit-learn's
        train, val = train_test_split(
            np.arange(Y.shape[0]), random_state=rng, test_size=self.validation_fraction,
            stratify=stratify,
        )
        check_split_weights(
            None if sample_weight is None else sample_weight[train],
            None if score_weight is None else score_weight[val],
            self.validation_fraction,
        )
        return train, val

    def _stratify_labels(self, Y):
        """Labels to stratify the validation split on; None for regression."""
        return None

    def _early_stopping(self):
        """Whether early stopping is in effect: L-BFGS ignores it, as in
        scikit-learn."""
        return self.early_stopping and is_stochastic(self.solver)

    def _reset_stopping_state(self):
        """Fresh bookkeeping for the stopping rule in effect: the validation
        score under early stopping, the training loss otherwise."""
        self._no_improvement_count = 0
        if self._early_stopping():
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _start_validation_curves(self, validating):
        """Ready ``validation_scores_`` and ``validation_loss_curve_`` for a
        call: None when it has no validation set (``validating`` False);
        otherwise the last call's lists go on (copies, which a failing call
        leaves behind), or fresh ones when the last call had none."""
        for name in ("validation_scores_", "validation_loss_curve_"):
            previous = getattr(self, name, None)
            if not validating:
                setattr(self, name, None)
            else:
                setattr(self, name, [] if previous is None else list(previous))

    def _validate(self, network, validation):
        """Score the current weights of ``network`` on ``validation``; append
        the validation loss to ``validation_loss_curve_`` and the score to
        ``validation_scores_``, and return the score.

        Outputs that overflow give a loss and a score of NaN.
        """
        out = self._validation_outputs(network, validation.X)
        if np.all(np.isfinite(out)):
            loss = validation_objective(
                self._loss, validation.Y, out, validation.sample_weight,
                network.params[: network.n_coef_params], self._objective_settings["alpha"],
            )
            score = self._validation_score(validation, out, loss)
        else:
            loss = score = np.nan
        self.validation_loss_curve_.append(loss)
        self.validation_scores_.append(score)
        if self.verbose:
            print("Validation score: %f" % score)
        return score

    def _validation_score(self, validation, out, loss):
        """The score of outputs ``out`` for ``validation`` (whose loss is
        ``loss``), computed as the user would compute it on the fitted
        model: its ``score``, minus the loss, or its scorer."""
        scorer = validation.scorer
        if scorer is None:
            return self._score_outputs(validation.y, out, validation.sample_weight)
        if isinstance(scorer, str):  # "loss": higher is better, as for any score
            return -loss
        weights = {} if validation.sample_weight is None else {
            "sample_weight": validation.sample_weight
        }
        return float(scorer(self, validation.scorer_X, validation.y, **weights))

    def _track_validation(self, score):
        """Count an epoch of early stopping without improvement; return
        whether ``score`` is the best so far."""
        if self.tol is not None:
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
