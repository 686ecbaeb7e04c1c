"""Collect raw ERCOT files for a window of operating days into ``data/raw``.

Idempotent and resumable: a day whose collection record
(``data/provenance/<day>.json``) lists the same source, says the day is
complete and whose files still have the recorded sha256 is skipped; any other
day is fetched again (:mod:`hayeknet.pipeline.completeness`). Exclusive: a run
holds the project lock (:mod:`hayeknet.pipeline.lock`) and first removes the
temporary files an interrupted run left. A day that cannot be completed keeps
what was fetched and is reported in :attr:`CollectSummary.incomplete`; the
other days still run. After collecting, ``days.yaml`` is rewritten from the
complete days and ``data.dvc`` is refreshed with ``dvc add data`` (never from
inside a stage).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hayeknet.archive.ingest import NOT_PUBLISHED_MARKER
from hayeknet.config import ProjectPaths
from hayeknet.io import atomic_write_json
from hayeknet.params import Params
from hayeknet.pipeline.days import (
    GENERATION_REPORT_DIRS,
    NO_MAPPING,
    RAW_REPORT_DIRS,
    mapping_in_force,
    write_days_file,
)
from hayeknet.pipeline.progress import COLLECTED, INCOMPLETE, SKIPPED, DayProgress, NoProgress, Stopwatch


class CollectError(RuntimeError):
    """Collection failed for a day; earlier days are untouched."""


@dataclass
class CollectSummary:
    start: dt.date | None = None
    end: dt.date | None = None
    collected: list[dt.date] = field(default_factory=list)
    skipped: list[dt.date] = field(default_factory=list)
    days_file_changed: bool = False
    dvc_updated: bool = False
    mapping_notes: list[str] = field(default_factory=list)
    incomplete: dict[dt.date, str] = field(default_factory=dict)
    """Days of the window that could not be completed, with the reason (collect exits non-zero)."""
    notes: list[str] = field(default_factory=list)
    """What the run repaired or could not do (temporary files removed, a stale lock taken over, no DVC)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _day_files(paths: ProjectPaths, day: dt.date) -> list[Path]:
    from hayeknet.pipeline.completeness import day_files

    return day_files(paths, day)


def _record_path(paths: ProjectPaths, day: dt.date) -> Path:
    return paths.collect_log / f"{day.isoformat()}.json"


def day_is_current(paths: ProjectPaths, day: dt.date, source: str) -> bool:
    """True when the day's record matches the source, says the day is complete, and every recorded file is
    there with its hash and no other (:func:`hayeknet.pipeline.completeness.day_state`)."""
    from hayeknet.pipeline.completeness import day_state

    return day_state(paths, day, source) is None


def default_reports(source: str) -> tuple[str, ...]:
    """Reports collected from ``source`` without ``--reports``: the five price reports, plus the wind and
    solar production postings (NP4-732-CD, NP4-737-CD) where the source serves them (MIS, a drop folder;
    the public API does not)."""
    from hayeknet.ercot.collectors.base import CollectOptions

    prices = CollectOptions().reports
    if source in ("mis", "files"):
        return (*prices, *(d.upper() for d in GENERATION_REPORT_DIRS))
    return prices


def mark_unpublished(paths: ProjectPaths, day: dt.date, source: str) -> list[Path]:
    """Give every report folder of ``day`` that is missing or empty a ``NOT_PUBLISHED.json`` marker, so the
    per-report DVC dependencies of the day exist (reports the source did not publish, or folders added
    after the day was collected); returns the markers written."""
    written: list[Path] = []
    for report in RAW_REPORT_DIRS:
        folder = paths.raw_day(report, day)
        if not folder.is_dir() or not any(folder.iterdir()):
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_json(
                folder / NOT_PUBLISHED_MARKER,
                {
                    "report": report.upper(),
                    "day": day.isoformat(),
                    "source": source,
                    "reason": "no file for this report and day from the source",
                },
            )
            written.append(folder / NOT_PUBLISHED_MARKER)
    return written


