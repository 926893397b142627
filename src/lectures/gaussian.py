r"""Gaussian closed forms: KL divergences between Gaussians and the linear-Gaussian latent model.

The linear-Gaussian model is the one latent-variable model in which every term of the
variational-inference identity is known in closed form:

.. math::

    z \sim \mathcal N(0, I_J), \qquad x \mid z \sim \mathcal N(Wz + b, \sigma^2 I_D),

so that :math:`p(x) = \mathcal N(b, WW^\top + \sigma^2 I)` and :math:`p(z\mid x)` is Gaussian too.

Conventions: arguments are lists, NumPy arrays or tensors (lists and integer arrays become
float64); a vector lies along the last axis (a covariance matrix along the last two) and leading
axes are a batch that broadcasts; logarithms are natural (nats); results are torch tensors,
differentiable in every argument. Bad input (a NaN or infinite entry, mismatched shapes, a
covariance that is not symmetric positive definite, ``sigma <= 0``) raises :class:`ValueError`.
Shape letters: ``D`` data dimension, ``J`` latent dimension.

The KL divergence from a diagonal Gaussian to the standard normal prior, the VAE's special case,
is ``lectures.gaussian_kl`` (Chapter 4). Everything here is derived in Chapter 3.
"""

from __future__ import annotations

import math

import torch

from ._validate import ArrayLike, as_finite

__all__ = [
    "normal_kl",
    "multivariate_normal_kl",
    "linear_gaussian_marginal",
    "linear_gaussian_posterior",
    "linear_gaussian_log_evidence",
    "linear_gaussian_expected_log_likelihood",
]

LOG_2PI = math.log(2 * math.pi)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _finite(**named: ArrayLike) -> list[torch.Tensor]:
    """Convert each argument to a tensor of one common floating dtype; raise on NaN or infinity."""
    tensors = [as_finite(x, name) for name, x in named.items()]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return [t.to(dtype) for t in tensors]


def _sigma(sigma: ArrayLike, like: torch.Tensor) -> torch.Tensor:
    """``sigma`` as a positive 0-dim tensor of ``like``'s dtype."""
    (s,) = _finite(sigma=sigma)
    if s.dim() != 0 or not s.detach() > 0:
        raise ValueError(f"sigma must be one positive number; got {s.detach().tolist()!r}")
    return s.to(like.dtype)


def _cholesky(cov: torch.Tensor, name: str) -> torch.Tensor:
    """Lower Cholesky factor of ``cov`` (..., J, J); raise unless it is symmetric positive definite."""
    if cov.dim() < 2 or cov.shape[-1] != cov.shape[-2]:
        raise ValueError(f"{name} must be a square matrix (..., J, J); got shape {tuple(cov.shape)}")
    scale = cov.detach().abs().amax().clamp_min(1)
    tol = 64 * cov.shape[-1] * torch.finfo(cov.dtype).eps * scale
    if ((cov - cov.mT).detach().abs() > tol).any():
        raise ValueError(f"{name} must be symmetric (tolerance {tol:.1e})")
    L, info = torch.linalg.cholesky_ex(cov)
    if (info != 0).any():
        raise ValueError(f"{name} must be positive definite (its Cholesky factorisation failed)")
    return L


