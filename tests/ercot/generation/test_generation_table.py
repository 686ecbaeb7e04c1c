"""The wind/solar production reports: headers by role, postings in ERCOT's layout, DST, the dedup and as-of rules."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from generation_postings import base_mw, local, posting_csv, posting_name, tag_of, write_posting, zip_bytes
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.ercot.calendar import hours_in_day
from hayeknet.ercot.generation import (
    GENERATION_COLUMNS,
    NP4_732,
    NP4_737,
    POSTING_COLUMNS,
    day_ahead_cutoff_utc,
    detect_generation_header,
    generation_table,
    is_generation_header,
    parse_postings,
    posting_time_utc,
    read_posting,
)
from hayeknet.ercot.reports import ReportFormatError

# --- headers ----------------------------------------------------------------------------------

OLD_WIND = (
    "DELIVERY_DATE,HOUR_ENDING,ACTUAL_SYSTEM_WIDE,COP_HSL_SYSTEM_WIDE,STWPF_SYSTEM_WIDE,WGRPP_SYSTEM_WIDE,"
    "ACTUAL_LZ_SOUTH_HOUSTON,COP_HSL_LZ_SOUTH_HOUSTON,STWPF_LZ_SOUTH_HOUSTON,WGRPP_LZ_SOUTH_HOUSTON,"
    "ACTUAL_LZ_WEST,COP_HSL_LZ_WEST,STWPF_LZ_WEST,WGRPP_LZ_WEST,"
    "ACTUAL_LZ_NORTH,COP_HSL_LZ_NORTH,STWPF_LZ_NORTH,WGRPP_LZ_NORTH,DSTFlag"
)
OLD_SOLAR = "DELIVERY_DATE,HOUR_ENDING,GEN_SYSTEM_WIDE,COP_HSL_SYSTEM_WIDE,STPPF_SYSTEM_WIDE,PVGRPP_SYSTEM_WIDE,DSTFlag"
GEO_WIND = (  # NP4-742-CD, wind by geographic region: a report HayekNet does not read
    "DELIVERY_DATE,HOUR_ENDING,SYSTEM_WIDE_GEN,COP_HSL_SYSTEM_WIDE,STWPF_SYSTEM_WIDE,WGRPP_SYSTEM_WIDE,"
    "GEN_PANHANDLE,COP_HSL_PANHANDLE,STWPF_PANHANDLE,WGRPP_PANHANDLE,SYSTEM_WIDE_HSL,DSTFlag"
)


def test_current_headers_are_read_by_role() -> None:
    wind = detect_generation_header(NP4_732.columns)
    assert wind.report is NP4_732 and wind.regions() == ["SYSTEM_WIDE", "LZ_SOUTH_HOUSTON", "LZ_WEST", "LZ_NORTH"]
    roles = {wind.header[i]: r for i, r in wind.measures.items()}
    assert roles["SYSTEM_WIDE_GEN"] == ("actual", "SYSTEM_WIDE")
    assert roles["SYSTEM_WIDE_HSL"] == ("actual_hsl", "SYSTEM_WIDE")
    assert roles["GEN_LZ_WEST"] == ("actual", "LZ_WEST")
    assert roles["WGRPP_LZ_NORTH"] == ("potential", "LZ_NORTH")
    solar = detect_generation_header(NP4_737.columns)
    assert solar.report is NP4_737 and solar.regions() == ["SYSTEM_WIDE"]
    assert NP4_737.columns == (
        "DELIVERY_DATE", "HOUR_ENDING", "SYSTEM_WIDE_GEN", "COP_HSL_SYSTEM_WIDE", "STPPF_SYSTEM_WIDE",
        "PVGRPP_SYSTEM_WIDE", "SYSTEM_WIDE_HSL", "DSTFlag",
    )  # fmt: skip


def test_headers_before_the_2024_renaming_are_read() -> None:
    wind = detect_generation_header(OLD_WIND.split(","))
    assert {wind.header[i]: r for i, r in wind.measures.items()}["ACTUAL_LZ_WEST"] == ("actual", "LZ_WEST")
    solar = detect_generation_header(OLD_SOLAR.split(","))
    assert {solar.header[i]: r for i, r in solar.measures.items()}["GEN_SYSTEM_WIDE"] == ("actual", "SYSTEM_WIDE")


def test_foreign_and_broken_headers() -> None:
    assert is_generation_header(GEO_WIND.split(","))  # looks like one ...
    with pytest.raises(ReportFormatError, match=r"matches no supported report.*'GEN_PANHANDLE'"):
        detect_generation_header(GEO_WIND.split(","), "geo.csv")  # ... but is not read here
    assert not is_generation_header(["DeliveryDate", "HourEnding", "SettlementPoint", "Price", "DSTFlag"])
    lacking = [c for c in NP4_737.columns if c != "PVGRPP_SYSTEM_WIDE"]
    with pytest.raises(ReportFormatError, match="lacks potential of SYSTEM_WIDE") as info:
        detect_generation_header(lacking, "s.csv")
    assert (info.value.file, info.value.row, info.value.field) == ("s.csv", 0, "header")
    with pytest.raises(ReportFormatError, match="repeats actual of SYSTEM_WIDE"):
        detect_generation_header([*NP4_737.columns[:-1], "GEN_SYSTEM_WIDE", "DSTFlag"])


# --- one posting --------------------------------------------------------------------------------


def test_posting_time_comes_from_the_mis_name() -> None:
    assert posting_time_utc("cdr.00013028.0000000000000000.20260928.090501.X_csv.zip") == pd.Timestamp(
        "2026-09-28 14:05:01", tz="UTC"
    )
    # the DST-end repeated hour: first pass CDT, the xhr pass CST
    first = posting_time_utc("cdr.00013483.0000000000000000.20251102.010501.X_csv.zip")
    second = posting_time_utc("cdr.00013483.0000000000000000.20251102.010501.X_csv_xhr.zip")
    assert second - first == pd.Timedelta(hours=1)
    assert posting_time_utc("renamed.csv") is None


def test_a_posting_in_ercots_layout(tmp_path: Path) -> None:
    published = local("2026-09-28 09:05:01")
    path = write_posting(tmp_path, "wind", published)
    posting = read_posting(path)
    assert posting.report is NP4_732 and posting.published_utc == published and posting.n_rows == 216
    rows = posting.rows
    assert rows is not None and tuple(rows.columns) == POSTING_COLUMNS and len(rows) == 216 * 4
    system = rows[rows["region"] == "SYSTEM_WIDE"].set_index("interval_start_utc")
    assert system.index.is_monotonic_increasing and system.index.is_unique
    assert system.index[0] == pd.Timestamp("2026-09-26 14:00", tz="UTC")  # 48 hours back from 09:00 CDT
    known = system.index + pd.Timedelta(hours=1) <= published
    assert known.sum() == 48 and system["actual_mw"][known].notna().all() and system["actual_mw"][~known].isna().all()
    assert system["forecast_mw"].notna().all()
    hour = system.index[60]
    assert system.loc[hour, "forecast_mw"] == pytest.approx(base_mw("wind", hour) + tag_of(published))
    west = rows[(rows["region"] == "LZ_WEST") & (rows["interval_start_utc"] == hour)]
    assert west["forecast_mw"].item() == pytest.approx((base_mw("wind", hour) + tag_of(published)) / 4, abs=1e-3)
    assert rows["actual_hsl_mw"][rows["region"] == "LZ_WEST"].isna().all()  # only system-wide has an HSL
    assert set(rows["file"]) == {path.name} and rows["row"].min() == 1 and rows["row"].max() == 216


@pytest.mark.parametrize(
    ("posted", "day", "hours", "repeated"),
    [("2025-03-09 09:05:01", "03/09/2025", 23, 0), ("2025-11-02 09:05:01", "11/02/2025", 25, 1)],
)
def test_dst_days_in_a_posting(tmp_path: Path, posted: str, day: str, hours: int, repeated: int) -> None:
    text = posting_csv("solar", local(posted))
    lines = [ln.split(",") for ln in text.splitlines()[1:]]
    ours = [ln for ln in lines if ln[0] == day]
    assert len(ours) == hours and sum(ln[-1] == "Y" for ln in ours) == repeated
    assert ("03" in {ln[1] for ln in ours}) == (hours != 23)  # spring forward: no hour ending 3
    path = write_posting(tmp_path, "solar", local(posted))
    rows = read_posting(path).rows
    assert rows is not None and rows["interval_start_utc"].is_monotonic_increasing
    assert rows["interval_start_utc"].is_unique


def _write_csv(tmp_path: Path, text: str, name: str = "cdr.00013483.0000000000000000.20250308.090501.X_csv.zip"):
    path = tmp_path / name
    path.write_bytes(zip_bytes(name, text))
    return path


def _solar_lines(posted: str = "2025-03-08 09:05:01") -> list[str]:
    return posting_csv("solar", local(posted), hours_back=2, hours_ahead=40).splitlines()


@pytest.mark.parametrize(
    ("edit", "row", "field", "message"),
    [
        (lambda ln: ln.replace("STPPF_SYSTEM_WIDE", "STPPF_X") if ln.startswith("DEL") else ln, 0, "header", "no"),
        (lambda ln: ln.split(",", 1)[0] + ",25," + ln.split(",", 2)[2], 1, "HOUR_ENDING", "1..24"),
        (lambda ln: "13/45/2025" + ln[10:], 1, "DELIVERY_DATE", "MM/DD/YYYY"),
        (lambda ln: ln[:-1] + "Y", 1, "DSTFlag", "repeated-hour flag Y outside"),
        (lambda ln: ln[:-1] + "X", 1, "DSTFlag", "Y or N"),
        (None, 1, None, "fields"),
    ],
)
def test_a_bad_first_row_names_file_row_and_field(tmp_path: Path, edit, row, field, message) -> None:
    lines = _solar_lines()
    target = 0 if row == 0 else 1
    if field is None:  # a row with one field too many
        lines[1] = lines[1] + ",1"
    else:
        lines[target] = edit(lines[target])
    path = _write_csv(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(ReportFormatError, match=message) as info:
        read_posting(path)
    assert (info.value.file, info.value.row, info.value.field) == (path.name, row, field)


def test_bad_values_and_hours_name_their_row(tmp_path: Path) -> None:
    lines = _solar_lines()
    cells = lines[5].split(",")
    cells[4] = "12,5"[:2] + "x"  # STPPF_SYSTEM_WIDE not a number
    lines[5] = ",".join(cells)
    with pytest.raises(ReportFormatError, match="not a number") as info:
        read_posting(_write_csv(tmp_path, "\n".join(lines) + "\n"))
    assert (info.value.row, info.value.field) == (5, "STPPF_SYSTEM_WIDE")
    # spring forward: hour ending 03 does not exist on 03/09/2025
    lines = _solar_lines()
    gap = next(i for i, ln in enumerate(lines) if ln.startswith("03/09/2025,04"))
    lines[gap] = lines[gap].replace("03/09/2025,04", "03/09/2025,03")
    with pytest.raises(ReportFormatError, match="spring-forward gap") as info:
        read_posting(_write_csv(tmp_path, "\n".join(lines) + "\n", "cdr.1.20250308.090501.b.csv"))
    assert (info.value.row, info.value.field) == (gap, "HOUR_ENDING")
    # the same hour twice in one posting
    lines = _solar_lines()
    lines[7] = lines[6]
    with pytest.raises(ReportFormatError, match="given twice") as info:
        read_posting(_write_csv(tmp_path, "\n".join(lines) + "\n", "cdr.2.20250308.090501.c.csv"))
    assert (info.value.row, info.value.field) == (7, "HOUR_ENDING")


def test_blank_values_are_nan_and_a_name_without_time_is_refused(tmp_path: Path) -> None:
    lines = _solar_lines()
    cells = lines[3].split(",")
    cells[3] = ""  # COP HSL blank: not known, not an error
    lines[3] = ",".join(cells)
    path = _write_csv(tmp_path, "\n".join(lines) + "\n")
    rows = read_posting(path).rows
    assert rows is not None and np.isnan(rows["forecast_cop_hsl_mw"].iloc[2])
    plain = tmp_path / "solar.csv"
    plain.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReportFormatError, match="no posting time") as info:
        read_posting(plain)
    assert info.value.file == "solar.csv"
    assert read_posting(plain, published_utc=local("2025-03-08 09:05:01")).n_rows == len(lines) - 1


def test_old_headers_parse_with_nan_hsl(tmp_path: Path) -> None:
    published = local("2024-06-01 09:05:01")
    path = write_posting(tmp_path, "solar", published, hsl=False)
    rows = read_posting(path).rows
    assert rows is not None and rows["actual_hsl_mw"].isna().all() and rows["actual_mw"].notna().sum() == 48


def test_parse_postings_sets_a_bad_file_aside(tmp_path: Path) -> None:
    good = [write_posting(tmp_path, "wind", local(t)) for t in ("2026-09-28 08:05:01", "2026-09-28 09:05:01")]
    lines = posting_csv("wind", local("2026-09-28 10:05:01")).splitlines()
    lines[9] = lines[9].replace(",N", ",Q")
    bad = tmp_path / posting_name(NP4_732, local("2026-09-28 10:05:01"))
    bad.write_bytes(zip_bytes(bad.name, "\n".join(lines) + "\n"))
    outcome = parse_postings([*good, bad])
    assert set(outcome.files) == set(good) and set(outcome.failures) == {bad}
    assert (outcome.failures[bad].row, outcome.failures[bad].field) == (9, "DSTFlag")
    assert len(outcome.postings) == 2 * 216 * 4


# --- the day's table: dedup and as-of rules ---------------------------------------------------------

DAY = dt.date(2026, 9, 29)


@pytest.fixture(scope="module")
def day_postings(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Overlapping hourly postings around 2026-09-29, each actual revised by +index MW, plus a retry."""
    folder = tmp_path_factory.mktemp("postings")
    times = [
        "2026-09-27 09:05:01", "2026-09-28 08:05:01", "2026-09-28 09:05:01", "2026-09-28 09:59:59",
        "2026-09-28 10:00:00", "2026-09-28 10:05:01", "2026-09-29 06:05:01", "2026-09-29 18:05:01",
        "2026-09-30 01:05:01", "2026-09-30 02:05:01",
    ]  # fmt: skip
    paths = [write_posting(folder, r, local(t), revision=float(k)) for k, t in enumerate(times) for r in REPORTS]
    # a _retry_ republication of the 01:05 posting, same time, other values: it wins over its original
    paths += [write_posting(folder, r, local("2026-09-30 01:05:01"), revision=50.0, retry=True) for r in REPORTS]
    outcome = parse_postings(paths)
    assert not outcome.failures
    return outcome.postings


