"""The README's instructions work as written.

Every ```python block of README.md runs as a script of its own, in a fresh
interpreter whose working directory is an empty temporary folder, with
matplotlib's Agg back-end: a block that uses a name it never defines, or
needs an ``if __name__ == "__main__":`` guard it lacks, fails here as it
would for a reader who pastes it into a file.

The ```bash blocks' ``pip install`` lines install from the clone (``.`` or
``".[extra,...]"``, never a name PyPI would be asked for) and name only
extras that ``pyproject.toml`` declares. Every relative link and picture
points at a file of the repository.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

BLOCK_TIMEOUT = 120
"""Seconds a block may take before it fails; the README promises seconds."""

FENCE = re.compile(
    r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL
)


def _blocks(lang):
    """``(line, code)`` of every fenced block of ``lang``, in order; ``line``
    is the README line of the opening fence."""
    text = README.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 1, match.group("body"))
        for match in FENCE.finditer(text)
        if match.group("lang") == lang
    ]


PYTHON_BLOCKS = _blocks("python")
BASH_BLOCKS = _blocks("bash")


def _extras_declared():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return set(tomllib.load(f)["project"].get("optional-dependencies", {}))


def _pip_install_targets():
    """``(line, target)`` for every requirement a README ``pip install`` names.

    Shell comments are dropped; ``&&``, ``;`` and ``|`` end a command, so
    ``pip install -e . && python ...`` yields ``.`` alone.
    """
    targets = []
    for first_line, body in BASH_BLOCKS:
        for offset, line in enumerate(body.splitlines(), start=1):
            words = shlex.split(line, comments=True)
            for start, word in enumerate(words[:-1]):
                if word != "pip" or words[start + 1] != "install":
                    continue
                for arg in words[start + 2:]:
                    if arg in ("&&", ";", "|", "||"):
                        break
                    if not arg.startswith("-"):  # -e, -U, ...: -e's value follows
                        targets.append((first_line + offset, arg))
    return targets


PIP_TARGETS = _pip_install_targets()
LOCAL_TARGET = re.compile(r"^\.(?:\[(?P<extras>[^\]]*)\])?$")


def test_readme_has_blocks_to_test():
    assert PYTHON_BLOCKS, "README.md has no ```python block: nothing would be run"
    assert PIP_TARGETS, "README.md has no pip install line in a ```bash block"


def test_the_two_commands_are_there():
    bash = "\n".join(body for _, body in BASH_BLOCKS)
    for command in (
        "pip install -e . && python examples/quickstart.py",
        'pip install -e ".[test]" && python -m pytest -q',
    ):
        assert command in bash, f"the README lost the command {command!r}"
    assert (ROOT / "examples" / "quickstart.py").is_file()


@pytest.mark.parametrize(
    "line, code",
    PYTHON_BLOCKS,
    ids=[f"python-block-{i}-line-{line}" for i, (line, _) in enumerate(PYTHON_BLOCKS)],
)
def test_python_block_runs(line, code, tmp_path):
    script = tmp_path / f"readme_line_{line}.py"
    script.write_text(code, encoding="utf-8")
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # One BLAS thread: on a busy 2-core machine OpenBLAS's spinning threads
    # made the example 3-5x slower. Results do not depend on it.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    try:
        result = subprocess.run(
            [sys.executable, str(script)], check=False, cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=BLOCK_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"README.md line {line}: the block ran over {BLOCK_TIMEOUT} s")
    assert result.returncode == 0, (
        f"README.md line {line}: the block fails as written\n--- code\n{code}"
        f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
    )
    # A reader would see these: the README's examples should train to the end.
    assert "ConvergenceWarning" not in result.stderr, (
        f"README.md line {line}: the block warns\n{result.stderr}"
    )


@pytest.mark.parametrize(
    "line, target", PIP_TARGETS, ids=[f"line-{line}-{target}" for line, target in PIP_TARGETS]
)
def test_pip_install_line_installs_from_the_clone_with_declared_extras(line, target):
    match = LOCAL_TARGET.match(target)
    assert match, (
        f"README.md line {line}: `pip install {target}` asks PyPI, where skdl is not "
        f'released; install from the clone: `pip install -e ".[extra]"`'
    )
    named = {e.strip() for e in (match.group("extras") or "").split(",") if e.strip()}
    missing = named - _extras_declared()
    assert not missing, (
        f"README.md line {line}: `pip install {target}` names extras that "
        f"pyproject.toml does not declare: {sorted(missing)}"
    )


LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def test_relative_links_point_at_files():
    text = README.read_text(encoding="utf-8")
    broken = []
    for match in LINK.finditer(text):
        target = match.group("target").split("#")[0]
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # an anchor in the README, or a URL
        if not (ROOT / target).exists():
            broken.append(target)
    assert not broken, f"README.md links to files that do not exist: {broken}"
