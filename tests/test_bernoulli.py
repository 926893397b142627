"""Tests of :mod:`lectures.bernoulli`, in the three kinds of style.md §22 plus
conventions:

* reference — against torch (``F.binary_cross_entropy``, ``..._with_logits``,
  ``Bernoulli``), SciPy, ``lectures.cross_entropy`` of two Bernoulli distributions, and
  50-digit ``mpmath``;
* property — Hypothesis: Gibbs' bound ``BCE(p, y) >= H(y, 1-y)``, logits vs
  probabilities, likelihood vs summed BCE, reductions, never NaN (values or gradients);
* exact values — extreme logits ±1e4, ``0 · log 0``, ``+inf`` where the prediction rules
  out the target;
* bad input — one case per problem per function, message checked.
"""

import math

import mpmath
import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Bernoulli

from lectures import (
    bernoulli_log_likelihood,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    entropy,
    kl_divergence,
)
from tests.helpers import close, f64

SHAPE = (4, 3, 7)
REDUCTIONS = ["mean", "sum", "none"]


def bern(q):
    """Bernoulli(q) as a distribution on {1, 0} along a new last axis."""
    q = torch.as_tensor(q, dtype=torch.float64)
    return torch.stack([q, 1 - q], dim=-1)


def random_inputs(rng, shape=SHAPE, soft=False):
    """Predicted probabilities in (0, 1) and targets (labels, or soft targets in [0,
    1])."""
    p = rng.uniform(1e-3, 1 - 1e-3, size=shape)
    y = rng.random(shape) if soft else (rng.random(shape) < 0.5).astype(np.float64)
    return torch.from_numpy(p), torch.from_numpy(y)


def exact_bce(z, y):
    """BCE(σ(z), y) = y·softplus(-z) + (1-y)·softplus(z) in 50-digit arithmetic."""
    with mpmath.workdps(50):
        z, y = mpmath.mpf(z), mpmath.mpf(y)
        return float(
            y * mpmath.log1p(mpmath.exp(-z)) + (1 - y) * mpmath.log1p(mpmath.exp(z))
        )


probabilities = st.floats(min_value=0.0, max_value=1.0)
open_probabilities = st.floats(min_value=1e-6, max_value=1 - 1e-6)
finite_logits = st.floats(allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------------------
# Reference: torch, SciPy, lectures.cross_entropy, mpmath; float64, batched
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("soft", [False, True], ids=["labels", "soft"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_torch(rng, reduction, soft):
    p, y = random_inputs(rng, soft=soft)
    close(
        binary_cross_entropy(p, y, reduction=reduction),
        F.binary_cross_entropy(p, y, reduction=reduction),
    )


@pytest.mark.parametrize("soft", [False, True], ids=["labels", "soft"])
def test_bce_is_cross_entropy_of_bernoullis(rng, soft):
    p, y = random_inputs(rng, soft=soft)
    close(binary_cross_entropy(p, y, reduction="none"), cross_entropy(bern(y), bern(p)))


def test_bce_matches_scipy_logpmf(rng):
    p, y = random_inputs(rng)
    close(
        binary_cross_entropy(p, y, reduction="none"),
        -scipy.stats.bernoulli.logpmf(y.numpy(), p.numpy()),
    )


@pytest.mark.parametrize("soft", [False, True], ids=["labels", "soft"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(rng, reduction, soft):
    z = torch.from_numpy(rng.normal(scale=10.0, size=SHAPE))
    y = torch.from_numpy(
        rng.random(SHAPE) if soft else (rng.random(SHAPE) < 0.5).astype(np.float64)
    )
    expected = F.binary_cross_entropy_with_logits(z, y, reduction=reduction)
    close(binary_cross_entropy_with_logits(z, y, reduction=reduction), expected)


@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_bce_with_logits_matches_mpmath_to_rounding(y):
    z = f64(
        [
            -1e4,
            -800.0,
            -60.0,
            -40.0,
            -20.0,
            -1.0,
            -1e-8,
            0.0,
            1e-8,
            1.0,
            20.0,
            40.0,
            60.0,
            800.0,
            1e4,
        ]
    )
    target = torch.full_like(z, y)
    expected = f64([exact_bce(v, y) for v in z.tolist()])
    # relative accuracy, also where the loss is tiny (softplus(-60) ≈ 9e-27)
    close(
        binary_cross_entropy_with_logits(z, target, reduction="none"),
        expected,
        atol=0,
        rtol=4e-16,
    )


def test_log_likelihood_matches_torch_bernoulli(rng):
    p, y = random_inputs(rng)
    expected = Bernoulli(probs=p).log_prob(y).sum(-1)
    close(bernoulli_log_likelihood(y, p), expected)
    assert bernoulli_log_likelihood(y, p).shape == SHAPE[:-1]


def test_log_likelihood_matches_scipy(rng):
    p, y = random_inputs(rng, shape=(50,))
    close(
        bernoulli_log_likelihood(y, p),
        scipy.stats.bernoulli.logpmf(y.numpy(), p.numpy()).sum(),
    )


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@given(probabilities, probabilities)
def test_bce_at_least_binary_entropy(p, y):  # Gibbs: equality only at p = y
    bce = binary_cross_entropy([p], [y])
    assert bce >= entropy(bern(y)) - 1e-12
    assert not torch.isnan(bce)


@given(open_probabilities, probabilities)
def test_bce_minus_entropy_is_kl(p, y):
    close(
        binary_cross_entropy([p], [y]) - entropy(bern(y)),
        kl_divergence(bern(y), bern(p)),
        atol=1e-12,
    )


@given(probabilities)
def test_bce_minimum_is_binary_entropy(y):
    close(binary_cross_entropy([y], [y]), entropy(bern(y)), atol=1e-15)


@given(st.floats(min_value=-10, max_value=10), probabilities)
def test_logits_agree_with_probabilities(z, y):
    # |z| <= 10 keeps 1 - σ(z) >= 4.5e-5, so the probability route loses at most about
    # 1e-11, relative
    z_t = torch.tensor([z], dtype=torch.float64)
    from_p = binary_cross_entropy(torch.sigmoid(z_t), [y])
    close(binary_cross_entropy_with_logits(z_t, [y]), from_p, atol=1e-12, rtol=1e-10)


@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 1.0]), probabilities), min_size=1, max_size=20
    )
)
def test_log_likelihood_is_minus_summed_bce(pairs):
    y, p = map(list, zip(*pairs, strict=True))
    close(-bernoulli_log_likelihood(y, p), binary_cross_entropy(p, y, reduction="sum"))


