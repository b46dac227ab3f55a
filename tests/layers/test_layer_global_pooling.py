"""skdl.layers' global pools: the mean or maximum of each channel over a
sequence's steps or an image's pixels, as Keras's; the 1-D average over
the unmasked steps only when a mask comes, zeros for a sequence with none
(as Keras); gradients checked alone and in stacks on both back-ends."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl.gradcheck import check_gradients
from skdl.layers import (
    Conv1D,
    Conv2D,
    Dense,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
)
from skdl.network import Network

from padding_mask import PadMask

POOLS_1D = [GlobalAveragePooling1D, GlobalMaxPooling1D]
POOLS_2D = [GlobalAveragePooling2D, GlobalMaxPooling2D]
REDUCE = {GlobalAveragePooling1D: np.mean, GlobalMaxPooling1D: np.max,
          GlobalAveragePooling2D: np.mean, GlobalMaxPooling2D: np.max}


def masked_mean(x, mask):
    """Keras's formula: the sum of the unmasked steps over their number."""
    with np.errstate(invalid="ignore"):
        return (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("pool, shape", [(p, (5, 3)) for p in POOLS_1D]
                         + [(p, (4, 3, 2)) for p in POOLS_2D])
@pytest.mark.parametrize("keepdims", [False, True])
def test_forward_and_predict_reduce_each_channel(compute_backend, pool, shape, keepdims):
    layer = pool(keepdims=keepdims)
    expected_shape = (*(1,) * (len(shape) - 1), shape[-1]) if keepdims else (shape[-1],)
    assert layer.build(shape) == expected_shape
    assert layer.weight_specs() == []
    x = np.random.RandomState(0).normal(size=(6, *shape))
    want = REDUCE[pool](x, axis=tuple(range(1, len(shape))), keepdims=keepdims)
    want = want.reshape(6, *expected_shape)
    layer.allocate(6)
    assert_allclose(layer.forward(x), want, rtol=1e-12)
    assert_allclose(layer.predict(x), want, rtol=1e-12)


@pytest.mark.parametrize("pool", POOLS_1D + POOLS_2D)
def test_backward_is_the_adjoint_and_routes_to_the_first_maximum(compute_backend, pool):
    shape = (4, 3) if pool in POOLS_1D else (2, 2, 3)
    layer = pool()
    layer.build(shape)
    layer.allocate(2)
    rs = np.random.RandomState(0)
    x = rs.normal(size=(2, *shape))
    x[0, ..., 0] = 5.0  # a tie: the first maximum takes the gradient
    out = layer.forward(x).copy()
    delta = rs.normal(size=out.shape)
    dx = layer.backward(delta.copy())
    if pool in (GlobalAveragePooling1D, GlobalAveragePooling2D):
        # a linear map: <forward(x), delta> = <x, backward(delta)>
        assert_allclose(np.vdot(out, delta), np.vdot(x, dx), rtol=1e-12)
    else:
        flat = dx.reshape(2, -1, 3)
        assert flat[0, 0, 0] == delta[0, 0] and np.all(flat[0, 1:, 0] == 0)
        assert np.count_nonzero(flat) == 6
        assert_allclose(flat.sum(axis=1), delta)


def test_masked_average_is_kerass_formula_with_its_adjoint(compute_backend):
    layer = GlobalAveragePooling1D()
    layer.build((4, 3))
    layer.allocate(3)
    rs = np.random.RandomState(0)
    x = rs.normal(size=(3, 4, 3))
    mask = np.array([[True, False, True, False], [True, True, True, True],
                     [False, False, False, False]])
    out = layer.forward(x, mask=mask).copy()
    want = masked_mean(x, mask)
    assert_allclose(out[:2], want[:2], rtol=1e-12)
    assert_allclose(out[0], x[0, [0, 2]].mean(axis=0), rtol=1e-12)
    # a sequence with no unmasked step gets zeros (Keras's 0 / 0 is NaN)
    assert np.all(out[2] == 0) and np.all(layer.predict(x, mask=mask)[2] == 0)
    assert_allclose(layer.predict(x, mask=mask)[:2], want[:2], rtol=1e-12)
    delta = rs.normal(size=(2, 3))
    layer.forward(x[:2], mask=mask[:2])
    dx = layer.backward(delta.copy())
    assert_allclose(np.vdot(want[:2], delta), np.vdot(x[:2], dx), rtol=1e-12)
    assert np.all(dx[0, [1, 3]] == 0)
    # no mask: the plain mean again
    assert_allclose(layer.forward(x), x.mean(axis=1), rtol=1e-12)


def test_a_network_hands_the_mask_to_the_average_pool_only():
    rs = np.random.RandomState(0)
    x = rs.normal(size=(3, 4, 2))
    x[0, 2:] = 0  # padding
    for pool, want in [(GlobalAveragePooling1D(), x[0, :2].mean(axis=0)),
                       (GlobalMaxPooling1D(), x[0].max(axis=0))]:  # as Keras, padding counts
        network = Network([PadMask(), pool, Dense(1)], (4, 2))
        network.initialize(rs)
        network.predict(x.reshape(3, -1))
        assert_allclose(network.layers[1].predict(x, **(
            {"mask": np.any(x != 0, axis=-1)} if pool.takes_mask else {}))[0], want)
    assert not GlobalMaxPooling1D.takes_mask and not GlobalMaxPooling1D.passes_mask
    assert GlobalAveragePooling1D().compute_mask(x, np.ones((3, 4), bool)) is None


@pytest.mark.parametrize("layers, shape", [
    ([Conv1D(3, 2), GlobalAveragePooling1D(), Dense(2)], (5, 2)),
    ([Conv1D(3, 2), GlobalMaxPooling1D(keepdims=True), Conv1D(2, 1, activation="tanh"),
      GlobalAveragePooling1D(), Dense(2)], (5, 2)),
    ([Conv2D(2, 2), GlobalAveragePooling2D(), Dense(2)], (3, 4, 1)),
    ([Conv2D(2, 2), GlobalMaxPooling2D(), Dense(2)], (3, 4, 1)),
], ids=["avg1d", "max1d-keepdims", "avg2d", "max2d"])
def test_gradients_in_stacks(compute_backend, layers, shape):
    rs = np.random.RandomState(0)
    network = Network(layers, shape)
    network.initialize(rs)
    X = rs.normal(size=(3, int(np.prod(shape))))
    error, analytic, _ = check_gradients(network, X, rs.normal(size=(3, 2)), "squared_error")
    assert error < 1e-6
    assert np.abs(analytic[: layers[0].weights[0].size]).max() > 1e-6


@pytest.mark.parametrize("pool, shape, message", [
    (GlobalAveragePooling1D, (6,), r"needs sequences of shape \(timesteps, features\), got "
     r"input of shape \(6,\); give the estimator input_shape=\(timesteps, features\)"),
    (GlobalMaxPooling2D, (4, 3), r"needs images of shape \(height, width, channels\), got "
     r"input of shape \(4, 3\)"),
])
def test_build_refusals_name_the_layer_the_shape_and_the_fix(pool, shape, message):
    with pytest.raises(ValueError, match=rf"^{pool.__name__}\(.*\): {message}"):
        pool().build(shape)
    with pytest.raises(ValueError, match="keepdims must be True or False"):
        pool(keepdims="no").build(shape)


def test_keras_gives_the_same_outputs():
    keras = pytest.importorskip("keras")
    rs = np.random.RandomState(0)
    seqs, images = rs.normal(size=(3, 4, 2)), rs.normal(size=(3, 3, 2, 2))
    mask = np.array([[True, True, False, False], [True, False, True, True],
                     [False, False, False, False]])
    cases = [(GlobalAveragePooling1D, seqs), (GlobalMaxPooling1D, seqs),
             (GlobalAveragePooling2D, images), (GlobalMaxPooling2D, images)]
    for pool, x in cases:
        for keepdims in (False, True):
            ours = pool(keepdims=keepdims)
            ours.build(x.shape[1:])
            theirs = getattr(keras.layers, pool.__name__)(keepdims=keepdims, dtype="float64")
            # Keras 3.15's mean on JAX sums in float32 even for float64 input
            assert_allclose(ours.predict(x), np.asarray(theirs(x)), rtol=1e-6, atol=1e-6)
    theirs = keras.layers.GlobalAveragePooling1D(dtype="float64")
    ours = GlobalAveragePooling1D()
    ours.build((4, 2))
    ours, theirs = ours.predict(seqs, mask=mask), np.asarray(theirs(seqs, mask=mask))
    assert_allclose(ours[:2], theirs[:2], rtol=1e-12)
    # the row with no unmasked step: Keras's 0 / 0 is NaN, skdl's zeros
    assert np.all(np.isnan(theirs[2])) and np.all(ours[2] == 0)
