"""A tiny injectable HTTP layer over :mod:`urllib` with bounded 429 back-off.

Collectors talk to a :class:`Transport` (one method, ``send``); production
uses :class:`UrllibTransport`, tests use :class:`ReplayTransport`, which
answers from recorded responses and raises on any request it has no recording
for, so a test can never reach the network. :class:`HttpClient` adds query
strings, form/JSON bodies, and retries after HTTP 429 (and 503) honouring
``Retry-After`` (seconds or an HTTP date), with exponential back-off
otherwise, at most ``max_retries`` times.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hayeknet.ercot.collectors.base import CollectorError

__all__ = [
    "HttpClient",
    "HttpError",
    "HttpRequest",
    "HttpResponse",
    "ReplayTransport",
    "Transport",
    "UnexpectedRequestError",
    "UrllibTransport",
    "canonical_url",
    "retry_after_seconds",
]

USER_AGENT = "hayeknet-collector/1 (+https://github.com/; research use)"
RETRY_STATUSES = frozenset({429, 503})


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


class UnexpectedRequestError(CollectorError):
    """A :class:`ReplayTransport` got a request it has no recorded response for."""


class Transport(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse:
        """Perform ``request``; return the response whatever its status (network failures raise)."""
        ...


class UrllibTransport:
    """The real network, through :func:`urllib.request.urlopen` (timeout in seconds)."""

    def __init__(self, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s

    def send(self, request: HttpRequest) -> HttpResponse:
        headers = {"User-Agent": USER_AGENT, **dict(request.headers)}
        req = urllib.request.Request(request.url, data=request.body, headers=headers, method=request.method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return HttpResponse(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
        except urllib.error.HTTPError as exc:
            body = exc.read() if exc.fp is not None else b""
            return HttpResponse(exc.code, {k.lower(): v for k, v in (exc.headers or {}).items()}, body)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CollectorError(f"{_redact(request.url)}: network error: {reason}") from None


def canonical_url(url: str) -> str:
    """``url`` with its query parameters sorted (so recorded and live requests compare equal)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)))
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _redact(url: str) -> str:
    """Drop secrets that might sit in a query string (``password``)."""
    parts = urllib.parse.urlsplit(url)
    pairs = [
        (k, "***" if k.lower() in {"password", "username"} else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, urllib.parse.urlencode(pairs), ""))


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


class HttpClient:
    """Requests over a :class:`Transport` with bounded retries after HTTP 429/503.

    The wait before retry ``k`` (1-based) is the server's ``Retry-After`` when
    given (capped at ``max_delay_s``), else ``base_delay_s * 2**(k-1)``
    (capped). After ``max_retries`` retries the last status raises
    :class:`HttpError`. ``sleep`` is injectable (tests record the waits).
    """

    def __init__(
        self,
        transport: Transport | None = None,
        sleep: Callable[[float], None] | None = None,
        max_retries: int = 5,
        base_delay_s: float = 2.0,
        max_delay_s: float = 120.0,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.transport: Transport = transport if transport is not None else UrllibTransport()
        self.sleep = sleep if sleep is not None else time.sleep
        self.max_retries = max_retries
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.waits: list[float] = []

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
        attempt = 0
        while True:
            response = self.transport.send(request)
            if response.status in ok_statuses:
                return response
            if response.status in RETRY_STATUSES and attempt < self.max_retries:
                attempt += 1
                wait = retry_after_seconds(response.header("retry-after"))
                if wait is None:
                    wait = self.base_delay_s * 2 ** (attempt - 1)
                wait = min(wait, self.max_delay_s)
                self.waits.append(wait)
                self.sleep(wait)
                continue
            note = f"gave up after {attempt} retries" if response.status in RETRY_STATUSES else ""
            raise HttpError(_redact(url), response.status, response.body, note)

    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        response = self.request("GET", url, **kwargs)
        return response.json(_redact(url))
