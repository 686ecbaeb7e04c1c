"""Parse raw ERCOT files into the normalized price table of ADR 0001.

One parsing path serves real and synthetic data: a file is an MIS CSV (plain
or as the single CSV inside ERCOT's zip), a public-API JSON response (one
response per file, or JSON Lines of responses), or one of ERCOT's yearly
historical reports (NP6-785-ER and NP4-180-ER: xlsx of monthly sheets in a
zip; NP4-181-ER: CSV in a zip; or any of them saved as CSV). The report is
recognised from the header. Every defect raises :class:`ReportFormatError` naming the file,
the 1-based data row and the field.

Submodules, each importing only those listed before it:

* :mod:`~hayeknet.ercot.parse.raw` - a raw payload (zip, CSV, API JSON bytes)
  -> report spec and string frame: :func:`read_raw`, :class:`RawFile`.
* :mod:`~hayeknet.ercot.parse.table` - the table's contract (:data:`COLUMNS`,
  :data:`KEY_COLUMNS`, :data:`SORT_COLUMNS`, :func:`empty_table`; UTC
  intervals) and the careful path: :func:`normalize` (every field checked,
  America/Chicago labels to UTC) and :func:`deduplicate`.
* :mod:`~hayeknet.ercot.parse.sced_grid` - the byte-grid reader of one
  NP6-788-CD CSV laid out as ERCOT writes it (exact fixed-width price parser).
* :mod:`~hayeknet.ercot.parse.sced_fast` - the fast path for one NP6-788-CD
  CSV: memory map, the byte-grid reader, else an Arrow reader; ``None`` leaves
  the file to the careful path.
* :mod:`~hayeknet.ercot.parse.files` - the entry points :func:`parse_file`,
  :func:`parse_files` and :func:`parse_files_collecting` (:class:`ParseOutcome`).
* :mod:`~hayeknet.ercot.parse.workbook` - an xlsx workbook's sheets as rows of
  text, one sheet at a time (a fast XML reader, openpyxl as the fallback).
* :mod:`~hayeknet.ercot.parse.historical` - a yearly historical report's rows
  (workbook or CSV) in its daily report's columns, chunk by chunk
  (``read_raw`` calls it for such files).
* :mod:`~hayeknet.ercot.parse.days` - :func:`~hayeknet.ercot.parse.days.split_into_days`:
  a multi-day file cut into per-operating-day CSVs of its daily report (ADR 0011).
* :mod:`~hayeknet.ercot.parse.settlement_points` - ERCOT's settlement point /
  electrical bus mapping NP4-160-SG (reference data, not prices) read into a
  :class:`~hayeknet.ercot.parse.settlement_points.SettlementPointMap` (ADR 0013);
  import it from its module.

The public names are re-exported here: import them from ``hayeknet.ercot.parse``.
"""

from __future__ import annotations

from hayeknet.ercot.parse.files import ParseOutcome, parse_file, parse_files, parse_files_collecting
from hayeknet.ercot.parse.raw import RawFile, read_raw
from hayeknet.ercot.parse.table import COLUMNS, KEY_COLUMNS, SORT_COLUMNS, deduplicate, empty_table, normalize
from hayeknet.ercot.reports import ReportFormatError

__all__ = [
    "COLUMNS",
    "KEY_COLUMNS",
    "SORT_COLUMNS",
    "ParseOutcome",
    "RawFile",
    "ReportFormatError",
    "deduplicate",
    "empty_table",
    "normalize",
    "parse_file",
    "parse_files",
    "parse_files_collecting",
    "read_raw",
]
