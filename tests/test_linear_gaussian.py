"""Tests of :mod:`lectures.linear_gaussian`: the linear-Gaussian latent model.

* reference: ``torch.distributions.MultivariateNormal`` and the conditioning formula of
  a joint Gaussian, float64, batched;
* Monte Carlo: marginal, evidence, posterior and expected log-likelihood against seeded
  simulations, within 4 standard errors;
* properties (Hypothesis): the variational-inference identity and the ELBO bound;
* conventions, autograd, and bad input (one case per problem, message checked).
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import MultivariateNormal, Normal

from lectures import (
    linear_gaussian_expected_log_likelihood,
    linear_gaussian_log_evidence,
    linear_gaussian_marginal,
    linear_gaussian_posterior,
    multivariate_normal_kl,
)
from tests.helpers import F64, close, mc_within, random_spd


def random_model(seed, D=4, J=2, sigma=0.5):
    """A seeded linear-Gaussian model and one observation drawn from it."""
    g = torch.Generator().manual_seed(seed)
    W, b = (
        torch.randn(D, J, generator=g, dtype=F64),
        torch.randn(D, generator=g, dtype=F64),
    )
    x = (
        W @ torch.randn(J, generator=g, dtype=F64)
        + b
        + sigma * torch.randn(D, generator=g, dtype=F64)
    )
    return g, W, b, sigma, x


# --------------------------------------------------------------------------------------
# The linear-Gaussian model: marginal, posterior, evidence, expected log-likelihood
# --------------------------------------------------------------------------------------


def test_marginal_matches_simulation():
    g, W, b, sigma, _ = random_model(7, D=3, J=2)
    n = 200_000
    z = torch.randn(n, 2, generator=g, dtype=F64)
    x = z @ W.T + b + sigma * torch.randn(n, 3, generator=g, dtype=F64)
    mean, cov = linear_gaussian_marginal(W, b, sigma)
    for d in range(3):
        mc_within(x[:, d], mean[d])
    close(
        torch.cov(x.T), cov, atol=0.05
    )  # sample covariance: error ~ |Σ| sqrt(2/n) ≈ 0.01


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
    likelihood = (
        Normal(z @ W.T + b, sigma).log_prob(x).sum(-1).exp()
    )  # p(x|z), z ~ p(z)
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
    log_joint = Normal(z @ W.T + b, sigma).log_prob(x).sum(-1) + Normal(
        0.0, 1.0
    ).log_prob(z).sum(-1)
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
    z = (
        mu_q
        + torch.randn(200_000, 2, generator=g, dtype=F64)
        @ torch.linalg.cholesky(cov_q).T
    )
    log_lik = Normal(z @ W.T + b, sigma).log_prob(x).sum(-1)
    mc_within(
        log_lik, linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu_q, cov_q)
    )


def test_expected_log_likelihood_batches_over_q():
    g, W, b, sigma, x = random_model(14)
    mu_q, cov_q = torch.randn(6, 2, generator=g, dtype=F64), random_spd(g, 6, J=2)
    got = linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu_q, cov_q)
    one_by_one = [
        linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu, cov)
        for mu, cov in zip(mu_q, cov_q, strict=True)
    ]
    assert got.shape == (6,)
    close(got, torch.stack(one_by_one))


@given(
    st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 3), st.floats(0.1, 3.0)
)
def test_vi_identity_and_elbo_bound(seed, D, J, sigma):
    g = torch.Generator().manual_seed(seed)
    W, b = (
        torch.randn(D, J, generator=g, dtype=F64),
        torch.randn(D, generator=g, dtype=F64),
    )
    x = torch.randn(D, generator=g, dtype=F64)
    mu_q, cov_q = torch.randn(J, generator=g, dtype=F64), random_spd(g, J=J)
    m, S = linear_gaussian_posterior(x, W, b, sigma)
    log_px = linear_gaussian_log_evidence(x, W, b, sigma)
    prior = (torch.zeros(J, dtype=F64), torch.eye(J, dtype=F64))

    lhs = multivariate_normal_kl(mu_q, cov_q, m, S)  # D_KL(q || p(z|x))
    ell = linear_gaussian_expected_log_likelihood(x, W, b, sigma, mu_q, cov_q)
    rhs = multivariate_normal_kl(mu_q, cov_q, *prior) + log_px - ell
    close(lhs, rhs, atol=1e-9, rtol=1e-12)

    elbo_at_posterior = linear_gaussian_expected_log_likelihood(
        x, W, b, sigma, m, S
    ) - multivariate_normal_kl(m, S, *prior)
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
    assert (
        linear_gaussian_log_evidence([0, 0], [[1, 0], [0, 1]], [0, 0], 1).dtype == F64
    )


@pytest.mark.parametrize(
    "call, msg",
    [
        (
            lambda: linear_gaussian_marginal([[1.0]], [0.0], 0.0),
            "sigma must be one positive number",
        ),
        (
            lambda: linear_gaussian_marginal([[1.0]], [0.0], [1.0, 2.0]),
            "sigma must be one positive number",
        ),
        (
            lambda: linear_gaussian_marginal([1.0, 2.0], [0.0], 1.0),
            r"W must be a \(D, J\) matrix",
        ),
        (
            lambda: linear_gaussian_marginal([[1.0], [2.0]], [0.0], 1.0),
            r"b must have shape \(D,\)",
        ),
        (
            lambda: linear_gaussian_posterior([0.0, 1.0], [[1.0]], [0.0], 1.0),
            "x must have last axis D = 1",
        ),
        (
            lambda: linear_gaussian_log_evidence([float("nan")], [[1.0]], [0.0], 1.0),
            "x has a NaN",
        ),
        (
            lambda: linear_gaussian_expected_log_likelihood(
                [0.0], [[1.0]], [0.0], 1.0, [0.0, 0.0], [[1.0]]
            ),
            "mu_q must have last axis J = 1",
        ),
        (
            lambda: linear_gaussian_expected_log_likelihood(
                [0.0], [[1.0]], [0.0], 1.0, [0.0], [[-1.0]]
            ),
            "cov_q must be positive definite",
        ),
    ],
    ids=[
        "sigma-zero",
        "sigma-vector",
        "W-1d",
        "b-shape",
        "x-shape",
        "x-nan",
        "mu_q-shape",
        "cov_q-not-pd",
    ],
)
def test_linear_gaussian_rejects(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_numpy_input_agrees_with_tensor_input():
    _, W, b, sigma, x = random_model(16)
    from_numpy = linear_gaussian_log_evidence(x.numpy(), W.numpy(), b.numpy(), sigma)
    assert torch.equal(from_numpy, linear_gaussian_log_evidence(x, W, b, sigma))
    assert np.isfinite(from_numpy.item())
