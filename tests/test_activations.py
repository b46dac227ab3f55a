"""Tests for skdl.activations: the registry, values against the formulas,
derivatives against finite differences, the in-place forward/backward engine
hooks, dtypes, parameterised activations and user-supplied activation objects."""

import math
import warnings

import numpy as np
import pytest
from scipy.special import erf
from scipy.special import softmax as scipy_softmax

from skdl import activations as act_mod
from skdl.activations import (
    ACTIVATIONS,
    ELU,
    GELU,
    Activation,
    Exp,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Step,
    Tanh,
    get_activation,
)

EXPECTED_REGISTRY = {
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
ALIASES = {"linear": "identity", "logistic": "sigmoid"}
CANONICAL_NAMES = sorted(set(EXPECTED_REGISTRY) - set(ALIASES))


def _stable_sigmoid(z):
    """1 / (1 + e^-z), with e^-|z| so nothing overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _reference(act, z):
    """Each activation's formula, written independently of skdl."""
    z = np.asarray(z, dtype=np.float64)
    kind = type(act)
    if kind is Identity:
        return z.copy()
    if kind is Step:
        return np.where(z >= 0, 1.0, 0.0)
    if kind is Sigmoid:
        return _stable_sigmoid(z)
    if kind is Softmax:
        return scipy_softmax(z, axis=1)
    if kind is Tanh:
        return np.sinh(z) / np.cosh(z)
    if kind is ReLU:
        return np.where(z > 0, z, 0.0)
    if kind is LeakyReLU:
        return np.where(z > 0, z, act.negative_slope * z)
    if kind is ELU:
        return np.where(z > 0, z, act.alpha * (np.exp(np.minimum(z, 0)) - 1.0))
    if kind is GELU:  # z * Phi(z), Phi the standard normal CDF
        return z * 0.5 * (1.0 + erf(z / math.sqrt(2.0)))
    if kind is Softplus:  # log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
        return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
    if kind is Exp:
        return np.power(math.e, z)
    raise AssertionError(f"no reference for {act!r}")


ALL_ACTIVATIONS = [
    Identity(),
    Step(),
    Sigmoid(),
    Softmax(),
    Tanh(),
    ReLU(),
    LeakyReLU(),
    LeakyReLU(0.1),
    ELU(),
    ELU(0.5),
    GELU(),
    Softplus(),
    Exp(),
]
# activations with an elementwise derivative that finite differences can check
DIFFERENTIABLE = [a for a in ALL_ACTIVATIONS if type(a) not in (Step, Softmax)]
ELEMENTWISE = [a for a in ALL_ACTIVATIONS if type(a) is not Softmax]


def _away_from_kinks(rng, shape=(6, 5), low=0.1, high=3.0):
    """Random z with |z| in [low, high], so no point sits on a kink at 0."""
    sign = rng.choice([-1.0, 1.0], size=shape)
    return sign * rng.uniform(low, high, size=shape)


def _central_difference(f, z, h=1e-6):
    return (f(z + h) - f(z - h)) / (2 * h)


# --------------------------------------------------------------------------
# registry


@pytest.mark.parametrize("name, cls", sorted(EXPECTED_REGISTRY.items()))
def test_registry_name_returns_right_class(name, cls):
    assert name in ACTIVATIONS
    act = get_activation(name)
    assert type(act) is cls
    assert isinstance(act, Activation)
    # the instance carries its canonical registry name
    assert act.name == ALIASES.get(name, name)


@pytest.mark.parametrize("alias, canonical", sorted(ALIASES.items()))
def test_aliases_map_to_same_class(alias, canonical):
    assert ACTIVATIONS[alias] is ACTIVATIONS[canonical]
    assert get_activation(alias) == get_activation(canonical)


@pytest.mark.parametrize("name", CANONICAL_NAMES)
def test_is_probability_only_for_sigmoid_and_softmax(name):
    act = get_activation(name)
    assert act.is_probability == (name in ("sigmoid", "softmax"))
    if act.is_probability:
        a = act.value(np.random.default_rng(0).normal(scale=5, size=(4, 3)))
        assert np.all((a >= 0) & (a <= 1))


@pytest.mark.parametrize("name", CANONICAL_NAMES)
def test_is_positive_for_the_outputs_the_poisson_loss_accepts(name):
    act = get_activation(name)
    assert act.is_positive == (name in ("sigmoid", "softmax", "softplus", "exp"))
    if act.is_positive:
        a = act.value(np.random.default_rng(0).normal(scale=5, size=(4, 3)))
        assert np.all(a > 0)


def test_subclass_without_derivative_is_refused_by_name():
    class OnlyValue(Activation):
        def value(self, z):
            return z / (1 + np.abs(z))

    with pytest.raises(TypeError, match="does not implement derivative"):
        get_activation(OnlyValue())


def test_builtin_instance_is_returned_unchanged():
    act = LeakyReLU(0.3)
    assert get_activation(act) is act


def test_unknown_name_raises_value_error_listing_choices():
    with pytest.raises(ValueError, match="Unknown activation 'swish'") as excinfo:
        get_activation("swish")
    message = str(excinfo.value)
    for name in EXPECTED_REGISTRY:
        assert repr(name) in message


# --------------------------------------------------------------------------
# values


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=repr)
def test_value_matches_formula(act):
    rng = np.random.default_rng(1)
    z = rng.normal(scale=2.0, size=(7, 4))
    z[0, :3] = [0.0, -0.0, 1e-3]  # include the points at and next to 0
    a = act.value(z)
    assert a.shape == z.shape
    np.testing.assert_allclose(a, _reference(act, z), rtol=1e-12, atol=1e-14)


