"""Every picture example runs, on reduced sizes, and writes its PNGs."""

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import pytest  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "plot_activation_gallery.py": ["activations.png"],
    "plot_cnn_digits.py": ["cnn_digits_scores.png", "cnn_feature_maps.png", "cnn_filters.png"],
    "plot_forecasting.py": ["forecasting.png"],
    "plot_grid_search.py": ["grid_search.png"],
    "plot_loss_landscape.py": ["loss_landscape.png"],
    "plot_lstm_digits.py": ["lstm_digits_scores.png", "lstm_hidden_states.png"],
    "plot_perceptron_vs_mlp.py": ["perceptron_vs_mlp.png"],
    "plot_regression_losses.py": ["regression_losses.png"],
    "plot_solver_loss_curves.py": ["solver_loss_curves.png"],
}
"""The PNGs each example writes."""

# quick runs stop the solvers early
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _load_gallery():
    spec = importlib.util.spec_from_file_location(
        "skdl_make_gallery", EXAMPLES / "make_gallery.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gallery = _load_gallery()


def test_gallery_runs_every_picture_example():
    assert [path.name for path in gallery.example_paths()] == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_writes_its_pictures(name, tmp_path):
    output_dir = tmp_path / "images"  # created by the example
    written = gallery.load_example(EXAMPLES / name).main(output_dir, quick=True)
    assert sorted(path.name for path in written) == EXPECTED[name]
    for path in written:
        assert path.parent == output_dir
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        pixels = matplotlib.image.imread(path)
        assert min(pixels.shape[:2]) > 100
        assert pixels[..., :3].std() > 0.05  # a picture, not a blank canvas
