"""The two kernel back-ends: each kernel against a plain NumPy reference, and
whole fits agreeing between back-ends."""

import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
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


def _misfit_calls():
    """(id, call, message): kernel calls whose arrays do not fit together,
    and what the ``ValueError`` must say. Without the checks the numba
    loops read or write past the shorter arrays' ends (the issue's SIGSEGV
    cases), and NumPy broadcasts or fails with its own message."""
    f32, f64 = np.float32, np.float64

    def z(*shape, dtype=f64):
        return np.zeros(shape, dtype=dtype)

    def sce(n=4, k=3, weights=None, weight_sum=4.0, y=None, out=None):
        return lambda: kernels.softmax_cross_entropy(
            z(n, k), z(n, k) if y is None else y, z(n, k) if out is None else out, z(n, k),
            weights, weight_sum)

    return [
        ("relu_backward lengths", lambda: kernels.relu_backward(z(1000), z(10)),
         r"relu_backward: a has shape \(10,\), but needs shape \(1000,\) to fit grad"),
        ("tanh_backward shapes", lambda: kernels.tanh_backward(z(4, 3), z(3, 4)),
         r"tanh_backward: a has shape \(3, 4\), but needs shape \(4, 3\)"),
        ("sigmoid_backward dtypes", lambda: kernels.sigmoid_backward(z(5), z(5, dtype=f32)),
         "sigmoid_backward: a has dtype float32 and grad has float64"),
        ("backward of a list", lambda: kernels.relu_backward(z(3), [1.0, 2.0, 3.0]),
         "relu_backward: a must be a float32 or float64 NumPy array; got a list"),
        ("backward of integers", lambda: kernels.relu_backward(np.zeros(3, np.int64), z(3)),
         "relu_backward: grad must be a float32 or float64 NumPy array; got an array of "
         "shape \\(3,\\) and dtype int64"),
        ("backward into a strided view",
         lambda: kernels.relu_backward(z(4, 6)[:, ::2], z(4, 3)),
         "relu_backward: grad is written in place, so it must be a C-contiguous"),
        ("bias longer than z's rows", lambda: kernels.bias_forward(z(4, 3), z(5), "relu"),
         r"bias_forward: bias has shape \(5,\), but needs shape \(3,\) to fit z of shape "
         r"\(4, 3\)"),
        ("1-D z", lambda: kernels.bias_forward(z(3), z(3), "relu"),
         r"bias_forward: z must be 2-D; got shape \(3,\)"),
        ("unknown activation", lambda: kernels.bias_forward(z(4, 3), z(3), "gelu"),
         "bias_forward: unknown activation 'gelu'"),
        ("add_scaled lengths", lambda: kernels.add_scaled(z(10), z(10**6), 1.0, z(10)),
         r"add_scaled: src has shape \(1000000,\), but needs shape \(10,\)"),
        ("add_scaled scratch", lambda: kernels.add_scaled(z(10), z(10), 1.0, z(9)),
         r"add_scaled: scratch has shape \(9,\)"),
        ("sgd n_penalized past the end",
         lambda: kernels.sgd_step(z(10), z(10), z(10), 0.1, 0.9, True, l2=1.0,
                                  n_penalized=int(5e7)),
         r"sgd_step: n_penalized must be an integer in \[0, 10\] \(the length of params\); "
         "got 50000000"),
        ("sgd negative n_penalized",
         lambda: kernels.sgd_step(z(10), z(10), z(10), 0.1, 0.9, True, 1.0, -1),
         r"n_penalized must be an integer in \[0, 10\]"),
        ("sgd float n_penalized",
         lambda: kernels.sgd_step(z(10), z(10), z(10), 0.1, 0.9, True, 1.0, 5.0),
         r"n_penalized must be an integer in \[0, 10\] .*; got 5.0"),
        ("sgd velocity", lambda: kernels.sgd_step(z(7), z(7), z(5), 0.1, 0.9, True),
         r"sgd_step: velocity has shape \(5,\), but needs shape \(7,\) to fit params"),
        ("sgd 2-D params",
         lambda: kernels.sgd_step(z(2, 3), z(2, 3), z(2, 3), 0.1, 0.9, True),
         r"sgd_step: params must be 1-D; got shape \(2, 3\)"),
        ("adam v", lambda: kernels.adam_step(z(7), z(7), z(7), z(5), 0.01, 0.9, 0.999, 1e-8,
                                             z(7)),
         r"adam_step: v has shape \(5,\), but needs shape \(7,\) to fit params"),
        ("adam n_penalized past the end",
         lambda: kernels.adam_step(z(7), z(7), z(7), z(7), 0.01, 0.9, 0.999, 1e-8, z(7),
                                   1.0, 8),
         r"adam_step: n_penalized must be an integer in \[0, 7\]"),
        ("adam read-only moment",
         lambda: kernels.adam_step(z(7), z(7), np.broadcast_to(0.0, (7,)), z(7), 0.01, 0.9,
                                   0.999, 1e-8, z(7)),
         "adam_step: m is written in place, so it must be a C-contiguous, writeable array"),
        ("softmax short sample_weight", sce(n=100, weights=np.ones(2), weight_sum=100.0),
         r"softmax_cross_entropy: sample_weight has shape \(2,\), but needs shape \(100,\) "
         r"to fit z of shape \(100, 3\)"),
        ("softmax sample_weight dtype", sce(weights=np.ones(4, dtype=f32)),
         "sample_weight has dtype float32 and z has float64"),
        ("softmax fewer target rows", sce(y=z(1, 3)),
         r"softmax_cross_entropy: y has shape \(1, 3\), but needs shape \(4, 3\)"),
        ("softmax list targets", sce(y=[[0.0, 1.0, 0.0]] * 4),
         "softmax_cross_entropy: y must be a float32 or float64 NumPy array; got a list"),
        ("softmax short out", sce(out=z(4, 2)), r"out has shape \(4, 2\)"),
        ("softmax no classes", sce(k=0), "z has no columns"),
        ("softmax zero weight_sum", sce(weight_sum=0.0),
         "softmax_cross_entropy: weight_sum must be a positive, finite number; got 0.0"),
        ("softmax nan weight_sum", sce(weight_sum=np.nan), "weight_sum must be a positive"),
        ("scale_rows one weight for many rows",
         lambda: kernels.scale_rows(z(5, 2), np.ones(1), 5.0),
         r"scale_rows: sample_weight has shape \(1,\), but needs shape \(5,\)"),
        ("scale_rows zero weight_sum", lambda: kernels.scale_rows(z(5, 2), None, 0),
         "scale_rows: weight_sum must be a positive, finite number; got 0"),
    ]


