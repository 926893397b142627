"""Tests of :func:`lectures.conditional_entropy`, in the three kinds of style.md §22
plus conventions:

* reference — against an independent route, SciPy's entropy of each conditional row
  weighted by P(x), and SciPy's H(X,Y) - H(X), on seeded random tables with zeros,
  float64, batched;
* property — Hypothesis: the chain rule in both orders, 0 <= H(Y|X) <= H(Y), never
  negative;
* exact values — the note's coin, Y a function of X, X and Y independent;
* conventions, autograd, and bad input (one case per problem, the message checked).

The table is ``pxy[..., x, y]``: X (the condition) along the second-to-last axis, as in
``joint_entropy`` and ``mutual_information``.
"""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given

from lectures import conditional_entropy, entropy, joint_entropy, mutual_information
from tests.strategies import joint_tables, pmfs, random_pmfs


def close(actual, expected, atol=1e-12, rtol=0.0):
    np.testing.assert_allclose(
        np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol
    )


def random_tables(rng, shape=(4, 3, 7)):
    """Seeded joint tables over the last two axes of ``shape``, about a quarter of
    entries 0."""
    *batch, nx, ny = shape
    return random_pmfs(rng, (*batch, nx * ny)).reshape(shape)


def row_by_row_scipy(pxy):
    """H(Y|X) = Σ_x P(x) H(Y | X = x) for one table, with SciPy's entropy of each
    row."""
    total = 0.0
    for row in pxy:
        px = row.sum()
        if px > 0:  # a row that never happens contributes nothing
            total += px * scipy.stats.entropy(row / px)
    return total


# --------------------------------------------------------------------------------------
# Reference: independent routes, float64, batched
# --------------------------------------------------------------------------------------


def test_matches_scipy_row_by_row(rng):
    pxy = random_tables(rng)
    expected = [row_by_row_scipy(t) for t in pxy]
    close(conditional_entropy(pxy), expected)


def test_matches_scipy_joint_minus_marginal(rng):
    pxy = random_tables(rng)
    h_xy = scipy.stats.entropy(pxy.reshape(4, -1), axis=-1)
    h_x = scipy.stats.entropy(pxy.sum(-1), axis=-1)
    close(conditional_entropy(pxy), h_xy - h_x)


def test_table_with_an_impossible_row(rng):
    pxy = np.zeros((4, 5))
    pxy[[0, 2, 3]] = rng.dirichlet(np.ones(15)).reshape(3, 5)  # P(X = 1) = 0
    close(conditional_entropy(pxy), row_by_row_scipy(pxy))


def test_batch_equals_one_at_a_time(rng):
    pxy = random_tables(rng, (2, 3, 4, 5))
    batch = conditional_entropy(pxy)
    assert batch.shape == (2, 3)
    close(batch, [[conditional_entropy(pxy[i, j]) for j in range(3)] for i in range(2)])


@pytest.mark.parametrize("base", [2, 10, 0.5])
def test_base_divides_nats_by_log_base(base, rng):
    pxy = random_tables(rng)
    close(
        conditional_entropy(pxy, base=base), conditional_entropy(pxy) / math.log(base)
    )


# --------------------------------------------------------------------------------------
# Properties (Hypothesis); zeros are drawn often
# --------------------------------------------------------------------------------------


@given(joint_tables())
def test_chain_rule(pxy):  # H(X,Y) = H(X) + H(Y|X)
    close(
        joint_entropy(pxy), entropy(pxy.sum(1)) + conditional_entropy(pxy), rtol=1e-12
    )


@given(joint_tables())
def test_chain_rule_other_order(pxy):  # H(X,Y) = H(Y) + H(X|Y), the transposed table
    close(
        joint_entropy(pxy), entropy(pxy.sum(0)) + conditional_entropy(pxy.T), rtol=1e-12
    )


@given(joint_tables())
def test_conditioning_does_not_add_uncertainty(
    pxy,
):  # 0 <= H(Y|X) = H(Y) - I(X;Y) <= H(Y)
    h = conditional_entropy(pxy)
    assert h >= 0  # term by term, so not even -1e-17
    assert not torch.signbit(h)
    assert h <= entropy(pxy.sum(0)) + 1e-12
    close(h, entropy(pxy.sum(0)) - mutual_information(pxy), atol=1e-12)


@given(pmfs(max_n=6), pmfs(max_n=6))
def test_independent_variables(px, py):  # P(x,y) = P(x)P(y): knowing X leaves H(Y)
    close(conditional_entropy(np.outer(px, py)), entropy(py), rtol=1e-12, atol=1e-15)


@given(joint_tables())
def test_never_nan_and_gradient_never_nan(pxy):
    t = torch.tensor(pxy, requires_grad=True)
    h = conditional_entropy(t)
    (grad,) = torch.autograd.grad(h, t)
    assert not torch.isnan(h) and not torch.isnan(grad).any()


# --------------------------------------------------------------------------------------
# Exact values
# --------------------------------------------------------------------------------------


