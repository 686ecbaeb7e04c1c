"""Drop-folder collector: routing by content, idempotence, unsupported and multi-day files."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from hayeknet.ercot.collectors import CollectOptions, collect_day, make_collector
from hayeknet.ercot.collectors.base import CollectorError, sha256_path
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.synthetic import write_synthetic_day

DAY = dt.date(2026, 9, 29)


def _zip(path: Path, inner: str, data: bytes) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(inner, data)
    path.write_bytes(buf.getvalue())


@pytest.fixture
def drop(samples: Path, tmp_path: Path) -> Path:
    """A messy drop folder: samples as CSV, zip and nested, an unsupported report, a README, a hidden file."""
    folder = tmp_path / "drop"
    (folder / "nested" / "deeper").mkdir(parents=True)
    shutil.copy(samples / "np6-905-cd.csv", folder / "spp.csv")
    _zip(folder / "nested" / "lmp_csv.zip", "lmp.csv", (samples / "np6-788-cd.csv").read_bytes())
    shutil.copy(samples / "np4-190-cd.csv", folder / "nested" / "deeper" / "dam.csv")
    shutil.copy(samples / "np4-188-cd.csv", folder / "as_dam.CSV")
    shutil.copy(samples / "np6-331-cd.csv", folder / "as_rt.csv")
    shutil.copy(samples / "np6-322-cd.csv", folder / "lambda.csv")  # a report HayekNet does not read
    (folder / "README.txt").write_text("notes")
    (folder / ".partial.csv").write_text("garbage")
    return folder


def test_files_are_routed_by_report_and_day(drop: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    files = collect_day("files", DAY, raw, CollectOptions(drop_folder=drop))
    placed = {f.report: f.path.relative_to(raw).as_posix() for f in files}
    assert placed == {
        "NP6-905-CD": "np6-905-cd/2026-09-29/spp.csv",
        "NP6-788-CD": "np6-788-cd/2026-09-29/lmp_csv.zip",
        "NP4-190-CD": "np4-190-cd/2026-09-29/dam.csv",
        "NP4-188-CD": "np4-188-cd/2026-09-29/as_dam.CSV",
        "NP6-331-CD": "np6-331-cd/2026-09-29/as_rt.csv",
    }
    assert (raw / "np6-905-cd/2026-09-29/spp.csv").read_bytes() == (drop / "spp.csv").read_bytes()
    assert all(f.source == "files" and f.sha256 == sha256_path(f.path) for f in files)


def test_other_days_go_to_their_own_day(drop: Path, tmp_path: Path) -> None:
    other = dt.date(2026, 9, 30)
    written = write_synthetic_day(other, tmp_path / "synthetic", default_catalogue(3), seed=1, reports=["NP4-188-CD"])
    shutil.copy(written[0], drop / written[0].name)
    collector = make_collector("files", CollectOptions(drop_folder=drop))
    assert collector.days() == [DAY, other]
    assert list(collector.skipped) == [drop / "lambda.csv"]
    raw = tmp_path / "raw"
    first = collect_day("files", DAY, raw, collector=collector)
    assert all(f.day == DAY for f in first) and len(first) == 5
    second = collect_day("files", other, raw, collector=collector)
    assert [f.path.relative_to(raw).parts[:2] for f in second] == [("np4-188-cd", "2026-09-30")]


def test_rerun_is_idempotent(drop: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    first = collect_day("files", DAY, raw, CollectOptions(drop_folder=drop))
    mtimes = {f.path: f.path.stat().st_mtime_ns for f in first}
    second = collect_day("files", DAY, raw, CollectOptions(drop_folder=drop))
    assert all(f.reused for f in second)
    assert {f.path: f.path.stat().st_mtime_ns for f in second} == mtimes


def test_multi_day_file_is_split_into_days(drop: Path, samples: Path, tmp_path: Path) -> None:
    """A CSV spanning two days is cut into per-day files of the same columns, each under its day."""
    text = (samples / "np4-188-cd.csv").read_text()
    extra = text.splitlines()[1].replace("09/29/2026", "09/30/2026")
    (drop / "two_days.csv").write_text(text + extra + "\n")
    collector = make_collector("files", CollectOptions(drop_folder=drop))
    assert collector.days() == [DAY, dt.date(2026, 9, 30)]
    raw = tmp_path / "raw"
    first = collect_day("files", DAY, raw, collector=collector)
    ours = [f for f in first if f.derived_from is not None]
    assert [f.path.relative_to(raw).as_posix() for f in ours] == ["np4-188-cd/2026-09-29/two_days.20260929.csv"]
    assert ours[0].path.read_text() == text  # the day's rows, as they were
    assert ours[0].derived_from == {
        "report": "NP4-188-CD",
        "file": "two_days.csv",
        "sha256": sha256_path(drop / "two_days.csv"),
        "member": None,
        "sheets": [],
        "source_rows": len(text.splitlines()) - 1,
    }
    second = collect_day("files", dt.date(2026, 9, 30), raw, collector=collector)
    assert [f.path.relative_to(raw).as_posix() for f in second] == ["np4-188-cd/2026-09-30/two_days.20260930.csv"]
    assert second[0].path.read_text().splitlines() == [text.splitlines()[0], extra]
    again = collect_day("files", dt.date(2026, 9, 30), raw, collector=collector)
    assert again[0].reused and again[0].sha256 == second[0].sha256
    collector.close()


def test_multi_day_file_with_a_bad_row_places_no_day(drop: Path, samples: Path, tmp_path: Path) -> None:
    """Every row is checked before any day is written: a bad row on the second day leaves the first unwritten."""
    for p in list(drop.rglob("*")):
        if p.is_file():
            p.unlink()
    text = (samples / "np4-188-cd.csv").read_text()
    extra = text.splitlines()[1].replace("09/29/2026", "09/30/2026").replace("N", "Q")
    (drop / "two_days.csv").write_text(text + extra + "\n")
    raw = tmp_path / "raw"
    with pytest.raises(CollectorError, match=r"two_days.csv, row \d+, field DSTFlag: DST flag must be Y or N"):
        collect_day("files", DAY, raw, CollectOptions(drop_folder=drop))
    assert not raw.exists() or not any(p.is_file() for p in raw.rglob("*"))


def test_bad_file_names_file_row_and_field(drop: Path, samples: Path) -> None:
    lines = (samples / "np6-905-cd.csv").read_text().splitlines()
    lines[3] = lines[3].replace("22.29", "abc")
    (drop / "broken.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(CollectorError, match=r"broken\.csv, row 3, field SettlementPointPrice"):
        collect_day("files", DAY, drop.parent / "raw", CollectOptions(drop_folder=drop))


def test_api_json_in_the_drop_folder(drop: Path, tmp_path: Path) -> None:
    doc = {
        "_meta": {"totalRecords": 1},
        "fields": [{"name": n} for n in ["deliveryDate", "hourEnding", "ancillaryType", "MCPC", "DSTFlag"]],
        "data": [["2026-09-29", "01:00", "REGUP", 0.83, False]],
    }
    for p in list(drop.rglob("*")):
        if p.is_file():
            p.unlink()
    (drop / "as.json").write_text(json.dumps(doc))
    files = collect_day("files", DAY, tmp_path / "raw", CollectOptions(drop_folder=drop))
    assert [(f.report, f.path.name) for f in files] == [("NP4-188-CD", "as.json")]


def test_missing_drop_folder_and_unknown_source(tmp_path: Path) -> None:
    with pytest.raises(CollectorError, match="needs a drop folder"):
        collect_day("files", DAY, tmp_path)
    with pytest.raises(CollectorError, match="does not exist"):
        collect_day("files", DAY, tmp_path, CollectOptions(drop_folder=tmp_path / "nope"))
    with pytest.raises(CollectorError, match="unknown source 'ftp'"):
        collect_day("ftp", DAY, tmp_path)
    with pytest.raises(CollectorError, match="unknown report id"):
        collect_day("files", DAY, tmp_path, CollectOptions(drop_folder=tmp_path, reports=("NP9-999-CD",)))
