"""Tests for skdl.losses: per-sample and weighted-mean values against formulas
and sklearn.metrics, gradients against finite differences, the stable
from-logits forms, the registry, thresholds and user-supplied loss objects."""

import numpy as np
import pytest
from scipy.special import expit
from scipy.special import huber as scipy_huber
from scipy.special import softmax as scipy_softmax
from sklearn.neural_network import _base as sk_mlp_base
from sklearn.metrics import (
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_poisson_deviance,
    mean_squared_error,
)

from skdl.activations import get_activation
from skdl.losses import (
    LOSSES,
    AbsoluteError,
    BinaryCrossEntropy,
    CrossEntropy,
    Hinge,
    Huber,
    Loss,
    PerceptronCriterion,
    Poisson,
    SquaredError,
    get_loss,
)

EXPECTED_REGISTRY = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "huber": Huber,
    "poisson": Poisson,
    "binary_cross_entropy": BinaryCrossEntropy,
    "cross_entropy": CrossEntropy,
    "hinge": Hinge,
    "perceptron": PerceptronCriterion,
}
N_SAMPLES, N_OUTPUTS = 9, 3


def _signs(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


def _binary(rng, shape):
    """0/1 targets with both classes present in every column."""
    y = rng.integers(0, 2, size=shape).astype(float)
    y[0], y[1] = 0.0, 1.0
    return y


def _margins(rng, shape, kink):
    """Margins s * out away from ``kink``."""
    m = rng.uniform(-2.5, 2.5, size=shape)
    m[np.abs(m - kink) < 0.15] += 0.4
    return m


def make_case(name, rng, n=N_SAMPLES, k=N_OUTPUTS):
    """Return (loss, y, out) with outputs in the loss's domain, away from kinks."""
    shape = (n, k)
    if name == "squared_error":
        return SquaredError(), rng.normal(size=shape), rng.normal(size=shape)
    if name == "absolute_error":
        y = rng.normal(size=shape)
        return AbsoluteError(), y, y + _signs(rng, shape) * rng.uniform(0.1, 2, shape)
    if name.startswith("huber"):
        delta = 1.0 if name == "huber" else 0.4
        y = rng.normal(size=shape)
        r = rng.uniform(0.05, 3 * delta, size=shape)
        r[np.abs(r - delta) < 0.05] += 0.2  # away from the |r| = delta kink
        return Huber(delta), y, y + _signs(rng, shape) * r
    if name == "poisson":
        y = rng.poisson(2.0, size=shape).astype(float)
        y[0] = 0.0  # zero counts are allowed
        return Poisson(), y, rng.uniform(0.2, 5.0, size=shape)
    if name == "binary_cross_entropy":
        return BinaryCrossEntropy(), _binary(rng, shape), rng.uniform(0.05, 0.95, shape)
    if name == "cross_entropy":
        labels = rng.integers(0, k, size=n)
        labels[:k] = np.arange(k)
        y = np.eye(k)[labels]
        return CrossEntropy(), y, scipy_softmax(rng.normal(size=shape), axis=1)
    if name in ("hinge", "perceptron"):
        loss = Hinge() if name == "hinge" else PerceptronCriterion()
        y = _binary(rng, shape)
        out = (2 * y - 1) * _margins(rng, shape, kink=loss.margin)
        return loss, y, out
    raise AssertionError(name)


def reference_per_sample(name, loss, y, out):
    """Each loss's per-sample formula, written independently of skdl."""
    if name == "squared_error":
        return 0.5 * ((out - y) ** 2).sum(axis=1)
    if name == "absolute_error":
        return np.abs(out - y).sum(axis=1)
    if name.startswith("huber"):
        return scipy_huber(loss.delta, out - y).sum(axis=1)
    if name == "poisson":
        y_log_y_over_out = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / out), 0)
        return (y_log_y_over_out - y + out).sum(axis=1)
    if name == "binary_cross_entropy":
        return -(y * np.log(out) + (1 - y) * np.log(1 - out)).sum(axis=1)
    if name == "cross_entropy":
        return -np.log(out[np.arange(len(y)), y.argmax(axis=1)])
    if name == "hinge":
        return np.maximum(0, 1 - (2 * y - 1) * out).sum(axis=1)
    if name == "perceptron":
        return np.maximum(0, -(2 * y - 1) * out).sum(axis=1)
    raise AssertionError(name)


