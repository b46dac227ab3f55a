"""skdl._training's rules for the learning rate between epochs
(scikit-learn's "invscaling" and "adaptive"), against scikit-learn's own
SGD optimizer, and which solvers train in mini-batches. The loop itself is
tested through the estimators (tests/test_base.py)."""

import math

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

from skdl._training import EpochRateRule, is_stochastic
from skdl.optimizers import SGD, AdamW


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
@pytest.mark.parametrize("samples_seen", [0, 1, 10, 12345])
def test_invscaling_sets_scikit_learns_rate(power_t, samples_seen):
    optimizer = SGD(learning_rate=0.2)
    rule = EpochRateRule("invscaling", 0.2, power_t)
    reference = SGDOptimizer([np.zeros(3)], learning_rate_init=0.2, lr_schedule="invscaling",
                             power_t=power_t)
    for _ in range(2):  # the rule starts from the initial rate, it does not compound
        rule.epoch_ends(optimizer, samples_seen)
        reference.iteration_ends(samples_seen)
        assert optimizer.learning_rate == reference.learning_rate
        assert optimizer.learning_rate == pytest.approx(
            0.2 / (samples_seen + 1) ** power_t, rel=1e-14)


@pytest.mark.parametrize("kind", ["constant", "adaptive"])
def test_other_rules_keep_the_rate_at_epoch_ends(kind):
    optimizer = SGD(learning_rate=0.3)
    EpochRateRule(kind, 0.3).epoch_ends(optimizer, 1000)
    assert optimizer.learning_rate == 0.3


@pytest.mark.parametrize("initial", [0.1, 1e-3, 2e-6, 1e-6])
def test_adaptive_divides_by_five_then_stops_as_scikit_learn(initial, capsys):
    optimizer = SGD(learning_rate=initial)
    rule = EpochRateRule("adaptive", initial)
    reference = SGDOptimizer([np.zeros(3)], learning_rate_init=initial,
                             lr_schedule="adaptive")
    divisions = max(0, math.ceil(math.log(initial / 1e-6, 5) - 1e-12))
    rates = []
    for _ in range(divisions):
        assert rule.stops(optimizer, "No improvement.", verbose=True) is False
        rates.append(optimizer.learning_rate)
    assert rule.stops(optimizer, "No improvement.", verbose=True) is True
    ours = capsys.readouterr().out
    np.testing.assert_allclose(rates, [initial / 5**k for k in range(1, divisions + 1)],
                               rtol=1e-12)
    # stopping leaves the rate alone, and keeps saying stop
    final = optimizer.learning_rate
    assert rule.stops(optimizer, "again", verbose=False) is True
    assert optimizer.learning_rate == final
    # the same decisions and messages as scikit-learn's
    for _ in range(divisions):
        assert reference.trigger_stopping("No improvement.", verbose=True) is False
    assert reference.trigger_stopping("No improvement.", verbose=True) is True
    assert reference.learning_rate == pytest.approx(final, rel=1e-12)
    assert ours == capsys.readouterr().out


@pytest.mark.parametrize("kind", ["constant", "invscaling"])
def test_other_rules_stop_at_once(kind, capsys):
    optimizer = SGD(learning_rate=0.1)
    rule = EpochRateRule(kind, 0.1)
    assert rule.stops(optimizer, "Converged.", verbose=True) is True
    assert optimizer.learning_rate == 0.1
    assert capsys.readouterr().out == "Converged. Stopping.\n"
    assert rule.stops(optimizer, "Converged.", verbose=False) is True
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("solver, expected", [
    ("sgd", True), ("adam", True), ("adamw", True), ("rmsprop", True), ("nadam", True),
    ("lbfgs", False), ("perceptron", False), (AdamW(), True), (None, False),
])
def test_is_stochastic(solver, expected):
    assert is_stochastic(solver) is expected
