"""Networks of any layers: ``NeuralNetClassifier`` and ``NeuralNetRegressor``.

The hidden layers are a list of :mod:`skdl.layers` objects, such as
convolutions and pools over images or recurrent layers over sequences; the
output Dense layer, its
activation and the loss are chosen from the targets as the MLPs choose
them. ``X`` stays 2-D (one flattened sample per row), and ``input_shape``
says how to read each row, so pipelines, searches and cross-validation work
as for any scikit-learn estimator.
"""

import copy
import numbers

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import CLASSIFIER_LOSS_CONSTRAINTS, BaseNetwork
from ._classification import ClassifierOutputsMixin
from ._docstrings import (
    CALLBACKS_PARAMETER,
    MODEL_ATTRIBUTES,
    TRAINING_ATTRIBUTES,
    TRAINING_PARAMETERS,
    document_validation_parameters,
)
from ._layer_params import NestedLayerParamsMixin, name_layers
from ._regression import REGRESSOR_LOSS_CONSTRAINTS, RegressorOutputsMixin
from ._summary import layer_diagram, layer_rows
from ._training import is_stochastic
from .layers import LAYER_NAMES, Dense, Layer
from .layers.base import resolved_activation
from .network import Network, predict_layers

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]


def default_layers():
    """The hidden layers of ``layers=None``: one ``Dense(100, "relu")``, as
    the MLPs' default ``hidden_layer_sizes=(100,)``."""
    return [Dense(100, activation="relu")]