@given(st.lists(st.tuples(probabilities, probabilities), min_size=1, max_size=20))
def test_reductions_are_consistent(pairs):
    p, y = map(list, zip(*pairs, strict=True))
    terms = binary_cross_entropy(p, y, reduction="none")
    close(binary_cross_entropy(p, y, reduction="sum"), terms.sum(), atol=0)
    close(binary_cross_entropy(p, y, reduction="mean"), terms.mean(), atol=0)


@given(finite_logits, probabilities)
def test_bce_with_logits_never_nan(z, y):
    z_t = torch.tensor([z], dtype=torch.float64, requires_grad=True)
    loss = binary_cross_entropy_with_logits(z_t, [y])
    loss.backward()
    assert torch.isfinite(loss) and loss >= 0
    close(
        z_t.grad, torch.sigmoid(z_t.detach()) - y, atol=1e-15
    )  # d BCE / dz = σ(z) - y


@given(probabilities, probabilities)
def test_bce_gradient_never_nan(p, y):
    p_t = torch.tensor([p], dtype=torch.float64, requires_grad=True)
    binary_cross_entropy(p_t, [y]).backward()
    assert not torch.isnan(p_t.grad).any()


# --------------------------------------------------------------------------------------
# Exact values and conventions
# --------------------------------------------------------------------------------------


def test_extreme_logits_exact_and_no_nan():
    z = f64([1e4, -1e4, 1e4, -1e4, 1e4, -1e4]).requires_grad_(True)
    y = f64([1.0, 0.0, 0.0, 1.0, 0.5, 0.5])
    loss = binary_cross_entropy_with_logits(z, y, reduction="none")
    assert loss.tolist() == [0.0, 0.0, 1e4, 1e4, 5e3, 5e3]
    loss.sum().backward()
    assert z.grad.tolist() == [0.0, 0.0, 1.0, -1.0, 0.5, -0.5]  # σ(±1e4) - y, exactly
    for reduction in ("mean", "sum"):
        assert torch.isfinite(
            binary_cross_entropy_with_logits(z, y, reduction=reduction)
        )


def test_bce_zero_log_zero_and_infinities():
    p = f64([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]).requires_grad_(True)
    y = f64([0.0, 1.0, 1.0, 0.0, 0.5, 0.5])
    loss = binary_cross_entropy(p, y, reduction="none")
    assert loss.tolist() == [0.0, 0.0, math.inf, math.inf, math.inf, math.inf]
    assert str(loss[0].item()) == "0.0"  # +0.0, not -0.0
    loss.sum().backward()
    assert torch.isfinite(
        p.grad
    ).all()  # 0 at the zero and the infinite terms, by convention
    assert F.binary_cross_entropy(torch.tensor([0.0]), torch.tensor([1.0])) == 100


