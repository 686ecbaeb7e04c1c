"""Read ERCOT's yearly historical reports as rows of their daily equivalents.

=============  =========================================  ==================  ===============
report         content                                    as published        rows become
=============  =========================================  ==================  ===============
NP6-785-ER     15-min RTM hub and load-zone prices        zip of xlsx,        NP6-905-CD
                                                          monthly sheets
NP4-180-ER     hourly DAM hub and load-zone prices        zip of xlsx,        NP4-190-CD
                                                          monthly sheets
NP4-181-ER     hourly DAM AS clearing prices, one         zip of CSV          NP4-188-CD (one
               column per product (``REGUP `` with a                          row per product)
               trailing space)
=============  =========================================  ==================  ===============

The same columns saved as CSV (a sheet exported by hand) read the same way.
Labels are America/Chicago operating-day labels like the daily reports':
``Hour Ending`` 01:00..24:00 (NP4) or ``Delivery Hour`` 1..24 with
``Delivery Interval`` 1..4 (NP6); on the fall-back day hour ending 2 appears
twice, the second (standard-time) pass with ``Repeated Hour Flag`` ``Y``; the
spring-forward day has no hour ending 3 (local 02:00-03:00 does not exist).
:func:`hayeknet.ercot.parse.table.normalize` turns them into UTC intervals.

:func:`iter_chunks` streams a file as chunks (one per workbook sheet, or per
block of CSV lines) of string frames in the daily report's columns plus the
bookkeeping columns ``_file``, ``_row`` (the 1-based data row of the sheet or
file) and ``_sheet``, so memory holds one sheet at a time;
:func:`read_frame` concatenates them. A wide AS row becomes one row per
product, each keeping the source row's number; the product cells are checked
here (missing or not a number raises naming the product column), so every
later error still names the file, the sheet, the row and the historical
report's own field. A row with nothing after its first column (blank, or the
footer ERCOT appends to a yearly RTM workbook) holds no price and is skipped
and counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.ercot.parse.raw import (
    _FILE,
    _ROW,
    _SHEET,
    _count_rows,
    _csv_start,
    _is_json,
    _json_frames,
    _read_one_body,
)
from hayeknet.ercot.parse.workbook import Sheet, is_workbook, iter_sheets
from hayeknet.ercot.reports import (
    ReportFormatError,
    ReportSpec,
    as_product,
    clean_header,
    daily_spec,
    detect_report,
)

__all__ = ["CSV_CHUNK_ROWS", "Chunk", "iter_chunks", "read_frame", "to_daily_frame"]

CSV_CHUNK_ROWS = 200_000
"""Data rows of a CSV read at a time by :func:`iter_chunks` (bounds memory for a year of 15-minute prices)."""


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of one file in the daily report's columns.

    ``spec`` is the file's own report (historical or daily), ``sheet`` the
    workbook sheet (``None`` for CSV/JSON), ``frame`` the rows as strings in
    ``daily_spec(spec).columns`` plus ``_file``, ``_row``, ``_sheet``;
    ``source_rows`` counts the file's own data rows in the chunk (a wide AS
    row counts once) and ``blank_rows`` the rows without data skipped (empty,
    or a historical report's footer: nothing after its first column).
    """

    spec: ReportSpec
    sheet: str | None
    frame: pd.DataFrame
    source_rows: int
    blank_rows: int = 0


def _fail(file: str, sheet: str | None, row: int, field: str, message: str) -> ReportFormatError:
    return ReportFormatError(file, row, field, message, sheet=sheet)


def _wide_products(spec: ReportSpec, header: Sequence[str]) -> list[tuple[str, str]]:
    """(source column as written, product) of each AS column of a wide header."""
    return [(c, str(as_product(c))) for c in header[len(spec.columns) :]]


def _check_product_cells(values: pd.Series, rows: np.ndarray, file: str, sheet: str | None, column: str) -> None:
    text = values.astype("str").str.strip()
    empty = np.asarray(text == "")
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise _fail(file, sheet, int(rows[i]), column, "missing value (truncated or short row) (value '')")
    number = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(number)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _fail(file, sheet, int(rows[i]), column, f"price is not a number (value {values.iloc[i]!r})")


