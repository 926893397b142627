"""Tests of :mod:`lectures.information`, in the three kinds of style.md §22 plus
conventions:

* reference — against SciPy and ``torch.distributions`` on seeded random input, float64,
  batched;
* property — Hypothesis: bounds, identities, symmetry, the triangle inequality, never
  NaN;
* exact values — the note's coin, one-hot, uniform, disjoint supports, zero padding;
* conventions, autograd, and bad input (one case per problem per function, message
  checked).
"""

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from torch.distributions import Categorical
from torch.distributions import kl_divergence as torch_kl

from lectures import (
    cross_entropy,
    entropy,
    joint_entropy,
    js_divergence,
    kl_divergence,
    mutual_information,
    self_information,
)
from tests.helpers import LN2, close
from tests.strategies import joint_tables, pmf_pairs, pmf_triples, pmfs, random_pmfs

VECTOR = [entropy]
PAIR = [cross_entropy, kl_divergence, js_divergence]
TABLE = [joint_entropy, mutual_information]
REDUCING = VECTOR + PAIR + TABLE
ALL = [self_information] + REDUCING


def name(x):
    """Test id for a function parameter; ``None`` lets pytest pick one for anything
    else."""
    return getattr(x, "__name__", None)


def random_args(fn, rng, shape=(4, 3, 7)):
    """Valid batched arguments for ``fn``: tables over the last two axes of ``shape``,
    else vectors."""
    if fn in TABLE:
        *batch, nx, ny = shape
        return (random_pmfs(rng, (*batch, nx * ny)).reshape(shape),)
    return tuple(random_pmfs(rng, shape) for _ in range(2 if fn in PAIR else 1))


# --------------------------------------------------------------------------------------
# Reference: SciPy and torch, float64, batched (4, 3, 7), zeros included
# --------------------------------------------------------------------------------------


def test_entropy_matches_scipy_stats(rng):
    p = random_pmfs(rng)
    close(
        entropy(p), scipy.stats.entropy(p, axis=-1)
    )  # SciPy reduces along axis 0 by default


def test_entropy_matches_scipy_entr(rng):
    p = random_pmfs(rng)
    close(entropy(p), scipy.special.entr(p).sum(-1))


def test_entropy_matches_torch_categorical(rng):
    p = torch.from_numpy(random_pmfs(rng))
    close(entropy(p), Categorical(probs=p).entropy())


def test_cross_entropy_matches_scipy_xlogy(rng):
    p, q = random_pmfs(rng), random_pmfs(rng)  # some rows have q = 0 < p: +inf in both
    close(cross_entropy(p, q), -scipy.special.xlogy(p, q).sum(-1))


def test_kl_matches_scipy_rel_entr(rng):
    p, q = random_pmfs(rng), random_pmfs(rng)  # some rows have q = 0 < p: +inf in both
    close(kl_divergence(p, q), scipy.special.rel_entr(p, q).sum(-1))


def test_kl_matches_torch_categorical(rng):
    p, q = (
        torch.from_numpy(random_pmfs(rng)),
        torch.from_numpy(random_pmfs(rng, zeros=False)),
    )
    close(kl_divergence(p, q), torch_kl(Categorical(probs=p), Categorical(probs=q)))


def test_js_matches_scipy_jensenshannon(rng):
    p, q = random_pmfs(rng), random_pmfs(rng)
    close(
        js_divergence(p, q), jensenshannon(p, q, axis=-1) ** 2
    )  # SciPy returns the distance


def test_joint_entropy_matches_scipy(rng):
    (pxy,) = random_args(joint_entropy, rng)  # 4 tables of 3 x 7
    close(joint_entropy(pxy), scipy.stats.entropy(pxy.reshape(4, -1), axis=-1))


def test_mutual_information_matches_scipy(rng):
    (pxy,) = random_args(mutual_information, rng)
    px_py = pxy.sum(-1, keepdims=True) * pxy.sum(-2, keepdims=True)
    close(mutual_information(pxy), scipy.special.rel_entr(pxy, px_py).sum((-2, -1)))


def test_self_information_matches_numpy(rng):
    p = rng.uniform(0.01, 1.0, size=(4, 3, 7))
    close(self_information(p), -np.log(p))
    close(self_information(p, base=2), -np.log2(p))


