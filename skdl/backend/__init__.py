"""The engine's compute routines, in interchangeable back-ends.

The matrix products of a training step run in BLAS; everything between them
(bias and activation, activation derivatives, the L2 term, optimizer
updates) is elementwise work over arrays the engine preallocates, and the
convolution and pooling layers add the data movement around their products
(:func:`~skdl.backend.convolution.im2col`,
:func:`~skdl.backend.convolution.col2im`) and the pools themselves, the
recurrent layers their time loops. The routines are grouped by domain, each
module a checked, documented front:

- :mod:`skdl.backend.dense`: the dense layers, activations and losses;
- :mod:`skdl.backend.optimizers`: SGD and Adam steps;
- :mod:`skdl.backend.convolution`: convolution and pooling;
- :mod:`skdl.backend.recurrent`: the recurrent layers' time loops;
- :mod:`skdl.backend.normalization`: the batch normalization;
- :mod:`skdl.backend.attention`: the attention's masked softmax;
- :mod:`skdl.backend.perceptron`: the classic perceptron rule.

Each front checks its arrays before any loop runs: float32 or float64 NumPy
arrays of one dtype, of shapes that fit together, the ones it writes
C-contiguous and writeable. A mismatch raises a ``ValueError`` that names
the arrays and their shapes or dtypes; the compiled loops index without
bounds checks, so they never see such input. The front then runs the
routine of the active back-end:

- ``"numpy"`` (:mod:`skdl.backend.numpy`): in-place ufuncs over
  preallocated scratch buffers, in as few passes as NumPy allows; always
  available, and the reference: it has every routine.
- ``"numba"`` (:mod:`skdl.backend.numba`): fused, vectorised loops compiled
  by numba (``pip install skdl[fast]``), one pass per routine. It defines
  only the routines it speeds up; the others are NumPy's.

The back-end is chosen at import: numba when it is installed, unless the
environment variable ``SKDL_BACKEND=numpy`` asks for NumPy. A value of
``SKDL_BACKEND`` other than ``numpy`` or ``numba``, or ``numba`` where numba
is not installed, warns and falls back (importing never fails over it); so
does the first routine call, once, if the numba back-end then fails to
load. Where numba has no writable cache directory (a read-only install),
its routines are compiled without the cache, after one warning that names
the fix (``NUMBA_CACHE_DIR``). numba itself is imported when a routine
first runs, not with skdl.

``with use(name):`` switches the back-end for a block of code (the tests run
both). Both give the same results to floating-point tolerance and the same
outcome on every input (a fit, or the same divergence error): numba
compiles without the fast-math flags that assume no inf or NaN or reorder
products, so each entry overflows where NumPy's ufuncs overflow, and both
sum losses in float64, and squared norms in float64 whenever their sum in
the arrays' dtype overflows.

The selection is for the whole process, worker threads included (so
``n_jobs`` threads inside a ``with use(...)`` block run on its back-end),
and blocks restore it correctly even when blocks of different threads
overlap: each block, on exit, withdraws only its own request, and the
back-end in force is that of the most recently entered block still open,
or the default once none is. While blocks of two threads overlap, both
threads run on the later block's back-end.

This package knows nothing of scikit-learn.
"""

from ._selection import active, available, use

__all__ = ["active", "available", "use"]
