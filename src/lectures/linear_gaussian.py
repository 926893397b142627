r"""The linear-Gaussian latent model: every term of variational inference, exactly.

.. math::

    z \sim \mathcal N(0, I_J), \qquad x \mid z \sim \mathcal N(Wz + b, \sigma^2 I_D),

so that :math:`p(x) = \mathcal N(b, WW^\top + \sigma^2 I)` and :math:`p(z\mid x)` is
Gaussian too.

Conventions, the same for every function here: the model is ``W`` (shape ``(D, J)``, the
decoder weights: the mean of ``x`` given ``z`` is ``W z + b``), ``b`` (shape ``(D,)``,
the offset) and ``sigma`` (one positive number, the noise standard deviation);
observations ``x`` have shape ``(..., D)``, leading axes a batch. Arguments are lists,
NumPy arrays or tensors (lists become float64); results are in nats, torch tensors,
differentiable in every argument. Bad input raises :class:`ValueError`, naming the
argument: a NaN or infinite entry, ``W`` not 2-D, ``b`` not of shape ``(D,)``, ``sigma``
not one positive number, a last axis of the wrong length, a covariance that is not
symmetric positive definite. Shape letters: ``D`` data dimension, ``J`` latent
dimension.
"""

from __future__ import annotations

import torch

from ._numerics import LOG_2PI, half_logdet
from ._validate import ArrayLike, as_finite_tensors, check_last_dim, cholesky

__all__ = [
    "linear_gaussian_marginal",
    "linear_gaussian_posterior",
    "linear_gaussian_log_evidence",
    "linear_gaussian_expected_log_likelihood",
]


def _sigma(sigma: ArrayLike, like: torch.Tensor) -> torch.Tensor:
    """``sigma`` as a positive 0-dim tensor of ``like``'s dtype."""
    (s,) = as_finite_tensors(sigma=sigma)
    if s.dim() != 0 or not s.detach() > 0:
        raise ValueError(
            f"sigma must be one positive number; got {s.detach().tolist()!r}"
        )
    return s.to(like.dtype)


