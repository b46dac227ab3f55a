"""Which back-end runs the routines: the choice at import (the environment
variable ``SKDL_BACKEND``), the switch :func:`use`, and the lookup of a
routine in the active back-end, falling back to the NumPy reference.

A back-end is a sub-package of :mod:`skdl.backend` whose modules mirror the
fronts (``skdl.backend.numba.recurrent`` for :mod:`skdl.backend.recurrent`).
A routine is looked up by its name in the mirror module; where the module
or the name is missing, the NumPy back-end's routine runs. Each lookup is
made once per back-end and remembered, so that a call costs one dictionary
access. The numba back-end's modules are imported at their first lookup,
not with skdl (numba itself takes about a third of a second to import).
"""

import importlib
import importlib.util
import os
import threading
import warnings
from contextlib import contextmanager

__all__ = ["Backend", "active", "available", "routine", "use"]

_ALL_BACKENDS = ("numba", "numpy")
"""Every back-end skdl has, whether or not it can run here."""

ENVIRONMENT_VARIABLE = "SKDL_BACKEND"
_DEPRECATED_VARIABLE = "SKDL_KERNELS"


class Backend:
    """One back-end: the package ``skdl.backend.<name>`` and the routines
    found in it so far.

    Parameters
    ----------
    name : str
        The sub-package's name.
    reference : Backend or None
        Where a routine this back-end lacks is taken from; None for the
        reference itself, which must have every routine.

    Notes
    -----
    Should a module of a back-end other than the reference fail to import,
    however it fails (numba's ``ImportError``, llvmlite's ``OSError`` over
    its shared library, a ``RuntimeError``), the back-end warns once and
    serves the reference's routines for the rest of the process, rather
    than failing, and importing again, at every call.
    """

    def __init__(self, name, reference=None):
        self.name = name
        self._package = f"{__package__}.{name}"
        self._reference = reference
        self._found = {}
        self._broken = False

    def routine(self, front, name):
        """The routine ``name`` of the front module ``front``.

        Parameters
        ----------
        front : str
            The front's module name in :mod:`skdl.backend`, e.g. ``"dense"``.
        name : str

        Returns
        -------
        callable
        """
        try:
            return self._found[front, name]
        except KeyError:
            found = getattr(self._mirror(front), name, None)
            if found is None:
                if self._reference is None:
                    raise AttributeError(
                        f"the {self.name} back-end has no routine {front}.{name}"
                    ) from None
                found = self._reference.routine(front, name)
            self._found[front, name] = found
            return found

    def _mirror(self, front):
        """This back-end's module mirroring ``front``, or None when it has
        none (or cannot load it)."""
        if self._broken:
            return None
        module_name = f"{self._package}.{front}"
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:  # the back-end speeds nothing of it up
                return None
            failure = error
        except Exception as error:  # any failure: the reference does the same work
            failure = error
        if self._reference is None:
            raise failure
        self._broken = True
        warnings.warn(
            f"{self.name} is installed but skdl's {self.name} back-end cannot be loaded "
            f"({type(failure).__name__}: {failure}); using the NumPy back-end instead.",
            RuntimeWarning,
        )
        return None


def _numba_installed():
    """Whether numba can be found, without importing it."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):
        return False


_BACKENDS = {"numpy": Backend("numpy")}
if _numba_installed():
    _BACKENDS["numba"] = Backend("numba", reference=_BACKENDS["numpy"])


def _backend_from_environment():
    """Name of the back-end ``SKDL_BACKEND`` (or the deprecated
    ``SKDL_KERNELS``) asks for, or the default (numba when it is installed),
    with a warning when the request cannot be honoured."""
    default = "numba" if "numba" in _BACKENDS else "numpy"
    variable = ENVIRONMENT_VARIABLE
    if os.environ.get(_DEPRECATED_VARIABLE, ""):
        ignored = os.environ.get(variable, "")
        if not ignored:
            variable = _DEPRECATED_VARIABLE
        warnings.warn(
            f"The environment variable {_DEPRECATED_VARIABLE} is deprecated and will be "
            f"removed; set {ENVIRONMENT_VARIABLE} instead"
            + (f" (it is set, and {_DEPRECATED_VARIABLE} is ignored)." if ignored else "."),
            FutureWarning,
        )
    requested = os.environ.get(variable, "")
    name = requested.strip().lower()
    if not name:
        return default
    if name not in _ALL_BACKENDS:
        warnings.warn(
            f"Ignoring {variable}={requested!r}: it is not a back-end "
            f"(choose one of {list(_ALL_BACKENDS)}); using {default!r}.",
            RuntimeWarning,
        )
        return default
    if name not in _BACKENDS:
        warnings.warn(
            f"{variable}={requested!r} asks for numba, which cannot be imported "
            "here (it is not installed); using 'numpy'. Install it with: "
            "pip install 'skdl[fast]'.",
            RuntimeWarning,
        )
        return "numpy"
    return name


_DEFAULT = _BACKENDS[_backend_from_environment()]
_active = _DEFAULT
_open_blocks = []
"""(token, back-end) of every ``use`` block entered and not yet exited, in
the order they were entered, in any thread."""
_blocks_lock = threading.Lock()


def routine(front, name):
    """The active back-end's routine ``name`` of the front ``front`` (see
    :meth:`Backend.routine`)."""
    return _active.routine(front, name)


def available():
    """Names of the back-ends that can run here.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from skdl import backend
    >>> "numpy" in backend.available()
    True
    """
    return sorted(_BACKENDS)


def active():
    """Name of the active back-end.

    Returns
    -------
    str
        One of :func:`available`: the default (numba where it is installed,
        unless ``SKDL_BACKEND`` says otherwise) or that of the innermost
        :func:`use` block open.
    """
    return _active.name


def use(name):
    """Run a ``with`` block with back-end ``name``, then restore the last one.

    The back-end switches when the block is entered, not at this call, so
    use it in a ``with`` statement; blocks nest. The switch is for the whole
    process, not for one thread: worker threads started inside the block use
    it too. Blocks in different threads may overlap: on exit a block
    withdraws only its own request, the back-end in force is that of the
    most recently entered block still open (in any thread), and once every
    block has exited it is the default again.

    Parameters
    ----------
    name : {"numpy", "numba"}

    Returns
    -------
    context manager

    Raises
    ------
    ValueError
        At this call, if ``name`` is not among :func:`available`.

    Examples
    --------
    >>> from skdl import backend
    >>> with backend.use("numpy"):
    ...     backend.active()
    'numpy'
    """
    if name not in _BACKENDS:
        raise ValueError(
            f"Back-end {name!r} is not available here; choose one of "
            f"{available()} (numba comes with: pip install 'skdl[fast]')."
        )
    return _switched_to(_BACKENDS[name])


@contextmanager
def _switched_to(chosen):
    """Make ``chosen`` the active back-end for the block; on exit, withdraw
    this block's request alone (see :func:`use`)."""
    global _active
    token = object()
    with _blocks_lock:
        _open_blocks.append((token, chosen))
        _active = chosen
    try:
        yield
    finally:
        with _blocks_lock:
            _open_blocks[:] = [block for block in _open_blocks if block[0] is not token]
            _active = _open_blocks[-1][1] if _open_blocks else _DEFAULT
