r"""Information measures of discrete distributions: entropy, cross entropy, KL, JS, MI.

Conventions, the same for every function here (and so not repeated in each docstring):

* a distribution lies along the **last axis** (a joint table along the last two, rows
  the values of X, columns those of Y); leading axes are a batch, and the result has the
  batch shape (0-dim for a single distribution);
* ``p`` (or ``pxy``) and ``q`` are array_like or tensors; a pair has the same shape;
* logarithms are natural (nats) unless ``base=`` is given: ``base=2`` gives bits;
* ``0 · log 0 = 0``; a divergence is ``+inf`` wherever ``q = 0 < p``; never NaN, and a
  zero is ``+0.0``;
* the result is a torch tensor of the input's floating dtype (float64 for lists and
  NumPy integer arrays), differentiable when the input requires grad; at a zero entry
  the gradient of a ``0 · log 0`` term is taken as 0 (the one-sided derivative of
  :math:`-p\log p` is :math:`+\infty`).

Raises :class:`ValueError`, naming the problem, for a NaN, infinite or negative entry, a
distribution that does not sum to 1 within ``64 · n · eps`` of its dtype, a table with
fewer than two axes, shapes that differ, or a ``base`` that is not a positive number
other than 1.

Derived and checked in Chapter 1 (entropy, joint and conditional entropy, mutual
information) and
Chapter 3 (KL and Jensen–Shannon divergences).
"""

from __future__ import annotations

import torch

from ._numerics import positive_zero, xlogy
from ._validate import ArrayLike, as_pmf, as_probability, log_base, same_shape

__all__ = [
    "self_information",
    "entropy",
    "joint_entropy",
    "cross_entropy",
    "kl_divergence",
    "js_divergence",
    "mutual_information",
    "conditional_entropy",
]


def _in_unit(nats: torch.Tensor, base: float | None) -> torch.Tensor:
    """Convert nats to the unit of ``base``; a zero comes out as ``+0.0``."""
    return positive_zero(nats / log_base(base))


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[torch.Tensor, torch.Tensor]:
    """``p`` and ``q`` validated as probability vectors of one shape."""
    p, q = as_pmf(p, "p"), as_pmf(q, "q")
    same_shape(p, q)
    return p, q


def _infinite_where_q_misses_p(
    terms: torch.Tensor, p: torch.Tensor, q: torch.Tensor
) -> torch.Tensor:
    """Set the terms with ``q = 0 < p`` to ``+inf``: ``p · log(1/q)`` is infinite."""
    return torch.where((q == 0) & (p > 0), torch.full_like(terms, torch.inf), terms)