def reference_value(name, loss, y, out, sw):
    """The weighted mean, from sklearn.metrics wherever one fits."""
    cols = range(y.shape[1])
    if name == "squared_error":
        return 0.5 * mean_squared_error(
            y, out, sample_weight=sw, multioutput="raw_values"
        ).sum()
    if name == "absolute_error":
        return mean_absolute_error(
            y, out, sample_weight=sw, multioutput="raw_values"
        ).sum()
    if name == "poisson":
        return sum(
            mean_poisson_deviance(y[:, j], out[:, j], sample_weight=sw) / 2 for j in cols
        )
    if name == "binary_cross_entropy":
        return sum(
            log_loss(y[:, j], out[:, j], sample_weight=sw, labels=[0, 1]) for j in cols
        )
    if name == "cross_entropy":
        return log_loss(
            y.argmax(axis=1), out, sample_weight=sw, labels=list(range(y.shape[1]))
        )
    if name == "hinge":
        return sum(
            hinge_loss(2 * y[:, j] - 1, out[:, j], sample_weight=sw) for j in cols
        )
    # no sklearn metric: a weighted mean of the formula
    return np.average(reference_per_sample(name, loss, y, out), weights=sw)


CASES = [
    "squared_error",
    "absolute_error",
    "huber",
    "huber_small_delta",
    "poisson",
    "binary_cross_entropy",
    "cross_entropy",
    "hinge",
    "perceptron",
]


# --------------------------------------------------------------------------
# values


@pytest.mark.parametrize("name", CASES)
def test_per_sample_matches_formula(name):
    loss, y, out = make_case(name, np.random.default_rng(0))
    ps = loss.per_sample(y, out)
    assert ps.shape == (len(y),)
    np.testing.assert_allclose(ps, reference_per_sample(name, loss, y, out), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", CASES)
def test_value_matches_sklearn_metrics(name, weighted):
    rng = np.random.default_rng(1)
    loss, y, out = make_case(name, rng)
    sw = rng.uniform(0.1, 3.0, size=len(y)) if weighted else None
    value = loss.value(y, out, sample_weight=sw)
    assert isinstance(value, float)
    np.testing.assert_allclose(value, reference_value(name, loss, y, out, sw), rtol=1e-10)
    # and it is the weighted mean of the per-sample losses
    np.testing.assert_allclose(
        value, np.average(loss.per_sample(y, out), weights=sw), rtol=1e-12
    )


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "name", ["poisson", "binary_cross_entropy", "hinge", "squared_error"]
)
def test_single_output_matches_sklearn_metric_directly(name, weighted):
    rng = np.random.default_rng(2)
    loss, y, out = make_case(name, rng, k=1)
    sw = rng.uniform(0.1, 3.0, size=len(y)) if weighted else None
    y1, out1 = y.ravel(), out.ravel()
    expected = {
        "poisson": lambda: mean_poisson_deviance(y1, out1, sample_weight=sw) / 2,
        "binary_cross_entropy": lambda: log_loss(y1, out1, sample_weight=sw),
        "hinge": lambda: hinge_loss(2 * y1 - 1, out1, sample_weight=sw),
        "squared_error": lambda: mean_squared_error(y1, out1, sample_weight=sw) / 2,
    }[name]()
    np.testing.assert_allclose(loss.value(y, out, sample_weight=sw), expected, rtol=1e-10)


def test_integer_sample_weight_equals_repetition():
    rng = np.random.default_rng(3)
    loss, y, out = make_case("huber", rng)
    sw = rng.integers(1, 4, size=len(y))
    repeated = loss.value(np.repeat(y, sw, axis=0), np.repeat(out, sw, axis=0))
    np.testing.assert_allclose(loss.value(y, out, sample_weight=sw), repeated, rtol=1e-12)


@pytest.mark.parametrize("name", ["squared_error", "absolute_error", "huber", "hinge"])
def test_loss_is_zero_at_perfect_prediction(name):
    loss = get_loss(name)
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    out = 2 * y - 1 if name == "hinge" else y.copy()
    np.testing.assert_array_equal(loss.per_sample(y, out), 0.0)