def test_value_does_not_modify_input():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 3))
    for act in ALL_ACTIVATIONS:
        z_copy = z.copy()
        act.value(z_copy)
        np.testing.assert_array_equal(z_copy, z, err_msg=repr(act))


@pytest.mark.parametrize(
    "act, z, expected",
    [
        (LeakyReLU(0.1), [[-2.0, -0.5, 0.0, 3.0]], [[-0.2, -0.05, 0.0, 3.0]]),
        (LeakyReLU(), [[-100.0, 4.0]], [[-1.0, 4.0]]),
        (ELU(0.5), [[-1.0, 0.0, 2.0]], [[0.5 * (math.exp(-1) - 1), 0.0, 2.0]]),
        (ELU(0.5), [[-50.0]], [[-0.5]]),  # saturates at -alpha
        (ELU(), [[-2.0]], [[math.exp(-2) - 1]]),
        (GELU(), [[1.0, -1.0]], [[0.5 * (1 + math.erf(2**-0.5)),
                                  -0.5 * (1 + math.erf(-(2**-0.5)))]]),
    ],
)
def test_parameterised_values(act, z, expected):
    np.testing.assert_allclose(act.value(np.array(z)), expected, rtol=1e-12)


@pytest.mark.parametrize("z", [-1000.0, -50.0, 50.0, 1000.0])
def test_sigmoid_stable_for_extreme_inputs(z):
    z = np.array([[z, -z]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings
        a = Sigmoid().value(z)
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a, _stable_sigmoid(z), rtol=1e-14, atol=0)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)


