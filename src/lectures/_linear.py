"""A ``torch.nn.Linear`` whose float32 products on the CPU go through oneDNN.

PyTorch computes a float32 matrix product on the CPU with MKL, and MKL, on processors
that are not Intel's, does not use their widest vector instructions; oneDNN, which
PyTorch also ships, does. On the course's two-core AMD machine the five large products
of a training step of the 784-400-20 VAE take 1.2 ms with oneDNN against 2.2 ms with
MKL, most of the step (``make bench-vae``).

:class:`Linear` is ``nn.Linear`` itself (same parameters, initialisation and state dict)
with one change: for a float32 input on the CPU, when oneDNN is available, the forward
and backward products are oneDNN's, in float32 arithmetic (no reduced-precision mode),
so the results agree with ``nn.Linear`` up to the order of float32 roundings. Every
other case, float64 (the chapters) and every GPU included, is ``nn.Linear``'s own code,
bit for bit.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _onednn_linear_op():
    """oneDNN's dense linear (a private PyTorch op), or None if the build lacks it."""
    if not torch.backends.mkldnn.is_available():
        return None
    try:
        return torch.ops.mkldnn._linear_pointwise
    except (AttributeError, RuntimeError):
        return None


_OP = _onednn_linear_op()


def _product(a: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None) -> torch.Tensor:
    """``a @ w.T + b`` for 2-D ``a`` (M, K) and ``w`` (N, K), by oneDNN."""
    return _OP(a, w, b, "none", [], "")


class _OneDNNLinear(torch.autograd.Function):
    """``x @ w.T + b`` and its gradients, every product by oneDNN; ``x`` is (..., K)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        x2 = x.reshape(-1, x.shape[-1])  # (M, K): leading axes flattened
        ctx.save_for_backward(x2, weight)
        ctx.x_shape = x.shape
        y = _product(x2, weight, bias)  # (M, N)
        return y.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, grad):
        x2, weight = ctx.saved_tensors
        g = grad.reshape(-1, weight.shape[0])  # (M, N)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:  # g @ w = g @ (wᵀ)ᵀ
            grad_x = _product(g, weight.t(), None).reshape(ctx.x_shape)
        if ctx.needs_input_grad[1]:  # gᵀ @ x = gᵀ @ (xᵀ)ᵀ
            grad_w = _product(g.t(), x2.t(), None)
        if ctx.needs_input_grad[2]:
            grad_b = g.sum(0)
        return grad_x, grad_w, grad_b


class Linear(nn.Linear):
    """``nn.Linear``, with float32 CPU products by oneDNN (see the module docstring)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        float32 = x.dtype == self.weight.dtype == torch.float32
        # oneDNN has no product with an empty axis; F.linear handles that case
        if _OP is not None and float32 and x.device.type == "cpu" and x.numel():
            return _OneDNNLinear.apply(x, self.weight, self.bias)
        return F.linear(x, self.weight, self.bias)
