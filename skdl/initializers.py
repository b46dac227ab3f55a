"""Weight initializers, named and drawn as Keras's.

A layer's ``kernel_initializer``, ``bias_initializer`` (and the other
``*_initializer`` arguments Keras gives a layer) take one of these objects
or its name: ``"glorot_uniform"``, ``"he_normal"``, ``"orthogonal"``,
``"zeros"`` and the rest of :data:`INITIALIZER_NAMES`. Draws come from the
estimator's ``random_state``, so that a fit is reproducible; Keras's
``seed`` argument has no counterpart here.

The variance-scaling family reads the fans of a weight from its shape as
Keras does: a 2-D ``(fan_in, fan_out)`` kernel as it is; for more axes,
the last two are the input and output sizes, each multiplied by the
product of the axes before them (a convolution's window).

This module knows nothing of scikit-learn.
"""

import math

import numpy as np

from ._params import HyperParameters, check_number

__all__ = [
    "Initializer",
    "Zeros",
    "Ones",
    "Constant",
    "RandomUniform",
    "RandomNormal",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeUniform",
    "HeNormal",
    "LecunUniform",
    "LecunNormal",
    "Orthogonal",
    "Identity",
    "get_initializer",
    "compute_fans",
    "INITIALIZER_NAMES",
]


# the standard deviation of a standard normal truncated to [-2, 2]
# (scipy.stats.truncnorm.std(-2, 2)): VarianceScaling divides by it so that
# its truncated draws have the variance it promises
_TRUNCATED_STD = 0.87962566103423978


class Initializer(HyperParameters):
    """Base class of the initializers.

    A subclass stores each constructor argument as the attribute of the
    same name and draws in :meth:`draw`; it clones, pickles and nests in a
    search as the optimizers do (``dense__kernel_initializer__stddev``).

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.initializers import Initializer
    >>> class Halves(Initializer):
    ...     def draw(self, shape, random_state):
    ...         return np.full(shape, 0.5)
    >>> Halves()((2,), np.random.RandomState(0))
    array([0.5, 0.5])
    """

    def __call__(self, shape, random_state, dtype=np.float64):
        """Draw an array.

        Parameters
        ----------
        shape : tuple of int
            The weight's shape, in Keras's layout.
        random_state : numpy.random.RandomState
            Source of randomness.
        dtype : dtype, default=np.float64

        Returns
        -------
        ndarray of ``shape`` and ``dtype``
        """
        shape = tuple(int(s) for s in shape)
        values = np.asarray(self.draw(shape, random_state), dtype=np.float64)
        if values.shape != shape:
            raise ValueError(f"{self!r} drew an array of shape {values.shape} for a weight "
                             f"of shape {shape}.")
        return values.astype(dtype)

    def draw(self, shape, random_state):
        """Subclass hook: the values, as a float64 array of ``shape``.

        Parameters
        ----------
        shape : tuple of int
        random_state : numpy.random.RandomState

        Returns
        -------
        ndarray
        """
        raise NotImplementedError


class Zeros(Initializer):
    """All zeros (Keras's default for biases).

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.initializers import Zeros
    >>> Zeros()((3,), np.random.RandomState(0))
    array([0., 0., 0.])
    """

    def draw(self, shape, random_state):
        """All zeros.

        Parameters
        ----------
        shape : tuple of int
        random_state : ignored

        Returns
        -------
        ndarray
        """
        return np.zeros(shape)


class Ones(Initializer):
    """All ones (Keras's default for a normalization's ``gamma``).

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.initializers import Ones
    >>> Ones()((2,), np.random.RandomState(0))
    array([1., 1.])
    """

    def draw(self, shape, random_state):
        """All ones.

        Parameters
        ----------
        shape : tuple of int
        random_state : ignored

        Returns
        -------
        ndarray
        """
        return np.ones(shape)


