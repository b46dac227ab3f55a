"""Callbacks for the ``callbacks`` parameter of skdl's networks.

The parameter takes a list mixing two kinds of callback:

- a :class:`Callback`, which follows training through Keras's lifecycle:
  ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``,
  ``on_train_end``, and, if it overrides them, ``on_train_batch_begin``
  and ``on_train_batch_end``. It gets Keras-style ``logs`` and reaches the
  estimator, its network and its optimizer through ``self.model`` (a
  :class:`TrainingModel`), where it can also stop training. Keras's
  :class:`EarlyStopping`, :class:`ReduceLROnPlateau`,
  :class:`ModelCheckpoint`, :class:`LearningRateScheduler` and
  :class:`CSVLogger` are here under their Keras names and arguments.
- any other callable (a function, a bound method, an object with
  ``__call__``, such as :class:`ProgressBar`), called after every epoch
  with one record, a dict with ``epoch`` (counted from 1), ``loss``,
  ``validation_score`` (None without early stopping), ``elapsed`` seconds
  and ``estimator``. It returns None or a bool; returning True stops
  training.

Callbacks are hyperparameters: they clone (a :class:`Callback` as a new
instance of the same arguments), pickle and deep-copy. A fit calls the
user's own callback objects, which reset their state in
``on_train_begin`` as Keras's do, so that nothing a fit leaves in them
changes the next fit.
"""

import copy
import csv
import os
import pickle
import sys
import tempfile
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = [
    "Callback",
    "TrainingModel",
    "CallbackList",
    "EarlyStopping",
    "ReduceLROnPlateau",
    "ModelCheckpoint",
    "LearningRateScheduler",
    "CSVLogger",
    "ProgressBar",
    "check_callbacks",
]

_STANDARD_STREAMS = ("stdout", "stderr", "__stdout__", "__stderr__")
"""Names in ``sys`` of the streams a ProgressBar pickles by name."""

_TO_LINE_ABOVE = "\x1b[A\r"
"""ANSI escape: move the cursor to the start of the line above."""

_CLEAR_TO_LINE_END = "\x1b[K"
"""ANSI escape: erase from the cursor to the end of the line."""

_MODES = StrOptions({"auto", "min", "max"})
"""The ``mode`` of a callback that watches a logged value."""