def test_softplus_large_inputs_do_not_overflow():
    z = np.array([[-1e5, -1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0, 1e5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = Softplus().value(z)
    assert np.all(np.isfinite(a))
    # log(1 + e^z) -> z for large z, -> e^z (>= 0) for very negative z
    np.testing.assert_allclose(
        a, np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))), rtol=1e-15
    )
    assert a[0, -1] == 1e5 and a[0, -2] == 1000.0
    assert np.all(a >= 0)
    np.testing.assert_allclose(a[0, 2], math.exp(-50), rtol=1e-12)
    np.testing.assert_allclose(a[0, 4], math.log(2), rtol=1e-15)


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e5])
def test_softmax_rows_sum_to_one_and_stable(scale):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(6, 5)) * scale
    z[0] = [1e4, 0.0, -1e4, 1e4, 5.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = Softmax().value(z)
    assert np.all(np.isfinite(a))
    assert np.all(a >= 0)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(a, scipy_softmax(z, axis=1), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(a[0], [0.5, 0, 0, 0.5, 0], atol=1e-300)
    # invariant to adding a constant to each row
    shifted = Softmax().value(z - 123.0 * scale)
    np.testing.assert_allclose(shifted, a, rtol=1e-9, atol=1e-300)


# --------------------------------------------------------------------------
# derivatives


@pytest.mark.parametrize("act", DIFFERENTIABLE, ids=repr)
def test_derivative_matches_finite_differences(act):
    z = _away_from_kinks(np.random.default_rng(4))
    a = act.value(z)
    expected = _central_difference(act.value, z)
    np.testing.assert_allclose(act.derivative(z, a), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("act", DIFFERENTIABLE, ids=repr)
def test_derivative_matches_finite_differences_of_formula(act):
    # the same check against the independent formula, so a value() bug and a
    # matching derivative() bug cannot cancel out
    z = _away_from_kinks(np.random.default_rng(5))
    expected = _central_difference(lambda x: _reference(act, x), z)
    np.testing.assert_allclose(
        act.derivative(z, act.value(z)), expected, rtol=1e-6, atol=1e-8
    )


def test_step_derivative_is_zero():
    z = np.array([[-2.0, -0.1, 0.0, 0.1, 2.0]])
    act = Step()
    np.testing.assert_array_equal(act.derivative(z, act.value(z)), 0.0)


def test_softmax_has_no_elementwise_derivative():
    z = np.random.default_rng(6).normal(size=(3, 4))
    act = Softmax()
    with pytest.raises(NotImplementedError):
        act.derivative(z, act.value(z))


def _softmax_jacobian(a_row):
    """J[i, j] = d a_i / d z_j = a_i (delta_ij - a_j)."""
    return np.diag(a_row) - np.outer(a_row, a_row)


def test_softmax_backward_is_jacobian_vector_product():
    rng = np.random.default_rng(7)
    z = rng.normal(scale=2.0, size=(5, 4))
    g = rng.normal(size=(5, 4))
    act = Softmax()
    a = act.value(z)
    expected = np.empty_like(g)
    for i in range(len(z)):
        J = _softmax_jacobian(a[i])
        # cross-check the explicit Jacobian against finite differences
        fd = np.empty_like(J)
        for j in range(z.shape[1]):
            e = np.zeros(z.shape[1])
            e[j] = 1e-6
            fd[:, j] = (
                scipy_softmax(z[i] + e) - scipy_softmax(z[i] - e)
            ) / 2e-6
        np.testing.assert_allclose(J, fd, atol=1e-8)
        expected[i] = g[i] @ J  # dL/dz_j = sum_i g_i dA_i/dz_j
    grad = g.copy()
    assert act.needs_input is False
    act.backward(grad, None, a)
    np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------
# the in-place engine hooks


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=repr)
def test_forward_into_separate_buffer(act):
    z = np.random.default_rng(8).normal(scale=2.0, size=(5, 4))
    z_before = z.copy()
    out = np.full_like(z, np.nan)
    act.forward(z, out)
    np.testing.assert_allclose(out, act.value(z_before), rtol=1e-15)
    np.testing.assert_array_equal(z, z_before)  # input untouched


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=repr)
def test_forward_in_place(act):
    z = np.random.default_rng(9).normal(scale=2.0, size=(5, 4))
    expected = act.value(z)
    buf = z.copy()
    act.forward(buf, buf)
    np.testing.assert_allclose(buf, expected, rtol=1e-15)


@pytest.mark.parametrize("act", ELEMENTWISE, ids=repr)
def test_backward_equals_grad_times_derivative(act):
    rng = np.random.default_rng(10)
    z = _away_from_kinks(rng)
    a = act.value(z)
    g = rng.normal(size=z.shape)
    expected = g * act.derivative(z, a)
    # when needs_input is False, prove the derivative does not read z
    z_arg = z if act.needs_input else None
    if not act.needs_input:
        np.testing.assert_allclose(
            act.derivative(None, a), act.derivative(z, a), rtol=1e-15
        )
    grad = g.copy()
    result = act.backward(grad, z_arg, a)
    assert result is None  # works in place
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)


