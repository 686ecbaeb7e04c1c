"""Data-quality gates of one operating day: the checks, their severity and the day's verdict.

Every check of :func:`check_day` passes or fails; a failed check is either

* an **error** (severity ``error``): something no market rule allows or the
  day cannot be used without inventing data: a raw file that does not parse
  (truncated zip, empty file, unknown header, text where a price belongs), a
  price beyond :func:`~hayeknet.ercot.market_rules.plausible_limit` (an LMP of
  1e9), a key that one file prices twice differently, intervals outside the
  operating day, more missing intervals (for a report, or for a hub, load
  zone or AS product) than ``quality.max_filled_minutes`` lets the query layer
  fill, or no real-time price at all. A day with an error is **quarantined**:
  its stages stop with one line naming the raw file, row, field and check,
  later days skip it, and ``hayeknet validate DAY`` lists every problem; or
* a **flag** (severity ``flag``): rare but possible, shown in the report and
  never silently used: a price outside ERCOT's offer floor and system-wide cap
  (a nodal LMP passes them when constraints bind,
  :mod:`hayeknet.ercot.market_rules`), a resource node with gaps, a report
  absent for the day, a missing AS product, intervals filled within the bound.

Each failed check carries its problems (:class:`Problem`: file, row, field,
message), at most :data:`MAX_PROBLEMS` of them, and their count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.ercot import locations
from hayeknet.ercot.calendar import as_date, expected_intervals, interval_starts_utc
from hayeknet.ercot.market_rules import market_bounds, plausible_limit
from hayeknet.ercot.reports import AS_TYPES, REPORTS, ReportSpec

ERROR = "error"
FLAG = "flag"
VALID = "valid"
QUARANTINED = "quarantined"
DEFAULT_MAX_FILLED_MINUTES = 60
"""Default of ``quality.max_filled_minutes``: minutes of one series the query layer may fill."""
MAX_PROBLEMS = 50
"""Problems kept per check (the count says how many there were)."""
ECHO_CHARS = 200
"""At most this many characters of any input are echoed in a message."""
COMPLETE_SERIES_TYPES = frozenset(
    {
        locations.TRADING_HUB,
        locations.HUB_AVERAGE,
        locations.LOAD_ZONE,
        locations.LOAD_ZONE_EW,
        locations.SYSTEM,
    }
)
"""Series that must be complete within the fill bound (hubs, load zones, AS products); resource nodes and
DC ties come and go in real data, so their gaps are flagged."""


def clip_text(text: object, limit: int = ECHO_CHARS) -> str:
    """``str(text)`` cut to ``limit`` characters (with the number left out), for messages that echo input."""
    s = str(text)
    return s if len(s) <= limit else f"{s[:limit]}... [{len(s) - limit} more characters]"


@dataclass(frozen=True)
class Problem:
    """One problem found by a check: where (raw file relative to the raw root, 1-based data row, field) and what."""

    file: str | None
    row: int | None
    field: str | None
    message: str

    def where(self, raw_label: str = "") -> str:
        parts = []
        if self.file:
            parts.append(f"{raw_label.rstrip('/') + '/' if raw_label else ''}{self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def line(self, raw_label: str = "") -> str:
        where = self.where(raw_label)
        return f"{where}: {clip_text(self.message)}" if where else clip_text(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "message": clip_text(self.message)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Problem:
        return cls(d.get("file"), d.get("row"), d.get("field"), str(d.get("message", "")))


@dataclass(frozen=True)
class Check:
    """One validation of an ingested day. ``detail`` says what was found; ``severity`` what a failure means
    (``error``: the day is quarantined; ``flag``: shown, not stopping); ``problems`` the first
    :data:`MAX_PROBLEMS` offending places, ``n_problems`` their number."""

    name: str
    report: str
    passed: bool
    detail: str
    severity: str = ERROR
    problems: tuple[Problem, ...] = ()
    n_problems: int = 0

    @property
    def blocking(self) -> bool:
        """A failed error check: it quarantines the day."""
        return not self.passed and self.severity == ERROR

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "report": self.report,
            "passed": self.passed,
            "detail": clip_text(self.detail, 1000),
            "severity": self.severity,
        }
        if self.problems:
            d["problems"] = [p.to_dict() for p in self.problems]
            d["n_problems"] = max(self.n_problems, len(self.problems))
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Check:
        problems = tuple(Problem.from_dict(p) for p in d.get("problems") or [])
        return cls(
            str(d["name"]),
            str(d["report"]),
            bool(d["passed"]),
            str(d.get("detail", "")),
            str(d.get("severity", ERROR)),
            problems,
            int(d.get("n_problems", len(problems))),
        )

    def first_line(self, raw_label: str = "") -> str:
        """One line: the first problem's place and message and the check's name."""
        head = self.problems[0].line(raw_label) if self.problems else clip_text(self.detail)
        more = max(self.n_problems, len(self.problems)) - 1
        return f"{head} (check {self.name}{f'; {more} more' if more > 0 else ''})"


def _interval_field(spec: ReportSpec) -> str:
    return {"sced": "SCEDTimestamp", "hourly": "HourEnding"}.get(spec.layout, "DeliveryInterval")


def _day_folder(spec: ReportSpec, d: dt.date) -> str:
    return f"{spec.dir_name}/{d.isoformat()}/"


def _ts(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%MZ")


def _where(
    origin: pd.DataFrame | None, i: int, spec: ReportSpec, d: dt.date, file_paths: Mapping[str, str]
) -> tuple[str, int | None]:
    """(file under the raw root, 1-based row) of row ``i``; the report's day folder when the origin is unknown."""
    if origin is None or "_file" not in origin:
        return _day_folder(spec, d), None
    name = str(origin["_file"].iloc[i])
    row = origin["_row"].iloc[i] if "_row" in origin else None
    return file_paths.get(name, name), (int(row) if row is not None and row == row else None)