class Callback(BaseEstimator):
    """Base class of the callbacks that follow training through Keras's
    lifecycle.

    Subclass it and override the methods of the moments you need. An
    estimator that trains calls, for one ``fit`` (or ``partial_fit``, which
    trains one epoch):

    - :meth:`on_train_begin`, once;
    - for each epoch, :meth:`on_epoch_begin` then :meth:`on_epoch_end`,
      with ``epoch`` counted from 0 in this call, as Keras counts;
    - :meth:`on_train_batch_begin` and :meth:`on_train_batch_end` around
      each mini-batch, only if some callback of the estimator overrides
      them (so that training pays nothing per batch otherwise); never with
      L-BFGS, which has no batches;
    - :meth:`on_train_end`, once, when training ends without an error.

    With L-BFGS an epoch is one iteration; SciPy reports an iteration once
    it is done, so ``on_epoch_begin`` comes just before its
    ``on_epoch_end``.

    ``logs`` is a dict, as Keras's: at the end of an epoch ``loss`` (the
    epoch's objective, as in ``loss_curve_``), ``val_loss`` and
    ``val_score`` (the validation loss and score, when the estimator has
    validation data and records them), and ``learning_rate`` (the rate of
    the next step, for the stochastic solvers); at the end of a batch
    ``loss``, the mean objective of the epoch's batches so far;
    ``on_train_end`` gets the last epoch's logs. A callback may add entries
    for the callbacks after it, as Keras's do.

    While the estimator trains, ``self.model`` is a :class:`TrainingModel`:
    the estimator, its network's weights, its optimizer, and
    ``stop_training``, which a callback sets to True to stop training after
    the current batch or epoch. It is None outside training, and never
    copied or pickled.

    A callback stores each argument of ``__init__`` under its own name, as
    scikit-learn's estimators do: ``get_params``, ``clone`` and ``repr``
    read them. It checks them against ``_parameter_constraints`` before
    training, and resets whatever it learns in :meth:`on_train_begin`.

    Examples
    --------
    >>> from skdl import MLPRegressor
    >>> from skdl.callbacks import Callback
    >>> class LossRecorder(Callback):
    ...     def on_train_begin(self, logs=None):
    ...         self.losses = []
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         self.losses.append(logs["loss"])
    >>> recorder = LossRecorder()
    >>> reg = MLPRegressor(max_iter=5, callbacks=[recorder], random_state=0)
    >>> reg = reg.fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    >>> len(recorder.losses)
    5
    """

    _parameter_constraints: dict = {}

    model = None

    def set_model(self, model):
        """Give the callback the model in training (None when training ends).

        Parameters
        ----------
        model : TrainingModel or None
        """
        self.model = model

    def on_train_begin(self, logs=None):
        """Called when training begins; reset the callback's state here.

        Parameters
        ----------
        logs : dict
            Empty.
        """

    def on_train_end(self, logs=None):
        """Called when training ends without an error.

        Parameters
        ----------
        logs : dict
            The last epoch's logs (empty if no epoch ran).
        """

    def on_epoch_begin(self, epoch, logs=None):
        """Called when an epoch begins.

        Parameters
        ----------
        epoch : int
            The epoch's index in this training call, from 0.
        logs : dict
            Empty.
        """

    def on_epoch_end(self, epoch, logs=None):
        """Called when an epoch ends.

        Parameters
        ----------
        epoch : int
            The epoch's index in this training call, from 0.
        logs : dict
            ``loss``, and ``val_loss``, ``val_score`` and ``learning_rate``
            where the estimator has them.
        """

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each mini-batch, if overridden.

        Parameters
        ----------
        batch : int
            The batch's index in the epoch, from 0 (batches of zero weight,
            which take no step, are skipped and not counted).
        logs : dict
            Empty.
        """

    def on_train_batch_end(self, batch, logs=None):
        """Called after each mini-batch, if overridden.

        Parameters
        ----------
        batch : int
            The batch's index in the epoch, from 0.
        logs : dict
            ``loss``: the mean objective of the epoch's batches so far.
        """

    def __getstate__(self):
        """The callback's state without the model in training."""
        state = dict(super().__getstate__())
        state.pop("model", None)
        return state