# --------------------------------------------------------------------------
# gradients


@pytest.mark.parametrize("name", CASES)
def test_gradient_matches_finite_differences(name):
    loss, y, out = make_case(name, np.random.default_rng(4))
    grad = loss.gradient(y, out)
    assert grad.shape == out.shape
    h = 1e-6
    fd = np.empty_like(out)
    for j in range(out.shape[1]):
        # each sample's loss depends only on its own row, so perturbing one
        # column of every row at once gives column j of the gradient
        step = np.zeros_like(out)
        step[:, j] = h
        fd[:, j] = (loss.per_sample(y, out + step) - loss.per_sample(y, out - step)) / (
            2 * h
        )
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------------
# from logits

CANONICAL = [
    ("cross_entropy", "softmax"),
    ("binary_cross_entropy", "sigmoid"),
    ("squared_error", "identity"),
    ("poisson", "exp"),
]


@pytest.mark.parametrize("name, activation", CANONICAL)
def test_per_sample_from_logits_matches_probability_form(name, activation):
    rng = np.random.default_rng(5)
    loss, y, _ = make_case(name, rng)
    assert loss.canonical_activation == activation
    z = rng.normal(scale=2.0, size=y.shape)
    expected = loss.per_sample(y, get_activation(activation).value(z))
    np.testing.assert_allclose(loss.per_sample_from_logits(y, z), expected, rtol=1e-10)


def _softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


@pytest.mark.parametrize(
    "name, y, z, expected_fn",
    [
        (
            "cross_entropy",
            [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
            [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [1000.0, 999.0, -1000.0]],
            lambda y, z: _sklearn_log_loss_per_sample("cross_entropy", y, z),
        ),
        (
            "binary_cross_entropy",
            [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
            [[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, -1000.0]],
            lambda y, z: _sklearn_log_loss_per_sample("binary_cross_entropy", y, z),
        ),
        (
            "poisson",
            [[2.0], [0.0], [5.0]],
            [[-1000.0], [-1000.0], [-700.0]],
            # out = e^z: y log y - y z - y + e^z
            lambda y, z: (
                np.where(y > 0, y * np.log(np.maximum(y, 1)), 0) - y * z - y + np.exp(z)
            ).sum(1),
        ),
        (
            "squared_error",
            [[1.0], [-1.0]],
            [[1000.0], [-1000.0]],
            lambda y, z: 0.5 * ((z - y) ** 2).sum(1),
        ),
    ],
    ids=["cross_entropy", "binary_cross_entropy", "poisson", "squared_error"],
)
def test_per_sample_from_logits_finite_for_extreme_logits(name, y, z, expected_fn):
    y, z = np.array(y), np.array(z)
    result = get_loss(name).per_sample_from_logits(y, z)
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, expected_fn(y, z), rtol=1e-12)


def _sklearn_log_loss_per_sample(name, y, z):
    """Each sample's log loss as scikit-learn's MLP computes it: from the
    probabilities, clipped to [eps, 1 - eps] for their dtype."""
    if name == "cross_entropy":
        return np.array([sk_mlp_base.log_loss(y[i : i + 1], scipy_softmax(z[i : i + 1], axis=1))
                         for i in range(len(y))])
    return np.array([sk_mlp_base.binary_log_loss(y[i : i + 1], expit(z[i : i + 1]))
                     for i in range(len(y))])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_logits_cost_what_sklearn_charges(dtype):
    # a confidently wrong prediction costs -log(eps) per output, not the
    # logit distance: scikit-learn's MLP clips probabilities to [eps, 1 - eps]
    y = np.array([[0.0, 1.0]], dtype=dtype)
    z = np.array([[1000.0, -1000.0]], dtype=dtype)
    cap = -np.log(np.finfo(dtype).eps)
    ce = CrossEntropy().per_sample_from_logits(y, z)
    bce = BinaryCrossEntropy().per_sample_from_logits(y, z)
    np.testing.assert_allclose(ce, [cap], rtol=1e-6)
    np.testing.assert_allclose(bce, [2 * cap], rtol=1e-6)
    # a confidently right one costs -log(1 - eps), not 0
    np.testing.assert_allclose(CrossEntropy().per_sample_from_logits(1 - y, z),
                               [-np.log1p(-np.finfo(dtype).eps)], rtol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1000.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name, k", [
    ("cross_entropy", 3), ("cross_entropy", 2), ("binary_cross_entropy", 1),
    ("binary_cross_entropy", 3),
])
def test_fused_output_step_reports_sklearns_log_loss(name, k, weighted, dtype, scale):
    rng = np.random.default_rng(11)
    n = 40
    z = (rng.normal(size=(n, k)) * scale).astype(dtype)
    if name == "cross_entropy":
        y = np.eye(k, dtype=dtype)[rng.integers(0, k, size=n)]
        activation, reference = get_activation("softmax"), sk_mlp_base.log_loss
    else:
        y = rng.integers(0, 2, size=(n, k)).astype(dtype)
        activation, reference = get_activation("sigmoid"), sk_mlp_base.binary_log_loss
    sw = rng.uniform(0.5, 2.0, size=n).astype(dtype) if weighted else None
    weight_sum = float(n if sw is None else np.sum(sw))
    out, delta = np.empty_like(z), np.empty_like(z)
    value = get_loss(name).canonical_step(y, z, activation, out, delta, sw, weight_sum)
    expected = reference(y, activation.value(z), sample_weight=sw)
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(value, expected, rtol=rtol)
    # the gradient is still p - y, unclipped
    expected_delta = (activation.value(z) - y) * (1 if sw is None else sw[:, None]) / weight_sum
    np.testing.assert_allclose(delta, expected_delta, rtol=rtol, atol=1e-7)