def test_gelu_needs_input():
    # GELU's derivative cannot be recovered from its output alone
    assert GELU.needs_input is True
    z = np.array([[-0.5, 1.0]])
    np.testing.assert_allclose(
        GELU().derivative(z, GELU().value(z)),
        _central_difference(GELU().value, z),
        rtol=1e-7,
    )


# --------------------------------------------------------------------------
# dtypes


@pytest.mark.parametrize("name", CANONICAL_NAMES)
def test_float32_stays_float32_through_forward_and_backward(name):
    act = get_activation(name)
    rng = np.random.default_rng(11)
    z64 = _away_from_kinks(rng, low=0.2, high=2.0)
    z = z64.astype(np.float32)
    assert act.value(z).dtype == np.float32
    out = np.empty_like(z)
    act.forward(z, out)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, act.value(z64), rtol=1e-5, atol=1e-6)
    buf = z.copy()
    act.forward(buf, buf)
    assert buf.dtype == np.float32
    g = rng.normal(size=z.shape).astype(np.float32)
    grad = g.copy()
    act.backward(grad, z if act.needs_input else None, out)
    assert grad.dtype == np.float32
    if name == "softmax":
        a64 = act.value(z64)
        jac = np.stack([_softmax_jacobian(row) for row in a64])
        expected = np.einsum("ni,nij->nj", g, jac)
    else:
        expected = g * act.derivative(z64, act.value(z64))
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", [n for n in CANONICAL_NAMES if n != "softmax"])
def test_float32_derivative_stays_float32(name):
    act = get_activation(name)
    z = _away_from_kinks(np.random.default_rng(12)).astype(np.float32)
    assert act.derivative(z, act.value(z)).dtype == np.float32


# --------------------------------------------------------------------------
# parameterised instances, equality and repr


def test_default_parameters():
    assert LeakyReLU().negative_slope == 0.01
    assert ELU().alpha == 1.0
    assert get_activation("leaky_relu") == LeakyReLU(0.01)
    assert get_activation("elu") == ELU(1.0)


@pytest.mark.parametrize(
    "cls, bad", [(c, b) for c in (LeakyReLU, ELU) for b in (0, 0.0, -0.1, -1, np.nan)]
)
def test_invalid_parameters_raise(cls, bad):
    with pytest.raises(ValueError, match="must be > 0"):
        cls(bad)


def test_equality_hash_and_repr():
    assert LeakyReLU(0.1) == LeakyReLU(0.1)
    assert hash(LeakyReLU(0.1)) == hash(LeakyReLU(0.1))
    assert LeakyReLU(0.1) != LeakyReLU(0.2)
    assert LeakyReLU(0.1) != ELU(0.1)
    assert ELU(0.5) == ELU(0.5) != ELU(1.0)
    assert ReLU() == get_activation("relu") != Tanh()
    assert len({LeakyReLU(0.1), LeakyReLU(0.1), LeakyReLU(0.2)}) == 2
    r = repr(LeakyReLU(0.1))
    assert "LeakyReLU" in r and "0.1" in r
    for act in (LeakyReLU(0.1), ELU(0.5), ReLU(), Softmax()):
        assert eval(repr(act), vars(act_mod)) == act


# --------------------------------------------------------------------------
# user activations


class Cube:
    """A plain user activation, not an Activation subclass."""

    def value(self, z):
        return z**3

    def derivative(self, z, a):
        return 3 * z**2


