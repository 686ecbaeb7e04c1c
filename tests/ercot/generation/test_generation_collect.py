"""Collecting wind/solar postings: the day's posting window, the drop-folder router, a recorded MIS fetch, ingest."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from generation_postings import RECORDED_DAY, local, posting_csv, write_posting, zip_bytes

from hayeknet.archive.ingest import ingest_day
from hayeknet.archive.store import GENERATION_FILE, read_day, read_generation
from hayeknet.ercot.collectors import CollectOptions, collect_day, collection_provenance, make_collector
from hayeknet.ercot.collectors.base import CollectorError, sha256_path
from hayeknet.ercot.collectors.http import HttpResponse, ReplayTransport
from hayeknet.ercot.collectors.mis import MIS_DOWNLOAD_URL
from hayeknet.ercot.generation import renewable_profiles
from hayeknet.ercot.generation.collect import days_of_posting, posting_window_utc

TESTS = Path(__file__).resolve().parents[2]
RECORDED = TESTS / "fixtures" / "recorded"
SAMPLES = TESTS / "fixtures" / "ercot"
PRICES = ("NP6-788-CD", "NP6-905-CD", "NP4-190-CD", "NP4-188-CD", "NP6-331-CD")
GENERATION = ("NP4-732-CD", "NP4-737-CD")
DAY = RECORDED_DAY  # 2026-09-29, the day of the recorded price postings too


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted in a test: {args[:1]}")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def _replay(*folders: str) -> ReplayTransport:
    """One transport answering from several recorded cassettes."""
    recordings = []
    for folder in folders:
        cassette = RECORDED / folder / "cassette.json"
        for item in json.loads(cassette.read_text())["interactions"]:
            body = (cassette.parent / item["response"]["body_file"]).read_bytes()
            response = HttpResponse(int(item["response"]["status"]), {}, body)
            recordings.append((item["request"]["method"], item["request"]["url"], response))
    return ReplayTransport(recordings)


def test_the_posting_window_of_a_day() -> None:
    start, end = posting_window_utc(DAY)
    assert (start, end) == (local("2026-09-28 00:00"), local("2026-09-30 03:00"))
    assert days_of_posting(local("2026-09-28 09:05:01")) == [dt.date(2026, 9, 28), DAY]
    assert days_of_posting(local("2026-09-30 01:05:01")) == [DAY, dt.date(2026, 9, 30), dt.date(2026, 10, 1)]
    assert days_of_posting(local("2026-09-30 03:00:00")) == [dt.date(2026, 9, 30), dt.date(2026, 10, 1)]
    # the fall-back day lasts 25 hours; its window still starts and ends on local midnights + 3 h
    start, end = posting_window_utc(dt.date(2025, 11, 2))
    assert end - start == pd.Timedelta(hours=24 + 25 + 3)


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    """A drop folder: the DAM price sample of 2026-09-29, postings in and around its window, a foreign report."""
    folder = tmp_path / "drop"
    (folder / "prices").mkdir(parents=True)
    shutil.copy(SAMPLES / "np4-190-cd.csv", folder / "prices" / "np4-190-cd.csv")
    for wall in ("2026-09-27 23:05:01", "2026-09-28 09:05:01", "2026-09-29 12:05:01", "2026-09-30 02:05:01"):
        for resource in ("wind", "solar"):
            write_posting(folder / "renewables", resource, local(wall))
    geo = posting_csv("wind", local("2026-09-28 09:05:01")).splitlines()
    geo[0] = geo[0].replace("LZ_SOUTH_HOUSTON", "PANHANDLE")  # NP4-742-CD's geographic regions
    (folder / "cdr.00014787.0000000000000000.20260928.090501.WPPHRLYGEONP4742_csv.csv").write_text("\n".join(geo))
    return folder


def test_the_drop_folder_routes_postings_into_each_window(drop: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    collector = make_collector("files", CollectOptions(drop_folder=drop))
    assert collector.days() == [DAY]  # postings add no day of their own
    options = CollectOptions(drop_folder=drop, reports=("NP4-190-CD", *GENERATION))
    files = collect_day("files", DAY, raw, options, collector=collector)
    by_report: dict[str, list[str]] = {}
    for f in files:
        by_report.setdefault(f.report, []).append(f.path.name)
        assert f.path.parent.name == DAY.isoformat() and f.sha256 == sha256_path(f.path)
    assert sorted(by_report) == ["NP4-190-CD", *GENERATION]
    stamps = sorted(n[30:45] for n in by_report["NP4-732-CD"])
    assert stamps == ["20260928.090501", "20260929.120501", "20260930.020501"]
    src = next(drop.rglob("*20260928.090501.WPPHRLYACT*"))
    assert (raw / "np4-732-cd" / DAY.isoformat() / src.name).read_bytes() == src.read_bytes()  # unchanged
    assert [p.name[46:] for p in collector.skipped] == ["WPPHRLYGEONP4742_csv.csv"]
    # the day before gets the postings of its own window, the same files again
    before = collect_day("files", DAY - dt.timedelta(days=1), raw, CollectOptions(reports=GENERATION), collector)
    assert sorted(f.path.name[30:45] for f in before if f.report == "NP4-737-CD") == [
        "20260927.230501",
        "20260928.090501",
    ]
    again = collect_day("files", DAY, raw, options, collector=collector)
    assert all(f.reused for f in again)
    prices_only = collect_day("files", DAY, tmp_path / "raw2", CollectOptions(drop_folder=drop), collector)
    assert {f.report for f in prices_only} == {"NP4-190-CD"}


def test_a_posting_without_its_mis_name_stops_the_drop_folder(drop: Path, tmp_path: Path) -> None:
    shutil.copy(next(drop.rglob("*20260928.090501.SPP*")), drop / "solar_latest.zip")
    collector = make_collector("files", CollectOptions(drop_folder=drop))
    with pytest.raises(CollectorError, match=r"solar_latest.zip: .*no posting time"):
        collector.days()


def test_mis_fetches_the_days_postings_and_ingest_archives_them(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    transport = _replay("mis", "mis_generation")
    options = CollectOptions(transport=transport, sleep=lambda s: None, reports=(*PRICES, *GENERATION))
    files = collect_day("mis", DAY, raw, options)
    postings = [f for f in files if f.report in GENERATION]
    assert len(postings) == 12  # 6 per report: 08:05, 09:05, 10:05 (09-28), 12:05 (09-29), 01:05, 02:05 (09-30)
    for f in postings:
        assert f.path.parent == raw / f.report.lower() / DAY.isoformat()
        assert f.document_id and f.publish_time_utc is not None and not f.reused
        assert f.path.read_bytes() == (RECORDED / "mis_generation" / f.path.name).read_bytes()
    downloads = [r.url for r in transport.requests if r.url.startswith(MIS_DOWNLOAD_URL)]
    assert len(downloads) == 6 + 12  # the price postings, and only the postings inside the window (no XML)

    record = collection_provenance("mis", DAY, files, raw)
    json.dumps(record)  # JSON-ready, as the collection record stores it
    assert record["generation"]["postings"] == {"NP4-732-CD": 6, "NP4-737-CD": 6}
    assert record["row_counts"]["NP4-732-CD"] == 24 * 4 and record["row_counts"]["NP4-190-CD"] == 40
    doc = next(d for d in record["documents"] if d["report"] == "NP4-737-CD")
    assert doc["rows"] == 216 and "error" not in doc
    assert next(c for c in record["checks"] if c["name"] == "files_parsed")["detail"] == "5 of 5 price files parsed"

    # a second run downloads no posting again
    transport = _replay("mis", "mis_generation")
    again = collect_day("mis", DAY, raw, CollectOptions(transport=transport, sleep=lambda s: None, reports=GENERATION))
    assert all(f.reused for f in again) and len(again) == 12
    assert not [r for r in transport.requests if r.url.startswith(MIS_DOWNLOAD_URL)]

    archive = tmp_path / "archive"
    result = ingest_day(raw, DAY, archive)
    assert (result.partition / GENERATION_FILE).exists() and result.generation_rows == 24 * 5
    prov = result.provenance
    assert prov["generation"]["checks_passed"] is True
    assert prov["generation"]["rule"]["cutoff_utc"] == "2026-09-28T15:00:00+00:00"
    assert prov["row_counts"]["NP4-737-CD"] == 24 and prov["rows_total"] == len(read_day(archive, DAY))
    assert {s["report"] for s in prov["source_files"] if s["path"].startswith("np4-73")} == set(GENERATION)
    table = read_generation(archive, DAY)
    assert table is not None
    wind = table[(table["resource"] == "wind") & (table["region"] == "SYSTEM_WIDE")]
    assert (wind["forecast_published_utc"] == local("2026-09-28 09:05:01")).all()
    assert (wind["actual_published_utc"] == local("2026-09-30 02:05:01")).all()
    profiles = renewable_profiles(table, DAY)
    assert profiles["solar"].available and profiles["wind"].available


def test_mis_without_postings_in_the_window_gives_none(tmp_path: Path) -> None:
    options = CollectOptions(transport=_replay("mis_generation"), sleep=lambda s: None, reports=GENERATION)
    assert collect_day("mis", dt.date(2026, 10, 20), tmp_path, options) == []


def test_sources_that_do_not_fetch_postings_say_so(tmp_path: Path) -> None:
    with pytest.raises(CollectorError, match="source 'api' does not fetch NP4-732-CD"):
        collect_day("api", DAY, tmp_path, CollectOptions(reports=("NP4-732-CD",), env={}))
    with pytest.raises(CollectorError, match="unknown report id"):
        CollectOptions(reports=("NP4-742-CD",)).specs()


def test_an_unreadable_posting_is_refused_at_placement(tmp_path: Path) -> None:
    from hayeknet.ercot.generation.collect import place_posting

    name = "cdr.00013483.0000000000000000.20260928.090501.SPPHRLYACTFCSTNP4737_csv.zip"
    lines = posting_csv("solar", local("2026-09-28 09:05:01")).splitlines()
    lines[4] = lines[4].replace(",N", ",maybe")
    with pytest.raises(CollectorError, match=r"unreadable: DST flag must be Y or N .*\(row 4, field DSTFlag\)"):
        place_posting(zip_bytes(name, "\n".join(lines)), name, tmp_path, "files", DAY)
    assert not list(tmp_path.rglob("*.zip")) and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_peeking_reads_a_first_line_only_and_ignores_other_files(tmp_path: Path) -> None:
    from hayeknet.ercot.generation.collect import peek_posting

    posting = write_posting(tmp_path, "solar", local("2026-09-28 09:05:01"))
    peek = peek_posting(posting)
    assert peek is not None and peek.report.report_id == "NP4-737-CD"
    assert peek.published_utc == local("2026-09-28 09:05:01")
    (tmp_path / "latin1.csv").write_bytes("Délivery,Hour\n1,2\n".encode("latin-1"))
    (tmp_path / "api.json").write_text('{"fields": [], "data": []}')
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 truncated")
    for name in ("latin1.csv", "api.json", "broken.zip"):
        assert peek_posting(tmp_path / name) is None
    assert peek_posting(SAMPLES / "np6-905-cd.csv") is None
