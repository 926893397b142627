r"""Numerical kernels shared by the modules of :mod:`lectures`: one home for each.

Nothing here validates its input: the public functions do that once (see
:mod:`lectures._validate`) and then call these kernels.

* :func:`xlogy` and :func:`positive_zero`: the ``0 · log 0 = 0`` convention and the
  ``-0.0 → +0.0`` rule of every printed result;
* :func:`check_reduction` and :func:`reduce`: the ``"mean"``, ``"sum"``, ``"none"`` of
  the losses;
* :func:`diagonal_normal_kl`: the closed form of the KL between diagonal Gaussians;
* :data:`LOG_2PI` and :func:`half_logdet`: pieces of Gaussian log-densities;
* :func:`randn` and :func:`randperm`: every random draw of the package, made on the
  generator's device and then moved to where the data live (see below);
* :func:`default_dtype`: the floating dtype of a new model or data set on a device.

**Devices and draws.** A draw is made on the device of its generator, in the dtype it
will have, and then moved to the device of the tensor it goes with. The chapters seed a
CPU generator (``torch.Generator().manual_seed(k)``), so a model on a GPU sees the same
numbers as on the CPU, and a CPU run is bit for bit what it was before GPUs were
supported. Without a generator, the draw is made on the data's device from that device's
global generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

LOG_2PI = math.log(2 * math.pi)
REDUCTIONS = ("mean", "sum", "none")


def xlogy(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x · log y`` where ``x > 0`` and ``y > 0``, else 0; finite gradient always."""
    ok = (x > 0) & (y > 0)
    # log() never sees 0, even in the unused branch, whose gradient would then be NaN
    safe_y = torch.where(ok, y, torch.ones_like(y))
    return torch.where(ok, x * torch.log(safe_y), torch.zeros_like(x))


def positive_zero(t: torch.Tensor) -> torch.Tensor:
    """``t`` with each ``-0.0`` turned into ``+0.0``, so that a zero prints as 0."""
    return t + 0.0  # IEEE 754: -0.0 + 0.0 = +0.0, and x + 0.0 = x for every other x


def check_reduction(reduction: str, numel: int) -> None:
    """Raise for an unknown ``reduction``, or for the mean of nothing (0/0, a NaN)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}")
    if reduction == "mean" and numel == 0:
        raise ValueError("reduction='mean' of an empty input is undefined (0/0)")


def reduce(terms: torch.Tensor, reduction: str) -> torch.Tensor:
    """Apply a checked ``reduction`` to ``terms``; a zero comes out as ``+0.0``."""
    terms = positive_zero(terms)
    if reduction == "mean":
        return terms.mean()
    if reduction == "sum":
        return terms.sum()
    return terms


def diagonal_normal_kl(
    mean_gap2: torch.Tensor, log_ratio: torch.Tensor
) -> torch.Tensor:
    r"""KL between diagonal Gaussians from two ingredients, summed over the last axis.

    With :math:`d_j = \log(\sigma_{q,j}^2/\sigma_{p,j}^2)` (``log_ratio``) and
    :math:`\delta_j = (\mu_{q,j} - \mu_{p,j})^2/\sigma_{p,j}^2` (``mean_gap2``),

    .. math:: D_{\mathrm{KL}}(q\,\|\,p)
              = \tfrac12 \sum_j \big(e^{d_j} - 1 - d_j + \delta_j\big).
    """
    # r − 1 − log r with r = e^d, as expm1(d) − d: no cancellation near r = 1, where
    # 1 + d − e^d loses every digit (0 for d = 1e-9, not 5e-19)
    width = torch.expm1(log_ratio) - log_ratio
    # ≥ 0 even if expm1 rounds below d; not clamp_min, whose gradient some torch
    # releases cut at exactly 0 (the minimum, where the Hessian is wanted)
    width = torch.where(width < 0, torch.zeros_like(width), width)
    return 0.5 * (width + mean_gap2).sum(-1)


def half_logdet(L: torch.Tensor) -> torch.Tensor:
    """``½ log det Σ`` from the lower Cholesky factor ``L`` of Σ: ``Σ_i log L_ii``."""
    return L.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def default_dtype(device: torch.device | str | None) -> torch.dtype:
    """The dtype of a new model or data set: float32 on a GPU, else torch's default.

    The chapters set torch's default to float64 (exact identities at 1e-12), which a CPU
    trains with at no great cost; a GPU is many times faster in float32.
    """
    if device is not None and torch.device(device).type != "cpu":
        return torch.float32
    return torch.get_default_dtype()


def randn(
    shape: Sequence[int], like: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Standard normal draws of ``shape``, in ``like``'s dtype and on its device."""
    return _drawn_then_moved(torch.randn, shape, like, generator)


def rand(
    shape: Sequence[int], like: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Uniform draws on ``[0, 1)`` of ``shape``, in ``like``'s dtype and device."""
    return _drawn_then_moved(torch.rand, shape, like, generator)


def _drawn_then_moved(draw, shape, like: torch.Tensor, generator) -> torch.Tensor:
    """``draw`` on the generator's device, then moved to ``like``'s (see the module)."""
    device = like.device if generator is None else generator.device
    values = draw(shape, generator=generator, dtype=like.dtype, device=device)
    return values.to(like.device)


def randperm(
    n: int, device: torch.device, generator: torch.Generator | None = None
) -> torch.Tensor:
    """A random permutation of ``0 .. n-1`` on ``device``, drawn on the generator's."""
    draw_on = device if generator is None else generator.device
    return torch.randperm(n, generator=generator, device=draw_on).to(device)
