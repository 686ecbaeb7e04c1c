"""ERCOT's yearly historical reports built in their exact published layout, for tests (no real data copied).

Imported by name by the tests in ``tests/ercot`` (pytest puts this folder on
``sys.path``) and by ``tests/fixtures/recorded/build_recordings.py``.

:func:`workbook_bytes` writes an xlsx the way ERCOT's report server does (see
the 2016 NP4-180-ER workbook in ``shared/real``): ``xl/worksheets/SheetN.xml``
parts, *no dimension record* (``<dimension ref="A1" />``, so openpyxl's
read-only mode sees one row unless dimensions are reset), text in the shared
string table, prices as numbers styled ``#,##0.00`` (``#,##0`` when whole),
and, where asked, ``Delivery Date`` as an Excel date serial (the yearly RTM
workbooks mix text and date cells across sheets). The row builders give the
labels of real operating days (America/Chicago; 23/25-hour DST days; the
repeated hour's second pass flagged ``Y``) with made-up prices.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

import numpy as np

from hayeknet.ercot.calendar import interval_starts_utc, utc_to_hour_ending

NP6_785_HEADER = (
    "Delivery Date",
    "Delivery Hour",
    "Delivery Interval",
    "Repeated Hour Flag",
    "Settlement Point Name",
    "Settlement Point Type",
    "Settlement Point Price",
)
NP4_180_HEADER = ("Delivery Date", "Hour Ending", "Repeated Hour Flag", "Settlement Point", "Settlement Point Price")
NP4_181_HEADER = ("Delivery Date", "Hour Ending", "Repeated Hour Flag", "REGDN", "REGUP ", "RRS", "NSPIN")
"""ERCOT's header of NP4-181-ER, trailing space in ``REGUP `` included."""

RTM_POINTS = (
    ("HB_BUSAVG", "SH"),
    ("HB_HOUSTON", "HU"),
    ("HB_HUBAVG", "AH"),
    ("HB_NORTH", "HU"),
    ("LZ_HOUSTON", "LZ"),
    ("LZ_HOUSTON", "LZEW"),
    ("LZ_NORTH", "LZ"),
)
"""Settlement points of NP6-785-ER with their types (a load zone appears as LZ and LZEW, as in ERCOT's files)."""
DAM_POINTS = ("HB_BUSAVG", "HB_HOUSTON", "HB_HUBAVG", "HB_NORTH", "LZ_HOUSTON", "LZ_NORTH")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>'
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00" />'
    '<numFmt numFmtId="165" formatCode="#,##0" /></numFmts><fonts count="1"><font><sz val="10.0"/>'
    '<name val="Tahoma" /></font></fonts><fills count="2"><fill><patternFill patternType="none" /></fill>'
    '<fill><patternFill patternType="gray125" /></fill></fills><borders count="1"><border><left/><right/><top/>'
    '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" />'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" />'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" />'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" />'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" /></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_TEXT, _PRICE, _WHOLE, _DATE = 1, 2, 3, 4  # cellXfs indices above
_EXCEL_EPOCH = dt.date(1899, 12, 30)

