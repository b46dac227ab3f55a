"""skdl's estimators as skl2onnx operators: a parser that checks the model
and its input, shape calculators, and converters that write the network
and the outputs scikit-learn's converted classifiers and regressors have.

A classifier gives two outputs, like skl2onnx's own:

- ``label``: the predicted classes (int64, or strings for string labels);
  for a multi-label classifier, the indicator matrix;
- ``probabilities``: :meth:`predict_proba`, or where the model has none
  (a margin loss, the step perceptron), its scores: ``decision_function``
  for the perceptron, the raw outputs of a network, and for one output
  column ``[-score, score]``.

With the default option ``zipmap=True`` skl2onnx turns the probabilities
into a list of dictionaries per row, as for every classifier it converts.
A regressor gives ``variable``, of shape ``(n, n_outputs)``.
"""

import numbers

import numpy as np
from onnx import TensorProto
from skl2onnx import update_registered_converter
from skl2onnx._parse import _parse_sklearn_classifier
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from sklearn.utils.validation import check_is_fitted

from ..activations import Softmax
from ..mlp import MLPClassifier, MLPRegressor
from ..neural_net import NeuralNetClassifier, NeuralNetRegressor
from ..perceptron import PerceptronClassifier
from ._activations import activation_to_onnx
from ._graph import OnnxGraph
from ._network import network_to_onnx

__all__ = ["register_converters", "CLASSIFIERS", "REGRESSORS"]

CLASSIFIERS = (MLPClassifier, NeuralNetClassifier, PerceptronClassifier)
REGRESSORS = (MLPRegressor, NeuralNetRegressor)

_FLOAT_TYPES = {FloatTensorType: np.float32, DoubleTensorType: np.float64}


def register_converters():
    """Register a parser, shape calculator and converter for every skdl
    estimator with skl2onnx (importing :mod:`skdl.onnx` does it).

    Classifiers take skl2onnx's usual options ``zipmap`` (True, False or
    ``"columns"``) and ``output_class_labels``.
    """
    for model in CLASSIFIERS:
        update_registered_converter(
            model, f"Skdl{model.__name__}", classifier_shapes, convert_classifier,
            parser=parse_classifier,
            options={"zipmap": [True, False, "columns"], "output_class_labels": [False, True],
                     "nocl": [False]},
        )
    for model in REGRESSORS:
        update_registered_converter(
            model, f"Skdl{model.__name__}", regressor_shapes, convert_regressor
        )


# ----------------------------------------------------------------- checks
def checked_input_dtype(model, inputs):
    """The float type of a fitted model's one input, refusing what cannot
    feed it.

    Parameters
    ----------
    model : estimator
    inputs : list of skl2onnx Variable

    Returns
    -------
    numpy.dtype

    Raises
    ------
    sklearn.exceptions.NotFittedError
        When ``model`` is not fitted.
    TypeError
        For an input that is not one float or double tensor.
    ValueError
        For an input whose width is not the model's ``n_features_in_``.
    """
    check_is_fitted(model)
    name = type(model).__name__
    if len(inputs) != 1:
        raise TypeError(f"{name} takes one input tensor, got {len(inputs)}.")
    kind = type(inputs[0].type)
    if kind not in _FLOAT_TYPES:
        raise TypeError(
            f"{name} takes a FloatTensorType or DoubleTensorType input, got "
            f"{kind.__name__}; convert with X.astype(np.float32) or np.float64."
        )
    shape = inputs[0].type.shape
    if not shape:  # not inferred yet, inside a pipeline
        return np.dtype(_FLOAT_TYPES[kind])
    width = shape[1] if len(shape) == 2 else None
    if len(shape) != 2 or (isinstance(width, numbers.Integral) and width != model.n_features_in_):
        raise ValueError(
            f"{name} was fitted on {model.n_features_in_} features, so its input "
            f"must have shape [None, {model.n_features_in_}]; got {list(shape)}."
        )
    return np.dtype(_FLOAT_TYPES[kind])


def _input_dtype(operator):
    """The float type of an operator's input, which the parser and shape
    calculator have checked."""
    return np.dtype(_FLOAT_TYPES[type(operator.inputs[0].type)])


def class_labels(model):
    """``classes_`` as ONNX stores them: UTF-8 strings for strings, int64 for
    the rest (integers, booleans, and floats, which scikit-learn's target
    checks allow only with whole values).

    Parameters
    ----------
    model : classifier

    Returns
    -------
    ndarray of int64 or of str
    """
    classes = np.asarray(model.classes_)
    return classes.astype(str if classes.dtype.kind in "OUS" else np.int64)


def _is_multilabel(model):
    return model._label_binarizer.y_type_.startswith("multilabel")


