"""Hyperparameter objects that clone and search as scikit-learn's
estimators do, without importing scikit-learn: the optimizers and the
learning-rate schedules.

``get_params`` and ``set_params`` read the constructor's signature, as
scikit-learn's ``BaseEstimator`` does, and nest into a parameter that has
parameters of its own (``learning_rate__decay_steps``), so that
``sklearn.base.clone`` copies such an object and ``GridSearchCV`` searches
its parameters through an estimator (``solver__weight_decay``). Each
object checks its parameters when it is made and when ``set_params``
changes them, and a refused ``set_params`` leaves it as it was.

This module knows nothing of scikit-learn.
"""

import inspect
import math
import numbers

import numpy as np

__all__ = ["HyperParameters", "check_number", "check_flag"]


class HyperParameters:
    """Mixin of ``get_params``, ``set_params`` and a short ``repr`` for an
    object whose constructor stores each argument, unchanged, as the
    attribute of the same name. Not for direct use.

    Subclasses check their parameters in ``_check_params``, which their
    constructor calls; :meth:`set_params` calls it too.
    """

    @classmethod
    def _param_names(cls):
        """The constructor's argument names, sorted."""
        signature = inspect.signature(cls.__init__)
        return sorted(
            name for name, parameter in signature.parameters.items()
            if name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL,
                                                         parameter.VAR_KEYWORD)
        )

    def _check_params(self):
        """Raise a TypeError or ValueError naming a parameter that is wrong."""

    def get_params(self, deep=True):
        """Parameters of this object, as scikit-learn's ``get_params``.

        Parameters
        ----------
        deep : bool, default=True
            Also list the parameters of a parameter that has them, as
            ``<name>__<its parameter>``.

        Returns
        -------
        dict
        """
        params = {}
        for name in self._param_names():
            value = getattr(self, name)
            params[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update((f"{name}__{key}", sub_value)
                              for key, sub_value in value.get_params().items())
        return params

    def set_params(self, **params):
        """Set parameters, as scikit-learn's ``set_params``; nested ones are
        ``<name>__<its parameter>``.

        Parameters
        ----------
        **params
            New values by name.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If a name is not a parameter of this object, or a value is
            refused (TypeError for a value of the wrong type); the object is
            then left as it was.
        """
        valid = self._param_names()
        own, nested = {}, {}
        for key, value in params.items():
            name, delimiter, sub_key = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; valid "
                    f"parameters are {valid}."
                )
            if delimiter:
                nested.setdefault(name, {})[sub_key] = value
            else:
                own[name] = value
        saved = dict(vars(self))
        try:
            for name, value in own.items():
                setattr(self, name, value)
            for name, sub_params in nested.items():
                inner = getattr(self, name)
                if not hasattr(inner, "set_params"):
                    raise ValueError(
                        f"{type(self).__name__}.{name} is {inner!r}, which has no "
                        f"parameters to set (got {sorted(sub_params)})."
                    )
                inner.set_params(**sub_params)
            self._check_params()
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            raise
        return self

    def __repr__(self):
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(type(self).__init__).parameters.items()
        }
        shown = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or not _same(value, default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(value, default):
    """Whether ``value`` is the default ``default`` (numbers by value)."""
    if value is default:
        return True
    if isinstance(value, str) and isinstance(default, str):
        return value == default
    both_numbers = all(isinstance(v, numbers.Number) and not isinstance(v, bool)
                       for v in (value, default))
    return both_numbers and value == default


def check_number(owner, name, value, *, minimum=None, maximum=None,
                 include_minimum=True, include_maximum=True, none_ok=False):
    """Refuse ``value`` unless it is a finite real number in the given range
    (or None where ``none_ok``).

    Parameters
    ----------
    owner : str
        The class whose parameter it is, for the message.
    name : str
        The parameter's name.
    value : object
    minimum, maximum : float, default=None
        Bounds of the range (None: unbounded).
    include_minimum, include_maximum : bool, default=True
        Whether the bounds themselves are allowed.
    none_ok : bool, default=False
        Whether None is allowed.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (a bool is not one).
    ValueError
        If it is not finite or lies outside the range.
    """
    if value is None and none_ok:
        return
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        expected = "a real number" + (" or None" if none_ok else "")
        raise TypeError(f"{owner}: {name} must be {expected}; got {value!r}.")
    too_low = minimum is not None and (
        value < minimum if include_minimum else value <= minimum)
    too_high = maximum is not None and (
        value > maximum if include_maximum else value >= maximum)
    if not math.isfinite(value) or too_low or too_high:
        low = "(-inf" if minimum is None else ("[" if include_minimum else "(") + f"{minimum}"
        high = "inf)" if maximum is None else f"{maximum}" + ("]" if include_maximum else ")")
        raise ValueError(f"{owner}: {name} must be a finite number in {low}, {high}; "
                         f"got {value!r}.")


def check_flag(owner, name, value):
    """Refuse ``value`` unless it is a bool.

    Raises
    ------
    TypeError
        Naming ``owner``'s parameter ``name``.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False; got {value!r}.")