class Constant(Initializer):
    """Every entry ``value``.

    Parameters
    ----------
    value : float, default=0.0

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.initializers import Constant
    >>> Constant(0.1)((2,), np.random.RandomState(0))
    array([0.1, 0.1])
    """

    def __init__(self, value=0.0):
        self.value = value
        self._check_params()

    def _check_params(self):
        check_number("Constant", "value", self.value)

    def draw(self, shape, random_state):
        """Every entry ``value``.

        Parameters
        ----------
        shape : tuple of int
        random_state : ignored

        Returns
        -------
        ndarray
        """
        return np.full(shape, float(self.value))


class RandomUniform(Initializer):
    """Uniform on ``[minval, maxval)`` (Keras's default for embeddings).

    Parameters
    ----------
    minval : float, default=-0.05
    maxval : float, default=0.05
    """

    def __init__(self, minval=-0.05, maxval=0.05):
        self.minval = minval
        self.maxval = maxval
        self._check_params()

    def _check_params(self):
        check_number("RandomUniform", "minval", self.minval)
        check_number("RandomUniform", "maxval", self.maxval, minimum=self.minval)

    def draw(self, shape, random_state):
        """Uniform draws.

        Parameters
        ----------
        shape : tuple of int
        random_state : numpy.random.RandomState

        Returns
        -------
        ndarray
        """
        return random_state.uniform(self.minval, self.maxval, shape)


class RandomNormal(Initializer):
    """Normal of mean ``mean`` and standard deviation ``stddev``.

    Parameters
    ----------
    mean : float, default=0.0
    stddev : float, default=0.05
    """

    def __init__(self, mean=0.0, stddev=0.05):
        self.mean = mean
        self.stddev = stddev
        self._check_params()

    def _check_params(self):
        check_number("RandomNormal", "mean", self.mean)
        check_number("RandomNormal", "stddev", self.stddev, minimum=0)

    def draw(self, shape, random_state):
        """Normal draws.

        Parameters
        ----------
        shape : tuple of int
        random_state : numpy.random.RandomState

        Returns
        -------
        ndarray
        """
        return random_state.normal(self.mean, self.stddev, shape)


class TruncatedNormal(Initializer):
    """Normal of mean ``mean`` and standard deviation ``stddev``, redrawn
    beyond two standard deviations, as Keras's.

    Parameters
    ----------
    mean : float, default=0.0
    stddev : float, default=0.05
    """

    def __init__(self, mean=0.0, stddev=0.05):
        self.mean = mean
        self.stddev = stddev
        self._check_params()

    def _check_params(self):
        check_number("TruncatedNormal", "mean", self.mean)
        check_number("TruncatedNormal", "stddev", self.stddev, minimum=0)

    def draw(self, shape, random_state):
        """Truncated normal draws.

        Parameters
        ----------
        shape : tuple of int
        random_state : numpy.random.RandomState

        Returns
        -------
        ndarray
        """
        return _truncated_normal(shape, random_state, self.mean, self.stddev)


