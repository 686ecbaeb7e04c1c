"""Hypotheses H1-H3 over a study history: the day as the unit, causal strategies, power, honest verdicts."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.research.hypotheses import (
    H1_PREDICTOR,
    HypothesisInputError,
    band_distance,
    break_even_spread,
    daily_band_statistics,
    separating_threshold,
    spearman_permutation_test,
    spearman_rho,
    study_days,
    utilization_observations,
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


def dam_history(dam_vol: list[float], profit: list[float], pf_profit: list[float] | None = None) -> list[dict]:
    pf_profit = pf_profit or [10_000.0] * len(dam_vol)
    return [
        results_doc(
            i,
            {H1_PREDICTOR: v, "volatility.price_change_std": v},
            {"perfect_foresight": {"profit_usd": f}, "mpc_dam": {"profit_usd": p}},
        )
        for i, (v, p, f) in enumerate(zip(dam_vol, profit, pf_profit))
    ]


def by_name(results):
    return {h.name: h for h in results}


# --------------------------------------------------------------------------- H1


def test_h1_exact_permutation_p_for_a_perfect_rank_correlation():
    rho, p, exact = spearman_permutation_test(np.arange(5.0), np.arange(5.0) ** 2)
    assert rho == pytest.approx(1.0)
    assert exact
    assert p == pytest.approx(2 / 120)  # the identity and the reversal of 5! orders are as extreme


def test_h1_is_about_a_causal_strategy_and_the_day_ahead_predictor():
    """H1 no longer correlates volatility with the perfect-foresight bound (nearly mechanical: the bound is the
    most any schedule can earn from the realised prices); it reads a causal strategy's profit against the DAM
    volatility, published the day before, so the correlation is a forecastability claim that can fail."""
    rng = np.random.default_rng(0)
    dam_vol = list(rng.uniform(1, 20, 60))
    pf = [1000 + 400 * v for v in dam_vol]  # the bound follows volatility ...
    causal = list(rng.normal(3000, 500, 60))  # ... the causal strategy does not
    h1 = by_name(run_hypotheses(dam_history(dam_vol, causal, pf), n_resamples=500))["H1"]
    assert h1.strategy == "mpc_dam" and h1.details["predictor"] == H1_PREDICTOR
    assert abs(h1.effect_size) < 0.3 and h1.verdict == "inconclusive"  # 60 days: enough power, no effect
    assert h1.power.adequate and h1.power.n_needed == 50


def test_h1_supported_when_the_dam_predicts_the_causal_profit():
    rng = np.random.default_rng(1)
    dam_vol = list(rng.uniform(1, 20, 62))
    profit = [200 * v + rng.normal(0, 600) for v in dam_vol]
    h1 = by_name(run_hypotheses(dam_history(dam_vol, profit), n_resamples=500))["H1"]
    assert h1.n == 62 and h1.n_days == 62 and h1.unit_of_analysis == "day"
    assert h1.effect_size > 0.6 and h1.p_value < 0.01 and h1.verdict == "supported"
    assert h1.ci_low <= h1.effect_size <= h1.ci_high
    assert "blocks of 4 day(s)" in h1.summary  # 62 days: moving blocks of round(62^(1/3)) days


def test_h1_negative_correlation_contradicts():
    vol = [2.0, 5.0, 3.0, 9.0, 7.0, 4.0, 8.0, 6.0]
    h1 = by_name(run_hypotheses(dam_history(vol, [5000 - 400 * v for v in vol]), n_resamples=500))["H1"]
    assert h1.effect_size == pytest.approx(-1.0)
    assert h1.verdict == "contradicted"


def test_h1_underpowered_says_insufficient_data_with_the_detectable_effect():
    rng = np.random.default_rng(2)
    vol = list(rng.uniform(1, 20, 12))
    h1 = by_name(run_hypotheses(dam_history(vol, list(rng.normal(0, 1, 12))), n_resamples=300))["H1"]
    assert h1.verdict == "insufficient data"
    assert h1.power.n_needed == 50 and not h1.power.adequate
    assert 0.7 < h1.power.minimum_detectable_effect < 0.8 and h1.power.power_at_n < 0.3
    assert "50 are needed" in h1.summary and "smallest detectable effect is 0.7" in h1.summary


def test_h1_with_two_days_has_no_numbers():
    h1 = by_name(run_hypotheses(dam_history([1.0, 2.0], [3.0, 4.0]), n_resamples=100))["H1"]
    assert h1.effect_size is None and h1.p_value is None
    assert h1.verdict == "insufficient data"


def test_h1_without_a_causal_strategy():
    docs = [results_doc(i, {H1_PREDICTOR: float(i)}, {"perfect_foresight": {"profit_usd": 1.0}}) for i in range(6)]
    h1 = by_name(run_hypotheses(docs, n_resamples=50))["H1"]
    assert h1.strategy is None and h1.verdict == "insufficient data" and "No causal strategy" in h1.summary
    with pytest.raises(HypothesisInputError, match="not causal"):
        run_hypotheses(docs, strategy="perfect_foresight")


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


def test_band_distance():
    np.testing.assert_allclose(band_distance(np.array([0.5, 0.6, 0.7, 0.8, 0.95])), [0.1, 0, 0, 0, 0.15])


def test_h2_supported_when_strategies_nearer_the_band_are_more_efficient_within_days():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(30):
        for name, util in (("a", 0.7), ("b", 0.95), ("c", 0.3), ("d", 0.85)):
            util = util + rng.normal(0, 0.02)
            rows.append((i, name, util, 30.0 - 40 * float(band_distance(np.array([util]))[0]) + rng.normal(0, 2)))
    h2 = by_name(run_hypotheses(utilization_history(rows), n_resamples=500))["H2"]
    assert h2.n == 30 and h2.n_days == 30 and h2.unit_of_analysis == "day"
    assert h2.effect_size > 0.5 and h2.p_value < 0.01 and h2.verdict == "supported"
    assert h2.details["inside_minus_outside"]["n_days"] == 30


def test_h2_counts_days_not_day_strategy_pairs():
    """The old H2 treated each (day, strategy) pair as an observation: ten strategies on three days made n = 30.
    Strategies on one day share its prices, so the day is the unit: three days are n = 3, however many
    strategies ran, and the verdict cannot be 'supported' on so few."""
    rng = np.random.default_rng(1)
    rows = [
        (i, f"s{k}", u, 40.0 - 50 * float(band_distance(np.array([u]))[0]))
        for i in range(3)
        for k, u in enumerate(rng.uniform(0.2, 1.0, 10))
    ]
    h2 = by_name(run_hypotheses(utilization_history(rows), n_resamples=200))["H2"]
    assert h2.n == 3 and h2.details["n_strategy_days"] == 30
    assert h2.verdict == "insufficient data" and h2.p_value == pytest.approx(1 / 8)  # exact: 2^3 sign patterns


def test_h2_leaves_out_perfect_foresight_and_idle_strategies():
    rows = [(i, n, u, e) for i in range(6) for n, u, e in (("a", 0.7, 30.0), ("b", 0.9, 20.0), ("c", 0.3, 10.0))]
    docs = utilization_history(rows)
    for d in docs:
        d["strategies"]["perfect_foresight"] = {"profit_usd": 1e6, "discharge_mwh": 100.0}
        d["metrics"].append({"name": "strategy.perfect_foresight.soc_utilization", "value": 0.99})
        d["strategies"]["idle"] = {"profit_usd": 5.0, "discharge_mwh": 0.5}  # below 1 MWh: no efficiency
        d["metrics"].append({"name": "strategy.idle.soc_utilization", "value": 0.01})
    days = study_days(docs)
    daily = daily_band_statistics([r for r in utilization_observations(days) if r["day"] == days[0].day])
    assert daily[0]["n_strategies"] == 3 and daily[0]["rho"] == pytest.approx(1.0)


def test_h2_without_three_discharging_strategies_is_insufficient():
    rows = [(i, "a", 0.95, 10.0) for i in range(6)] + [(i, "b", 0.7, 12.0) for i in range(6)]
    h2 = by_name(run_hypotheses(utilization_history(rows), n_resamples=100))["H2"]
    assert h2.effect_size is None and h2.verdict == "insufficient data"
    assert "No day with 3 or more causal strategies" in h2.summary


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


def test_h3_break_even_above_15_is_supported_with_power():
    rng = np.random.default_rng(3)
    spreads = list(np.linspace(5, 60, 62))
    profits = [80.0 * (s - 25.0) + rng.normal(0, 100) for s in spreads]
    h3 = by_name(run_hypotheses(spread_history(spreads, profits), n_resamples=1000))["H3"]
    be = h3.details["break_even_usd_per_mwh"]
    assert be == pytest.approx(25.0, abs=2.0)
    assert h3.details["break_even_low_usd_per_mwh"] < be < h3.details["break_even_high_usd_per_mwh"]
    assert h3.effect_size == pytest.approx(be - 15.0)
    assert h3.p_value < 0.05 and h3.verdict == "supported"
    assert h3.n == 62 and h3.strategy == "ppo_agent" and h3.power.adequate
    assert h3.details["separating_threshold"]["errors"] <= 3


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


def test_h3_never_reads_perfect_foresight():
    spreads = list(np.linspace(5, 60, 8))
    docs = [
        results_doc(i, {"spread.top4h_bottom4h": s}, {"perfect_foresight": {"profit_usd": 50 * s}})
        for i, s in enumerate(spreads)
    ]
    h3 = by_name(run_hypotheses(docs, n_resamples=100))["H3"]
    assert h3.strategy is None and h3.n == 0 and h3.verdict == "insufficient data"


def test_separating_threshold_minimises_errors():
    out = separating_threshold(np.array([5.0, 10.0, 20.0, 30.0]), np.array([False, False, True, True]))
    assert out == {"threshold": 15.0, "errors": 0, "bound": None}
    out = separating_threshold(np.array([5.0, 10.0, 20.0, 30.0]), np.array([False, True, False, True]))
    assert out["errors"] == 1


def test_h3_without_a_rising_profit_is_inconclusive_not_insufficient():
    spreads = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    h3 = by_name(run_hypotheses(spread_history(spreads, [900.0 - s for s in spreads]), n_resamples=100))["H3"]
    assert h3.effect_size is None
    assert h3.verdict == "inconclusive"
    assert "profit does not rise with spread" in h3.summary


# --------------------------------------------------------------------------- whole


def test_history_days_are_deduplicated_sorted_and_checked():
    docs = dam_history([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    docs = [docs[2], docs[0], docs[1], dict(docs[0], strategies={"mpc_dam": {"profit_usd": 9.0}})]
    days = study_days(docs)
    assert [d.day for d in days] == ["2025-10-01", "2025-10-02", "2025-10-03"]
    assert days[0].strategy_value("mpc_dam", "profit_usd") == 9.0
    with pytest.raises(HypothesisInputError, match="entry 0: missing field 'metrics'"):
        study_days([{"day": "2025-10-01"}])


def test_results_are_reproducible_and_serialisable():
    vol = [2.0, 5.0, 3.0, 9.0, 7.0, 4.0]
    hist = dam_history(vol, [100 * v + (-1) ** i * 50 for i, v in enumerate(vol)])
    a = [h.to_dict() for h in run_hypotheses(hist, n_resamples=200, seed=4)]
    b = [h.to_dict() for h in run_hypotheses(hist, n_resamples=200, seed=4)]
    assert a == b
    assert [h["name"] for h in a] == ["H1", "H2", "H3"]
    for h in a:
        assert h["verdict"] in ("supported", "contradicted", "inconclusive", "insufficient data")
        assert h["summary"].lower().startswith(h["verdict"])
        assert h["unit_of_analysis"] == "day" and set(h["power"]) >= {"n_needed", "power_at_n"}


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
    assert h1["strategy"] == "ppo_agent" and h1["power"]["n_needed"] == 50


def test_hypotheses_table_from_objects_and_stored_dicts():
    from hayeknet.research.hypotheses import hypotheses_table

    vol = [2.0, 5.0, 3.0, 9.0, 7.0]
    results = run_hypotheses(dam_history(vol, [10 * v for v in vol]), n_resamples=100)
    a = hypotheses_table(results)
    b = hypotheses_table([h.to_dict() for h in results])
    assert list(a.index) == ["H1", "H2", "H3"]
    assert a.equals(b)
    assert a.loc["H1", "effect_size"] == pytest.approx(1.0) and a.loc["H1", "n_days"] == 5
    assert a.loc["H1", "n_needed"] == 50 and a.loc["H1", "strategy"] == "mpc_dam"
    old = {k: v for k, v in results[0].to_dict().items() if k not in ("power", "strategy", "unit_of_analysis")}
    assert hypotheses_table([old]).loc["H1", "n_needed"] is None  # documents before schema 1.4.0
