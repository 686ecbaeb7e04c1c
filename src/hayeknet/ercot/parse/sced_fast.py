"""The fast path of :func:`~hayeknet.ercot.parse.files.parse_file` for one NP6-788-CD SCED CSV.

:func:`~hayeknet.ercot.parse.files.parse_file` of one NP6-788-CD CSV (a day is
~1,100 points x 288 SCED runs, ~15 MB) maps the file into memory
(:func:`_map_plain_file`, no copy) and first tries two fast readers that give
exactly the careful path's table (:mod:`hayeknet.ercot.parse.table`):
:func:`~hayeknet.ercot.parse.sced_grid._sced_blocks` checks that the file is
laid out as ERCOT writes it (every run lists the same points in the same
bytes) and reads it as an ``R x m`` grid, prices straight from their bytes by
an exact word parser, about 15 ms for a day on one core; else
:func:`_sced_arrow` reads it with Arrow's CSV reader and converts each distinct
label once. Either returns ``None`` on anything irregular (a defect, a repeated
key, quoting, blank lines), and the careful path then produces the table or the
error with file, row and field.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from hayeknet.ercot import locations
from hayeknet.ercot.calendar import flags_to_second_pass, is_second_pass, sced_timestamp_to_utc
from hayeknet.ercot.parse.raw import _csv_start, _is_json
from hayeknet.ercot.parse.sced_grid import FileBytes, _repeated_chunks, _sced_blocks
from hayeknet.ercot.parse.table import _TS_DTYPE
from hayeknet.ercot.reports import ReportSpec

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


def _repeated_string(value: str | None, n: int) -> pd.Series:
    """``value`` (``None``: NA) ``n`` times as a ``str`` Series equal to :func:`hayeknet.ercot.parse.table._constant`'s.

    The Arrow data is one cached chunk repeated, so a constant column of a
    large table costs no memory or copying.
    """
    return _str_series(_repeated_chunks(value, n))


def _sced_arrow(spec: ReportSpec, data: FileBytes, start: int) -> pd.DataFrame | None:
    """Parse and deduplicate the data rows of one plain NP6-788-CD CSV in Arrow; ``None`` to use the careful path.

    Reads the timestamp, flag and settlement point as dictionary columns and
    the price as float64 with one single-threaded Arrow CSV call, then does
    every check and conversion once per distinct value (288 timestamps,
    ~1,100 names) and maps it back by index. Any irregularity (a parse error,
    an empty field, a blank line, a bad flag or timestamp, a key repeated
    with two SCED runs in one interval) returns ``None``: the careful path
    then produces the exact result or the
    :class:`~hayeknet.ercot.reports.ReportFormatError` with file, row and field. The output equals the careful path's.
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

    start_ns = start_u[combo_slot[order]]
    step = np.int64(spec.interval_minutes * 60 * 1_000_000_000)
    location_codes = pa.array(row_name[order])
    name_strings = pa.array(names.tolist(), type=pa.large_string())
    types = pa.array(locations.type_from_name(pd.Series(names, dtype="str")).tolist(), type=pa.large_string())
    interval_start = pd.DatetimeIndex(start_ns.view("datetime64[ns]"), dtype=_TS_DTYPE)
    interval_end = pd.DatetimeIndex((start_ns + step).view("datetime64[ns]"), dtype=_TS_DTYPE)
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


def _sced_fast(spec: ReportSpec, data: FileBytes, start: int) -> pd.DataFrame | None:
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

    An unrecognised header raises :class:`~hayeknet.ercot.reports.ReportFormatError`, as the careful path would.
    """
    if _is_json(mapped[:64]):
        return None
    nl = mapped.find(b"\n", 0, _HEADER_MAX)
    if nl < 0:
        return None
    spec, start = _csv_start(mapped[: nl + 1], name)
    return _sced_fast(spec, mapped, start)
