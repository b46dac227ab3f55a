"""PerceptronClassifier's two ways of training its one layer: the
perceptron rule, run as scikit-learn's ``Perceptron`` runs it, and gradient
training, by L-BFGS or by the shared mini-batch loop of
:mod:`skdl._training`."""

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight

from ._base import (
    carries_weight,
    fit_lbfgs,
    objective_inputs,
    refuse_divergence,
    warn_if_loss_grew,
)
from ._epoch_events import EpochEvents
from ._training import StochasticTrainingMixin, check_split_weights
from .activations import Step, get_activation
from .layers import Dense
from .network import Network
from .optimizers import SGD
from .perceptron_rule import fit_perceptron_rule

SPARSE_INTERCEPT_DECAY = 0.01
"""Factor on the perceptron rule's intercept steps for sparse X."""

MAX_INT = np.iinfo(np.int32).max
"""Bound of the seeds drawn for the perceptron rule, as scikit-learn's."""


class PerceptronRuleMixin:
    """The perceptron rule's path of :class:`~skdl.PerceptronClassifier`:
    scikit-learn's starting weights and dtypes, its seeds and validation
    rows drawn in its order, and its class weights per output. Not for
    direct use."""

    def _fit_rule(self, X, y, sample_weight, first_pass, incremental, max_iter, tol, validation,
                  fit_tasks):
        """Train with the perceptron rule as scikit-learn's ``Perceptron``
        does, one output per class (a single output for two classes); returns
        the weights, the biases and the number of epochs. Early stopping
        watches each output's accuracy on the ``validation`` set given to
        ``fit`` (a :class:`~skdl._training.ValidationSet`), or else on the
        rows scikit-learn holds out. Each epoch is a sub-task of
        ``fit_tasks``.

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
        seeds, validation_mask = self._rule_seeds_and_split(
            y, sample_weight, n_classes, held_out=validation is None
        )
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
        # intercepts as the fit returns them: X's dtype for more than two classes
        intercept_dtype = X.dtype if n_classes > 2 else np.float64

        def attributes(weights):
            """The fitted attributes of ``weights()``, taken when a callback asks."""
            def evaluate():
                coef, intercept = weights()
                return {"coef_": coef, "intercept_": intercept.astype(intercept_dtype)}
            return evaluate

        try:
            n_iter = fit_perceptron_rule(
                coef, intercept, X, signs, sample_weight, class_weight, seeds,
                eta0=self.eta0, penalty=self.penalty, alpha=self.alpha,
                l1_ratio=self.l1_ratio, fit_intercept=self.fit_intercept,
                # damped intercept steps on sparse data, as scikit-learn takes them
                intercept_decay=SPARSE_INTERCEPT_DECAY if sp.issparse(X) else 1.0,
                max_iter=max_iter, tol=tol, n_iter_no_change=self.n_iter_no_change,
                shuffle=self.shuffle, validation_mask=validation_mask,
                validation_set=_rule_validation_set(validation, self._label_binarizer),
                verbose=self.verbose, n_jobs=self.n_jobs,
                on_epoch_begin=lambda weights: fit_tasks.epoch_begin(attributes(weights)),
                on_epoch_end=lambda weights: fit_tasks.epoch_end(attributes(weights)),
            )
        except FloatingPointError as error:
            raise ValueError(
                f"Training diverged: {error} Lower eta0 or scale the input; the "
                "estimator was left unchanged."
            ) from error
        if n_classes > 2:
            intercept = intercept.astype(X.dtype)
        return coef, intercept, int(n_iter.max())

    def _rule_seeds_and_split(self, y, sample_weight, n_classes, held_out):
        """Each output's shuffling seed, and the early-stopping validation
        mask (None without early stopping, or when not ``held_out``: a
        validation set is given).

        Drawn from ``random_state`` in scikit-learn's order, so that the same
        ``random_state`` gives the same rows in the same order: for two
        classes, one generator gives a dataset seed (which scikit-learn keeps
        for random sampling, and the perceptron never uses), then the split,
        then the shuffling seed; for more, the split comes first, then one
        seed per class, from which each class's generator draws its dataset
        seed and its shuffling seed.
        """
        def split():
            return self._validation_mask(y, sample_weight) if held_out else None

        if n_classes == 2:
            rng = check_random_state(self.random_state)
            rng.randint(1, MAX_INT)
            mask = split()
            return [rng.randint(MAX_INT)], mask
        mask = split()
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


class PerceptronGradientMixin(StochasticTrainingMixin):
    """The gradient path of :class:`~skdl.PerceptronClassifier`: L-BFGS, or
    the shared mini-batch loop with the perceptron's hooks (the L2 term in
    the loss, L1 shrinkage, a fixed intercept, scikit-learn's SGD stopping
    rule and ``Perceptron``'s validation rows). Not for direct use."""

    _learning_rate_parameter = "eta0"

    # early stopping ends at the last epoch's weights, as scikit-learn's SGD
    _restores_best_weights = False

    def _fit_network(
        self, X, y, sample_weight, first_pass, incremental, max_iter, tol, validation,
        X_given, scorer, fit_tasks,
    ):
        """Gradient training (L-BFGS or SGD) of the one-layer network; returns
        the weights, the biases and the number of iterations (0 for a
        ``partial_fit`` of zero weight, which takes no step).

        ``validation`` is the set given to ``fit`` (None: with SGD, early
        stopping holds rows of ``X``, given as ``X_given``, out); ``scorer``
        scores it (see ``_validation_scorer``). Each epoch or iteration is a
        sub-task of ``fit_tasks``."""
        score_weight = sample_weight
        sample_weight = self._apply_class_weight(
            sample_weight, y, X.dtype, self.class_weight
        )
        trains = carries_weight(sample_weight, incremental)
        Y = self._encode_targets(y, X.dtype)
        rng = check_random_state(self.random_state)
        network = _single_layer(self._layer_activations[0], X.shape[1], Y.shape[1], X.dtype)
        if first_pass:
            self.loss_curve_ = []
            self.validation_scores_ = self.validation_loss_curve_ = None
            if _flat_at_zero(self._layer_activations[0]):
                # zero weights would sit where this activation's gradient
                # vanishes and never move
                network.initialize(rng)
        else:
            network.set_weights([self._dense_coef().T, self.intercept_])
        n_before = len(self.loss_curve_)
        events = EpochEvents(self, network, fit_tasks)
        if not trains:
            n_iter = 0
        elif self._solver == "lbfgs":
            n_iter = self._fit_lbfgs(network, X, Y, sample_weight, max_iter, tol, validation,
                                     events)
        else:
            # every call judges its own epochs, as scikit-learn's SGD does
            self._reset_stopping_state()
            optimizer = SGD(learning_rate=self.eta0).build(network.params)
            X_train, Y_train, train_weight, validation = self._training_and_validation(
                validation, X, X_given, y, Y, _or_ones(sample_weight, X), score_weight, rng,
                scorer,
            )
            self._fit_stochastic(
                network, optimizer, X_train, Y_train, train_weight, rng, incremental,
                validation, events,
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

    def _fit_lbfgs(self, network, X, Y, sample_weight, max_iter, tol, validation, events):
        """Train with L-BFGS; a ``validation`` set is scored after every
        iteration, for the curves."""
        if not self.fit_intercept:
            raise ValueError("solver='lbfgs' always fits an intercept; use solver='sgd'.")
        self._start_validation_curves(validation is not None)

        def on_iteration(value):
            if validation is not None:
                # the network holds the iterate: L-BFGS-B evaluated it last
                self._validate(network, validation)
            return events.lbfgs_iteration_end()

        events.lbfgs_begin()
        n_iter, _, curve = fit_lbfgs(
            network, X, Y, self._loss, alpha=self._alpha_l2(),
            sample_weight=sample_weight, max_iter=max_iter, max_fun=15000,
            tol=0.0 if tol is None else tol, verbose=self.verbose,
            on_iteration=on_iteration,
        )
        events.lbfgs_end()
        # a warm start extends the curve, as it does for the sgd solver
        self.loss_curve_ = [*self.loss_curve_, *curve]
        return n_iter

    def _snapshot_attributes(self, network):
        """``coef_`` and ``intercept_`` holding copies of the network's
        weights as they are now."""
        output = network.layers[0]
        return {"coef_": np.array(output.kernel.T, order="C"), "intercept_": output.bias.copy()}

    def _validation_rows(self, Y, sample_weight, score_weight, rng):
        """The rows that train and those held out (boolean masks): the rows
        scikit-learn's ``Perceptron`` holds out (see :meth:`_validation_mask`;
        ``rng`` is not drawn from), each part in the original row order."""
        labels = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]
        held_out = self._validation_mask(labels, sample_weight)
        return ~held_out, held_out

    def _validation_outputs(self, network, X):
        """Outputs of the prediction path for validated rows ``X`` at the
        network's weights, which ``coef_`` and ``intercept_`` take first."""
        vars(self).update(self._snapshot_attributes(network))
        return self._predict_validated(X)

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
        network = _single_layer(activation, X.shape[1], Y.shape[1], X.dtype)
        network.set_weights([self._dense_coef().T, self.intercept_])
        alpha = self._objective_settings["alpha"]
        return network, X, Y, self._loss, alpha, sample_weight


def _rule_validation_set(validation, label_binarizer):
    """The perceptron rule's ``validation_set`` for a given
    :class:`~skdl._training.ValidationSet` (None for none): its rows, their
    signs per output and their weights (1 when unweighted)."""
    if validation is None:
        return None
    X_val = validation.X.tocsr() if sp.issparse(validation.X) else validation.X
    signs = 2.0 * label_binarizer.transform(validation.y) - 1.0
    weights = validation.sample_weight
    return X_val, signs, np.ones(X_val.shape[0]) if weights is None else weights


def _single_layer(activation, n_features, n_outputs, dtype):
    """The perceptron's network: one Dense layer of ``activation``."""
    return Network([Dense(n_outputs, activation)], (n_features,), dtype)


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
