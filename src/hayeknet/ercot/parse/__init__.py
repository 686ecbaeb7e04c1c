"""Parse raw ERCOT files into the normalized price table of ADR 0001.

One parsing path serves real and synthetic data: a file is an MIS CSV (plain
or as the single CSV inside ERCOT's zip) or a public-API JSON response (one
response per file, or JSON Lines of responses). The report is recognised from
the header. Every defect raises :class:`ReportFormatError` naming the file,
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
    "ReportFormatError",
    "RawFile",
    "ParseOutcome",
    "empty_table",
    "parse_file",
    "parse_files",
    "parse_files_collecting",
    "read_raw",
    "normalize",
    "deduplicate",
]
