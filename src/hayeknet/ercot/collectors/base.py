"""Common pieces of the raw-file collectors: the collected-file record, placement and provenance.

Every collector (MIS, public API, drop folder) ends the same way: a file's
bytes are recognised by *content* (report from the header, operating day from
the intervals, America/Chicago), then placed atomically at
``<raw_root>/<report-dir>/<YYYY-MM-DD>/<name>`` (ADR 0001/0004). A file already
there with the same sha256 is left untouched, so re-runs are idempotent and an
interrupted collection resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ, as_date, operating_day_of
from hayeknet.ercot.reports import (
    ALL_REPORTS_BY_ID,
    REFERENCE_REPORTS_BY_ID,
    REPORTS,
    ReportFormatError,
    ReportSpec,
)
from hayeknet.io import make_shareable

__all__ = [
    "CollectOptions",
    "CollectedFile",
    "CollectorError",
    "CredentialsError",
    "FileContent",
    "classify_file",
    "collection_provenance",
    "place_bytes",
    "place_file",
    "publish_window_utc",
    "sha256_bytes",
    "sha256_path",
]


class CollectorError(RuntimeError):
    """A collector could not fetch or place a raw file (message names the source, URL or file)."""


class CredentialsError(CollectorError):
    """ERCOT API credentials missing from the environment, or rejected by ERCOT's token service."""


@dataclass(frozen=True)
class CollectedFile:
    """One raw file placed under ``raw_root``.

    ``report`` is the report id (``NP6-905-CD``); ``day`` the ERCOT operating
    day (America/Chicago) of the file's intervals; ``document_id`` ERCOT's id
    of the document (MIS ``DocID``, API archive ``docId``; the query for a live
    API download); ``publish_time_utc`` when ERCOT posted it (UTC; ``None``
    when the source does not say); ``reused`` is True when an identical file
    was already in place and nothing was written. ``derived_from`` is set for a
    file cut out of a multi-day file (a yearly historical report, ADR 0011):
    the source's report, file name, sha256, zip member, sheets and rows.
    """

    report: str
    day: dt.date
    path: Path
    sha256: str
    source: str
    document_id: str | None = None
    publish_time_utc: dt.datetime | None = None
    n_bytes: int = 0
    reused: bool = False
    derived_from: Mapping[str, Any] | None = None

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        """JSON-ready record; ``path`` relative to ``root`` when given."""
        path = self.path.relative_to(root).as_posix() if root is not None else self.path.as_posix()
        record = {
            "report": self.report,
            "day": self.day.isoformat(),
            "path": path,
            "sha256": self.sha256,
            "bytes": self.n_bytes,
            "source": self.source,
            "document_id": self.document_id,
            "publish_time_utc": self.publish_time_utc.isoformat() if self.publish_time_utc else None,
            "reused": self.reused,
        }
        if self.derived_from is not None:
            record["derived_from"] = dict(self.derived_from)
        return record


