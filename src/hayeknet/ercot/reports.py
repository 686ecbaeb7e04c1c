"""The ERCOT reports HayekNet reads: their exact headers, markets and layouts.

A report is recognised from its header row, never from its file name (ERCOT's
names change with republications, ``_retry_`` suffixes and API downloads).
The MIS CSV headers below are exactly those of ERCOT's files (see the samples
in ``shared/fixtures/ercot``); the public API's JSON form spells the same
fields in camelCase, which :func:`detect_report` also accepts.

Besides the five daily reports (:data:`REPORTS`), ERCOT publishes yearly
*historical* reports of the same prices (:data:`HISTORICAL_REPORTS`):
NP6-785-ER (15-minute RTM hub and load-zone prices, an xlsx of monthly
sheets), NP4-180-ER (DAM hub and load-zone prices, likewise) and NP4-181-ER
(DAM AS clearing prices, a CSV with one column per product). Each names its
daily equivalent (:attr:`ReportSpec.daily_report`): its rows carry the same
content, and :mod:`hayeknet.ercot.parse` reads them by converting each row to
that report's columns. Their headers are spaced words (``Delivery Date``);
detection folds case, spacing and punctuation, so ``REGUP `` (ERCOT's
trailing space) is ``REGUP``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Layout = Literal["sced", "interval15", "hourly"]

RTC_B_START = dt.date(2025, 12, 5)
"""First operating day of real-time co-optimization (RTC+B); NP6-331-CD exists from then on."""


class ReportFormatError(ValueError):
    """A raw ERCOT file that cannot be read as one of the supported reports.

    ``row`` is the 1-based data row (the header is row 0; ``None`` when the
    problem is the file as a whole), ``field`` the column concerned, ``sheet``
    the workbook sheet (``None`` for a CSV or JSON file); in a sheet, ``row``
    counts the sheet's data rows (spreadsheet row ``row + 1``).
    """

    MAX_MESSAGE_CHARS = 400
    """A message never echoes more of the input than this (a 200 MB line stays out of logs)."""

    def __init__(self, file: str, row: int | None, field: str | None, message: str, sheet: str | None = None) -> None:
        self.file = str(file)[:300]
        self.row = row
        self.field = None if field is None else str(field)[:200]
        limit = self.MAX_MESSAGE_CHARS
        message = str(message)
        self.message = message if len(message) <= limit else f"{message[:limit]}... [{len(message) - limit} more]"
        self.sheet = sheet
        where = f"{self.file}"
        if sheet is not None:
            where += f", sheet {sheet}"
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # keep picklable (Dask, multiprocessing)
        return (type(self), (self.file, self.row, self.field, self.message, self.sheet))


@dataclass(frozen=True)
class ReportSpec:
    """One ERCOT report: identity, exact MIS header and how to read its rows.

    ``columns`` is the exact MIS CSV header; ``location_column``/``type_column``
    name the settlement point and its type (``None`` when absent);
    ``as_column`` names the ancillary-service type for AS price reports;
    ``price_column`` holds $/MWh (energy) or $/MW per hour (AS);
    ``published_from`` is the first operating day ERCOT publishes the report
    (``None``: throughout the study period).

    A yearly historical report sets ``daily_report`` (the id of the daily
    report with the same content) and ``daily_columns`` (the daily report's
    column each of ``columns`` becomes); ``wide_as`` marks a header whose
    ``columns`` are followed by one price column per AS product (NP4-181-ER),
    each row becoming one row per product in the daily report's long layout.
    Its ``price_column``/``flag_column``/``location_column`` name its own
    columns (the parser works on the converted rows).
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
    daily_report: str | None = None
    daily_columns: tuple[str, ...] = ()
    wide_as: bool = False

    @property
    def is_historical(self) -> bool:
        """A yearly historical report, read by converting its rows to :attr:`daily_report`'s columns."""
        return self.daily_report is not None

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
"""Every supported daily report, in pipeline order (the raw layout's report folders)."""

REPORTS_BY_ID: dict[str, ReportSpec] = {r.report_id: r for r in REPORTS}
REPORTS_BY_DIR: dict[str, ReportSpec] = {r.dir_name: r for r in REPORTS}

AS_TYPES: tuple[str, ...] = ("REGUP", "REGDN", "RRS", "ECRS", "NSPIN")
"""Ancillary-service products priced in NP4-188-CD and NP6-331-CD."""

NP6_785 = ReportSpec(
    report_id="NP6-785-ER",
    title="Historical RTM Load Zone and Hub Prices (yearly, 15-minute settlement point prices)",
    columns=(
        "Delivery Date",
        "Delivery Hour",
        "Delivery Interval",
        "Repeated Hour Flag",
        "Settlement Point Name",
        "Settlement Point Type",
        "Settlement Point Price",
    ),
    market="RTM_15MIN",
    layout="interval15",
    price_column="Settlement Point Price",
    flag_column="Repeated Hour Flag",
    location_column="Settlement Point Name",
    type_column="Settlement Point Type",
    interval_minutes=15,
    mis_report_type_id=13061,
    mis_file_tag="RTMLZHBSPP",
    daily_report="NP6-905-CD",
    daily_columns=(
        "DeliveryDate",
        "DeliveryHour",
        "DeliveryInterval",
        "DSTFlag",
        "SettlementPointName",
        "SettlementPointType",
        "SettlementPointPrice",
    ),
)
NP4_180 = ReportSpec(
    report_id="NP4-180-ER",
    title="Historical DAM Load Zone and Hub Prices (yearly, hourly)",
    columns=("Delivery Date", "Hour Ending", "Repeated Hour Flag", "Settlement Point", "Settlement Point Price"),
    market="DAM",
    layout="hourly",
    price_column="Settlement Point Price",
    flag_column="Repeated Hour Flag",
    location_column="Settlement Point",
    interval_minutes=60,
    mis_report_type_id=13060,
    mis_file_tag="DAMLZHBSPP",
    daily_report="NP4-190-CD",
    daily_columns=("DeliveryDate", "HourEnding", "DSTFlag", "SettlementPoint", "SettlementPointPrice"),
)
NP4_181 = ReportSpec(
    report_id="NP4-181-ER",
    title="Historical DAM Clearing Prices for Capacity (yearly, hourly, one column per AS product)",
    columns=("Delivery Date", "Hour Ending", "Repeated Hour Flag"),
    market="DAM",
    layout="hourly",
    price_column="MCPC",
    flag_column="Repeated Hour Flag",
    as_column="AncillaryType",
    interval_minutes=60,
    mis_report_type_id=13091,
    mis_file_tag="DAMASMCPC",
    daily_report="NP4-188-CD",
    daily_columns=("DeliveryDate", "HourEnding", "DSTFlag"),
    wide_as=True,
)

