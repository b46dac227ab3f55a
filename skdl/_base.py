"""The estimator base shared by skdl's networks: parameters, validation, the
training loops (stochastic and L-BFGS), early stopping, warm starts and
``partial_fit``. Subclasses say how targets are encoded and scored.

Training works on a copy of the weights and optimizer state; a call that
raises leaves the estimator exactly as it was.
"""

import copy
import time
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .activations import ACTIVATIONS, Softmax, Step, get_activation
from .layers import Dense
from .callbacks import call_callbacks, check_callbacks
from .losses import get_loss
from .network import Network
from .optimizers import SGD, Adam, train_lbfgs

STOCHASTIC_SOLVERS = ("sgd", "adam")

LOSS_GROWTH_WARNING = 10.0
"""Factor by which a call's training loss must end above its first value
for :func:`warn_if_loss_grew` to warn."""

ACTIVATION_CONSTRAINTS = [
    StrOptions(set(ACTIVATIONS)),
    HasMethods(["value", "derivative"]),
]
CLASSIFIER_LOSS_CONSTRAINTS = [
    StrOptions({"log_loss", "cross_entropy", "binary_cross_entropy", "hinge",
                "perceptron", "squared_error"}),
    HasMethods(["value", "gradient"]),
]


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


def carries_weight(sample_weight, incremental):
    """Whether training rows with these effective weights (sample weights
    times class weights; None: unweighted) carry any weight at all.

    A ``partial_fit`` call whose rows carry none takes no step, as a
    mini-batch of weight zero takes none; a ``fit`` whose rows carry none
    has nothing to fit and raises a ValueError.
    """
    if sample_weight is None or np.sum(sample_weight) > 0:
        return True
    if incremental:
        return False
    raise ValueError(
        "The training rows' sample_weight times class_weight sum to 0: every row "
        "has weight 0, so there is nothing to fit. Give some rows a non-zero "
        "sample_weight and a class of non-zero class_weight."
    )


DIVERGENCE_CHECK_ROWS = 256
"""Training rows whose outputs :func:`refuse_divergence` checks after a
call: one batch's worth, so that the check costs at most one small forward
pass."""


def refuse_divergence(network, X, remedy):
    """Raise a ValueError when training left ``network`` with non-finite
    weights, or finite weights so large that its outputs on the first
    training rows ``X`` overflow (one step of an absurd learning rate in a
    ``partial_fit``: its loss was taken before the step, and was finite).

    Parameters
    ----------
    network : Network
    X : ndarray or sparse matrix
        The call's validated training rows.
    remedy : str
        What to change, for the message.
    """
    if not (np.all(np.isfinite(network.params))
            and np.all(np.isfinite(network.non_trainable_params))):
        what = "non-finite weights"
    elif not np.all(np.isfinite(network.forward(X[:DIVERGENCE_CHECK_ROWS]))):
        what = "weights whose outputs overflow to non-finite values"
    else:
        return
    raise ValueError(
        f"Training diverged: the solver produced {what}. {remedy} The estimator "
        "was left unchanged."
    )


def warn_if_loss_grew(curve, remedy):
    """Warn (``ConvergenceWarning``) when one call's training loss ``curve``
    ends at least ``LOSS_GROWTH_WARNING`` times above its first value: the
    solver diverged without overflowing, and nothing else would say so.

    Parameters
    ----------
    curve : list of float
        The loss after each epoch or iteration of this call.
    remedy : str
        What to change, for the message.
    """
    if len(curve) > 1 and curve[0] > 0 and curve[-1] >= LOSS_GROWTH_WARNING * curve[0]:
        warnings.warn(
            f"The training loss grew from {curve[0]:.4g} to {curve[-1]:.4g} over "
            f"{len(curve)} epochs: training diverged, and the model is likely worse "
            f"than where it started. {remedy}",
            ConvergenceWarning,
        )


