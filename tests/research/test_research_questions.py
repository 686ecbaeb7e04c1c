"""Question registry: every confidence is a claim about a later day, and each could turn out wrong.

The tests named ``test_old_*`` record why a question was removed or rewritten
(ADR 0016): what its old confidence measured, and why that measurement could
not have come out otherwise.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hayeknet.params import ResearchParams
from hayeknet.research.claims import persistence_min_days
from hayeknet.research.insights import classify_regime
from hayeknet.research.journal import build_results
from hayeknet.research.metrics import day_metrics, metrics_by_name
from hayeknet.research.questions import (
    ENKF_COVERAGE_LEVEL,
    MEASURES,
    REGISTRY,
    Confidence,
    DayContext,
    answer_questions,
    claims_of,
)
from hayeknet.research.scoring import score_predictions

SETTINGS = ResearchParams()
START = dt.date(2025, 10, 1)


def context(d, *, previous_results=(), history_prices=None, n_resamples=300, seed=1, filtered=None) -> DayContext:
    metrics = day_metrics(
        d.prices,
        "HB_WEST",
        SETTINGS,
        dam_prices=d.dam_prices,
        filtered=d.filtered if filtered is None else filtered,
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
        filtered=d.filtered if filtered is None else filtered,
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


@pytest.fixture(scope="module")
def study(day_factory):
    """Eight study days (results documents) and the day objects behind them."""
    days, hist = [], []
    for i in range(8):
        d = day_factory(
            START + dt.timedelta(days=i), seed=30 + i, noise=0.5 + (i % 3), spike_price=400.0 if i % 3 == 1 else None
        )
        days.append(d)
        hist.append(build_results(**d.build_kwargs(day_index=i, n_days=8, previous_results=hist, n_resamples=100)))
    return days, hist


EXPECTED = {"volatility_next_day", "capture_next_day", "spread_next_day", "enkf_interval_coverage", "next_day_outlook"}


def test_registry_is_the_five_claim_making_questions():
    ids = [q.id for q in REGISTRY]
    assert len(ids) == len(set(ids))
    assert set(ids) == EXPECTED


def test_every_asked_confidence_names_claims_stored_in_the_results(study):
    """The study report can score every confidence: each names claim ids that the day's results hold."""
    _, hist = study
    last = hist[-1]
    stored = {p["id"] for kind in ("predictions", "interval_predictions", "coverage_claims") for p in last[kind]}
    asked = [q for q in last["qa"] if q["asked"]]
    assert {q["id"] for q in asked} == EXPECTED
    for q in asked:
        c = q["confidence"]
        assert c["measure"] in ("posterior_probability", "prediction_interval")
        assert c["claims"] and set(c["claims"]) <= stored, q["id"]
    # and every stored claim says which question stated it
    for kind in ("predictions", "interval_predictions", "coverage_claims"):
        assert all(p["question"] in EXPECTED for p in last[kind])


def test_every_question_is_scored_on_later_days(study):
    """Over eight days every question's claims are settled by the scoring module, none certain by construction."""
    _, hist = study
    scores = score_predictions(hist)
    by_q = scores.by_question()
    assert set(by_q) == EXPECTED
    for question, entry in by_q.items():
        settled = entry["n_probability"] + entry["n_interval"] + entry["n_coverage_outcomes"]
        assert settled > 0, question
    # no probability claim is 0 or 1 and no interval is the whole line: each can fail
    for r in hist:
        assert all(0.0 < p["probability"] < 1.0 for p in r["predictions"])
        assert all(np.isfinite([p["low"], p["high"]]).all() for p in r["interval_predictions"])


def test_first_day_states_only_what_one_day_supports(calm_day):
    answers = by_id(answer_questions(context(calm_day)))
    vol = answers["volatility_next_day"]
    assert vol.asked and vol.confidence.measure == "none" and vol.evidence["interval_predictions"] == []
    assert f"needs {persistence_min_days()}" in vol.confidence.statement
    cap = answers["capture_next_day"]
    assert cap.asked and cap.evidence["strategy"] == "ppo_agent"
    assert cap.evidence["interval_predictions"] == []  # an 80% capture interval needs 9 days
    assert cap.evidence["n_profit_days"] == 1
    assert cap.confidence.value == pytest.approx((cap.evidence["profitable_days"] + 1) / 3)  # Laplace over one day
    assert not answers["enkf_interval_coverage"].evidence.get("previous")
    for a in answers.values():
        if not a.asked:
            assert a.confidence is None and a.reason


