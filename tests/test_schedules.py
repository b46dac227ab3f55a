"""skdl.schedules: each schedule against Keras's formula written out here,
at chosen steps (boundaries and staircases included), on one step and on
arrays of steps; the refusal of bad arguments; clone, nested parameters
and pickling."""

import copy
import doctest
import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone

from skdl import schedules
from skdl.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

STEPS = [0, 1, 9, 10, 11, 49, 50, 51, 99, 100, 101, 250, 1000]


def _cosine(fraction, alpha):
    return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha


def _keras_exponential(step, initial, decay_steps, rate, staircase):
    p = step / decay_steps
    return initial * rate ** (math.floor(p) if staircase else p)


def _keras_piecewise(step, boundaries, values):
    if step <= boundaries[0]:
        return values[0]
    for low, high, value in zip(boundaries, boundaries[1:], values[1:]):
        if low < step <= high:
            return value
    return values[-1]


def _keras_polynomial(step, initial, decay_steps, end, power, cycle):
    if cycle:
        decay_steps = decay_steps * (1 if step == 0 else math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    return (initial - end) * (1 - step / decay_steps) ** power + end


def _keras_inverse_time(step, initial, decay_steps, rate, staircase):
    p = step / decay_steps
    return initial / (1 + rate * (math.floor(p) if staircase else p))


def _keras_cosine(step, initial, decay_steps, alpha, warmup_target, warmup_steps):
    if warmup_target is None:
        return initial * _cosine(min(step, decay_steps) / decay_steps, alpha)
    step = min(step, decay_steps + warmup_steps)
    if step < warmup_steps:
        return (warmup_target - initial) * step / warmup_steps + initial
    return warmup_target * _cosine((step - warmup_steps) / decay_steps, alpha)


def _restart_periods(step, first, t_mul):
    """The period of ``step`` and its fraction done, by walking the periods
    (the meaning of Keras's closed form)."""
    start, length, period = 0.0, float(first), 0
    while step >= start + length:
        start += length
        length *= t_mul
        period += 1
    return period, (step - start) / length


def _keras_restarts(step, initial, first, t_mul, m_mul, alpha):
    period, fraction = _restart_periods(step, first, t_mul)
    return initial * ((1 - alpha) * 0.5 * m_mul**period * (1 + math.cos(math.pi * fraction))
                      + alpha)


CASES = [
    (ExponentialDecay(0.1, 10, 0.5), lambda s: _keras_exponential(s, 0.1, 10, 0.5, False)),
    (ExponentialDecay(0.1, 10, 0.5, staircase=True),
     lambda s: _keras_exponential(s, 0.1, 10, 0.5, True)),
    (PiecewiseConstantDecay([10, 50, 100], [0.1, 0.05, 0.01, 0.001]),
     lambda s: _keras_piecewise(s, [10, 50, 100], [0.1, 0.05, 0.01, 0.001])),
    (PolynomialDecay(0.1, 100), lambda s: _keras_polynomial(s, 0.1, 100, 1e-4, 1.0, False)),
    (PolynomialDecay(0.1, 50, end_learning_rate=0.01, power=2.0, cycle=True),
     lambda s: _keras_polynomial(s, 0.1, 50, 0.01, 2.0, True)),
    (InverseTimeDecay(0.1, 10, 0.5), lambda s: _keras_inverse_time(s, 0.1, 10, 0.5, False)),
    (InverseTimeDecay(0.1, 10, 0.5, staircase=True),
     lambda s: _keras_inverse_time(s, 0.1, 10, 0.5, True)),
    (CosineDecay(0.1, 100, alpha=0.2),
     lambda s: _keras_cosine(s, 0.1, 100, 0.2, None, 0)),
    (CosineDecay(0.0, 100, warmup_target=0.2, warmup_steps=50),
     lambda s: _keras_cosine(s, 0.0, 100, 0.0, 0.2, 50)),
    (CosineDecay(0.05, 100, alpha=0.1, warmup_target=0.2, warmup_steps=0),
     lambda s: _keras_cosine(s, 0.05, 100, 0.1, 0.2, 0)),
    (CosineDecayRestarts(0.1, 10), lambda s: _keras_restarts(s, 0.1, 10, 2.0, 1.0, 0.0)),
    (CosineDecayRestarts(0.1, 10, t_mul=1.0, m_mul=0.5, alpha=0.1),
     lambda s: _keras_restarts(s, 0.1, 10, 1.0, 0.5, 0.1)),
    (CosineDecayRestarts(0.1, 1, t_mul=3.0, m_mul=0.9),
     lambda s: _keras_restarts(s, 0.1, 1, 3.0, 0.9, 0.0)),
]
IDS = [f"{type(schedule).__name__}-{i}" for i, (schedule, _) in enumerate(CASES)]


@pytest.mark.parametrize("schedule, formula", CASES, ids=IDS)
def test_schedule_is_keras_formula(schedule, formula):
    # restarts of t_mul=3 from 1 step begin at 1, 4, 13, 40, 121, 364
    steps = STEPS + [4, 13, 40, 121, 364]
    for step in steps:
        got = schedule(step)
        assert isinstance(got, float)
        assert got == pytest.approx(formula(step), rel=1e-12, abs=1e-15), step
    # an array of steps gives each step's rate
    assert_allclose(schedule(np.array(steps)), [formula(s) for s in steps],
                    rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "schedule, expected",
    [
        # the rate drops at the boundary's next step, not at the boundary
        (PiecewiseConstantDecay([10, 20], [3.0, 2.0, 1.0]),
         {0: 3.0, 10: 3.0, 11: 2.0, 20: 2.0, 21: 1.0}),
        (ExponentialDecay(1.0, 10, 0.5, staircase=True), {9: 1.0, 10: 0.5, 19: 0.5, 20: 0.25}),
        (InverseTimeDecay(1.0, 10, 1.0, staircase=True), {9: 1.0, 10: 0.5, 20: 1 / 3}),
        # the warm-up ends exactly at its target, and the decay settles at alpha
        (CosineDecay(0.0, 10, alpha=0.25, warmup_target=1.0, warmup_steps=4),
         {0: 0.0, 2: 0.5, 4: 1.0, 9: 0.625, 14: 0.25, 1000: 0.25}),
        (PolynomialDecay(1.0, 10, end_learning_rate=0.0), {5: 0.5, 10: 0.0, 30: 0.0}),
        # cycle: a new, lower start at each multiple of decay_steps
        (PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True),
         {0: 1.0, 10: 0.0, 11: 0.45, 20: 0.0}),
        # periods of 10, 20, 40: restarts at 10 and 30, each at m_mul times the last
        (CosineDecayRestarts(1.0, 10, m_mul=0.5), {0: 1.0, 10: 0.5, 20: 0.25, 30: 0.25,
                                                   50: 0.125}),
    ],
    ids=["piecewise", "exponential", "inverse-time", "cosine-warmup", "polynomial",
         "polynomial-cycle", "restarts"],
)
def test_schedule_at_boundaries(schedule, expected):
    for step, rate in expected.items():
        assert schedule(step) == pytest.approx(rate, rel=1e-12, abs=1e-15), step


