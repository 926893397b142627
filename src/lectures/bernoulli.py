r"""Bernoulli likelihood and binary cross entropy, from probabilities and logits.

A binary outcome :math:`y \in \{0, 1\}` with :math:`P(y = 1) = p` has the pmf
:math:`f_p(y) = p^y (1-p)^{1-y}`. Its negative log is the binary cross entropy (BCE)

.. math:: \mathrm{BCE}(p, y) = -\big[y\log p + (1-y)\log(1-p)\big],

so summing BCE over independent observations gives the negative log-likelihood.

Conventions, the same for every function here (and so not repeated in each docstring):

* arguments are array_like or tensors, elementwise, and must have the **same shape** (no
  broadcasting); a log-likelihood sums over the **last axis** (the observations, or the
  pixels of one image), leading axes are a batch;
* the **prediction comes first** in the losses, ``binary_cross_entropy(p, y)``, as in
  torch's ``F.binary_cross_entropy(input, target)``; the data come first in
  ``bernoulli_log_likelihood(y, p)``, as in a pmf :math:`f(y; p)`; targets ``y`` are in
  ``[0, 1]``: labels 0 and 1, or soft targets (grey levels);
* natural logarithms (nats); ``0 · log 0 = 0``; a loss is ``+inf`` where the prediction
  rules out what the target asks for (``p = 0 < y`` or ``p = 1 > y``), never NaN, and
  never clamped (torch's ``F.binary_cross_entropy`` clamps each log at -100);
* ``reduction`` as in torch: ``"mean"`` over every element, ``"sum"``, or ``"none"``
  (the elementwise losses, of the input's shape); a zero is ``+0.0``.

Raises :class:`ValueError`, naming the problem, for a NaN or infinite entry, a
probability or target outside ``[0, 1]``, shapes that differ, an unknown ``reduction``,
or the mean of an empty input.

Derived and checked in Chapter 2 ("Cross entropy and maximum likelihood").
"""

from __future__ import annotations

from typing import Literal

import torch

from ._numerics import check_reduction, reduce, xlogy
from ._validate import ArrayLike, as_finite, as_probability, first_index, same_shape

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "bernoulli_log_likelihood",
]

Reduction = Literal["mean", "sum", "none"]


def _softplus(u: torch.Tensor) -> torch.Tensor:
    """``log(1 + e^u)`` as ``logaddexp(0, u)``: no overflow, accurate where it is tiny.

    Not ``F.softplus``, which returns ``u`` itself for ``u > 20`` and so is off by up to
    ``log1p(e^-20) ≈ 2e-9``, far above float64 rounding.
    """
    return torch.logaddexp(torch.zeros_like(u), u)


def binary_cross_entropy(
    p: ArrayLike, y: ArrayLike, reduction: Reduction = "mean"
) -> torch.Tensor:
    r"""Binary cross entropy :math:`-[y\log p + (1-y)\log(1-p)]` of probabilities ``p``.

    The cross entropy :math:`H(\mathrm{Bernoulli}(y), \mathrm{Bernoulli}(p))` of the
    prediction relative to the target. For ``y`` in ``{0, 1}`` it is the negative
    log-likelihood :math:`-\log f_p(y)`; for ``0 < y < 1`` (grey-level pixels) it is
    still a cross entropy but no likelihood, and its minimum over ``p``, reached at
    ``p = y``, is the binary entropy of ``y``, not 0.

    ``p = y = 0`` and ``p = y = 1`` cost 0. The gradient in ``p`` is finite everywhere,
    taken as 0 for the zero terms and at infinite losses. For training prefer
    :func:`binary_cross_entropy_with_logits`: ``log(1 - p)`` loses digits once ``p`` is
    near 1.

    Examples
    --------
    >>> binary_cross_entropy([0.5, 0.25], [1.0, 0.0], reduction="none")  # log 2, log4/3
    tensor([0.6931, 0.2877], dtype=torch.float64)
    >>> binary_cross_entropy([0.5], [0.5])     # soft target: log 2, the entropy of y
    tensor(0.6931, dtype=torch.float64)
    >>> binary_cross_entropy([0.0], [1.0])                          # torch clamps: 100
    tensor(inf, dtype=torch.float64)

    Derived in Chapter 2, sections "The BCE–MLE equivalence" and "Soft targets".
    """
    p, y = as_probability(p, "p"), as_probability(y, "y")
    same_shape(p, y, "p and y")
    check_reduction(reduction, p.numel())
    terms = -(xlogy(y, p) + xlogy(1 - y, 1 - p))
    # a log of 0 with positive weight
    ruled_out = ((p == 0) & (y > 0)) | ((p == 1) & (y < 1))
    terms = torch.where(ruled_out, torch.full_like(terms, torch.inf), terms)
    return reduce(terms, reduction)


