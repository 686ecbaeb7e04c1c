"""The collectors' HTTP layer: an injectable transport, a URL policy and bounded, jittered retries.

Collectors talk to a :class:`Transport` (one method, ``send``, which never
follows a redirect); production uses :class:`RequestsTransport` (``requests``,
connect and read timeouts, the body length checked against
``Content-Length``), tests use :class:`ReplayTransport`, which answers from
recorded responses and raises on any request it has no recording for, or a
local fake server on 127.0.0.1. :class:`HttpClient` adds query strings,
form/JSON bodies and:

* **Retries** (``tenacity``): HTTP 429, 500, 502, 503 and 504, timeouts,
  connection resets and short bodies (fewer bytes than ``Content-Length``)
  are retried at most ``max_retries`` times, waiting the server's
  ``Retry-After`` (seconds or an HTTP date, capped at ``max_delay_s``) or an
  exponential back-off ``base_delay_s * 2**(k-1)`` plus a random jitter of up
  to ``jitter_s`` (capped), so that many clients do not retry in step.
* **A URL policy** (:class:`UrlPolicy`): only ``https`` to ERCOT's hosts
  (:data:`ERCOT_HOSTS`; more with ``HAYEKNET_ALLOWED_HOSTS`` or
  ``CollectOptions.allowed_hosts``); ``file://``, plain ``http`` and other
  hosts are refused before anything is sent.
* **Redirects** followed by the client itself (at most :data:`MAX_REDIRECTS`),
  each target checked against the policy; the credentials
  (:data:`CREDENTIAL_HEADERS`: ``Authorization``, ``Ocp-Apim-Subscription-Key``,
  cookies) are dropped whenever the target's scheme, host or port differs
  from the original request's, so they never reach another server.

Every error names the URL with secrets redacted and echoes at most 300
characters of a body.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import os
import re
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import tenacity

from hayeknet.ercot.collectors.base import CollectorError

__all__ = [
    "CREDENTIAL_HEADERS",
    "ERCOT_HOSTS",
    "HttpClient",
    "HttpError",
    "HttpRequest",
    "HttpResponse",
    "NetworkError",
    "ReplayTransport",
    "RequestsTransport",
    "Transport",
    "UnexpectedRequestError",
    "UrlPolicy",
    "UrlRefusedError",
    "canonical_url",
    "retry_after_seconds",
]

USER_AGENT = "hayeknet-collector/1 (+https://github.com/; research use)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses that may pass: rate limits and server-side failures."""
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
ERCOT_HOSTS: tuple[str, ...] = ("www.ercot.com", "api.ercot.com", "ercotb2c.b2clogin.com")
"""Hosts the collectors may reach (MIS, the public API, its token service)."""
ALLOWED_HOSTS_ENV = "HAYEKNET_ALLOWED_HOSTS"
"""Comma-separated extra hosts (``host`` or ``host:port``) the policy allows, e.g. a mirror or proxy."""
CREDENTIAL_HEADERS = frozenset({"authorization", "ocp-apim-subscription-key", "cookie", "proxy-authorization"})
"""Request headers that carry credentials: never sent to another origin than the request's own."""
MAX_BODY_BYTES = 2 << 30
"""A response body larger than this is refused (a bulk archive of 1,000 SCED documents is far smaller)."""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class HttpResponse:
    """A response: status, headers (keys lower-case) and body bytes."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self, url: str = "") -> Any:
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CollectorError(f"{url or 'response'}: body is not JSON ({exc}); starts {self.body[:80]!r}") from None


class HttpError(CollectorError):
    """A non-success HTTP status (after retries); names the URL (credentials never included)."""

    def __init__(self, url: str, status: int, body: bytes = b"", note: str = "") -> None:
        self.url = url
        self.status = status
        snippet = body[:300].decode("utf-8", errors="replace").strip()
        msg = f"{url}: HTTP {status}" + (f" ({note})" if note else "") + (f": {snippet}" if snippet else "")
        super().__init__(msg)


class NetworkError(CollectorError):
    """A request that got no complete answer: timeout, connection refused or reset, a body shorter than its
    ``Content-Length``. Retried by :class:`HttpClient`."""


class UrlRefusedError(CollectorError):
    """A URL (or redirect target) outside the :class:`UrlPolicy`: not https, or not an allowed host."""


class UnexpectedRequestError(CollectorError):
    """A :class:`ReplayTransport` got a request it has no recorded response for."""


class Transport(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse:
        """Perform ``request`` without following redirects; return the response whatever its status (a failure
        to get a complete response raises :class:`NetworkError`)."""
        ...


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


@dataclass(frozen=True)
class UrlPolicy:
    """Where requests may go: ``schemes`` (default https only) to ``hosts`` (``host`` or ``host:port``)."""

    hosts: frozenset[str] = frozenset(ERCOT_HOSTS)
    schemes: frozenset[str] = frozenset({"https"})

    @classmethod
    def default(cls, extra_hosts: Iterable[str] = ()) -> UrlPolicy:
        """ERCOT's hosts, plus ``extra_hosts`` and those of ``$HAYEKNET_ALLOWED_HOSTS``."""
        env = [h.strip().lower() for h in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",") if h.strip()]
        return cls(frozenset(ERCOT_HOSTS) | {h.lower() for h in extra_hosts} | set(env))

    def check(self, url: str) -> None:
        scheme, host, port = _origin(url)
        if scheme not in self.schemes:
            raise UrlRefusedError(
                f"{_redact(url)[:200]}: refused: only {'/'.join(sorted(self.schemes))} URLs are fetched"
            )
        if host not in self.hosts and f"{host}:{port}" not in self.hosts:
            raise UrlRefusedError(
                f"{_redact(url)[:200]}: refused: {host} is not an allowed host ({', '.join(sorted(self.hosts))}; "
                f"add one with {ALLOWED_HOSTS_ENV})"
            )


