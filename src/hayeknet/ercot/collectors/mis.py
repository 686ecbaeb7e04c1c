"""ERCOT MIS collector: public document lists and downloads, no login.

For each report, ``IceDocListJsonWS?reportTypeId=<id>`` lists the documents
ERCOT still displays (a few days for real-time reports, about a month for
day-ahead ones), newest first, each with ``DocID``, ``PublishDate``,
``ConstructedName`` and ``FriendlyName`` (``..._csv`` or ``..._xml``).
``mirDownload?doclookupId=<DocID>`` returns the zip. Only CSV documents
posted in the day's window (:func:`~hayeknet.ercot.collectors.base.publish_window_utc`)
are fetched; each file's day is then read from its content. Files already in
place under their ERCOT name are not downloaded again (resumable).

The DST-end repeated hour: ERCOT marks documents of the second (standard
time) pass with ``xhr`` in the name and has published ``PublishDate`` with
the wrong UTC offset around the change (gridstatus ``Ercot._get_documents``
and its PR #468). The collector therefore reads ``PublishDate`` as Central
wall-clock time and resolves the repeated hour by the ``xhr`` mark (first
pass CDT, ``xhr`` CST), tests the format by a ``csv`` token anywhere in the
name (so ``..._csv_xhr`` and ``..._xhr_csv`` both count), and stores an
``xhr`` document under a name that carries the mark, so the two passes of
one wall-clock second can never share a file.

Yearly historical reports (NP6-785-ER type 13061, NP4-180-ER 13060,
NP4-181-ER 13091; ids as in gridstatus and in ERCOT's own file names
``rpt.00013060...``) are listed by the same service, one document per year
(``...DAMLZHBSPP_2016.zip``; the current year's is republished as it grows).
Asked for such a report (``CollectOptions.reports``), the collector
downloads the newest document of the day's year once per run, splits it
into operating days (:class:`~hayeknet.ercot.collectors.split.DaySplitter`)
and places the day in the daily report's folder and columns (ADR 0011).

The settlement point / electrical bus mapping NP4-160-SG (type 10008, as in
gridstatus) is reference data: :meth:`MisCollector.collect_settlement_point_map`
fetches the newest posting listed on or before a day and stores the zip
unchanged under ``np4-160-sg/<posting day>/`` (ADR 0013).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ
from hayeknet.ercot.collectors.base import (
    CollectedFile,
    CollectorError,
    existing_file,
    place_bytes,
    publish_window_utc,
)
from hayeknet.ercot.collectors.http import HttpClient
from hayeknet.ercot.collectors.mapping import local_day, place_mapping_files
from hayeknet.ercot.collectors.split import DaySplitter
from hayeknet.ercot.parse.days import DaySplit
from hayeknet.ercot.reports import HISTORICAL_REPORTS, NP4_160, ReportSpec

__all__ = ["MIS_DOWNLOAD_URL", "MIS_LIST_URL", "MisCollector", "MisDocument", "parse_document_list"]

MIS_LIST_URL = "https://www.ercot.com/misapp/servlets/IceDocListJsonWS"
MIS_DOWNLOAD_URL = "https://www.ercot.com/misdownload/servlets/mirDownload"
SOURCE = "mis"


@dataclass(frozen=True)
class MisDocument:
    """One entry of an MIS document list (``publish_time_utc`` is UTC)."""

    doc_id: str
    report_type_id: int
    friendly_name: str
    constructed_name: str
    publish_time_utc: dt.datetime

    @property
    def is_csv(self) -> bool:
        """A CSV document: a ``csv`` token in the friendly or constructed name (and no ``xml`` token)."""
        tokens = set(name_tokens(self.friendly_name)) | set(name_tokens(self.constructed_name))
        return "csv" in tokens and "xml" not in tokens

    @property
    def repeated_hour(self) -> bool:
        """Posted in the second pass of the DST-end repeated hour (``xhr`` in ERCOT's names)."""
        return "xhr" in self.friendly_name.lower() or "xhr" in self.constructed_name.lower()

    @property
    def year(self) -> int | None:
        """The year of a yearly historical document (``..._2016.zip`` -> 2016); ``None`` when the name has none."""
        for name in (self.constructed_name, self.friendly_name):
            tokens = name_tokens(name)
            while tokens and tokens[-1] in {"zip", "xlsx", "csv"}:
                tokens = tokens[:-1]
            if tokens and re.fullmatch(r"(19|20|21)\d\d", tokens[-1]):
                return int(tokens[-1])
        return None

    @property
    def file_name(self) -> str:
        """The name the raw file is stored under: ERCOT's constructed name (unique per posting).

        An ``xhr`` document whose constructed name lacks the mark gets ``_xhr``
        before ``.zip``: its wall-clock posting time repeats the first pass's.
        """
        name = self.constructed_name or f"{self.friendly_name}.{self.doc_id}.zip"
        if self.repeated_hour and "xhr" not in name.lower():
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}_xhr.{ext}" if dot else f"{name}_xhr"
        return name