@pytest.mark.parametrize("fn", REDUCING, ids=name)
def test_batch_equals_one_at_a_time(fn, rng):
    args = random_args(fn, rng)
    batch = fn(*args)
    assert batch.shape == ((4,) if fn in TABLE else (4, 3))
    one_by_one = [fn(*(a[i] for a in args)) for i in np.ndindex(batch.shape)]
    close(batch.flatten(), torch.stack(one_by_one))


@pytest.mark.parametrize("base", [2, 10, 0.5])
@pytest.mark.parametrize("fn", ALL, ids=name)
def test_base_divides_nats_by_log_base(fn, base, rng):
    args = random_args(fn, rng)
    close(fn(*args, base=base), fn(*args) / math.log(base))


# --------------------------------------------------------------------------------------
# Properties (Hypothesis); zeros are drawn often
# --------------------------------------------------------------------------------------


@given(pmfs())
def test_entropy_between_zero_and_log_n(p):
    h = entropy(p).item()
    assert 0 <= h <= math.log(len(p)) + 1e-12


@given(pmf_pairs())
def test_cross_entropy_at_least_entropy(pq):
    p, q = pq
    assert cross_entropy(p, q) >= entropy(p) - 1e-12


@given(pmf_pairs())
def test_kl_nonnegative(pq):  # Gibbs' inequality
    assert kl_divergence(*pq) >= -1e-12


@given(pmf_pairs())
def test_kl_is_cross_entropy_minus_entropy(pq):
    p, q = pq
    close(kl_divergence(p, q), cross_entropy(p, q) - entropy(p), rtol=1e-12)


@given(pmfs())
def test_distribution_against_itself(p):
    assert kl_divergence(p, p) == 0
    assert js_divergence(p, p) == 0
    assert cross_entropy(p, p) == entropy(p)


@given(pmf_pairs())
def test_js_symmetric(pq):
    p, q = pq
    close(js_divergence(p, q), js_divergence(q, p), atol=1e-15)


@given(pmf_pairs())
def test_js_between_zero_and_log_2(pq):
    assert -1e-12 <= js_divergence(*pq).item() <= LN2 + 1e-12


@given(pmf_triples())
def test_sqrt_js_triangle_inequality(pqr):
    p, q, r = pqr

    def dist(a, b):
        return math.sqrt(max(js_divergence(a, b).item(), 0.0))

    assert (
        dist(p, r) <= dist(p, q) + dist(q, r) + 1e-7
    )  # sqrt turns 1e-16 rounding into 1e-8


@given(joint_tables())
def test_mutual_information_nonnegative(pxy):
    assert mutual_information(pxy) >= -1e-12


@given(joint_tables())
def test_mutual_information_is_hx_plus_hy_minus_hxy(pxy):
    hx, hy = entropy(pxy.sum(1)), entropy(pxy.sum(0))
    close(mutual_information(pxy), hx + hy - joint_entropy(pxy), rtol=1e-12)


@given(pmfs(max_n=6), pmfs(max_n=6))
def test_independence_adds_entropies_and_has_no_information(px, py):
    pxy = np.outer(px, py)
    close(joint_entropy(pxy), entropy(px) + entropy(py), rtol=1e-12)
    close(mutual_information(pxy), 0.0)


@given(st.data())
def test_entropy_grouping_rule(data):
    p = data.draw(pmfs(min_n=2))
    group = np.array(
        data.draw(st.lists(st.integers(0, 2), min_size=len(p), max_size=len(p)))
    )
    w = np.array([p[group == g].sum() for g in range(3)])
    within = sum(w[g] * entropy(p[group == g] / w[g]) for g in range(3) if w[g] > 0)
    close(entropy(p), entropy(w) + within)


@given(pmfs(), pmfs())
def test_disjoint_supports(p, q):
    pp, qq = np.concatenate([p, 0 * q]), np.concatenate([0 * p, q])
    assert kl_divergence(pp, qq) == math.inf
    assert cross_entropy(pp, qq) == math.inf
    close(js_divergence(pp, qq), LN2)
    close(js_divergence(pp, qq, base=2), 1.0)