class VarianceScaling(Initializer):
    """Draws of variance ``scale / n``, ``n`` the fan chosen by ``mode``, as
    Keras's ``VarianceScaling``; the Glorot, He and LeCun initializers are
    its named cases.

    Parameters
    ----------
    scale : float, default=1.0
        Positive.
    mode : {"fan_in", "fan_out", "fan_avg"}, default="fan_in"
        ``n`` is the input fan, the output fan, or their mean (see
        :func:`compute_fans`).
    distribution : {"truncated_normal", "untruncated_normal", "uniform"}, \
default="truncated_normal"
        A normal truncated at two standard deviations (its spread corrected
        so that the variance is ``scale / n``), a plain normal, or a
        uniform on ``+-sqrt(3 * scale / n)``.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal"):
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self._check_params()

    def _check_params(self):
        name = type(self).__name__
        check_number(name, "scale", self.scale, minimum=0, include_minimum=False)
        if self.mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"{name}: mode must be 'fan_in', 'fan_out' or 'fan_avg'; "
                             f"got {self.mode!r}.")
        if self.distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"{name}: distribution must be 'truncated_normal', "
                             f"'untruncated_normal' or 'uniform'; got {self.distribution!r}.")

    def draw(self, shape, random_state):
        """Draws of variance ``scale / n``.

        Parameters
        ----------
        shape : tuple of int
        random_state : numpy.random.RandomState

        Returns
        -------
        ndarray
        """
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out,
               "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            bound = math.sqrt(3.0 * variance)
            return random_state.uniform(-bound, bound, shape)
        if self.distribution == "untruncated_normal":
            return random_state.normal(0.0, math.sqrt(variance), shape)
        return _truncated_normal(shape, random_state, 0.0,
                                 math.sqrt(variance) / _TRUNCATED_STD)


class GlorotUniform(VarianceScaling):
    """Uniform on ``+-sqrt(6 / (fan_in + fan_out))`` (Glorot and Bengio, 2010).

    Keras's ``GlorotUniform``: :class:`VarianceScaling` with ``scale=1.0``,
    ``mode="fan_avg"`` and ``distribution="uniform"``; it has no parameters.
    """

    def __init__(self):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform")


class GlorotNormal(VarianceScaling):
    """Truncated normal of variance ``2 / (fan_in + fan_out)`` (Glorot and Bengio, 2010).

    Keras's ``GlorotNormal``: :class:`VarianceScaling` with ``scale=1.0``,
    ``mode="fan_avg"`` and ``distribution="truncated_normal"``; it has no parameters.
    """

    def __init__(self):
        super().__init__(scale=1.0, mode="fan_avg", distribution="truncated_normal")


class HeUniform(VarianceScaling):
    """Uniform on ``+-sqrt(6 / fan_in)`` (He et al., 2015), for ReLU layers.

    Keras's ``HeUniform``: :class:`VarianceScaling` with ``scale=2.0``,
    ``mode="fan_in"`` and ``distribution="uniform"``; it has no parameters.
    """

    def __init__(self):
        super().__init__(scale=2.0, mode="fan_in", distribution="uniform")


class HeNormal(VarianceScaling):
    """Truncated normal of variance ``2 / fan_in`` (He et al., 2015), for ReLU layers.

    Keras's ``HeNormal``: :class:`VarianceScaling` with ``scale=2.0``,
    ``mode="fan_in"`` and ``distribution="truncated_normal"``; it has no parameters.
    """

    def __init__(self):
        super().__init__(scale=2.0, mode="fan_in", distribution="truncated_normal")


class LecunUniform(VarianceScaling):
    """Uniform on ``+-sqrt(3 / fan_in)`` (LeCun et al., 1998).

    Keras's ``LecunUniform``: :class:`VarianceScaling` with ``scale=1.0``,
    ``mode="fan_in"`` and ``distribution="uniform"``; it has no parameters.
    """

    def __init__(self):
        super().__init__(scale=1.0, mode="fan_in", distribution="uniform")


class LecunNormal(VarianceScaling):
    """Truncated normal of variance ``1 / fan_in``, for SELU layers.

    Keras's ``LecunNormal``: :class:`VarianceScaling` with ``scale=1.0``,
    ``mode="fan_in"`` and ``distribution="truncated_normal"``; it has no parameters.
    """

    def __init__(self):
        super().__init__(scale=1.0, mode="fan_in", distribution="truncated_normal")


class Orthogonal(Initializer):
    """An orthogonal matrix times ``gain``, from the QR decomposition of a
    normal draw, as Keras's (its default for recurrent kernels). A weight of
    more than two axes is drawn as the matrix of its last axis against all
    the others.

    Parameters
    ----------
    gain : float, default=1.0
    """

    def __init__(self, gain=1.0):
        self.gain = gain
        self._check_params()

    def _check_params(self):
        check_number("Orthogonal", "gain", self.gain)

    def draw(self, shape, random_state):
        """An orthogonal matrix reshaped to ``shape``.

        Parameters
        ----------
        shape : tuple of int
            At least two axes.
        random_state : numpy.random.RandomState

        Returns
        -------
        ndarray

        Raises
        ------
        ValueError
            For a weight of fewer than two axes.
        """
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a weight of at least 2 axes; got shape "
                             f"{shape}. Use it for kernels, not biases.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = random_state.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        q = q.T if rows < cols else q
        return self.gain * q.reshape(shape)


class Identity(Initializer):
    """The identity matrix times ``gain``, as Keras's ``Identity``: ones on
    the main diagonal of a 2-D weight, zeros elsewhere (for a square
    recurrent kernel, say).

    Parameters
    ----------
    gain : float, default=1.0

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.initializers import Identity
    >>> Identity(2.0)((2, 3), np.random.RandomState(0))
    array([[2., 0., 0.],
           [0., 2., 0.]])
    """

    def __init__(self, gain=1.0):
        self.gain = gain
        self._check_params()

    def _check_params(self):
        check_number("Identity", "gain", self.gain)

    def draw(self, shape, random_state):
        """``gain`` times the identity of ``shape``.

        Parameters
        ----------
        shape : tuple of int
            Two axes.
        random_state : ignored

        Returns
        -------
        ndarray

        Raises
        ------
        ValueError
            For a weight of other than two axes.
        """
        if len(shape) != 2:
            raise ValueError(f"Identity needs a 2-D weight; got shape {shape}. Use it for "
                             "Dense or recurrent kernels.")
        return self.gain * np.eye(*shape)


_NAMED = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_uniform": RandomUniform, "uniform": RandomUniform,
    "random_normal": RandomNormal, "normal": RandomNormal,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity,
}

INITIALIZER_NAMES = tuple(_NAMED)
"""The names :func:`get_initializer` takes, Keras's (class names work too)."""


