"""MIS collector against recorded document lists and zip downloads (built from the real samples)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from hayeknet.ercot.collectors import CollectOptions, collect_day, collection_provenance
from hayeknet.ercot.collectors.base import CollectorError, sha256_path
from hayeknet.ercot.collectors.http import ReplayTransport
from hayeknet.ercot.collectors.mis import MIS_DOWNLOAD_URL, parse_document_list
from hayeknet.ercot.parse import parse_file

DAY = dt.date(2026, 9, 29)


def _options(transport, sleep) -> CollectOptions:
    return CollectOptions(transport=transport, sleep=sleep)


def test_document_list_is_read(recorded: Path) -> None:
    payload = json.loads((recorded / "mis" / "doclist_12300.json").read_text())
    docs = parse_document_list(payload, 12300)
    assert len(docs) == 6  # 3 postings x (csv, xml)
    assert sum(d.is_csv for d in docs) == 3
    first = [d for d in docs if d.is_csv][-1]
    assert first.publish_time_utc == dt.datetime(2026, 9, 29, 16, 25, 41, tzinfo=dt.UTC)
    assert first.file_name.startswith("cdr.00012300.") and first.file_name.endswith("_csv.zip")
    with pytest.raises(CollectorError, match="ListDocsByRptTypeRes"):
        parse_document_list({"unexpected": 1}, 12300)


def test_collect_day_places_each_report_under_its_day(recorded: Path, samples: Path, fake_sleep, tmp_path) -> None:
    transport = ReplayTransport.from_cassette(recorded / "mis" / "cassette.json")
    raw = tmp_path / "raw"
    files = collect_day("mis", DAY, raw, _options(transport, fake_sleep))

    assert sorted(f.report for f in files) == ["NP4-188-CD", "NP4-190-CD", "NP6-331-CD", "NP6-788-CD", "NP6-905-CD"]
    for f in files:
        assert f.path.parent == raw / f.report.lower() / "2026-09-29"
        assert f.sha256 == sha256_path(f.path)
        assert f.document_id and f.publish_time_utc is not None and not f.reused
    # the 09/30 SCED posting was inside the publish window, downloaded, and left out by content
    assert not (raw / "np6-788-cd" / "2026-09-30").exists()
    downloads = [r.url for r in transport.requests if r.url.startswith(MIS_DOWNLOAD_URL)]
    assert len(downloads) == 6  # 5 reports + the next-day SCED run; never the 09/28 one nor XML files
    # placed files hold exactly the real samples' rows
    sced = next(f for f in files if f.report == "NP6-788-CD")
    pd.testing.assert_frame_equal(parse_file(sced.path), parse_file(samples / "np6-788-cd.csv"))
    assert not [p for p in raw.iterdir() if p.name.startswith(".collect-")]  # no staging file left behind


def test_rerun_is_idempotent_and_downloads_nothing(recorded: Path, fake_sleep, tmp_path) -> None:
    raw = tmp_path / "raw"
    first = collect_day(
        "mis", DAY, raw, _options(ReplayTransport.from_cassette(recorded / "mis" / "cassette.json"), fake_sleep)
    )
    mtimes = {f.path: f.path.stat().st_mtime_ns for f in first}
    transport = ReplayTransport.from_cassette(recorded / "mis" / "cassette.json")
    second = collect_day("mis", DAY, raw, _options(transport, fake_sleep))
    assert all(f.reused for f in second)
    assert {f.path: f.sha256 for f in second} == {f.path: f.sha256 for f in first}
    assert {f.path: f.path.stat().st_mtime_ns for f in second} == mtimes
    downloads = [r.url for r in transport.requests if r.url.startswith(MIS_DOWNLOAD_URL)]
    assert len(downloads) == 1  # only the next-day SCED run, which is never kept for 09/29


def test_damaged_file_is_fetched_again(recorded: Path, fake_sleep, tmp_path) -> None:
    raw = tmp_path / "raw"
    cassette = recorded / "mis" / "cassette.json"
    first = collect_day("mis", DAY, raw, _options(ReplayTransport.from_cassette(cassette), fake_sleep))
    victim = next(f for f in first if f.report == "NP6-905-CD")
    victim.path.write_bytes(b"PK\x03\x04 truncated")
    again = collect_day("mis", DAY, raw, _options(ReplayTransport.from_cassette(cassette), fake_sleep))
    repaired = next(f for f in again if f.report == "NP6-905-CD")
    assert not repaired.reused and repaired.sha256 == victim.sha256 == sha256_path(victim.path)


def test_day_no_longer_on_mis_is_an_error(recorded: Path, fake_sleep, tmp_path) -> None:
    transport = ReplayTransport.from_cassette(recorded / "mis" / "cassette.json")
    with pytest.raises(CollectorError, match=r"MIS has no NP6-788-CD file for operating day 2026-08-01.*--source api"):
        collect_day("mis", dt.date(2026, 8, 1), tmp_path, _options(transport, fake_sleep))


def test_report_subset_and_provenance(recorded: Path, fake_sleep, tmp_path) -> None:
    transport = ReplayTransport.from_cassette(recorded / "mis" / "cassette.json")
    options = CollectOptions(transport=transport, sleep=fake_sleep, reports=("NP6-905-CD", "NP4-188-CD"))
    files = collect_day("mis", DAY, tmp_path, options)
    assert sorted(f.report for f in files) == ["NP4-188-CD", "NP6-905-CD"]
    record = collection_provenance("mis", DAY, files, tmp_path)
    assert record["source"] == "mis" and record["day"] == "2026-09-29"
    assert record["row_counts"] == {"NP4-188-CD": 10, "NP6-905-CD": 28}
    doc = next(d for d in record["documents"] if d["report"] == "NP6-905-CD")
    assert doc["sha256"] == sha256_path(tmp_path / doc["path"])
    assert doc["publish_time_utc"] == "2026-09-29T17:16:10+00:00" and doc["rows"] == 28
    checks = {(c["name"], c["report"]): c["passed"] for c in record["checks"]}
    assert checks[("files_parsed", "*")] is True
    assert checks[("report_present", "NP6-788-CD")] is False  # not collected
    assert checks[("interval_count", "NP6-905-CD")] is False  # the sample is one interval of the day
    assert record["checks_passed"] is False
    json.dumps(record)  # JSON-ready


def test_collected_day_ingests_and_lists_are_fetched_once(recorded: Path, fake_sleep, tmp_path) -> None:
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.ercot.collectors import make_collector
    from hayeknet.ercot.collectors.mis import MIS_LIST_URL

    transport = ReplayTransport.from_cassette(recorded / "mis" / "cassette.json")
    options = _options(transport, fake_sleep)
    collector = make_collector("mis", options)
    raw = tmp_path / "raw"
    files = collect_day("mis", DAY, raw, options, collector=collector)
    with pytest.raises(CollectorError):
        collect_day("mis", dt.date(2026, 9, 27), raw, options, collector=collector)
    assert sum(r.url.startswith(MIS_LIST_URL) for r in transport.requests) == 5  # one list per report
    result = ingest_day(raw, DAY, tmp_path / "archive")
    assert sorted(result.files_ok) == sorted(f.path.relative_to(raw).as_posix() for f in files)
    assert result.provenance["row_counts"] == {
        "NP4-188-CD": 10,
        "NP4-190-CD": 40,
        "NP6-331-CD": 5,
        "NP6-788-CD": 20,
        "NP6-905-CD": 28,
    }


def _doc(doc_id: str, friendly: str, constructed: str, published: str) -> dict:
    return {
        "Document": {
            "DocID": doc_id,
            "FriendlyName": friendly,
            "ConstructedName": constructed,
            "PublishDate": published,
            "ReportTypeID": 12301,
        }
    }


def test_dst_end_repeated_hour_documents() -> None:
    """2025-11-02 01:xx occurs twice. The ``xhr`` pass is CST whatever offset ERCOT printed, its csv token may
    follow the mark, and it never shares a stored name with the first pass posted at the same wall time."""
    payload = {"ListDocsByRptTypeRes": {"DocumentList": [
        _doc("1", "SPPHLZNP6905_20251102_0115_csv",
             "cdr.00012301.0000000000000000.20251102.011501.SPPHLZNP6905_csv.zip", "2025-11-02T01:15:01-05:00"),
        # second pass, ERCOT's offset wrong (-05:00 again), mark after the format token, name without the mark
        _doc("2", "SPPHLZNP6905_20251102_0115_csv_xhr",
             "cdr.00012301.0000000000000000.20251102.011501.SPPHLZNP6905_csv.zip", "2025-11-02T01:15:01-05:00"),
        _doc("3", "SPPHLZNP6905_20251102_0115_xhr_xml",
             "cdr.00012301.0000000000000000.20251102.011501.SPPHLZNP6905_xhr_xml.zip", "2025-11-02T01:15:01-06:00"),
        # outside the repeated hour a wrong offset is corrected from the wall time too (CDT on 11-01)
        _doc("4", "SPPHLZNP6905_20251101_2345_csv",
             "cdr.00012301.0000000000000000.20251101.234501.SPPHLZNP6905_csv.zip", "2025-11-01T23:45:01-06:00"),
    ]}}  # fmt: skip
    docs = {d.doc_id: d for d in parse_document_list(payload, 12301)}
    assert [docs[k].is_csv for k in "1234"] == [True, True, False, True]
    assert [docs[k].repeated_hour for k in "1234"] == [False, True, True, False]
    utc = dt.UTC
    assert docs["1"].publish_time_utc == dt.datetime(2025, 11, 2, 6, 15, 1, tzinfo=utc)  # CDT
    assert docs["2"].publish_time_utc == dt.datetime(2025, 11, 2, 7, 15, 1, tzinfo=utc)  # CST, one hour later
    assert docs["4"].publish_time_utc == dt.datetime(2025, 11, 2, 4, 45, 1, tzinfo=utc)
    assert docs["2"].file_name.endswith("SPPHLZNP6905_csv_xhr.zip")
    assert docs["1"].file_name != docs["2"].file_name
    assert docs["3"].file_name == "cdr.00012301.0000000000000000.20251102.011501.SPPHLZNP6905_xhr_xml.zip"
