"""The embedding's gradient: a scatter-add of each step's output gradient
into the row of its id.

An ``Embedding`` looks its output up, ``out[k] = embeddings[ids[k]]``, so
the gradient with respect to ``embeddings`` is zero but in the rows of the
ids a batch holds, where it is the sum of the output gradients of the steps
with that id. :func:`scatter_add_rows` adds them in, one pass over the
batch; the layer zeroes only the rows its previous batch touched, so no
``(input_dim, output_dim)`` work is done per batch.

The NumPy back-end adds by ``np.add.at``; the numba one by a loop over the
steps, each adding a row of ``output_dim`` contiguous values. Both check
the ids and shapes first, here, since the loop indexes without bounds
checks.
"""

from functools import partial

import numpy as np

from ._checks import check_distinct, check_fit, check_floats, check_written
from ._selection import routine

__all__ = ["scatter_add_rows"]

_routine = partial(routine, "embedding")


def scatter_add_rows(ids, delta, out):
    """``out[ids[k]] += delta[k]`` for every ``k``, repeated ids adding up.

    Parameters
    ----------
    ids : ndarray of intp of shape (m,)
        Row indices into ``out``, each in ``[0, out.shape[0])``.
    delta : ndarray of shape (m, d)
        The rows to add.
    out : ndarray of shape (rows, d), C-contiguous and writeable
        Added into in place.

    Raises
    ------
    ValueError
        If the arrays are not float arrays of one dtype and fitting shapes,
        ``ids`` is not a 1-D intp array, ``out`` is not C-contiguous and
        writeable, or an id is out of range; nothing is then written.
    """
    name = "scatter_add_rows"
    check_floats(name, {"out": out, "delta": delta}, ndim=2)
    if not (isinstance(ids, np.ndarray) and ids.dtype == np.intp and ids.ndim == 1):
        raise ValueError(f"{name}: ids must be a 1-D intp array; got {ids!r:.80}.")
    check_fit(name, ("out", out), {"delta": delta}, {"delta": (ids.shape[0], out.shape[1])})
    check_written(name, {"out": out, "delta": delta}, ("out",), all_contiguous=True)
    check_distinct(name, {"out": out, "delta": delta}, ("out",))
    if ids.size and (ids.min() < 0 or ids.max() >= out.shape[0]):
        raise ValueError(
            f"{name}: ids must lie in [0, {out.shape[0]}); got ids from {ids.min()} to "
            f"{ids.max()}."
        )
    _routine("scatter_add_rows")(ids, delta, out)
