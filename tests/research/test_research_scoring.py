"""Predictive claims: stored with each day's results, settled on the next study day, Brier score and reliability."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hayeknet.research.journal import build_results, render_journal, validate_results
from hayeknet.research.scoring import (
    RELIABILITY_COLUMNS,
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
        assert [p["id"] for p in r["predictions"]] == ["spike_next_day", "wide_spread_next_day"]
    # day 2 (index 1) had a spike: spike frequency over 2 days is 1 of 2 -> (1+1)/(2+2)
    spike = {p["id"]: p for p in hist[1]["predictions"]}["spike_next_day"]
    assert spike["probability"] == pytest.approx(0.5) and spike["n"] == 2
    assert hist[0]["predictions"][0]["probability"] == pytest.approx(1 / 3)  # 0 of 1 day
    scores = hist[2]["prediction_scores"]
    assert scores["n_scored"] == 4  # two claims of each of the first two days
    first = next(s for s in scores["scored"] if s["issued_day"] == "2025-10-01" and s["id"] == "spike_next_day")
    assert first["outcome"] is True and first["target_day"] == "2025-10-02"
    qa = {q["id"]: q for q in hist[2]["qa"]}["next_day_outlook"]
    assert qa["asked"] and qa["confidence"]["measure"] == "posterior_probability"
    md = render_journal(hist[2])
    assert "## Predictions and their scores" in md and "Brier score" in md
    assert "## Hypotheses (all study days so far)" in md
