"""Event definitions on a hand-built normalized price table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hayeknet.beliefs.events import (
    EventDataError,
    EventThresholds,
    default_hub,
    interval_events,
    interval_quantities,
)


def _table(node: list[float], hub: list[float], dam: float) -> pd.DataFrame:
    """SCED rows of HB_WEST and HB_HUBAVG over 00:00-01:00 Chicago on 2025-10-01, plus one DAM hour."""
    starts = pd.date_range("2025-10-01 05:00", periods=len(node), freq="5min", tz="UTC")
    rows = []
    for loc, ltype, prices in (("HB_WEST", "Trading Hub", node), ("HB_HUBAVG", "Hub Average", hub)):
        for s, p in zip(starts, prices):
            rows.append((s, s + pd.Timedelta(minutes=5), "RTM_SCED", loc, ltype, None, p, "NP6-788-CD"))
    h = pd.Timestamp("2025-10-01 05:00", tz="UTC")
    rows.append((h, h + pd.Timedelta(hours=1), "DAM", "HB_WEST", "Trading Hub", None, dam, "NP4-190-CD"))
    frame = pd.DataFrame(
        rows,
        columns=[
            "interval_start_utc",
            "interval_end_utc",
            "market",
            "location",
            "location_type",
            "as_type",
            "price",
            "report",
        ],
    )
    for col in ("market", "location", "location_type", "as_type", "report"):
        frame[col] = frame[col].astype("str").where(frame[col].notna(), pd.NA).astype("str")
    frame["as_type"] = pd.Series([pd.NA] * len(frame), dtype="str")
    return frame


def test_events_per_interval() -> None:
    node = [30.0, 150.0, 55.0, -5.0] + [30.0] * 8
    hub = [31.0, 120.0, 30.0, 10.0] + [30.5] * 8
    table = _table(node, hub, dam=40.0)
    q = interval_quantities(table, "HB_WEST", "HB_HUBAVG")
    assert len(q) == 288  # the day's full 5-minute grid, NaN where no price
    q = q.dropna()
    assert len(q) == 12
    assert q["spread_usd_per_mwh"].iloc[1] == pytest.approx(110.0)
    assert q["basis_usd_per_mwh"].iloc[2] == pytest.approx(25.0)
    ev = interval_events(q, EventThresholds(100.0, 20.0, 10.0))
    assert list(ev["high_price"][:4]) == [False, True, False, False]
    assert list(ev["imbalance"][:4]) == [False, True, False, True]  # |-5 - 40| = 45
    assert list(ev["congestion"][:4]) == [False, True, True, True]  # 30, 25, 15 above 10
    assert not ev.iloc[4:].to_numpy().any()


def test_missing_location_names_it() -> None:
    table = _table([30.0] * 3, [30.0] * 3, 30.0)
    with pytest.raises(EventDataError, match="HB_NORTH"):
        interval_quantities(table, "HB_NORTH", "HB_HUBAVG")


def test_default_hub() -> None:
    assert default_hub("HB_WEST") == "HB_HUBAVG"
    assert default_hub("LZ_HOUSTON") == "HB_HOUSTON"
    assert default_hub("SOME_UNKNOWN_NODE") == "HB_HUBAVG"


def test_thresholds_validated() -> None:
    with pytest.raises(ValueError):
        EventThresholds(100.0, 0.0, 10.0)
    assert np.isfinite(EventThresholds().high_price_usd_per_mwh)


def test_without_a_reference_hub_there_is_no_basis_and_no_congestion() -> None:
    from hayeknet.beliefs.events import has_basis

    q = interval_quantities(_table([30.0, 150.0] + [30.0] * 10, [30.0] * 12, dam=40.0), "HB_WEST", None).dropna()
    assert not has_basis(q) and "basis_usd_per_mwh" not in q
    events = interval_events(q, EventThresholds())
    assert list(events.columns) == ["high_price", "imbalance"] and len(events) == len(q) == 12
    assert events["high_price"].sum() == 1
    assert default_hub("HB_HUBAVG") is None and default_hub("HB_WEST") == "HB_HUBAVG"
