"""How claims are made: causal strategies only, and intervals that hold at their stated level."""

from __future__ import annotations

import numpy as np
import pytest

from hayeknet.research.claims import (
    causal_strategies,
    count_interval,
    exchangeable_interval,
    exchangeable_min_days,
    frequency_probability,
    is_causal,
    named_causal_strategy,
    persistence_interval,
    persistence_min_days,
)


def test_perfect_foresight_is_never_the_subject_of_a_claim():
    day = {
        "perfect_foresight": {"profit_usd": 10.0},
        "market_designs": {"available": True},
        "dam_schedule": {"profit_usd": 1.0},
        "offer_curve_ppo": {"profit_usd": 2.0},
        "cheater": {"profit_usd": 9.0, "causal": False},
    }
    assert causal_strategies(day) == ["dam_schedule", "offer_curve_ppo"]
    assert not is_causal("perfect_foresight") and is_causal("a_strategy_nobody_has_named_yet")


def test_the_named_strategy_is_the_one_present_most_often_then_by_preference():
    days = [{"mpc_dam": {}, "zeta": {}}, {"mpc_dam": {}, "zeta": {}}, {"ppo_agent": {}}]
    assert named_causal_strategy(days) == "mpc_dam"  # present on 2 days like zeta, preferred to it
    assert named_causal_strategy([*days, {"ppo_agent": {}}, {"ppo_agent": {}}]) == "ppo_agent"
    assert named_causal_strategy([{"perfect_foresight": {}}]) is None


def test_frequency_probability_is_laplace():
    assert frequency_probability(0, 0) == 0.5 and frequency_probability(3, 4) == pytest.approx(4 / 6)
    with pytest.raises(ValueError):
        frequency_probability(5, 4)


def test_count_interval_states_its_exact_mass():
    c = count_interval(3, 10, 7)
    assert 0 <= c.low <= c.mean <= c.high <= 7 and c.mass >= 0.8
    from scipy.stats import betabinom

    dist = betabinom(7, 4, 8)
    assert c.mass == pytest.approx(sum(dist.pmf(k) for k in range(c.low, c.high + 1)))


def test_persistence_interval_needs_enough_days_and_covers_at_its_level():
    assert persistence_min_days() == 5
    assert persistence_interval([1.0, 2.0, 3.0, 4.0]) is None
    rng = np.random.default_rng(0)
    hits = []
    for _ in range(2000):
        walk = np.exp(np.cumsum(rng.normal(0, 0.4, 12)) + 3)  # a positive random walk: exchangeable log changes
        made = persistence_interval(walk[:-1], lower_bound=0.0)
        hits.append(made.low <= walk[-1] <= made.high)
    assert 0.78 <= np.mean(hits) <= 0.93
    made = persistence_interval([5.0, 6.0, 4.0, 5.0, 7.0, 6.0])
    assert made.low <= made.point == 6.0 <= made.high and made.n == 5


def test_exchangeable_interval_states_its_exact_coverage():
    assert exchangeable_min_days() == 9 and exchangeable_interval(np.arange(8.0)) is None
    made = exchangeable_interval(np.arange(9.0))
    assert (made.low, made.high, made.level) == (0.0, 8.0, pytest.approx(0.8))
    rng = np.random.default_rng(1)
    hits = []
    for _ in range(3000):
        x = rng.lognormal(size=15)
        m = exchangeable_interval(x[:-1])
        hits.append(m.low <= x[-1] <= m.high)
    assert np.mean(hits) == pytest.approx(made_level := exchangeable_interval(np.arange(14.0)).level, abs=0.025)
    assert made_level >= 0.8
