"""Block bootstrap, exact rank test, and the day-level tools: block bootstrap over days, sign flips, conformal."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.research.resampling import (
    InsufficientDataError,
    block_bootstrap,
    bootstrap_days,
    conformal_halfwidth,
    conformal_min_n,
    day_block_length,
    rank_test,
    sign_flip_test,
)


def test_bootstrap_is_reproducible_and_seed_dependent():
    x = np.random.default_rng(0).normal(size=200)
    a = block_bootstrap(x, np.mean, n_resamples=200, block_length=5, seed=3)
    b = block_bootstrap(x, np.mean, n_resamples=200, block_length=5, seed=3)
    c = block_bootstrap(x, np.mean, n_resamples=200, block_length=5, seed=4)
    assert (a.low, a.high) == (b.low, b.high)
    assert (a.low, a.high) != (c.low, c.high)
    assert a.low <= a.estimate <= a.high


def test_bootstrap_interval_scales_with_noise():
    x = np.random.default_rng(1).normal(size=300)
    narrow = block_bootstrap(x, np.mean, n_resamples=300, block_length=1, seed=0)
    wide = block_bootstrap(10 * x, np.mean, n_resamples=300, block_length=1, seed=0)
    assert wide.high - wide.low == pytest.approx(10 * (narrow.high - narrow.low))
    # standard error of a mean of 300 N(0,1) draws is ~0.058: the 95% width is ~0.23
    assert 0.15 < narrow.high - narrow.low < 0.32


def test_block_bootstrap_is_wider_for_autocorrelated_series():
    rng = np.random.default_rng(2)
    walk = np.cumsum(rng.normal(size=288))
    iid = block_bootstrap(walk, np.mean, n_resamples=300, block_length=1, seed=0)
    blocks = block_bootstrap(walk, np.mean, n_resamples=300, block_length=24, seed=0)
    assert blocks.high - blocks.low > iid.high - iid.low


def test_bootstrap_resamples_rows_of_2d_input_together():
    rows = np.column_stack([np.arange(50.0), 2 * np.arange(50.0)])
    res = block_bootstrap(rows, lambda r: float(np.all(r[:, 1] == 2 * r[:, 0])), n_resamples=50, seed=0)
    assert res.probability(lambda r: r == 1.0) == 1.0


def test_bootstrap_needs_two_observations():
    with pytest.raises(InsufficientDataError):
        block_bootstrap(np.array([1.0]), np.mean)


def test_rank_test_extreme_value():
    res = rank_test(100.0, np.arange(19.0))
    assert res.percentile == 100.0
    assert res.p_greater == pytest.approx(1 / 20)
    assert res.p_two_sided == pytest.approx(0.1)
    assert res.min_attainable_p == pytest.approx(0.1)


def test_rank_test_thin_reference_cannot_be_significant():
    res = rank_test(5.0, np.array([1.0, 2.0]))
    assert res.p_two_sided == pytest.approx(2 / 3) == res.min_attainable_p


def test_rank_test_needs_reference():
    with pytest.raises(InsufficientDataError):
        rank_test(1.0, np.array([np.nan]))


@settings(max_examples=60, deadline=None)
@given(
    value=st.floats(-1e4, 1e4, allow_nan=False),
    reference=st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=40),
)
def test_rank_test_p_values_are_valid(value, reference):
    ref = np.array(reference)
    res = rank_test(value, ref)
    ties = np.sum(ref == value)
    assert 0 < res.p_greater <= 1 and 0 < res.p_less <= 1
    assert res.min_attainable_p <= res.p_two_sided <= 1
    assert 0 <= res.percentile <= 100
    assert res.p_greater + res.p_less == pytest.approx((ref.size + ties + 2) / (ref.size + 1))


# --------------------------------------------------------------------------- days as the unit


def test_day_block_length_grows_as_the_cube_root():
    assert [day_block_length(n) for n in (1, 3, 8, 27, 62, 125)] == [1, 1, 2, 3, 4, 5]


def test_bootstrap_days_resamples_whole_days_in_blocks():
    days = np.arange(62, dtype=float)
    boot = bootstrap_days(days, np.mean, n_resamples=200, seed=1)
    assert boot.block_length == 4 and boot.n_observations == 62
    assert boot.low < days.mean() < boot.high


def test_sign_flip_test_is_exact_for_few_days():
    greater, less, exact = sign_flip_test(np.array([1.0, 2.0, 3.0]))
    assert exact and greater == pytest.approx(1 / 8) and less == pytest.approx(1.0)
    greater, less, _ = sign_flip_test(np.array([1.0, -1.0]))
    assert greater == pytest.approx(3 / 4) and less == pytest.approx(3 / 4)  # mean 0: flips tie or exceed
    with pytest.raises(InsufficientDataError):
        sign_flip_test(np.array([np.nan]))


def test_sign_flip_test_holds_its_size_under_the_null():
    rng = np.random.default_rng(0)
    ps = [sign_flip_test(rng.standard_t(3, 40), n_resamples=300, seed=i)[0] for i in range(300)]
    assert 0.02 < np.mean(np.array(ps) < 0.05) < 0.09


def test_conformal_interval_covers_at_its_level():
    """Split-conformal half-widths from n past errors cover the next error with probability >= level."""
    rng = np.random.default_rng(1)
    assert conformal_min_n(0.8) == 4 and conformal_halfwidth(np.ones(3), 0.8) is None
    hits = []
    for _ in range(4000):
        errors = rng.standard_cauchy(9)  # heavy tails: no distribution assumed
        half = conformal_halfwidth(errors[:-1], 0.8)
        hits.append(abs(errors[-1]) <= half)
    assert 0.8 <= np.mean(hits) <= 0.8 + 1 / 9 + 0.02  # exactly ceil(9 * 0.8) / 9 = 0.889 in theory