class TrainingModel:
    """What a :class:`Callback` finds as ``self.model`` while an estimator
    trains, under the names Keras's callbacks use.

    Parameters
    ----------
    estimator : estimator
        The estimator being trained. Its fitted attributes follow training:
        its weights are the network's as they train.
    network : skdl.network.Network
        The network being trained.

    Attributes
    ----------
    estimator : estimator
    network : skdl.network.Network
    stop_training : bool
        Set it to True to stop training at the end of the current batch
        (when batch hooks run) or epoch; False when training begins.
    """

    def __init__(self, estimator, network):
        self.estimator = estimator
        self.network = network
        self.stop_training = False

    @property
    def optimizer(self):
        """The estimator's ``optimizer_``, the optimizer that trains (None for
        L-BFGS): its ``learning_rate`` can be set between epochs, and
        ``current_learning_rate`` is the rate of the next step."""
        return getattr(self.estimator, "optimizer_", None)

    def get_weights(self):
        """Copies of the network's weights, layer after layer, those that do
        not train included (see :meth:`skdl.network.Network.get_weights`).

        Returns
        -------
        list of ndarray
        """
        return self.network.get_weights()

    def set_weights(self, weights):
        """Copy ``weights`` (as :meth:`get_weights` returns them) into the
        network, those that do not train included.

        Parameters
        ----------
        weights : list of array-like
        """
        self.network.set_weights(weights)

    def save(self, filepath):
        """Pickle the estimator as it stands, as if its fit ended now.

        The file holds a copy of the estimator with a copy of the current
        weights; ``pickle.load`` gives back a fitted estimator, which
        predicts as the network does now and can go on training (its
        optimizer's state included). It holds no training data. The file
        is written whole or not at all: a copy is written beside it, then
        renamed over it.

        Parameters
        ----------
        filepath : str or path-like
        """
        filepath = os.fspath(filepath)
        snapshot = self.estimator._snapshot(self.network)
        directory = os.path.dirname(filepath) or "."
        os.makedirs(directory, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=directory, suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(snapshot, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, filepath)
        except BaseException:
            os.unlink(partial)
            raise


class CallbackList:
    """The callbacks of one training call, called together at each of its
    moments, as Keras's ``CallbackList``.

    :class:`Callback` instances get the lifecycle; every other callback is
    a plain callable, called with the epoch's record at the end of each
    epoch (see the module's description). At each moment the callbacks are
    called in their order in the list, all of them even after one has
    asked to stop, and they share one ``logs`` dict.

    Parameters
    ----------
    callbacks : list or None
        The estimator's ``callbacks``, as accepted by :func:`check_callbacks`.
    model : TrainingModel
        What the :class:`Callback` instances reach as ``self.model``.
    """

    def __init__(self, callbacks, model):
        self.callbacks = list(callbacks or ())
        self.model = model
        self._lifecycle = [c for c in self.callbacks if isinstance(c, Callback)]
        self._batch_begin = [c for c in self._lifecycle
                             if _overrides(c, "on_train_batch_begin")]
        self._batch_end = [c for c in self._lifecycle if _overrides(c, "on_train_batch_end")]

    @property
    def follows_batches(self):
        """Whether some callback overrides a batch hook: only then does
        training call :meth:`on_train_batch_begin` and
        :meth:`on_train_batch_end`."""
        return bool(self._batch_begin or self._batch_end)

    def on_train_begin(self):
        """Give each :class:`Callback` the model, and call its ``on_train_begin``."""
        self.model.stop_training = False
        for callback in self._lifecycle:
            callback.set_model(self.model)
            callback.on_train_begin({})

    def on_epoch_begin(self, epoch):
        """Call ``on_epoch_begin(epoch)`` of each :class:`Callback`."""
        for callback in self._lifecycle:
            callback.on_epoch_begin(epoch, {})

    def on_epoch_end(self, epoch, logs, record):
        """Call ``on_epoch_end(epoch, logs)`` of each :class:`Callback` and
        every plain callable on ``record``.

        Parameters
        ----------
        epoch : int
            The epoch's index in this call, from 0.
        logs : dict
            The epoch's logs, which callbacks may add to.
        record : dict
            The epoch's record in ``history_``; plain callables get it with
            the ``estimator``.

        Returns
        -------
        bool
            Whether a plain callable returned True or a callback set
            ``model.stop_training``.

        Raises
        ------
        TypeError
            If a plain callable returned something other than None or a
            bool (``numpy.bool_`` included); the message names it.
        """
        stop = False
        full_record = {**record, "estimator": self.model.estimator}
        for position, callback in enumerate(self.callbacks):
            if isinstance(callback, Callback):
                callback.on_epoch_end(epoch, logs)
            else:
                stop = _call_plain(position, callback, full_record) or stop
        return stop or self.model.stop_training

    def on_train_batch_begin(self, batch):
        """Call the ``on_train_batch_begin`` overrides."""
        for callback in self._batch_begin:
            callback.on_train_batch_begin(batch, {})

    def on_train_batch_end(self, batch, logs):
        """Call the ``on_train_batch_end`` overrides; return whether one set
        ``model.stop_training``, which ends the epoch after this batch."""
        for callback in self._batch_end:
            callback.on_train_batch_end(batch, logs)
        return self.model.stop_training

    def on_train_end(self, logs):
        """Call ``on_train_end(logs)`` of each :class:`Callback`."""
        for callback in self._lifecycle:
            callback.on_train_end(logs)

    def detach(self):
        """Take the model from the callbacks: training is over."""
        for callback in self._lifecycle:
            callback.set_model(None)


class _MonitorCallback(Callback):
    """A callback that watches one logged value (``monitor``), lower or
    higher being better as ``mode`` says. Not for direct use.

    ``mode="auto"`` reads the direction from the name, as Keras does: a
    loss (``loss``, ``val_loss``) is better lower, a score (``val_score``)
    higher; any other name needs ``mode``.
    """

    _needs_direction = True
    """Whether the callback compares values (refused without a direction)."""

    def _validate_params(self):
        super()._validate_params()
        if self._needs_direction:
            self._direction()

    def _direction(self):
        """``"min"`` or ``"max"``: which way the monitored value improves."""
        if self.mode != "auto":
            return self.mode
        name = self.monitor.removeprefix("val_")
        if name == "loss":
            return "min"
        if name == "score":
            return "max"
        raise ValueError(
            f"{type(self).__name__} cannot tell whether monitor={self.monitor!r} "
            "is better lower or higher: the logs hold 'loss' and 'val_loss' "
            "(better lower) and 'val_score' (better higher). Pass mode='min' or "
            "mode='max'."
        )

    def _monitored(self, logs, purpose):
        """The monitored value in ``logs``, or None with a warning naming the
        values there are."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(
                f"{purpose} is conditioned on {self.monitor!r}, which is not in the "
                f"logs; they hold {', '.join(map(repr, logs or {})) or 'nothing'}. "
                "'val_loss' and 'val_score' need validation data: pass X_val and "
                "y_val to fit, or set early_stopping=True.",
                UserWarning,
                stacklevel=3,
            )
        return value


class EarlyStopping(_MonitorCallback):
    """Stop training when a monitored value has stopped improving, as Keras's
    ``EarlyStopping``.

    At the end of each epoch from ``start_from_epoch`` on, the monitored
    value counts as an improvement when it beats the best so far by more
    than ``min_delta``. Training stops at the end of an epoch (never the
    first) once ``patience`` epochs have gone by since the last
    improvement that also beat ``baseline``. This stopping rule comes on
    top of the estimator's own (``tol``, ``n_iter_no_change``).

    Parameters
    ----------
    monitor : str, default="val_loss"
        The logged value to watch: ``"loss"``, ``"val_loss"``,
        ``"val_score"``, or one another callback adds to the logs.
    min_delta : float, default=0
        Least change that counts as an improvement (its absolute value is
        taken).
    patience : int, default=0
        Epochs without improvement after which training stops.
    verbose : int, default=0
        1 prints a line when the callback stops training and when it
        restores weights.
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower (``"min"``) or higher (``"max"``) is better;
        ``"auto"`` reads it from ``monitor`` (losses lower, scores higher).
    baseline : float or None, default=None
        A value to beat: until an epoch beats it, the epochs since the first
        count against ``patience`` even when they improve.
    restore_best_weights : bool, default=False
        When training ends, put back the weights of the epoch with the best
        monitored value (through the network's ``get_weights`` and
        ``set_weights``, weights that do not train included), even without
        having stopped it, and even when no epoch beat ``baseline``.
    start_from_epoch : int, default=0
        Epochs (counted from 0 in this call) to let pass before watching.

    Attributes
    ----------
    stopped_epoch : int
        The epoch (from 0) at which the callback stopped training; 0 when it
        did not.
    best : float or None
        The best monitored value of the last training.
    best_epoch : int
        The epoch (from 0) of ``best``.
    wait : int
        Epochs since the last improvement.

    Notes
    -----
    Differences from Keras: a ``mode`` other than the three is refused
    (Keras warns and uses ``"auto"``); ``"auto"`` knows skdl's names
    (``loss``, ``score``); the copy of the best weights is released when
    training ends (Keras keeps it in ``best_weights``).

    Examples
    --------
    >>> from skdl import MLPClassifier
    >>> from skdl.callbacks import EarlyStopping
    >>> clf = MLPClassifier(early_stopping=True, n_iter_no_change=1000,
    ...                     callbacks=[EarlyStopping("val_score", patience=5,
    ...                                              restore_best_weights=True)])
    """

    _parameter_constraints: dict = {
        "monitor": [str],
        "min_delta": [Real],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "mode": [_MODES],
        "baseline": [Real, None],
        "restore_best_weights": ["boolean"],
        "start_from_epoch": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        self.monitor = monitor
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        """Forget the last training: no best value, no wait."""
        self._lower_is_better = self._direction() == "min"
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self._best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        """Count the epoch as an improvement or not; stop when patience runs out."""
        current = self._monitored(logs, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self._best_weights is None:
            self._best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self._best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        """Restore the best weights if asked, then release their copy."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self._best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self._best_weights)
        self._best_weights = None

    def _improves(self, value, reference):
        if reference is None:
            return True
        delta = abs(self.min_delta)
        if self._lower_is_better:
            return value + delta < reference
        return value - delta > reference


class ReduceLROnPlateau(_MonitorCallback):
    """Divide the learning rate when a monitored value has stopped
    improving, as Keras's ``ReduceLROnPlateau``.

    At the end of each epoch the value improves when it beats the best so
    far by more than ``min_delta``. After ``patience`` epochs without
    improvement, outside a cooldown, the optimizer's learning rate becomes
    ``max(rate * factor, min_lr)`` (unless it is already at ``min_lr``),
    and ``cooldown`` epochs follow during which epochs without improvement
    are not counted. The new rate applies from the next epoch's first step.

    Needs a stochastic solver whose ``learning_rate`` is a number, not a
    schedule (refused when training begins).

    Parameters
    ----------
    monitor : str, default="val_loss"
        The logged value to watch.
    factor : float, default=0.1
        Factor on the learning rate, in (0, 1).
    patience : int, default=10
        Epochs without improvement before the rate is reduced.
    verbose : int, default=0
        1 prints a line at each reduction.
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better (see :class:`EarlyStopping`).
    min_delta : float, default=1e-4
        Least change that counts as an improvement.
    cooldown : int, default=0
        Epochs after a reduction during which no epoch counts against
        ``patience``.
    min_lr : float, default=0.0
        Lower bound on the learning rate.

    Attributes
    ----------
    best : float
        The best monitored value of the last training.
    wait : int
        Epochs without improvement since the last improvement or reduction.
    cooldown_counter : int
        Epochs of cooldown left.

    Notes
    -----
    Differences from Keras: a ``factor`` outside (0, 1) is refused (Keras
    refuses ``factor >= 1``), as is a ``mode`` other than the three;
    ``"auto"`` reads skdl's names (Keras takes a name holding ``"acc"`` as
    better higher, any other as better lower).

    Examples
    --------
    >>> from skdl import MLPRegressor
    >>> from skdl.callbacks import ReduceLROnPlateau
    >>> reg = MLPRegressor(callbacks=[ReduceLROnPlateau("loss", factor=0.5,
    ...                                                 patience=3)])
    """

    _parameter_constraints: dict = {
        "monitor": [str],
        "factor": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "mode": [_MODES],
        "min_delta": [Real],
        "cooldown": [Interval(Integral, 0, None, closed="left")],
        "min_lr": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
    ):
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr

    def on_train_begin(self, logs=None):
        """Check that the learning rate can be set; forget the last training."""
        _settable_rate(self.model, type(self).__name__)
        self._lower_is_better = self._direction() == "min"
        self.best = np.inf if self._lower_is_better else -np.inf
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        """Count the epoch; reduce the rate when patience runs out."""
        current = self._monitored(logs, "Learning rate reduction")
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improves(current):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                optimizer = self.model.optimizer
                old_rate = float(optimizer.current_learning_rate)
                if old_rate > np.float32(self.min_lr):
                    new_rate = max(old_rate * self.factor, self.min_lr)
                    optimizer.learning_rate = new_rate
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing "
                              f"learning rate to {new_rate}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _improves(self, value):
        if self._lower_is_better:
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class ModelCheckpoint(_MonitorCallback):
    """Save the estimator to a file at the end of every epoch, or of every
    epoch that improves a monitored value, as Keras's ``ModelCheckpoint``.

    The file is a pickle of the estimator as it stands at the end of the
    epoch, as if its fit had ended there (see :meth:`TrainingModel.save`):
    ``pickle.load`` gives back a fitted estimator, which predicts as the
    model did then and can go on training. Like any pickle, load only
    files you trust. The saved estimator keeps its parameters, ``callbacks``
    and this checkpoint included: fitting the reloaded estimator again saves
    over the same files, unless ``set_params(callbacks=...)`` changes them
    first.

    Parameters
    ----------
    filepath : str or path-like
        Where to save. It may hold ``str.format`` fields filled from the
        epoch's number (from 1) and logs, such as
        ``"model-{epoch:03d}-{val_loss:.4f}.pkl"``; without them, each save
        replaces the last.
    monitor : str, default="val_loss"
        The logged value that decides which epochs are best.
    verbose : int, default=0
        1 prints a line at each save (and each epoch that does not improve,
        with ``save_best_only``).
    save_best_only : bool, default=False
        Save only at epochs whose monitored value beats the best so far
        (at every epoch, with a warning, when the logs lack it).
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better (see :class:`EarlyStopping`).
    initial_value_threshold : float or None, default=None
        With ``save_best_only``, a value the first save must beat.

    Attributes
    ----------
    best : float or None
        The best monitored value saved in the last training.

    Notes
    -----
    Differences from Keras: the file is a pickle of the estimator, whatever
    its name (Keras writes its ``.keras`` format, or weights alone with
    ``save_weights_only``, which is not here, nor is ``save_freq``);
    ``best`` starts again from ``initial_value_threshold`` at each fit
    (Keras carries it from one ``fit`` to the next).

    Examples
    --------
    >>> from skdl import MLPClassifier
    >>> from skdl.callbacks import ModelCheckpoint
    >>> clf = MLPClassifier(early_stopping=True, callbacks=[
    ...     ModelCheckpoint("best.pkl", monitor="val_score", save_best_only=True)])
    """

    _parameter_constraints: dict = {
        "filepath": [str, os.PathLike],
        "monitor": [str],
        "verbose": ["verbose"],
        "save_best_only": ["boolean"],
        "mode": [_MODES],
        "initial_value_threshold": [Real, None],
    }

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        mode="auto",
        initial_value_threshold=None,
    ):
        self.filepath = filepath
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.mode = mode
        self.initial_value_threshold = initial_value_threshold

    @property
    def _needs_direction(self):
        return self.save_best_only

    def on_train_begin(self, logs=None):
        """Forget the last training's best value."""
        if self.save_best_only:
            self._lower_is_better = self._direction() == "min"
        self.best = self.initial_value_threshold

    def on_epoch_end(self, epoch, logs=None):
        """Save the estimator if the epoch is to be saved."""
        logs = logs or {}
        try:
            filepath = os.fspath(self.filepath).format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError) as error:
            raise ValueError(
                f"ModelCheckpoint cannot fill filepath={os.fspath(self.filepath)!r}: "
                f"no value for {error}. Its fields can name 'epoch' and the logs: "
                f"{', '.join(map(repr, logs))}."
            ) from None
        if self._should_save(epoch, logs, filepath):
            self.model.save(filepath)

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          UserWarning, stacklevel=3)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self.best is None or (current < self.best if self._lower_is_better
                                 else current > self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch from a function of
    the epoch and the current rate, as Keras's ``LearningRateScheduler``.

    Needs a stochastic solver whose ``learning_rate`` is a number, not a
    schedule (refused when training begins).

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch, lr)`` takes the epoch's index (from 0 in this
        call) and the current rate (a float), and returns the epoch's rate,
        a positive number.
    verbose : int, default=0
        1 prints the rate set at each epoch.

    Notes
    -----
    Differences from Keras: a rate that is not a positive finite number is
    refused, an int included (Keras refuses anything but a float, and
    falls back to ``schedule(epoch)`` when the call raises a TypeError).

    Examples
    --------
    >>> import math
    >>> from skdl import MLPClassifier
    >>> from skdl.callbacks import LearningRateScheduler
    >>> def decay_after_ten(epoch, lr):
    ...     return lr if epoch < 10 else lr * math.exp(-0.1)
    >>> clf = MLPClassifier(callbacks=[LearningRateScheduler(decay_after_ten)])
    """

    _parameter_constraints: dict = {"schedule": [callable], "verbose": ["verbose"]}

    def __init__(self, schedule, verbose=0):
        self.schedule = schedule
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        """Check that the learning rate can be set."""
        _settable_rate(self.model, type(self).__name__)

    def on_epoch_begin(self, epoch, logs=None):
        """Set the epoch's learning rate."""
        optimizer = self.model.optimizer
        rate = self.schedule(epoch, float(optimizer.current_learning_rate))
        if (isinstance(rate, bool) or not isinstance(rate, Real)
                or not np.isfinite(rate) or rate <= 0):
            raise ValueError(
                f"The schedule of LearningRateScheduler returned {rate!r} at epoch "
                f"{epoch}; it must return the learning rate, a positive number."
            )
        optimizer.learning_rate = float(rate)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate "
                  f"to {float(rate)}.")


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file, as Keras's ``CSVLogger``.

    The columns are ``epoch`` (from 0 in this call) and the first epoch's
    log names in alphabetical order; when none is a validation value,
    ``val_`` columns are added for each (left ``NA``), as Keras does. The
    header comes with the first row. Each row is on disk once its epoch
    ends: the file is opened and closed at each row, so the callback holds
    no open file and pickles.

    Parameters
    ----------
    filename : str or path-like
        The CSV file.
    separator : str, default=","
        Separator between the values of a row.
    append : bool, default=False
        Add the rows to an existing file (without a header, unless the file
        is empty) instead of starting it anew when training begins.

    Examples
    --------
    >>> from skdl import MLPRegressor
    >>> from skdl.callbacks import CSVLogger
    >>> reg = MLPRegressor(callbacks=[CSVLogger("training.csv")])
    """

    _parameter_constraints: dict = {
        "filename": [str, os.PathLike],
        "separator": [str],
        "append": ["boolean"],
    }

    def __init__(self, filename, separator=",", append=False):
        self.filename = filename
        self.separator = separator
        self.append = append

    def on_train_begin(self, logs=None):
        """Start the file anew (unless appending) and forget the last columns."""
        self._header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as file:
                self._header = not file.readline()
        elif not self.append:
            open(self.filename, "w", encoding="utf-8").close()
        self._keys = None

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's row."""
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            if self._keys and not any(key.startswith("val_") for key in self._keys):
                self._keys += [f"val_{key}" for key in self._keys]
        with open(self.filename, "a", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=["epoch", *self._keys],
                                    delimiter=self.separator)
            if self._header:
                writer.writeheader()
                self._header = False
            writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self._keys}})


