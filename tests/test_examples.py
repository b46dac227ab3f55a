"""The examples: each page reads as a sphinx-gallery notebook (a title, then
``# %%`` cells of explanation and code), runs on its own as a script from
any folder, and draws the figures ``make_gallery.py`` saves for the docs;
the main example needs no matplotlib. Everything runs on reduced sizes
(``SKDL_EXAMPLES_QUICK=1``); the tests that run the pages are marked
``slow``."""

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

EXPECTED = {
    "plot_activation_gallery.py": ["activations.png"],
    "plot_adamw_cosine_schedule.py": ["adamw_cosine_schedule.png"],
    "plot_attention_digits.py": ["attention_digits_weights.png"],
    "plot_cnn_batch_normalization.py": ["cnn_batch_normalization.png"],
    "plot_cnn_digits.py": ["cnn_digits_scores.png", "cnn_filters.png", "cnn_feature_maps.png"],
    "plot_custom_layer.py": ["custom_layer.png"],
    "plot_forecasting.py": ["forecasting.png"],
    "plot_grid_search.py": ["grid_search.png"],
    "plot_keras_round_trip.py": ["keras_round_trip.png"],
    "plot_learning_rate_schedules.py": ["learning_rate_schedules.png"],
    "plot_loss_landscape.py": ["loss_landscape.png"],
    "plot_lstm_digits.py": ["lstm_digits_scores.png", "lstm_hidden_states.png"],
    "plot_onnx_export.py": ["onnx_export.png"],
    "plot_perceptron_vs_mlp.py": ["perceptron_vs_mlp.png"],
    "plot_regression_losses.py": ["regression_losses.png"],
    "plot_solver_loss_curves.py": ["solver_loss_curves.png"],
    "plot_tabular_embeddings.py": ["tabular_embeddings_scores.png",
                                   "tabular_embeddings_titles.png"],
    "plot_text_classification.py": ["text_classification_scores.png"],
}
"""The PNGs each page's figures are saved as, in the order drawn."""

PAGES = sorted([*EXPECTED, "quickstart.py"])
"""The gallery's pages."""

SCRIPTS = sorted([*PAGES, "make_gallery.py"])
"""Every script in examples/."""

NEEDS = {"plot_onnx_export.py": "onnxruntime", "plot_custom_layer.py": "onnxruntime",
         "plot_keras_round_trip.py": "keras"}
"""Pages that need an optional package."""

LONGEST_CELL = 70
"""Lines of code one cell may hold: a whole figure, at the most."""


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gallery = _load(EXAMPLES / "make_gallery.py", "skdl_make_gallery")


def _needs(name):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])


def _environment(**extra):
    """The environment of a child Python that imports skdl from this tree,
    without the examples' own variables, plus ``extra``."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SKDL_EXAMPLES_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _pictures_ok(paths):
    for path in paths:
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        pixels = matplotlib.image.imread(path)
        assert min(pixels.shape[:2]) > 100
        # sized for a documentation page about 850 pixels wide
        assert pixels.shape[1] <= 900
        assert pixels[..., :3].std() > 0.05  # a picture, not a blank canvas


def test_every_script_is_listed():
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == SCRIPTS
    assert [path.name for path in gallery.example_paths()] == sorted(EXPECTED)


# -- what a reader sees --------------------------------------------------------


def _cells(name):
    """The page's ``# %%`` cells after its docstring, each as ``(text, code)``:
    the comment lines that open it, and its lines of code."""
    source = (EXAMPLES / name).read_text(encoding="utf-8")
    cells = []
    for chunk in re.split(r"^# %%.*$", source, flags=re.MULTILINE)[1:]:
        lines = chunk.strip("\n").splitlines()
        text = []
        while lines and lines[0].startswith("#"):
            text.append(lines.pop(0))
        code = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        cells.append(("\n".join(text), code))
    return cells


@pytest.mark.parametrize("name", PAGES)
def test_docstring_is_a_gallery_header(name):
    """sphinx-gallery's format: a title underlined with ``=``, then a
    paragraph."""
    docstring = ast.get_docstring(ast.parse((EXAMPLES / name).read_text()), clean=False)
    lines = docstring.lstrip("\n").splitlines()
    title, underline, blank, paragraph = lines[:4]
    assert title.strip() and not title.startswith(" ")
    assert set(underline) == {"="} and len(underline) == len(title)
    assert blank == "" and paragraph.strip()


@pytest.mark.parametrize("name", PAGES)
def test_page_reads_as_a_notebook(name):
    """Cells that each open with explanation, and short code; no command
    line and no file handling for the reader to wade through."""
    cells = _cells(name)
    assert len(cells) >= 2, f"{name}: {len(cells)} cells"
    for k, (text, code) in enumerate(cells):
        assert len(text.replace("#", "").split()) >= 5, f"{name}, cell {k}: no explanation"
        assert len(code) <= LONGEST_CELL, f"{name}, cell {k}: {len(code)} lines of code"
    source = (EXAMPLES / name).read_text(encoding="utf-8")
    for plumbing in ("argparse", "__file__", "savefig", "def main", "sys.argv"):
        assert plumbing not in source, f"{name} has {plumbing!r}"


# -- each page runs on its own, and draws its figures ----------------------------

NO_MATPLOTLIB = """
import runpy, sys