class RequestsTransport:
    """The real network through ``requests`` (one session, connection reuse): no redirect followed, a
    connect timeout and a read timeout (seconds), the body read completely or :class:`NetworkError`."""

    def __init__(self, timeout_s: float = 60.0, connect_timeout_s: float = 15.0) -> None:
        import requests

        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.session = requests.Session()
        self.session.trust_env = False  # no .netrc credentials, no proxy from the environment by surprise

    def send(self, request: HttpRequest) -> HttpResponse:
        import requests

        headers = {"User-Agent": USER_AGENT, **dict(request.headers)}
        try:
            with self.session.request(
                request.method,
                request.url,
                headers=headers,
                data=request.body,
                timeout=(self.connect_timeout_s, self.timeout_s),
                allow_redirects=False,
                stream=True,
            ) as resp:
                chunks, size = [], 0
                for chunk in resp.iter_content(1 << 20):
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise CollectorError(f"{_redact(request.url)}: response larger than {MAX_BODY_BYTES} bytes")
                    chunks.append(chunk)
                body = b"".join(chunks)
                expected = resp.headers.get("content-length")
                encoded = resp.headers.get("content-encoding", "identity").lower() not in ("", "identity")
                if expected and expected.isdigit() and not encoded and len(body) < int(expected):
                    raise NetworkError(
                        f"{_redact(request.url)}: short body: {len(body)} of {expected} bytes (connection cut)"
                    )
                return HttpResponse(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, body)
        except requests.exceptions.Timeout as exc:
            raise NetworkError(f"{_redact(request.url)}: timed out ({type(exc).__name__})") from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            short = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)", str(exc))
            if short:
                got, more = int(short.group(1)), int(short.group(2))
                raise NetworkError(
                    f"{_redact(request.url)}: short body: {got} of {got + more} bytes (connection cut)"
                ) from None
            raise NetworkError(f"{_redact(request.url)}: incomplete response ({_first_line(exc)})") from None
        except requests.exceptions.ConnectionError as exc:
            raise NetworkError(f"{_redact(request.url)}: network error ({_first_line(exc)})") from None
        except requests.exceptions.RequestException as exc:  # invalid URL, schema: not worth a retry
            raise CollectorError(f"{_redact(request.url)}: request failed ({_first_line(exc)})") from None


UrllibTransport = RequestsTransport
"""The former name of the default transport."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def canonical_url(url: str) -> str:
    """``url`` with its query parameters sorted (so recorded and live requests compare equal)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)))
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _redact(url: str) -> str:
    """Drop secrets that might sit in a query string (``password``) or the authority (``user:pass@``)."""
    parts = urllib.parse.urlsplit(url)
    pairs = [
        (k, "***" if k.lower() in {"password", "username"} else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, urllib.parse.urlencode(pairs), ""))


