"""Which wind/solar postings a day's raw folder holds, and how collectors put them there (ADR 0014).

A posting covers about nine operating days (48 hours back, 168 ahead), so it
is not "of" one day. The raw folder ``data/raw/np4-732-cd/<day>/`` (and
``np4-737-cd``) holds, unchanged and under ERCOT's MIS name, every posting
made in the day's **posting window** (:func:`posting_window_utc`): from 00:00
Central the day before (the day-ahead forecasts, taken as of 10:00 that day)
to 03:00 Central the day after (the actual output of the day's last hours is
posted after the hour). A posting therefore sits in two or three day
folders, and each folder alone holds everything its day's table needs, so
DVC's per-day dependency on ``data/raw/<report>/<day>`` stays exact.

The posting time comes from ERCOT's name (``...YYYYMMDD.HHMMSS...``, the MIS
``PublishDate``); a file without it is refused, since its forecasts could not
be placed in time.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ, as_date
from hayeknet.ercot.collectors.base import (
    CollectedFile,
    CollectorError,
    _check_name,
    _stage,
    sha256_bytes,
    sha256_path,
)
from hayeknet.ercot.generation.reports import GenerationReport, detect_generation_header, is_generation_header
from hayeknet.ercot.generation.table import posting_time_utc, read_posting
from hayeknet.ercot.reports import ReportFormatError

if TYPE_CHECKING:  # pragma: no cover
    from hayeknet.ercot.collectors.mis import MisCollector

__all__ = [
    "WINDOW_AFTER_DAY",
    "PostingPeek",
    "collect_dropfolder_postings",
    "collect_mis_postings",
    "days_of_posting",
    "existing_posting",
    "peek_posting",
    "place_posting",
    "posting_window_utc",
]

WINDOW_AFTER_DAY = pd.Timedelta(hours=3)
"""How long after the operating day's end postings still go to its folder (the last hours' actual output)."""


def posting_window_utc(day: dt.date | str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Postings of operating day ``day``'s folder: from 00:00 Central the day before to 03:00 Central the day
    after (UTC, end exclusive)."""
    d = as_date(day)
    start = pd.Timestamp(d - dt.timedelta(days=1)).tz_localize(ERCOT_TZ)
    end = pd.Timestamp(d + dt.timedelta(days=1)).tz_localize(ERCOT_TZ) + WINDOW_AFTER_DAY
    return start.tz_convert("UTC"), end.tz_convert("UTC")


def days_of_posting(published_utc: pd.Timestamp) -> list[dt.date]:
    """The operating days whose folder holds a posting made at ``published_utc`` (two or three days)."""
    local_day = pd.Timestamp(published_utc).tz_convert(ERCOT_TZ).date()
    candidates = [local_day + dt.timedelta(days=k) for k in (-1, 0, 1)]
    out = []
    for d in candidates:
        start, end = posting_window_utc(d)
        if start <= published_utc < end:
            out.append(d)
    return out


@dataclass(frozen=True)
class PostingPeek:
    """A posting recognised from its header and name alone: its report and posting time (UTC)."""

    report: GenerationReport
    published_utc: pd.Timestamp


