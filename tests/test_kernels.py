"""The two kernel back-ends: each kernel against a plain NumPy reference, and
whole fits agreeing between back-ends."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier, MLPRegressor, kernels

BACKENDS = kernels.available()
DTYPES = [np.float32, np.float64]


def _tol(dtype):
    return dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_back_end_provides_every_kernel(backend):
    module = kernels._BACKENDS[backend]
    assert all(callable(getattr(module, name, None)) for name in kernels.KERNEL_NAMES)


@pytest.mark.parametrize("backend", BACKENDS)
def test_optimizer_steps_refuse_vectors_of_different_lengths(backend):
    params, grad = np.zeros(7), np.ones(7)
    short = np.zeros(5)
    with kernels.use(backend):
        with pytest.raises(ValueError, match=r"sizes \[7, 7, 5\]"):
            kernels.sgd_step(params, grad, short, 0.1, 0.9, True)
        with pytest.raises(ValueError, match="must all match the parameter vector"):
            kernels.adam_step(params, grad, np.zeros(7), short, 0.01, 0.9, 0.999, 1e-8,
                              np.zeros(7))
    assert not params.any()


def test_numba_is_available_where_installed():
    try:
        import numba  # noqa: F401
    except ImportError:
        assert BACKENDS == ["numpy"]
    else:
        assert BACKENDS == ["numba", "numpy"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation, reference", [
    ("identity", lambda z: z), ("relu", lambda z: np.maximum(z, 0)),
    ("tanh", np.tanh), ("sigmoid", expit),
])
def test_bias_forward(backend, dtype, activation, reference, rng):
    z = rng.normal(size=(37, 11)).astype(dtype)
    bias = rng.normal(size=11).astype(dtype)
    expected = reference(z.astype(np.float64) + bias)
    with kernels.use(backend):
        kernels.bias_forward(z, bias, activation)
    assert z.dtype == dtype
    assert_allclose(z, expected, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, slope", [
    ("relu_backward", lambda a: (a > 0).astype(float)),
    ("tanh_backward", lambda a: 1 - a * a),
    ("sigmoid_backward", lambda a: a * (1 - a)),
])
def test_activation_backward(backend, dtype, name, slope, rng):
    a = rng.uniform(-0.9, 0.9, size=(23, 9)).astype(dtype)
    grad = rng.normal(size=(23, 9)).astype(dtype)
    expected = grad.astype(np.float64) * slope(a.astype(np.float64))
    with kernels.use(backend):
        getattr(kernels, name)(grad, a)
    assert grad.dtype == dtype
    assert_allclose(grad, expected, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_add_scaled(backend, dtype, rng):
    dst, src = rng.normal(size=(2, 1001)).astype(dtype)
    expected = dst.astype(np.float64) + 0.37 * src
    with kernels.use(backend):
        kernels.add_scaled(dst, src, 0.37, np.empty_like(src))
    assert_allclose(dst, expected, **_tol(dtype))


def _penalised_gradient(params, grad, l2, n_penalized):
    """The reference for the optimizers' fused L2 term: the gradient with
    ``l2 * params`` added on the first entries, and their sum of squares."""
    g = grad.astype(np.float64)
    g[:n_penalized] += l2 * params[:n_penalized].astype(np.float64)
    return g, float(np.sum(params[:n_penalized].astype(np.float64) ** 2))


# no penalty; a penalty on part of the vector (coefficients before
# intercepts); a penalty on all of it
PENALTIES = [(0.0, 0), (0.3, 300), (0.3, 503)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
@pytest.mark.parametrize("l2, n_penalized", PENALTIES)
def test_sgd_step(backend, dtype, momentum, nesterov, l2, n_penalized, rng):
    params, grad, velocity = rng.normal(size=(3, 503)).astype(dtype)
    g, squares = _penalised_gradient(params, grad, l2, n_penalized)
    p, v = params.astype(np.float64), velocity.astype(np.float64)
    v = momentum * v - 0.1 * g
    p = p + (momentum * v - 0.1 * g if nesterov else v)
    with kernels.use(backend):
        got = kernels.sgd_step(params, grad, velocity, 0.1, momentum, nesterov, l2,
                               n_penalized)
    assert_allclose(velocity, v, **_tol(dtype))
    assert_allclose(params, p, **_tol(dtype))
    assert_allclose(got, squares, **_tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l2, n_penalized", PENALTIES)
def test_adam_step(backend, dtype, l2, n_penalized, rng):
    params, grad = rng.normal(size=(2, 503)).astype(dtype)
    m, v = rng.normal(size=503).astype(dtype), rng.uniform(size=503).astype(dtype)
    g, squares = _penalised_gradient(params, grad, l2, n_penalized)
    m64 = 0.9 * m + 0.1 * g
    v64 = 0.999 * v + 0.001 * g ** 2
    p64 = params - 0.01 * m64 / (np.sqrt(v64) + 1e-8)
    with kernels.use(backend):
        got = kernels.adam_step(params, grad, m, v, 0.01, 0.9, 0.999, 1e-8,
                                np.empty_like(params), l2, n_penalized)
    for array, want in [(m, m64), (v, v64), (params, p64)]:
        assert array.dtype == dtype
        assert_allclose(array, want, **_tol(dtype))
    assert_allclose(got, squares, **_tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("params", [
    dict(solver="adam", activation="relu", alpha=1e-3),
    dict(solver="sgd", activation="tanh"),
    dict(solver="adam", activation="logistic", dropout=0.2),
])
def test_whole_fits_agree_between_back_ends(dtype, params):
    if len(BACKENDS) < 2:
        pytest.skip("numba is not installed: one back-end only")
    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16).astype(dtype)
    fits = []
    for name in BACKENDS:
        with kernels.use(name), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(MLPClassifier((32, 16), max_iter=10, random_state=0, **params)
                        .fit(X, y[:400]))
    for a, b in zip(fits[0].coefs_, fits[1].coefs_):
        assert_allclose(a, b, rtol=1e-3 if dtype == np.float32 else 1e-7, atol=1e-5)
    assert_allclose(fits[0].loss_curve_, fits[1].loss_curve_, rtol=1e-4)


def test_regressor_agrees_between_back_ends():
    if len(BACKENDS) < 2:
        pytest.skip("numba is not installed: one back-end only")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5))
    y = X[:, 0] - np.tanh(X[:, 1])
    preds = []
    for name in BACKENDS:
        with kernels.use(name), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            preds.append(MLPRegressor(hidden_layer_sizes=(16,), activation="tanh", max_iter=20,
                                      random_state=0)
                         .fit(X, y).predict(X))
    assert_allclose(preds[0], preds[1], rtol=1e-7, atol=1e-9)


def test_use_restores_and_rejects_unknown_back_ends():
    before = kernels.backend()
    with kernels.use("numpy"):
        assert kernels.backend() == "numpy"
    assert kernels.backend() == before
    with pytest.raises(ValueError, match="not available"):
        with kernels.use("cuda"):
            pass
    assert kernels.backend() == before


def test_use_rejects_unknown_back_ends_when_called_outside_with():
    with pytest.raises(ValueError, match="'nunpy' is not available here"):
        kernels.use("nunpy")


def test_use_switches_on_entering_and_nests():
    before = kernels.backend()
    switch = kernels.use("numpy")
    assert kernels.backend() == before  # the call alone switches nothing
    with switch:
        assert kernels.backend() == "numpy"
        for name in BACKENDS:
            with kernels.use(name):
                assert kernels.backend() == name
            assert kernels.backend() == "numpy"
    assert kernels.backend() == before


def _backend_in_subprocess(setting, block_numba=False):
    """The back-end a fresh interpreter picks with ``SKDL_KERNELS=setting``
    (unset when None), and the warnings its import raised."""
    code = (
        "import sys, warnings\n"
        + ("sys.modules['numba'] = None\n" if block_numba else "")
        + "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from skdl import kernels\n"
        "print(kernels.backend())\n"
        "for w in caught:\n"
        "    print(w.category.__name__, w.message)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SKDL_KERNELS"}
    if setting is not None:
        env["SKDL_KERNELS"] = setting
    lines = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    return lines[0], lines[1:]


def test_environment_variable_forces_numpy():
    assert _backend_in_subprocess("numpy") == ("numpy", [])
    assert _backend_in_subprocess(None) == (BACKENDS[0], [])
    assert _backend_in_subprocess("numba") == (BACKENDS[0], [])


def test_unknown_environment_value_warns_and_falls_back():
    backend, warned = _backend_in_subprocess("nunpy")
    assert backend == BACKENDS[0]
    assert warned == [
        "RuntimeWarning Ignoring SKDL_KERNELS='nunpy': it is not a kernel back-end "
        f"(choose one of ['numba', 'numpy']); using {BACKENDS[0]!r}."
    ]


def test_numba_asked_for_but_missing_warns_and_uses_numpy():
    backend, warned = _backend_in_subprocess("numba", block_numba=True)
    assert backend == "numpy"
    (message,) = warned
    assert message.startswith("RuntimeWarning SKDL_KERNELS='numba' asks for numba, "
                              "which cannot be imported here (")
    assert message.endswith("using 'numpy'. Install it with: pip install 'skdl[fast]'.")
    # without the variable, a missing numba is the normal case: no warning
    assert _backend_in_subprocess(None, block_numba=True) == ("numpy", [])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_cross_entropy(backend, dtype, weighted, rng):
    z = (rng.normal(size=(31, 5)) * 30).astype(dtype)  # large logits: must stay finite
    y = np.eye(5, dtype=dtype)[rng.randint(0, 5, 31)]
    y[3] = 0  # a row that does not sum to one
    weights = rng.uniform(0, 2, size=31).astype(dtype) if weighted else None
    weight_sum = float(weights.sum()) if weighted else 31.0
    z64, y64 = z.astype(np.float64), y.astype(np.float64)
    top = z64.max(axis=1, keepdims=True)
    log_mass = np.log(np.exp(z64 - top).sum(axis=1, keepdims=True)) + top
    p = np.exp(z64 - log_mass)
    per_sample = (log_mass[:, 0] * y64.sum(axis=1)) - (y64 * z64).sum(axis=1)
    w = np.ones(31) if weights is None else weights.astype(np.float64)
    out, delta = np.empty_like(z), np.empty_like(z)
    with kernels.use(backend):
        value = kernels.softmax_cross_entropy(z, y, out, delta, weights, weight_sum)
    assert np.isfinite(value)
    assert_allclose(value, np.dot(per_sample, w) / weight_sum, rtol=1e-5)
    assert_allclose(out, p, **_tol(dtype))
    assert_allclose(delta, (p * y64.sum(axis=1, keepdims=True) - y64) * (w / weight_sum)[:, None],
                    **_tol(dtype))
