"""Parse raw ERCOT files into the normalized price table of ADR 0001.

One parsing path serves real and synthetic data: a file is an MIS CSV (plain
or as the single CSV inside ERCOT's zip) or a public-API JSON response (one
response per file, or JSON Lines of responses). The report is recognised from
the header. Output columns:

``interval_start_utc, interval_end_utc`` (datetime64[ns, UTC]), ``market``,
``location``, ``location_type``, ``as_type`` (NA for energy), ``price``
($/MWh for energy, $/MW per hour for AS), ``report``.

Parsing is vectorized: rows are read as strings by the C CSV reader, prices
are converted column-wise, and each distinct date/hour/timestamp label is
converted once and mapped back.

:func:`parse_file` of one NP6-788-CD CSV (a day is ~1,100 points x 288 SCED
runs, ~15 MB) maps the file into memory (no copy) and first tries two fast
readers that give exactly the careful path's table: :func:`_sced_blocks`
checks that the file is laid out as ERCOT writes it (every run lists the same
points in the same bytes) and reads it as an ``R x m`` grid, prices straight
from their bytes by an exact word parser (:func:`_decimal_words`), about
15 ms for a day on one core; else :func:`_sced_arrow` reads it with Arrow's
CSV reader and converts each distinct label once. Either returns ``None`` on
anything irregular (a defect, a repeated key, quoting, blank lines), and the
careful path then produces the table or the error with file, row and field.

Every defect raises :class:`ReportFormatError` naming the file, the 1-based
data row and the field.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import mmap
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from hayeknet.ercot import locations
from hayeknet.ercot.calendar import _localize as _localize_chicago
from hayeknet.ercot.calendar import (
    flags_to_second_pass,
    hour_interval_to_utc,
    is_second_pass,
    parse_ercot_date,
    sced_timestamp_to_utc,
)
from hayeknet.ercot.reports import (
    AS_TYPES,
    ReportFormatError,
    ReportSpec,
    api_column_map,
    detect_report,
)

__all__ = [
    "COLUMNS",
    "KEY_COLUMNS",
    "ReportFormatError",
    "RawFile",
    "empty_table",
    "parse_file",
    "parse_files",
    "parse_files_collecting",
    "read_raw",
    "normalize",
    "deduplicate",
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
# Internal columns carried until deduplication.
_FILE, _ROW, _PUBLISHED, _RETRY, _ORDER = "_file", "_row", "_published_ns", "_retry", "_order"
_HOUR_ENDING_RE = r"^\s*(\d{1,2})(?::00)?\s*$"


@dataclass(frozen=True)
class RawFile:
    """One raw file: its report, its number of data rows and (when read alone) its rows as strings.

    ``frame`` holds the report's MIS columns as ``str`` plus ``_row`` (1-based
    data row) and ``_file`` (the file's name); it is ``None`` when the file
    was read in a batch by :func:`parse_files_collecting`.
    """

    path: Path
    spec: ReportSpec
    n_rows: int
    frame: pd.DataFrame | None = None


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


# --- reading -----------------------------------------------------------------------------------


def _payload(path: Path) -> bytes:
    """The bytes of the report: the file itself, or the single CSV/JSON inside a zip."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportFormatError(path.name, None, None, f"cannot read file: {exc}") from None
    if data[:2] == b"PK" or path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                wanted = [m for m in members if m.filename.lower().endswith((".csv", ".json", ".jsonl"))]
                if len(wanted) != 1:
                    names = ", ".join(m.filename for m in members) or "nothing"
                    raise ReportFormatError(
                        path.name, None, None, f"zip must hold exactly one CSV or JSON file, holds {names}"
                    )
                return zf.read(wanted[0])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            if isinstance(exc, ReportFormatError):
                raise
            raise ReportFormatError(path.name, None, None, f"corrupt zip archive: {exc}") from None
    return data


def _csv_start(data: bytes, name: str) -> tuple[ReportSpec, int]:
    """Recognise the report from the header line; return it and the offset of the data rows in ``data``."""
    first = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    nl = data.find(b"\n", first)
    header = data[first:] if nl < 0 else data[first:nl]
    header_text = header.decode("utf-8", errors="replace").strip()
    if not header_text:
        raise ReportFormatError(name, 0, "header", "file is empty (no header row)")
    return detect_report(header_text.split(","), name), (len(data) if nl < 0 else nl + 1)


def _split_csv(data: bytes, name: str) -> tuple[ReportSpec, bytes]:
    """Recognise the report from the header line; return it and the data rows' bytes."""
    spec, start = _csv_start(data, name)
    return spec, data[start:]


def _count_rows(body: bytes) -> int:
    if not body:
        return 0
    return body.count(b"\n") + (0 if body.endswith(b"\n") else 1)


class _BlankLines(Exception):
    """The batch held blank lines, so row numbers cannot be mapped back by counting."""


def _read_bodies(spec: ReportSpec, items: Sequence[tuple[str, bytes, int]]) -> pd.DataFrame:
    """Read the data rows of several files of one report with one C-parser call.

    ``items`` are (file name, body bytes, row count). Adds ``_file`` and ``_row``.
    A row with too many fields raises :class:`ReportFormatError` naming its file and row.
    """
    names = [n for n, _, _ in items]
    batch_name = names[0] if len(names) == 1 else "<batch of " + ", ".join(names[:3]) + ", ...>"
    counts = np.array([c for _, _, c in items], dtype=np.int64)
    joined = b"".join(b if (not b or b.endswith(b"\n")) else b + b"\n" for _, b, _ in items)
    try:
        frame = pd.read_csv(
            io.BytesIO(joined),
            header=None,
            names=list(spec.columns),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="c",
            encoding="utf-8",
        )
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+), saw (\d+)", str(exc))
        if not match:
            raise ReportFormatError(batch_name, None, None, f"not a readable CSV: {exc}") from None
        line = int(match.group(1))
        ends = np.cumsum(counts)
        k = int(np.searchsorted(ends, line))
        k = min(k, len(names) - 1)
        row = line - (int(ends[k - 1]) if k > 0 else 0)
        raise ReportFormatError(
            names[k], row, None, f"row has {match.group(2)} fields, expected {len(spec.columns)}"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReportFormatError(batch_name, None, None, f"not a readable CSV: {exc}") from None
    if len(frame) != int(counts.sum()):
        raise _BlankLines()
    name_codes, distinct_names = pd.factorize(pd.Index(names))
    frame[_FILE] = pd.Categorical.from_codes(np.repeat(name_codes, counts), categories=distinct_names)
    frame[_ROW] = np.concatenate([np.arange(1, c + 1, dtype=np.int64) for c in counts]) if len(counts) else []
    return frame


def _read_one_body(spec: ReportSpec, name: str, body: bytes) -> pd.DataFrame:
    """Data rows of one file; blank lines are dropped (rows are numbered without them)."""
    try:
        return _read_bodies(spec, [(name, body, _count_rows(body))])
    except _BlankLines:
        clean = b"\n".join(ln for ln in body.split(b"\n") if ln.strip())
        return _read_bodies(spec, [(name, clean, _count_rows(clean))])


def _read_csv(data: bytes, name: str) -> tuple[ReportSpec, pd.DataFrame]:
    spec, body = _split_csv(data, name)
    return spec, _read_one_body(spec, name, body)


def _iso_to_mis(values: pd.Series, with_time: bool) -> pd.Series:
    """Public-API ISO dates/timestamps to the MIS ``MM/DD/YYYY[ HH:MM:SS]`` spelling (per distinct value)."""
    s = values.astype("str")
    codes, uniques = pd.factorize(s)
    parsed = pd.to_datetime(pd.Series(uniques), format="ISO8601", errors="coerce")
    fmt = "%m/%d/%Y %H:%M:%S" if with_time else "%m/%d/%Y"
    out = parsed.dt.strftime(fmt)
    out = out.where(parsed.notna(), pd.Series(uniques))  # leave non-ISO values for the parser to reject
    return pd.Series(np.asarray(out, dtype=object)[codes], index=values.index, dtype="str")


def _json_frames(data: bytes, name: str) -> tuple[ReportSpec, pd.DataFrame]:
    """Read a public-API response (or JSON Lines of responses) into MIS-named string columns."""
    text = data.decode("utf-8-sig")
    stripped = text.strip()
    try:
        whole = json.loads(stripped)
        docs = whole if isinstance(whole, list) else [whole]
    except json.JSONDecodeError:
        try:  # JSON Lines: one response (page) per line
            docs = [json.loads(line) for line in stripped.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ReportFormatError(name, None, None, f"not valid JSON or JSON Lines: {exc}") from None
    if not docs:
        raise ReportFormatError(name, None, None, "JSON file holds no response")
    spec: ReportSpec | None = None
    parts: list[pd.DataFrame] = []
    for doc in docs:
        if not isinstance(doc, dict) or "fields" not in doc or "data" not in doc:
            raise ReportFormatError(name, None, "fields", "JSON response lacks 'fields' and 'data'")
        names = [f["name"] if isinstance(f, dict) else str(f) for f in doc["fields"]]
        doc_spec = detect_report(names, name)
        if spec is not None and doc_spec is not spec:
            raise ReportFormatError(name, None, "fields", "responses of different reports in one file")
        spec = doc_spec
        mapping = api_column_map(names, spec)
        rows = doc["data"]
        if rows and isinstance(rows[0], dict):
            part = pd.DataFrame.from_records(rows)
        else:
            width = len(names)
            for i, r in enumerate(rows):
                if len(r) != width:
                    row = sum(len(p) for p in parts) + i + 1
                    raise ReportFormatError(name, row, None, f"row has {len(r)} fields, expected {width}")
            part = pd.DataFrame(rows, columns=names)
        part = part.rename(columns=mapping)[list(spec.columns)]
        parts.append(part)
    assert spec is not None
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(spec.columns))
    for col in spec.columns:
        s = frame[col]
        if s.dtype == bool:
            frame[col] = np.where(s.to_numpy(), "Y", "N")
        elif col == spec.flag_column:
            frame[col] = s.map({True: "Y", False: "N"}).fillna(s).astype("str")
        else:
            frame[col] = s.astype("str").where(s.notna(), "")
    if "DeliveryDate" in frame:
        frame["DeliveryDate"] = _iso_to_mis(frame["DeliveryDate"], with_time=False)
    if "SCEDTimestamp" in frame:
        frame["SCEDTimestamp"] = _iso_to_mis(frame["SCEDTimestamp"], with_time=True)
    return spec, frame


def _is_json(data: bytes) -> bool:
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def read_raw(path: str | Path) -> RawFile:
    """Read a raw file (CSV, zip of one CSV, or API JSON) as strings, recognising its report."""
    path = Path(path)
    name = path.name
    data = _payload(path)
    if _is_json(data):
        spec, frame = _json_frames(data, name)
        frame[_ROW] = np.arange(1, len(frame) + 1, dtype=np.int64)
        frame[_FILE] = name
    else:
        spec, frame = _read_csv(data, name)
    return RawFile(path=path, spec=spec, n_rows=len(frame), frame=frame)


# --- normalizing -------------------------------------------------------------------------------


def _fail_first(mask: np.ndarray, frame: pd.DataFrame, field: str, message: str) -> None:
    """Raise for the first row where ``mask`` is True, naming its file, row and field."""
    if not mask.any():
        return
    i = int(np.flatnonzero(mask)[0])
    value = frame[field].iloc[i] if field in frame else None
    raise ReportFormatError(
        str(frame[_FILE].iloc[i]), int(frame[_ROW].iloc[i]), field, f"{message} (value {value!r})"
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
    """Normalize a raw string frame of ``spec`` (from :func:`read_raw`, possibly several files concatenated).

    Returns the contract columns plus the internal ``_file``, ``_row`` and
    ``_published_ns`` (the SCED run instant, NP6-788-CD only) used by
    :func:`deduplicate`.
    """
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


# --- deduplication -----------------------------------------------------------------------------


def _is_retry(name: str) -> bool:
    return "_retry" in name.lower()


def deduplicate(table: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per key (:data:`KEY_COLUMNS`): the latest publication wins.

    Publications are ordered by the SCED run instant (NP6-788-CD), then a
    ``_retry_`` file over the original, then file name, then row. Exact
    duplicate rows collapse to one. Returns the contract columns, sorted by
    (market, as_type, location, location_type, interval_start_utc).
    """
    if table.empty:
        return empty_table()
    work = table
    if _FILE in work:
        codes, uniques = pd.factorize(work[_FILE])
        names = [str(u) for u in uniques]
        retry = np.array([_is_retry(u) for u in names], dtype=bool)[codes]
        name_rank = np.argsort(np.argsort(np.array(names, dtype=object)))[codes]
        published = work[_PUBLISHED].to_numpy() if _PUBLISHED in work else np.zeros(len(work), dtype=np.int64)
        rows = work[_ROW].to_numpy() if _ROW in work else np.arange(len(work))
        order = np.lexsort((rows, name_rank, retry, published))
        work = work.iloc[order]
    work = work.drop_duplicates(subset=list(KEY_COLUMNS), keep="last")
    out = work.loc[:, list(COLUMNS)].sort_values(SORT_COLUMNS, kind="stable", na_position="first")
    return out.reset_index(drop=True)


# --- fast path for one SCED CSV ---------------------------------------------------------------

_DICT = pa.dictionary(pa.int32(), pa.string())
_NON_BLANK = re.compile(rb"\S")


def _dictionary_parts(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (int64) and dictionary values (object array of str) of a unified dictionary column."""
    chunks = column.chunks
    if not chunks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    values = np.asarray(chunks[0].dictionary.to_pylist(), dtype=object)
    indices = [np.asarray(c.indices.to_numpy(zero_copy_only=False), dtype=np.int64) for c in chunks]
    return (indices[0] if len(indices) == 1 else np.concatenate(indices)), values


def _str_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A pandas ``str`` Series over an Arrow large_string array (no copy)."""
    return pd.Series(pd.array(values, dtype="str"), copy=False)


_CONSTANT_CHUNK = 1 << 16


@functools.lru_cache(maxsize=32)
def _constant_chunk(value: str | None) -> pa.Array:
    """:data:`_CONSTANT_CHUNK` copies of ``value`` (``None``: nulls) as an Arrow large_string array, built once."""
    if value is None:
        return pa.nulls(_CONSTANT_CHUNK, pa.large_string())
    return pa.array([value] * _CONSTANT_CHUNK, type=pa.large_string())


def _repeated_chunks(value: str | None, n: int) -> pa.ChunkedArray:
    """``value`` (``None``: null) ``n`` times as chunks of one cached Arrow array (no string data copied)."""
    chunk = _constant_chunk(value)
    parts = [chunk] * (n // _CONSTANT_CHUNK)
    if n % _CONSTANT_CHUNK or not parts:
        parts.append(chunk.slice(0, n % _CONSTANT_CHUNK))
    return pa.chunked_array(parts, type=pa.large_string())


def _repeated_string(value: str | None, n: int) -> pd.Series:
    """``value`` (``None``: NA) ``n`` times as a ``str`` Series equal to :func:`_constant`'s.

    The Arrow data is one cached chunk repeated, so a constant column of a
    large table costs no memory or copying.
    """
    return _str_series(_repeated_chunks(value, n))


def _gather_fixed_width(buffer: bytes, positions: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes at each of ``positions`` in ``buffer``, packed end to end (one record per position).

    Copies whole 8/4/2/1-byte words through unaligned strided views, which is
    several times faster than a byte-wise fancy index.
    """
    pieces: list[tuple[str, np.dtype, int]] = []
    offset = 0
    for size, dtype in ((8, np.uint64), (4, np.uint32), (2, np.uint16), (1, np.uint8)):
        while width - offset >= size:
            pieces.append((f"w{offset}", np.dtype(dtype), offset))
            offset += size
    record = np.dtype({"names": [p[0] for p in pieces], "formats": [p[1] for p in pieces],
                       "offsets": [p[2] for p in pieces], "itemsize": width})  # fmt: skip
    out = np.empty(len(positions), dtype=record)
    for name, dtype, offset in pieces:
        view = np.ndarray(shape=(len(buffer) - dtype.itemsize + 1,), dtype=dtype, buffer=buffer, strides=(1,))
        out[name] = view[positions + offset]
    return out.view(np.uint8)


def _cast_padded_prices(fields: pa.Array) -> np.ndarray | None:
    """Space-padded price strings to float64 as :func:`_prices` casts them; ``None`` when one does not parse.

    Only leading blanks are removed: when the cast then succeeds (a number
    holds no whitespace) the value is the one the careful path's Unicode trim
    of both ends gives, at half the cost. Other padding (tabs, trailing
    blanks) returns ``None`` and is left to the CSV readers.
    """
    try:
        values = pc.cast(pc.ascii_ltrim(fields, " "), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)


def _differs_from_template(blocks: np.ndarray, first: np.ndarray, fixed: np.ndarray, step: int = 16) -> bool:
    """True when a row of ``blocks`` (2-D bytes) differs from ``first`` at a ``fixed`` column.

    Works ``step`` rows at a time into one reused buffer, which stays in the
    CPU cache (several times faster than one whole-array comparison).
    """
    scratch = np.empty((min(step, len(blocks)), blocks.shape[1]), dtype=bool)
    for r in range(0, len(blocks), step):
        part = blocks[r : r + step]
        out = scratch[: len(part)]
        np.not_equal(part, first, out=out)
        np.logical_and(out, fixed, out=out)
        if out.any():
            return True
    return False


_U64 = np.uint64
_ALL_BYTES = 0x0101010101010101
_SPACES = _U64(0x20 * _ALL_BYTES)
_ZEROS = _U64(0x30 * _ALL_BYTES)
_HIGH_BITS = _U64(0x80 * _ALL_BYTES)
_POW10 = 10.0 ** np.arange(8)  # exact in float64
_MAX_DECIMALS = 6  # the dot must leave room for an integer digit in an 8-byte word


def _decimal_words(words: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse right-aligned decimal numbers held as 8-byte little-endian words (each field's last 8 bytes).

    ``words`` (uint64, any shape) holds each field's last eight characters,
    first character in the lowest byte, with any bytes before the field set to
    blanks. A word is accepted (``ok``) when it reads ``[blanks][-]digits``
    followed, when ``decimals`` > 0, by ``.`` and exactly ``decimals`` digits.
    Accepted values are exact: the digits form an integer below 10^8 (exact in
    float64) divided by 10^decimals (exact), and one IEEE division of exact
    operands is correctly rounded, so the value equals ``float(text)`` and
    Arrow's cast (``-0`` included). Rejected words get an arbitrary value (the
    caller parses them otherwise). Returns ``(values float64, ok bool)``.
    """
    if not 0 <= decimals <= _MAX_DECIMALS:
        raise ValueError(f"decimals must be within 0..{_MAX_DECIMALS}, got {decimals}")
    x = np.asarray(words, dtype=np.uint64)
    q = 7 - decimals  # the byte of the dot; with no decimals, the last byte must be a digit
    if decimals:
        bad = (x & _U64(0xFF << 8 * q)) ^ _U64(0x2E << 8 * q)
        # Delete the dot: the bytes before it move up one byte and a blank enters at byte 0.
        z = (x & _U64((1 << 8 * q) - 1)) << _U64(8)
        z |= x & _U64(((1 << 64) - 1) ^ ((1 << 8 * (q + 1)) - 1))
        z |= _U64(0x20)
    else:
        bad = np.zeros(x.shape, dtype=np.uint64)
        z = x
    digits = z ^ _ZEROS  # digit characters become 0..9
    # High bit of each byte that is not a digit. A carry can only flag the byte after a byte >= 0x8A (itself
    # flagged), so a digit may be flagged (the word is then rejected) but a non-digit never passes.
    non_digit = digits + _U64(0x76 * _ALL_BYTES)
    non_digit |= digits
    non_digit &= _HIGH_BITS
    prefix = (non_digit >> _U64(7)) * _U64(0xFF)  # 0xFF for each non-digit byte
    bad |= prefix & (prefix + _U64(1))  # the non-digits must be a prefix (padding and sign) ...
    bad |= prefix >> _U64(8 * q)  # ... ending before the integer digit next to the dot (or the last byte)
    last = prefix ^ (prefix >> _U64(8))  # the prefix's last byte: the only place for a minus sign
    chars = z & prefix
    blanks = _SPACES & prefix
    positive = chars == blanks
    ok = positive | (chars == (blanks ^ (_U64(0x0D * _ALL_BYTES) & last)))  # " " ^ "-" == 0x0D
    ok &= bad == 0
    digits &= ~prefix
    # Eight digits (most significant in the lowest byte) to an integer, pairs then quads then octets.
    digits = (digits * _U64(10 * 256 + 1)) >> _U64(8)
    digits &= _U64(0x00FF00FF00FF00FF)
    digits = (digits * _U64(100 * 65536 + 1)) >> _U64(16)
    digits &= _U64(0x0000FFFF0000FFFF)
    digits = (digits * _U64(10000 * (1 << 32) + 1)) >> _U64(32)
    values = digits.astype(np.float64)
    if decimals:
        values /= _POW10[decimals]
    np.negative(values, out=values, where=~positive)
    return values, ok


def _byte_masks(widths: np.ndarray, skip: int) -> tuple[np.ndarray, np.ndarray]:
    """Per field: the uint64 mask of the bytes of an 8-byte word ending ``skip`` bytes before the field's end
    that lie inside the field (fields of ``widths`` bytes), and blanks for the other bytes."""
    inside = np.clip(widths - skip, 0, 8).astype(np.uint64)
    keep = np.where(inside >= 8, _U64((1 << 64) - 1), ~((_U64(1) << (_U64(8) * (_U64(8) - inside))) - _U64(1)))
    keep = np.where(inside == 0, _U64(0), keep).astype(np.uint64)
    return keep, ~keep & _SPACES


@dataclass(frozen=True)
class _Grid:
    """Geometry of a SCED CSV laid out as ``n_blocks`` like blocks of ``m`` lines (byte offsets within a block)."""

    n_blocks: int
    block_len: int
    starts: np.ndarray  # line starts within a block
    ends: np.ndarray  # line ends (the "\n") within a block
    widths: np.ndarray  # price field widths per line
    head_offsets: tuple[int, ...]  # 8-byte words of the line head (timestamp, flag) that vary between blocks
    fixed: np.ndarray  # bytes of a block that every block repeats


_PREFIX_LEN = 22  # "MM/DD/YYYY HH:MM:SS,F,"
_CHUNK_ROWS = 1 << 15  # rows per step of the grid scan (keeps its work arrays in the CPU cache)


def _first_block_len(data: bytes, start: int) -> int | None:
    """Bytes of the first block: the lines from ``start`` that begin with the first line's 22-byte head.

    Looks at a window that doubles until a line with another head (or the
    end of the data) is found; ``None`` when the data does not end with a line end.
    """
    prefix = np.frombuffer(data, dtype=np.uint8, count=_PREFIX_LEN, offset=start)
    window = 1 << 16
    while True:
        size = min(window, len(data) - start)
        chunk = np.frombuffer(data, dtype=np.uint8, count=size, offset=start)
        line_ends = np.flatnonzero(chunk == 10)
        next_start = line_ends + 1
        inside = next_start <= size - _PREFIX_LEN
        heads = chunk[next_start[inside][:, None] + np.arange(_PREFIX_LEN)[None, :]]
        differs = np.flatnonzero((heads != prefix).any(axis=1))
        if len(differs):
            return int(next_start[inside][differs[0]])
        if size == len(data) - start:
            # One block (a single SCED run), if the data ends with its last line's end.
            return size if size and chunk[-1] == 10 else None
        window *= 4


def _sced_grid(data: bytes, start: int) -> _Grid | None:
    """The block geometry of the data rows from byte ``start``, or ``None`` when the file is not laid out in blocks.

    Checks the first block's lines (three commas each, a non-empty price last)
    and every block's head (timestamp and flag at fixed places). That the
    blocks repeat the first one outside the heads and prices is checked by
    :func:`_sced_scan`.
    """
    size = len(data) - start
    if size < _PREFIX_LEN or data[start + 19] != 44 or data[start + 21] != 44:  # 44: ","
        return None
    block_len = _first_block_len(data, start)
    if block_len is None:
        return None
    if size % block_len:
        return None
    n_blocks = size // block_len
    blocks = np.frombuffer(data, dtype=np.uint8, offset=start).reshape(n_blocks, block_len)
    first = blocks[0]
    nl = np.flatnonzero(first == 10)
    starts = np.concatenate(([0], nl[:-1] + 1))
    commas = np.flatnonzero(first == 44)
    per_line = np.diff(np.searchsorted(commas, np.concatenate(([0], nl))))
    if (per_line != 3).any():
        return None
    last_comma = commas[np.searchsorted(commas, nl) - 1]
    widths = nl - last_comma - 1
    if (widths <= 0).any() or (nl - starts <= _PREFIX_LEN).any():
        return None
    heads = blocks[:, :_PREFIX_LEN]
    if (
        (heads[:, [19, 21]] != 44).any()  # the commas closing the timestamp and the flag ...
        or np.isin(heads[:, :19], (10, 44)).any()  # ... and no other comma or line end in a head
        or np.isin(heads[:, 20], (10, 44)).any()
        or not (first[starts[:, None] + np.arange(_PREFIX_LEN)[None, :]] == heads[0]).all()
    ):
        return None
    # Head bytes that differ between blocks (the time of day, usually) are checked line by line, eight
    # bytes at a time; the others (the date, usually) by the template compare.
    varying = np.flatnonzero((heads != heads[0]).any(axis=0))
    offsets: list[int] = []
    left = set(varying.tolist())
    while left:
        offset = min(min(left), _PREFIX_LEN - 8)
        offsets.append(offset)
        left -= set(range(offset, offset + 8))
    fixed = np.ones(block_len, dtype=bool)
    fixed[(starts[:, None] + varying[None, :]).ravel()] = False
    field_starts = np.concatenate(([0], np.cumsum(widths)[:-1]))
    fixed[np.repeat(last_comma + 1 - field_starts, widths) + np.arange(int(widths.sum()))] = False
    return _Grid(n_blocks, block_len, starts, nl, widths, tuple(offsets), fixed)


def _word_view(data: bytes, start: int, grid: _Grid) -> np.ndarray:
    """``view[r, i]``: the 8 bytes at offset ``i`` of block ``r`` as a little-endian uint64 (unaligned, no copy)."""
    return np.ndarray(
        shape=(grid.n_blocks, grid.block_len - 7), dtype="<u8", buffer=data, offset=start, strides=(grid.block_len, 1)
    )


def _price_decimals(data: bytes, start: int, grid: _Grid) -> int | None:
    """The usual number of decimals of the prices (digits after the ``.``) in the first block, which
    :func:`_decimal_words` then expects; ``None`` when it exceeds :data:`_MAX_DECIMALS`."""
    last8 = _word_view(data, start, grid)[0, grid.ends - 8]
    chars = last8.view(np.uint8).reshape(-1, 8)
    has_dot = (chars == 46).any(axis=1)
    decimals = np.where(has_dot, 7 - np.argmax(chars == 46, axis=1), 0)
    usual = int(np.argmax(np.bincount(decimals, minlength=8)))
    return usual if usual <= _MAX_DECIMALS else None


def _sced_scan(
    data: bytes, start: int, grid: _Grid, block_rank: np.ndarray, name_rank: np.ndarray
) -> np.ndarray | None:
    """Check that every block repeats the first (outside heads and prices) and read the prices, name-major.

    Works a few blocks at a time: the template compare, the check that each
    line repeats its block's timestamp and flag, and the price words parsed by
    :func:`_decimal_words`. Prices it does not accept are cast from their text
    as the careful path casts them. Returns the ``m * R`` prices ordered by
    ``name_rank`` (the line's place among the names) then ``block_rank`` (the
    run's place in time); ``None`` when the file is irregular or a price does
    not parse.
    """
    n_blocks, m = grid.n_blocks, len(grid.starts)
    blocks = np.frombuffer(data, dtype=np.uint8, offset=start).reshape(n_blocks, grid.block_len)
    first = blocks[0]
    words = _word_view(data, start, grid)
    max_width = int(grid.widths.max())
    decimals = _price_decimals(data, start, grid) if max_width <= 16 else None
    in_order = _is_identity(block_rank) and _is_identity(name_rank)
    out = np.empty((m, n_blocks), dtype=np.float64)  # name-major: out[name_rank[j], block_rank[r]]
    rejected: list[np.ndarray] = []
    n_rejected = 0
    hi_at, lo_at = grid.ends - 8, grid.ends - 16
    hi_keep, hi_fill = _byte_masks(grid.widths, 0)
    lo_keep, _ = _byte_masks(grid.widths, 8)
    lo_blank = lo_keep & _SPACES
    narrow = bool((grid.widths < 8).any())
    head_at = [grid.starts + offset for offset in grid.head_offsets]
    step = max(1, _CHUNK_ROWS // m)
    for b0 in range(0, n_blocks, step):
        b1 = min(b0 + step, n_blocks)
        part = words[b0:b1]
        if _differs_from_template(blocks[b0:b1], first, grid.fixed):
            return None
        for at in head_at:
            head = part[:, at]
            if (head != head[:, :1]).any():
                return None
        if decimals is None:
            continue
        hi = part[:, hi_at]
        if narrow:
            hi &= hi_keep
            hi |= hi_fill
        values, ok = _decimal_words(hi, decimals)
        if max_width > 8:
            lo = part[:, lo_at]
            lo &= lo_keep
            ok &= lo == lo_blank
        if in_order:
            out[:, b0:b1] = values.T
        else:
            out[name_rank[None, :], block_rank[b0:b1, None]] = values
        if not ok.all():
            bad = np.flatnonzero(~ok.reshape(-1))
            n_rejected += len(bad)
            if n_rejected > max(64, n_blocks * m // 64):
                decimals = None  # not the layout the word parser expects: cast every price instead
                continue
            rejected.append(bad + b0 * m)
    if decimals is None:
        prices = _cast_grid_prices(data, start, grid)
        if prices is None:
            return None
        out[name_rank[None, :], block_rank[:, None]] = prices
        return out.reshape(-1)
    if rejected:
        flat = np.concatenate(rejected)
        r, j = np.divmod(flat, m)
        ends = start + r * grid.block_len + grid.ends[j]
        texts = [data[e - w : e] for e, w in zip(ends.tolist(), grid.widths[j].tolist())]
        try:
            fields = pa.array(texts, type=pa.large_binary()).cast(pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        cast = _cast_padded_prices(fields)
        if cast is None:
            return None
        out[name_rank[j], block_rank[r]] = cast
    return out.reshape(-1)


def _cast_grid_prices(data: bytes, start: int, grid: _Grid) -> np.ndarray | None:
    """Every price field gathered into one Arrow string array and cast as the careful path casts it, ``(R, m)``."""
    n_blocks, m = grid.n_blocks, len(grid.starts)
    widths = grid.widths
    line_starts = (np.arange(n_blocks, dtype=np.int64) * grid.block_len)[:, None]
    if (widths == widths[0]).all():  # fixed-width prices (ERCOT pads them): gather whole words per field
        first_byte = (line_starts + (grid.ends - widths)[None, :]).ravel()
        field_bytes = _gather_fixed_width(data, first_byte + start, int(widths[0]))
        offsets = np.arange(n_blocks * m + 1, dtype=np.int64) * int(widths[0])
    else:
        blocks = np.frombuffer(data, dtype=np.uint8, offset=start).reshape(n_blocks, grid.block_len)
        field_starts = np.concatenate(([0], np.cumsum(widths)[:-1]))
        price_cols = np.repeat(grid.ends - widths - field_starts, widths) + np.arange(int(widths.sum()))
        field_bytes = np.ascontiguousarray(blocks[:, price_cols])
        offsets = np.empty(n_blocks * m + 1, dtype=np.int64)
        block_offsets = np.arange(n_blocks, dtype=np.int64) * int(widths.sum())
        offsets[:-1] = (block_offsets[:, None] + field_starts[None, :]).ravel()
        offsets[-1] = field_bytes.size
    fields = pa.LargeStringArray.from_buffers(n_blocks * m, pa.py_buffer(offsets), pa.py_buffer(field_bytes))
    price = _cast_padded_prices(fields)
    return None if price is None else price.reshape(n_blocks, m)


def _runs_of_strings(values: Sequence[str], repeat: int) -> pa.ChunkedArray:
    """``values`` each repeated ``repeat`` times, as large_string chunks sliced from the cached constant chunks.

    Equal neighbours share one run, so a column of a few distinct values
    (location types in name order) costs no string data at all.
    """
    parts: list[pa.Array] = []
    i = 0
    while i < len(values):
        j = i + 1
        while j < len(values) and values[j] == values[i]:
            j += 1
        n = (j - i) * repeat
        chunk = _constant_chunk(values[i])
        parts.extend([chunk] * (n // _CONSTANT_CHUNK))
        if n % _CONSTANT_CHUNK:
            parts.append(chunk.slice(0, n % _CONSTANT_CHUNK))
        i = j
    return pa.chunked_array(parts, type=pa.large_string())


def _each_repeated(values: Sequence[str], repeat: int) -> pa.LargeStringArray:
    """``values`` (name-major) each repeated ``repeat`` times as one large_string array, built without a take."""
    encoded = [v.encode("utf-8") for v in values]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    block_ends = np.cumsum(lengths * repeat)
    n = len(encoded) * repeat
    offsets = np.empty(n + 1, dtype=np.int64)
    body = offsets[:-1].reshape(len(encoded), repeat)
    np.multiply.outer(lengths, np.arange(repeat, dtype=np.int64), out=body)
    body += (block_ends - lengths * repeat)[:, None]
    total = int(block_ends[-1]) if len(encoded) else 0
    offsets[-1] = total
    payload = np.empty(total, dtype=np.uint8)
    view = memoryview(payload)
    at = 0
    for b in encoded:  # one copy of each value's run: much faster than joining the runs
        size = len(b) * repeat
        view[at : at + size] = b * repeat
        at += size
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(payload))


def _is_identity(order: np.ndarray) -> bool:
    return bool((order == np.arange(len(order))).all())


_CSV_SPECIAL = np.frombuffer(b'"\r', dtype=np.uint8)
_FLAG_BYTES = np.frombuffer(b"YNyn", dtype=np.uint8)
_SECOND_PASS_BYTES = np.frombuffer(b"Yy", dtype=np.uint8)
_SCED_TIME_FORMAT = "%m/%d/%Y %H:%M:%S"


@functools.lru_cache(maxsize=16)
def _location_types(names: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`hayeknet.ercot.locations.type_from_name` of ``names``, remembered (every day lists the same points)."""
    return tuple(locations.type_from_name(pd.Series(names, dtype="str")).tolist())


def _sced_blocks(spec: ReportSpec, data: bytes, start: int) -> pd.DataFrame | None:
    """The table of one NP6-788-CD CSV laid out as ERCOT writes it (data rows from byte ``start``); else ``None``.

    ``data`` is the file's bytes (or a memory map of it). ERCOT's day of SCED
    runs is ``R`` blocks (one per run) that list the same settlement points
    in the same order and spelling, with fixed-width timestamp and flag fields
    and the price as the last field. When every block has the same byte length
    and, outside the timestamp, flag and price bytes, the same bytes as the
    first block, the file is a ``R x m`` grid (:func:`_sced_grid`,
    :func:`_sced_scan`): names are read once from the first block, timestamps
    once per block, and prices straight from the bytes by
    :func:`_decimal_words`. The table is then a transpose of the grid.
    Anything else returns ``None``.
    """
    if spec.columns != ("SCEDTimestamp", spec.flag_column, spec.location_column, spec.price_column):
        return None
    grid = _sced_grid(data, start)
    if grid is None:
        return None
    n_blocks, m = grid.n_blocks, len(grid.starts)
    blocks = np.frombuffer(data, dtype=np.uint8, offset=start).reshape(n_blocks, grid.block_len)
    heads = blocks[:, :_PREFIX_LEN]
    # Quoting or CR line ends are left to the CSV readers. Every other block repeats the first one outside
    # the heads and prices (checked by the scan), and a price with such a byte does not parse.
    if np.isin(blocks[0], _CSV_SPECIAL).any() or np.isin(heads, _CSV_SPECIAL).any() or (heads >= 128).any():
        return None

    # Timestamps and flags: once per block. A one-byte flag is valid as Y or N in either case, as the careful
    # path's strip and case fold accept it.
    flag = heads[:, 20]
    if not np.isin(flag, _FLAG_BYTES).all():
        return None
    second = np.isin(flag, _SECOND_PASS_BYTES)
    head_text = heads.tobytes().decode("ascii")
    stamps = pd.Series([head_text[i : i + 19] for i in range(0, len(head_text), _PREFIX_LEN)], dtype="str")
    try:
        naive = pd.to_datetime(stamps.str.strip(), format=_SCED_TIME_FORMAT, errors="coerce")
        instant = _localize_chicago(pd.DatetimeIndex(naive), second).as_unit("ns")  # as sced_timestamp_to_utc
    except (pd.errors.OutOfBoundsDatetime, OverflowError):  # a year beyond 2262: the careful path decides
        return None
    if instant.isna().any() or (second.any() and (second & ~is_second_pass(instant)).any()):
        return None
    block_start = instant.floor(f"{spec.interval_minutes}min").asi8
    block_order = np.argsort(block_start, kind="stable")
    sorted_start = block_start[block_order]
    if (np.diff(sorted_start) == 0).any():  # two runs in one interval: the careful path deduplicates
        return None

    # Settlement points: read once from the first block.
    name_at = grid.starts + _PREFIX_LEN
    name_end = grid.ends - grid.widths - 1
    try:
        raw_names = [data[start + s : start + e].decode("utf-8") for s, e in zip(name_at.tolist(), name_end.tolist())]
    except UnicodeDecodeError:
        return None
    names = pd.Series(raw_names, dtype="str").str.strip()
    if (names == "").any() or names.duplicated().any():
        return None
    name_values = np.asarray(names.to_numpy(dtype=object), dtype=object)
    name_order = np.argsort(name_values, kind="stable")

    block_rank = np.empty(n_blocks, dtype=np.int64)
    block_rank[block_order] = np.arange(n_blocks)
    name_rank = np.empty(m, dtype=np.int64)
    name_rank[name_order] = np.arange(m)
    price = _sced_scan(data, start, grid, block_rank, name_rank)
    if price is None or not np.isfinite(price).all():
        return None

    n = n_blocks * m
    interval_start = np.tile(sorted_start, m)
    interval_end = interval_start + np.int64(spec.interval_minutes * 60 * 1_000_000_000)
    sorted_names = name_values[name_order].tolist()
    types = _location_types(tuple(sorted_names))
    timestamp = pa.timestamp("ns", tz="UTC")
    table = pa.table(
        {
            "interval_start_utc": pa.array(interval_start, type=timestamp),
            "interval_end_utc": pa.array(interval_end, type=timestamp),
            "market": _repeated_chunks(spec.market, n),
            "location": _each_repeated(sorted_names, n_blocks),
            "location_type": _runs_of_strings(types, n_blocks),
            "as_type": _repeated_chunks(None, n),
            "price": price,
            "report": _repeated_chunks(spec.report_id, n),
        }
    )
    return table.to_pandas(split_blocks=True)


def _sced_arrow(spec: ReportSpec, data: bytes, start: int) -> pd.DataFrame | None:
    """Parse and deduplicate the data rows of one plain NP6-788-CD CSV in Arrow; ``None`` to use the careful path.

    Reads the timestamp, flag and settlement point as dictionary columns and
    the price as float64 with one single-threaded Arrow CSV call, then does
    every check and conversion once per distinct value (288 timestamps,
    ~1,100 names) and maps it back by index. Any irregularity (a parse error,
    an empty field, a blank line, a bad flag or timestamp, a key repeated
    with two SCED runs in one interval) returns ``None``: the careful path
    then produces the exact result or the :class:`ReportFormatError` with
    file, row and field. The output equals the careful path's.
    """
    if spec.layout != "sced" or spec.type_column is not None or spec.location_column is None:
        return None
    if _NON_BLANK.search(data, start) is None:
        return None
    ts_col, flag_col, loc_col, price_col = "SCEDTimestamp", spec.flag_column, spec.location_column, spec.price_column
    if set(spec.columns) != {ts_col, flag_col, loc_col, price_col}:
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data).slice(start),
            read_options=pacsv.ReadOptions(column_names=list(spec.columns), use_threads=False),
            # A blank line is then a short row (an error), so rows are numbered as the careful path numbers them.
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={ts_col: _DICT, flag_col: _DICT, loc_col: _DICT, price_col: pa.float64()},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    n = table.num_rows
    table = table.unify_dictionaries()
    price_chunks = table.column(price_col)
    if price_chunks.null_count:
        return None
    price = np.asarray(price_chunks.to_numpy(), dtype=np.float64)
    if not np.isfinite(price).all():
        return None

    # Flags and timestamps: once per distinct (timestamp, flag).
    flag_idx, flag_values = _dictionary_parts(table.column(flag_col))
    folded = pd.Series(flag_values, dtype=object).astype("str").str.strip().str.upper()
    if not folded.isin(["Y", "N", "TRUE", "FALSE"]).all():
        return None
    flag_second = flags_to_second_pass(folded).astype(np.int64)
    ts_idx, ts_values = _dictionary_parts(table.column(ts_col))
    k = len(ts_values)
    combo = ts_idx * 2 + flag_second[flag_idx]
    present = np.flatnonzero(np.bincount(combo, minlength=2 * k))
    stamps = pd.Series(ts_values[present // 2], dtype=object).astype("str").str.strip()
    second_u = (present % 2).astype(bool)
    instant_u = sced_timestamp_to_utc(stamps, second_u)
    if instant_u.isna().any() or (second_u & ~is_second_pass(instant_u)).any():
        return None
    start_u = instant_u.floor(f"{spec.interval_minutes}min").asi8
    slot = np.full(2 * k, -1, dtype=np.int64)
    slot[present] = np.arange(len(present))
    combo_slot = slot[combo]

    # Settlement points: strip, type and rank once per distinct name.
    loc_idx, loc_values = _dictionary_parts(table.column(loc_col))
    stripped = pd.Series(loc_values, dtype=object).astype("str").str.strip()
    if (stripped == "").any():
        return None
    name_codes, names = pd.factorize(stripped)  # names: distinct stripped names
    names = np.asarray(names, dtype=object)
    name_rank = np.empty(len(names), dtype=np.int64)
    name_rank[np.argsort(names, kind="stable")] = np.arange(len(names))
    row_name = name_codes[loc_idx]

    # Key (location, interval start): unique keys are sorted by scattering rows into their key's slot.
    starts_distinct, start_rank_u = np.unique(start_u, return_inverse=True)
    n_starts = len(starts_distinct)
    key = name_rank[row_name] * n_starts + start_rank_u.reshape(-1)[combo_slot]
    pos = np.full(len(names) * n_starts, -1, dtype=np.int64)
    pos[key] = np.arange(n, dtype=np.int64)
    order = pos[pos >= 0]
    if len(order) != n:
        # A key repeated within the file (two SCED runs in one interval, or a duplicate row):
        # the careful path decides which publication wins.
        return None

    start = start_u[combo_slot[order]]
    step = np.int64(spec.interval_minutes * 60 * 1_000_000_000)
    location_codes = pa.array(row_name[order])
    name_strings = pa.array(names.tolist(), type=pa.large_string())
    types = pa.array(locations.type_from_name(pd.Series(names, dtype="str")).tolist(), type=pa.large_string())
    interval_start = pd.DatetimeIndex(start.view("datetime64[ns]"), dtype=_TS_DTYPE)
    interval_end = pd.DatetimeIndex((start + step).view("datetime64[ns]"), dtype=_TS_DTYPE)
    location = _str_series(name_strings.take(location_codes))
    location_type = _str_series(types.take(location_codes))
    market = _repeated_string(spec.market, n)
    report = _repeated_string(spec.report_id, n)
    as_type = _repeated_string(None, n)
    price = price[order]
    columns = {
        "interval_start_utc": interval_start,
        "interval_end_utc": interval_end,
        "market": market,
        "location": location,
        "location_type": location_type,
        "as_type": as_type,
        "price": price,
        "report": report,
    }
    return pd.DataFrame(columns, copy=False)


def _sced_fast(spec: ReportSpec, data: bytes, start: int) -> pd.DataFrame | None:
    """The table of one NP6-788-CD CSV by :func:`_sced_blocks`, else :func:`_sced_arrow`; ``None``: neither applies.

    ``data`` is the file's bytes and ``start`` the offset of its first data row.
    """
    if spec.layout != "sced" or spec.type_column is not None or spec.location_column is None:
        return None
    table = _sced_blocks(spec, data, start)
    return table if table is not None else _sced_arrow(spec, data, start)


_HEADER_MAX = 1 << 16  # bytes searched for the header line of a mapped file


def _map_plain_file(path: Path) -> mmap.mmap | None:
    """A read-only memory map of a plain (not zipped) file; ``None`` for a zip or a file that cannot be mapped.

    Mapping a day's CSV (~15 MB) costs almost nothing, whereas reading it
    copies it into freshly allocated memory, which costs several times the
    parse on machines where page faults are slow. The file must not be
    truncated while it is parsed (raw files are written once, atomically).
    """
    if path.suffix.lower() == ".zip":
        return None
    try:
        with open(path, "rb") as fh:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # unreadable, empty (cannot be mapped), or not a regular file
        return None
    if mapped[:2] == b"PK":
        mapped.close()
        return None
    return mapped


def _sced_fast_mapped(mapped: mmap.mmap, name: str) -> pd.DataFrame | None:
    """:func:`_sced_fast` of a mapped plain file; ``None`` for JSON, another report, or anything irregular.

    An unrecognised header raises :class:`ReportFormatError`, as the careful path would.
    """
    if _is_json(mapped[:64]):
        return None
    nl = mapped.find(b"\n", 0, _HEADER_MAX)
    if nl < 0:
        return None
    spec, start = _csv_start(mapped[: nl + 1], name)
    return _sced_fast(spec, mapped, start)


# --- public entry points -----------------------------------------------------------------------


def parse_file(path: str | Path) -> pd.DataFrame:
    """Parse one raw ERCOT file into the normalized price table.

    Exact duplicate rows are dropped; a key repeated with a different price
    keeps the later row. Raises :class:`ReportFormatError` (file, row, field).
    """
    path = Path(path)
    mapped = _map_plain_file(path)
    if mapped is not None:
        try:
            fast = _sced_fast_mapped(mapped, path.name)
        finally:
            with contextlib.suppress(BufferError):  # a view still held (e.g. by a traceback): unmapped when freed
                mapped.close()
    else:
        data = _payload(path)
        fast = None
        if not _is_json(data):
            spec, start = _csv_start(data, path.name)
            fast = _sced_fast(spec, data, start)
    if fast is not None:
        return fast
    raw = read_raw(path)
    return deduplicate(normalize(raw.spec, raw.frame))


@dataclass(frozen=True)
class ParseOutcome:
    """Result of parsing many files without stopping at the first bad one.

    ``table`` holds the rows of every good file (deduplicated), ``raw_files``
    the good files' :class:`RawFile` (report and row count), ``failures`` the
    error of each bad file by path.
    """

    table: pd.DataFrame
    raw_files: dict[Path, RawFile]
    failures: dict[Path, ReportFormatError]
    rows_before_dedup: int


def _parse_one_by_one(
    spec: ReportSpec,
    members: list[Path],
    raws: dict[Path, RawFile],
    bodies: dict[Path, bytes],
    failures: dict[Path, ReportFormatError],
) -> list[pd.DataFrame]:
    parts = []
    for p in members:
        try:
            frame = raws[p].frame if p not in bodies else _read_one_body(spec, p.name, bodies[p])
            parts.append(normalize(spec, frame))
            raws[p] = RawFile(p, spec, len(frame))
        except ReportFormatError as exc:
            failures[p] = exc if exc.file == p.name else ReportFormatError(p.name, exc.row, exc.field, exc.message)
            del raws[p]
    return parts


def parse_files_collecting(paths: Iterable[str | Path]) -> ParseOutcome:
    """Parse many files; a bad file is recorded in ``failures`` and the rest still parse.

    Files of one report are concatenated and normalized in one vectorized pass
    (a day of NP6-788-CD is 288 files); when that pass finds a defect, the
    offending file is set aside and the pass repeats without it.
    """
    raws: dict[Path, RawFile] = {}
    bodies: dict[Path, bytes] = {}
    failures: dict[Path, ReportFormatError] = {}
    for p in paths:
        p = Path(p)
        try:
            data = _payload(p)
            if _is_json(data):
                spec, frame = _json_frames(data, p.name)
                frame[_ROW] = np.arange(1, len(frame) + 1, dtype=np.int64)
                frame[_FILE] = p.name
                raws[p] = RawFile(p, spec, len(frame), frame)
            else:
                spec, body = _split_csv(data, p.name)
                raws[p] = RawFile(p, spec, _count_rows(body))
                bodies[p] = body
        except ReportFormatError as exc:
            failures[p] = exc
    by_name = {p.name: p for p in raws}
    parts: list[pd.DataFrame] = []
    specs = sorted({r.spec.report_id: r.spec for r in raws.values()}.values(), key=lambda s: s.report_id)
    for spec in specs:
        members = [p for p, r in raws.items() if r.spec is spec]
        while members:
            try:
                frames = [raws[p].frame for p in members if p not in bodies]
                csv_members = [p for p in members if p in bodies]
                if csv_members:
                    try:
                        frames.append(_read_bodies(spec, [(p.name, bodies[p], raws[p].n_rows) for p in csv_members]))
                    except _BlankLines:
                        for p in csv_members:
                            one = _read_one_body(spec, p.name, bodies[p])
                            raws[p] = RawFile(p, spec, len(one))
                            frames.append(one)
                parts.append(normalize(spec, pd.concat(frames, ignore_index=True)))
                break
            except ReportFormatError as exc:
                bad = by_name.get(exc.file)
                if bad is None or bad not in members:
                    # A defect the batch cannot attribute (e.g. undecodable bytes): parse one by one.
                    parts.extend(_parse_one_by_one(spec, members, raws, bodies, failures))
                    break
                failures[bad] = exc
                members.remove(bad)
                del raws[bad]
    table = pd.concat(parts, ignore_index=True) if parts else empty_table()
    n_before = len(table)
    return ParseOutcome(deduplicate(table), raws, failures, n_before)


def parse_files(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Parse and concatenate many raw files, keeping the latest publication of each key.

    Raises the first :class:`ReportFormatError` met (in the order of ``paths``).
    """
    paths = [Path(p) for p in paths]
    if len({p.name for p in paths}) != len(paths):
        # File names identify files in error messages; fall back to one-by-one parsing.
        tables = [read_raw(p) for p in paths]
        return deduplicate(pd.concat([normalize(r.spec, r.frame) for r in tables], ignore_index=True))
    outcome = parse_files_collecting(paths)
    if outcome.failures:
        first = min(outcome.failures, key=paths.index)
        raise outcome.failures[first]
    return outcome.table