sys.modules["matplotlib"] = None  # as after `pip install -e .`: no matplotlib
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _run_page(path, folder, output_dir):
    """Run a page as ``python <path>`` would, from ``folder`` and with
    ``examples/`` off ``sys.path``, then save its figures as make_gallery.py
    does. Returns what it printed, the labels of its figures in the order
    drawn, and the warnings a reader would see."""
    import contextlib
    import io
    import runpy
    import warnings

    printed = io.StringIO()
    path_before, cwd_before = list(sys.path), os.getcwd()
    sys.path[:] = [entry for entry in sys.path
                   if Path(entry or ".").resolve() != EXAMPLES]
    os.chdir(folder)
    plt.close("all")
    try:
        with contextlib.redirect_stdout(printed), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)  # ConvergenceWarning too
            # as `python page.py` shows them: a library's DeprecationWarning
            # (Keras's on JAX's arrays, say) is hidden, the page's own shown
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("default", category=DeprecationWarning,
                                    module="__main__")
            runpy.run_path(str(path), run_name="__main__")
        labels = []
        for number in plt.get_fignums():
            figure = plt.figure(number)
            labels.append(figure.get_label())
            gallery.save_figure(figure, output_dir / f"{figure.get_label()}.png")
    finally:
        plt.close("all")
        os.chdir(cwd_before)
        sys.path[:] = path_before
    return printed.getvalue(), labels, [str(warning.message) for warning in caught]


@pytest.fixture(scope="module")
def page_runs(tmp_path_factory):
    """Every page run quickly, one after the other in this process, each from
    an empty folder, its figures saved into a folder of their own; and, at
    the same time, the main example in a Python of its own without
    matplotlib. Folds run one after the other (``LOKY_MAX_CPU_COUNT=1``):
    worker processes would spend longer starting than working."""
    folder = tmp_path_factory.mktemp("cwd")
    main_example = subprocess.Popen(
        [sys.executable, "-c", NO_MATPLOTLIB, str(EXAMPLES / "quickstart.py")],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_environment(SKDL_EXAMPLES_QUICK="1", LOKY_MAX_CPU_COUNT="1"),
    )
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SKDL_EXAMPLES_QUICK", "1")
        patch.setenv("LOKY_MAX_CPU_COUNT", "1")
        for name in sorted(EXPECTED):
            if name in NEEDS and importlib.util.find_spec(NEEDS[name]) is None:
                continue
            cwd, output_dir = (tmp_path_factory.mktemp(kind) for kind in ("cwd", "figures"))
            runs[name] = (*_run_page(EXAMPLES / name, cwd, output_dir), cwd, output_dir)
    stdout, stderr = main_example.communicate(timeout=600)
    runs["quickstart.py"] = (main_example.returncode, stdout, stderr, folder)
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_runs_on_its_own(name, page_runs):
    _needs(name)
    printed, _, warned, cwd, _ = page_runs[name]
    assert printed.strip()  # it says what it found
    assert warned == []  # nothing a reader would puzzle over
    assert list(cwd.iterdir()) == []  # the pages write no files


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_draws_its_figures(name, page_runs):
    _needs(name)
    printed, labels, _, _, output_dir = page_runs[name]
    assert [f"{label}.png" for label in labels] == EXPECTED[name]  # in the order drawn
    written = sorted(output_dir.iterdir())
    assert [path.name for path in written] == sorted(EXPECTED[name])
    _pictures_ok(written)
    if name == "plot_onnx_export.py":  # ONNX Runtime agrees with skdl
        assert "labels identical to skdl's for 450 of 450" in printed
        assert "probabilities within 1e-05 of skdl's: yes" in printed
    if name == "plot_custom_layer.py":  # the user guide's layer keeps the contract
        error = float(re.search(r"gradient check: relative error (\S+)", printed).group(1))
        assert error < 1e-6
        assert "labels identical for 450 of 450; probabilities within 1e-05: yes" in printed


