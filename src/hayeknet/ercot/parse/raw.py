"""Read a raw ERCOT file as strings and recognise its report: the first step of :mod:`hayeknet.ercot.parse`.

A file is an MIS CSV (plain or as the single CSV inside ERCOT's zip) or a
public-API JSON response (one response per file, or JSON Lines of responses);
the report is recognised from the header. :func:`read_raw` gives a
:class:`RawFile` whose frame holds the report's MIS columns as ``str`` (API
field names and ISO dates are mapped to the MIS ones) plus the bookkeeping
columns ``_file`` and ``_row`` (1-based data row). The batch readers
(:func:`_split_csv`, :func:`_read_bodies`) serve
:func:`~hayeknet.ercot.parse.files.parse_files_collecting`. Nothing is
converted here (see :mod:`hayeknet.ercot.parse.table`); an unreadable zip,
CSV or JSON, or a row with too many fields, raises :class:`ReportFormatError`
naming the file (and row).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hayeknet.ercot.reports import ReportFormatError, ReportSpec, api_column_map, detect_report

__all__ = ["RawFile", "read_raw"]

# Internal columns carried until deduplication (``_sheet``: the workbook sheet of a row, historical reports only).
_FILE, _ROW, _PUBLISHED, _RETRY, _ORDER = "_file", "_row", "_published_ns", "_retry", "_order"
_SHEET = "_sheet"

_MEMBER_SUFFIXES = (".csv", ".json", ".jsonl", ".xlsx")
MAX_HEADER_BYTES = 1 << 16
"""A CSV report's header line is under 1 KB; no line break within this many bytes means it is not one."""
"""What a zip may hold: exactly one CSV, JSON (Lines) or xlsx workbook (ERCOT's historical reports)."""


@dataclass(frozen=True)
class RawFile:
    """One raw file: its report, its number of data rows and (when read alone) its rows as strings.

    ``frame`` holds the report's MIS columns as ``str`` plus ``_row`` (1-based
    data row) and ``_file`` (the file's name); it is ``None`` when the file
    was read in a batch by :func:`~hayeknet.ercot.parse.files.parse_files_collecting`.
    """

    path: Path
    spec: ReportSpec
    n_rows: int
    frame: pd.DataFrame | None = None


def _payload(path: Path) -> bytes:
    """The bytes of the report: the file itself, or the single CSV/JSON/xlsx inside a zip."""
    return _payload_member(path)[0]


