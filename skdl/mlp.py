"""Multi-layer perceptrons: drop-in replacements for scikit-learn's
``MLPClassifier`` and ``MLPRegressor`` with pluggable activations and losses."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if

from ._base import ACTIVATION_CONSTRAINTS, CLASSIFIER_LOSS_CONSTRAINTS, BaseNetwork
from ._classification import ClassifierOutputsMixin
from ._docstrings import (
    CALLBACKS_PARAMETER,
    MODEL_ATTRIBUTES,
    TRAINING_ATTRIBUTES,
    TRAINING_PARAMETERS,
    document_validation_parameters,
)
from ._regression import REGRESSOR_LOSS_CONSTRAINTS, RegressorOutputsMixin
from ._training import is_stochastic
from .activations import get_activation
from .layers import Dense, Dropout
from .mlp_network import MLPNetwork, predict_dense

__all__ = ["MLPClassifier", "MLPRegressor"]

_SHARED_PARAMETERS = (
    """
    hidden_layer_sizes : array-like of int, default=(100,)
        Units in each hidden layer; ``()`` gives a network with no hidden layer.

    activation : str, Activation or list, default="relu"
        Hidden-layer activation: a name (``identity``/``linear``, ``step``,
        ``sigmoid``/``logistic``, ``softmax``, ``tanh``, ``relu``,
        ``leaky_relu``, ``elu``, ``gelu``, ``softplus``, ``exp``), an
        instance such as ``LeakyReLU(0.1)``, any object with ``value(z)`` and
        ``derivative(z, a)``, or a list with one of those per hidden layer.
"""
    + TRAINING_PARAMETERS
    + """    dropout : float or list of float, default=0.0
        Dropout rate of the hidden layers' outputs, one rate for all or one
        per hidden layer, in [0, 1). Active only while training with
        ``"sgd"`` or ``"adam"`` (inverted dropout: kept units are scaled by
        ``1 / (1 - rate)``), so ``predict`` is deterministic.
"""
    + CALLBACKS_PARAMETER
)

_SHARED_ATTRIBUTES = (
    TRAINING_ATTRIBUTES
    + """    coefs_ : list of ndarray
        Weight matrix of each layer, shape ``(n_in, n_out)``, in X's dtype.

    intercepts_ : list of ndarray
        Bias vector of each layer.

    n_layers_ : int
        Number of layers, input and output included.
"""
    + MODEL_ATTRIBUTES
)


class BaseMLP(BaseNetwork):
    """Base of the MLPs: a network of Dense layers given by
    ``hidden_layer_sizes``, ``activation`` and ``dropout``, its weights kept
    as scikit-learn keeps them, in ``coefs_`` and ``intercepts_``. Not for
    direct use."""

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [*ACTIVATION_CONSTRAINTS, list],
        "dropout": [Interval(Real, 0, 1, closed="left"), list],
    }

    _network_class = MLPNetwork

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if not hasattr(sizes, "__iter__") else list(sizes)
        if any(int(s) != s or s <= 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {sizes}."
            )
        return [int(s) for s in sizes]

    def _hidden_activations(self):
        n_hidden = len(self._hidden_sizes())
        spec = self.activation
        if isinstance(spec, list):
            if len(spec) != n_hidden:
                raise ValueError(
                    f"activation has {len(spec)} entries but there are "
                    f"{n_hidden} hidden layers; give one per hidden layer."
                )
            return [get_activation(a) for a in spec]
        return [get_activation(spec) for _ in range(n_hidden)]

    def _dropout_rates(self, n_hidden):
        rates = self.dropout
        rates = list(rates) if isinstance(rates, list) else [rates] * n_hidden
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout has {len(rates)} entries but there are {n_hidden} hidden "
                "layers; give one rate, or one per hidden layer."
            )
        if not all(isinstance(r, Real) and 0 <= r < 1 for r in rates):
            raise ValueError(f"dropout rates must be in [0, 1), got {self.dropout!r}.")
        return rates

    def _hidden_layers(self):
        """A Dense layer per hidden size, each followed by a Dropout layer
        when its rate is not 0."""
        sizes = self._hidden_sizes()
        layers = []
        for units, activation, rate in zip(
            sizes, self._layer_activations[:-1], self._dropout_rates(len(sizes))
        ):
            layers.append(Dense(units, activation))
            if rate:
                layers.append(Dropout(rate))
        return layers

    def _input_shape(self, n_features):
        return (n_features,)

    def _network_attributes(self, network):
        return {
            "coefs_": network.coefs, "intercepts_": network.intercepts,
            "n_layers_": len(network.dense_layers) + 1,
        }

    def _fitted_weights(self):
        return [w for pair in zip(self.coefs_, self.intercepts_) for w in pair]

    def _fitted_architecture(self):
        # Dense layers of the fitted sizes and activations, not of
        # hidden_layer_sizes and activation as they may be now (dropout acts
        # in training only, so the fitted network has none)
        layers = [
            Dense(coef.shape[1], activation)
            for coef, activation in zip(self.coefs_, self._layer_activations)
        ]
        return layers, (self.n_features_in_,)

    def _check_architecture(self, network):
        """Refuse a warm start whose layer sizes differ from the fitted ones."""
        fitted = [self.coefs_[0].shape[0], *(c.shape[1] for c in self.coefs_)]
        needed = [network.n_features, *(layer.units for layer in network.dense_layers)]
        if fitted != needed:
            raise ValueError(
                f"The fitted network has layer sizes {fitted} but this call "
                f"needs {needed}; refit from scratch (warm_start=False) to "
                "change the architecture."
            )

    def _predict_validated(self, X):
        return predict_dense(X, self.coefs_, self.intercepts_, self._layer_activations)


class MLPClassifier(ClassifierOutputsMixin, ClassifierMixin, BaseMLP):
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
        **BaseMLP._parameter_constraints,
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
        scoring=None,
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
        self.scoring = scoring
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
    @document_validation_parameters
    def fit(
        self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None
    ):
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
        {validation_parameters}

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.

        Raises
        ------
        ValueError
            When ``sample_weight`` times ``class_weight`` sums to zero: no
            row carries weight; when only one of ``X_val`` and ``y_val`` is
            given, or ``y_val`` holds labels that ``y`` does not.
        """
        return self._fit(
            X, y, sample_weight, X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val
        )

    @available_if(lambda est: is_stochastic(est.solver))
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


class MLPRegressor(RegressorOutputsMixin, RegressorMixin, BaseMLP):
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
        **BaseMLP._parameter_constraints,
        "loss": REGRESSOR_LOSS_CONSTRAINTS,
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
        scoring=None,
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
        self.scoring = scoring
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.output_activation = output_activation
        self.dropout = dropout
        self.callbacks = callbacks

    @_fit_context(prefer_skip_nested_validation=True)
    @document_validation_parameters
    def fit(
        self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None
    ):
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
        {validation_parameters}

        Returns
        -------
        self : MLPRegressor
            The fitted estimator.

        Raises
        ------
        ValueError
            When only one of ``X_val`` and ``y_val`` is given.
        """
        return self._fit(
            X, y, sample_weight, X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val
        )

    @available_if(lambda est: is_stochastic(est.solver))
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


MLPClassifier.__doc__ = MLPClassifier.__doc__.format(
    shared=_SHARED_PARAMETERS, attributes=_SHARED_ATTRIBUTES
)
MLPRegressor.__doc__ = MLPRegressor.__doc__.format(
    shared=_SHARED_PARAMETERS, attributes=_SHARED_ATTRIBUTES
)
