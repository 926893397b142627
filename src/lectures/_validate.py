"""Input conversion and validation shared by every module of :mod:`lectures`.

Every public function converts its arguments once, here, and raises :class:`ValueError` with a
message that names the argument and the problem. Nothing is normalised silently.
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence, Union

import numpy as np
import torch

ArrayLike = Union[Sequence[float], Sequence[Sequence[float]], np.ndarray, torch.Tensor, float]


def as_tensor(x: ArrayLike, name: str) -> torch.Tensor:
    """Return ``x`` as a floating tensor; lists and integer arrays become float64.

    A floating tensor is returned as it is, so its dtype, device and autograd graph are kept.
    """
    if torch.is_tensor(x):
        return x if x.is_floating_point() else x.to(torch.float64)
    t = torch.tensor(np.asarray(x))  # a copy: read-only NumPy arrays are fine
    return t if t.is_floating_point() else t.to(torch.float64)


def as_finite(x: ArrayLike, name: str) -> torch.Tensor:
    """Return ``x`` as a floating tensor (see :func:`as_tensor`); raise if an entry is NaN or infinite."""
    t = as_tensor(x, name)
    bad = ~torch.isfinite(t.detach())
    if bad.any():
        i = first_index(bad)
        raise ValueError(
            f"{name} has a NaN or infinite entry, {name}{list(i)} = {t.detach()[i].item()}; it must be finite"
        )
    return t


def check_finite_nonnegative(t: torch.Tensor, name: str) -> None:
    """Raise if ``t`` has a NaN, infinite or negative entry, quoting the first offender."""
    values = t.detach()
    if torch.isnan(values).any():
        raise ValueError(f"{name} has a NaN entry at index {first_index(torch.isnan(values))}")
    if torch.isinf(values).any():
        raise ValueError(f"{name} has an infinite entry at index {first_index(torch.isinf(values))}")
    if (values < 0).any():
        i = first_index(values < 0)
        raise ValueError(f"{name} must be nonnegative; {name}{list(i)} = {values[i].item():g}")


def sum_tolerance(t: torch.Tensor, n: int) -> float:
    """How far from 1 a sum of ``n`` entries of ``t``'s dtype may be: ``64 * n * eps``."""
    return 64 * n * torch.finfo(t.dtype).eps


def as_pmf(x: ArrayLike, name: str, event_dims: int = 1) -> torch.Tensor:
    """Return ``x`` as a tensor of probability vectors (or tables) over its last ``event_dims`` axes.

    Raises :class:`ValueError` for a missing or empty event axis, NaN, infinite or negative
    entries, and sums that differ from 1 by more than :func:`sum_tolerance`.
    """
    t = as_tensor(x, name)
    if t.dim() < event_dims:
        raise ValueError(f"{name} must have at least {event_dims} axis(es); got shape {tuple(t.shape)}")
    event_shape = t.shape[t.dim() - event_dims :]
    n = math.prod(event_shape)
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
            f"{name} must sum to 1 along its last axis; got {totals[i].item():.17g}{where}, "
            f"tolerance {tol:.1e}"
        )
    return t


def as_probability(x: ArrayLike, name: str) -> torch.Tensor:
    """Return ``x`` as a tensor of probabilities, each entry in ``[0, 1]``."""
    t = as_tensor(x, name)
    check_finite_nonnegative(t, name)
    if (t.detach() > 1).any():
        i = first_index(t.detach() > 1)
        raise ValueError(f"{name} must be at most 1; {name}{list(i)} = {t.detach()[i].item():g}")
    return t


def same_shape(a: torch.Tensor, b: torch.Tensor, names: str = "p and q") -> None:
    """Raise unless ``a`` and ``b`` have the same shape (no broadcasting between distributions)."""
    if a.shape != b.shape:
        raise ValueError(f"{names} must have the same shape; got {tuple(a.shape)} and {tuple(b.shape)}")


def log_base(base: float | None) -> float:
    """The divisor that turns nats into the unit of ``base`` (1 for nats)."""
    if base is None:
        return 1.0
    if isinstance(base, bool) or not isinstance(base, numbers.Real) or not math.isfinite(base):
        raise ValueError(f"base must be a finite positive number other than 1, or None; got {base!r}")
    if base <= 0 or base == 1:
        raise ValueError(f"base must be positive and not 1; got {base!r}")
    return math.log(float(base))


def first_index(mask: torch.Tensor) -> tuple[int, ...]:
    """Index of the first ``True`` entry of ``mask`` (``()`` for a 0-dim mask)."""
    return tuple(torch.nonzero(mask)[0].tolist()) if mask.dim() else ()
