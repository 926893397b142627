"""``lectures._linear.Linear``: ``nn.Linear`` with float32 CPU products by oneDNN.

* float32 on the CPU: values and every gradient agree with ``nn.Linear`` to float32
  rounding, for 2-D and batched 3-D inputs, and for an empty batch;
* float64 (the chapters), and any build without oneDNN: ``nn.Linear``'s own code, bit
  for bit;
* the VAE built from it keeps ``nn.Linear``'s parameters, names and initialisation.
"""

import pytest
import torch
import torch.nn.functional as F

import lectures._linear as fast
from lectures import VAE
from lectures._linear import Linear

pytestmark = pytest.mark.skipif(fast._OP is None, reason="this torch has no oneDNN")


def value_and_grads(layer, x, g):
    """The layer's output at ``x`` and the gradients of ``<output, g>``."""
    x = x.clone().requires_grad_()
    y = layer(x)
    grads = torch.autograd.grad(y, (x, layer.weight, layer.bias), g)
    return (y, *grads)


@pytest.mark.parametrize("shape", [(128, 784), (5, 7, 20), (1, 3)], ids=str)
def test_float32_matches_nn_linear(shape):
    torch.manual_seed(0)
    layer = Linear(shape[-1], 33)
    plain = torch.nn.Linear(shape[-1], 33)
    plain.load_state_dict(layer.state_dict())
    x = torch.randn(shape)
    g = torch.randn(*shape[:-1], 33)
    for ours, theirs in zip(
        value_and_grads(layer, x, g), value_and_grads(plain, x, g), strict=True
    ):
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_float32_goes_through_onednn(monkeypatch):
    calls, op = [], fast._OP
    monkeypatch.setattr(fast, "_OP", lambda *args: calls.append(1) or op(*args))
    Linear(4, 3)(torch.randn(2, 4))
    assert calls == [1]


def test_without_a_grad_for_the_input():
    layer, x = Linear(6, 4), torch.randn(3, 6)  # x needs no gradient: not computed
    layer(x).sum().backward()
    torch.testing.assert_close(layer.weight.grad, torch.ones(4, 3) @ x)


def test_an_empty_batch_is_nn_linears():
    layer = Linear(5, 2)
    y = layer(torch.zeros(0, 5))
    assert y.shape == (0, 2)


def test_float64_is_nn_linear_bit_for_bit():
    layer = Linear(10, 4).double()
    x = torch.randn(3, 10, dtype=torch.float64, requires_grad=True)
    y = layer(x)
    assert torch.equal(y, F.linear(x, layer.weight, layer.bias))
    assert y.grad_fn.name() == "AddmmBackward0"  # nn.Linear's own graph


def test_without_onednn_it_is_nn_linear(monkeypatch):
    monkeypatch.setattr(fast, "_OP", None)
    layer, x = Linear(10, 4), torch.randn(3, 10)
    assert torch.equal(layer(x), F.linear(x, layer.weight, layer.bias))


def test_the_vae_is_built_from_it_with_nn_linears_parameters():
    model = VAE(6, 5, 2, generator=torch.Generator().manual_seed(0))
    layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert len(layers) == 5 and all(isinstance(m, Linear) for m in layers)
    assert list(model.state_dict()) == [
        f"{name}.{p}"
        for name in ["encoder.hidden", "to_mu", "to_logvar", "decoder.hidden"]
        + ["decoder.output"]
        for p in ("weight", "bias")
    ]