class BadValueShape(Cube):
    def value(self, z):
        return z[:, :1] ** 3


class BadDerivativeShape(Cube):
    def derivative(self, z, a):
        return (3 * z**2).ravel()


class NaNValue(Cube):
    def value(self, z):
        out = z**3
        out[0, 0] = np.nan
        return out


class InfDerivative(Cube):
    def derivative(self, z, a):
        out = 3 * z**2
        out[-1, -1] = np.inf
        return out


def test_user_object_accepted_and_works_through_hooks():
    rng = np.random.default_rng(13)
    z = rng.normal(size=(4, 3))
    act = get_activation(Cube())
    assert isinstance(act, Activation)
    np.testing.assert_allclose(act.value(z), z**3)
    out = np.empty_like(z)
    act.forward(z, out)
    np.testing.assert_allclose(out, z**3)
    g = rng.normal(size=z.shape)
    grad = g.copy()
    act.backward(grad, z, out)
    np.testing.assert_allclose(grad, g * 3 * z**2)
    # the gradient is right: compare with finite differences
    np.testing.assert_allclose(
        act.derivative(z, out), _central_difference(act.value, z), rtol=1e-6
    )


def test_user_object_attributes_carried_over():
    class Named(Cube):
        name = "cube"
        is_probability = False

    act = get_activation(Named())
    assert act.name == "cube"
    assert act.is_probability is False


@pytest.mark.parametrize(
    "obj, hook, match",
    [
        (BadValueShape(), "forward", r"value returned shape \(4, 1\), expected \(4, 3\)"),
        (BadDerivativeShape(), "backward", r"derivative returned shape \(12,\)"),
        (NaNValue(), "forward", r"value returned non-finite"),
        (InfDerivative(), "backward", r"derivative returned non-finite"),
    ],
    ids=["value-shape", "derivative-shape", "value-nan", "derivative-inf"],
)
def test_user_object_bad_output_raises(obj, hook, match):
    z = np.random.default_rng(14).normal(size=(4, 3))
    act = get_activation(obj)
    with pytest.raises(ValueError, match=match) as excinfo:
        if hook == "forward":
            act.forward(z, np.empty_like(z))
        else:
            act.backward(np.ones_like(z), z, z**3)
    assert type(obj).__name__ in str(excinfo.value)  # names the culprit


class OnlyValue:
    def value(self, z):
        return z


class NonCallableDerivative(OnlyValue):
    derivative = 1.0


@pytest.mark.parametrize(
    "obj",
    [object(), OnlyValue(), NonCallableDerivative(), 3, None, np.tanh],
    ids=["object", "only-value", "non-callable", "int", "None", "ufunc"],
)
def test_object_without_methods_raises_type_error(obj):
    with pytest.raises(TypeError, match="value.*derivative"):
        get_activation(obj)


@pytest.mark.parametrize("cls", [Tanh, LeakyReLU, Cube])
def test_an_activation_class_is_refused_naming_the_instance_to_pass(cls):
    with pytest.raises(TypeError, match=rf"{cls.__name__} is a class.*{cls.__name__}\(\)"):
        get_activation(cls)


@pytest.mark.parametrize("fill, dtype", [("a", "<U1"), (None, "object"), (1j, "complex")])
@pytest.mark.parametrize("hook", ["forward", "backward"])
def test_user_object_returning_non_numbers_raises_type_error(fill, dtype, hook):
    class Returns(Cube):
        def value(self, z):
            return np.full(z.shape, fill) if hook == "forward" else z**3

        def derivative(self, z, a):
            return np.full(a.shape, fill)

    z = np.random.default_rng(15).normal(size=(4, 3))
    act = get_activation(Returns())
    with pytest.raises(TypeError, match=rf"'Returns'\.\w+ returned .*{dtype}.*not real numbers"):
        if hook == "forward":
            act.forward(z, np.empty_like(z))
        else:
            act.backward(np.ones_like(z), z, z**3)
