"""Targets and outputs of skdl's regressors: numeric targets checked, the
default output activation paired with the loss, R^2 as the score."""

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import column_or_1d, validate_data

from .losses import Poisson, get_loss

REGRESSOR_LOSS_CONSTRAINTS = [
    StrOptions({"squared_error", "absolute_error", "huber", "poisson"}),
    HasMethods(["value", "gradient"]),
]


class RegressorOutputsMixin:
    """Target checks, scores and predictions for skdl's regressors.

    The host class provides ``loss`` and ``_predict_outputs(X)``.
    """

    def _validate_targets(self, X, y, incremental, first_pass, classes=None, fitted=False):
        X, y = validate_data(
            self, X, y, accept_sparse=self._accepted_sparse(fitted), multi_output=True,
            y_numeric=True, dtype=(np.float64, np.float32), reset=first_pass,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        poisson = isinstance(self._loss, Poisson) if fitted else self._poisson_loss()
        if poisson and np.any(y < 0):
            raise ValueError(f"loss={self.loss!r} needs non-negative targets y.")
        return X, y, "continuous"

    def _default_output_activation(self, target_kind):
        return get_loss(self.loss).canonical_activation or "identity"

    def _score_outputs(self, Y, out, sample_weight=None):
        """R^2 of outputs ``out`` against targets ``Y``."""
        return r2_score(Y, out, sample_weight=sample_weight)

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
        out = self._predict_outputs(X)
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


