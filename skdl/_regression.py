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
        X, y = self._checked_arrays(X, y, first_pass, fitted)
        return X, y, "continuous"

    def _checked_arrays(self, X, y, reset, fitted=False, name="y"):
        """``X`` and numeric targets ``y`` (named ``name`` in messages)
        validated (``fitted``: for the fitted network's input format and
        loss)."""
        X, y = validate_data(
            self, X, y, accept_sparse=self._accepted_sparse(fitted), multi_output=True,
            y_numeric=True, dtype=(np.float64, np.float32), reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        poisson = isinstance(self._loss, Poisson) if fitted else self._poisson_loss()
        if poisson and np.any(y < 0):
            raise ValueError(f"loss={self.loss!r} needs non-negative targets {name}.")
        return X, y

    def _validate_validation_targets(self, X_val, y_val):
        """``X_val`` and ``y_val`` validated as ``X`` and ``y`` are."""
        return self._checked_arrays(X_val, y_val, reset=False, name="y_val")

    def _default_output_activation(self, target_kind):
        return get_loss(self.loss).canonical_activation or "identity"

    def _predictions(self, out):
        """The values ``predict`` gives for network outputs ``out``."""
        return out.ravel() if out.shape[1] == 1 else out

    def _score_outputs(self, y, out, sample_weight=None):
        """R^2 of outputs ``out`` against targets ``y``: what ``score``
        gives for the rows whose outputs they are."""
        return float(r2_score(y, self._predictions(out), sample_weight=sample_weight))

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
        return self._predictions(self._predict_outputs(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self._poisson_loss()
        return tags

    def _poisson_loss(self):
        """Whether the loss is the Poisson deviance, by name or as an object."""
        return isinstance(self.loss, Poisson) or (
            isinstance(self.loss, str) and self.loss == "poisson"
        )


