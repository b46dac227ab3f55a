"""Sphinx configuration of skdl's documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
after ``pip install -e ".[docs]"``. The gallery runs ``examples/plot_*.py``;
``SKDL_EXAMPLES_QUICK=1`` makes them run on reduced sizes.
"""

import os
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # build from a clone without installing
sys.path.insert(0, str(DOCS / "sphinxext"))

import skdl  # noqa: E402

# -- Project ----------------------------------------------------------------

project = "skdl"
author = "the skdl developers"
copyright = "2026, the skdl developers"  # noqa: A001
version = release = skdl.__version__

# -- General ----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax from _static/, not a CDN (below)
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",  # changelog.rst includes the root CHANGELOG.md
    "layer_list",  # docs/sphinxext: the API reference's table of the built-in layers
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build", "Thumbs.db", ".DS_Store",
    # left by builds from before write_computation_times was turned off (below)
    "sg_execution_times.rst", "auto_examples/sg_execution_times.rst",
]
root_doc = "index"
default_role = "literal"  # `x` reads as ``x``
toc_object_entries_show_parents = "hide"  # "fit()", not "MLPClassifier.fit()"

# -- autodoc, autosummary, numpydoc -------------------------------------------

autosummary_generate = True
# autosummary writes a page per documented name but never deletes one whose
# name has left the API (skdl.kernels.use when it moved to skdl.backend), and
# a stale page fails the -W build; so every build writes the pages anew
for stale_page in (DOCS / "generated").glob("*.rst"):
    stale_page.unlink()
autodoc_default_options = {"members": False}
autodoc_typehints = "none"
autoclass_content = "class"
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- intersphinx --------------------------------------------------------------
# The build must not depend on the network (CI has none): the inventories are
# fetched only on Read the Docs, or when SKDL_DOCS_INTERSPHINX=1 says so.
# Without them, references to Python, NumPy and scikit-learn show as plain
# text instead of links; nothing warns.

if os.environ.get("READTHEDOCS") == "True" or os.environ.get("SKDL_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }
else:
    intersphinx_mapping = {}
intersphinx_timeout = 10

# -- MathJax ------------------------------------------------------------------
# sphinx.ext.mathjax alone loads MathJax from a CDN, so a site opened without
# a network showed raw LaTeX. sphinx-mathjax-offline (a pip package) copies
# MathJax 3 and its fonts into _static/mathjax/ and points mathjax_path at
# _static/mathjax/tex-chtml.js; the pages load no script from elsewhere.

# -- sphinx-gallery -----------------------------------------------------------
# The examples run as scripts do (saving their PNGs in examples/output/, which
# git ignores); sphinx-gallery shows the figures they leave open. In quick
# mode (SKDL_EXAMPLES_QUICK=1, for CI) they train for a few iterations on
# purpose, so the ConvergenceWarnings that follow are not shown.

QUICK_EXAMPLES = os.environ.get("SKDL_EXAMPLES_QUICK", "0") not in ("", "0")

if QUICK_EXAMPLES:
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)

# sphinx-gallery re-runs only the examples whose source changed, so a full
# build after a quick one would keep the quick figures. The mode of the last
# build is kept beside the gallery, and a change of mode re-runs them all.
EXAMPLES_MODE = "quick" if QUICK_EXAMPLES else "full"
EXAMPLES_MODE_FILE = DOCS / "auto_examples" / ".examples_mode"
_mode_changed = (
    not EXAMPLES_MODE_FILE.is_file()
    or EXAMPLES_MODE_FILE.read_text().strip() != EXAMPLES_MODE
)

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|make_gallery\.py",
    "within_subsection_order": "gallery_order.CourseOrder",
    "download_all_examples": False,
    "remove_config_comments": True,
    "reference_url": {"skdl": None},
    "doc_module": ("skdl",),
    "backreferences_dir": "generated/backreferences",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "show_memory": False,
    "plot_gallery": "True",
    "run_stale_examples": _mode_changed,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    # sphinx-gallery's timing pages load jQuery and DataTables from CDNs;
    # the site must work offline, and the timings are no reader's business.
    "write_computation_times": False,
}

# -- HTML -----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skdl {release}"
html_static_path = ["_static"]
html_css_files = ["skdl.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 5,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "pygments_light_style": "tango",
    "pygments_dark_style": "monokai",
}
# pages without sub-pages need no left sidebar
html_sidebars = {
    page: []
    for page in ("index", "install", "quickstart", "benchmarks", "scaling_out",
                 "differences", "changelog")
}
html_context = {"default_mode": "light"}

myst_heading_anchors = 3


def _record_examples_mode(app, exception):
    """After a successful build, note whether its examples ran quick or full."""
    ran = str(app.config.plot_gallery).lower() not in ("0", "false", "")
    if exception is None and ran and (DOCS / "auto_examples").is_dir():
        EXAMPLES_MODE_FILE.write_text(EXAMPLES_MODE + "\n")


def setup(app):
    app.connect("build-finished", _record_examples_mode)
