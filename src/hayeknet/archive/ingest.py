"""Ingest one operating day: raw ERCOT files -> validated archive partition with provenance.

``ingest_day`` finds every raw file of the day (``<raw_root>/<report>/<day>/*``),
parses them (a bad file is recorded as failed, with the parser's message
naming file, row and field, and the others still ingest), validates the
result against the day's calendar and ERCOT's price bounds, and writes the
partition atomically. The provenance record is deterministic (no wall-clock
time): the same raw files give the same bytes, so DVC outputs reproduce.

The hourly wind and solar postings (``np4-732-cd/<day>/``, ``np4-737-cd/<day>/``)
become the partition's ``generation.parquet`` (ADR 0014); their checks and
counts sit in the provenance's ``generation`` section and never gate the day
(a missing renewable switches the solar/wind QSE off, it does not quarantine
the prices).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.archive.quality import (
    DEFAULT_MAX_FILLED_MINUTES,
    QUARANTINED,
    Check,
    check_day,
    clip_text,
    parse_checks,
    verdict,
)
from hayeknet.archive.store import write_day
from hayeknet.ercot.calendar import ERCOT_TZ, as_date, expected_intervals
from hayeknet.ercot.generation.reports import GENERATION_BY_DIR, GENERATION_REPORTS, SYSTEM_WIDE
from hayeknet.ercot.generation.table import PostingsOutcome, day_ahead_cutoff_utc, generation_table, parse_postings
from hayeknet.ercot.parse import ParseOutcome, parse_files_collecting
from hayeknet.ercot.reports import REPORTS_BY_DIR

PROVENANCE_SCHEMA_VERSION = 2
NOT_PUBLISHED_MARKER = "NOT_PUBLISHED.json"
"""Written by the collector into a report folder the source had no file for (ADR 0004); not a raw file."""


class MissingDataError(FileNotFoundError):
    """No usable raw data for an operating day (message names the folder and the failures)."""


@dataclass(frozen=True)
class IngestResult:
    """Outcome of :func:`ingest_day`: where the partition is and what went into it."""

    day: dt.date
    partition: Path
    n_rows: int
    files_ok: tuple[str, ...]
    files_failed: dict[str, str] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)
    generation_rows: int = 0
    """Rows of the partition's ``generation.parquet`` (0: none written)."""

    @property
    def checks_passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def quarantined(self) -> bool:
        return self.provenance.get("verdict") == QUARANTINED


def _day_files(raw_root: Path, day: dt.date | str, postings: bool) -> list[Path]:
    d = as_date(day).isoformat()
    root = Path(raw_root)
    if not root.exists():
        return []
    files = [
        p
        for folder in sorted(root.glob(f"*/{d}"))
        if folder.is_dir() and (folder.parent.name in GENERATION_BY_DIR) == postings
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".") and p.name != NOT_PUBLISHED_MARKER
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def raw_files_of_day(raw_root: Path, day: dt.date | str) -> list[Path]:
    """Every raw price file of ``day``: ``<raw_root>/<report>/<YYYY-MM-DD>/*``, sorted.

    Hidden files and the collector's ``NOT_PUBLISHED.json`` markers are
    skipped, and so are the wind/solar postings (``np4-732-cd``,
    ``np4-737-cd``; :func:`posting_files_of_day`), which are not price reports.
    """
    return _day_files(raw_root, day, postings=False)


def posting_files_of_day(raw_root: Path, day: dt.date | str) -> list[Path]:
    """The hourly wind/solar postings in ``day``'s folders of NP4-732-CD and NP4-737-CD (ADR 0014), sorted."""
    return _day_files(raw_root, day, postings=True)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def validate(
    table: pd.DataFrame,
    day: dt.date | str,
    reports_present: set[str],
    *,
    origin: pd.DataFrame | None = None,
    file_paths: dict[str, str] | None = None,
    max_filled_minutes: int = DEFAULT_MAX_FILLED_MINUTES,
) -> list[Check]:
    """Checks of one day's normalized table, per report: :func:`hayeknet.archive.quality.check_day`
    (report present, interval count, complete series, plausible prices, market price bounds, AS products,
    real-time prices present), each with its severity."""
    return check_day(
        table, day, reports_present, origin=origin, file_paths=file_paths, max_filled_minutes=max_filled_minutes
    )