@dataclass(frozen=True)
class CollectOptions:
    """Settings of one collection run; every side effect is injectable for tests.

    ``transport`` (an :class:`hayeknet.ercot.collectors.http.Transport`)
    defaults to ``requests``; ``sleep`` is called with seconds between retries;
    ``env`` holds the API credentials (default ``os.environ``); ``now_utc``
    decides between the live API and its archive (default: the clock);
    ``drop_folder`` is the folder the ``files`` source reads; ``reports``
    limits the reports collected (ids; default the five daily reports; a
    yearly historical id such as ``NP4-180-ER`` makes the MIS collector fetch
    that year's report and split it, ADR 0011; ``NP4-732-CD``/``NP4-737-CD``
    add the hourly wind/solar postings of the day's window, ADR 0014,
    sources ``mis`` and ``files``); ``max_retries``
    bounds the retries of one request (HTTP 429 and 5xx, timeouts, resets, short bodies); ``page_size`` is the
    public API's page size (rows); ``archive_after_days`` the age (days) from
    which the API archive endpoint is used instead of the live query;
    ``archive_bulk`` fetches archive documents with the bulk ``POST
    /archive/{emil}/download`` (``archive_batch_size`` documents per request,
    at most 1,000) instead of one ``GET`` each; ``allowed_hosts`` adds hosts
    (``host`` or ``host:port``) to ERCOT's, the only ones fetched from
    (:class:`hayeknet.ercot.collectors.http.UrlPolicy`).
    """

    transport: Any = None
    sleep: Callable[[float], None] | None = None
    env: Mapping[str, str] | None = None
    now_utc: dt.datetime | None = None
    drop_folder: Path | None = None
    reports: tuple[str, ...] = tuple(r.report_id for r in REPORTS)
    max_retries: int = 5
    page_size: int = 100_000
    archive_after_days: int = 90
    archive_bulk: bool = True
    archive_batch_size: int = 1000
    allowed_hosts: tuple[str, ...] = ()

    def specs(self) -> list[ReportSpec]:
        """The price reports asked for (the wind/solar production reports are in :meth:`generation_reports`)."""
        from hayeknet.ercot.generation.reports import GENERATION_BY_ID

        reference = [r for r in self.reports if r.upper() in REFERENCE_REPORTS_BY_ID]
        if reference:
            raise CollectorError(
                f"{', '.join(reference)} is reference data, not an operating day's report: collect it with "
                "collect_settlement_point_map (ADR 0013)"
            )
        known = {**ALL_REPORTS_BY_ID, **GENERATION_BY_ID}
        unknown = [r for r in self.reports if r.upper() not in known]
        if unknown:
            raise CollectorError(f"unknown report id(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return [ALL_REPORTS_BY_ID[r.upper()] for r in self.reports if r.upper() in ALL_REPORTS_BY_ID]

    def generation_reports(self) -> list[Any]:
        """The hourly wind/solar production reports asked for (``NP4-732-CD``, ``NP4-737-CD``; ADR 0014)."""
        from hayeknet.ercot.generation.reports import GENERATION_BY_ID

        return [GENERATION_BY_ID[r.upper()] for r in self.reports if r.upper() in GENERATION_BY_ID]

    def now(self) -> dt.datetime:
        now = self.now_utc or dt.datetime.now(dt.UTC)
        if now.tzinfo is None:
            raise CollectorError("CollectOptions.now_utc must be timezone-aware (UTC)")
        return now


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_path(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def publish_window_utc(spec: ReportSpec, day: dt.date | str) -> tuple[dt.datetime, dt.datetime]:
    """When ERCOT posts the files of operating day ``day`` (UTC, end exclusive).

    Day-ahead reports (hourly layout) are posted the day before (about 13:30
    local); the window is the two local days before ``day`` so that
    republications are found. Real-time reports are posted during the day and
    up to an hour after its end (the last 15-minute interval ends at midnight).
    The window only narrows the documents fetched: each file's day is then
    read from its content.
    """
    d = as_date(day)
    local = lambda x: pd.Timestamp(x).tz_localize(ERCOT_TZ)
    if spec.layout == "hourly":
        start, end = local(d - dt.timedelta(days=2)), local(d)
    else:
        start = local(d)
        end = local(d + dt.timedelta(days=1)) + pd.Timedelta(hours=1)
    return start.tz_convert("UTC").to_pydatetime(), end.tz_convert("UTC").to_pydatetime()


@dataclass(frozen=True)
class FileContent:
    """What a raw file holds: its report and the operating days of its intervals."""

    spec: ReportSpec
    days: frozenset[dt.date] = field(default_factory=frozenset)
    n_rows: int = 0


def classify_file(path: Path) -> FileContent:
    """Recognise a raw file's report (from its header) and operating day(s) (from its intervals).

    Raises :class:`ReportFormatError` (file, row, field) when the file is not a
    readable supported report.
    """
    from hayeknet.ercot.parse import normalize, read_raw

    raw = read_raw(path)
    if raw.frame is None or raw.n_rows == 0:
        return FileContent(raw.spec, frozenset(), 0)
    table = normalize(raw.spec, raw.frame)
    days = frozenset(operating_day_of(table["interval_start_utc"])) if len(table) else frozenset()
    return FileContent(raw.spec, days, raw.n_rows)


def _day_folder(raw_root: Path, spec: ReportSpec, day: dt.date) -> Path:
    return Path(raw_root) / spec.dir_name / day.isoformat()


def _stage(raw_root: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a hidden temporary file directly under ``raw_root`` (same file system)."""
    raw_root.mkdir(parents=True, exist_ok=True)
    suffix = "".join(Path(name).suffixes[-2:]) or ".raw"
    fd, tmp = tempfile.mkstemp(prefix=".collect-", suffix=suffix, dir=raw_root)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        make_shareable(Path(tmp))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _check_name(name: str) -> str:
    base = Path(name).name
    if not base or base != name or base.startswith("."):
        raise CollectorError(f"refusing raw file name {name!r}: must be a plain, visible file name")
    return base


def place_bytes(
    data: bytes,
    name: str,
    raw_root: Path,
    source: str,
    *,
    day: dt.date | None = None,
    expected_report: ReportSpec | None = None,
    document_id: str | None = None,
    publish_time_utc: dt.datetime | None = None,
    derived_from: Mapping[str, Any] | None = None,
) -> CollectedFile | None:
    """Place one downloaded file at ``<raw_root>/<report>/<its day>/<name>``, atomically.

    The bytes are staged in a hidden file under ``raw_root``, recognised by
    content (:func:`classify_file`) and renamed into place. Returns ``None``
    (and writes nothing) when ``day`` is given and the file belongs to another
    day, or when it holds no rows. Raises :class:`CollectorError` when the
    content is not ``expected_report``, is unreadable, or spans several days.
    An identical file already in place is kept (``reused=True``).
    ``derived_from`` is recorded on the result (a day cut from a multi-day file).
    """
    raw_root = Path(raw_root)
    name = _check_name(name)
    tmp = _stage(raw_root, name, data)
    try:
        try:
            content = classify_file(tmp)
        except ReportFormatError as exc:
            raise CollectorError(
                f"{source}: downloaded file {name} ({document_id or 'no id'}) is unreadable: "
                f"{exc.message} (row {exc.row}, field {exc.field})"
            ) from None
        if expected_report is not None and content.spec is not expected_report:
            raise CollectorError(
                f"{source}: {name} holds {content.spec.report_id}, expected {expected_report.report_id}"
            )
        if not content.days:
            return None
        if len(content.days) > 1:
            listed = ", ".join(sorted(d.isoformat() for d in content.days))
            raise CollectorError(
                f"{source}: {name} spans several operating days ({listed}); the raw layout holds one day per file"
            )
        (file_day,) = content.days
        if day is not None and file_day != day:
            return None
        dest = _day_folder(raw_root, content.spec, file_day) / name
        digest = sha256_bytes(data)
        if dest.exists() and sha256_path(dest) == digest:
            return CollectedFile(
                content.spec.report_id,
                file_day,
                dest,
                digest,
                source,
                document_id,
                publish_time_utc,
                len(data),
                reused=True,
                derived_from=derived_from,
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        return CollectedFile(
            content.spec.report_id,
            file_day,
            dest,
            digest,
            source,
            document_id,
            publish_time_utc,
            len(data),
            reused=False,
            derived_from=derived_from,
        )
    finally:
        tmp.unlink(missing_ok=True)


def place_file(src: Path, raw_root: Path, source: str, *, day: dt.date | None = None) -> CollectedFile | None:
    """Copy a local raw file into ``raw_root`` by content (see :func:`place_bytes`)."""
    src = Path(src)
    return place_bytes(src.read_bytes(), src.name, raw_root, source, day=day)


def existing_file(
    raw_root: Path,
    spec: ReportSpec,
    day: dt.date,
    name: str,
    source: str,
    document_id: str | None = None,
    publish_time_utc: dt.datetime | None = None,
) -> CollectedFile | None:
    """The record of ``name`` when it is already in the day's folder, so it need not be downloaded again.

    The file must still read as ``spec`` with intervals of ``day`` only;
    otherwise (damaged on disk) ``None`` is returned and the caller fetches
    it again, which replaces it atomically.
    """
    path = _day_folder(Path(raw_root), spec, day) / name
    if not path.is_file():
        return None
    try:
        content = classify_file(path)
    except ReportFormatError:
        return None
    if content.spec is not spec or content.days != frozenset({day}):
        return None
    return CollectedFile(
        spec.report_id,
        day,
        path,
        sha256_path(path),
        source,
        document_id,
        publish_time_utc,
        path.stat().st_size,
        reused=True,
    )


def collection_provenance(
    source: str,
    day: dt.date | str,
    files: Iterable[CollectedFile],
    raw_root: Path,
) -> dict[str, Any]:
    """Provenance of one collected day: source, documents, publish times, sha256, row counts, checks.

    Parses the day's collected files and runs :func:`hayeknet.archive.ingest.validate`
    on them, so the record says whether the day is complete before ingest.
    Deterministic: no wall-clock time, documents sorted by path.
    """
    from hayeknet.archive.ingest import generation_provenance, validate
    from hayeknet.ercot.generation.reports import GENERATION_BY_ID
    from hayeknet.ercot.generation.table import parse_postings
    from hayeknet.ercot.parse import parse_files_collecting

    d = as_date(day)
    raw_root = Path(raw_root)
    files = sorted(files, key=lambda f: f.path.as_posix())
    postings = [f for f in files if f.report in GENERATION_BY_ID]
    price_files = [f for f in files if f.report not in GENERATION_BY_ID]
    outcome = parse_files_collecting([f.path for f in price_files])
    generation = parse_postings([f.path for f in postings])
    failures = {p: str(e) for p, e in outcome.failures.items()}
    documents = []
    for f in files:
        entry = f.to_dict(raw_root)
        entry.pop("reused", None)
        raw = outcome.raw_files.get(f.path)
        posting = generation.files.get(f.path)
        entry["rows"] = raw.n_rows if raw is not None else posting.n_rows if posting is not None else None
        error = failures.get(f.path) or (str(generation.failures[f.path]) if f.path in generation.failures else None)
        if error is not None:
            entry["error"] = error
        documents.append(entry)
    present = {r.spec.report_id for r in outcome.raw_files.values()}
    checks = [c.to_dict() for c in validate(outcome.table, d, present)]
    checks.append(
        {
            "name": "files_parsed",
            "report": "*",
            "passed": not failures,
            "detail": f"{len(price_files) - len(failures)} of {len(price_files)} price files parsed",
        }
    )
    table = outcome.table
    rows = (
        {str(k): int(v) for k, v in table.groupby("report", observed=True).size().sort_index().items()}
        if len(table)
        else {}
    )
    record: dict[str, Any] = {
        "source": source,
        "day": d.isoformat(),
        "documents": documents,
        "row_counts": rows,
        "checks": checks,
        "checks_passed": all(c["passed"] for c in checks),
    }
    if postings:  # the wind/solar postings: reported apart, never gating the day (ADR 0014)
        summary, _ = generation_provenance(generation, d, raw_root)
        record["row_counts"] = {**rows, **summary["row_counts"]}
        record["generation"] = summary
    return record