def check_output_suits_loss(output, output_name, loss, loss_spec):
    """Refuse an ``output`` activation whose values ``loss`` (the resolved
    ``loss_spec``) is not defined for, naming both."""
    if loss.needs_probability and not output.is_probability:
        raise ValueError(
            f"loss={loss_spec!r} is defined on probabilities, but the output "
            f"activation {output_name!r} does not give probabilities; use a "
            "sigmoid or softmax output (or a user activation with is_probability "
            "= True), or a loss such as 'hinge' for unbounded outputs."
        )
    if loss.threshold == 0 and output.is_positive and not output.is_probability:
        raise ValueError(
            f"loss={loss_spec!r} splits the classes at an output of 0, which the "
            f"output activation {output_name!r} never reaches; use an output that "
            "can be negative (identity or tanh), or a sigmoid, whose outputs split "
            "at 0.5."
        )
    if loss.needs_positive_output and not output.is_positive:
        raise ValueError(
            f"loss={loss_spec!r} is defined on outputs greater than zero, but the "
            f"output activation {output_name!r} can give values <= 0; use 'exp' "
            "(or 'softplus', or a user activation with is_positive = True)."
        )


@contextmanager
def restore_on_error(estimator):
    """Put back every attribute of ``estimator`` if the body raises, and the
    state of a ``RandomState`` it holds as a parameter, which the body may
    have drawn from."""
    saved = dict(estimator.__dict__)
    rng_states = {
        name: value.get_state() for name, value in saved.items()
        if isinstance(value, np.random.RandomState)
    }
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        for name, state in rng_states.items():
            saved[name].set_state(state)
        raise


def objective_inputs(estimator, X, y, sample_weight):
    """Validated ``X``, encoded targets and effective sample weights (class
    weights applied) of a fitted estimator, as its training objective sees
    them; the shared first half of every ``_objective_parts``."""
    check_is_fitted(estimator)
    X, y, _ = estimator._validate_targets(
        X, y, incremental=True, first_pass=False, fitted=True
    )
    Y = estimator._encode_targets(y, X.dtype)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
    return X, Y, estimator._apply_class_weight(
        sample_weight, y, X.dtype, estimator._objective_settings["class_weight"]
    )


def fit_lbfgs(
    network, X, Y, loss, *, alpha, sample_weight, max_iter, max_fun, tol, verbose,
    on_iteration=None,
):
    """Train ``network`` with L-BFGS, warning when it stops unconverged.

    Returns
    -------
    n_iter : int
    final_loss : float
    loss_curve : list of float
    """
    result, curve = train_lbfgs(
        network, X, Y, loss, alpha=alpha, sample_weight=sample_weight,
        max_iter=max_iter, max_fun=max_fun, tol=tol, verbose=bool(verbose),
        on_iteration=on_iteration,
    )
    if not np.isfinite(result.fun):
        raise ValueError(
            f"Training diverged: L-BFGS met a non-finite objective ({result.fun}) "
            f"after {result.nit} iteration(s). Scale the input (e.g. with "
            "StandardScaler) or choose activations that cannot overflow; the "
            "estimator was left unchanged."
        )
    if result.status not in (0, 99):  # 99: stopped by a callback
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iteration(s) "
            f"(status={result.status}): {result.message}. Increase max_iter "
            "or max_fun, or scale the data.",
            ConvergenceWarning,
        )
    return min(int(result.nit), max_iter), float(result.fun), curve


DOCS_URL = "https://skdl.readthedocs.io/en/latest/"
"""Root of skdl's documentation site; estimators link to their API pages there."""


class DocLinkMixin:
    """Make an estimator's HTML representation (in a notebook) link to its
    page in skdl's API reference, as scikit-learn's estimators link to
    theirs. The pages are ``generated/skdl.<ClassName>.html`` under
    :data:`DOCS_URL`, where the site's autosummary writes them."""

    _doc_link_module = "skdl"
    _doc_link_template = DOCS_URL + "generated/skdl.{estimator_name}.html"


