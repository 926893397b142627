"""Tests of :mod:`lectures.vae`, in the three kinds of style.md §22:

* reference — ``gaussian_kl`` against ``torch.distributions.kl_divergence`` and SciPy
  quadrature; ``negative_elbo`` against ``Bernoulli.log_prob``; the ELBO and IWAE
  estimators against the exact ``log p(x)`` and ELBO of a one-dimensional latent model
  (Gauss–Hermite quadrature);
* property — Hypothesis: the KL is nonnegative and zero only at the prior; reductions
  agree;
* Monte Carlo — reparameterised draws and gradients within 4 standard errors;
* bad input — one case per problem, message checked; autograd finite.

The training loop is tested in ``test_training.py``.
"""

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch.distributions import Bernoulli, Independent

from lectures import (
    VAE,
    elbo,
    gaussian_kl,
    iwae_bound,
    log_importance_weights,
    negative_elbo,
    normal_kl,
    reparameterize,
)
from tests.helpers import F64, diagonal_gaussian, reference_kl


def latent_pairs(max_j: int = 6):
    """(mu, logvar) float64 arrays of one shape (B, J), moderate values."""
    values = st.floats(-5, 5, allow_nan=False, allow_subnormal=False)
    shape = st.tuples(st.integers(1, 4), st.integers(1, max_j))
    return shape.flatmap(
        lambda s: st.tuples(
            arrays(np.float64, s, elements=values),
            arrays(np.float64, s, elements=values),
        )
    )


def tiny_model(seed=0, data_dim=3, hidden_dim=8, latent_dim=1):
    return VAE(
        data_dim, hidden_dim, latent_dim, generator=torch.Generator().manual_seed(seed)
    ).double()


def exact_log_px_and_elbo(model, x, n=200_001, width=12.0):
    """log p(x) and the ELBO of a J = 1 model by the trapezoid rule on a fine grid
    (float64).

    The decoder is piecewise linear in z (ReLU), so the integrands have kinks; a grid
    step of ~1e-4 still puts the error far below the tolerances used here (checked by
    halving the step).
    """
    with torch.no_grad():

        def log_lik(z):  # z (n, B) → log p(x | z), (n, B)
            logits = model.decode(z[..., None])
            return -torch.nn.functional.binary_cross_entropy_with_logits(
                logits, x.expand_as(logits), reduction="none"
            ).sum(-1)

        t = torch.linspace(-width, width, n, dtype=F64)
        h = t[1] - t[0]
        log_trap = torch.full_like(t, math.log(h))
        log_trap[[0, -1]] -= math.log(2)  # noqa: E702
        log_prior = -0.5 * (t**2 + math.log(2 * math.pi))
        log_px = torch.logsumexp(
            log_lik(t[:, None].expand(n, len(x))) + (log_prior + log_trap)[:, None], 0
        )
        mu, logvar = model.encode(x)
        z = (
            mu[:, 0] + (0.5 * logvar[:, 0]).exp() * t[:, None]
        )  # q's grid in standard units, (n, B)
        expected_rec = (log_lik(z) * (log_prior + log_trap).exp()[:, None]).sum(0)
        return log_px, expected_rec - gaussian_kl(mu, logvar)


# --- gaussian_kl
# --------------------------------------------------------------------------------


def test_gaussian_kl_matches_torch_distributions(rng):
    mu, logvar = (
        torch.tensor(rng.normal(size=(5, 7, 20))),
        torch.tensor(rng.normal(size=(5, 7, 20))),
    )
    ours = gaussian_kl(mu, logvar)
    assert ours.shape == (5, 7)
    torch.testing.assert_close(ours, reference_kl(mu, logvar), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "mu, logvar", [(0.0, 0.0), (1.5, 0.0), (0.0, math.log(4.0)), (-0.7, -2.3)]
)
def test_gaussian_kl_matches_quadrature(mu, logvar):
    sd = math.exp(0.5 * logvar)
    q = scipy.stats.norm(mu, sd)
    integrand = lambda z: q.pdf(z) * (q.logpdf(z) - scipy.stats.norm.logpdf(z))  # noqa: E731
    value, _ = scipy.integrate.quad(
        integrand, mu - 40 * sd, mu + 40 * sd, epsabs=1e-14, epsrel=1e-13, limit=200
    )
    assert abs(gaussian_kl([mu], [logvar]).item() - value) < 1e-10