def mark_unpublished_current_day(paths: ProjectPaths, day: dt.date, source: str) -> None:
    """:func:`mark_unpublished` for a day already current (collected before a report folder existed), with
    the new markers added to its collection record, so the day stays current and is not collected again."""
    written = mark_unpublished(paths, day, source)
    if not written:
        return
    record_file = _record_path(paths, day)
    record = json.loads(record_file.read_text())
    record["files"] = sorted(
        [
            *record.get("files", []),
            *(
                {"path": f.relative_to(paths.root).as_posix(), "sha256": sha256_file(f), "bytes": f.stat().st_size}
                for f in written
            ),
        ],
        key=lambda e: e["path"],
    )
    atomic_write_json(record_file, record)


def write_collection_record(paths: ProjectPaths, day: dt.date, source: str, extra: dict | None = None) -> Path:
    """Per-day provenance of the raw side: source and sha256 + size of every raw file.

    Reports absent for the day (e.g. NP6-331-CD before RTC+B went live on
    2025-12-05, the wind and solar postings of a synthetic day) get a
    ``NOT_PUBLISHED.json`` marker in their folder (:func:`mark_unpublished`), so
    every day has all seven report folders and the per-report DVC dependencies exist.
    """
    mark_unpublished(paths, day, source)
    files = _day_files(paths, day)
    record = {
        "day": day.isoformat(),
        "source": source,
        "complete": True,
        "files": [
            {"path": f.relative_to(paths.root).as_posix(), "sha256": sha256_file(f), "bytes": f.stat().st_size}
            for f in files
        ],
        **(extra or {}),
    }
    out = _record_path(paths, day)
    atomic_write_json(out, record)
    return out


def collect_synthetic_day(paths: ProjectPaths, day: dt.date, params: Params) -> None:
    """Write one synthetic day in ERCOT's raw formats; replaces any partial day."""
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    for report in RAW_REPORT_DIRS:  # a half-collected day is rewritten whole
        folder = paths.raw_day(report, day)
        if folder.exists():
            shutil.rmtree(folder)
    catalogue = default_catalogue(params.synthetic.n_resource_nodes)
    write_synthetic_day(day, paths.raw, catalogue, params.study.seed)
    write_collection_record(
        paths,
        day,
        "synthetic",
        {
            "generator": "hayeknet.ercot.synthetic",
            "seed": params.study.seed,
            "n_resource_nodes": params.synthetic.n_resource_nodes,
        },
    )


MAPPING_DIR = "np4-160-sg"


def _collect_mappings(paths: ProjectPaths, source: str, collector: Any, options: Any, days: list[dt.date]) -> list[str]:
    """Place the settlement point mapping (NP4-160-SG) in force on each collected day, when the source has
    one (ADR 0013); a day without one gets a note, not a failure: its network-dependent parts are then off."""
    from hayeknet.ercot.collectors import CollectorError, collect_settlement_point_map

    if source not in {"mis", "files"}:
        return [f"source {source!r}: no settlement point mapping (NP4-160-SG is an MIS posting)"]
    notes: list[str] = []
    for day in days:
        try:
            collect_settlement_point_map(source, day, paths.raw, options, collector=collector)
        except CollectorError as exc:
            notes.append(f"{day}: no settlement point mapping: {exc}")
    return notes


def _mark_no_mapping(paths: ProjectPaths) -> None:
    """``data/raw/np4-160-sg/none/NOT_PUBLISHED.json``: the folder that days without a mapping depend on."""
    folder = paths.raw / MAPPING_DIR / NO_MAPPING
    if not (folder / NOT_PUBLISHED_MARKER).exists():
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_json(
            folder / NOT_PUBLISHED_MARKER,
            {"report": "NP4-160-SG", "reason": "no settlement point mapping in force: the network is off"},
        )


