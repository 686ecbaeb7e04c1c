"""Question registry: triggers, evidence, and confidence that follows the data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from hayeknet.params import ResearchParams
from hayeknet.research.insights import classify_regime
from hayeknet.research.journal import build_results
from hayeknet.research.metrics import day_metrics, metrics_by_name
from hayeknet.research.questions import REGISTRY, Confidence, DayContext, answer_questions

SETTINGS = ResearchParams()


def context(d, *, previous_results=(), history_prices=None, n_resamples=300, seed=1) -> DayContext:
    metrics = day_metrics(
        d.prices,
        "HB_WEST",
        SETTINGS,
        dam_prices=d.dam_prices,
        filtered=d.filtered,
        assimilation_metrics={},
        simulation_summary=d.summary,
        ledgers=d.ledgers,
        usable_mwh=d.spec.usable_mwh,
    )
    series = d.prices["HB_WEST"]
    return DayContext(
        day=d.day,
        location="HB_WEST",
        settings=SETTINGS,
        series=series,
        prices=d.prices,
        history_prices=history_prices if history_prices is not None else pd.DataFrame(),
        filtered=d.filtered,
        simulation_summary=d.summary,
        ledgers=d.ledgers,
        previous_results=list(previous_results),
        metrics=metrics_by_name(metrics),
        regime=classify_regime(series, SETTINGS),
        n_resamples=n_resamples,
        seed=seed,
    )


def by_id(answers):
    return {a.id: a for a in answers}


def test_registry_ids_are_unique_and_cover_the_four_questions():
    ids = [q.id for q in REGISTRY]
    assert len(ids) == len(set(ids))
    assert {"volatility_drivers", "spread_capture", "study_comparison", "enkf_follow_up"} <= set(ids)


def test_first_calm_day_asks_only_what_it_can_answer(calm_day):
    answers = by_id(answer_questions(context(calm_day)))
    assert not answers["volatility_drivers"].asked
    assert not answers["study_comparison"].asked and "first day" in answers["study_comparison"].reason
    assert not answers["enkf_follow_up"].asked
    assert answers["spread_capture"].asked
    for a in answers.values():
        if not a.asked:
            assert a.confidence is None and a.reason


def test_volatility_drivers_on_spiky_day(spiky_day):
    a = by_id(answer_questions(context(spiky_day)))["volatility_drivers"]
    assert a.asked and a.confidence.measure == "bootstrap_probability"
    ev = a.evidence
    assert ev["spike_intervals"] == 6 and ev["negative_intervals"] == 12
    shares = ev["spike_variance_share"] + ev["negative_variance_share"] + ev["other_variance_share"]
    assert shares == pytest.approx(1.0)
    assert ev["spike_variance_share"] > 0.5  # one 600 $/MWh half-hour dominates a ~30 $/MWh day
    assert ev["excess_share_low"] <= ev["excess_share"] <= ev["excess_share_high"]
    assert "Spikes contributed" in a.answer and f"{100 * ev['spike_variance_share']:.1f}%" in a.answer


def test_volatility_confidence_follows_the_data(day_factory):
    small = context(day_factory(dt.date(2025, 10, 2), seed=2, spike_price=110.0, spike_hours=(17.0, 17.1)))
    large = context(day_factory(dt.date(2025, 10, 2), seed=2, spike_price=900.0, spike_hours=(12.0, 14.0)))
    ca = by_id(answer_questions(small))["volatility_drivers"].confidence
    cb = by_id(answer_questions(large))["volatility_drivers"].confidence
    assert ca.value != cb.value or ca.interval != cb.interval
    assert 0.0 <= ca.value <= 1.0 and 0.0 <= cb.value <= 1.0


def test_spread_capture_numbers_are_consistent(spiky_day):
    a = by_id(answer_questions(context(spiky_day)))["spread_capture"]
    pf = spiky_day.summary["perfect_foresight"]["profit_usd"]
    for name in ("percentile_threshold", "ppo_agent"):
        e = a.evidence["strategies"][name]
        assert e["shortfall_usd"] == pytest.approx(pf - spiky_day.summary[name]["profit_usd"])
        # mean per-hour shortfall times hours is the day's shortfall (ledgers cover the day)
        assert e["hourly_shortfall_mean_usd"] * e["n_hours"] == pytest.approx(e["shortfall_usd"])
        assert e["hourly_shortfall_low_usd"] <= e["hourly_shortfall_mean_usd"] <= e["hourly_shortfall_high_usd"]
    assert a.evidence["primary"] == "ppo_agent"
    assert a.confidence.value == a.evidence["strategies"]["ppo_agent"]["probability_trails"]


def test_spread_capture_confidence_differs_between_days(calm_day, spiky_day):
    ca = by_id(answer_questions(context(calm_day)))["spread_capture"].confidence
    cb = by_id(answer_questions(context(spiky_day)))["spread_capture"].confidence
    assert ca.interval != cb.interval


def test_spread_capture_skipped_without_perfect_foresight(spiky_day):
    ctx = context(spiky_day)
    ctx = DayContext(**{**ctx.__dict__, "ledgers": {"ppo_agent": spiky_day.ledgers["ppo_agent"]}})
    a = by_id(answer_questions(ctx))["spread_capture"]
    assert not a.asked and "perfect-foresight" in a.reason


def _history(day_factory, levels):
    days = [
        day_factory(dt.date(2025, 9, 20) + dt.timedelta(days=i), seed=10 + i, level=lv) for i, lv in enumerate(levels)
    ]
    return pd.concat([d.prices for d in days])


def test_study_comparison_is_honest_with_thin_history(day_factory, spiky_day):
    a = by_id(answer_questions(context(spiky_day, history_prices=_history(day_factory, [20.0, 25.0]))))[
        "study_comparison"
    ]
    assert a.asked and a.evidence_strength == "thin"
    assert a.evidence["n_previous"] == 2
    assert "Evidence is thin" in a.answer
    assert a.confidence.measure == "p_value" and a.confidence.value == pytest.approx(2 / 3)


def test_study_comparison_p_value_shrinks_with_more_days(day_factory, spiky_day):
    few = by_id(answer_questions(context(spiky_day, history_prices=_history(day_factory, [20.0, 22.0, 24.0]))))
    many = by_id(
        answer_questions(context(spiky_day, history_prices=_history(day_factory, [20.0 + i for i in range(9)])))
    )
    a, b = few["study_comparison"], many["study_comparison"]
    assert a.evidence["mean_price_percentile"] == b.evidence["mean_price_percentile"] == 100.0
    assert a.confidence.value == pytest.approx(2 / 4)
    assert b.confidence.value == pytest.approx(2 / 10)
    assert b.evidence_strength == "adequate"


def test_study_comparison_falls_back_to_previous_results(calm_day, spiky_day):
    r1 = build_results(**calm_day.build_kwargs())
    a = by_id(answer_questions(context(spiky_day, previous_results=[r1])))["study_comparison"]
    assert a.asked and a.evidence["previous_days"] == ["2025-10-01"]
    assert a.evidence["previous_regimes"] == {"calm": 1}


def _previous_with_rmse(day: str, rmse: float) -> dict:
    return {
        "day": day,
        "metrics": [
            {"name": "enkf.rmse_battery", "value": rmse, "unit": "$/MWh", "description": ""},
            {"name": "enkf.anomalies_battery", "value": 3.0, "unit": "observations", "description": ""},
        ],
        "regime": {"label": "volatile", "reasons": ["x"], "evidence": {}},
    }


def test_enkf_follow_up_probability_tracks_yesterday(spiky_day):
    worse = by_id(answer_questions(context(spiky_day, previous_results=[_previous_with_rmse("2025-10-01", 1000.0)])))
    better = by_id(answer_questions(context(spiky_day, previous_results=[_previous_with_rmse("2025-10-01", 0.01)])))
    pw, pb = worse["enkf_follow_up"].confidence.value, better["enkf_follow_up"].confidence.value
    assert pw > 0.9 and pb < 0.1
    ev = worse["enkf_follow_up"].evidence
    assert ev["rmse_today_low"] <= ev["rmse_today_usd_per_mwh"] <= ev["rmse_today_high"]
    assert "stress persisted" in worse["enkf_follow_up"].answer


def test_enkf_follow_up_ignores_future_days(spiky_day):
    a = by_id(answer_questions(context(spiky_day, previous_results=[_previous_with_rmse("2025-10-05", 1.0)])))
    assert not a["enkf_follow_up"].asked


def test_answers_are_reproducible_with_seed(spiky_day):
    a = [x.to_dict() for x in answer_questions(context(spiky_day, seed=5))]
    b = [x.to_dict() for x in answer_questions(context(spiky_day, seed=5))]
    assert a == b


def test_confidence_none_cannot_carry_a_value():
    with pytest.raises(ValueError):
        Confidence("none", "none", 0.5, "x", 0)
    with pytest.raises(ValueError):
        Confidence("fixed", "made_up", 0.9, "x", 0)


def test_calm_day_more_volatile_than_history_asks_about_hours(day_factory):
    today = day_factory(dt.date(2025, 10, 5), seed=7, noise=2.0)
    history = pd.concat(
        [day_factory(dt.date(2025, 10, 1) + dt.timedelta(days=i), seed=20 + i, noise=0.2).prices for i in range(3)]
    )
    ctx = context(today, history_prices=history)
    assert ctx.regime.label == "calm"
    a = by_id(answer_questions(ctx))["volatility_drivers"]
    assert a.asked and "median of 3 previous" in a.reason
    assert a.evidence["group"].startswith("hour starting")
    assert a.evidence["group_intervals"] == 12
    assert "optimistic" in a.confidence.method