@given(latent_pairs())
def test_gaussian_kl_nonnegative_and_matches_reference(pair):
    mu, logvar = map(torch.from_numpy, pair)
    kl = gaussian_kl(mu, logvar)
    assert (kl >= 0).all()
    torch.testing.assert_close(kl, reference_kl(mu, logvar), rtol=1e-12, atol=1e-12)


def test_gaussian_kl_is_normal_kl_to_the_prior_bit_for_bit(rng):
    mu, logvar = (
        torch.tensor(rng.normal(size=(6, 5))),
        torch.tensor(3 * rng.normal(size=(6, 5))),
    )
    assert torch.equal(gaussian_kl(mu, logvar), normal_kl(mu, logvar, 0.0, 0.0))


@pytest.mark.parametrize("d", [1e-9, -1e-9, 1e-6, 1e-4])
def test_gaussian_kl_keeps_its_digits_next_to_the_prior(d):
    # ½(e^d − 1 − d) = d²/4 + d³/12 + ...; the naive 1 + d − e^d cancels to 0 at 1e-9
    exact = d**2 / 4 + d**3 / 12 + d**4 / 48
    assert gaussian_kl([0.0], [d]).item() == pytest.approx(exact, rel=1e-6)


def test_gaussian_kl_zero_only_at_prior():
    assert gaussian_kl(torch.zeros(3, 4), torch.zeros(3, 4)).eq(0).all()
    assert gaussian_kl([1e-4], [0.0]).item() == pytest.approx(0.5e-8, rel=1e-12)
    assert gaussian_kl([0.0], [1e-3]).item() > 0


def test_gaussian_kl_gradient_is_analytic(rng):
    mu = torch.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    logvar = torch.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    gaussian_kl(mu, logvar).sum().backward()
    torch.testing.assert_close(mu.grad, mu.detach(), rtol=0, atol=1e-15)
    torch.testing.assert_close(
        logvar.grad, 0.5 * (logvar.detach().exp() - 1), rtol=0, atol=1e-15
    )


def test_gaussian_kl_float32_and_lists():
    assert (
        gaussian_kl(
            torch.zeros(2, dtype=torch.float32), torch.zeros(2, dtype=torch.float32)
        ).dtype
        == torch.float32
    )
    assert gaussian_kl([0.5, 0.5], [0.0, 0.0]).dtype == F64


@pytest.mark.parametrize(
    "mu, logvar, msg",
    [
        ([float("nan")], [0.0], "mu has a NaN"),
        ([0.0], [float("inf")], "logvar has a NaN or infinite"),
        ([0.0, 1.0], [0.0], "mu and logvar must have the same shape"),
    ],
)
def test_gaussian_kl_rejects(mu, logvar, msg):
    with pytest.raises(ValueError, match=msg):
        gaussian_kl(mu, logvar)


# --- reparameterize
# -----------------------------------------------------------------------------


def test_reparameterize_is_mu_plus_sigma_eps():
    mu, logvar = torch.tensor([[0.5, -1.0]]), torch.tensor([[math.log(4.0), 0.0]])
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(3))
    eps = torch.randn(
        (1, 2), generator=torch.Generator().manual_seed(3), dtype=mu.dtype
    )
    torch.testing.assert_close(z, mu + torch.tensor([[2.0, 1.0]]) * eps, rtol=0, atol=0)


def test_reparameterize_moments_within_standard_errors():
    n = 200_000
    mu, logvar = (
        torch.full((n, 1), 1.5, dtype=F64),
        torch.full((n, 1), math.log(0.25), dtype=F64),
    )
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    assert abs((z.mean() - 1.5) / (z.std() / math.sqrt(n))) < 4
    var_se = math.sqrt(2 / (n - 1)) * 0.25  # of a Gaussian sample variance
    assert abs((z.var() - 0.25) / var_se) < 4


