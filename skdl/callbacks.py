"""Callbacks for the ``callbacks`` parameter of skdl's MLPs.

A callback is any callable taking one record, a dict with ``epoch``,
``loss``, ``validation_score`` (None without early stopping), ``elapsed``
seconds and ``estimator``; returning True stops training.
"""

import sys

__all__ = ["ProgressBar"]

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

    Parameters
    ----------
    stream : file-like, default=None
        Where to draw; ``sys.stderr`` when None.
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


def _is_terminal(stream):
    """Whether ``stream`` is an interactive terminal, which can redraw a line."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())
