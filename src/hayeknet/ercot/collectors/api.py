"""ERCOT public API collector (``api.ercot.com``): ID token + subscription key, pagination, archive.

Every request carries two credentials: ``Ocp-Apim-Subscription-Key`` and an
``Authorization: Bearer`` ID token obtained from ERCOT's Azure B2C
resource-owner-password (ROPC) flow. Both come only from environment
variables (:data:`ENV_USERNAME`, :data:`ENV_PASSWORD`,
:data:`ENV_SUBSCRIPTION_KEY`); a missing one raises :class:`CredentialsError`
naming it. The token lasts about an hour and is renewed before it expires (or
after an HTTP 401).

Recent days come from the report's query endpoint (``/{emil}/{artifact}``,
filtered by delivery date or SCED timestamp), page by page (``_meta.totalPages``);
the pages are stored as one JSON Lines file, one response per line, as
received. Days older than ``archive_after_days`` (90) come from the archive
endpoint (``/archive/{emil}``, filtered by posting time), which lists the
original zip documents (``docId``, ``postDatetime``, ``_links.endpoint.href``)
that are then downloaded one by one. HTTP 429 is retried by the
:class:`~hayeknet.ercot.collectors.http.HttpClient`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ
from hayeknet.ercot.collectors.base import (
    CollectedFile,
    CollectorError,
    CredentialsError,
    existing_file,
    place_bytes,
    publish_window_utc,
)
from hayeknet.ercot.collectors.http import HttpClient, HttpError
from hayeknet.ercot.reports import NP4_188, NP4_190, NP6_331, NP6_788, NP6_905, ReportSpec

__all__ = [
    "ApiCollector",
    "ApiCredentials",
    "ArchiveDocument",
    "ENDPOINTS",
    "ENV_PASSWORD",
    "ENV_SUBSCRIPTION_KEY",
    "ENV_USERNAME",
    "PUBLIC_BASE_URL",
    "TOKEN_URL",
    "TokenProvider",
]

TOKEN_URL = "https://ercotb2c.b2clogin.com/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token"
CLIENT_ID = "fec253ea-0d06-4272-a5e6-b478baeecd70"
"""The public API's B2C application id (ERCOT developer portal)."""
PUBLIC_BASE_URL = "https://api.ercot.com/api/public-reports"
ENV_USERNAME = "ERCOT_API_USERNAME"
ENV_PASSWORD = "ERCOT_API_PASSWORD"
ENV_SUBSCRIPTION_KEY = "ERCOT_API_SUBSCRIPTION_KEY"
TOKEN_LIFETIME_S = 3600.0
TOKEN_MARGIN_S = 300.0
ARCHIVE_PAGE_SIZE = 1000
SOURCE = "api"


@dataclass(frozen=True)
class ApiEndpoint:
    """A report's query endpoint and how it is filtered to one operating day."""

    path: str
    by_sced_timestamp: bool = False

    @property
    def emil_id(self) -> str:
        return self.path.strip("/").split("/")[0]

    def day_params(self, day: dt.date) -> dict[str, str]:
        if self.by_sced_timestamp:
            return {"SCEDTimestampFrom": f"{day.isoformat()}T00:00:00",
                    "SCEDTimestampTo": f"{day.isoformat()}T23:59:59"}
        return {"deliveryDateFrom": day.isoformat(), "deliveryDateTo": day.isoformat()}


ENDPOINTS: dict[str, ApiEndpoint] = {
    NP6_788.report_id: ApiEndpoint("/np6-788-cd/lmp_node_zone_hub", by_sced_timestamp=True),
    NP6_905.report_id: ApiEndpoint("/np6-905-cd/spp_node_zone_hub"),
    NP4_190.report_id: ApiEndpoint("/np4-190-cd/dam_stlmnt_pnt_prices"),
    NP4_188.report_id: ApiEndpoint("/np4-188-cd/dam_clear_price_for_cap"),
    NP6_331.report_id: ApiEndpoint("/np6-331-cd/rt_clear_price_cap"),
}
"""Public-API endpoint of each report (ERCOT's pubapi-apim-api specification)."""


@dataclass(frozen=True)
class ApiCredentials:
    """Username, password and subscription key for the public API (never printed)."""

    username: str
    password: str
    subscription_key: str

    def __repr__(self) -> str:
        return f"ApiCredentials(username={self.username!r}, password=***, subscription_key=***)"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "ApiCredentials":
        """Read the three variables; :class:`CredentialsError` names every missing one."""
        names = (ENV_USERNAME, ENV_PASSWORD, ENV_SUBSCRIPTION_KEY)
        missing = [n for n in names if not (env.get(n) or "").strip()]
        if missing:
            raise CredentialsError(
                "ERCOT public API credentials missing: set environment variable(s) " + ", ".join(missing)
                + " (register at https://apiexplorer.ercot.com/)"
            )
        return cls(env[ENV_USERNAME].strip(), env[ENV_PASSWORD], env[ENV_SUBSCRIPTION_KEY].strip())


