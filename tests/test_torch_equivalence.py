"""The recurrent layers against PyTorch's, in float64: skdl's Keras-layout
weights mapped into torch.nn.LSTM, torch.nn.GRU and torch.nn.RNN give the
same outputs at every step, and the same gradients (weights and input)
through a backward pass. Skipped when torch is not installed.

The mapping (Keras -> torch):

* ``weight_ih_l0 = kernel.T`` and ``weight_hh_l0 = recurrent_kernel.T``,
  shapes ``(gates * H, F)`` and ``(gates * H, H)``;
* LSTM: both have gates i, f, g (cell), o; Keras's single bias goes to
  ``bias_ih_l0`` and ``bias_hh_l0`` is 0;
* GRU: Keras's gates z, r, h~ are torch's r, z, n permuted: blocks
  ``[z, r, h] -> [r, z, h]``; Keras's input bias row is ``bias_ih_l0`` and
  its recurrent row ``bias_hh_l0`` (torch's ``b_hn`` sits inside
  ``r * (...)`` as in reset_after=True);
* SimpleRNN(tanh): ``bias_ih_l0 = bias``, ``bias_hh_l0 = 0``.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl import backend as backends
from skdl.layers import GRU, LSTM, Dense, Flatten, SimpleRNN
from skdl.network import Network

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-5, atol=1e-5)  # the brief's bar; float64 agrees far closer
TIGHT = dict(rtol=1e-10, atol=1e-12)


@pytest.fixture(params=["numpy", "numba"])
def compute_backend(request):
    if request.param not in backends.available():
        pytest.skip("numba is not installed: the NumPy back-end only")
    with backends.use(request.param):
        yield request.param


def _blocks(array, n, order):
    """``array``'s last axis cut into ``n`` blocks, put in ``order``."""
    parts = np.split(array, n, axis=-1)
    return np.concatenate([parts[k] for k in order], axis=-1)


GRU_TO_TORCH = [1, 0, 2]  # Keras z, r, h -> torch r, z, n


