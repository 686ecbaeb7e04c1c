"""Drop-folder collector: raw ERCOT files put in a folder by hand (or by another tool).

Any supported raw file (MIS CSV, zip of one CSV, public-API JSON or JSON Lines)
anywhere under the folder is recognised by content (report from the header,
operating day from the intervals) and copied to
``<raw_root>/<report-dir>/<day>/<name>``. Unsupported file types and hidden
files are ignored; a supported file that cannot be read, or that spans several
operating days, stops the collection with an error naming it; a CSV of a
report HayekNet does not read (e.g. NP6-322-CD) is skipped and listed in
:attr:`DropFolderCollector.skipped`.
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
from hayeknet.ercot.reports import ReportFormatError

__all__ = ["SUPPORTED_SUFFIXES", "DropFolderCollector"]

SUPPORTED_SUFFIXES = (".csv", ".zip", ".json", ".jsonl")
SOURCE = "files"


class DropFolderCollector:
    """Routes the files of a drop folder by report and day; remembers what it has read.

    Classification is cached per (path, size, mtime), so collecting many days
    from one folder reads each file once.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise CollectorError(f"drop folder {self.folder} does not exist (set it with --drop-folder)")
        self._cache: dict[tuple[str, int, int], FileContent | None] = {}
        self.skipped: dict[Path, str] = {}
        """Files of a report HayekNet does not read (header matches none), with the reason."""

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

    def content(self, path: Path) -> FileContent | None:
        """The file's report and days; ``None`` for a file of an unsupported report (kept in ``skipped``)."""
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in self._cache:
            try:
                self._cache[key] = classify_file(path)
            except ReportFormatError as exc:
                if exc.row == 0 and exc.field == "header" and "matches no supported report" in exc.message:
                    self._cache[key] = None
                    self.skipped[path] = exc.message
                else:
                    raise CollectorError(f"drop folder file {path}: {exc}") from None
        content = self._cache[key]
        if content is None:
            return None
        if len(content.days) > 1:
            listed = ", ".join(sorted(d.isoformat() for d in content.days))
            raise CollectorError(f"drop folder file {path} spans several operating days ({listed}); "
                                 "split it into one file per day")
        return content

    def days(self) -> list[dt.date]:
        """Operating days found in the folder."""
        found: set[dt.date] = set()
        for p in self.candidates():
            content = self.content(p)
            if content is not None:
                found |= content.days
        return sorted(found)

    def collect_day(self, day: dt.date, raw_root: Path, report_ids: set[str] | None = None) -> list[CollectedFile]:
        """Copy the folder's files of ``day`` (of ``report_ids``, default all) into ``raw_root``."""
        out: list[CollectedFile] = []
        names: dict[tuple[str, str], Path] = {}
        for path in self.candidates():
            content = self.content(path)
            if content is None or day not in content.days:
                continue
            if report_ids is not None and content.spec.report_id not in report_ids:
                continue
            key = (content.spec.report_id, path.name)
            if key in names:
                raise CollectorError(f"drop folder files {names[key]} and {path} would both be stored as "
                                     f"{content.spec.dir_name}/{day.isoformat()}/{path.name}; rename one")
            names[key] = path
            placed = place_file(path, raw_root, SOURCE, day=day)
            if placed is not None:
                out.append(placed)
        return out
