"""The numba back-end: fused, vectorised loops compiled by numba, one
module per front of :mod:`skdl.backend`, each defining only the routines
it speeds up (the others are the NumPy back-end's). Importing its modules
fails without numba.

The loops are serial on purpose. Between two matrix products OpenBLAS's
threads keep spinning on the cores; a parallel numba region started then
competes with them for the same cores, and measured here it made a training
step several times slower, not faster. ``error_model="numpy"`` lets LLVM
vectorise the divisions.

The fast-math flags leave out ``nnan`` and ``ninf``: with them LLVM may
assume that no value is inf or NaN, and on extreme inputs this back-end then
reached another outcome than NumPy's (a fit where NumPy diverged, or the
other way round). They leave out ``reassoc`` too, but for the one loop that
only sums: reordering a product changes where it overflows (``0 * (a * b)``
is NaN when ``a * b`` overflows, ``(0 * a) * b`` is 0). So every routine
evaluates each entry in the order of the NumPy back-end's passes, and inf
and NaN go through it as through NumPy's ufuncs; the flags kept
(``contract``, ``arcp``, ``afn``, ``nsz``) only round differently. Losses
are summed in float64, squared norms in float64 when their sum in the
arrays' dtype overflows, as the NumPy back-end sums them.

Every routine is compiled by :func:`skdl.backend.numba._jit.njit`: cached on disk,
or, where numba finds no writable cache directory, compiled anew in each
process after one warning.
"""

