"""Stream the sheets of an ERCOT xlsx workbook as rows of strings, one sheet at a time.

ERCOT's yearly historical reports NP6-785-ER and NP4-180-ER are xlsx
workbooks (inside a zip) with one sheet per month (``Jan_1`` .. ``Dec_12``),
each starting with the report's header row. Their quirks, handled here:

* no dimension record (``<dimension ref="A1"/>``): openpyxl's read-only mode
  then sees one row per sheet unless the sheet's dimensions are reset
  (:func:`iter_sheets` always resets them);
* ``Delivery Date`` arrives as text (``01/01/2016``) in some sheets and as an
  Excel date in others; hours and intervals as text or numbers; prices as
  numbers. Every cell is turned into the text ERCOT's CSV reports would hold
  (:func:`cell_text`): dates ``MM/DD/YYYY``, whole numbers without ``.0``,
  other numbers in their shortest round-trip form (so the float read back is
  the cell's float exactly);
* a non-data row (all cells empty) is skipped and counted.

The workbook is opened read-only from its bytes (a yearly workbook is about
10-30 MB unzipped) and each sheet's rows are yielded as a list, so memory
holds one sheet at a time. Cell values are the workbook's; nothing is parsed
as a price or time here (see :mod:`hayeknet.ercot.parse.table`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from dataclasses import dataclass
from typing import Any, Iterator

from hayeknet.ercot.reports import ReportFormatError

__all__ = ["Sheet", "cell_text", "first_header", "is_workbook", "iter_sheets"]


def is_workbook(data: bytes) -> bool:
    """True when ``data`` is an xlsx workbook (a zip holding ``xl/workbook.xml``)."""
    if data[:2] != b"PK":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return any(n.lower() == "xl/workbook.xml" for n in zf.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        return False


def cell_text(value: Any) -> str:
    """The text of a cell as ERCOT's CSV reports write it (``None`` -> ``""``).

    Dates become ``MM/DD/YYYY`` (``MM/DD/YYYY HH:MM:SS`` with a time of day),
    times ``HH:MM``, whole numbers ``"7"``, other numbers their shortest
    round-trip decimal (``18.42``), booleans ``TRUE``/``FALSE``; text is kept
    as is (surrounding spaces included; the parser trims where ERCOT pads).
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.hour or value.minute or value.second:
            return value.strftime("%m/%d/%Y %H:%M:%S")
        return value.strftime("%m/%d/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its name, its header row and its data rows as text.

    ``rows`` holds ``(row, cells)`` pairs, ``row`` being the 1-based data row
    (the header is row 0; spreadsheet row ``row + 1``) and ``cells`` one text
    per header column. ``blank_rows`` counts the all-empty rows skipped.
    """

    name: str
    header: tuple[str, ...]
    rows: list[tuple[int, tuple[str, ...]]]
    blank_rows: int = 0


def iter_sheets(data: bytes, file: str) -> Iterator[Sheet]:
    """The sheets of workbook ``data`` in workbook order, one at a time; empty sheets are skipped.

    A row with more non-empty cells than the header has raises
    :class:`ReportFormatError` naming ``file``, the sheet and the row.
    Requires openpyxl (read-only mode; each sheet's dimensions are reset).
    """
    wb = _open(data, file)
    try:
        for ws in wb.worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # ERCOT's workbooks carry no dimension record
            sheet = _read_sheet(ws, file)
            if sheet is not None:
                yield sheet
    finally:
        wb.close()


def _open(data: bytes, file: str) -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        raise ReportFormatError(file, None, None, "reading xlsx workbooks needs openpyxl (pip install openpyxl)")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise ReportFormatError(file, None, None, f"not a readable xlsx workbook: {exc}") from None


def first_header(data: bytes, file: str) -> tuple[str, tuple[str, ...]]:
    """(sheet name, header cells) of the first sheet with a non-empty first row, reading nothing more."""
    wb = _open(data, file)
    try:
        for ws in wb.worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            for values in ws.iter_rows(min_row=1, max_row=1, values_only=True):
                cells = tuple(cell_text(v) for v in values)
                if any(c.strip() for c in cells):
                    return str(ws.title), cells
    finally:
        wb.close()
    raise ReportFormatError(file, None, None, "workbook holds no sheet with a header row")


def _read_sheet(ws: Any, file: str) -> Sheet | None:
    name = str(ws.title)
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    blank = 0
    width = 0
    for values in ws.iter_rows(values_only=True):
        cells = tuple(cell_text(v) for v in values)
        if header is None:
            if not any(c.strip() for c in cells):
                continue  # leading empty rows before the header
            header = cells
            while header and not header[-1].strip():
                header = header[:-1]
            width = len(header)
            continue
        if not any(c.strip() for c in cells):
            blank += 1
            continue
        if len(cells) > width:
            extra = cells[width:]
            if any(c.strip() for c in extra):
                raise ReportFormatError(
                    file, len(rows) + blank + 1, None,
                    f"row has {width + sum(1 for c in extra if c.strip())} fields, expected {width}", sheet=name,
                )  # fmt: skip
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + ("",) * (width - len(cells))
        rows.append((len(rows) + blank + 1, cells))
    if header is None:
        return None
    return Sheet(name, header, rows, blank)
