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
original zip documents (``docId``, ``postDatetime``, ``_links.endpoint.href``).
The documents missing on disk are then fetched in bulk:
``POST /archive/{emil}/download`` with the JSON body ``{"docIds": [...]}``
(at most :data:`ARCHIVE_BULK_MAX_DOCS` per request) answers with one zip
holding each requested document (itself a zip), each member named from its
``docId``. A bulk request refused with an HTTP 4xx other than 429 falls back
to one ``GET`` per document (``_links.endpoint.href``), which is also the
whole path when ``archive_bulk=False``. Either way each document is stored
under the same name with the same bytes, so the files and their sha256 do
not depend on how they were fetched; how they were fetched is kept in
:attr:`ApiCollector.transfers` (:meth:`ApiCollector.archive_transfers`) for
the provenance record. HTTP 429 (and 503) is retried with back-off by the
:class:`~hayeknet.ercot.collectors.http.HttpClient`, for POST as for GET.

During the repeated hour at the end of daylight saving time ERCOT marks the
documents of the second pass with ``xhr`` in their names; their naive
``postDatetime`` is then read as Central Standard Time (the first pass as
Central Daylight Time).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    "ARCHIVE_BULK_MAX_DOCS",
    "ENDPOINTS",
    "ENV_PASSWORD",
    "ENV_SUBSCRIPTION_KEY",
    "ENV_USERNAME",
    "PUBLIC_BASE_URL",
    "TOKEN_URL",
    "ApiCollector",
    "ApiCredentials",
    "ArchiveDocument",
    "ArchiveTransfer",
    "BulkArchiveError",
    "TokenProvider",
    "bulk_download_url",
    "index_bulk_archive",
]

logger = logging.getLogger(__name__)

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
ARCHIVE_BULK_MAX_DOCS = 1000
"""Most ``docIds`` one ``POST /archive/{emil}/download`` accepts (ERCOT's documented limit)."""
SOURCE = "api"


class BulkArchiveError(CollectorError):
    """A bulk archive download (``POST /archive/{emil}/download``) answered something unusable:
    not a zip, a damaged member, or two members for one document (message names URL, docId, member)."""


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
            return {
                "SCEDTimestampFrom": f"{day.isoformat()}T00:00:00",
                "SCEDTimestampTo": f"{day.isoformat()}T23:59:59",
            }
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
    def from_env(cls, env: Mapping[str, str]) -> ApiCredentials:
        """Read the three variables; :class:`CredentialsError` names every missing one."""
        names = (ENV_USERNAME, ENV_PASSWORD, ENV_SUBSCRIPTION_KEY)
        missing = [n for n in names if not (env.get(n) or "").strip()]
        if missing:
            raise CredentialsError(
                "ERCOT public API credentials missing: set environment variable(s) "
                + ", ".join(missing)
                + " (register at https://apiexplorer.ercot.com/)"
            )
        return cls(env[ENV_USERNAME].strip(), env[ENV_PASSWORD], env[ENV_SUBSCRIPTION_KEY].strip())


class TokenProvider:
    """ID token from ERCOT's B2C ROPC flow, cached until shortly before it expires."""

    def __init__(
        self, client: HttpClient, credentials: ApiCredentials, clock: Callable[[], float] = time.monotonic
    ) -> None:
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
                f"check {ENV_USERNAME} and {ENV_PASSWORD}" + (f" ({_b2c_error(exc)})" if _b2c_error(exc) else "")
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

    @property
    def is_xml(self) -> bool:
        """The XML twin of a CSV document (an ``xml`` token in ``..._xml``, also with ``xhr`` around it)."""
        return "xml" in _name_tokens(self.friendly_name)

    @property
    def repeated_hour(self) -> bool:
        """Posted in the second pass of the repeated hour at DST end (ERCOT puts ``xhr`` in the name)."""
        return _is_repeated_hour(self.friendly_name)


@dataclass(frozen=True)
class ArchiveTransfer:
    """How archive documents were fetched, for the provenance record.

    ``method`` is ``"bulk"`` (one ``POST /archive/{emil}/download`` for
    ``doc_ids``), ``"get"`` (one ``GET`` of ``url`` per document, the path
    chosen with ``archive_bulk=False``) or ``"get-fallback"`` (a ``GET``
    after the bulk request failed, or when the bulk zip lacked the document;
    ``note`` says which). ``day`` is the operating day being collected.
    """

    report: str
    day: dt.date
    method: str
    url: str
    doc_ids: tuple[str, ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "day": self.day.isoformat(),
            "method": self.method,
            "url": self.url,
            "doc_ids": list(self.doc_ids),
            "note": self.note,
        }