def name_tokens(name: str) -> list[str]:
    """Lower-case alphanumeric tokens of an ERCOT document name (``a_b.c`` -> ``[a, b, c]``)."""
    return [t for t in re.split(r"[^a-z0-9]+", name.lower()) if t]


def _parse_time(text: str, where: str, repeated_hour: bool = False) -> dt.datetime:
    """``PublishDate`` in UTC, read as America/Chicago wall-clock time (see the module docstring).

    The stated offset is required (a value without one is not ERCOT's format)
    but not trusted: in the repeated hour the first pass is CDT and the
    ``xhr`` pass CST.
    """
    try:
        when = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise CollectorError(f"{where}: PublishDate {text!r} is not an ISO timestamp") from None
    if when.tzinfo is None:
        raise CollectorError(f"{where}: PublishDate {text!r} has no UTC offset")
    wall = pd.Timestamp(when.replace(tzinfo=None))
    try:
        local = wall.tz_localize(ERCOT_TZ, ambiguous=not repeated_hour, nonexistent="raise")
    except (ValueError, TypeError):  # a wall time skipped at DST start: keep the stated offset
        return when.astimezone(dt.UTC)
    return local.tz_convert("UTC").to_pydatetime()


def parse_document_list(payload: Any, report_type_id: int, where: str = "MIS document list") -> list[MisDocument]:
    """The documents of an ``IceDocListJsonWS`` response (``ListDocsByRptTypeRes.DocumentList``)."""
    try:
        entries = payload["ListDocsByRptTypeRes"]["DocumentList"]
    except (KeyError, TypeError):
        raise CollectorError(f"{where}: no ListDocsByRptTypeRes.DocumentList in the response") from None
    if isinstance(entries, dict):  # a single document comes back as an object
        entries = [entries]
    docs = []
    for i, entry in enumerate(entries or []):
        doc = entry.get("Document") if isinstance(entry, dict) else None
        if not isinstance(doc, dict) or "DocID" not in doc:
            raise CollectorError(f"{where}: entry {i + 1} has no Document.DocID")
        friendly, constructed = str(doc.get("FriendlyName", "")), str(doc.get("ConstructedName", ""))
        repeated = "xhr" in friendly.lower() or "xhr" in constructed.lower()
        docs.append(
            MisDocument(
                doc_id=str(doc["DocID"]),
                report_type_id=int(doc.get("ReportTypeID", report_type_id)),
                friendly_name=friendly,
                constructed_name=constructed,
                publish_time_utc=_parse_time(doc.get("PublishDate", ""), f"{where}, DocID {doc['DocID']}", repeated),
            )
        )
    return docs