REPORTS = ("wind", "solar")


def test_actual_is_the_latest_posting_and_forecast_the_last_before_the_cutoff(day_postings: pd.DataFrame) -> None:
    table = generation_table(day_postings, DAY)
    assert tuple(table.columns) == GENERATION_COLUMNS
    assert len(table) == 24 * 5  # wind: system + 3 zones, solar: system
    cutoff = day_ahead_cutoff_utc(DAY)
    assert cutoff == local("2026-09-28 10:00:00")
    wind = table[(table["resource"] == "wind") & (table["region"] == "SYSTEM_WIDE")].set_index("interval_start_utc")
    # forecasts: the 09:59:59 posting (10:00:00 is not before the cutoff)
    assert (wind["forecast_published_utc"] == local("2026-09-28 09:59:59")).all()
    tag = tag_of(local("2026-09-28 09:59:59"))
    for hour in wind.index[:3]:
        assert wind.loc[hour, "forecast_mw"] == pytest.approx(base_mw("wind", hour) + tag)
    # actuals: the latest posting holding the hour; 02:05 on 09-30 holds all of 09-29 (48 h of history)
    assert (wind["actual_published_utc"] == local("2026-09-30 02:05:01")).all()
    assert (wind["actual_mw"] == [base_mw("wind", h) + 9.0 for h in wind.index]).all()
    hsl = [(base_mw("wind", h) + 9.0) * 1.05 for h in wind.index]
    assert wind["actual_hsl_mw"].tolist() == pytest.approx(hsl, abs=0.01)
    for _, series in table.groupby(["resource", "region"]):
        assert series["interval_start_utc"].is_monotonic_increasing and series["interval_start_utc"].is_unique


