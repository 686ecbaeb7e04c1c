"""Collect raw ERCOT files for a window of operating days into ``data/raw``.

Idempotent: a day whose collection record (``data/provenance/<day>.json``)
lists the same source and whose files still have the recorded sha256 is
skipped. After collecting, ``days.yaml`` is rewritten from the days present and
``data.dvc`` is refreshed with ``dvc add data`` (never from inside a stage).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hayeknet.archive.ingest import NOT_PUBLISHED_MARKER
from hayeknet.config import ProjectPaths
from hayeknet.io import atomic_write_json
from hayeknet.params import Params
from hayeknet.pipeline.days import NO_MAPPING, RAW_REPORT_DIRS, collected_days, mapping_in_force, write_days_file
from hayeknet.pipeline.progress import COLLECTED, SKIPPED, DayProgress, NoProgress, Stopwatch


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _day_files(paths: ProjectPaths, day: dt.date) -> list[Path]:
    files: list[Path] = []
    for report in RAW_REPORT_DIRS:
        folder = paths.raw_day(report, day)
        if folder.is_dir():
            files.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    return files


def _record_path(paths: ProjectPaths, day: dt.date) -> Path:
    return paths.collect_log / f"{day.isoformat()}.json"


def day_is_current(paths: ProjectPaths, day: dt.date, source: str) -> bool:
    """True when the day's record matches the source and every recorded file hash."""
    record_file = _record_path(paths, day)
    if not record_file.exists():
        return False
    record = json.loads(record_file.read_text())
    if record.get("source") != source:
        return False
    for entry in record.get("files", []):
        f = paths.root / entry["path"]
        if not f.exists() or sha256_file(f) != entry["sha256"]:
            return False
    return True


def write_collection_record(paths: ProjectPaths, day: dt.date, source: str, extra: dict | None = None) -> Path:
    """Per-day provenance of the raw side: source and sha256 + size of every raw file.

    Reports absent for the day (e.g. NP6-331-CD before RTC+B went live on
    2025-12-05) get a ``NOT_PUBLISHED.json`` marker in their folder, so every
    day has all five report folders and the per-report DVC dependencies exist.
    """
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
    files = _day_files(paths, day)
    record = {
        "day": day.isoformat(),
        "source": source,
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
    """Refresh ``data.dvc`` (``dvc add data``); False when DVC is unavailable."""
    dvc = shutil.which("dvc")
    if dvc is None or not (paths.root / ".dvc").is_dir():
        return False
    subprocess.run([dvc, "add", "-q", "data"], cwd=paths.root, check=True)
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
    write_collection_record(paths, day, source, record)


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
    progress: DayProgress | None = None,
) -> CollectSummary:
    """Collect every day of ``[start, end]`` from ``source`` (idempotent, resumable).

    ``end`` is a day or a calendar word (``yesterday``, ``latest``) resolved at
    ``now`` (default: the clock or ``$HAYEKNET_TODAY``; :mod:`hayeknet.pipeline.window`).
    ``synthetic`` writes the generator's files; ``mis`` and ``api`` download
    from ERCOT (credentials of the API from ``ERCOT_API_*`` environment
    variables); ``files`` takes the files of a drop folder, placed by content.
    A day whose record matches the source and every file hash is skipped; a
    day that fails raises :class:`CollectError` and leaves earlier days as they are.
    ``progress`` hears of every day as it is done (:mod:`hayeknet.pipeline.progress`: a bar on a
    terminal, a line per day in a log); default: nothing.
    """
    from hayeknet.pipeline.window import WindowError, resolve_end

    if source not in {"synthetic", "mis", "api", "files"}:
        raise CollectError(f"unknown source {source!r}: synthetic | mis | api | files")
    collector = None
    if source != "synthetic":
        from hayeknet.ercot.collectors import CollectOptions, CollectorError, make_collector

        options = options or CollectOptions(drop_folder=drop_folder)
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
    summary = CollectSummary(start=start, end=end)
    window = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    progress = progress or NoProgress()
    progress.start(f"collect {source}", window)
    try:
        for day in window:
            clock = Stopwatch()
            if day_is_current(paths, day, source):
                summary.skipped.append(day)
                status = SKIPPED
            elif source == "synthetic":
                collect_synthetic_day(paths, day, params)
                summary.collected.append(day)
                status = COLLECTED
            else:
                from hayeknet.ercot.collectors import CollectorError

                try:
                    collect_real_day(paths, day, source, collector, options)
                except CollectorError as exc:
                    raise CollectError(f"{source} {day}: {exc}") from None
                summary.collected.append(day)
                status = COLLECTED
            files = _day_files(paths, day)
            progress.day_done(day, status, len(files), sum(f.stat().st_size for f in files), clock.seconds())
    finally:
        progress.close()
    if collector is not None:
        summary.mapping_notes = _collect_mappings(paths, source, collector, options, summary.collected)
    _mark_no_mapping(paths)
    days = collected_days(paths.raw)
    summary.days_file_changed = write_days_file(paths.days_file, days, mapping_in_force(paths.raw))
    if update_dvc:
        summary.dvc_updated = dvc_add_data(paths)
    return summary
