"""The day's partition holds generation.parquet beside prices.parquet: round trip, absence, ingest's provenance."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ercot" / "generation"))
from generation_postings import local, posting_csv, posting_name, write_posting, zip_bytes

from hayeknet.archive.ingest import (
    NOT_PUBLISHED_MARKER,
    MissingDataError,
    ingest_day,
    posting_files_of_day,
    raw_files_of_day,
)
from hayeknet.archive.store import (
    GENERATION_FILE,
    PRICES_FILE,
    ArchiveError,
    read_day,
    read_generation,
    write_day,
)
from hayeknet.ercot.generation import NP4_737, empty_generation_table, generation_table, parse_postings
from hayeknet.ercot.parse import parse_file

DAY = dt.date(2026, 9, 29)
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "ercot"
TIMES = ("2026-09-28 09:05:01", "2026-09-30 01:05:01")


@pytest.fixture(scope="module")
def postings(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("postings")
    return [write_posting(folder, r, local(t)) for t in TIMES for r in ("wind", "solar")]


@pytest.fixture(scope="module")
def generation(postings: list[Path]) -> pd.DataFrame:
    return generation_table(parse_postings(postings).postings, DAY)


@pytest.fixture
def prices() -> pd.DataFrame:
    return parse_file(SAMPLES / "np4-190-cd.csv")


def test_round_trip_and_prices_untouched(tmp_path: Path, prices: pd.DataFrame, generation: pd.DataFrame) -> None:
    plain = write_day(tmp_path / "a", DAY, prices, {"day": "x"})
    both = write_day(tmp_path / "b", DAY, prices, {"day": "x"}, generation=generation)
    assert (plain / PRICES_FILE).read_bytes() == (both / PRICES_FILE).read_bytes()
    assert not (plain / GENERATION_FILE).exists() and (both / GENERATION_FILE).exists()
    pd.testing.assert_frame_equal(read_day(tmp_path / "a", DAY), read_day(tmp_path / "b", DAY))
    back = read_generation(tmp_path / "b", DAY)
    assert back is not None
    pd.testing.assert_frame_equal(back, generation)
    assert read_generation(tmp_path / "a", DAY) is None
    assert read_generation(tmp_path / "nowhere", DAY) is None
    # a partition rewritten without generation has none (the partition is replaced whole)
    write_day(tmp_path / "b", DAY, prices, {"day": "y"})
    assert read_generation(tmp_path / "b", DAY) is None
    # an empty table round-trips with its dtypes
    write_day(tmp_path / "c", DAY, prices, {}, generation=empty_generation_table())
    empty = read_generation(tmp_path / "c", DAY)
    assert empty is not None and empty.empty
    pd.testing.assert_series_equal(empty.dtypes, empty_generation_table().dtypes)


def test_a_table_without_the_contract_is_refused(tmp_path: Path, prices: pd.DataFrame, generation) -> None:
    with pytest.raises(ArchiveError, match="generation table lacks column"):
        write_day(tmp_path, DAY, prices, {}, generation=generation.drop(columns=["forecast_mw"]))
    assert not (tmp_path / f"day={DAY}").exists()


def _raw(tmp_path: Path, postings: list[Path]) -> Path:
    raw = tmp_path / "raw"
    (raw / "np4-190-cd" / DAY.isoformat()).mkdir(parents=True)
    shutil.copy(SAMPLES / "np4-190-cd.csv", raw / "np4-190-cd" / DAY.isoformat() / "np4-190-cd.csv")
    for p in postings:
        folder = raw / ("np4-732-cd" if ".00013028." in p.name else "np4-737-cd") / DAY.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, folder / p.name)
    return raw


def test_ingest_writes_generation_and_counts_its_rows(tmp_path: Path, postings: list[Path]) -> None:
    raw = _raw(tmp_path, postings)
    assert [p.name for p in raw_files_of_day(raw, DAY)] == ["np4-190-cd.csv"]  # price files only
    assert sorted(p.name for p in posting_files_of_day(raw, DAY)) == sorted(p.name for p in postings)
    result = ingest_day(raw, DAY, tmp_path / "archive")
    prov = result.provenance
    assert result.generation_rows == 24 * 5
    assert prov["row_counts"] == {"NP4-190-CD": 40, "NP4-732-CD": 24 * 4, "NP4-737-CD": 24}
    assert prov["rows_total"] == 40  # the prices' rows, as before
    assert prov["files_ok"] == 1 + 4 and prov["files_failed"] == 0
    section = prov["generation"]
    assert section["postings"] == {"NP4-732-CD": 2, "NP4-737-CD": 2} and section["rows_total"] == 120
    assert section["checks_passed"] is True
    names = {(c["name"], c["report"]) for c in section["checks"]}
    assert ("generation_actual", "NP4-737-CD") in names and ("generation_forecast", "NP4-732-CD") in names
    assert all(c["name"] not in ("generation_actual", "generation_forecast") for c in prov["checks"])
    solar = next(s for s in prov["source_files"] if s["report"] == "NP4-737-CD")
    assert solar["status"] == "ok" and solar["rows"] == 216 and len(solar["sha256"]) == 64
    stored = json.loads((result.partition / "provenance.json").read_text())
    assert stored["generation"] == section
    table = read_generation(tmp_path / "archive", DAY)
    assert table is not None and len(table) == 120


def test_a_bad_posting_is_recorded_and_never_gates_the_day(tmp_path: Path, postings: list[Path]) -> None:
    clean = ingest_day(_raw(tmp_path / "clean", postings), DAY, tmp_path / "a1")
    raw = _raw(tmp_path / "bad", postings)
    name = posting_name(NP4_737, local("2026-09-29 12:05:01"))
    lines = posting_csv("solar", local("2026-09-29 12:05:01")).splitlines()
    lines[3] = lines[3].replace(",N", ",?")
    (raw / "np4-737-cd" / DAY.isoformat() / name).write_bytes(zip_bytes(name, "\n".join(lines)))
    result = ingest_day(raw, DAY, tmp_path / "a2")
    rel = f"np4-737-cd/{DAY}/{name}"
    assert rel in result.files_failed and f"{name}, row 3, field DSTFlag" in result.files_failed[rel]
    assert result.provenance["generation"]["files_failed"] == {rel: result.files_failed[rel]}
    assert result.provenance["generation"]["checks_passed"] is False
    assert result.provenance["checks"] == clean.provenance["checks"]  # the gating checks are the prices' alone
    assert result.generation_rows == 24 * 5


def test_days_without_postings_and_postings_without_prices(tmp_path: Path, postings: list[Path]) -> None:
    raw = _raw(tmp_path, [])
    marker = raw / "np4-732-cd" / DAY.isoformat()
    marker.mkdir(parents=True)
    (marker / NOT_PUBLISHED_MARKER).write_text("{}")
    result = ingest_day(raw, DAY, tmp_path / "archive")
    assert "generation" not in result.provenance and result.generation_rows == 0
    assert read_generation(tmp_path / "archive", DAY) is None
    only = _raw(tmp_path / "only", postings)
    shutil.rmtree(only / "np4-190-cd")
    with pytest.raises(MissingDataError, match=r"no raw files .* 4 wind/solar postings alone make no partition"):
        ingest_day(only, DAY, tmp_path / "archive2")
