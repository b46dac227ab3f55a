"""Export fitted skdl models to ONNX, for ONNX Runtime and other runtimes.

Importing this module registers a converter for every skdl estimator with
`skl2onnx <https://onnx.ai/sklearn-onnx/>`_, so that
``skl2onnx.to_onnx(model, X[:1])`` converts a skdl estimator alone or
inside a :class:`~sklearn.pipeline.Pipeline` or
:class:`~sklearn.compose.ColumnTransformer` next to scikit-learn's
transformers. :func:`to_onnx` is a shortcut.

Needs the ``onnx`` extra: ``pip install -e ".[onnx]"`` (onnx and skl2onnx;
add onnxruntime to run the models).

What the converted model computes:

- every layer through its method ``to_onnx(graph, x)``, which writes the
  layer's prediction through :class:`OnnxGraph` and returns the output's
  name. The built-in layers (:data:`skdl.layers.BUILT_IN_LAYERS`) write
  theirs in standard ONNX operators: channels-last tensors are transposed
  around ONNX's channels-first ``Conv`` and pools, Keras's gate order is
  permuted into ONNX's ``LSTM`` and ``GRU`` order, and ``Dropout`` writes
  nothing. A subclass without a method of its own exports as its parent
  class; a layer class of yours exports once it has the method (see
  :meth:`skdl.layers.Layer.to_onnx`), and without it conversion stops with
  a TypeError that names the layer;
- every built-in activation in standard ONNX operators; a user activation
  gives its form with a method ``to_onnx(graph, z)`` that writes ``f(z)``
  and returns the output's name, and without one conversion stops with a
  TypeError that names it;
- in a float64 model, the operators ONNX Runtime runs only in float32
  (``Conv``, ``AveragePool``, ``RNN``, ``LSTM``, ``GRU``, ``Erf``, ``Elu``,
  ``LeakyRelu``, ``Softplus``) are written out of others it runs in
  float64, so that the model keeps float64 precision;
- classifiers output ``label`` and ``probabilities`` like skl2onnx's (see
  :mod:`skdl.onnx._estimators`), with the ``zipmap`` option; regressors
  output ``variable``.
"""

try:
    import onnx  # noqa: F401
    import skl2onnx
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skdl.onnx needs onnx and skl2onnx: pip install -e \".[onnx]\" from a clone "
        "of skdl (and onnxruntime to run the models)."
    ) from error

from ._estimators import register_converters
from ._graph import OnnxGraph

__all__ = ["to_onnx", "OnnxGraph", "register_converters"]

register_converters()


def to_onnx(model, X, *, options=None, target_opset=None, name=None):
    """Convert a fitted skdl estimator, or a pipeline holding one, to ONNX.

    A shortcut for :func:`skl2onnx.to_onnx` once skdl's converters are
    registered.

    Parameters
    ----------
    model : estimator or Pipeline
        Fitted.
    X : ndarray of shape (n_samples, n_features)
        Sample input; only its dtype (float32 or float64) and width are
        read, and they fix the model's input type.
    options : dict, optional
        skl2onnx's converter options, e.g. ``{"zipmap": False}`` to get the
        probabilities as a plain tensor.
    target_opset : int, optional
        The ONNX opset; skl2onnx's latest tested one by default.
    name : str, optional
        The graph's name.

    Returns
    -------
    onnx.ModelProto

    Examples
    --------
    >>> import numpy as np
    >>> from skdl import MLPClassifier
    >>> from skdl.onnx import to_onnx
    >>> X = np.random.RandomState(0).rand(40, 3).astype(np.float32)
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> model = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)
    >>> onx = to_onnx(model, X[:1], options={"zipmap": False})
    >>> [output.name for output in onx.graph.output]
    ['label', 'probabilities']
    """
    return skl2onnx.to_onnx(
        model, X[:1], options=options, target_opset=target_opset, name=name
    )