Cell = str | float | int | dt.date | None


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Cell]]]]) -> bytes:
    """An xlsx in ERCOT's layout: ``sheets`` are (name, header, rows); a ``dt.date`` cell is an Excel date,
    a number a styled number, ``None`` an absent cell, an all-``None`` row a blank row."""
    strings: dict[str, int] = {}

    def sst(text: str) -> int:
        return strings.setdefault(text, len(strings))

    parts: dict[str, str] = {}
    for n, (_, header, rows) in enumerate(sheets, start=1):
        out = [f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"> <dimension ref="A1" /><sheetData>']
        for r, values in enumerate([tuple(header), *rows], start=1):
            cells = []
            for c, v in enumerate(values):
                ref = f"{_col(c)}{r}"
                if v is None:
                    continue
                if isinstance(v, dt.date):
                    cells.append(f'<c r="{ref}" s="{_DATE}"><v>{(v - _EXCEL_EPOCH).days}</v></c>')
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    style = _WHOLE if float(v).is_integer() else _PRICE
                    cells.append(f'<c r="{ref}" s="{style}"><v>{v!r}</v></c>')
                else:
                    cells.append(f'<c r="{ref}" s="{_TEXT}" t="s"><v>{sst(str(v))}</v></c>')
            out.append(f'<row r="{r}" spans="1:{len(header)}" >{"".join(cells)}</row>')
        out.append("</sheetData></worksheet>")
        parts[f"xl/worksheets/Sheet{n}.xml"] = "".join(out)
    names = [s[0] for s in sheets]
    sheet_list = "".join(f'<sheet name="{escape(nm)}" sheetId="{i}" r:id="rId{i}"/>' for i, nm in enumerate(names, 1))
    parts["xl/workbook.xml"] = (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheet_list}</sheets></workbook>'
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/Sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    k = len(names)
    rels += (
        f'<Relationship Id="rId{k + 1}" Type="{_REL}/styles" Target="styles.xml" />'
        f'<Relationship Id="rId{k + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml" />'
    )
    parts["xl/_rels/workbook.xml.rels"] = f'{_XML}<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'
    parts["xl/styles.xml"] = _STYLES
    sst_xml = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    parts["xl/sharedStrings.xml"] = (
        f'{_XML}<sst xmlns="{_MAIN}" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}" xml:space="preserve">{sst_xml}</sst>'
    )
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/Sheet{i}.xml" ContentType="{ct}.worksheet+xml" />' for i in range(1, k + 1)
    )
    parts["[Content_Types].xml"] = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml" />'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />'
        '<Default Extension="xml" ContentType="application/xml" />'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml" />'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml" />{overrides}</Types>'
    )
    parts["_rels/.rels"] = (
        f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    return zip_bytes(parts)


def zip_bytes(members: dict[str, str | bytes]) -> bytes:
    """A deterministic zip (fixed timestamps) of ``members``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2017, 1, 1, 8, 0, 4))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data.encode() if isinstance(data, str) else data)
    return buf.getvalue()


def _labels(days: Sequence[dt.date], minutes: int) -> list[tuple[dt.date, int, int, str]]:
    """(operating day, hour ending, interval, flag) of every interval of ``days``, in time order."""
    out = []
    for day in days:
        lab = utc_to_hour_ending(interval_starts_utc(day, minutes), minutes)
        out.extend(
            zip(
                lab["date"],
                lab["hour_ending"].astype(int),
                lab["interval"].astype(int),
                np.where(lab["repeated"], "Y", "N"),
            )
        )
    return out


def _prices(n: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    raw = rng.gamma(2.0, 14.0, n) - 6.0  # mostly positive, some negative, two decimals
    raw[rng.random(n) < 0.02] *= 40.0  # the odd spike
    return [round(float(v), 2) for v in raw]


def mmddyyyy(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")


def np6_785_rows(days: Sequence[dt.date], seed: int = 1, excel_dates: bool = False) -> list[tuple[Cell, ...]]:
    """NP6-785-ER rows of ``days``: hours and intervals as numbers, dates as text (or Excel dates)."""
    labels = _labels(days, 15)
    prices = iter(_prices(len(labels) * len(RTM_POINTS), seed))
    return [
        (d if excel_dates else mmddyyyy(d), he, iv, flag, name, kind, next(prices))
        for d, he, iv, flag in labels
        for name, kind in RTM_POINTS
    ]


def np4_180_rows(days: Sequence[dt.date], seed: int = 2) -> list[tuple[Cell, ...]]:
    """NP4-180-ER rows of ``days`` (``Hour Ending`` as ``HH:00`` text)."""
    labels = _labels(days, 60)
    prices = iter(_prices(len(labels) * len(DAM_POINTS), seed))
    return [(mmddyyyy(d), f"{he:02d}:00", flag, p, next(prices)) for d, he, _, flag in labels for p in DAM_POINTS]


def np4_181_rows(days: Sequence[dt.date], seed: int = 3) -> list[tuple[Cell, ...]]:
    """NP4-181-ER rows of ``days``: REGDN, REGUP, RRS, NSPIN prices ($/MW per hour, non-negative)."""
    labels = _labels(days, 60)
    prices = iter(abs(v) for v in _prices(len(labels) * 4, seed))
    return [
        (mmddyyyy(d), f"{he:02d}:00", flag, next(prices), next(prices), next(prices), next(prices))
        for d, he, _, flag in labels
    ]


def by_month(rows: Sequence[tuple[Cell, ...]]) -> list[tuple[str, list[tuple[Cell, ...]]]]:
    """Rows grouped into ERCOT's monthly sheets ``Jan_1`` .. ``Dec_12`` (months present only)."""
    sheets: dict[int, list[tuple[Cell, ...]]] = {}
    for row in rows:
        first = row[0]
        month = first.month if isinstance(first, dt.date) else int(str(first)[:2])
        sheets.setdefault(month, []).append(row)
    return [(f"{MONTHS[m - 1]}_{m}", sheets[m]) for m in sorted(sheets)]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The rows as ERCOT's CSV (or a sheet saved as CSV): dates ``MM/DD/YYYY``, numbers as written."""

    def text(v: Cell) -> str:
        if v is None:
            return ""
        if isinstance(v, dt.date):
            return mmddyyyy(v)
        return str(v)

    return "\n".join([",".join(header), *(",".join(text(v) for v in r) for r in rows)]) + "\n"