def _price_checks(
    rows: pd.DataFrame,
    origin: pd.DataFrame | None,
    spec: ReportSpec,
    d: dt.date,
    file_paths: Mapping[str, str],
) -> list[Check]:
    rid = spec.report_id
    price = rows["price"].to_numpy(dtype=float)
    limit = plausible_limit(d)
    bad = ~np.isfinite(price) | (np.abs(price) > limit)
    low, high = market_bounds(rid, d)
    outside = np.isfinite(price) & ~bad & ((price < low) | (price > high))
    checks = []
    for name, mask, severity, what in (
        ("price_plausible", bad, ERROR, f"beyond +/-{limit:,.0f} $/MWh, which no ERCOT market rule allows"),
        ("price_bounds", outside, FLAG, f"outside ERCOT's offer floor and cap [{low:g}, {high:g}]"),
    ):
        idx = np.flatnonzero(mask)
        problems = []
        for i in idx[:MAX_PROBLEMS]:
            where = rows["as_type"].iloc[i] if isinstance(rows["as_type"].iloc[i], str) else rows["location"].iloc[i]
            file, row = _where(origin, int(i), spec, d, file_paths)
            problems.append(
                Problem(
                    file,
                    row,
                    spec.price_column,
                    f"price {price[i]:.6g} at {where} {_ts(rows['interval_start_utc'].iloc[i])} is {what}",
                )
            )
        detail = f"{len(idx)} prices {what}"
        if name == "price_bounds" and len(price):
            lo, hi = np.nanmin(price), np.nanmax(price)
            detail = f"{len(idx)} prices outside [{low:g}, {high:g}] (min {lo:.2f}, max {hi:.2f})"
        checks.append(Check(name, rid, len(idx) == 0, detail, severity, tuple(problems), len(idx)))
    return checks


def _series_checks(rows: pd.DataFrame, spec: ReportSpec, d: dt.date, n_expected: int, bound: int) -> Check:
    rid = spec.report_id
    counts = rows.groupby(["location", "location_type", "as_type"], dropna=False, observed=True)[
        "interval_start_utc"
    ].nunique()
    short = counts[counts < n_expected]
    problems: list[Problem] = []
    blocking = 0
    for (location, location_type, as_type), n in short.items():
        missing = n_expected - int(n)
        name = as_type if isinstance(as_type, str) else location
        required = location_type in COMPLETE_SERIES_TYPES
        if required and missing > bound:
            blocking += 1
            problems.insert(
                0,
                Problem(
                    _day_folder(spec, d),
                    None,
                    _interval_field(spec),
                    f"{name} ({location_type}) has no price in {missing} of {n_expected} intervals, more than "
                    f"quality.max_filled_minutes allows ({bound} intervals)",
                ),
            )
        elif len(problems) < MAX_PROBLEMS:
            problems.append(
                Problem(
                    _day_folder(spec, d),
                    None,
                    _interval_field(spec),
                    f"{name} ({location_type}) has no price in {missing} of {n_expected} intervals",
                )
            )
    detail = f"{len(counts)} series" + ("" if short.empty else f"; {len(short)} with missing intervals")
    if blocking:
        detail += f"; {blocking} hub, load zone or AS series beyond the fill bound of {bound} intervals"
    return Check(
        "complete_series",
        rid,
        short.empty,
        detail,
        ERROR if blocking else FLAG,
        tuple(problems[:MAX_PROBLEMS]),
        len(short),
    )