# --------------------------------------------------------------------------
# registry


@pytest.mark.parametrize("name, cls", sorted(EXPECTED_REGISTRY.items()))
def test_registry_name_returns_right_class(name, cls):
    assert LOSSES[name] is cls
    loss = get_loss(name)
    assert type(loss) is cls
    assert isinstance(loss, Loss)
    assert loss.name == name


@pytest.mark.parametrize(
    "output_activation, cls",
    [
        ("softmax", CrossEntropy),
        ("logistic", BinaryCrossEntropy),
        ("sigmoid", BinaryCrossEntropy),
    ],
)
def test_log_loss_resolves_by_output_activation(output_activation, cls):
    assert type(get_loss("log_loss", output_activation)) is cls


def test_unknown_loss_name_raises_listing_choices():
    with pytest.raises(ValueError, match="Unknown loss 'cosine'") as excinfo:
        get_loss("cosine")
    message = str(excinfo.value)
    for name in [*EXPECTED_REGISTRY, "log_loss"]:
        assert repr(name) in message


def test_loss_instance_returned_unchanged():
    loss = Huber(2.5)
    assert get_loss(loss) is loss


@pytest.mark.parametrize("delta", [0, 0.0, -1.0, np.nan])
def test_huber_invalid_delta_raises(delta):
    with pytest.raises(ValueError, match="delta must be > 0"):
        Huber(delta)


def test_huber_default_and_equality():
    assert get_loss("huber") == Huber(1.0)
    assert Huber(0.5) == Huber(0.5) != Huber(2.0)
    assert hash(Huber(0.5)) == hash(Huber(0.5))
    assert Hinge() != PerceptronCriterion()
    assert "Huber" in repr(Huber(0.5)) and "0.5" in repr(Huber(0.5))


@pytest.mark.parametrize(
    "name, threshold",
    [("hinge", 0.0), ("perceptron", 0.0)]
    + [(n, 0.5) for n in EXPECTED_REGISTRY if n not in ("hinge", "perceptron")],
)
def test_thresholds(name, threshold):
    assert get_loss(name).threshold == threshold


# --------------------------------------------------------------------------
# user losses


class QuarticLoss:
    """A plain user loss, not a Loss subclass: mean of sum((out - y) ** 4)."""

    def value(self, y, out, sample_weight=None):
        return np.average(((out - y) ** 4).sum(axis=1), weights=sample_weight)

    def gradient(self, y, out):
        return 4 * (out - y) ** 3


class WrongShapeGradient(QuarticLoss):
    def gradient(self, y, out):
        return super().gradient(y, out)[:, :1]


class NaNGradient(QuarticLoss):
    def gradient(self, y, out):
        g = super().gradient(y, out)
        g[0, 0] = np.nan
        return g