class ReplayTransport:
    """Answers from recorded responses, in order, per (method, canonical URL); never the network.

    ``recordings`` is a list of ``(method, url, response)``; a key recorded
    several times answers with its responses in turn (e.g. a 429 then a 200).
    Every request received is kept in ``requests``.
    """

    def __init__(self, recordings: list[tuple[str, str, HttpResponse]]) -> None:
        self._queues: dict[tuple[str, str], deque[HttpResponse]] = defaultdict(deque)
        for method, url, response in recordings:
            self._queues[(method.upper(), canonical_url(url))].append(response)
        self.requests: list[HttpRequest] = []

    @classmethod
    def from_cassette(cls, path: Path) -> ReplayTransport:
        """Load ``cassette.json``: ``{"interactions": [{"request": {method, url}, "response": {status, headers,
        body_file | body_text | body_json}}]}``; ``body_file`` is relative to the cassette's folder."""
        path = Path(path)
        doc = json.loads(path.read_text())
        recordings = []
        for item in doc["interactions"]:
            req, resp = item["request"], item["response"]
            if "body_file" in resp:
                body = (path.parent / resp["body_file"]).read_bytes()
            elif "body_json" in resp:
                body = json.dumps(resp["body_json"]).encode()
            elif "body_base64" in resp:
                body = base64.b64decode(resp["body_base64"])
            else:
                body = resp.get("body_text", "").encode()
            headers = {k.lower(): str(v) for k, v in resp.get("headers", {}).items()}
            recordings.append((req["method"], req["url"], HttpResponse(int(resp["status"]), headers, body)))
        return cls(recordings)

    def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        key = (request.method.upper(), canonical_url(request.url))
        queue = self._queues.get(key)
        if not queue:
            raise UnexpectedRequestError(f"no recorded response for {key[0]} {_redact(key[1])}")
        return queue.popleft() if len(queue) > 1 else queue[0]

    def unused(self) -> list[str]:
        """Recorded responses never asked for (a test can assert none is left)."""
        return [
            f"{m} {u}"
            for (m, u), q in self._queues.items()
            if q and not any(r.method.upper() == m and canonical_url(r.url) == u for r in self.requests)
        ]


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); ``None`` if absent/bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class _Retry(Exception):
    """A response whose status may pass (:data:`RETRY_STATUSES`): retried by :class:`HttpClient`."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status)
        self.response = response


class HttpClient:
    """Requests over a :class:`Transport` with bounded, jittered retries, a URL policy and safe redirects
    (module docstring).

    The wait before retry ``k`` (1-based) is the server's ``Retry-After`` when
    given (capped at ``max_delay_s``), else ``base_delay_s * 2**(k-1)`` plus a
    uniform random jitter in ``[0, jitter_s]`` (default ``base_delay_s / 2``),
    capped at ``max_delay_s``. After ``max_retries`` retries the last status
    raises :class:`HttpError` (the last network failure :class:`NetworkError`).
    ``sleep`` is injectable (tests record the waits in :attr:`waits`).
    """

    def __init__(
        self,
        transport: Transport | None = None,
        sleep: Callable[[float], None] | None = None,
        max_retries: int = 5,
        base_delay_s: float = 2.0,
        max_delay_s: float = 120.0,
        jitter_s: float | None = None,
        policy: UrlPolicy | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.transport: Transport = transport if transport is not None else RequestsTransport()
        self.sleep = sleep if sleep is not None else time.sleep
        self.max_retries = max_retries
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.jitter_s = base_delay_s / 2 if jitter_s is None else jitter_s
        self.policy = policy if policy is not None else UrlPolicy.default()
        self.waits: list[float] = []
        self._backoff = tenacity.wait_exponential_jitter(
            multiplier=base_delay_s, max=max_delay_s, exp_base=2, jitter=self.jitter_s
        )

    def _wait(self, state: tenacity.RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, _Retry):
            server = retry_after_seconds(exc.response.header("retry-after"))
            if server is not None:
                return min(server, self.max_delay_s)
        return min(float(self._backoff(state)), self.max_delay_s)

    def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.sleep(seconds)

    def _send_following(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``, following redirects: each target checked by the policy, the credentials dropped
        for another origin than the original request's."""
        origin = _origin(request.url)
        current = request
        for _ in range(MAX_REDIRECTS + 1):
            self.policy.check(current.url)
            response = self.transport.send(current)
            location = response.header("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            target = urllib.parse.urljoin(current.url, location)
            headers = dict(current.headers)
            if _origin(target) != origin:
                headers = {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}
            method, body = current.method, current.body
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body = "GET", None
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            current = HttpRequest(method, target, headers, body)
        raise CollectorError(f"{_redact(request.url)}: more than {MAX_REDIRECTS} redirects")

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        ok_statuses: tuple[int, ...] = (200,),
    ) -> HttpResponse:
        """Send a request; return the response when its status is in ``ok_statuses``, else raise."""
        if params:
            url = (
                url
                + ("&" if "?" in url else "?")
                + urllib.parse.urlencode([(k, str(v)) for k, v in params.items() if v is not None])
            )
        hdrs = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        request = HttpRequest(method.upper(), url, hdrs, body)
        self.policy.check(url)

        def attempt() -> HttpResponse:
            response = self._send_following(request)
            if response.status not in ok_statuses and response.status in RETRY_STATUSES:
                raise _Retry(response)
            return response

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type((_Retry, NetworkError)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response = retrying(attempt)
        except _Retry as exc:
            note = f"gave up after {self.max_retries} retries"
            raise HttpError(_redact(url), exc.response.status, exc.response.body, note) from None
        except NetworkError as exc:
            if self.max_retries:
                raise NetworkError(f"{exc} (gave up after {self.max_retries} retries)") from None
            raise
        if response.status in ok_statuses:
            return response
        raise HttpError(_redact(url), response.status, response.body)

    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        response = self.request("GET", url, **kwargs)
        return response.json(_redact(url))
