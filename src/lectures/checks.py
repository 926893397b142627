r"""The course's checks: one call per claim, which asserts, prints one line and is
recorded.

Every check in a chapter is one of four calls:

* :func:`check_close` -- two routes agree to a tolerance (``atol`` or ``rtol``),
  elementwise;
* :func:`check_mc` -- a Monte Carlo estimate agrees with an exact value within ``k``
  standard errors;
* :func:`check_bound` -- an inequality ``smaller <= larger`` (or ``<``) holds
  elementwise;
* :func:`check_that` -- a claim that is true or false (a count, a location, an
  ordering).

Each call names the check (``label``, unique within a chapter), the equation, theorem or
section it backs (``backs``, a label of the book such as ``"eq-entropy"``), and what was
compared with what (``routes``). It computes the achieved error, raises
:class:`AssertionError` naming the check when it fails, prints one line that starts with
``✓`` and is stable from run to run (errors below ``1e-12`` print as the power of ten
above them, never below ``1e-15``), and records a :class:`Check`. In a notebook the
record is also handed to the book (as glued data ``check:<label>``, invisible in
Jupyter), which lists every check on its page "How the course checks itself".

Arrays, tensors and numbers are compared in float64 on the CPU; a NaN never passes, and
two infinities of the same sign agree.

>>> check_close(
...     "tenths", 0.1 + 0.2, 0.3, backs="eq-demo", routes="sum vs literal", atol=1e-12
... )
✓ tenths (eq-demo): sum vs literal; max |Δ| ≤ 1e-15 (tolerance 1e-12)
>>> check_mc("coin", 0.49, 0.01, 0.5, backs="sec-demo", routes="mean of tosses vs ½")
✓ coin (sec-demo): mean of tosses vs ½; 0.49 ± 0.01 vs 0.5, z = -1.00 (tolerance 4 s.e.)
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

__all__ = [
    "Check",
    "check_bound",
    "check_close",
    "check_mc",
    "check_that",
    "recorded_checks",
]

_KINDS = ("exact", "numerical", "monte carlo", "inequality", "claim")
_RECORDS: list[Check] = []


@dataclass(frozen=True)
class Check:
    """One executed check, as the book's ledger lists it.

    ``error`` and ``tolerance`` are in the check's ``measure``: ``"abs"`` (max
    absolute difference), ``"rel"`` (max relative difference), ``"z"`` (max |z-score|,
    tolerance in standard errors), ``"margin"`` (the smallest ``larger - smaller``; the
    tolerance is the slack allowed below zero) or ``"claim"`` (no error).
    """

    label: str
    backs: str
    routes: str
    kind: str
    measure: str
    tolerance: float
    error: float
    passed: bool


def recorded_checks() -> list[Check]:
    """The checks executed so far in this process, in order."""
    return list(_RECORDS)


def check_close(
    label: str,
    actual: Any,
    expected: Any,
    *,
    backs: str,
    routes: str,
    atol: float | None = None,
    rtol: float | None = None,
    kind: str = "exact",
) -> None:
    """Check that ``actual`` and ``expected`` agree elementwise, to ``atol`` or to
    ``rtol``.

    Give exactly one tolerance: ``atol`` bounds ``|actual - expected|``, ``rtol``
    bounds ``|actual - expected| / |expected|``. ``kind`` is ``"exact"`` for an identity
    (float64, about ``1e-12``) and ``"numerical"`` where a quadrature, an optimiser or
    an approximation sets the tolerance.
    """
    if (atol is None) == (rtol is None):
        raise ValueError(f"check {label!r}: give exactly one of atol and rtol")
    a, e = _as_float64(actual, "actual"), _as_float64(expected, "expected")
    a, e = torch.broadcast_tensors(a, e)
    equal = a == e  # equal infinities, and exact zeros under rtol, agree
    diff = torch.where(equal, 0.0, (a - e).abs())
    if rtol is not None:
        diff = torch.where(equal, 0.0, diff / e.abs())
    error = _max_or_inf(diff)
    measure, tolerance = ("abs", atol) if atol is not None else ("rel", rtol)
    symbol = "max |Δ|" if measure == "abs" else "max |Δ|/|ref|"
    shown = _rounded(error)
    relation = "≤" if 0 < error < 1e-12 else "="  # float noise is shown as a bound
    summary = f"{symbol} {relation} {shown:.2g} (tolerance {tolerance:g})"
    passed = error <= tolerance
    return _conclude(
        label, backs, routes, kind, measure, tolerance, shown, passed, summary
    )


def check_mc(
    label: str,
    estimate: Any,
    se: Any,
    exact: Any,
    *,
    backs: str,
    routes: str,
    k: float = 4.0,
) -> None:
    """Check that a Monte Carlo ``estimate`` is within ``k`` standard errors ``se`` of
    ``exact``.

    All three may be arrays (checked elementwise; the line reports the worst ``|z|``).
    """
    est, s, ex = (
        _as_float64(v, n)
        for v, n in ((estimate, "estimate"), (se, "se"), (exact, "exact"))
    )
    if (s <= 0).any():
        raise ValueError(f"check {label!r}: the standard error must be positive")
    z = (est - ex) / s
    worst = _max_or_inf(z.abs())
    passed = worst <= k
    z_shown = round(worst, 2)
    if est.numel() == 1:
        summary = (
            f"{est.item():.6g} ± {s.item():.2g} vs {ex.item():.6g}, "
            f"z = {z.item():+.2f} (tolerance {k:g} s.e.)"
        )
    else:
        summary = (
            f"worst |z| = {worst:.2f} over {est.numel()} estimates "
            f"(tolerance {k:g} s.e.)"
        )
    return _conclude(
        label, backs, routes, "monte carlo", "z", k, z_shown, passed, summary
    )


def check_bound(
    label: str,
    smaller: Any,
    larger: Any,
    *,
    backs: str,
    routes: str,
    strict: bool = False,
    slack: float = 0.0,
) -> None:
    """Check ``smaller <= larger + slack`` elementwise (``smaller < larger`` if
    ``strict``).

    The line reports the smallest margin ``larger - smaller``, at three significant
    digits.
    """
    lo, hi = torch.broadcast_tensors(
        _as_float64(smaller, "smaller"), _as_float64(larger, "larger")
    )
    margin = hi - lo
    if torch.isnan(margin).any():
        least = -math.inf
    else:
        least = float(margin.min())
    passed = least > 0 if strict else least >= -slack
    shown = float(f"{least:.3g}")
    relation = "<" if strict else "≤"
    summary = f"smaller {relation} larger, smallest margin {shown:.3g}"
    if lo.numel() > 1:
        summary += f" over {lo.numel()} values"
    return _conclude(
        label, backs, routes, "inequality", "margin", slack, shown, passed, summary
    )


def check_that(label: str, claim: Any, *, backs: str, routes: str) -> None:
    """Check a claim that is true or false: ``claim`` is a bool (or a boolean array:
    all)."""
    truth = bool(torch.as_tensor(np.asarray(claim)).all())
    return _conclude(label, backs, routes, "claim", "claim", 0.0, 0.0, truth, "holds")


def _conclude(
    label: str,
    backs: str,
    routes: str,
    kind: str,
    measure: str,
    tolerance: float,
    error: float,
    passed: bool,
    summary: str,
) -> None:
    if kind not in _KINDS:
        raise ValueError(f"check {label!r}: kind must be one of {_KINDS}; got {kind!r}")
    if not passed:
        raise AssertionError(f"check {label!r} ({backs}) failed: {routes}; {summary}")
    check = Check(
        label, backs, routes, kind, measure, float(tolerance), float(error), passed
    )
    _RECORDS.append(check)
    print(f"✓ {label} ({backs}): {routes}; {summary}")
    _hand_to_book(check)


def _hand_to_book(check: Check) -> None:
    """Glue the record into the notebook's outputs, where the book's ledger reads it."""
    try:
        from IPython import get_ipython
    except ImportError:  # a plain Python process: the record stays in this process
        return
    if get_ipython() is None:
        return
    from .notebook import glue

    glue(
        f"check:{check.label}",
        json.dumps(asdict(check), ensure_ascii=False, sort_keys=True),
    )


def _as_float64(x: Any, name: str) -> torch.Tensor:
    t = x.detach().to("cpu") if torch.is_tensor(x) else torch.as_tensor(np.asarray(x))
    if t.is_complex():
        raise ValueError(f"{name} must be real")
    return t.to(torch.float64)


def _max_or_inf(t: torch.Tensor) -> float:
    """The largest entry, or ``inf`` if any entry is NaN (a NaN never passes)."""
    if t.numel() == 0:
        return 0.0
    return math.inf if torch.isnan(t).any() else float(t.max())


def _rounded(error: float) -> float:
    """An error as printed: float noise (< 1e-12) as the power of ten above it, at least
    ``1e-15``, so that the last bit of a float64 sum does not change the printed line;
    larger errors at two significant digits."""
    if not math.isfinite(error) or error >= 1e-12:
        return float(f"{error:.2g}")
    return max(10.0 ** math.ceil(math.log10(error)), 1e-15) if error > 0 else 0.0