def _name_tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", name.lower()) if t]


def _is_repeated_hour(name: str) -> bool:
    """ERCOT's mark of the second pass of the DST-end repeated hour: ``xhr`` in the document name
    (gridstatus ``Ercot._get_documents`` tests ``"xhr" in FriendlyName``; the exact position is not documented)."""
    return "xhr" in name.lower()


def _local_naive(ts_utc: dt.datetime) -> str:
    """ERCOT API timestamps: America/Chicago wall time, ``YYYY-MM-DDTHH:MM:SS``."""
    return pd.Timestamp(ts_utc).tz_convert(ERCOT_TZ).strftime("%Y-%m-%dT%H:%M:%S")


def _post_time(text: Any, repeated_hour: bool = False) -> dt.datetime | None:
    """``postDatetime`` (America/Chicago wall time, naive) in UTC.

    In the repeated hour at DST end the wall time is ambiguous: the first
    pass is read as CDT, the second (``repeated_hour``, the ``xhr``
    documents) as CST. A missing or unreadable value gives ``None``.
    """
    if not text:
        return None
    try:
        ts = pd.Timestamp(str(text))
    except (ValueError, TypeError):
        return None
    if ts.tzinfo is None:
        ts = ts.tz_localize(ERCOT_TZ, ambiguous=not repeated_hour, nonexistent="shift_forward")
    return ts.tz_convert("UTC").to_pydatetime()


def bulk_download_url(emil_id: str) -> str:
    """``POST`` endpoint of the bulk archive download of report ``emil_id`` (lower-case EMIL id)."""
    return f"{PUBLIC_BASE_URL}/archive/{emil_id}/download"


def _json_doc_id(doc_id: str) -> int | str:
    """``docIds`` are int64 in ERCOT's specification; a non-numeric id is sent as given."""
    return int(doc_id) if re.fullmatch(r"-?\d+", doc_id) else doc_id


def _member_doc_id(member: str) -> str:
    """The docId a bulk-zip member is named from: the leading dot-separated token of its base name."""
    return member.rsplit("/", 1)[-1].split(".", 1)[0]


def index_bulk_archive(zf: zipfile.ZipFile, url: str, doc_ids: Sequence[str]) -> dict[str, zipfile.ZipInfo]:
    """Map each requested docId to its member of a bulk archive zip.

    A member belongs to docId ``d`` when its base name's leading
    dot-separated token is ``d`` (``<docId>.<...>``); when one document was
    requested and the zip holds a single file, that file is it. Members for
    documents not requested are ignored; docIds without a member are absent
    from the result (the caller fetches them otherwise). Two members for one
    docId raise :class:`BulkArchiveError`.
    """
    wanted = set(doc_ids)
    files = [m for m in zf.infolist() if not m.is_dir()]
    found: dict[str, zipfile.ZipInfo] = {}
    for info in files:
        key = _member_doc_id(info.filename)
        if key not in wanted:
            continue
        if key in found:
            raise BulkArchiveError(
                f"{url}: bulk zip holds two members for docId {key}: {found[key].filename} and {info.filename}"
            )
        found[key] = info
    if not found and len(doc_ids) == 1 and len(files) == 1:
        found[doc_ids[0]] = files[0]
    return found


def _batches(docs: Sequence[ArchiveDocument], size: int) -> Iterator[list[ArchiveDocument]]:
    for i in range(0, len(docs), size):
        yield list(docs[i : i + size])