class InfGradient(QuarticLoss):
    def gradient(self, y, out):
        g = super().gradient(y, out)
        g[-1, -1] = -np.inf
        return g


class ArrayValue(QuarticLoss):
    def value(self, y, out, sample_weight=None):
        return ((out - y) ** 4).sum(axis=1)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_user_loss_accepted(weighted):
    rng = np.random.default_rng(6)
    y, out = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    sw = rng.uniform(0.5, 2, size=5) if weighted else None
    loss = get_loss(QuarticLoss())
    assert isinstance(loss, Loss)
    expected = np.average(((out - y) ** 4).sum(axis=1), weights=sw)
    value = loss.value(y, out, sample_weight=sw)
    assert isinstance(value, float)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    np.testing.assert_allclose(loss.gradient(y, out), 4 * (out - y) ** 3, rtol=1e-12)
    assert loss.threshold == 0.5


def test_user_loss_threshold_and_name_carried_over():
    class Margin(QuarticLoss):
        name = "margin"
        threshold = 0.0

    loss = get_loss(Margin())
    assert loss.threshold == 0.0
    assert loss.name == "margin"


@pytest.mark.parametrize(
    "obj, match",
    [
        (WrongShapeGradient(), r"gradient returned shape \(5, 1\), expected \(5, 2\)"),
        (NaNGradient(), "gradient returned non-finite"),
        (InfGradient(), "gradient returned non-finite"),
    ],
    ids=["shape", "nan", "inf"],
)
def test_user_loss_bad_gradient_raises(obj, match):
    rng = np.random.default_rng(7)
    y, out = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss = get_loss(obj)
    with pytest.raises(ValueError, match=match) as excinfo:
        loss.gradient(y, out)
    assert type(obj).__name__ in str(excinfo.value)


def test_user_loss_non_scalar_value_raises():
    y = np.zeros((4, 2))
    with pytest.raises(ValueError, match="must return a scalar"):
        get_loss(ArrayValue()).value(y, y + 1)


class OnlyValue:
    def value(self, y, out, sample_weight=None):
        return 0.0


class OnlyGradient:
    def gradient(self, y, out):
        return out - y


@pytest.mark.parametrize(
    "obj",
    [object(), OnlyValue(), OnlyGradient(), 1.5, None],
    ids=["object", "only-value", "only-gradient", "float", "None"],
)
def test_object_without_methods_raises_type_error(obj):
    with pytest.raises(TypeError, match="value.*gradient"):
        get_loss(obj)



class _NamedSigmoid:
    name = "softmax"
    is_probability = True

    def value(self, z):
        return 1 / (1 + np.exp(-z))

    def derivative(self, z, a):
        return a * (1 - a)


@pytest.mark.parametrize("output_activation, cls", [
    ("softmax", CrossEntropy),
    (get_activation("softmax"), CrossEntropy),
    (get_activation("sigmoid"), BinaryCrossEntropy),
    (_NamedSigmoid(), BinaryCrossEntropy),
    (get_activation(_NamedSigmoid()), BinaryCrossEntropy),
])
def test_log_loss_resolves_by_the_activations_type_not_its_name(output_activation, cls):
    assert type(get_loss("log_loss", output_activation)) is cls


@pytest.mark.parametrize("cls", [Hinge, Huber, CrossEntropy, QuarticLoss])
def test_a_loss_class_is_refused_naming_the_instance_to_pass(cls):
    with pytest.raises(TypeError, match=rf"{cls.__name__} is a class.*{cls.__name__}\(\)"):
        get_loss(cls)


class _StringGradient(QuarticLoss):
    def gradient(self, y, out):
        return np.full(out.shape, "g")


class _StringValue(QuarticLoss):
    def value(self, y, out, sample_weight=None):
        return "v"


def test_user_loss_returning_non_numbers_raises_type_error():
    y = np.zeros((3, 2))
    with pytest.raises(TypeError, match=r"'_StringGradient'\.gradient returned .*<U1"):
        get_loss(_StringGradient()).gradient(y, y + 1)
    with pytest.raises(TypeError, match=r"'_StringValue'\.value returned .*<U1"):
        get_loss(_StringValue()).value(y, y + 1)