class ProgressBar:
    """Draw the progress of a long fit on a text stream, one line per epoch.

    A plain callable (see the module's description), so that it is called
    at the end of each epoch only. Training may end before ``max_iter``
    (convergence, early stopping, another callback asking to stop), so
    every update ends its line: whatever is written after the fit (a
    warning, say) starts on a line of its own. On a terminal each update
    redraws the previous epoch's line in place, so a fit shows as one line
    (anything else written to the terminal between two epochs, such as the
    lines of ``verbose=True``, is overwritten). On any other stream (a
    file, a pipe, a notebook cell) each epoch adds a line.

    A ProgressBar survives ``clone``, ``copy.deepcopy`` and pickling, so an
    estimator holding one works in ``GridSearchCV`` and ``cross_val_score``,
    also with ``n_jobs > 1``. A copy draws on the same stream as the
    original. Pickled, ``sys.stdout`` and ``sys.stderr`` (and
    ``sys.__stdout__``, ``sys.__stderr__``) are kept by name: the loading
    process draws on its own stream of that name, as a worker of ``n_jobs``
    does. Any other stream is pickled as itself, so it must be picklable
    (an ``io.StringIO`` is, an open file is not).

    Parameters
    ----------
    stream : file-like, default=None
        Where to draw; ``sys.stderr`` of the process that trains when None.
    width : int, default=30
        Characters in the bar.

    Examples
    --------
    >>> from skdl import MLPClassifier
    >>> from skdl.callbacks import ProgressBar
    >>> clf = MLPClassifier(callbacks=[ProgressBar()])
    """

    def __init__(self, stream=None, width=30):
        self.stream = stream
        self.width = width

    def __call__(self, record):
        """Draw the line of ``record``'s epoch; never asks to stop."""
        stream = self.stream if self.stream is not None else sys.stderr
        total = record["estimator"].max_iter
        done = min(record["epoch"], total)
        filled = round(self.width * done / total)
        line = (
            f"epoch {done:>{len(str(total))}}/{total} "
            f"[{'=' * filled}{' ' * (self.width - filled)}] "
            f"loss {record['loss']:.6g}"
        )
        if record["validation_score"] is not None:
            line += f"  validation {record['validation_score']:.4f}"
        line += f"  {record['elapsed']:.1f}s"
        if _is_terminal(stream):
            redraw = _TO_LINE_ABOVE if record["epoch"] > 1 else ""
            line = redraw + line + _CLEAR_TO_LINE_END
        stream.write(line + "\n")
        stream.flush()
        return False

    def __deepcopy__(self, memo):
        """A copy drawing on the same stream: a stream is where the bar draws,
        not part of its value (and ``sys.stdout`` cannot be copied)."""
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for name, value in vars(self).items():
            setattr(new, name, value if name == "stream" else copy.deepcopy(value, memo))
        return new

    def __getstate__(self):
        """The attributes, with a standard stream replaced by its name in ``sys``."""
        state = dict(vars(self))
        for name in _STANDARD_STREAMS:
            if self.stream is not None and self.stream is getattr(sys, name, None):
                state["stream"] = _StandardStream(name)
                break
        return state

    def __setstate__(self, state):
        """Restore the attributes, a standard stream as this process's own."""
        vars(self).update(state)
        if isinstance(self.stream, _StandardStream):
            # only the four standard streams: a name read from a file
            # reaches no other attribute of sys
            if self.stream.name not in _STANDARD_STREAMS:
                raise ValueError(
                    f"A ProgressBar's stream was saved as sys.{self.stream.name}, which is "
                    f"not one of the standard streams {_STANDARD_STREAMS}."
                )
            self.stream = getattr(sys, self.stream.name)


