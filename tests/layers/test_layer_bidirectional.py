"""skdl.layers.Bidirectional: Keras's outputs for the same weights (the
backward copy over the reversed steps, its sequence put back in order, the
output zero at masked steps with return_sequences), the merge modes,
Keras's weight order, gradients alone and after a masking Embedding on
both back-ends, and what a fitted model keeps."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from skdl import NeuralNetClassifier
from skdl.gradcheck import check_gradients
from skdl.layers import GRU, LSTM, Bidirectional, Dense, Embedding, Flatten, SimpleRNN
from skdl.network import Network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _bound(layer, shape=(5, 3), seed=0):
    layer.build(shape)
    rs = np.random.RandomState(seed)
    layer.bind([rs.normal(scale=0.5, size=s.shape) for s in layer.weight_specs()], None)
    return layer


def _padded_mask():
    post = np.arange(5)[np.newaxis, :] < np.array([5, 3, 1, 0])[:, np.newaxis]
    return np.concatenate([post, post[:, ::-1]])


def test_build_shapes_weights_and_refusals():
    assert Bidirectional(LSTM(4)).build((5, 3)) == (8,)
    assert Bidirectional(GRU(4, return_sequences=True), "sum").build((5, 3)) == (5, 4)
    layer = _bound(Bidirectional(SimpleRNN(2)))
    weights = layer.get_weights()
    assert [w.shape for w in weights] == [(3, 2), (2, 2), (2,)] * 2
    for w, mine in zip(weights, layer.forward_layer_.get_weights()
                       + layer.backward_layer_.get_weights()):
        assert_array_equal(w, mine)
    with pytest.raises(ValueError, match=r"Bidirectional\(.*merge_mode=None .* use 'concat'"):
        Bidirectional(LSTM(2), merge_mode=None).build((5, 3))
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        Bidirectional(LSTM(2), merge_mode="max").build((5, 3))
    with pytest.raises(ValueError, match=r"wraps a recurrent layer .*Dense"):
        Bidirectional(Dense(2)).build((5, 3))
    with pytest.raises(ValueError, match=r"Bidirectional\(.*LSTM.*timesteps, features"):
        Bidirectional(LSTM(2)).build((5,))


def test_the_wrapped_layer_is_a_hyperparameter():
    template = LSTM(3, return_sequences=True)
    layer = Bidirectional(template, "ave")
    assert layer.get_config() == {"layer": template, "merge_mode": "ave", "name": None}
    twin = clone(layer)
    assert twin.layer is not template and repr(twin) == repr(layer)
    layer.build((5, 2))
    assert template.get_weights() == [] and not hasattr(template, "output_shape")
    model = NeuralNetClassifier(layers=[Bidirectional(LSTM(2))], input_shape=(4, 2))
    assert repr(clone(model)) == repr(model)
    model.set_params(bidirectional=Bidirectional(GRU(3), "sum"))
    assert model.get_params()["bidirectional__merge_mode"] == "sum"


def test_against_keras():
    keras = pytest.importorskip("keras")
    from skdl import backend as backends

    x = np.random.RandomState(3).normal(size=(8, 5, 3))
    mask = _padded_mask()
    # one Keras call (each costs a compilation): the merge modes are checked
    # against the two copies below
    for make, kind, mode in [(lambda: LSTM(4, return_sequences=True), "LSTM", "concat")]:
        ours = _bound(Bidirectional(make(), mode))
        inner = ours.layer
        theirs = keras.layers.Bidirectional(
            getattr(keras.layers, kind)(4, return_sequences=inner.return_sequences,
                                        dtype="float64"), merge_mode=mode, dtype="float64")
        theirs.build((None, 5, 3))
        theirs.set_weights(ours.get_weights())
        want = np.asarray(theirs(x, mask=mask))
        for name in backends.available():
            with backends.use(name):
                assert_allclose(ours.predict(x, mask=mask), want, atol=1e-6)


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave"])
def test_merge_modes_and_the_training_pass(compute_backend, mode):
    layer = _bound(Bidirectional(SimpleRNN(3, return_sequences=True), mode))
    x = np.random.RandomState(1).normal(size=(8, 5, 3))
    mask = _padded_mask()
    ahead = layer.forward_layer_.predict(x, mask=mask)
    behind = layer.backward_layer_.predict(x[:, ::-1], mask=mask[:, ::-1])[:, ::-1]
    want = {"concat": np.concatenate([ahead, behind], axis=-1), "sum": ahead + behind,
            "mul": ahead * behind, "ave": (ahead + behind) / 2}[mode]
    want[~mask] = 0
    out = layer.predict(x, mask=mask)
    assert_allclose(out, want, rtol=1e-14)
    layer.allocate(8)
    assert_array_equal(layer.forward(x, mask=mask), out)
    assert layer.compute_mask(x, mask) is mask


@pytest.mark.parametrize("stack", ["lstm-concat-last", "gru-seq-each-mode", "masked"])
def test_gradients(compute_backend, stack):
    rs = np.random.RandomState(2)
    if stack == "masked":
        layers = [Embedding(6, 2, mask_zero=True),
                  Bidirectional(LSTM(2, return_sequences=True), "mul"),
                  Bidirectional(GRU(2), "ave")]
        X = np.array([[0, 0, 3, 1], [2, 5, 1, 0], [1, 0, 2, 0], [4, 1, 5, 2]], dtype=float)
        shape = (4,)
    else:
        layers = ([Bidirectional(LSTM(2))] if stack == "lstm-concat-last" else
                  [Bidirectional(GRU(2, return_sequences=True), mode)
                   for mode in ("concat", "sum")] + [Flatten()])
        X = rs.normal(size=(4, 6))
        shape = (3, 2)
    net = Network([*layers, Dense(2, "softmax")], shape)
    net.initialize(np.random.RandomState(0))
    net.params[:] = rs.normal(scale=0.7, size=net.params.size)
    error, analytic, _ = check_gradients(net, X, np.eye(2)[[0, 1, 1, 0]], "cross_entropy")
    assert error < 1e-6
    assert np.count_nonzero(analytic) > analytic.size // 3


def test_a_fitted_model_keeps_no_batch():
    X = np.random.RandomState(0).randint(1, 9, size=(300, 10)).astype(float)
    y = np.arange(300) % 2
    model = NeuralNetClassifier(
        layers=[Embedding(9, 2, mask_zero=True), Bidirectional(LSTM(2))], input_shape=(10,),
        max_iter=2, random_state=0).fit(X, y)
    fitted = model.layers_[1]
    assert not vars(fitted.forward_layer_.scratch) and not vars(fitted.backward_layer_.scratch)
    assert len(pickle.dumps(model)) < 30_000
