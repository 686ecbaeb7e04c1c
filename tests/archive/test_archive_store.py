"""Parquet archive: atomic day partitions, typed reads, location scans and the wide matrix."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest

from hayeknet.archive import store
from hayeknet.archive.store import (
    ArchiveError,
    archived_days,
    partition_dir,
    read_day,
    read_location,
    read_provenance,
    write_day,
)
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import COLUMNS, parse_files
from hayeknet.ercot.synthetic import write_synthetic_day

DAY = dt.date(2025, 10, 1)
FALL_BACK = dt.date(2025, 11, 2)


@pytest.fixture(scope="module")
def day_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[dt.date, pd.DataFrame]:
    raw = tmp_path_factory.mktemp("raw")
    cat = default_catalogue(4)
    return {d: parse_files(write_synthetic_day(d, raw, cat, 11)) for d in (DAY, FALL_BACK)}


def test_write_then_read_round_trips_exactly(tmp_path: Path, day_tables) -> None:
    table = day_tables[DAY]
    folder = write_day(tmp_path, DAY, table, {"day": DAY.isoformat(), "b": 1, "a": [1, 2]})
    assert folder == tmp_path / "day=2025-10-01"
    assert sorted(p.name for p in folder.iterdir()) == ["prices.parquet", "provenance.json"]
    back = read_day(tmp_path, DAY)
    assert tuple(back.columns) == COLUMNS
    pd.testing.assert_frame_equal(back, table)
    assert read_provenance(tmp_path, "2025-10-01") == {"day": "2025-10-01", "b": 1, "a": [1, 2]}
    assert archived_days(tmp_path) == [DAY]
    assert [p.name for p in tmp_path.iterdir()] == ["day=2025-10-01"]  # no temporary folders left


def test_archive_is_sorted_by_contract_order(tmp_path: Path, day_tables) -> None:
    shuffled = day_tables[DAY].sample(frac=1.0, random_state=0)
    write_day(tmp_path, DAY, shuffled, {})
    back = read_day(tmp_path, DAY)
    key = back[["market", "as_type", "location", "location_type", "interval_start_utc"]]
    assert key.equals(key.sort_values(list(key.columns), na_position="first").reset_index(drop=True))


def test_same_content_gives_identical_provenance_bytes(tmp_path: Path, day_tables) -> None:
    write_day(tmp_path / "a", DAY, day_tables[DAY], {"z": 1, "a": {"y": 2, "b": 3}})
    write_day(tmp_path / "b", DAY, day_tables[DAY], {"a": {"b": 3, "y": 2}, "z": 1})
    a = (partition_dir(tmp_path / "a", DAY) / "provenance.json").read_bytes()
    b = (partition_dir(tmp_path / "b", DAY) / "provenance.json").read_bytes()
    assert a == b


def test_failed_write_leaves_the_existing_partition_intact(tmp_path: Path, day_tables, monkeypatch) -> None:
    write_day(tmp_path, DAY, day_tables[DAY], {"version": 1})
    before = (partition_dir(tmp_path, DAY) / "prices.parquet").read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store.pq, "write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        write_day(tmp_path, DAY, day_tables[DAY].head(10), {"version": 2})
    assert (partition_dir(tmp_path, DAY) / "prices.parquet").read_bytes() == before
    assert read_provenance(tmp_path, DAY) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["day=2025-10-01"]


def test_failed_swap_restores_the_old_partition(tmp_path: Path, day_tables, monkeypatch) -> None:
    write_day(tmp_path, DAY, day_tables[DAY], {"version": 1})
    real_rename = os.rename
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:  # the new partition's rename into place
            raise OSError("interrupted")
        return real_rename(src, dst)

    monkeypatch.setattr(store.os, "rename", flaky)
    with pytest.raises(OSError, match="interrupted"):
        write_day(tmp_path, DAY, day_tables[DAY].head(10), {"version": 2})
    monkeypatch.setattr(store.os, "rename", real_rename)
    assert read_provenance(tmp_path, DAY) == {"version": 1}
    assert len(read_day(tmp_path, DAY)) == len(day_tables[DAY])


def test_replacing_a_day_and_recovering_an_interrupted_swap(tmp_path: Path, day_tables) -> None:
    write_day(tmp_path, DAY, day_tables[DAY], {"version": 1})
    write_day(tmp_path, DAY, day_tables[DAY].head(50), {"version": 2})
    assert len(read_day(tmp_path, DAY)) == 50 and read_provenance(tmp_path, DAY) == {"version": 2}
    # A crash after setting the old partition aside: the next read restores it.
    final = partition_dir(tmp_path, DAY)
    os.rename(final, tmp_path / f".{final.name}.old")
    assert len(read_day(tmp_path, DAY)) == 50


def test_missing_day_and_bad_table_raise_archive_error(tmp_path: Path, day_tables) -> None:
    with pytest.raises(ArchiveError, match="2025-10-05"):
        read_day(tmp_path, "2025-10-05")
    with pytest.raises(ArchiveError, match="price"):
        write_day(tmp_path, DAY, day_tables[DAY].drop(columns="price"), {})
    assert not partition_dir(tmp_path, DAY).exists()


def test_read_location_filters_days_market_and_location(tmp_path: Path, day_tables) -> None:
    for d, t in day_tables.items():
        write_day(tmp_path, d, t, {})
    west = read_location(tmp_path, "HB_WEST")
    assert len(west) == 288 + 300
    assert set(west["market"]) == {"RTM_SCED"} and set(west["location"]) == {"HB_WEST"}
    assert west["interval_start_utc"].is_monotonic_increasing
    only_one = read_location(tmp_path, "HB_WEST", days=[FALL_BACK])
    assert len(only_one) == 300
    lz = read_location(tmp_path, "LZ_WEST", market="RTM_15MIN", days=[DAY])
    assert lz.groupby("location_type").size().to_dict() == {"Load Zone": 96, "Load Zone Energy Weighted": 96}
    assert read_location(tmp_path, "NOPE").empty
    assert len(read_location(tmp_path, "ERCOT", "DAM", days=[DAY], include_ancillary=True)) == 24 * 5


def test_fixture_table_fits_the_archive(tmp_path: Path, fixtures_dir: Path) -> None:
    table = parse_files(sorted(p for p in fixtures_dir.glob("np[46]-*.csv") if "322" not in p.name))
    write_day(tmp_path, "2026-09-29", table, {})
    pd.testing.assert_frame_equal(read_day(tmp_path, "2026-09-29"), table)