class BaseNeuralNet(NestedLayerParamsMixin, BaseNetwork):
    """Base of the layer networks. Not for direct use."""

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "layers": [list, None],
        "input_shape": [tuple, list, None],
    }

    _weights_attribute = "layers_"

    def _layer_specs(self):
        """The user's hidden layers, checked to be layer instances."""
        return checked_layers(self.layers)

    def _checked_layers(self, layers):
        return checked_layers(layers)

    def _hidden_layers(self):
        # copies: building a layer sets its shapes and weights, and the
        # user's objects must stay as given (for clone and grid searches)
        layers, names = self._named_layers(self.layers)
        copies = [copy.deepcopy(layer) for layer in layers]
        for layer, name in zip(copies, names):
            layer.name = name
        return copies

    # ----------------------------------------------------------- inspection
    def _unfitted_layer_rows(self):
        """The summary's rows before fit, built from the parameters: the
        output layer built with one unit, as the targets' number is not
        known."""
        spec = self.input_shape
        if spec is None or -1 in tuple(spec):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet and its input_shape is "
                f"{spec!r}, so the shapes of its layers depend on the number of "
                "features of the data: give input_shape in full (no -1) or fit first."
            )
        input_shape = self._input_shape(int(np.prod(spec, dtype=np.int64)))
        network = Network(name_layers(self._hidden_layers(), Dense(1)), input_shape)
        return layer_rows(network.layers, outputs_known=False)

    def _sk_visual_block_(self):
        """The estimator's diagram in a notebook: its layers in a column of
        boxes, each with its output shape when known (after fit, or before
        with ``input_shape`` given in full)."""
        if hasattr(self, self._weights_attribute):
            rows = self._fitted_layer_rows()
        else:
            try:
                rows = self._unfitted_layer_rows()
            except NotFittedError:
                rows = layer_rows(
                    name_layers(self._hidden_layers(), Dense(1)), built=False,
                    outputs_known=False,
                )
        return layer_diagram(rows)

    def _hidden_activations(self):
        return [
            resolved_activation(layer)
            for layer in self._layer_specs() if hasattr(layer, "activation")
        ]

    def _input_shape(self, n_features):
        """``input_shape`` with its -1 resolved for rows of ``n_features``."""
        spec = self.input_shape
        if spec is None:
            return (n_features,)
        shape = tuple(spec)
        if not shape or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and (s >= 1 or s == -1)
            for s in shape
        ) or shape.count(-1) > 1:
            raise ValueError(
                f"input_shape must be a tuple of positive integers, one of which may be "
                f"-1 (inferred, as in numpy.reshape); got {spec!r}."
            )
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        if -1 in shape:
            if n_features % known:
                raise ValueError(
                    f"input_shape={spec!r} cannot hold rows of {n_features} features: "
                    f"{n_features} is not a multiple of {known}."
                )
            shape = tuple(n_features // known if s == -1 else s for s in shape)
        elif known != n_features:
            raise ValueError(
                f"input_shape={spec!r} holds {known} values, but X has {n_features} "
                "features per row; the product of input_shape must equal the number "
                "of features (n_features_in_)."
            )
        return tuple(int(s) for s in shape)

    def _network_attributes(self, network):
        return {"layers_": network.layers, "input_shape_": network.input_shape}

    def _fitted_weights(self):
        return [w for layer in self.layers_ for w in layer.weights]

    def _fitted_architecture(self):
        # copies of the fitted layers: their hyperparameters as fitted, not
        # the layers parameter as it may be now
        return [copy.deepcopy(layer) for layer in self.layers_], self.input_shape_

    def _check_architecture(self, network):
        """Refuse a warm start whose layers differ from the fitted ones."""
        def describe(layers):
            return [(type(layer).__name__, layer.output_shape) for layer in layers]

        if describe(network.layers) != describe(self.layers_) or [
            w.shape for w in network.get_weights()
        ] != [w.shape for w in self._fitted_weights()]:
            raise ValueError(
                f"The fitted network has layers {self.layers_} but this call needs "
                f"{network.layers}; refit from scratch (warm_start=False) to change "
                "the architecture."
            )

    def _predict_validated(self, X):
        return predict_layers(self.layers_, self.input_shape_, X)

    def _accepted_sparse(self, fitted=False):
        if fitted:
            flat = len(self.input_shape_) == 1
        else:
            flat = self.input_shape is None or len(tuple(self.input_shape)) == 1
        return ["csr", "csc"] if flat else False

    def _training_rows(self, X, name="X"):
        """``X`` (named ``name`` in messages) for fit and partial_fit: an N-D
        array of samples as 2-D rows when its sample shape is
        ``input_shape`` (the parameter, which the call fits); anything else
        as given, for validation to judge."""
        if not (isinstance(X, np.ndarray) and X.ndim > 2 and self.input_shape is not None):
            return X
        try:
            shape = self._input_shape(int(np.prod(X.shape[1:], dtype=np.int64)))
        except ValueError:
            return X
        return _flat_rows(X, shape, f"input_shape is {self.input_shape!r}", name)

    def _fit_with_validation(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        """``fit``'s work: ``X`` and ``X_val`` may hold samples of
        ``input_shape`` (see :meth:`_training_rows`)."""
        return self._fit(
            self._training_rows(X), y, sample_weight,
            X_val=self._training_rows(X_val, "X_val"), y_val=y_val,
            sample_weight_val=sample_weight_val,
        )

    def _predict_outputs(self, X):
        # after fit, samples have the fitted shape, whatever input_shape says now
        if isinstance(X, np.ndarray) and X.ndim > 2:
            check_is_fitted(self)
            X = _flat_rows(X, self.input_shape_, f"the fitted input_shape_ is {self.input_shape_}")
        return super()._predict_outputs(X)


def checked_layers(layers):
    """The hidden layers of the ``layers`` parameter (None: the default
    layers), checked to be layer instances."""
    layers = default_layers() if layers is None else layers
    for i, layer in enumerate(layers):
        if isinstance(layer, type) and issubclass(layer, Layer):
            raise TypeError(
                f"layers[{i}] is the class {layer.__name__}, where an instance is "
                f"needed: pass {layer.__name__}(...) with its arguments."
            )
        if not isinstance(layer, Layer):
            raise TypeError(
                f"layers[{i}] is {layer!r}, of type {type(layer).__name__}, which "
                f"is not a layer: use the classes of skdl.layers ({LAYER_NAMES})."
            )
    return layers


def _flat_rows(X, shape, expected, name="X"):
    """The N-D array ``X`` (named ``name`` in messages) of samples of
    ``shape`` as 2-D rows, refused naming the ``expected`` shape when its
    samples have another."""
    if X.shape[1:] != shape:
        raise ValueError(
            f"{name} has samples of shape {X.shape[1:]}, but {expected}; pass {name} of "
            "shape (n_samples, *input_shape), or flat rows of shape (n_samples, n_features)."
        )
    return X.reshape(X.shape[0], -1)


_LAYER_PARAMETERS = """
    layers : list of Layer, default=None
        The hidden layers, in order: instances of the layers of
        :mod:`skdl.layers` (:data:`skdl.layers.BUILT_IN_LAYERS` lists them),
        or of a :class:`~skdl.layers.Layer` subclass of your own.
        The output Dense layer is added from the targets. None is
        ``[Dense(100, activation="relu")]``. The objects are copied, never
        changed, so one list can serve several estimators. Each layer is
        known by its ``name``, or else by its class as ``make_pipeline``
        names steps (``"conv2d"``, or ``"conv2d-1"``, ``"conv2d-2"`` for a
        class that repeats), and its hyperparameters are the estimator's
        nested parameters ``<name>__<param>`` (see :meth:`set_params`).

    input_shape : tuple of int, default=None
        Shape of one sample, channels-last: ``(height, width, channels)``
        for images, ``(timesteps, features)`` for sequences. Each row of ``X`` is a sample flattened in C order
        (``images.reshape(n, -1)``). One entry may be -1, inferred from the
        number of features as ``numpy.reshape`` does. None reads rows as
        flat vectors. ``X`` may also be given with samples of this shape.
"""

_LAYER_ATTRIBUTES = """
    layers_ : list of Layer
        The fitted layers, the output Dense layer last; each has
        ``get_weights()`` in Keras's order and shapes, and its ``name``
        (the output layer's is ``"output"``, or ``"output-1"``, ... when a
        hidden layer has that name).

    input_shape_ : tuple of int
        Shape of one sample, with -1 resolved.
"""


class NeuralNetClassifier(ClassifierOutputsMixin, ClassifierMixin, BaseNeuralNet):
    """Neural network classifier of any layers, such as a CNN or an LSTM.

    Parameters
    ----------{layers}
    loss : str or Loss, default="log_loss"
        ``"log_loss"`` (cross-entropy: softmax or sigmoid output),
        ``"hinge"``, ``"perceptron"``, ``"squared_error"``, or any object
        with ``value(y, out, sample_weight)`` and ``gradient(y, out)``.
{training}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as scikit-learn's classifiers
        take them.
{callbacks}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
{layer_attributes}{training_attributes}{model_attributes}

    See Also
    --------
    NeuralNetRegressor : The same network for regression.
    MLPClassifier : A network of Dense layers given by their sizes.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdl import NeuralNetClassifier
    >>> from skdl.layers import Conv2D, Flatten, MaxPool2D
    >>> X, y = load_digits(return_X_y=True)
    >>> cnn = NeuralNetClassifier(
    ...     layers=[Conv2D(8, 3, padding="same", activation="relu"), MaxPool2D(2),
    ...             Flatten()],
    ...     input_shape=(8, 8, 1), max_iter=5, random_state=0,
    ... ).fit(X[:500] / 16, y[:500])
    >>> cnn.layers_[0].get_weights()[0].shape
    (3, 3, 1, 8)
    >>> [layer.name for layer in cnn.layers_]
    ['conv2d', 'maxpool2d', 'flatten', 'output']
    >>> cnn.get_params()["conv2d__filters"]
    8
    """

    _parameter_constraints: dict = {
        **BaseNeuralNet._parameter_constraints,
        "loss": CLASSIFIER_LOSS_CONSTRAINTS,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        layers=None,
        input_shape=None,
        loss="log_loss",
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
        class_weight=None,
        callbacks=None,
    ):
        self.layers = layers
        self.input_shape = input_shape
        self.loss = loss
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
        self.class_weight = class_weight
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
            Training data, one flattened sample per row (sparse only for
            flat ``input_shape``), or an array of shape
            ``(n_samples, *input_shape)``.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or a label indicator matrix for multi-label.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        {validation_parameters}

        Returns
        -------
        self : NeuralNetClassifier
            The fitted estimator.

        Raises
        ------
        ValueError
            Before any training, when a layer cannot take the shape it is
            given, or ``input_shape`` does not fit the rows of ``X``; the
            message names the layer and the shapes. When only one of
            ``X_val`` and ``y_val`` is given, or ``y_val`` holds labels that
            ``y`` does not.
        TypeError
            When an entry of ``layers`` is not a layer instance.
        """
        return self._fit_with_validation(
            X, y, sample_weight, X_val, y_val, sample_weight_val
        )

    @available_if(lambda est: is_stochastic(est.solver))
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch over ``X`` (stochastic solvers only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, as in :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        classes : array-like of shape (n_classes,), default=None
            All classes that will ever be seen; required on the first call.

        Returns
        -------
        self : NeuralNetClassifier
            The updated estimator.
        """
        self._refuse_balanced_class_weight_in_partial_fit()
        first_call = not hasattr(self, self._weights_attribute)
        if first_call and classes is None and np.ndim(y) == 1:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(self._training_rows(X), y, sample_weight, incremental=True, classes=classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class NeuralNetRegressor(RegressorOutputsMixin, RegressorMixin, BaseNeuralNet):
    """Neural network regressor of any layers, such as a CNN or an LSTM.

    Parameters
    ----------{layers}
    loss : str or Loss, default="squared_error"
        ``"squared_error"``, ``"absolute_error"``, ``"huber"``,
        ``"poisson"`` (exp output), or any object with
        ``value(y, out, sample_weight)`` and ``gradient(y, out)``.
{training}{callbacks}

    Attributes
    ----------{layer_attributes}{training_attributes}{model_attributes}

    See Also
    --------
    NeuralNetClassifier : The same network for classification.
    MLPRegressor : A network of Dense layers given by their sizes.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl import NeuralNetRegressor
    >>> from skdl.layers import Conv2D, Flatten
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 16))
    >>> y = X.reshape(-1, 4, 4)[:, 1:3, 1:3].sum(axis=(1, 2))
    >>> reg = NeuralNetRegressor(
    ...     layers=[Conv2D(4, 2, activation="tanh"), Flatten()], input_shape=(4, 4, 1),
    ...     solver="lbfgs", random_state=0,
    ... ).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseNeuralNet._parameter_constraints,
        "loss": REGRESSOR_LOSS_CONSTRAINTS,
    }

    def __init__(
        self,
        layers=None,
        input_shape=None,
        loss="squared_error",
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
        callbacks=None,
    ):
        self.layers = layers
        self.input_shape = input_shape
        self.loss = loss
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
            Training data, one flattened sample per row (sparse only for
            flat ``input_shape``), or an array of shape
            ``(n_samples, *input_shape)``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        {validation_parameters}

        Returns
        -------
        self : NeuralNetRegressor
            The fitted estimator.

        Raises
        ------
        ValueError
            Before any training, when a layer cannot take the shape it is
            given, or ``input_shape`` does not fit the rows of ``X``; when
            only one of ``X_val`` and ``y_val`` is given.
        TypeError
            When an entry of ``layers`` is not a layer instance.
        """
        return self._fit_with_validation(
            X, y, sample_weight, X_val, y_val, sample_weight_val
        )

    @available_if(lambda est: is_stochastic(est.solver))
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over ``X`` (stochastic solvers only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, as in :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : NeuralNetRegressor
            The updated estimator.
        """
        return self._fit(self._training_rows(X), y, sample_weight, incremental=True)


for _estimator in (NeuralNetClassifier, NeuralNetRegressor):
    _estimator.__doc__ = _estimator.__doc__.format(
        layers=_LAYER_PARAMETERS, training=TRAINING_PARAMETERS,
        callbacks=CALLBACKS_PARAMETER, layer_attributes=_LAYER_ATTRIBUTES,
        training_attributes=TRAINING_ATTRIBUTES, model_attributes=MODEL_ATTRIBUTES,
    )
del _estimator