@pytest.mark.slow
def test_main_example_runs_on_its_own_without_matplotlib(page_runs):
    returncode, stdout, stderr, folder = page_runs["quickstart.py"]
    assert returncode == 0, stderr
    assert "Warning" not in stderr, stderr
    assert list(folder.iterdir()) == []
    # the quick run: a fifth of the digits, on three folds
    assert "3-fold cross-validated accuracy on 360 digits" in stdout
    for model in ("SVC, RBF kernel (tuned)", "CNN (Conv2D + MaxPool2D)",
                  "GRU (rows as time steps)"):
        assert len(re.findall(re.escape(model) + r" +0\.\d{4} 0\.\d{4}", stdout)) == 1, model
    assert re.search(r"majority vote: accuracy 0\.\d{4}", stdout)


# -- make_gallery.py ------------------------------------------------------------------


FAKE_PAGE = """
import os

import matplotlib.pyplot as plt

QUICK = os.environ["SKDL_EXAMPLES_QUICK"] == "1"
print("quick" if QUICK else "full")
fig, ax = plt.subplots(num="fake")
ax.plot([0, 1], [0, 1 if QUICK else 2])
plt.show()
"""


def test_gallery_saves_labelled_figures_and_says_what_changed(tmp_path, monkeypatch, capsys):
    scripts = tmp_path / "examples"
    scripts.mkdir()
    (scripts / "plot_fake.py").write_text(FAKE_PAGE)
    (scripts / "plot_needs_more.py").write_text("import no_such_package_for_skdl\n")
    monkeypatch.setattr(gallery, "HERE", scripts)
    monkeypatch.setenv("SKDL_EXAMPLES_QUICK", "maybe")
    output_dir = tmp_path / "images"

    written = gallery.main(output_dir, quick=True)
    assert written == [output_dir / "fake.png"]
    assert sorted(path.name for path in output_dir.iterdir()) == ["fake.png"]
    printed = capsys.readouterr().out
    assert "quick\n" in printed
    assert "fake.png (new)" in printed
    assert "plot_needs_more.py: skipped, it needs 'no_such_package_for_skdl'" in printed
    assert os.environ["SKDL_EXAMPLES_QUICK"] == "maybe"  # restored

    gallery.main(output_dir, quick=True, only=["fake"])
    assert "fake.png (unchanged)" in capsys.readouterr().out
    gallery.main(output_dir, quick=False, only=["fake"])
    printed = capsys.readouterr().out
    assert "full\n" in printed and "fake.png (changed)" in printed
    with pytest.raises(ValueError, match="No example matches"):
        gallery.main(output_dir, quick=True, only=["no such example"])
    with pytest.raises(ValueError, match="No example matches"):
        gallery.main(output_dir, quick=True, skip=["fake", "needs"])


@pytest.mark.parametrize("drawing, problem", [
    ("plt.figure()", "no label"),
    ("plt.figure(num='same'); plt.figure(); plt.gcf().set_label('same')", "a second label"),
])
def test_gallery_refuses_figures_it_cannot_name(drawing, problem, tmp_path):
    page = tmp_path / "plot_unnamed.py"
    page.write_text(f"import matplotlib.pyplot as plt\n{drawing}\n")
    with pytest.raises(ValueError, match=problem):
        gallery.run_example(page)
    assert plt.get_fignums() == []


def test_gallery_pictures_are_reproducible(tmp_path):
    """Same figure, same bytes: no date or software version in the PNG."""
    page = tmp_path / "plot_same.py"
    page.write_text(FAKE_PAGE)
    digests = []
    for run in range(2):
        figures = gallery.run_example(page)
        path = gallery.save_figure(figures["fake"], tmp_path / f"fake{run}.png")
        plt.close("all")
        digests.append(path.read_bytes())
    assert digests[0] == digests[1]
    assert b"Software" not in digests[0] and b"matplotlib" not in digests[0].lower()


def test_gallery_defaults():
    assert gallery.parse_args([]).output_dir is None
    assert gallery.DEFAULT_OUTPUT == ROOT / "docs" / "images"
    assert gallery.QUICK_OUTPUT == EXAMPLES / "output" / "quick"


def test_gallery_help_creates_no_folder(tmp_path):
    images = sorted((ROOT / "docs" / "images").iterdir())
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "make_gallery.py"), "--help"], cwd=tmp_path,
        capture_output=True, text=True, env=_environment(), timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: make_gallery.py")
    assert "--quick" in result.stdout and "--output-dir" in result.stdout
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