def test_a_retry_wins_over_its_original(day_postings: pd.DataFrame) -> None:
    late = day_postings[day_postings["published_utc"] < local("2026-09-30 02:00")]
    table = generation_table(late, DAY)
    solar = table[table["resource"] == "solar"].set_index("interval_start_utc")
    assert (solar["actual_published_utc"] == local("2026-09-30 01:05:01")).all()
    assert (solar["actual_mw"] == [base_mw("solar", h) + 50.0 for h in solar.index]).all()


def test_missing_postings_leave_nan_not_fills(day_postings: pd.DataFrame) -> None:
    # only postings made during the day itself: no forecast before the cutoff, actuals up to 18:05 only
    during = day_postings[day_postings["published_utc"].between(local("2026-09-29 00:00"), local("2026-09-29 23:59"))]
    table = generation_table(during, DAY)
    assert len(table) == 24 * 5
    assert table["forecast_mw"].isna().all() and table["forecast_published_utc"].isna().all()
    solar = table[table["resource"] == "solar"]
    known = solar["interval_end_utc"] <= local("2026-09-29 18:05:01")
    assert solar["actual_mw"][known].notna().all() and solar["actual_mw"][~known].isna().all()
    assert generation_table(during.iloc[0:0], DAY).empty


@pytest.mark.parametrize(("day", "hours"), [(dt.date(2025, 3, 9), 23), (dt.date(2025, 11, 2), 25)])
def test_dst_days_table(tmp_path: Path, day: dt.date, hours: int) -> None:
    before = pd.Timestamp(day - dt.timedelta(days=1)).tz_localize("America/Chicago")
    after = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize("America/Chicago")
    times = [before + pd.Timedelta(hours=9, minutes=5), after + pd.Timedelta(hours=1, minutes=5)]
    paths = [write_posting(tmp_path, r, t.tz_convert("UTC")) for t in times for r in REPORTS]
    table = generation_table(parse_postings(paths).postings, day)
    assert hours_in_day(day) == hours
    assert table.groupby(["resource", "region"]).size().eq(hours).all()
    assert table["actual_mw"].notna().all() and table["forecast_mw"].notna().all()
    for _, series in table.groupby(["resource", "region"]):
        starts = series["interval_start_utc"]
        assert starts.is_monotonic_increasing and starts.is_unique
        assert (starts.diff().dropna() == pd.Timedelta(hours=1)).all()