def _report_of(path: Path, raw_root: Path, outcome: ParseOutcome) -> str:
    raw = outcome.raw_files.get(path)
    if raw is not None:
        return raw.spec.report_id
    folder = path.relative_to(raw_root).parts[0]
    spec = REPORTS_BY_DIR.get(folder)
    if spec is not None:
        return spec.report_id
    report = GENERATION_BY_DIR.get(folder)
    return report.report_id if report else folder


def _local(ts: Any) -> str:
    return pd.Timestamp(ts).tz_convert(ERCOT_TZ).isoformat() if ts is not None and pd.notna(ts) else "none"


def generation_checks(table: pd.DataFrame, day: dt.date | str, reports_present: set[str]) -> list[Check]:
    """Checks of one day's generation table, per report present (they never gate the day).

    * ``generation_actual``: every hour of the day has a system-wide actual
      output (from the latest posting holding it);
    * ``generation_forecast``: every hour has a system-wide forecast posted
      before the day-ahead cutoff (10:00 Central the day before).
    """
    d = as_date(day)
    n = expected_intervals(d, 60)
    cutoff = day_ahead_cutoff_utc(d)
    checks = []
    for report in GENERATION_REPORTS:
        rid = report.report_id
        if rid not in reports_present:
            continue
        rows = table[(table["report"] == rid) & (table["region"] == SYSTEM_WIDE)]
        actual = int(rows["actual_mw"].notna().sum())
        forecast = int(rows["forecast_mw"].notna().sum())
        latest = rows["actual_published_utc"].max() if actual else None
        posted = rows["forecast_published_utc"].max() if forecast else None
        checks.append(
            Check(
                "generation_actual",
                rid,
                actual == n,
                f"{actual} of {n} hours have system-wide actual output (latest posting {_local(latest)})",
                "flag",
            )
        )
        checks.append(
            Check(
                "generation_forecast",
                rid,
                forecast == n,
                f"{forecast} of {n} hours have a forecast posted before {_local(cutoff)} (posting {_local(posted)})",
                "flag",
            )
        )
    return checks


