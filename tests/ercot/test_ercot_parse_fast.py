"""The Arrow fast path for one NP6-788-CD CSV gives exactly the careful path's table or defers to it."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.ercot import parse as P
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import ReportFormatError, parse_file
from hayeknet.ercot.parse.raw import _csv_start, _payload
from hayeknet.ercot.parse.sced_fast import _sced_arrow, _sced_fast
from hayeknet.ercot.parse.sced_grid import _gather_fixed_width, _sced_blocks
from hayeknet.ercot.synthetic import write_synthetic_day


def _careful(path: Path) -> pd.DataFrame:
    """The careful (pandas string) path that the fast path must reproduce."""
    raw = P.read_raw(path)
    return P.deduplicate(P.normalize(raw.spec, raw.frame))


def _fast(path: Path) -> pd.DataFrame | None:
    data = _payload(path)
    spec, start = _csv_start(data, path.name)
    return _sced_fast(spec, data, start)


def _sced_day_csv(day: dt.date, folder: Path, n_nodes: int = 6) -> Path:
    """One synthetic NP6-788-CD day (all SCED runs) as one CSV."""
    files = write_synthetic_day(day, folder / "raw", default_catalogue(n_nodes), seed=3, reports=["NP6-788-CD"])
    parts = []
    for i, path in enumerate(sorted(files)):
        with zipfile.ZipFile(path) as zf:
            data = zf.read(zf.namelist()[0])
        parts.append(data if i == 0 else data.split(b"\n", 1)[1])
    out = folder / f"np6-788-cd-{day.isoformat()}.csv"
    out.write_bytes(b"".join(parts))
    return out


def _assert_fast_equals_careful(path: Path, blocks: bool = True) -> pd.DataFrame:
    """Both fast readers (the byte-template one where ``blocks``) and ``parse_file`` equal the careful path."""
    data = _payload(path)
    spec, start = _csv_start(data, path.name)
    careful = _careful(path)
    by_blocks = _sced_blocks(spec, data, start)
    if blocks:
        assert by_blocks is not None, "the byte-template reader should accept an ERCOT-laid-out SCED file"
        pd.testing.assert_frame_equal(by_blocks, careful, check_exact=True)
    else:
        assert by_blocks is None
    by_arrow = _sced_arrow(spec, data, start)
    assert by_arrow is not None, "the Arrow reader should accept a regular SCED file"
    pd.testing.assert_frame_equal(by_arrow, careful, check_exact=True)
    pd.testing.assert_frame_equal(parse_file(path), careful, check_exact=True)
    return careful


def test_fixture_fast_equals_careful(fixtures_dir: Path) -> None:
    _assert_fast_equals_careful(fixtures_dir / "np6-788-cd.csv")


@pytest.mark.parametrize(("day", "n_intervals"), [(dt.date(2026, 4, 15), 288), (dt.date(2026, 3, 8), 276)])
def test_generated_day_fast_equals_careful(tmp_path: Path, day: dt.date, n_intervals: int) -> None:
    table = _assert_fast_equals_careful(_sced_day_csv(day, tmp_path))
    assert table["interval_start_utc"].nunique() == n_intervals


def test_fall_back_day_keeps_both_passes_of_the_repeated_hour(tmp_path: Path) -> None:
    path = _sced_day_csv(dt.date(2026, 11, 1), tmp_path)
    text = path.read_text()
    assert ",Y," in text and "01:30:" in text  # the file does hold the second pass
    table = _assert_fast_equals_careful(path)
    starts = table["interval_start_utc"].drop_duplicates()
    assert len(starts) == 300  # 25 hours of 5-minute intervals
    # 01:30 local occurs twice: 06:30Z (CDT, flag N) and 07:30Z (CST, flag Y).
    assert (starts == pd.Timestamp("2026-11-01 06:30", tz="UTC")).any()
    assert (starts == pd.Timestamp("2026-11-01 07:30", tz="UTC")).any()


def test_shuffled_rows_and_padded_names_fast_equals_careful(fixtures_dir: Path, tmp_path: Path) -> None:
    header, *rows = (fixtures_dir / "np6-788-cd.csv").read_text().splitlines()
    rows = rows[::-1]
    rows[3] = rows[3].replace(",HB_HOUSTON,", ", HB_HOUSTON ,")  # same point, whitespace around the name
    path = tmp_path / "shuffled.csv"
    path.write_text("\r\n".join([header, *rows]) + "\r\n")
    _assert_fast_equals_careful(path, blocks=False)


def _rewrite_prices(path: Path, width_of) -> None:
    """Rewrite every price (some negative, some ``-0.00``), right-aligned to ``width_of(name)`` (0: unpadded)."""
    header, *rows = path.read_text().splitlines()
    edited = []
    for i, line in enumerate(rows):
        head, price = line.rsplit(",", 1)
        value = price.strip()
        if i % 7 == 0:
            value = (value[1:] if value.startswith("-") else "-" + value) if i % 14 else "-0.00"
        edited.append(f"{head},{value.rjust(width_of(head.rsplit(',', 1)[1]))}")
    path.write_text("\n".join([header, *edited]) + "\n")


@pytest.mark.parametrize(
    ("width_of", "blocks"),
    [
        (lambda name: 12, True),  # ERCOT's fixed width
        (lambda name: 9 + len(name) % 4, True),  # a width per settlement point, the same in every run
        (lambda name: 0, False),  # unpadded: run lengths differ, the Arrow reader takes it
    ],
)
def test_price_layouts_and_negative_prices_fast_equals_careful(tmp_path: Path, width_of, blocks: bool) -> None:
    path = _sced_day_csv(dt.date(2026, 4, 15), tmp_path, n_nodes=3)
    _rewrite_prices(path, width_of)
    table = _assert_fast_equals_careful(path, blocks=blocks)
    assert (table["price"] < 0).any()


def test_fixed_width_gather_matches_slicing() -> None:
    buffer = bytes(range(256)) * 3
    positions = np.array([0, 5, 17, 300, 700], dtype=np.int64)
    for width in (1, 3, 7, 8, 12, 15):
        got = _gather_fixed_width(buffer, positions, width).tobytes()
        assert got == b"".join(buffer[p : p + width] for p in positions)


def _edit(fixtures_dir: Path, tmp_path: Path, row: int, old: str, new: str) -> Path:
    lines = (fixtures_dir / "np6-788-cd.csv").read_text().splitlines()
    assert old in lines[row]
    lines[row] = lines[row].replace(old, new)
    path = tmp_path / "edited.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("30.72", "abc", "LMP"),
        ("30.72", "nan", "LMP"),
        ("       30.72", "", "LMP"),
        ("7RNCHSLR_ALL", "  ", "SettlementPoint"),
        ("09/29/2026 11:25:17", "09/31/2026 11:25:17", "SCEDTimestamp"),
        ("09/29/2026 11:25:17", "", "SCEDTimestamp"),
        (",N,", ",X,", "RepeatedHourFlag"),
        (",N,", ",Y,", "RepeatedHourFlag"),  # Y outside the fall-back day's repeated hour
    ],
)
def test_defects_defer_to_the_careful_path_and_name_row_and_field(
    fixtures_dir: Path, tmp_path: Path, old: str, new: str, field: str
) -> None:
    path = _edit(fixtures_dir, tmp_path, 1, old, new)
    assert _fast(path) is None
    with pytest.raises(ReportFormatError) as err:
        parse_file(path)
    assert (err.value.file, err.value.row, err.value.field) == ("edited.csv", 1, field)


def test_truncated_row_defers_and_names_the_row(fixtures_dir: Path, tmp_path: Path) -> None:
    lines = (fixtures_dir / "np6-788-cd.csv").read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0]
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines) + "\n")
    assert _fast(path) is None
    with pytest.raises(ReportFormatError) as err:
        parse_file(path)
    assert (err.value.file, err.value.row) == ("short.csv", 5)


def test_repeated_key_and_blank_lines_defer_to_the_careful_path(fixtures_dir: Path, tmp_path: Path) -> None:
    header, *rows = (fixtures_dir / "np6-788-cd.csv").read_text().splitlines()
    later = rows[0].replace("11:25:17", "11:27:40").replace("30.72", "31.00")  # a later run, same interval
    dup = tmp_path / "dup.csv"
    dup.write_text("\n".join([header, *rows, later]) + "\n")
    assert _fast(dup) is None
    table = parse_file(dup)
    assert len(table) == len(rows)
    assert table.set_index("location").loc["7RNCHSLR_ALL", "price"] == 31.00

    blank = tmp_path / "blank.csv"
    blank.write_text("\n".join([header, rows[0], "", *rows[1:]]) + "\n")
    assert _fast(blank) is None
    pd.testing.assert_frame_equal(parse_file(blank), parse_file(fixtures_dir / "np6-788-cd.csv"))


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda line: line.rsplit(",", 1)[0] + ",     12.3x", "LMP"),
        (lambda line: line.rsplit(",", 1)[0] + ",        -nan", "LMP"),
        (lambda line: line.rsplit(",", 1)[0] + ",            ", "LMP"),  # an empty (all blank) price
        (lambda line: line.rsplit(",", 1)[0] + ",    1,234.00", None),  # a comma inside the price: 5 fields
        (lambda line: line[:11] + "25:61:00" + line[19:], "SCEDTimestamp"),
        (lambda line: line[:17] + ("00" if line[17:19] != "00" else "01") + line[19:], "valid"),  # another run's time
        (lambda line: line.replace(",N,", ",?,"), "RepeatedHourFlag"),
        (lambda line: line.rsplit(",", 1)[0], None),  # truncated row
    ],
)
def test_defect_in_a_later_run_defers_and_names_the_row(tmp_path: Path, edit, field: str | None) -> None:
    """``field`` None: any field may be named; ``"valid"``: the row is valid data."""
    path = _sced_day_csv(dt.date(2026, 4, 15), tmp_path, n_nodes=3)
    header, *rows = path.read_text().splitlines()
    k = len(rows) // 2 + 3  # a data row inside a later SCED run's block (1-based row k + 1)
    rows[k] = edit(rows[k])
    path.write_text("\n".join([header, *rows]) + "\n")
    data = _payload(path)
    spec, start = _csv_start(data, path.name)
    assert _sced_blocks(spec, data, start) is None
    if field == "valid":
        # A row stamped with another run's time is valid data: both readers must agree with the careful path.
        pd.testing.assert_frame_equal(parse_file(path), _careful(path), check_exact=True)
        return
    with pytest.raises(ReportFormatError) as err:
        parse_file(path)
    assert err.value.file == path.name and err.value.row == k + 1
    if field is not None:
        assert err.value.field == field
