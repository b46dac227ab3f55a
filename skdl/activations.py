"""Activation functions: each one a small object with its value and derivative.

An activation maps a layer's pre-activation ``z`` to its output ``a = f(z)``.
The engine needs two things from it: the value, and during backpropagation
the product of an incoming gradient with the derivative (a vector-Jacobian
product). Built-in activations compute both in place on preallocated buffers;
a user's activation only has to provide ``value(z)`` and ``derivative(z, a)``.

Look an activation up by name with :func:`get_activation`.
"""

import math

import numpy as np
from scipy.special import expit, ndtr

from .backend import dense as dense_routines

__all__ = [
    "Activation",
    "Identity",
    "Step",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "GELU",
    "Softplus",
    "Exp",
    "ACTIVATIONS",
    "get_activation",
]


_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Activation:
    """Base class for activations.

    Subclasses implement :meth:`value` and :meth:`derivative`. The in-place
    engine hooks :meth:`forward` and :meth:`backward` default to them; the
    built-in activations override them for speed, while for your own
    activation (a subclass or any object with ``value`` and ``derivative``)
    the engine calls ``value`` and ``derivative`` and checks what they
    return.

    Attributes
    ----------
    name : str
        The registry name.
    needs_input : bool
        Whether :meth:`derivative` reads the pre-activation ``z``. When False
        the engine may compute the activation in place over ``z`` and pass
        ``z=None`` to the derivative.
    is_probability : bool
        Whether the outputs are probabilities (each in [0, 1]).
    is_positive : bool
        Whether every output is greater than zero, as the Poisson loss needs.
    fused_name : str or None
        Name under which :func:`skdl.backend.dense.bias_forward` fuses the
        bias addition with this activation (and the SimpleRNN's time loop
        its step), if it can.
    """

    name = "activation"
    needs_input = True
    is_probability = False
    is_positive = False
    fused_name = None

    def value(self, z):
        """Return ``f(z)`` as a new array.

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_units)
            Pre-activation.

        Returns
        -------
        a : ndarray of shape (n_samples, n_units)
        """
        raise NotImplementedError

    def derivative(self, z, a):
        """Return the elementwise derivative ``f'(z)``.

        Parameters
        ----------
        z : ndarray or None
            Pre-activation (None when :attr:`needs_input` is False).
        a : ndarray
            Output ``f(z)``.

        Returns
        -------
        ndarray of the same shape as ``a``
        """
        raise NotImplementedError

    def forward(self, z, out):
        """Write ``f(z)`` into ``out``.

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_units)
            Pre-activation.
        out : ndarray like ``z``
            Where the output goes; may be ``z`` itself.
        """
        out[...] = self.value(z)

    def backward(self, grad, z, a):
        """Turn ``grad`` (dL/da) into dL/dz in place.

        Parameters
        ----------
        grad : ndarray
            Gradient of the loss with respect to the output ``a``; overwritten.
        z : ndarray or None
            Pre-activation (None when :attr:`needs_input` is False).
        a : ndarray
            Output ``f(z)``.
        """
        grad *= self.derivative(z, a)

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self), tuple(sorted(vars(self).items()))))


class Identity(Activation):
    """``f(z) = z``: no activation; the usual regression output."""

    name = "identity"
    needs_input = False
    fused_name = "identity"

    def value(self, z):
        return np.array(z, copy=True)

    def derivative(self, z, a):
        return np.ones_like(a)

    def forward(self, z, out):
        if out is not z:
            out[...] = z

    def backward(self, grad, z, a):
        pass


class Step(Activation):
    """Heaviside step, ``1 if z >= 0 else 0``: the classic perceptron.

    Its derivative is zero almost everywhere, so gradients do not train it;
    the perceptron rule does.
    """

    name = "step"
    needs_input = False

    def value(self, z):
        return (np.asarray(z) >= 0).astype(np.result_type(z, np.float32))

    def derivative(self, z, a):
        return np.zeros_like(a)

    def forward(self, z, out):
        np.greater_equal(z, 0, out=out, casting="unsafe")

    def backward(self, grad, z, a):
        grad[...] = 0


