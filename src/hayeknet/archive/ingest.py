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

import numpy as np
import pandas as pd

from hayeknet.archive.store import write_day
from hayeknet.ercot.calendar import ERCOT_TZ, as_date, expected_intervals, interval_starts_utc
from hayeknet.ercot.generation.reports import GENERATION_BY_DIR, GENERATION_REPORTS, SYSTEM_WIDE
from hayeknet.ercot.generation.table import PostingsOutcome, day_ahead_cutoff_utc, generation_table, parse_postings
from hayeknet.ercot.parse import ParseOutcome, parse_files_collecting
from hayeknet.ercot.reports import AS_TYPES, REPORTS, REPORTS_BY_DIR

PROVENANCE_SCHEMA_VERSION = 1
NOT_PUBLISHED_MARKER = "NOT_PUBLISHED.json"
"""Written by the collector into a report folder the source had no file for (ADR 0004); not a raw file."""
PRICE_BOUNDS_USD_PER_MWH = (-251.0, 5001.0)
"""Prices outside this range are flagged: ERCOT's offer floor (-250) and cap (5000) plus a dollar's slack."""


class MissingDataError(FileNotFoundError):
    """No usable raw data for an operating day (message names the folder and the failures)."""


@dataclass(frozen=True)
class Check:
    """One validation of an ingested day. ``detail`` says what was found."""

    name: str
    report: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "report": self.report, "passed": self.passed, "detail": self.detail}


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