def _first_line(path: Path) -> bytes:
    """The first line of a raw file, or of the single CSV inside its zip (``b""`` for a workbook or JSON).

    Reads a few kilobytes, not the file: the drop folder peeks at every file,
    some of them yearly reports of tens of megabytes.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
            fh.seek(0)
            if head[:2] != b"PK":
                return fh.readline(1 << 16)
            with zipfile.ZipFile(fh) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                csvs = [m for m in members if m.filename.lower().endswith(".csv")]
                if len(csvs) != 1 or len(members) != 1:
                    return b""  # a workbook, or not one CSV: the price readers judge it
                with zf.open(csvs[0]) as member:
                    return member.readline(1 << 16)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return b""  # unreadable here: the price readers report it with file and reason


def peek_posting(path: Path) -> PostingPeek | None:
    """The report and posting time of a wind/solar posting, from its header and name; ``None`` for another file.

    Raises :class:`~hayeknet.ercot.reports.ReportFormatError` when the header
    is a production report's but not one read here (NP4-742-CD: "matches no
    supported report"), or the name has no posting time.
    """
    path = Path(path)
    line = _first_line(path).lstrip(b"\xef\xbb\xbf")
    if not line.strip() or line.lstrip()[:1] in (b"{", b"["):
        return None
    header = next(csv.reader([line.decode("utf-8", errors="replace").strip()]), [])
    if not is_generation_header(header):
        return None
    report = detect_generation_header(header, path.name).report
    try:
        published = posting_time_utc(path.name)
    except ValueError as exc:
        raise ReportFormatError(path.name, None, None, str(exc)) from None
    if published is None:
        raise ReportFormatError(
            path.name, None, None,
            f"no posting time: a {report.report_id} file keeps ERCOT's MIS name, whose YYYYMMDD.HHMMSS stamp "
            "says when it was posted",
        )  # fmt: skip
    return PostingPeek(report, published)


def _folder(raw_root: Path, report: GenerationReport, day: dt.date) -> Path:
    return Path(raw_root) / report.dir_name / day.isoformat()


def place_posting(
    data: bytes,
    name: str,
    raw_root: Path,
    source: str,
    day: dt.date,
    *,
    expected: GenerationReport | None = None,
    document_id: str | None = None,
    publish_time_utc: dt.datetime | None = None,
) -> CollectedFile | None:
    """Place one posting, unchanged, at ``<raw_root>/<report>/<day>/<name>`` when it belongs to ``day``'s window.

    The bytes are staged, read in full (every field checked) and renamed into
    place; an identical file already there is kept (``reused=True``).
    Returns ``None`` (nothing written) for a posting outside the day's window.
    Raises :class:`CollectorError` for an unreadable file or another report than ``expected``.
    """
    raw_root = Path(raw_root)
    name = _check_name(name)
    tmp = _stage(raw_root, name, data)
    try:
        try:
            posting = read_posting(tmp, name=name)
        except ReportFormatError as exc:
            raise CollectorError(
                f"{source}: file {name} ({document_id or 'no id'}) is unreadable: {exc.message} "
                f"(row {exc.row}, field {exc.field})"
            ) from None
        if expected is not None and posting.report is not expected:
            raise CollectorError(f"{source}: {name} holds {posting.report.report_id}, expected {expected.report_id}")
        start, end = posting_window_utc(day)
        if not start <= posting.published_utc < end:
            return None
        dest = _folder(raw_root, posting.report, day) / name
        digest = sha256_bytes(data)
        published = publish_time_utc or posting.published_utc.to_pydatetime()
        reused = dest.exists() and sha256_path(dest) == digest
        if not reused:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dest)
        return CollectedFile(
            posting.report.report_id, day, dest, digest, source, document_id, published, len(data), reused=reused
        )
    finally:
        tmp.unlink(missing_ok=True)


def existing_posting(
    raw_root: Path,
    report: GenerationReport,
    day: dt.date,
    name: str,
    source: str,
    document_id: str | None = None,
    publish_time_utc: dt.datetime | None = None,
) -> CollectedFile | None:
    """The record of posting ``name`` already in ``day``'s folder (so it is not downloaded again); ``None``
    when absent or no longer readable as ``report``."""
    path = _folder(raw_root, report, day) / name
    if not path.is_file():
        return None
    try:
        posting = read_posting(path)
    except ReportFormatError:
        return None
    if posting.report is not report:
        return None
    published = publish_time_utc or posting.published_utc.to_pydatetime()
    return CollectedFile(
        report.report_id, day, path, sha256_path(path), source, document_id, published, path.stat().st_size, True
    )


def collect_dropfolder_postings(
    postings: Iterable[tuple[Path, PostingPeek]],
    folder: Path,
    day: dt.date,
    raw_root: Path,
    report_ids: set[str] | None = None,
) -> list[CollectedFile]:
    """Place the drop folder's postings (``(path, peek)``) of ``day``'s window; two files of one name are an error."""
    start, end = posting_window_utc(day)
    out: list[CollectedFile] = []
    names: dict[tuple[str, str], Path] = {}
    for path, peek in sorted(postings, key=lambda item: item[0].as_posix()):
        if report_ids is not None and peek.report.report_id not in report_ids:
            continue
        if not start <= peek.published_utc < end:
            continue
        key = (peek.report.report_id, path.name)
        if key in names:
            raise CollectorError(
                f"drop folder files {names[key]} and {path} would both be stored as "
                f"{peek.report.dir_name}/{day.isoformat()}/{path.name}; remove one"
            )
        names[key] = path
        placed = place_posting(path.read_bytes(), path.name, raw_root, "files", day, expected=peek.report)
        if placed is not None:
            out.append(placed)
    return out


def collect_mis_postings(
    collector: MisCollector, reports: Sequence[GenerationReport], day: dt.date, raw_root: Path
) -> list[CollectedFile]:
    """Download the CSV postings of ``reports`` in ``day``'s window from MIS and place them (resumable).

    A report with no posting in the window gives no file, not an error: MIS
    keeps hourly postings for a few days only, and the absence is recorded
    by the collection (``NOT_PUBLISHED.json``, ADR 0004); the QSE side then
    runs without that resource.
    """
    start, end = posting_window_utc(day)
    out: list[CollectedFile] = []
    for report in reports:
        docs = [
            d
            for d in collector.documents_by_type(report.mis_report_type_id)
            if d.is_csv and start <= d.publish_time_utc < end
        ]
        for doc in sorted(docs, key=lambda d: (d.publish_time_utc, d.doc_id)):
            name = doc.file_name
            have = existing_posting(raw_root, report, day, name, "mis", doc.doc_id, doc.publish_time_utc)
            if have is not None:
                out.append(have)
                continue
            placed = place_posting(
                collector.download(doc),
                name,
                raw_root,
                "mis",
                day,
                expected=report,
                document_id=doc.doc_id,
                publish_time_utc=doc.publish_time_utc,
            )
            if placed is not None:
                out.append(placed)
    return out