def test_log_likelihood_values_and_gradient():
    p = f64([0.5, 0.5, 1.0, 0.0]).requires_grad_(True)
    y = f64([1.0, 0.0, 1.0, 0.0])
    ll = bernoulli_log_likelihood(y, p)
    assert ll.item() == pytest.approx(2 * math.log(0.5), abs=1e-15)
    ll.backward()
    assert p.grad.tolist() == [
        2.0,
        -2.0,
        1.0,
        -1.0,
    ]  # 1/p where y = 1, -1/(1-p) where y = 0
    assert bernoulli_log_likelihood([1.0], [0.0]) == -math.inf


def test_log_likelihood_of_empty_axis_is_zero():
    assert bernoulli_log_likelihood(torch.zeros(3, 0), torch.zeros(3, 0)).tolist() == [
        0.0,
        0.0,
        0.0,
    ]


def test_float32_stays_float32():
    p, y = torch.tensor([0.3, 0.6]), torch.tensor([1.0, 0.0])
    assert binary_cross_entropy(p.float(), y.float()).dtype == torch.float32
    assert binary_cross_entropy_with_logits(p.float(), y.float()).dtype == torch.float32
    assert bernoulli_log_likelihood(y.float(), p.float()).dtype == torch.float32


def test_integer_and_bool_targets():
    p = [0.3, 0.6]
    close(
        binary_cross_entropy(p, torch.tensor([1, 0])),
        binary_cross_entropy(p, [1.0, 0.0]),
        atol=0,
    )
    close(
        bernoulli_log_likelihood(torch.tensor([True, False]), p),
        math.log(0.3) + math.log(0.4),
    )


# --------------------------------------------------------------------------------------
# Bad input: one case per problem, message checked
# --------------------------------------------------------------------------------------

NAN = float("nan")
INF = float("inf")


@pytest.mark.parametrize(
    "p, y, reduction, message",
    [
        ([-0.1, 0.5], [1.0, 0.0], "mean", "p must be nonnegative"),
        ([1.1, 0.5], [1.0, 0.0], "mean", "p must be at most 1"),
        ([NAN, 0.5], [1.0, 0.0], "mean", "p has a NaN"),
        ([0.5, 0.5], [NAN, 0.0], "mean", "y has a NaN"),
        ([0.5, 0.5], [1.5, 0.0], "mean", "y must be at most 1"),
        ([0.5, 0.5], [-1.0, 0.0], "mean", "y must be nonnegative"),
        (
            [0.5, 0.5],
            [1.0, 0.0, 1.0],
            "mean",
            r"p and y must have the same shape; got \(2,\) and \(3,\)",
        ),
        ([0.5, 0.5], [1.0, 0.0], "avg", "reduction must be one of"),
        ([], [], "mean", "empty input"),
    ],
)
def test_bce_rejects(p, y, reduction, message):
    with pytest.raises(ValueError, match=message):
        binary_cross_entropy(p, y, reduction=reduction)


@pytest.mark.parametrize(
    "z, y, reduction, message",
    [
        ([NAN, 0.0], [1.0, 0.0], "mean", "logits has a NaN or infinite"),
        ([INF, 0.0], [1.0, 0.0], "mean", "logits has a NaN or infinite"),
        ([0.0, 0.0], [1.2, 0.0], "mean", "y must be at most 1"),
        ([0.0, 0.0], [NAN, 0.0], "mean", "y has a NaN"),
        ([0.0], [1.0, 0.0], "mean", r"logits and y must have the same shape"),
        ([0.0], [1.0], "max", "reduction must be one of"),
        ([], [], "mean", "empty input"),
    ],
)
def test_bce_with_logits_rejects(z, y, reduction, message):
    with pytest.raises(ValueError, match=message):
        binary_cross_entropy_with_logits(z, y, reduction=reduction)


@pytest.mark.parametrize(
    "y, p, message",
    [
        ([0.5, 1.0], [0.5, 0.5], "y must be 0 or 1"),
        ([2.0, 1.0], [0.5, 0.5], "y must be at most 1"),
        ([NAN, 1.0], [0.5, 0.5], "y has a NaN"),
        ([1.0, 0.0], [1.5, 0.5], "p must be at most 1"),
        ([1.0, 0.0], [NAN, 0.5], "p has a NaN"),
        ([1.0, 0.0], [0.5], r"y and p must have the same shape"),
    ],
)
def test_log_likelihood_rejects(y, p, message):
    with pytest.raises(ValueError, match=message):
        bernoulli_log_likelihood(y, p)


def test_empty_input_allowed_without_mean():
    assert binary_cross_entropy([], [], reduction="sum") == 0
    assert binary_cross_entropy_with_logits([], [], reduction="none").shape == (0,)
