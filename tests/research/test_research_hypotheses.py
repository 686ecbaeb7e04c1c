"""Hypotheses H1-H3 over a study history: effect sizes, permutation/bootstrap statistics, honest verdicts."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.research.hypotheses import (
    HypothesisInputError,
    break_even_spread,
    separating_threshold,
    spearman_permutation_test,
    spearman_rho,
    study_days,
)
from hayeknet.research.hypotheses import (
    test_hypotheses as run_hypotheses,
)
from hayeknet.research.journal import build_results, validate_results

START = dt.date(2025, 10, 1)


def results_doc(i: int, metrics: dict[str, float | None], strategies: dict[str, dict[str, float]]) -> dict:
    """A minimal results document: the fields the hypotheses read."""
    return {
        "day": (START + dt.timedelta(days=i)).isoformat(),
        "metrics": [{"name": k, "value": v, "unit": "", "description": ""} for k, v in metrics.items()],
        "strategies": strategies,
    }


def volatility_history(vol: list[float], pf_profit: list[float], agent_profit: list[float] | None = None) -> list[dict]:
    agent_profit = agent_profit or [0.0] * len(vol)
    return [
        results_doc(
            i,
            {"volatility.price_change_std": v, "volatility.asinh_return_std": v / 30.0},
            {"perfect_foresight": {"profit_usd": p}, "ppo_agent": {"profit_usd": a}},
        )
        for i, (v, p, a) in enumerate(zip(vol, pf_profit, agent_profit))
    ]


def by_name(results):
    return {h.name: h for h in results}


# --------------------------------------------------------------------------- H1


def test_h1_exact_permutation_p_for_a_perfect_rank_correlation():
    rho, p, exact = spearman_permutation_test(np.arange(5.0), np.arange(5.0) ** 2)
    assert rho == pytest.approx(1.0)
    assert exact
    assert p == pytest.approx(2 / 120)  # the identity and the reversal of 5! orders are as extreme


def test_h1_supported_on_a_monotone_study():
    vol = [2.0, 5.0, 3.0, 9.0, 7.0, 4.0, 8.0, 6.0]
    profit = [1000 + 400 * v for v in vol]
    h1 = by_name(run_hypotheses(volatility_history(vol, profit), n_resamples=500))["H1"]
    assert h1.effect_size == pytest.approx(1.0)
    assert h1.p_value < 0.01
    assert h1.verdict == "supported"
    assert h1.n == 8 and h1.n_days == 8
    assert h1.ci_low is not None and h1.ci_low <= 1.0 <= h1.ci_high + 1e-12
    assert "rho = +1.00" in h1.summary


def test_h1_negative_correlation_contradicts():
    vol = [2.0, 5.0, 3.0, 9.0, 7.0, 4.0, 8.0, 6.0]
    profit = [5000 - 400 * v for v in vol]
    h1 = by_name(run_hypotheses(volatility_history(vol, profit), n_resamples=500))["H1"]
    assert h1.effect_size == pytest.approx(-1.0)
    assert h1.verdict == "contradicted"


def test_h1_few_days_reports_numbers_but_insufficient_data():
    vol = [2.0, 5.0, 3.0, 9.0]
    h1 = by_name(run_hypotheses(volatility_history(vol, [100 * v for v in vol]), n_resamples=200))["H1"]
    assert h1.verdict == "insufficient data"
    assert h1.effect_size == pytest.approx(1.0)
    assert h1.p_value == pytest.approx(2 / 24)
    assert "Only 4 study day(s)" in h1.summary


def test_h1_with_two_days_has_no_numbers():
    h1 = by_name(run_hypotheses(volatility_history([1.0, 2.0], [3.0, 4.0]), n_resamples=100))["H1"]
    assert h1.effect_size is None and h1.p_value is None
    assert h1.verdict == "insufficient data"


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=12, unique=True),
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=12, max_size=12, unique=True),
)
def test_spearman_is_invariant_under_monotone_maps_and_bounded(x, y):
    x = np.array(x)
    y = np.array(y[: x.size])
    rho = spearman_rho(x, y)
    assert -1.0 - 1e-12 <= rho <= 1.0 + 1e-12
    assert spearman_rho(np.cbrt(x), np.cbrt(y)) == pytest.approx(rho, abs=1e-9)
    assert spearman_rho(x, -y) == pytest.approx(-rho, abs=1e-9)


# --------------------------------------------------------------------------- H2


def utilization_history(rows: list[tuple[int, str, float, float]]) -> list[dict]:
    """rows: (day index, strategy, SOC utilization, profit per MWh discharged); 100 MWh discharged each."""
    docs: dict[int, dict] = {}
    for i, name, util, eff in rows:
        doc = docs.setdefault(i, results_doc(i, {}, {}))
        doc["metrics"].append(
            {"name": f"strategy.{name}.soc_utilization", "value": util, "unit": "1", "description": ""}
        )
        doc["strategies"][name] = {"profit_usd": eff * 100.0, "discharge_mwh": 100.0}
    return list(docs.values())


def test_h2_supported_when_the_60_80_bin_wins_within_strategies():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(10):
        for name in ("a", "b"):
            util = 0.7 if (i + (name == "b")) % 2 else 0.95
            eff = (30.0 if util == 0.7 else 20.0) + rng.normal(0, 1)
            rows.append((i, name, util, eff))
    h2 = by_name(run_hypotheses(utilization_history(rows), n_resamples=500))["H2"]
    assert h2.n == 20 and h2.n_days == 10
    assert h2.effect_size == pytest.approx(10.0, abs=1.5)
    assert h2.p_value < 0.01
    assert h2.ci_low > 5.0
    assert h2.details["best_bin"] == "60-80%"
    assert h2.verdict == "supported"


def test_h2_does_not_credit_a_difference_between_strategies():
    # strategy a always sits in 60-80% and earns more, b always at 90%: no within-strategy evidence
    rows = [(i, "a", 0.7, 30.0 + i % 3) for i in range(8)] + [(i, "b", 0.9, 10.0 + i % 3) for i in range(8)]
    h2 = by_name(run_hypotheses(utilization_history(rows), n_resamples=300))["H2"]
    assert h2.effect_size == pytest.approx(20.0)
    assert h2.p_value == pytest.approx(1.0)  # every within-strategy shuffle reproduces the split
    assert h2.verdict == "inconclusive"


def test_h2_without_target_bin_observations_is_insufficient():
    rows = [(i, "a", 0.95, 10.0) for i in range(6)]
    h2 = by_name(run_hypotheses(utilization_history(rows), n_resamples=100))["H2"]
    assert h2.effect_size is None and h2.verdict == "insufficient data"
    assert "0 observation(s) in the 60-80% bin" in h2.summary


# --------------------------------------------------------------------------- H3


def spread_history(spreads: list[float], profits: list[float], strategy: str = "ppo_agent") -> list[dict]:
    return [
        results_doc(
            i, {"spread.top4h_bottom4h": s}, {strategy: {"profit_usd": p}, "perfect_foresight": {"profit_usd": 10 * s}}
        )
        for i, (s, p) in enumerate(zip(spreads, profits))
    ]


@settings(max_examples=40, deadline=None)
@given(st.floats(-50, 200), st.floats(0.5, 500), st.lists(st.floats(0, 300), min_size=2, max_size=10, unique=True))
def test_break_even_of_an_exact_line_is_its_zero(s0, slope, spreads):
    s = np.array(spreads)
    if np.ptp(s) < 1e-3:
        return
    assert break_even_spread(s, slope * (s - s0)) == pytest.approx(s0, rel=1e-6, abs=1e-6)
    assert math.isnan(break_even_spread(s, -slope * (s - s0)))  # profit falling with spread: no break-even


def test_h3_break_even_above_15_is_supported():
    rng = np.random.default_rng(3)
    spreads = list(np.linspace(5, 60, 12))
    profits = [80.0 * (s - 25.0) + rng.normal(0, 100) for s in spreads]
    h3 = by_name(run_hypotheses(spread_history(spreads, profits), n_resamples=1000))["H3"]
    be = h3.details["break_even_usd_per_mwh"]
    assert be == pytest.approx(25.0, abs=2.0)
    assert h3.details["break_even_low_usd_per_mwh"] < be < h3.details["break_even_high_usd_per_mwh"]
    assert h3.effect_size == pytest.approx(be - 15.0)
    assert h3.p_value < 0.05 and h3.verdict == "supported"
    assert h3.details["separating_threshold"]["errors"] <= 1


def test_h3_break_even_below_15_contradicts():
    spreads = list(np.linspace(5, 60, 12))
    profits = [80.0 * (s - 8.0) + (-1) ** i * 30 for i, s in enumerate(spreads)]
    h3 = by_name(run_hypotheses(spread_history(spreads, profits), n_resamples=1000))["H3"]
    assert h3.details["break_even_usd_per_mwh"] == pytest.approx(8.0, abs=1.0)
    assert h3.verdict == "contradicted"


def test_h3_flags_extrapolation_when_no_day_is_profitable():
    spreads = [20.0, 30.0, 40.0, 50.0, 60.0]
    h3 = by_name(run_hypotheses(spread_history(spreads, [-500 + 5 * s for s in spreads]), n_resamples=300))["H3"]
    assert h3.details["n_profitable_days"] == 0
    assert h3.details["extrapolated"] is True
    assert "extrapolates beyond the observed spreads" in h3.summary
    assert "no day profitable" in h3.details["separating_threshold"]["bound"]


def test_separating_threshold_minimises_errors():
    out = separating_threshold(np.array([5.0, 10.0, 20.0, 30.0]), np.array([False, False, True, True]))
    assert out == {"threshold": 15.0, "errors": 0, "bound": None}
    out = separating_threshold(np.array([5.0, 10.0, 20.0, 30.0]), np.array([False, True, False, True]))
    assert out["errors"] == 1


# --------------------------------------------------------------------------- whole


def test_history_days_are_deduplicated_sorted_and_checked():
    docs = volatility_history([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    docs = [docs[2], docs[0], docs[1], dict(docs[0], strategies={"perfect_foresight": {"profit_usd": 9.0}})]
    days = study_days(docs)
    assert [d.day for d in days] == ["2025-10-01", "2025-10-02", "2025-10-03"]
    assert days[0].strategy_value("perfect_foresight", "profit_usd") == 9.0
    with pytest.raises(HypothesisInputError, match="entry 0: missing field 'metrics'"):
        study_days([{"day": "2025-10-01"}])


def test_results_are_reproducible_and_serialisable():
    vol = [2.0, 5.0, 3.0, 9.0, 7.0, 4.0]
    hist = volatility_history(vol, [100 * v + (-1) ** i * 50 for i, v in enumerate(vol)])
    a = [h.to_dict() for h in run_hypotheses(hist, n_resamples=200, seed=4)]
    b = [h.to_dict() for h in run_hypotheses(hist, n_resamples=200, seed=4)]
    assert a == b
    assert [h["name"] for h in a] == ["H1", "H2", "H3"]
    for h in a:
        assert h["verdict"] in ("supported", "contradicted", "inconclusive", "insufficient data")
        assert h["summary"].lower().startswith(h["verdict"])


def test_daily_results_carry_the_hypotheses(day_factory):
    hist: list[dict] = []
    for i in range(3):
        d = day_factory(START + dt.timedelta(days=i), seed=i, noise=0.5 + i)
        hist.append(build_results(**d.build_kwargs(day_index=i, previous_results=hist, n_resamples=100)))
    last = hist[-1]
    validate_results(last)
    names = [h["name"] for h in last["hypotheses"]]
    assert names == ["H1", "H2", "H3"]
    h1 = last["hypotheses"][0]
    assert h1["n_days"] == 3 and h1["verdict"] == "insufficient data"
    assert h1["effect_size"] is not None  # three days: the number is reported all the same


def test_h3_without_a_rising_profit_is_inconclusive_not_insufficient():
    spreads = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    h3 = by_name(run_hypotheses(spread_history(spreads, [900.0 - s for s in spreads]), n_resamples=100))["H3"]
    assert h3.effect_size is None
    assert h3.verdict == "inconclusive"
    assert "profit does not rise with spread" in h3.summary


def test_hypotheses_table_from_objects_and_stored_dicts():
    from hayeknet.research.hypotheses import hypotheses_table

    vol = [2.0, 5.0, 3.0, 9.0, 7.0]
    results = run_hypotheses(volatility_history(vol, [10 * v for v in vol]), n_resamples=100)
    a = hypotheses_table(results)
    b = hypotheses_table([h.to_dict() for h in results])
    assert list(a.index) == ["H1", "H2", "H3"]
    assert a.equals(b)
    assert a.loc["H1", "effect_size"] == pytest.approx(1.0) and a.loc["H1", "n_days"] == 5
