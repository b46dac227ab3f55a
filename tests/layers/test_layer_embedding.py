"""skdl.layers.Embedding: the lookup, Keras's weight and mask, the
scatter-add gradient (checked by finite differences and against a dense
reference over successive batches, whose rows it zeroes by itself), and
the refusal of ids that are not integers of the vocabulary, in fit before
any weight moves and in predict, naming X's row."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl import NeuralNetClassifier
from skdl.gradcheck import check_gradients
from skdl.layers import Dense, Embedding, Flatten
from skdl.network import Network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _ids(n, steps, vocabulary, seed=0, padding=0.3):
    rs = np.random.RandomState(seed)
    ids = rs.randint(1, vocabulary, size=(n, steps)).astype(float)
    ids[rs.rand(n, steps) < padding] = 0
    return ids


def _network(vocabulary=7, dim=3, steps=4, **kwargs):
    layers = [Embedding(vocabulary, dim, **kwargs), Flatten(), Dense(2, "softmax")]
    network = Network(layers, (steps,))
    network.initialize(np.random.RandomState(0))
    return network


def test_build_shapes_weights_and_refusals():
    layer = Embedding(10, 4)
    assert layer.build((6,)) == (6, 4)
    assert [(s.name, s.shape, s.penalised) for s in layer.weight_specs()] == [
        ("embeddings", (10, 4), False)]
    with pytest.raises(ValueError, match=r"Embedding\(.*shape \(timesteps,\).*\(6, 2\)"):
        Embedding(10, 4).build((6, 2))
    with pytest.raises(ValueError, match="input_dim must be a positive integer"):
        Embedding(0, 4).build((6,))
    with pytest.raises(ValueError, match="mask_zero must be True or False"):
        Embedding(10, 4, mask_zero="yes").build((6,))
    with pytest.raises(ValueError, match="embeddings_initializer"):
        Embedding(10, 4, embeddings_initializer="nope").build((6,))


def test_lookup_and_mask(compute_backend):
    network = _network(mask_zero=True)
    layer = network.layers[0]
    table = layer.get_weights()[0]
    ids = _ids(5, 4, 7)
    assert_array_equal(layer.predict(ids), table[ids.astype(int)])
    layer.allocate(5)
    assert_array_equal(layer.forward(ids), table[ids.astype(int)])
    assert_array_equal(layer.compute_mask(ids, None), ids != 0)
    assert Embedding(7, 3).compute_mask(ids, None) is None
    # uniform(-0.05, 0.05), Keras's default draw
    assert np.abs(table).max() <= 0.05 and table.std() > 0.01


@pytest.mark.parametrize("mask_zero", [False, True])
def test_gradient_matches_finite_differences(compute_backend, mask_zero):
    network = _network(mask_zero=mask_zero)
    X = _ids(6, 4, 7, seed=1)
    Y = np.eye(2)[np.arange(6) % 2]
    error, _, _ = check_gradients(network, X, Y, "cross_entropy")
    assert error < 1e-6


def test_scatter_gradient_over_successive_batches(compute_backend):
    """Each batch's gradient is its own: the rows the previous batch touched
    are zeroed, the others never hold anything, as a dense reference."""
    vocabulary, dim, steps = 30, 5, 6
    layer = Embedding(vocabulary, dim)
    layer.build((steps,))
    table = np.random.RandomState(0).normal(size=(vocabulary, dim))
    gradient = np.full_like(table, np.nan)  # what a new view may hold
    layer.bind([table], [gradient])
    layer.allocate(8, needs_input_gradient=False)
    rs = np.random.RandomState(1)
    for seed, n in [(0, 8), (1, 3), (2, 8)]:
        ids = _ids(n, steps, vocabulary, seed=seed, padding=0.5)
        layer.forward(ids)
        delta = rs.normal(size=(n, steps, dim))
        assert layer.backward(delta.copy()) is None
        want = np.zeros_like(table)
        np.add.at(want, ids.astype(int).ravel(), delta.reshape(-1, dim))
        assert_allclose(gradient, want, rtol=1e-12, atol=1e-15)


def test_bad_ids_are_refused_before_any_weight_moves():
    X = _ids(300, 5, 9)  # more rows than predict's chunks: the row named is X's
    y = np.arange(300) % 2
    model = NeuralNetClassifier(layers=[Embedding(9, 2), Flatten()], input_shape=(5,),
                                max_iter=2, random_state=0).fit(X, y)
    before = pickle.dumps(model)
    for value, message in [(9.0, r"row 290 of X holds the id 9 at step 2, outside \[0, 9\)"),
                           (-1.0, "row 290 of X holds the id -1 at step 2"),
                           (2.5, "row 290 of X holds 2.5 at step 2, which is not an integer")]:
        bad = X.copy()
        bad[290, 2] = value
        for call in (lambda: model.predict(bad), lambda: model.fit(bad, y),
                     lambda: model.partial_fit(bad, y)):
            with pytest.raises(ValueError, match=r"Embedding\(input_dim=9.*" + message):
                call()
        assert pickle.dumps(model) == before
    # in X_val, before any epoch: the row is X_val's
    bad = X[:10].copy()
    bad[4, 2] = 9.0
    with pytest.raises(ValueError, match=r"^X_val was refused, its rows counted from 0 in "
                                         r"X_val: Embedding\(.*row 4 of X holds the id 9"):
        model.set_params(warm_start=True).fit(X, y, X_val=bad, y_val=y[:10])
    assert pickle.dumps(model.set_params(warm_start=False)) == before


def test_against_keras():
    keras = pytest.importorskip("keras")
    ids = _ids(3, 5, 11)
    layer = Embedding(11, 4, mask_zero=True)
    layer.build((5,))
    layer.bind([np.random.RandomState(2).normal(size=(11, 4))], None)
    theirs = keras.layers.Embedding(11, 4, mask_zero=True, dtype="float64")
    theirs.build((None, 5))
    theirs.set_weights(layer.get_weights())
    assert_allclose(layer.predict(ids), np.asarray(theirs(ids.astype("int64"))), rtol=1e-15)
    assert_array_equal(layer.compute_mask(ids, None),
                       np.asarray(theirs.compute_mask(ids.astype("int64"))))
