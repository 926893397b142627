"""Tests of :mod:`lectures.gaussian`: Gaussian KL closed forms and the linear-Gaussian model.

* reference: ``torch.distributions`` (``Normal``, ``MultivariateNormal``, ``kl_divergence``) and
  the conditioning formula of a joint Gaussian, float64, batched;
* Monte Carlo: every closed form against a seeded simulation, within 4 standard errors;
* properties (Hypothesis): nonnegativity, zero exactly at equality, the VI identity and the ELBO bound;
* conventions, autograd, and bad input (one case per problem, message checked).
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Independent, MultivariateNormal, Normal
from torch.distributions import kl_divergence as torch_kl

from lectures import (
    linear_gaussian_expected_log_likelihood,
    linear_gaussian_log_evidence,
    linear_gaussian_marginal,
    linear_gaussian_posterior,
    multivariate_normal_kl,
    normal_kl,
)

F64 = torch.float64


def close(actual, expected, atol=1e-12, rtol=0.0):
    expected = torch.as_tensor(expected, dtype=F64)
    torch.testing.assert_close(torch.as_tensor(actual), expected, atol=atol, rtol=rtol)


def random_spd(g, *batch, J):
    """Random symmetric positive definite matrices, shape (*batch, J, J), eigenvalues ≥ 0.05."""
    A = torch.randn(*batch, J, J, generator=g, dtype=F64)
    return A @ A.mT / J + 0.05 * torch.eye(J, dtype=F64)


def random_model(seed, D=4, J=2, sigma=0.5):
    """A seeded linear-Gaussian model and one observation drawn from it."""
    g = torch.Generator().manual_seed(seed)
    W, b = torch.randn(D, J, generator=g, dtype=F64), torch.randn(D, generator=g, dtype=F64)
    x = W @ torch.randn(J, generator=g, dtype=F64) + b + sigma * torch.randn(D, generator=g, dtype=F64)
    return g, W, b, sigma, x


def mc_within(samples, exact, n_se=4.0):
    """Assert the mean of ``samples`` is within ``n_se`` standard errors of ``exact``."""
    est, se = samples.mean(), samples.std() / math.sqrt(samples.numel())
    assert abs(est - exact) < n_se * se, f"{est:.6f} ± {se:.6f} vs {float(exact):.6f}"


# ---------------------------------------------------------------------------------------------
# normal_kl: diagonal Gaussians
# ---------------------------------------------------------------------------------------------


def test_normal_kl_matches_torch_independent_normal():
    g = torch.Generator().manual_seed(0)
    mu_q, logvar_q, mu_p, logvar_p = torch.randn(4, 5, 3, 7, generator=g, dtype=F64)
    ref = torch_kl(
        Independent(Normal(mu_q, (0.5 * logvar_q).exp()), 1),
        Independent(Normal(mu_p, (0.5 * logvar_p).exp()), 1),
    )
    got = normal_kl(mu_q, logvar_q, mu_p, logvar_p)
    assert got.shape == (5, 3)
    close(got, ref)


def test_normal_kl_broadcasts_a_standard_normal_prior():
    g = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(2, 6, 4, generator=g, dtype=F64)
    to_prior = normal_kl(mu, logvar, 0.0, 0.0)  # the VAE's KL term: -½ Σ (1 + log σ² − μ² − σ²)
    close(to_prior, -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(-1))


def test_normal_kl_matches_monte_carlo():
    g = torch.Generator().manual_seed(2)
    params = [[0.3, -1.0], [0.2, -0.5], [0.0, 0.5], [0.0, 0.4]]
    mu_q, logvar_q, mu_p, logvar_p = torch.tensor(params, dtype=F64)
    sd_q, sd_p = (0.5 * logvar_q).exp(), (0.5 * logvar_p).exp()
    z = mu_q + sd_q * torch.randn(200_000, 2, generator=g, dtype=F64)
    log_ratio = (Normal(mu_q, sd_q).log_prob(z) - Normal(mu_p, sd_p).log_prob(z)).sum(-1)
    mc_within(log_ratio, normal_kl(mu_q, logvar_q, mu_p, logvar_p))


def test_normal_kl_exact_values():
    assert normal_kl([2.0], [0.0], [0.0], [0.0]) == 2.0  # ½ Δ² for unit variances
    close(normal_kl([0.0], [math.log(4.0)], [0.0], [0.0]), 0.5 * (4 - 1 - math.log(4)))
    assert normal_kl([0.5, -0.5], [0.3, 0.1], [0.5, -0.5], [0.3, 0.1]) == 0.0


@given(
    st.lists(st.floats(-5, 5), min_size=4, max_size=4),
    st.floats(-1e-9, 1e-9),
)
def test_normal_kl_nonnegative_even_next_to_equality(values, nudge):
    mu, logvar, mu_p, logvar_p = values
    assert normal_kl([mu], [logvar], [mu_p], [logvar_p]) >= 0
    assert normal_kl([mu], [logvar + nudge], [mu], [logvar]) >= 0  # expm1 form: no -1e-17 from cancellation


def test_normal_kl_keeps_float32_and_gives_finite_gradients():
    args = [torch.tensor([0.1, -0.2], dtype=torch.float32, requires_grad=True) for _ in range(4)]
    out = normal_kl(*args)
    assert out.dtype == torch.float32 and out.shape == ()
    assert all(torch.isfinite(g).all() for g in torch.autograd.grad(out, args))
    same = [torch.zeros(3, dtype=F64, requires_grad=True) for _ in range(4)]
    grads = torch.autograd.grad(normal_kl(*same), same)
    assert all(torch.equal(g, torch.zeros(3, dtype=F64)) for g in grads)  # a minimum: zero gradient


@pytest.mark.parametrize(
    "args, msg",
    [
        (([float("nan")], [0.0], [0.0], [0.0]), "mu_q has a NaN"),
        (([0.0], [float("inf")], [0.0], [0.0]), "logvar_q has a NaN or infinite"),
        (([0.0, 1.0], [0.0, 0.0, 0.0], [0.0], [0.0]), "broadcast"),
    ],
    ids=["nan", "inf", "shapes"],
)
def test_normal_kl_rejects(args, msg):
    with pytest.raises(ValueError, match=msg):
        normal_kl(*args)


# ---------------------------------------------------------------------------------------------
# multivariate_normal_kl: full covariances
# ---------------------------------------------------------------------------------------------


def test_multivariate_normal_kl_matches_torch():
    g = torch.Generator().manual_seed(3)
    mu_q, mu_p = torch.randn(2, 6, 3, generator=g, dtype=F64)
    cov_q, cov_p = random_spd(g, 6, J=3), random_spd(g, 6, J=3)
    ref = torch_kl(MultivariateNormal(mu_q, cov_q), MultivariateNormal(mu_p, cov_p))
    close(multivariate_normal_kl(mu_q, cov_q, mu_p, cov_p), ref, atol=1e-10)


def test_multivariate_normal_kl_broadcasts_one_reference():
    g = torch.Generator().manual_seed(4)
    mu_q, cov_q = torch.randn(5, 2, generator=g, dtype=F64), random_spd(g, 5, J=2)
    mu_p, cov_p = torch.zeros(2, dtype=F64), torch.eye(2, dtype=F64)
    got = multivariate_normal_kl(mu_q, cov_q, mu_p, cov_p)
    one_by_one = torch.stack([multivariate_normal_kl(mu_q[i], cov_q[i], mu_p, cov_p) for i in range(5)])
    assert got.shape == (5,)
    close(got, one_by_one)


def test_multivariate_normal_kl_reduces_to_normal_kl_for_diagonal_covariances():
    g = torch.Generator().manual_seed(5)
    mu_q, logvar_q, mu_p, logvar_p = torch.randn(4, 3, 4, generator=g, dtype=F64)
    cov_q, cov_p = torch.diag_embed(logvar_q.exp()), torch.diag_embed(logvar_p.exp())
    full = multivariate_normal_kl(mu_q, cov_q, mu_p, cov_p)
    close(full, normal_kl(mu_q, logvar_q, mu_p, logvar_p))


def test_multivariate_normal_kl_matches_monte_carlo():
    g = torch.Generator().manual_seed(6)
    mu_q, mu_p = torch.randn(2, 3, generator=g, dtype=F64)
    cov_q, cov_p = random_spd(g, J=3), random_spd(g, J=3)
    q, p = MultivariateNormal(mu_q, cov_q), MultivariateNormal(mu_p, cov_p)
    z = mu_q + torch.randn(200_000, 3, generator=g, dtype=F64) @ torch.linalg.cholesky(cov_q).T
    mc_within(q.log_prob(z) - p.log_prob(z), multivariate_normal_kl(mu_q, cov_q, mu_p, cov_p))


@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_multivariate_normal_kl_agrees_with_torch_and_is_zero_at_equality(seed, J):
    g = torch.Generator().manual_seed(seed)
    mu_q, mu_p = torch.randn(2, J, generator=g, dtype=F64)
    cov_q, cov_p = random_spd(g, J=J), random_spd(g, J=J)
    kl = multivariate_normal_kl(mu_q, cov_q, mu_p, cov_p)
    ref = torch_kl(MultivariateNormal(mu_q, cov_q), MultivariateNormal(mu_p, cov_p))
    close(kl, ref, atol=1e-10, rtol=1e-12)
    assert kl > 0  # Gibbs: random q and p differ
    assert multivariate_normal_kl(mu_q, cov_q, mu_q, cov_q) == 0


@pytest.mark.parametrize(
    "cov_q, mu_q, msg",
    [
        ([[1.0, 0.5], [0.0, 1.0]], [0.0, 0.0], "cov_q must be symmetric"),
        ([[1.0, 2.0], [2.0, 1.0]], [0.0, 0.0], "cov_q must be positive definite"),
        ([1.0, 1.0], [0.0, 0.0], "cov_q must be a square matrix"),
        ([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0, 0.0], "mu_q must have last axis J = 2"),
        ([[1.0, 0.0], [0.0, float("nan")]], [0.0, 0.0], "cov_q has a NaN"),
    ],
    ids=["asymmetric", "indefinite", "not-square", "dimension", "nan"],
)
def test_multivariate_normal_kl_rejects(cov_q, mu_q, msg):
    with pytest.raises(ValueError, match=msg):
        multivariate_normal_kl(mu_q, cov_q, [0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])


# ---------------------------------------------------------------------------------------------
# The linear-Gaussian model: marginal, posterior, evidence, expected log-likelihood
# ---------------------------------------------------------------------------------------------


def test_marginal_matches_simulation():
    g, W, b, sigma, _ = random_model(7, D=3, J=2)
    n = 200_000
    z = torch.randn(n, 2, generator=g, dtype=F64)
    x = z @ W.T + b + sigma * torch.randn(n, 3, generator=g, dtype=F64)
    mean, cov = linear_gaussian_marginal(W, b, sigma)
    for d in range(3):
        mc_within(x[:, d], mean[d])
    close(torch.cov(x.T), cov, atol=0.05)  # sample covariance: error ~ |Σ| sqrt(2/n) ≈ 0.01


def test_log_evidence_matches_multivariate_normal_batched():
    g, W, b, sigma, _ = random_model(8)
    x = torch.randn(5, 3, 4, generator=g, dtype=F64)
    mean, cov = linear_gaussian_marginal(W, b, sigma)
    got = linear_gaussian_log_evidence(x, W, b, sigma)
    assert got.shape == (5, 3)
    close(got, MultivariateNormal(mean, cov).log_prob(x))


def test_evidence_is_the_prior_average_of_the_likelihood():
    g, W, b, sigma, x = random_model(9, D=2, J=2, sigma=1.0)
    z = torch.randn(400_000, 2, generator=g, dtype=F64)
    likelihood = Normal(z @ W.T + b, sigma).log_prob(x).sum(-1).exp()  # p(x|z), z ~ p(z)
    mc_within(likelihood, linear_gaussian_log_evidence(x, W, b, sigma).exp())


def test_posterior_matches_joint_gaussian_conditioning():
    _, W, b, sigma, x = random_model(10)
    mean, cov = linear_gaussian_posterior(x, W, b, sigma)
    _, cov_x = linear_gaussian_marginal(W, b, sigma)
    gain = W.T @ torch.linalg.inv(cov_x)  # Σ_zx Σ_xx⁻¹, with Σ_zx = Wᵀ
    close(mean, gain @ (x - b))
    close(cov, torch.eye(2, dtype=F64) - gain @ W)


def test_posterior_satisfies_bayes_rule_at_every_z():
    g, W, b, sigma, x = random_model(11)
    m, S = linear_gaussian_posterior(x, W, b, sigma)
    z = 2 * torch.randn(20, 2, generator=g, dtype=F64)
    log_joint = Normal(z @ W.T + b, sigma).log_prob(x).sum(-1) + Normal(0.0, 1.0).log_prob(z).sum(-1)
    log_px = linear_gaussian_log_evidence(x, W, b, sigma)
    close(log_joint - MultivariateNormal(m, S).log_prob(z), log_px.expand(20))


def test_posterior_matches_simulation_of_the_joint():
    # draw (z, x) from the model; z − m(x) has mean 0 and covariance S for every x
    g, W, b, sigma, _ = random_model(12, D=3, J=2)
    n = 200_000
    z = torch.randn(n, 2, generator=g, dtype=F64)
    x = z @ W.T + b + sigma * torch.randn(n, 3, generator=g, dtype=F64)
    m, S = linear_gaussian_posterior(x, W, b, sigma)
    assert m.shape == (n, 2) and S.shape == (2, 2)
    residual = z - m
    for j in range(2):
        mc_within(residual[:, j], 0.0)
    close(torch.cov(residual.T), S, atol=5 * float(S.abs().max()) * math.sqrt(2 / n))


def test_expected_log_likelihood_matches_monte_carlo():
    g, W, b, sigma, x = random_model(13)
    mu_q, cov_q = torch.randn(2, generator=g, dtype=F64), random_spd(g, J=2)
    z = mu_q + torch.randn(200_000, 2, generator=g, dtype=F64) @ torch.linalg.cholesky(cov_q).T
    log_lik = Normal(z @ W.T + b, sigma).log_prob(x).sum(-1)
    mc_within(log_lik, linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu_q, cov_q))


def test_expected_log_likelihood_batches_over_q():
    g, W, b, sigma, x = random_model(14)
    mu_q, cov_q = torch.randn(6, 2, generator=g, dtype=F64), random_spd(g, 6, J=2)
    got = linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu_q, cov_q)
    one_by_one = [linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu, cov)
                  for mu, cov in zip(mu_q, cov_q)]
    assert got.shape == (6,)
    close(got, torch.stack(one_by_one))


@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 3), st.floats(0.1, 3.0))
def test_vi_identity_and_elbo_bound(seed, D, J, sigma):
    g = torch.Generator().manual_seed(seed)
    W, b = torch.randn(D, J, generator=g, dtype=F64), torch.randn(D, generator=g, dtype=F64)
    x = torch.randn(D, generator=g, dtype=F64)
    mu_q, cov_q = torch.randn(J, generator=g, dtype=F64), random_spd(g, J=J)
    m, S = linear_gaussian_posterior(x, W, b, sigma)
    log_px = linear_gaussian_log_evidence(x, W, b, sigma)
    prior = (torch.zeros(J, dtype=F64), torch.eye(J, dtype=F64))

    lhs = multivariate_normal_kl(mu_q, cov_q, m, S)  # D_KL(q || p(z|x))
    ell = linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu_q, cov_q)
    rhs = multivariate_normal_kl(mu_q, cov_q, *prior) + log_px - ell
    close(lhs, rhs, atol=1e-9, rtol=1e-12)

    elbo_at_posterior = (linear_gaussian_expected_log_likelihood(x, W, b, sigma, m, S)
                         - multivariate_normal_kl(m, S, *prior))
    assert ell - multivariate_normal_kl(mu_q, cov_q, *prior) <= log_px + 1e-9
    close(elbo_at_posterior, log_px, atol=1e-9)


def test_identity_terms_have_finite_gradients():
    _, W, b, sigma, x = random_model(15)
    mu_q = torch.tensor([0.1, -0.2], dtype=F64, requires_grad=True)
    L = torch.tensor([[1.0, 0.0], [0.3, 0.5]], dtype=F64, requires_grad=True)
    cov_q = L @ L.T
    W = W.clone().requires_grad_()
    _, S = linear_gaussian_posterior(x, W, b, sigma)
    total = (
        multivariate_normal_kl(mu_q, cov_q, torch.zeros(2, dtype=F64), S)
        + linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu_q, cov_q)
        + linear_gaussian_log_evidence(x, W, b, sigma)
    )
    grads = torch.autograd.grad(total, (mu_q, L, W))
    assert all(torch.isfinite(gr).all() for gr in grads)


def test_lists_give_float64():
    mean, cov = linear_gaussian_marginal([[1, 0], [0, 1]], [0, 0], 1)
    assert mean.dtype == cov.dtype == F64
    assert linear_gaussian_log_evidence([0, 0], [[1, 0], [0, 1]], [0, 0], 1).dtype == F64


@pytest.mark.parametrize(
    "call, msg",
    [
        (lambda: linear_gaussian_marginal([[1.0]], [0.0], 0.0), "sigma must be one positive number"),
        (lambda: linear_gaussian_marginal([[1.0]], [0.0], [1.0, 2.0]), "sigma must be one positive number"),
        (lambda: linear_gaussian_marginal([1.0, 2.0], [0.0], 1.0), r"W must be a \(D, J\) matrix"),
        (lambda: linear_gaussian_marginal([[1.0], [2.0]], [0.0], 1.0), r"b must have shape \(D,\)"),
        (lambda: linear_gaussian_posterior([0.0, 1.0], [[1.0]], [0.0], 1.0), "x must have last axis D = 1"),
        (lambda: linear_gaussian_log_evidence([float("nan")], [[1.0]], [0.0], 1.0), "x has a NaN"),
        (lambda: linear_gaussian_expected_log_likelihood([0.0], [[1.0]], [0.0], 1.0, [0.0, 0.0], [[1.0]]),
         "mu_q must have last axis J = 1"),
        (lambda: linear_gaussian_expected_log_likelihood([0.0], [[1.0]], [0.0], 1.0, [0.0], [[-1.0]]),
         "cov_q must be positive definite"),
    ],
    ids=["sigma-zero", "sigma-vector", "W-1d", "b-shape", "x-shape", "x-nan", "mu_q-shape", "cov_q-not-pd"],
)
def test_linear_gaussian_rejects(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_numpy_input_agrees_with_tensor_input():
    _, W, b, sigma, x = random_model(16)
    from_numpy = linear_gaussian_log_evidence(x.numpy(), W.numpy(), b.numpy(), sigma)
    assert torch.equal(from_numpy, linear_gaussian_log_evidence(x, W, b, sigma))
    assert np.isfinite(from_numpy.item())
