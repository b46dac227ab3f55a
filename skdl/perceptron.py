"""The perceptron: a single-layer network, trained by the perceptron rule
with a step activation, or by gradient descent with any other activation."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._base import (
    ACTIVATION_CONSTRAINTS,
    CLASSIFIER_LOSS_CONSTRAINTS,
    DocLinkMixin,
    carries_weight,
    check_output_suits_loss,
    fit_lbfgs,
    objective_inputs,
    refuse_divergence,
    restore_on_error,
    warn_if_loss_grew,
)
from ._classification import ClassifierOutputsMixin
from ._training import StochasticTrainingMixin, check_split_weights
from .activations import Sigmoid, Softmax, Step, get_activation
from .layers import Dense
from .losses import PerceptronCriterion, get_loss
from .network import Network
from .optimizers import SGD
from .perceptron_rule import fit_perceptron_rule

__all__ = ["PerceptronClassifier"]

SPARSE_INTERCEPT_DECAY = 0.01
"""Factor on the perceptron rule's intercept steps for sparse X."""

MAX_INT = np.iinfo(np.int32).max
"""Bound of the seeds drawn for the perceptron rule, as scikit-learn's."""

# Loss used with each built-in activation when loss="auto" (squared error
# for any other, a user's included whatever its name).
_AUTO_LOSS = {
    Step: "perceptron",
    Sigmoid: "binary_cross_entropy",
    Softmax: "cross_entropy",
}