def binary_cross_entropy_with_logits(
    logits: ArrayLike, y: ArrayLike, reduction: Reduction = "mean"
) -> torch.Tensor:
    r"""Binary cross entropy of :math:`p = \sigma(z)`, computed stably from the logits.

    With :math:`\operatorname{softplus}(u) = \log(1 + e^u)`, :math:`\log\sigma(z) =
    -\operatorname{softplus}(-z)` and
    :math:`\log(1-\sigma(z)) = -\operatorname{softplus}(z)`, so

    .. math:: \mathrm{BCE}(\sigma(z), y) = y\,\operatorname{softplus}(-z)
              + (1-y)\,\operatorname{softplus}(z),

    with each softplus a log-sum-exp, :math:`\log(e^0 + e^u)`. Neither term is ever
    :math:`\log 0` or a difference of large numbers, so the result is accurate to
    rounding at every finite logit (``±1e4`` included), where the same loss computed
    from ``p = sigmoid(z)`` gives ``inf`` or NaN. The ``logits`` must be finite
    (:math:`z = \log\frac{p}{1-p}`); the loss is then always finite, and its gradient in
    ``z`` is :math:`\sigma(z) - y`.

    Examples
    --------
    >>> binary_cross_entropy_with_logits(
    ...     [0.0, 1e4, -1e4, 1e4], [1.0, 1.0, 1.0, 0.0], reduction="none"
    ... )
    tensor([6.9315e-01, 0.0000e+00, 1.0000e+04, 1.0000e+04], dtype=torch.float64)

    Derived in Chapter 2, section "Numerical stability: probabilities or logits".
    """
    z, y = as_finite(logits, "logits"), as_probability(y, "y")
    same_shape(z, y, "logits and y")
    check_reduction(reduction, z.numel())
    # -log σ(z) = softplus(-z), -log(1 - σ(z)) = softplus(z): both ≥ 0, nothing cancels
    terms = y * _softplus(-z) + (1 - y) * _softplus(z)
    return reduce(terms, reduction)


def bernoulli_log_likelihood(y: ArrayLike, p: ArrayLike) -> torch.Tensor:
    r"""Log-likelihood :math:`\sum_i \log\big(p_i^{y_i}(1-p_i)^{1-y_i}\big)` of data y.

    Shape ``(..., n) → (...)``. Each term is the log of the probability the model gave
    to what was observed: :math:`\log p_i` where :math:`y_i = 1`, :math:`\log(1-p_i)`
    where :math:`y_i = 0`. Minus this is the sum of :func:`binary_cross_entropy` over
    the last axis. In a classifier :math:`p_i = Q(1 \mid x_i)` depends on the input.

    ``y`` must be exactly 0 or 1 (a likelihood needs outcomes: for soft targets use
    :func:`binary_cross_entropy`, a cross entropy). The result is :math:`\le 0`;
    ``-inf`` where an observation had probability 0 (there the gradient is the true
    :math:`\pm\infty`); 0 for an empty last axis.

    Examples
    --------
    >>> bernoulli_log_likelihood([1.0, 0.0, 1.0], [0.5, 0.5, 0.5])  # 3 tosses: log 1/8
    tensor(-2.0794, dtype=torch.float64)
    >>> bernoulli_log_likelihood([[1.0, 1.0], [1.0, 0.0]], [[0.8, 0.8], [0.8, 0.8]])
    tensor([-0.4463, -1.8326], dtype=torch.float64)

    Derived in Chapter 2, section "The BCE–MLE equivalence".
    """
    y, p = as_probability(y, "y"), as_probability(p, "p")
    binary = (y.detach() == 0) | (y.detach() == 1)
    if not binary.all():
        i = first_index(~binary)
        raise ValueError(
            f"y must be 0 or 1 for a likelihood; y{list(i)} = {y.detach()[i].item():g} "
            "(for soft targets use binary_cross_entropy, a cross entropy)"
        )
    same_shape(y, p, "y and p")
    # f_p(y) is p for y = 1 and 1 - p for y = 0; one log of the chosen factor, so the
    # unused branch never meets log 0 (whose gradient would be NaN)
    observed = torch.where(y == 1, p, 1 - p)
    return torch.log(observed).sum(-1)