def self_information(p: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Shannon information (surprisal) :math:`I(x) = \log\frac{1}{P(x)}` of each entry.

    Elementwise: ``p`` holds probabilities, each in ``[0, 1]``, with no normalisation
    required (an entry above 1 raises). ``+inf`` where ``p = 0`` (an impossible
    outcome), where the gradient is the true derivative ``-1/p = -inf``.

    Examples
    --------
    >>> self_information([0.5, 0.25, 0.125, 1.0, 0.0], base=2)
    tensor([1., 2., 3., 0., inf], dtype=torch.float64)

    Derived in Chapter 1, section "Shannon information".
    """
    p = as_probability(p, "p")
    return _in_unit(-torch.log(p), base)


def entropy(p: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Shannon entropy :math:`H(P) = \sum_x P(x)\log\frac{1}{P(x)}` of each vector.

    :math:`0 \le H \le \log n`.

    Examples
    --------
    >>> entropy([0.5, 0.25, 0.25], base=2).item()    # the note's coin: exactly 3/2 bits
    1.5
    >>> entropy([[1.0, 0.0], [0.5, 0.5]], base=2)          # a batch of two
    tensor([0., 1.], dtype=torch.float64)

    Derived in Chapter 1, section "Entropy".
    """
    p = as_pmf(p, "p")
    return _in_unit(-xlogy(p, p).sum(-1), base)


def joint_entropy(pxy: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Joint entropy :math:`H(X,Y) = \sum_{x,y} P(x,y)\log\frac{1}{P(x,y)}` of a table.

    ``pxy`` has shape ``(..., nx, ny)``. Equals ``H(X) + H(Y)`` exactly when X and Y are
    independent.

    Examples
    --------
    >>> joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2)  # two independent coins
    tensor(2., dtype=torch.float64)

    Derived in Chapter 1, section "Joint entropy".
    """
    pxy = as_pmf(pxy, "pxy", event_dims=2)
    return _in_unit(-xlogy(pxy, pxy).sum((-2, -1)), base)


def cross_entropy(
    p: ArrayLike, q: ArrayLike, base: float | None = None
) -> torch.Tensor:
    r"""Cross entropy :math:`H(P,Q) = -\sum_x P(x)\log Q(x)` of ``q`` relative to ``p``.

    ``p`` is the true distribution, ``q`` the estimate. :math:`H(P,Q) \ge H(P)`.

    Examples
    --------
    >>> cross_entropy([0.5, 0.5], [0.25, 0.75], base=2)    # 1 + ½·log2(4/3) bits
    tensor(1.2075, dtype=torch.float64)
    >>> cross_entropy([0.5, 0.5], [1.0, 0.0])
    tensor(inf, dtype=torch.float64)

    Derived in Chapter 2, section "Cross entropy".
    """
    p, q = _pair(p, q)
    terms = _infinite_where_q_misses_p(-xlogy(p, q), p, q)
    return _in_unit(terms.sum(-1), base)


def kl_divergence(
    p: ArrayLike, q: ArrayLike, base: float | None = None
) -> torch.Tensor:
    r"""Kullback–Leibler divergence :math:`D_{\mathrm{KL}}(P\|Q)`.

    .. math:: D_{\mathrm{KL}}(P\|Q) = \sum_x P(x)\log\frac{P(x)}{Q(x)}

    :math:`\ge 0`, with equality iff ``p == q``.

    Examples
    --------
    >>> kl_divergence([0.5, 0.5], [0.25, 0.75], base=2)    # exactly 1 - ½·log2(3) bits
    tensor(0.2075, dtype=torch.float64)
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    tensor(inf, dtype=torch.float64)

    Derived in Chapter 3, sections "KL as cross entropy minus entropy" and "Gibbs'
    inequality".
    """
    p, q = _pair(p, q)
    terms = _infinite_where_q_misses_p(xlogy(p, p) - xlogy(p, q), p, q)
    return _in_unit(terms.sum(-1), base)


def js_divergence(
    p: ArrayLike, q: ArrayLike, base: float | None = None
) -> torch.Tensor:
    r"""Jensen–Shannon divergence, the mean KL of ``p`` and ``q`` from their mixture.

    .. math:: \mathrm{JS}(P, Q) = \tfrac12 D_{\mathrm{KL}}(P\|M)
              + \tfrac12 D_{\mathrm{KL}}(Q\|M)

    With :math:`M = \tfrac12(P+Q)`. Symmetric, always finite,
    :math:`0 \le \mathrm{JS} \le \log 2` (1 bit), and exactly :math:`\log 2` when the
    supports are disjoint.

    Examples
    --------
    >>> js_divergence([1.0, 0.0], [0.0, 1.0], base=2)      # disjoint supports: 1 bit
    tensor(1., dtype=torch.float64)

    Derived in Chapter 3, section "Jensen–Shannon divergence".
    """
    p, q = _pair(p, q)
    m = 0.5 * (p + q)  # m > 0 wherever p > 0 or q > 0, so neither KL below is infinite
    terms = 0.5 * (xlogy(p, p) - xlogy(p, m)) + 0.5 * (xlogy(q, q) - xlogy(q, m))
    return _in_unit(terms.sum(-1), base)


def mutual_information(pxy: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Mutual information :math:`I(X;Y) = D_{\mathrm{KL}}(P_{XY}\|P_X P_Y)` of a table.

    ``pxy`` has shape ``(..., nx, ny)``. Equal to :math:`H(X) + H(Y) - H(X,Y)`, but
    computed as the KL, term by term, so it is never negative by cancellation; 0 iff X
    and Y are independent.

    Examples
    --------
    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2)   # Y copies a fair coin X
    tensor(1., dtype=torch.float64)

    Derived in Chapter 1, section "Dependent variables: subadditivity".
    """
    pxy = as_pmf(pxy, "pxy", event_dims=2)
    # (..., nx, 1) * (..., 1, ny): the product of the marginals
    px_py = pxy.sum(-1, keepdim=True) * pxy.sum(-2, keepdim=True)
    # P(x,y) > 0 implies P(x)P(y) > 0, so no term is infinite
    terms = xlogy(pxy, pxy) - xlogy(pxy, px_py)
    return _in_unit(terms.sum((-2, -1)), base)


def conditional_entropy(pxy: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Conditional entropy
    :math:`H(Y \mid X) = \sum_{x,y} P(x,y)\log\frac{P(x)}{P(x,y)}`.

    ``pxy`` has shape ``(..., nx, ny)``, X (the condition) along the rows. The average
    over :math:`x \sim P_X` of the entropy of the row :math:`P(\cdot \mid x)`, equal
    to :math:`H(X,Y) - H(X)` (the chain rule) but computed term by term, so it is never
    negative by cancellation; 0 iff Y is a function of X, at most :math:`H(Y)`. A row
    with :math:`P(x) = 0` contributes 0. For :math:`H(X \mid Y)` pass the transposed
    table.

    Examples
    --------
    >>> # the note's coin: X = the first toss (rows), Y = the outcome 0, 1, 2 (columns)
    >>> conditional_entropy([[0.5, 0.0, 0.0], [0.0, 0.25, 0.25]], base=2)  # ½·0 + ½·1
    tensor(0.5000, dtype=torch.float64)

    Derived in Chapter 1, section "Conditional entropy and the chain rule".
    """
    pxy = as_pmf(pxy, "pxy", event_dims=2)
    px = pxy.sum(-1, keepdim=True)  # (..., nx, 1)
    # P(x,y) > 0 implies P(x) >= P(x,y) > 0, so no term is infinite, and none is
    # negative
    terms = xlogy(pxy, px) - xlogy(pxy, pxy)
    return _in_unit(terms.sum((-2, -1)), base)
