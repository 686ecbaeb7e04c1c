"""The normalized price table of ADR 0001 and the careful path that produces it from a raw string frame.

Columns (:data:`COLUMNS`): ``interval_start_utc, interval_end_utc``
(datetime64[ns, UTC]), ``market``, ``location``, ``location_type``,
``as_type`` (NA for energy), ``price`` ($/MWh for energy, $/MW per hour for
AS), ``report``. ERCOT labels intervals in America/Chicago local time
(operating day, hour ending, interval, SCED timestamp, with a DST flag for the
repeated hour); :func:`normalize` turns them into UTC intervals.

:func:`normalize` takes the string frame of :func:`~hayeknet.ercot.parse.raw.read_raw`
(possibly several files concatenated) and is vectorized: prices are converted
column-wise, and each distinct date/hour/timestamp label is converted once and
mapped back. Every field is checked: a defect raises :class:`ReportFormatError`
naming the file, the 1-based data row and the field. :func:`deduplicate` then
keeps one row per key (:data:`KEY_COLUMNS`), the latest publication winning.
The fast readers of :mod:`hayeknet.ercot.parse.sced_fast` must give exactly
this path's table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hayeknet.ercot import locations
from hayeknet.ercot.calendar import (
    flags_to_second_pass,
    hour_interval_to_utc,
    is_second_pass,
    parse_ercot_date,
    sced_timestamp_to_utc,
)
from hayeknet.ercot.parse.raw import _FILE, _PUBLISHED, _ROW, _SHEET
from hayeknet.ercot.reports import AS_TYPES, ReportFormatError, ReportSpec, daily_spec

__all__ = [
    "COLUMNS",
    "KEY_COLUMNS",
    "SORT_COLUMNS",
    "deduplicate",
    "empty_table",
    "normalize",
    "superseded_publications",
    "within_file_conflicts",
]

COLUMNS: tuple[str, ...] = (
    "interval_start_utc",
    "interval_end_utc",
    "market",
    "location",
    "location_type",
    "as_type",
    "price",
    "report",
)
"""Columns of the normalized price table, in order."""

KEY_COLUMNS: tuple[str, ...] = ("interval_start_utc", "market", "location", "location_type", "as_type")
"""A row's identity: one price per interval, market, location (and type) and product."""

SORT_COLUMNS: list[str] = ["market", "as_type", "location", "location_type", "interval_start_utc"]

_STRING_COLUMNS = ("market", "location", "location_type", "as_type", "report")
_TS_DTYPE = "datetime64[ns, UTC]"
_HOUR_ENDING_RE = r"^\s*(\d{1,2})(?::00)?\s*$"


def empty_table() -> pd.DataFrame:
    """An empty normalized price table with the contract's dtypes."""
    return pd.DataFrame(
        {
            "interval_start_utc": pd.Series([], dtype=_TS_DTYPE),
            "interval_end_utc": pd.Series([], dtype=_TS_DTYPE),
            "market": pd.Series([], dtype="str"),
            "location": pd.Series([], dtype="str"),
            "location_type": pd.Series([], dtype="str"),
            "as_type": pd.Series([], dtype="str"),
            "price": pd.Series([], dtype="float64"),
            "report": pd.Series([], dtype="str"),
        }
    )


def _clip_value(value: object, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit} more characters]"


def _fail_first(mask: np.ndarray, frame: pd.DataFrame, field: str, message: str) -> None:
    """Raise for the first row where ``mask`` is True, naming its file, row and field."""
    if not mask.any():
        return
    i = int(np.flatnonzero(mask)[0])
    value = frame[field].iloc[i] if field in frame else None
    sheet = str(frame[_SHEET].iloc[i]) if _SHEET in frame else ""
    raise ReportFormatError(
        str(frame[_FILE].iloc[i]),
        int(frame[_ROW].iloc[i]),
        field,
        f"{message} (value {_clip_value(value)})",
        sheet=sheet or None,
    )


def _missing(frame: pd.DataFrame, field: str) -> np.ndarray:
    col = frame[field]
    return np.asarray(col.isna() | (col.astype("str").str.strip() == ""))


def _check_complete(frame: pd.DataFrame, spec: ReportSpec) -> None:
    """Every field present: a short (truncated) row leaves its last fields empty."""
    for field in spec.columns:
        _fail_first(_missing(frame, field), frame, field, "missing value (truncated or short row)")