def to_daily_frame(
    spec: ReportSpec, header: Sequence[str], frame: pd.DataFrame, file: str, sheet: str | None
) -> pd.DataFrame:
    """Rows of ``spec`` (string columns named as ``header``, plus ``_row``) in ``daily_spec(spec)``'s columns.

    A daily report's rows pass through (reordered to its columns). A wide AS
    report's row becomes one row per product column, in header order, with
    ``AncillaryType`` the product and ``MCPC`` the cell.
    """
    daily = daily_spec(spec)
    rows = frame[_ROW].to_numpy()
    if not spec.is_historical:
        out = pd.DataFrame({c: frame[c].to_numpy() for c in daily.columns})
    else:
        n_keys = len(spec.columns)
        keys = {d: frame[header[i]].to_numpy() for i, d in enumerate(spec.daily_columns)}
        if not spec.wide_as:
            out = pd.DataFrame({c: keys[c] for c in daily.columns})
        else:
            products = _wide_products(spec, header)
            for column, _ in products:
                _check_product_cells(frame[column], rows, file, sheet, column)
            k = len(products)
            n = len(frame)
            values = np.empty((n, k), dtype=object)
            for j, (column, _) in enumerate(products):
                values[:, j] = frame[column].astype("str").to_numpy()
            names = np.array([p for _, p in products], dtype=object)
            assert n_keys == len(spec.daily_columns)
            long = {c: np.repeat(v, k) for c, v in keys.items()}
            long[daily.as_column or "AncillaryType"] = np.tile(names, n)
            long[daily.price_column] = values.reshape(-1)
            out = pd.DataFrame({c: long[c] for c in daily.columns})
            rows = np.repeat(rows, k)
    for c in daily.columns:
        out[c] = out[c].astype("str")
    out[_FILE] = file
    out[_ROW] = np.asarray(rows, dtype=np.int64)
    out[_SHEET] = sheet if sheet is not None else ""
    return out


def _header_fields(header: Sequence[str]) -> list[str]:
    """Unique frame column names for a header (cells as written; a repeated name gets ``#2``...)."""
    seen: dict[str, int] = {}
    out = []
    for c in header:
        seen[c] = seen.get(c, 0) + 1
        out.append(c if seen[c] == 1 else f"{c}#{seen[c]}")
    return out


def _sheet_chunk(sheet: Sheet, file: str) -> Chunk:
    spec = detect_report(sheet.header, file, sheet=sheet.name)
    header = list(clean_header(sheet.header))
    if not spec.is_historical and tuple(header) != spec.columns:
        header = list(spec.columns)  # an API-style or folded spelling of a daily header
    elif spec.is_historical and not spec.wide_as:
        header = header[: len(spec.columns)]
    fields = _header_fields(header)
    cells = [cells[: len(fields)] for _, cells in sheet.rows]
    frame = pd.DataFrame(cells, columns=fields, dtype=object) if cells else pd.DataFrame(columns=fields)
    frame[_ROW] = np.array([r for r, _ in sheet.rows], dtype=np.int64)
    footer = _non_data_rows(spec, fields, frame)
    if footer.any():
        frame = frame[~footer].reset_index(drop=True)
    _check_short_rows(spec, fields, frame, file, sheet.name)
    return Chunk(
        spec,
        sheet.name,
        to_daily_frame(spec, fields, frame, file, sheet.name),
        len(frame),
        sheet.blank_rows + int(footer.sum()),
    )


def _non_data_rows(spec: ReportSpec, fields: Sequence[str], frame: pd.DataFrame) -> np.ndarray:
    """Rows of a historical report with nothing after the first column: a footer ERCOT appends to the
    yearly RTM workbook (gridstatus drops one such row per year), or a blank row. They carry no price."""
    mask = np.ones(len(frame), dtype=bool)
    if not spec.is_historical or len(frame) == 0:
        return np.zeros(len(frame), dtype=bool)
    for field in fields[1:]:
        mask &= np.asarray(frame[field].isna() | (frame[field].astype("str").str.strip() == ""))
    return mask


