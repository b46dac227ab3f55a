"""The examples: each runs on reduced sizes, writes its files and prints
their paths; each takes ``--help``; each reads as sphinx-gallery expects and
runs as sphinx-gallery runs it."""

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import matplotlib.pyplot as plt
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

EXPECTED = {
    "plot_activation_gallery.py": ["activations.png"],
    "plot_cnn_digits.py": ["cnn_digits_scores.png", "cnn_feature_maps.png", "cnn_filters.png"],
    "plot_forecasting.py": ["forecasting.png"],
    "plot_grid_search.py": ["grid_search.png"],
    "plot_loss_landscape.py": ["loss_landscape.png"],
    "plot_lstm_digits.py": ["lstm_digits_scores.png", "lstm_hidden_states.png"],
    "plot_onnx_export.py": ["digits_cnn_float32.onnx", "onnx_export.png"],
    "plot_perceptron_vs_mlp.py": ["perceptron_vs_mlp.png"],
    "plot_regression_losses.py": ["regression_losses.png"],
    "plot_solver_loss_curves.py": ["solver_loss_curves.png"],
}
"""The files each picture example writes."""

SCRIPTS = sorted([*EXPECTED, "quickstart.py", "make_gallery.py"])
"""Every script in examples/."""

NEEDS = {"plot_onnx_export.py": "onnxruntime"}
"""Examples that need an optional package."""

# quick runs stop the solvers early
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _load(path, name=None):
    spec = importlib.util.spec_from_file_location(name or f"skdl_test_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gallery = _load(EXAMPLES / "make_gallery.py", "skdl_make_gallery")


def _needs(name):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])


def _environment():
    """The environment of a child Python that imports skdl from this tree,
    without the examples' own variables."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SKDL_EXAMPLES_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _pictures_ok(paths):
    for path in paths:
        if path.suffix != ".png":
            continue
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        pixels = matplotlib.image.imread(path)
        assert min(pixels.shape[:2]) > 100
        # sized for a documentation page about 850 pixels wide
        assert pixels.shape[1] <= 900
        assert pixels[..., :3].std() > 0.05  # a picture, not a blank canvas


def test_every_script_is_listed():
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == SCRIPTS
    assert [path.name for path in gallery.example_paths()] == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_writes_its_files_and_prints_their_paths(name, tmp_path, capsys):
    _needs(name)
    output_dir = tmp_path / "images"  # created by the example
    written = gallery.load_example(EXAMPLES / name).main(output_dir, quick=True)
    assert sorted(path.name for path in written) == EXPECTED[name]
    assert all(path.parent == output_dir for path in written)
    _pictures_ok(written)
    assert plt.get_fignums() == []  # main closes its figures by default
    printed = capsys.readouterr().out
    wrote = [line.split(" ", 1)[1] for line in printed.splitlines()
             if line.startswith("wrote ")]
    assert [Path(line.split(" (")[0]).resolve() for line in wrote] == [
        path.resolve() for path in written]
    # and what it did: some numbers besides the paths
    assert len(printed.splitlines()) > len(wrote)
    if name == "plot_onnx_export.py":  # ONNX Runtime agrees with skdl
        assert "labels identical to skdl's for 450 of 450" in printed
        assert "probabilities within 1e-05 of skdl's: yes" in printed


@pytest.fixture(scope="module")
def help_runs(tmp_path_factory):
    """Every script's ``--help``, each run from an empty folder, all at once
    (a child Python spends two seconds importing)."""
    folders = {name: tmp_path_factory.mktemp(f"help_{Path(name).stem}") for name in SCRIPTS}
    children = {
        name: subprocess.Popen(
            [sys.executable, str(EXAMPLES / name), "--help"], cwd=folder,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(),
        )
        for name, folder in folders.items()
    }
    runs = {}
    for name, child in children.items():
        stdout, stderr = child.communicate(timeout=300)
        runs[name] = (child.returncode, stdout, stderr, folders[name])
    return runs


@pytest.mark.parametrize("name", SCRIPTS)
def test_help(name, help_runs):
    returncode, stdout, stderr, folder = help_runs[name]
    assert returncode == 0, stderr
    assert stdout.startswith(f"usage: {name}")
    assert "--quick" in stdout
    assert "--output-dir" in stdout
    assert list(folder.iterdir()) == []  # no folder named --help, no file


def test_gallery_help_creates_no_folder(tmp_path):
    images = sorted((ROOT / "docs" / "images").iterdir())
    for argv in (["-h"],):
        result = subprocess.run(
            [sys.executable, str(EXAMPLES / "make_gallery.py"), *argv], cwd=tmp_path,
            capture_output=True, text=True, env=_environment(), timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
    assert sorted((ROOT / "docs" / "images").iterdir()) == images


def test_gallery_refuses_a_stray_argument(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "make_gallery.py"), "images"], cwd=tmp_path,
        capture_output=True, text=True, env=_environment(), timeout=120, check=False,
    )
    assert result.returncode == 2
    assert "unrecognized arguments: images" in result.stderr
    assert list(tmp_path.iterdir()) == []


FAKE_EXAMPLE = """
from pathlib import Path

import matplotlib.pyplot as plt


def main(output_dir, quick=False):
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1 if quick else 2])
    fig.savefig(output_dir / "fake.png", metadata={"Software": None})
    plt.close(fig)
    (output_dir / "model.bin").write_bytes(b"not a picture")
    return [output_dir / "fake.png", output_dir / "model.bin"]