def dvc_add_data(paths: ProjectPaths) -> bool:
    """Refresh ``data.dvc`` (``dvc add data``); False when DVC is unavailable.

    A DVC failure raises :class:`CollectError` with DVC's own message (the collected files stay where they
    are; re-running ``collect`` or ``dvc add data`` records them).
    """
    dvc = shutil.which("dvc")
    if dvc is None or not (paths.root / ".dvc").is_dir():
        return False
    done = subprocess.run([dvc, "add", "data"], cwd=paths.root, capture_output=True, text=True)
    if done.returncode != 0:
        said = " | ".join(line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip())
        raise CollectError(
            f"`dvc add data` failed (exit {done.returncode}, in {paths.root}): {said[-600:] or 'no message'}; "
            "the raw files are saved: run `hayeknet collect` (or `dvc add data`) again once the cause is fixed"
        )
    return True


def collect_real_day(paths: ProjectPaths, day: dt.date, source: str, collector: Any, options: Any) -> None:
    """Collect one day from ERCOT (``mis``, ``api``) or a drop folder (``files``), with provenance."""
    from hayeknet.ercot.collectors import collect_day, collection_provenance

    files = collect_day(source, day, paths.raw, options, collector=collector)
    if not files:
        raise CollectError(f"source {source!r}: no file for operating day {day}")
    record: dict[str, Any] = {"collection": collection_provenance(source, day, files, paths.raw)}
    transfers = getattr(collector, "archive_transfers", None)  # the API collector: how archive documents came
    if transfers is not None and transfers(day):
        record["archive_transfers"] = transfers(day)
    _write_real_record(paths, day, source, record)


def _write_real_record(paths: ProjectPaths, day: dt.date, source: str, record: dict[str, Any]) -> None:
    """The day's record: complete (with NOT_PUBLISHED markers for absent reports), or incomplete with the reason
    (its files kept, fetched again next run) and :class:`IncompleteDayError`."""
    from hayeknet.pipeline.completeness import incompleteness, write_incomplete_record

    reasons = incompleteness(record["collection"].get("checks") or [])
    if reasons:
        reason = "; ".join(reasons)
        write_incomplete_record(paths, day, source, reason, record)
        raise IncompleteDayError(reason)
    write_collection_record(paths, day, source, record)


class IncompleteDayError(CollectError):
    """The source did not deliver a complete day (files kept, record says incomplete)."""


def collect(
    paths: ProjectPaths,
    params: Params,
    start: dt.date,
    end: dt.date | str,
    source: str = "synthetic",
    update_dvc: bool = True,
    drop_folder: Path | None = None,
    options: Any = None,
    now: dt.datetime | None = None,
    wait_s: float = 0.0,
    notify: Callable[[str], None] | None = None,
    progress: DayProgress | None = None,
) -> CollectSummary:
    """Collect every day of ``[start, end]`` from ``source`` (idempotent, resumable).

    ``end`` is a day or a calendar word (``yesterday``, ``latest``) resolved at
    ``now`` (default: the clock or ``$HAYEKNET_TODAY``; :mod:`hayeknet.pipeline.window`).
    ``synthetic`` writes the generator's files; ``mis`` and ``api`` download
    from ERCOT (credentials of the API from ``ERCOT_API_*`` environment
    variables); ``files`` takes the files of a drop folder, placed by content.
    A day whose record matches the source, is complete and every file hash
    matches is skipped; a day that fails or comes incomplete keeps what was
    fetched, is listed in :attr:`CollectSummary.incomplete` and is fetched again
    next run (the other days still run). The run holds the project lock
    (:class:`~hayeknet.pipeline.lock.LockBusyError` when another run holds it and
    ``wait_s`` seconds pass; ``notify`` is told once when it starts waiting).
    ``days.yaml`` lists the complete days only.
    ``progress`` hears of every day as it is done (:mod:`hayeknet.pipeline.progress`: a bar on a
    terminal, a line per day in a log); default: nothing.
    """
    from hayeknet.pipeline.window import WindowError, resolve_end

    if source not in {"synthetic", "mis", "api", "files"}:
        raise CollectError(f"unknown source {source!r}: synthetic | mis | api | files")
    collector = None
    if source != "synthetic":
        from hayeknet.ercot.collectors import CollectOptions, CollectorError, make_collector

        options = options or CollectOptions(drop_folder=drop_folder, reports=default_reports(source))
        try:
            collector = make_collector(source, options)
        except CollectorError as exc:
            raise CollectError(str(exc)) from None
    try:
        end = resolve_end(end, source, params, now, getattr(collector, "days", None))
    except WindowError as exc:
        raise CollectError(str(exc)) from None
    if end < start:
        raise CollectError(f"the window ends ({end}) before it starts ({start})")
    from hayeknet.pipeline.lock import project_lock

    command = f"hayeknet collect --source {source} {start}..{end}"
    with project_lock(paths.root, command, wait_s=wait_s, notify=notify) as note:
        summary = CollectSummary(start=start, end=end)
        if note:
            summary.notes.append(note)
        _collect_window(paths, params, source, collector, options, summary, progress or NoProgress())
        if update_dvc:
            summary.dvc_updated = dvc_add_data(paths)
            if not summary.dvc_updated and (paths.root / ".dvc").is_dir():
                summary.notes.append("data.dvc not refreshed: `dvc` not found on PATH (install it: make venv)")
    return summary


