"""Training scratch: buffers that never become part of a model's state.

Layers, networks and optimizers keep their per-batch buffers, and what a
forward pass keeps for the backward pass, in a :class:`Scratch`. A copy or a
pickle of one is empty, so that pickles, deep copies and skops files of a
fitted model carry weights and what further training needs, never the
data it last trained on.
"""

import types

__all__ = ["Scratch"]


class Scratch(types.SimpleNamespace):
    """Training scratch of a layer, network or optimizer: per-batch buffers,
    and what a forward pass keeps for the backward pass (the batch itself,
    masks, windows).

    Set attributes on it freely (``self.scratch.z = np.empty(...)``). It is
    never part of its owner's state: a pickle or a (deep) copy of a Scratch
    is empty, so a fitted model never carries, and never ships, the data it
    last trained on. Code that reads it must expect it empty after a copy.

    Examples
    --------
    >>> import copy, pickle
    >>> import numpy as np
    >>> from skdl.layers import Scratch
    >>> scratch = Scratch(batch=np.ones(3))
    >>> vars(copy.deepcopy(scratch)), vars(pickle.loads(pickle.dumps(scratch)))
    ({}, {})
    """

    def __reduce__(self):
        return (Scratch, ())