MISFITS = _misfit_calls()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("call, message", [m[1:] for m in MISFITS],
                         ids=[m[0] for m in MISFITS])
def test_kernels_refuse_arrays_that_do_not_fit(backend, call, message):
    with kernels.use(backend), pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_call_writes_nothing(backend):
    params, velocity = np.ones(7), np.ones(7)
    with kernels.use(backend), pytest.raises(ValueError, match="grad has shape"):
        kernels.sgd_step(params, np.ones(3), velocity, 0.1, 0.9, True, 1.0, 7)
    assert_array_equal(params, 1.0)
    assert_array_equal(velocity, 1.0)


def test_the_issues_out_of_bounds_calls_raise_instead_of_crashing():
    """The reproductions of the issue, each in a fresh interpreter: before
    the checks the numba back-end ended with SIGSEGV (return code -11) and
    the NumPy back-end broadcast one row of targets to every row."""
    code = """if True:
    import numpy as np
    from skdl import kernels
    from skdl.losses import get_loss
    from skdl.mlp_network import MLPNetwork

    def attempt(call):
        try:
            call()
        except ValueError as error:
            print(str(error).split(":")[0])
        else:
            print("accepted")

    for name in kernels.available():
        with kernels.use(name):
            net = MLPNetwork.from_sizes([2, 3], ["softmax"])
            attempt(lambda: net.loss_and_gradient(np.ones((3_000_000, 2)),
                                                  np.array([[1.0, 0.0, 0.0]]),
                                                  get_loss("cross_entropy")))
            attempt(lambda: kernels.relu_backward(np.ones(10_000_000), np.ones(10)))
            attempt(lambda: kernels.sgd_step(np.zeros(10), np.ones(10), np.zeros(10), 0.1,
                                             0.9, True, l2=1.0, n_penalized=int(5e7)))
            z = np.ones((100, 3))
            attempt(lambda: kernels.softmax_cross_entropy(
                z, np.eye(3)[np.zeros(100, int)], np.empty_like(z), np.empty_like(z),
                np.ones(2), 100.0))
    """
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    expected = ["Y has shape (1, 3), but needs shape (3000000, 3)", "relu_backward",
                "sgd_step", "softmax_cross_entropy"]
    assert run.stdout.splitlines() == expected * len(BACKENDS)


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


