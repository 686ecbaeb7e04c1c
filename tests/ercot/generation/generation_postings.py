"""Build wind and solar postings in ERCOT's exact layout (NP4-732-CD, NP4-737-CD), for the tests.

A posting at Central wall time ``P`` holds the 48 hours before ``P``'s hour
and the 168 after (216 rows, ``MM/DD/YYYY`` dates, two-digit hour ending,
``DSTFlag`` ``Y`` on the repeated hour's second pass), actual output filled
in for the hours that ended before ``P`` and blank after, forecasts in every
row. Values are made up but traceable: every forecast of posting ``P`` is
``base(hour) + tag(P)`` and every actual ``base(hour) + revision``, so a test
can tell which posting a value came from. Names are MIS constructed names
(``cdr.00013028.0000000000000000.YYYYMMDD.HHMMSS.<TAG>_csv.zip``; the tags
are illustrative, the parser reads only the stamp).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path

import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ, utc_to_hour_ending
from hayeknet.ercot.generation import NP4_732, NP4_737, GenerationReport

TAGS = {"NP4-732-CD": "WPPHRLYACTFCSTNP4732", "NP4-737-CD": "SPPHRLYACTFCSTNP4737"}
REPORT_OF = {"wind": NP4_732, "solar": NP4_737}
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def local(text: str, repeated: bool = False) -> pd.Timestamp:
    """A Central wall time (``"2025-03-09 09:05:01"``) as UTC; ``repeated`` picks the second pass."""
    return pd.Timestamp(text).tz_localize(ERCOT_TZ, ambiguous=not repeated).tz_convert("UTC")


def base_mw(resource: str, start_utc: pd.Timestamp) -> float:
    """A made-up hourly output (MW) that looks like the resource: solar bell by day, wind anything."""
    hour = start_utc.tz_convert(ERCOT_TZ).hour
    if resource == "solar":
        return round(max(0.0, 20000.0 * math.sin(math.pi * (hour - 6) / 13)) if 6 <= hour <= 19 else 0.0, 1)
    return round(15000.0 + 5000.0 * math.sin(hour / 3.0), 1)


def tag_of(published_utc: pd.Timestamp) -> float:
    """Added to every forecast of a posting: its posting hour since 2000 / 10,000 (unique per hourly posting)."""
    return round((published_utc - pd.Timestamp("2000-01-01", tz="UTC")) / pd.Timedelta(hours=1) / 10000.0, 4)


def posting_name(report: GenerationReport, published_utc: pd.Timestamp, retry: bool = False) -> str:
    wall = published_utc.tz_convert(ERCOT_TZ)
    repeated = bool(utc_to_hour_ending(pd.DatetimeIndex([published_utc]), 60)["repeated"].iloc[0])
    tag = TAGS[report.report_id] + ("_retry" if retry else "") + ("_xhr" if repeated else "")
    return f"cdr.{report.mis_report_type_id:08d}.0000000000000000.{wall:%Y%m%d.%H%M%S}.{tag}_csv.zip"


def posting_csv(
    resource: str,
    published_utc: pd.Timestamp,
    revision: float = 0.0,
    hsl: bool = True,
    hours_back: int = 48,
    hours_ahead: int = 168,
) -> str:
    """The CSV text of one posting (``hsl=False``: the header before 2024-09-26 without ``SYSTEM_WIDE_HSL``)."""
    report = REPORT_OF[resource]
    header = [c for c in report.columns if hsl or c != "SYSTEM_WIDE_HSL"]
    first = published_utc.floor("h") - pd.Timedelta(hours=hours_back)
    starts = pd.date_range(first, periods=hours_back + hours_ahead, freq="h", tz="UTC")
    labels = utc_to_hour_ending(starts, 60)
    tag = tag_of(published_utc)
    lines = [",".join(header)]
    for k, start in enumerate(starts):
        b = base_mw(resource, start)
        known = start + pd.Timedelta(hours=1) <= published_utc
        values: dict[str, str] = {
            "DELIVERY_DATE": labels["date"].iloc[k].strftime("%m/%d/%Y"),
            "HOUR_ENDING": f"{int(labels['hour_ending'].iloc[k]):02d}",
            "DSTFlag": "Y" if labels["repeated"].iloc[k] else "N",
        }
        for col in header:
            if col in values:
                continue
            share = 1.0 if "SYSTEM_WIDE" in col else 0.25
            if col.startswith("GEN_") or col == "SYSTEM_WIDE_GEN":
                values[col] = f"{(b + revision) * share:.2f}" if known else ""
            elif col == "SYSTEM_WIDE_HSL":
                values[col] = f"{(b + revision) * 1.05:.2f}" if known else ""
            elif col.startswith("COP_HSL_"):
                values[col] = f"{(b * 1.1 + tag) * share:.4f}"
            elif col.startswith(("WGRPP_", "PVGRPP_")):
                values[col] = f"{(b * 0.8 + tag) * share:.4f}"
            else:  # STWPF / STPPF
                values[col] = f"{(b + tag) * share:.4f}"
        lines.append(",".join(values[c] for c in header))
    return "\n".join(lines) + "\n"


def zip_bytes(name: str, text: str) -> bytes:
    """ERCOT's container: a zip of one CSV (fixed member time, so bytes are deterministic)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(name.removesuffix(".zip").removesuffix("_csv") + ".csv", FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, text)
    return buf.getvalue()