def test_restarts_settle_a_period_start_the_logarithm_rounds_away():
    # log(1 + 2 * 121) / log(3) rounds to just below 5 in float64: Keras's
    # closed form puts step 121 at the end of period 4 instead of the start of 5
    schedule = CosineDecayRestarts(1.0, 1, t_mul=3.0, m_mul=0.5)
    assert math.floor(math.log(1 + 2 * 121) / math.log(3)) == 4
    assert schedule(121) == pytest.approx(0.5**5, rel=1e-12)
    assert schedule(120) < 1e-3


@pytest.mark.parametrize("schedule", [schedule for schedule, _ in CASES], ids=IDS)
def test_schedule_clones_and_pickles(schedule):
    twin = clone(schedule)
    assert twin is not schedule and type(twin) is type(schedule)
    assert twin.get_params() == schedule.get_params()
    for copied in (pickle.loads(pickle.dumps(schedule)), copy.deepcopy(schedule)):
        assert copied.get_params() == schedule.get_params()
        assert_allclose(copied(np.arange(300)), schedule(np.arange(300)), rtol=0)


def test_get_params_follow_the_constructor_and_set_params_sets_them():
    schedule = CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10)
    assert schedule.get_params() == {
        "initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.0,
        "name": "CosineDecay", "warmup_target": 0.2, "warmup_steps": 10,
    }
    assert schedule.set_params(decay_steps=50, alpha=0.5) is schedule
    assert schedule(60) == pytest.approx(0.1)  # 0.2 decayed to alpha * 0.2
    assert repr(schedule) == (
        "CosineDecay(alpha=0.5, decay_steps=50, initial_learning_rate=0.1, "
        "warmup_steps=10, warmup_target=0.2)"
    )


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: ExponentialDecay(0.1, 0, 0.5), ValueError, r"decay_steps must be .* \(0"),
        (lambda: ExponentialDecay(0.1, 10, -0.5), ValueError, "decay_rate"),
        (lambda: ExponentialDecay(-0.1, 10, 0.5), ValueError, "initial_learning_rate"),
        (lambda: ExponentialDecay("0.1", 10, 0.5), TypeError, "initial_learning_rate"),
        (lambda: ExponentialDecay(0.1, 10, 0.5, staircase=1), TypeError, "staircase"),
        (lambda: ExponentialDecay(np.inf, 10, 0.5), ValueError, "finite"),
        (lambda: PiecewiseConstantDecay([10, 20], [0.1, 0.01]), ValueError,
         "one entry more than boundaries"),
        (lambda: PiecewiseConstantDecay([20, 10], [0.1, 0.01, 0.001]), ValueError,
         "increase strictly"),
        (lambda: PiecewiseConstantDecay([10], [0.1, -0.01]), ValueError, r"values\[1\]"),
        (lambda: PiecewiseConstantDecay(10, [0.1, 0.01]), TypeError, "list of numbers"),
        (lambda: PolynomialDecay(0.1, 100, power=-1.0), ValueError, "power"),
        (lambda: PolynomialDecay(0.1, -5), ValueError, "decay_steps"),
        (lambda: InverseTimeDecay(0.1, 10, -1.0), ValueError, "decay_rate"),
        (lambda: CosineDecay(0.1, 100, alpha=1.5), ValueError, "alpha"),
        (lambda: CosineDecay(0.1, 100, warmup_target=-1.0), ValueError, "warmup_target"),
        (lambda: CosineDecay(0.1, 100, warmup_steps=-1), ValueError, "warmup_steps"),
        (lambda: CosineDecay(0.1, 100, name=3), TypeError, "name"),
        (lambda: CosineDecayRestarts(0.1, 0), ValueError, "first_decay_steps"),
        (lambda: CosineDecayRestarts(0.1, 10, t_mul=0.5), ValueError, "t_mul"),
        (lambda: CosineDecayRestarts(0.1, 10, m_mul=-1.0), ValueError, "m_mul"),
    ],
)
def test_bad_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_set_params_refuses_bad_values_and_leaves_the_schedule_as_it_was():
    schedule = ExponentialDecay(0.1, 10, 0.5)
    with pytest.raises(ValueError, match="decay_steps"):
        schedule.set_params(decay_rate=0.9, decay_steps=0)
    assert schedule.get_params()["decay_rate"] == 0.5
    assert schedule.get_params()["decay_steps"] == 10
    with pytest.raises(ValueError, match="Invalid parameter 'rate'"):
        schedule.set_params(rate=0.9)


def test_negative_steps_are_refused():
    with pytest.raises(ValueError, match="steps count from 0"):
        ExponentialDecay(0.1, 10, 0.5)(-1)


def test_a_schedule_of_ones_own_needs_only_its_rate():
    class Halving(LearningRateSchedule):
        def __init__(self, initial_learning_rate=1.0):
            self.initial_learning_rate = initial_learning_rate

        def _rate(self, step):
            return self.initial_learning_rate * 0.5 ** (step // 10)

    assert Halving()(25) == 0.25
    assert clone(Halving(2.0)).get_params() == {"initial_learning_rate": 2.0}

    class Unfinished(LearningRateSchedule):
        pass

    with pytest.raises(NotImplementedError, match="must define _rate"):
        Unfinished()(0)


def test_docstring_examples_run():
    failures, tried = doctest.testmod(schedules, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