def test_reparameterize_gradient_matches_analytic():
    # E[sin z] = sin(μ) e^{-σ²/2}:
    # d/dμ = cos(μ) e^{-σ²/2}, d/dlogσ² = -½ σ² sin(μ) e^{-σ²/2}
    n, m, lv = 400_000, 0.8, math.log(0.5)
    mu = torch.full((n, 1), m, dtype=F64, requires_grad=True)
    logvar = torch.full((n, 1), lv, dtype=F64, requires_grad=True)
    f = torch.sin(reparameterize(mu, logvar, torch.Generator().manual_seed(1)))
    f.sum().backward()  # per-sample gradients, one row each
    s2 = math.exp(lv)
    exact = [
        math.cos(m) * math.exp(-s2 / 2),
        -0.5 * s2 * math.sin(m) * math.exp(-s2 / 2),
    ]
    for g, e in zip((mu.grad, logvar.grad), exact, strict=True):
        assert abs((g.mean() - e) / (g.std() / math.sqrt(n))) < 4


def test_reparameterize_same_generator_same_draw():
    mu, logvar = torch.zeros(5, 3), torch.zeros(5, 3)
    a = reparameterize(mu, logvar, torch.Generator().manual_seed(9))
    b = reparameterize(mu, logvar, torch.Generator().manual_seed(9))
    assert torch.equal(a, b)


# --- the model
# --------------------------------------------------------------------------------


def test_vae_shapes():
    model = VAE(64, 32, 5, generator=torch.Generator().manual_seed(0))
    x = torch.rand(7, 64, dtype=torch.get_default_dtype())
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (7, 5)
    assert model.decode(torch.zeros(3, 7, 5)).shape == (3, 7, 64)
    logits, mu2, logvar2 = model(x, torch.Generator().manual_seed(1))
    assert (
        logits.shape == (7, 64)
        and torch.equal(mu, mu2)
        and torch.equal(logvar, logvar2)
    )


def test_vae_seeded_initialisation_is_reproducible_and_bounded():
    a, b = (VAE(10, 6, 2, generator=torch.Generator().manual_seed(4)) for _ in range(2))
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q), name
    first = a.encoder.hidden
    bound = 1 / math.sqrt(10)
    assert first.weight.abs().max() <= bound and first.bias.abs().max() <= bound
    other = VAE(10, 6, 2, generator=torch.Generator().manual_seed(5))
    assert not torch.equal(first.weight, other.encoder.hidden.weight)


def test_vae_layers_have_names_and_keep_their_order():
    model = VAE(10, 6, 2)
    names = [
        name for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)
    ]
    assert names == [
        "encoder.hidden",
        "to_mu",
        "to_logvar",
        "decoder.hidden",
        "decoder.output",
    ]
    assert model.encoder[0] is model.encoder.hidden  # the chapters index the layers
    assert model.decoder[2] is model.decoder.output


def test_vae_initialisation_draws_in_layer_order():
    # the weights are the generator's stream, layer after layer: the chapters' numbers
    # depend on this order
    g = torch.Generator().manual_seed(4)
    model = VAE(10, 6, 2, generator=torch.Generator().manual_seed(4))
    for layer in [
        model.encoder.hidden,
        model.to_mu,
        model.to_logvar,
        model.decoder.hidden,
        model.decoder.output,
    ]:
        bound = 1 / math.sqrt(layer.in_features)
        for p in (layer.weight, layer.bias):
            expected = torch.empty_like(p).uniform_(-bound, bound, generator=g)
            assert torch.equal(p, expected)


def test_decoder_is_a_distribution_over_binary_images():
    # D = 4: the 16 binary images have probabilities that sum to 1 for any z
    model = VAE(4, 8, 2, generator=torch.Generator().manual_seed(2)).double()
    images = torch.cartesian_prod(*[torch.tensor([0.0, 1.0], dtype=F64)] * 4)  # (16, 4)
    z = torch.randn(3, 1, 2, generator=torch.Generator().manual_seed(0), dtype=F64)
    with torch.no_grad():
        logits = model.decode(z).expand(3, 16, 4)
        log_p = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits, images.expand(3, 16, 4), reduction="none"
        ).sum(-1)
    torch.testing.assert_close(
        log_p.exp().sum(-1), torch.ones(3, dtype=F64), rtol=0, atol=1e-14
    )


# --- negative_elbo
# ------------------------------------------------------------------------------