def test_claims_of_collects_every_kind(calm_day):
    claims = claims_of(answer_questions(context(calm_day)))
    assert {p["id"] for p in claims["predictions"]} == {
        "profitable_next_day",
        "spike_next_day",
        "wide_spread_next_day",
        "spike_and_wide_spread_next_day",
    }
    assert [p["id"] for p in claims["interval_predictions"]] == ["spike_days_next_week"]
    assert [p["id"] for p in claims["coverage_claims"]] == ["enkf_one_step_2sigma"]


# --------------------------------------------------------------------------- removed or rewritten


def test_old_spread_capture_could_not_fail_as_perfect_foresight_is_an_upper_bound(study, spiky_day):
    """Old ``spread_capture``: P(the strategy trails perfect foresight) by an hour bootstrap. Perfect foresight is
    the optimum of the same LP from the same start, so every feasible strategy's profit is at most the bound and
    the 'probability' was ~1 on every day (it also resampled hours the state of charge links). Rewritten as
    ``capture_next_day``: the next day's capture ratio interval and P(profit > 0) of a causal strategy, which the
    next day settles either way."""
    days, hist = study
    pf = spiky_day.summary["perfect_foresight"]["profit_usd"]
    assert all(s["profit_usd"] <= pf + 1e-6 for s in spiky_day.summary.values())  # why the old claim was empty
    a = by_id(answer_questions(context(days[-1], previous_results=hist[:-1])))["capture_next_day"]
    assert "perfect_foresight" not in [a.evidence["strategy"]]
    assert a.confidence.measure == "posterior_probability" and 0.0 < a.confidence.value < 1.0
    assert all("bootstrap" not in str(v) for v in a.evidence["today"].values())  # today is description only
    # the claims can fail: settle them against an invented next day where the strategy lost money
    stated = a.evidence["predictions"][0]
    assert stated["event"] == {"metric": "strategy.ppo_agent.profit", "operator": ">", "threshold": 0.0, "unit": "$"}


def test_old_volatility_drivers_could_not_fail_as_extremes_carry_variance_by_definition(spiky_day):
    """Old ``volatility_drivers``: P(spikes and negative prices carry more of the variance than of the time).
    Variance is the mean squared deviation from the mean, and the extreme intervals are by definition those
    farthest from it, so their share of the variance exceeds their share of the time on every day they exist
    (and the fallback chose the top hour on the same data). Rewritten as ``volatility_next_day``: an 80% interval
    for the next day's volatility, settled by that day; today's shares are description without a probability."""
    values = spiky_day.prices["HB_WEST"].to_numpy()
    extreme = (values > SETTINGS.high_price_usd_per_mwh) | (values < SETTINGS.negative_price_usd_per_mwh)
    dev = (values - values.mean()) ** 2
    assert dev[extreme].sum() / dev.sum() > extreme.mean()  # the old 'finding', true by construction
    a = by_id(answer_questions(context(spiky_day)))["volatility_next_day"]
    assert "probability_excess_positive" not in a.evidence and "excess_share" not in a.evidence
    assert a.confidence.measure in ("prediction_interval", "none")


def test_old_study_comparison_was_about_today_so_no_later_day_could_settle_it(study):
    """Old ``study_comparison``: a rank-test p-value of today's mean price among earlier days. It is a statement
    about today under exchangeability that no later day can confirm or refute, so it could never be scored.
    Rewritten as ``spread_next_day``: an interval for the next day's spread (today's percentile is description)."""
    days, hist = study
    a = by_id(answer_questions(context(days[-1], previous_results=hist[:-1])))["spread_next_day"]
    assert a.confidence.measure == "prediction_interval" and "p_two_sided" not in str(a.evidence)
    claim = a.evidence["interval_predictions"][0]
    assert claim["quantity"]["metric"] == "spread.top4h_bottom4h" and claim["target"] == "next study day"
    assert 0.0 <= claim["low"] <= a.evidence["spread_today_usd_per_mwh"] <= claim["high"]


def test_old_enkf_follow_up_compared_analysis_residuals_which_cannot_test_a_forecast(spiky_day):
    """Old ``enkf_follow_up``: P(today's RMSE < yesterday's) with the RMSE of observed minus the *analysis* mean,
    which has already assimilated the observation, so it measured the filter's fit, not a forecast, and said
    nothing the filter had claimed beforehand. Rewritten as ``enkf_interval_coverage``: the filter's own one-step
    intervals, each stated before its price, and how often they held against their stated 95.4%."""
    ctx = context(spiky_day)
    a = by_id(answer_questions(ctx))["enkf_interval_coverage"]
    assert "probability_improved" not in a.evidence
    record = a.evidence["coverage_claims"][0]
    assert record["level"] == pytest.approx(ENKF_COVERAGE_LEVEL)
    ni = spiky_day.filtered.query("location == 'HB_WEST'")["normalized_innovation"].abs()
    assert record["n_covered"] == int((ni[np.isfinite(ni)] <= 2.0).sum())
    # a filter whose spreads are 10x too small fails its claim
    narrow = spiky_day.filtered.assign(normalized_innovation=spiky_day.filtered["normalized_innovation"] * 10)
    b = by_id(answer_questions(context(spiky_day, filtered=narrow)))["enkf_interval_coverage"]
    assert b.evidence["coverage"] < 0.5 and b.confidence.interval["high"] < ENKF_COVERAGE_LEVEL
    assert "overconfident" in b.answer