def test_coin_given_first_toss_is_half_a_bit():
    # rows: the first toss (heads, tails); columns: the note's X = 0, 1, 2
    coin = [[0.5, 0.0, 0.0], [0.0, 0.25, 0.25]]
    assert conditional_entropy(coin, base=2).item() == 0.5  # ½·H(1) + ½·H(½, ½)
    assert (
        conditional_entropy(np.transpose(coin), base=2).item() == 0.0
    )  # the toss is f(X)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_function_of_x_has_zero(n):
    pxy = np.zeros((n, 3))
    pxy[np.arange(n), np.arange(n) % 3] = 1 / n  # Y = x mod 3
    assert conditional_entropy(pxy).item() == 0.0


def test_two_independent_fair_coins():
    assert conditional_entropy([[0.25, 0.25], [0.25, 0.25]], base=2).item() == 1.0


# --------------------------------------------------------------------------------------
# Conventions: result type, dtype, shape; autograd
# --------------------------------------------------------------------------------------

TABLE = [[0.5, 0.0], [0.25, 0.25]]  # dyadic, so float32 holds it exactly


@pytest.mark.parametrize(
    "convert, dtype",
    [
        (lambda a: a, torch.float64),
        (np.asarray, torch.float64),
        (lambda a: np.asarray(a, dtype=np.float32), torch.float32),
        (lambda a: torch.tensor(a, dtype=torch.float32), torch.float32),
        (lambda a: np.asarray([[0, 1], [0, 0]], dtype=np.int64), torch.float64),
        (lambda a: torch.tensor([[0, 1], [0, 0]]), torch.float64),
    ],
    ids=[
        "list",
        "numpy-float64",
        "numpy-float32",
        "tensor-float32",
        "numpy-int",
        "tensor-int",
    ],
)
def test_result_type_follows_input_dtype(convert, dtype):
    result = conditional_entropy(convert(TABLE))
    assert isinstance(result, torch.Tensor)
    assert result.dtype == dtype
    assert result.shape == ()


def test_list_numpy_and_tensor_agree():
    from_list = conditional_entropy(TABLE)
    assert torch.equal(conditional_entropy(np.array(TABLE)), from_list)
    assert torch.equal(
        conditional_entropy(torch.tensor(TABLE, dtype=torch.float64)), from_list
    )


def test_gradient_finite_at_zero_entries_and_rows():
    pxy = torch.tensor([[0.5, 0.0], [0.0, 0.0], [0.25, 0.25]], requires_grad=True)
    (grad,) = torch.autograd.grad(conditional_entropy(pxy.double()), pxy)
    assert torch.isfinite(grad).all()


def test_gradcheck_on_positive_inputs():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(
        (3, 2, 3), generator=g, dtype=torch.float64, requires_grad=True
    )

    def on_simplex(
        x,
    ):  # softmax over both table axes, so finite-difference steps stay normalised
        return x.flatten(-2).softmax(-1).reshape(x.shape)

    assert torch.autograd.gradcheck(
        lambda x: conditional_entropy(on_simplex(x)), (logits,)
    )


# --------------------------------------------------------------------------------------
# Bad input: one case per problem, the message names the argument and the problem
# --------------------------------------------------------------------------------------

BAD_TABLES = [  # (id, entries, what the message says), as for joint_entropy
    ("negative", [[-0.5], [1.5]], "must be nonnegative"),
    ("nan", [[math.nan], [1.0]], "NaN"),
    ("inf", [[math.inf, 0.0]], "infinite"),
    ("unnormalised", [[0.5, 0.6]], "sum to 1"),
    ("scaled", [[2.0, 2.0]], "sum to 1"),  # never normalised silently
    ("empty", np.zeros((2, 0)), "empty"),
    ("vector", [0.5, 0.5], "at least 2 axis"),  # a 1-D vector is not a joint table
    ("scalar", 1.0, "at least 2 axis"),
]


@pytest.mark.parametrize(
    "bad, msg", [c[1:] for c in BAD_TABLES], ids=[c[0] for c in BAD_TABLES]
)
def test_bad_table_rejected(bad, msg):
    with pytest.raises(ValueError, match=f"^pxy .*{msg}"):
        conditional_entropy(bad)


def test_message_quotes_offending_index_and_value():
    with pytest.raises(ValueError, match=r"pxy\[1, 0, 1\] = -0.25"):
        conditional_entropy([[[0.5, 0.5], [0.0, 0.0]], [[0.5, -0.25], [0.5, 0.25]]])
    with pytest.raises(ValueError, match=r"batch index \[1\]"):
        conditional_entropy([[[0.5, 0.5]], [[0.5, 0.6]]])


@pytest.mark.parametrize("base", [0, 1, -2, math.nan, math.inf, True])
def test_bad_base_rejected(base):
    with pytest.raises(ValueError, match="base"):
        conditional_entropy(TABLE, base=base)


def test_exported_from_the_package():
    import lectures
    import lectures.information

    assert "conditional_entropy" in lectures.information.__all__
    assert lectures.conditional_entropy is conditional_entropy