def test_negative_elbo_is_bernoulli_nll_plus_kl(rng):
    x = torch.tensor(rng.integers(0, 2, size=(6, 10)), dtype=F64)
    logits, mu, logvar = (
        torch.tensor(rng.normal(size=s)) for s in [(6, 10), (6, 3), (6, 3)]
    )
    ours = negative_elbo(x, logits, mu, logvar, reduction="none")
    reference = -Independent(Bernoulli(logits=logits), 1).log_prob(x) + reference_kl(
        mu, logvar
    )
    torch.testing.assert_close(ours, reference, rtol=0, atol=1e-12)
    torch.testing.assert_close(
        negative_elbo(x, logits, mu, logvar), reference.mean(), rtol=0, atol=1e-12
    )
    torch.testing.assert_close(
        negative_elbo(x, logits, mu, logvar, reduction="sum"),
        reference.sum(),
        rtol=0,
        atol=1e-12,
    )


@given(
    arrays(np.float64, (3, 5), elements=st.floats(0, 1)),
    arrays(np.float64, (3, 5), elements=st.floats(-30, 30)),
)
def test_negative_elbo_grey_targets_at_least_binary_entropy(x, logits):
    # BCE(x, p) = H_b(x) + KL(Bern(x) || Bern(p)) >= H_b(x): the floor of Chapter 5
    x, logits = torch.from_numpy(x), torch.from_numpy(logits)
    zeros = torch.zeros(3, 2, dtype=F64)
    loss = negative_elbo(x, logits, zeros, zeros, reduction="none")
    floor = -(torch.special.xlogy(x, x) + torch.special.xlogy(1 - x, 1 - x)).sum(-1)
    assert (loss >= floor - 1e-9).all() and torch.isfinite(loss).all()


def test_negative_elbo_gradient_finite_at_extreme_logits():
    logits = torch.tensor([[-200.0, 200.0, 0.0]], dtype=F64, requires_grad=True)
    mu = torch.zeros(1, 2, dtype=F64, requires_grad=True)
    logvar = torch.zeros(1, 2, dtype=F64, requires_grad=True)
    loss = negative_elbo(torch.tensor([[1.0, 0.0, 0.5]], dtype=F64), logits, mu, logvar)
    loss.backward()
    assert torch.isfinite(loss) and all(
        torch.isfinite(t.grad).all() for t in (logits, mu, logvar)
    )
    assert loss.item() == pytest.approx(400 + math.log(2), rel=1e-12)


@pytest.mark.parametrize(
    "x, kwargs, msg",
    [
        ([[1.5, 0.0]], {}, "x must be at most 1"),
        ([[-0.1, 0.0]], {}, "x must be nonnegative"),
        ([[1.0, 0.0, 0.0]], {}, "x and x_logits must have the same shape"),
        ([[1.0, 0.0]], {"reduction": "batchmean"}, "reduction must be"),
    ],
)
def test_negative_elbo_rejects(x, kwargs, msg):
    zeros = torch.zeros(1, 2, dtype=F64)
    with pytest.raises(ValueError, match=msg):
        negative_elbo(torch.tensor(x, dtype=F64), zeros, zeros, zeros, **kwargs)


# --- the estimators against exact values (J = 1)
# --------------------------------------------------