# --- property: the rules against a brute-force reading of the same postings -----------------------


@settings(max_examples=25, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6, unique=True),
    revisions=st.lists(st.floats(min_value=-5, max_value=5, allow_nan=False), min_size=6, max_size=6),
)
def test_rules_match_a_brute_force_reading(offsets: list[int], revisions: list[float]) -> None:
    start = local("2026-09-27 22:35:00")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, off in enumerate(offsets):
            published = start + pd.Timedelta(hours=off)
            path = Path(tmp) / posting_name(NP4_737, published)
            path.write_text(posting_csv("solar", published, revision=round(revisions[k], 2), hours_ahead=60))
            paths.append(path)
            rows.append(published)
        table = generation_table(parse_postings(paths).postings, DAY).set_index("interval_start_utc")
    cutoff = day_ahead_cutoff_utc(DAY)
    for hour in table.index:
        hours = pd.Timedelta(hours=1)
        holding = [pub for pub in rows if pub.floor("h") - 48 * hours <= hour < pub.floor("h") + 60 * hours]
        with_actual = [pub for pub in holding if hour + pd.Timedelta(hours=1) <= pub]
        if with_actual:
            assert table.loc[hour, "actual_published_utc"] == max(with_actual)
        else:
            assert pd.isna(table.loc[hour, "actual_mw"]) and pd.isna(table.loc[hour, "actual_published_utc"])
        before = [pub for pub in holding if pub < cutoff]
        if before:
            assert table.loc[hour, "forecast_published_utc"] == max(before)
            expected = base_mw("solar", hour) + tag_of(max(before))
            assert table.loc[hour, "forecast_mw"] == pytest.approx(expected, abs=1e-3)
        else:
            assert pd.isna(table.loc[hour, "forecast_mw"])