# ------------------------------------------------------- parser and shapes
def parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser (label, probabilities and the zipmap
    option), after checking the model and its input; a multi-label model
    has no ZipMap, its labels being an indicator matrix.

    Parameters
    ----------
    scope : skl2onnx Scope
    model : classifier
    inputs : list of Variable
    custom_parsers : dict or None

    Returns
    -------
    list of Variable
    """
    checked_input_dtype(model, inputs)
    if _is_multilabel(model):
        scope.add_options(id(model), {"zipmap": False})
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers)


def classifier_shapes(operator):
    """Types of ``label`` and ``probabilities``.

    Parameters
    ----------
    operator : skl2onnx Operator
    """
    model = operator.raw_operator
    dtype = checked_input_dtype(model, operator.inputs)
    n_rows = operator.inputs[0].get_first_dimension()
    n_classes = len(model.classes_)
    label_type = StringTensorType if class_labels(model).dtype.kind == "U" else Int64TensorType
    label_shape = [n_rows, n_classes] if _is_multilabel(model) else [n_rows]
    operator.outputs[0].type = label_type(shape=label_shape)
    float_type = FloatTensorType if dtype == np.float32 else DoubleTensorType
    operator.outputs[1].type = float_type(shape=[n_rows, n_classes])


def regressor_shapes(operator):
    """Type of ``variable``: ``(n, n_outputs)`` in the input's float type.

    Parameters
    ----------
    operator : skl2onnx Operator
    """
    model = operator.raw_operator
    dtype = checked_input_dtype(model, operator.inputs)
    float_type = FloatTensorType if dtype == np.float32 else DoubleTensorType
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = float_type(shape=[n_rows, model.n_outputs_])


# ---------------------------------------------------------------- converters
def convert_regressor(scope, operator, container):
    """Write a regressor's predictions.

    Parameters
    ----------
    scope : skl2onnx Scope
    operator : skl2onnx Operator
    container : skl2onnx ModelComponentContainer
    """
    model = operator.raw_operator
    graph = OnnxGraph(scope, container, _input_dtype(operator))
    out = network_to_onnx(graph, model._fitted_network(graph.dtype), operator.inputs[0].full_name)
    _connect(graph, [out], operator.outputs)


def convert_classifier(scope, operator, container):
    """Write a classifier's labels and probabilities (or scores).

    Parameters
    ----------
    scope : skl2onnx Scope
    operator : skl2onnx Operator
    container : skl2onnx ModelComponentContainer
    """
    model = operator.raw_operator
    graph = OnnxGraph(scope, container, _input_dtype(operator))
    x = operator.inputs[0].full_name
    if isinstance(model, PerceptronClassifier):
        label, second = _perceptron_outputs(graph, model, x)
    else:
        label, second = _network_classifier_outputs(graph, model, x)
    _connect(graph, [label, second], operator.outputs)


def _connect(graph, names, outputs):
    """Write the tensors ``names`` into the operator's ``outputs``, then
    drop what nothing reads."""
    for name, variable in zip(names, outputs):
        graph.container.add_node(
            "Identity", [name], [variable.full_name],
            name=graph.scope.get_unique_operator_name("Identity"),
        )
    graph.remove_unused()


def _network_classifier_outputs(graph, model, x):
    """Labels and probabilities (or scores) from a network's outputs, as
    :class:`skdl._classification.ClassifierOutputsMixin` computes them."""
    out = network_to_onnx(graph, model._fitted_network(graph.dtype), x)
    output_activation = model._layer_activations[-1]
    if _is_multilabel(model) or model.n_outputs_ == 1:
        threshold = graph.constant(model._prediction_threshold())
        above = graph.node("Greater", [out, threshold])
        if _is_multilabel(model):
            return graph.node("Cast", [above], to=TensorProto.INT64), out
        label = _label_of_column(graph, model, above)
        if not model._output_is_probability():
            return label, _signed_pair(graph, graph.node("Sub", [out, threshold]))
    else:
        label = _label_of_largest(graph, model, out)
        if not model._output_is_probability():
            return label, out
    return label, _probabilities(graph, out, output_activation, model.n_outputs_)


def _perceptron_outputs(graph, model, x):
    """Labels from ``decision_function``; probabilities when the activation
    gives them, else the decision scores."""
    coef = model._dense_coef()
    scores = graph.affine(x, coef.T, model.intercept_)
    activation = model._layer_activations[0]
    n_columns = coef.shape[0]
    if n_columns == 1:
        decision = graph.node("Sub", [scores, graph.constant(model._decision_offset)])
    elif n_columns == 2 and len(model.classes_) == 2:
        first, second = graph.node("Split", [scores, graph.shape_constant([1, 1])],
                                   n_outputs=2, axis=1)
        decision = graph.node("Sub", [second, first])
    else:
        decision = None
    if decision is None:
        label = _label_of_largest(graph, model, scores)
    else:
        label = _label_of_column(graph, model, graph.node("Greater", [decision, graph.constant(0.0)]))
    if not model._output_is_probability():
        return label, scores if decision is None else _signed_pair(graph, decision)
    out = activation_to_onnx(graph, activation, scores)
    return label, _probabilities(graph, out, activation, n_columns)


def _probabilities(graph, out, activation, n_columns):
    """``predict_proba`` from the output activation's values ``out`` (of
    ``n_columns`` columns): one column as ``[1 - p, p]``, a softmax as it
    is, other probabilities normalised to sum to one."""
    if isinstance(activation, Softmax):
        return out
    if n_columns == 1:
        return _two_columns(graph, graph.node("Sub", [graph.constant(1.0), out]), out)
    total = graph.node("ReduceSum", [out, graph.shape_constant([1])], keepdims=1)
    return graph.node("Div", [out, total])


def _label_of_column(graph, model, above):
    """``classes_[1]`` where ``above`` (n, 1) holds, else ``classes_[0]``."""
    index = graph.node("Cast", [graph.reshape(above, [-1])], to=TensorProto.INT64)
    return graph.node("Gather", [_labels_constant(graph, model), index])


def _label_of_largest(graph, model, scores):
    """The class of each row's largest score (the first of ties)."""
    index = graph.node("ArgMax", [scores], axis=1, keepdims=0)
    return graph.node("Gather", [_labels_constant(graph, model), index])


def _labels_constant(graph, model):
    labels = class_labels(model)
    return graph.constant(labels, dtype=labels.dtype)


def _two_columns(graph, first, second):
    return graph.node("Concat", [first, second], axis=1)


def _signed_pair(graph, score):
    """``[-score, score]``: a single score as two class columns."""
    return _two_columns(graph, graph.node("Neg", [score]), score)
