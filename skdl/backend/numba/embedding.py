"""The numba back-end of :mod:`skdl.backend.embedding`: one serial pass
over the steps, each adding its row of ``output_dim`` contiguous values
(a loop LLVM vectorises) into the row of its id. Importing this module
fails without numba."""

from ._jit import jit


@jit
def scatter_add_rows(ids, delta, out):
    """``out[ids[k]] += delta[k]``, repeated ids adding up (see
    :func:`skdl.backend.embedding.scatter_add_rows`)."""
    width = out.shape[1]
    for k in range(ids.shape[0]):
        row = ids[k]
        for j in range(width):
            out[row, j] += delta[k, j]
