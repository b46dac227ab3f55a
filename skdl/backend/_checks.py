"""The checks every front makes before a back-end's loops run.

The compiled loops index without bounds checks, so each front refuses,
with a ``ValueError`` that names the arrays at fault and their shapes or
dtypes, any array they could read or write past the end of, or write into
a temporary copy of. The vocabulary is the same for every routine:

- :func:`check_floats`: NumPy arrays of float32 or float64;
- :func:`check_fit`: the others of a reference's dtype (or a given one)
  and of the shapes needed to fit it;
- :func:`check_written`: written arrays C-contiguous and writeable (and,
  where a loop reads raw memory, read ones C-contiguous);
- :func:`check_distinct`: written arrays sharing memory with no other;
- scalars: :func:`check_weight_sum`, :func:`check_n_penalized`,
  :func:`check_pair`.
"""

import math
import numbers

import numpy as np

__all__ = [
    "FLOAT_DTYPES", "describe", "check_floats", "check_fit", "check_written",
    "check_distinct", "check_arrays", "check_weight_sum", "check_n_penalized",
    "check_pair", "contiguous",
]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def describe(value):
    """What was passed, for a message: an array's shape and dtype, or a type."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def check_floats(routine, arrays, ndim=None):
    """Refuse anything but float32 or float64 NumPy arrays.

    Parameters
    ----------
    routine : str
        The routine's name, for the messages.
    arrays : dict of str to object
        The arrays by name.
    ndim : int, optional
        Number of dimensions the first array must have.

    Raises
    ------
    ValueError
        Naming the first array that is not a float32 or float64 NumPy
        array, or the first array when it has not ``ndim`` dimensions.
    """
    for name, array in arrays.items():
        if not (isinstance(array, np.ndarray) and array.dtype in FLOAT_DTYPES):
            raise ValueError(
                f"{routine}: {name} must be a float32 or float64 NumPy array; got "
                f"{describe(array)}."
            )
    if ndim is not None:
        name, array = next(iter(arrays.items()))
        if array.ndim != ndim:
            raise ValueError(f"{routine}: {name} must be {ndim}-D; got shape {array.shape}.")


def check_fit(routine, reference, arrays, needed, dtypes=None, context=""):
    """Refuse arrays not of the reference's dtype (or their own) and of the
    shapes they need to fit it.

    Parameters
    ----------
    routine : str
    reference : (str, ndarray)
        The (already checked) array the others must fit, by name.
    arrays : dict of str to object
        The others by name.
    needed : dict of str to tuple
        The shape each of them needs.
    dtypes : dict of str to dtype, optional
        Arrays of a dtype of their own (an ``argmax`` of uint8) rather than
        the reference's.
    context : str, default=""
        What else the shapes follow from, for the message (``" and out_size
        (3, 3)"``).

    Raises
    ------
    ValueError
        Naming the array at fault and its dtype or shape.
    """
    ref_name, ref = reference
    for name, array in arrays.items():
        own = None if dtypes is None else dtypes.get(name)
        if not isinstance(array, np.ndarray):
            raise ValueError(
                f"{routine}: {name} must be a NumPy array of dtype "
                f"{np.dtype(own) if own is not None else ref.dtype}; got {describe(array)}."
            )
        if own is None and array.dtype != ref.dtype:
            raise ValueError(
                f"{routine}: {name} has dtype {array.dtype} and {ref_name} has {ref.dtype}; "
                "the arrays must share one dtype."
            )
        if own is not None and array.dtype != own:
            raise ValueError(
                f"{routine}: {name} must be a {np.dtype(own)} array; got {describe(array)}."
            )
        if array.shape != needed[name]:
            raise ValueError(
                f"{routine}: {name} has shape {array.shape}, but needs shape {needed[name]} "
                f"to fit {ref_name} of shape {ref.shape}{context}."
            )


def check_written(routine, arrays, written, all_contiguous=False):
    """Refuse the arrays named in ``written`` unless the routine can write
    them in place: C-contiguous and writeable; with ``all_contiguous``,
    refuse every other array of ``arrays`` that is not C-contiguous."""
    for name in written:
        flags = arrays[name].flags
        if not (flags.c_contiguous and flags.writeable):
            raise ValueError(
                f"{routine}: {name} is written in place, so it must be a C-contiguous, "
                "writeable array."
            )
    if all_contiguous:
        for name, array in arrays.items():
            if name not in written and not array.flags.c_contiguous:
                raise ValueError(
                    f"{routine}: {name} must be C-contiguous (np.ascontiguousarray makes "
                    "it so)."
                )


def check_distinct(routine, arrays, written):
    """Refuse a written array that shares memory with another (the loops
    would read what they already wrote)."""
    for name in written:
        for other, array in arrays.items():
            if other != name and np.may_share_memory(arrays[name], array):
                raise ValueError(
                    f"{routine}: {name} shares memory with {other}; the routine writes "
                    f"{name}, so it needs an array of its own."
                )


def check_arrays(routine, arrays, written, ndim=None, parts=None):
    """The checks of an elementwise routine: float arrays, the first the
    reference, every other of its dtype and shape (or of a part of it),
    the written ones C-contiguous and writeable.

    Parameters
    ----------
    routine : str
    arrays : dict of str to object
        The routine's arrays by name; the first is the reference.
    written : tuple of str
        Names of the arrays the routine writes in place.
    ndim : int, optional
        Number of dimensions the reference must have.
    parts : dict of str to slice, optional
        Arrays whose shape is a part of the reference's: ``{"bias":
        slice(1, None)}`` asks for ``bias.shape == reference.shape[1:]``.

    Raises
    ------
    ValueError
        As :func:`check_floats`, :func:`check_fit` and :func:`check_written`.
    """
    check_floats(routine, arrays, ndim)
    names = iter(arrays)
    ref_name = next(names)
    shape = arrays[ref_name].shape
    others = {name: arrays[name] for name in names}
    needed = {name: shape if parts is None or name not in parts else shape[parts[name]]
              for name in others}
    check_fit(routine, (ref_name, arrays[ref_name]), others, needed)
    check_written(routine, arrays, written)


def check_weight_sum(routine, weight_sum):
    """Refuse a ``weight_sum`` the routine could not divide by."""
    if not (isinstance(weight_sum, numbers.Real) and 0 < weight_sum < math.inf):
        raise ValueError(
            f"{routine}: weight_sum must be a positive, finite number; got {weight_sum!r} "
            "(do the sample weights sum to zero?)."
        )


def check_n_penalized(routine, n_penalized, n_params):
    """Refuse an ``n_penalized`` that would index past the parameters."""
    if (not isinstance(n_penalized, numbers.Integral) or isinstance(n_penalized, bool)
            or not 0 <= n_penalized <= n_params):
        raise ValueError(
            f"{routine}: n_penalized must be an integer in [0, {n_params}] (the length of "
            f"params); got {n_penalized!r}."
        )


def check_pair(routine, name, value, minimum):
    """``value`` as a pair of Python ints ``>= minimum``, or a ValueError."""
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if not (len(pair) == 2 and all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) and p >= minimum
            for p in pair)):
        raise ValueError(
            f"{routine}: {name} must be a pair of integers >= {minimum}; got {value!r}."
        )
    return int(pair[0]), int(pair[1])


def contiguous(*arrays):
    """The read-only arrays as C-contiguous ones (copies only where they are
    not), so that a back-end sees one memory layout."""
    return [np.ascontiguousarray(a) for a in arrays]
