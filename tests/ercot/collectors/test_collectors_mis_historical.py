"""MIS collector and drop folder with ERCOT's yearly historical reports, against recorded responses only.

``tests/fixtures/recorded/mis_historical`` holds MIS document lists of report
types 13061 (NP6-785-ER), 13060 (NP4-180-ER) and 13091 (NP4-181-ER) and their
2016 downloads in ERCOT's layout with made-up prices (built by
``build_recordings.py``). ERCOT's real 2016 NP4-180-ER / NP4-181-ER zips, where
``../shared/real`` has them, are served as the recorded download too.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hayeknet.ercot.calendar import ERCOT_TZ
from hayeknet.ercot.collectors import (
    CollectOptions,
    collect_day,
    collection_provenance,
    make_collector,
)
from hayeknet.ercot.collectors.base import CollectorError, sha256_path
from hayeknet.ercot.collectors.http import HttpResponse, ReplayTransport
from hayeknet.ercot.collectors.mis import (
    MIS_DOWNLOAD_URL,
    MIS_LIST_URL,
    parse_document_list,
)
from hayeknet.ercot.parse import parse_file

FALL = dt.date(2016, 11, 6)
SPRING = dt.date(2016, 3, 13)
HISTORICAL = ("NP6-785-ER", "NP4-180-ER", "NP4-181-ER")
REAL = Path(__file__).resolve().parents[4] / "shared" / "real" / "ercot_historical_2016"


def _options(transport, sleep, reports=HISTORICAL) -> CollectOptions:
    return CollectOptions(transport=transport, sleep=sleep, reports=reports)


def test_yearly_documents_are_found_by_year(recorded: Path) -> None:
    payload = json.loads((recorded / "mis_historical" / "doclist_13060.json").read_text())
    docs = parse_document_list(payload, 13060)
    assert [d.year for d in docs] == [2016, 2016, 2015]
    assert not any(d.is_csv for d in docs)  # the historical documents are zips of xlsx


def test_collect_days_from_the_yearly_reports(recorded: Path, fake_sleep, tmp_path: Path) -> None:
    transport = ReplayTransport.from_cassette(recorded / "mis_historical" / "cassette.json")
    options = _options(transport, fake_sleep)
    collector = make_collector("mis", options)
    raw = tmp_path / "raw"
    files = collect_day("mis", FALL, raw, options, collector=collector)
    placed = {f.path.relative_to(raw).as_posix(): f for f in files}
    assert sorted(placed) == [
        "np4-188-cd/2016-11-06/rpt.00013091.0000000000000000.20170101080004.DAMASMCPC_2016.20161106.csv",
        "np4-190-cd/2016-11-06/rpt.00013060.0000000000000000.DAMLZHBSPP_2016.20161106.csv",
        "np6-905-cd/2016-11-06/rpt.00013061.0000000000000000.RTMLZHBSPP_2016.20161106.csv",
    ]
    for f in files:
        assert f.source == "mis" and f.sha256 == sha256_path(f.path) and f.day == FALL
        assert f.publish_time_utc == dt.datetime(2017, 1, 1, 14, 0, 4, tzinfo=dt.UTC)
        body = recorded / "mis_historical" / f.derived_from["file"]
        assert f.derived_from["sha256"] == sha256_path(body) and f.derived_from["document_id"] == f.document_id
    rtm = next(f for f in files if f.report == "NP6-905-CD")
    assert rtm.derived_from["report"] == "NP6-785-ER" and rtm.derived_from["sheets"] == ["Nov_11"]
    assert rtm.derived_from["member"] == "rpt.00013061.0000000000000000.RTMLZHBSPP_2016.xlsx"
    table = parse_file(rtm.path)
    assert table["interval_start_utc"].nunique() == 100  # 25 hours of 15-minute intervals
    dam = parse_file(next(f for f in files if f.report == "NP4-190-CD").path)
    assert dam["interval_start_utc"].nunique() == 25
    # a second day comes from the same downloads: each list and document was fetched once
    spring = collect_day(
        "mis", SPRING, raw, _options(transport, fake_sleep, ("NP4-180-ER", "NP4-181-ER")), collector=collector
    )
    assert sorted(f.report for f in spring) == ["NP4-188-CD", "NP4-190-CD"]
    assert sum(r.url.startswith(MIS_LIST_URL) for r in transport.requests) == 3
    assert sum(r.url.startswith(MIS_DOWNLOAD_URL) for r in transport.requests) == 3  # never the older postings
    as_spring = parse_file(next(f for f in spring if f.report == "NP4-188-CD").path)
    assert as_spring["interval_start_utc"].nunique() == 23
    record = collection_provenance("mis", FALL, files, raw)
    checks = {(c["name"], c["report"]): c["passed"] for c in record["checks"]}
    assert checks[("interval_count", "NP6-905-CD")] and checks[("interval_count", "NP4-190-CD")]
    assert all(d["derived_from"]["report"] in HISTORICAL for d in record["documents"])
    collector.close()


def test_rerun_places_identical_files(recorded: Path, fake_sleep, tmp_path: Path) -> None:
    cassette = recorded / "mis_historical" / "cassette.json"
    raw = tmp_path / "raw"
    first = collect_day("mis", FALL, raw, _options(ReplayTransport.from_cassette(cassette), fake_sleep))
    second = collect_day("mis", FALL, raw, _options(ReplayTransport.from_cassette(cassette), fake_sleep))
    assert all(f.reused for f in second) and [f.sha256 for f in first] == [f.sha256 for f in second]


def test_missing_year_and_day_are_errors(recorded: Path, fake_sleep, tmp_path: Path) -> None:
    transport = ReplayTransport.from_cassette(recorded / "mis_historical" / "cassette.json")
    options = _options(transport, fake_sleep, ("NP4-181-ER",))
    collector = make_collector("mis", options)
    with pytest.raises(
        CollectorError,
        match=r"MIS lists no NP4-181-ER document for 2019 \(report type 13091; "
        r"years listed: 2015..2016\)",
    ):
        collect_day("mis", dt.date(2019, 6, 1), tmp_path, options, collector=collector)
    with pytest.raises(
        CollectorError,
        match=r"DAMASMCPC_2016.zip \(DocID \d+\) holds no rows for operating day "
        r"2016-07-01",
    ):
        collect_day("mis", dt.date(2016, 7, 1), tmp_path, options, collector=collector)


def test_daily_report_missing_on_mis_points_to_the_yearly_report(recorded: Path, fake_sleep, tmp_path: Path) -> None:
    transport = ReplayTransport.from_cassette(recorded / "mis" / "cassette.json")
    options = CollectOptions(transport=transport, sleep=fake_sleep, reports=("NP4-190-CD",))
    with pytest.raises(
        CollectorError,
        match=r"MIS has no NP4-190-CD file for operating day 2016-11-06 .*"
        r"--source api for older days, or the yearly report NP4-180-ER",
    ):
        collect_day("mis", FALL, tmp_path, options)


def test_api_source_refuses_yearly_reports(tmp_path: Path) -> None:
    env = {"ERCOT_API_USERNAME": "u", "ERCOT_API_PASSWORD": "p", "ERCOT_API_SUBSCRIPTION_KEY": "k"}
    with pytest.raises(CollectorError, match="does not fetch the yearly report NP4-180-ER"):
        collect_day(
            "api",
            FALL,
            tmp_path,
            CollectOptions(env=env, reports=("NP4-180-ER",), now_utc=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        )


# --- ERCOT's real 2016 files --------------------------------------------------------------------

needs_real = pytest.mark.skipif(
    not (REAL / "NP4-180-ER_DAMLZHBSPP_2016.zip").is_file(),
    reason=f"ERCOT's 2016 historical reports are not at {REAL} (shared/real is not part of the repository)",
)


@needs_real
def test_mis_serves_ercots_real_2016_zips(recorded: Path, fake_sleep, tmp_path: Path) -> None:
    """The recorded document lists, with ERCOT's real 2016 zips as the downloads."""
    recordings = []
    for rtid, real in ((13060, "NP4-180-ER_DAMLZHBSPP_2016.zip"), (13091, "NP4-181-ER_DAMASMCPC_2016.zip")):
        listing = (recorded / "mis_historical" / f"doclist_{rtid}.json").read_bytes()
        recordings.append(("GET", f"{MIS_LIST_URL}?reportTypeId={rtid}", HttpResponse(200, {}, listing)))
        newest = parse_document_list(json.loads(listing), rtid)[0]
        recordings.append(
            (
                "GET",
                f"{MIS_DOWNLOAD_URL}?doclookupId={newest.doc_id}",
                HttpResponse(200, {}, (REAL / real).read_bytes()),
            )
        )
    options = _options(ReplayTransport(recordings), fake_sleep, ("NP4-180-ER", "NP4-181-ER"))
    collector = make_collector("mis", options)
    raw = tmp_path / "raw"
    for day, hours in ((SPRING, 23), (FALL, 25), (dt.date(2016, 12, 31), 24)):
        files = collect_day("mis", day, raw, options, collector=collector)
        dam = parse_file(next(f for f in files if f.report == "NP4-190-CD").path)
        assert len(dam) == hours * 14 and dam["interval_start_utc"].nunique() == hours
        as_ = parse_file(next(f for f in files if f.report == "NP4-188-CD").path)
        assert len(as_) == hours * 4
    dam_file = next(f for f in files if f.report == "NP4-190-CD")
    assert dam_file.derived_from["sha256"] == "ed15d8a9f10f6f1efe82119963975923278662913858359dbaa5061fa9a1137c"
    assert dam_file.derived_from["sheets"] == ["Dec_12"]
    collector.close()