def generation_provenance(
    outcome: PostingsOutcome, day: dt.date | str, raw_root: Path
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The generation table of ``day`` from its postings, and the provenance section that describes it.

    The section holds the rule (``actual``: latest posting; ``forecast``: last
    posting before the cutoff, in UTC), postings read per report, failed
    files with their errors, rows per report and the checks of
    :func:`generation_checks`, with ``checks_passed``.
    """
    d = as_date(day)
    table = generation_table(outcome.postings, d)
    present = {p.report.report_id for p in outcome.files.values()}
    checks = generation_checks(table, d, present)
    failed = {p.relative_to(raw_root).as_posix(): str(e) for p, e in sorted(outcome.failures.items())}
    total = len(outcome.files) + len(outcome.failures)
    checks.append(
        Check("generation_files_parsed", "*", not failed, f"{len(outcome.files)} of {total} postings parsed", "flag")
    )
    postings: dict[str, int] = {}
    for posting in outcome.files.values():
        postings[posting.report.report_id] = postings.get(posting.report.report_id, 0) + 1
    rows = {str(k): int(v) for k, v in table.groupby("report").size().sort_index().items()} if len(table) else {}
    summary: dict[str, Any] = {
        "rule": {
            "actual": "latest posting holding the hour's value",
            "forecast": "last posting before the day-ahead cutoff",
            "cutoff_utc": day_ahead_cutoff_utc(d).isoformat(),
        },
        "postings": dict(sorted(postings.items())),
        "files_failed": failed,
        "row_counts": rows,
        "rows_total": len(table),
        "checks": [c.to_dict() for c in checks],
        "checks_passed": all(c.passed for c in checks),
    }
    return summary, table


def ingest_day(
    raw_root: Path,
    day: dt.date | str,
    archive_root: Path,
    collected_from: str | None = None,
    *,
    max_filled_minutes: int = DEFAULT_MAX_FILLED_MINUTES,
    raw_label: str = "",
) -> IngestResult:
    """Parse, validate and archive operating day ``day``; return what was done.

    ``collected_from`` (the day's collection source: ``synthetic``, ``files``,
    ``mis``, ``api``) is recorded in the provenance: later stages choose the
    network by it (the synthetic grid only for synthetic data).
    ``max_filled_minutes`` bounds the gaps the query layer may fill
    (``quality.max_filled_minutes``); ``raw_label`` prefixes the raw paths in
    the one-line reason (``data/raw``).

    Raises :class:`MissingDataError` when no raw file of the day parses.
    Failed checks do not stop the ingest: they are recorded in the provenance
    (``checks``, ``checks_passed``) with the day's verdict (``verdict``:
    ``valid`` or ``quarantined``, ``quarantine``: the one-line reason,
    ``flags``), which the later stages read (:mod:`hayeknet.archive.quality`).
    Rows that a later publication replaced are listed under ``superseded``.
    """
    raw_root = Path(raw_root)
    d = as_date(day)
    paths = raw_files_of_day(raw_root, d)
    posting_paths = posting_files_of_day(raw_root, d)
    if not paths:
        alone = f"; {len(posting_paths)} wind/solar postings alone make no partition" if posting_paths else ""
        raise MissingDataError(f"{raw_root}: no raw files for operating day {d.isoformat()} (looked in */{d}/{alone})")
    outcome = parse_files_collecting(paths)
    failures = {p.relative_to(raw_root).as_posix(): e for p, e in outcome.failures.items()}
    table = outcome.table
    if table.empty:
        listing = "; ".join(f"{k}: {v}" for k, v in sorted(failures.items())) or "files hold no rows"
        raise MissingDataError(f"{raw_root}: no usable rows for {d.isoformat()}: {clip_text(listing, 600)}")
    provenance, checks = day_provenance(
        raw_root,
        d,
        paths,
        outcome,
        collected_from=collected_from,
        max_filled_minutes=max_filled_minutes,
        raw_label=raw_label,
    )
    generation = add_postings(provenance, raw_root, d, posting_paths)
    partition = write_day(Path(archive_root), d, table, provenance, generation=generation)
    return IngestResult(
        day=d,
        partition=partition,
        n_rows=len(table),
        files_ok=tuple(s["path"] for s in provenance["source_files"] if s["status"] == "ok"),
        files_failed={s["path"]: s["error"] for s in provenance["source_files"] if s["status"] == "failed"},
        checks=tuple(checks),
        provenance=provenance,
        generation_rows=0 if generation is None else len(generation),
    )


def add_postings(
    provenance: dict[str, Any], raw_root: Path, d: dt.date, posting_paths: list[Path]
) -> pd.DataFrame | None:
    """Parse the day's wind/solar postings into the generation table and describe them in ``provenance``
    (their source files, a ``generation`` section with its own checks, rows per report); ``rows_total``,
    ``checks`` and the verdict stay the prices' (the postings never gate the day). None when there are none."""
    if not posting_paths:
        return None
    postings = parse_postings(posting_paths)
    section, generation = generation_provenance(postings, d, raw_root)
    for p in posting_paths:
        rel = p.relative_to(raw_root).as_posix()
        entry: dict[str, Any] = {"path": rel, "sha256": sha256_of(p), "bytes": p.stat().st_size}
        if p in postings.failures:
            entry.update(report=GENERATION_BY_DIR[p.relative_to(raw_root).parts[0]].report_id, status="failed")
            entry["error"] = clip_text(str(postings.failures[p]), 600)
        else:
            entry.update(report=postings.files[p].report.report_id, status="ok", rows=postings.files[p].n_rows)
        provenance["source_files"].append(entry)
    provenance["source_files"].sort(key=lambda s: s["path"])
    provenance["files_failed"] = sum(s["status"] == "failed" for s in provenance["source_files"])
    provenance["files_ok"] = len(provenance["source_files"]) - provenance["files_failed"]
    provenance["row_counts"] = {**provenance["row_counts"], **section["row_counts"]}
    provenance["generation"] = section
    return None if generation.empty else generation


