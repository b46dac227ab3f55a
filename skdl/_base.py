"""The estimator base shared by skdl's networks: parameters, validation, the
training loops (stochastic and L-BFGS), early stopping, warm starts and
``partial_fit``. Subclasses say how targets are encoded and scored.

Training works on a copy of the weights and optimizer state; a call that
raises leaves the estimator exactly as it was.
"""

import copy
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._epoch_events import EpochEvents
from ._layer_params import name_layers
from ._sklearn_callbacks import FIT_CONTEXT_ATTRIBUTES, CallbackSupportMixin, FitTasks
from ._summary import layer_rows, summary_lines
from ._training import (
    STOCHASTIC_SOLVERS,
    EpochRateRule,
    StochasticTrainingMixin,
)
from ._versioned_state import VersionedStateMixin
from .activations import ACTIVATIONS, Softmax, Step, get_activation
from .callbacks import CallbackList, TrainingModel, check_callbacks
from .layers import Dense
from .losses import get_loss
from .network import Network
from .optimizers import SGD, Adam, AdamW, Nadam, Optimizer, RMSprop, train_lbfgs
from .schedules import LearningRateSchedule

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
    elif not np.all(np.isfinite(network.predict(X[:DIVERGENCE_CHECK_ROWS]))):
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


_NESTING_HINTS = {
    "solver": (
        ", such as solver=AdamW(weight_decay=0.01) for solver='adamw'; search "
        "{'solver': [AdamW(weight_decay=1e-4), AdamW(weight_decay=1e-2)]}, or "
        "{'solver__weight_decay': [1e-4, 1e-2]} with solver=AdamW()."
    ),
    "learning_rate": (
        ", a schedule of skdl.schedules such as "
        "learning_rate=ExponentialDecay(0.01, decay_steps=100, decay_rate=0.9)."
    ),
}
"""What to say when a nested parameter is set through a parameter given as
a plain value (see :meth:`BaseNetwork.set_params`)."""


