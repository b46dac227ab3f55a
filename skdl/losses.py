"""Loss functions: each one an object with its value and its gradient.

A loss compares targets ``y`` with network outputs ``out`` (both of shape
``(n_samples, n_outputs)``). Its value over a data set is the
sample-weighted mean of the per-sample losses; its gradient is the
derivative of each sample's loss with respect to that sample's output, which
the engine weights and averages itself.

When a loss is paired with its canonical output activation (cross-entropy
with softmax, binary cross-entropy with sigmoid, squared error with
identity, Poisson with exp), the gradient with respect to the output
layer's pre-activation is simply ``out - y``; the engine then skips the
activation's Jacobian.

The log losses are computed from the probabilities, clipped to
``[eps, 1 - eps]`` (``eps`` of the outputs' dtype), as scikit-learn's MLP
computes them, fused step included: a confidently wrong sample costs at most
``-log(eps)`` per output (36.0 nats in float64, 15.9 in float32), so the
reported loss and every stopping decision taken on it are scikit-learn's.
Their gradient with respect to the pre-activation, ``out - y``, is not
clipped.

Look a loss up by name with :func:`get_loss`.
"""

import numpy as np
from scipy.special import xlogy

from .backend import dense as dense_routines
from .activations import Softmax, _real_numbers, _refuse_class, get_activation

__all__ = [
    "Loss",
    "SquaredError",
    "AbsoluteError",
    "Huber",
    "Poisson",
    "BinaryCrossEntropy",
    "CrossEntropy",
    "Hinge",
    "PerceptronCriterion",
    "LOSSES",
    "get_loss",
]


