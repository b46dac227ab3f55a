"""skdl.backend's selection: the switch, the environment variable, the
fallbacks, whole fits agreeing between back-ends, and the deprecated
spellings in skdl.kernels."""

import importlib
import inspect
import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier, MLPRegressor
from skdl import backend as backends
from skdl.backend import _selection
from skdl.backend.numpy import convolution as numpy_convolution
from skdl.backend.numpy import dense as numpy_dense

from .routine_helpers import BACKENDS, DTYPES


def test_numba_is_available_where_installed():
    try:
        import numba  # noqa: F401
    except ImportError:
        assert BACKENDS == ["numpy"]
    else:
        assert BACKENDS == ["numba", "numpy"]


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
        with backends.use(name), warnings.catch_warnings():
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
        with backends.use(name), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            preds.append(MLPRegressor(hidden_layer_sizes=(16,), activation="tanh", max_iter=20,
                                      random_state=0)
                         .fit(X, y).predict(X))
    assert_allclose(preds[0], preds[1], rtol=1e-7, atol=1e-9)


def test_use_restores_and_rejects_unknown_back_ends():
    before = backends.active()
    with backends.use("numpy"):
        assert backends.active() == "numpy"
    assert backends.active() == before
    with pytest.raises(ValueError, match="not available"):
        with backends.use("cuda"):
            pass
    assert backends.active() == before


def test_use_rejects_unknown_back_ends_when_called_outside_with():
    with pytest.raises(ValueError, match="'nunpy' is not available here"):
        backends.use("nunpy")


def test_use_switches_on_entering_and_nests():
    before = backends.active()
    switch = backends.use("numpy")
    assert backends.active() == before  # the call alone switches nothing
    with switch:
        assert backends.active() == "numpy"
        for name in BACKENDS:
            with backends.use(name):
                assert backends.active() == name
            assert backends.active() == "numpy"
    assert backends.active() == before


def _two_back_ends():
    """The default back-end and the other one (skips with numba missing)."""
    if len(BACKENDS) < 2:
        pytest.skip("numba is not installed: one back-end only")
    default = backends.active()
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
        with backends.use(other):
            a_in.set()
            assert b_in.wait(10)
            if not first_exits_first:
                assert b_out.wait(10)
        a_out.set()

    def thread_b():
        assert a_in.wait(10)
        with backends.use(default):
            b_in.set()
            seen["both open"] = backends.active()
            if first_exits_first:
                assert a_out.wait(10)
                seen["after A exited"] = backends.active()
        b_out.set()
        if not first_exits_first:
            seen["after B exited"] = backends.active()

    _run_in_threads(thread_a, thread_b)
    # the later block is in force while both are open; each exit withdraws
    # that block's request alone; after both, the default
    assert seen["both open"] == default
    if first_exits_first:
        assert seen["after A exited"] == default
    else:
        assert seen["after B exited"] == other
    assert backends.active() == default
    with backends.use(other):  # and blocks still switch afterwards
        assert backends.active() == other
    assert backends.active() == default


def test_use_switches_worker_threads_too():
    """The selection is for the process: n_jobs threads started inside a
    block run on its back-end."""
    default, other = _two_back_ends()
    seen = []
    with backends.use(other):
        _run_in_threads(lambda: seen.append(backends.active()))
    assert seen == [other]
    assert backends.active() == default


def _backend_in_subprocess(setting, block_numba=False, variable="SKDL_BACKEND", also=None):
    """The back-end a fresh interpreter picks with ``variable=setting``
    (unset when None) and the variables of ``also``, and the warnings its
    import raised."""
    code = (
        "import sys, warnings\n"
        + ("sys.modules['numba'] = None\n" if block_numba else "")
        + "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from skdl import backend\n"
        "print(backend.active())\n"
        "for w in caught:\n"
        "    print(w.category.__name__, w.message)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SKDL_BACKEND", "SKDL_KERNELS")}
    if setting is not None:
        env[variable] = setting
    env.update(also or {})
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
        "RuntimeWarning Ignoring SKDL_BACKEND='nunpy': it is not a back-end "
        f"(choose one of ['numba', 'numpy']); using {BACKENDS[0]!r}."
    ]


def test_numba_asked_for_but_missing_warns_and_uses_numpy():
    backend, warned = _backend_in_subprocess("numba", block_numba=True)
    assert backend == "numpy"
    (message,) = warned
    assert message.startswith("RuntimeWarning SKDL_BACKEND='numba' asks for numba, "
                              "which cannot be imported here (")
    assert message.endswith("using 'numpy'. Install it with: pip install 'skdl[fast]'.")
    # without the variable, a missing numba is the normal case: no warning
    assert _backend_in_subprocess(None, block_numba=True) == ("numpy", [])


_KERNELS_MOVED = ("FutureWarning The environment variable SKDL_KERNELS is deprecated and "
                  "will be removed; set SKDL_BACKEND instead.")