def check_day(
    table: pd.DataFrame,
    day: dt.date | str,
    reports_present: Iterable[str],
    *,
    origin: pd.DataFrame | None = None,
    file_paths: Mapping[str, str] | None = None,
    max_filled_minutes: int = DEFAULT_MAX_FILLED_MINUTES,
) -> list[Check]:
    """The checks of one day's normalized table, per report (module docstring).

    * ``report_present`` (flag): the report has a parsed file (NP6-331-CD only from RTC+B go-live);
    * ``interval_count``: the distinct intervals equal the day's calendar (288 SCED intervals, 96
      fifteen-minute ones, 24 DAM hours; 276/92/23 and 300/100/25 on DST days); an error when
      intervals lie outside the day or more are missing than the fill bound, else a flag;
    * ``complete_series``: every series has every interval (hubs, load zones and AS products within the
      fill bound, else an error; other series flagged);
    * ``price_plausible`` (error): finite prices within :func:`~hayeknet.ercot.market_rules.plausible_limit`;
    * ``price_bounds`` (flag): prices within the market's bounds (:func:`~hayeknet.ercot.market_rules.market_bounds`);
    * ``as_types`` (flag, AS reports): all of REGUP, REGDN, RRS, ECRS, NSPIN present.

    ``origin`` (aligned with ``table``: ``_file``, ``_row``) lets a price problem name its raw file and row;
    ``file_paths`` maps a file name to its path under the raw root.
    """
    d = as_date(day)
    present = set(reports_present)
    paths = dict(file_paths or {})
    checks: list[Check] = []
    for spec in REPORTS:
        rid = spec.report_id
        if rid not in present:
            if spec.published_on(d):
                checks.append(Check("report_present", rid, False, "no parsed file for this report", FLAG))
            else:
                detail = f"not expected: ERCOT publishes it from {spec.published_from} on"
                checks.append(Check("report_present", rid, True, detail, FLAG))
            continue
        mask = (table["report"] == rid).to_numpy()
        rows = table[mask]
        sub_origin = origin[mask] if origin is not None else None
        checks.append(Check("report_present", rid, True, f"{len(rows)} rows", FLAG))
        bound = max_filled_minutes // spec.interval_minutes
        grid = interval_starts_utc(d, spec.interval_minutes)
        present_iv = pd.DatetimeIndex(rows["interval_start_utc"].unique())
        missing = grid.difference(present_iv)
        extra = present_iv.difference(grid)
        n_expected = expected_intervals(d, spec.interval_minutes)
        ok = len(missing) == 0 and len(extra) == 0
        detail = f"{len(present_iv)} intervals, expected {n_expected}"
        problems = []
        if len(missing):
            detail += f"; {len(missing)} missing (first {missing[0].isoformat()})"
            beyond = len(missing) > bound
            problems.append(
                Problem(
                    _day_folder(spec, d),
                    None,
                    _interval_field(spec),
                    f"{len(missing)} of {n_expected} intervals have no file or row (first {_ts(missing[0])})"
                    + (f", more than quality.max_filled_minutes allows ({bound} intervals)" if beyond else ""),
                )
            )
        if len(extra):
            detail += f"; {len(extra)} outside the operating day (first {extra[0].isoformat()})"
            problems.append(
                Problem(
                    _day_folder(spec, d),
                    None,
                    _interval_field(spec),
                    f"{len(extra)} intervals lie outside operating day {d} (first {_ts(extra[0])})",
                )
            )
        severity = ERROR if (len(extra) or len(missing) > bound) else FLAG
        checks.append(Check("interval_count", rid, ok, detail, severity, tuple(problems), len(problems)))
        checks.append(_series_checks(rows, spec, d, n_expected, bound))
        checks.extend(_price_checks(rows, sub_origin, spec, d, paths))
        if spec.is_ancillary:
            seen = set(rows["as_type"].dropna().astype(str))
            lacking = [a for a in AS_TYPES if a not in seen]
            checks.append(
                Check(
                    "as_types",
                    rid,
                    not lacking,
                    "all present" if not lacking else f"missing {', '.join(lacking)}",
                    FLAG,
                )
            )
    realtime = [s.report_id for s in REPORTS if s.market in {"RTM_SCED", "RTM_15MIN"}]
    has_rt = bool(len(table)) and table["report"].isin(realtime).any()
    checks.append(
        Check(
            "realtime_present",
            "*",
            bool(has_rt),
            "real-time prices present" if has_rt else f"no real-time price ({' or '.join(realtime)})",
            ERROR,
            () if has_rt else (Problem(None, None, None, f"no real-time price ({' or '.join(realtime)})"),),
            0 if has_rt else 1,
        )
    )
    return checks


