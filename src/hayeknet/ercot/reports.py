"""The ERCOT reports HayekNet reads: their exact headers, markets and layouts.

A report is recognised from its header row, never from its file name (ERCOT's
names change with republications, ``_retry_`` suffixes and API downloads).
The MIS CSV headers below are exactly those of ERCOT's files (see the samples
in ``shared/fixtures/ercot``); the public API's JSON form spells the same
fields in camelCase, which :func:`detect_report` also accepts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable, Literal

Layout = Literal["sced", "interval15", "hourly"]

RTC_B_START = dt.date(2025, 12, 5)
"""First operating day of real-time co-optimization (RTC+B); NP6-331-CD exists from then on."""


class ReportFormatError(ValueError):
    """A raw ERCOT file that cannot be read as one of the supported reports.

    ``row`` is the 1-based data row (the header is row 0; ``None`` when the
    problem is the file as a whole), ``field`` the column concerned.
    """

    def __init__(self, file: str, row: int | None, field: str | None, message: str) -> None:
        self.file = str(file)
        self.row = row
        self.field = field
        self.message = message
        where = f"{self.file}"
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # keep picklable (Dask, multiprocessing)
        return (type(self), (self.file, self.row, self.field, self.message))


@dataclass(frozen=True)
class ReportSpec:
    """One ERCOT report: identity, exact MIS header and how to read its rows.

    ``columns`` is the exact MIS CSV header; ``location_column``/``type_column``
    name the settlement point and its type (``None`` when absent);
    ``as_column`` names the ancillary-service type for AS price reports;
    ``price_column`` holds $/MWh (energy) or $/MW per hour (AS);
    ``published_from`` is the first operating day ERCOT publishes the report
    (``None``: throughout the study period).
    """

    report_id: str
    title: str
    columns: tuple[str, ...]
    market: str
    layout: Layout
    price_column: str
    flag_column: str
    location_column: str | None = None
    type_column: str | None = None
    as_column: str | None = None
    interval_minutes: int = 60
    mis_report_type_id: int = 0
    mis_file_tag: str = ""
    published_from: dt.date | None = None

    @property
    def dir_name(self) -> str:
        """Directory name of the report under ``data/raw``: the lower-case id."""
        return self.report_id.lower()

    def published_on(self, day: dt.date) -> bool:
        """Whether ERCOT publishes this report for operating day ``day``."""
        return self.published_from is None or day >= self.published_from

    @property
    def is_ancillary(self) -> bool:
        return self.as_column is not None

    @property
    def intervals_per_hour(self) -> int:
        return 60 // self.interval_minutes


NP6_788 = ReportSpec(
    report_id="NP6-788-CD",
    title="LMPs by Resource Nodes, Load Zones and Trading Hubs (per SCED run)",
    columns=("SCEDTimestamp", "RepeatedHourFlag", "SettlementPoint", "LMP"),
    market="RTM_SCED",
    layout="sced",
    price_column="LMP",
    flag_column="RepeatedHourFlag",
    location_column="SettlementPoint",
    interval_minutes=5,
    mis_report_type_id=12300,
    mis_file_tag="LMPSELECTBUSNP6788",
)
NP6_905 = ReportSpec(
    report_id="NP6-905-CD",
    title="Settlement Point Prices at Resource Nodes, Hubs and Load Zones (15 min)",
    columns=(
        "DeliveryDate",
        "DeliveryHour",
        "DeliveryInterval",
        "SettlementPointName",
        "SettlementPointType",
        "SettlementPointPrice",
        "DSTFlag",
    ),
    market="RTM_15MIN",
    layout="interval15",
    price_column="SettlementPointPrice",
    flag_column="DSTFlag",
    location_column="SettlementPointName",
    type_column="SettlementPointType",
    interval_minutes=15,
    mis_report_type_id=12301,
    mis_file_tag="SPPHLZNP6905",
)
NP4_190 = ReportSpec(
    report_id="NP4-190-CD",
    title="DAM Settlement Point Prices (hourly)",
    columns=("DeliveryDate", "HourEnding", "SettlementPoint", "SettlementPointPrice", "DSTFlag"),
    market="DAM",
    layout="hourly",
    price_column="SettlementPointPrice",
    flag_column="DSTFlag",
    location_column="SettlementPoint",
    interval_minutes=60,
    mis_report_type_id=12331,
    mis_file_tag="DAMSPNP4190",
)
NP4_188 = ReportSpec(
    report_id="NP4-188-CD",
    title="DAM Clearing Prices for Capacity (ancillary services, hourly)",
    columns=("DeliveryDate", "HourEnding", "AncillaryType", "MCPC", "DSTFlag"),
    market="DAM",
    layout="hourly",
    price_column="MCPC",
    flag_column="DSTFlag",
    as_column="AncillaryType",
    interval_minutes=60,
    mis_report_type_id=12329,
    mis_file_tag="DAMCPCNP4188",
)
NP6_331 = ReportSpec(
    report_id="NP6-331-CD",
    title="Real-Time Clearing Prices for Capacity by 15-Minute Settlement Interval (RTC+B)",
    columns=("DeliveryDate", "DeliveryHour", "DeliveryInterval", "RepeatedHourFlag", "ASType", "MCPC"),
    market="RTM_15MIN",
    layout="interval15",
    price_column="MCPC",
    flag_column="RepeatedHourFlag",
    as_column="ASType",
    interval_minutes=15,
    mis_report_type_id=24898,
    mis_file_tag="RTMCPCNP6331",
    published_from=RTC_B_START,
)

REPORTS: tuple[ReportSpec, ...] = (NP6_788, NP6_905, NP4_190, NP4_188, NP6_331)
"""Every supported report, in pipeline order."""

REPORTS_BY_ID: dict[str, ReportSpec] = {r.report_id: r for r in REPORTS}
REPORTS_BY_DIR: dict[str, ReportSpec] = {r.dir_name: r for r in REPORTS}

AS_TYPES: tuple[str, ...] = ("REGUP", "REGDN", "RRS", "ECRS", "NSPIN")
"""Ancillary-service products priced in NP4-188-CD and NP6-331-CD."""

# Public-API spellings that do not reduce to the MIS name by case folding.
_API_ALIASES: dict[str, str] = {
    "repeathourflag": "repeatedhourflag",
    "settlementpointname": "settlementpoint",
    "dstflag": "dstflag",
    "ancillarytype": "ancillarytype",
    "astype": "astype",
}


def _fold(name: str) -> str:
    """Case- and punctuation-insensitive key of a column name (``deliveryDate`` -> ``deliverydate``)."""
    key = re.sub(r"[^0-9a-z]", "", name.lower())
    return _API_ALIASES.get(key, key)


def _folded(columns: Iterable[str]) -> tuple[str, ...]:
    return tuple(_fold(c) for c in columns)


def clean_header(columns: Iterable[str]) -> tuple[str, ...]:
    """Header cells stripped of whitespace, quotes and a UTF-8 byte-order mark."""
    return tuple(str(c).strip().lstrip("\ufeff").strip().strip('"') for c in columns)


def detect_report(columns: Iterable[str], file: str = "<unknown>") -> ReportSpec:
    """The report whose header is ``columns`` (exact MIS header, or its API camelCase form).

    Raises :class:`ReportFormatError` (row 0, field ``header``) when no report matches.
    """
    header = clean_header(columns)
    for spec in REPORTS:
        if header == spec.columns:
            return spec
    folded = _folded(header)
    for spec in REPORTS:
        if folded == _folded(spec.columns):
            return spec
    raise ReportFormatError(
        file,
        0,
        "header",
        f"header {','.join(header)!r} matches no supported report "
        f"({', '.join(r.report_id for r in REPORTS)})",
    )


def api_column_map(columns: Iterable[str], spec: ReportSpec) -> dict[str, str]:
    """Map API (camelCase) column names onto ``spec``'s MIS names, by folded name."""
    by_fold = {_fold(c): c for c in spec.columns}
    return {c: by_fold[_fold(c)] for c in columns if _fold(c) in by_fold}
