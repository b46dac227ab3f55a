"""The ONNX suite exports hundreds of models and runs them in ONNX Runtime:
every test in this folder, present or future, is marked ``slow``, so that
``python -m pytest -m "not slow"`` leaves the suite out."""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.slow)
