"""Tests of :mod:`lectures.gaussian`: KL divergences between Gaussians in closed form.

* reference: ``torch.distributions`` (``Normal``, ``MultivariateNormal``,
  ``kl_divergence``), float64, batched;
* Monte Carlo: every closed form against a seeded simulation, within 4 standard errors;
* properties (Hypothesis): nonnegativity, zero exactly at equality;
* conventions, autograd, and bad input (one case per problem, message checked).
"""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import MultivariateNormal, Normal
from torch.distributions import kl_divergence as torch_kl

from lectures import multivariate_normal_kl, normal_kl
from tests.helpers import F64, close, mc_within, random_spd, reference_kl

# --------------------------------------------------------------------------------------
# normal_kl: diagonal Gaussians
# --------------------------------------------------------------------------------------


def test_normal_kl_matches_torch_independent_normal():
    g = torch.Generator().manual_seed(0)
    mu_q, logvar_q, mu_p, logvar_p = torch.randn(4, 5, 3, 7, generator=g, dtype=F64)
    ref = reference_kl(mu_q, logvar_q, mu_p, logvar_p)
    got = normal_kl(mu_q, logvar_q, mu_p, logvar_p)
    assert got.shape == (5, 3)
    close(got, ref)


def test_normal_kl_broadcasts_a_standard_normal_prior():
    g = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(2, 6, 4, generator=g, dtype=F64)
    to_prior = normal_kl(
        mu, logvar, 0.0, 0.0
    )  # the VAE's KL term: -½ Σ (1 + log σ² − μ² − σ²)
    close(to_prior, -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(-1))


def test_normal_kl_matches_monte_carlo():
    g = torch.Generator().manual_seed(2)
    params = [[0.3, -1.0], [0.2, -0.5], [0.0, 0.5], [0.0, 0.4]]
    mu_q, logvar_q, mu_p, logvar_p = torch.tensor(params, dtype=F64)
    sd_q, sd_p = (0.5 * logvar_q).exp(), (0.5 * logvar_p).exp()
    z = mu_q + sd_q * torch.randn(200_000, 2, generator=g, dtype=F64)
    log_ratio = (Normal(mu_q, sd_q).log_prob(z) - Normal(mu_p, sd_p).log_prob(z)).sum(
        -1
    )
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
    assert (
        normal_kl([mu], [logvar + nudge], [mu], [logvar]) >= 0
    )  # expm1 form: no -1e-17 from cancellation


def test_normal_kl_keeps_float32_and_gives_finite_gradients():
    args = [
        torch.tensor([0.1, -0.2], dtype=torch.float32, requires_grad=True)
        for _ in range(4)
    ]
    out = normal_kl(*args)
    assert out.dtype == torch.float32 and out.shape == ()
    assert all(torch.isfinite(g).all() for g in torch.autograd.grad(out, args))
    same = [torch.zeros(3, dtype=F64, requires_grad=True) for _ in range(4)]
    grads = torch.autograd.grad(normal_kl(*same), same)
    assert all(
        torch.equal(g, torch.zeros(3, dtype=F64)) for g in grads
    )  # a minimum: zero gradient


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


# --------------------------------------------------------------------------------------
# multivariate_normal_kl: full covariances
# --------------------------------------------------------------------------------------


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
    one_by_one = torch.stack(
        [multivariate_normal_kl(mu_q[i], cov_q[i], mu_p, cov_p) for i in range(5)]
    )
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
    z = (
        mu_q
        + torch.randn(200_000, 3, generator=g, dtype=F64)
        @ torch.linalg.cholesky(cov_q).T
    )
    mc_within(
        q.log_prob(z) - p.log_prob(z), multivariate_normal_kl(mu_q, cov_q, mu_p, cov_p)
    )


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