@given(pmf_pairs())
def test_never_nan_for_vectors(pq):
    p, q = pq
    values = [self_information(p), entropy(p)] + [fn(p, q) for fn in PAIR]
    assert not any(torch.isnan(v).any() for v in values)


@given(joint_tables())
def test_never_nan_for_tables(pxy):
    assert not any(torch.isnan(fn(pxy)) for fn in TABLE)


@given(pmf_pairs())
def test_gradients_never_nan(pq):
    p, q = (torch.tensor(a, requires_grad=True) for a in pq)
    grads = [g for fn in PAIR for g in torch.autograd.grad(fn(p, q), (p, q))]
    grads += torch.autograd.grad(entropy(p), p)
    assert not any(torch.isnan(g).any() for g in grads)


# --------------------------------------------------------------------------------------
# Exact values
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64])
def test_one_hot_has_zero_entropy(n):
    assert torch.equal(entropy(np.eye(n)), torch.zeros(n, dtype=torch.float64))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1000])
def test_uniform_has_log_n(n):
    close(entropy(np.full(n, 1 / n)), math.log(n))


def test_disjoint_one_hots_are_exactly_one_bit_apart():
    p, q = [1.0, 0.0], [0.0, 1.0]
    assert kl_divergence(p, q) == math.inf
    assert cross_entropy(p, q) == math.inf
    assert js_divergence(p, q).item() == LN2
    assert js_divergence(p, q, base=2).item() == 1.0


def test_zero_entries_change_nothing():
    assert entropy([0.5, 0.5, 0.0]) == entropy([0.5, 0.5])
    assert kl_divergence([0.5, 0.5, 0.0], [0.25, 0.75, 0.0]) == kl_divergence(
        [0.5, 0.5], [0.25, 0.75]
    )
    assert js_divergence([0.5, 0.5, 0.0], [0.25, 0.75, 0.0]) == js_divergence(
        [0.5, 0.5], [0.25, 0.75]
    )


CERTAIN = [  # a certain outcome, or a distribution against itself: zero information
    (self_information, (1.0,)),
    (entropy, ([0.0, 1.0],)),
    (joint_entropy, ([[0.0, 1.0], [0.0, 0.0]],)),
    (cross_entropy, ([0.0, 1.0], [0.0, 1.0])),
    (kl_divergence, ([0.0, 1.0], [0.0, 1.0])),
    (js_divergence, ([0.0, 1.0], [0.0, 1.0])),
    (mutual_information, ([[0.0, 1.0], [0.0, 0.0]],)),
]


@pytest.mark.parametrize("fn, args", CERTAIN, ids=[fn.__name__ for fn, _ in CERTAIN])
def test_certain_outcome_gives_positive_zero(fn, args):
    assert not torch.signbit(fn(*args))  # 0.0, not -0.0: the doctests print "0."


# --------------------------------------------------------------------------------------
# Conventions: result type, dtype, shape; list, NumPy and tensor agree
# --------------------------------------------------------------------------------------

# one valid float argument set per function, dyadic so float32 holds it exactly
SAMPLES = {
    self_information: ([0.5, 0.25, 1.0],),
    entropy: ([0.5, 0.25, 0.25],),
    cross_entropy: ([0.5, 0.25, 0.25], [0.25, 0.25, 0.5]),
    kl_divergence: ([0.5, 0.25, 0.25], [0.25, 0.25, 0.5]),
    js_divergence: ([0.5, 0.25, 0.25], [0.0, 0.5, 0.5]),
    joint_entropy: ([[0.5, 0.0], [0.25, 0.25]],),
    mutual_information: ([[0.5, 0.0], [0.25, 0.25]],),
}
ONE_HOTS = {  # the same, as integers
    self_information: ([0, 1, 1],),
    entropy: ([0, 1, 0],),
    cross_entropy: ([0, 1, 0], [0, 1, 0]),
    kl_divergence: ([0, 1, 0], [0, 0, 1]),
    js_divergence: ([0, 1, 0], [0, 0, 1]),
    joint_entropy: ([[0, 1], [0, 0]],),
    mutual_information: ([[0, 1], [0, 0]],),
}
FLOAT_FORMS = {  # how the arguments are given -> the dtype of the result
    "list": (lambda a: a, torch.float64),
    "numpy-float64": (np.asarray, torch.float64),
    "numpy-float32": (lambda a: np.asarray(a, dtype=np.float32), torch.float32),
    "tensor-float64": (lambda a: torch.tensor(a, dtype=torch.float64), torch.float64),
    "tensor-float32": (lambda a: torch.tensor(a, dtype=torch.float32), torch.float32),
}
INTEGER_FORMS = {
    "numpy-int64": lambda a: np.asarray(a, dtype=np.int64),
    "tensor-int64": lambda a: torch.tensor(a, dtype=torch.int64),
}


