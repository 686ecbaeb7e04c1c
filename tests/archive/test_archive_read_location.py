"""``read_location`` skips row groups by their statistics and the partition's sort order: it must return exactly
the rows a full read and filter returns, whatever the layout of the row groups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.archive import store
from hayeknet.archive.store import read_day, read_location, write_day
from hayeknet.ercot.locations import LOAD_ZONE, LOAD_ZONE_EW, RESOURCE_NODE, TRADING_HUB

FIRST_DAY = dt.date(2026, 4, 1)
AS_TYPES = ("ECRS", "NSPIN", "REGDN", "REGUP", "RRS")


def _day_table(day: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """A normalized day with a random set of points per market, both LZ types, and AS rows in DAM."""
    names = np.array(["ALVIN_RN", "BRAZOS_RN", "HB_NORTH", "HB_WEST", "LZ_WEST", "LZ_HOUSTON", "ZAPATA_RN"])
    start = pd.Timestamp(day, tz="America/Chicago").tz_convert("UTC")
    parts = []
    for market, minutes, count in (("DAM", 60, 24), ("RTM_15MIN", 15, 96), ("RTM_SCED", 5, 288)):
        chosen = names[rng.random(len(names)) < 0.8]
        for name in chosen:
            types = (
                [LOAD_ZONE, LOAD_ZONE_EW]
                if name.startswith("LZ_") and market == "RTM_15MIN"
                else (
                    [LOAD_ZONE]
                    if name.startswith("LZ_")
                    else [TRADING_HUB]
                    if name.startswith("HB_")
                    else [RESOURCE_NODE]
                )
            )
            for location_type in types:
                starts = start + pd.to_timedelta(np.arange(count) * minutes, unit="min")
                parts.append(pd.DataFrame({
                    "interval_start_utc": starts, "interval_end_utc": starts + pd.Timedelta(minutes=minutes),
                    "market": market, "location": str(name), "location_type": location_type,
                    "as_type": pd.Series([None] * count, dtype="str"), "price": rng.normal(30, 10, count),
                    "report": "R"}))  # fmt: skip
        if market == "DAM":
            for as_type in AS_TYPES:
                starts = start + pd.to_timedelta(np.arange(24) * 60, unit="min")
                parts.append(pd.DataFrame({
                    "interval_start_utc": starts, "interval_end_utc": starts + pd.Timedelta(hours=1),
                    "market": market, "location": "ERCOT", "location_type": "System",
                    "as_type": as_type, "price": rng.gamma(2.0, 3.0, 24), "report": "AS"}))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dt.date]]:
    root = tmp_path_factory.mktemp("archive")
    rng = np.random.default_rng(4)
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range(6)]
    before = store.ROW_GROUP_ROWS
    try:
        for i, day in enumerate(days):
            store.ROW_GROUP_ROWS = (97, 200, 333, 1000, 64, 4096)[i]  # boundaries fall everywhere
            write_day(root, day, _day_table(day, rng), {})
    finally:
        store.ROW_GROUP_ROWS = before
    return root, days


def _expected(root: Path, days: list[dt.date], location: str, market: str, ancillary: bool) -> pd.DataFrame:
    whole = pd.concat([read_day(root, d) for d in days], ignore_index=True)
    rows = whole[(whole["location"] == location) & (whole["market"] == market)]
    if not ancillary:
        rows = rows[rows["as_type"].isna()]
    keys = ["location_type", "as_type", "interval_start_utc"]
    return rows.sort_values(keys, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("market", ["DAM", "RTM_15MIN", "RTM_SCED", "NONE"])
@pytest.mark.parametrize("ancillary", [False, True])
def test_read_location_equals_a_full_read_and_filter(archive, market: str, ancillary: bool) -> None:
    root, days = archive
    for location in ("ALVIN_RN", "BRAZOS_RN", "ERCOT", "HB_NORTH", "HB_WEST", "LZ_HOUSTON", "LZ_WEST", "ZAPATA_RN",
                     "AAA", "HB_X", "ZZZ"):  # fmt: skip
        got = read_location(root, location, market, days=days, include_ancillary=ancillary)
        expected = _expected(root, days, location, market, ancillary)
        if expected.empty:
            assert got.empty and tuple(got.columns) == tuple(expected.columns)
        else:
            pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_pure_and_mixed_row_groups_across_days_keep_day_order(archive, monkeypatch) -> None:
    """Days whose wanted rows sit in pure groups (two columns not read) and days that need every column."""
    root, days = archive
    seen = []
    real = store._energy_row_groups

    def spy(meta, location, market):
        groups, pure = real(meta, location, market)
        seen.append(pure)
        return groups, pure

    monkeypatch.setattr(store, "_energy_row_groups", spy)
    for location, market in (("HB_WEST", "RTM_SCED"), ("ALVIN_RN", "DAM"), ("ZAPATA_RN", "RTM_15MIN"),
                             ("LZ_WEST", "RTM_15MIN"), ("ALVIN_RN", "RTM_SCED")):  # fmt: skip
        got = read_location(root, location, market, days=days)
        pd.testing.assert_frame_equal(got, _expected(root, days, location, market, False), check_exact=True)
    assert True in seen and False in seen


def test_market_span_is_every_group_without_statistics(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"market": ["A", "B", "C", "D"], "location": ["x", "y", "z", "w"]})
    path = tmp_path / "no_stats.parquet"
    pq.write_table(table, path, row_group_size=1, write_statistics=False)
    meta = pq.read_metadata(path)
    assert list(store._market_span(meta, "C")) == [0, 1, 2, 3]
    pq.write_table(table, path, row_group_size=1)
    meta = pq.read_metadata(path)
    assert list(store._market_span(meta, "C")) == [2]
    assert list(store._market_span(meta, "BB")) == []


def _may_hold_reference(meta, location: str, market: str) -> list[int]:
    """Every row group whose location and market statistics may contain the pair (a scan of all groups)."""
    names = meta.schema.names
    keep = []
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        ok = True
        for col, value in (("location", location), ("market", market)):
            stats = rg.column(names.index(col)).statistics
            if stats.has_min_max and not (stats.min <= value <= stats.max):
                ok = False
        if ok:
            keep.append(g)
    return keep


def test_row_group_search_equals_a_scan_of_every_group(archive) -> None:
    import pyarrow.parquet as pq

    root, days = archive
    for day in days:
        meta = pq.read_metadata(store.partition_dir(root, day) / store.PRICES_FILE)
        for market in ("DAM", "RTM_15MIN", "RTM_SCED", "A", "Z"):
            for location in ("ALVIN_RN", "ERCOT", "HB_NORTH", "HB_WEST", "LZ_WEST", "ZAPATA_RN", "AAA", "ZZZ"):
                assert store._row_groups_of(meta, location, market) == _may_hold_reference(meta, location, market)
