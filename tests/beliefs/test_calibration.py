"""Brier score, reliability table and walk-forward scoring on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hayeknet.beliefs.calibration import (
    CalibrationInputError,
    brier_score,
    event_indicators,
    hourly_indicators,
    reliability_table,
    score_day,
    walk_forward_from_scores,
    walk_forward_summary,
)


def _events(a: list[int], b: list[int], c: list[int]) -> pd.DataFrame:
    idx = pd.date_range("2025-10-01 05:00", periods=len(a), freq="5min", tz="UTC", name="interval_start_utc")
    return pd.DataFrame(
        {"high_price": np.array(a, bool), "imbalance": np.array(b, bool), "congestion": np.array(c, bool)}, index=idx
    )


def test_brier_hand_cases() -> None:
    assert brier_score([1.0, 0.0], [1, 0]) == 0.0
    assert brier_score([0.0, 1.0], [1, 0]) == 1.0
    assert brier_score([0.5, 0.5, 0.5], [1, 0, 1]) == pytest.approx(0.25)
    assert brier_score([0.8, 0.3], [1, 0]) == pytest.approx((0.04 + 0.09) / 2)
    assert np.isnan(brier_score([], []))


def test_brier_rejects_bad_input() -> None:
    with pytest.raises(CalibrationInputError, match="2 forecasts but 1 outcomes"):
        brier_score([0.1, 0.2], [1])
    with pytest.raises(CalibrationInputError, match="within"):
        brier_score([1.5], [1])
    with pytest.raises(CalibrationInputError, match="0 or 1"):
        brier_score([0.5], [2])


def test_reliability_table_bins() -> None:
    table = reliability_table([0.05, 0.15, 0.12, 0.95, 1.0], [0, 1, 0, 1, 1], n_bins=10)
    assert list(table["n"]) == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table.loc[1, "mean_forecast"] == pytest.approx(0.135)
    assert table.loc[1, "observed_frequency"] == pytest.approx(0.5)
    assert table.loc[9, "observed_frequency"] == 1.0
    assert np.isnan(table.loc[2, "mean_forecast"])
    assert table["n"].sum() == 5


def test_event_and_hourly_indicators() -> None:
    ev = _events([1, 0, 1] + [0] * 12, [1, 1, 0] + [0] * 12, [0, 1, 1] + [1] + [0] * 11)
    ind = event_indicators(ev)
    assert list(ind["AB"][:3]) == [1, 0, 0]
    assert list(ind["BC"][:3]) == [0, 1, 0]
    assert ind["ABC"].sum() == 0
    hourly = hourly_indicators(ev)
    assert len(hourly) == 2  # 05:00 and 06:00 UTC
    first = hourly.iloc[0]
    assert first["A"] == first["B"] == first["C"] == 1.0
    assert first["ABC"] == 1.0  # each event somewhere in the hour
    assert hourly.iloc[1]["A"] == 0.0


def test_score_day_and_walk_forward() -> None:
    ev = _events([1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 1])
    probs = {"A": 0.25, "B": 0.5, "AB": 0.25}
    scored = score_day(probs, ev)
    assert scored["n_intervals"] == 4
    assert scored["day"]["A"]["realized_frequency"] == 0.25
    assert scored["day"]["A"]["brier"] == pytest.approx((0.75**2 + 3 * 0.25**2) / 4)
    assert scored["day"]["B"]["brier"] == pytest.approx(0.25)
    hourly = pd.DataFrame({"A": [0.9]}, index=pd.DatetimeIndex([ev.index[0].floor("h")]))
    scored = score_day(probs, ev, hourly)
    assert scored["hourly"]["A"]["brier"] == pytest.approx(0.01)
    summary = walk_forward_summary([(probs, ev), ({"A": 0.0}, ev)], n_bins=4)
    assert summary["A"]["n"] == 8
    assert summary["A"]["brier"] == pytest.approx(((0.75**2 + 3 * 0.25**2) + 1.0) / 8)
    assert sum(row["n"] for row in summary["A"]["reliability"]) == 8


def test_pooling_daily_scores_matches_walk_forward() -> None:
    ev1 = _events([1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 1])
    ev2 = _events([1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0])
    p1 = {"A": 0.25, "B": 0.55, "C": 0.05}
    p2 = {"A": 0.3, "B": 0.1, "C": 0.6}
    pooled = walk_forward_from_scores([score_day(p1, ev1), score_day(p2, ev2)], n_bins=5)
    direct = walk_forward_summary([(p1, ev1), (p2, ev2)], n_bins=5)
    for key in ("A", "B", "C"):
        assert pooled[key]["brier"] == pytest.approx(direct[key]["brier"])
        assert pooled[key]["n"] == direct[key]["n"] == 10
        pd.testing.assert_frame_equal(
            pd.DataFrame(pooled[key]["reliability"]), pd.DataFrame(direct[key]["reliability"]), check_dtype=False
        )
