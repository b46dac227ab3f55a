"""The table of a network's layers (skdl/_summary.py): ``summary()`` as
Keras prints it, from the fitted layers or, before fit, from a built copy,
as the user guide shows it, and the layers in the estimator's HTML
diagram."""

import html
import re
from pathlib import Path

import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_html_repr

from skdl import MLPClassifier, NeuralNetClassifier, NeuralNetRegressor
from skdl.layers import GRU, LSTM, Conv1D, Conv2D, Dense, Flatten, MaxPool2D, SimpleRNN

from stateful_layer import RunningCentre

ROW = re.compile(r"^ (\S+) \((\w+)\)\s+(\(None, [^)]*\))\s+([\d,]+(?: \* n_outputs)?)$")


# the few epochs these fits take leave them unconverged, as meant
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    """200 digits, pixels in [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return X[:200] / 16, y[:200]


def cnn(**params):
    layers = [Conv2D(4, 3, activation="relu"), MaxPool2D(2), Flatten(), RunningCentre()]
    return NeuralNetClassifier(**{"layers": layers, "input_shape": (8, 8, 1), "max_iter": 2,
                                  "random_state": 0, **params})


@pytest.fixture(scope="module")
def fitted(digits):
    return cnn().fit(*digits)


def summary(estimator):
    """The summary's lines, its rows as (name, type, shape, count) and its
    totals as {label: text}."""
    lines = []
    assert estimator.summary(print_fn=lines.append) is None
    end = lines.index(lines[3], 4)  # the rule of "=" under the rows
    rows = [ROW.match(line).groups() for line in lines[4:end]]
    totals = dict(line.split(": ") for line in lines[end + 1:-1])
    return lines, rows, totals


def _count(text):
    return int(text.replace(",", ""))


# ------------------------------------------------------------------- summary
def test_the_fitted_summary_counts_each_layers_weights(fitted):
    lines, rows, totals = summary(fitted)
    assert lines[0] == "Model: NeuralNetClassifier (fitted)"
    assert [row[:3] for row in rows] == [
        (layer.name, type(layer).__name__, str((None, *layer.output_shape)))
        for layer in fitted.layers_
    ]
    sizes = [sum(w.size for w in layer.get_weights()) for layer in fitted.layers_]
    assert [_count(row[3]) for row in rows] == sizes
    # Keras's formulas: a convolution's (kh * kw * channels + 1) * filters,
    # a dense layer's (inputs + 1) * units
    assert sizes[0] == (3 * 3 * 1 + 1) * 4 and sizes[-1] == (36 + 1) * 10
    # RunningCentre's moving_mean does not train
    assert totals == {
        "Total params": f"{sum(sizes):,}",
        "Trainable params": f"{sum(sizes) - 36:,}",
        "Non-trainable params": "36",
    }


def test_the_summary_before_fit_builds_a_copy_with_the_outputs_unknown(fitted):
    unfitted = cnn()
    lines, rows, totals = summary(unfitted)
    assert lines[0] == "Model: NeuralNetClassifier (not fitted)"
    assert rows[-1] == ("output", "Dense", "(None, n_outputs)", "37 * n_outputs")
    assert totals["Total params"] == "148 + 37 * n_outputs"
    assert totals["Trainable params"] == "112 + 37 * n_outputs"
    assert totals["Non-trainable params"] == "36"
    assert rows[:-1] == summary(fitted)[1][:-1]
    assert not hasattr(unfitted, "layers_")
    assert not any(hasattr(layer, "output_shape") for layer in unfitted.layers)
    # the fitted total is the one the table gave for 10 outputs
    assert _count(summary(fitted)[2]["Total params"]) == 148 + 37 * 10


def test_the_summary_follows_kerass_formulas_for_sequences():
    net = NeuralNetRegressor(
        layers=[Conv1D(3, 2), GRU(4, return_sequences=True), LSTM(5, return_sequences=True),
                SimpleRNN(6)],
        input_shape=(10, 2),
    )
    _, rows, totals = summary(net)
    assert [row[2:] for row in rows] == [
        ("(None, 9, 3)", f"{(2 * 2 + 1) * 3}"),
        ("(None, 9, 4)", f"{3 * 4 * (3 + 4 + 2)}"),  # GRU, reset_after: two biases
        ("(None, 9, 5)", f"{4 * 5 * (4 + 5 + 1)}"),
        ("(None, 6)", f"{6 * (5 + 6 + 1)}"),
        ("(None, n_outputs)", "7 * n_outputs"),
    ]
    assert totals["Total params"] == f"{15 + 108 + 200 + 72} + 7 * n_outputs"


def test_the_summary_after_fit_reads_the_fitted_layers(digits):
    clf = cnn().fit(*digits)
    before = summary(clf)[0]
    clf.set_params(conv2d__filters=8)
    assert summary(clf)[0] == before
    clf.set_params(input_shape=None, layers=[Dense(3)])
    assert summary(clf)[0] == before


def test_an_mlps_summary_after_fit():
    X, y = load_digits(return_X_y=True)
    mlp = MLPClassifier(hidden_layer_sizes=(20, 10), max_iter=3, random_state=0)
    with pytest.raises(NotFittedError, match="summary\\(\\) needs a fit first"):
        mlp.summary()
    mlp.fit(X[:100], y[:100])
    _, rows, totals = summary(mlp)
    assert [row[:3] for row in rows] == [
        ("dense-1", "Dense", "(None, 20)"), ("dense-2", "Dense", "(None, 10)"),
        ("output", "Dense", "(None, 10)"),
    ]
    sizes = [c.size + b.size for c, b in zip(mlp.coefs_, mlp.intercepts_)]
    assert [_count(row[3]) for row in rows] == sizes
    assert totals["Total params"] == f"{sum(sizes):,}" and totals["Non-trainable params"] == "0"


@pytest.mark.parametrize("params, error, message", [
    (dict(input_shape=None), NotFittedError, "its input_shape is None"),
    (dict(input_shape=(8, -1, 1)), NotFittedError, "give input_shape in full \\(no -1\\)"),
    (dict(input_shape=(8, 0, 1)), ValueError, "input_shape must be a tuple of positive"),
    (dict(layers=[Conv2D(2, 9)]), ValueError,
     "Layer 0 cannot take inputs of shape \\(8, 8, 1\\): Conv2D.*name='conv2d'"),
    (dict(layers=[Flatten(name="a"), Dense(2, name="a")]), ValueError, "both named 'a'"),
])
def test_the_summary_before_fit_refuses_unknown_or_misfit_shapes(params, error, message):
    with pytest.raises(error, match=message):
        cnn(**params).summary()


def test_the_summary_prints_to_stdout_by_default(fitted, capsys):
    fitted.summary()
    assert capsys.readouterr().out == "\n".join(summary(fitted)[0]) + "\n"


# -------------------------------------------------------------- HTML diagram
def _diagram(estimator):
    """The estimator's HTML, from the layer boxes on (the text fallback
    before them repeats the repr)."""
    page = estimator_html_repr(estimator)
    return page[page.index('class="sk-container"'):]


def test_the_diagram_shows_each_fitted_layer_with_its_shape(fitted):
    page = _diagram(fitted)
    for layer in fitted.layers_:
        label = f"{layer.name}: {type(layer).__name__}"
        box = page[page.index(f"<div>{label}</div>"):]
        shape = html.escape(str((None, *layer.output_shape)))
        assert box.startswith(f'<div>{label}</div><div class="caption">{shape}</div>')
        weights = sum(w.size for w in layer.get_weights())
        assert f"weights: {weights:,}</pre>" in box[:box.index("</pre>") + 6]
    # what a notebook shows
    assert "<div>runningcentre: RunningCentre</div>" in fitted._repr_html_()


def test_the_diagram_before_fit():
    page = _diagram(cnn())
    assert '<div>conv2d: Conv2D</div><div class="caption">(None, 6, 6, 4)</div>' in page
    assert '<div>output: Dense</div><div class="caption">(None, n_outputs)</div>' in page
    assert "its units and activation come from the targets at fit" in page
    # input_shape unknown: the layers, without shapes
    page = _diagram(NeuralNetClassifier(layers=[Dense(8), Dense(4, name="head")]))
    for label in ("dense-1: Dense", "head: Dense", "output: Dense"):
        assert f"<div>{label}</div></div>" in page
    assert "(None" not in page


def test_a_diagram_that_cannot_be_drawn_falls_back_to_the_estimator_alone():
    page = _diagram(NeuralNetClassifier(layers=[Dense(8, name="a"), Dense(4, name="a")]))
    assert "NeuralNetClassifier" in page and "a: Dense" not in page


def test_the_diagram_in_a_pipeline_prefixes_the_layers_parameters():
    page = _diagram(make_pipeline(StandardScaler(), cnn()))
    assert 'data-param-prefix="neuralnetclassifier__conv2d__"' in page
    for label in ("conv2d: Conv2D", "maxpool2d: MaxPool2D", "flatten: Flatten",
                  "runningcentre: RunningCentre", "output: Dense"):
        assert f"<div>{label}</div>" in page


def test_the_user_guide_shows_the_summary_as_printed():
    page = (Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "training"
            / "layers.inc").read_text(encoding="utf-8")
    shown = page.split(".. code-block:: text\n\n", 1)[1].split("\n\n", 1)[0]
    net = NeuralNetClassifier(
        layers=[Conv2D(16, 3, padding="same", activation="relu"), MaxPool2D(2),
                Flatten(), Dense(64, activation="relu")],
        input_shape=(8, 8, 1),
    )
    lines = []
    net.summary(print_fn=lines.append)
    assert shown.splitlines() == ["   " + line for line in lines]
