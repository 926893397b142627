r"""KL divergences between Gaussians, in closed form (Chapter 3).

Conventions, the same for every function here: arguments are lists, NumPy arrays or
tensors (lists and integer arrays become float64, and all arguments are promoted to one
floating dtype); a vector lies along the last axis (a covariance matrix along the last
two) and leading axes are a batch that broadcasts; results are in nats, torch tensors,
differentiable in every argument, and never negative. Bad input raises
:class:`ValueError`, naming the argument: a NaN or infinite entry, shapes that do not
broadcast or whose dimension ``J`` differs, a covariance that is not square, symmetric
and positive definite.

The VAE's special case, the KL from a diagonal Gaussian to the standard normal prior, is
:func:`lectures.gaussian_kl` (Chapter 4): the same closed form as :func:`normal_kl`, bit
for bit. The linear-Gaussian model, whose terms use these KLs, is
:mod:`lectures.linear_gaussian`.
"""

from __future__ import annotations

import torch

from ._numerics import diagonal_normal_kl, half_logdet
from ._validate import ArrayLike, as_finite_tensors, check_last_dim, cholesky

__all__ = ["normal_kl", "multivariate_normal_kl"]


def normal_kl(
    mu_q: ArrayLike, logvar_q: ArrayLike, mu_p: ArrayLike, logvar_p: ArrayLike
) -> torch.Tensor:
    r"""KL divergence between diagonal Gaussians, summed over the last axis.

    .. math::

        D_{\mathrm{KL}}\big(\mathcal N(\mu_q, \sigma_q^2)\,\|\,
        \mathcal N(\mu_p, \sigma_p^2)\big)
        = \sum_j \tfrac12\Big(r_j - 1 - \log r_j
          + \frac{(\mu_{q,j} - \mu_{p,j})^2}{\sigma_{p,j}^2}\Big),
        \qquad r_j = \frac{\sigma_{q,j}^2}{\sigma_{p,j}^2}

    Parameters
    ----------
    mu_q, logvar_q : array_like or Tensor, shape (..., J)
        Mean and log-variance :math:`\log\sigma_q^2` of the first Gaussian ``q``.
    mu_p, logvar_p : array_like or Tensor, shape (..., J)
        The same for the second Gaussian ``p``. The four arguments broadcast.

    Returns
    -------
    Tensor, shape (...)
        Exactly 0 when the parameters are equal; a univariate Gaussian is ``J = 1``.
        :math:`r - 1 - \log r` is computed as ``expm1(d) - d`` with ``d = log r``, so a
        tiny divergence keeps its digits.

    Examples
    --------
    >>> normal_kl([1.0], [0.0], [0.0], [0.0])           # unit variances: ½(μ_q − μ_p)²
    tensor(0.5000, dtype=torch.float64)
    >>> f"{normal_kl([0.0], [1e-9], [0.0], [0.0]).item():.3g}"   # ½(e^d − 1 − d) ≈ d²/4
    '2.5e-19'

    Derived in Chapter 3, section "KL grows as two distributions move apart".
    """
    mu_q, logvar_q, mu_p, logvar_p = as_finite_tensors(
        mu_q=mu_q, logvar_q=logvar_q, mu_p=mu_p, logvar_p=logvar_p
    )
    try:
        mu_q, logvar_q, mu_p, logvar_p = torch.broadcast_tensors(
            mu_q, logvar_q, mu_p, logvar_p
        )
    except RuntimeError as err:
        raise ValueError(f"the means and log-variances must broadcast: {err}") from None
    shift = (mu_q - mu_p).pow(2) * torch.exp(-logvar_p)  # (μ_q − μ_p)²/σ_p²
    return diagonal_normal_kl(shift, logvar_q - logvar_p)  # d = log(σ_q²/σ_p²)


def multivariate_normal_kl(
    mu_q: ArrayLike, cov_q: ArrayLike, mu_p: ArrayLike, cov_p: ArrayLike
) -> torch.Tensor:
    r"""KL divergence between two multivariate Gaussians with full covariance matrices.

    .. math::

        D_{\mathrm{KL}}\big(\mathcal N(\mu_q, \Sigma_q)\,\|\,
        \mathcal N(\mu_p, \Sigma_p)\big)
        = \tfrac12\Big(\operatorname{tr}(\Sigma_p^{-1}\Sigma_q)
        + (\mu_p - \mu_q)^\top \Sigma_p^{-1} (\mu_p - \mu_q) - J
        + \log\frac{\det\Sigma_p}{\det\Sigma_q}\Big)

    Parameters
    ----------
    mu_q : array_like or Tensor, shape (..., J)
    cov_q : array_like or Tensor, shape (..., J, J)
        Mean and covariance of ``q``.
    mu_p : array_like or Tensor, shape (..., J)
    cov_p : array_like or Tensor, shape (..., J, J)
        Mean and covariance of ``p``.

    Returns
    -------
    Tensor, shape (...)
        Clamped at 0 against rounding when ``q = p``.

    Examples
    --------
    >>> eye = [[1.0, 0.0], [0.0, 1.0]]
    >>> multivariate_normal_kl([1.0, 0.0], eye, [0.0, 0.0], eye)
    tensor(0.5000, dtype=torch.float64)

    Derived in Chapter 3, section "The variational-inference identity".
    """
    mu_q, cov_q, mu_p, cov_p = as_finite_tensors(
        mu_q=mu_q, cov_q=cov_q, mu_p=mu_p, cov_p=cov_p
    )
    L_q, L_p = cholesky(cov_q, "cov_q"), cholesky(cov_p, "cov_p")
    J = L_p.shape[-1]
    for t, name in [(mu_q, "mu_q"), (mu_p, "mu_p"), (L_q, "cov_q")]:
        check_last_dim(t, J, name, "J")
    # tr(Σ_p⁻¹Σ_q) = ‖L_p⁻¹L_q‖²_F and (μ_p − μ_q)ᵀΣ_p⁻¹(μ_p − μ_q) = ‖L_p⁻¹(μ_p −
    # μ_q)‖²: triangular solves, no inverse formed
    trace = torch.linalg.solve_triangular(L_p, L_q, upper=False).pow(2).sum((-2, -1))
    gap = (mu_p - mu_q).unsqueeze(-1)  # (..., J, 1)
    u = torch.linalg.solve_triangular(L_p, gap, upper=False)
    mahalanobis = u.pow(2).sum((-2, -1))
    log_det_ratio = 2 * (
        half_logdet(L_p) - half_logdet(L_q)
    )  # log det Σ_p − log det Σ_q
    # the sum is ≥ 0 (Gibbs); the clamp removes a rounding of a few ulp when q = p
    return (0.5 * (trace + mahalanobis - J + log_det_ratio)).clamp_min(0)