class BaseNetwork(DocLinkMixin, BaseEstimator):
    """Base class of the estimators trained by gradient: the MLPs and the
    layer networks. Not for direct use.

    Subclasses say which layers the network has and how the fitted weights
    are kept (``_hidden_layers``, ``_input_shape``, ``_keep_network``,
    ``_fitted_weights``, ``_fitted_architecture``, ``_check_architecture``,
    ``_forward_validated``),
    and how targets are checked and scored (``_validate_targets``,
    ``_default_output_activation``, ``_score_outputs``); they may override
    ``_encode_targets``, ``_apply_class_weight`` and ``_stratify_labels``.
    """

    _parameter_constraints: dict = {
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "output_activation": [StrOptions({"auto", *ACTIVATIONS}), HasMethods(["value", "derivative"])],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
    }

    _weights_attribute = "coefs_"
    """The fitted attribute whose presence says the estimator holds weights."""

    # ------------------------------------------------------------------ set-up
    def _setup_layers(self, target_kind):
        """Resolve activations and loss from the current parameters, for
        targets of ``target_kind``; every fit call does, so that parameters
        changed between warm-started or incremental calls take effect."""
        out_spec = self.output_activation
        if isinstance(out_spec, str) and out_spec == "auto":
            out_spec = self._default_output_activation(target_kind)
        hidden = self._hidden_activations()
        self._layer_activations = [*hidden, get_activation(out_spec)]
        self.out_activation_ = (
            out_spec if isinstance(out_spec, str) else self._layer_activations[-1].name
        )
        self._loss = get_loss(self.loss, self._layer_activations[-1])
        self._check_layer_choices()
        # what this fit trains with, for the code after fit (the objective of
        # _objective_parts, the plots), which must not read parameters
        # changed since
        self._solver = self.solver
        self._objective_settings = {
            "alpha": self.alpha, "class_weight": getattr(self, "class_weight", None),
        }

    def _check_layer_choices(self):
        """Refuse activations gradient training cannot move and outputs the
        loss is not defined for."""
        if any(isinstance(a, Step) for a in self._layer_activations):
            raise ValueError(
                "The 'step' activation has a zero derivative, so gradient training "
                "cannot change the weights that feed it; it is trained only by "
                "PerceptronClassifier's perceptron rule. Use 'sigmoid' or 'tanh' "
                "for a smooth step."
            )
        check_output_suits_loss(
            self._layer_activations[-1], self.out_activation_, self._loss, self.loss
        )

    def _new_network(self, n_features, n_outputs, dtype):
        """An uninitialised network of the current parameters: the hidden
        layers, then a Dense output layer of the output activation."""
        if n_outputs == 1 and isinstance(self._layer_activations[-1], Softmax):
            raise ValueError(
                "A softmax over a single output is always 1, so nothing can be "
                "learnt; use output_activation='auto', 'logistic' or 'identity'."
            )
        output = self._layer_activations[-1]
        # a built-in activation without parameters by its name, for a plain repr
        if type(output) is ACTIVATIONS.get(output.name) and not vars(output):
            output = output.name
        layers = [*self._hidden_layers(), Dense(n_outputs, output)]
        network = Network(layers, self._input_shape(n_features), dtype)
        if network.has_dropout and self.solver == "lbfgs":
            raise ValueError(
                "dropout makes the objective random, which L-BFGS cannot follow; use "
                "solver='adam' or 'sgd' with dropout."
            )
        return network

    def _build_network(self, n_features, n_outputs, dtype, rng, first_pass):
        """A freshly initialised network, or one holding the fitted weights."""
        network = self._new_network(n_features, n_outputs, dtype)
        if first_pass:
            network.initialize(rng)
            self.n_outputs_ = n_outputs
            self.n_iter_ = 0
            self.t_ = 0
            self._optimizer = None
            self._reset_curves()
            return network
        self._check_architecture(network)
        network.set_weights(self._fitted_weights())
        return network

    def _fitted_network(self, dtype):
        """A fresh network holding a copy of the fitted weights, built from
        the fitted state alone (``_fitted_architecture``): parameters changed
        since the fit, such as ``layers`` or ``input_shape``, do not reach
        it."""
        layers, input_shape = self._fitted_architecture()
        network = Network(layers, input_shape, dtype)
        network.set_weights(self._fitted_weights())
        return network

    def _early_stopping(self):
        """Whether early stopping is in effect: L-BFGS ignores it, as in
        scikit-learn."""
        return self.early_stopping and self.solver in STOCHASTIC_SOLVERS

    def _reset_curves(self):
        self.loss_curve_ = []
        self.history_ = []
        self._reset_stopping_state()

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

    # --------------------------------------------------------------- fitting
    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        check_callbacks(self.callbacks)
        # overflow is detected and reported below, not warned about on the way
        with restore_on_error(self), np.errstate(over="ignore", invalid="ignore"):
            first_pass = not hasattr(self, self._weights_attribute) or (
                not self.warm_start and not incremental
            )
            X, y, target_kind = self._validate_targets(
                X, y, incremental, first_pass, classes
            )
            self._setup_layers(target_kind)
            Y = self._encode_targets(y, X.dtype)
            if sample_weight is not None:
                sample_weight = _check_sample_weight(
                    sample_weight, X, dtype=X.dtype, ensure_non_negative=True
                )
            # the validation score weighs rows by sample_weight alone
            score_weight = sample_weight
            sample_weight = self._apply_class_weight(
                sample_weight, y, X.dtype, self._objective_settings["class_weight"]
            )
            trains = carries_weight(sample_weight, incremental)
            if self.early_stopping and incremental:
                raise ValueError("partial_fit does not support early_stopping=True")
            rng = check_random_state(self.random_state)
            network = self._build_network(X.shape[1], Y.shape[1], X.dtype, rng, first_pass)
            # callbacks see the weights as they train
            self._keep_network(network)
            n_before = len(self.loss_curve_)
            if not trains:
                self.n_iter_ = 0
            elif self.solver in STOCHASTIC_SOLVERS:
                self._fit_stochastic(
                    network, X, Y, sample_weight, score_weight, rng, incremental
                )
            else:
                self._fit_lbfgs(network, X, Y, sample_weight)
            refuse_divergence(
                network, X, "Lower learning_rate_init or scale the input (e.g. with "
                "StandardScaler).",
            )
            warn_if_loss_grew(
                self.loss_curve_[n_before:],
                f"learning_rate_init={self.learning_rate_init} is probably too large "
                "for this data: lower it, or scale the input (e.g. with StandardScaler).",
            )
            # the fitted model keeps weights, never its last batch's buffers
            network.release_buffers()
            self._keep_network(network)
        return self

    def _apply_class_weight(self, sample_weight, y, dtype, class_weight):
        """Hook for class weights; the base applies none."""
        return sample_weight

    def _encode_targets(self, y, dtype):
        """Validated targets as a 2-D array of ``dtype`` for the network."""
        return np.asarray(y, dtype=dtype).reshape(y.shape[0], -1)

    def _new_optimizer(self, n_params, dtype):
        if self.solver == "sgd":
            return SGD(
                n_params, dtype, self.learning_rate_init, self.learning_rate,
                self.momentum, self.nesterovs_momentum, self.power_t,
            )
        return Adam(
            n_params, dtype, self.learning_rate_init, self.beta_1, self.beta_2,
            self.epsilon,
        )

    def _fit_stochastic(self, network, X, Y, sample_weight, score_weight, rng, incremental):
        previous = getattr(self, "_optimizer", None)
        if incremental and type(previous) is (SGD if self.solver == "sgd" else Adam):
            # partial_fit carries on with the state of the last call's solver
            optimizer = copy.deepcopy(previous)
        else:
            optimizer = self._new_optimizer(network.params.size, network.dtype)
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
        started = time.perf_counter()
        try:
            for _ in range(self.max_iter):
                if order is not None:
                    order = order[rng.permutation(order.size)]
                self.loss_ = self._run_epoch(
                    network, optimizer, X, Y, sample_weight, batch_size, order, dropout_rng
                )
                self.n_iter_ += 1
                self.t_ += X.shape[0]
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
                if not np.isfinite(self.loss_):
                    raise ValueError(
                        f"Training diverged: the loss became {self.loss_} at "
                        f"iteration {self.n_iter_}. Lower learning_rate_init or "
                        "scale the input; the estimator was left unchanged."
                    )
                if self.early_stopping:
                    if self._track_validation(network, X_val, Y_val, sw_val):
                        best_weights = network.get_weights()
                else:
                    self._track_training_loss()
                optimizer.iteration_ends(self.t_)
                if self._run_callbacks(started):
                    break
                if self._no_improvement_count > self.n_iter_no_change:
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
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        if self.early_stopping:
            network.set_weights(best_weights)
        self._optimizer = optimizer

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

    def _run_epoch(self, network, optimizer, X, Y, sample_weight, batch_size, order, dropout_rng):
        """One pass over the data in mini-batches, in row ``order`` (None: as
        stored); returns the mean objective.

        Shuffled batches of dense X are gathered into one reused buffer
        rather than copied anew each time. A batch whose sample weights sum
        to zero carries no gradient: it takes no step and no part in the mean.
        """
        n_samples = X.shape[0]
        gather = order is not None and not sp.issparse(X)
        if gather:
            X_buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
            Y_buffer = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)
        total, n_counted = 0.0, 0
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
            value = network.loss_and_gradient(
                X_batch, Y_batch, self._loss, self.alpha, sw, dropout_rng,
                include_penalty=False,
            )
            # the optimizer adds the L2 term within its own pass over the weights
            l2 = self.alpha / weight_sum
            squares = optimizer.update(network.params, network.grad, l2, network.n_coef_params)
            total += (stop - start) * (value + 0.5 * l2 * squares)
            n_counted += stop - start
        return total / n_counted

    def _run_callbacks(self, started):
        """Record the epoch in ``history_`` and call the user's callbacks.

        Returns
        -------
        bool
            True when a callback asked to stop.
        """
        record = {
            "epoch": self.n_iter_,
            "loss": self.loss_,
            "validation_score": (
                self.validation_scores_[-1] if self._early_stopping() else None
            ),
            "elapsed": time.perf_counter() - started,
        }
        self.history_ = [*self.history_, record]
        return call_callbacks(self.callbacks, {**record, "estimator": self})

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

    def _track_validation(self, network, X_val, Y_val, sw_val):
        out = network.forward(X_val)
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

    def _fit_lbfgs(self, network, X, Y, sample_weight):
        started = time.perf_counter()
        self.n_iter_ = 0

        def on_iteration(value):
            self.n_iter_ += 1
            self.loss_ = value
            return self._run_callbacks(started)

        n_iter, self.loss_, curve = fit_lbfgs(
            network, X, Y, self._loss, alpha=self.alpha, sample_weight=sample_weight,
            max_iter=self.max_iter, max_fun=self.max_fun, tol=self.tol,
            verbose=self.verbose, on_iteration=on_iteration,
        )
        # a warm start extends the curve, as it does for the stochastic solvers
        self.loss_curve_ = [*self.loss_curve_, *curve]
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)
        self.n_iter_ = n_iter

    def _objective_parts(self, X, y, sample_weight=None):
        """The training objective at the fitted weights, for inspection.

        Returns
        -------
        network : Network
            A fresh network holding a copy of the fitted weights.
        X, Y : arrays
            Validated inputs and encoded targets.
        loss : Loss
        alpha : float
        sample_weight : ndarray or None
            Sample weights with class weights applied.
        """
        X, Y, sample_weight = objective_inputs(self, X, y, sample_weight)
        network = self._fitted_network(X.dtype)
        return network, X, Y, self._loss, self._objective_settings["alpha"], sample_weight

    # ------------------------------------------------------------ prediction
    def _forward(self, X):
        """Validated network outputs for ``X``."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=self._accepted_sparse(fitted=True),
            dtype=(np.float64, np.float32), reset=False,
        )
        return self._forward_validated(X)

    def _accepted_sparse(self, fitted=False):
        """The sparse formats ``X`` may come in (False: none): to be fitted
        under the current parameters, or, when ``fitted``, to go through the
        fitted network."""
        return ["csr", "csc"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = bool(self._accepted_sparse())
        return tags
