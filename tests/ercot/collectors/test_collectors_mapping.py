"""Collecting NP4-160-SG: the drop folder routes it aside, MIS fetches the posting in force (recorded responses)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ercot: the NP4-160-SG builder
import ercot_mapping as em

from hayeknet.ercot.collectors import (
    CollectOptions,
    collect_day,
    collect_settlement_point_map,
    make_collector,
)
from hayeknet.ercot.collectors.base import CollectorError, sha256_path
from hayeknet.ercot.collectors.http import HttpResponse, ReplayTransport
from hayeknet.ercot.collectors.mapping import settlement_point_map_provenance
from hayeknet.ercot.collectors.mis import MIS_DOWNLOAD_URL, MIS_LIST_URL
from hayeknet.ercot.parse.settlement_points import find_settlement_point_map, read_settlement_point_map

DAY = dt.date(2026, 9, 29)
FEB06, FEB13 = dt.datetime(2026, 2, 6, 8, 0, 5), dt.datetime(2026, 2, 13, 8, 0, 7)


@pytest.fixture
def drop(samples: Path, tmp_path: Path) -> Path:
    """Price samples beside two NP4-160-SG postings: a zip (Feb 20) and loose tables (Feb 13), and an undated zip."""
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.copy(samples / "np6-905-cd.csv", folder / "spp.csv")
    em.write_zip(folder / "mapping" / "SP_List_EB_Mapping_feb20.zip")
    em.write_loose(folder / "mapping" / "feb13", stamp=FEB13)
    undated = {k.replace(f"_{em.stamp_text(em.STAMP)}", ""): v for k, v in em.members().items()}
    (folder / "undated.zip").write_bytes(em.zip_bytes(undated))
    return folder


def test_drop_folder_sets_the_mapping_aside_from_the_days(drop: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    collector = make_collector("files", CollectOptions(drop_folder=drop))
    files = collect_day("files", DAY, raw, CollectOptions(drop_folder=drop), collector=collector)
    assert [f.path.relative_to(raw).as_posix() for f in files] == ["np6-905-cd/2026-09-29/spp.csv"]
    assert collector.days() == [DAY]  # a mapping posting is no operating day
    postings = collector.mapping_postings()
    assert [(stamp, len(paths)) for stamp, paths in postings] == [(FEB13, 5), (em.STAMP, 1)]
    assert "undated.zip" in {p.name for p in collector.skipped}
    assert not (raw / "np4-160-sg").exists()


def test_drop_folder_places_the_posting_in_force_unchanged(drop: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    options = CollectOptions(drop_folder=drop)
    placed = collect_settlement_point_map("files", "2026-02-19", raw, options)
    assert sorted(f.path.relative_to(raw).as_posix() for f in placed) == sorted(
        f"np4-160-sg/2026-02-13/{name}" for name in em.members(FEB13)
    )
    assert all(f.report == "NP4-160-SG" and f.day == dt.date(2026, 2, 13) and not f.reused for f in placed)
    for f in placed:
        assert f.path.read_bytes() == (drop / "mapping" / "feb13" / f.path.name).read_bytes()
    later = collect_settlement_point_map("files", DAY, raw, options)
    assert [f.path.relative_to(raw).as_posix() for f in later] == ["np4-160-sg/2026-02-20/SP_List_EB_Mapping_feb20.zip"]
    again = collect_settlement_point_map("files", DAY, raw, options)
    assert all(f.reused for f in again) and again[0].sha256 == sha256_path(later[0].path)
    found = find_settlement_point_map(raw, DAY)
    assert found is not None and found.read().posted == em.STAMP
    with pytest.raises(CollectorError, match="holds no NP4-160-SG posted on or before 2026-02-12"):
        collect_settlement_point_map("files", "2026-02-12", raw, options)
    assert not [p for p in raw.iterdir() if p.name.startswith(".collect-")]


def test_an_unreadable_posting_places_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    bad = em.SETTLEMENT_POINTS_HEADER + "\nB1,B1,B_1,high,SUB,LZ_SOUTH,,,,1\n"
    em.write_zip(folder / "bad.zip", settlement_points=bad.encode())
    raw = tmp_path / "raw"
    with pytest.raises(CollectorError, match=r"bad\.zip.*row 1, field VOLTAGE_LEVEL: 'high' is not a number"):
        collect_settlement_point_map("files", DAY, raw, CollectOptions(drop_folder=folder))
    assert not (raw / "np4-160-sg").exists()
    with pytest.raises(CollectorError, match="not 'api'"):
        collect_settlement_point_map("api", DAY, raw)


def _document(doc_id: str, name: str, published: dt.datetime) -> dict:
    return {
        "Document": {
            "ExpiredDate": "2099-12-31T23:59:59-06:00",
            "ILMStatus": "EXT",
            "SecurityStatus": "P",
            "ContentSize": "1000000",
            "Extension": "zip",
            "ReportTypeID": "10008",
            "FriendlyName": name.removesuffix(".zip"),
            "ConstructedName": name,
            "DocID": doc_id,
            "PublishDate": published.strftime("%Y-%m-%dT%H:%M:%S-06:00"),
        }
    }


@pytest.fixture
def mis_recording() -> list[tuple[str, str, HttpResponse]]:
    """MIS's listing of report type 10008 (newest first, as MIS lists) and the three postings' zips."""
    postings = [("1000300003", em.STAMP), ("1000200002", FEB13), ("1000100001", FEB06)]
    names = {doc: f"rpt.00010008.0000000000000000.SP_List_EB_Mapping_{em.stamp_text(s)}.zip" for doc, s in postings}
    listing = {
        "ListDocsByRptTypeRes": {
            "DocumentList": [_document(doc, names[doc], s + dt.timedelta(minutes=3)) for doc, s in postings]
        }
    }
    out = [("GET", f"{MIS_LIST_URL}?reportTypeId=10008", HttpResponse(200, {}, json.dumps(listing).encode()))]
    for doc, stamp in postings:
        body = em.zip_bytes(em.members(stamp))
        out.append(("GET", f"{MIS_DOWNLOAD_URL}?doclookupId={doc}", HttpResponse(200, {}, body)))
    return out


def test_mis_fetches_the_newest_posting_on_or_before_the_day(mis_recording, fake_sleep, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    transport = ReplayTransport(mis_recording)
    options = CollectOptions(transport=transport, sleep=fake_sleep)
    collector = make_collector("mis", options)
    (placed,) = collect_settlement_point_map("mis", dt.date(2026, 2, 19), raw, options, collector=collector)
    assert placed.path.relative_to(raw).as_posix() == (
        "np4-160-sg/2026-02-13/rpt.00010008.0000000000000000.SP_List_EB_Mapping_02132026_080007.zip"
    )
    assert (placed.report, placed.source, placed.document_id) == ("NP4-160-SG", "mis", "1000200002")
    assert placed.publish_time_utc == dt.datetime(2026, 2, 13, 14, 3, 7, tzinfo=dt.UTC)
    assert placed.path.read_bytes() == mis_recording[2][2].body  # ERCOT's bytes, unchanged
    downloads = [r.url for r in transport.requests if r.url.startswith(MIS_DOWNLOAD_URL)]
    assert downloads == [f"{MIS_DOWNLOAD_URL}?doclookupId=1000200002"]

    (again,) = collect_settlement_point_map("mis", dt.date(2026, 2, 19), raw, options, collector=collector)
    assert again.reused and len([r for r in transport.requests if r.url.startswith(MIS_DOWNLOAD_URL)]) == 1
    record = settlement_point_map_provenance([placed], read_settlement_point_map(placed.path), raw)
    assert record["posted"] == "2026-02-13T08:00:07" and record["settlement_points"]["Resource Node"] == 12
    assert record["documents"][0]["document_id"] == "1000200002"

    with pytest.raises(CollectorError, match=r"no NP4-160-SG posted on or before 2026-02-05.*2026-02-06\.\.2026-02-20"):
        collect_settlement_point_map("mis", dt.date(2026, 2, 5), raw, options, collector=collector)


def test_mis_refuses_a_download_that_is_no_mapping(fake_sleep, tmp_path: Path) -> None:
    listing = {"ListDocsByRptTypeRes": {"DocumentList": [_document("9", "rpt.x.zip", em.STAMP)]}}
    transport = ReplayTransport(
        [
            ("GET", f"{MIS_LIST_URL}?reportTypeId=10008", HttpResponse(200, {}, json.dumps(listing).encode())),
            ("GET", f"{MIS_DOWNLOAD_URL}?doclookupId=9", HttpResponse(200, {}, b"<html>maintenance</html>")),
        ]
    )
    raw = tmp_path / "raw"
    with pytest.raises(CollectorError, match=r"mis: NP4-160-SG rpt\.x\.zip is unreadable"):
        collect_settlement_point_map("mis", DAY, raw, CollectOptions(transport=transport, sleep=fake_sleep))
    assert not (raw / "np4-160-sg").exists() and not list(raw.iterdir())