def _model(W: ArrayLike, b: ArrayLike, sigma: ArrayLike) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Validated ``W`` (D, J), ``b`` (D,) and ``sigma`` (0-dim) of the linear-Gaussian model."""
    W, b = _finite(W=W, b=b)
    if W.dim() != 2:
        raise ValueError(f"W must be a (D, J) matrix; got shape {tuple(W.shape)}")
    if b.shape != W.shape[:1]:
        raise ValueError(f"b must have shape (D,) = {tuple(W.shape[:1])}; got {tuple(b.shape)}")
    return W, b, _sigma(sigma, W)


def _last_dim(t: torch.Tensor, n: int, name: str, letter: str) -> None:
    if t.dim() < 1 or t.shape[-1] != n:
        raise ValueError(f"{name} must have last axis {letter} = {n}; got shape {tuple(t.shape)}")


def _half_logdet(L: torch.Tensor) -> torch.Tensor:
    """½ log det Σ from the Cholesky factor L of Σ: Σ log L_ii."""
    return L.diagonal(dim1=-2, dim2=-1).log().sum(-1)


# ---------------------------------------------------------------------------------------------
# KL divergences between Gaussians
# ---------------------------------------------------------------------------------------------


def normal_kl(mu_q: ArrayLike, logvar_q: ArrayLike, mu_p: ArrayLike, logvar_p: ArrayLike) -> torch.Tensor:
    r"""KL divergence between diagonal Gaussians, summed over the last axis.

    .. math::

        D_{\mathrm{KL}}\big(\mathcal N(\mu_q, \sigma_q^2)\,\|\,\mathcal N(\mu_p, \sigma_p^2)\big)
        = \sum_j \tfrac12\Big(r_j - 1 - \log r_j + \frac{(\mu_{q,j} - \mu_{p,j})^2}{\sigma_{p,j}^2}\Big),
        \qquad r_j = \frac{\sigma_{q,j}^2}{\sigma_{p,j}^2}

    Parameters
    ----------
    mu_q, logvar_q : array_like or Tensor, shape (..., J)
        Mean and log-variance :math:`\log\sigma_q^2` of the first Gaussian ``q``.
    mu_p, logvar_p : array_like or Tensor, shape (..., J)
        The same for the second Gaussian ``p``. The four arguments broadcast against each other.

    Returns
    -------
    Tensor, shape (...)
        The divergence in nats, :math:`\ge 0` (exactly 0 when the parameters are equal); a
        univariate Gaussian is the case ``J = 1``.

    Raises
    ------
    ValueError
        If an entry is NaN or infinite, or the shapes do not broadcast.

    Examples
    --------
    >>> normal_kl([1.0], [0.0], [0.0], [0.0])                  # unit variances: ½ (μ_q − μ_p)²
    tensor(0.5000, dtype=torch.float64)
    >>> normal_kl([0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0])
    tensor(0., dtype=torch.float64)

    Derived in Chapter 3, section "KL grows as two distributions move apart".
    """
    mu_q, logvar_q, mu_p, logvar_p = _finite(mu_q=mu_q, logvar_q=logvar_q, mu_p=mu_p, logvar_p=logvar_p)
    try:
        mu_q, logvar_q, mu_p, logvar_p = torch.broadcast_tensors(mu_q, logvar_q, mu_p, logvar_p)
    except RuntimeError as err:
        raise ValueError(f"the means and log-variances must broadcast: {err}") from None
    d = logvar_q - logvar_p  # log(σ_q²/σ_p²)
    # r − 1 − log r with r = e^d, as expm1(d) − d: no cancellation near r = 1, and ≥ 0 after the clamp
    width = (torch.expm1(d) - d).clamp_min(0)
    shift = (mu_q - mu_p).pow(2) * torch.exp(-logvar_p)  # (μ_q − μ_p)²/σ_p²
    return 0.5 * (width + shift).sum(-1)


def multivariate_normal_kl(
    mu_q: ArrayLike, cov_q: ArrayLike, mu_p: ArrayLike, cov_p: ArrayLike
) -> torch.Tensor:
    r"""KL divergence between two multivariate Gaussians with full covariance matrices.

    .. math::

        D_{\mathrm{KL}}\big(\mathcal N(\mu_q, \Sigma_q)\,\|\,\mathcal N(\mu_p, \Sigma_p)\big)
        = \tfrac12\Big(\operatorname{tr}(\Sigma_p^{-1}\Sigma_q)
        + (\mu_p - \mu_q)^\top \Sigma_p^{-1} (\mu_p - \mu_q) - J
        + \log\frac{\det\Sigma_p}{\det\Sigma_q}\Big)

    Parameters
    ----------
    mu_q : array_like or Tensor, shape (..., J)
    cov_q : array_like or Tensor, shape (..., J, J)
        Mean and covariance of ``q``, symmetric positive definite.
    mu_p : array_like or Tensor, shape (..., J)
    cov_p : array_like or Tensor, shape (..., J, J)
        Mean and covariance of ``p``. Leading axes broadcast.

    Returns
    -------
    Tensor, shape (...)
        The divergence in nats, :math:`\ge 0` (clamped at 0 against rounding when ``q = p``).

    Raises
    ------
    ValueError
        If an entry is NaN or infinite, a covariance is not square, symmetric and positive
        definite, or the dimensions ``J`` of the four arguments differ.

    Examples
    --------
    >>> multivariate_normal_kl([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    tensor(0.5000, dtype=torch.float64)

    Derived in Chapter 3, section "The variational-inference identity".
    """
    mu_q, cov_q, mu_p, cov_p = _finite(mu_q=mu_q, cov_q=cov_q, mu_p=mu_p, cov_p=cov_p)
    L_q, L_p = _cholesky(cov_q, "cov_q"), _cholesky(cov_p, "cov_p")
    J = L_p.shape[-1]
    for t, name in [(mu_q, "mu_q"), (mu_p, "mu_p"), (L_q, "cov_q")]:
        _last_dim(t, J, name, "J")
    # tr(Σ_p⁻¹Σ_q) = ‖L_p⁻¹L_q‖²_F and (μ_p − μ_q)ᵀΣ_p⁻¹(μ_p − μ_q) = ‖L_p⁻¹(μ_p − μ_q)‖²: no inverse formed
    trace = torch.linalg.solve_triangular(L_p, L_q, upper=False).pow(2).sum((-2, -1))
    u = torch.linalg.solve_triangular(L_p, (mu_p - mu_q).unsqueeze(-1), upper=False)  # (..., J, 1)
    mahalanobis = u.pow(2).sum((-2, -1))
    log_det_ratio = 2 * (_half_logdet(L_p) - _half_logdet(L_q))  # log det Σ_p − log det Σ_q
    # the sum is ≥ 0 (Gibbs); the clamp removes a rounding of a few ulp when q = p
    return (0.5 * (trace + mahalanobis - J + log_det_ratio)).clamp_min(0)


# ---------------------------------------------------------------------------------------------
# The linear-Gaussian latent model  z ~ N(0, I_J),  x | z ~ N(Wz + b, σ² I_D)
# ---------------------------------------------------------------------------------------------


def linear_gaussian_marginal(W: ArrayLike, b: ArrayLike, sigma: float) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Mean and covariance of the marginal :math:`p(x) = \int p(x\mid z)\,p(z)\,dz`.

    .. math::

        p(x) = \mathcal N\big(b,\ WW^\top + \sigma^2 I\big)

    Parameters
    ----------
    W : array_like or Tensor, shape (D, J)
        Decoder weights: the mean of ``x`` given ``z`` is ``W z + b``.
    b : array_like or Tensor, shape (D,)
        Decoder offset.
    sigma : float
        Noise standard deviation, ``> 0``.

    Returns
    -------
    mean : Tensor, shape (D,)
        ``b``.
    cov : Tensor, shape (D, D)
        :math:`WW^\top + \sigma^2 I`.

    Raises
    ------
    ValueError
        If an entry is NaN or infinite, ``W`` is not 2-D, ``b`` does not have shape (D,), or
        ``sigma`` is not one positive number.

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
    r"""Mean and covariance of the exact posterior :math:`p(z\mid x) = \mathcal N(m, S)`.

    .. math::

        S = \big(I + W^\top W/\sigma^2\big)^{-1}, \qquad m = S\,W^\top (x - b)/\sigma^2

    Parameters
    ----------
    x : array_like or Tensor, shape (..., D)
        Observations; leading axes are a batch.
    W : array_like or Tensor, shape (D, J)
    b : array_like or Tensor, shape (D,)
    sigma : float
        The model, as in :func:`linear_gaussian_marginal`.

    Returns
    -------
    mean : Tensor, shape (..., J)
        The posterior mean :math:`m` of each observation.
    cov : Tensor, shape (J, J)
        The posterior covariance :math:`S`, the same for every ``x``.

    Raises
    ------
    ValueError
        For a bad model (see :func:`linear_gaussian_marginal`), or ``x`` with a NaN or infinite
        entry or a last axis other than ``D``.

    Examples
    --------
    >>> mean, cov = linear_gaussian_posterior([3.0], [[1.0]], [0.0], 1.0)   # prior, likelihood weigh equally
    >>> mean, cov
    (tensor([1.5000], dtype=torch.float64), tensor([[0.5000]], dtype=torch.float64))

    Derived in Chapter 3, section "The variational-inference identity".
    """
    W, b, sigma = _model(W, b, sigma)
    (x,) = _finite(x=x)
    x = x.to(W.dtype)
    _last_dim(x, W.shape[0], "x", "D")
    # the log posterior is quadratic in z with precision Λ = I + WᵀW/σ² (prior plus likelihood)
    precision = torch.eye(W.shape[1], dtype=W.dtype) + W.mT @ W / sigma**2  # (J, J)
    L = torch.linalg.cholesky(precision)
    rhs = ((x - b) @ W / sigma**2).unsqueeze(-1)  # (..., J, 1): Wᵀ(x − b)/σ²
    mean = torch.cholesky_solve(rhs, L).squeeze(-1)  # (..., J); L broadcasts over the batch
    return mean, torch.cholesky_inverse(L)


def linear_gaussian_log_evidence(x: ArrayLike, W: ArrayLike, b: ArrayLike, sigma: float) -> torch.Tensor:
    r"""Log evidence (log marginal likelihood) of the linear-Gaussian model.

    .. math::

        \log p(x) = \log\mathcal N\big(x;\ b,\ WW^\top + \sigma^2 I\big)

    Parameters
    ----------
    x : array_like or Tensor, shape (..., D)
        Observations; leading axes are a batch.
    W, b, sigma
        The model, as in :func:`linear_gaussian_marginal`.

    Returns
    -------
    Tensor, shape (...)
        :math:`\log p(x)` in nats (a log density, so it can be positive).

    Raises
    ------
    ValueError
        As :func:`linear_gaussian_posterior`.

    Examples
    --------
    >>> linear_gaussian_log_evidence([0.0], [[0.0]], [0.0], 1.0)   # log N(0; 0, 1) = −½ log 2π
    tensor(-0.9189, dtype=torch.float64)

    Derived in Chapter 3, section "The variational-inference identity".
    """
    mean, cov = linear_gaussian_marginal(W, b, sigma)
    (x,) = _finite(x=x)
    x = x.to(mean.dtype)
    _last_dim(x, mean.shape[0], "x", "D")
    L = torch.linalg.cholesky(cov)  # WWᵀ + σ²I is positive definite for σ > 0
    u = torch.linalg.solve_triangular(L, (x - mean).unsqueeze(-1), upper=False)  # (..., D, 1)
    mahalanobis = u.pow(2).sum((-2, -1))  # (x − b)ᵀ(WWᵀ + σ²I)⁻¹(x − b)
    return -0.5 * (mean.shape[0] * LOG_2PI + mahalanobis) - _half_logdet(L)


def linear_gaussian_expected_log_likelihood(
    x: ArrayLike, W: ArrayLike, b: ArrayLike, sigma: float, mu_q: ArrayLike, cov_q: ArrayLike
) -> torch.Tensor:
    r"""Expected log-likelihood :math:`\mathbb E_{z\sim q}[\log p(x\mid z)]` for a Gaussian ``q``.

    With :math:`q = \mathcal N(\mu_q, \Sigma_q)` and the linear-Gaussian likelihood,

    .. math::

        \mathbb E_{q}\big[\log \mathcal N(x;\, Wz + b,\, \sigma^2 I)\big]
        = -\frac D2\log(2\pi\sigma^2)
          - \frac{\|x - W\mu_q - b\|^2 + \operatorname{tr}(W\Sigma_q W^\top)}{2\sigma^2}

    Parameters
    ----------
    x : array_like or Tensor, shape (..., D)
        Observations.
    W, b, sigma
        The model, as in :func:`linear_gaussian_marginal`.
    mu_q : array_like or Tensor, shape (..., J)
        Mean of ``q``.
    cov_q : array_like or Tensor, shape (..., J, J)
        Covariance of ``q``, symmetric positive definite. Leading axes broadcast with ``x``'s.

    Returns
    -------
    Tensor, shape (...)
        The expected log-likelihood in nats: the reconstruction term of the ELBO.

    Raises
    ------
    ValueError
        As :func:`linear_gaussian_posterior`, or for ``mu_q``/``cov_q`` of the wrong shape, or
        ``cov_q`` not symmetric positive definite.

    Examples
    --------
    >>> linear_gaussian_expected_log_likelihood([1.0], [[1.0]], [0.0], 1.0, [1.0], [[1.0]])  # −½ log 2π − ½
    tensor(-1.4189, dtype=torch.float64)

    Derived in Chapter 3, section "The variational-inference identity".
    """
    W, b, sigma = _model(W, b, sigma)
    x, mu_q, cov_q = (t.to(W.dtype) for t in _finite(x=x, mu_q=mu_q, cov_q=cov_q))
    _cholesky(cov_q, "cov_q")
    D, J = W.shape
    _last_dim(x, D, "x", "D")
    _last_dim(mu_q, J, "mu_q", "J")
    _last_dim(cov_q, J, "cov_q", "J")
    # z = μ + (z − μ): the mean's residual, plus the spread of Wz around Wμ, tr(W Σ_q Wᵀ)
    residual = (x - mu_q @ W.mT - b).pow(2).sum(-1)
    spread = (W @ cov_q @ W.mT).diagonal(dim1=-2, dim2=-1).sum(-1)
    return -0.5 * D * (LOG_2PI + torch.log(sigma**2)) - (residual + spread) / (2 * sigma**2)
