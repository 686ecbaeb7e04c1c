"""Wind and solar postings -> the normalized generation table of one operating day (ADR 0014).

Two steps:

* :func:`read_posting` reads one ERCOT posting (the CSV, or the zip of one
  CSV, exactly as MIS serves it) into *posting rows*
  (:data:`POSTING_COLUMNS`): one row per hour and region, the posting's time
  (``published_utc``, read from ERCOT's file name ``...YYYYMMDD.HHMMSS...``,
  Central wall-clock time, ``xhr`` marking the repeated hour's second pass)
  beside every value. Every field is checked; a defect raises
  :class:`~hayeknet.ercot.reports.ReportFormatError` naming the file, the
  1-based data row and the field.
* :func:`generation_table` keeps one row per hour of the operating day and
  region from all postings (:data:`GENERATION_COLUMNS`):

  - ``actual_mw`` (and ``actual_hsl_mw``): the **latest posting** that has a
    value for the hour (ERCOT fills in an hour's actual output only after
    it, and may revise it in later postings within its 48-hour history);
  - ``forecast_mw``, ``forecast_potential_mw``, ``forecast_cop_hsl_mw``: the
    forecast **as of the day-ahead cutoff**, the last posting before 10:00
    Central of the day before (:func:`day_ahead_cutoff_utc`; DAM bids are due
    at 10:00), so that a day-ahead decision could have known it.

  Each row says which posting each side came from (``actual_published_utc``,
  ``forecast_published_utc``). Every region of a report present gets every
  hour of the day (23, 24 or 25), NaN where no posting had a value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ, as_date, hour_interval_to_utc, interval_starts_utc
from hayeknet.ercot.generation.reports import GenerationReport, HeaderLayout, detect_generation_header
from hayeknet.ercot.parse.raw import _FILE, _ROW, _payload
from hayeknet.ercot.parse.table import _HOUR_ENDING_RE, _check_second_pass, _dates, _fail_first, _flags, _int_field
from hayeknet.ercot.reports import ReportFormatError

__all__ = [
    "DAY_AHEAD_CUTOFF_LOCAL",
    "GENERATION_COLUMNS",
    "GENERATION_KEY",
    "MEASURE_COLUMNS",
    "POSTING_COLUMNS",
    "Posting",
    "PostingsOutcome",
    "day_ahead_cutoff_utc",
    "empty_generation_table",
    "empty_postings",
    "generation_table",
    "parse_postings",
    "posting_time_utc",
    "read_posting",
]

MEASURE_COLUMNS: dict[str, str] = {
    "actual": "actual_mw",
    "actual_hsl": "actual_hsl_mw",
    "forecast": "forecast_mw",
    "potential": "forecast_potential_mw",
    "cop_hsl": "forecast_cop_hsl_mw",
}
"""Measure of a report column -> its column in the tables (MW)."""

_ACTUAL = ("actual_mw", "actual_hsl_mw")
_FORECAST = ("forecast_mw", "forecast_potential_mw", "forecast_cop_hsl_mw")

POSTING_COLUMNS: tuple[str, ...] = (
    "interval_start_utc",
    "interval_end_utc",
    "resource",
    "region",
    *MEASURE_COLUMNS.values(),
    "published_utc",
    "report",
    "file",
    "row",
)
"""Rows of postings: every hour and region of every posting read, with the posting time."""

GENERATION_COLUMNS: tuple[str, ...] = (
    "interval_start_utc",
    "interval_end_utc",
    "resource",
    "region",
    *_ACTUAL,
    *_FORECAST,
    "actual_published_utc",
    "forecast_published_utc",
    "report",
)
"""Columns of the normalized generation table of one operating day (ADR 0014), in order."""

GENERATION_KEY: tuple[str, ...] = ("resource", "region", "interval_start_utc")
"""A row's identity (and the table's sort order)."""

DAY_AHEAD_CUTOFF_LOCAL = dt.time(10, 0)
"""Forecasts are taken as of this Central time on the day before the operating day (DAM bids close at 10:00)."""

_TS = "datetime64[ns, UTC]"
_STAMP = re.compile(r"(?<!\d)(\d{8})\.(\d{6})(?!\d)")


def day_ahead_cutoff_utc(day: dt.date | str) -> pd.Timestamp:
    """10:00 Central on the day before operating day ``day``, in UTC: forecasts are those posted before it."""
    d = as_date(day) - dt.timedelta(days=1)
    local = pd.Timestamp(dt.datetime.combine(d, DAY_AHEAD_CUTOFF_LOCAL)).tz_localize(ERCOT_TZ)
    return local.tz_convert("UTC")


def posting_time_utc(name: str) -> pd.Timestamp | None:
    """When ERCOT posted a file, from the stamp of its MIS name (``cdr.00013028.0000000000000000.20250310.090501...``).

    The stamp is Central wall-clock time (it equals MIS's ``PublishDate``);
    in the DST-end repeated hour a name with ``xhr`` is the second
    (standard-time) pass. ``None`` when the name carries no valid stamp.
    Raises :class:`ValueError` for a stamp in the spring-forward gap.
    """
    match = _STAMP.search(name)
    if match is None:
        return None
    try:
        wall = dt.datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    repeated = "xhr" in name.lower()
    try:
        local = pd.Timestamp(wall).tz_localize(ERCOT_TZ, ambiguous=not repeated, nonexistent="raise")
    except Exception as exc:  # pytz/zoneinfo NonExistentTimeError
        raise ValueError(f"posting time {wall} does not exist in America/Chicago") from exc
    return local.tz_convert("UTC")


def empty_postings() -> pd.DataFrame:
    """Posting rows with no row (:data:`POSTING_COLUMNS`, their dtypes)."""
    data: dict[str, pd.Series] = {}
    for col in POSTING_COLUMNS:
        if col.endswith("_utc"):
            data[col] = pd.Series([], dtype=_TS)
        elif col.endswith("_mw"):
            data[col] = pd.Series([], dtype="float64")
        elif col == "row":
            data[col] = pd.Series([], dtype="int64")
        else:
            data[col] = pd.Series([], dtype="str")
    return pd.DataFrame(data)


def empty_generation_table() -> pd.DataFrame:
    """A generation table with no row (:data:`GENERATION_COLUMNS`, their dtypes)."""
    data: dict[str, pd.Series] = {}
    for col in GENERATION_COLUMNS:
        if col.endswith("_utc"):
            data[col] = pd.Series([], dtype=_TS)
        elif col.endswith("_mw"):
            data[col] = pd.Series([], dtype="float64")
        else:
            data[col] = pd.Series([], dtype="str")
    return pd.DataFrame(data)


@dataclass(frozen=True)
class Posting:
    """One posting: its file, ERCOT name, report, posting time (UTC) and number of data rows.

    ``rows`` holds its posting rows (:data:`POSTING_COLUMNS`) when it was read
    alone (:func:`read_posting`); ``None`` when read in a batch (:func:`parse_postings`).
    """

    path: Path
    name: str
    report: GenerationReport
    published_utc: pd.Timestamp
    n_rows: int
    rows: pd.DataFrame | None = None


@dataclass(frozen=True)
class _Loaded:
    posting: Posting
    layout: HeaderLayout
    body: list[list[str]]


def _records(data: bytes, name: str) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportFormatError(name, None, None, f"not UTF-8 text: {exc}") from None
    try:
        records = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    except csv.Error as exc:
        raise ReportFormatError(name, None, None, f"not a readable CSV: {exc}") from None
    if not records:
        raise ReportFormatError(name, 0, "header", "file is empty (no header row)")
    return records


def _load(path: Path, name: str, published_utc: pd.Timestamp | None) -> _Loaded:
    """Read a posting's bytes, header and rows (as text) and its posting time; nothing converted yet."""
    try:
        data = _payload(path)
    except ReportFormatError as exc:
        raise ReportFormatError(name, exc.row, exc.field, exc.message) from None
    records = _records(data, name)
    layout = detect_generation_header(records[0], name)
    if published_utc is None:
        try:
            published_utc = posting_time_utc(name)
        except ValueError as exc:
            raise ReportFormatError(name, None, None, str(exc)) from None
        if published_utc is None:
            raise ReportFormatError(
                name, None, None,
                f"no posting time: {layout.report.report_id} is read with the time ERCOT posted it, from the "
                "YYYYMMDD.HHMMSS stamp of its MIS file name (e.g. cdr.00013028.0000000000000000."
                "20250310.090501..._csv.zip), and this name has none",
            )  # fmt: skip
    n = len(layout.header)
    allowed = {len(records[0]), n}
    body = []
    for i, record in enumerate(records[1:], start=1):
        if len(record) not in allowed:
            raise ReportFormatError(name, i, None, f"row has {len(record)} fields, expected {n}")
        body.append((record + [""] * n)[:n])
    published = pd.Timestamp(published_utc).tz_convert("UTC")
    return _Loaded(Posting(path, name, layout.report, published, len(body)), layout, body)


def _measures(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The measure columns as float64 (blank -> NaN), one column per name; a non-number raises naming its row."""
    block = np.char.strip(frame.loc[:, columns].to_numpy(dtype=str))
    blank = block == ""
    try:
        values = np.where(blank, "nan", block).astype(np.float64)
    except ValueError:
        values = np.full(block.shape, np.nan)
        for j in range(len(columns)):
            values[:, j] = pd.to_numeric(pd.Series(block[:, j]).where(~blank[:, j]), errors="coerce")
    bad = ~blank & ~np.isfinite(values)
    for j, column in enumerate(columns):
        _fail_first(bad[:, j], frame, column, "not a number (MW)")
    return values


def _normalize(items: list[_Loaded]) -> pd.DataFrame:
    """Posting rows of postings that share one header, checked in one vectorized pass."""
    layout = items[0].layout
    report = layout.report
    columns = list(layout.header)
    for key, idx in layout.key_index.items():
        columns[idx] = key
    body = [row for item in items for row in item.body]
    if not body:
        return empty_postings()
    frame = pd.DataFrame(np.array(body, dtype=object), columns=columns)
    counts = [len(item.body) for item in items]
    frame[_FILE] = np.repeat(np.array([item.posting.name for item in items], dtype=object), counts)
    frame[_ROW] = np.concatenate([np.arange(1, c + 1, dtype=np.int64) for c in counts])
    published_ns = np.repeat(np.array([item.posting.published_utc.value for item in items], dtype=np.int64), counts)
    dates = _dates(frame, "DELIVERY_DATE")
    hours = _int_field(frame, "HOUR_ENDING", 1, 24, _HOUR_ENDING_RE)
    second = _flags(frame, "DSTFlag")
    start, end = hour_interval_to_utc(dates, hours, None, second, 60)
    _fail_first(
        np.asarray(start.isna()), frame, "HOUR_ENDING", "hour does not exist on this operating day (spring-forward gap)"
    )
    _check_second_pass(start, second, frame, "DSTFlag")
    repeated = pd.DataFrame({"f": frame[_FILE].to_numpy(), "t": start.asi8}).duplicated().to_numpy()
    _fail_first(
        repeated, frame, "HOUR_ENDING",
        "hour given twice in this posting (same DELIVERY_DATE, HOUR_ENDING and DSTFlag as an earlier row)",
    )  # fmt: skip
    measure_idx = sorted(layout.measures)
    block = _measures(frame, [layout.header[i] for i in measure_idx])
    values: dict[str, dict[str, np.ndarray]] = {}
    for j, idx in enumerate(measure_idx):
        measure, region = layout.measures[idx]
        values.setdefault(region, {})[MEASURE_COLUMNS[measure]] = block[:, j]
    n = len(frame)
    nan = np.full(n, np.nan)
    regions = layout.regions()
    k = len(regions)

    def utc(ns: np.ndarray) -> pd.Series:
        return pd.Series(pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC"), dtype=_TS)

    rows = pd.DataFrame(
        {
            "interval_start_utc": utc(np.tile(start.asi8, k)),
            "interval_end_utc": utc(np.tile(end.asi8, k)),
            "resource": pd.Series([report.resource] * (n * k), dtype="str"),
            "region": pd.Series(np.repeat(np.array(regions, dtype=object), n), dtype="str"),
            **{
                col: np.concatenate([values[region].get(col, nan) for region in regions])
                for col in MEASURE_COLUMNS.values()
            },
            "published_utc": utc(np.tile(published_ns, k)),
            "report": pd.Series([report.report_id] * (n * k), dtype="str"),
            "file": pd.Series(np.tile(frame[_FILE].to_numpy(), k), dtype="str"),
            "row": np.tile(frame[_ROW].to_numpy(), k),
        }
    )
    return rows.loc[:, list(POSTING_COLUMNS)]


def read_posting(path: str | Path, name: str | None = None, published_utc: pd.Timestamp | None = None) -> Posting:
    """Read one wind or solar posting (CSV, or zip of one CSV) with its posting rows.

    ``name`` is the file's ERCOT name when ``path`` is a staged copy (errors
    and the posting time use it); ``published_utc`` overrides the posting time
    read from the name. Raises :class:`~hayeknet.ercot.reports.ReportFormatError`
    (file, row, field) for any defect, including a name without a posting time.
    """
    path = Path(path)
    loaded = _load(path, name or path.name, published_utc)
    return replace(loaded.posting, rows=_normalize([loaded]))


@dataclass(frozen=True)
class PostingsOutcome:
    """Many postings read: all their rows, each good file's :class:`Posting` and each bad file's error."""

    postings: pd.DataFrame
    files: dict[Path, Posting]
    failures: dict[Path, ReportFormatError]


def parse_postings(paths: Iterable[str | Path]) -> PostingsOutcome:
    """Read many postings; a bad file is recorded in ``failures`` and the others are still read.

    Postings with the same header are checked and converted in one pass; when
    that pass finds a defect, the file it names is set aside and the pass repeats.
    """
    loaded: dict[Path, _Loaded] = {}
    failures: dict[Path, ReportFormatError] = {}
    for p in paths:
        p = Path(p)
        try:
            loaded[p] = _load(p, p.name, None)
        except ReportFormatError as exc:
            failures[p] = exc
    groups: dict[tuple[str, ...], list[Path]] = {}
    for p, item in loaded.items():
        groups.setdefault(item.layout.header, []).append(p)
    parts = []
    for members in groups.values():
        while members:
            try:
                parts.append(_normalize([loaded[p] for p in members]))
                break
            except ReportFormatError as exc:
                bad = next((p for p in members if loaded[p].posting.name == exc.file), None)
                if bad is None:  # pragma: no cover - every check names the file of its row
                    raise
                failures[bad] = exc
                members.remove(bad)
                del loaded[bad]
    rows = pd.concat(parts, ignore_index=True) if parts else empty_postings()
    return PostingsOutcome(rows, {p: item.posting for p, item in loaded.items()}, failures)


def _publication_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows oldest posting first: by posting time, then a ``_retry`` file after its original, file name, row."""
    retry = rows["file"].astype("str").str.lower().str.contains("_retry", regex=False)
    order = np.lexsort(
        (
            rows["row"].to_numpy(),
            rows["file"].astype("str").to_numpy(),
            retry.to_numpy(),
            rows["published_utc"].to_numpy(),
        )
    )
    return rows.iloc[order]


def generation_table(
    postings: pd.DataFrame, day: dt.date | str, cutoff_utc: pd.Timestamp | None = None
) -> pd.DataFrame:
    """The normalized generation table of operating day ``day`` from posting rows (see the module docstring).

    ``cutoff_utc`` replaces the day-ahead cutoff (:func:`day_ahead_cutoff_utc`):
    forecasts come from the last posting strictly before it. Every
    (resource, region) present gets every hour of the day; UTC starts are
    strictly increasing within each. Returns :data:`GENERATION_COLUMNS`,
    sorted by :data:`GENERATION_KEY`.
    """
    d = as_date(day)
    cutoff = day_ahead_cutoff_utc(d) if cutoff_utc is None else pd.Timestamp(cutoff_utc).tz_convert("UTC")
    grid = interval_starts_utc(d, 60)
    rows = postings[postings["interval_start_utc"].isin(grid)]
    if rows.empty:
        return empty_generation_table()
    rows = _publication_order(rows)
    key = ["resource", "region", "interval_start_utc"]
    actual = rows[rows["actual_mw"].notna()].drop_duplicates(key, keep="last")
    actual = actual.loc[:, [*key, *_ACTUAL, "published_utc"]].rename(columns={"published_utc": "actual_published_utc"})
    before = rows[(rows["published_utc"] < cutoff) & rows["forecast_mw"].notna()]
    forecast = before.drop_duplicates(key, keep="last")
    forecast = forecast.loc[:, [*key, *_FORECAST, "published_utc"]].rename(
        columns={"published_utc": "forecast_published_utc"}
    )
    series = rows.loc[:, ["resource", "region", "report"]].drop_duplicates()
    hours = pd.DataFrame({"interval_start_utc": pd.DatetimeIndex(grid).astype(_TS)})
    hours["interval_end_utc"] = hours["interval_start_utc"] + pd.Timedelta(hours=1)
    full = series.merge(hours, how="cross")
    full = full.merge(actual, on=key, how="left").merge(forecast, on=key, how="left")
    out = full.loc[:, list(GENERATION_COLUMNS)].sort_values(list(GENERATION_KEY), kind="stable")
    out = out.reset_index(drop=True)
    for col in GENERATION_COLUMNS:
        if col.endswith("_utc"):
            out[col] = out[col].astype(_TS)
        elif col.endswith("_mw"):
            out[col] = out[col].astype("float64")
        else:
            out[col] = out[col].astype("str")
    return out