class PerceptronClassifier(
    DocLinkMixin, ClassifierOutputsMixin, ClassifierMixin, StochasticTrainingMixin, BaseEstimator
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
        Hold out ``validation_fraction`` of the data and stop on validation
        accuracy instead of training loss. The held-out rows are a stratified
        split drawn from ``random_state``, the rows scikit-learn's
        ``Perceptron`` holds out. Not available with ``partial_fit``.

    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.

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

    _learning_rate_parameter = "eta0"

    # early stopping ends at the last epoch's weights, as scikit-learn's SGD
    _restores_best_weights = False

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
        solver = self.solver
        if solver == "auto":
            solver = "perceptron" if step else "lbfgs"
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
        # what the objective after fit (_objective_parts) is made of
        self._objective_settings = {
            "alpha": self._alpha_l2(), "class_weight": self.class_weight,
        }

    # --------------------------------------------------------------- fitting
    def _validate_targets(self, X, y, incremental, first_pass, classes=None, fitted=False):
        """Validate ``X`` and ``y`` as ``ClassifierOutputsMixin`` does, after
        rejecting targets that are not one label per sample."""
        shape = y.shape if sp.issparse(y) else np.asarray(y).shape
        if shape[1:] not in ((), (1,)):
            raise ValueError(
                f"y should be a 1d array of class labels, got an array of shape "
                f"{shape} instead. PerceptronClassifier takes one label per sample; "
                "multilabel and multi-output targets are not supported (MLPClassifier "
                "accepts a multilabel indicator matrix)."
            )
        return super()._validate_targets(X, y, incremental, first_pass, classes, fitted)

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        # overflow is detected and reported below, not warned about on the way
        with restore_on_error(self), np.errstate(over="ignore", invalid="ignore"):
            first_pass = not hasattr(self, "coef_") or (
                not self.warm_start and not incremental
            )
            X, y, _ = self._validate_targets(X, y, incremental, first_pass, classes)
            # every call, so that parameters changed since the last one apply
            self._setup_layers()
            if sample_weight is not None:
                sample_weight = _check_sample_weight(
                    sample_weight, X, dtype=X.dtype, ensure_non_negative=True
                )
            if not incremental or first_pass:
                self.t_ = 1
            max_iter, tol = (1, None) if incremental else (self.max_iter, self.tol)
            if self._solver == "perceptron":
                coef, intercept, n_iter = self._fit_rule(
                    X, y, sample_weight, first_pass, incremental, max_iter, tol
                )
            else:
                coef, intercept, n_iter = self._fit_network(
                    X, y, sample_weight, first_pass, incremental, max_iter, tol
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
            # where predict splits the classes: 0.5 for probabilities, as
            # predict_proba does, else the loss's own threshold
            self._decision_offset = _activation_crossing(
                self._layer_activations[0], self._prediction_threshold()
            )
        return self

    def _fit_network(self, X, y, sample_weight, first_pass, incremental, max_iter, tol):
        """Gradient training (L-BFGS or SGD) of the one-layer network; returns
        the weights, the biases and the number of iterations (0 for a
        ``partial_fit`` of zero weight, which takes no step)."""
        score_weight = sample_weight
        sample_weight = self._apply_class_weight(
            sample_weight, y, X.dtype, self.class_weight
        )
        trains = carries_weight(sample_weight, incremental)
        Y = self._encode_targets(y, X.dtype)
        rng = check_random_state(self.random_state)
        network = Network([Dense(Y.shape[1], self._layer_activations[0])], (X.shape[1],), X.dtype)
        if first_pass:
            self.loss_curve_ = []
            if _flat_at_zero(self._layer_activations[0]):
                # zero weights would sit where this activation's gradient
                # vanishes and never move
                network.initialize(rng)
        else:
            network.set_weights([self._dense_coef().T, self.intercept_])
        n_before = len(self.loss_curve_)
        if not trains:
            n_iter = 0
        elif self._solver == "lbfgs":
            n_iter = self._fit_lbfgs(network, X, Y, sample_weight, max_iter, tol)
        else:
            # every call judges its own epochs, as scikit-learn's SGD does
            self._reset_stopping_state()
            optimizer = SGD(network.params.size, network.dtype, self.eta0, momentum=0.0)
            self._fit_stochastic(
                network, optimizer, X, Y, _or_ones(sample_weight, X), _or_ones(score_weight, X),
                rng, incremental,
            )
            n_iter = self.n_iter_
        refuse_divergence(network, X, "Lower eta0 or scale the input.")
        warn_if_loss_grew(
            self.loss_curve_[n_before:],
            f"eta0={self.eta0} is probably too large for this data: lower it, or "
            "scale the input (e.g. with StandardScaler).",
        )
        output = network.layers[0]
        return np.ascontiguousarray(output.kernel.T), output.bias, n_iter

    def _fit_lbfgs(self, network, X, Y, sample_weight, max_iter, tol):
        if not self.fit_intercept:
            raise ValueError("solver='lbfgs' always fits an intercept; use solver='sgd'.")
        n_iter, _, curve = fit_lbfgs(
            network, X, Y, self._loss, alpha=self._alpha_l2(),
            sample_weight=sample_weight, max_iter=max_iter, max_fun=15000,
            tol=0.0 if tol is None else tol, verbose=self.verbose,
        )
        # a warm start extends the curve, as it does for the sgd solver
        self.loss_curve_ = [*self.loss_curve_, *curve]
        return n_iter

    def _fit_rule(self, X, y, sample_weight, first_pass, incremental, max_iter, tol):
        """Train with the perceptron rule as scikit-learn's ``Perceptron``
        does, one output per class (a single output for two classes); returns
        the weights, the biases and the number of epochs.

        The weights keep scikit-learn's dtypes: ``coef_`` in X's dtype,
        ``intercept_`` in float64 for two classes (the rule's bias is a
        float64) and in X's dtype for more; a warm start begins from both
        cast to X's dtype, as scikit-learn's does.
        """
        n_classes = len(self.classes_)
        n_outputs = 1 if n_classes == 2 else n_classes
        if first_pass:
            coef = np.zeros((n_outputs, X.shape[1]), dtype=X.dtype)
            intercept = np.zeros(n_outputs)
        else:
            coef = np.array(self._dense_coef(), dtype=X.dtype, order="C")
            start = self.intercept_ if incremental else self.intercept_.astype(X.dtype)
            intercept = start.astype(np.float64)
        if sample_weight is None:
            sample_weight = np.ones(X.shape[0], dtype=X.dtype)
        X = X.tocsr() if sp.issparse(X) else np.ascontiguousarray(X)
        seeds, validation_mask = self._rule_seeds_and_split(y, sample_weight, n_classes)
        class_weight = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        if n_classes == 2:
            class_weight = class_weight[None, :]
        else:
            class_weight = np.column_stack([np.ones(n_classes), class_weight])
        signs = 2.0 * self._label_binarizer.transform(y) - 1.0
        # each output weighs its positive and negative rows apart; a
        # partial_fit of zero weight runs as scikit-learn's does: rows of
        # weight 0 take no step (a penalty still shrinks the weights)
        row_weight = np.where(signs > 0, class_weight[:, 1], class_weight[:, 0])
        carries_weight(sample_weight[:, None] * row_weight, incremental)
        try:
            n_iter = fit_perceptron_rule(
                coef, intercept, X, signs, sample_weight, class_weight, seeds,
                eta0=self.eta0, penalty=self.penalty, alpha=self.alpha,
                l1_ratio=self.l1_ratio, fit_intercept=self.fit_intercept,
                # damped intercept steps on sparse data, as scikit-learn takes them
                intercept_decay=SPARSE_INTERCEPT_DECAY if sp.issparse(X) else 1.0,
                max_iter=max_iter, tol=tol, n_iter_no_change=self.n_iter_no_change,
                shuffle=self.shuffle, validation_mask=validation_mask,
                verbose=self.verbose, n_jobs=self.n_jobs,
            )
        except FloatingPointError as error:
            raise ValueError(
                f"Training diverged: {error} Lower eta0 or scale the input; the "
                "estimator was left unchanged."
            ) from error
        if n_classes > 2:
            intercept = intercept.astype(X.dtype)
        return coef, intercept, int(n_iter.max())

    def _rule_seeds_and_split(self, y, sample_weight, n_classes):
        """Each output's shuffling seed, and the early-stopping validation
        mask (None without early stopping).

        Drawn from ``random_state`` in scikit-learn's order, so that the same
        ``random_state`` gives the same rows in the same order: for two
        classes, one generator gives a dataset seed (which scikit-learn keeps
        for random sampling, and the perceptron never uses), then the split,
        then the shuffling seed; for more, the split comes first, then one
        seed per class, from which each class's generator draws its dataset
        seed and its shuffling seed.
        """
        if n_classes == 2:
            rng = check_random_state(self.random_state)
            rng.randint(1, MAX_INT)
            mask = self._validation_mask(y, sample_weight)
            return [rng.randint(MAX_INT)], mask
        mask = self._validation_mask(y, sample_weight)
        seeds = []
        for class_seed in check_random_state(self.random_state).randint(MAX_INT, size=n_classes):
            rng = np.random.RandomState(class_seed)
            rng.randint(1, MAX_INT)
            seeds.append(rng.randint(MAX_INT))
        return seeds, mask

    def _validation_mask(self, y, sample_weight):
        """Rows held out for early stopping: a stratified shuffle split on
        ``y`` from ``random_state``, as scikit-learn's ``Perceptron`` takes."""
        if not self.early_stopping:
            return None
        splitter = StratifiedShuffleSplit(
            test_size=self.validation_fraction, random_state=self.random_state
        )
        _, val = next(splitter.split(np.zeros((len(y), 1)), y))
        mask = np.zeros(len(y), dtype=bool)
        mask[val] = True
        check_split_weights(sample_weight[~mask], sample_weight[mask],
                            self.validation_fraction)
        return mask

    def _validation_split(self, X, Y, sample_weight, score_weight, rng):
        """Training and validation parts, as the shared loop takes them: the
        rows scikit-learn's ``Perceptron`` holds out (see
        :meth:`_validation_mask`; ``rng`` is not drawn from), each part in
        the original row order."""
        labels = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]
        held_out = self._validation_mask(labels, sample_weight)
        kept = ~held_out
        return (X[kept], X[held_out], Y[kept], Y[held_out], sample_weight[kept],
                score_weight[held_out])

    def _take_step(self, network, optimizer, X, Y, sample_weight, weight_sum, dropout_rng):
        """One step of gradient descent on the loss with its L2 term, then the
        L1 term's shrinkage and, without ``fit_intercept``, a bias kept at 0."""
        value = network.loss_and_gradient(
            X, Y, self._loss, self._alpha_l2(), sample_weight, dropout_rng
        )
        optimizer.update(network.params, network.grad)
        self._shrink_l1(network, weight_sum)
        if not self.fit_intercept:
            network.layers[0].bias[:] = 0
        return value

    def _batch_size(self, n_samples):
        """``batch_size`` clipped to the training rows without a warning: a
        size past them asks for full-batch gradient descent."""
        return min(200 if self.batch_size == "auto" else self.batch_size, n_samples)

    def _stops_without_improvement(self):
        """``n_iter_no_change`` epochs without improvement stop training, as
        scikit-learn's SGD counts them (and the perceptron rule here)."""
        return self._no_improvement_count >= self.n_iter_no_change

    def _l1_share(self):
        return {"l1": 1.0, "elasticnet": self.l1_ratio}.get(self.penalty, 0.0)

    def _alpha_l2(self):
        return 0.0 if self.penalty is None else self.alpha * (1 - self._l1_share())

    def _shrink_l1(self, network, weight_sum):
        """Proximal step of the L1 part of the penalty (soft thresholding),
        scaled like the L2 part: ``alpha * l1_share / weight_sum``."""
        shrink = self.eta0 * self.alpha * self._l1_share() / weight_sum
        if shrink:
            coef = network.layers[0].kernel
            np.copysign(np.maximum(np.abs(coef) - shrink, 0), coef, out=coef)

    def _objective_parts(self, X, y, sample_weight=None):
        """The training objective at the fitted weights, for inspection (see
        ``BaseNetwork._objective_parts``). The perceptron rule's criterion is
        taken on the pre-activation, so a step output is replaced by identity."""
        X, Y, sample_weight = objective_inputs(self, X, y, sample_weight)
        activation = self._layer_activations[0]
        if isinstance(activation, Step):
            activation = get_activation("identity")
        network = Network([Dense(Y.shape[1], activation)], (X.shape[1],), X.dtype)
        network.set_weights([self._dense_coef().T, self.intercept_])
        alpha = self._objective_settings["alpha"]
        return network, X, Y, self._loss, alpha, sample_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
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
            the other classes' outputs, with weight ``sample_weight``).
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _is_online(self):
        if self.solver == "auto":
            return isinstance(get_activation(self.activation), Step)
        return self.solver in ("perceptron", "sgd")

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
    def decision_function(self, X):
        """Confidence scores: pre-activations, shifted so that positive means
        the positive class.

        For the step, sigmoid and softmax activations (and any output whose
        threshold is crossed at ``z = 0``) this is ``X @ coef_.T +
        intercept_`` itself; with two classes under softmax it is the logit
        difference of the second class over the first.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            A 1-D array for two classes.
        """
        z = self._pre_activation(X)
        if z.shape[1] == 2 and len(self.classes_) == 2:
            return z[:, 1] - z[:, 0]
        if z.shape[1] == 1:
            return z[:, 0] - self._decision_offset
        return z

    def _pre_activation(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32),
            reset=False,
        )
        return np.asarray(safe_sparse_dot(X, self.coef_.T, dense_output=True)) + self.intercept_

    def _dense_coef(self):
        return self.coef_.toarray() if sp.issparse(self.coef_) else self.coef_

    def sparsify(self):
        """Store ``coef_`` as a scipy.sparse CSR matrix.

        Worth it when most weights are zero (an L1 or elastic-net penalty):
        the matrix takes less memory and predictions skip the zeros.
        ``intercept_`` stays dense; ``fit`` and ``partial_fit`` leave
        ``coef_`` dense again.

        Returns
        -------
        self : PerceptronClassifier
        """
        check_is_fitted(self)
        self.coef_ = sp.csr_matrix(self.coef_)
        return self

    def densify(self):
        """Store ``coef_`` as a NumPy array again, undoing :meth:`sparsify`.

        Returns
        -------
        self : PerceptronClassifier
        """
        check_is_fitted(self)
        self.coef_ = self._dense_coef()
        return self

    def _predict_outputs(self, X):
        z = self._pre_activation(X)
        out = np.empty_like(z)
        self._layer_activations[0].forward(z, out)
        return out

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            The class of the largest score, or for two classes whether
            :meth:`decision_function` is positive.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def _accepted_sparse(self, fitted=False):
        """The sparse formats ``X`` may come in, before or after fit."""
        return ["csr", "csc"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _activation_crossing(activation, threshold, limit=1e3):
    """Pre-activation where a monotone activation crosses ``threshold``
    (found by bisection; 0 when the activation does not cross it within
    ``[-limit, limit]``).

    The bracket starts at ``[-1, 1]`` and doubles on one side only while the
    crossing lies beyond it, so that an activation is evaluated far from zero
    only when its crossing is there: a user's ``np.exp`` overflows at
    ``z = 1000``, and its values must be finite.
    """
    def above(z):
        out = np.empty((1, 1))
        activation.forward(np.array([[z]], dtype=float), out)
        return out[0, 0] > threshold

    low, high = -1.0, 1.0
    while above(low):
        low *= 2
        if low < -limit:
            return 0.0
    while not above(high):
        high *= 2
        if high > limit:
            return 0.0
    for _ in range(100):
        middle = 0.5 * (low + high)
        low, high = (low, middle) if above(middle) else (middle, high)
    return 0.5 * (low + high) if abs(0.5 * (low + high)) > 1e-12 else 0.0


def _or_ones(sample_weight, X):
    """``sample_weight``, or a weight of 1 per row of ``X`` when None: the
    gradient path weighs every batch explicitly."""
    return np.ones(X.shape[0], dtype=X.dtype) if sample_weight is None else sample_weight


def _flat_at_zero(activation):
    """Whether ``activation`` has zero derivative at z = 0."""
    zero = np.zeros((1, 1))
    grad = np.ones((1, 1))
    activation.backward(grad, zero, activation.value(zero))
    return grad[0, 0] == 0