def expected_shape(fn):
    return (
        (3,) if fn is self_information else ()
    )  # elementwise, or 0-dim for one distribution


@pytest.mark.parametrize("form", FLOAT_FORMS)
@pytest.mark.parametrize("fn", ALL, ids=name)
def test_result_type_follows_input_dtype(fn, form):
    convert, dtype = FLOAT_FORMS[form]
    result = fn(*map(convert, SAMPLES[fn]))
    assert isinstance(result, torch.Tensor)
    assert result.dtype == dtype
    assert result.shape == expected_shape(fn)


@pytest.mark.parametrize("form", INTEGER_FORMS)
@pytest.mark.parametrize("fn", ALL, ids=name)
def test_integer_input_gives_float64(fn, form):
    result = fn(*map(INTEGER_FORMS[form], ONE_HOTS[fn]))
    assert result.dtype == torch.float64
    assert result.shape == expected_shape(fn)


@pytest.mark.parametrize("fn", ALL, ids=name)
def test_list_numpy_and_tensor_agree(fn):
    from_list = fn(*SAMPLES[fn])
    assert torch.equal(fn(*map(np.array, SAMPLES[fn])), from_list)
    assert torch.equal(
        fn(*(torch.tensor(a, dtype=torch.float64) for a in SAMPLES[fn])), from_list
    )


# --------------------------------------------------------------------------------------
# Autograd
# --------------------------------------------------------------------------------------


def leaf(values):
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize(
    "fn, args",
    [
        (entropy, ([0.5, 0.5, 0.0],)),
        (cross_entropy, ([0.5, 0.5, 0.0], [0.25, 0.25, 0.5])),
        (kl_divergence, ([0.5, 0.5, 0.0], [0.25, 0.25, 0.5])),
        (kl_divergence, ([0.5, 0.5, 0.0], [0.5, 0.5, 0.0])),
        (js_divergence, ([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])),
        (js_divergence, ([1.0, 0.0], [0.0, 1.0])),
        (joint_entropy, ([[0.5, 0.0], [0.0, 0.5]],)),
        (mutual_information, ([[0.5, 0.0], [0.0, 0.5]],)),
    ],
    ids=[
        "entropy",
        "cross_entropy",
        "kl",
        "kl-zero-in-both",
        "js",
        "js-disjoint",
        "joint_entropy",
        "mi",
    ],
)
def test_gradient_finite_at_zero_entries(fn, args):
    leaves = [leaf(a) for a in args]
    grads = torch.autograd.grad(fn(*leaves), leaves)
    assert all(torch.isfinite(g).all() for g in grads)


def test_entropy_gradient_is_minus_log_p_minus_one():
    p = leaf([0.5, 0.3, 0.2, 0.0])
    entropy(p).backward()
    positive = p.detach() > 0
    close(p.grad[positive], -(torch.log(p.detach()[positive]) + 1))
    assert p.grad[~positive] == 0  # the documented convention at a zero entry


def on_simplex(logits, fn):
    """Softmax over the event axes of ``fn``, so finite-difference steps stay
    normalised."""
    if fn in TABLE:
        return logits.flatten(-2).softmax(-1).reshape(logits.shape)
    return logits.softmax(-1)


@pytest.mark.parametrize("fn", REDUCING, ids=name)
def test_gradcheck_on_positive_inputs(fn):
    g = torch.Generator().manual_seed(0)
    shape = (3, 2, 3) if fn in TABLE else (3, 5)
    n_args = 2 if fn in PAIR else 1
    logits = [
        torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
        for _ in range(n_args)
    ]
    assert torch.autograd.gradcheck(
        lambda *ls: fn(*(on_simplex(x, fn) for x in ls)), logits
    )


