"""skdl.layers.CategoryEmbedding: the lookup of each categorical column and
the columns passed through, the unknown code's zero vector, Keras's tables,
the scatter-add gradient (finite differences, and a dense reference over
successive batches), refusals at build and of bad codes before any pass,
and the table a ColumnTransformer makes going straight into a network."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skdl import NeuralNetClassifier
from skdl.gradcheck import check_gradients
from skdl.layers import CategoryEmbedding, Dense
from skdl.network import Network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

COLUMNS, INPUT_DIMS, OUTPUT_DIMS = [3, 0], [4, 6], [2, 3]


def _table(n, seed=0, unknown=0.15):
    """Rows of 5 columns: codes of 6 categories in column 0 and of 4 in
    column 3 (some -1, unknown), numbers elsewhere."""
    rs = np.random.RandomState(seed)
    X = rs.normal(size=(n, 5))
    X[:, 0] = rs.randint(0, 6, n)
    X[:, 3] = rs.randint(0, 4, n)
    X[rs.rand(n) < unknown, 0] = -1
    X[rs.rand(n) < unknown, 3] = -1
    return X


def _layer(**kwargs):
    return CategoryEmbedding(COLUMNS, INPUT_DIMS, OUTPUT_DIMS, **kwargs)


def _expected(layer, X):
    tables = layer.get_weights()
    parts = [np.where(X[:, [c]] == -1, 0.0, table[np.maximum(X[:, c], 0).astype(int)])
             for c, table in zip(COLUMNS, tables)]
    return np.hstack([*parts, X[:, [1, 2, 4]]])


def _network(hidden):
    network = Network([_layer(), *hidden, Dense(2, "softmax")], (5,))
    network.initialize(np.random.RandomState(0))
    return network


def test_build_shapes_weights_and_refusals():
    layer = _layer()
    assert layer.build((5,)) == (2 + 3 + 3,)
    assert [(s.name, s.shape, s.penalised) for s in layer.weight_specs()] == [
        ("embeddings", (4, 2), False), ("embeddings", (6, 3), False)]
    assert CategoryEmbedding([1], [3], 4).build((2,)) == (5,)
    refusals = [
        (dict(), (5, 2), r"flat rows of shape \(n_features,\), got input of shape \(5, 2\)"),
        (dict(columns=[]), (5,), "columns is empty"),
        (dict(columns=[0, 0]), (5,), r"columns \[0, 0\] name a column twice"),
        (dict(columns=[0, 7]), (5,), r"columns \[7\] are beyond the 5 columns"),
        (dict(columns=0), (5,), "columns must be a list of integers"),
        (dict(input_dims=[4]), (5,), "input_dims has 1 entries for 2 columns"),
        (dict(input_dims=[4, 0]), (5,), "input_dims must be a list of integers of at least 1"),
        (dict(output_dims=[2, 3, 4]), (5,), "output_dims has 3 entries for 2 columns"),
        (dict(output_dims=0), (5,), "output_dims must be a positive integer"),
        (dict(embeddings_initializer=None), (5,), "embeddings_initializer must name"),
    ]
    for change, shape, message in refusals:
        arguments = dict(columns=COLUMNS, input_dims=INPUT_DIMS, output_dims=OUTPUT_DIMS)
        arguments.update(change)
        with pytest.raises(ValueError, match=r"CategoryEmbedding\(.*" + message):
            CategoryEmbedding(**arguments).build(shape)


def test_lookup_passthrough_and_unknown_codes(compute_backend):
    network = _network([])
    layer = network.layers[0]
    X = _table(20)
    out = layer.predict(X)
    assert_array_equal(out, _expected(layer, X))
    assert_array_equal(out[X[:, 3] == -1, :2], 0)  # unknown: the zero vector
    layer.allocate(20)
    assert_array_equal(layer.forward(X), out)
    dx = layer.backward(np.ones_like(out))
    assert_array_equal(dx[:, [1, 2, 4]], 1)
    assert_array_equal(dx[:, COLUMNS], 0)  # codes have no gradient
    # Keras's "uniform" draw, U(-0.05, 0.05)
    tables = layer.get_weights()
    assert max(np.abs(t).max() for t in tables) <= 0.05


@pytest.mark.parametrize("hidden", [[], [Dense(4, "tanh")]], ids=["alone", "stacked"])
def test_gradient_matches_finite_differences(compute_backend, hidden):
    network = _network(hidden)
    X = _table(8, seed=1, unknown=0.3)
    Y = np.eye(2)[np.arange(8) % 2]
    error, _, _ = check_gradients(network, X, Y, "cross_entropy")
    assert error < 1e-6


def test_scatter_gradient_over_successive_batches(compute_backend):
    layer = _layer()
    layer.build((5,))
    rs = np.random.RandomState(0)
    tables = [rs.normal(size=(4, 2)), rs.normal(size=(6, 3))]
    gradients = [np.full_like(t, np.nan) for t in tables]  # what a new view may hold
    layer.bind(tables, gradients)
    layer.allocate(9, needs_input_gradient=False)
    for seed, n in [(0, 9), (1, 3), (2, 9)]:
        X = _table(n, seed=seed, unknown=0.4)
        layer.forward(X)
        delta = rs.normal(size=(n, 8))
        assert layer.backward(delta.copy()) is None
        for (c, table, gradient, start, stop) in [(3, tables[0], gradients[0], 0, 2),
                                                  (0, tables[1], gradients[1], 2, 5)]:
            want = np.zeros_like(table)
            known = X[:, c] != -1
            np.add.at(want, X[known, c].astype(int), delta[known, start:stop])
            assert_allclose(gradient, want, rtol=1e-12, atol=1e-15)


def test_bad_codes_are_refused_before_any_weight_moves():
    X = _table(30)
    y = np.arange(30) % 2
    model = NeuralNetClassifier(layers=[_layer()], max_iter=2, random_state=0).fit(X, y)
    before = pickle.dumps(model)
    for column, value, message in [
        (0, 6.0, r"row 17 of X holds the code 6 in column 0, outside \[0, 6\) and not -1 "
                 r"\(unknown\)\. Raise input_dims\[1\]"),
        (3, -2.0, "row 17 of X holds the code -2 in column 3"),
        (3, 1.5, "row 17 of X holds 1.5 in column 3, which is not an integer code"),
    ]:
        bad = X.copy()
        bad[17, column] = value
        for call in (lambda: model.predict(bad), lambda: model.fit(bad, y),
                     lambda: model.partial_fit(bad, y)):
            with pytest.raises(ValueError, match=r"CategoryEmbedding\(.*" + message):
                call()
        assert pickle.dumps(model) == before
    with pytest.raises(ValueError, match=r"sparse matrix; convert it with X\.toarray\(\)"):
        model.predict(sp.csr_matrix(X))


def test_against_keras_embeddings():
    keras = pytest.importorskip("keras")
    network = _network([])
    layer = network.layers[0]
    X = _table(6, unknown=0.0)
    parts = []
    for c, rows, dim, table in zip(COLUMNS, INPUT_DIMS, OUTPUT_DIMS, layer.get_weights()):
        theirs = keras.layers.Embedding(rows, dim, dtype="float64")
        theirs.build((None,))
        theirs.set_weights([table])
        parts.append(np.asarray(theirs(X[:, c].astype("int64"))))
    # Keras's model: one Embedding per column, concatenated with the others
    assert_allclose(layer.predict(X), np.hstack([*parts, X[:, [1, 2, 4]]]), rtol=1e-15)


def test_a_column_transformer_feeds_it_and_unseen_categories_embed_as_zeros():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder, StandardScaler

    rs = np.random.RandomState(0)
    n = 60
    frame = pd.DataFrame({"colour": rs.choice(["red", "green", "blue"], n),
                          "size": rs.normal(size=n),
                          "shape": rs.choice(["round", "square"], n)})
    y = ((frame["colour"] == "red") ^ (frame["size"] > 0)).astype(int)
    encode = ColumnTransformer([
        ("categories", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
         ["colour", "shape"]),
        ("numbers", StandardScaler(), ["size"]),
    ])
    model = make_pipeline(encode, NeuralNetClassifier(
        layers=[CategoryEmbedding([0, 1], [3, 2], 2), Dense(8, "relu")],
        max_iter=30, random_state=0))
    assert cross_val_score(model, frame, y, cv=3).shape == (3,)
    model.fit(frame, y)
    unseen = frame.head(2).assign(colour="purple")
    embedded = model[-1].layers_[0].predict(model[0].transform(unseen))
    assert_array_equal(embedded[:, :2], 0)
    assert model.predict_proba(unseen).shape == (2, 2)
    # a fitted model keeps its tables, not its last batch
    assert len(pickle.dumps(model[-1])) < 20_000
