"""Row 7: HTTP 500, a read timeout, a reset connection or a body shorter than its Content-Length.

Before: no retry at all, and a short body raised an uncaught ``http.client.IncompleteRead`` traceback. Now: the
real transport (``requests``) against a fake server on 127.0.0.1 retries each fault with jittered exponential
back-off and succeeds; a fault that persists ends, after the bounded retries, in one error naming the URL,
which `collect` reports as one line for an incomplete day (exit 1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_helpers import D1, FakeServer, assert_one_line, make_project, ok, reset, short_body, stall, status

from hayeknet.ercot.collectors.http import HttpClient, HttpError, NetworkError, RequestsTransport, UrlPolicy

BODY = b'{"ok": true}'


class Waits(list):  # type: ignore[type-arg]
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _client(server: FakeServer, waits: Waits, **kw) -> HttpClient:  # type: ignore[no-untyped-def]
    policy = UrlPolicy(frozenset({f"127.0.0.1:{server.port}"}), frozenset({"http"}))
    transport = RequestsTransport(timeout_s=0.5, connect_timeout_s=2.0)
    return HttpClient(transport, waits, policy=policy, **kw)


@pytest.mark.parametrize(
    "fault",
    [status(500), status(502), status(503, {"Retry-After": "1"}), stall(2.0), reset(), short_body()],
    ids=["500", "502", "503-retry-after", "read-timeout", "reset", "short-body"],
)
def test_each_fault_is_retried_and_the_request_succeeds(fault) -> None:  # type: ignore[no-untyped-def]
    waits = Waits()
    with FakeServer([fault, ok(BODY)]) as server:
        body = _client(server, waits, max_retries=3, base_delay_s=2.0).get_json(f"{server.url}/data")
    assert body == {"ok": True}
    assert len(server.seen) == 2 and len(waits) == 1
    assert 1.0 <= waits[0] <= 3.0  # Retry-After 1, or 2 s back-off plus up to 1 s of jitter


def test_the_back_off_grows_and_is_jittered() -> None:
    waits = Waits()
    gave_up = pytest.raises(HttpError, match=r"HTTP 500 \(gave up after 4 retries\)")
    with FakeServer([status(500)]) as server, gave_up as info:
        _client(server, waits, max_retries=4, base_delay_s=2.0, max_delay_s=60.0).get(f"{server.url}/data")
    assert info.value.status == 500 and f"127.0.0.1:{server.port}/data" in str(info.value)
    assert len(server.seen) == 5
    for k, wait in enumerate(waits):
        assert 2.0 * 2**k <= wait <= 2.0 * 2**k + 1.0  # exponential, plus jitter in [0, base/2]
    assert len(set(waits)) == len(waits)


def test_a_connection_that_keeps_failing_ends_in_one_error() -> None:
    waits = Waits()
    gave_up = pytest.raises(NetworkError, match=r"short body: \d+ of \d+ bytes.*gave up after 2 retries")
    with FakeServer([short_body()]) as server, gave_up:
        _client(server, waits, max_retries=2).get(f"{server.url}/data")
    assert len(server.seen) == 3


def test_collect_reports_a_network_failure_as_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """MIS unreachable for the whole run: `collect --source mis` exits 1, one line per incomplete day."""
    from hayeknet.cli import main
    from hayeknet.ercot.collectors import http

    class Down:
        def send(self, request):  # type: ignore[no-untyped-def]
            raise NetworkError(f"{request.url}: network error (connection refused)")

    monkeypatch.setattr(http, "RequestsTransport", lambda *a, **k: Down())
    monkeypatch.setattr(http.time, "sleep", lambda s: None)
    root = make_project(tmp_path / "project", end=D1, study={"source": "mis"})
    code = main(["--project", str(root), "collect", "--source", "mis", "--start", D1, "--no-dvc"])
    captured = capsys.readouterr()
    assert code == 1
    line = assert_one_line(captured.err, f"{D1} incomplete", "connection refused")
    assert "IceDocListJsonWS" in line and "gave up after 5 retries" in line
