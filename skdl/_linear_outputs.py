"""The outputs of a one-layer linear model fitted as ``coef_`` and
``intercept_``: pre-activations, decisions, labels, and ``coef_`` stored
sparse or dense."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data


class LinearOutputsMixin:
    """Predictions of :class:`~skdl.PerceptronClassifier` from ``coef_``,
    ``intercept_``, the fitted activation and ``_decision_offset`` (where
    the activation crosses the prediction threshold). Not for direct use."""

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
        return self._weighted_sums(X)

    def _weighted_sums(self, X):
        """``X @ coef_.T + intercept_`` for validated rows ``X``."""
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
        return self._activated(self._pre_activation(X))

    def _predict_validated(self, X):
        """Outputs for validated rows ``X``, as :meth:`_predict_outputs` gives
        them."""
        return self._activated(self._weighted_sums(X))

    def _activated(self, z):
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


def activation_crossing(activation, threshold, limit=1e3):
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
