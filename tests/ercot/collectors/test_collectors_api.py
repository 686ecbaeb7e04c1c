"""Public-API collector against recorded token, paginated query and archive responses."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from hayeknet.ercot.collectors import CollectOptions, collect_day
from hayeknet.ercot.collectors.api import (
    ENV_PASSWORD,
    ENV_SUBSCRIPTION_KEY,
    ENV_USERNAME,
    PUBLIC_BASE_URL,
    TOKEN_URL,
    ApiCollector,
    ApiCredentials,
    TokenProvider,
)
from hayeknet.ercot.collectors.base import CollectorError, CredentialsError, sha256_path
from hayeknet.ercot.collectors.http import HttpClient, HttpResponse, ReplayTransport
from hayeknet.ercot.parse import parse_file

DAY = dt.date(2026, 9, 29)
ENV = {ENV_USERNAME: "analyst@example.org", ENV_PASSWORD: "s3cret-pass", ENV_SUBSCRIPTION_KEY: "sub-key-123"}
LIVE_NOW = dt.datetime(2026, 9, 30, 15, 0, tzinfo=dt.UTC)
OLD_NOW = dt.datetime(2027, 1, 15, 15, 0, tzinfo=dt.UTC)  # 108 days after DAY


def _options(transport, sleep, now, **kw) -> CollectOptions:
    return CollectOptions(transport=transport, sleep=sleep, env=ENV, now_utc=now, page_size=14, **kw)


@pytest.mark.parametrize("missing", [[ENV_USERNAME], [ENV_PASSWORD, ENV_SUBSCRIPTION_KEY]])
def test_missing_credentials_name_the_variables(missing, tmp_path) -> None:
    env = {k: v for k, v in ENV.items() if k not in missing}
    with pytest.raises(CredentialsError) as info:
        collect_day("api", DAY, tmp_path, CollectOptions(env=env, transport=ReplayTransport([])))
    for name in missing:
        assert name in str(info.value)
    for name in set(ENV) - set(missing):
        assert name not in str(info.value)
    assert "s3cret-pass" not in repr(ApiCredentials.from_env(ENV))


def test_live_query_token_pagination_and_429(recorded: Path, samples: Path, fake_sleep, tmp_path) -> None:
    transport = ReplayTransport.from_cassette(recorded / "api_live" / "cassette.json")
    files = collect_day("api", DAY, tmp_path, _options(transport, fake_sleep, LIVE_NOW))

    assert sorted(f.report for f in files) == ["NP4-188-CD", "NP4-190-CD", "NP6-331-CD", "NP6-788-CD", "NP6-905-CD"]
    assert fake_sleep.waits == [7.0]  # the recorded 429 on page 2 of NP6-905-CD, Retry-After: 7
    token_posts = [r for r in transport.requests if r.method == "POST"]
    assert len(token_posts) == 1 and token_posts[0].url == TOKEN_URL
    form = urllib.parse.parse_qs(token_posts[0].body.decode())
    assert form["grant_type"] == ["password"] and form["response_type"] == ["id_token"]
    assert form["username"] == [ENV[ENV_USERNAME]] and form["client_id"][0] in form["scope"][0]
    data_requests = [r for r in transport.requests if r.method == "GET"]
    assert all(r.headers["Authorization"] == "Bearer recorded.id.token" for r in data_requests)
    assert all(r.headers["Ocp-Apim-Subscription-Key"] == "sub-key-123" for r in data_requests)
    # pages: 905 2 (+1 retried), 788 2, 190 3, 188 1, 331 1
    assert len(data_requests) == 10
    assert not any("/archive/" in r.url for r in data_requests)

    by_report = {f.report: f for f in files}
    for report, sample in [
        ("NP6-905-CD", "np6-905-cd.csv"),
        ("NP6-788-CD", "np6-788-cd.csv"),
        ("NP4-190-CD", "np4-190-cd.csv"),
        ("NP4-188-CD", "np4-188-cd.csv"),
        ("NP6-331-CD", "np6-331-cd.csv"),
    ]:
        f = by_report[report]
        assert f.path.parent == tmp_path / report.lower() / "2026-09-29" and f.path.suffix == ".jsonl"
        assert f.sha256 == sha256_path(f.path) and f.document_id.startswith(PUBLIC_BASE_URL)
        pd.testing.assert_frame_equal(parse_file(f.path), parse_file(samples / sample))
    pages = by_report["NP4-190-CD"].path.read_text().splitlines()
    assert [json.loads(p)["_meta"]["currentPage"] for p in pages] == [1, 2, 3]


def test_live_rerun_rewrites_nothing(recorded: Path, fake_sleep, tmp_path) -> None:
    cassette = recorded / "api_live" / "cassette.json"
    first = collect_day("api", DAY, tmp_path, _options(ReplayTransport.from_cassette(cassette), fake_sleep, LIVE_NOW))
    mtimes = {f.path: f.path.stat().st_mtime_ns for f in first}
    second = collect_day("api", DAY, tmp_path, _options(ReplayTransport.from_cassette(cassette), fake_sleep, LIVE_NOW))
    assert all(f.reused for f in second) and not any(f.reused for f in first)
    assert {f.path: f.path.stat().st_mtime_ns for f in second} == mtimes


def test_archive_endpoint_for_days_older_than_90(recorded: Path, samples: Path, fake_sleep, tmp_path) -> None:
    """One GET per document (``archive_bulk=False``); the bulk POST path is in test_collectors_api_bulk.py."""
    transport = ReplayTransport.from_cassette(recorded / "api_archive" / "cassette.json")
    collector = ApiCollector(
        HttpClient(transport, fake_sleep), ApiCredentials.from_env(ENV), now_utc=OLD_NOW, archive_bulk=False
    )
    files = collect_day("api", DAY, tmp_path, _options(transport, fake_sleep, OLD_NOW), collector=collector)
    assert sorted(f.report for f in files) == ["NP4-188-CD", "NP4-190-CD", "NP6-331-CD", "NP6-788-CD", "NP6-905-CD"]
    gets = [r.url for r in transport.requests if r.method == "GET"]
    assert all(u.startswith(PUBLIC_BASE_URL + "/archive/") for u in gets)
    listing = next(u for u in gets if "np6-905-cd?postDatetimeFrom" in u)
    assert "postDatetimeFrom=2026-09-29T00%3A00%3A00" in listing and "postDatetimeTo=2026-09-30T01%3A00%3A00" in listing
    assert fake_sleep.waits == [2.0]  # one rate-limited download
    # the SCED listing has two pages; the XML document is never downloaded, the 09/30 run is not kept
    assert sum("archive/np6-788-cd?postDatetimeFrom" in u for u in gets) == 2
    assert sum("archive/np6-788-cd?download=" in u for u in gets) == 2
    assert not (tmp_path / "np6-788-cd" / "2026-09-30").exists()
    sced = next(f for f in files if f.report == "NP6-788-CD")
    assert sced.document_id == "900000001"
    assert sced.publish_time_utc == dt.datetime(2026, 9, 29, 16, 25, 41, tzinfo=dt.UTC)
    pd.testing.assert_frame_equal(parse_file(sced.path), parse_file(samples / "np6-788-cd.csv"))
    assert not any(r.method == "POST" and "/download" in r.url for r in transport.requests)
    assert {t["method"] for t in collector.archive_transfers(DAY)} == {"get"}
    assert len(collector.archive_transfers(DAY)) == 6  # 788 x2, 905, 190, 188, 331


@pytest.mark.parametrize(("age_days", "archive"), [(90, False), (91, True)])
def test_archive_threshold(age_days: int, archive: bool) -> None:
    now = dt.datetime.combine(DAY + dt.timedelta(days=age_days), dt.time(18, 0), tzinfo=dt.UTC)
    collector = ApiCollector(HttpClient(ReplayTransport([])), ApiCredentials.from_env(ENV), now_utc=now)
    assert collector.uses_archive(DAY) is archive


def test_token_is_renewed_before_expiry_and_after_401(fake_sleep) -> None:
    clock = [0.0]
    token = HttpResponse(200, {}, json.dumps({"id_token": "t", "id_token_expires_in": "3600"}).encode())
    transport = ReplayTransport([("POST", TOKEN_URL, token)])
    provider = TokenProvider(HttpClient(transport, fake_sleep), ApiCredentials.from_env(ENV), clock=lambda: clock[0])
    provider.token()
    clock[0] = 3000.0  # more than 5 minutes left: cached
    provider.token()
    assert provider.n_fetched == 1
    clock[0] = 3400.0  # within the renewal margin
    provider.token()
    assert provider.n_fetched == 2

    url = PUBLIC_BASE_URL + "/np4-188-cd/dam_clear_price_for_cap"
    transport = ReplayTransport(
        [
            ("POST", TOKEN_URL, token),
            ("GET", url, HttpResponse(401, {}, b"expired")),
            ("GET", url, HttpResponse(200, {}, b"{}")),
        ]
    )
    collector = ApiCollector(HttpClient(transport, fake_sleep), ApiCredentials.from_env(ENV), now_utc=LIVE_NOW)
    assert collector._get(url) == b"{}"
    assert collector.tokens.n_fetched == 2


def test_rejected_credentials(fake_sleep, tmp_path) -> None:
    body = b'{"error":"invalid_grant","error_description":"AADB2C90225: The username or password provided is invalid."}'
    transport = ReplayTransport([("POST", TOKEN_URL, HttpResponse(400, {}, body))])
    with pytest.raises(CredentialsError, match="AADB2C90225") as info:
        collect_day("api", DAY, tmp_path, _options(transport, fake_sleep, LIVE_NOW, reports=("NP4-188-CD",)))
    assert "s3cret-pass" not in str(info.value) and ENV_PASSWORD in str(info.value)


def test_empty_live_answer_is_an_error(fake_sleep, tmp_path) -> None:
    url = (
        PUBLIC_BASE_URL + "/np4-188-cd/dam_clear_price_for_cap?deliveryDateFrom=2026-09-29"
        "&deliveryDateTo=2026-09-29&size=14&page=1"
    )
    empty = {"_meta": {"totalRecords": 0, "totalPages": 0, "currentPage": 1}, "fields": [], "data": []}
    transport = ReplayTransport(
        [
            ("POST", TOKEN_URL, HttpResponse(200, {}, b'{"id_token": "t"}')),
            ("GET", url, HttpResponse(200, {}, json.dumps(empty).encode())),
        ]
    )
    with pytest.raises(CollectorError, match="no rows for operating day 2026-09-29"):
        collect_day("api", DAY, tmp_path, _options(transport, fake_sleep, LIVE_NOW, reports=("NP4-188-CD",)))
