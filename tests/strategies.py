"""Probability vectors and tables for tests: Hypothesis strategies and a seeded NumPy
sampler.

Every strategy yields float64 NumPy arrays that sum to 1 within ``1e-14`` (far inside
the package's ``64 · n · eps`` tolerance), so a test never fails on validation by
accident. With ``zeros=True`` entries are often exactly 0, the case the package's
``0 · log 0 = 0`` convention is about.
"""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

__all__ = [
    "pmfs",
    "pmf_pairs",
    "pmf_triples",
    "pmf_tuples",
    "joint_tables",
    "random_pmfs",
]


def _weights(zeros: bool) -> st.SearchStrategy[float]:
    """Nonnegative weights before normalising; no subnormals, whose ratios are not exact
    enough."""
    if zeros:
        return st.floats(min_value=0.0, max_value=1.0, allow_subnormal=False)
    return st.floats(min_value=1e-6, max_value=1.0)


def _normalised(draw, n: int, zeros: bool) -> np.ndarray:
    """Draw ``n`` weights and divide by their total; reject the rare draw that sums
    badly."""
    w = np.array(
        draw(st.lists(_weights(zeros), min_size=n, max_size=n)), dtype=np.float64
    )
    assume(w.sum() > 0)
    p = w / w.sum()
    assume(abs(p.sum() - 1) <= 1e-14)
    return p


@st.composite
def pmfs(draw, min_n: int = 1, max_n: int = 8, zeros: bool = True) -> np.ndarray:
    """One probability vector, shape ``(n,)`` with ``min_n <= n <= max_n``."""
    n = draw(st.integers(min_n, max_n))
    return _normalised(draw, n, zeros)


@st.composite
def pmf_tuples(
    draw, k: int, min_n: int = 1, max_n: int = 8, zeros: bool = True
) -> tuple[np.ndarray, ...]:
    """``k`` probability vectors of one common length ``n``."""
    n = draw(st.integers(min_n, max_n))
    return tuple(_normalised(draw, n, zeros) for _ in range(k))


def pmf_pairs(min_n: int = 1, max_n: int = 8, zeros: bool = True) -> st.SearchStrategy:
    """``(p, q)``, two probability vectors of the same length."""
    return pmf_tuples(2, min_n, max_n, zeros)


def pmf_triples(
    min_n: int = 1, max_n: int = 8, zeros: bool = True
) -> st.SearchStrategy:
    """``(p, q, r)``, three probability vectors of the same length (for triangle
    inequalities)."""
    return pmf_tuples(3, min_n, max_n, zeros)


@st.composite
def joint_tables(
    draw, max_nx: int = 5, max_ny: int = 5, zeros: bool = True
) -> np.ndarray:
    """A joint table ``P(x, y)``, shape ``(nx, ny)``, summing to 1 over both axes."""
    nx, ny = draw(st.integers(1, max_nx)), draw(st.integers(1, max_ny))
    return _normalised(draw, nx * ny, zeros).reshape(nx, ny)


def random_pmfs(
    rng: np.random.Generator, shape=(4, 3, 7), zeros: bool = True
) -> np.ndarray:
    """Seeded random probability vectors along the last axis of ``shape`` (Dirichlet(1)
    draws).

    With ``zeros=True`` about a quarter of the entries are set to exactly 0 (never the
    first of a vector, so none is all zero) before renormalising.
    """
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    if zeros:
        drop = rng.random(p.shape) < 0.25
        drop[..., 0] = False
        p = np.where(drop, 0.0, p)
        p /= p.sum(-1, keepdims=True)
    return p
