"""Stage ``ingest``: the day's raw ERCOT files -> the day's archive partition (``artifacts/archive/day=<day>/``).

Later stages read the partition through :func:`read_day` (one read per
partition version and process) and ask it for prices through
:mod:`hayeknet.archive.queries`; nothing else opens the archive.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.pipeline.context import StageContext, StageInputError, check_day
from hayeknet.pipeline.timings import timed

STAGE = "ingest"
"""The DVC stage (params: ``quality``, the data-quality gates)."""


@dataclass(frozen=True)
class IngestOutcome:
    """The day's archive partition and its provenance."""

    day: str
    provenance: dict[str, Any]

    def report_table(self) -> pd.DataFrame:
        """Rows per report and files per status."""
        files = pd.DataFrame(self.provenance["source_files"])
        per_report = files.groupby(["report", "status"]).size().unstack(fill_value=0)
        rows = pd.Series(self.provenance["row_counts"], name="rows")
        return per_report.join(rows, how="outer").fillna(0).astype(int)

    def checks_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.provenance["checks"])


@timed(STAGE)
def run(ctx: StageContext, day: str) -> IngestOutcome:
    """Parse, validate and archive the day's raw files -> ``artifacts/archive/day=<day>/``.

    The partition's provenance holds the day's verdict (:mod:`hayeknet.archive.quality`): a day whose
    checks fail is archived as *quarantined* (a day none of whose files parses, with no rows), and its
    later stages short-circuit (:mod:`hayeknet.pipeline.quarantine`).
    """
    import os

    from hayeknet.archive.ingest import MissingDataError, ingest_day, quarantine_unusable_day

    quality = ctx.params_for(STAGE).quality
    day = check_day(day)
    source = _collection_source(ctx, day)
    bound, label = quality.max_filled_minutes, os.path.relpath(ctx.paths.raw, ctx.paths.root)
    try:
        result = ingest_day(
            ctx.paths.raw, day, ctx.paths.archive, collected_from=source, max_filled_minutes=bound, raw_label=label
        )
    except MissingDataError:  # no row parses: archived empty and quarantined, so the day's stages short-circuit
        result = quarantine_unusable_day(
            ctx.paths.raw, day, ctx.paths.archive, collected_from=source, max_filled_minutes=bound, raw_label=label
        )
    return IngestOutcome(day, result.provenance)


def _collection_source(ctx: StageContext, day: str) -> str:
    """The source the day was collected from (``data/provenance/<day>.json``, written by collect)."""
    record = ctx.paths.collect_log / f"{day}.json"
    if not record.exists():
        raise StageInputError(f"{record}: missing: collect the day first (hayeknet collect)")
    return str(json.loads(record.read_text()).get("source", "unknown"))


def collected_from(ctx: StageContext, day: str) -> str:
    """The collection source of ``day``'s archive partition (``synthetic``, ``files``, ``mis``, ``api``)."""
    from hayeknet.archive.store import read_provenance

    return str(read_provenance(ctx.paths.archive, day).get("collected_from", "unknown"))


def network(ctx: StageContext, day: str) -> Any:
    """The :class:`~hayeknet.pipeline.network.NetworkView` of ``day``'s data: its collection source, its
    settlement points (with the reports' types) and, for real data, the settlement point mapping in force."""
    from hayeknet.pipeline.network import network_view

    table = read_day(ctx, day)
    energy = table[table["as_type"].isna()]
    pairs = energy[["location", "location_type"]].drop_duplicates().itertuples(index=False, name=None)
    return network_view(collected_from(ctx, day), pairs, ctx.paths.raw, day)


_DAY_TABLE_CACHE: OrderedDict[tuple[str, str, tuple[tuple[str, int, int], ...]], pd.DataFrame] = OrderedDict()
_DAY_TABLE_CACHE_SIZE = 8


def _partition_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, size, mtime_ns) of every file of a partition: changes whenever a file is rewritten."""
    return tuple(
        sorted((p.name, st.st_size, st.st_mtime_ns) for p in folder.iterdir() if p.is_file() for st in [p.stat()])
    )


def read_day(ctx: StageContext, day: str) -> pd.DataFrame:
    """The day's normalized archive table (all reports, ADR 0001); a fresh copy on every call.

    A stage asks for the same day several times (prices, DAM, AS); the table is
    read once and kept in a small in-process cache keyed by the partition's
    path and its files' sizes and modification times, so a rewritten partition
    (atomic replace) is read again.
    """
    from hayeknet.archive.store import read_day as read_partition
    from hayeknet.pipeline.quarantine import reason

    folder = ctx.paths.archive_day(day)
    if not folder.exists():
        raise StageInputError(f"{folder}: no archive partition for {day} (run ingest@{day})")
    why = reason(ctx.paths, day)
    if why is not None:
        raise StageInputError(f"{day} is quarantined, its prices are not used: {why}")
    key = (str(folder.resolve()), day, _partition_signature(folder))
    table = _DAY_TABLE_CACHE.get(key)
    if table is None:
        table = read_partition(ctx.paths.archive, day)
        _DAY_TABLE_CACHE[key] = table
        while len(_DAY_TABLE_CACHE) > _DAY_TABLE_CACHE_SIZE:
            _DAY_TABLE_CACHE.popitem(last=False)
    else:
        _DAY_TABLE_CACHE.move_to_end(key)
    out = table.copy()
    out.attrs["max_filled_minutes"] = fill_bound(ctx, day)
    return out


def fill_bound(ctx: StageContext, day: str) -> int | None:
    """Minutes of a price series the query layer may fill on ``day`` (``quality.max_filled_minutes`` that
    ingest ran with, from the partition's provenance); None for a partition written before the bound."""
    from hayeknet.pipeline.quarantine import provenance_of

    record = provenance_of(ctx.paths, day) or {}
    bound = record.get("max_filled_minutes")
    return int(bound) if isinstance(bound, int) else None


def quality_summary(ctx: StageContext, day: str) -> list[str]:
    """The day's data-quality flags (rare-but-possible extremes, gaps filled within the bound), one line each,
    for the report; empty when the checks found nothing to flag."""
    from hayeknet.pipeline.quarantine import provenance_of

    record = provenance_of(ctx.paths, day) or {}
    return [str(line) for line in record.get("flags") or []]


def archived(ctx: StageContext, day: str) -> bool:
    """Whether ``day`` has a usable archive partition: one that exists and is not quarantined (False for
    ``init``)."""
    from hayeknet.pipeline.quarantine import is_quarantined

    return ctx.paths.archive_day(day).exists() and not is_quarantined(ctx.paths, day)


def figure_prices(ctx: StageContext, day: str) -> Any:
    """The day's real-time prices at the trading hubs (the ingest stage knows no battery location); nothing
    (a :class:`~hayeknet.pipeline.quarantine.Quarantined` stand-in) for a quarantined day."""
    from hayeknet.archive.queries import realtime_wide
    from hayeknet.pipeline.quarantine import Quarantined, reason
    from hayeknet.reporting.plots import plot_price_paths

    why = reason(ctx.paths, day)
    if why is not None:
        return Quarantined(STAGE, day, why)

    _, wide = realtime_wide(read_day(ctx, day), what=str(ctx.paths.archive_day(day)))
    hubs = [c for c in wide.columns if str(c).startswith("HB_")][:6] or list(wide.columns[:6])
    return plot_price_paths(wide, None, hubs=hubs)
