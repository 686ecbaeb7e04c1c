"""Round trips between the normalized table and gridstatus's ERCOT column shapes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hayeknet.archive.gridstatus_format import GridstatusFormatError, from_gridstatus, to_gridstatus
from hayeknet.ercot.parse import parse_file


def test_spp_round_trip(fixtures_dir: Path) -> None:
    table = parse_file(fixtures_dir / "np6-905-cd.csv")
    gs = to_gridstatus(table, "RTM_15MIN")
    expected = ["Time", "Interval Start", "Interval End", "Location", "Location Type", "Market", "SPP"]
    assert gs.columns.tolist() == expected
    assert str(gs["Interval Start"].dt.tz) == "America/Chicago"
    assert gs["Interval Start"].iloc[0] == pd.Timestamp("2026-09-29 11:00", tz="America/Chicago")
    assert set(gs["Market"]) == {"REAL_TIME_15_MIN"}
    pd.testing.assert_frame_equal(from_gridstatus(gs), table)


def test_sced_and_dam_round_trip(fixtures_dir: Path) -> None:
    sced = parse_file(fixtures_dir / "np6-788-cd.csv")
    gs = to_gridstatus(sced, "RTM_SCED")
    assert "LMP" in gs.columns and set(gs["Market"]) == {"REAL_TIME_SCED"}
    pd.testing.assert_frame_equal(from_gridstatus(gs), sced)
    dam = parse_file(fixtures_dir / "np4-190-cd.csv")
    pd.testing.assert_frame_equal(from_gridstatus(to_gridstatus(dam, "DAM")), dam)


def test_hub_averages_labelled_trading_hub_by_gridstatus_become_hub_average(fixtures_dir: Path) -> None:
    gs = to_gridstatus(parse_file(fixtures_dir / "np6-905-cd.csv"), "RTM_15MIN")
    gs.loc[gs["Location"] == "HB_HUBAVG", "Location Type"] = "Trading Hub"
    back = from_gridstatus(gs)
    assert back.set_index("location").loc["HB_HUBAVG", "location_type"] == "Hub Average"


def test_as_prices_round_trip(fixtures_dir: Path) -> None:
    table = parse_file(fixtures_dir / "np4-188-cd.csv")
    gs = to_gridstatus(table, "DAM", ancillary=True)
    assert gs.columns.tolist() == [
        "Time", "Interval Start", "Interval End", "Market", "Regulation Up", "Regulation Down",
        "Responsive Reserves", "ERCOT Contingency Reserve Service", "Non-Spinning Reserves",
    ]  # fmt: skip
    assert len(gs) == 2 and gs["Non-Spinning Reserves"].iloc[0] == pytest.approx(2.55)
    pd.testing.assert_frame_equal(from_gridstatus(gs), table)


def test_bad_frames_name_the_column() -> None:
    with pytest.raises(GridstatusFormatError, match="Interval End"):
        from_gridstatus(pd.DataFrame({"Interval Start": [pd.Timestamp("2025-10-01", tz="UTC")]}))
    frame = pd.DataFrame(
        {"Interval Start": ["2025-10-01T00:00-05:00"], "Interval End": ["2025-10-01T00:15-05:00"], "Market": ["FOO"]}
    )
    with pytest.raises(GridstatusFormatError, match="Market"):
        from_gridstatus(frame)