class ApiCollector:
    """Collects one operating day of each report from the public API (live query or archive).

    ``page_size`` is the live query's page size (rows); ``archive_after_days``
    the age (days, local date of ``now_utc``) beyond which the archive is used;
    ``archive_bulk`` chooses the bulk archive download (one POST per
    ``archive_batch_size`` documents, 1 to :data:`ARCHIVE_BULK_MAX_DOCS`) over
    one GET per document. :attr:`transfers` records how every archive
    document was fetched (one collector may serve many days).
    """

    def __init__(
        self,
        client: HttpClient,
        credentials: ApiCredentials,
        *,
        now_utc: dt.datetime,
        page_size: int = 100_000,
        archive_after_days: int = 90,
        clock: Callable[[], float] = time.monotonic,
        archive_bulk: bool = True,
        archive_batch_size: int = ARCHIVE_BULK_MAX_DOCS,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        if not 1 <= archive_batch_size <= ARCHIVE_BULK_MAX_DOCS:
            raise ValueError(
                f"archive_batch_size must be between 1 and {ARCHIVE_BULK_MAX_DOCS} "
                f"(ERCOT's limit of docIds per bulk request), got {archive_batch_size}"
            )
        self.client = client
        self.credentials = credentials
        self.tokens = TokenProvider(client, credentials, clock)
        self.now_utc = now_utc
        self.page_size = page_size
        self.archive_after_days = archive_after_days
        self.archive_bulk = archive_bulk
        self.archive_batch_size = archive_batch_size
        self.transfers: list[ArchiveTransfer] = []

    # --- requests -------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.tokens.token()}",
            "Ocp-Apim-Subscription-Key": self.credentials.subscription_key,
        }

    def _get(self, url: str, params: Mapping[str, Any] | None = None) -> bytes:
        """GET with both credentials; one token renewal after HTTP 401."""
        try:
            return self.client.get(url, params=params, headers=self._headers()).body
        except HttpError as exc:
            if exc.status != 401:
                raise
            self.tokens.invalidate()
            return self.client.get(url, params=params, headers=self._headers()).body

    def _post_json(self, url: str, body: Any) -> bytes:
        """POST a JSON body with both credentials (zip or JSON accepted); one token renewal after HTTP 401."""
        headers = {"Accept": "application/zip, application/json"}
        try:
            return self.client.request("POST", url, json_body=body, headers={**headers, **self._headers()}).body
        except HttpError as exc:
            if exc.status != 401:
                raise
            self.tokens.invalidate()
            return self.client.request("POST", url, json_body=body, headers={**headers, **self._headers()}).body

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
        query = (
            PUBLIC_BASE_URL + endpoint.path + "?" + "&".join(f"{k}={v}" for k, v in endpoint.day_params(day).items())
        )
        placed = place_bytes(data, name, raw_root, SOURCE, day=day, expected_report=spec, document_id=query)
        if placed is None:
            raise CollectorError(
                f"public API {endpoint.path}: the rows returned for {day.isoformat()} belong to another operating day"
            )
        return [placed]

    # --- archive --------------------------------------------------------------------------

    def archive_documents(self, spec: ReportSpec, day: dt.date) -> list[ArchiveDocument]:
        """CSV documents of the report posted in ``day``'s publish window (all ``_meta.totalPages`` pages),
        oldest first, each docId once."""
        emil = ENDPOINTS[spec.report_id].emil_id
        url = f"{PUBLIC_BASE_URL}/archive/{emil}"
        start, end = publish_window_utc(spec, day)
        docs: dict[str, ArchiveDocument] = {}
        page, total = 1, 1
        while page <= total:
            params = {
                "postDatetimeFrom": _local_naive(start),
                "postDatetimeTo": _local_naive(end),
                "size": ARCHIVE_PAGE_SIZE,
                "page": page,
            }
            payload, _ = self._get_json(url, params)
            if not isinstance(payload, dict) or "_meta" not in payload:
                raise CollectorError(f"{url} page {page}: response lacks '_meta'")
            total = int(payload["_meta"].get("totalPages") or 0)
            for item in payload.get("archives") or []:
                try:
                    href = item["_links"]["endpoint"]["href"]
                except (KeyError, TypeError):
                    raise CollectorError(f"{url} page {page}: archive entry without _links.endpoint.href") from None
                name = str(item.get("friendlyName") or "")
                doc = ArchiveDocument(
                    str(item.get("docId") or href.rsplit("=", 1)[-1]),
                    name,
                    _post_time(item.get("postDatetime"), _is_repeated_hour(name)),
                    href,
                )
                docs.setdefault(doc.doc_id, doc)
            page += 1
        csv_docs = [d for d in docs.values() if not d.is_xml]
        return sorted(csv_docs, key=lambda d: (d.post_time_utc or dt.datetime.min.replace(tzinfo=dt.UTC), d.doc_id))

    def _place(
        self, spec: ReportSpec, day: dt.date, raw_root: Path, doc: ArchiveDocument, data: bytes
    ) -> CollectedFile | None:
        return place_bytes(
            data,
            doc.file_name,
            raw_root,
            SOURCE,
            day=day,
            expected_report=spec,
            document_id=doc.doc_id,
            publish_time_utc=doc.post_time_utc,
        )

    def _get_each(
        self, spec: ReportSpec, day: dt.date, docs: Sequence[ArchiveDocument], method: str, note: str = ""
    ) -> Iterator[tuple[ArchiveDocument, bytes]]:
        for doc in docs:
            data = self._get(doc.href)
            self.transfers.append(ArchiveTransfer(spec.report_id, day, method, doc.href, (doc.doc_id,), note))
            yield doc, data

    def _fetch_bulk(
        self, spec: ReportSpec, day: dt.date, batch: Sequence[ArchiveDocument]
    ) -> Iterator[tuple[ArchiveDocument, bytes]]:
        """The documents of ``batch`` from one bulk POST (GETs after a 4xx other than 429)."""
        url = bulk_download_url(ENDPOINTS[spec.report_id].emil_id)
        ids = [d.doc_id for d in batch]
        try:
            body = self._post_json(url, {"docIds": [_json_doc_id(i) for i in ids]})
        except HttpError as exc:
            if not 400 <= exc.status < 500 or exc.status == 429:
                raise
            note = f"bulk POST {url} failed with HTTP {exc.status}"
            logger.warning("%s for docIds %s; fetching the %d document(s) one by one", note, ", ".join(ids), len(ids))
            yield from self._get_each(spec, day, batch, "get-fallback", note)
            return
        shown = ", ".join(ids[:5]) + (f" (+{len(ids) - 5} more)" if len(ids) > 5 else "")
        try:
            zf = zipfile.ZipFile(io.BytesIO(body))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
            raise BulkArchiveError(
                f"{url}: bulk download of docIds {shown} is not a readable zip ({exc}); response starts {body[:60]!r}"
            ) from None
        with zf:
            members = index_bulk_archive(zf, url, ids)
            self.transfers.append(
                ArchiveTransfer(spec.report_id, day, "bulk", url, tuple(i for i in ids if i in members))
            )
            missing = [d for d in batch if d.doc_id not in members]
            for doc in batch:
                info = members.get(doc.doc_id)
                if info is None:
                    continue
                try:
                    data = zf.read(info)
                except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
                    raise BulkArchiveError(
                        f"{url}: member {info.filename} (docId {doc.doc_id}) of the bulk zip is damaged ({exc})"
                    ) from None
                yield doc, data
        if missing:
            note = f"not in the bulk zip of {url}"
            logger.warning("docIds %s %s; fetching them one by one", ", ".join(d.doc_id for d in missing), note)
            yield from self._get_each(spec, day, missing, "get-fallback", note)

    def collect_archive(self, spec: ReportSpec, day: dt.date, raw_root: Path) -> list[CollectedFile]:
        """Place ``spec``'s archive documents of ``day``; documents already on disk are not fetched again."""
        docs = self.archive_documents(spec, day)
        placed: dict[str, CollectedFile | None] = {}
        pending: list[ArchiveDocument] = []
        for doc in docs:
            have = existing_file(raw_root, spec, day, doc.file_name, SOURCE, doc.doc_id, doc.post_time_utc)
            if have is not None:
                placed[doc.doc_id] = have
            else:
                pending.append(doc)
        if self.archive_bulk:
            fetched: Iterable[tuple[ArchiveDocument, bytes]] = (
                item
                for batch in _batches(pending, self.archive_batch_size)
                for item in self._fetch_bulk(spec, day, batch)
            )
        else:
            fetched = self._get_each(spec, day, pending, "get")
        for doc, data in fetched:
            placed[doc.doc_id] = self._place(spec, day, raw_root, doc, data)
        out = [f for f in (placed.get(d.doc_id) for d in docs) if f is not None]
        if not out:
            raise CollectorError(
                f"public API archive {ENDPOINTS[spec.report_id].emil_id}: no document for "
                f"operating day {day.isoformat()}"
            )
        return out

    def archive_transfers(self, day: dt.date | None = None) -> list[dict[str, Any]]:
        """JSON-ready :attr:`transfers` (of operating day ``day`` when given), for the provenance record."""
        return [t.to_dict() for t in self.transfers if day is None or t.day == day]

    def collect_day(self, day: dt.date, raw_root: Path, specs: Iterable[ReportSpec]) -> list[CollectedFile]:
        archive = self.uses_archive(day)
        files: list[CollectedFile] = []
        for spec in specs:
            if spec.is_historical:
                raise CollectorError(
                    f"the public API collector does not fetch the yearly report {spec.report_id}; "
                    "use --source mis or put the file in a drop folder (--source files)"
                )
            if not spec.published_on(day):
                continue
            if archive:
                files.extend(self.collect_archive(spec, day, Path(raw_root)))
            else:
                files.extend(self.collect_live(spec, day, Path(raw_root)))
        return files
