"""ERCOT's hourly wind and solar production reports: identities and how their headers are read.

Two reports, each posted every hour on MIS as a zip of one CSV:

* **NP4-732-CD** "Wind Power Production - Hourly Averaged Actual and Forecasted
  Values" (MIS report type 13028): system-wide and per load-zone group
  (``LZ_SOUTH_HOUSTON``, ``LZ_WEST``, ``LZ_NORTH``) actual hourly output,
  STWPF (short-term wind power forecast), WGRPP (wind-powered generation
  resource production potential) and COP HSL of on-line wind resources.
* **NP4-737-CD** "Solar Power Production - Hourly Averaged Actual and
  Forecasted Values" (type 13483): the same for solar, system-wide only
  (STPPF, PVGRPP; the regional split is NP4-745-CD, not read here).

Each posting holds a rolling 48 hours of history (actual output filled in)
and the next 168 hours (forecasts only; the actual columns are blank), one
row per ``DELIVERY_DATE`` / ``HOUR_ENDING`` / ``DSTFlag``: 216 rows.

ERCOT renamed columns on 2024-09-26 (gridstatus's column map): the wind
report's ``ACTUAL_<region>`` became ``GEN_<region>`` and ``SYSTEM_WIDE_GEN``,
the solar report's ``GEN_SYSTEM_WIDE`` became ``SYSTEM_WIDE_GEN``, and both
gained ``SYSTEM_WIDE_HSL``. A header is therefore read by the *role* of each
column (:func:`detect_generation_header`): ``GEN_<r>``/``ACTUAL_<r>``/``<r>_GEN``
(actual output), ``<r>_HSL``/``HSL_<r>`` (actual HSL), ``STWPF_<r>``/``STPPF_<r>``
(forecast), ``WGRPP_<r>``/``PVGRPP_<r>`` (production potential) and
``COP_HSL_<r>``, for the report's regions only; any other column makes the
file "a report HayekNet does not read" (so NP4-742-CD and NP4-745-CD, with
their geographic regions, are recognised as foreign, not misread).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from hayeknet.ercot.reports import ReportFormatError, clean_header

__all__ = [
    "GENERATION_BY_DIR",
    "GENERATION_BY_ID",
    "GENERATION_REPORTS",
    "MEASURES",
    "NP4_732",
    "NP4_737",
    "SYSTEM_WIDE",
    "GenerationReport",
    "HeaderLayout",
    "detect_generation_header",
    "is_generation_header",
]

SYSTEM_WIDE = "SYSTEM_WIDE"
"""The system-wide region of both reports."""

MEASURES: tuple[str, ...] = ("actual", "actual_hsl", "forecast", "potential", "cop_hsl")
"""What a measure column holds (MW): actual hourly output, actual HSL, short-term forecast (STWPF/STPPF),
production potential (WGRPP/PVGRPP), COP HSL of on-line resources."""

REQUIRED_MEASURES: tuple[str, ...] = ("actual", "forecast", "potential", "cop_hsl")
"""Measures every region of a header must carry (``actual_hsl`` exists only since 2024-09-26)."""

KEY_FIELDS: tuple[str, ...] = ("DELIVERY_DATE", "HOUR_ENDING", "DSTFlag")


@dataclass(frozen=True)
class GenerationReport:
    """One hourly renewable production report.

    ``forecast_tag``/``potential_tag`` are the column prefixes of its forecast
    (``STWPF``/``STPPF``) and production potential (``WGRPP``/``PVGRPP``);
    ``regions`` the regions its columns may name (``SYSTEM_WIDE`` first);
    ``columns`` the exact MIS header as posted since 2024-09-26 (what the
    tests and recorded responses are built in; older headers are read by role).
    """

    report_id: str
    title: str
    resource: str
    forecast_tag: str
    potential_tag: str
    regions: tuple[str, ...]
    mis_report_type_id: int
    columns: tuple[str, ...] = field(default=())

    @property
    def dir_name(self) -> str:
        """Folder of the report under ``data/raw``: the lower-case id."""
        return self.report_id.lower()


def _current_columns(forecast: str, potential: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    cols = ["DELIVERY_DATE", "HOUR_ENDING"]
    for region in regions:
        actual = "SYSTEM_WIDE_GEN" if region == SYSTEM_WIDE else f"GEN_{region}"
        cols += [actual, f"COP_HSL_{region}", f"{forecast}_{region}", f"{potential}_{region}"]
    return (*cols, "SYSTEM_WIDE_HSL", "DSTFlag")


_WIND_REGIONS = (SYSTEM_WIDE, "LZ_SOUTH_HOUSTON", "LZ_WEST", "LZ_NORTH")

NP4_732 = GenerationReport(
    report_id="NP4-732-CD",
    title="Wind Power Production - Hourly Averaged Actual and Forecasted Values",
    resource="wind",
    forecast_tag="STWPF",
    potential_tag="WGRPP",
    regions=_WIND_REGIONS,
    mis_report_type_id=13028,
    columns=_current_columns("STWPF", "WGRPP", _WIND_REGIONS),
)
NP4_737 = GenerationReport(
    report_id="NP4-737-CD",
    title="Solar Power Production - Hourly Averaged Actual and Forecasted Values",
    resource="solar",
    forecast_tag="STPPF",
    potential_tag="PVGRPP",
    regions=(SYSTEM_WIDE,),
    mis_report_type_id=13483,
    columns=_current_columns("STPPF", "PVGRPP", (SYSTEM_WIDE,)),
)

GENERATION_REPORTS: tuple[GenerationReport, ...] = (NP4_732, NP4_737)
"""The hourly renewable production reports HayekNet reads (wind, solar)."""
GENERATION_BY_ID: dict[str, GenerationReport] = {r.report_id: r for r in GENERATION_REPORTS}
GENERATION_BY_DIR: dict[str, GenerationReport] = {r.dir_name: r for r in GENERATION_REPORTS}


@dataclass(frozen=True)
class HeaderLayout:
    """A header read by role: the report and, per column index, ``(measure, region)`` (``None`` for a key field).

    ``key_index`` maps ``DELIVERY_DATE``, ``HOUR_ENDING`` and ``DSTFlag`` to their column index.
    """

    report: GenerationReport
    header: tuple[str, ...]
    key_index: dict[str, int]
    measures: dict[int, tuple[str, str]]

    def regions(self) -> list[str]:
        """Regions of the header, in the report's order."""
        present = {region for _, region in self.measures.values()}
        return [r for r in self.report.regions if r in present]


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip()).upper()