class Sigmoid(Activation):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, in (0, 1)."""

    name = "sigmoid"
    needs_input = False
    is_probability = True
    is_positive = True
    fused_name = "sigmoid"

    def value(self, z):
        return expit(z)

    def derivative(self, z, a):
        return a * (1 - a)

    def forward(self, z, out):
        expit(z, out=out)

    def backward(self, grad, z, a):
        dense_routines.sigmoid_backward(grad, a)


class Softmax(Activation):
    """Softmax over each row: ``exp(z_k) / sum_j exp(z_j)``.

    Its Jacobian is never formed: :meth:`backward` computes the
    vector-Jacobian product ``a * (g - sum(g * a))`` directly, and paired
    with cross-entropy the engine uses ``p - y`` instead.
    """

    name = "softmax"
    needs_input = False
    is_probability = True
    is_positive = True

    def value(self, z):
        out = np.empty_like(np.asarray(z, dtype=np.result_type(z, np.float32)))
        self.forward(np.asarray(z), out)
        return out

    def derivative(self, z, a):
        raise NotImplementedError(
            "softmax has no elementwise derivative; use Softmax.backward"
        )

    def forward(self, z, out):
        np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)

    def backward(self, grad, z, a):
        dot = np.einsum("ij,ij->i", grad, a)[:, None]
        grad -= dot
        grad *= a


class Tanh(Activation):
    """Hyperbolic tangent, in (-1, 1)."""

    name = "tanh"
    needs_input = False
    fused_name = "tanh"

    def value(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a

    def forward(self, z, out):
        np.tanh(z, out=out)

    def backward(self, grad, z, a):
        dense_routines.tanh_backward(grad, a)


class ReLU(Activation):
    """Rectified linear unit ``max(0, z)``."""

    name = "relu"
    needs_input = False
    fused_name = "relu"

    def value(self, z):
        return np.maximum(z, 0)

    def derivative(self, z, a):
        return (a > 0).astype(a.dtype)

    def forward(self, z, out):
        np.maximum(z, 0, out=out)

    def backward(self, grad, z, a):
        dense_routines.relu_backward(grad, a)


class LeakyReLU(Activation):
    """``z if z > 0 else negative_slope * z``: keeps a gradient for z < 0.

    Parameters
    ----------
    negative_slope : float, default=0.01
        Slope for negative inputs; must be positive.
    """

    name = "leaky_relu"
    needs_input = False

    def __init__(self, negative_slope=0.01):
        if not negative_slope > 0:
            raise ValueError(
                f"LeakyReLU negative_slope must be > 0, got {negative_slope!r}."
            )
        self.negative_slope = negative_slope

    def value(self, z):
        return np.where(z > 0, z, self.negative_slope * z)

    def derivative(self, z, a):
        return np.where(a > 0, 1.0, self.negative_slope).astype(a.dtype)


class ELU(Activation):
    """Exponential linear unit: ``z if z > 0 else alpha * (exp(z) - 1)``.

    Parameters
    ----------
    alpha : float, default=1.0
        Saturation value for large negative inputs; must be positive.
    """

    name = "elu"
    needs_input = False

    def __init__(self, alpha=1.0):
        if not alpha > 0:
            raise ValueError(f"ELU alpha must be > 0, got {alpha!r}.")
        self.alpha = alpha

    def value(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def derivative(self, z, a):
        # for z <= 0, f'(z) = alpha * exp(z) = a + alpha
        return np.where(a > 0, 1.0, a + self.alpha).astype(a.dtype)


class GELU(Activation):
    """Gaussian error linear unit ``z * Phi(z)`` (exact, with the normal CDF)."""

    name = "gelu"
    needs_input = True

    def value(self, z):
        return z * ndtr(z)

    def derivative(self, z, a):
        return ndtr(z) + z * np.exp(-0.5 * z * z) * _INV_SQRT_2PI


class Softplus(Activation):
    """``log(1 + exp(z))``: a smooth, positive ReLU."""

    name = "softplus"
    needs_input = False
    is_positive = True

    def value(self, z):
        return np.logaddexp(0, z)

    def derivative(self, z, a):
        # f'(z) = sigmoid(z) = 1 - exp(-f(z))
        return -np.expm1(-a)


class Exp(Activation):
    """``exp(z)``: the positive output paired with the Poisson loss."""

    name = "exp"
    needs_input = False
    is_positive = True

    def value(self, z):
        return np.exp(z)

    def derivative(self, z, a):
        return np.array(a, copy=True)

    def forward(self, z, out):
        np.exp(z, out=out)

    def backward(self, grad, z, a):
        grad *= a


ACTIVATIONS = {
    "identity": Identity,
    "linear": Identity,
    "step": Step,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "softmax": Softmax,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
    "softplus": Softplus,
    "exp": Exp,
}
"""Registry of built-in activations by name (aliases included)."""


class _UserActivation(Activation):
    """Adapter giving a user's object with ``value`` and ``derivative`` the
    engine hooks, checking what it returns."""

    needs_input = True

    def __init__(self, obj):
        self.obj = obj
        self.name = getattr(obj, "name", type(obj).__name__)
        self.is_probability = bool(getattr(obj, "is_probability", False))
        self.is_positive = bool(getattr(obj, "is_positive", False))

    def value(self, z):
        return _checked(self.obj.value(z), z.shape, f"Activation {self.name!r}.value")

    def derivative(self, z, a):
        return _checked(
            self.obj.derivative(z, a), a.shape, f"Activation {self.name!r}.derivative"
        )


def _checked(result, shape, source):
    result = _real_numbers(result, source)
    if result.shape != shape:
        raise ValueError(f"{source} returned shape {result.shape}, expected {shape}.")
    if not np.all(np.isfinite(result)):
        raise ValueError(f"{source} returned non-finite values.")
    return result


def _real_numbers(result, source):
    """``result`` as an array, refused with a TypeError naming ``source`` (the
    user's object and method, e.g. ``"Activation 'cube'.value"``) unless it
    holds real numbers (floats, integers or booleans)."""
    result = np.asarray(result)
    if result.dtype.kind not in "biuf":
        raise TypeError(
            f"{source} returned values of dtype {result.dtype}, which are not real "
            "numbers; it must return floats."
        )
    return result


def _refuse_class(obj, kind):
    """Raise a TypeError when ``obj`` is a class rather than an instance of
    one, naming the instance to pass (``kind``: "activation" or "loss")."""
    if isinstance(obj, type):
        raise TypeError(
            f"The {kind} {obj.__name__} is a class, where an instance is needed: pass "
            f"{obj.__name__}() (with any parameters it takes), not {obj.__name__}."
        )


def get_activation(activation):
    """Return an :class:`Activation` for a name, an instance or a user object.

    Parameters
    ----------
    activation : str or object
        A registry name (see :data:`ACTIVATIONS`), an :class:`Activation`
        instance, or any object with ``value(z)`` and ``derivative(z, a)``.

    Returns
    -------
    Activation
    """
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]()
        except KeyError:
            raise ValueError(
                f"Unknown activation {activation!r}; choose one of "
                f"{sorted(ACTIVATIONS)} or pass an object with value(z) and "
                "derivative(z, a)."
            ) from None
    _refuse_class(activation, "activation")
    if isinstance(activation, Activation):
        if type(activation).__module__ == __name__:
            return activation
        missing = [m for m in ("value", "derivative")
                   if getattr(type(activation), m) is getattr(Activation, m)]
        if missing:
            raise TypeError(
                f"The activation {activation!r} subclasses Activation but does not "
                f"implement {' and '.join(missing)}; a user activation provides "
                "value(z) and derivative(z, a)."
            )
        return _UserActivation(activation)
    if callable(getattr(activation, "value", None)) and callable(
        getattr(activation, "derivative", None)
    ):
        return _UserActivation(activation)
    raise TypeError(
        "An activation must be a name or an object with value(z) and "
        f"derivative(z, a) methods; got {activation!r}."
    )
