"""The documentation site builds with warnings as errors, as CI and Read the
Docs build it, and holds its main pages.

One build (``python -m sphinx -W --keep-going -b html docs <tmp>``) serves
every test of the site, which are marked ``slow``. The gallery's examples run
during it on reduced data (``SKDL_EXAMPLES_QUICK=1``). Skipped when the
``docs`` extra is not installed.
"""

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import skdl
import skdl.callbacks
import skdl.plot
from skdl._base import DOCS_URL

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

DOCS_PACKAGES = ("sphinx", "pydata_sphinx_theme", "numpydoc", "sphinx_gallery", "myst_parser",
                 "sphinx-mathjax-offline")

needs_sphinx = pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in DOCS_PACKAGES),
    reason='the docs extra is not installed (pip install -e ".[docs]")',
)


def builds_the_site(test):
    """Marks a test of the built site: slow, as the build runs the examples,
    and skipped without the docs extra."""
    return pytest.mark.slow(needs_sphinx(test))

USER_GUIDE = [
    "perceptron", "activations", "mlp", "losses", "loss_landscape", "optimizers",
    "training", "initializers", "convolution", "recurrent", "normalization", "embeddings",
    "attention", "onnx", "persistence", "moving_to_gpu", "custom_layers",
]
ILLUSTRATED = [name for name in USER_GUIDE
               if name not in ("onnx", "persistence", "moving_to_gpu")]
"""The user guide's pages with formulas and a picture."""
PAGES = [
    "index", "install", "quickstart", "api", "benchmarks", "scaling_out",
    "differences", "changelog", "user_guide/index",
    *(f"user_guide/{name}" for name in USER_GUIDE),
]