def _model(
    W: ArrayLike, b: ArrayLike, sigma: ArrayLike
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Validated ``W`` (D, J), ``b`` (D,) and ``sigma`` (0-dim)."""
    W, b = as_finite_tensors(W=W, b=b)
    if W.dim() != 2:
        raise ValueError(f"W must be a (D, J) matrix; got shape {tuple(W.shape)}")
    if b.shape != W.shape[:1]:
        raise ValueError(
            f"b must have shape (D,) = {tuple(W.shape[:1])}; got {tuple(b.shape)}"
        )
    return W, b, _sigma(sigma, W)


def _observations(x: ArrayLike, W: torch.Tensor) -> torch.Tensor:
    """Validated ``x`` (..., D) in ``W``'s dtype."""
    (x,) = as_finite_tensors(x=x)
    x = x.to(W.dtype)
    check_last_dim(x, W.shape[0], "x", "D")
    return x


def linear_gaussian_marginal(
    W: ArrayLike, b: ArrayLike, sigma: float
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Mean and covariance of the marginal :math:`p(x) = \int p(x\mid z)\,p(z)\,dz`.

    .. math::

        p(x) = \mathcal N\big(b,\ WW^\top + \sigma^2 I\big)

    Returns
    -------
    mean : Tensor, shape (D,)
        ``b``.
    cov : Tensor, shape (D, D)
        :math:`WW^\top + \sigma^2 I`.

    Examples
    --------
    >>> mean, cov = linear_gaussian_marginal([[2.0]], [1.0], 1.0)     # Var x = 2² + 1²
    >>> mean, cov
    (tensor([1.], dtype=torch.float64), tensor([[5.]], dtype=torch.float64))

    Derived in Chapter 3, section "The variational-inference identity".
    """
    W, b, sigma = _model(W, b, sigma)
    # x = Wz + b + σε with z, ε independent standard normals: covariances add
    cov = W @ W.mT + sigma**2 * torch.eye(W.shape[0], dtype=W.dtype)
    return b, cov


def linear_gaussian_posterior(
    x: ArrayLike, W: ArrayLike, b: ArrayLike, sigma: float
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Mean and covariance of the exact posterior :math:`p(z\mid x) = \mathcal N(m,S)`.

    .. math::

        S = \big(I + W^\top W/\sigma^2\big)^{-1}, \qquad m = S\,W^\top (x - b)/\sigma^2

    Returns
    -------
    mean : Tensor, shape (..., J)
        The posterior mean :math:`m` of each observation.
    cov : Tensor, shape (J, J)
        The posterior covariance :math:`S`, the same for every ``x``.

    Examples
    --------
    >>> mean, cov = linear_gaussian_posterior([3.0], [[1.0]], [0.0], 1.0)
    >>> mean, cov                          # prior and likelihood weigh equally
    (tensor([1.5000], dtype=torch.float64), tensor([[0.5000]], dtype=torch.float64))

    Derived in Chapter 3, section "The variational-inference identity".
    """
    W, b, sigma = _model(W, b, sigma)
    x = _observations(x, W)
    # the log posterior is quadratic in z, with precision Λ = I + WᵀW/σ²
    # (prior plus likelihood)
    precision = torch.eye(W.shape[1], dtype=W.dtype) + W.mT @ W / sigma**2  # (J, J)
    L = torch.linalg.cholesky(precision)
    rhs = ((x - b) @ W / sigma**2).unsqueeze(-1)  # (..., J, 1): Wᵀ(x − b)/σ²
    mean = torch.cholesky_solve(rhs, L).squeeze(-1)  # (..., J); L broadcasts
    return mean, torch.cholesky_inverse(L)


def linear_gaussian_log_evidence(
    x: ArrayLike, W: ArrayLike, b: ArrayLike, sigma: float
) -> torch.Tensor:
    r"""Log evidence (log marginal likelihood) :math:`\log p(x)`, shape ``(...)``.

    .. math::

        \log p(x) = \log\mathcal N\big(x;\ b,\ WW^\top + \sigma^2 I\big)

    A log density, so it can be positive.

    Examples
    --------
    >>> linear_gaussian_log_evidence([0.0], [[0.0]], [0.0], 1.0)   # −½ log 2π
    tensor(-0.9189, dtype=torch.float64)

    Derived in Chapter 3, section "The variational-inference identity".
    """
    mean, cov = linear_gaussian_marginal(W, b, sigma)
    x = _observations(x, cov)
    L = torch.linalg.cholesky(cov)  # WWᵀ + σ²I is positive definite for σ > 0
    u = torch.linalg.solve_triangular(L, (x - mean).unsqueeze(-1), upper=False)
    mahalanobis = u.pow(2).sum((-2, -1))  # (x − b)ᵀ(WWᵀ + σ²I)⁻¹(x − b)
    return -0.5 * (mean.shape[0] * LOG_2PI + mahalanobis) - half_logdet(L)


def linear_gaussian_expected_log_likelihood(
    x: ArrayLike,
    W: ArrayLike,
    b: ArrayLike,
    sigma: float,
    mu_q: ArrayLike,
    cov_q: ArrayLike,
) -> torch.Tensor:
    r"""Expected log-likelihood :math:`\mathbb E_{q}[\log p(x\mid z)]` for a normal q.

    With :math:`q = \mathcal N(\mu_q, \Sigma_q)` and the linear-Gaussian likelihood,

    .. math::

        \mathbb E_{q}\big[\log \mathcal N(x;\, Wz + b,\, \sigma^2 I)\big]
        = -\frac D2\log(2\pi\sigma^2)
          - \frac{\|x - W\mu_q - b\|^2 + \operatorname{tr}(W\Sigma_q W^\top)}{2\sigma^2}

    Parameters
    ----------
    mu_q : array_like or Tensor, shape (..., J)
        Mean of ``q``.
    cov_q : array_like or Tensor, shape (..., J, J)
        Covariance of ``q``. Leading axes broadcast with ``x``'s.

    Returns
    -------
    Tensor, shape (...)
        The reconstruction term of the ELBO.

    Examples
    --------
    >>> linear_gaussian_expected_log_likelihood(
    ...     [1.0], [[1.0]], [0.0], 1.0, [1.0], [[1.0]]
    ... )
    tensor(-1.4189, dtype=torch.float64)

    (−½ log 2π − ½.) Derived in Chapter 3, section "The variational-inference identity".
    """
    W, b, sigma = _model(W, b, sigma)
    x, mu_q, cov_q = (
        t.to(W.dtype) for t in as_finite_tensors(x=x, mu_q=mu_q, cov_q=cov_q)
    )
    cholesky(cov_q, "cov_q")
    D, J = W.shape
    check_last_dim(x, D, "x", "D")
    check_last_dim(mu_q, J, "mu_q", "J")
    check_last_dim(cov_q, J, "cov_q", "J")
    # z = μ + (z − μ): the mean's residual, plus the spread of Wz around Wμ,
    # tr(W Σ_q Wᵀ)
    residual = (x - mu_q @ W.mT - b).pow(2).sum(-1)
    spread = (W @ cov_q @ W.mT).diagonal(dim1=-2, dim2=-1).sum(-1)
    log_norm = -0.5 * D * (LOG_2PI + torch.log(sigma**2))
    return log_norm - (residual + spread) / (2 * sigma**2)