def write_posting(
    folder: Path, resource: str, published_utc: pd.Timestamp, revision: float = 0.0, retry: bool = False, **kw
) -> Path:
    """Write one posting zip under ``folder`` with its MIS name; returns the path."""
    report = REPORT_OF[resource]
    name = posting_name(report, published_utc, retry)
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zip_bytes(name, posting_csv(resource, published_utc, revision, **kw)))
    return path


def hourly_postings(first_utc: pd.Timestamp, last_utc: pd.Timestamp, minute: int = 5) -> list[pd.Timestamp]:
    """Posting times every hour at ``:minute:01`` from ``first_utc``'s hour through ``last_utc``."""
    start = first_utc.floor("h") + pd.Timedelta(minutes=minute, seconds=1)
    return list(pd.date_range(start, last_utc, freq="h"))


def day_window_postings(day: dt.date) -> list[pd.Timestamp]:
    """The hourly postings of a day's collection window (00:05 of the day before to 02:05 of the day after)."""
    start = pd.Timestamp(day - dt.timedelta(days=1)).tz_localize(ERCOT_TZ).tz_convert("UTC")
    end = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize(ERCOT_TZ).tz_convert("UTC") + pd.Timedelta(hours=3)
    return [p for p in hourly_postings(start, end) if p < end]


# --- recorded MIS responses -------------------------------------------------------------------

MIS_LIST = "https://www.ercot.com/misapp/servlets/IceDocListJsonWS"
MIS_DOWNLOAD = "https://www.ercot.com/misdownload/servlets/mirDownload"
RECORDED_DAY = dt.date(2026, 9, 29)
RECORDED_POSTINGS = (
    ("2026-09-27 23:05:01", False),  # before the window (00:00 the day before): listed, never downloaded
    ("2026-09-28 08:05:01", False),
    ("2026-09-28 09:05:01", False),  # the last posting before the 10:00 cutoff: the day-ahead forecast
    ("2026-09-28 10:05:01", False),
    ("2026-09-29 12:05:01", False),
    ("2026-09-30 01:05:01", False),
    ("2026-09-30 02:05:01", True),  # the latest in the window: the actual output (revised, +1 MW)
    ("2026-09-30 03:05:01", False),  # after the window (03:00 the day after): never downloaded
)


def build_mis_recordings(out: Path) -> None:
    """MIS document lists (CSV and XML siblings) and CSV zips of both reports around :data:`RECORDED_DAY`.

    Only the downloads of postings inside the day's window are recorded, so a
    collector that fetched another would fail on the replay.
    """
    import json

    from hayeknet.ercot.generation.collect import posting_window_utc

    out.mkdir(parents=True, exist_ok=True)
    start, end = posting_window_utc(RECORDED_DAY)
    interactions = []
    for report in (NP4_732, NP4_737):
        docs = []
        for k, (wall, revised) in enumerate(RECORDED_POSTINGS):
            published = local(wall)
            name = posting_name(report, published)
            stamp = published.tz_convert(ERCOT_TZ)
            friendly = f"{TAGS[report.report_id]}_{stamp:%Y%m%d_%H%M}"
            doc_id = f"{report.mis_report_type_id}{k:04d}"
            for fmt, suffix in (("csv", "0"), ("xml", "1")):
                docs.append(
                    {
                        "Document": {
                            "ExpiredDate": "2026-10-06T23:59:59-05:00",
                            "ILMStatus": "EXT",
                            "SecurityStatus": "P",
                            "ContentSize": "1000",
                            "Extension": "zip",
                            "ReportTypeID": str(report.mis_report_type_id),
                            "FriendlyName": f"{friendly}_{fmt}",
                            "ConstructedName": name if fmt == "csv" else name.replace("_csv.zip", "_xml.zip"),
                            "DocID": doc_id + suffix,
                            "PublishDate": stamp.isoformat(),
                        }
                    }
                )
            if start <= published < end:
                text = posting_csv(report.resource, published, 1.0 if revised else 0.0)
                (out / name).write_bytes(zip_bytes(name, text))
                interactions.append(
                    {
                        "request": {"method": "GET", "url": f"{MIS_DOWNLOAD}?doclookupId={doc_id}0"},
                        "response": {"status": 200, "headers": {}, "body_file": name},
                    }
                )
        docs.reverse()  # MIS lists newest first
        list_name = f"doclist_{report.mis_report_type_id}.json"
        (out / list_name).write_text(json.dumps({"ListDocsByRptTypeRes": {"DocumentList": docs}}, indent=1) + "\n")
        interactions.append(
            {
                "request": {"method": "GET", "url": f"{MIS_LIST}?reportTypeId={report.mis_report_type_id}"},
                "response": {"status": 200, "headers": {}, "body_file": list_name},
            }
        )
    (out / "cassette.json").write_text(json.dumps({"interactions": interactions}, indent=1) + "\n")


if __name__ == "__main__":  # PYTHONPATH=src python tests/ercot/generation/generation_postings.py
    build_mis_recordings(Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "mis_generation")