"""


def test_gallery_keeps_pictures_only_and_says_what_changed(tmp_path, monkeypatch, capsys):
    scripts = tmp_path / "examples"
    scripts.mkdir()
    (scripts / "plot_fake.py").write_text(FAKE_EXAMPLE)
    (scripts / "plot_needs_more.py").write_text("import no_such_package_for_skdl\n")
    monkeypatch.setattr(gallery, "HERE", scripts)
    output_dir = tmp_path / "images"

    written = gallery.main(output_dir, quick=True)
    assert written == [output_dir / "fake.png"]
    assert sorted(path.name for path in output_dir.iterdir()) == ["fake.png"]
    printed = capsys.readouterr().out
    assert "fake.png: new" in printed
    assert "model.bin: removed, not a picture" in printed
    assert "plot_needs_more.py: skipped, it needs 'no_such_package_for_skdl'" in printed

    gallery.main(output_dir, quick=True, only=["fake"])
    assert "fake.png: unchanged" in capsys.readouterr().out
    gallery.main(output_dir, quick=False, only=["fake"])
    assert "fake.png: changed" in capsys.readouterr().out
    with pytest.raises(ValueError, match="No example matches"):
        gallery.main(output_dir, quick=True, only=["no such example"])
    with pytest.raises(ValueError, match="No example matches"):
        gallery.main(output_dir, quick=True, skip=["fake", "needs"])


def test_quickstart(tmp_path, monkeypatch, capsys):
    quickstart = _load(EXAMPLES / "quickstart.py")
    written = quickstart.main(tmp_path / "out", quick=True)
    assert [path.name for path in written] == ["quickstart_scores.csv"]
    rows = written[0].read_text().splitlines()
    assert rows[0] == "task,estimator,skdl,sklearn" and len(rows) == 8
    printed = capsys.readouterr().out
    assert "PerceptronClassifier()" in printed
    assert f"wrote {written[0]}" in printed
    # without a folder, it writes nothing and says nothing of files
    monkeypatch.setattr(quickstart, "cv_score", lambda *args: 0.5)
    assert quickstart.main(quick=True) == []
    assert "wrote" not in capsys.readouterr().out


@pytest.mark.parametrize("name", [*sorted(EXPECTED), "quickstart.py"])
def test_quick_from_the_environment(name, monkeypatch):
    """``SKDL_EXAMPLES_QUICK=1`` acts as ``--quick``, and
    ``SKDL_EXAMPLES_OUTPUT`` sets the default folder."""
    _needs(name)
    for value, quick in (("1", True), ("0", False), ("", False)):
        monkeypatch.setenv("SKDL_EXAMPLES_QUICK", value)
        monkeypatch.setenv("SKDL_EXAMPLES_OUTPUT", "/somewhere/else")
        module = _load(EXAMPLES / name)
        args = module.parse_args([])
        assert args.quick is quick
        assert module.parse_args(["--quick"]).quick is True
        if name != "quickstart.py":
            assert args.output_dir == Path("/somewhere/else")
    monkeypatch.delenv("SKDL_EXAMPLES_OUTPUT")
    if name != "quickstart.py":
        # scripts write beside themselves, never into docs/images
        assert _load(EXAMPLES / name).parse_args([]).output_dir == EXAMPLES / "output"


def test_gallery_defaults():
    assert gallery.parse_args([]).output_dir is None
    assert gallery.DEFAULT_OUTPUT == ROOT / "docs" / "images"
    assert gallery.QUICK_OUTPUT == EXAMPLES / "output" / "quick"


@pytest.mark.parametrize("name", [*sorted(EXPECTED), "quickstart.py"])
def test_docstring_is_a_gallery_header(name):
    """sphinx-gallery's format: a title underlined with ``=``, then a
    paragraph."""
    docstring = ast.get_docstring(ast.parse((EXAMPLES / name).read_text()), clean=False)
    lines = docstring.lstrip("\n").splitlines()
    title, underline, blank, paragraph = lines[:4]
    assert title.strip() and not title.startswith(" ")
    assert set(underline) == {"="} and len(underline) == len(title)
    assert blank == "" and paragraph.strip()


@pytest.mark.parametrize("name", ["plot_activation_gallery.py", "plot_lstm_digits.py"])
def test_runs_as_sphinx_gallery_runs_it(name, tmp_path, monkeypatch, capsys):
    """As ``__main__``, without ``__file__``, from its own folder, with no
    arguments: it leaves its figures open for the scraper and writes into
    the folder ``SKDL_EXAMPLES_OUTPUT`` names, quickly when asked."""
    monkeypatch.setenv("SKDL_EXAMPLES_QUICK", "1")
    monkeypatch.setenv("SKDL_EXAMPLES_OUTPUT", str(tmp_path))
    monkeypatch.chdir(EXAMPLES)
    monkeypatch.setattr(sys, "argv", [str(EXAMPLES / name)])
    code = compile((EXAMPLES / name).read_text(), str(EXAMPLES / name), "exec")
    plt.close("all")
    try:
        exec(code, {"__name__": "__main__"})  # noqa: S102 - as sphinx-gallery does
        pngs = [file for file in EXPECTED[name] if file.endswith(".png")]
        assert len(plt.get_fignums()) == len(pngs)
    finally:
        plt.close("all")
    assert sorted(path.name for path in tmp_path.iterdir()) == pngs
    printed = capsys.readouterr().out
    for png in pngs:
        assert f"wrote {tmp_path / png}" in printed