class TokenProvider:
    """ID token from ERCOT's B2C ROPC flow, cached until shortly before it expires."""

    def __init__(self, client: HttpClient, credentials: ApiCredentials,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.credentials = credentials
        self.clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self.n_fetched = 0

    def invalidate(self) -> None:
        self._token = None

    def token(self) -> str:
        if self._token is None or self.clock() >= self._expires_at - TOKEN_MARGIN_S:
            self._fetch()
        assert self._token is not None
        return self._token

    def _fetch(self) -> None:
        form = {
            "grant_type": "password",
            "username": self.credentials.username,
            "password": self.credentials.password,
            "response_type": "id_token",
            "scope": f"openid {CLIENT_ID} offline_access",
            "client_id": CLIENT_ID,
        }
        try:
            response = self.client.request("POST", TOKEN_URL, form=form)
        except HttpError as exc:
            raise CredentialsError(
                f"ERCOT B2C token request for user {self.credentials.username!r} failed: HTTP {exc.status}; "
                f"check {ENV_USERNAME} and {ENV_PASSWORD}"
                + (f" ({_b2c_error(exc)})" if _b2c_error(exc) else "")
            ) from None
        payload = response.json(TOKEN_URL)
        token = payload.get("id_token") if isinstance(payload, dict) else None
        if not token:
            raise CredentialsError(f"{TOKEN_URL}: response has no id_token (keys: {sorted(payload or {})})")
        lifetime = payload.get("id_token_expires_in") or payload.get("expires_in") or TOKEN_LIFETIME_S
        self._token = str(token)
        self._expires_at = self.clock() + float(lifetime)
        self.n_fetched += 1


def _b2c_error(exc: HttpError) -> str:
    text = str(exc)
    match = re.search(r'"error_description"\s*:\s*"([^"]{0,160})', text)
    return match.group(1) if match else ""


@dataclass(frozen=True)
class ArchiveDocument:
    """One document of the API archive (``postDatetime`` converted to UTC)."""

    doc_id: str
    friendly_name: str
    post_time_utc: dt.datetime | None
    href: str

    @property
    def file_name(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", self.friendly_name) or "document"
        return f"{safe}.{self.doc_id}.zip"


def _local_naive(ts_utc: dt.datetime) -> str:
    """ERCOT API timestamps: America/Chicago wall time, ``YYYY-MM-DDTHH:MM:SS``."""
    return pd.Timestamp(ts_utc).tz_convert(ERCOT_TZ).strftime("%Y-%m-%dT%H:%M:%S")


def _post_time(text: Any) -> dt.datetime | None:
    if not text:
        return None
    try:
        ts = pd.Timestamp(str(text))
    except (ValueError, TypeError):
        return None
    if ts.tzinfo is None:
        ts = ts.tz_localize(ERCOT_TZ, ambiguous=True, nonexistent="shift_forward")
    return ts.tz_convert("UTC").to_pydatetime()


class ApiCollector:
    """Collects one operating day of each report from the public API (live query or archive)."""

    def __init__(self, client: HttpClient, credentials: ApiCredentials, *, now_utc: dt.datetime,
                 page_size: int = 100_000, archive_after_days: int = 90,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.client = client
        self.credentials = credentials
        self.tokens = TokenProvider(client, credentials, clock)
        self.now_utc = now_utc
        self.page_size = page_size
        self.archive_after_days = archive_after_days

    # --- requests -------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.token()}",
                "Ocp-Apim-Subscription-Key": self.credentials.subscription_key}

    def _get(self, url: str, params: Mapping[str, Any] | None = None) -> bytes:
        """GET with both credentials; one token renewal after HTTP 401."""
        try:
            return self.client.get(url, params=params, headers=self._headers()).body
        except HttpError as exc:
            if exc.status != 401:
                raise
            self.tokens.invalidate()
            return self.client.get(url, params=params, headers=self._headers()).body

    def _get_json(self, url: str, params: Mapping[str, Any] | None = None) -> tuple[Any, bytes]:
        body = self._get(url, params)
        try:
            return json.loads(body.decode("utf-8-sig")), body
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CollectorError(f"{url}: response is not JSON ({exc})") from None

    # --- live query -----------------------------------------------------------------------

    def uses_archive(self, day: dt.date) -> bool:
        """True when ``day`` is older than ``archive_after_days`` (local date of ``now_utc``)."""
        today = pd.Timestamp(self.now_utc).tz_convert(ERCOT_TZ).date()
        return (today - day).days > self.archive_after_days

    def query_pages(self, spec: ReportSpec, day: dt.date) -> list[dict[str, Any]]:
        """Every page of the report's query for ``day`` (``_meta.totalPages`` pages)."""
        endpoint = ENDPOINTS[spec.report_id]
        url = PUBLIC_BASE_URL + endpoint.path
        pages: list[dict[str, Any]] = []
        page, total = 1, 1
        while page <= total:
            params = {**endpoint.day_params(day), "size": self.page_size, "page": page}
            doc, _ = self._get_json(url, params)
            if not isinstance(doc, dict) or "_meta" not in doc or "data" not in doc:
                raise CollectorError(f"{url} page {page}: response lacks '_meta' or 'data'")
            total = int(doc["_meta"].get("totalPages") or 0)
            pages.append(doc)
            page += 1
        return pages

    def collect_live(self, spec: ReportSpec, day: dt.date, raw_root: Path) -> list[CollectedFile]:
        endpoint = ENDPOINTS[spec.report_id]
        pages = [p for p in self.query_pages(spec, day) if p.get("data")]
        if not pages:
            raise CollectorError(f"public API {endpoint.path}: no rows for operating day {day.isoformat()}")
        data = "".join(json.dumps(p, separators=(",", ":"), ensure_ascii=False) + "\n" for p in pages).encode()
        name = f"{spec.dir_name}.{endpoint.path.rsplit('/', 1)[-1]}.{day.isoformat()}.jsonl"
        query = PUBLIC_BASE_URL + endpoint.path + "?" + "&".join(
            f"{k}={v}" for k, v in endpoint.day_params(day).items())
        placed = place_bytes(data, name, raw_root, SOURCE, day=day, expected_report=spec, document_id=query)
        if placed is None:
            raise CollectorError(f"public API {endpoint.path}: the rows returned for {day.isoformat()} "
                                 "belong to another operating day")
        return [placed]

    # --- archive --------------------------------------------------------------------------

    def archive_documents(self, spec: ReportSpec, day: dt.date) -> list[ArchiveDocument]:
        """Documents of the report posted in ``day``'s publish window (all ``_meta.totalPages`` pages)."""
        emil = ENDPOINTS[spec.report_id].emil_id
        url = f"{PUBLIC_BASE_URL}/archive/{emil}"
        start, end = publish_window_utc(spec, day)
        docs: list[ArchiveDocument] = []
        page, total = 1, 1
        while page <= total:
            params = {"postDatetimeFrom": _local_naive(start), "postDatetimeTo": _local_naive(end),
                      "size": ARCHIVE_PAGE_SIZE, "page": page}
            payload, _ = self._get_json(url, params)
            if not isinstance(payload, dict) or "_meta" not in payload:
                raise CollectorError(f"{url} page {page}: response lacks '_meta'")
            total = int(payload["_meta"].get("totalPages") or 0)
            for item in payload.get("archives") or []:
                try:
                    href = item["_links"]["endpoint"]["href"]
                except (KeyError, TypeError):
                    raise CollectorError(f"{url} page {page}: archive entry without _links.endpoint.href") from None
                docs.append(ArchiveDocument(str(item.get("docId") or href.rsplit("=", 1)[-1]),
                                            str(item.get("friendlyName") or ""), _post_time(item.get("postDatetime")),
                                            href))
            page += 1
        docs = [d for d in docs if not d.friendly_name.lower().endswith("_xml")]
        return sorted(docs, key=lambda d: (d.post_time_utc or dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                                           d.doc_id))

    def collect_archive(self, spec: ReportSpec, day: dt.date, raw_root: Path) -> list[CollectedFile]:
        out: list[CollectedFile] = []
        for doc in self.archive_documents(spec, day):
            have = existing_file(raw_root, spec, day, doc.file_name, SOURCE, doc.doc_id, doc.post_time_utc)
            if have is not None:
                out.append(have)
                continue
            placed = place_bytes(self._get(doc.href), doc.file_name, raw_root, SOURCE, day=day,
                                 expected_report=spec, document_id=doc.doc_id, publish_time_utc=doc.post_time_utc)
            if placed is not None:
                out.append(placed)
        if not out:
            raise CollectorError(f"public API archive {ENDPOINTS[spec.report_id].emil_id}: no document for "
                                 f"operating day {day.isoformat()}")
        return out

    def collect_day(self, day: dt.date, raw_root: Path, specs: Iterable[ReportSpec]) -> list[CollectedFile]:
        archive = self.uses_archive(day)
        files: list[CollectedFile] = []
        for spec in specs:
            if not spec.published_on(day):
                continue
            if archive:
                files.extend(self.collect_archive(spec, day, Path(raw_root)))
            else:
                files.extend(self.collect_live(spec, day, Path(raw_root)))
        return files
