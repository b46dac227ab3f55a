"""skdl.backend.numba._jit: the numba routines where numba can write no cache. Each
test runs a fresh interpreter on a copy of the package whose cache
directories numba cannot write: read-only in a mount namespace, or
blocked by files where numba makes its directories (which stops root too,
and runs everywhere)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import skdl
from skdl import backend as backends

pytestmark = pytest.mark.skipif("numba" not in backends.available(),
                                reason="numba is not installed")

_CHILD = """if True:
    import warnings
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        from skdl import MLPClassifier
        from skdl.backend import dense
        X = np.random.RandomState(0).normal(size=(30, 3))
        for _ in range(2):
            {work}
    import skdl
    import skdl.backend.numba.dense as compiled
    from skdl.backend import _selection
    print(skdl.__file__)
    print(_selection.routine("dense", "relu_backward") is compiled.relu_backward)
    print(type(compiled._relu_backward._cache).__name__, len(compiled._relu_backward.signatures))
    for w in caught:
        print(w.category.__name__, w.message)
"""

_FIT = ('print(MLPClassifier((4,), solver="lbfgs", max_iter=2).fit(X, X[:, 0] > 0)'
        '.n_iter_)')
_ROUTINE = ('g = np.ones(3); dense.relu_backward(g, np.array([-1.0, 0.0, 2.0])); '
            'print(g.tolist())')


def _package_copy(root):
    """A copy of the skdl package under ``root``, without its caches."""
    source = Path(skdl.__file__).parent
    shutil.copytree(source, root / "pkg" / "skdl",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root / "pkg"


def _environment(package, home, cache_home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "SKDL_BACKEND", "SKDL_KERNELS")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(cache_home),
               PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([str(package), env.get("PYTHONPATH", "")]))
    return env


def _check(run, package, outputs):
    """The child ran the copy on numba's routines, compiled without the cache,
    printed ``outputs`` twice, and warned once, naming the fix."""
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert lines[:2] == [outputs, outputs]
    assert lines[2] == str(package / "skdl" / "__init__.py")
    assert lines[3] == "True"  # not the NumPy routines
    assert lines[4] == "NullCache 1"  # compiled by numba, kept in memory only
    (warning,) = lines[5:]
    assert warning.startswith("RuntimeWarning numba cannot cache skdl's routines here "
                              "(cannot cache function ")
    assert "no locator available" in warning
    assert warning.endswith("set the environment variable NUMBA_CACHE_DIR to a "
                            "writable directory.")


def test_routines_compile_without_cache_where_numba_cannot_write_one(tmp_path):
    """The numba back-end's ``__pycache__`` and the cache home are files, so numba's makedirs
    fails, as for a read-only path, whoever runs it."""
    package = _package_copy(tmp_path)
    (package / "skdl" / "backend" / "numba" / "__pycache__").write_text("not a directory")
    blocked = tmp_path / "blocked"
    blocked.write_text("not a directory")
    run = subprocess.run(
        [sys.executable, "-c", _CHILD.format(work=_ROUTINE)],
        env=_environment(package, blocked / "home", blocked / "cache"),
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    _check(run, package, "[0.0, 0.0, 1.0]")


def _read_only_mount(path):
    """The shell words that run a command with ``path`` read-only (a bind
    mount in a new mount namespace), or the reason they cannot run here."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return None, "unshare or mount is not installed"
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              f'mount --bind -o ro "{path}" "{path}" && exec "$@"', "sh"]
    probe = subprocess.run(prefix + ["touch", str(path / "probe")], capture_output=True,
                           text=True)
    if "Read-only file system" not in probe.stderr:
        return None, ("a read-only bind mount in a mount namespace is not allowed here "
                      f"({probe.stderr.strip() or 'the path stayed writable'})")
    return prefix, None


def test_a_fit_runs_from_a_read_only_install(tmp_path):
    """The issue's setting: the package, HOME and the cache home on a
    read-only path, NUMBA_CACHE_DIR unset; every fit failed with
    ``RuntimeError: cannot cache function '_im2col': no locator available``."""
    package = _package_copy(tmp_path)
    (tmp_path / "home" / ".cache").mkdir(parents=True)
    prefix, reason = _read_only_mount(tmp_path)
    if prefix is None:
        pytest.skip(reason + "; test_routines_compile_without_cache_where_numba_cannot_"
                    "write_one covers the same code")
    run = subprocess.run(
        prefix + [sys.executable, "-c", _CHILD.format(work=_FIT)],
        env=_environment(package, tmp_path / "home", tmp_path / "home" / ".cache"),
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    _check(run, package, "2")