def validate(table: pd.DataFrame, day: dt.date | str, reports_present: set[str]) -> list[Check]:
    """Checks of one day's normalized table, per report.

    * ``report_present``: the report has at least one parsed file (NP6-331-CD
      only from RTC+B go-live, 2025-12-05);
    * ``interval_count``: the distinct intervals equal the day's calendar
      (288 SCED intervals, 96 fifteen-minute intervals, 24 DAM hours; 276/92/23
      on the spring-forward day, 300/100/25 on the fall-back day), none missing,
      none outside the day;
    * ``complete_series``: every location (AS product) has every interval;
    * ``price_bounds``: prices within :data:`PRICE_BOUNDS_USD_PER_MWH`;
    * ``as_types`` (AS reports): all of REGUP, REGDN, RRS, ECRS, NSPIN present.
    """
    d = as_date(day)
    checks: list[Check] = []
    low, high = PRICE_BOUNDS_USD_PER_MWH
    for spec in REPORTS:
        rid = spec.report_id
        if rid not in reports_present:
            if spec.published_on(d):
                checks.append(Check("report_present", rid, False, "no parsed file for this report"))
            else:
                detail = f"not expected: ERCOT publishes it from {spec.published_from} on"
                checks.append(Check("report_present", rid, True, detail))
            continue
        rows = table[table["report"] == rid]
        checks.append(Check("report_present", rid, True, f"{len(rows)} rows"))
        grid = interval_starts_utc(d, spec.interval_minutes)
        present = pd.DatetimeIndex(rows["interval_start_utc"].unique())
        missing = grid.difference(present)
        extra = present.difference(grid)
        n_expected = expected_intervals(d, spec.interval_minutes)
        ok = len(missing) == 0 and len(extra) == 0
        detail = f"{len(present)} intervals, expected {n_expected}"
        if len(missing):
            detail += f"; {len(missing)} missing (first {missing[0].isoformat()})"
        if len(extra):
            detail += f"; {len(extra)} outside the operating day (first {extra[0].isoformat()})"
        checks.append(Check("interval_count", rid, ok, detail))
        series_key = ["location", "location_type", "as_type"]
        counts = rows.groupby(series_key, dropna=False, observed=True)["interval_start_utc"].nunique()
        short = counts[counts < n_expected]
        checks.append(
            Check(
                "complete_series",
                rid,
                short.empty,
                f"{len(counts)} series" + ("" if short.empty else f"; {len(short)} with missing intervals"),
            )
        )
        price = rows["price"].to_numpy()
        outside = int(np.count_nonzero((price < low) | (price > high)))
        checks.append(
            Check(
                "price_bounds",
                rid,
                outside == 0,
                f"{outside} prices outside [{low:g}, {high:g}]"
                + (f" (min {price.min():.2f}, max {price.max():.2f})" if len(price) else ""),
            )
        )
        if spec.is_ancillary:
            seen = set(rows["as_type"].dropna().astype(str))
            lacking = [a for a in AS_TYPES if a not in seen]
            checks.append(
                Check("as_types", rid, not lacking, "all present" if not lacking else f"missing {', '.join(lacking)}")
            )
    return checks


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
            )
        )
        checks.append(
            Check(
                "generation_forecast",
                rid,
                forecast == n,
                f"{forecast} of {n} hours have a forecast posted before {_local(cutoff)} (posting {_local(posted)})",
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
    checks.append(Check("generation_files_parsed", "*", not failed, f"{len(outcome.files)} of {total} postings parsed"))
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
    raw_root: Path, day: dt.date | str, archive_root: Path, collected_from: str | None = None
) -> IngestResult:
    """Parse, validate and archive operating day ``day``; return what was done.

    ``collected_from`` (the day's collection source: ``synthetic``, ``files``,
    ``mis``, ``api``) is recorded in the provenance: later stages choose the
    network by it (the synthetic grid only for synthetic data).

    Raises :class:`MissingDataError` when no raw file of the day parses.
    Failed validation checks do not stop the ingest: they are recorded in the
    provenance (``checks``, ``checks_passed``) for downstream stages to read.
    """
    raw_root = Path(raw_root)
    d = as_date(day)
    price_paths = raw_files_of_day(raw_root, d)
    posting_paths = posting_files_of_day(raw_root, d)
    if not price_paths:
        alone = f"; {len(posting_paths)} wind/solar postings alone make no partition" if posting_paths else ""
        raise MissingDataError(f"{raw_root}: no raw files for operating day {d.isoformat()} (looked in */{d}/{alone})")
    paths = sorted(price_paths + posting_paths, key=lambda p: p.relative_to(raw_root).as_posix())
    outcome = parse_files_collecting(price_paths)
    failures = {p.relative_to(raw_root).as_posix(): str(e) for p, e in outcome.failures.items()}
    table = outcome.table
    if table.empty:
        listing = "; ".join(f"{k}: {v}" for k, v in sorted(failures.items())) or "files hold no rows"
        raise MissingDataError(f"{raw_root}: no usable rows for {d.isoformat()}: {listing}")

    reports_present = {r.spec.report_id for r in outcome.raw_files.values()}
    checks = validate(table, d, reports_present)
    if failures:
        checks.append(Check("files_parsed", "*", False, f"{len(failures)} of {len(price_paths)} files failed to parse"))
    else:
        checks.append(Check("files_parsed", "*", True, f"{len(price_paths)} files parsed"))
    postings = parse_postings(posting_paths)
    generation: pd.DataFrame | None = None
    generation_section: dict[str, Any] | None = None
    if posting_paths:
        generation_section, generation = generation_provenance(postings, d, raw_root)
        if generation.empty:
            generation = None
    dropped = outcome.rows_before_dedup - len(table)
    checks.append(Check("duplicates_removed", "*", True, f"{dropped} duplicate or superseded rows dropped"))

    sources = []
    for p in paths:
        rel = p.relative_to(raw_root).as_posix()
        entry: dict[str, Any] = {
            "path": rel,
            "sha256": sha256_of(p),
            "bytes": p.stat().st_size,
            "report": _report_of(p, raw_root, outcome),
        }
        if p in postings.failures:
            failures[rel] = str(postings.failures[p])
            entry.update(status="failed", error=failures[rel])
        elif p in postings.files:
            entry.update(report=postings.files[p].report.report_id, status="ok", rows=postings.files[p].n_rows)
        elif rel in failures:
            entry.update(status="failed", error=failures[rel])
        else:
            entry.update(status="ok", rows=outcome.raw_files[p].n_rows)
        sources.append(entry)
    row_counts = {str(k): int(v) for k, v in table.groupby("report", observed=True).size().sort_index().items()}
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
    }
    if generation_section is not None:  # rows_total and checks stay the prices' (they gate the day)
        provenance["row_counts"] = {**row_counts, **generation_section["row_counts"]}
        provenance["generation"] = generation_section
    partition = write_day(Path(archive_root), d, table, provenance, generation=generation)
    return IngestResult(
        day=d,
        partition=partition,
        n_rows=len(table),
        files_ok=tuple(s["path"] for s in sources if s["status"] == "ok"),
        files_failed=failures,
        checks=tuple(checks),
        provenance=provenance,
        generation_rows=0 if generation is None else len(generation),
    )