class _StandardStream:
    """Stands for ``getattr(sys, name)`` in a pickled ProgressBar."""

    def __init__(self, name):
        self.name = name


def check_callbacks(callbacks):
    """Refuse callbacks that training could not call, before training.

    Parameters
    ----------
    callbacks : list or None
        The ``callbacks`` parameter of an estimator.

    Raises
    ------
    TypeError
        If an element is a class (such as ``ProgressBar`` where
        ``ProgressBar()`` is meant), a scikit-learn callback (registered
        with ``set_callbacks`` instead), a :class:`Callback` that does not
        store its arguments under their names, or neither a
        :class:`Callback` nor callable; the message names its position and
        what it is.
    ValueError
        If the arguments of a :class:`Callback` are invalid (an
        ``InvalidParameterError``, also a TypeError, names the argument),
        or a monitoring callback cannot tell which way its value improves.
    """
    for position, callback in enumerate(callbacks or ()):
        if isinstance(callback, type):
            raise TypeError(
                f"callbacks[{position}] is the class {callback.__name__}, not an "
                f"instance: pass {callback.__name__}() (with its parameters)."
            )
        if isinstance(callback, Callback):
            try:
                callback.get_params()
            except AttributeError as error:
                raise TypeError(
                    f"callbacks[{position}] is a {type(callback).__name__} whose "
                    f"arguments cannot be read ({error}): a Callback stores each "
                    "argument of __init__ under its own name (self.name = name), so "
                    "that it clones."
                ) from None
            callback._validate_params()
            continue
        if hasattr(callback, "on_fit_task_end"):
            raise TypeError(
                f"callbacks[{position}] is {type(callback).__name__}, a scikit-learn "
                "callback (sklearn.callback): register it with "
                f"estimator.set_callbacks({type(callback).__name__}(...)), not in "
                "callbacks."
            )
        if not callable(callback):
            raise TypeError(
                f"callbacks[{position}] is {callback!r} ({type(callback).__name__}), "
                "which is not callable. A callback is a skdl.callbacks.Callback, or "
                "a function or an object with __call__, such as "
                "skdl.callbacks.ProgressBar()."
            )