HISTORICAL_REPORTS: tuple[ReportSpec, ...] = (NP6_785, NP4_180, NP4_181)
"""ERCOT's yearly historical reports: split into operating days of their daily report at collection (ADR 0011)."""

HISTORICAL_BY_ID: dict[str, ReportSpec] = {r.report_id: r for r in HISTORICAL_REPORTS}
ALL_REPORTS_BY_ID: dict[str, ReportSpec] = {**REPORTS_BY_ID, **HISTORICAL_BY_ID}
"""Daily and historical reports by id."""


@dataclass(frozen=True)
class ReferenceReportSpec:
    """An ERCOT reference report: not prices of an operating day, but data in force from its posting on.

    ``members`` are the CSV tables the posted zip holds (recognised by their
    headers, :mod:`hayeknet.ercot.parse.settlement_points`); the raw layout
    stores a posting under ``data/raw/<dir_name>/<posting day>/`` unchanged
    (ADR 0013), outside the per-operating-day report folders.
    """

    report_id: str
    title: str
    mis_report_type_id: int
    members: tuple[str, ...] = ()

    @property
    def dir_name(self) -> str:
        """Directory name of the report under ``data/raw``: the lower-case id."""
        return self.report_id.lower()


NP4_160 = ReferenceReportSpec(
    report_id="NP4-160-SG",
    title="Settlement Points List and Electrical Buses Mapping",
    mis_report_type_id=10008,
    members=(
        "Settlement_Points",
        "Hub_Name_AND_DC_Ties",
        "NOIE_Mapping",
        "Resource_Node_to_Unit",
        "CCP_Resource_Names",
    ),
)
"""ERCOT's settlement point / electrical bus mapping (MIS report type 10008; ADR 0013)."""

REFERENCE_REPORTS_BY_ID: dict[str, ReferenceReportSpec] = {NP4_160.report_id: NP4_160}
"""Reference reports by id (collected by posting, not by operating day)."""


def daily_spec(spec: ReportSpec) -> ReportSpec:
    """The daily report whose columns ``spec``'s rows are read in: ``spec`` itself for a daily report."""
    return REPORTS_BY_ID[spec.daily_report] if spec.daily_report is not None else spec


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


def as_product(column: str) -> str | None:
    """The AS product a wide NP4-181-ER column prices (``"REGUP "`` -> ``"REGUP"``); ``None`` if none."""
    key = _fold(column).upper()
    return key if key in AS_TYPES else None


def _clip_repr(text: str, limit: int = 200) -> str:
    """``repr(text)`` of at most ``limit`` characters of it (the rest counted)."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... [{len(text) - limit} more characters]"


def detect_report(columns: Iterable[str], file: str = "<unknown>", sheet: str | None = None) -> ReportSpec:
    """The report whose header is ``columns`` (exact MIS header, its API camelCase form, or a
    historical report's spaced header, folded for case, spacing and punctuation).

    A header that starts like NP4-181-ER is that report when every further
    column names an AS product (:data:`AS_TYPES`, e.g. ``REGUP `` with ERCOT's
    trailing space); an unknown product raises naming it. Raises
    :class:`ReportFormatError` (row 0, field ``header``, and ``sheet`` when
    given) when no report matches.
    """
    header = clean_header(columns)
    while header and header[-1] == "":  # a spreadsheet row may carry empty trailing cells
        header = header[:-1]
    for spec in REPORTS:
        if header == spec.columns:
            return spec
    folded = _folded(header)
    for spec in (*REPORTS, *HISTORICAL_REPORTS):
        if folded == _folded(spec.columns) and not spec.wide_as:
            return spec
    for spec in HISTORICAL_REPORTS:
        n = len(spec.columns)
        if spec.wide_as and folded[:n] == _folded(spec.columns) and len(header) > n:
            unknown = [c for c in header[n:] if as_product(c) is None]
            if unknown:
                raise ReportFormatError(
                    file, 0, "header",
                    f"{spec.report_id} header with unknown AS product column(s) "
                    f"{', '.join(repr(c) for c in unknown)} (known: {', '.join(AS_TYPES)})",
                    sheet=sheet,
                )  # fmt: skip
            return spec
    raise ReportFormatError(
        file,
        0,
        "header",
        f"header {_clip_repr(','.join(header))} matches no supported report "
        f"({', '.join(r.report_id for r in (*REPORTS, *HISTORICAL_REPORTS))})",
        sheet=sheet,
    )


def api_column_map(columns: Iterable[str], spec: ReportSpec) -> dict[str, str]:
    """Map API (camelCase) column names onto ``spec``'s MIS names, by folded name."""
    by_fold = {_fold(c): c for c in spec.columns}
    return {c: by_fold[_fold(c)] for c in columns if _fold(c) in by_fold}