class Loss:
    """Base class for losses.

    Subclasses implement :meth:`per_sample` and :meth:`gradient`.

    Attributes
    ----------
    name : str
        The registry name.
    canonical_activation : str or None
        Name of the output activation with which the gradient with respect
        to the pre-activation is ``out - y``.
    threshold : float
        For a binary target encoded as 0/1, outputs at or above this value
        predict the positive class.
    needs_probability : bool
        True when the loss is defined only for outputs that are
        probabilities (a sigmoid or softmax output).
    needs_positive_output : bool
        True when the loss is defined only for outputs greater than zero.
    """

    name = "loss"
    canonical_activation = None
    threshold = 0.5
    needs_probability = False
    needs_positive_output = False

    def per_sample(self, y, out):
        """Return each sample's loss.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
            Targets.
        out : ndarray of shape (n_samples, n_outputs)
            Network outputs.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        raise NotImplementedError

    def gradient(self, y, out):
        """Return the derivative of each sample's loss with respect to ``out``.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
        out : ndarray of shape (n_samples, n_outputs)

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
        """
        raise NotImplementedError

    def per_sample_from_logits(self, y, z):
        """Each sample's loss computed from the canonical pre-activation ``z``.

        The default applies the canonical activation and calls
        :meth:`per_sample`; subclasses override it for numerical stability.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
        z : ndarray of shape (n_samples, n_outputs)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.per_sample(y, get_activation(self.canonical_activation).value(z))

    def canonical_step(self, y, z, activation, out, delta, sample_weight, weight_sum):
        """Output-layer step of a canonical pair, in one go.

        Writes ``activation(z)`` into ``out`` and the averaged gradient with
        respect to ``z`` (each row times its weight over ``weight_sum``) into
        ``delta``, and returns the weighted mean loss computed from ``z``.
        Each sample's gradient with respect to the canonical pre-activation is
        ``out - y``; a loss for which it is not overrides this method.

        Parameters
        ----------
        y, z : ndarray of shape (n_samples, n_outputs)
            Targets and the output layer's pre-activation.
        activation : Activation
            The canonical output activation.
        out, delta : ndarray of shape (n_samples, n_outputs)
            Filled with the outputs and the gradient with respect to ``z``.
        sample_weight : ndarray of shape (n_samples,) or None
        weight_sum : float
            Sum of ``sample_weight`` (the number of rows without weights).

        Returns
        -------
        float
        """
        activation.forward(z, out)
        value = _weighted_mean(self.per_sample_from_logits(y, z), sample_weight, weight_sum)
        np.subtract(out, y, out=delta)
        dense_routines.scale_rows(delta, sample_weight, weight_sum)
        return value

    def value(self, y, out, sample_weight=None):
        """Sample-weighted mean loss.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
        out : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        return _weighted_mean(self.per_sample(y, out), sample_weight)

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self), tuple(sorted(vars(self).items()))))


def _weighted_mean(values, sample_weight, weight_sum=None):
    """Mean of ``values`` weighted by ``sample_weight`` (None: unweighted),
    whose sum ``weight_sum`` may be given when known."""
    if sample_weight is None:
        # np.mean's sum and division, without its overhead on small batches
        return float(values.sum() / values.shape[0])
    if weight_sum is None:
        weight_sum = np.sum(sample_weight)
    return float(np.dot(values, sample_weight) / weight_sum)


class SquaredError(Loss):
    """Half squared error ``0.5 * sum((out - y) ** 2)``; assumes Gaussian noise."""

    name = "squared_error"
    canonical_activation = "identity"

    def per_sample(self, y, out):
        r = out - y
        return 0.5 * np.einsum("ij,ij->i", r, r)

    def gradient(self, y, out):
        return out - y

    def per_sample_from_logits(self, y, z):
        return self.per_sample(y, z)


class AbsoluteError(Loss):
    """Absolute error ``sum(|out - y|)``; assumes Laplace noise, robust to outliers."""

    name = "absolute_error"

    def per_sample(self, y, out):
        return np.abs(out - y).sum(axis=1)

    def gradient(self, y, out):
        return np.sign(out - y)


class Huber(Loss):
    """Huber loss: squared near zero, absolute beyond ``delta``.

    Parameters
    ----------
    delta : float, default=1.0
        Residual size where the loss turns from quadratic to linear.
    """

    name = "huber"

    def __init__(self, delta=1.0):
        if not delta > 0:
            raise ValueError(f"Huber delta must be > 0, got {delta!r}.")
        self.delta = delta

    def per_sample(self, y, out):
        r = np.abs(out - y)
        quadratic = np.minimum(r, self.delta)
        return (0.5 * quadratic * quadratic + self.delta * (r - quadratic)).sum(axis=1)

    def gradient(self, y, out):
        return np.clip(out - y, -self.delta, self.delta)


class Poisson(Loss):
    """Half Poisson deviance ``y * log(y / out) - y + out``; for counts, out > 0."""

    name = "poisson"
    canonical_activation = "exp"
    needs_positive_output = True

    def per_sample(self, y, out):
        with np.errstate(divide="ignore"):
            return (xlogy(y, y) - xlogy(y, out) - y + out).sum(axis=1)

    def gradient(self, y, out):
        with np.errstate(divide="ignore"):
            return 1 - y / out

    def per_sample_from_logits(self, y, z):
        return (xlogy(y, y) - y * z - y + np.exp(z)).sum(axis=1)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy (log loss) for outputs in (0, 1); Bernoulli targets.

    Used for binary and multi-label classification, one sigmoid per output.
    """

    name = "binary_cross_entropy"
    canonical_activation = "sigmoid"
    needs_probability = True

    def per_sample(self, y, out):
        p = _clip_probability(out)
        return -(xlogy(y, p) + xlogy(1 - y, 1 - p)).sum(axis=1)

    def gradient(self, y, out):
        p = _clip_probability(out)
        return (p - y) / (p * (1 - p))


class CrossEntropy(Loss):
    """Categorical cross-entropy (log loss) for rows of probabilities."""

    name = "cross_entropy"
    canonical_activation = "softmax"
    needs_probability = True

    def per_sample(self, y, out):
        return -np.einsum("ij,ij->i", y, _clipped_log(out))

    def gradient(self, y, out):
        return -y / _clip_probability(out)

    def canonical_step(self, y, z, activation, out, delta, sample_weight, weight_sum):
        # softmax and its gradient p * sum(y) - y in one fused routine; the
        # loss from the probabilities it leaves in ``out``, clipped, summed
        # in one dot product when unweighted
        dense_routines.softmax_cross_entropy(z, y, out, delta, sample_weight, weight_sum)
        log_p = _clipped_log(out)
        if sample_weight is None:
            return -float(np.vdot(y, log_p)) / weight_sum
        return -float(np.dot(np.einsum("ij,ij->i", y, log_p), sample_weight)) / weight_sum


class Hinge(Loss):
    """Hinge loss ``max(0, 1 - s * out)`` with ``s = 2 y - 1`` in {-1, +1}.

    A margin loss (linear SVM) with no probability model; use an output
    activation whose range crosses zero (identity or tanh).
    """

    name = "hinge"
    threshold = 0.0
    margin = 1.0

    def per_sample(self, y, out):
        return np.maximum(0, self.margin - (2 * y - 1) * out).sum(axis=1)

    def gradient(self, y, out):
        sign = 2 * y - 1
        return np.where(sign * out <= self.margin, -sign, 0).astype(out.dtype)


