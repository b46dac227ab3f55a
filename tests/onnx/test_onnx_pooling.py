"""The max and average pools, 1-D and 2-D, converted to ONNX predict what
skdl predicts, within 1e-5 (float32) or 1e-9 (float64): ONNX's MaxPool and
AveragePool between transposes (MaxPool in float64 too), and in float64 the
average pool as gathered windows summed and divided by their count of
cells inside the input."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import TOLERANCE, op_types, session

from skdl import NeuralNetRegressor
from skdl.layers import AvgPool1D, AvgPool2D, Flatten, MaxPool1D, MaxPool2D
from skdl.onnx import to_onnx
from skdl.onnx._windows import Windows, window_cells

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def fitted(layers, shape, dtype, n_rows=6, seed=0, X=None):
    """A regressor of three outputs over ``layers``, fitted briefly on
    random samples of ``shape`` (or on ``X``), and those samples."""
    rng = np.random.RandomState(seed)
    if X is None:
        X = rng.normal(size=(n_rows, int(np.prod(shape))))
    X = X.astype(dtype)
    y = rng.normal(size=(len(X), 3))
    model = NeuralNetRegressor(layers + [Flatten()], input_shape=shape, max_iter=2,
                               random_state=seed)
    return model.fit(X, y), X


def assert_matches_skdl(model, X):
    """ONNX Runtime's predictions are skdl's, in X's dtype; returns the
    converted model's operator types."""
    onx = to_onnx(model, X)
    (values,) = session(onx).run(None, {onx.graph.input[0].name: X})
    assert values.dtype == X.dtype
    np.testing.assert_allclose(values, model.predict(X).reshape(values.shape),
                               rtol=0, atol=TOLERANCE[X.dtype.type])
    return set(op_types(onx))


@DTYPES
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [None, 1, 2])
@pytest.mark.parametrize("pool_size, channels", [(2, 1), (3, 3), ((3, 2), 1)],
                         ids=["p2-C1", "p3-C3", "p3x2-C1"])
@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
def test_pool2d_matches_skdl(pool, pool_size, channels, strides, padding, dtype):
    layer = pool(pool_size, strides=strides, padding=padding)
    ops = assert_matches_skdl(*fitted([layer], (5, 7, channels), dtype))
    expected = "MaxPool" if pool is MaxPool2D else "AveragePool"
    assert (expected in ops) == (pool is MaxPool2D or dtype == np.float32)


@DTYPES
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [None, 1, 2])
@pytest.mark.parametrize("pool", [MaxPool1D, AvgPool1D])
def test_pool1d_matches_skdl(pool, strides, padding, dtype):
    layer = pool(3, strides=strides, padding=padding)
    assert_matches_skdl(*fitted([layer], (8, 2), dtype))


@DTYPES
@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
def test_same_padding_cells_neither_win_nor_count(pool, dtype):
    # negative images: a padded zero would win a max; a mean counting the
    # padding would shrink towards 0 at the edges
    X = -1.0 - np.random.RandomState(3).uniform(size=(6, 5 * 5 * 2))
    assert_matches_skdl(*fitted([pool(4, strides=3, padding="same")], (5, 5, 2), dtype, X=X))


def test_window_cells_mark_padding_and_keep_channels_last():
    # 2x3 image, 2 channels, 2x2 windows stepping 1 down and 2 across, with
    # one padded row below and one padded column on the right
    windows = Windows((2, 3), (2, 2), (1, 2), (0, 0), (1, 1), (2, 2))
    cells = window_cells(windows, 2)
    assert cells.shape == (2, 2, 4, 2)
    np.testing.assert_array_equal(cells[0, 0], [[0, 1], [2, 3], [6, 7], [8, 9]])
    np.testing.assert_array_equal(cells[1, 1], [[10, 11], [-1, -1], [-1, -1], [-1, -1]])
