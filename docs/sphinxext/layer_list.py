"""The API reference's table of the built-in layers, written from
:data:`skdl.layers.BUILT_IN_LAYERS`, so that no page lists them by hand.

The directive ``.. built-in-layers::`` stands for an ``autosummary`` of
those classes, each with its own page under ``generated/``. autosummary
writes the pages of the entries it finds by reading the source files,
where this directive's entries are not written; so, when the builder
starts, this extension has autosummary write theirs the same way.
"""

import tempfile
from pathlib import Path

from sphinx.ext.autosummary.generate import generate_autosummary_docs
from sphinx.util.docutils import SphinxDirective

from skdl.layers import BUILT_IN_LAYERS

MODULE = "skdl.layers"
"""Where the layers are documented: ``skdl.layers.Dense``, ..."""

PAGES = "generated"
"""The folder of the API pages, as ``api.rst``'s other autosummaries give it."""


def autosummary_lines():
    """The ``autosummary`` directive of the built-in layers, as rST lines,
    its entries relative to the current module :data:`MODULE`.

    Returns
    -------
    list of str
    """
    entries = [f"   {layer.__name__}" for layer in BUILT_IN_LAYERS]
    return [".. autosummary::", f"   :toctree: {PAGES}/", "   :nosignatures:", "", *entries]


class BuiltInLayers(SphinxDirective):
    """``.. built-in-layers::``: the autosummary of the built-in layers,
    where the current module is :data:`MODULE`."""

    def run(self):
        """The autosummary's nodes.

        Returns
        -------
        list of docutils.nodes.Node
        """
        return self.parse_text_to_nodes("\n".join(autosummary_lines()))


def write_layer_pages(app):
    """Have autosummary write each built-in layer's page, from a source
    file holding the directive's lines.

    Parameters
    ----------
    app : sphinx.application.Sphinx
    """
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "layers.rst"
        source.write_text("\n".join([f".. currentmodule:: {MODULE}", "", *autosummary_lines()]))
        generate_autosummary_docs([str(source)], output_dir=Path(app.srcdir) / PAGES, app=app)


def setup(app):
    """Register the directive and the writing of the pages.

    Parameters
    ----------
    app : sphinx.application.Sphinx

    Returns
    -------
    dict
        The extension's metadata.
    """
    app.add_directive("built-in-layers", BuiltInLayers)
    app.connect("builder-inited", write_layer_pages)
    return {"parallel_read_safe": True}