# --------------------------------------------------------------------------------------
# Bad input: one case per problem per function, the message names argument and problem
# --------------------------------------------------------------------------------------

BAD_VECTORS = [  # (id, entries, what the message says)
    ("negative", [-0.5, 1.5], "must be nonnegative"),
    ("nan", [math.nan, 1.0], "NaN"),
    ("inf", [math.inf, 0.0], "infinite"),
    ("unnormalised", [0.5, 0.6], "sum to 1"),
    ("scaled", [2.0, 2.0], "sum to 1"),  # never normalised silently
    ("empty", [], "empty"),
    ("scalar", 1.0, "at least 1 axis"),  # a 0-dim number is not a distribution
]
BAD_TABLES = [
    ("negative", [[-0.5], [1.5]], "must be nonnegative"),
    ("nan", [[math.nan], [1.0]], "NaN"),
    ("inf", [[math.inf, 0.0]], "infinite"),
    ("unnormalised", [[0.5, 0.6]], "sum to 1"),
    ("scaled", [[2.0, 2.0]], "sum to 1"),
    ("empty", np.zeros((2, 0)), "empty"),
    ("vector", [0.5, 0.5], "at least 2 axis"),  # a 1-D vector is not a joint table
]
BAD_PROBABILITIES = [
    ("negative", [0.5, -0.5], "must be nonnegative"),
    ("nan", [math.nan], "NaN"),
    ("inf", [math.inf], "infinite"),
    ("above-one", [0.5, 1.5], "at most 1"),
]


def bad_input_cases():
    good = [0.5, 0.5]
    for label, bad, msg in BAD_VECTORS:
        yield pytest.param(entropy, (bad,), f"^p .*{msg}", id=f"entropy-{label}")
        for fn in PAIR:
            yield pytest.param(
                fn, (bad, good), f"^p .*{msg}", id=f"{fn.__name__}-p-{label}"
            )
            yield pytest.param(
                fn, (good, bad), f"^q .*{msg}", id=f"{fn.__name__}-q-{label}"
            )
    for label, bad, msg in BAD_TABLES:
        for fn in TABLE:
            yield pytest.param(fn, (bad,), f"^pxy .*{msg}", id=f"{fn.__name__}-{label}")
    for label, bad, msg in BAD_PROBABILITIES:
        yield pytest.param(
            self_information, (bad,), f"^p .*{msg}", id=f"self_information-{label}"
        )


@pytest.mark.parametrize("fn, args, pattern", list(bad_input_cases()))
def test_bad_input_rejected(fn, args, pattern):
    with pytest.raises(ValueError, match=pattern):
        fn(*args)


@pytest.mark.parametrize("base", [0, 1, -2, math.nan, math.inf, True])
@pytest.mark.parametrize("fn", ALL, ids=name)
def test_bad_base_rejected(fn, base):
    with pytest.raises(ValueError, match="base"):
        fn(*SAMPLES[fn], base=base)


@pytest.mark.parametrize(
    "q", [[1 / 3] * 3, [[0.5, 0.5], [0.5, 0.5]]], ids=["longer", "broadcastable"]
)
@pytest.mark.parametrize("fn", PAIR, ids=name)
def test_shape_mismatch_rejected(fn, q):  # no broadcasting between distributions
    with pytest.raises(ValueError, match="same shape"):
        fn([0.5, 0.5], q)


def test_message_quotes_offending_index_and_value():
    with pytest.raises(ValueError, match=r"p\[1, 0\] = -0.25"):
        entropy([[0.5, 0.5], [-0.25, 1.25]])
    with pytest.raises(ValueError, match=r"batch index \[1\]"):
        entropy([[0.5, 0.5], [0.5, 0.6]])


def test_sum_tolerance_follows_dtype():
    p32 = torch.tensor(
        [0.5, 0.5 + 1e-7], dtype=torch.float32
    )  # within 64·n·eps of float32
    close(entropy(p32), LN2, atol=1e-6)
    close(entropy([0.5, 0.5 + 1e-14]), LN2)  # within 64·n·eps of float64 (2.8e-14)
    with pytest.raises(ValueError, match="sum to 1"):
        entropy(np.array([0.5, 0.5 + 1e-9]))
