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

Two readers give the same sheets. The fast one (:func:`_fast_sheets`) reads
each sheet's XML with one regular-expression pass over its bytes (shared
strings, inline strings, numbers, booleans, date-styled serials, formulas'
cached values), about twenty times faster than openpyxl's read-only mode (a
year of 15-minute prices is ~2 million cells); wherever the XML is not what
it understands (a cell without its ``r`` reference, an unknown cell type, a
count of cells that does not add up) it gives up on the whole workbook and
openpyxl (read-only, dimensions reset) reads it instead. Each sheet's rows
are yielded as a list, so memory holds one sheet at a time (plus the
workbook's bytes). Cell values are the workbook's; nothing is parsed as a
price or time here (see :mod:`hayeknet.ercot.parse.table`).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

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


def iter_sheets(data: bytes, file: str, fast: bool = True) -> Iterator[Sheet]:
    """The sheets of workbook ``data`` in workbook order, one at a time; empty sheets are skipped.

    A row with more non-empty cells than the header has raises
    :class:`ReportFormatError` naming ``file``, the sheet and the row. The
    fast reader is tried first; ``fast=False`` (or XML it does not
    understand) reads with openpyxl (read-only mode, each sheet's dimensions reset).
    """
    if fast:
        reader = _FastWorkbook.open(data)
        if reader is not None:
            for i, (name, part) in enumerate(reader.sheet_parts):
                rows = reader.rows(part)
                if rows is None:  # XML it does not understand: openpyxl reads this sheet and the rest
                    yield from _openpyxl_sheets(data, file, skip={n for n, _ in reader.sheet_parts[:i]})
                    return
                sheet = _sheet_from_rows(name, rows, file)
                if sheet is not None:
                    yield sheet
            return
    yield from _openpyxl_sheets(data, file)


def _openpyxl_sheets(data: bytes, file: str, skip: Iterable[str] = ()) -> Iterator[Sheet]:
    wb = _open(data, file)
    try:
        for ws in wb.worksheets:
            if str(ws.title) in set(skip):
                continue
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # ERCOT's workbooks carry no dimension record
            sheet = _sheet_from_rows(
                str(ws.title), (tuple(cell_text(v) for v in values) for values in ws.iter_rows(values_only=True)), file
            )
            if sheet is not None:
                yield sheet
    finally:
        wb.close()


def _open(data: bytes, file: str) -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        raise ReportFormatError(
            file, None, None, "reading xlsx workbooks needs openpyxl (pip install openpyxl)"
        ) from None
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


def _sheet_from_rows(name: str, texts: Iterable[tuple[str, ...]], file: str) -> Sheet | None:
    """A :class:`Sheet` from the texts of a sheet's rows, first to last (``None``: no header row)."""
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    blank = 0
    width = 0
    for cells in texts:
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


# --- the fast reader -----------------------------------------------------------------------------

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="([0-9]+)"')
_CELL_TAG = re.compile(rb"<c[\s/>]")
_ATTR = re.compile(rb'\s(r|s|t)="([^"]*)"')
_REF = re.compile(rb"([A-Z]{1,3})([0-9]+)$")
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_SIMPLE_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"(?: s="([0-9]+)")?(?: t="([a-z]+)")?\s*(?:/>|><v>([^<]*)</v></c>)'
)
"""A cell as ERCOT's report server (and openpyxl) writes it: reference, style, type, plain value."""
_TEXT = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>", re.S)


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _number(text: str) -> int | float:
    """A numeric cell's value as openpyxl gives it (int when written without a point or exponent)."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class _FastWorkbook:
    """The parts of an xlsx the fast reader needs: sheets in order, shared strings, date styles."""

    def __init__(
        self,
        zf: zipfile.ZipFile,
        sheet_parts: list[tuple[str, str]],
        strings: list[str],
        date_styles: set[int],
        epoch: dt.datetime,
    ) -> None:
        self.zf = zf
        self.sheet_parts = sheet_parts
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch

    @classmethod
    def open(cls, data: bytes) -> _FastWorkbook | None:
        """The workbook's layout, or ``None`` when it is not laid out as expected (openpyxl reads it then)."""
        try:
            from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
            from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

            zf = zipfile.ZipFile(io.BytesIO(data))
            names = {n.lower(): n for n in zf.namelist()}
            book = ET.fromstring(zf.read(names["xl/workbook.xml"]))
            rels = ET.fromstring(zf.read(names["xl/_rels/workbook.xml.rels"]))
            targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
            parts = []
            for sheet in book.iter(f"{_NS_MAIN}sheet"):
                target = targets[sheet.get(f"{_NS_REL}id")]
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                )
                if "worksheets/" not in path.lower():
                    continue  # a chart sheet
                parts.append((str(sheet.get("name")), names[path.lower()]))
            pr = book.find(f"{_NS_MAIN}workbookPr")
            date1904 = pr is not None and pr.get("date1904", "").lower() in {"1", "true"}
            strings: list[str] = []
            if "xl/sharedstrings.xml" in names:
                sst = ET.fromstring(zf.read(names["xl/sharedstrings.xml"]))
                for si in sst.iter(f"{_NS_MAIN}si"):
                    strings.append("".join(t.text or "" for t in si.iter(f"{_NS_MAIN}t") if not _in_phonetic(si, t)))
            date_styles: set[int] = set()
            if "xl/styles.xml" in names:
                styles = ET.fromstring(zf.read(names["xl/styles.xml"]))
                custom = {int(f.get("numFmtId", -1)): f.get("formatCode", "") for f in styles.iter(f"{_NS_MAIN}numFmt")}
                xfs = styles.find(f"{_NS_MAIN}cellXfs")
                for i, xf in enumerate(xfs if xfs is not None else []):
                    fmt_id = int(xf.get("numFmtId", 0))
                    code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, "General"))
                    if is_date_format(code):
                        date_styles.add(i)
            epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
            return cls(zf, parts, strings, date_styles, epoch)
        except (KeyError, ValueError, TypeError, ET.ParseError, zipfile.BadZipFile, ImportError):
            return None

    def _value(self, kind: bytes, style: int, inner: bytes) -> Any:
        if kind == b"inlineStr":
            return html.unescape(b"".join(_TEXT.findall(inner)).decode("utf-8"))
        m = _VALUE.search(inner)
        if m is None:
            return None
        text = html.unescape(m.group(1).decode("utf-8"))
        if kind in (b"", b"n"):
            if text == "":
                return None
            number = _number(text)
            if style in self.date_styles:
                from openpyxl.utils.datetime import from_excel

                return from_excel(number, self.epoch)
            return number
        if kind == b"s":
            return self.strings[int(text)]
        if kind in (b"str", b"e"):
            return text
        if kind == b"b":
            return bool(int(text))
        if kind == b"d":
            return dt.datetime.fromisoformat(text)
        raise ValueError(f"cell type {kind!r}")

    def rows(self, part: str) -> list[tuple[str, ...]] | None:
        """Texts of every row of ``part`` from row 1 to its last (missing rows empty); ``None``: not understood."""
        xml = self.zf.read(part)
        start = xml.find(b"<sheetData")
        if start < 0:
            return None
        body = xml[start:]
        n_tags = len(_CELL_TAG.findall(body))
        try:
            declared = [int(r) for r in _ROW_NUMBER.findall(body)]
            last = max(declared) if declared else 0  # empty rows at the end are rows too (openpyxl yields them)
            simple = _SIMPLE_CELL.findall(body)
            rows = self._simple_rows(simple) if len(simple) == n_tags else None  # all cells plain: one pass
            if rows is None:
                cells = self._general_cells(body, n_tags)
                if cells is None:
                    return None
                rows = _assemble(cells)
        except (ValueError, IndexError, OverflowError, UnicodeDecodeError, KeyError):
            return None
        rows.extend(() for _ in range(last - len(rows)))
        return rows

    def _simple_rows(self, found: list[tuple[bytes, ...]]) -> list[tuple[str, ...]] | None:
        """Rows of plain cells listed in row and column order (``None`` otherwise: the general path sorts)."""
        texts: dict[tuple[bytes, bytes, bytes], str] = {}
        columns: dict[bytes, int] = {}
        rows: list[tuple[str, ...]] = []
        cur_row = 0
        cur: list[str] = []
        for letters, row, style, kind, value in found:
            r = int(row)
            if r != cur_row:
                if r < cur_row:
                    return None
                if cur_row:
                    rows.append(tuple(cur))
                rows.extend(() for _ in range(r - cur_row - 1))
                cur_row, cur = r, []
            key = (kind, style, value)
            text = texts.get(key)
            if text is None:
                v = self._value(kind, int(style or b"0"), b"<v>" + value + b"</v>") if value else None
                text = texts[key] = cell_text(v)
            col = columns.get(letters)
            if col is None:
                col = columns[letters] = _column_index(letters)
            if col == len(cur):
                cur.append(text)
            elif col > len(cur):
                cur.extend([""] * (col - len(cur)))
                cur.append(text)
            else:
                return None
        if cur_row:
            rows.append(tuple(cur))
        return rows

    def _general_cells(self, body: bytes, n_tags: int) -> list[tuple[int, int, str]] | None:
        out = []
        n_cells = 0
        for m in _CELL.finditer(body):
            attrs = dict(_ATTR.findall(m.group(1)))
            ref = _REF.match(attrs.get(b"r", b""))
            if ref is None:
                return None
            value = self._value(attrs.get(b"t", b""), int(attrs.get(b"s", b"0") or 0), m.group(2) or b"")
            text = cell_text(value)
            if text:
                out.append((int(ref.group(2)), _column_index(ref.group(1)), text))
            n_cells += 1
        if n_cells != n_tags:
            return None  # a cell the pattern missed
        return out


def _assemble(cells: list[tuple[int, int, str]]) -> list[tuple[str, ...]]:
    """Rows 1..last of (row, column, text) cells; a row without cells is empty, a gap in a row ``""``."""
    if not cells:
        return []
    rows: dict[int, dict[int, str]] = {}
    for r, c, text in cells:
        rows.setdefault(r, {})[c] = text
    out: list[tuple[str, ...]] = []
    for r in range(1, max(rows) + 1):
        row = rows.get(r)
        if not row:
            out.append(())
        elif len(row) == max(row) + 1:
            out.append(tuple(row[c] for c in range(len(row))))
        else:
            out.append(tuple(row.get(c, "") for c in range(max(row) + 1)))
    return out


def _in_phonetic(si: ET.Element, t: ET.Element) -> bool:
    """True for a ``<t>`` inside a phonetic run (``<rPh>``), which is not part of the string."""
    return any(x is t for rph in si.iter(f"{_NS_MAIN}rPh") for x in rph.iter())