class PerceptronCriterion(Hinge):
    """Perceptron criterion ``max(0, -s * out)``: hinge with zero margin.

    Its stochastic gradient step on one sample is the perceptron rule.
    """

    name = "perceptron"
    margin = 0.0


def _clip_probability(p):
    eps = np.finfo(np.result_type(p, np.float32)).eps
    return np.clip(p, eps, 1 - eps)


def _clipped_log(p):
    """``log(_clip_probability(p))`` in one new array, with less overhead
    than ``np.clip`` on the small arrays of a mini-batch."""
    eps = np.finfo(np.result_type(p, np.float32)).eps
    log_p = np.maximum(p, eps)
    np.minimum(log_p, 1 - eps, out=log_p)
    return np.log(log_p, out=log_p)


LOSSES = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "huber": Huber,
    "poisson": Poisson,
    "binary_cross_entropy": BinaryCrossEntropy,
    "cross_entropy": CrossEntropy,
    "hinge": Hinge,
    "perceptron": PerceptronCriterion,
}
"""Registry of built-in losses by name. ``log_loss`` resolves in
:func:`get_loss` to one of the two cross-entropies."""


class _UserLoss(Loss):
    """Adapter for a user's loss (any object with ``value`` and ``gradient``,
    subclasses of :class:`Loss` included), checking what it returns."""

    def __init__(self, obj):
        self.obj = obj
        self.name = getattr(obj, "name", type(obj).__name__)
        self.threshold = getattr(obj, "threshold", 0.5)
        self.needs_probability = bool(getattr(obj, "needs_probability", False))
        self.needs_positive_output = bool(getattr(obj, "needs_positive_output", False))

    def value(self, y, out, sample_weight=None):
        result = _real_numbers(
            self.obj.value(y, out, sample_weight), f"Loss {self.name!r}.value"
        )
        if result.ndim != 0:
            raise ValueError(
                f"Loss {self.name!r}.value must return a scalar, got shape "
                f"{result.shape}."
            )
        if not np.isfinite(result):
            raise ValueError(f"Loss {self.name!r}.value returned {float(result)}.")
        return float(result)

    def gradient(self, y, out):
        grad = _real_numbers(self.obj.gradient(y, out), f"Loss {self.name!r}.gradient")
        if grad.shape != out.shape:
            raise ValueError(
                f"Loss {self.name!r}.gradient returned shape {grad.shape}, "
                f"expected {out.shape}."
            )
        if not np.all(np.isfinite(grad)):
            raise ValueError(f"Loss {self.name!r}.gradient returned non-finite values.")
        return grad


def get_loss(loss, output_activation=None):
    """Return a :class:`Loss` for a name, an instance or a user object.

    Parameters
    ----------
    loss : str or object
        A registry name (see :data:`LOSSES`), ``"log_loss"``, a :class:`Loss`
        instance, or any object with ``value(y, out, sample_weight)`` and
        ``gradient(y, out)``.
    output_activation : str or Activation, default=None
        The output activation, or its registry name; resolves ``"log_loss"``
        to cross-entropy for the built-in softmax and to binary
        cross-entropy for any other output (a user's activation is never
        taken for softmax, whatever its ``name``).

    Returns
    -------
    Loss
    """
    if isinstance(loss, str):
        if loss == "log_loss":
            softmax = output_activation is not None and isinstance(
                get_activation(output_activation), Softmax
            )
            loss = "cross_entropy" if softmax else "binary_cross_entropy"
        try:
            return LOSSES[loss]()
        except KeyError:
            raise ValueError(
                f"Unknown loss {loss!r}; choose one of "
                f"{sorted([*LOSSES, 'log_loss'])} or pass an object with "
                "value(y, out, sample_weight) and gradient(y, out)."
            ) from None
    _refuse_class(loss, "loss")
    if isinstance(loss, Loss) and type(loss).__module__ == __name__:
        return loss
    if callable(getattr(loss, "value", None)) and callable(
        getattr(loss, "gradient", None)
    ):
        return _UserLoss(loss)
    raise TypeError(
        "A loss must be a name or an object with value(y, out, sample_weight) "
        f"and gradient(y, out) methods; got {loss!r}."
    )