class MisCollector:
    """Collects one operating day of each report from ERCOT's MIS (no credentials)."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self._lists: dict[int, list[MisDocument]] = {}
        self.splitter = DaySplitter()
        self._yearly: dict[str, DaySplit] = {}

    def close(self) -> None:
        """Remove the spool of downloaded yearly reports and their split days."""
        self.splitter.close()
        self._yearly.clear()

    def documents(self, spec: ReportSpec) -> list[MisDocument]:
        """The report's document list, fetched once per collector (one run over many days)."""
        return self._listing(spec.mis_report_type_id)

    def documents_by_type(self, rtid: int) -> list[MisDocument]:
        """The document list of MIS report type ``rtid``, fetched once per collector (the wind/solar postings)."""
        return self._listing(rtid)

    def _listing(self, rtid: int) -> list[MisDocument]:
        if rtid not in self._lists:
            url = f"{MIS_LIST_URL}?reportTypeId={rtid}"
            payload = self.client.get_json(MIS_LIST_URL, params={"reportTypeId": rtid})
            self._lists[rtid] = parse_document_list(payload, rtid, url)
        return self._lists[rtid]

    def documents_for_day(self, spec: ReportSpec, day: dt.date) -> list[MisDocument]:
        """CSV documents posted in ``day``'s publish window, oldest first."""
        start, end = publish_window_utc(spec, day)
        docs = [d for d in self.documents(spec) if d.is_csv and start <= d.publish_time_utc < end]
        return sorted(docs, key=lambda d: (d.publish_time_utc, d.doc_id))

    def download(self, doc: MisDocument) -> bytes:
        return self.client.get(MIS_DOWNLOAD_URL, params={"doclookupId": doc.doc_id}).body

    def collect_report(self, spec: ReportSpec, day: dt.date, raw_root: Path) -> list[CollectedFile]:
        """Download and place ``spec``'s files of ``day``; raise when MIS has none for the day."""
        docs = self.documents_for_day(spec, day)
        out: list[CollectedFile] = []
        for doc in docs:
            have = existing_file(raw_root, spec, day, doc.file_name, SOURCE, doc.doc_id, doc.publish_time_utc)
            if have is not None:
                out.append(have)
                continue
            placed = place_bytes(
                self.download(doc),
                doc.file_name,
                raw_root,
                SOURCE,
                day=day,
                expected_report=spec,
                document_id=doc.doc_id,
                publish_time_utc=doc.publish_time_utc,
            )
            if placed is not None:
                out.append(placed)
        if not out:
            yearly = [h.report_id for h in HISTORICAL_REPORTS if h.daily_report == spec.report_id]
            hint = f", or the yearly report {yearly[0]} for past years" if yearly else ""
            raise CollectorError(
                f"MIS has no {spec.report_id} file for operating day {day.isoformat()} "
                f"(report type {spec.mis_report_type_id}; MIS keeps only recent days: use --source api "
                f"for older days{hint})"
            )
        return out

    def yearly_document(self, spec: ReportSpec, year: int) -> MisDocument:
        """The newest document of historical report ``spec`` for ``year``; raises when MIS lists none."""
        docs = [d for d in self.documents(spec) if d.year == year and "xml" not in name_tokens(d.file_name)]
        if not docs:
            years = sorted({d.year for d in self.documents(spec) if d.year is not None})
            listed = f"{years[0]}..{years[-1]}" if years else "none"
            raise CollectorError(
                f"MIS lists no {spec.report_id} document for {year} "
                f"(report type {spec.mis_report_type_id}; years listed: {listed})"
            )
        return max(docs, key=lambda d: (d.publish_time_utc, d.doc_id))

    def yearly_split(self, spec: ReportSpec, doc: MisDocument) -> DaySplit:
        """``doc`` downloaded (once per collector) and split into operating days."""
        if doc.doc_id not in self._yearly:
            where = f"MIS {spec.report_id} document {doc.file_name} (DocID {doc.doc_id})"
            path = self.splitter.keep(doc.file_name, self.download(doc))
            split = self.splitter.split(path, where)
            if split.source_report != spec.report_id:
                raise CollectorError(f"{where} holds {split.source_report}, expected {spec.report_id}")
            self._yearly[doc.doc_id] = split
        return self._yearly[doc.doc_id]

    def collect_historical(self, spec: ReportSpec, day: dt.date, raw_root: Path) -> list[CollectedFile]:
        """Place ``day`` cut from the yearly report ``spec`` of its year (in the daily report's folder)."""
        doc = self.yearly_document(spec, day.year)
        split = self.yearly_split(spec, doc)
        placed = self.splitter.place(
            split,
            day,
            Path(raw_root),
            SOURCE,
            label=doc.file_name,
            document_id=doc.doc_id,
            publish_time_utc=doc.publish_time_utc,
        )
        if placed is None:
            raise CollectorError(
                f"MIS {spec.report_id} document {doc.file_name} (DocID {doc.doc_id}) holds no "
                f"rows for operating day {day.isoformat()}"
            )
        return [placed]

    def mapping_document(self, day: dt.date) -> MisDocument:
        """The newest NP4-160-SG document posted on or before ``day`` (America/Chicago); raises when none is listed."""
        docs = [d for d in self._listing(NP4_160.mis_report_type_id) if "xml" not in name_tokens(d.file_name)]
        eligible = [d for d in docs if local_day(d.publish_time_utc) <= day]
        if not eligible:
            days = sorted(local_day(d.publish_time_utc) for d in docs)
            listed = f"postings of {days[0]}..{days[-1]}" if days else "no posting"
            raise CollectorError(
                f"MIS lists no {NP4_160.report_id} posted on or before {day.isoformat()} (report type "
                f"{NP4_160.mis_report_type_id}; it keeps about a month: {listed}); put an older posting in a "
                "drop folder (--source files)"
            )
        return max(eligible, key=lambda d: (d.publish_time_utc, d.doc_id))

    def collect_settlement_point_map(self, day: dt.date, raw_root: Path) -> list[CollectedFile]:
        """Fetch the NP4-160-SG posting in force on ``day`` (:meth:`mapping_document`) into
        ``<raw_root>/np4-160-sg/<posting day>/`` unchanged; a copy already there is not downloaded again."""
        doc = self.mapping_document(day)
        base = Path(raw_root) / NP4_160.dir_name
        for have in sorted(base.glob(f"*/{doc.file_name}")) if base.is_dir() else []:
            try:
                placed, _ = place_mapping_files(
                    [(doc.file_name, have.read_bytes())],
                    Path(raw_root),
                    SOURCE,
                    document_id=doc.doc_id,
                    publish_time_utc=doc.publish_time_utc,
                )
            except CollectorError:
                continue  # damaged on disk: fetch it again
            if all(f.reused for f in placed):
                return placed
        placed, _ = place_mapping_files(
            [(doc.file_name, self.download(doc))],
            Path(raw_root),
            SOURCE,
            document_id=doc.doc_id,
            publish_time_utc=doc.publish_time_utc,
        )
        return placed

    def collect_generation_day(self, day: dt.date, raw_root: Path, reports: Sequence[Any]) -> list[CollectedFile]:
        """The hourly wind/solar postings (NP4-732-CD, NP4-737-CD) of ``day``'s posting window (ADR 0014)."""
        from hayeknet.ercot.generation.collect import collect_mis_postings

        return collect_mis_postings(self, reports, day, Path(raw_root))

    def collect_day(self, day: dt.date, raw_root: Path, specs: Iterable[ReportSpec]) -> list[CollectedFile]:
        files: list[CollectedFile] = []
        for spec in specs:
            if spec.is_historical:
                files.extend(self.collect_historical(spec, day, Path(raw_root)))
            elif spec.published_on(day):
                files.extend(self.collect_report(spec, day, Path(raw_root)))
        return files
