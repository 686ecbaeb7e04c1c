"""Collectors of raw ERCOT files: MIS (no login), public API (token + key) and a drop folder.

The entry point is :func:`collect_day`: it writes one operating day's raw
files atomically into ``<raw_root>/<report-dir>/<day>/`` and returns a
:class:`CollectedFile` per file (report, day, path, document id, publish time,
sha256). :func:`collection_provenance` turns that list into the day's
provenance record (documents, row counts, checks). The hourly wind and
solar postings (NP4-732-CD, NP4-737-CD), asked for by id, go to every day
whose posting window holds them (:mod:`hayeknet.ercot.generation.collect`,
ADR 0014; sources ``mis`` and ``files``). A day cut out of a
multi-day file (ERCOT's yearly historical reports NP6-785-ER, NP4-180-ER,
NP4-181-ER, from a drop folder or from MIS) is stored in its daily report's
folder and columns, its record naming the source (ADR 0011).
:func:`collect_settlement_point_map` places ERCOT's settlement point /
electrical bus mapping NP4-160-SG (reference data, by posting day, ADR 0013).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from hayeknet.ercot.calendar import as_date
from hayeknet.ercot.collectors.base import (
    CollectedFile,
    CollectOptions,
    CollectorError,
    CredentialsError,
    collection_provenance,
)
from hayeknet.ercot.collectors.http import HttpClient, UrlPolicy

__all__ = [
    "SOURCES",
    "CollectOptions",
    "CollectedFile",
    "CollectorError",
    "CredentialsError",
    "collect_day",
    "collect_settlement_point_map",
    "collection_provenance",
    "make_collector",
]

SOURCES = ("mis", "api", "files")
"""Sources :func:`collect_day` serves (the synthetic source lives in :mod:`hayeknet.pipeline.collect`)."""


def _client(options: CollectOptions) -> HttpClient:
    return HttpClient(
        options.transport,
        options.sleep,
        max_retries=options.max_retries,
        policy=UrlPolicy.default(options.allowed_hosts),
    )


def make_collector(source: str, options: CollectOptions | None = None):
    """The collector object of ``source`` (reuse it across days: the API token and drop-folder scan are kept)."""
    options = options or CollectOptions()
    if source == "mis":
        from hayeknet.ercot.collectors.mis import MisCollector

        return MisCollector(_client(options))
    if source == "api":
        from hayeknet.ercot.collectors.api import ApiCollector, ApiCredentials

        credentials = ApiCredentials.from_env(options.env if options.env is not None else os.environ)
        return ApiCollector(
            _client(options),
            credentials,
            now_utc=options.now(),
            page_size=options.page_size,
            archive_after_days=options.archive_after_days,
            archive_bulk=options.archive_bulk,
            archive_batch_size=options.archive_batch_size,
        )
    if source == "files":
        from hayeknet.ercot.collectors.dropfolder import DropFolderCollector

        if options.drop_folder is None:
            raise CollectorError("source 'files' needs a drop folder (CollectOptions.drop_folder)")
        return DropFolderCollector(options.drop_folder)
    raise CollectorError(f"unknown source {source!r}; collectors: {', '.join(SOURCES)} (and 'synthetic')")


def collect_day(
    source: str,
    day: dt.date | str,
    raw_root: Path,
    options: CollectOptions | None = None,
    collector=None,
) -> list[CollectedFile]:
    """Collect operating day ``day`` from ``source`` into ``raw_root/<report-dir>/<day>/``.

    Each file is written atomically (temporary file + rename); a file already
    present with the same sha256 is not rewritten (``reused=True``), and MIS /
    archive documents already on disk are not downloaded again, so an
    interrupted run resumes. Raises :class:`CollectorError` (or its
    :class:`CredentialsError`) naming the source, URL or file at fault.
    ``collector`` (from :func:`make_collector`) may be passed to reuse one
    across days.
    """
    options = options or CollectOptions()
    d = as_date(day)
    specs = options.specs()
    generation = options.generation_reports()
    if generation and source not in ("mis", "files"):
        ids = ", ".join(r.report_id for r in generation)
        raise CollectorError(f"source {source!r} does not fetch {ids} (hourly wind/solar postings): use mis or files")
    collector = collector if collector is not None else make_collector(source, options)
    if source == "files":
        return collector.collect_day(d, Path(raw_root), {s.report_id for s in [*specs, *generation]})
    files = collector.collect_day(d, Path(raw_root), specs)
    if generation:
        files.extend(collector.collect_generation_day(d, Path(raw_root), generation))
    return files


def collect_settlement_point_map(
    source: str,
    day: dt.date | str,
    raw_root: Path,
    options: CollectOptions | None = None,
    collector=None,
) -> list[CollectedFile]:
    """Place the NP4-160-SG posting in force on ``day`` (the newest posted on or before it) from ``source``
    (``mis`` or ``files``) at ``raw_root/np4-160-sg/<posting day>/``, unchanged (ADR 0013).

    Idempotent (a posting already in place is ``reused``). Raises
    :class:`CollectorError` when the source holds no such posting, or for the
    ``api`` source (not implemented: NP4-160-SG is an MIS posting).
    """
    if source not in {"mis", "files"}:
        raise CollectorError(f"NP4-160-SG is collected from 'mis' or 'files', not {source!r}")
    options = options or CollectOptions()
    collector = collector if collector is not None else make_collector(source, options)
    return collector.collect_settlement_point_map(as_date(day), Path(raw_root))
