"""The moments of one training call (its start, each epoch's start and
end, its end) as the estimator's callbacks see them.

One :class:`EpochEvents` per call tells both kinds of callback: the
scikit-learn callbacks registered with ``set_callbacks`` (through
:class:`~skdl._sklearn_callbacks.FitTasks`, each epoch a sub-task that ends
with a copy of the model's weights), and skdl's own ``callbacks``
parameter (through a :class:`~skdl.callbacks.CallbackList`, with the
epoch's ``history_`` record and Keras-style logs). The training loops call
it; they know nothing of either kind.
"""

import time

VALIDATION_LOGS = {"val_loss": "validation_loss_curve_", "val_score": "validation_scores_"}
"""Each validation value of the logs, and the estimator's curve it is read from."""


class EpochEvents:
    """The events of one training call.

    Parameters
    ----------
    estimator : estimator
        The estimator that trains. It has ``_snapshot_attributes(network)``,
        the fitted attributes that make a copy of it predict as ``network``
        does now (copies of the weights), and counts the epochs run in this
        call in ``n_iter_``; with ``callbacks`` it also has ``loss_`` and
        ``_record_epoch(elapsed)``, which appends the epoch's record to
        ``history_`` and returns it.
    network : skdl.network.Network
        The network that trains.
    fit_tasks : FitTasks
        The call's task for scikit-learn's callbacks.
    callbacks : CallbackList or None, default=None
        The estimator's own callbacks; None for an estimator that takes
        none and records no history.
    """

    def __init__(self, estimator, network, fit_tasks, callbacks=None):
        self.estimator = estimator
        self.network = network
        self.fit_tasks = fit_tasks
        self.callbacks = callbacks
        self.logs = {}

    @property
    def batch_callbacks(self):
        """The callbacks to call around each batch: the CallbackList when one
        of them overrides a batch hook, else None (no cost per batch)."""
        if self.callbacks is not None and self.callbacks.follows_batches:
            return self.callbacks
        return None

    def train_begin(self):
        """Training begins (after the validation split, if any)."""
        self.started = time.perf_counter()
        self._curve_lengths = {
            name: len(getattr(self.estimator, name, None) or ())
            for name in VALIDATION_LOGS.values()
        }
        if self.callbacks is not None:
            self.callbacks.on_train_begin()

    def epoch_begin(self):
        """An epoch begins."""
        self.fit_tasks.epoch_begin(self._attributes)
        if self.callbacks is not None:
            self.callbacks.on_epoch_begin(self.estimator.n_iter_)

    def epoch_end(self):
        """An epoch has ended and been counted in ``n_iter_``; return whether
        a callback asks to stop."""
        stop = self.fit_tasks.epoch_end(self._attributes)
        if self.callbacks is not None:
            record = self.estimator._record_epoch(time.perf_counter() - self.started)
            self.logs = self._epoch_logs()
            epoch = self.estimator.n_iter_ - 1
            stop = self.callbacks.on_epoch_end(epoch, self.logs, record) or stop
        return stop

    def train_end(self):
        """Training has ended without an error."""
        if self.callbacks is not None:
            self.callbacks.on_train_end(self.logs)

    def lbfgs_begin(self):
        """L-BFGS begins: training, and the sub-task of its first iteration,
        from the starting weights (as scikit-learn's ``LogisticRegression``
        reports its L-BFGS iterations)."""
        self.train_begin()
        self.fit_tasks.epoch_begin(self._attributes)

    def lbfgs_iteration_end(self):
        """An L-BFGS iteration has ended and been counted in ``n_iter_``: it
        is the epoch skdl's callbacks begin and end, and the sub-task that
        ends before the next one begins. Returns whether a callback asks to
        stop."""
        if self.callbacks is not None:
            self.callbacks.on_epoch_begin(self.estimator.n_iter_ - 1)
        stop = self.epoch_end()
        self.fit_tasks.epoch_begin(self._attributes)
        return stop

    def lbfgs_end(self):
        """L-BFGS has returned: the sub-task begun for an iteration it did
        not take ends empty, then training ends."""
        self.fit_tasks.epoch_end()
        self.train_end()

    def _attributes(self):
        return self.estimator._snapshot_attributes(self.network)

    def _epoch_logs(self):
        """Keras-style logs of the epoch, from the estimator's attributes: a
        validation value only if its curve grew by one entry per epoch of
        this call, so never a stale value of an earlier call."""
        estimator = self.estimator
        logs = {"loss": float(estimator.loss_)}
        for key, name in VALIDATION_LOGS.items():
            curve = getattr(estimator, name, None)
            if curve and len(curve) == self._curve_lengths[name] + estimator.n_iter_:
                logs[key] = float(curve[-1])
        optimizer = getattr(estimator, "optimizer_", None)
        if optimizer is not None:
            logs["learning_rate"] = float(optimizer.current_learning_rate)
        return logs
