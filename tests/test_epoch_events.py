"""The events of a training call: the Keras-style logs built from the
estimator's attributes (the contract between the parts of issue 24: the
validation loss and score read from validation_loss_curve_ and
validation_scores_, the learning rate from optimizer_)."""

import pytest

from skdl._epoch_events import EpochEvents
from skdl._sklearn_callbacks import FitTasks
from skdl.callbacks import Callback, CallbackList, TrainingModel


class _Logs(Callback):
    def on_train_begin(self, logs=None):
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append((epoch, dict(logs)))


class _Optimizer:
    current_learning_rate = 0.25


class _Estimator:
    """The attributes an estimator in training shows its events."""

    def __init__(self, **curves):
        self.n_iter_ = 0
        self.history_ = []
        vars(self).update(curves)

    def _snapshot_attributes(self, network):
        return {}

    def _record_epoch(self, elapsed):
        record = {"epoch": self.n_iter_, "loss": self.loss_}
        self.history_.append(record)
        return record


def _train(estimator, epochs):
    """Run ``epochs``, each a dict of the attributes it sets and the
    validation values it appends; return the logs the callbacks got."""
    callback = _Logs()
    events = EpochEvents(estimator, None, FitTasks(estimator, len(epochs)),
                         CallbackList([callback], TrainingModel(estimator, None)))
    events.train_begin()
    for epoch in epochs:
        events.epoch_begin()
        estimator.n_iter_ += 1
        estimator.loss_ = epoch["loss"]
        for name in ("validation_loss_curve_", "validation_scores_"):
            if name in epoch:
                getattr(estimator, name).append(epoch[name])
        events.epoch_end()
    events.train_end()
    return callback.logs


def test_logs_hold_the_loss_and_the_validation_values_of_each_epoch():
    estimator = _Estimator(validation_loss_curve_=[], validation_scores_=[])
    logs = _train(estimator, [
        {"loss": 0.5, "validation_loss_curve_": 0.6, "validation_scores_": 0.7},
        {"loss": 0.4, "validation_loss_curve_": 0.55, "validation_scores_": 0.75},
    ])
    assert logs == [(0, {"loss": 0.5, "val_loss": 0.6, "val_score": 0.7}),
                    (1, {"loss": 0.4, "val_loss": 0.55, "val_score": 0.75})]
    assert estimator.history_ == [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.4}]


def test_logs_never_report_a_validation_value_of_an_earlier_call():
    # a warm start keeps the curves of the call before; this call records no
    # score (no stopping rule), then a loss only from its second epoch
    estimator = _Estimator(validation_loss_curve_=[0.9], validation_scores_=[0.1, 0.2])
    logs = _train(estimator, [{"loss": 0.5}, {"loss": 0.4, "validation_loss_curve_": 0.3}])
    assert logs == [(0, {"loss": 0.5}), (1, {"loss": 0.4})]


@pytest.mark.parametrize("curve", [None, []])
def test_logs_leave_out_a_curve_the_estimator_does_not_keep(curve):
    estimator = _Estimator(validation_scores_=curve)
    estimator.optimizer_ = _Optimizer()
    logs = _train(estimator, [{"loss": 0.5}])
    assert logs == [(0, {"loss": 0.5, "learning_rate": 0.25})]
