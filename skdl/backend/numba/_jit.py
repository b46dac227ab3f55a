"""How the numba back-end's routines are compiled: numba's ``njit``, with
its on-disk cache where numba can write one, the fast-math flags they
share, and the decorators made of them. Importing this module fails
without numba.

numba caches a compiled function in ``NUMBA_CACHE_DIR`` when that is set,
else in the ``__pycache__`` directory next to its source, else in the
user's cache directory (``~/.cache/numba``). Where none is writable (a
read-only install in a container or on a shared cluster, with no writable
home), ``numba.njit(cache=True)`` refuses every function as it decorates
it: ``RuntimeError: cannot cache function ...: no locator available``.
:func:`njit` then compiles without the cache, as fast but anew in each
process, and warns once per process, naming the fix.
"""

import warnings

import numba

__all__ = ["FASTMATH_FLAGS", "JIT_OPTIONS", "njit", "jit", "jit_sum"]

FASTMATH_FLAGS = frozenset({"nsz", "arcp", "contract", "afn"})
"""LLVM fast-math flags of the routines: ``fastmath=True`` less ``nnan``,
``ninf`` and ``reassoc`` (see :mod:`skdl.backend.numba`)."""

JIT_OPTIONS = {"fastmath": set(FASTMATH_FLAGS), "error_model": "numpy"}
"""The options of every elementwise routine: the flags above, and
``error_model="numpy"``, which lets LLVM vectorise the divisions."""

_cache_refused = False
"""Whether numba has refused to cache a routine in this process; the later
ones are then compiled without trying (and without another warning)."""


def njit(**options):
    """``numba.njit(cache=True, **options)``, without the cache where numba
    has nowhere to write it.

    Parameters
    ----------
    **options
        numba's ``njit`` options other than ``cache``.

    Returns
    -------
    callable
        A decorator that compiles a function as ``numba.njit`` does. The
        first time numba cannot cache a function, it warns (a
        ``RuntimeWarning`` that names numba's error and
        ``NUMBA_CACHE_DIR``); from then on it compiles without the cache.
    """

    def decorate(function):
        global _cache_refused
        if not _cache_refused:
            try:
                return numba.njit(cache=True, **options)(function)
            except RuntimeError as error:
                _cache_refused = True
                warnings.warn(
                    f"numba cannot cache skdl's routines here ({error}): no cache "
                    "directory is writable (NUMBA_CACHE_DIR is unset or read-only, and "
                    "so are skdl's __pycache__ and the user's cache directory). The "
                    "routines are compiled without the cache, again "
                    "in each process (a few seconds at first use). To cache them, set "
                    "the environment variable NUMBA_CACHE_DIR to a writable directory.",
                    RuntimeWarning,
                    stacklevel=2,
                )
        # an error that is not the cache's is raised here again
        return numba.njit(**options)(function)

    return decorate


jit = njit(**JIT_OPTIONS)
"""The decorator of the elementwise routines (:data:`JIT_OPTIONS`)."""

jit_sum = njit(fastmath=set(FASTMATH_FLAGS | {"reassoc"}), error_model="numpy")
"""For a loop that only sums: ``reassoc`` lets LLVM vectorise the sum."""
