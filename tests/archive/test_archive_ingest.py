"""Ingest: raw files of a day -> validated, provenance-stamped archive partition."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from hayeknet.archive.ingest import MissingDataError, ingest_day, raw_files_of_day
from hayeknet.archive.store import read_day, read_provenance
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.synthetic import write_synthetic_day

DAY = dt.date(2025, 10, 1)
SPRING_FORWARD = dt.date(2026, 3, 8)
CATALOGUE = default_catalogue(3)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("pristine") / "raw"
    write_synthetic_day(DAY, raw, CATALOGUE, 5)
    write_synthetic_day(SPRING_FORWARD, raw, CATALOGUE, 5)
    return raw


@pytest.fixture
def raw(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "raw"
    shutil.copytree(pristine, copy)
    return copy


def _checks(result) -> dict[tuple[str, str], bool]:
    return {(c.name, c.report): c.passed for c in result.checks}


def test_clean_day_ingests_with_all_checks_passing(raw: Path, tmp_path: Path) -> None:
    result = ingest_day(raw, DAY, tmp_path / "archive")
    assert result.checks_passed, [c for c in result.checks if not c.passed]
    assert result.partition == tmp_path / "archive" / "day=2025-10-01"
    table = read_day(tmp_path / "archive", DAY)
    assert len(table) == result.n_rows
    prov = read_provenance(tmp_path / "archive", DAY)
    assert prov["day"] == "2025-10-01" and prov["checks_passed"] is True
    assert prov["files_ok"] == 288 + 96 + 96 + 2 and prov["files_failed"] == 0
    n_points = len(CATALOGUE)
    assert prov["row_counts"] == {
        "NP4-188-CD": 24 * 5,
        "NP4-190-CD": 24 * n_points,
        "NP6-331-CD": 96 * 5,
        "NP6-788-CD": 288 * n_points,
        "NP6-905-CD": 96 * (n_points + 8),  # plus an energy-weighted row per load zone
    }
    first = prov["source_files"][0]
    path = raw / first["path"]
    assert first["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert first["status"] == "ok" and first["rows"] > 0


def test_dst_day_expects_23_hours(raw: Path, tmp_path: Path) -> None:
    result = ingest_day(raw, SPRING_FORWARD, tmp_path / "archive")
    assert result.checks_passed
    details = {(c.name, c.report): c.detail for c in result.checks}
    assert details[("interval_count", "NP6-788-CD")] == "276 intervals, expected 276"
    assert details[("interval_count", "NP4-190-CD")] == "23 intervals, expected 23"


def test_a_bad_file_is_recorded_and_the_rest_still_ingest(raw: Path, tmp_path: Path) -> None:
    sced = sorted((raw / "np6-788-cd" / DAY.isoformat()).iterdir())
    corrupt = sced[10]
    corrupt.write_bytes(corrupt.read_bytes()[:40])
    bad_price = sced[20]
    with zipfile.ZipFile(bad_price) as zf:
        (member,) = zf.namelist()
        lines = zf.read(member).decode().splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ",  abc"
    with zipfile.ZipFile(bad_price, "w") as zf:
        zf.writestr(member, "\n".join(lines) + "\n")

    result = ingest_day(raw, DAY, tmp_path / "archive")
    rel_bad = bad_price.relative_to(raw).as_posix()
    assert set(result.files_failed) == {corrupt.relative_to(raw).as_posix(), rel_bad}
    assert f"{bad_price.name}, row 2, field LMP" in result.files_failed[rel_bad]
    assert "zip" in result.files_failed[corrupt.relative_to(raw).as_posix()]
    checks = _checks(result)
    assert checks[("files_parsed", "*")] is False
    assert checks[("interval_count", "NP6-788-CD")] is False  # two SCED intervals missing
    assert checks[("interval_count", "NP6-905-CD")] is True
    prov = read_provenance(tmp_path / "archive", DAY)
    failed = [s for s in prov["source_files"] if s["status"] == "failed"]
    assert {s["path"] for s in failed} == set(result.files_failed)
    assert all(s["report"] == "NP6-788-CD" for s in failed)
    assert prov["row_counts"]["NP6-788-CD"] == 286 * len(CATALOGUE)
    table = read_day(tmp_path / "archive", DAY)
    assert table[table["report"] == "NP6-788-CD"]["interval_start_utc"].nunique() == 286


def test_out_of_bounds_prices_and_missing_report_are_flagged(raw: Path, tmp_path: Path) -> None:
    shutil.rmtree(raw / "np4-188-cd" / DAY.isoformat())
    dam = next((raw / "np4-190-cd" / DAY.isoformat()).iterdir())
    with zipfile.ZipFile(dam) as zf:
        (member,) = zf.namelist()
        lines = zf.read(member).decode().splitlines()
    lines[5] = lines[5].rsplit(",", 2)[0] + ", 9999.5,N"
    with zipfile.ZipFile(dam, "w") as zf:
        zf.writestr(member, "\n".join(lines) + "\n")
    result = ingest_day(raw, DAY, tmp_path / "archive")
    checks = _checks(result)
    assert checks[("price_bounds", "NP4-190-CD")] is False
    assert checks[("report_present", "NP4-188-CD")] is False
    assert checks[("price_bounds", "NP6-788-CD")] is True
    assert not result.checks_passed


def test_duplicate_republication_is_deduplicated(raw: Path, tmp_path: Path) -> None:
    folder = raw / "np6-905-cd" / DAY.isoformat()
    original = sorted(folder.iterdir())[0]
    shutil.copy(original, folder / original.name.replace("_csv.zip", "_retry_csv.zip"))
    result = ingest_day(raw, DAY, tmp_path / "archive")
    assert result.checks_passed
    assert result.provenance["row_counts"]["NP6-905-CD"] == 96 * (len(CATALOGUE) + 8)
    assert "dropped" in {c.name: c.detail for c in result.checks}["duplicates_removed"]


def test_provenance_is_reproducible(raw: Path, tmp_path: Path) -> None:
    ingest_day(raw, DAY, tmp_path / "a")
    ingest_day(raw, DAY, tmp_path / "b")
    a = (tmp_path / "a" / "day=2025-10-01" / "provenance.json").read_bytes()
    b = (tmp_path / "b" / "day=2025-10-01" / "provenance.json").read_bytes()
    assert a == b
    parquet_a = (tmp_path / "a" / "day=2025-10-01" / "prices.parquet").read_bytes()
    assert parquet_a == (tmp_path / "b" / "day=2025-10-01" / "prices.parquet").read_bytes()
    assert "2026" not in json.loads(a)["day"]


def test_no_raw_files_raises_missing_data(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match="2025-10-09"):
        ingest_day(tmp_path / "raw", "2025-10-09", tmp_path / "archive")
    assert raw_files_of_day(tmp_path / "raw", "2025-10-09") == []


def test_all_files_bad_raises_missing_data(tmp_path: Path) -> None:
    folder = tmp_path / "raw" / "np6-788-cd" / DAY.isoformat()
    folder.mkdir(parents=True)
    (folder / "junk_csv.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(MissingDataError, match=r"junk_csv\.zip"):
        ingest_day(tmp_path / "raw", DAY, tmp_path / "archive")
    assert not (tmp_path / "archive" / "day=2025-10-01").exists()


def test_rt_as_report_is_only_expected_from_rtc_b_go_live(tmp_path: Path) -> None:
    reports = ["NP6-788-CD", "NP6-905-CD", "NP4-190-CD", "NP4-188-CD"]
    for day, expected in ((DAY, True), (dt.date(2025, 12, 5), False)):
        write_synthetic_day(day, tmp_path / "raw", CATALOGUE, 5, reports=reports)
        assert not (tmp_path / "raw" / "np6-331-cd").exists()
        result = ingest_day(tmp_path / "raw", day, tmp_path / "archive")
        assert _checks(result)[("report_present", "NP6-331-CD")] is expected
        assert result.checks_passed is expected
