"""Learning-rate schedules: the learning rate as a function of the
optimizer's step, with Keras 3's names, arguments, defaults and formulas.

A schedule is given as the ``learning_rate`` of an optimizer
(``Adam(learning_rate=ExponentialDecay(0.01, 1000, 0.5))``) or of an
estimator (``MLPClassifier(learning_rate=CosineDecay(0.01, 5000))``). The
step is the optimizer's ``iterations``: the number of mini-batch steps
taken before the one the rate is for, counted from 0, as in Keras. It is
not an epoch count: an epoch of ``n`` rows in batches of ``b`` is
``ceil(n / b)`` steps.

Each schedule evaluates Keras's formula in float64 (Keras evaluates it in
the dtype of ``initial_learning_rate``, float32 for a Python float), on a
step or on an array of steps; it clones with ``sklearn.base.clone``, its
parameters can be searched (``solver__learning_rate__decay_steps``) and it
pickles. Arguments are checked when the schedule is made and when
``set_params`` changes them.

This module knows nothing of scikit-learn.
"""

import math

import numpy as np

from ._params import HyperParameters, check_flag, check_number

__all__ = [
    "LearningRateSchedule",
    "ExponentialDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "InverseTimeDecay",
    "CosineDecay",
    "CosineDecayRestarts",
]


class LearningRateSchedule(HyperParameters):
    """Base class of the learning-rate schedules.

    A subclass stores each constructor argument as the attribute of the same
    name, checks them in ``_check_params`` (called by its constructor and by
    :meth:`set_params`), and computes the rate in ``_rate(step)`` from an
    array of steps as floats; :meth:`__call__` does the rest.

    Examples
    --------
    >>> from skdl.schedules import LearningRateSchedule
    >>> class Halving(LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate=0.1, every=100):
    ...         self.initial_learning_rate = initial_learning_rate
    ...         self.every = every
    ...     def _rate(self, step):
    ...         return self.initial_learning_rate * 0.5 ** (step // self.every)
    >>> Halving()(250)
    0.025
    """

    def __call__(self, step):
        """The learning rate at ``step``.

        Parameters
        ----------
        step : int or array-like of int
            Optimizer steps taken so far (``iterations``), from 0.

        Returns
        -------
        float or ndarray of float64
            A float for one step, an array of the steps' shape for several.

        Raises
        ------
        ValueError
            If a step is negative.
        """
        steps = np.asarray(step, dtype=np.float64)
        if np.any(steps < 0):
            raise ValueError(f"{type(self).__name__}: steps count from 0; got {step!r}.")
        rate = np.asarray(self._rate(steps), dtype=np.float64)
        return float(rate) if rate.ndim == 0 else rate

    def _rate(self, step):
        """The rate at the float64 array of steps ``step``."""
        raise NotImplementedError(
            f"{type(self).__name__} must define _rate(step), the learning rate at an "
            "array of steps."
        )


def _check_rate(owner, name, value, none_ok=False):
    """A learning rate: a finite number >= 0."""
    check_number(owner, name, value, minimum=0.0, none_ok=none_ok)


def _check_steps(owner, name, value):
    """A number of steps: a finite number > 0."""
    check_number(owner, name, value, minimum=0.0, include_minimum=False)


def _check_name(owner, name):
    if not isinstance(name, str):
        raise TypeError(f"{owner}: name must be a string; got {name!r}.")