def test_outlook_kept_with_a_joint_and_a_weekly_count(study):
    """``next_day_outlook`` was kept (its probabilities were already scored); it now states the joint of its two
    events, so the Q&A's own marginals and joint face the coherence check, and a count over the next 7 days."""
    days, hist = study
    a = by_id(answer_questions(context(days[-1], previous_results=hist[:-1])))["next_day_outlook"]
    probs = {p["id"]: p["probability"] for p in a.evidence["predictions"]}
    assert probs["spike_and_wide_spread_next_day"] <= min(probs["spike_next_day"], probs["wide_spread_next_day"])
    weekly = a.evidence["interval_predictions"][0]
    assert weekly["quantity"]["aggregate"] == "count" and weekly["quantity"]["horizon_days"] == 7
    assert 0 <= weekly["low"] <= weekly["high"] <= 7 and weekly["level"] >= 0.8


# --------------------------------------------------------------------------- behaviour


def test_volatility_interval_follows_persistence_and_is_reproducible(study):
    days, hist = study
    ctx = context(days[-1], previous_results=hist[:-1], seed=5)
    a = by_id(answer_questions(ctx))["volatility_next_day"]
    claim = a.evidence["interval_predictions"][0]
    assert claim["low"] <= a.evidence["volatility_today_usd_per_mwh"] <= claim["high"]
    assert claim["low"] >= 0.0  # a standard deviation: the interval is cut at zero
    assert claim["level"] == pytest.approx(0.8) and claim["n"] == 7
    again = [x.to_dict() for x in answer_questions(context(days[-1], previous_results=hist[:-1], seed=5))]
    assert again == [x.to_dict() for x in answer_questions(ctx)]


def test_capture_strategy_is_causal_and_unknown_names_count(spiky_day):
    summary = {k: dict(v) for k, v in spiky_day.summary.items() if k != "ppo_agent"}
    summary["offer_curve_v2"] = dict(spiky_day.summary["percentile_threshold"])
    summary["percentile_threshold"]["causal"] = False  # a strategy that says it is not causal is left out
    ctx = context(spiky_day)
    ctx = DayContext(**{**ctx.__dict__, "simulation_summary": summary})
    a = by_id(answer_questions(ctx))["capture_next_day"]
    assert a.evidence["strategy"] == "offer_curve_v2"


def test_capture_skipped_without_perfect_foresight(spiky_day):
    ctx = context(spiky_day)
    summary = {"ppo_agent": spiky_day.summary["ppo_agent"]}
    ctx = DayContext(**{**ctx.__dict__, "simulation_summary": summary})
    a = by_id(answer_questions(ctx))["capture_next_day"]
    assert not a.asked and "perfect-foresight" in a.reason


def test_enkf_question_skipped_without_states(spiky_day):
    ctx = context(spiky_day)
    ctx = DayContext(**{**ctx.__dict__, "filtered": pd.DataFrame()})
    a = by_id(answer_questions(ctx))["enkf_interval_coverage"]
    assert not a.asked and "no EnKF states" in a.reason


def test_confidence_measures():
    assert "prediction_interval" in MEASURES
    with pytest.raises(ValueError):
        Confidence("none", "none", 0.5, "x", 0)
    with pytest.raises(ValueError):
        Confidence("fixed", "made_up", 0.9, "x", 0)
    assert Confidence("m", "prediction_interval", 0.8, "s", 3, claims=("a",)).to_dict()["claims"] == ["a"]


def test_no_question_resamples_single_intervals(spiky_day, monkeypatch):
    """Within a day only price-only series are resampled, and then in blocks of an hour; ledgers (linked by the
    state of charge) never are: their uncertainty comes from days."""
    import hayeknet.research.questions as questions

    calls = []
    real = questions.block_bootstrap

    def spy(values, statistic, **kw):
        calls.append(kw.get("block_length"))
        return real(values, statistic, **kw)

    monkeypatch.setattr(questions, "block_bootstrap", spy)
    answer_questions(context(spiky_day))
    assert calls == [12]  # the EnKF coverage only: 12 five-minute intervals = 1 hour