def test_deprecated_environment_variable_still_chooses_and_warns():
    assert _backend_in_subprocess("numpy", variable="SKDL_KERNELS") == (
        "numpy", [_KERNELS_MOVED])
    backend, warned = _backend_in_subprocess("nunpy", variable="SKDL_KERNELS")
    assert backend == BACKENDS[0]
    assert warned == [
        _KERNELS_MOVED,
        "RuntimeWarning Ignoring SKDL_KERNELS='nunpy': it is not a back-end "
        f"(choose one of ['numba', 'numpy']); using {BACKENDS[0]!r}.",
    ]


def test_deprecated_environment_variable_set_beside_the_new_one_says_it_is_ignored():
    other = "numpy" if BACKENDS[0] != "numpy" else "numba"
    assert _backend_in_subprocess(BACKENDS[0], also={"SKDL_KERNELS": other}) == (
        BACKENDS[0],
        ["FutureWarning The environment variable SKDL_KERNELS is deprecated and will be "
         "removed; set SKDL_BACKEND instead (it is set, and SKDL_KERNELS is ignored)."])


def test_deprecated_kernels_module_forwards_with_a_future_warning():
    from skdl import kernels
    from skdl.backend import convolution

    with pytest.warns(FutureWarning, match=r"skdl.kernels.available is deprecated .*; use "
                                           r"skdl.backend.available instead"):
        assert kernels.available() == BACKENDS
    with pytest.warns(FutureWarning, match=r"skdl.kernels.use is deprecated .*; use "
                                           r"skdl.backend.use instead"):
        block = kernels.use("numpy")
    with block, pytest.warns(FutureWarning, match=r"skdl.kernels.backend is deprecated .*"
                                                  r"; use skdl.backend.active instead"):
        assert kernels.backend() == "numpy"
    with pytest.warns(FutureWarning, match=r"use skdl.backend.convolution.conv_output_size"):
        assert kernels.conv_output_size is convolution.conv_output_size
    with pytest.raises(AttributeError, match="lstm_step_forward"):
        kernels.lstm_step_forward


@pytest.mark.parametrize("error", [
    ImportError("numba needs NumPy 2.3 or less"),
    OSError("libllvmlite.so: cannot open shared object file"),
    RuntimeError("cannot cache function '_im2col': no locator available"),
], ids=["ImportError", "OSError", "RuntimeError"])
def test_numba_back_end_that_fails_to_load_warns_once_and_gives_numpys(monkeypatch, error):
    """However loading the numba back-end fails, the first routine warns and
    every routine is NumPy's from then on: no retry, no second warning."""
    attempts = []
    real_import = _selection.importlib.import_module

    def failing_import(name, package=None):
        if not name.startswith("skdl.backend.numba"):
            return real_import(name, package)
        attempts.append(name)
        raise error

    monkeypatch.setattr(_selection.importlib, "import_module", failing_import)
    reference = _selection.Backend("numpy")
    lazy = _selection.Backend("numba", reference=reference)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        served = [lazy.routine("dense", "relu_backward"),
                  lazy.routine("convolution", "im2col"),
                  lazy.routine("dense", "relu_backward")]
    assert served == [numpy_dense.relu_backward, numpy_convolution.im2col,
                      numpy_dense.relu_backward]
    assert attempts == ["skdl.backend.numba.dense"]
    (warning,) = caught
    assert warning.category is RuntimeWarning
    assert str(warning.message) == (
        f"numba is installed but skdl's numba back-end cannot be loaded "
        f"({type(error).__name__}: {error}); using the NumPy back-end instead.")


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
def test_numba_back_end_serves_its_compiled_routines_and_numpys_for_the_rest():
    """The fallback above is for a broken numba, not for skdl's own modules:
    here they load, without a warning; a routine numba does not compile
    (scale_rows) is the NumPy back-end's."""
    from skdl.backend.numba import dense as numba_dense

    numba_backend = _selection.Backend("numba", reference=_selection.Backend("numpy"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert numba_backend.routine("dense", "relu_backward") is numba_dense.relu_backward
        assert numba_backend.routine("dense", "scale_rows") is numpy_dense.scale_rows


def test_the_reference_has_every_routine_a_compiled_back_end_overrides():
    """A compiled back-end only overrides: each of its public routines is
    one of the NumPy back-end's mirror module, with the same parameters."""
    if "numba" not in BACKENDS:
        pytest.skip("numba is not installed")
    checked = 0
    for front in ("dense", "optimizers", "convolution", "recurrent", "perceptron"):
        compiled = importlib.import_module(f"skdl.backend.numba.{front}")
        reference = importlib.import_module(f"skdl.backend.numpy.{front}")
        for name, routine in vars(compiled).items():
            if name.startswith("_") or not inspect.isfunction(routine):
                continue
            if routine.__module__ != compiled.__name__:
                continue
            assert name in vars(reference), f"{front}.{name} is not in the NumPy back-end"
            assert (inspect.signature(routine).parameters.keys()
                    == inspect.signature(vars(reference)[name]).parameters.keys())
            checked += 1
    assert checked >= 20
