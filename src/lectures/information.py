r"""Information measures of discrete distributions: entropy, cross entropy, KL, JS, mutual information.

Conventions, the same for every function here:

* a distribution lies along the **last axis** (a joint table along the last two); leading axes
  are a batch, and the result has the batch shape (0-dim for a single distribution);
* logarithms are natural (nats) unless ``base=`` is given (``base=2`` gives bits);
* ``0 · log 0 = 0``; a divergence is ``+inf`` wherever ``q = 0 < p``, never NaN;
* the result is a torch tensor of the input's floating dtype (float64 for lists and NumPy
  integer arrays), differentiable when the input requires grad; at a zero entry the gradient of
  a ``0 · log 0`` term is taken as 0 (the one-sided derivative of :math:`-p\log p` is
  :math:`+\infty`);
* bad input raises :class:`ValueError` naming the problem: a NaN, infinite or negative entry, a
  distribution that does not sum to 1 within ``64 · n · eps`` of its dtype, shapes that differ,
  or a ``base`` that is not positive or equals 1.

Derived and checked in Chapter 1 (entropy, joint entropy, mutual information) and Chapter 3
(KL and Jensen–Shannon divergences).
"""

from __future__ import annotations

import torch

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


def _xlogy(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x · log y`` where ``x > 0`` and ``y > 0``, else 0; finite gradient everywhere."""
    ok = (x > 0) & (y > 0)
    safe_y = torch.where(ok, y, torch.ones_like(y))  # log() never sees 0, even in the unused branch
    return torch.where(ok, x * torch.log(safe_y), torch.zeros_like(x))


def _in_unit(nats: torch.Tensor, base: float | None) -> torch.Tensor:
    """Convert nats to the unit of ``base``; a zero comes out as ``+0.0``, never ``-0.0``."""
    return nats / log_base(base) + 0.0  # IEEE: -0.0 + 0.0 = +0.0


def _infinite_where_q_misses_p(terms: torch.Tensor, p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Set the terms with ``q = 0 < p`` to ``+inf``: there ``p · log(1/q)`` is infinite."""
    return torch.where((q == 0) & (p > 0), torch.full_like(terms, torch.inf), terms)


def self_information(p: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Shannon information (surprisal) :math:`I(x) = \log\frac{1}{P(x)}` of each probability.

    Parameters
    ----------
    p : array_like or Tensor, shape (...)
        Probabilities, each in ``[0, 1]``; elementwise, no normalisation is required.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    Tensor, shape (...)
        ``-log p`` in the chosen unit; ``+inf`` where ``p = 0`` (an impossible outcome), where
        the gradient is the true derivative ``-1/p = -inf``.

    Raises
    ------
    ValueError
        If an entry is NaN, infinite, negative or greater than 1, or ``base`` is invalid.

    Examples
    --------
    >>> self_information([0.5, 0.25, 0.125, 1.0], base=2)
    tensor([1., 2., 3., 0.], dtype=torch.float64)

    Derived in Chapter 1, section "Shannon information".
    """
    p = as_probability(p, "p")
    return _in_unit(-torch.log(p), base)


def entropy(p: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Shannon entropy :math:`H(P) = \sum_x P(x)\log\frac{1}{P(x)}` along the last axis.

    Parameters
    ----------
    p : array_like or Tensor, shape (..., n)
        Probability vectors along the last axis; leading axes are a batch.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    Tensor, shape (...)
        The entropy, :math:`0 \le H \le \log n`; terms with ``P(x) = 0`` contribute 0.

    Raises
    ------
    ValueError
        For NaN, infinite or negative entries, a vector that does not sum to 1, or a bad ``base``.

    Examples
    --------
    >>> entropy([0.5, 0.25, 0.25], base=2)                # the note's coin: exactly 3/2 bits
    tensor(1.5000, dtype=torch.float64)
    >>> entropy([[1.0, 0.0], [0.5, 0.5]], base=2)          # a batch of two
    tensor([0., 1.], dtype=torch.float64)

    Derived in Chapter 1, section "Entropy".
    """
    p = as_pmf(p, "p")
    return _in_unit(-_xlogy(p, p).sum(-1), base)


def joint_entropy(pxy: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Joint entropy :math:`H(X,Y) = \sum_{x,y} P(x,y)\log\frac{1}{P(x,y)}` of a joint table.

    Parameters
    ----------
    pxy : array_like or Tensor, shape (..., nx, ny)
        Joint probability tables over the last two axes (rows: values of X, columns: values of
        Y), each summing to 1; leading axes are a batch.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    Tensor, shape (...)
        The joint entropy; equals ``H(X) + H(Y)`` exactly when X and Y are independent.

    Raises
    ------
    ValueError
        For NaN, infinite or negative entries, a table that does not sum to 1, fewer than two
        axes, or a bad ``base``.

    Examples
    --------
    >>> joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2)   # two independent fair coins
    tensor(2., dtype=torch.float64)

    Derived in Chapter 1, section "Joint entropy".
    """
    pxy = as_pmf(pxy, "pxy", event_dims=2)
    return _in_unit(-_xlogy(pxy, pxy).sum((-2, -1)), base)


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Cross entropy :math:`H(P,Q) = -\sum_x P(x)\log Q(x)` of ``q`` relative to the true ``p``.

    Parameters
    ----------
    p, q : array_like or Tensor, shape (..., n)
        Probability vectors along the last axis (``p`` the true distribution, ``q`` the
        estimate); same shape, leading axes are a batch.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    Tensor, shape (...)
        The cross entropy, :math:`\ge H(P)`; ``+inf`` where ``q = 0 < p``.

    Raises
    ------
    ValueError
        For NaN, infinite or negative entries, vectors that do not sum to 1, shapes that differ,
        or a bad ``base``.

    Examples
    --------
    >>> cross_entropy([0.5, 0.5], [0.25, 0.75], base=2)    # 1 + ½·log2(4/3) bits
    tensor(1.2075, dtype=torch.float64)
    >>> cross_entropy([0.5, 0.5], [1.0, 0.0])
    tensor(inf, dtype=torch.float64)

    Derived in Chapter 2, section "Cross entropy".
    """
    p, q = as_pmf(p, "p"), as_pmf(q, "q")
    same_shape(p, q)
    terms = _infinite_where_q_misses_p(-_xlogy(p, q), p, q)
    return _in_unit(terms.sum(-1), base)


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Kullback–Leibler divergence :math:`D_{\mathrm{KL}}(P\|Q) = \sum_x P(x)\log\frac{P(x)}{Q(x)}`.

    Parameters
    ----------
    p, q : array_like or Tensor, shape (..., n)
        Probability vectors along the last axis; same shape, leading axes are a batch.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    Tensor, shape (...)
        The divergence, :math:`\ge 0` with equality iff ``p == q``; ``+inf`` where ``q = 0 < p``.

    Raises
    ------
    ValueError
        For NaN, infinite or negative entries, vectors that do not sum to 1, shapes that differ,
        or a bad ``base``.

    Examples
    --------
    >>> kl_divergence([0.5, 0.5], [0.25, 0.75], base=2)    # exactly 1 - ½·log2(3) bits
    tensor(0.2075, dtype=torch.float64)
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    tensor(inf, dtype=torch.float64)

    Derived in Chapter 3, sections "KL as cross entropy minus entropy" and "Gibbs' inequality".
    """
    p, q = as_pmf(p, "p"), as_pmf(q, "q")
    same_shape(p, q)
    terms = _infinite_where_q_misses_p(_xlogy(p, p) - _xlogy(p, q), p, q)
    return _in_unit(terms.sum(-1), base)


def js_divergence(p: ArrayLike, q: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Jensen–Shannon divergence :math:`\tfrac12 D_{\mathrm{KL}}(P\|M) + \tfrac12 D_{\mathrm{KL}}(Q\|M)`, :math:`M = \tfrac12(P+Q)`.

    Parameters
    ----------
    p, q : array_like or Tensor, shape (..., n)
        Probability vectors along the last axis; same shape, leading axes are a batch.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    Tensor, shape (...)
        The divergence, symmetric, :math:`0 \le \mathrm{JS} \le \log 2` (1 bit), always finite;
        exactly :math:`\log 2` when the supports are disjoint.

    Raises
    ------
    ValueError
        For NaN, infinite or negative entries, vectors that do not sum to 1, shapes that differ,
        or a bad ``base``.

    Examples
    --------
    >>> js_divergence([1.0, 0.0], [0.0, 1.0], base=2)      # disjoint supports: 1 bit
    tensor(1., dtype=torch.float64)

    Derived in Chapter 3, section "Jensen–Shannon divergence".
    """
    p, q = as_pmf(p, "p"), as_pmf(q, "q")
    same_shape(p, q)
    m = 0.5 * (p + q)  # m > 0 wherever p > 0 or q > 0, so neither KL below is infinite
    terms = 0.5 * (_xlogy(p, p) - _xlogy(p, m)) + 0.5 * (_xlogy(q, q) - _xlogy(q, m))
    return _in_unit(terms.sum(-1), base)


def mutual_information(pxy: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Mutual information :math:`I(X;Y) = D_{\mathrm{KL}}(P_{XY}\|P_X P_Y) = H(X) + H(Y) - H(X,Y)`.

    Parameters
    ----------
    pxy : array_like or Tensor, shape (..., nx, ny)
        Joint probability tables over the last two axes, each summing to 1; leading axes are a
        batch.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    Tensor, shape (...)
        The mutual information, :math:`\ge 0` with equality iff X and Y are independent.
        Computed as the KL form, term by term, so it is never negative by cancellation.

    Raises
    ------
    ValueError
        For NaN, infinite or negative entries, a table that does not sum to 1, fewer than two
        axes, or a bad ``base``.

    Examples
    --------
    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2)   # Y is a copy of a fair coin X
    tensor(1., dtype=torch.float64)

    Derived in Chapter 1, section "Dependent variables: subadditivity".
    """
    pxy = as_pmf(pxy, "pxy", event_dims=2)
    px_py = pxy.sum(-1, keepdim=True) * pxy.sum(-2, keepdim=True)  # (..., nx, 1) * (..., 1, ny)
    # P(x,y) > 0 implies P(x)P(y) > 0, so no term is infinite
    terms = _xlogy(pxy, pxy) - _xlogy(pxy, px_py)
    return _in_unit(terms.sum((-2, -1)), base)


def conditional_entropy(pxy: ArrayLike, base: float | None = None) -> torch.Tensor:
    r"""Conditional entropy :math:`H(Y \mid X) = \sum_{x,y} P(x,y)\log\frac{P(x)}{P(x,y)}`, Y given X.

    The average, over :math:`x \sim P_X`, of the entropy of the row :math:`P(\cdot \mid x)`:
    :math:`H(Y \mid X) = \sum_x P(x)\, H(Y \mid X = x) = H(X,Y) - H(X)` (the chain rule).

    Parameters
    ----------
    pxy : array_like or Tensor, shape (..., nx, ny)
        Joint probability tables over the last two axes (rows: values of X, the condition;
        columns: values of Y), each summing to 1; leading axes are a batch.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    Tensor, shape (...)
        The conditional entropy of Y given X, :math:`0 \le H(Y \mid X) \le H(Y)`; 0 iff Y is a
        function of X. A row with :math:`P(x) = 0` contributes 0. Computed term by term, so it
        is never negative by cancellation. For :math:`H(X \mid Y)` pass the transposed table.

    Raises
    ------
    ValueError
        For NaN, infinite or negative entries, a table that does not sum to 1, fewer than two
        axes, or a bad ``base``.

    Examples
    --------
    >>> # the note's coin: X = the first toss (rows), Y = the outcome 0, 1, 2 (columns)
    >>> conditional_entropy([[0.5, 0.0, 0.0], [0.0, 0.25, 0.25]], base=2)  # ½·0 + ½·1 bit
    tensor(0.5000, dtype=torch.float64)

    Derived in Chapter 1, section "Conditional entropy and the chain rule".
    """
    pxy = as_pmf(pxy, "pxy", event_dims=2)
    px = pxy.sum(-1, keepdim=True)  # (..., nx, 1)
    # P(x,y) > 0 implies P(x) >= P(x,y) > 0, so no term is infinite, and none is negative
    terms = _xlogy(pxy, px) - _xlogy(pxy, pxy)
    return _in_unit(terms.sum((-2, -1)), base)