def parse_checks(
    failures: Mapping[str, Any],
    n_files: int,
    conflicts: Sequence[Mapping[str, Any]],
    n_conflicts: int,
    file_paths: Mapping[str, str],
    spec_of: Mapping[str, ReportSpec] | None = None,
) -> list[Check]:
    """``files_parsed`` (error: a raw file that does not parse, each named with its row and field) and
    ``duplicate_keys`` (error: a key priced twice differently within one file).

    ``failures`` maps a file's path under the raw root to its
    :class:`~hayeknet.ercot.reports.ReportFormatError` (or message)."""
    problems = []
    for path, exc in sorted(failures.items()):
        row, fld = getattr(exc, "row", None), getattr(exc, "field", None)
        message = getattr(exc, "message", None) or str(exc)
        problems.append(Problem(path, row, fld, str(message)))
    checks = [
        Check(
            "files_parsed",
            "*",
            not failures,
            f"{n_files - len(failures)} of {n_files} files parsed" + (f"; {len(failures)} failed" if failures else ""),
            ERROR,
            tuple(problems[:MAX_PROBLEMS]),
            len(problems),
        )
    ]
    dup_problems = []
    for c in conflicts[:MAX_PROBLEMS]:
        name = str(c["file"])
        spec = (spec_of or {}).get(name)
        dup_problems.append(
            Problem(
                file_paths.get(name, name),
                c.get("row"),
                spec.price_column if spec is not None else "price",
                f"{c['location']} at {c['interval_start_utc']} is priced {c['price']:g} here and "
                f"{c['first_price']:g} in row {c.get('first_row')} of the same file",
            )
        )
    checks.append(
        Check(
            "duplicate_keys",
            "*",
            n_conflicts == 0,
            f"{n_conflicts} keys priced twice differently within one file",
            ERROR,
            tuple(dup_problems),
            n_conflicts,
        )
    )
    return checks


@dataclass(frozen=True)
class Verdict:
    """The day's verdict from its checks: ``valid`` or ``quarantined`` (by the blocking checks), plus the flags."""

    status: str
    blocking: tuple[Check, ...] = ()
    flags: tuple[Check, ...] = ()
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def quarantined(self) -> bool:
        return self.status == QUARANTINED

    def reason(self, raw_label: str = "") -> str:
        """One line: the first blocking check's first problem (file, row, field, message, check)."""
        return self.blocking[0].first_line(raw_label) if self.blocking else ""


def verdict(checks: Iterable[Check]) -> Verdict:
    checks = tuple(checks)
    blocking = tuple(c for c in checks if c.blocking)
    flags = tuple(c for c in checks if not c.passed and c.severity != ERROR)
    return Verdict(QUARANTINED if blocking else VALID, blocking, flags, checks)


def all_problem_lines(checks: Iterable[Check], raw_label: str = "") -> list[str]:
    """Every problem of every failed check, one line each (errors first): what ``hayeknet validate`` prints."""
    failed = sorted((c for c in checks if not c.passed), key=lambda c: c.severity != ERROR)
    lines = []
    for c in failed:
        tag = "ERROR" if c.severity == ERROR else "FLAG "
        if not c.problems:
            lines.append(f"{tag} {c.report:<10} {c.name}: {clip_text(c.detail)}")
        for p in c.problems:
            lines.append(f"{tag} {c.report:<10} {c.name}: {p.line(raw_label)}")
        left = c.n_problems - len(c.problems)
        if left > 0:
            lines.append(f"{tag} {c.report:<10} {c.name}: ... and {left} more")
    return lines


__all__ = [
    "COMPLETE_SERIES_TYPES",
    "DEFAULT_MAX_FILLED_MINUTES",
    "ERROR",
    "FLAG",
    "QUARANTINED",
    "VALID",
    "Check",
    "Problem",
    "Verdict",
    "all_problem_lines",
    "check_day",
    "clip_text",
    "parse_checks",
    "verdict",
]
