"""Placing ERCOT's settlement point / electrical bus mapping (NP4-160-SG) in the raw layout (ADR 0013).

NP4-160-SG is reference data, not an operating day's prices: ERCOT posts it
irregularly (one zip per network-model version; MIS lists about a month of
postings). A posting is stored unchanged (ERCOT's zip, or the loose member
CSVs of one stamp from a drop folder) at
``<raw_root>/np4-160-sg/<posting day>/<name>``, the posting day being the
``_MMDDYYYY_HHMMSS`` stamp of its Settlement_Points table (America/Chicago),
else the MIS posting time. Before anything is placed the files are read whole
(:func:`hayeknet.ercot.parse.settlement_points.read_settlement_point_map`), so
an unreadable posting stops with the error naming file, member, row and field
and writes nothing. A file already in place with the same sha256 is kept
(``reused=True``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ
from hayeknet.ercot.collectors.base import CollectedFile, CollectorError, sha256_bytes, sha256_path
from hayeknet.ercot.parse.settlement_points import (
    MappingFormatError,
    SettlementPointMap,
    read_settlement_point_map,
)
from hayeknet.ercot.reports import NP4_160

__all__ = ["local_day", "place_mapping_files", "settlement_point_map_provenance"]


def local_day(when_utc: dt.datetime) -> dt.date:
    """The America/Chicago day of a UTC time."""
    return pd.Timestamp(when_utc).tz_convert(ERCOT_TZ).date()


def _check_name(name: str) -> str:
    base = Path(name).name
    if not base or base != name or base.startswith("."):
        raise CollectorError(f"refusing raw file name {name!r}: must be a plain, visible file name")
    return base


def place_mapping_files(
    files: Sequence[tuple[str, bytes]],
    raw_root: Path,
    source: str,
    *,
    document_id: str | None = None,
    publish_time_utc: dt.datetime | None = None,
) -> tuple[list[CollectedFile], SettlementPointMap]:
    """Place one NP4-160-SG posting (``(file name, bytes)``: ERCOT's zip, or loose member CSVs) unchanged at
    ``<raw_root>/np4-160-sg/<posting day>/``; return the records and the map read from it.

    Raises :class:`CollectorError` when the files are not a readable mapping
    or carry no posting time (no stamp in the member names and no
    ``publish_time_utc``).
    """
    raw_root = Path(raw_root)
    raw_root.mkdir(parents=True, exist_ok=True)
    names = [_check_name(n) for n, _ in files]
    if len(set(names)) != len(names):
        raise CollectorError(f"{source}: NP4-160-SG files with one name twice: {', '.join(names)}")
    staging = Path(tempfile.mkdtemp(prefix=".collect-np4-160-sg-", dir=raw_root))
    try:
        for name, data in files:
            (staging / name).write_bytes(data)
        try:
            mapping = read_settlement_point_map(*(staging / n for n in names))
        except MappingFormatError as exc:
            raise CollectorError(f"{source}: NP4-160-SG {', '.join(names)} is unreadable: {exc}") from None
        day = mapping.posting_day or (local_day(publish_time_utc) if publish_time_utc is not None else None)
        if day is None:
            raise CollectorError(
                f"{source}: NP4-160-SG {', '.join(names)} cannot be dated: no _MMDDYYYY_HHMMSS stamp in the "
                "Settlement_Points member's name and no posting time from the source"
            )
        folder = raw_root / NP4_160.dir_name / day.isoformat()
        out: list[CollectedFile] = []
        for name, data in files:
            dest = folder / name
            digest = sha256_bytes(data)
            reused = dest.exists() and sha256_path(dest) == digest
            if not reused:
                folder.mkdir(parents=True, exist_ok=True)
                os.replace(staging / name, dest)
            out.append(
                CollectedFile(
                    NP4_160.report_id,
                    day,
                    dest,
                    digest,
                    source,
                    document_id,
                    publish_time_utc,
                    len(data),
                    reused=reused,
                )
            )
        return out, mapping
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def settlement_point_map_provenance(
    files: Iterable[CollectedFile], mapping: SettlementPointMap, raw_root: Path
) -> dict[str, Any]:
    """A JSON-ready record of one placed posting: its files (sha256, document id, posting time) and what it holds."""
    kinds = Counter(p.location_type for p in mapping.points.values())
    return {
        "report": NP4_160.report_id,
        "posted": mapping.posted.isoformat() if mapping.posted is not None else None,
        "documents": [{k: v for k, v in f.to_dict(raw_root).items() if k != "reused"} for f in files],
        "members": list(mapping.members),
        "electrical_buses": len(mapping.buses),
        "settlement_points": dict(sorted(kinds.items())),
        "zone_hubs": dict(mapping.zone_hubs),
        "notes": list(mapping.notes),
    }
