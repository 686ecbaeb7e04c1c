"""Splitting multi-day files into operating days: every per-day file parses to the whole file's rows of that day."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from ercot_workbooks import (
    NP4_180_HEADER,
    NP4_181_HEADER,
    NP6_785_HEADER,
    by_month,
    csv_text,
    np4_180_rows,
    np4_181_rows,
    np6_785_rows,
    workbook_bytes,
    zip_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hayeknet.ercot.calendar import ERCOT_TZ
from hayeknet.ercot.parse import ReportFormatError, deduplicate, parse_file
from hayeknet.ercot.parse.days import day_file_name, split_into_days
from hayeknet.ercot.reports import NP4_188, NP4_190, NP6_905

KINDS = {
    "NP6-785-ER": (NP6_785_HEADER, np6_785_rows, NP6_905),
    "NP4-180-ER": (NP4_180_HEADER, np4_180_rows, NP4_190),
    "NP4-181-ER": (NP4_181_HEADER, np4_181_rows, NP4_188),
}


def _write(kind: str, days: list[dt.date], folder: Path, as_workbook: bool, seed: int = 7) -> Path:
    header, rows_of, _ = KINDS[kind]
    rows = rows_of(days, seed)
    if as_workbook:
        path = folder / f"{kind}_{days[0]:%Y}.zip"
        sheets = [(name, header, part) for name, part in by_month(rows)]
        path.write_bytes(zip_bytes({f"{kind}.xlsx": workbook_bytes(sheets)}))
    else:
        path = folder / f"{kind}_{days[0]:%Y}.csv"
        path.write_text(csv_text(header, rows))
    return path


def _split_equals_whole(path: Path, out: Path, daily_id: str) -> int:
    whole = parse_file(path)
    split = split_into_days(path, out)
    assert split.report == daily_id and split.source_report == whole["report"].iloc[0]
    parts = []
    for day, part in split.days.items():
        table = parse_file(part.path)
        assert set(table["report"]) == {daily_id}
        local_days = set(table["interval_start_utc"].dt.tz_convert(ERCOT_TZ).dt.date)
        assert local_days == {day}, f"{part.path.name} holds {sorted(local_days)}"
        assert part.path.read_text().splitlines()[0] == ",".join(KINDS[split.source_report][2].columns)
        parts.append(table)
    rejoined = deduplicate(pd.concat(parts, ignore_index=True))
    pd.testing.assert_frame_equal(rejoined.drop(columns="report"), whole.drop(columns="report"))
    return len(split.days)


@pytest.mark.parametrize(
    ("kind", "as_workbook"),
    [
        ("NP6-785-ER", True),
        ("NP6-785-ER", False),
        ("NP4-180-ER", True),
        ("NP4-180-ER", False),
        ("NP4-181-ER", False),
    ],  # ERCOT publishes NP4-181-ER as CSV only
)
def test_split_per_day_files_parse_to_the_whole_files_rows(kind: str, as_workbook: bool, tmp_path: Path) -> None:
    days = [dt.date(2023, 3, 11) + dt.timedelta(days=i) for i in range(3)]  # spring-forward day in the middle
    days += [dt.date(2023, 4, 30), dt.date(2023, 5, 1), dt.date(2023, 11, 5)]  # a month edge, the fall-back day
    path = _write(kind, days, tmp_path, as_workbook)
    assert _split_equals_whole(path, tmp_path / "out", KINDS[kind][2].report_id) == len(days)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(KINDS)),
    start=st.dates(min_value=dt.date(2011, 1, 1), max_value=dt.date(2025, 12, 25)),
    n_days=st.integers(min_value=1, max_value=5),
    near_dst=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_splitting_then_parsing_equals_parsing_the_whole(
    kind: str, start: dt.date, n_days: int, near_dst: bool, seed: int
) -> None:
    if near_dst:  # a range around a DST change of the drawn year (second Sunday of March or first of November)
        month = 3 if seed % 2 else 11
        first = dt.date(start.year, month, 1)
        sunday = first + dt.timedelta(days=(6 - first.weekday()) % 7 + (7 if month == 3 else 0))
        start = sunday - dt.timedelta(days=seed % n_days)
    days = [start + dt.timedelta(days=i) for i in range(n_days)]
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(kind, days, Path(tmp), as_workbook=False, seed=seed)
        assert _split_equals_whole(path, Path(tmp) / "out", KINDS[kind][2].report_id) == n_days


def test_daily_report_spanning_days_is_split_with_its_values_untouched(fixtures_dir: Path, tmp_path: Path) -> None:
    text = (fixtures_dir / "np4-190-cd.csv").read_text()
    lines = text.splitlines()
    extra = [ln.replace("09/29/2026", "09/30/2026") for ln in lines[1:4]]
    path = tmp_path / "dam_week.csv"
    path.write_text("\n".join([*lines, *extra]) + "\n")
    split = split_into_days(path, tmp_path / "out")
    assert split.source_report == split.report == "NP4-190-CD"
    assert sorted(split.days) == [dt.date(2026, 9, 29), dt.date(2026, 9, 30)]
    assert split.days[dt.date(2026, 9, 30)].path.read_text().splitlines()[1:] == extra  # padded prices kept
    assert split.days[dt.date(2026, 9, 29)].path.read_text() == text
    assert split.file_name(dt.date(2026, 9, 30)) == "dam_week.20260930.csv"


def test_day_file_names() -> None:
    day = dt.date(2016, 3, 13)
    assert day_file_name("NP4-180-ER_DAMLZHBSPP_2016.zip", day) == "NP4-180-ER_DAMLZHBSPP_2016.20160313.csv"
    assert day_file_name("rpt.00013091.0000000000000000.20170101080004.DAMASMCPC_2016.zip", day) == (
        "rpt.00013091.0000000000000000.20170101080004.DAMASMCPC_2016.20160313.csv"
    )
    assert day_file_name("a.xlsx", day) == "a.20160313.csv" and day_file_name("b.CSV.zip", day) == "b.20160313.csv"


def test_a_bad_row_stops_the_split_naming_file_sheet_row_and_field(tmp_path: Path) -> None:
    days = [dt.date(2022, 1, 31), dt.date(2022, 2, 1)]
    rows = np4_180_rows(days)
    rows[-3] = (*rows[-3][:4], "")
    path = tmp_path / "dam.xlsx"
    path.write_bytes(workbook_bytes([(name, NP4_180_HEADER, part) for name, part in by_month(rows)]))
    with pytest.raises(
        ReportFormatError,
        match=r"dam.xlsx, sheet Feb_2, row 142, field Settlement Point Price: "
        r"missing value",
    ):
        split_into_days(path, tmp_path / "out")