@needs_real
def test_drop_folder_splits_ercots_real_2016_zips_and_the_day_ingests(tmp_path: Path) -> None:
    from hayeknet.archive.ingest import ingest_day

    drop = tmp_path / "drop"
    drop.mkdir()
    for name in ("NP4-180-ER_DAMLZHBSPP_2016.zip", "NP4-181-ER_DAMASMCPC_2016.zip"):
        shutil.copy(REAL / name, drop / name)
    collector = make_collector("files", CollectOptions(drop_folder=drop))
    days = collector.days()
    assert len(days) == 366 and days[0] == dt.date(2016, 1, 1) and days[-1] == dt.date(2016, 12, 31)
    raw = tmp_path / "raw"
    files = collect_day("files", FALL, raw, collector=collector)
    by_report = {f.report: f for f in files}
    assert sorted(by_report) == ["NP4-188-CD", "NP4-190-CD"]
    dam = by_report["NP4-190-CD"]
    assert dam.path.name == "NP4-180-ER_DAMLZHBSPP_2016.20161106.csv"
    assert dam.derived_from == {
        "report": "NP4-180-ER",
        "file": "NP4-180-ER_DAMLZHBSPP_2016.zip",
        "sha256": "ed15d8a9f10f6f1efe82119963975923278662913858359dbaa5061fa9a1137c",
        "member": "rpt.00013060.0000000000000000.DAMLZHBSPP_2016.xlsx",
        "sheets": ["Nov_11"],
        "source_rows": 350,
    }
    assert by_report["NP4-188-CD"].derived_from["source_rows"] == 25
    result = ingest_day(raw, FALL, tmp_path / "archive")
    assert result.provenance["row_counts"] == {"NP4-188-CD": 100, "NP4-190-CD": 350}
    table = pd.concat([parse_file(f.path) for f in files])
    local = table["interval_start_utc"].dt.tz_convert(ERCOT_TZ)
    assert set(local.dt.date) == {FALL}
    collector.close()
