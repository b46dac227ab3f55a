"""Each activation's ONNX form (the step, which only the perceptron trains,
is tested with it in test_onnx_estimators.py) against skdl's own values over a wide range of
pre-activations (saturation and overflow included), and the hook a user's
activation gives its ONNX form through."""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from onnx_helpers import assert_close, op_types, run_onnx  # noqa: E402

from skdl import NeuralNetRegressor  # noqa: E402
from skdl.activations import ELU, GELU, LeakyReLU, Softplus  # noqa: E402
from skdl.layers import Dense  # noqa: E402
from skdl.onnx import to_onnx  # noqa: E402
from skdl.onnx._network import layer_to_onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = [np.float32, np.float64]
ACTIVATIONS = ["identity", "logistic", "softmax", "tanh", "relu", "leaky_relu",
               "elu", "gelu", "softplus", "exp", LeakyReLU(0.3), ELU(0.5)]


def _through(activation, dtype, z_range=30.0, width=4):
    """A regressor whose output is ``activation`` of its input, scaled:
    Dense(width, activation) with an identity kernel, then an identity
    output layer. Returns the model and inputs spanning ``[-z_range,
    z_range]``."""
    X = np.linspace(-z_range, z_range, 401 * width).reshape(-1, width).astype(dtype)
    model = NeuralNetRegressor([Dense(width, activation)], max_iter=1).fit(X[:8] / z_range, X[:8] / z_range)
    for layer in model.layers_:
        layer.set_weights([np.eye(width, dtype=dtype), np.zeros(width, dtype=dtype)])
    return model, X


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=str)
def test_activation_matches_skdl_over_a_wide_range(activation, dtype):
    model, X = _through(activation, dtype, z_range=80.0 if activation != "exp" else 30.0)
    (values,) = run_onnx(model, X)
    expected = model.predict(X)
    assert np.all(np.isfinite(values))
    assert_close(values, expected)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_gelu_near_zero_keeps_relative_precision(dtype):
    model, X = _through(GELU(), dtype, z_range=1e-3)
    (values,) = run_onnx(model, X)
    np.testing.assert_allclose(values, model.predict(X), rtol=TOL_RELATIVE[dtype], atol=0)


TOL_RELATIVE = {np.float32: 1e-6, np.float64: 1e-12}


@pytest.mark.parametrize("activation, float64_operator", [
    (GELU(), "Erf"), (ELU(), "Elu"), (LeakyReLU(), "LeakyRelu"), (Softplus(), "Softplus"),
])
def test_float64_writes_out_what_onnx_runtime_lacks(activation, float64_operator):
    """float32 models use the ONNX operator; float64 ones, which ONNX
    Runtime does not run, are written out of others."""
    for dtype, present in [(np.float32, True), (np.float64, False)]:
        model, X = _through(activation, dtype)
        assert (float64_operator in op_types(to_onnx(model, X))) is present


# -------------------------------------------------------------- user hook
class Cube:
    """A user activation, ``z ** 3``, with its ONNX form."""

    name = "cube"

    def value(self, z):
        return z ** 3

    def derivative(self, z, a):
        return 3 * z ** 2

    def to_onnx(self, graph, z):
        return graph.node("Mul", [z, graph.node("Mul", [z, z])])


class CubeWithoutOnnx(Cube):
    to_onnx = None


class CubeReturningNodes(Cube):
    def to_onnx(self, graph, z):
        return [graph.node("Mul", [z, z])]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_user_activation_with_a_hook(dtype):
    model, X = _through(Cube(), dtype, z_range=3.0)
    (values,) = run_onnx(model, X)
    assert_close(values, model.predict(X))


def test_user_activation_without_a_hook_is_named():
    model, X = _through(CubeWithoutOnnx(), np.float32, z_range=3.0)
    with pytest.raises(TypeError, match=r"activation 'cube' \(CubeWithoutOnnx\) has no ONNX form"):
        to_onnx(model, X)


def test_user_activation_hook_must_return_a_name():
    model, X = _through(CubeReturningNodes(), np.float32, z_range=3.0)
    with pytest.raises(TypeError, match="must return the name"):
        to_onnx(model, X)


def test_layer_without_a_converter_is_named():
    class Doubling:
        def __repr__(self):
            return "Doubling()"

    with pytest.raises(TypeError, match=r"Doubling\(\) \(Doubling\) has no ONNX form"):
        layer_to_onnx(None, Doubling(), "x")


def test_layer_hook_gives_its_form_and_must_return_a_name():
    class Named:
        def to_onnx(self, graph, x):
            return "written"

    class Listing:
        def to_onnx(self, graph, x):
            return ["written"]

    assert layer_to_onnx(None, Named(), "x") == "written"
    with pytest.raises(TypeError, match=r"layer .*Listing.* returned \['written'\]; it must return the name"):
        layer_to_onnx(None, Listing(), "x")
