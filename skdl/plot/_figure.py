"""What the plots share: matplotlib, imported only when a picture is drawn
(naming the extra when it is missing), and the check of a grid's size."""

from numbers import Integral

_MATPLOTLIB_MISSING = "skdl.plot needs matplotlib: pip install 'skdl[plot]'"


def import_pyplot():
    """Import and return ``matplotlib.pyplot``, naming the extra when missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(_MATPLOTLIB_MISSING) from error
    return plt


def check_resolution(resolution):
    """Refuse a number of grid points that is not an integer of at least 2."""
    if isinstance(resolution, bool) or not isinstance(resolution, Integral) or resolution < 2:
        raise ValueError(
            "resolution (grid points along each axis) must be an integer of at "
            f"least 2, got {resolution!r}."
        )
