"""Class labels to network targets and network outputs back to labels,
shared by skdl's classifiers.

Binary targets become one 0/1 column (two one-hot columns under a softmax
output), multi-class targets one column per class, multi-label indicator
targets stay as they are. Predictions threshold a single column (at 0.5
for probabilities, else at the loss's threshold) and take the arg-max of
several.
"""

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .activations import ACTIVATIONS, Softmax


class ClassifierOutputsMixin:
    """Target encoding, decoding and probabilities for skdl's classifiers.

    The host class provides ``warm_start``, ``class_weight`` (or None),
    ``_layer_activations`` and ``_loss`` once fitted, ``_predict_outputs(X)`` and
    ``_output_is_probability()``.
    """

    def _validate_targets(self, X, y, incremental, first_pass, classes=None, fitted=False):
        X, y = self._checked_arrays(X, y, first_pass, fitted)
        if first_pass:
            binarizer = LabelBinarizer()
            binarizer.fit(y if classes is None or y.ndim == 2 else classes)
            if len(binarizer.classes_) < 2:
                raise ValueError(
                    f"The target y has only one class ({binarizer.classes_[0]!r}); "
                    "a classifier needs samples of at least two classes."
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        elif incremental and classes is not None and not np.array_equal(
            unique_labels(classes), self.classes_
        ):
            raise ValueError(
                f"`classes={unique_labels(classes)!r}` is not the same as on the "
                f"first call to fit or partial_fit, was: {self.classes_!r}"
            )
        elif self.warm_start and not incremental and set(unique_labels(y)) != set(
            self.classes_
        ):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in "
                f"the previous call to fit. Previously got {self.classes_}, `y` has "
                f"{unique_labels(y)}"
            )
        self._check_labels_are_classes(y)
        kind = self._label_binarizer.y_type_
        kind = "multilabel" if kind.startswith("multilabel") else (
            "binary" if len(self.classes_) == 2 else "multiclass"
        )
        return X, y, kind

    def _checked_arrays(self, X, y, reset, fitted=False):
        """``X`` and labels ``y`` validated, before any check against the
        classes (``fitted``: for the fitted network's input format)."""
        X, y = validate_data(
            self, X, y, accept_sparse=self._accepted_sparse(fitted), multi_output=True,
            dtype=(np.float64, np.float32), reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        return X, y

    def _validate_validation_targets(self, X_val, y_val):
        """``X_val`` and ``y_val`` validated as ``X`` and ``y`` are, and
        refused when ``y_val`` holds labels unseen in ``y``, naming them, or
        is not of ``y``'s kind (labels or a multi-label indicator matrix)."""
        X_val, y_val = self._checked_arrays(X_val, y_val, reset=False)
        multilabel = self._label_binarizer.y_type_.startswith("multilabel")
        if multilabel != type_of_target(y_val).startswith("multilabel"):
            raise ValueError(
                "y_val is a multi-label indicator matrix but y was not, or the reverse: "
                "give y_val in the form of y."
            )
        if multilabel:
            if y_val.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y_val has {y_val.shape[1]} label columns, but y has "
                    f"{len(self.classes_)}."
                )
            return X_val, y_val
        seen = unique_labels(y_val)
        # labels of another type (strings against numbers) are all unseen
        same_type = _holds_strings(seen) == _holds_strings(self.classes_)
        unseen = np.setdiff1d(seen, self.classes_) if same_type else seen
        if len(unseen):
            raise ValueError(
                f"y_val has labels not seen in y: {unseen.tolist()}. The classifier "
                f"learns only the classes of y, {self.classes_.tolist()}; drop those "
                "rows from the validation set, or give y every class."
            )
        return X_val, y_val

    def _check_labels_are_classes(self, y):
        """Refuse labels of ``y`` that are not in ``classes_``, those given to
        ``partial_fit`` included: the binarizer would encode them as another
        class or as no class at all."""
        seen = unique_labels(y)
        if _holds_strings(seen) != _holds_strings(self.classes_):
            raise ValueError(
                f"`y` has labels of another type than `classes`: `y` has {seen}, "
                f"`classes` are {self.classes_}. Pass classes of the same type as "
                "the labels, e.g. classes=np.unique(y) over all the data."
            )
        if len(np.setdiff1d(seen, self.classes_)):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {seen}."
            )

    def _encode_targets(self, y, dtype):
        Y = self._label_binarizer.transform(y).astype(dtype)
        if Y.shape[1] == 1 and isinstance(self._layer_activations[-1], Softmax):
            Y = np.hstack([1 - Y, Y])
        return Y

    def _default_output_activation(self, target_kind):
        loss = self.loss
        if getattr(loss, "threshold", 0.5) == 0.0 or loss in ("hinge", "perceptron"):
            return "identity"
        if target_kind == "multilabel" or loss == "binary_cross_entropy":
            return "logistic"
        if target_kind == "binary" and loss != "cross_entropy":
            return "logistic"
        return "softmax"

    def _refuse_balanced_class_weight_in_partial_fit(self):
        """partial_fit sees one batch, which does not show the class
        frequencies that ``class_weight="balanced"`` needs."""
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: one batch "
                "does not show the class frequencies. Compute the weights with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on a large enough sample of the targets and "
                "pass dict(zip(classes, weights)) as class_weight."
            )

    def _apply_class_weight(self, sample_weight, y, dtype, class_weight):
        """``sample_weight`` times the weights of ``y``'s classes under
        ``class_weight`` (the parameter in fit; after fit, the one the model
        was fitted with)."""
        if class_weight is None:
            return sample_weight
        if np.ndim(y) == 2:
            raise ValueError(
                "class_weight applies to single-label targets; for a multilabel y, "
                "weigh the rows with sample_weight instead."
            )
        weights = compute_sample_weight(class_weight, y).astype(dtype)
        return weights if sample_weight is None else weights * sample_weight

    def _stratify_labels(self, Y):
        if self._label_binarizer.y_type_.startswith("multilabel"):
            return None
        return Y.astype(bool)

    def _labels(self, out, threshold):
        if self._label_binarizer.y_type_.startswith("multilabel"):
            return (out > threshold).astype(int)
        if out.shape[1] == 1:
            return self.classes_[(out[:, 0] > threshold).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]

    def _predictions(self, out):
        """The labels ``predict`` gives for network outputs ``out``."""
        return self._labels(out, self._prediction_threshold())

    def _score_outputs(self, y, out, sample_weight=None):
        """Accuracy of outputs ``out`` against labels ``y``: what ``score``
        (scikit-learn's ``accuracy_score``) gives for the rows whose outputs
        they are, computed as it computes it, without its checks of the
        targets, which cost more than the epoch's forward pass on small
        validation sets."""
        hits = y == self._predictions(out)
        if hits.ndim == 2:  # multi-label: a row counts when all its labels do
            hits = hits.all(axis=1)
        return float(np.average(hits, weights=sample_weight))

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes (an indicator matrix for multi-label).
        """
        return self._predictions(self._predict_outputs(X))

    def _prediction_threshold(self):
        """Where an output column splits the classes: 0.5 for probabilities,
        so that ``predict`` agrees with ``predict_proba``, otherwise the
        loss's own threshold (0 for margin losses)."""
        if self._layer_activations[-1].is_probability:
            return 0.5
        return self._loss.threshold

    def _output_is_probability(self):
        if hasattr(self, "_layer_activations"):
            return self._layer_activations[-1].is_probability
        spec = self._output_activation_spec()
        if isinstance(spec, str):
            if spec == "auto":
                loss = self.loss
                return not (
                    loss in ("hinge", "perceptron") or getattr(loss, "threshold", 0.5) == 0
                )
            return ACTIVATIONS[spec].is_probability if spec in ACTIVATIONS else False
        return bool(getattr(spec, "is_probability", False))

    @available_if(lambda est: est._output_is_probability())
    def predict_proba(self, X):
        """Probability estimates.

        Available when the output activation gives probabilities (sigmoid,
        softmax, or a user activation with ``is_probability = True``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        check_is_fitted(self)
        out = self._predict_outputs(X)
        if self._label_binarizer.y_type_.startswith("multilabel"):
            return out
        if out.shape[1] == 1:
            return np.hstack([1 - out, out])
        if not isinstance(self._layer_activations[-1], Softmax):
            out /= out.sum(axis=1, keepdims=True)
        return out

    @available_if(lambda est: est._output_is_probability())
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)


def _holds_strings(labels):
    """Whether ``labels`` (of one kind, as ``unique_labels`` ensures) are
    strings rather than numbers."""
    return any(isinstance(label, str) for label in labels)
