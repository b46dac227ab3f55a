"""Multi-layer perceptrons: drop-in replacements for scikit-learn's
``MLPClassifier`` and ``MLPRegressor`` with pluggable activations and losses."""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d, validate_data

from ._base import CLASSIFIER_LOSS_CONSTRAINTS, BaseNetwork
from ._classification import ClassifierOutputsMixin
from .losses import Poisson, get_loss

__all__ = ["MLPClassifier", "MLPRegressor"]

_SHARED_PARAMETERS = """
    hidden_layer_sizes : array-like of int, default=(100,)
        Units in each hidden layer; ``()`` gives a network with no hidden layer.

    activation : str, Activation or list, default="relu"
        Hidden-layer activation: a name (``identity``/``linear``, ``step``,
        ``sigmoid``/``logistic``, ``softmax``, ``tanh``, ``relu``,
        ``leaky_relu``, ``elu``, ``gelu``, ``softplus``, ``exp``), an
        instance such as ``LeakyReLU(0.1)``, any object with ``value(z)`` and
        ``derivative(z, a)``, or a list with one of those per hidden layer.

    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        Weight optimizer: L-BFGS (full batch, through SciPy), stochastic
        gradient descent, or Adam.

    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / 2 * sum(coef ** 2)``, divided
        by the (weighted) number of samples in the batch.

    batch_size : int or "auto", default="auto"
        Mini-batch size for the stochastic solvers; ``"auto"`` is
        ``min(200, n_samples)``.

    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Step-size schedule of ``solver="sgd"``.

    learning_rate_init : float, default=0.001
        Initial step size of the stochastic solvers.

    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.

    max_iter : int, default=200
        Maximum epochs (stochastic solvers) or iterations (L-BFGS).

    shuffle : bool, default=True
        Shuffle the samples each epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seed for weight initialisation, shuffling and the validation split.

    tol : float, default=1e-4
        Improvement in loss or validation score below which an epoch counts
        as no progress; for L-BFGS, the gradient tolerance.

    verbose : bool, default=False
        Print the loss after every iteration.

    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of fresh weights.

    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with ``solver="sgd"``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation score stops improving; the best weights are kept.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Epochs without progress (see ``tol``) before stopping.

    max_fun : int, default=15000
        Maximum loss evaluations of L-BFGS.

    output_activation : str or Activation, default="auto"
        Output-layer activation. ``"auto"`` picks the one that pairs with
        ``loss`` (see the loss above).

    dropout : float or list of float, default=0.0
        Dropout rate of the hidden layers' outputs, one rate for all or one
        per hidden layer, in [0, 1). Active only while training with
        ``"sgd"`` or ``"adam"`` (inverted dropout: kept units are scaled by
        ``1 / (1 - rate)``), so ``predict`` is deterministic.

    callbacks : list of callable, default=None
        Called after every epoch (every iteration for L-BFGS) with a dict
        ``{"epoch", "loss", "validation_score", "elapsed", "estimator"}``;
        training stops when one returns True. See
        :class:`skdl.callbacks.ProgressBar`."""

_SHARED_ATTRIBUTES = """
    loss_ : float
        Objective (loss plus penalty) at the end of training.

    best_loss_ : float or None
        Lowest training loss seen (None with early stopping).

    loss_curve_ : list of float
        Objective after each epoch or L-BFGS iteration; the log loss takes
        probabilities clipped to ``[eps, 1 - eps]``, as scikit-learn's does.
        A call whose loss ends 10 times or more above where it started warns
        with a ``ConvergenceWarning``.

    validation_scores_ : list of float or None
        Validation score after each epoch (early stopping only).

    best_validation_score_ : float or None
        Best validation score (early stopping only).

    t_ : int
        Training samples seen by the stochastic solvers.

    coefs_ : list of ndarray
        Weight matrix of each layer, shape ``(n_in, n_out)``, in X's dtype.

    intercepts_ : list of ndarray
        Bias vector of each layer.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of str
        Names of the features seen during fit, when X had string column names.

    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Name of the output activation.

    history_ : list of dict
        One record per epoch (L-BFGS: per iteration): ``epoch``, ``loss``,
        ``validation_score`` and ``elapsed`` seconds."""