def _call_plain(position, callback, record):
    """Call a plain callable on ``record``; whether it asks to stop."""
    answer = callback(record)
    if answer is not None and not isinstance(answer, (bool, np.bool_)):
        raise TypeError(
            f"callbacks[{position}] ({callback!r}) returned {answer!r} of type "
            f"{type(answer).__name__}; a callback must return None or a bool "
            "(True stops training)."
        )
    return bool(answer)


def _overrides(callback, hook):
    """Whether ``callback``'s class overrides :class:`Callback`'s ``hook``."""
    return getattr(type(callback), hook) is not getattr(Callback, hook)


def _settable_rate(model, name):
    """Refuse to change the learning rate of a model without one that can be
    set to a number: L-BFGS, or an optimizer whose rate is a schedule."""
    optimizer = model.optimizer
    if optimizer is None:
        raise ValueError(
            f"{name} changes the learning rate of a stochastic solver, but "
            f"{type(model.estimator).__name__} trains with solver='lbfgs', which has "
            "none; use a stochastic solver ('sgd', 'adam', 'adamw', 'rmsprop', "
            "'nadam' or an object of skdl.optimizers)."
        )
    if not isinstance(optimizer.learning_rate, Real):
        raise TypeError(
            f"{name} sets the learning rate to numbers, but the optimizer's "
            f"learning_rate is {optimizer.learning_rate!r}, a schedule; use either "
            "the schedule or the callback."
        )


def _is_terminal(stream):
    """Whether ``stream`` is an interactive terminal, which can redraw a line."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())
