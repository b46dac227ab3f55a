"""The one list of the built-in layers, ``skdl.layers.BUILT_IN_LAYERS``:
every layer class of the package is on it, the exports, messages and API
reference derive from it, and no other module or page repeats it; every
one takes Keras's ``name`` argument last."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import skdl.layers
from skdl.layers import BUILT_IN_LAYERS, LAYER_NAMES, Dense, Layer
from skdl.layers.recurrent import Recurrent

ROOT = Path(__file__).resolve().parents[2]
NAMES = [layer.__name__ for layer in BUILT_IN_LAYERS]

BASE_CLASSES = {Layer, Recurrent}
"""Public classes of skdl.layers that layers derive from, not layers."""


def _public_layer_classes():
    """Every Layer subclass a module of skdl.layers exports in its ``__all__``."""
    found = set()
    for module_info in pkgutil.iter_modules(skdl.layers.__path__):
        module = importlib.import_module(f"skdl.layers.{module_info.name}")
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, Layer):
                found.add(value)
    return found - BASE_CLASSES


def test_every_layer_class_of_the_package_is_listed():
    assert _public_layer_classes() == set(BUILT_IN_LAYERS)
    assert len(NAMES) == len(set(NAMES))


def test_exports_and_messages_derive_from_the_list():
    for layer in BUILT_IN_LAYERS:
        assert layer.__name__ in skdl.layers.__all__
        assert getattr(skdl.layers, layer.__name__) is layer
        assert re.search(rf"\b{layer.__name__}\b", LAYER_NAMES)


def test_every_built_in_layer_has_an_onnx_form():
    # its own to_onnx or a built-in parent's, never the base class's refusal
    assert [layer for layer in BUILT_IN_LAYERS if layer.to_onnx is Layer.to_onnx] == []


def test_the_api_reference_writes_the_table_from_the_list(monkeypatch):
    pytest.importorskip("sphinx")
    api = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")
    assert ".. built-in-layers::" in api
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    assert '"layer_list"' in conf
    monkeypatch.syspath_prepend(str(ROOT / "docs" / "sphinxext"))
    layer_list = importlib.import_module("layer_list")
    entries = [line.strip() for line in layer_list.autosummary_lines() if line.startswith("   ")]
    assert [entry for entry in entries if not entry.startswith(":")] == NAMES


def _paragraphs(path):
    return re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))


def _sources():
    """The package's modules, the docs' pages and extensions, and the README:
    skdl/layers/__init__.py, which holds the list, aside."""
    docs = ROOT / "docs"
    files = [*(ROOT / "skdl").rglob("*.py"), docs / "conf.py", *(docs / "sphinxext").glob("*.py"),
             *docs.glob("*.rst"), *(docs / "user_guide").glob("*.rst"), ROOT / "README.md"]
    return [path for path in files if path != ROOT / "skdl" / "layers" / "__init__.py"]


def test_no_other_module_or_page_repeats_the_list():
    # a paragraph (an import, a registry, a sentence) naming two thirds of
    # the layers or more lists them; naming a few for what they share is fine
    repeats = []
    for path in _sources():
        for paragraph in _paragraphs(path):
            named = [name for name in NAMES if re.search(rf"\b{name}\b", paragraph)]
            if 3 * len(named) >= 2 * len(NAMES):
                repeats.append((str(path.relative_to(ROOT)), named))
    assert repeats == []


def test_the_onnx_export_imports_no_layer():
    # a new layer's ONNX form is its to_onnx method: skdl/onnx needs no edit
    for path in (ROOT / "skdl" / "onnx").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"from \.\.layers|skdl\.layers import", text), path


REQUIRED_ARGUMENTS = {"units": 3, "filters": 2, "kernel_size": 2, "rate": 0.5,
                      "activation": "relu", "num_heads": 2, "key_dim": 4,
                      "sequence_length": 8, "layers": [Dense(3)], "input_dim": 5,
                      "output_dim": 2, "columns": [0], "input_dims": [3], "output_dims": 2}
"""A value for each argument some built-in layer requires."""


def _instance(layer_class, **params):
    from skdl.layers import LSTM

    signature = inspect.signature(layer_class)
    arguments = {**REQUIRED_ARGUMENTS, "layer": LSTM(3)}
    required = {name: arguments[name] for name, argument in signature.parameters.items()
                if argument.default is argument.empty}
    return layer_class(**required, **params)


@pytest.mark.parametrize("layer_class", BUILT_IN_LAYERS)
def test_every_built_in_layer_takes_kerass_name_last(layer_class):
    last = list(inspect.signature(layer_class).parameters.values())[-1]
    assert last.name == "name" and last.default is None
    unnamed, named = _instance(layer_class), _instance(layer_class, name="mine")
    assert unnamed.name is None and unnamed.get_config()["name"] is None
    assert named.name == "mine" and named.get_config()["name"] == "mine"
    # name=None, the default, is left out of the repr, which still makes the layer
    assert "name" not in repr(unnamed)
    assert repr(named).endswith(", name='mine')") or repr(named) == "Flatten(name='mine')"
    assert repr(layer_class(**named.get_config())) == repr(named)
    assert named.get_params(deep=False) == named.get_config()
