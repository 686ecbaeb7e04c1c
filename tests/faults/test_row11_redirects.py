"""Row 11: an API redirect (302) to another host or port, and ``file://`` URLs.

Before: ``Authorization`` and ``Ocp-Apim-Subscription-Key`` were forwarded to the redirect's target, and the
transport accepted ``file://`` URLs. Now: the client follows redirects itself, drops the credentials for any
other origin (scheme, host, port), refuses a target outside the URL policy (https to ERCOT's hosts, or those
configured) before anything is sent, and refuses ``file://`` and plain ``http`` to ERCOT.
"""

from __future__ import annotations

import pytest
from fault_helpers import FakeServer, ok, status

from hayeknet.ercot.collectors.http import (
    HttpClient,
    HttpResponse,
    ReplayTransport,
    RequestsTransport,
    UrlPolicy,
    UrlRefusedError,
)

CREDENTIALS = {"Authorization": "Bearer secret-token", "Ocp-Apim-Subscription-Key": "secret-key"}


def _client(*servers: FakeServer, transport=None) -> HttpClient:  # type: ignore[no-untyped-def]
    hosts = frozenset(f"127.0.0.1:{s.port}" for s in servers)
    return HttpClient(
        transport or RequestsTransport(timeout_s=5), lambda s: None, policy=UrlPolicy(hosts, frozenset({"http"}))
    )


def test_credentials_never_follow_a_redirect_to_another_port() -> None:
    other = FakeServer([ok(b'{"stolen": false}')])
    with other, FakeServer([status(302, {"Location": f"{other.url}/collect"})]) as api:
        body = _client(api, other).get_json(f"{api.url}/archive/np6-788-cd", headers=CREDENTIALS)
    assert body == {"stolen": False}
    assert api.seen[0][2]["authorization"] == "Bearer secret-token"  # the API itself got them
    headers = other.seen[0][2]
    assert "authorization" not in headers and "ocp-apim-subscription-key" not in headers


def test_a_same_origin_redirect_keeps_the_credentials() -> None:
    with FakeServer([status(307, {"Location": "/v2/data"}), ok()]) as api:
        _client(api).get(f"{api.url}/v1/data", headers=CREDENTIALS)
    assert [path for _, path, _ in api.seen] == ["/v1/data", "/v2/data"]
    assert api.seen[1][2]["ocp-apim-subscription-key"] == "secret-key"


def test_a_redirect_outside_the_policy_is_refused_before_it_is_sent() -> None:
    elsewhere = FakeServer([ok()])
    refused = pytest.raises(UrlRefusedError, match=r"refused: 127\.0\.0\.1 is not an allowed host")
    with elsewhere, FakeServer([status(302, {"Location": f"{elsewhere.url}/x"})]) as api, refused:
        _client(api).get(f"{api.url}/data", headers=CREDENTIALS)
    assert elsewhere.seen == []


def test_the_api_collector_drops_its_credentials_on_a_cross_host_redirect() -> None:
    """Recorded answers: ERCOT's API redirects a download to its token host (allowed, another origin)."""
    target = "https://ercotb2c.b2clogin.com/blob/doc.zip"
    url = "https://api.ercot.com/api/public-reports/archive/np6-788-cd?download=1"
    transport = ReplayTransport(
        [("GET", url, HttpResponse(302, {"location": target})), ("GET", target, HttpResponse(200, {}, b"PK"))]
    )
    client = HttpClient(transport, lambda s: None)
    client.get(url, headers=CREDENTIALS)
    first, second = transport.requests
    assert first.headers["Authorization"] == "Bearer secret-token"
    assert "Authorization" not in second.headers and "Ocp-Apim-Subscription-Key" not in second.headers


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "http://www.ercot.com/misapp/servlets/IceDocListJsonWS", "https://evil.example/x",
     "https://user:pw@www.ercot.com.evil.example/"],
)  # fmt: skip
def test_only_https_to_ercot_hosts_is_fetched(url: str) -> None:
    transport = ReplayTransport([])
    with pytest.raises(UrlRefusedError, match="refused") as info:
        HttpClient(transport).get(url)
    assert transport.requests == []  # nothing was sent (or read)
    assert "pw@" not in str(info.value)


def test_more_hosts_are_configured_with_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAYEKNET_ALLOWED_HOSTS", "mirror.example.org, proxy.example.org:8443")
    policy = UrlPolicy.default()
    policy.check("https://mirror.example.org/doc.zip")
    policy.check("https://proxy.example.org:8443/doc.zip")
    with pytest.raises(UrlRefusedError):
        policy.check("https://proxy.example.org/doc.zip")
