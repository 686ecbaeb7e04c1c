"""Which collected days are complete: what ``days.yaml`` lists and what a re-run of collect re-fetches.

A day is *current* for a source when its collection record
(``data/provenance/<day>.json``) names that source, says ``complete: true``,
every recorded raw file is on disk with its sha256, and no other (visible)
file sits in the day's folders. A day is *complete* when the source delivered
every interval of every report the day needs and every file parses: the
collection checks (:mod:`hayeknet.archive.quality`) ``interval_count`` (no
missing interval beyond ``quality.max_filled_minutes``), ``files_parsed`` and
``realtime_present`` pass. Other failed checks (a price no market rule allows,
a key priced twice in one file) are the data's, not the download's: the day is
complete and its ingest quarantines it.

An incomplete day keeps what was fetched (its files, a record with
``complete: false`` and the reason), is left out of ``days.yaml``, makes
``hayeknet collect`` exit non-zero, and is fetched again by the next run.
Temporary files (``.collect-*``, ``.*.tmp``) that an interrupted run left
are removed when the next collect starts (under the project lock) and are
listed in ``.dvcignore``, so they never enter ``data.dvc``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hayeknet.config import ProjectPaths
from hayeknet.io import atomic_write_json
from hayeknet.pipeline.days import RAW_REPORT_DIRS

COMPLETENESS_CHECKS = ("interval_count", "files_parsed", "realtime_present")
"""Collection checks whose blocking failure makes a day incomplete (the download's fault, fetched again)."""
TEMP_PATTERNS = (".collect-*", ".*.tmp", ".*.tmp-*", ".*.old")
"""Names of the temporary files and folders the writers use (hidden, beside their destination)."""


def record_path(paths: ProjectPaths, day: dt.date) -> Path:
    return paths.collect_log / f"{day.isoformat()}.json"


def read_record(paths: ProjectPaths, day: dt.date) -> dict[str, Any] | None:
    path = record_path(paths, day)
    try:
        record = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def record_complete(record: Mapping[str, Any]) -> bool:
    """The record's own verdict: ``complete`` (records written before it existed: complete unless their
    collection checks named a missing interval or an unreadable file)."""
    if "complete" in record:
        return bool(record["complete"])
    checks = (record.get("collection") or {}).get("checks") or []
    return not incompleteness(checks)


def incompleteness(checks: Iterable[Mapping[str, Any]]) -> list[str]:
    """Why a day's collection is incomplete, one line per failed completeness check (empty: complete)."""
    reasons = []
    for c in checks:
        if c.get("name") not in COMPLETENESS_CHECKS or c.get("passed", True):
            continue
        if c.get("severity", "error") != "error":
            continue  # a gap within the fill bound: complete, flagged by ingest
        problems = c.get("problems") or []
        where = problems[0].get("message") if problems else c.get("detail", "")
        reasons.append(f"{c.get('report')}: {where}")
    return reasons


def day_files(paths: ProjectPaths, day: dt.date) -> list[Path]:
    """The day's visible raw files (hidden temporary files are never part of a day)."""
    files: list[Path] = []
    for report in RAW_REPORT_DIRS:
        folder = paths.raw_day(report, day)
        if folder.is_dir():
            files.extend(sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")))
    return files


def day_state(paths: ProjectPaths, day: dt.date, source: str, *, verify_hashes: bool = True) -> str | None:
    """None when ``day`` is current for ``source``; otherwise why not (one phrase)."""
    from hayeknet.pipeline.collect import sha256_file

    record = read_record(paths, day)
    if record is None:
        return "not collected"
    if record.get("source") != source:
        return f"collected from {record.get('source')!r}, not {source!r}"
    if not record_complete(record):
        return f"incomplete: {record.get('incomplete_reason') or 'checks failed'}"
    recorded = {entry["path"]: entry for entry in record.get("files", [])}
    on_disk = {f.relative_to(paths.root).as_posix() for f in day_files(paths, day)}
    if set(recorded) != on_disk:
        return "files differ from the collection record"
    for rel, entry in recorded.items():
        f = paths.root / rel
        if not f.is_file() or f.stat().st_size != entry.get("bytes", f.stat().st_size):
            return f"{rel} missing or changed"
        if verify_hashes and sha256_file(f) != entry["sha256"]:
            return f"{rel} changed"
    return None


def complete_days(paths: ProjectPaths) -> list[dt.date]:
    """Days whose collection record is complete and whose recorded files are all present (size checked;
    the hashes of the window's days were checked by the collect that wrote them)."""
    out: list[dt.date] = []
    folder = paths.collect_log
    if not folder.is_dir():
        return out
    for record_file in sorted(folder.glob("*.json")):
        try:
            day = dt.date.fromisoformat(record_file.stem)
        except ValueError:
            continue
        record = read_record(paths, day)
        if record is None or not record_complete(record):
            continue
        files = record.get("files") or []
        if not files:
            continue
        if all((paths.root / e["path"]).is_file() for e in files):
            out.append(day)
    return out


def incomplete_days(paths: ProjectPaths) -> dict[dt.date, str]:
    """``{day: reason}`` of the collected days whose record says incomplete."""
    out: dict[dt.date, str] = {}
    folder = paths.collect_log
    for record_file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            day = dt.date.fromisoformat(record_file.stem)
        except ValueError:
            continue
        record = read_record(paths, day)
        if record is not None and not record_complete(record):
            out[day] = str(record.get("incomplete_reason") or "checks failed")
    return out


def write_incomplete_record(
    paths: ProjectPaths, day: dt.date, source: str, reason: str, extra: Mapping[str, Any] | None = None
) -> Path:
    """A record of what an incomplete collection got (its files' sha256) and why it is incomplete."""
    from hayeknet.pipeline.collect import sha256_file

    files = day_files(paths, day)
    record = {
        "day": day.isoformat(),
        "source": source,
        "complete": False,
        "incomplete_reason": reason[:600],
        "files": [
            {"path": f.relative_to(paths.root).as_posix(), "sha256": sha256_file(f), "bytes": f.stat().st_size}
            for f in files
        ],
        **dict(extra or {}),
    }
    out = record_path(paths, day)
    atomic_write_json(out, record)
    return out


def clean_temp_files(paths: ProjectPaths) -> list[Path]:
    """Remove the temporary files and folders an interrupted run left under ``data/`` (call it holding the
    project lock: no other writer is running). Returns what was removed."""
    removed: list[Path] = []
    for top in {paths.raw.parent, paths.raw, paths.collect_log}:
        if not top.is_dir():
            continue
        for pattern in TEMP_PATTERNS:
            for hit in top.rglob(pattern):
                if hit.is_dir() and not hit.is_symlink():
                    shutil.rmtree(hit, ignore_errors=True)
                else:
                    hit.unlink(missing_ok=True)
                removed.append(hit)
    return removed


__all__ = [
    "COMPLETENESS_CHECKS",
    "clean_temp_files",
    "complete_days",
    "day_files",
    "day_state",
    "incomplete_days",
    "incompleteness",
    "read_record",
    "record_complete",
    "write_incomplete_record",
]