def _flags(frame: pd.DataFrame, field: str) -> np.ndarray:
    folded = frame[field].astype("str").str.strip().str.upper()
    _fail_first(np.asarray(~folded.isin(["Y", "N", "TRUE", "FALSE"])), frame, field, "DST flag must be Y or N")
    return flags_to_second_pass(folded)


def _prices(frame: pd.DataFrame, field: str) -> np.ndarray:
    """Prices as float64: an Arrow cast of the trimmed strings, or a coercing parse to find a bad row."""
    column = frame[field].astype("str")
    try:
        trimmed = pc.utf8_trim_whitespace(pa.array(column))
        values = np.asarray(pc.cast(trimmed, pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        values = pd.to_numeric(column.str.strip(), errors="coerce").to_numpy(dtype="float64")
    _fail_first(~np.isfinite(values), frame, field, "price is not a number")
    return values


def _int_field(frame: pd.DataFrame, field: str, low: int, high: int, pattern: str = r"^\s*(\d{1,2})\s*$") -> np.ndarray:
    extracted = frame[field].astype("str").str.extract(pattern, expand=False)
    values = pd.to_numeric(extracted, errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(values) | (values < low) | (values > high)
    _fail_first(bad, frame, field, f"must be an integer within {low}..{high}")
    return values.astype(np.int64)


def _dates(frame: pd.DataFrame, field: str) -> pd.Series:
    codes, uniques = pd.factorize(frame[field].astype("str").str.strip())
    parsed = parse_ercot_date(pd.Series(uniques, dtype="str"))
    parsed_all = pd.Series(parsed.to_numpy()[codes], index=frame.index)
    _fail_first(np.asarray(parsed_all.isna()), frame, field, "not a MM/DD/YYYY date (years 1990-2200)")
    return parsed_all


def _check_second_pass(ts_utc: pd.DatetimeIndex, second: np.ndarray, frame: pd.DataFrame, field: str) -> None:
    """A ``Y`` flag is only valid on the fall-back day's repeated hour."""
    if second.any():
        bad = second & ~is_second_pass(ts_utc)
        _fail_first(bad, frame, field, "repeated-hour flag Y outside the fall-back day's repeated hour")


def _constant(value: str, n: int) -> pd.Series:
    return locations.strings_from_codes(np.zeros(n, dtype=np.int32), [value])


def normalize(spec: ReportSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Normalize a raw string frame of ``spec`` (from :func:`~hayeknet.ercot.parse.raw.read_raw`, possibly several
    files concatenated).

    Returns the contract columns plus the internal ``_file``, ``_row`` and
    ``_published_ns`` (the SCED run instant, NP6-788-CD only) used by
    :func:`deduplicate`.

    A yearly historical report's frame (from
    :mod:`~hayeknet.ercot.parse.historical`) holds its daily report's columns:
    it is normalized as that report, with ``report`` the historical id, and an
    error names the historical report's own field (``Hour Ending``) and the sheet.
    """
    if spec.is_historical:
        return _normalize_historical(spec, frame)
    if frame.empty:
        out = empty_table()
        out[_FILE] = pd.Series([], dtype="str")
        out[_ROW] = pd.Series([], dtype="int64")
        out[_PUBLISHED] = pd.Series([], dtype="int64")
        return out
    _check_complete(frame, spec)
    second = _flags(frame, spec.flag_column)
    price = _prices(frame, spec.price_column)
    published = np.zeros(len(frame), dtype=np.int64)
    if spec.layout == "sced":
        stamps = frame["SCEDTimestamp"].astype("str").str.strip()
        instant = sced_timestamp_to_utc(stamps, second)
        _fail_first(
            np.asarray(instant.isna()), frame, "SCEDTimestamp",
            "not a MM/DD/YYYY HH:MM:SS local time (years 1990-2200) that exists in America/Chicago",
        )  # fmt: skip
        _check_second_pass(instant, second, frame, spec.flag_column)
        start = instant.floor(f"{spec.interval_minutes}min")
        end = start + pd.Timedelta(minutes=spec.interval_minutes)
        published = instant.asi8
    else:
        dates = _dates(frame, "DeliveryDate")
        if spec.layout == "hourly":
            hours = _int_field(frame, "HourEnding", 1, 24, _HOUR_ENDING_RE)
            intervals = None
            hour_field = "HourEnding"
        else:
            hours = _int_field(frame, "DeliveryHour", 1, 24)
            intervals = _int_field(frame, "DeliveryInterval", 1, spec.intervals_per_hour)
            hour_field = "DeliveryHour"
        start, end = hour_interval_to_utc(dates, hours, intervals, second, spec.interval_minutes)
        _fail_first(
            np.asarray(start.isna()), frame, hour_field,
            "hour does not exist on this operating day (spring-forward gap)",
        )  # fmt: skip
        _check_second_pass(start, second, frame, spec.flag_column)

    n = len(frame)
    if spec.as_column is not None:
        as_type = frame[spec.as_column].astype("str").str.strip().str.upper()
        known = ", ".join(AS_TYPES)
        _fail_first(np.asarray(~as_type.isin(AS_TYPES)), frame, spec.as_column, f"unknown AS type (known: {known})")
        location = _constant("ERCOT", n)
        location_type = _constant(locations.SYSTEM, n)
        as_codes = pd.Index(AS_TYPES).get_indexer(as_type)
        as_type = locations.strings_from_codes(as_codes, AS_TYPES)
    else:
        assert spec.location_column is not None
        location = frame[spec.location_column].astype("str").str.strip().reset_index(drop=True)
        if spec.type_column is not None:
            location_type = locations.type_from_code(frame[spec.type_column]).reset_index(drop=True)
            _fail_first(
                np.asarray(location_type.isna()), frame, spec.type_column,
                f"unknown settlement point type (known: {', '.join(locations.SETTLEMENT_POINT_TYPE_CODES)})",
            )  # fmt: skip
        else:
            location_type = locations.type_from_name(location)
        as_type = locations.strings_from_codes(np.full(n, -1), AS_TYPES)

    out = pd.DataFrame(
        {
            "interval_start_utc": pd.DatetimeIndex(start).astype(_TS_DTYPE),
            "interval_end_utc": pd.DatetimeIndex(end).astype(_TS_DTYPE),
            "market": _constant(spec.market, n),
            "location": location.reset_index(drop=True),
            "location_type": location_type.reset_index(drop=True),
            "as_type": as_type.reset_index(drop=True),
            "price": price,
            "report": _constant(spec.report_id, n),
            _FILE: frame[_FILE].reset_index(drop=True),
            _ROW: frame[_ROW].to_numpy(),
            _PUBLISHED: published,
        }
    )
    return out


def _normalize_historical(spec: ReportSpec, frame: pd.DataFrame) -> pd.DataFrame:
    daily = daily_spec(spec)
    own_name = dict(zip(spec.daily_columns, spec.columns))
    try:
        out = normalize(daily, frame)
    except ReportFormatError as exc:
        field = own_name.get(exc.field, exc.field) if exc.field is not None else None
        raise ReportFormatError(exc.file, exc.row, field, exc.message, sheet=exc.sheet) from None
    out["report"] = _constant(spec.report_id, len(out))
    return out


# --- deduplication -----------------------------------------------------------------------------


def _is_retry(name: str) -> bool:
    return "_retry" in name.lower()


def _precedence_order(work: pd.DataFrame) -> pd.DataFrame:
    """Rows in publication order (the later a row, the higher its precedence; :func:`deduplicate`)."""
    if _FILE not in work:
        return work
    codes, uniques = pd.factorize(work[_FILE])
    names = [str(u) for u in uniques]
    retry = np.array([_is_retry(u) for u in names], dtype=bool)[codes]
    name_rank = np.argsort(np.argsort(np.array(names, dtype=object)))[codes]
    published = work[_PUBLISHED].to_numpy() if _PUBLISHED in work else np.zeros(len(work), dtype=np.int64)
    rows = work[_ROW].to_numpy() if _ROW in work else np.arange(len(work))
    order = np.lexsort((rows, name_rank, retry, published))
    return work.iloc[order]


def deduplicate(table: pd.DataFrame, *, keep_origin: bool = False) -> pd.DataFrame:
    """Keep one row per key (:data:`KEY_COLUMNS`): the latest publication wins.

    Publications are ordered by the SCED run instant (NP6-788-CD), then a
    ``_retry_`` file over the original, then file name, then row. Exact
    duplicate rows collapse to one. Returns the contract columns, sorted by
    (market, as_type, location, location_type, interval_start_utc);
    ``keep_origin`` adds the internal ``_file`` and ``_row`` of each kept row
    (where it came from, for messages that name the raw file and row).
    """
    if table.empty:
        out = empty_table()
        if keep_origin:
            out[_FILE] = pd.Series([], dtype="str")
            out[_ROW] = pd.Series([], dtype="int64")
        return out
    work = _precedence_order(table)
    work = work.drop_duplicates(subset=list(KEY_COLUMNS), keep="last")
    columns = list(COLUMNS) + ([c for c in (_FILE, _ROW) if c in work] if keep_origin else [])
    out = work.loc[:, columns].sort_values(SORT_COLUMNS, kind="stable", na_position="first")
    return out.reset_index(drop=True)


def within_file_conflicts(table: pd.DataFrame, limit: int = 100) -> tuple[int, list[dict[str, object]]]:
    """Keys given two different prices by one file (``_file``): ``(count, the first ``limit``)``.

    One file states one price per key; a second, different price for the same
    key in the same file cannot be ordered by publication, so it is an error
    (:mod:`hayeknet.archive.quality`), never settled silently by row order.
    Identical repeats are not conflicts. Each entry names the file, the later
    row, the first row and both prices.
    """
    if table.empty or _FILE not in table:
        return 0, []
    keys = [_FILE, *KEY_COLUMNS]
    repeated = table[table.duplicated(subset=keys, keep=False)]
    if repeated.empty:
        return 0, []
    groups = repeated.groupby(keys, dropna=False, observed=True, sort=False)["price"]
    spread = groups.transform("nunique")
    clash = repeated[spread.to_numpy() > 1]
    if clash.empty:
        return 0, []
    clash = clash.sort_values([_FILE, _ROW] if _ROW in clash else [_FILE], kind="stable")
    first = clash.drop_duplicates(subset=keys, keep="first")
    later = clash[clash.duplicated(subset=keys, keep="first")]
    later = later[~later.duplicated(subset=[*keys, "price"], keep="first")]
    merged = later.merge(
        first[[*keys, "price", *([_ROW] if _ROW in first else [])]],
        on=keys,
        how="left",
        suffixes=("", "_first"),
    )
    merged = merged[merged["price"] != merged["price_first"]]
    found = []
    for record in merged.head(limit).to_dict("records"):
        as_type = record["as_type"]
        found.append(
            {
                "file": str(record[_FILE]),
                "row": int(record[_ROW]) if _ROW in record else None,
                "first_row": int(record[f"{_ROW}_first"]) if f"{_ROW}_first" in record else None,
                "location": as_type if isinstance(as_type, str) else str(record["location"]),
                "interval_start_utc": pd.Timestamp(record["interval_start_utc"]).strftime("%Y-%m-%dT%H:%MZ"),
                "price": float(record["price"]),
                "first_price": float(record["price_first"]),
            }
        )
    return len(merged), found


def superseded_publications(table: pd.DataFrame, limit: int = 50) -> tuple[int, list[dict[str, object]]]:
    """Rows replaced by a later publication of another file (a ``_retry_`` republication, a later SCED run):
    ``(rows replaced, [{"kept": file, "dropped": file, "rows": n}, ...])`` for the provenance, the pairs with
    the most rows first (at most ``limit``)."""
    if table.empty or _FILE not in table:
        return 0, []
    work = _precedence_order(table)
    dup = work.duplicated(subset=list(KEY_COLUMNS), keep=False)
    if not dup.any():
        return 0, []
    shared = work[dup.to_numpy()]
    winner = shared.groupby(list(KEY_COLUMNS), dropna=False, observed=True, sort=False)[_FILE].transform("last")
    losers = shared[shared.duplicated(subset=list(KEY_COLUMNS), keep="last").to_numpy()]
    kept = winner[losers.index].astype("str").to_numpy()
    dropped = losers[_FILE].astype("str").to_numpy()
    other = kept != dropped
    if not other.any():
        return 0, []
    pairs = pd.DataFrame({"kept": kept[other], "dropped": dropped[other]})
    counts = pairs.groupby(["kept", "dropped"], sort=True).size().sort_values(ascending=False, kind="stable")
    entries = [{"kept": k, "dropped": d, "rows": int(n)} for (k, d), n in counts.head(limit).items()]
    return int(other.sum()), entries
