"""Callbacks for the ``callbacks`` parameter of skdl's MLPs.

A callback is any callable instance (a function, a bound method, an object
with ``__call__``) taking one record, a dict with ``epoch``, ``loss``,
``validation_score`` (None without early stopping), ``elapsed`` seconds and
``estimator``. It returns None or a bool; returning True stops training.
"""

import copy
import sys

import numpy as np

__all__ = ["ProgressBar", "check_callbacks", "call_callbacks"]

_STANDARD_STREAMS = ("stdout", "stderr", "__stdout__", "__stderr__")
"""Names in ``sys`` of the streams a ProgressBar pickles by name."""

_TO_LINE_ABOVE = "\x1b[A\r"
"""ANSI escape: move the cursor to the start of the line above."""

_CLEAR_TO_LINE_END = "\x1b[K"
"""ANSI escape: erase from the cursor to the end of the line."""


class ProgressBar:
    """Draw the progress of a long fit on a text stream, one line per epoch.

    A callback is not told when training ends, which may be before
    ``max_iter`` (convergence, early stopping, another callback asking to
    stop), so every update ends its line: whatever is written after the fit
    (a warning, say) starts on a line of its own. On a terminal each update
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
            self.stream = getattr(sys, self.stream.name)


class _StandardStream:
    """Stands for ``getattr(sys, name)`` in a pickled ProgressBar."""

    def __init__(self, name):
        self.name = name


def check_callbacks(callbacks):
    """Refuse callbacks that cannot be called on a record, before training.

    Parameters
    ----------
    callbacks : list of callable or None
        The ``callbacks`` parameter of an estimator.

    Raises
    ------
    TypeError
        If an element is a class (such as ``ProgressBar`` where
        ``ProgressBar()`` is meant) or is not callable; the message names
        its position and what it is.
    """
    for position, callback in enumerate(callbacks or ()):
        if isinstance(callback, type):
            raise TypeError(
                f"callbacks[{position}] is the class {callback.__name__}, not an "
                f"instance: pass {callback.__name__}() (with its parameters). A "
                "callback is called once per epoch with a record."
            )
        if not callable(callback):
            raise TypeError(
                f"callbacks[{position}] is {callback!r} ({type(callback).__name__}), "
                "which is not callable. A callback is a function or an object with "
                "__call__, such as skdl.callbacks.ProgressBar()."
            )


def call_callbacks(callbacks, record):
    """Call every callback on ``record``; say whether one asks to stop training.

    Parameters
    ----------
    callbacks : list of callable or None
        The ``callbacks`` parameter of an estimator, as accepted by
        :func:`check_callbacks`. Each is called, in order, even after one has
        asked to stop.
    record : dict
        The epoch's record, with its ``estimator``.

    Returns
    -------
    bool
        True when a callback returned True.

    Raises
    ------
    TypeError
        If a callback returned something other than None or a bool
        (``numpy.bool_`` included); the message names the callback.
    """
    stop = False
    for position, callback in enumerate(callbacks or ()):
        answer = callback(record)
        if answer is not None and not isinstance(answer, (bool, np.bool_)):
            raise TypeError(
                f"callbacks[{position}] ({callback!r}) returned {answer!r} of type "
                f"{type(answer).__name__}; a callback must return None or a bool "
                "(True stops training)."
            )
        stop = bool(answer) or stop
    return stop


def _is_terminal(stream):
    """Whether ``stream`` is an interactive terminal, which can redraw a line."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())
