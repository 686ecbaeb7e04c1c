"""Bulk archive download (``POST /archive/{emil}/download``) of the public-API collector.

The token and listing responses are the recorded ones of ``api_archive``
(built from the real ERCOT samples by ``tests/fixtures/recorded/build_recordings.py``);
the outer zips ERCOT answers the POST with are built here from the recorded
per-document zips (or, for several SCED runs, from the real NP6-788-CD
sample with its SCED timestamp moved).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile
from pathlib import Path

import pytest

from hayeknet.ercot.collectors import CollectOptions, collect_day
from hayeknet.ercot.collectors.api import (
    ARCHIVE_BULK_MAX_DOCS,
    ENV_PASSWORD,
    ENV_SUBSCRIPTION_KEY,
    ENV_USERNAME,
    PUBLIC_BASE_URL,
    TOKEN_URL,
    ApiCollector,
    ApiCredentials,
    BulkArchiveError,
    bulk_download_url,
)
from hayeknet.ercot.collectors.base import sha256_path
from hayeknet.ercot.collectors.http import HttpClient, HttpError, HttpResponse, ReplayTransport
from hayeknet.ercot.reports import NP6_905

DAY = dt.date(2026, 9, 29)
ENV = {ENV_USERNAME: "analyst@example.org", ENV_PASSWORD: "s3cret-pass", ENV_SUBSCRIPTION_KEY: "sub-key-123"}
OLD_NOW = dt.datetime(2027, 1, 15, 15, 0, tzinfo=dt.UTC)  # 108 days after DAY
# document ids of the recorded archive (tests/fixtures/recorded/api_archive): emil -> CSV docIds
RECORDED_DOCS = {
    "np6-788-cd": ["900000001", "900000003"],
    "np6-905-cd": ["900000004"],
    "np4-190-cd": ["900000005"],
    "np4-188-cd": ["900000006"],
    "np6-331-cd": ["900000007"],
}
SCED_LISTING = (
    f"{PUBLIC_BASE_URL}/archive/np6-788-cd?postDatetimeFrom=2026-09-29T00:00:00"
    "&postDatetimeTo=2026-09-30T01:00:00&size=1000&page=1"
)


def recordings(cassette: Path, keep_downloads: bool) -> list[tuple[str, str, HttpResponse]]:
    """The cassette's interactions as ReplayTransport recordings (the document GETs only if asked)."""
    doc = json.loads(cassette.read_text())
    out = []
    for item in doc["interactions"]:
        req, resp = item["request"], item["response"]
        if "download=" in req["url"] and not keep_downloads:
            continue
        if "body_file" in resp:
            body = (cassette.parent / resp["body_file"]).read_bytes()
        else:
            body = resp.get("body_text", "").encode()
        headers = {k.lower(): str(v) for k, v in resp.get("headers", {}).items()}
        out.append((req["method"], req["url"], HttpResponse(int(resp["status"]), headers, body)))
    return out


