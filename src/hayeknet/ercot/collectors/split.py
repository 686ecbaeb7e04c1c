"""Place operating days cut from multi-day raw files (yearly historical reports), with provenance.

A collector that meets a file holding several operating days (ERCOT's yearly
NP6-785-ER / NP4-180-ER / NP4-181-ER, or a hand-made multi-day export) hands
it to a :class:`DaySplitter`. The splitter splits it once, into a private
temporary spool (:func:`hayeknet.ercot.parse.days.split_into_days`: every row
checked before any day is written), and then places the days the collection
asks for, each atomically (staged under ``raw_root`` and renamed, like every
raw file) at ``<raw_root>/<daily report>/<day>/<source stem>.<YYYYMMDD>.csv``
in the daily report's columns (ADR 0011). Each placed file records where it
came from (:attr:`CollectedFile.derived_from`: source report, file, sha256,
zip member, sheets, rows), which lands in the day's provenance record.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hayeknet.ercot.collectors.base import (
    CollectedFile,
    CollectorError,
    place_bytes,
    sha256_path,
)
from hayeknet.ercot.parse.days import DaySplit, split_into_days
from hayeknet.ercot.reports import REPORTS_BY_ID, ReportFormatError

__all__ = ["DaySplitter"]


class DaySplitter:
    """Splits multi-day files once (cached by sha256) into a temporary spool; places single days from it.

    Use as a context manager or call :meth:`close` to remove the spool (it
    is also removed when the object is garbage-collected).
    """

    def __init__(self) -> None:
        self._spool: tempfile.TemporaryDirectory[str] | None = None
        self._splits: dict[str, tuple[DaySplit, str]] = {}

    def __enter__(self) -> DaySplitter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the spool and forget every split."""
        if self._spool is not None:
            self._spool.cleanup()
            self._spool = None
        self._splits.clear()

    @property
    def spool(self) -> Path:
        """The private temporary folder of downloads and per-day files."""
        if self._spool is None:
            self._spool = tempfile.TemporaryDirectory(prefix="hayeknet-split-")
        return Path(self._spool.name)

    def keep(self, name: str, data: bytes) -> Path:
        """Store downloaded bytes in the spool under ``name`` (a fresh subfolder each time); return the path."""
        folder = Path(tempfile.mkdtemp(prefix="download-", dir=self.spool))
        path = folder / Path(name).name
        path.write_bytes(data)
        return path

    def split(self, path: Path, source: str) -> DaySplit:
        """The split of ``path`` (done once per content); raises :class:`CollectorError` naming the file,
        sheet, row and field of a defect."""
        path = Path(path)
        digest = sha256_path(path)
        if digest not in self._splits:
            out = Path(tempfile.mkdtemp(prefix="days-", dir=self.spool))
            try:
                result = split_into_days(path, out)
            except ReportFormatError as exc:
                shutil.rmtree(out, ignore_errors=True)
                raise CollectorError(f"{source}: {path.name} cannot be split into operating days: {exc}") from None
            self._splits[digest] = (result, digest)
        return self._splits[digest][0]

    def sha256(self, split: DaySplit) -> str:
        """The sha256 of ``split``'s source file."""
        for result, digest in self._splits.values():
            if result is split:
                return digest
        return sha256_path(split.source)

    def place(
        self,
        split: DaySplit,
        day: dt.date,
        raw_root: Path,
        source: str,
        *,
        label: str | None = None,
        document_id: str | None = None,
        publish_time_utc: dt.datetime | None = None,
    ) -> CollectedFile | None:
        """Place ``day``'s file of ``split`` under ``raw_root`` atomically; ``None`` when the split lacks the day.

        ``label`` names the source file in the provenance (default its file name).
        """
        part = split.days.get(day)
        if part is None:
            return None
        derived: dict[str, Any] = {
            "report": split.source_report,
            "file": label or split.source.name,
            "sha256": self.sha256(split),
            "member": split.member,
            "sheets": list(part.sheets),
            "source_rows": part.source_rows,
        }
        if document_id is not None:
            derived["document_id"] = document_id
        return place_bytes(
            part.path.read_bytes(), split.file_name(day), Path(raw_root), source, day=day,
            expected_report=REPORTS_BY_ID[split.report], document_id=document_id,
            publish_time_utc=publish_time_utc, derived_from=derived,
        )  # fmt: skip
