"""The perceptron: a single-layer network, trained by the perceptron rule
with a step activation, or by gradient descent with any other activation."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight

from ._base import (
    ACTIVATION_CONSTRAINTS,
    CLASSIFIER_LOSS_CONSTRAINTS,
    DocLinkMixin,
    check_output_suits_loss,
    restore_on_error,
)
from ._classification import ClassifierOutputsMixin
from ._docstrings import document_validation_parameters
from ._linear_outputs import LinearOutputsMixin, activation_crossing
from ._perceptron_training import PerceptronGradientMixin, PerceptronRuleMixin
from ._sklearn_callbacks import CallbackSupportMixin, FitTasks
from ._versioned_state import VersionedStateMixin
from .activations import Sigmoid, Softmax, Step, get_activation
from .losses import PerceptronCriterion, get_loss

__all__ = ["PerceptronClassifier"]

# Loss used with each built-in activation when loss="auto" (squared error
# for any other, a user's included whatever its name).
_AUTO_LOSS = {
    Step: "perceptron",
    Sigmoid: "binary_cross_entropy",
    Softmax: "cross_entropy",
}


class PerceptronClassifier(
    CallbackSupportMixin, DocLinkMixin, LinearOutputsMixin, ClassifierOutputsMixin,
    ClassifierMixin, PerceptronRuleMixin, PerceptronGradientMixin, VersionedStateMixin,
    BaseEstimator,
):
    """Perceptron: one layer of neurons, a weighted sum passed through an activation.

    With the default step activation it is the classic perceptron, trained by
    the perceptron rule (on a mistake, ``w += eta0 * y * x``) one sample at a
    time, one output per class (one-vs-rest). Given the same
    ``random_state`` it gives the same weights as
    :class:`sklearn.linear_model.Perceptron`, whose parameters it shares:
    it visits the samples in the same shuffled order and rounds every step
    the same way.
    Any other activation trains by gradient descent on ``loss`` (L-BFGS or
    mini-batch SGD): sigmoid with log loss is logistic regression, identity
    with squared error is ADALINE, softmax with cross-entropy is multinomial
    logistic regression.

    scikit-learn's callbacks (``sklearn.callback``, registered with
    ``set_callbacks``) follow its epochs (L-BFGS: iterations), each a
    sub-task of the fit. Unlike the networks it takes no ``callbacks``
    parameter: the perceptron rule trains each one-vs-rest output on its
    own and records no loss, so Keras-style callbacks would have no loss to
    watch and no network whose weights to restore; an ``MLPClassifier`` with
    ``hidden_layer_sizes=()`` is a single layer that takes them.

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet"} or None, default=None
        Regularisation of the weights.

    alpha : float, default=0.0001
        Strength of the penalty.

    l1_ratio : float, default=0.15
        Share of L1 in the elastic-net penalty, in [0, 1].

    fit_intercept : bool, default=True
        Learn a bias; otherwise it stays at zero.

    max_iter : int, default=1000
        Maximum epochs over the training data.

    tol : float or None, default=1e-3
        Training stops once an epoch's mean loss is not ``tol`` below the
        best so far for ``n_iter_no_change`` epochs in a row; None trains
        for ``max_iter`` epochs.

    shuffle : bool, default=True
        Shuffle the samples each epoch (each class in its own order, drawn
        from ``random_state`` as scikit-learn draws it).

    verbose : int, default=0
        Print each epoch's figures (for the perceptron rule, scikit-learn's
        lines).

    eta0 : float, default=1.0
        Learning rate.

    n_jobs : int or None, default=None
        Threads training the one-vs-rest classes of the perceptron rule side
        by side (None is one, -1 all cores), as scikit-learn's
        ``Perceptron`` does; the weights do not depend on it. Gradient
        solvers train all classes at once and ignore it.

    random_state : int, RandomState instance or None, default=0
        Seed for shuffling and the validation split.

    early_stopping : bool, default=False
        Stop on the validation score instead of the training loss. The
        validation set is the ``X_val`` given to ``fit``, or else
        ``validation_fraction`` of the data, held out: a stratified split
        drawn from ``random_state``, the rows scikit-learn's ``Perceptron``
        holds out. The perceptron rule scores each one-vs-rest output's
        accuracy on it, as scikit-learn's does; ``solver="sgd"`` scores the
        model as ``scoring`` says, and, as scikit-learn's SGD, ends at the
        last epoch's weights. Not available with ``partial_fit``.

    validation_fraction : float, default=0.1
        Share of the data held out for early stopping when ``fit`` is given
        no ``X_val``.

    scoring : str, callable or None, default=None
        The validation score of gradient training (see
        :class:`MLPClassifier`): None is accuracy, ``"loss"`` minus the
        validation loss, any other string a scikit-learn scorer name, a
        callable a scorer. The perceptron rule takes only None.

    n_iter_no_change : int, default=5
        Epochs without improvement before stopping.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in training (the early-stopping score weighs
        rows by ``sample_weight`` alone, as scikit-learn's does);
        ``"balanced"`` weighs classes inversely to their frequency (``fit``
        only; ``partial_fit`` takes a dict).

    warm_start : bool, default=False
        Start ``fit`` from the previous weights.

    activation : str or Activation, default="step"
        Output activation: ``"step"`` for the perceptron rule, or any other
        name or activation object for gradient training.

    loss : str or Loss, default="auto"
        Loss for gradient training; ``"auto"`` is ``"perceptron"`` for step,
        log loss for sigmoid and softmax, and squared error otherwise. With
        ``activation="step"`` only ``"perceptron"`` is allowed.

    solver : {"auto", "perceptron", "sgd", "lbfgs"}, default="auto"
        ``"perceptron"``: the online perceptron rule (step activation only).
        ``"sgd"``: mini-batch gradient descent with step size ``eta0``.
        ``"lbfgs"``: full-batch L-BFGS, ``max_iter`` iterations at most.
        ``"auto"`` is ``"perceptron"`` for the step activation and
        ``"lbfgs"`` otherwise.

    batch_size : int or "auto", default="auto"
        Mini-batch size of ``solver="sgd"``; ``"auto"`` is
        ``min(200, n_samples)``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    coef_ : ndarray of shape (1, n_features) or (n_outputs, n_features)
        Weights, one row per output (a single row for two classes).

    intercept_ : ndarray of shape (1,) or (n_outputs,)
        Biases.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of str
        Feature names seen during fit, when X had string column names.

    n_iter_ : int
        Epochs run by the last fit (the longest over the classes).

    t_ : int
        Number of weight updates performed, plus one.

    loss_curve_ : list of float
        Mean training loss of each epoch of gradient training (empty for the
        perceptron rule). A call whose loss ends 10 times or more above where
        it started warns with a ``ConvergenceWarning``.

    loss_, best_loss_, best_validation_score_
        With ``solver="sgd"``: the last epoch's loss and the stopping rule's
        records, as the MLPs keep them (see :class:`MLPClassifier`).

    validation_scores_, validation_loss_curve_ : list of float or None
        With gradient training: the validation score and the validation
        objective after each epoch (each L-BFGS iteration), as the MLPs
        record them (see :class:`MLPClassifier`); None without validation
        data. The perceptron rule records neither.

    See Also
    --------
    MLPClassifier : Networks with hidden layers.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdl import PerceptronClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = PerceptronClassifier(random_state=0).fit(X, y)
    >>> clf.coef_.shape
    (3, 4)
    >>> from sklearn.linear_model import Perceptron
    >>> bool((Perceptron(random_state=0).fit(X, y).coef_ == clf.coef_).all())
    True
    """

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, None, None, closed="neither"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "scoring": [str, callable, None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "activation": ACTIVATION_CONSTRAINTS,
        "loss": [StrOptions({"auto"}), *CLASSIFIER_LOSS_CONSTRAINTS],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions({"auto", "perceptron", "sgd", "lbfgs"})],
    }

    def __init__(
        self,
        *,
        penalty=None,
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        eta0=1.0,
        n_jobs=None,
        random_state=0,
        early_stopping=False,
        validation_fraction=0.1,
        scoring=None,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
        activation="step",
        loss="auto",
        solver="auto",
        batch_size="auto",
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.activation = activation
        self.loss = loss
        self.solver = solver
        self.batch_size = batch_size

    # ---------------------------------------------------------------- set-up
    def _output_activation_spec(self):
        return self.activation

    def _setup_layers(self):
        activation = get_activation(self.activation)
        loss = self.loss
        if isinstance(loss, str) and loss == "auto":
            loss = _AUTO_LOSS.get(type(activation), "squared_error")
        loss = get_loss(loss, activation)
        check_output_suits_loss(activation, activation.name, loss, self.loss)
        step = isinstance(activation, Step)
        solver = self._resolved_solver()
        if step != (solver == "perceptron"):
            raise ValueError(
                "activation='step' trains only with solver='perceptron' (the "
                "perceptron rule), and that solver only trains the step "
                f"activation; got activation={self.activation!r}, solver={self.solver!r}."
            )
        if solver == "perceptron" and type(loss) is not PerceptronCriterion:
            raise ValueError(
                "The perceptron rule minimises the perceptron criterion; use "
                f"loss='auto' or 'perceptron', not {self.loss!r}."
            )
        if solver == "lbfgs" and self.penalty in ("l1", "elasticnet"):
            raise ValueError(
                f"penalty={self.penalty!r} is not smooth; use solver='sgd' or "
                "penalty='l2' with solver='lbfgs'."
            )
        self._layer_activations = [activation]
        self._loss = loss
        self._solver = solver
        # where predict splits the classes: 0.5 for probabilities, as
        # predict_proba does, else the loss's own threshold
        self._decision_offset = activation_crossing(activation, self._prediction_threshold())
        # what the objective after fit (_objective_parts) is made of
        self._objective_settings = {
            "alpha": self._alpha_l2(), "class_weight": self.class_weight,
        }

    # --------------------------------------------------------------- fitting
    def _checked_arrays(self, X, y, reset, fitted=False):
        """Validate ``X`` and ``y`` (or ``X_val`` and ``y_val``) as
        ``ClassifierOutputsMixin`` does, after rejecting targets that are not
        one label per sample."""
        shape = y.shape if sp.issparse(y) else np.asarray(y).shape
        if shape[1:] not in ((), (1,)):
            raise ValueError(
                f"y should be a 1d array of class labels, got an array of shape "
                f"{shape} instead. PerceptronClassifier takes one label per sample; "
                "multilabel and multi-output targets are not supported (MLPClassifier "
                "accepts a multilabel indicator matrix)."
            )
        return super()._checked_arrays(X, y, reset, fitted)

    def _fit(
        self, X, y, sample_weight, incremental, classes=None, X_val=None, y_val=None,
        sample_weight_val=None,
    ):
        lbfgs = self._resolved_solver() == "lbfgs"
        # opened before anything can fail, so that its callbacks are torn down
        fit_tasks = FitTasks.of_call(self, lbfgs=lbfgs, incremental=incremental)
        # overflow is detected and reported below, not warned about on the way
        with restore_on_error(self), np.errstate(over="ignore", invalid="ignore"):
            first_pass = not hasattr(self, "coef_") or (
                not self.warm_start and not incremental
            )
            X_given = X
            X, y, _ = self._validate_targets(X, y, incremental, first_pass, classes)
            # every call, so that parameters changed since the last one apply
            self._setup_layers()
            # where predict splits the classes: 0.5 for probabilities, as
            # predict_proba does, else the loss's own threshold (scorers
            # predict while gradient training runs)
            self._decision_offset = activation_crossing(
                self._layer_activations[0], self._prediction_threshold()
            )
            if sample_weight is not None:
                sample_weight = _check_sample_weight(
                    sample_weight, X, dtype=X.dtype, ensure_non_negative=True
                )
            scorer = self._validation_scorer()
            validation = self._check_validation_data(X_val, y_val, sample_weight_val, scorer)
            if not incremental or first_pass:
                self.t_ = 1
            max_iter, tol = (1, None) if incremental else (self.max_iter, self.tol)
            fit_tasks.begin(X, y, sample_weight)
            if self._solver == "perceptron":
                self._check_rule_validation(validation)
                coef, intercept, n_iter = self._fit_rule(
                    X, y, sample_weight, first_pass, incremental, max_iter, tol, validation,
                    fit_tasks,
                )
            else:
                coef, intercept, n_iter = self._fit_network(
                    X, y, sample_weight, first_pass, incremental, max_iter, tol, validation,
                    X_given, scorer, fit_tasks,
                )
            self.n_iter_ = n_iter
            # the shared mini-batch loop counts its own updates and warns about
            # its own stop, and L-BFGS warns with SciPy's reason
            if self._solver != "sgd":
                self.t_ += n_iter * X.shape[0]
            if tol is not None and n_iter == max_iter and self._solver == "perceptron":
                warnings.warn(
                    "Maximum number of iteration reached before convergence. "
                    "Consider increasing max_iter to improve the fit.",
                    ConvergenceWarning,
                )
            self.coef_ = coef
            self.intercept_ = intercept
            fit_tasks.end()
        return self

    def _check_rule_validation(self, validation):
        """Refuse what the perceptron rule cannot do with a validation set:
        record curves (it serves early stopping only), or stop on another
        score than each output's accuracy."""
        if validation is not None and not self.early_stopping:
            raise ValueError(
                "The perceptron rule records no validation curves: X_val serves only "
                "its early stopping. Set early_stopping=True, or train by gradient "
                "(solver='sgd' or 'lbfgs' with an activation other than 'step'), "
                "which records validation_scores_ and validation_loss_curve_."
            )
        if self.early_stopping and self.scoring is not None:
            raise ValueError(
                "The perceptron rule stops on each output's validation accuracy, as "
                f"scikit-learn's Perceptron does; scoring={self.scoring!r} applies to "
                "gradient training (solver='sgd'). Leave scoring=None with the "
                "perceptron rule."
            )

    @_fit_context(prefer_skip_nested_validation=True)
    @document_validation_parameters
    def fit(
        self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None
    ):
        """Fit the perceptron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels, one per sample.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample. With ``solver="sgd"`` a mini-batch whose
            weights sum to zero takes no step.
        {validation_parameters}
            The perceptron rule takes them for early stopping only.

        Returns
        -------
        self : PerceptronClassifier
            The fitted estimator.

        Raises
        ------
        ValueError
            When no row carries weight: ``sample_weight`` times
            ``class_weight`` sums to zero (for the perceptron rule with more
            than two classes, each class's rows also count as negatives of
            the other classes' outputs, with weight ``sample_weight``). When
            only one of ``X_val`` and ``y_val`` is given, or ``y_val`` holds
            labels that ``y`` does not; with the perceptron rule, when
            ``X_val`` is given without early stopping or ``scoring`` is set
            with it.
        """
        return self._fit(
            X, y, sample_weight, incremental=False, X_val=X_val, y_val=y_val,
            sample_weight_val=sample_weight_val,
        )

    def _resolved_solver(self):
        """The solver ``fit`` trains with (``"auto"`` resolved), unchecked."""
        if self.solver == "auto":
            step = isinstance(get_activation(self.activation), Step)
            return "perceptron" if step else "lbfgs"
        return self.solver

    def _is_online(self):
        return self._resolved_solver() in ("perceptron", "sgd")

    @available_if(lambda est: est._is_online())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch over ``X`` (perceptron rule or SGD only).

        Needs ``early_stopping=False`` and a ``class_weight`` other than
        ``"balanced"``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels, one per sample.
        classes : array-like of shape (n_classes,), default=None
            All classes that will ever be seen; required on the first call,
            and the same on any later call that passes it. Every label of
            ``y`` must be one of them, of the same type (strings or numbers).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample. With ``solver="sgd"`` a mini-batch whose
            weights sum to zero takes no step, and a call whose rows all have
            zero weight (``sample_weight`` times ``class_weight``) takes none
            at all: ``n_iter_`` is 0 and the weights stay as they were.

        Returns
        -------
        self : PerceptronClassifier
            The updated estimator.
        """
        if self.early_stopping:
            raise ValueError(
                "early_stopping should be False with partial_fit: each call trains "
                "one epoch on its batch and holds no validation data out. Set "
                "early_stopping=False, or use fit."
            )
        self._refuse_balanced_class_weight_in_partial_fit()
        if not hasattr(self, "coef_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # ------------------------------------------------------------ prediction
    def _accepted_sparse(self, fitted=False):
        """The sparse formats ``X`` may come in, before or after fit."""
        return ["csr", "csc"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