def outer_zip(members: list[tuple[str, bytes]], compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A bulk-download answer: one zip holding each document's zip under ``<docId>.<...>``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2027, 1, 15, 9, 0, 0))
            info.compress_type = compress
            zf.writestr(info, data)
    return buf.getvalue()


def recorded_zip(recorded: Path, emil: str, doc_id: str) -> bytes:
    return (recorded / "api_archive" / f"{emil}_{doc_id}.zip").read_bytes()


def collector_for(transport: ReplayTransport, fake_sleep, *, max_retries: int = 5, **kw) -> ApiCollector:
    return ApiCollector(
        HttpClient(transport, fake_sleep, max_retries=max_retries), ApiCredentials.from_env(ENV), now_utc=OLD_NOW, **kw
    )


def posts(transport: ReplayTransport) -> list[tuple[str, list[int]]]:
    return [
        (r.url, json.loads(r.body)["docIds"]) for r in transport.requests if r.method == "POST" and r.url != TOKEN_URL
    ]


def record_of(files, root: Path) -> list[tuple]:
    """What must not depend on how the archive was fetched: name, bytes, document id, publish time."""
    return sorted(
        (f.path.relative_to(root).as_posix(), f.sha256, f.report, f.day, f.document_id, f.publish_time_utc, f.n_bytes)
        for f in files
    )


def test_bulk_archive_stores_what_one_by_one_stores(recorded: Path, fake_sleep, tmp_path) -> None:
    cassette = recorded / "api_archive" / "cassette.json"
    one_by_one = ReplayTransport(recordings(cassette, keep_downloads=True))
    by_get = collector_for(one_by_one, fake_sleep, archive_bulk=False)
    files_get = collect_day("api", DAY, tmp_path / "get", CollectOptions(env=ENV), collector=by_get)

    bulk = recordings(cassette, keep_downloads=False)  # a document GET would now raise
    for emil, ids in RECORDED_DOCS.items():
        members = [
            (f"{i}.{emil}_{i}.zip" if n == 0 else f"{i}.zip", recorded_zip(recorded, emil, i))
            for n, i in enumerate(ids)
        ]
        if emil == "np6-905-cd":  # rate-limited once, then answered
            bulk.append(("POST", bulk_download_url(emil), HttpResponse(429, {"retry-after": "3"}, b"")))
        bulk.append(("POST", bulk_download_url(emil), HttpResponse(200, {}, outer_zip(members))))
    transport = ReplayTransport(bulk)
    fake_sleep.waits.clear()
    collector = collector_for(transport, fake_sleep)
    files_bulk = collect_day("api", DAY, tmp_path / "bulk", CollectOptions(env=ENV), collector=collector)

    assert record_of(files_bulk, tmp_path / "bulk") == record_of(files_get, tmp_path / "get")
    assert len(files_bulk) == 5 and all(f.sha256 == sha256_path(f.path) for f in files_bulk)
    assert fake_sleep.waits == [3.0]
    sent = posts(transport)
    # one POST per report (905 twice: the 429 and its retry); the XML twin of 788 is never asked for
    assert sorted(sent) == sorted(
        [(bulk_download_url(e), [int(i) for i in ids]) for e, ids in RECORDED_DOCS.items()]
        + [(bulk_download_url("np6-905-cd"), [900000004])]
    )
    for r in transport.requests:
        if r.method == "POST" and r.url != TOKEN_URL:
            assert r.headers["Content-Type"] == "application/json"
            assert r.headers["Authorization"] == "Bearer recorded.id.token"
            assert r.headers["Ocp-Apim-Subscription-Key"] == "sub-key-123"
    transfers = collector.archive_transfers(DAY)
    assert {t["method"] for t in transfers} == {"bulk"}
    assert sorted(i for t in transfers for i in t["doc_ids"]) == sorted(
        i for ids in RECORDED_DOCS.values() for i in ids
    )
    assert not (tmp_path / "bulk" / "np6-788-cd" / "2026-09-30").exists()  # the 09/30 run is not kept


# --- several SCED runs of one day, built from the real NP6-788-CD sample --------------------------------

RUN_TIMES = ["11:25:17", "11:30:14", "11:35:12", "11:40:16", "11:45:15"]


def sced_runs(recorded: Path) -> list[tuple[str, str, str, bytes]]:
    """(docId, friendlyName, postDatetime, zip) of five SCED runs of 2026-09-29 (the sample, timestamp moved)."""
    with zipfile.ZipFile(io.BytesIO(recorded_zip(recorded, "np6-788-cd", "900000001"))) as zf:
        (inner,) = zf.namelist()
        text = zf.read(inner).decode()
    runs = []
    for k, hms in enumerate(RUN_TIMES):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            info = zipfile.ZipInfo(
                f"LMPSELECTBUSNP6788_20260929_{hms.replace(':', '')}.csv", date_time=(2026, 9, 29, 12, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.replace("09/29/2026 11:25:17", f"09/29/2026 {hms}"))
        post = f"2026-09-29T{hms[:3]}{int(hms[3:5]) + 1:02d}:{hms[6:]}"  # posted about a minute after the run
        runs.append(
            (str(910000001 + k), f"LMPSELECTBUSNP6788_20260929_{hms[:5].replace(':', '')}_csv", post, buf.getvalue())
        )
    return runs


def sced_listing(runs) -> HttpResponse:
    archives = [
        {
            "docId": int(d),
            "friendlyName": n,
            "postDatetime": p,
            "_links": {"endpoint": {"href": f"{PUBLIC_BASE_URL}/archive/np6-788-cd?download={d}"}},
        }
        for d, n, p, _ in runs
    ]
    archives.append(
        {
            "docId": 910000099,
            "friendlyName": "LMPSELECTBUSNP6788_20260929_1125_xml",
            "postDatetime": "2026-09-29T11:26:17",
            "_links": {"endpoint": {"href": f"{PUBLIC_BASE_URL}/archive/np6-788-cd?download=910000099"}},
        }
    )
    body = {
        "_meta": {"totalRecords": len(archives), "pageSize": 1000, "totalPages": 1, "currentPage": 1},
        "product": {"emilId": "NP6-788-CD"},
        "archives": archives,
    }
    return HttpResponse(200, {}, json.dumps(body).encode())


def sced_transport(recorded: Path, runs, answers: list[HttpResponse], gets: bool = False) -> ReplayTransport:
    token = (recorded / "api_archive" / "token.json").read_bytes()
    rec = [("POST", TOKEN_URL, HttpResponse(200, {}, token)), ("GET", SCED_LISTING, sced_listing(runs))]
    rec += [("POST", bulk_download_url("np6-788-cd"), a) for a in answers]
    if gets:
        rec += [
            ("GET", f"{PUBLIC_BASE_URL}/archive/np6-788-cd?download={d}", HttpResponse(200, {}, z))
            for d, _, _, z in runs
        ]
    return ReplayTransport(rec)


def bundle(runs, ids) -> HttpResponse:
    return HttpResponse(
        200, {"content-type": "application/zip"}, outer_zip([(f"{d}.{n}.zip", z) for d, n, _, z in runs if d in ids])
    )


def test_batches_split_then_interrupted_run_resumes(recorded: Path, fake_sleep, tmp_path) -> None:
    runs = sced_runs(recorded)
    ids = [d for d, *_ in runs]
    url = bulk_download_url("np6-788-cd")
    garbage = HttpResponse(200, {}, b"<html><body>502 Bad Gateway</body></html>")
    first = sced_transport(recorded, runs, [bundle(runs, ids[:2]), garbage])
    with pytest.raises(BulkArchiveError) as info:
        collect_day(
            "api",
            DAY,
            tmp_path,
            CollectOptions(env=ENV, reports=("NP6-788-CD",)),
            collector=collector_for(first, fake_sleep, archive_batch_size=2),
        )
    message = str(info.value)
    assert url in message and "910000003" in message and "910000004" in message and "not a readable zip" in message
    assert posts(first) == [(url, [910000001, 910000002]), (url, [910000003, 910000004])]
    folder = tmp_path / "np6-788-cd" / "2026-09-29"
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == [
        "LMPSELECTBUSNP6788_20260929_1125_csv.910000001.zip",
        "LMPSELECTBUSNP6788_20260929_1130_csv.910000002.zip",
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staged file left behind
    mtimes = {p: p.stat().st_mtime_ns for p in folder.iterdir()}

    second = sced_transport(recorded, runs, [bundle(runs, ids[2:4]), bundle(runs, ids[4:])])
    collector = collector_for(second, fake_sleep, archive_batch_size=2)
    files = collect_day("api", DAY, tmp_path, CollectOptions(env=ENV, reports=("NP6-788-CD",)), collector=collector)
    assert posts(second) == [(url, [910000003, 910000004]), (url, [910000005])]  # present documents not asked for
    assert [f.document_id for f in files] == ids  # oldest first, as listed
    assert [f.reused for f in files] == [True, True, False, False, False]
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())
    assert [f.publish_time_utc.strftime("%H:%M:%S") for f in files] == [
        "16:26:17",
        "16:31:14",
        "16:36:12",
        "16:41:16",
        "16:46:15",
    ]
    assert [t["doc_ids"] for t in collector.archive_transfers(DAY)] == [ids[2:4], ids[4:]]

    third = sced_transport(recorded, runs, [])
    files = collect_day(
        "api",
        DAY,
        tmp_path,
        CollectOptions(env=ENV, reports=("NP6-788-CD",)),
        collector=collector_for(third, fake_sleep, archive_batch_size=2),
    )
    assert posts(third) == [] and all(f.reused for f in files) and len(files) == 5


def test_refused_bulk_request_falls_back_to_one_get_per_document(recorded: Path, fake_sleep, tmp_path, caplog) -> None:
    runs = sced_runs(recorded)[:3]
    refused = HttpResponse(400, {}, b'{"statusCode": 400, "message": "Bad Request"}')
    transport = sced_transport(recorded, runs, [refused], gets=True)
    collector = collector_for(transport, fake_sleep)
    with caplog.at_level(logging.WARNING, logger="hayeknet.ercot.collectors.api"):
        files = collect_day("api", DAY, tmp_path, CollectOptions(env=ENV, reports=("NP6-788-CD",)), collector=collector)
    assert [f.document_id for f in files] == [d for d, *_ in runs]
    assert [f.sha256 for f in files] == [sha256_path(f.path) for f in files]
    gets = [r.url for r in transport.requests if r.method == "GET" and "download=" in r.url]
    assert gets == [f"{PUBLIC_BASE_URL}/archive/np6-788-cd?download={d}" for d, *_ in runs]
    transfers = collector.archive_transfers(DAY)
    assert [t["method"] for t in transfers] == ["get-fallback"] * 3
    assert all("HTTP 400" in t["note"] and bulk_download_url("np6-788-cd") in t["note"] for t in transfers)
    assert "failed with HTTP 400" in caplog.text and "910000001" in caplog.text
    assert fake_sleep.waits == []


def test_rate_limit_exhausted_is_an_error_not_a_fallback(recorded: Path, fake_sleep, tmp_path) -> None:
    runs = sced_runs(recorded)[:1]
    limited = HttpResponse(429, {"retry-after": "4"}, b'{"statusCode": 429}')
    transport = sced_transport(recorded, runs, [limited], gets=True)
    with pytest.raises(HttpError) as info:
        collect_day(
            "api",
            DAY,
            tmp_path,
            CollectOptions(env=ENV, reports=("NP6-788-CD",)),
            collector=collector_for(transport, fake_sleep, max_retries=2),
        )
    assert info.value.status == 429 and "gave up after 2 retries" in str(info.value)
    assert fake_sleep.waits == [4.0, 4.0]
    assert not any(r.method == "GET" and "download=" in r.url for r in transport.requests)


def test_document_missing_from_the_bulk_zip_is_fetched_alone(recorded: Path, fake_sleep, tmp_path) -> None:
    runs = sced_runs(recorded)[:3]
    ids = [d for d, *_ in runs]
    transport = sced_transport(recorded, runs, [bundle(runs, [ids[0], ids[2]])], gets=True)
    collector = collector_for(transport, fake_sleep)
    files = collect_day("api", DAY, tmp_path, CollectOptions(env=ENV, reports=("NP6-788-CD",)), collector=collector)
    assert [f.document_id for f in files] == ids
    gets = [r.url for r in transport.requests if r.method == "GET" and "download=" in r.url]
    assert gets == [f"{PUBLIC_BASE_URL}/archive/np6-788-cd?download={ids[1]}"]
    assert [(t["method"], t["doc_ids"]) for t in collector.archive_transfers()] == [
        ("bulk", [ids[0], ids[2]]),
        ("get-fallback", [ids[1]]),
    ]


def test_damaged_member_names_the_member_and_the_document(recorded: Path, fake_sleep, tmp_path) -> None:
    runs = sced_runs(recorded)[:2]
    good = outer_zip([(f"{d}.{n}.zip", z) for d, n, _, z in runs], compress=zipfile.ZIP_STORED)
    damaged = bytearray(good)
    at = good.index(runs[1][3]) + len(runs[1][3]) // 2  # inside the stored bytes of the second document
    damaged[at] ^= 0xFF
    transport = sced_transport(recorded, runs, [HttpResponse(200, {}, bytes(damaged))])
    with pytest.raises(BulkArchiveError) as info:
        collect_day(
            "api",
            DAY,
            tmp_path,
            CollectOptions(env=ENV, reports=("NP6-788-CD",)),
            collector=collector_for(transport, fake_sleep),
        )
    message = str(info.value)
    assert f"{runs[1][0]}.{runs[1][1]}.zip" in message and f"docId {runs[1][0]}" in message
    assert bulk_download_url("np6-788-cd") in message
    # the intact first document was placed before the damage was found
    assert (tmp_path / "np6-788-cd" / "2026-09-29" / f"{runs[0][1]}.{runs[0][0]}.zip").is_file()


def test_two_members_for_one_document_are_refused(recorded: Path, fake_sleep, tmp_path) -> None:
    runs = sced_runs(recorded)[:1]
    d, _n, _, z = runs[0]
    transport = sced_transport(
        recorded, runs, [HttpResponse(200, {}, outer_zip([(f"{d}.a.zip", z), (f"{d}.b.zip", z)]))]
    )
    with pytest.raises(BulkArchiveError, match=f"two members for docId {d}"):
        collect_day(
            "api",
            DAY,
            tmp_path,
            CollectOptions(env=ENV, reports=("NP6-788-CD",)),
            collector=collector_for(transport, fake_sleep),
        )


@pytest.mark.parametrize("size", [0, ARCHIVE_BULK_MAX_DOCS + 1])
def test_batch_size_is_bounded_by_ercots_limit(size: int) -> None:
    with pytest.raises(ValueError, match="archive_batch_size"):
        ApiCollector(
            HttpClient(ReplayTransport([])), ApiCredentials.from_env(ENV), now_utc=OLD_NOW, archive_batch_size=size
        )


# --- the repeated hour at DST end ---------------------------------------------------------------------


@pytest.mark.parametrize(("csv_xhr", "xml_xhr"), [("0115_xhr_csv", "0115_xhr_xml"), ("0115_csv_xhr", "0115_xml_xhr")])
def test_repeated_hour_documents_are_read_as_standard_time(csv_xhr: str, xml_xhr: str, fake_sleep) -> None:
    """2026-11-01: 01:00-02:00 America/Chicago happens twice; ERCOT puts ``xhr`` in the second pass's names
    (where exactly is not documented: both placements are read alike)."""
    day = dt.date(2026, 11, 1)
    listing = (
        f"{PUBLIC_BASE_URL}/archive/np6-905-cd?postDatetimeFrom=2026-11-01T00:00:00"
        "&postDatetimeTo=2026-11-02T01:00:00&size=1000&page=1"
    )

    def entry(doc_id: int, name: str, posted: str) -> dict:
        return {
            "docId": doc_id,
            "friendlyName": name,
            "postDatetime": posted,
            "_links": {"endpoint": {"href": f"{PUBLIC_BASE_URL}/archive/np6-905-cd?download={doc_id}"}},
        }

    archives = [
        entry(1, "SPPHLZNP6905_20261101_0115_csv", "2026-11-01T01:16:10"),
        entry(2, "SPPHLZNP6905_20261101_0115_xml", "2026-11-01T01:16:10"),
        entry(3, f"SPPHLZNP6905_20261101_{csv_xhr}", "2026-11-01T01:16:10"),
        entry(4, f"SPPHLZNP6905_20261101_{xml_xhr}", "2026-11-01T01:16:10"),
    ]
    body = {"_meta": {"totalRecords": 4, "pageSize": 1000, "totalPages": 1, "currentPage": 1}, "archives": archives}
    token = HttpResponse(200, {}, b'{"id_token": "t"}')
    transport = ReplayTransport(
        [("POST", TOKEN_URL, token), ("GET", listing, HttpResponse(200, {}, json.dumps(body).encode()))]
    )
    now = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    collector = ApiCollector(HttpClient(transport, fake_sleep), ApiCredentials.from_env(ENV), now_utc=now)
    docs = collector.archive_documents(NP6_905, day)
    assert [d.doc_id for d in docs] == ["1", "3"]  # both XML twins dropped, xhr or not
    assert [d.repeated_hour for d in docs] == [False, True]
    assert [d.post_time_utc for d in docs] == [
        dt.datetime(2026, 11, 1, 6, 16, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 7, 16, 10, tzinfo=dt.UTC),
    ]
    assert len({d.file_name for d in docs}) == 2