@pytest.fixture(scope="module")
def tiny():
    """A J = 1 model whose posterior is far from Gaussian (a sharp decoder): a clear
    ELBO gap."""
    model = tiny_model()
    with torch.no_grad():
        model.decoder.hidden.weight.mul_(2)
        model.decoder.output.weight.mul_(6)
    x = torch.tensor(
        [[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=F64
    )  # gaps of about 1 and 1.5 nats
    return model, x, *exact_log_px_and_elbo(model, x)


def test_exact_values_converged(tiny):
    model, x, log_px, exact_elbo = tiny
    log_px2, elbo2 = exact_log_px_and_elbo(model, x, n=100_001)
    torch.testing.assert_close(log_px, log_px2, rtol=0, atol=1e-7)
    torch.testing.assert_close(exact_elbo, elbo2, rtol=0, atol=1e-7)


def test_exact_elbo_below_log_px(tiny):
    _, _, log_px, exact_elbo = tiny
    assert (exact_elbo < log_px).all()


def test_elbo_estimate_unbiased(tiny):
    model, x, _, exact_elbo = tiny
    with torch.no_grad():  # 4000 independent estimates per image, in one batch
        draws = elbo(
            model,
            x.repeat(4000, 1),
            n_samples=10,
            generator=torch.Generator().manual_seed(0),
        ).view(4000, 2)
    z = (draws.mean(0) - exact_elbo) / (draws.std(0) / math.sqrt(len(draws)))
    assert (z.abs() < 4).all()


def test_elbo_estimate_variance_falls_like_one_over_l(tiny):
    model, x, _, _ = tiny
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        var = [
            elbo(model, x.repeat(4000, 1), n_samples=n, generator=g)
            .view(4000, 2)
            .var(0)
            for n in (1, 16)
        ]
    ratio = (
        var[0] / var[1]
    )  # 16 in expectation; each sample variance scatters by a few per cent
    assert ((ratio > 11) & (ratio < 21)).all()


def test_iwae_bound_between_elbo_and_log_px(tiny):
    model, x, log_px, exact_elbo = tiny
    with torch.no_grad():
        log_w = log_importance_weights(
            model, x, 100_000, torch.Generator().manual_seed(7)
        )  # (K, B)
        big = iwae_bound(model, x, 200_000, torch.Generator().manual_seed(8))
    mean, se = {}, {}
    for k in (1, 5, 50):  # independent estimates of L_K from disjoint groups of k draws
        groups = log_w.view(-1, k, 2).logsumexp(1) - math.log(k)  # (100_000 / k, B)
        mean[k], se[k] = groups.mean(0), groups.std(0) / math.sqrt(len(groups))
    assert (
        (mean[1] - exact_elbo).abs() < 4 * se[1]
    ).all()  # IWAE_1 is an unbiased ELBO estimate
    assert (
        (mean[5] - mean[1]) > 4 * (se[1] ** 2 + se[5] ** 2).sqrt()
    ).all()  # increases with K
    assert ((mean[50] - mean[5]) > 4 * (se[5] ** 2 + se[50] ** 2).sqrt()).all()
    assert (mean[50] < log_px).all() and (exact_elbo < log_px - 0.5).all()
    torch.testing.assert_close(big, log_px, rtol=0, atol=1e-2)  # → log p(x) as K grows


def test_log_importance_weights_mean_is_px(tiny):
    model, x, log_px, _ = tiny
    with torch.no_grad():
        w = log_importance_weights(
            model, x, 200_000, torch.Generator().manual_seed(9)
        ).exp()  # (K, B)
    z = (w.mean(0) - log_px.exp()) / (
        w.std(0) / math.sqrt(len(w))
    )  # E_q[w] = p(x), unbiased
    assert (z.abs() < 4).all()


def test_iwae_log_weight_matches_torch_distributions():
    model, x = (
        tiny_model(seed=3, latent_dim=2),
        torch.tensor([[1.0, 0.0, 0.5]], dtype=F64),
    )
    with torch.no_grad():
        ours = iwae_bound(model, x, 1, torch.Generator().manual_seed(2))
        mu, logvar = model.encode(x)
        z = reparameterize(mu[None], logvar[None], torch.Generator().manual_seed(2))[0]
        q = diagonal_gaussian(mu, logvar)
        prior = diagonal_gaussian(torch.zeros_like(mu), torch.zeros_like(logvar))
        reference = -torch.nn.functional.binary_cross_entropy_with_logits(
            model.decode(z), x, reduction="none"
        ).sum(-1)
        reference = reference + prior.log_prob(z) - q.log_prob(z)
    torch.testing.assert_close(ours, reference, rtol=0, atol=1e-12)


def test_gaussian_kl_keeps_its_curvature_at_the_minimum():
    # at q = p the KL is exactly 0; its Hessian in (mu, logvar) is diag(1, 1/2) there,
    # and an operation that cuts the gradient at exactly 0 would make it diag(1, 0)
    def kl(params):
        return gaussian_kl(params[:1], params[1:])

    hessian = torch.autograd.functional.hessian(kl, torch.zeros(2, dtype=torch.float64))
    expected = torch.tensor([[1.0, 0.0], [0.0, 0.5]], dtype=torch.float64)
    torch.testing.assert_close(hessian, expected, rtol=0, atol=1e-15)
