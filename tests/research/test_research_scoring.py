"""Predictive claims: stored with each day's results, settled on the next study day, Brier score and reliability."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hayeknet.research.journal import build_results, render_journal, validate_results
from hayeknet.research.scoring import (
    CLAIMS_TABLE_COLUMNS,
    RELIABILITY_COLUMNS,
    CoverageRecord,
    IntervalPrediction,
    Prediction,
    PredictionError,
    beta_binomial_probability,
    brier_score,
    reliability_table,
    score_predictions,
    wilson_interval,
)

START = dt.date(2025, 10, 1)


def prediction(day: str, p: float, threshold: float = 100.0, pid: str = "spike_next_day") -> dict:
    return Prediction(
        pid, day, "max price above threshold", p, "price.max", ">", threshold, "$/MWh", "test", 3
    ).to_dict()


def doc(i: int, max_price: float | None, predictions: list[dict]) -> dict:
    day = (START + dt.timedelta(days=i)).isoformat()
    metrics = (
        [] if max_price is None else [{"name": "price.max", "value": max_price, "unit": "$/MWh", "description": ""}]
    )
    return {"day": day, "metrics": metrics, "predictions": predictions}


def test_brier_score_extremes():
    assert brier_score([1.0, 0.0], [True, False]) == 0.0
    assert brier_score([0.0, 1.0], [True, False]) == 1.0
    assert brier_score([0.5] * 4, [True, False, True, True]) == 0.25
    assert np.isnan(brier_score([], []))
    with pytest.raises(ValueError, match="2 probabilities but 1 outcomes"):
        brier_score([0.1, 0.2], [True])


@given(st.integers(0, 200), st.integers(1, 200))
def test_wilson_interval_contains_the_proportion(k, n):
    k = min(k, n)
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n + 1e-12 <= high + 2e-12 <= 1.0 + 2e-12


def test_beta_binomial_is_laplace_rule():
    assert beta_binomial_probability(0, 0) == 0.5
    assert beta_binomial_probability(3, 4) == pytest.approx(4 / 6)
    with pytest.raises(ValueError):
        beta_binomial_probability(5, 4)


def test_predictions_are_settled_on_the_next_study_day():
    history = [
        doc(0, 50.0, [prediction("2025-10-01", 0.8)]),  # settled on day 1: max 150 > 100 -> True
        doc(1, 150.0, [prediction("2025-10-02", 0.3)]),  # settled on day 3 (the next *study* day): 90 -> False
        doc(3, 90.0, [prediction("2025-10-04", 0.6)]),  # last day: pending
    ]
    scores = score_predictions(list(reversed(history)))  # order of the history does not matter
    assert [(s.issued_day, s.target_day, s.outcome) for s in scores.scored] == [
        ("2025-10-01", "2025-10-02", True),
        ("2025-10-02", "2025-10-04", False),
    ]
    assert scores.pending == ("spike_next_day@2025-10-04",)
    assert scores.brier() == pytest.approx(((0.8 - 1) ** 2 + 0.3**2) / 2)
    assert scores.base_rate_brier() == pytest.approx(0.25)
    out = scores.to_dict()
    assert out["n_scored"] == 2 and out["by_claim"]["spike_next_day"]["observed_frequency"] == 0.5
    assert "2 prediction(s) settled" in out["summary"]


def test_missing_metric_makes_a_prediction_unscorable_and_old_documents_have_none():
    history = [doc(0, 50.0, [prediction("2025-10-01", 0.8)]), doc(1, None, []), {"day": "2025-10-03", "metrics": []}]
    scores = score_predictions(history)
    assert scores.n == 0 and scores.unscorable == ("spike_next_day@2025-10-01",)
    assert scores.summary().startswith("No prediction has been settled yet")


def test_malformed_predictions_name_the_field():
    bad = prediction("2025-10-01", 0.5)
    del bad["event"]
    with pytest.raises(PredictionError, match="prediction 'spike_next_day' of 2025-10-01: missing field 'event'"):
        score_predictions([doc(0, 1.0, [bad]), doc(1, 1.0, [])])
    with pytest.raises(PredictionError, match=r"probability 1\.5"):
        Prediction("x", "2025-10-01", "c", 1.5, "price.max", ">", 1.0, "$/MWh", "m", 1)
    with pytest.raises(PredictionError, match="operator"):
        Prediction("x", "2025-10-01", "c", 0.5, "price.max", "!=", 1.0, "$/MWh", "m", 1)


def test_reliability_of_a_calibrated_forecaster():
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, 4000)
    o = rng.uniform(0, 1, 4000) < p
    table = reliability_table(p, o, n_bins=10)
    assert list(table.columns) == list(RELIABILITY_COLUMNS)
    assert table["n"].sum() == 4000 and len(table) == 10
    inside = (table["ci_low"] <= table["mean_probability"]) & (table["mean_probability"] <= table["ci_high"])
    assert inside.sum() >= 8  # 95% intervals: most bins cover their mean forecast
    assert brier_score(p, o) == pytest.approx(np.mean(p * (1 - p)), abs=0.01)


def test_reliability_of_an_overconfident_forecaster_is_visible():
    p = np.full(200, 0.9)
    o = np.arange(200) % 2 == 0  # happens half the time
    table = reliability_table(p, o)
    assert len(table) == 1 and table.loc[0, "bin_low"] == pytest.approx(0.9)
    assert table.loc[0, "ci_high"] < 0.9  # the stated 0.9 lies outside the observed frequency's interval


def test_daily_results_make_and_score_claims(day_factory):
    hist: list[dict] = []
    for i in range(3):
        d = day_factory(START + dt.timedelta(days=i), seed=i, spike_price=600.0 if i == 1 else None)
        hist.append(build_results(**d.build_kwargs(day_index=i, previous_results=hist, n_resamples=100)))
    for r in hist:
        validate_results(r)
        assert [p["id"] for p in r["predictions"]] == [
            "profitable_next_day",
            "spike_next_day",
            "wide_spread_next_day",
            "spike_and_wide_spread_next_day",
        ]
    # day 2 (index 1) had a spike: spike frequency over 2 days is 1 of 2 -> (1+1)/(2+2)
    spike = {p["id"]: p for p in hist[1]["predictions"]}["spike_next_day"]
    assert spike["probability"] == pytest.approx(0.5) and spike["n"] == 2
    assert spike["question"] == "next_day_outlook"
    assert {p["id"]: p for p in hist[0]["predictions"]}["spike_next_day"]["probability"] == pytest.approx(1 / 3)
    scores = hist[2]["prediction_scores"]
    assert scores["n_scored"] == 8  # four probability claims of each of the first two days
    first = next(s for s in scores["scored"] if s["issued_day"] == "2025-10-01" and s["id"] == "spike_next_day")
    assert first["outcome"] is True and first["target_day"] == "2025-10-02"
    assert scores["intervals"]["pending"] == [
        f"spike_days_next_week@{d}" for d in ("2025-10-01", "2025-10-02", "2025-10-03")
    ]
    assert scores["claim_types"]["coverage"]["n_days"] == 3
    qa = {q["id"]: q for q in hist[2]["qa"]}["next_day_outlook"]
    assert qa["asked"] and qa["confidence"]["measure"] == "posterior_probability"
    md = render_journal(hist[2])
    assert "## Claims and their scores" in md and "Brier score" in md and "| enkf_one_step_2sigma | coverage |" in md
    assert "## Hypotheses (all study days so far, the day as the unit)" in md


# --------------------------------------------------------------------------- joint events, intervals, coverage


def test_a_joint_prediction_needs_every_condition():
    p = Prediction(
        "both",
        "2025-10-01",
        "c",
        0.3,
        "price.max",
        ">",
        100.0,
        "$/MWh",
        "m",
        3,
        also=(("spread.top4h_bottom4h", ">", 15.0),),
    )
    assert Prediction.from_dict(p.to_dict()) == p
    assert p.outcome({"price.max": 150.0, "spread.top4h_bottom4h": 20.0}) is True
    assert p.outcome({"price.max": 150.0, "spread.top4h_bottom4h": 10.0}) is False
    assert p.outcome({"price.max": 150.0}) is None
    with pytest.raises(PredictionError, match="operator"):
        Prediction("x", "d", "c", 0.5, "price.max", ">", 1.0, "$", "m", 1, also=(("a", "~", 1.0),))


def interval(day: str, low: float, high: float, **kw) -> dict:
    base = dict(
        id="spread_next_day",
        day=day,
        claim="c",
        low=low,
        high=high,
        level=0.8,
        metric="spread.top4h_bottom4h",
        unit="$/MWh",
        method="m",
        n=5,
        question="spread_next_day",
    )
    base.update(kw)
    return IntervalPrediction(**base).to_dict()


def spread_doc(i: int, spread: float | None, max_price: float = 50.0, **claims) -> dict:
    metrics = [{"name": "price.max", "value": max_price, "unit": "$/MWh", "description": ""}]
    if spread is not None:
        metrics.append({"name": "spread.top4h_bottom4h", "value": spread, "unit": "$/MWh", "description": ""})
    return {"day": (START + dt.timedelta(days=i)).isoformat(), "metrics": metrics, **claims}


def test_intervals_are_settled_by_coverage_on_the_next_study_day():
    history = [
        spread_doc(0, 10.0, interval_predictions=[interval("2025-10-01", 5.0, 15.0)]),  # day 1: 30 -> miss
        spread_doc(1, 30.0, interval_predictions=[interval("2025-10-02", 20.0, 40.0)]),  # day 2: 25 -> hit
        spread_doc(2, 25.0, interval_predictions=[interval("2025-10-03", 20.0, 40.0)]),  # day 3: missing -> unscorable
        spread_doc(3, None, interval_predictions=[interval("2025-10-04", 0.0, 1.0)]),  # last: pending
    ]
    scores = score_predictions(history)
    assert [(s.issued_day, s.target_day, s.covered) for s in scores.intervals] == [
        ("2025-10-01", "2025-10-02", False),
        ("2025-10-02", "2025-10-03", True),
    ]
    assert scores.interval_unscorable == ("spread_next_day@2025-10-03",)
    assert scores.interval_pending == ("spread_next_day@2025-10-04",)
    v = scores.interval_by_claim()["spread_next_day"]
    assert v["n"] == 2 and v["coverage"] == 0.5 and v["level"] == 0.8 and v["mean_width"] == 15.0
    assert scores.questions["spread_next_day"] == "spread_next_day"
    out = scores.to_dict()
    assert out["intervals"]["n_scored"] == 2 and "2 interval prediction(s) settled" in out["summary"]
    table = scores.claims_table()
    assert list(table.columns) == list(CLAIMS_TABLE_COLUMNS[1:])
    assert table.loc["spread_next_day", "type"] == "interval" and table.loc["spread_next_day", "realised"] == 0.5


def test_a_count_over_seven_days_waits_for_all_seven():
    claim = interval(
        "2025-10-01",
        1.0,
        2.0,
        id="spike_days_next_week",
        metric="price.max",
        unit="days",
        horizon_days=7,
        aggregate="count",
        operator=">",
        threshold=100.0,
        level=0.9,
    )
    maxima = [50, 150, 50, 120, 50, 50, 50, 50]  # days 2..8 hold two spikes
    history = [spread_doc(i, 10.0, max_price=m) for i, m in enumerate(maxima)]
    history[0]["interval_predictions"] = [claim]
    assert score_predictions(history[:7]).interval_pending == ("spike_days_next_week@2025-10-01",)
    scored = score_predictions(history).intervals
    assert len(scored) == 1 and scored[0].realized == 2.0 and scored[0].covered
    assert scored[0].target_day == "2025-10-08"


def test_interval_predictions_reject_what_cannot_be_scored():
    with pytest.raises(PredictionError, match="level"):
        IntervalPrediction("x", "d", "c", 0.0, 1.0, 1.0, "m", "u", "m", 1)
    with pytest.raises(PredictionError, match="finite interval"):
        IntervalPrediction("x", "d", "c", 2.0, 1.0, 0.8, "m", "u", "m", 1)
    with pytest.raises(PredictionError, match="horizon_days"):
        IntervalPrediction("x", "d", "c", 0.0, 1.0, 0.8, "m", "u", "m", 1, horizon_days=3)
    with pytest.raises(PredictionError, match="count needs"):
        IntervalPrediction("x", "d", "c", 0.0, 1.0, 0.8, "m", "u", "m", 1, horizon_days=3, aggregate="count")
    bad = interval("2025-10-01", 0.0, 1.0)
    del bad["quantity"]
    with pytest.raises(PredictionError, match="missing field 'quantity'"):
        score_predictions([spread_doc(0, 1.0, interval_predictions=[bad]), spread_doc(1, 1.0)])


def test_coverage_records_pool_over_days_and_resample_days():
    records = [
        CoverageRecord("enkf_one_step_2sigma", f"2025-10-0{i + 1}", "c", 0.954, 100, k, "m", "enkf_interval_coverage")
        for i, k in enumerate([90, 80, 95, 85])
    ]
    history = [spread_doc(i, 1.0, coverage_claims=[r.to_dict()]) for i, r in enumerate(records)]
    scores = score_predictions(history, n_resamples=200)
    v = scores.coverage_by_claim()["enkf_one_step_2sigma"]
    assert v["n_days"] == 4 and v["n"] == 400 and v["coverage"] == pytest.approx(0.875)
    assert v["ci_high"] < 0.954 and "over 4 days" in v["ci_method"]  # an overconfident filter is caught
    assert "87.5% of 400 outcomes over 4 day(s)" in scores.summary()
    one = score_predictions(history[:1]).coverage_by_claim()["enkf_one_step_2sigma"]
    assert "Wilson" in one["ci_method"]
    with pytest.raises(PredictionError, match="n_covered"):
        CoverageRecord("x", "d", "c", 0.9, 10, 11, "m")


def test_scores_by_claim_type_and_question():
    history = [
        spread_doc(
            0,
            10.0,
            max_price=150.0,
            predictions=[prediction("2025-10-01", 0.8) | {"question": "next_day_outlook"}],
            interval_predictions=[interval("2025-10-01", 5.0, 15.0)],
        ),
        spread_doc(1, 12.0, max_price=150.0),
    ]
    scores = score_predictions(history)
    types = scores.claim_types()
    # 0.8 stated for a spike that happened: (1 - 0.8)^2
    assert types["probability"]["n"] == 1 and types["probability"]["brier"] == pytest.approx(0.04)
    assert types["interval"]["n"] == 1 and types["interval"]["coverage"] == 1.0
    assert types["interval"]["reliability"][0]["mean_probability"] == pytest.approx(0.8)
    by_q = scores.by_question()
    assert by_q["next_day_outlook"]["claims"] == ["spike_next_day"] and by_q["next_day_outlook"]["n_probability"] == 1
    assert by_q["spread_next_day"]["interval_coverage"] == 1.0 and by_q["spread_next_day"]["interval_level"] == 0.8


def test_an_interval_forecaster_that_states_80_percent_and_covers_half_is_visible():
    rng = np.random.default_rng(3)
    history = []
    for i in range(80):
        value = float(rng.normal(50, 10))
        claim = interval((START + dt.timedelta(days=i)).isoformat(), 50 - 6.7, 50 + 6.7)  # a 50% interval called 80%
        history.append(spread_doc(i, value, interval_predictions=[claim]))
    v = score_predictions(history).interval_by_claim()["spread_next_day"]
    assert v["n"] == 79 and v["ci_high"] < 0.8 and v["p_value"] < 0.01