def _role(column: str, report: GenerationReport) -> tuple[str, str] | None:
    """``(measure, region)`` of a measure column of ``report``; ``None`` when the name is not one of its columns."""
    name = _norm(column)
    prefixes = (
        ("COP_HSL_", "cop_hsl"),
        (f"{report.forecast_tag}_", "forecast"),
        (f"{report.potential_tag}_", "potential"),
        ("GEN_", "actual"),
        ("ACTUAL_", "actual"),
        ("HSL_", "actual_hsl"),
    )
    for prefix, measure in prefixes:
        if name.startswith(prefix) and name[len(prefix) :] in report.regions:
            return measure, name[len(prefix) :]
    for suffix, measure in (("_GEN", "actual"), ("_HSL", "actual_hsl")):
        if name.endswith(suffix) and name[: -len(suffix)] in report.regions:
            return measure, name[: -len(suffix)]
    return None


def _report_of(header: tuple[str, ...]) -> GenerationReport | None:
    names = {_norm(c) for c in header}
    found = [r for r in GENERATION_REPORTS if f"{r.forecast_tag}_{SYSTEM_WIDE}" in names]
    return found[0] if len(found) == 1 else None


def is_generation_header(columns: Iterable[str]) -> bool:
    """Whether ``columns`` name one of the wind/solar production reports (without checking every column)."""
    header = clean_header(columns)
    keys = {_norm(c) for c in header}
    return {"DELIVERY_DATE", "HOUR_ENDING", "DSTFLAG"} <= keys and _report_of(header) is not None


def detect_generation_header(columns: Iterable[str], file: str = "<unknown>") -> HeaderLayout:
    """Read a wind or solar production report's header by the role of each column.

    Raises :class:`~hayeknet.ercot.reports.ReportFormatError` (row 0, field
    ``header``) when the header is not one of :data:`GENERATION_REPORTS` (the
    message then says it "matches no supported report", as for an unknown
    price report), or names a column twice, or lacks a required one.
    """
    header = clean_header(columns)
    while header and header[-1] == "":
        header = header[:-1]
    report = _report_of(header)
    known = ", ".join(r.report_id for r in GENERATION_REPORTS)
    if report is None:
        raise ReportFormatError(file, 0, "header", f"header {','.join(header)!r} matches no supported report ({known})")
    key_index: dict[str, int] = {}
    measures: dict[int, tuple[str, str]] = {}
    seen: dict[tuple[str, str], str] = {}
    for i, column in enumerate(header):
        key = next((k for k in KEY_FIELDS if _norm(k) == _norm(column)), None)
        if key is not None:
            if key in key_index:
                raise ReportFormatError(file, 0, column, f"{report.report_id} header names {key} twice")
            key_index[key] = i
            continue
        role = _role(column, report)
        if role is None:
            raise ReportFormatError(
                file, 0, "header",
                f"header {','.join(header)!r} matches no supported report ({known}): column {column!r} is not "
                f"one of {report.report_id}'s (regions {', '.join(report.regions)})",
            )  # fmt: skip
        if role in seen:
            raise ReportFormatError(file, 0, column, f"{report.report_id} header repeats {role[0]} of {role[1]}")
        seen[role] = column
        measures[i] = role
    lacking = [k for k in KEY_FIELDS if k not in key_index]
    regions = {region for _, region in seen}
    lacking += [
        f"{measure} of {region}"
        for region in report.regions
        if region in regions or region == SYSTEM_WIDE
        for measure in REQUIRED_MEASURES
        if (measure, region) not in seen
    ]
    if lacking:
        raise ReportFormatError(file, 0, "header", f"{report.report_id} header lacks {', '.join(lacking)}")
    return HeaderLayout(report, header, key_index, measures)