def torch_module(layer):
    """A float64 torch module holding ``layer``'s weights."""
    kernel, recurrent, bias = layer.get_weights()
    features, units = kernel.shape[0], recurrent.shape[0]
    if isinstance(layer, LSTM):
        module = torch.nn.LSTM(features, units, batch_first=True)
        ih, hh, b_ih, b_hh = kernel.T, recurrent.T, bias, np.zeros_like(bias)
    elif isinstance(layer, GRU):
        module = torch.nn.GRU(features, units, batch_first=True)
        ih = _blocks(kernel, 3, GRU_TO_TORCH).T
        hh = _blocks(recurrent, 3, GRU_TO_TORCH).T
        b_ih, b_hh = _blocks(bias[0], 3, GRU_TO_TORCH), _blocks(bias[1], 3, GRU_TO_TORCH)
    else:
        module = torch.nn.RNN(features, units, nonlinearity="tanh", batch_first=True)
        ih, hh, b_ih, b_hh = kernel.T, recurrent.T, bias, np.zeros_like(bias)
    module = module.double()
    with torch.no_grad():
        for name, value in [("weight_ih_l0", ih), ("weight_hh_l0", hh),
                            ("bias_ih_l0", b_ih), ("bias_hh_l0", b_hh)]:
            getattr(module, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return module


def skdl_gradients(layer, module):
    """torch's parameter gradients in skdl's layout, the inverse mapping."""
    ih = module.weight_ih_l0.grad.numpy()
    hh = module.weight_hh_l0.grad.numpy()
    b_ih, b_hh = module.bias_ih_l0.grad.numpy(), module.bias_hh_l0.grad.numpy()
    if isinstance(layer, GRU):
        back = np.argsort(GRU_TO_TORCH)
        return [_blocks(ih.T, 3, back), _blocks(hh.T, 3, back),
                np.stack([_blocks(b_ih, 3, back), _blocks(b_hh, 3, back)])]
    # LSTM and RNN: one bias, which both of torch's biases stand for
    assert np.allclose(b_ih, b_hh)
    return [ih.T, hh.T, b_ih]


def _layer(cls, features, units, steps, return_sequences=True, seed=0):
    """A layer of Keras's initialisation, its bias drawn too so that every
    weight acts."""
    head = [Flatten()] if return_sequences else []
    net = Network([cls(units, return_sequences=return_sequences), *head, Dense(1)],
                  (steps, features))
    net.initialize(np.random.RandomState(seed))
    layer = net.layers[0]
    layer.bias[...] += np.random.RandomState(seed + 1).normal(scale=0.5, size=layer.bias.shape)
    return layer


CASES = [(LSTM, 3, 4, 6), (GRU, 3, 4, 6), (SimpleRNN, 3, 4, 6),
         (LSTM, 1, 1, 1), (GRU, 2, 5, 1), (SimpleRNN, 1, 7, 3),
         (LSTM, 5, 2, 20), (GRU, 5, 2, 20), (SimpleRNN, 5, 2, 20)]


@pytest.mark.parametrize("cls, features, units, steps", CASES)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_outputs_equal_torchs(compute_backend, cls, features, units, steps, return_sequences):
    layer = _layer(cls, features, units, steps, return_sequences)
    x = np.random.RandomState(2).normal(size=(7, steps, features))
    output, h_n = torch_module(layer)(torch.from_numpy(x))[:2]
    want = output.detach().numpy()
    if not return_sequences:
        want = want[:, -1]
        final = (h_n[0] if cls is LSTM else h_n).detach().numpy()[0]
        assert_allclose(want, final, rtol=1e-15)
    predicted = layer.predict(x)
    layer.allocate(7)
    trained = layer.forward(x)
    assert predicted.shape == want.shape
    assert_allclose(predicted, want, **TOL)
    assert_allclose(trained, want, **TOL)
    assert_allclose(predicted, want, **TIGHT)
    assert_allclose(trained, want, **TIGHT)


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
def test_torchs_initial_weights_read_back_give_torchs_outputs(compute_backend, cls):
    """The other way: a torch module's own (random) weights, mapped into
    skdl's layout, give its outputs."""
    torch.manual_seed(0)
    features, units, steps = 3, 4, 5
    module = {LSTM: torch.nn.LSTM, GRU: torch.nn.GRU, SimpleRNN: torch.nn.RNN}[cls](
        features, units, batch_first=True).double()
    ih = module.weight_ih_l0.detach().numpy()
    hh = module.weight_hh_l0.detach().numpy()
    b_ih, b_hh = module.bias_ih_l0.detach().numpy(), module.bias_hh_l0.detach().numpy()
    if cls is GRU:
        back = np.argsort(GRU_TO_TORCH)
        weights = [_blocks(ih.T, 3, back), _blocks(hh.T, 3, back),
                   np.stack([_blocks(b_ih, 3, back), _blocks(b_hh, 3, back)])]
    else:
        weights = [ih.T, hh.T, b_ih + b_hh]
    layer = cls(units, return_sequences=True)
    layer.build((steps, features))
    layer.bind([np.array(w) for w in weights], None)
    x = np.random.RandomState(3).normal(size=(4, steps, features))
    want = module(torch.from_numpy(x))[0].detach().numpy()
    assert_allclose(layer.predict(x), want, **TIGHT)


@pytest.mark.parametrize("cls, features, units, steps", CASES[:6])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradients_equal_torchs(compute_backend, cls, features, units, steps,
                                return_sequences):
    """One backward pass of the layer with an upstream gradient d, against
    torch's autograd of sum(output * d): weights and input."""
    layer = _layer(cls, features, units, steps, return_sequences)
    rs = np.random.RandomState(4)
    x = rs.normal(size=(5, steps, features))
    module = torch_module(layer)
    x_t = torch.from_numpy(x.copy()).requires_grad_(True)
    output = module(x_t)[0]
    if not return_sequences:
        output = output[:, -1]
    d = rs.normal(size=tuple(output.shape))
    (output * torch.from_numpy(d)).sum().backward()
    layer.allocate(5)
    layer.forward(x)
    dx = layer.backward(d.copy())
    assert_allclose(dx, x_t.grad.numpy(), **TIGHT)
    for ours, theirs in zip(layer.gradients, skdl_gradients(layer, module)):
        assert ours.shape == theirs.shape
        assert_allclose(ours, theirs, **TIGHT)


def test_a_stack_equals_torchs_two_layer_lstm(compute_backend):
    """Two LSTM layers of 4 units (torch's stacked LSTM has one hidden size)
    against torch.nn.LSTM(num_layers=2)."""
    module = torch.nn.LSTM(2, 4, num_layers=2, batch_first=True).double()
    net = Network([LSTM(4, return_sequences=True), LSTM(4, return_sequences=True),
                   Flatten(), Dense(1)], (6, 2))
    net.initialize(np.random.RandomState(0))
    first, second = net.layers[:2]
    with torch.no_grad():
        for k, layer in enumerate((first, second)):
            kernel, recurrent, bias = layer.get_weights()
            getattr(module, f"weight_ih_l{k}").copy_(torch.from_numpy(kernel.T.copy()))
            getattr(module, f"weight_hh_l{k}").copy_(torch.from_numpy(recurrent.T.copy()))
            getattr(module, f"bias_ih_l{k}").copy_(torch.from_numpy(bias))
            getattr(module, f"bias_hh_l{k}").zero_()
    x = np.random.RandomState(1).normal(size=(3, 6, 2))
    want = module(torch.from_numpy(x))[0].detach().numpy()
    assert_allclose(second.predict(first.predict(x)), want, **TIGHT)
