"""Callbacks for the ``callbacks`` parameter of skdl's MLPs.

A callback is any callable taking one record, a dict with ``epoch``,
``loss``, ``validation_score`` (None without early stopping), ``elapsed``
seconds and ``estimator``; returning True stops training.
"""

import sys

__all__ = ["ProgressBar"]


class ProgressBar:
    """Draw a one-line progress bar of a long fit on a text stream.

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
        """Redraw the bar for ``record``; never asks to stop."""
        stream = self.stream if self.stream is not None else sys.stderr
        total = record["estimator"].max_iter
        done = min(record["epoch"], total)
        filled = round(self.width * done / total)
        line = (
            f"\repoch {done:>{len(str(total))}}/{total} "
            f"[{'=' * filled}{' ' * (self.width - filled)}] "
            f"loss {record['loss']:.6g}"
        )
        if record["validation_score"] is not None:
            line += f"  validation {record['validation_score']:.4f}"
        line += f"  {record['elapsed']:.1f}s"
        stream.write(line)
        if done == total:
            stream.write("\n")
        stream.flush()
        return False
