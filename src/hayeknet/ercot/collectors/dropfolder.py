"""Drop-folder collector: raw ERCOT files put in a folder by hand (or by another tool).

Any supported raw file (MIS CSV, zip of one CSV, public-API JSON or JSON Lines,
and ERCOT's yearly historical reports: zip of an xlsx or CSV, the xlsx itself,
or a sheet saved as CSV) anywhere under the folder is recognised by content
(report from the header, operating day from the intervals). A file of one
operating day is copied as it is to ``<raw_root>/<report-dir>/<day>/<name>``.
A file spanning several days, and every historical report, is split into
operating days (:class:`~hayeknet.ercot.collectors.split.DaySplitter`): each
day becomes ``<raw_root>/<daily report>/<day>/<stem>.<YYYYMMDD>.csv`` in the
daily report's columns, with provenance naming the source file, its sha256
and sheets (ADR 0011). Unsupported file types and hidden files are ignored; a
supported file that cannot be read stops the collection with an error naming
file, sheet, row and field; a CSV of a report HayekNet does not read (e.g.
NP6-322-CD) is skipped and listed in :attr:`DropFolderCollector.skipped`.

ERCOT's settlement point / electrical bus mapping NP4-160-SG (its zip, or its
member CSVs, recognised by their headers) is reference data, not an operating
day: it is set aside (:meth:`DropFolderCollector.mapping_postings`) and placed
by :meth:`DropFolderCollector.collect_settlement_point_map`, unchanged, under
``<raw_root>/np4-160-sg/<posting day>/`` (ADR 0013).

An hourly wind or solar posting (NP4-732-CD, NP4-737-CD) is copied unchanged
into every day whose posting window holds its posting time (ADR 0014); it
adds no day of its own to :meth:`DropFolderCollector.days`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hayeknet.ercot.collectors.base import (
    CollectedFile,
    CollectorError,
    FileContent,
    classify_file,
    place_file,
)
from hayeknet.ercot.collectors.mapping import place_mapping_files
from hayeknet.ercot.collectors.split import DaySplitter
from hayeknet.ercot.generation.collect import PostingPeek, collect_dropfolder_postings, peek_posting
from hayeknet.ercot.parse.days import DaySplit
from hayeknet.ercot.parse.raw import peek_report
from hayeknet.ercot.parse.settlement_points import (
    SETTLEMENT_POINTS,
    detect_mapping,
    posting_stamp,
    zip_posting_stamp,
)
from hayeknet.ercot.reports import NP4_160, REPORTS_BY_ID, ReportFormatError

__all__ = ["SUPPORTED_SUFFIXES", "DropFolderCollector"]

SUPPORTED_SUFFIXES = (".csv", ".zip", ".json", ".jsonl", ".xlsx")
SOURCE = "files"


class DropFolderCollector:
    """Routes the files of a drop folder by report and day; remembers what it has read.

    Classification (and the split of a multi-day file) is cached per (path,
    size, mtime), so collecting many days from one folder reads each file
    once; the split days wait in a temporary spool until :meth:`close`.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise CollectorError(f"drop folder {self.folder} does not exist (set it with --drop-folder)")
        self._cache: dict[tuple[str, int, int], FileContent | None] = {}
        self._splits: dict[tuple[str, int, int], DaySplit] = {}
        self.splitter = DaySplitter()
        self.skipped: dict[Path, str] = {}
        """Files of a report HayekNet does not read (header matches none), with the reason."""
        self._mapping_kind: dict[tuple[str, int, int], str | None] = {}
        self.postings: dict[Path, PostingPeek] = {}
        """Hourly wind/solar postings (NP4-732-CD, NP4-737-CD): report and posting time (ADR 0014)."""

    def close(self) -> None:
        """Remove the spool of split days."""
        self.splitter.close()

    def candidates(self) -> list[Path]:
        """Supported, visible files under the folder, sorted."""
        out = []
        for p in sorted(self.folder.rglob("*")):
            rel = p.relative_to(self.folder)
            if any(part.startswith(".") for part in rel.parts) or not p.is_file():
                continue
            if p.name.lower().endswith(SUPPORTED_SUFFIXES):
                out.append(p)
        return out

    def _key(self, path: Path) -> tuple[str, int, int]:
        st = path.stat()
        return (str(path), st.st_size, st.st_mtime_ns)

    def content(self, path: Path) -> FileContent | None:
        """The file's report and days; ``None`` for a file of an unsupported report (kept in ``skipped``).

        For a file that is split (several days, or a historical report) the
        report is the daily report of its per-day files.
        """
        key = self._key(path)
        if self.mapping_kind(path) is not None:
            return None  # NP4-160-SG: reference data, placed by collect_settlement_point_map
        if key not in self._cache:
            try:
                posting = peek_posting(path)
                if posting is not None:  # placed by posting time, in every day whose window holds it
                    self.postings[path] = posting
                    self._cache[key] = None
                    return None
                if peek_report(path).is_historical:  # always split: its rows become the daily report's
                    content = self._split(path, key)
                else:
                    content = classify_file(path)
                    if len(content.days) > 1:
                        content = self._split(path, key)
                self._cache[key] = content
            except ReportFormatError as exc:
                if exc.row == 0 and exc.field == "header" and "matches no supported report" in exc.message:
                    self._cache[key] = None
                    self.skipped[path] = exc.message
                else:
                    raise CollectorError(f"drop folder file {path}: {exc}") from None
        return self._cache[key]

    def _split(self, path: Path, key: tuple[str, int, int]) -> FileContent:
        split = self.splitter.split(path, f"drop folder file {path.parent}")
        self._splits[key] = split
        rows = sum(d.rows for d in split.days.values())
        return FileContent(REPORTS_BY_ID[split.report], frozenset(split.days), rows)

    def mapping_kind(self, path: Path) -> str | None:
        """``"zip"`` or the table name when ``path`` is (part of) an NP4-160-SG posting, else ``None``."""
        key = self._key(path)
        if key not in self._mapping_kind:
            self._mapping_kind[key] = detect_mapping(path)
        return self._mapping_kind[key]

    def mapping_postings(self) -> list[tuple[dt.datetime, tuple[Path, ...]]]:
        """NP4-160-SG postings in the folder, oldest first: ``(posting stamp, files)``; a zip is one
        posting, loose member CSVs sharing a stamp another. A posting without a stamp cannot be dated: it
        is listed in :attr:`skipped`."""
        found: list[tuple[dt.datetime, tuple[Path, ...]]] = []
        loose: dict[dt.datetime | None, list[Path]] = {}
        for path in self.candidates():
            kind = self.mapping_kind(path)
            if kind == "zip":
                stamp = zip_posting_stamp(path)
                if stamp is None:
                    self.skipped[path] = "NP4-160-SG zip without a _MMDDYYYY_HHMMSS stamp in its member names"
                else:
                    found.append((stamp, (path,)))
            elif kind is not None:
                loose.setdefault(posting_stamp(path.name), []).append(path)
        for stamp, paths in loose.items():
            if stamp is None:
                for path in paths:
                    self.skipped[path] = "NP4-160-SG table without a _MMDDYYYY_HHMMSS stamp in its name"
            elif not any(self.mapping_kind(p) == SETTLEMENT_POINTS for p in paths):
                for path in paths:
                    self.skipped[path] = f"NP4-160-SG table without the Settlement_Points table of stamp {stamp}"
            else:
                found.append((stamp, tuple(paths)))
        return sorted(found)

    def collect_settlement_point_map(self, day: dt.date, raw_root: Path) -> list[CollectedFile]:
        """Place the newest NP4-160-SG posting of the folder posted on or before ``day``; raise when none is."""
        eligible = [(stamp, paths) for stamp, paths in self.mapping_postings() if stamp.date() <= day]
        if not eligible:
            raise CollectorError(
                f"drop folder {self.folder} holds no {NP4_160.report_id} posted on or before {day.isoformat()}"
            )
        _, paths = eligible[-1]
        files = [(p.name, p.read_bytes()) for p in paths]
        label = ", ".join(p.relative_to(self.folder).as_posix() for p in paths)
        try:
            placed, _ = place_mapping_files(files, raw_root, SOURCE)
        except CollectorError as exc:
            raise CollectorError(f"drop folder {label}: {exc}") from None
        return placed

    def split_of(self, path: Path) -> DaySplit | None:
        """The split of ``path`` when it is split into days (after :meth:`content`), else ``None``."""
        return self._splits.get(self._key(path))

    def days(self) -> list[dt.date]:
        """Operating days found in the folder."""
        found: set[dt.date] = set()
        for p in self.candidates():
            content = self.content(p)
            if content is not None:
                found |= content.days
        return sorted(found)

    def collect_day(self, day: dt.date, raw_root: Path, report_ids: set[str] | None = None) -> list[CollectedFile]:
        """Place the folder's files of ``day`` (of ``report_ids``, default all) into ``raw_root``.

        A split file counts for its daily report and for its own (historical) report id.
        """
        out: list[CollectedFile] = []
        names: dict[tuple[str, str], Path] = {}
        for path in self.candidates():
            content = self.content(path)
            if content is None or day not in content.days:
                continue
            split = self.split_of(path)
            ids = {content.spec.report_id} | ({split.source_report} if split is not None else set())
            if report_ids is not None and not ids & set(report_ids):
                continue
            stored = split.file_name(day) if split is not None else path.name
            key = (content.spec.report_id, stored)
            if key in names:
                raise CollectorError(
                    f"drop folder files {names[key]} and {path} would both be stored as "
                    f"{content.spec.dir_name}/{day.isoformat()}/{stored}; rename one"
                )
            names[key] = path
            if split is not None:
                label = path.relative_to(self.folder).as_posix()
                placed = self.splitter.place(split, day, raw_root, SOURCE, label=label)
            else:
                placed = place_file(path, raw_root, SOURCE, day=day)
            if placed is not None:
                out.append(placed)
        postings = [(p, self.postings[p]) for p in self.candidates() if p in self.postings]
        out.extend(collect_dropfolder_postings(postings, self.folder, day, raw_root, report_ids))
        return out
