"""Deprecated: the back-end switch and the compute routines moved to
:mod:`skdl.backend`.

``skdl.kernels.use``, ``backend`` and ``available`` still work, as do the
old names of the routines that remain (``skdl.kernels.im2col`` and the
like), each with a ``FutureWarning`` that names where it moved; this module
will be removed. Gone without a replacement: ``KERNEL_NAMES`` (a back-end
now needs no list of names) and the step routines ``lstm_step_*`` and
``gru_step_*``, which only tests called (the sequence routines do the
layers' work).
"""

import importlib
import warnings

from . import backend as _backend

__all__ = ["available", "backend", "use"]

_FRONTS = ("dense", "optimizers", "convolution", "recurrent", "perceptron")


def _moved(old, new):
    warnings.warn(
        f"skdl.kernels.{old} is deprecated and will be removed; use {new} instead.",
        FutureWarning,
        stacklevel=3,
    )


def use(name):
    """Deprecated: :func:`skdl.backend.use`, which takes the same ``name``
    and returns the same ``with`` block."""
    _moved("use", "skdl.backend.use")
    return _backend.use(name)


def backend():
    """Deprecated: :func:`skdl.backend.active`, the active back-end's name."""
    _moved("backend", "skdl.backend.active")
    return _backend.active()


def available():
    """Deprecated: :func:`skdl.backend.available`, the names of the
    back-ends that can run here."""
    _moved("available", "skdl.backend.available")
    return _backend.available()


def __getattr__(name):
    """A routine by its old name, from the front it moved to."""
    for front in _FRONTS:
        module = importlib.import_module(f"{_backend.__name__}.{front}")
        if name in module.__all__:
            _moved(name, f"{module.__name__}.{name}")
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