class ExponentialDecay(LearningRateSchedule):
    """Exponential decay, as Keras's ``ExponentialDecay``.

    ``initial_learning_rate * decay_rate ** (step / decay_steps)``; with
    ``staircase``, the exponent is ``floor(step / decay_steps)``, so the
    rate drops by ``decay_rate`` every ``decay_steps`` steps.

    Parameters
    ----------
    initial_learning_rate : float
        Rate at step 0 (>= 0).
    decay_steps : float
        Steps over which the rate is multiplied by ``decay_rate`` (> 0).
    decay_rate : float
        Factor per ``decay_steps`` (> 0).
    staircase : bool, default=False
        Decay in whole periods of ``decay_steps``.
    name : str, default="ExponentialDecay"
        Keras's name of the schedule; unused in the computation.

    Examples
    --------
    >>> from skdl.schedules import ExponentialDecay
    >>> schedule = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5, staircase=True)
    >>> schedule(99), schedule(100), schedule(250)
    (0.1, 0.05, 0.025)
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        self._check_params()

    def _check_params(self):
        owner = type(self).__name__
        _check_rate(owner, "initial_learning_rate", self.initial_learning_rate)
        _check_steps(owner, "decay_steps", self.decay_steps)
        check_number(owner, "decay_rate", self.decay_rate, minimum=0.0,
                     include_minimum=False)
        check_flag(owner, "staircase", self.staircase)
        _check_name(owner, self.name)

    def _rate(self, step):
        exponent = step / self.decay_steps
        if self.staircase:
            exponent = np.floor(exponent)
        return self.initial_learning_rate * np.power(float(self.decay_rate), exponent)


class PiecewiseConstantDecay(LearningRateSchedule):
    """A rate constant between step boundaries, as Keras's
    ``PiecewiseConstantDecay``.

    ``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` after
    the last boundary.

    Parameters
    ----------
    boundaries : list of float
        Strictly increasing steps.
    values : list of float
        The rates (>= 0), one more than ``boundaries``.
    name : str, default="PiecewiseConstant"
        Keras's name of the schedule; unused in the computation.

    Examples
    --------
    >>> from skdl.schedules import PiecewiseConstantDecay
    >>> schedule = PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001])
    >>> schedule(100), schedule(101), schedule(201)
    (0.1, 0.01, 0.001)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        self.boundaries = boundaries
        self.values = values
        self.name = name
        self._check_params()

    def _check_params(self):
        owner = type(self).__name__
        for what in ("boundaries", "values"):
            sequence = getattr(self, what)
            if isinstance(sequence, (str, bytes)) or not hasattr(sequence, "__len__"):
                raise TypeError(f"{owner}: {what} must be a list of numbers; got "
                                f"{sequence!r}.")
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(
                f"{owner}: values must have one entry more than boundaries (one rate "
                f"before, between and after them); got {len(self.boundaries)} boundaries "
                f"and {len(self.values)} values."
            )
        for i, boundary in enumerate(self.boundaries):
            check_number(owner, f"boundaries[{i}]", boundary)
        if any(b <= a for a, b in zip(self.boundaries, self.boundaries[1:])):
            raise ValueError(f"{owner}: boundaries must increase strictly; got "
                             f"{list(self.boundaries)}.")
        for i, value in enumerate(self.values):
            _check_rate(owner, f"values[{i}]", value)
        _check_name(owner, self.name)

    def _rate(self, step):
        # the number of boundaries strictly below the step picks its value
        index = np.searchsorted(np.asarray(self.boundaries, dtype=np.float64), step,
                                side="left")
        return np.asarray(self.values, dtype=np.float64)[index]


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay to an end rate, as Keras's ``PolynomialDecay``.

    ``(initial_learning_rate - end_learning_rate) * (1 - s / decay_steps) **
    power + end_learning_rate`` with ``s = min(step, decay_steps)``; with
    ``cycle``, ``s = step`` and ``decay_steps`` is stretched to its first
    multiple at or above ``step`` (itself at step 0).

    Parameters
    ----------
    initial_learning_rate : float
        Rate at step 0 (>= 0).
    decay_steps : float
        Steps to reach ``end_learning_rate`` (> 0).
    end_learning_rate : float, default=0.0001
        Rate after ``decay_steps`` (>= 0).
    power : float, default=1.0
        Power of the polynomial (>= 0): 1 is a straight line.
    cycle : bool, default=False
        Start again from a rate that is lower each cycle instead of staying
        at ``end_learning_rate``.
    name : str, default="PolynomialDecay"
        Keras's name of the schedule; unused in the computation.

    Examples
    --------
    >>> from skdl.schedules import PolynomialDecay
    >>> schedule = PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.0)
    >>> schedule(50), schedule(150)
    (0.05, 0.0)
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        self._check_params()

    def _check_params(self):
        owner = type(self).__name__
        _check_rate(owner, "initial_learning_rate", self.initial_learning_rate)
        _check_steps(owner, "decay_steps", self.decay_steps)
        _check_rate(owner, "end_learning_rate", self.end_learning_rate)
        check_number(owner, "power", self.power, minimum=0.0)
        check_flag(owner, "cycle", self.cycle)
        _check_name(owner, self.name)

    def _rate(self, step):
        if self.cycle:
            multiplier = np.where(step == 0, 1.0, np.ceil(step / self.decay_steps))
            decay_steps = self.decay_steps * multiplier
        else:
            decay_steps = self.decay_steps
            step = np.minimum(step, decay_steps)
        fraction = step / decay_steps
        return ((self.initial_learning_rate - self.end_learning_rate)
                * np.power(1.0 - fraction, self.power) + self.end_learning_rate)


class InverseTimeDecay(LearningRateSchedule):
    """Inverse-time decay, as Keras's ``InverseTimeDecay``.

    ``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; with
    ``staircase``, ``step / decay_steps`` is floored.

    Parameters
    ----------
    initial_learning_rate : float
        Rate at step 0 (>= 0).
    decay_steps : float
        Steps per unit of decay (> 0).
    decay_rate : float
        Growth of the denominator per ``decay_steps`` (>= 0).
    staircase : bool, default=False
        Decay in whole periods of ``decay_steps``.
    name : str, default="InverseTimeDecay"
        Keras's name of the schedule; unused in the computation.

    Examples
    --------
    >>> from skdl.schedules import InverseTimeDecay
    >>> InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0)(30)
    0.025
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        self._check_params()

    def _check_params(self):
        owner = type(self).__name__
        _check_rate(owner, "initial_learning_rate", self.initial_learning_rate)
        _check_steps(owner, "decay_steps", self.decay_steps)
        check_number(owner, "decay_rate", self.decay_rate, minimum=0.0)
        check_flag(owner, "staircase", self.staircase)
        _check_name(owner, self.name)

    def _rate(self, step):
        periods = step / self.decay_steps
        if self.staircase:
            periods = np.floor(periods)
        return self.initial_learning_rate / (1.0 + self.decay_rate * periods)


def _cosine_factor(fraction, alpha):
    """``(1 - alpha) * (1 + cos(pi * fraction)) / 2 + alpha``: from 1 at
    fraction 0 down to ``alpha`` at fraction 1."""
    return (1.0 - alpha) * 0.5 * (1.0 + np.cos(math.pi * fraction)) + alpha


class CosineDecay(LearningRateSchedule):
    """Cosine decay with an optional linear warm-up, as Keras's
    ``CosineDecay``.

    Without ``warmup_target``: ``initial_learning_rate * ((1 - alpha) * (1 +
    cos(pi * s / decay_steps)) / 2 + alpha)`` with ``s = min(step,
    decay_steps)``. With it, the rate first climbs in a straight line from
    ``initial_learning_rate`` at step 0 towards ``warmup_target``, reached
    at step ``warmup_steps``, then decays as above from ``warmup_target``
    over the next ``decay_steps`` steps, and stays at ``alpha *
    warmup_target``.

    Parameters
    ----------
    initial_learning_rate : float
        Rate at step 0 (>= 0).
    decay_steps : float
        Steps of the cosine decay (> 0).
    alpha : float, default=0.0
        Final rate as a fraction of the rate the decay starts from, in
        [0, 1].
    name : str, default="CosineDecay"
        Keras's name of the schedule; unused in the computation.
    warmup_target : float or None, default=None
        Rate at the end of the warm-up (>= 0); None: no warm-up.
    warmup_steps : float, default=0
        Steps of the warm-up (>= 0).

    Examples
    --------
    >>> from skdl.schedules import CosineDecay
    >>> schedule = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
    >>> schedule(5), schedule(10), round(schedule(60), 6), schedule(200)
    (0.05, 0.1, 0.05, 0.0)
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps
        self._check_params()

    def _check_params(self):
        owner = type(self).__name__
        _check_rate(owner, "initial_learning_rate", self.initial_learning_rate)
        _check_steps(owner, "decay_steps", self.decay_steps)
        check_number(owner, "alpha", self.alpha, minimum=0.0, maximum=1.0)
        _check_name(owner, self.name)
        _check_rate(owner, "warmup_target", self.warmup_target, none_ok=True)
        check_number(owner, "warmup_steps", self.warmup_steps, minimum=0.0)

    def _rate(self, step):
        if self.warmup_target is None:
            fraction = np.minimum(step, self.decay_steps) / self.decay_steps
            return self.initial_learning_rate * _cosine_factor(fraction, self.alpha)
        step = np.minimum(step, self.decay_steps + self.warmup_steps)
        # with no warm-up steps, no step is in the warm-up: divide by 1
        climbed = step / max(self.warmup_steps, 1)
        warming = (self.warmup_target - self.initial_learning_rate) * climbed \
            + self.initial_learning_rate
        decaying = self.warmup_target * _cosine_factor(
            (step - self.warmup_steps) / self.decay_steps, self.alpha)
        return np.where(step < self.warmup_steps, warming, decaying)


def _periods_length(count, t_mul):
    """Length of the first ``count`` periods of :class:`CosineDecayRestarts`,
    in first periods: ``1 + t_mul + ... + t_mul ** (count - 1)``."""
    return (1.0 - t_mul ** count) / (1.0 - t_mul)


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR), as Keras's
    ``CosineDecayRestarts``.

    The rate decays as :class:`CosineDecay`'s from ``initial_learning_rate``
    to ``alpha * initial_learning_rate`` over ``first_decay_steps`` steps,
    then restarts: period ``i`` (from 0) lasts ``first_decay_steps * t_mul
    ** i`` steps and starts from ``initial_learning_rate * m_mul ** i``.
    Keras finds the period of a step with a logarithm, whose rounding can
    put the first step of a period in the one before; here that step
    starts its period, as the formula means.

    Parameters
    ----------
    initial_learning_rate : float
        Rate at step 0 (>= 0).
    first_decay_steps : float
        Steps of the first period (> 0).
    t_mul : float, default=2.0
        Factor on the length of each period over the last (>= 1; Keras's
        formula has no value for steps past the end of periods that shrink).
    m_mul : float, default=1.0
        Factor on the starting rate of each period over the last (>= 0).
    alpha : float, default=0.0
        Lowest rate as a fraction of ``initial_learning_rate``, in [0, 1].
    name : str, default="SGDRDecay"
        Keras's name of the schedule; unused in the computation.

    Examples
    --------
    >>> from skdl.schedules import CosineDecayRestarts
    >>> schedule = CosineDecayRestarts(0.1, first_decay_steps=10, m_mul=0.5)
    >>> schedule(0), round(schedule(5), 6), schedule(10), schedule(30)
    (0.1, 0.05, 0.05, 0.025)
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name
        self._check_params()

    def _check_params(self):
        owner = type(self).__name__
        _check_rate(owner, "initial_learning_rate", self.initial_learning_rate)
        _check_steps(owner, "first_decay_steps", self.first_decay_steps)
        check_number(owner, "t_mul", self.t_mul, minimum=1.0)
        check_number(owner, "m_mul", self.m_mul, minimum=0.0)
        check_number(owner, "alpha", self.alpha, minimum=0.0, maximum=1.0)
        _check_name(owner, self.name)

    def _rate(self, step):
        fraction = step / self.first_decay_steps
        t_mul = float(self.t_mul)
        if t_mul == 1.0:
            restarts = np.floor(fraction)
            fraction = fraction - restarts
        else:
            restarts = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            # the logarithm's rounding can put a step that starts a period
            # in the period before (t_mul=3, first_decay_steps=1: step 121):
            # settle it against the periods' starts, in periods of one
            restarts -= fraction < _periods_length(restarts, t_mul)
            restarts += fraction >= _periods_length(restarts + 1, t_mul)
            fraction = (fraction - _periods_length(restarts, t_mul)) / t_mul ** restarts
        return self.initial_learning_rate * (
            (1.0 - self.alpha) * 0.5 * float(self.m_mul) ** restarts
            * (1.0 + np.cos(math.pi * fraction)) + self.alpha)