def _payload_member(path: Path) -> tuple[bytes, str | None]:
    """The bytes of the report and the name of the zip member they came from (``None``: not zipped).

    A plain xlsx workbook is itself a zip; it is returned whole (its bytes are the report).
    A plain file that is neither JSON nor a CSV with a header line in its first
    :data:`MAX_HEADER_BYTES` is refused before it is read whole (a 200 MB line is
    not a report, and reading it would cost its size several times over).
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(MAX_HEADER_BYTES + 3)
            if head[:2] != b"PK" and path.suffix.lower() != ".zip":
                _check_first_line(head, path.name, more=bool(fh.read(1)))
            fh.seek(0)
            data = fh.read()
    except OSError as exc:
        raise ReportFormatError(path.name, None, None, f"cannot read file: {exc.strerror or exc}") from None
    if not data:
        raise ReportFormatError(path.name, 0, "header", "file is empty (0 bytes: no header row)")
    if data[:2] == b"PK" or path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                if any(m.filename.lower() == "xl/workbook.xml" for m in members):
                    return data, None  # the file is a workbook
                wanted = [m for m in members if m.filename.lower().endswith(_MEMBER_SUFFIXES)]
                if len(wanted) != 1:
                    names = ", ".join(m.filename for m in members)[:200] or "nothing"
                    raise ReportFormatError(
                        path.name, None, None, f"zip must hold exactly one CSV, JSON or xlsx file, holds {names}"
                    )
                member = zf.read(wanted[0])
                if not _is_json(member[:64]) and member[:2] != b"PK":
                    _check_first_line(member[: MAX_HEADER_BYTES + 3], path.name, more=len(member) > MAX_HEADER_BYTES)
                return member, wanted[0].filename
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            if isinstance(exc, ReportFormatError):
                raise
            raise ReportFormatError(path.name, None, None, f"corrupt zip archive: {str(exc)[:200]}") from None
    return data, None


def _check_first_line(head: bytes, name: str, more: bool) -> None:
    """Refuse CSV bytes whose first line does not end within :data:`MAX_HEADER_BYTES` (JSON is exempt)."""
    if _is_json(head[:64]):
        return
    first = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    if more and head.find(b"\n", first, first + MAX_HEADER_BYTES) < 0:
        raise ReportFormatError(
            name,
            0,
            "header",
            f"no line break in the first {MAX_HEADER_BYTES} bytes: not a CSV report (its header line is under 1 KB)",
        )


def _csv_start(data: bytes, name: str) -> tuple[ReportSpec, int]:
    """Recognise the report from the header line; return it and the offset of the data rows in ``data``."""
    first = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    nl = data.find(b"\n", first, first + MAX_HEADER_BYTES)
    if nl < 0 and len(data) > first + MAX_HEADER_BYTES:
        raise ReportFormatError(
            name,
            0,
            "header",
            f"no line break in the first {MAX_HEADER_BYTES} bytes: not a CSV report (its header line is under 1 KB)",
        )
    header = data[first:] if nl < 0 else data[first:nl]
    header_text = header.decode("utf-8", errors="replace").strip()
    if not header_text:
        raise ReportFormatError(name, 0, "header", "file is empty (no header row)")
    return detect_report(header_text.split(","), name), (len(data) if nl < 0 else nl + 1)


def _first_line(data: bytes) -> bytes:
    """The first line of ``data`` (with its line break), or at most :data:`MAX_HEADER_BYTES` + 4 bytes of it."""
    nl = data.find(b"\n", 0, MAX_HEADER_BYTES + 3)
    return data[: nl + 1] if nl >= 0 else data[: MAX_HEADER_BYTES + 4]


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


def _read_bodies(
    spec: ReportSpec, items: Sequence[tuple[str, bytes, int]], columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read the data rows of several files of one report with one C-parser call.

    ``items`` are (file name, body bytes, row count); ``columns`` names the
    fields (default ``spec.columns``; a historical report's actual header).
    Adds ``_file`` and ``_row``. A row with too many fields raises
    :class:`ReportFormatError` naming its file and row.
    """
    columns = list(spec.columns if columns is None else columns)
    names = [n for n, _, _ in items]
    batch_name = names[0] if len(names) == 1 else "<batch of " + ", ".join(names[:3]) + ", ...>"
    counts = np.array([c for _, _, c in items], dtype=np.int64)
    joined = b"".join(b if (not b or b.endswith(b"\n")) else b + b"\n" for _, b, _ in items)
    try:
        frame = pd.read_csv(
            io.BytesIO(joined),
            header=None,
            names=columns,
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
            names[k], row, None, f"row has {match.group(2)} fields, expected {len(columns)}"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReportFormatError(batch_name, None, None, f"not a readable CSV: {exc}") from None
    if len(frame) != int(counts.sum()):
        raise _BlankLines()
    name_codes, distinct_names = pd.factorize(pd.Index(names))
    frame[_FILE] = pd.Categorical.from_codes(np.repeat(name_codes, counts), categories=distinct_names)
    frame[_ROW] = np.concatenate([np.arange(1, c + 1, dtype=np.int64) for c in counts]) if len(counts) else []
    return frame


def _read_one_body(spec: ReportSpec, name: str, body: bytes, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Data rows of one file; blank lines are dropped (rows are numbered without them)."""
    try:
        return _read_bodies(spec, [(name, body, _count_rows(body))], columns)
    except _BlankLines:
        clean = b"\n".join(ln for ln in body.split(b"\n") if ln.strip())
        return _read_bodies(spec, [(name, clean, _count_rows(clean))], columns)


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


def _is_historical_csv(data: bytes, name: str) -> bool:
    """A CSV whose header is a yearly historical report's (read by :mod:`hayeknet.ercot.parse.historical`)."""
    spec, _ = _csv_start(_first_line(data), name)
    return spec.is_historical


def needs_historical_reader(data: bytes, name: str) -> bool:
    """True for an xlsx workbook or a historical report's CSV.

    Such a file is read by :func:`hayeknet.ercot.parse.historical.read_frame`.
    """
    from hayeknet.ercot.parse.workbook import is_workbook

    if is_workbook(data):
        return True
    return not _is_json(data) and _is_historical_csv(data, name)


def peek_report(path: str | Path) -> ReportSpec:
    """The report of a raw file from its header alone (a workbook's first row, a CSV's first line).

    Raises :class:`ReportFormatError` like :func:`read_raw` for an unreadable file or unknown header.
    """
    from hayeknet.ercot.parse.workbook import first_header, is_workbook

    path = Path(path)
    data = _payload(path)
    if is_workbook(data):
        sheet, header = first_header(data, path.name)
        return detect_report(header, path.name, sheet=sheet)
    if _is_json(data):
        return _json_frames(data, path.name)[0]
    return _csv_start(_first_line(data), path.name)[0]


def read_raw(path: str | Path) -> RawFile:
    """Read a raw file (CSV, zip of one CSV, API JSON, or a historical report's xlsx/CSV) as strings,
    recognising its report.

    A yearly historical report (NP6-785-ER, NP4-180-ER, NP4-181-ER) comes back
    with its own spec and its rows converted to its daily report's columns
    (see :mod:`hayeknet.ercot.parse.historical`); ``n_rows`` counts its own data rows.
    """
    path = Path(path)
    name = path.name
    data = _payload(path)
    if needs_historical_reader(data, name):
        from hayeknet.ercot.parse.historical import read_frame

        spec, frame, n_rows = read_frame(data, name)
        return RawFile(path=path, spec=spec, n_rows=n_rows, frame=frame)
    if _is_json(data):
        spec, frame = _json_frames(data, name)
        frame[_ROW] = np.arange(1, len(frame) + 1, dtype=np.int64)
        frame[_FILE] = name
    else:
        spec, frame = _read_csv(data, name)
    return RawFile(path=path, spec=spec, n_rows=len(frame), frame=frame)