class BaseNetwork(CallbackSupportMixin, StochasticTrainingMixin, DocLinkMixin, VersionedStateMixin,
                  BaseEstimator):
    """Base class of the estimators trained by gradient: the MLPs and the
    layer networks. Not for direct use.

    Subclasses say which layers the network has and how the fitted weights
    are kept (``_hidden_layers``, ``_input_shape``, ``_network_attributes``,
    ``_fitted_weights``, ``_fitted_architecture``, ``_check_architecture``,
    ``_predict_validated``),
    and how targets are checked and scored (``_validate_targets``,
    ``_validate_validation_targets``, ``_default_output_activation``,
    ``_predictions``, ``_score_outputs``); they may override
    ``_encode_targets``, ``_apply_class_weight`` and ``_stratify_labels``.
    The stochastic solvers train in the shared mini-batch loop of
    :class:`~skdl._training.StochasticTrainingMixin`. Each epoch (L-BFGS:
    each iteration) is reported to the ``callbacks`` and to the
    scikit-learn callbacks of ``set_callbacks`` (see
    :mod:`skdl._sklearn_callbacks`).
    """

    _parameter_constraints: dict = {
        "solver": [StrOptions({"lbfgs", *STOCHASTIC_SOLVERS}), Optimizer],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"}),
                          LearningRateSchedule],
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
        "scoring": [str, callable, None],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
    }

    _weights_attribute = "coefs_"
    """The fitted attribute whose presence says the estimator holds weights."""

    _network_class = Network
    """The engine class the estimator trains: :class:`~skdl.network.Network`
    or a subclass that reads its weights the estimator's way."""

    def set_params(self, **params):
        """Set the estimator's parameters, as scikit-learn's ``set_params``;
        a parameter's own parameters are ``<parameter>__<its parameter>``,
        such as ``solver__weight_decay`` when ``solver`` is an optimizer.

        Parameters
        ----------
        **params
            New values by name.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``<parameter>__...`` names a parameter whose value (after this
            call) has no parameters of its own, such as ``solver`` given by
            name (``"adamw"``): the message says to give the object instead.
        """
        current = self.get_params(deep=False)
        for key in params:
            owner, nested, _ = key.partition("__")
            value = params.get(owner, current.get(owner))
            if nested and owner in current and not hasattr(value, "set_params"):
                raise ValueError(
                    f"Cannot set {key!r}: {owner}={value!r} has no parameters of its "
                    f"own. Give {owner} an object that has them{_NESTING_HINTS.get(owner, '.')}"
                )
        return super().set_params(**params)

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
        self._solver = (self.solver if isinstance(self.solver, str)
                        else type(self.solver).__name__)
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
        layers = name_layers(self._hidden_layers(), Dense(n_outputs, output))
        network = self._network_class(layers, self._input_shape(n_features), dtype)
        if network.has_dropout and self.solver == "lbfgs":
            raise ValueError(
                "dropout makes the objective random, which L-BFGS cannot follow; use "
                "solver='adam' or 'sgd' with dropout."
            )
        return network

    def _build_network(self, X, n_outputs, rng, first_pass):
        """A freshly initialised network, or one holding the fitted weights,
        for the rows of ``X``: refused, before anything of the estimator
        changes, when its first layer refuses them."""
        network = self._new_network(X.shape[1], n_outputs, X.dtype)
        network.check_input(X)
        if first_pass:
            network.initialize(rng)
            self.n_outputs_ = n_outputs
            self.n_iter_ = 0
            self.t_ = 0
            self.optimizer_ = None
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
        network = self._network_class(layers, input_shape, dtype)
        network.set_weights(self._fitted_weights())
        return network

    def _reset_curves(self):
        self.loss_curve_ = []
        self.history_ = []
        self.validation_scores_ = self.validation_loss_curve_ = None
        self._reset_stopping_state()

    # --------------------------------------------------------------- fitting
    def _fit(
        self, X, y, sample_weight=None, incremental=False, classes=None, X_val=None,
        y_val=None, sample_weight_val=None,
    ):
        check_callbacks(self.callbacks)
        lbfgs = isinstance(self.solver, str) and self.solver == "lbfgs"
        # opened before anything can fail, so that its callbacks are torn down
        fit_tasks = FitTasks.of_call(self, lbfgs=lbfgs, incremental=incremental)
        # overflow is detected and reported below, not warned about on the way
        with restore_on_error(self), np.errstate(over="ignore", invalid="ignore"):
            first_pass = not hasattr(self, self._weights_attribute) or (
                not self.warm_start and not incremental
            )
            X_given = X
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
            scorer = self._validation_scorer()
            validation = self._check_validation_data(
                X_val, y_val, sample_weight_val, scorer, Y.shape[1]
            )
            fit_tasks.begin(X, y, score_weight)
            rng = check_random_state(self.random_state)
            network = self._build_network(X, Y.shape[1], rng, first_pass)
            if validation is not None and validation.given:
                try:
                    network.check_input(validation.X)
                except ValueError as error:
                    raise ValueError(
                        f"X_val was refused, its rows counted from 0 in X_val: {error}"
                    ) from None
            # callbacks see the weights as they train
            self._keep_network(network)
            n_before = len(self.loss_curve_)
            callbacks = CallbackList(self.callbacks, TrainingModel(self, network))
            events = EpochEvents(self, network, fit_tasks, callbacks)
            try:
                if not trains:
                    self.n_iter_ = 0
                elif not lbfgs:
                    self.optimizer_ = self._call_optimizer(network, incremental)
                    X_train, Y_train, train_weight, validation = self._training_and_validation(
                        validation, X, X_given, y, Y, sample_weight, score_weight, rng, scorer
                    )
                    self._fit_stochastic(
                        network, self.optimizer_, X_train, Y_train, train_weight, rng,
                        incremental, validation, events,
                    )
                else:
                    self.optimizer_ = None
                    self._fit_lbfgs(network, X, Y, sample_weight, validation, events)
            finally:
                callbacks.detach()
            refuse_divergence(
                network, X, f"Lower {self._learning_rate_parameter} or scale the input "
                "(e.g. with StandardScaler).",
            )
            warn_if_loss_grew(
                self.loss_curve_[n_before:],
                f"{self._learning_rate_setting()} probably too large for this data: "
                "lower it, or scale the input (e.g. with StandardScaler).",
            )
            # the fitted model keeps weights, never its last batch's buffers
            network.release_buffers()
            if self.optimizer_ is not None:
                self.optimizer_.release_buffers()
            self._keep_network(network)
            fit_tasks.end()
        return self

    def _keep_network(self, network):
        """Hold the network's weights (views that follow its training) in the
        fitted attributes."""
        vars(self).update(self._network_attributes(network))

    def _snapshot_attributes(self, network):
        """Fitted attributes holding copies of the network's weights as they
        are now: what makes a copy of the estimator predict as the network
        does at this point of training."""
        return copy.deepcopy(self._network_attributes(network))

    def _snapshot(self, network):
        """A copy of the estimator as if its fit ended now: copies of the
        network's current weights, and none of the fit's own bookkeeping
        (scikit-learn's task tree). Its other attributes are shared with the
        estimator, so it is to be pickled at once."""
        snapshot = copy.copy(self)
        for name in FIT_CONTEXT_ATTRIBUTES:
            vars(snapshot).pop(name, None)
        vars(snapshot).update(self._snapshot_attributes(network))
        return snapshot

    def _apply_class_weight(self, sample_weight, y, dtype, class_weight):
        """Hook for class weights; the base applies none."""
        return sample_weight

    def _encode_targets(self, y, dtype):
        """Validated targets as a 2-D array of ``dtype`` for the network."""
        return np.asarray(y, dtype=dtype).reshape(y.shape[0], -1)

    @property
    def _learning_rate_parameter(self):
        """What sets the step size, for messages."""
        if isinstance(self.solver, Optimizer):
            return "the solver's learning_rate"
        if isinstance(self.learning_rate, LearningRateSchedule):
            return "the learning_rate schedule's rates"
        return "learning_rate_init"

    def _learning_rate_setting(self):
        """The step size this call was given, as the subject of a message."""
        if isinstance(self.solver, Optimizer):
            return "The solver's learning_rate is"
        if isinstance(self.learning_rate, LearningRateSchedule):
            return "The learning_rate schedule's rates are"
        return f"learning_rate_init={self.learning_rate_init} is"

    def _call_optimizer(self, network, incremental):
        """This call's optimizer, built on ``network``'s weights:
        ``partial_fit`` carries on with (a copy of) the last call's when the
        solver is of the same kind, anything else starts afresh."""
        previous = getattr(self, "optimizer_", None)
        optimizer = self._new_optimizer()
        if (incremental and type(previous) is type(optimizer)
                and previous.is_built_for(network.params)):
            return copy.deepcopy(previous)
        self._rate_rule = (
            EpochRateRule(self.learning_rate, self.learning_rate_init, self.power_t)
            if self.solver == "sgd" and isinstance(self.learning_rate, str)
            else EpochRateRule()
        )
        return optimizer.build(network.params, network.weight_boundaries)

    def _new_optimizer(self):
        """An unbuilt optimizer of the current parameters: a clone of
        ``solver`` when it is an optimizer (the user's object is never
        trained), else the one it names, from the estimator's parameters."""
        if isinstance(self.solver, Optimizer):
            if not (isinstance(self.learning_rate, str) and self.learning_rate == "constant"):
                raise ValueError(
                    f"learning_rate={self.learning_rate!r} sets the rate of a solver "
                    f"given by name, but solver is the object {self.solver!r}, whose "
                    "own learning_rate rules. Give it the schedule "
                    "(solver=SGD(learning_rate=ExponentialDecay(...))), or use the "
                    "callback skdl.callbacks.ReduceLROnPlateau for an adaptive rate, "
                    "and leave learning_rate='constant'."
                )
            return clone(self.solver)
        rate = (clone(self.learning_rate)
                if isinstance(self.learning_rate, LearningRateSchedule)
                else self.learning_rate_init)
        if self.solver == "sgd":
            return SGD(rate, momentum=self.momentum, nesterov=self.nesterovs_momentum)
        if self.solver == "rmsprop":
            return RMSprop(rate, epsilon=self.epsilon)
        adam_kind = {"adam": Adam, "adamw": AdamW, "nadam": Nadam}[self.solver]
        return adam_kind(rate, beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)

    def _record_epoch(self, elapsed):
        """Append the epoch's record to ``history_`` and return it.

        Parameters
        ----------
        elapsed : float
            Seconds since training began.
        """
        validating = self.validation_scores_ is not None
        record = {
            "epoch": self.n_iter_,
            "loss": self.loss_,
            "validation_score": self.validation_scores_[-1] if validating else None,
            "validation_loss": self.validation_loss_curve_[-1] if validating else None,
            "elapsed": elapsed,
            "learning_rate": (None if self.optimizer_ is None
                              else self.optimizer_.current_learning_rate),
        }
        self.history_ = [*self.history_, record]
        return record

    def _fit_lbfgs(self, network, X, Y, sample_weight, validation, events):
        """Train with L-BFGS; a ``validation`` set is scored after every
        iteration, for the curves (L-BFGS has no early stopping)."""
        self.n_iter_ = 0
        self._start_validation_curves(validation is not None)

        def on_iteration(value):
            self.n_iter_ += 1
            self.loss_ = value
            if validation is not None:
                # the network holds the iterate: L-BFGS-B evaluated it last
                self._validate(network, validation)
            return events.lbfgs_iteration_end()

        events.lbfgs_begin()
        n_iter, self.loss_, curve = fit_lbfgs(
            network, X, Y, self._loss, alpha=self.alpha, sample_weight=sample_weight,
            max_iter=self.max_iter, max_fun=self.max_fun, tol=self.tol,
            verbose=self.verbose, on_iteration=on_iteration,
        )
        events.lbfgs_end()
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

    def _validation_outputs(self, network, X):
        """Outputs of the prediction path for validated rows ``X``; the
        fitted attributes hold views of ``network``'s weights as it trains."""
        return self._predict_validated(X)

    # ----------------------------------------------------------- inspection
    def summary(self, print_fn=None):
        """Print the network's layers as Keras's ``Model.summary()`` does:
        each layer's name, type, output shape (``None`` standing for the
        batch) and number of weights, then the total, trainable and
        non-trainable numbers of weights.

        After fit it reads the fitted layers, whatever the parameters say
        now. Before fit, a layer network whose ``input_shape`` is known
        builds a copy of its layers; the output layer, whose width comes
        from the targets, is then shown as ``(None, n_outputs)``, and its
        weights and the totals as ``k * n_outputs``.

        Parameters
        ----------
        print_fn : callable, default=None
            Called with each line, as Keras's ``print_fn`` is; None prints
            the lines to standard output.

        Raises
        ------
        NotFittedError
            Before fit, when the input's shape is not known (an MLP's
            number of features, or ``input_shape`` None or holding -1).
        ValueError
            Before fit, when a layer cannot take the shape it would be
            given; the message names it.
        """
        fitted = hasattr(self, self._weights_attribute)
        rows = self._fitted_layer_rows() if fitted else self._unfitted_layer_rows()
        state = "fitted" if fitted else "not fitted"
        for line in summary_lines(f"{type(self).__name__} ({state})", rows):
            (print if print_fn is None else print_fn)(line)

    def _fitted_layer_rows(self):
        """The summary's rows of the fitted network, named as at fit."""
        layers, input_shape = self._fitted_architecture()
        network = Network(name_layers(layers[:-1], layers[-1]), input_shape)
        return layer_rows(network.layers)

    def _unfitted_layer_rows(self):
        """The summary's rows before fit, which an MLP cannot give: its
        input's width comes from the data."""
        raise NotFittedError(
            f"This {type(self).__name__} is not fitted yet: the width of its layers' "
            "input comes from the data, so summary() needs a fit first."
        )

    # ------------------------------------------------------------ prediction
    def _predict_outputs(self, X):
        """Validated network outputs for ``X``."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=self._accepted_sparse(fitted=True),
            dtype=(np.float64, np.float32), reset=False,
        )
        return self._predict_validated(X)

    def _accepted_sparse(self, fitted=False):
        """The sparse formats ``X`` may come in (False: none): to be fitted
        under the current parameters, or, when ``fitted``, to go through the
        fitted network."""
        return ["csr", "csc"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = bool(self._accepted_sparse())
        return tags
