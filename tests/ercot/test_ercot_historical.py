"""Yearly historical reports NP6-785-ER, NP4-180-ER, NP4-181-ER: parsed as published and as CSV.

NP4-180-ER and NP4-181-ER are read from ERCOT's own 2016 zips in
``<repo>/../shared/real/ercot_historical_2016`` (skipped, saying so, where that
folder is absent); NP6-785-ER, of which no real sample exists, from a
workbook built here in ERCOT's exact layout (:mod:`ercot_workbooks`).
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ercot_workbooks import (
    NP4_180_HEADER,
    NP4_181_HEADER,
    NP6_785_HEADER,
    RTM_POINTS,
    by_month,
    csv_text,
    np4_180_rows,
    np4_181_rows,
    np6_785_rows,
    workbook_bytes,
    zip_bytes,
)

from hayeknet.ercot.calendar import ERCOT_TZ, expected_intervals
from hayeknet.ercot.parse import (
    COLUMNS,
    ReportFormatError,
    parse_file,
    parse_files,
    read_raw,
)
from hayeknet.ercot.parse.workbook import cell_text
from hayeknet.ercot.reports import NP4_180, NP4_181, NP6_785, detect_report

REAL = Path(__file__).resolve().parents[3] / "shared" / "real" / "ercot_historical_2016"
NP4_180_ZIP = REAL / "NP4-180-ER_DAMLZHBSPP_2016.zip"
NP4_181_ZIP = REAL / "NP4-181-ER_DAMASMCPC_2016.zip"
needs_real = pytest.mark.skipif(
    not NP4_180_ZIP.is_file() or not NP4_181_ZIP.is_file(),
    reason=f"ERCOT's 2016 historical reports are not at {REAL} (shared/real is not part of the repository)",
)
SPRING, FALL = dt.date(2016, 3, 13), dt.date(2016, 11, 6)


def _local_day_counts(starts: pd.Series) -> pd.Series:
    return starts.dt.tz_convert(ERCOT_TZ).dt.date.value_counts()


def _assert_series_strictly_increasing(table: pd.DataFrame) -> None:
    for _, series in table.groupby(["location", "location_type", "as_type"], dropna=False, observed=True):
        starts = pd.DatetimeIndex(series["interval_start_utc"]).asi8
        assert (np.diff(starts) > 0).all()


# --- NP4-180-ER, ERCOT's 2016 workbook ------------------------------------------------------------


@pytest.fixture(scope="module")
def dam_2016() -> tuple[pd.DataFrame, float]:
    if not NP4_180_ZIP.is_file():
        pytest.skip(f"ERCOT's 2016 NP4-180-ER is not at {NP4_180_ZIP} (shared/real is not part of the repository)")
    t0 = time.perf_counter()
    table = parse_file(NP4_180_ZIP)
    return table, time.perf_counter() - t0


@needs_real
def test_np4_180_2016_has_every_hour_of_fourteen_points(dam_2016) -> None:
    table, seconds = dam_2016
    assert len(table) == 122_976 == 8_784 * 14
    assert list(table.columns) == list(COLUMNS)
    assert set(table["report"]) == {"NP4-180-ER"} and set(table["market"]) == {"DAM"}
    assert table["as_type"].isna().all()
    counts = table.groupby("location").size()
    assert len(counts) == 14 and (counts == 8_784).all()
    assert set(table.loc[table["location"].str.startswith("LZ_"), "location_type"]) == {"Load Zone"}
    assert set(table.loc[table["location"].isin(["HB_HUBAVG", "HB_BUSAVG"]), "location_type"]) == {"Hub Average"}
    assert seconds < 60, f"normalizing the 2016 NP4-180-ER zip took {seconds:.1f} s"


@needs_real
def test_np4_180_2016_dst_days(dam_2016) -> None:
    table, _ = dam_2016
    north = table[table["location"] == "HB_NORTH"]
    per_day = _local_day_counts(north["interval_start_utc"])
    assert per_day[SPRING] == 23 and per_day[FALL] == 25
    assert (per_day.drop([SPRING, FALL]) == 24).all() and len(per_day) == 366
    _assert_series_strictly_increasing(table)
    # the fall-back day's hour ending 2 twice: 06:00 and 07:00 UTC (CDT, then CST)
    fall = north[north["interval_start_utc"].dt.tz_convert(ERCOT_TZ).dt.date == FALL]
    assert fall["interval_start_utc"].iloc[1] == pd.Timestamp("2016-11-06 06:00", tz="UTC")
    assert fall["interval_start_utc"].iloc[2] == pd.Timestamp("2016-11-06 07:00", tz="UTC")
    # the spring-forward day has no hour ending 3: 01:00 local (HE 2) is followed by 03:00 local (HE 4)
    spring = north[north["interval_start_utc"].dt.tz_convert(ERCOT_TZ).dt.date == SPRING]
    local = spring["interval_start_utc"].dt.tz_convert(ERCOT_TZ)
    assert list(local.dt.hour[:3]) == [0, 1, 3]


@needs_real
def test_np4_180_sheet_saved_as_csv_parses_to_the_same_rows(dam_2016, tmp_path: Path) -> None:
    """March 2016 exported by hand: the sheet's cells as CSV text give the workbook's March rows."""
    from hayeknet.ercot.parse.raw import _payload
    from hayeknet.ercot.parse.workbook import iter_sheets

    table, _ = dam_2016
    sheet = next(s for s in iter_sheets(_payload(NP4_180_ZIP), NP4_180_ZIP.name) if s.name == "Mar_3")
    path = tmp_path / "DAMLZHBSPP_2016_March.csv"
    path.write_text(csv_text(sheet.header, [cells for _, cells in sheet.rows]))
    march = parse_file(path)
    local = table["interval_start_utc"].dt.tz_convert(ERCOT_TZ)
    expected = table[(local.dt.year == 2016) & (local.dt.month == 3)].reset_index(drop=True)
    assert len(march) == 743 * 14  # 31 days, one of 23 hours
    pd.testing.assert_frame_equal(march, expected)


# --- NP4-181-ER, ERCOT's 2016 CSV in a zip -------------------------------------------------------


@needs_real
def test_np4_181_2016_becomes_long_rows_per_product() -> None:
    raw = read_raw(NP4_181_ZIP)
    assert raw.spec is NP4_181 and raw.n_rows == 8_784
    table = parse_file(NP4_181_ZIP)
    assert len(table) == 8_784 * 4
    assert set(table["report"]) == {"NP4-181-ER"} and set(table["market"]) == {"DAM"}
    assert set(table["location"]) == {"ERCOT"} and set(table["location_type"]) == {"System"}
    counts = table.groupby("as_type").size()
    assert counts.to_dict() == {"NSPIN": 8_784, "REGDN": 8_784, "REGUP": 8_784, "RRS": 8_784}
    _assert_series_strictly_increasing(table)
    regup = table[table["as_type"] == "REGUP"]
    per_day = _local_day_counts(regup["interval_start_utc"])
    assert per_day[SPRING] == 23 and per_day[FALL] == 25 and (per_day.drop([SPRING, FALL]) == 24).all()
    # the one Y row (11/06/2016 02:00, second pass): RRS 15 against 10 on the first pass
    rrs = table[(table["as_type"] == "RRS")].set_index("interval_start_utc")["price"]
    assert rrs[pd.Timestamp("2016-11-06 06:00", tz="UTC")] == 10.0
    assert rrs[pd.Timestamp("2016-11-06 07:00", tz="UTC")] == 15.0


@needs_real
def test_np4_181_header_is_recognised_in_any_spacing_and_case(tmp_path: Path) -> None:
    with zipfile.ZipFile(NP4_181_ZIP) as zf:
        text = zf.read(zf.namelist()[0]).decode()
    assert text.splitlines()[0] == "Delivery Date,Hour Ending,Repeated Hour Flag,REGDN,REGUP ,RRS,NSPIN"
    body = text.split("\n", 1)[1]
    variant = tmp_path / "as.csv"
    variant.write_text("delivery date, Hour Ending ,REPEATED HOUR FLAG,RegDn,REGUP ,rrs,NSPIN \n" + body)
    pd.testing.assert_frame_equal(parse_file(variant), parse_file(NP4_181_ZIP))


def test_np4_181_header_variants_and_unknown_products() -> None:
    assert detect_report(NP4_181_HEADER) is NP4_181
    assert detect_report([*NP4_181_HEADER, "ECRS"]) is NP4_181  # from 2023 on
    assert detect_report(["DELIVERY_DATE", "hourending", "Repeated Hour Flag", "NSPIN"]) is NP4_181
    assert detect_report([c.upper() for c in NP4_180_HEADER]) is NP4_180
    assert detect_report([f"  {c} " for c in NP6_785_HEADER]) is NP6_785
    with pytest.raises(
        ReportFormatError,
        match=r"field header: NP4-181-ER header with unknown AS product "
        r"column\(s\) 'REGUPX'",
    ):
        detect_report([*NP4_181_HEADER[:3], "REGDN", "REGUPX"], "as.csv")


def test_np4_181_synthetic_csv_zip_and_errors(tmp_path: Path) -> None:
    days = [dt.date(2021, 3, 14), dt.date(2021, 11, 7)]
    rows = np4_181_rows(days)
    text = csv_text(NP4_181_HEADER, rows)
    path = tmp_path / "NP4-181-ER_2021.zip"
    path.write_bytes(zip_bytes({"rpt.00013091.0000000000000000.DAMASMCPC_2021.csv": text}))
    table = parse_file(path)
    assert len(table) == (23 + 25) * 4
    _assert_series_strictly_increasing(table)
    lines = text.splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",n/a"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReportFormatError, match=r"bad.csv, row 5, field NSPIN: price is not a number"):
        parse_file(bad)
    lines = text.splitlines()
    lines[2] = lines[2].replace(",N,", ",X,", 1)
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReportFormatError, match=r"bad.csv, row 2, field Repeated Hour Flag: DST flag must be Y or N"):
        parse_file(bad)


# --- NP6-785-ER, a workbook in ERCOT's layout ----------------------------------------------------

RTM_DAYS = [
    dt.date(2024, 1, 31),
    dt.date(2024, 2, 1),
    dt.date(2024, 3, 10),
    dt.date(2024, 3, 11),
    dt.date(2024, 11, 3),
    dt.date(2024, 11, 4),
]


def _rtm_workbook(rows_by_sheet: list[tuple[str, list]], path: Path) -> Path:
    inner = workbook_bytes([(name, NP6_785_HEADER, rows) for name, rows in rows_by_sheet])
    path.write_bytes(zip_bytes({"rpt.00013061.0000000000000000.RTMLZHBSPP_2024.xlsx": inner}))
    return path


@pytest.fixture
def rtm(tmp_path: Path) -> tuple[Path, Path, list]:
    """The same NP6-785-ER rows as ERCOT's zip of a monthly workbook and as CSV.

    In the workbook February's dates are Excel dates (the rest text), March
    ends with a blank row and November with a footer row (text in the first
    column only), as in ERCOT's yearly RTM files.
    """
    rows = np6_785_rows(RTM_DAYS)
    sheets = by_month(rows)
    feb = [(dt.datetime.strptime(r[0], "%m/%d/%Y").date(), *r[1:]) for r in sheets[1][1]]
    sheets[1] = (sheets[1][0], feb)
    sheets[2] = (sheets[2][0], [*sheets[2][1], (None,) * 7])
    sheets[-1] = (sheets[-1][0], [*sheets[-1][1], ("Prices are final.", None, None, None, None, None, None)])
    zipped = _rtm_workbook(sheets, tmp_path / "NP6-785-ER_RTMLZHBSPP_2024.zip")
    csv = tmp_path / "RTMLZHBSPP_2024.csv"
    csv.write_text(csv_text(NP6_785_HEADER, rows))
    return zipped, csv, rows


def test_np6_785_workbook_and_csv_give_the_same_table(rtm) -> None:
    zipped, csv, rows = rtm
    raw = read_raw(zipped)
    assert raw.spec is NP6_785 and raw.n_rows == len(rows)
    from hayeknet.ercot.parse.days import split_into_days

    assert split_into_days(zipped, zipped.parent / "days").blank_rows == 2
    table = parse_file(zipped)
    pd.testing.assert_frame_equal(table, parse_file(csv))
    intervals = sum(expected_intervals(d, 15) for d in RTM_DAYS)
    assert intervals == 96 * 4 + 92 + 100
    assert len(table) == intervals * len(RTM_POINTS)
    assert set(table["report"]) == {"NP6-785-ER"} and set(table["market"]) == {"RTM_15MIN"}
    assert set(table.loc[table["location_type"] == "Load Zone Energy Weighted", "location"]) == {"LZ_HOUSTON"}
    assert set(table.loc[table["location_type"] == "Load Zone", "location"]) == {"LZ_HOUSTON", "LZ_NORTH"}
    _assert_series_strictly_increasing(table)
    north = table[table["location"] == "HB_NORTH"]
    per_day = _local_day_counts(north["interval_start_utc"])
    assert per_day[dt.date(2024, 3, 10)] == 92 and per_day[dt.date(2024, 11, 3)] == 100
    # the price of each row is the workbook's number exactly
    first = rows[0]
    got = table[(table["location"] == first[4]) & (table["location_type"] == "Hub Average")]
    assert got["price"].iloc[0] == first[6]


def test_np6_785_errors_name_file_sheet_row_and_field(tmp_path: Path) -> None:
    rows = np6_785_rows(RTM_DAYS[:2])
    sheets = by_month(rows)
    bad = list(sheets[1][1])
    bad[2] = (*bad[2][:6], "abc")
    sheets[1] = (sheets[1][0], bad)
    path = _rtm_workbook(sheets, tmp_path / "rtm.zip")
    with pytest.raises(
        ReportFormatError,
        match=r"^rtm.zip, sheet Feb_2, row 3, field Settlement Point Price: "
        r"price is not a number \(value 'abc'\)",
    ):
        parse_file(path)
    sheets = by_month(rows)
    bad = list(sheets[0][1])
    bad[0] = (bad[0][0], 25, *bad[0][2:])
    sheets[0] = (sheets[0][0], bad)
    path = _rtm_workbook(sheets, tmp_path / "rtm2.zip")
    with pytest.raises(
        ReportFormatError,
        match=r"rtm2.zip, sheet Jan_1, row 1, field Delivery Hour: must be an "
        r"integer within 1..24",
    ):
        parse_file(path)
    sheets = by_month(rows)
    short = list(sheets[0][1])
    short[4] = (*short[4][:4], None, None, None)
    sheets[0] = (sheets[0][0], short)
    path = _rtm_workbook(sheets, tmp_path / "rtm3.zip")
    with pytest.raises(
        ReportFormatError,
        match=r"rtm3.zip, sheet Jan_1, row 5, field Settlement Point Name: "
        r"missing value",
    ):
        parse_file(path)
    with pytest.raises(ReportFormatError) as info:
        parse_file(path)
    assert (info.value.file, info.value.sheet, info.value.row, info.value.field) == (
        "rtm3.zip",
        "Jan_1",
        5,
        "Settlement Point Name",
    )
    again = pickle.loads(pickle.dumps(info.value))  # crosses process boundaries (Dask) intact
    assert (again.sheet, again.row, str(again)) == ("Jan_1", 5, str(info.value))


def test_repeated_hour_flag_outside_the_fall_back_hour_is_refused(tmp_path: Path) -> None:
    rows = np4_180_rows([dt.date(2024, 7, 1)])
    rows[0] = (rows[0][0], rows[0][1], "Y", *rows[0][3:])
    path = tmp_path / "dam.csv"
    path.write_text(csv_text(NP4_180_HEADER, rows))
    with pytest.raises(
        ReportFormatError,
        match=r"dam.csv, row 1, field Repeated Hour Flag: repeated-hour flag Y "
        r"outside",
    ):
        parse_file(path)


def test_spring_forward_gap_hour_is_refused(tmp_path: Path) -> None:
    rows = np4_180_rows([dt.date(2024, 3, 10)])
    rows[len(rows) // 2] = (rows[0][0], "03:00", "N", rows[0][3], 1.0)
    path = tmp_path / "dam.xlsx"
    path.write_bytes(workbook_bytes([("Mar_3", NP4_180_HEADER, rows)]))
    with pytest.raises(
        ReportFormatError,
        match=r"dam.xlsx, sheet Mar_3, row \d+, field Hour Ending: hour does not "
        r"exist on this operating day",
    ):
        parse_file(path)


def test_historical_and_daily_files_parse_together(fixtures_dir: Path, tmp_path: Path) -> None:
    """parse_files mixes a historical file with daily ones (each keeps its report id)."""
    rows = np4_180_rows([dt.date(2026, 9, 29)])
    path = tmp_path / "dam_hist.csv"
    path.write_text(csv_text(NP4_180_HEADER, rows))
    table = parse_files([path, fixtures_dir / "np4-190-cd.csv"])
    assert set(table["report"]) == {"NP4-180-ER", "NP4-190-CD"}


def test_cell_text_matches_ercot_csv_spelling() -> None:
    assert cell_text(None) == ""
    assert cell_text(18.42) == "18.42" and float(cell_text(0.1 + 0.2)) == 0.1 + 0.2
    assert cell_text(7.0) == "7" and cell_text(3) == "3"
    assert cell_text(dt.datetime(2016, 2, 1)) == "02/01/2016"
    assert cell_text(dt.time(1, 0)) == "01:00"
    assert cell_text(True) == "TRUE"


def test_a_zip_of_something_else_names_its_members(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", "x")
        zf.writestr("b.csv", "y")
    path.write_bytes(buf.getvalue())
    with pytest.raises(
        ReportFormatError, match=r"zip must hold exactly one CSV, JSON or xlsx file, holds a\.csv, b\.csv"
    ):
        parse_file(path)


# --- the fast sheet reader against openpyxl ------------------------------------------------------


@needs_real
def test_fast_reader_equals_openpyxl_on_ercots_workbook() -> None:
    from itertools import islice

    from hayeknet.ercot.parse.raw import _payload
    from hayeknet.ercot.parse.workbook import iter_sheets

    data = _payload(NP4_180_ZIP)
    fast = list(islice(iter_sheets(data, NP4_180_ZIP.name), 3))
    slow = list(islice(iter_sheets(data, NP4_180_ZIP.name, fast=False), 3))
    assert [s.name for s in fast] == ["Jan_1", "Feb_2", "Mar_3"]
    assert fast == slow


def _rewrite_member(data: bytes, member: str, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            body = src.read(info)
            out.writestr(info, edit(body) if info.filename == member else body)
    return buf.getvalue()


def test_fast_reader_equals_openpyxl_on_excel_dates_footers_and_unusual_cells(rtm, tmp_path: Path) -> None:
    """ERCOT's quirks (Excel dates, blank and footer rows), then cells the plain pattern does not cover:
    an inline string, a formula's cached value, attributes in another order, a cell without reference."""
    from hayeknet.ercot.parse.raw import _payload
    from hayeknet.ercot.parse.workbook import iter_sheets

    zipped, csv, _ = rtm
    data = _payload(zipped)
    assert list(iter_sheets(data, "x")) == list(iter_sheets(data, "x", fast=False))

    def unusual(xml: bytes) -> bytes:
        start = xml.index(b'<c r="A2"')
        end = xml.index(b"</c>", start) + 4
        xml = xml[:start] + b'<c r="A2" t="inlineStr"><is><t>01/31/2024</t></is></c>' + xml[end:]
        start = xml.index(b'<c r="G3"')
        end = xml.index(b"</c>", start) + 4
        value = xml[start:end].split(b"<v>")[1].split(b"</v>")[0]
        xml = xml[:start] + b'<c s="2" r="G3"><f>1+1</f><v>' + value + b"</v></c>" + xml[end:]
        return xml

    edited = _rewrite_member(data, "xl/worksheets/Sheet1.xml", unusual)
    assert list(iter_sheets(edited, "x")) == list(iter_sheets(edited, "x", fast=False))
    path = tmp_path / "edited.xlsx"
    path.write_bytes(edited)
    pd.testing.assert_frame_equal(parse_file(path), parse_file(csv))

    no_ref = _rewrite_member(data, "xl/worksheets/Sheet2.xml", lambda xml: xml.replace(b'<c r="B2" ', b"<c ", 1))
    assert list(iter_sheets(no_ref, "x")) == list(iter_sheets(no_ref, "x", fast=False))  # openpyxl takes over
