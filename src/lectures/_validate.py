"""Input conversion and validation shared by every module of :mod:`lectures`.

Every public function converts its arguments once, here, and raises :class:`ValueError`
with a message that names the argument and the problem. Nothing is normalised silently.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

ArrayLike = (
    Sequence[float] | Sequence[Sequence[float]] | np.ndarray | torch.Tensor | float
)


def as_tensor(x: ArrayLike, name: str) -> torch.Tensor:
    """Return ``x`` as a floating tensor; lists and integer arrays become float64.

    A floating tensor is returned as it is, so its dtype, device and autograd graph are
    kept.
    """
    if torch.is_tensor(x):
        return x if x.is_floating_point() else x.to(torch.float64)
    t = torch.tensor(np.asarray(x))  # a copy: read-only NumPy arrays are fine
    return t if t.is_floating_point() else t.to(torch.float64)


def as_finite(x: ArrayLike, name: str) -> torch.Tensor:
    """Return ``x`` as a floating tensor (see :func:`as_tensor`); raise on NaN, inf."""
    t = as_tensor(x, name)
    bad = ~torch.isfinite(t.detach())
    if bad.any():
        i = first_index(bad)
        value = t.detach()[i].item()
        raise ValueError(
            f"{name} has a NaN or infinite entry, {name}{list(i)} = {value}; "
            "it must be finite"
        )
    return t


def as_finite_tensors(**named: ArrayLike) -> list[torch.Tensor]:
    """Each argument as a finite tensor (:func:`as_finite`), all of one dtype."""
    tensors = [as_finite(x, name) for name, x in named.items()]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return [t.to(dtype) for t in tensors]


def check_finite_nonnegative(t: torch.Tensor, name: str) -> None:
    """Raise if ``t`` has a NaN, infinite or negative entry, quoting the first one."""
    values = t.detach()
    if torch.isnan(values).any():
        raise ValueError(
            f"{name} has a NaN entry at index {first_index(values.isnan())}"
        )
    if torch.isinf(values).any():
        i = first_index(values.isinf())
        raise ValueError(f"{name} has an infinite entry at index {i}")
    if (values < 0).any():
        i = first_index(values < 0)
        raise ValueError(
            f"{name} must be nonnegative; {name}{list(i)} = {values[i].item():g}"
        )


def sum_tolerance(t: torch.Tensor, n: int) -> float:
    """How far from 1 a sum of ``n`` entries of ``t``'s dtype may be: ``64·n·eps``."""
    return 64 * n * torch.finfo(t.dtype).eps


def as_pmf(x: ArrayLike, name: str, event_dims: int = 1) -> torch.Tensor:
    """Return ``x`` as probability vectors (or tables) on its last ``event_dims`` axes.

    Raises :class:`ValueError` for a missing or empty event axis, NaN, infinite or
    negative entries, and sums that differ from 1 by more than :func:`sum_tolerance`.
    """
    t = as_tensor(x, name)
    if t.dim() < event_dims:
        raise ValueError(
            f"{name} must have at least {event_dims} axis(es); "
            f"got shape {tuple(t.shape)}"
        )
    n = math.prod(t.shape[t.dim() - event_dims :])
    if n == 0:
        raise ValueError(f"{name} has an empty event axis; got shape {tuple(t.shape)}")
    check_finite_nonnegative(t, name)
    totals = t.detach().sum(dim=tuple(range(-event_dims, 0)))
    tol = sum_tolerance(t, n)
    bad = (totals - 1).abs() > tol
    if bad.any():
        i = first_index(bad)
        where = f" (batch index {list(i)})" if i else ""
        raise ValueError(
            f"{name} must sum to 1 along its last axis; got {totals[i].item():.17g}"
            f"{where}, tolerance {tol:.1e}"
        )
    return t


def as_probability(x: ArrayLike, name: str) -> torch.Tensor:
    """Return ``x`` as a tensor of probabilities, each entry in ``[0, 1]``."""
    t = as_tensor(x, name)
    if t.numel():
        # one pass for the common, valid case; aminmax propagates NaN, which fails both
        lo, hi = t.detach().aminmax()
        if lo >= 0 and hi <= 1:
            return t
    check_finite_nonnegative(t, name)  # the slower checks that name the problem
    if (t.detach() > 1).any():
        i = first_index(t.detach() > 1)
        value = t.detach()[i].item()
        raise ValueError(f"{name} must be at most 1; {name}{list(i)} = {value:g}")
    return t


def same_shape(a: torch.Tensor, b: torch.Tensor, names: str = "p and q") -> None:
    """Raise unless ``a`` and ``b`` have the same shape (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{names} must have the same shape; "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def check_last_dim(t: torch.Tensor, n: int, name: str, letter: str) -> None:
    """Raise unless the last axis of ``t`` has length ``n`` (the letter ``letter``)."""
    if t.dim() < 1 or t.shape[-1] != n:
        raise ValueError(
            f"{name} must have last axis {letter} = {n}; got shape {tuple(t.shape)}"
        )


def cholesky(cov: torch.Tensor, name: str) -> torch.Tensor:
    """Lower Cholesky factor of ``cov`` (..., J, J); raise unless it is symmetric
    positive definite (symmetric within ``64 · J · eps`` of its largest entry)."""
    if cov.dim() < 2 or cov.shape[-1] != cov.shape[-2]:
        raise ValueError(
            f"{name} must be a square matrix (..., J, J); got shape {tuple(cov.shape)}"
        )
    scale = cov.detach().abs().amax().clamp_min(1)
    tol = 64 * cov.shape[-1] * torch.finfo(cov.dtype).eps * scale
    if ((cov - cov.mT).detach().abs() > tol).any():
        raise ValueError(f"{name} must be symmetric (tolerance {tol:.1e})")
    L, info = torch.linalg.cholesky_ex(cov)
    if (info != 0).any():
        raise ValueError(
            f"{name} must be positive definite (its Cholesky factorisation failed)"
        )
    return L


def log_base(base: float | None) -> float:
    """The divisor that turns nats into the unit of ``base`` (1 for nats)."""
    if base is None:
        return 1.0
    if (
        isinstance(base, bool)
        or not isinstance(base, numbers.Real)
        or not math.isfinite(base)
    ):
        raise ValueError(
            f"base must be a finite positive number other than 1, or None; got {base!r}"
        )
    if base <= 0 or base == 1:
        raise ValueError(f"base must be positive and not 1; got {base!r}")
    return math.log(float(base))


def first_index(mask: torch.Tensor) -> tuple[int, ...]:
    """Index of the first ``True`` entry of ``mask`` (``()`` for a 0-dim mask)."""
    return tuple(torch.nonzero(mask)[0].tolist()) if mask.dim() else ()
