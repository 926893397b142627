"""The checking API: each call passes what holds, fails what does not, and records what
it did."""

import math

import numpy as np
import pytest
import torch

from lectures import check_bound, check_close, check_mc, check_that, recorded_checks


def last():
    return recorded_checks()[-1]


def test_close_passes_and_records_the_rounded_error(capsys):
    check_close("sum", [0.1 + 0.2], [0.3], backs="eq-x", routes="a vs b", atol=1e-12)
    line = capsys.readouterr().out
    assert line == "✓ sum (eq-x): a vs b; max |Δ| ≤ 1e-15 (tolerance 1e-12)\n"
    record = last()
    assert (record.label, record.backs, record.kind, record.measure) == (
        "sum",
        "eq-x",
        "exact",
        "abs",
    )
    assert record.error == 1e-15 and record.tolerance == 1e-12 and record.passed


def test_close_fails_with_a_message_naming_the_check():
    with pytest.raises(AssertionError, match="check 'off' \\(eq-x\\) failed"):
        check_close(
            "off", [1.0, 2.0], [1.0, 2.001], backs="eq-x", routes="a vs b", atol=1e-6
        )


@pytest.mark.parametrize("bad", [math.nan, -math.inf])
def test_close_never_passes_a_nan_or_a_wrong_infinity(bad):
    with pytest.raises(AssertionError):
        check_close("nan", [bad], [math.inf], backs="eq-x", routes="a vs b", atol=1.0)


def test_close_equal_infinities_agree():
    check_close(
        "inf",
        torch.tensor([math.inf, 1.0]),
        np.array([math.inf, 1.0]),
        backs="eq-x",
        routes="a vs b",
        atol=0.0,
    )
    assert last().error == 0.0


def test_close_relative_tolerance():
    check_close(
        "rel", 1e-20 * (1 + 1e-9), 1e-20, backs="eq-x", routes="a vs b", rtol=1e-8
    )
    assert last().measure == "rel"
    check_close(
        "rel0", [0.0, 2.0], [0.0, 2.0], backs="eq-x", routes="a vs b", rtol=1e-15
    )
    assert last().error == 0.0
    with pytest.raises(AssertionError):
        check_close(
            "rel", 1e-20 * (1 + 1e-7), 1e-20, backs="eq-x", routes="a vs b", rtol=1e-8
        )


@pytest.mark.parametrize("tolerances", [{}, {"atol": 1.0, "rtol": 1.0}])
def test_close_wants_exactly_one_tolerance(tolerances):
    with pytest.raises(ValueError, match="exactly one"):
        check_close("t", 1.0, 1.0, backs="eq-x", routes="a vs b", **tolerances)


def test_close_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        check_close(
            "k", 1.0, 1.0, backs="eq-x", routes="a vs b", atol=0.0, kind="vibes"
        )


def test_monte_carlo_in_units_of_the_standard_error(capsys):
    check_mc("mc", 1.02, 0.01, 1.0, backs="sec-x", routes="mean vs exact")
    assert capsys.readouterr().out.endswith(
        "1.02 ± 0.01 vs 1, z = +2.00 (tolerance 4 s.e.)\n"
    )
    assert last().error == 2.0 and last().kind == "monte carlo"
    with pytest.raises(AssertionError):
        check_mc("mc", 1.05, 0.01, 1.0, backs="sec-x", routes="mean vs exact")
    with pytest.raises(ValueError, match="standard error"):
        check_mc("mc", 1.0, 0.0, 1.0, backs="sec-x", routes="mean vs exact")


def test_monte_carlo_elementwise_reports_the_worst():
    check_mc("mcv", [1.0, 1.03], [0.01, 0.01], [1.0, 1.0], backs="sec-x", routes="r")
    assert last().error == 3.0


def test_bound_margin_strictness_and_slack():
    check_bound("b", [0.0, 1.0], [0.5, 1.0], backs="thm-x", routes="r")
    assert last().error == 0.0 and last().measure == "margin"
    with pytest.raises(AssertionError):
        check_bound("b", [0.0, 1.0], [0.5, 1.0], backs="thm-x", routes="r", strict=True)
    check_bound("b", 1.0 + 1e-13, 1.0, backs="thm-x", routes="r", slack=1e-12)
    with pytest.raises(AssertionError):
        check_bound("b", 1.0 + 1e-13, 1.0, backs="thm-x", routes="r")
    with pytest.raises(AssertionError):
        check_bound("b", math.nan, 1.0, backs="thm-x", routes="r")


def test_that_checks_a_claim():
    check_that("c", np.array([True, True]), backs="sec-x", routes="all")
    assert last().kind == "claim"
    with pytest.raises(AssertionError, match="check 'c'"):
        check_that("c", [True, False], backs="sec-x", routes="all")