def _two_back_ends():
    """The default back-end and the other one (skips with numba missing)."""
    if len(BACKENDS) < 2:
        pytest.skip("numba is not installed: one back-end only")
    default = kernels.backend()
    return default, next(name for name in BACKENDS if name != default)


def _run_in_threads(*targets):
    """Run each target in a thread of its own; re-raise what any raised."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]


@pytest.mark.parametrize("first_exits_first", [True, False])
def test_overlapping_use_blocks_in_two_threads_restore_the_default(first_exits_first):
    """Thread A enters a block, thread B enters one while A's is open; the
    blocks exit in either order. Restoring "the back-end before my block"
    left the process on A's back-end when A exited first."""
    default, other = _two_back_ends()
    a_in, b_in, a_out, b_out = (threading.Event() for _ in range(4))
    seen = {}

    def thread_a():
        with kernels.use(other):
            a_in.set()
            assert b_in.wait(10)
            if not first_exits_first:
                assert b_out.wait(10)
        a_out.set()

    def thread_b():
        assert a_in.wait(10)
        with kernels.use(default):
            b_in.set()
            seen["both open"] = kernels.backend()
            if first_exits_first:
                assert a_out.wait(10)
                seen["after A exited"] = kernels.backend()
        b_out.set()
        if not first_exits_first:
            seen["after B exited"] = kernels.backend()

    _run_in_threads(thread_a, thread_b)
    # the later block is in force while both are open; each exit withdraws
    # that block's request alone; after both, the default
    assert seen["both open"] == default
    if first_exits_first:
        assert seen["after A exited"] == default
    else:
        assert seen["after B exited"] == other
    assert kernels.backend() == default
    with kernels.use(other):  # and blocks still switch afterwards
        assert kernels.backend() == other
    assert kernels.backend() == default


def test_use_switches_worker_threads_too():
    """The selection is for the process: n_jobs threads started inside a
    block run on its back-end."""
    default, other = _two_back_ends()
    seen = []
    with kernels.use(other):
        _run_in_threads(lambda: seen.append(kernels.backend()))
    assert seen == [other]
    assert kernels.backend() == default


# --------------------------------------------------------------------------
# Both back-ends reach the same values on extreme inputs: inf and NaN pass
# through every kernel as through NumPy's ufuncs, and the sums are float64
# --------------------------------------------------------------------------

_SPECIAL = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e38, -1e38, 3.0, -3.0, 1e-45])


def _in_every_back_end(make, call):
    """``call(*make())`` in every back-end; the arrays it wrote, per back-end."""
    results = []
    for name in BACKENDS:
        arrays = make()
        with kernels.use(name), np.errstate(all="ignore"):
            returned = call(*arrays)
        results.append((arrays, returned))
    return results


def _assert_same_in_every_back_end(results, rtol):
    (reference, reference_returned), *others = results
    for arrays, returned in others:
        for got, want in zip(arrays, reference):
            assert_array_equal(np.isnan(got), np.isnan(want))
            assert_array_equal(np.isposinf(got), np.isposinf(want))
            assert_array_equal(np.isneginf(got), np.isneginf(want))
            finite = np.isfinite(want)
            assert_allclose(got[finite], want[finite], rtol=rtol, atol=0)
        if reference_returned is not None:
            assert_allclose(returned, reference_returned, rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["relu_backward", "tanh_backward", "sigmoid_backward"])
