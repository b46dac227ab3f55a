"""What LSTM, GRU and SimpleRNN share (skdl.layers.recurrent): sequences
``(timesteps, features)`` in, the last state or every state out; values
against plain-loop references (tests/layers/sequence_reference.py) for both
``return_sequences``; Keras's weight layout and initialisation (Glorot
kernel, orthogonal recurrent kernel); the prediction pass against the
training pass and its buffers; errors naming the layer; both kernel
back-ends."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdl.layers import GRU, LSTM, Conv1D, Dense, Flatten, SimpleRNN
from skdl.layers.recurrent import orthogonal
from skdl.network import Network

import layer_reference as ref
import sequence_reference as seq

GATES = {LSTM: 4, GRU: 3, SimpleRNN: 1}
REFERENCE = {LSTM: seq.lstm, GRU: seq.gru, SimpleRNN: seq.simple_rnn}
RECURRENT = list(GATES)


def _bias_shape(cls, units):
    return (2, 3 * units) if cls is GRU else (GATES[cls] * units,)


def _bound(cls, features, units, seed=0, scale=0.6, dtype=np.float64):
    """A layer built for (timesteps, features) with weights of moderate size
    (normal, ``scale``), so that the gates do not saturate."""
    layer = ref.bind_weights(cls(units, return_sequences=True), (5, features), seed, dtype)
    for w in layer.weights:
        w *= scale
    return layer


def _reference(layer, x):
    return REFERENCE[type(layer)](x, *[w.astype(float) for w in layer.weights])


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (28, 28)])
@pytest.mark.parametrize("units", [1, 5])
def test_output_shape_and_weight_specs(cls, shape, units):
    last = cls(units)
    assert last.build(shape) == (units,)
    assert last.input_shape == shape and last.output_shape == (units,)
    every = cls(units, return_sequences=True)
    assert every.build(shape) == (shape[0], units)
    width = GATES[cls] * units
    want = [("kernel", (shape[1], width), True),
            ("recurrent_kernel", (units, width), True),
            ("bias", _bias_shape(cls, units), False)]
    for layer in (last, every):
        assert [(s.name, s.shape, s.penalised) for s in layer.weight_specs()] == want
    assert all(type(s) is int for s in every.output_shape)


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("steps, features, units", [(1, 1, 1), (4, 3, 2), (6, 2, 5)])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_forward_and_predict_equal_the_loop_reference(
    compute_backend, cls, steps, features, units, return_sequences
):
    layer = ref.bind_weights(cls(units, return_sequences=return_sequences),
                             (steps, features), seed=2)
    x = np.random.RandomState(1).normal(size=(3, steps, features))
    every = _reference(layer, x)
    want = every if return_sequences else every[:, -1]
    predicted = layer.predict(x)
    layer.allocate(3)
    trained = layer.forward(x)
    assert trained.shape == predicted.shape == want.shape == (3, *layer.output_shape)
    assert_allclose(trained, want, rtol=1e-12, atol=1e-13)
    assert_allclose(predicted, want, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cls", RECURRENT)
def test_last_state_is_the_last_step_of_the_sequence(compute_backend, cls):
    every = ref.bind_weights(cls(3, return_sequences=True), (5, 2))
    last = ref.bind_weights(cls(3), (5, 2))
    last.set_weights(every.get_weights())
    x = np.random.RandomState(0).normal(size=(4, 5, 2))
    assert_array_equal(last.predict(x), every.predict(x)[:, -1])


@pytest.mark.parametrize("cls", RECURRENT)
def test_steps_are_causal_and_samples_independent(compute_backend, cls):
    """Changing step t of one sample changes only that sample's outputs at
    steps t and later."""
    layer = _bound(cls, 2, 3)
    rs = np.random.RandomState(0)
    x = rs.normal(size=(3, 5, 2))
    before = layer.predict(x)
    x[1, 2] += 1.0
    after = layer.predict(x)
    assert_array_equal(after[[0, 2]], before[[0, 2]])
    assert_array_equal(after[1, :2], before[1, :2])
    assert np.all(np.abs(after[1, 2:] - before[1, 2:]).max(axis=1) > 1e-6)


@pytest.mark.parametrize("cls", RECURRENT)
def test_states_start_at_zero(compute_backend, cls):
    """With zero inputs and zero biases every state stays 0; with zero
    kernels the first step depends on the bias only."""
    layer = _bound(cls, 2, 3)
    layer.bias[...] = 0
    assert_array_equal(layer.predict(np.zeros((2, 5, 2))), 0.0)


# -------------------------------------------------------- backward passes
@pytest.mark.parametrize("cls", RECURRENT)
def test_last_state_backward_is_the_sequence_backward_with_one_step_of_gradient(
    compute_backend, cls
):
    """return_sequences=False backpropagates as return_sequences=True with
    a gradient that is zero at every step but the last."""
    rs = np.random.RandomState(5)
    x = rs.normal(size=(3, 4, 2))
    every = _bound(cls, 2, 3)
    every.build((4, 2))
    last = ref.bind_weights(cls(3), (4, 2))
    last.set_weights(every.get_weights())
    d_last = rs.normal(size=(3, 3))
    d_every = np.zeros((3, 4, 3))
    d_every[:, -1] = d_last
    results = []
    for layer, d in ((every, d_every), (last, d_last)):
        for g in layer.gradients:
            g[...] = np.nan
        layer.allocate(3)
        layer.forward(x)
        dx = layer.backward(d.copy()).copy()
        results.append((dx, [g.copy() for g in layer.gradients]))
    (dx1, g1), (dx2, g2) = results
    assert_allclose(dx2, dx1, rtol=1e-12, atol=1e-15)
    for a, b in zip(g1, g2):
        assert np.isfinite(b).all()  # every gradient written
        assert_allclose(b, a, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cls", RECURRENT)
def test_backward_matches_finite_differences_of_the_layer_alone(compute_backend, cls):
    """<out(x), d> differentiated by central differences, in the input and
    in every weight, against one backward pass."""
    rs = np.random.RandomState(6)
    layer = _bound(cls, 2, 2)
    x = rs.normal(size=(2, 5, 2))
    d = rs.normal(size=(2, 5, 2))
    layer.allocate(2)
    layer.forward(x)
    dx = layer.backward(d.copy()).copy()
    grads = [g.copy() for g in layer.gradients]

    def objective():
        return float(np.vdot(layer.predict(x), d))

    eps = 1e-6
    for w, g in zip(layer.weights, grads):
        numeric = np.empty_like(w)
        for i in np.ndindex(w.shape):
            saved = w[i]
            w[i] = saved + eps
            up = objective()
            w[i] = saved - eps
            down = objective()
            w[i] = saved
            numeric[i] = (up - down) / (2 * eps)
        assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)
    numeric = np.empty_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = objective()
        x[i] = saved - eps
        down = objective()
        x[i] = saved
        numeric[i] = (up - down) / (2 * eps)
    assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("cls", RECURRENT)
def test_first_layer_skips_the_input_gradient(compute_backend, cls):
    layer = _bound(cls, 2, 3)
    layer.allocate(4, needs_input_gradient=False)
    out = layer.forward(np.random.RandomState(0).normal(size=(4, 5, 2)))
    assert layer.backward(np.ones_like(out)) is None
    assert all(np.any(g != 0) for g in layer.gradients)


@pytest.mark.parametrize("cls", RECURRENT)
def test_backward_leaves_the_forward_output_usable(compute_backend, cls):
    """A second forward pass after a backward pass gives the same output:
    the backward pass does not spoil the weights or the state buffers."""
    layer = _bound(cls, 2, 3)
    x = np.random.RandomState(0).normal(size=(3, 5, 2))
    layer.allocate(3)
    first = layer.forward(x).copy()
    layer.backward(np.ones_like(first))
    assert_array_equal(layer.forward(x), first)


# ------------------------------------------------------ dtypes and buffers
@pytest.mark.parametrize("cls", RECURRENT)
def test_float32(compute_backend, cls):
    layer = _bound(cls, 2, 3, dtype=np.float32)
    x = np.random.RandomState(0).normal(size=(2, 5, 2)).astype(np.float32)
    want = _reference(layer, x.astype(float))
    layer.allocate(2)
    trained = layer.forward(x)
    predicted = layer.predict(x)
    assert trained.dtype == predicted.dtype == np.float32
    assert_allclose(trained, want, rtol=1e-5, atol=1e-5)
    assert_allclose(predicted, trained, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_predict_uses_fresh_arrays_and_batches_reuse_buffers(compute_backend, cls,
                                                             return_sequences):
    """predict never writes the training buffers nor its input, takes more
    rows than were allocated and returns new arrays; smaller batches through
    the training buffers give the same values."""
    layer = ref.bind_weights(cls(3, return_sequences=return_sequences), (5, 2))
    for w in layer.weights:
        w *= 0.6
    rs = np.random.RandomState(0)
    x1, x2 = rs.normal(size=(4, 5, 2)), rs.normal(size=(11, 5, 2))
    layer.allocate(4)
    trained = layer.forward(x1)
    kept = trained.copy()
    x2_before = x2.copy()
    first, second = layer.predict(x2), layer.predict(x2)
    assert not np.shares_memory(first, second)
    assert not np.shares_memory(first, trained)
    assert_array_equal(first, second)
    assert_array_equal(trained, kept)
    assert_array_equal(x2, x2_before)
    assert_allclose(layer.predict(x1), kept, rtol=1e-13, atol=1e-15)
    assert_allclose(layer.forward(x1[1:3]), kept[1:3], rtol=1e-13, atol=1e-15)
    assert_allclose(layer.forward(x1[3:]), kept[3:], rtol=1e-13, atol=1e-15)
    # one row predicted alone is that row of the batch
    assert_allclose(layer.predict(x2[4:5]), first[4:5], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("cls", RECURRENT)
def test_predict_takes_non_contiguous_input(compute_backend, cls):
    layer = _bound(cls, 2, 3)
    x = np.random.RandomState(0).normal(size=(3, 2, 5)).transpose(0, 2, 1)
    assert not x.flags.c_contiguous
    assert_allclose(layer.predict(x), layer.predict(x.copy()), rtol=1e-15)
    layer.allocate(3)
    assert_allclose(layer.forward(x), layer.predict(x.copy()), rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- weights
@pytest.mark.parametrize("cls", RECURRENT)
def test_get_weights_and_set_weights(cls):
    layer = ref.bind_weights(cls(3), (4, 2))
    width = GATES[cls] * 3
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (2, width)
    assert recurrent.shape == (3, width)
    assert bias.shape == _bias_shape(cls, 3)
    assert_array_equal(kernel, layer.kernel)
    assert_array_equal(recurrent, layer.recurrent_kernel)
    assert_array_equal(bias, layer.bias)
    kernel += 1  # a copy
    assert not np.array_equal(kernel, layer.kernel)
    new = [np.arange(float(np.prod(s))).reshape(s)
           for s in [(2, width), (3, width), _bias_shape(cls, 3)]]
    layer.set_weights(new)
    for name, w in zip(["kernel", "recurrent_kernel", "bias"], new):
        assert_array_equal(getattr(layer, name), w)
    new[1][...] = -1  # set_weights copied
    assert layer.recurrent_kernel[0, 1] == 1.0


@pytest.mark.parametrize("cls", RECURRENT)
def test_set_weights_refuses_wrong_shapes_and_writes_nothing(cls):
    layer = ref.bind_weights(cls(3), (4, 2))
    before = layer.get_weights()
    width = GATES[cls] * 3
    bad = [
        before[:2],
        [*before, np.zeros(1)],
        [before[1], before[0], before[2]],  # kernels swapped
        [before[0].T, before[1], before[2]],  # torch's layout
        [before[0], before[1], np.zeros(width + 1)],
    ]
    for weights in bad:
        with pytest.raises(ValueError, match=re.escape(f"{cls.__name__}(units=3")):
            layer.set_weights(weights)
        for old, now in zip(before, layer.get_weights()):
            assert_array_equal(old, now)


@pytest.mark.parametrize("cls", RECURRENT)
def test_network_weights_are_the_layers_in_kerass_order(cls):
    net = Network([cls(3, return_sequences=True), Flatten(), Dense(2)], (4, 2))
    net.initialize(np.random.RandomState(0))
    weights = net.get_weights()
    assert [w.shape for w in weights] == [
        (2, GATES[cls] * 3), (3, GATES[cls] * 3), _bias_shape(cls, 3), (12, 2), (2,),
    ]
    # kernels are penalised, the bias is not: it sits after every kernel
    layer = net.layers[0]
    assert np.shares_memory(layer.kernel, net.params[: net.n_coef_params])
    assert np.shares_memory(layer.recurrent_kernel, net.params[: net.n_coef_params])
    assert not np.shares_memory(layer.bias, net.params[: net.n_coef_params])


# --------------------------------------------------------- initialisation
@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("features, units", [(3, 4), (5, 1), (1, 6)])
def test_initialisation_is_kerass(cls, features, units):
    """Glorot-uniform kernel (fans features and gates * units), orthogonal
    recurrent kernel (orthonormal rows), zero bias except the LSTM's forget
    gate at 1; the same for the same random state."""
    nets = []
    for _ in range(2):
        net = Network([cls(units), Dense(1)], (6, features))
        net.initialize(np.random.RandomState(0))
        nets.append(net)
    kernel, recurrent, bias = nets[0].layers[0].get_weights()
    width = GATES[cls] * units
    bound = np.sqrt(6 / (features + width))
    assert np.all(np.abs(kernel) <= bound) and np.abs(kernel).max() > bound / 4
    assert_allclose(recurrent @ recurrent.T, np.eye(units), atol=1e-12)
    if cls is SimpleRNN:  # square: columns orthonormal too
        assert_allclose(recurrent.T @ recurrent, np.eye(units), atol=1e-12)
    want = np.zeros(_bias_shape(cls, units))
    if cls is LSTM:
        want[units:2 * units] = 1.0
    assert_array_equal(bias, want)
    for a, b in zip(nets[0].get_weights(), nets[1].get_weights()):
        assert_array_equal(a, b)
    other = Network([cls(units), Dense(1)], (6, features))
    other.initialize(np.random.RandomState(1))
    assert not np.array_equal(other.layers[0].kernel, kernel)
    if units > 1:  # a 1 x 1 orthogonal matrix is +-1
        assert not np.array_equal(other.layers[0].recurrent_kernel, recurrent)


@pytest.mark.parametrize("shape", [(4, 4), (3, 12), (12, 3), (1, 4), (4, 1), (1, 1)])
def test_orthogonal(shape):
    q = orthogonal(np.random.RandomState(0), shape)
    assert q.shape == shape
    rows, cols = shape
    if rows <= cols:
        assert_allclose(q @ q.T, np.eye(rows), atol=1e-12)
    if cols <= rows:
        assert_allclose(q.T @ q, np.eye(cols), atol=1e-12)
    assert_array_equal(q, orthogonal(np.random.RandomState(0), shape))


# -------------------------------------------------------------- config
@pytest.mark.parametrize("cls", RECURRENT)
def test_get_config_and_repr(cls):
    layer = cls(7, return_sequences=True)
    config = layer.get_config()
    assert config["units"] == 7 and config["return_sequences"] is True
    assert repr(cls(**config)) == repr(layer)
    assert repr(layer).startswith(f"{cls.__name__}(units=7")
    assert cls(2).get_config()["return_sequences"] is False
    assert cls(2).get_weights() == []


def test_simple_rnn_config():
    assert SimpleRNN(4).get_config() == {"units": 4, "activation": "tanh",
                                         "return_sequences": False, "name": None}
    assert repr(SimpleRNN(4, activation="relu", return_sequences=True)) == (
        "SimpleRNN(units=4, activation='relu', return_sequences=True)"
    )
    assert LSTM(4).get_config() == {"units": 4, "return_sequences": False, "name": None}
    assert GRU(4).get_config() == {"units": 4, "return_sequences": False, "name": None}


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("kwargs, shape, message", [
    (dict(units=0), (4, 2), "units must be a positive integer, got 0"),
    (dict(units=-3), (4, 2), "units must be a positive integer"),
    (dict(units=2.0), (4, 2), "units must be a positive integer"),
    (dict(units=True), (4, 2), "units must be a positive integer"),
    (dict(units="8"), (4, 2), "units must be a positive integer"),
    (dict(units=2, return_sequences="yes"), (4, 2), "return_sequences must be True or False"),
    (dict(units=2, return_sequences=1), (4, 2), "return_sequences must be True or False"),
    (dict(units=2, return_sequences=None), (4, 2), "return_sequences must be True or False"),
    (dict(units=2), (8,), r"needs sequences of shape \(timesteps, features\), got input of "
                          r"shape \(8,\)"),
    (dict(units=2), (8,), "if a Flatten comes before this layer, drop it"),
    (dict(units=2), (4, 4, 1), r"got input of shape \(4, 4, 1\).*input_shape=\(timesteps, "
                               r"features\)"),
])
def test_build_errors_name_the_layer(cls, kwargs, shape, message):
    layer = cls(**kwargs)
    with pytest.raises(ValueError, match=message) as info:
        layer.build(shape)
    assert str(info.value).startswith(repr(layer) + ": ")


@pytest.mark.parametrize("cls", RECURRENT)
def test_numpy_hyperparameters_are_accepted(cls):
    layer = cls(np.int64(3), return_sequences=np.bool_(True))
    assert layer.build((np.int64(4), np.int32(2))) == (4, 3)
    assert all(type(s) is int for s in layer.output_shape + layer.input_shape)
    assert layer.weight_specs()[0].shape == (2, GATES[cls] * 3)


@pytest.mark.parametrize("cls", RECURRENT)
def test_a_network_names_a_recurrent_layer_after_flatten(cls):
    """Flatten makes each sample a flat row, which no recurrent layer
    takes: the message names the layer, its place and the remedy."""
    with pytest.raises(ValueError) as info:
        Network([Conv1D(2, 2), Flatten(), cls(3), Dense(1)], (5, 2))
    message = str(info.value)
    assert message.startswith("Layer 2 cannot take inputs of shape (8,): ")
    assert repr(cls(3)) in message
    assert "Flatten" in message and "input_shape=(timesteps, features)" in message


@pytest.mark.parametrize("cls", RECURRENT)
def test_a_network_names_a_recurrent_layer_fed_flat_rows_or_images(cls):
    with pytest.raises(ValueError, match=r"Layer 0 cannot take inputs of shape \(10,\): "
                                         + re.escape(repr(cls(3)))):
        Network([cls(3), Dense(1)], (10,))
    with pytest.raises(ValueError, match=r"Layer 0 cannot take inputs of shape \(2, 5, 1\)"):
        Network([cls(3), Dense(1)], (2, 5, 1))
    # a recurrent layer's last state is flat: a second one needs return_sequences
    with pytest.raises(ValueError, match=r"Layer 1 cannot take inputs of shape \(3,\)"):
        Network([cls(3), cls(2), Dense(1)], (5, 2))


# ----------------------------------------------------------------- stacks
def test_stacked_layers_in_a_network_equal_the_chained_references(compute_backend):
    """Conv1D -> LSTM (sequences) -> GRU (sequences) -> SimpleRNN -> Dense,
    the network reading each row of X as a (timesteps, features) sample in
    C order."""
    net = Network([Conv1D(3, 2, padding="same", activation="tanh"),
                   LSTM(3, return_sequences=True), GRU(2, return_sequences=True),
                   SimpleRNN(2), Dense(1)], (5, 2))
    net.initialize(np.random.RandomState(0))
    rs = np.random.RandomState(1)
    for layer in net.layers:
        for w in layer.weights:
            w[...] = 0.6 * rs.normal(size=w.shape)
    x = rs.normal(size=(4, 5, 2))
    conv, lstm, gru, rnn, dense = net.layers
    h = np.tanh(seq.conv1d(x, conv.kernel, conv.bias, 1, "same"))
    h = seq.lstm(h, *lstm.weights)
    h = seq.gru(h, *gru.weights)
    h = seq.simple_rnn(h, *rnn.weights)[:, -1]
    want = h @ dense.kernel + dense.bias
    assert_allclose(net.predict(x.reshape(4, -1)), want, rtol=1e-12, atol=1e-13)


# ------------------------------------------------------------------ masks
def _masks(n, steps):
    """Post-padded rows of several lengths (one empty), and the same rows
    pre-padded."""
    post = np.arange(steps)[np.newaxis, :] < np.array([steps, 3, 1, 0])[:n, np.newaxis]
    return {"post": post, "pre": post[:, ::-1].copy()}


def test_masked_steps_equal_kerass_on_pre_and_post_padding():
    """Keras's layers on the same weights and masks, pre- and post-padded
    rows in one batch, every layer (one Keras call each: the last state is
    the last step's output, as a masked step outputs the state it
    carries), on both back-ends."""
    keras = pytest.importorskip("keras")
    from skdl import backend as backends

    x = np.random.RandomState(3).normal(size=(8, 5, 3))
    mask = np.concatenate(list(_masks(4, 5).values()))
    for cls in RECURRENT:
        layer = _bound(cls, 3, 4)
        theirs = getattr(keras.layers, cls.__name__)(4, return_sequences=True,
                                                     dtype="float64")
        theirs.build((None, 5, 3))
        theirs.set_weights(layer.get_weights())
        want = np.asarray(theirs(x, mask=mask))
        for name in backends.available():
            with backends.use(name):
                assert_allclose(layer.predict(x, mask=mask), want, atol=1e-6)
                layer.return_sequences = False
                assert_allclose(layer.predict(x, mask=mask), want[:, -1], atol=1e-6)
                layer.return_sequences = True


@pytest.mark.parametrize("cls", RECURRENT)
def test_a_masked_step_carries_and_outputs_the_previous_state(compute_backend, cls):
    layer = _bound(cls, 3, 4)
    x = np.random.RandomState(4).normal(size=(4, 5, 3))
    for mask in _masks(4, 5).values():
        out = layer.predict(x, mask=mask)
        layer.allocate(4)
        assert_array_equal(layer.forward(x, mask=mask), out)
        for row in range(4):
            # each step's output is the state of the row's last step holding data
            last = np.maximum.accumulate(np.where(mask[row], np.arange(5), -1))
            want = np.where(last[:, np.newaxis] < 0, 0.0, out[row][np.maximum(last, 0)])
            assert_array_equal(out[row], want)
        assert_array_equal(out[3], 0.0)  # all padding: the zero state throughout
        # a pre-padded row ends as the same row unpadded would
        assert_array_equal(layer.predict(x, mask=np.ones((4, 5), dtype=bool)),
                           layer.predict(x))
        assert layer.compute_mask(x, mask) is mask
    layer.return_sequences = False
    layer.build((5, 3))
    assert layer.compute_mask(x, mask) is None


def test_the_time_loops_refuse_a_mask_that_does_not_fit():
    from skdl.backend import recurrent as recurrent_routines

    layer = _bound(SimpleRNN, 2, 3)
    for mask, shown in [(np.ones((5, 2)), "dtype float64"), (np.ones((3, 5), bool), r"\(3, 5\)")]:
        with pytest.raises(ValueError, match=r"simple_rnn_sequence_forward: mask must be a "
                           rf"boolean array of shape \(5, 2\).*{shown}"):
            recurrent_routines.simple_rnn_sequence_forward(
                np.zeros((5, 2, 3)), layer.bias, layer.recurrent_kernel, np.zeros((6, 2, 3)),
                np.zeros((2, 3)), layer.activation_, mask=mask)
