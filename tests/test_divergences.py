"""Chapter 3's statements about KL and Jensen–Shannon, as tests of
:mod:`lectures.information`.

test_information.py covers the functions' conventions and references; these tests pin
down the chapter's claims: the asymmetry and triangle counterexamples, Pinsker's
strengthening of Gibbs' inequality, additivity over independent coordinates, the entropy
form of JS, the flat JS of disjoint supports (value and gradient), and the equal
gradients of cross entropy and KL.
"""

import math

import numpy as np
import scipy.stats
import torch
from hypothesis import given
from torch.distributions import Binomial
from torch.distributions import kl_divergence as torch_kl

from lectures import cross_entropy, entropy, js_divergence, kl_divergence
from tests.helpers import LN2
from tests.strategies import pmf_pairs


def test_kl_is_not_symmetric_exact_bits():
    p, q = [0.5, 0.5], [0.25, 0.75]
    assert abs(kl_divergence(p, q, base=2) - (1 - 0.5 * math.log2(3))) < 1e-15
    assert abs(kl_divergence(q, p, base=2) - (0.75 * math.log2(3) - 1)) < 1e-15


def test_kl_violates_the_triangle_inequality():
    p, q, r = [0.9, 0.1], [0.5, 0.5], [0.1, 0.9]
    direct = kl_divergence(p, r)
    assert abs(direct - 0.8 * math.log(9)) < 1e-15
    assert direct > 1.9 * (
        kl_divergence(p, q) + kl_divergence(q, r)
    )  # twice the detour, nearly


@given(pmf_pairs(min_n=2))
def test_pinsker_inequality(
    pq,
):  # D_KL ≥ ½ ‖P − Q‖₁²: Gibbs, with a margin that is zero only at P = Q
    p, q = pq
    assert kl_divergence(p, q) >= 0.5 * np.abs(p - q).sum() ** 2 - 1e-12


@given(pmf_pairs(max_n=5, zeros=False), pmf_pairs(max_n=5, zeros=False))
def test_kl_adds_over_independent_coordinates(pq1, pq2):
    (p1, q1), (p2, q2) = pq1, pq2
    joint = kl_divergence(np.outer(p1, p2).ravel(), np.outer(q1, q2).ravel())
    assert abs(joint - (kl_divergence(p1, q1) + kl_divergence(p2, q2))) < 1e-12


def test_binomial_kl_is_n_times_bernoulli_kl():
    n, p = 10, 0.5
    k = np.arange(n + 1)
    for theta in (0.55, 0.7, 0.95):
        pmf_p, pmf_q = (
            scipy.stats.binom.pmf(k, n, p),
            scipy.stats.binom.pmf(k, n, theta),
        )
        closed = n * kl_divergence([p, 1 - p], [theta, 1 - theta])
        got = kl_divergence(pmf_p / pmf_p.sum(), pmf_q / pmf_q.sum())
        p_t, theta_t = torch.tensor([p, theta], dtype=torch.float64)
        ref = torch_kl(Binomial(n, p_t), Binomial(n, theta_t))
        assert abs(got - closed) < 1e-12 and abs(ref - closed) < 1e-12


@given(pmf_pairs())
def test_js_is_entropy_of_mixture_minus_mean_entropy(pq):
    p, q = pq
    m = (p + q) / 2
    assert (
        abs(js_divergence(p, q) - (entropy(m) - (entropy(p) + entropy(q)) / 2)) < 1e-12
    )


def test_js_of_shifted_disjoint_distributions_is_flat_with_zero_gradient():
    # P_θ: a smooth bump on cells [θ, θ + 1]; Q: the same at 0; disjoint once |θ| ≥ 1
    x = (torch.arange(-512, 1024, dtype=torch.float64) + 0.5) / 128

    def shifted(theta):
        u = x - theta
        w = torch.where(
            (u >= 0) & (u <= 1), 1 - torch.cos(2 * math.pi * u), torch.zeros_like(u)
        )
        return w / w.sum()

    q = shifted(torch.tensor(0.0, dtype=torch.float64))
    for t in (1.25, 2.0, -1.5, -3.0):
        theta = torch.tensor(t, dtype=torch.float64, requires_grad=True)
        p = shifted(theta)
        js = js_divergence(p, q)
        (grad,) = torch.autograd.grad(js, theta)
        assert abs(js.item() - LN2) < 1e-15 and abs(grad.item()) < 1e-12
        assert kl_divergence(p.detach(), q) == math.inf
    theta = torch.tensor(
        0.5, dtype=torch.float64, requires_grad=True
    )  # overlapping: a real gradient
    (grad,) = torch.autograd.grad(js_divergence(shifted(theta), q), theta)
    assert grad.item() > 0.1


def test_uniform_shift_has_js_min_theta_one_log_2():
    edges = torch.arange(-4 * 64, 5 * 64 + 1, dtype=torch.float64) / 64

    def uniform(t):  # the mass of U[t, t + 1] in each bin
        return (
            torch.minimum(edges[1:], t + 1) - torch.maximum(edges[:-1], t)
        ).clamp_min(0)

    q = uniform(torch.tensor(0.0, dtype=torch.float64))
    for k in (-192, -64, -17, 0, 5, 40, 64, 100):
        t = torch.tensor(k / 64, dtype=torch.float64)
        assert abs(js_divergence(uniform(t), q) - min(abs(k / 64), 1.0) * LN2) < 1e-12


@given(pmf_pairs(zeros=False))
def test_cross_entropy_and_kl_have_the_same_gradient_in_q(pq):
    p, q = pq
    logits = torch.tensor(np.log(q), requires_grad=True)
    (g_ce,) = torch.autograd.grad(cross_entropy(p, torch.softmax(logits, -1)), logits)
    (g_kl,) = torch.autograd.grad(kl_divergence(p, torch.softmax(logits, -1)), logits)
    torch.testing.assert_close(g_ce, g_kl, rtol=0, atol=1e-12)
    expected = torch.softmax(logits, -1).detach() - torch.from_numpy(p)  # Q − P
    torch.testing.assert_close(g_ce, expected, rtol=0, atol=1e-12)
