"""HTTP layer: Retry-After parsing, bounded and jittered back-off, the URL policy, replay transport."""

from __future__ import annotations

import datetime as dt

import pytest

from hayeknet.ercot.collectors.base import CollectorError
from hayeknet.ercot.collectors.http import (
    HttpClient,
    HttpError,
    HttpRequest,
    HttpResponse,
    ReplayTransport,
    RequestsTransport,
    UnexpectedRequestError,
    UrlPolicy,
    canonical_url,
    retry_after_seconds,
)

URL = "https://example.test/data"
TEST_POLICY = UrlPolicy(frozenset({"example.test"}))


def client_for(transport, sleep=None, **kw) -> HttpClient:
    """A client of the test host, without jitter unless asked (exact waits)."""
    kw.setdefault("jitter_s", 0.0)
    return HttpClient(transport, sleep, policy=TEST_POLICY, **kw)


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after_seconds("7") == 7.0
    now = dt.datetime(2026, 9, 29, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("Tue, 29 Sep 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Tue, 29 Sep 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


def test_429_honours_retry_after_then_succeeds(fake_sleep) -> None:
    transport = ReplayTransport(
        [
            ("GET", URL, HttpResponse(429, {"retry-after": "3"})),
            ("GET", URL, HttpResponse(429, {})),
            ("GET", URL, HttpResponse(200, {}, b'{"ok": true}')),
        ]
    )
    client = client_for(transport, fake_sleep, max_retries=5, base_delay_s=2.0)
    assert client.get_json(URL) == {"ok": True}
    assert fake_sleep.waits == [3.0, 4.0]  # server's Retry-After, then 2 * 2**1 (second retry)
    assert len(transport.requests) == 3


def test_429_retries_are_bounded(fake_sleep) -> None:
    transport = ReplayTransport([("GET", URL, HttpResponse(429, {"retry-after": "1000"}))])
    client = client_for(transport, fake_sleep, max_retries=2, max_delay_s=60.0)
    with pytest.raises(HttpError, match="HTTP 429 \\(gave up after 2 retries\\)") as info:
        client.get(URL)
    assert info.value.status == 429
    assert fake_sleep.waits == [60.0, 60.0]  # Retry-After capped
    assert len(transport.requests) == 3


def test_other_errors_are_not_retried(fake_sleep) -> None:
    transport = ReplayTransport([("GET", URL, HttpResponse(404, {}, b"not here"))])
    with pytest.raises(HttpError, match="HTTP 404: not here"):
        client_for(transport, fake_sleep).get(URL)
    assert fake_sleep.waits == []


def test_replay_matches_any_parameter_order_and_refuses_unknown_requests() -> None:
    transport = ReplayTransport([("GET", URL + "?b=2&a=1", HttpResponse(200, {}, b"x"))])
    client = client_for(transport)
    assert client.get(URL, params={"a": 1, "b": 2}).body == b"x"
    with pytest.raises(UnexpectedRequestError, match=r"no recorded response for GET https://example\.test/other"):
        client.get("https://example.test/other")
    assert canonical_url(URL + "?b=2&a=1") == URL + "?a=1&b=2"


def test_form_body_and_headers_are_sent() -> None:
    transport = ReplayTransport([("POST", URL, HttpResponse(200, {}, b"{}"))])
    client_for(transport).request("POST", URL, form={"grant_type": "password"}, headers={"X-Key": "k"})
    sent = transport.requests[0]
    assert sent.body == b"grant_type=password"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["X-Key"] == "k"


def test_the_network_is_blocked_in_tests() -> None:
    # The autouse no_network fixture refuses name lookups and connections off the machine.
    with pytest.raises(AssertionError, match="network access attempted"):
        RequestsTransport().send(HttpRequest("GET", "https://www.ercot.com/"))


def test_password_is_redacted_from_errors(fake_sleep) -> None:
    transport = ReplayTransport([("GET", URL + "?password=hunter2&x=1", HttpResponse(500, {}))])
    with pytest.raises(CollectorError) as info:
        client_for(transport, fake_sleep).get(URL, params={"password": "hunter2", "x": 1})
    assert "hunter2" not in str(info.value)
