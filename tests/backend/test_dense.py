"""skdl.backend.dense: each routine against a plain NumPy reference in
every back-end, its refusals, and its values on extreme inputs."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit

from skdl import backend as backends
from skdl.backend import dense

from .routine_helpers import (
    BACKENDS,
    DTYPES,
    SPECIAL,
    assert_same_in_every_back_end,
    in_every_back_end,
    tol,
)


def _misfit_calls():
    """(id, call, message): kernel calls whose arrays do not fit together,
    and what the ``ValueError`` must say. Without the checks the numba
    loops read or write past the shorter arrays' ends (the issue's SIGSEGV
    cases), and NumPy broadcasts or fails with its own message."""
    f32, f64 = np.float32, np.float64

    def z(*shape, dtype=f64):
        return np.zeros(shape, dtype=dtype)

    def sce(n=4, k=3, weights=None, weight_sum=4.0, y=None, out=None):
        return lambda: dense.softmax_cross_entropy(
            z(n, k), z(n, k) if y is None else y, z(n, k) if out is None else out, z(n, k),
            weights, weight_sum)

    return [
        ("relu_backward lengths", lambda: dense.relu_backward(z(1000), z(10)),
         r"relu_backward: a has shape \(10,\), but needs shape \(1000,\) to fit grad"),
        ("tanh_backward shapes", lambda: dense.tanh_backward(z(4, 3), z(3, 4)),
         r"tanh_backward: a has shape \(3, 4\), but needs shape \(4, 3\)"),
        ("sigmoid_backward dtypes", lambda: dense.sigmoid_backward(z(5), z(5, dtype=f32)),
         "sigmoid_backward: a has dtype float32 and grad has float64"),
        ("backward of a list", lambda: dense.relu_backward(z(3), [1.0, 2.0, 3.0]),
         "relu_backward: a must be a float32 or float64 NumPy array; got a list"),
        ("backward of integers", lambda: dense.relu_backward(np.zeros(3, np.int64), z(3)),
         "relu_backward: grad must be a float32 or float64 NumPy array; got an array of "
         "shape \\(3,\\) and dtype int64"),
        ("backward into a strided view",
         lambda: dense.relu_backward(z(4, 6)[:, ::2], z(4, 3)),
         "relu_backward: grad is written in place, so it must be a C-contiguous"),
        ("bias longer than z's rows", lambda: dense.bias_forward(z(4, 3), z(5), "relu"),
         r"bias_forward: bias has shape \(5,\), but needs shape \(3,\) to fit z of shape "
         r"\(4, 3\)"),
        ("1-D z", lambda: dense.bias_forward(z(3), z(3), "relu"),
         r"bias_forward: z must be 2-D; got shape \(3,\)"),
        ("unknown activation", lambda: dense.bias_forward(z(4, 3), z(3), "gelu"),
         "bias_forward: unknown activation 'gelu'"),
        ("add_scaled lengths", lambda: dense.add_scaled(z(10), z(10**6), 1.0, z(10)),
         r"add_scaled: src has shape \(1000000,\), but needs shape \(10,\)"),
        ("add_scaled scratch", lambda: dense.add_scaled(z(10), z(10), 1.0, z(9)),
         r"add_scaled: scratch has shape \(9,\)"),
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
         lambda: dense.scale_rows(z(5, 2), np.ones(1), 5.0),
         r"scale_rows: sample_weight has shape \(1,\), but needs shape \(5,\)"),
        ("scale_rows zero weight_sum", lambda: dense.scale_rows(z(5, 2), None, 0),
         "scale_rows: weight_sum must be a positive, finite number; got 0"),
    ]


MISFITS = _misfit_calls()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("call, message", [m[1:] for m in MISFITS],
                         ids=[m[0] for m in MISFITS])
def test_routines_refuse_arrays_that_do_not_fit(backend, call, message):
    with backends.use(backend), pytest.raises(ValueError, match=message):
        call()


def test_the_issues_out_of_bounds_calls_raise_instead_of_crashing():
    """The reproductions of the issue, each in a fresh interpreter: before
    the checks the numba back-end ended with SIGSEGV (return code -11) and
    the NumPy back-end broadcast one row of targets to every row."""
    code = """if True:
    import numpy as np
    from skdl import backend as backends
    from skdl.backend import dense, optimizers
    from skdl.losses import get_loss
    from skdl.mlp_network import MLPNetwork

    def attempt(call):
        try:
            call()
        except ValueError as error:
            print(str(error).split(":")[0])
        else:
            print("accepted")

    for name in backends.available():
        with backends.use(name):
            net = MLPNetwork.from_sizes([2, 3], ["softmax"])
            attempt(lambda: net.loss_and_gradient(np.ones((3_000_000, 2)),
                                                  np.array([[1.0, 0.0, 0.0]]),
                                                  get_loss("cross_entropy")))
            attempt(lambda: dense.relu_backward(np.ones(10_000_000), np.ones(10)))
            attempt(lambda: optimizers.sgd_step(np.zeros(10), np.ones(10), np.zeros(10), 0.1,
                                                0.9, True, l2=1.0, n_penalized=int(5e7)))
            z = np.ones((100, 3))
            attempt(lambda: dense.softmax_cross_entropy(
                z, np.eye(3)[np.zeros(100, int)], np.empty_like(z), np.empty_like(z),
                np.ones(2), 100.0))
    """
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    expected = ["Y has shape (1, 3), but needs shape (3000000, 3)", "relu_backward",
                "sgd_step", "softmax_cross_entropy"]
    assert run.stdout.splitlines() == expected * len(BACKENDS)


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
    with backends.use(backend):
        dense.bias_forward(z, bias, activation)
    assert z.dtype == dtype
    assert_allclose(z, expected, **tol(dtype))


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
    with backends.use(backend):
        getattr(dense, name)(grad, a)
    assert grad.dtype == dtype
    assert_allclose(grad, expected, **tol(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_add_scaled(backend, dtype, rng):
    dst, src = rng.normal(size=(2, 1001)).astype(dtype)
    expected = dst.astype(np.float64) + 0.37 * src
    with backends.use(backend):
        dense.add_scaled(dst, src, 0.37, np.empty_like(src))
    assert_allclose(dst, expected, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["relu_backward", "tanh_backward", "sigmoid_backward"])
def test_activation_backward_of_inf_and_nan_is_numpys(dtype, name):
    grad, a = np.meshgrid(SPECIAL, SPECIAL)

    def make():
        return grad.astype(dtype), a.astype(dtype)

    results = in_every_back_end(make, getattr(dense, name))
    assert_same_in_every_back_end(results, rtol=1e-6)
    if name == "relu_backward":  # NumPy's product: inf times a zero slope is NaN
        for arrays, _ in results:
            assert np.isnan(arrays[0][SPECIAL == -3.0, SPECIAL == np.inf]).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["identity", "relu", "tanh", "sigmoid"])
def test_bias_forward_of_inf_and_nan_is_numpys(dtype, activation):
    z, bias = np.meshgrid(SPECIAL, SPECIAL)

    def make():
        return z.astype(dtype), bias[:, 0].astype(dtype)

    results = in_every_back_end(make, lambda z, b: dense.bias_forward(z, b, activation))
    assert_same_in_every_back_end([(r[0][:1], r[1]) for r in results], rtol=1e-6)


def test_cross_entropy_is_summed_in_float64_by_every_back_end():
    # float32 logits of +-3e38: the loss of the second row is about 6e38,
    # past float32's largest number, but a float64 sum holds it
    z = np.array([[1.0, 2.0], [3e38, -3e38]], dtype=np.float32)
    y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    expected = (np.logaddexp(1.0, 2.0) - 1.0 + 6e38) / 2
    for name in BACKENDS:
        out, delta = np.empty_like(z), np.empty_like(z)
        with backends.use(name), np.errstate(all="ignore"):
            value = dense.softmax_cross_entropy(z, y, out, delta, None, 2.0)
        assert_allclose(value, expected, rtol=1e-6)
        p = np.exp([1 - np.logaddexp(1, 2), 2 - np.logaddexp(1, 2)])
        assert_allclose(delta, [[p[0] / 2 - 0.5, p[1] / 2], [0.5, -0.5]], rtol=1e-6)


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
    with backends.use(backend):
        value = dense.softmax_cross_entropy(z, y, out, delta, weights, weight_sum)
    assert np.isfinite(value)
    assert_allclose(value, np.dot(per_sample, w) / weight_sum, rtol=1e-5)
    assert_allclose(out, p, **tol(dtype))
    assert_allclose(delta, (p * y64.sum(axis=1, keepdims=True) - y64) * (w / weight_sum)[:, None],
                    **tol(dtype))