def test_activation_backward_of_inf_and_nan_is_numpys(dtype, name):
    grad, a = np.meshgrid(_SPECIAL, _SPECIAL)

    def make():
        return grad.astype(dtype), a.astype(dtype)

    results = _in_every_back_end(make, getattr(kernels, name))
    _assert_same_in_every_back_end(results, rtol=1e-6)
    if name == "relu_backward":  # NumPy's product: inf times a zero slope is NaN
        for arrays, _ in results:
            assert np.isnan(arrays[0][_SPECIAL == -3.0, _SPECIAL == np.inf]).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["identity", "relu", "tanh", "sigmoid"])
def test_bias_forward_of_inf_and_nan_is_numpys(dtype, activation):
    z, bias = np.meshgrid(_SPECIAL, _SPECIAL)

    def make():
        return z.astype(dtype), bias[:, 0].astype(dtype)

    results = _in_every_back_end(make, lambda z, b: kernels.bias_forward(z, b, activation))
    _assert_same_in_every_back_end([(r[0][:1], r[1]) for r in results], rtol=1e-6)


def test_cross_entropy_is_summed_in_float64_by_every_back_end():
    # float32 logits of +-3e38: the loss of the second row is about 6e38,
    # past float32's largest number, but a float64 sum holds it
    z = np.array([[1.0, 2.0], [3e38, -3e38]], dtype=np.float32)
    y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    expected = (np.logaddexp(1.0, 2.0) - 1.0 + 6e38) / 2
    for name in BACKENDS:
        out, delta = np.empty_like(z), np.empty_like(z)
        with kernels.use(name), np.errstate(all="ignore"):
            value = kernels.softmax_cross_entropy(z, y, out, delta, None, 2.0)
        assert_allclose(value, expected, rtol=1e-6)
        p = np.exp([1 - np.logaddexp(1, 2), 2 - np.logaddexp(1, 2)])
        assert_allclose(delta, [[p[0] / 2 - 0.5, p[1] / 2], [0.5, -0.5]], rtol=1e-6)