def get_initializer(initializer):
    """The :class:`Initializer` for ``initializer``.

    Parameters
    ----------
    initializer : str, Initializer or Initializer subclass
        One of :data:`INITIALIZER_NAMES`, Keras's class name of one
        (``"GlorotUniform"``), an object, returned as it is, or a class,
        made with its defaults.

    Returns
    -------
    Initializer

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    TypeError
        For anything else.

    Examples
    --------
    >>> from skdl.initializers import get_initializer
    >>> get_initializer("he_normal")
    HeNormal()
    """
    if isinstance(initializer, Initializer):
        return initializer
    if isinstance(initializer, type) and issubclass(initializer, Initializer):
        return initializer()  # Keras takes the class for its default object
    if isinstance(initializer, str):
        by_class = {cls.__name__: cls for cls in _NAMED.values()}
        cls = _NAMED.get(initializer) or by_class.get(initializer)
        if cls is None:
            raise ValueError(f"Unknown initializer {initializer!r}; use one of "
                             f"{sorted(_NAMED)} or an skdl.initializers.Initializer.")
        return cls()
    raise TypeError(f"An initializer must be a name such as 'glorot_uniform' or an "
                    f"skdl.initializers.Initializer; got {initializer!r}.")


def compute_fans(shape):
    """A weight's input and output fans, as Keras computes them.

    Parameters
    ----------
    shape : tuple of int

    Returns
    -------
    fan_in, fan_out : int
        For ``()``: 1 and 1; ``(n,)``: n and n; ``(a, b)``: a and b; more
        axes: the last two times the product of the others.

    Examples
    --------
    >>> from skdl.initializers import compute_fans
    >>> compute_fans((3, 3, 8, 16))
    (72, 144)
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape
    field = math.prod(shape[:-2])
    return shape[-2] * field, shape[-1] * field


def _truncated_normal(shape, random_state, mean, stddev):
    """Normal draws of ``mean`` and ``stddev``, those beyond two deviations
    redrawn until none is (about 4.6% of them a round), as Keras's; about
    six times faster than SciPy's inverse-CDF ``truncnorm.rvs`` on a
    20000 x 64 embedding."""
    draws = random_state.standard_normal(shape)
    outside = np.abs(draws) > 2.0
    while outside.any():
        draws[outside] = random_state.standard_normal(int(outside.sum()))
        outside = np.abs(draws) > 2.0
    return mean + stddev * draws