def day_provenance(
    raw_root: Path,
    d: dt.date,
    paths: list[Path],
    outcome: ParseOutcome,
    *,
    collected_from: str | None,
    max_filled_minutes: int,
    raw_label: str = "",
) -> tuple[dict[str, Any], list[Check]]:
    """The partition's provenance (files, row counts, checks, verdict, republications) and its checks."""
    raw_root = Path(raw_root)
    failures = {p.relative_to(raw_root).as_posix(): e for p, e in outcome.failures.items()}
    table = outcome.table
    file_paths = {p.name: p.relative_to(raw_root).as_posix() for p in paths}
    spec_of = {p.name: r.spec for p, r in outcome.raw_files.items()}
    reports_present = {r.spec.report_id for r in outcome.raw_files.values()}
    checks = validate(
        table,
        d,
        reports_present,
        origin=outcome.origin,
        file_paths=file_paths,
        max_filled_minutes=max_filled_minutes,
    )
    checks += parse_checks(failures, len(paths), outcome.conflicts, outcome.n_conflicts, file_paths, spec_of)
    dropped = outcome.rows_before_dedup - len(table)
    checks.append(
        Check(
            "duplicates_removed",
            "*",
            True,
            f"{dropped} duplicate or superseded rows dropped ({outcome.n_superseded} replaced by a later publication)",
            "flag",
        )
    )
    day_verdict = verdict(checks)

    sources = []
    for p in paths:
        rel = p.relative_to(raw_root).as_posix()
        entry: dict[str, Any] = {
            "path": rel,
            "sha256": sha256_of(p),
            "bytes": p.stat().st_size,
            "report": _report_of(p, raw_root, outcome),
        }
        if rel in failures:
            entry.update(status="failed", error=clip_text(failures[rel], 600))
        else:
            entry.update(status="ok", rows=outcome.raw_files[p].n_rows)
        sources.append(entry)
    row_counts = (
        {str(k): int(v) for k, v in table.groupby("report", observed=True).size().sort_index().items()}
        if len(table)
        else {}
    )
    superseded = [
        {"kept": file_paths.get(e["kept"], e["kept"]), "dropped": file_paths.get(e["dropped"], e["dropped"]),
         "rows": e["rows"]}
        for e in outcome.superseded
    ]  # fmt: skip
    provenance: dict[str, Any] = {
        "schema_version": PROVENANCE_SCHEMA_VERSION,
        "day": d.isoformat(),
        "collected_from": collected_from or "unknown",
        "timezone": "America/Chicago",
        "source_files": sources,
        "files_ok": len(paths) - len(failures),
        "files_failed": len(failures),
        "row_counts": row_counts,
        "rows_total": len(table),
        "checks": [c.to_dict() for c in checks],
        "checks_passed": all(c.passed for c in checks),
        "verdict": day_verdict.status,
        "quarantine": [c.first_line(raw_label) for c in day_verdict.blocking],
        "flags": [c.first_line(raw_label) for c in day_verdict.flags],
        "max_filled_minutes": int(max_filled_minutes),
        "raw_label": raw_label,
        "superseded": {
            "rows": outcome.n_superseded,
            "rule": "the later publication wins: SCED run time, then a _retry_ file over the original, then name",
            "by_file": superseded,
        },
    }
    return provenance, checks


def quarantine_unusable_day(
    raw_root: Path,
    day: dt.date | str,
    archive_root: Path,
    collected_from: str | None = None,
    *,
    max_filled_minutes: int = DEFAULT_MAX_FILLED_MINUTES,
    raw_label: str = "",
) -> IngestResult:
    """Archive a day none of whose raw files parses as an empty, quarantined partition (its provenance names
    every failed file), so the day's stages short-circuit instead of failing. Raises
    :class:`MissingDataError` when the day has no raw file at all."""
    raw_root = Path(raw_root)
    d = as_date(day)
    paths = raw_files_of_day(raw_root, d)
    if not paths:
        raise MissingDataError(f"{raw_root}: no raw files for operating day {d.isoformat()} (looked in */{d}/)")
    outcome = parse_files_collecting(paths)
    provenance, checks = day_provenance(
        raw_root,
        d,
        paths,
        outcome,
        collected_from=collected_from,
        max_filled_minutes=max_filled_minutes,
        raw_label=raw_label,
    )
    partition = write_day(Path(archive_root), d, outcome.table, provenance)
    return IngestResult(d, partition, len(outcome.table), (), {}, tuple(checks), provenance)