def _collect_window(
    paths: ProjectPaths,
    params: Params,
    source: str,
    collector: Any,
    options: Any,
    summary: CollectSummary,
    progress: DayProgress,
) -> None:
    """Collect every day of the summary's window (under the project lock), then rewrite days.yaml from the
    complete days. A day that fails is recorded as incomplete and the next day still runs; a full disk or a
    permission error stops the run (after days.yaml is written for the complete days, when it still can be)."""
    from hayeknet.pipeline.completeness import clean_temp_files, complete_days

    removed = clean_temp_files(paths)
    if removed:
        summary.notes.append(
            f"removed {len(removed)} temporary file(s) an interrupted run left under {paths.raw.parent}"
        )
    assert summary.start is not None and summary.end is not None
    window = [summary.start + dt.timedelta(days=i) for i in range((summary.end - summary.start).days + 1)]
    progress.start(f"collect {source}", window)
    try:
        for day in window:
            clock = Stopwatch()
            status = _collect_one(paths, params, source, collector, options, day, summary)
            files = _day_files(paths, day)
            progress.day_done(day, status, len(files), sum(f.stat().st_size for f in files), clock.seconds())
        if collector is not None:
            summary.mapping_notes = _collect_mappings(paths, source, collector, options, summary.collected)
        _mark_no_mapping(paths)
    finally:
        progress.close()
        days = complete_days(paths)
        if days:
            summary.days_file_changed = write_days_file(paths.days_file, days, mapping_in_force(paths.raw))


def _collect_one(
    paths: ProjectPaths,
    params: Params,
    source: str,
    collector: Any,
    options: Any,
    day: dt.date,
    summary: CollectSummary,
) -> str:
    """Collect one day into ``summary``; returns its progress status (collected, skipped or incomplete)."""
    from hayeknet.pipeline.completeness import day_state

    if day_state(paths, day, source) is None:
        mark_unpublished_current_day(paths, day, source)
        summary.skipped.append(day)
        return SKIPPED
    if source == "synthetic":
        collect_synthetic_day(paths, day, params)
        summary.collected.append(day)
        return COLLECTED
    from hayeknet.ercot.collectors import CollectorError
    from hayeknet.pipeline.completeness import write_incomplete_record

    try:
        collect_real_day(paths, day, source, collector, options)
    except IncompleteDayError as exc:
        summary.incomplete[day] = str(exc)
        return INCOMPLETE
    except (CollectorError, CollectError) as exc:
        reason = str(exc)
        write_incomplete_record(paths, day, source, reason)
        summary.incomplete[day] = reason
        return INCOMPLETE
    summary.collected.append(day)
    return COLLECTED