class MLPClassifier(ClassifierOutputsMixin, ClassifierMixin, BaseNetwork):
    """Multi-layer perceptron classifier.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`
    (same parameters, defaults and fitted attributes) that also takes any
    activation per hidden layer, any loss, an output activation and class
    weights.

    Parameters
    ----------{shared}

    loss : str or Loss, default="log_loss"
        ``"log_loss"`` (cross-entropy over a softmax for several classes,
        binary cross-entropy over a sigmoid for two classes or multi-label
        targets), ``"cross_entropy"``, ``"binary_cross_entropy"``,
        ``"hinge"`` and ``"perceptron"`` (identity output), ``"squared_error"``,
        or any object with ``value(y, out, sample_weight)`` and
        ``gradient(y, out)``.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` for
        training (the early-stopping score weighs rows by ``sample_weight``
        alone); ``"balanced"`` weighs classes inversely to their frequency
        (``fit`` only; ``partial_fit`` takes a dict). Single-label targets
        only.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels seen during fit.
{attributes}

    See Also
    --------
    MLPRegressor : The same network for regression.
    PerceptronClassifier : A single-layer network.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdl import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), activation="tanh",
    ...                     solver="lbfgs", random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    """

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "loss": CLASSIFIER_LOSS_CONSTRAINTS,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        output_activation="auto",
        class_weight=None,
        dropout=0.0,
        callbacks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.output_activation = output_activation
        self.class_weight = class_weight
        self.dropout = dropout
        self.callbacks = callbacks

    def _output_activation_spec(self):
        return self.output_activation

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data ``X`` and labels ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or a label indicator matrix for multi-label.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss. With the stochastic solvers a
            mini-batch whose weights sum to zero takes no step.

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.

        Raises
        ------
        ValueError
            When ``sample_weight`` times ``class_weight`` sums to zero: no
            row carries weight.
        """
        return self._fit(X, y, sample_weight)

    @available_if(lambda est: est.solver in ("sgd", "adam"))
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch over ``X`` (stochastic solvers only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss. A mini-batch whose weights
            sum to zero takes no step; a call whose rows all have zero weight
            (``sample_weight`` times ``class_weight``) takes none at all: the
            weights, the solver's state and ``loss_curve_`` stay as they
            were, and ``n_iter_`` is 0.
        classes : array-like of shape (n_classes,), default=None
            All classes that will ever be seen; required on the first call,
            and the same on any later call that passes it. Every label of
            ``y`` must be one of them, of the same type (strings or numbers).

        Returns
        -------
        self : MLPClassifier
            The updated estimator.

        Raises
        ------
        ValueError
            With ``class_weight="balanced"``, which one batch cannot compute,
            and when ``y`` holds a label not in ``classes``.
        """
        self._refuse_balanced_class_weight_in_partial_fit()
        first_call = not hasattr(self, "coefs_")
        if first_call and classes is None and np.ndim(y) == 1:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseNetwork):
    """Multi-layer perceptron regressor.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`
    (same parameters, defaults and fitted attributes) that also takes any
    activation per hidden layer, any loss and an output activation.

    Parameters
    ----------
    loss : str or Loss, default="squared_error"
        ``"squared_error"`` (Gaussian noise), ``"absolute_error"`` (Laplace
        noise, robust to outliers), ``"huber"``, ``"poisson"`` (counts; exp
        output), or any object with ``value(y, out, sample_weight)`` and
        ``gradient(y, out)``.
{shared}

    Attributes
    ----------{attributes}

    See Also
    --------
    MLPClassifier : The same network for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl import MLPRegressor
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(20,), activation="tanh",
    ...                    solver="lbfgs", random_state=0).fit(X, X.ravel() ** 2)
    >>> reg.score(X, X.ravel() ** 2) > 0.95
    True
    """

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "loss": [
            StrOptions({"squared_error", "absolute_error", "huber", "poisson"}),
            HasMethods(["value", "gradient"]),
        ],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        output_activation="auto",
        dropout=0.0,
        callbacks=None,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.output_activation = output_activation
        self.dropout = dropout
        self.callbacks = callbacks

    def _validate_targets(self, X, y, incremental, first_pass, classes=None):
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
            y_numeric=True, dtype=(np.float64, np.float32), reset=first_pass,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self._poisson_loss() and np.any(y < 0):
            raise ValueError(f"loss={self.loss!r} needs non-negative targets y.")
        return X, y, "continuous"

    def _default_output_activation(self, target_kind):
        return get_loss(self.loss).canonical_activation or "identity"

    def _score_outputs(self, Y, out, sample_weight=None):
        """R^2 of outputs ``out`` against targets ``Y``."""
        return r2_score(Y, out, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss. With the stochastic solvers a
            mini-batch whose weights sum to zero takes no step.

        Returns
        -------
        self : MLPRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @available_if(lambda est: est.solver in ("sgd", "adam"))
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over ``X`` (stochastic solvers only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss. With the stochastic solvers a
            mini-batch whose weights sum to zero takes no step.

        Returns
        -------
        self : MLPRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict target values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        out = self._forward(X)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self._poisson_loss()
        return tags

    def _poisson_loss(self):
        """Whether the loss is the Poisson deviance, by name or as an object."""
        return isinstance(self.loss, Poisson) or (
            isinstance(self.loss, str) and self.loss == "poisson"
        )


MLPClassifier.__doc__ = MLPClassifier.__doc__.format(
    shared=_SHARED_PARAMETERS, attributes=_SHARED_ATTRIBUTES
)
MLPRegressor.__doc__ = MLPRegressor.__doc__.format(
    shared=_SHARED_PARAMETERS, attributes=_SHARED_ATTRIBUTES
)