@pytest.mark.parametrize("step", ["sgd", "adam"])
def test_penalty_squares_are_finite_where_their_float64_sum_is(step):
    # each square is finite in float64 but not in float32
    params0 = np.full(64, 3e19, dtype=np.float32)
    expected = 64 * float(np.float32(3e19)) ** 2
    for name in BACKENDS:
        params, grad = params0.copy(), np.zeros(64, dtype=np.float32)
        with kernels.use(name), np.errstate(all="ignore"):
            if step == "sgd":
                squares = kernels.sgd_step(params, grad, np.zeros_like(params), 0.1, 0.9,
                                           True, 1e-30, 64)
            else:
                squares = kernels.adam_step(params, grad, np.zeros_like(params),
                                            np.zeros_like(params), 1e-3, 0.9, 0.999, 1e-8,
                                            np.empty_like(params), 1e-30, 64)
        assert_allclose(squares, expected, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_optimizer_steps_overflow_alike_in_every_back_end(dtype):
    # gradients around the square root of the largest number: whether
    # g ** 2 (1 - beta_2) overflows depends on the order of the products
    big = np.sqrt(np.finfo(dtype).max)
    grads = np.array([0.5, 1.0, 2.0, 8.0, 32.0, 1e3, np.inf, -np.inf, np.nan]) * big

    def make():
        n = grads.size
        return (np.linspace(-1, 1, n).astype(dtype), grads.astype(dtype),
                np.zeros(n, dtype), np.zeros(n, dtype), np.empty(n, dtype))

    adam = _in_every_back_end(make, lambda p, g, m, v, s: kernels.adam_step(
        p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, s, 1e-4, 5))
    _assert_same_in_every_back_end([(r[0][:4], r[1]) for r in adam], rtol=1e-5)
    sgd = _in_every_back_end(make, lambda p, g, m, v, s: kernels.sgd_step(
        p, g, m, 0.1, 0.9, True, 1e-4, 5))
    _assert_same_in_every_back_end([(r[0][:3], r[1]) for r in sgd], rtol=1e-5)


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


@pytest.mark.parametrize("error", [
    ImportError("numba needs NumPy 2.3 or less"),
    OSError("libllvmlite.so: cannot open shared object file"),
    RuntimeError("cannot cache function '_im2col': no locator available"),
], ids=["ImportError", "OSError", "RuntimeError"])
def test_numba_kernels_that_fail_to_load_warn_once_and_give_numpys(monkeypatch, error):
    """However loading the numba kernels fails, the first kernel warns and
    every kernel is NumPy's from then on: no retry, no second warning."""
    attempts = []

    def failing_import(name, package=None):
        attempts.append(name)
        raise error

    monkeypatch.setattr(kernels.importlib, "import_module", failing_import)
    lazy = kernels._NumbaOnFirstUse()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        served = [lazy.relu_backward, lazy.im2col, lazy.relu_backward]
    assert served == [kernels._numpy_kernels.relu_backward, kernels._numpy_kernels.im2col,
                      kernels._numpy_kernels.relu_backward]
    assert attempts == ["._numba_kernels"]
    (warning,) = caught
    assert warning.category is RuntimeWarning
    assert str(warning.message) == (
        f"numba is installed but skdl's numba kernels cannot be loaded "
        f"({type(error).__name__}: {error}); using the NumPy kernels instead.")


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
def test_numba_back_end_serves_the_compiled_kernels():
    """The fallback above is for a broken numba, not for skdl's own modules:
    here they load, without a warning."""
    from skdl import _numba_kernels

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kernels._BACKENDS["numba"].relu_backward is _numba_kernels.relu_backward


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


# --------------------------------------------------------------------------
# The perceptron rule's kernels
# --------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed", [0, 1, 12345, 2**31 - 2, 2**32 + 7])
def test_shuffle_permutation_is_scikit_learns_shuffle(backend, seed):
    seq_dataset = pytest.importorskip("sklearn.utils._seq_dataset")
    n = 257
    X, zeros = np.zeros((n, 1)), np.zeros(n)
    dataset = seq_dataset.ArrayDataset64(X, zeros, np.ones(n), seed=1)
    with kernels.use(backend):
        permutation = kernels.shuffle_permutation(n, seed)
    order = np.arange(n)
    for _ in range(3):  # each epoch shuffles the last epoch's order again
        dataset._shuffle_py(seed % 2**32)
        visited = [dataset._next_py()[-1] for _ in range(n)]
        order = order[permutation]
        assert_array_equal(visited, order)


@pytest.mark.parametrize("backend", BACKENDS)
def test_shuffle_permutation_of_nothing_and_of_one(backend):
    with kernels.use(backend):
        assert kernels.shuffle_permutation(0, 3).size == 0
        assert_array_equal(kernels.shuffle_permutation(1, 3), [0])
        with pytest.raises(ValueError, match="n_samples must be >= 0"):
            kernels.shuffle_permutation(-1, 3)


def _perceptron_problem(rng, dtype=np.float64, n=40, d=5):
    X = rng.normal(size=(n, d)).astype(dtype)
    signs = np.where(rng.rand(n) < 0.5, -1.0, 1.0)
    return dict(
        coef=np.zeros(d, dtype=dtype), l1_applied=np.zeros(d, dtype=dtype),
        state=np.array([1.0, 0.0, 0.0, 0.0, 0.0]), X=X, order=np.arange(n),
        signs=signs, sample_weight=np.ones(n, dtype=dtype),
    )


@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_perceptron_epoch_back_ends_agree(penalty, layout, dtype, rng):
    problem = _perceptron_problem(rng, dtype)
    if layout == "csr":
        problem["X"] = sp.csr_matrix(problem["X"] * (rng.rand(*problem["X"].shape) < 0.6))
    problem["order"] = rng.permutation(40)
    results = {}
    for backend in BACKENDS:
        run = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in problem.items()}
        with kernels.use(backend):
            sums = [kernels.perceptron_epoch(**run, penalty=penalty, alpha=0.01, l1_ratio=0.5,
                                             class_weight=(0.5, 2.0)) for _ in range(3)]
        results[backend] = run["coef"], run["state"], sums
    reference_coef, reference_state, reference_sums = results["numpy"]
    assert np.any(reference_coef != 0)
    for coef, state, sums in results.values():
        assert_allclose(coef, reference_coef, rtol=1e-12, atol=0)
        assert_allclose(state, reference_state, rtol=1e-12)
        assert_allclose(sums, reference_sums, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_perceptron_epoch_matches_the_rule_by_hand(backend, rng):
    problem = _perceptron_problem(rng)
    X, signs = problem["X"], problem["signs"]
    w, b, loss = np.zeros(X.shape[1]), 0.0, 0.0
    for i in range(len(signs)):
        margin = signs[i] * (X[i] @ w + b)
        loss += max(0.0, -margin)
        if margin <= 0:
            w += 0.5 * signs[i] * X[i]
            b += 0.5 * signs[i]
    with kernels.use(backend):
        loss_sum, objective_sum = kernels.perceptron_epoch(**problem, eta0=0.5)
    assert_allclose(problem["coef"], w, rtol=1e-12)
    assert_allclose(problem["state"][3], b, rtol=1e-12)
    assert_allclose([loss_sum, objective_sum], [loss, loss], rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("change, message", [
    (dict(coef=np.zeros(4), l1_applied=np.zeros(4)), "X has 5 features, coef has 4"),
    (dict(coef=np.zeros((5, 1))), r"coef must be 1-D; got shape \(5, 1\)"),
    (dict(coef=[0.0] * 5), "coef must be a float32 or float64 NumPy array; got a list"),
    (dict(l1_applied=np.zeros(3)), r"l1_applied has shape \(3,\), but needs shape \(5,\)"),
    (dict(l1_applied=np.zeros(5, dtype=np.float32)), "l1_applied has dtype float32"),
    (dict(coef=np.zeros(10)[::2]), "coef is written in place, so it must be a C-contiguous"),
    (dict(state=np.zeros(10)[::2]), "state is written in place"),
    (dict(state=np.zeros(4)), "state must be a float64 array of shape"),
    (dict(signs=np.ones(39)), r"signs must be a float64 array of shape \(40,\)"),
    (dict(sample_weight=np.ones(41)), r"sample_weight must be a float64 array of shape"),
    (dict(sample_weight=np.ones(40, dtype=np.float32)), "sample_weight must be a float64"),
    (dict(X=np.zeros((40, 5), dtype=np.float32)), "X's dtype float32 differs"),
    (dict(X=np.zeros((5, 40)).T), "C-contiguous"),
    (dict(X=sp.csc_matrix(np.zeros((40, 5)))), "must be a CSR matrix"),
    (dict(order=np.arange(40.0)), "order must be a 1-D integer array"),
    (dict(order=np.array([0, 40])), r"order holds a row outside 0\.\.39"),
    (dict(order=np.array([-1])), r"order holds a row outside 0\.\.39"),
    (dict(skip=np.zeros(39, dtype=bool)), r"skip must be a bool array of shape \(40,\)"),
    (dict(penalty="l3"), "Unknown penalty 'l3'"),
])
def test_perceptron_epoch_refuses_inputs_that_do_not_fit(backend, change, message, rng):
    problem = _perceptron_problem(rng)
    problem.update(change)
    with kernels.use(backend), pytest.raises(ValueError, match=message):
        kernels.perceptron_epoch(**problem)


@pytest.mark.parametrize("backend", BACKENDS)
def test_perceptron_epoch_refuses_csr_indices_out_of_range(backend, rng):
    problem = _perceptron_problem(rng)
    X = sp.csr_matrix(problem["X"])
    X.indices[3] = 5  # one past the last feature
    problem["X"] = X
    with kernels.use(backend), pytest.raises(ValueError, match=r"feature outside 0\.\.4"):
        kernels.perceptron_epoch(**problem)
    X.indices[3] = 0
    X.indptr[7] = X.indptr[8] + 1  # an index pointer that runs backwards
    with kernels.use(backend), pytest.raises(ValueError, match="valid CSR index pointer"):
        kernels.perceptron_epoch(**problem)