def python_blocks(path):
    """The ``.. code-block:: python`` blocks of a reST file, dedented, those
    of the files it includes (``.. include::``) in their place."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        included = re.match(r"^\.\. include:: (\S+)\s*$", lines[i])
        if included:
            blocks.extend(python_blocks(path.parent / included.group(1)))
            i += 1
        elif re.match(r"^\s*\.\. code-block:: python\s*$", lines[i]):
            indent = len(lines[i]) - len(lines[i].lstrip())
            i += 1
            body = []
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                body.append(lines[i])
                i += 1
            blocks.append(textwrap.dedent("\n".join(body)))
        else:
            i += 1
    return blocks


@pytest.mark.parametrize("page", PAGES)
def test_code_blocks_are_python(page):
    """Every code block compiles (running them all takes minutes: they train)."""
    for k, code in enumerate(python_blocks(DOCS / f"{page}.rst")):
        compile(code, f"{page}.rst, block {k}", "exec")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site's folder."""
    out = tmp_path_factory.mktemp("html")
    env = dict(os.environ, SKDL_EXAMPLES_QUICK="1", MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(DOCS), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, (
        f"the docs build failed:\n{result.stderr[-8000:]}\n{result.stdout[-2000:]}"
    )
    return out


@builds_the_site
@pytest.mark.parametrize("page", PAGES)
def test_page_is_built(site, page):
    html = (site / f"{page}.html").read_text(encoding="utf-8")
    assert "<h1" in html


@builds_the_site
@pytest.mark.parametrize("name", ILLUSTRATED)
def test_user_guide_page_has_formulas_a_picture_and_code(site, name):
    html = (site / "user_guide" / f"{name}.html").read_text(encoding="utf-8")
    assert 'class="math' in html
    assert "<img" in html
    assert "highlight-python" in html


class _Loads(HTMLParser):
    """The URLs of what a browser fetches to show a page: scripts,
    stylesheets, preloads and images (not the links a reader may follow)."""

    FETCHED_LINKS = {"stylesheet", "preload", "modulepreload", "icon"}

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif (tag == "link" and attrs.get("href")
              and self.FETCHED_LINKS & set((attrs.get("rel") or "").split())):
            self.urls.append(attrs["href"])


def _loads(page):
    parser = _Loads()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.urls


@builds_the_site
def test_pages_load_nothing_from_the_network(site):
    """Opened from disk without a network, every page has all it loads:
    no script, stylesheet or picture comes from another host."""
    remote = [
        (str(page.relative_to(site)), url)
        for page in sorted(site.rglob("*.html"))
        for url in _loads(page)
        if urlsplit(url).scheme not in ("", "data") or url.startswith("//")
    ]
    assert not remote


@builds_the_site
@pytest.mark.parametrize("name", ["activations", "losses"])
def test_formulas_are_typeset_by_a_local_mathjax(site, name):
    """The pages with formulas load MathJax from the site's own _static/,
    and its fonts are there: a site opened offline shows no raw LaTeX."""
    page = site / "user_guide" / f"{name}.html"
    mathjax = [url for url in _loads(page) if "mathjax" in url.lower()]
    assert len(mathjax) == 1, mathjax
    script = (page.parent / urlsplit(mathjax[0]).path).resolve()
    assert script.is_relative_to((site / "_static").resolve()), script
    assert script.is_file(), script
    font = script.parent / "output" / "chtml" / "fonts" / "woff-v2" / "MathJax_Math-Italic.woff"
    assert font.is_file(), font


@builds_the_site
def test_user_guide_pictures_are_copied(site):
    for name in ILLUSTRATED:
        html = (site / "user_guide" / f"{name}.html").read_text(encoding="utf-8")
        for src in html.split('<img src="')[1:]:
            path = src.split('"')[0]
            assert (site / "user_guide" / path).resolve().is_file(), (name, path)


@builds_the_site
def test_every_public_name_has_an_api_page(site):
    modules = ("layers", "activations", "losses", "optimizers", "preprocessing", "schedules")
    names = [f"skdl.{name}" for name in skdl.__all__ if name not in modules]
    for module in modules:
        public = getattr(skdl, module).__all__
        names += [f"skdl.{module}.{name}" for name in public
                  if name not in ("ACTIVATIONS", "LOSSES")]
    names += [f"skdl.callbacks.{name}" for name in skdl.callbacks.__all__]
    names += [f"skdl.plot.{name}" for name in skdl.plot.__all__]
    names += ["skdl.network.Network", "skdl.backend.use", "skdl.onnx.to_onnx",
              "skdl.onnx.OnnxGraph", "skdl.persistence.trusted_types",
              "skdl.persistence.InconsistentVersionWarning", "skdl.keras.save_model",
              "skdl.keras.load_model"]
    missing = [name for name in names if not (site / "generated" / f"{name}.html").is_file()]
    assert not missing


@builds_the_site
def test_estimator_page_documents_parameters_and_methods(site):
    html = (site / "generated" / "skdl.MLPClassifier.html").read_text(encoding="utf-8")
    for text in ("hidden_layer_sizes", "partial_fit", "predict_proba", "loss_curve_"):
        assert text in html


@builds_the_site
def test_html_repr_links_point_at_built_pages(site):
    for cls in (skdl.MLPClassifier, skdl.MLPRegressor, skdl.PerceptronClassifier,
                skdl.NeuralNetClassifier, skdl.NeuralNetRegressor,
                skdl.preprocessing.TextVectorization):
        link = cls()._get_doc_link()
        assert link.startswith(DOCS_URL)
        assert (site / link[len(DOCS_URL):]).is_file(), link


@builds_the_site
def test_gallery_pages_ran_their_examples(site):
    index = site / "auto_examples" / "index.html"
    assert index.is_file()
    pages = sorted((site / "auto_examples").glob("plot_*.html"))
    assert {page.stem for page in pages} >= {
        path.stem for path in (ROOT / "examples").glob("plot_*.py")
    }
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "sphx-glr-single-img" in html or "sphx-glr-multi-img" in html, page.name


@builds_the_site
def test_writing_your_own_layer_shows_each_method_of_the_layer_that_ran(site):
    """The page includes its layer's code from the gallery example the build
    ran, one method at a time."""
    html = (site / "user_guide" / "custom_layers.html").read_text(encoding="utf-8")
    for method in ("__init__", "_build", "weight_specs", "bind", "initialize", "allocate",
                   "forward", "backward", "predict", "to_onnx"):
        definition = rf'def</span>.{{0,40}}<span class="(nf|fm)">{method}</span>'
        assert re.search(definition, html), method
    assert "check_gradients" in html and "sphx-glr-auto-examples-plot-custom-layer-py" in html