def _check_short_rows(
    spec: ReportSpec, fields: Sequence[str], frame: pd.DataFrame, file: str, sheet: str | None
) -> None:
    """A historical row missing one of its key fields names that field (the daily names would mislead)."""
    if not spec.is_historical:
        return
    for i, field in enumerate(fields[: len(spec.columns)]):
        text = frame[field].astype("str").str.strip()
        empty = np.asarray(frame[field].isna() | (text == ""))
        if empty.any():
            k = int(np.flatnonzero(empty)[0])
            raise _fail(
                file,
                sheet,
                int(frame[_ROW].iloc[k]),
                spec.columns[i],
                "missing value (truncated or short row) (value '')",
            )


def _csv_chunks(data: bytes, file: str) -> Iterator[Chunk]:
    spec, start = _csv_start(data, file)
    nl = data.find(b"\n")
    header_line = data[3 if data.startswith(b"\xef\xbb\xbf") else 0 : nl if nl >= 0 else len(data)]
    raw_header = header_line.decode("utf-8", errors="replace").rstrip("\r").split(",")
    header = list(clean_header(raw_header))
    if spec.is_historical and not spec.wide_as:
        if len(header) != len(spec.columns):
            raise ReportFormatError(
                file,
                0,
                "header",
                f"header has {len(header)} fields, expected {len(spec.columns)} ({', '.join(spec.columns)})",
            )
    elif not spec.is_historical:
        header = list(spec.columns)
    fields = _header_fields(header)
    body = data[start:]
    offset = 0
    pos = 0
    while pos < len(body):
        end = pos
        for _ in range(CSV_CHUNK_ROWS):
            nxt = body.find(b"\n", end)
            if nxt < 0:
                end = len(body)
                break
            end = nxt + 1
        block = body[pos:end]
        pos = end
        frame = _read_one_body(spec, file, block, fields)
        if len(frame) == 0:
            continue
        frame[_ROW] = frame[_ROW].to_numpy() + offset
        offset += _count_rows(block)
        footer = _non_data_rows(spec, fields, frame)
        if footer.any():
            frame = frame[~footer].reset_index(drop=True)
        _check_short_rows(spec, fields, frame, file, None)
        yield Chunk(spec, None, to_daily_frame(spec, fields, frame, file, None), len(frame), int(footer.sum()))


def iter_chunks(data: bytes, file: str) -> Iterator[Chunk]:
    """The rows of a raw payload (workbook, CSV or API JSON), chunk by chunk, in the daily report's columns.

    ``data`` is the file's bytes (the zip member for a zipped report), ``file``
    its name for messages. Every sheet of a workbook must hold the same
    report. Raises :class:`ReportFormatError` naming file, sheet, row and field.
    """
    if is_workbook(data):
        first: ReportSpec | None = None
        for sheet in iter_sheets(data, file):
            chunk = _sheet_chunk(sheet, file)
            if first is not None and chunk.spec is not first:
                raise ReportFormatError(
                    file,
                    0,
                    "header",
                    f"sheet holds {chunk.spec.report_id}, the workbook's earlier sheets {first.report_id}",
                    sheet=sheet.name,
                )
            first = chunk.spec
            yield chunk
        if first is None:
            raise ReportFormatError(file, None, None, "workbook holds no sheet with a header row")
        return
    if _is_json(data):
        spec, frame = _json_frames(data, file)
        frame[_ROW] = np.arange(1, len(frame) + 1, dtype=np.int64)
        frame[_FILE] = file
        frame[_SHEET] = ""
        yield Chunk(spec, None, frame, len(frame))
        return
    yield from _csv_chunks(data, file)


def read_frame(data: bytes, file: str) -> tuple[ReportSpec, pd.DataFrame, int]:
    """The whole payload as one frame: (the file's report, rows in its daily report's columns, its data rows)."""
    chunks = list(iter_chunks(data, file))
    if not chunks:
        spec, _ = _csv_start(data, file)
        daily = daily_spec(spec)
        empty = pd.DataFrame({c: pd.Series([], dtype="str") for c in daily.columns})
        empty[_FILE] = pd.Series([], dtype="str")
        empty[_ROW] = pd.Series([], dtype="int64")
        empty[_SHEET] = pd.Series([], dtype="str")
        return spec, empty, 0
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    return chunks[0].spec, frame, sum(c.source_rows for c in chunks)
