"""Split a multi-day raw file into one CSV per ERCOT operating day, in its daily report's columns.

The raw layout holds one operating day per folder (``data/raw/<report>/<day>/``,
ADR 0004), but ERCOT's yearly historical reports (NP6-785-ER, NP4-180-ER,
NP4-181-ER) hold a year, and a hand-made export may hold a few days of a
daily report. :func:`split_into_days` streams such a file (one workbook sheet
or block of CSV lines at a time) and writes, for each operating day
(America/Chicago, read from the rows' UTC intervals, not from file names),
one CSV in the *daily* report's exact MIS header
(``DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag``
for NP4-180-ER rows, etc.; ADR 0011). Each per-day file parses to exactly the
rows the whole file gives for that day (only the ``report`` column differs:
the per-day file is read as its daily report).

Every row is normalized (checked) before anything is written, so a file with
a bad row yields an error naming file, sheet, row and field and no day at
all. The output folder should be private and empty (the collector uses a
temporary spool and places each day atomically from it).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hayeknet.ercot.calendar import operating_day_of
from hayeknet.ercot.parse.historical import iter_chunks
from hayeknet.ercot.parse.raw import _ROW, _SHEET, _payload_member
from hayeknet.ercot.parse.table import normalize
from hayeknet.ercot.reports import ReportFormatError, ReportSpec, daily_spec

__all__ = ["DayFile", "DaySplit", "day_file_name", "split_into_days"]

_SUFFIXES = re.compile(r"(\.(zip|xlsx|csv|jsonl|json))+$", re.IGNORECASE)


def day_file_name(source_name: str, day: dt.date) -> str:
    """Name of ``day``'s file cut from ``source_name``: its stem, the day, ``.csv``.

    ``NP4-180-ER_DAMLZHBSPP_2016.zip`` -> ``NP4-180-ER_DAMLZHBSPP_2016.20160313.csv``.
    """
    stem = _SUFFIXES.sub("", Path(source_name).name) or "split"
    return f"{stem}.{day.strftime('%Y%m%d')}.csv"


@dataclass(frozen=True)
class DayFile:
    """One operating day cut from a multi-day file.

    ``path`` is the per-day CSV (in the spool), ``rows`` its data rows,
    ``source_rows`` the source file's data rows it came from (a wide AS row
    counts once), ``sheets`` the workbook sheets they were on (empty for CSV/JSON).
    """

    day: dt.date
    path: Path
    rows: int
    source_rows: int
    sheets: tuple[str, ...]


@dataclass(frozen=True)
class DaySplit:
    """A multi-day file split into operating days.

    ``source`` is the file, ``member`` the zip member read (``None`` when not
    zipped), ``source_report`` the file's report id, ``report`` the daily
    report of the per-day files, ``days`` the per-day files by operating day,
    ``blank_rows`` the rows without data skipped (blank, or a yearly
    workbook's footer with nothing after its first column).
    """

    source: Path
    member: str | None
    source_report: str
    report: str
    days: dict[dt.date, DayFile] = field(default_factory=dict)
    blank_rows: int = 0

    def file_name(self, day: dt.date) -> str:
        """Stored name of ``day``'s file (:func:`day_file_name` of the source's name)."""
        return day_file_name(self.source.name, day)


def _write_rows(path: Path, header: tuple[str, ...], frame: pd.DataFrame) -> None:
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if new:
            writer.writerow(header)
        writer.writerows(frame.itertuples(index=False, name=None))


def split_into_days(path: Path, out_dir: Path) -> DaySplit:
    """Split raw file ``path`` into per-operating-day CSVs under ``out_dir`` (``<YYYY-MM-DD>.csv``).

    Reads a workbook one sheet at a time and a CSV in blocks, so memory holds
    one chunk. Raises :class:`~hayeknet.ercot.reports.ReportFormatError`
    (file, sheet, row, field) for any defect; then ``out_dir`` may hold
    partial files and must be discarded.
    """
    path = Path(path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data, member = _payload_member(path)
    name = path.name
    spec: ReportSpec | None = None
    counts: dict[dt.date, list[int]] = {}
    sheets: dict[dt.date, list[str]] = {}
    blank = 0
    for chunk in iter_chunks(data, name):
        if spec is None:
            spec = chunk.spec
        elif chunk.spec is not spec:  # pragma: no cover - iter_chunks already refuses mixed workbooks
            raise ReportFormatError(name, None, None, "chunks of different reports in one file")
        blank += chunk.blank_rows
        frame = chunk.frame
        if frame.empty:
            continue
        table = normalize(spec, frame)  # checks every field; rows stay in the frame's order
        days = operating_day_of(table["interval_start_utc"])
        daily = daily_spec(spec)
        codes, uniques = pd.factorize(pd.Series(days))
        for k, day in enumerate(uniques):
            take = np.flatnonzero(codes == k)
            part = frame.iloc[take]
            _write_rows(out_dir / f"{day.isoformat()}.csv", daily.columns, part.loc[:, list(daily.columns)])
            n_source = int(pd.unique(part[_ROW].to_numpy()).size)
            c = counts.setdefault(day, [0, 0])
            c[0] += len(part)
            c[1] += n_source
            if chunk.sheet is not None:
                names = sheets.setdefault(day, [])
                for s in pd.unique(part[_SHEET].to_numpy()):
                    if s and s not in names:
                        names.append(str(s))
    if spec is None:
        raise ReportFormatError(name, None, None, "file holds no rows")
    result = DaySplit(path, member, spec.report_id, daily_spec(spec).report_id, blank_rows=blank)
    for day in sorted(counts):
        rows, source_rows = counts[day]
        result.days[day] = DayFile(
            day, out_dir / f"{day.isoformat()}.csv", rows, source_rows, tuple(sheets.get(day, ()))
        )
    return result
