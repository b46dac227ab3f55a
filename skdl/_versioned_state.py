"""The skdl version a pickled estimator was saved by, and the warning when it
is loaded by another."""

import warnings

__all__ = ["InconsistentVersionWarning", "VersionedStateMixin"]


class InconsistentVersionWarning(UserWarning):
    """An estimator is being loaded (unpickled, or by ``skops.io.load``) by
    another skdl version than the one that saved it, as scikit-learn warns
    with its own ``InconsistentVersionWarning``. Only the version that saved
    it promises to load it as it was.

    Parameters
    ----------
    estimator_name : str
        The estimator's class name.
    current_version : str
        The version loading it.
    original_version : str
        The version that saved it.
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self):
        return (
            f"Loading {self.estimator_name} from version {self.original_version} of skdl "
            f"with version {self.current_version}: this may break the estimator or give "
            "other results. Refit it with this version, or load it with skdl "
            f"{self.original_version}; to move a model between versions, export it to "
            "ONNX (skdl.onnx)."
        )


class VersionedStateMixin:
    """Record skdl's version in an estimator's saved state, and warn when a
    state saved by another version is loaded. Not for direct use: put it
    before scikit-learn's ``BaseEstimator``, whose own version stamp covers
    scikit-learn's estimators only."""

    def __getstate__(self):
        from . import __version__

        return dict(super().__getstate__(), _skdl_version=__version__)

    def __setstate__(self, state):
        from . import __version__

        state = dict(state)
        saved = state.pop("_skdl_version", None)
        if saved is not None and saved != __version__:
            warnings.warn(InconsistentVersionWarning(
                estimator_name=type(self).__name__, current_version=__version__,
                original_version=saved,
            ))
        super().__setstate__(state)
