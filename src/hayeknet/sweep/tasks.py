"""One task of a siting sweep: every strategy at a share of one day's settlement points.

A task (:class:`ChunkTask`) names an archive partition (the day), the day
before (the history a causal strategy sees: the previous calendar day when it
is archived, as in ``hayeknet backtest``), its share of the day's points
(every ``n_chunks``-th point of the sorted list, starting at ``chunk``) and the
:class:`~hayeknet.sweep.plan.SweepConfig`. :func:`run_chunk` runs on a Dask
worker or in the calling process alike and returns the result rows
(:data:`hayeknet.sweep.results.RESULT_COLUMNS`); it reads only the two
partitions it names, through :mod:`hayeknet.archive.store` and
:mod:`hayeknet.archive.queries`, and keeps the last few days' prices in the
process (:func:`day_prices`) so that the tasks of one day on one worker read
the partition once.

Strategies come from :mod:`hayeknet.battery.lineup` (``run_lineup``,
``strategy_results``), so every strategy the simulate stage knows can be swept.
A strategy the day cannot support (``mpc_dam`` without DAM prices) gives a row
with status ``not_run`` and the reason; a strategy that fails at one point
(an infeasible schedule) gives a row with status ``error`` and the message,
and the other points go on. Anything else (an unreadable partition, a dead
worker) fails the task, which the runner retries and reports.
"""

from __future__ import annotations

import dataclasses
import math
import os
import resource
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.sweep.plan import SweepConfig

OK, NOT_RUN, ERROR, NO_PRICE = "ok", "not_run", "error", "no_price"
"""Row statuses: computed; the strategy cannot run on the day (reason in ``note``); it failed at this point
(message in ``note``); the point of an explicit list has no real-time price on the day."""

SYNTHETIC = "synthetic"
_CACHE_DAYS = 3
_DAY_CACHE: OrderedDict[tuple[str, str, tuple[int, int]], DayPrices] = OrderedDict()


@dataclass(frozen=True)
class ZoneSource:
    """Where a day's zones come from: the data's collection source (``synthetic``, ``mis``, ``api``,
    ``files``) and the raw folder that holds the settlement point mapping of real data (ADR 0013)."""

    collected_from: str
    raw_root: str | None = None


@dataclass(frozen=True)
class ChunkTask:
    """Every strategy of ``config`` at points ``chunk::n_chunks`` of ``day`` (module doc)."""

    archive_root: str
    day: str
    prev_day: str | None
    chunk: int
    n_chunks: int
    config: SweepConfig
    zones: ZoneSource

    @property
    def name(self) -> str:
        return f"sweep-{self.day}-{self.chunk + 1:03d}of{self.n_chunks:03d}"


@dataclass(frozen=True, eq=False)
class ChunkResult:
    """The rows of one task, and where and how long it ran: wall and CPU seconds of the task, the process's peak
    memory (logs, never outputs)."""

    day: str
    chunk: int
    rows: pd.DataFrame
    node_days: int
    pid: int
    seconds: float
    peak_rss_mib: float
    cpu_seconds: float = 0.0


@dataclass(frozen=True, eq=False)
class DayPrices:
    """One day's prices at every point (:mod:`hayeknet.archive.queries`), their types and zone hubs."""

    day: str
    realtime: dict[str, Any]  # location -> RealTimePrices
    dam: dict[str, pd.Series | None]
    types: dict[str, str]
    hubs: dict[str, str | None]


def _signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def day_prices(archive_root: str | Path, day: str, zones: ZoneSource | None) -> DayPrices:
    """The day's :class:`DayPrices` (``zones`` None: no zone hubs), cached per process for the last few days
    (keyed by the partition file's size and modification time, so a rewritten partition is read again)."""
    from hayeknet.archive.store import PRICES_FILE, partition_dir

    path = partition_dir(Path(archive_root), day) / PRICES_FILE
    key = (str(path), "zones" if zones is not None else "plain", _signature(path))
    cached = _DAY_CACHE.get(key)
    if cached is None and zones is None:  # a day read with zones also serves as history
        cached = _DAY_CACHE.get((str(path), "zones", key[2]))
    if cached is not None:
        _DAY_CACHE.move_to_end(key if key in _DAY_CACHE else (str(path), "zones", key[2]))
        return cached
    prices = _load_day(Path(archive_root), day, zones)
    _DAY_CACHE[key] = prices
    while len(_DAY_CACHE) > _CACHE_DAYS:
        _DAY_CACHE.popitem(last=False)
    return prices


def _load_day(archive_root: Path, day: str, zones: ZoneSource | None) -> DayPrices:
    from hayeknet.archive.queries import dam_prices_by_location, realtime_prices_by_location
    from hayeknet.archive.store import read_day
    from hayeknet.ercot.locations import LOAD_ZONE_DC_EW, LOAD_ZONE_EW

    table = read_day(archive_root, day)
    realtime = realtime_prices_by_location(table)
    energy = table[table["as_type"].isna() & ~table["location_type"].isin([LOAD_ZONE_EW, LOAD_ZONE_DC_EW])]
    pairs = energy[["location", "location_type"]].drop_duplicates("location")
    types = {str(n): str(t) for n, t in pairs.itertuples(index=False, name=None)}
    dam = dam_prices_by_location(table, sorted(realtime)) if zones is not None else {}
    hubs = zone_hubs(zones, types, day) if zones is not None else {}
    return DayPrices(day, realtime, dam, types, hubs)


def zone_hubs(source: ZoneSource, types: dict[str, str], day: str) -> dict[str, str | None]:
    """The reference hub of each point (its zone's trading hub; ``HB_HUBAVG`` for a trading hub; None for a
    hub average or a point without a known zone) from the day's network (ADR 0013). Synthetic data whose
    grid graph does not hold every point (more resource nodes than the grid's 15) takes the hubs from the
    synthetic catalogue the data were generated from: the same zones the grid would give."""
    from hayeknet.ercot.locations import HUB_AVERAGE_NAMES, RESOURCE_NODE, TRADING_HUB, default_catalogue
    from hayeknet.pipeline.network import network_view

    pairs = sorted(types.items())
    view = network_view(source.collected_from, pairs, Path(source.raw_root) if source.raw_root else None, day)
    if view.model is not None or source.collected_from != SYNTHETIC:
        return {name: view.reference_hub(name, "auto")[0] for name, _ in pairs}
    n_nodes = sum(1 for _, kind in pairs if kind == RESOURCE_NODE)
    catalogue = {p.name: p for p in default_catalogue(n_nodes)}
    out: dict[str, str | None] = {}
    for name, kind in pairs:
        point = catalogue.get(name)
        if name in HUB_AVERAGE_NAMES:
            out[name] = None
        elif kind == TRADING_HUB or name.startswith("HB_"):
            out[name] = "HB_HUBAVG"
        else:
            out[name] = f"HB_{point.zone}" if point is not None else None
    return out


def zone_of(location: str, location_type: str | None, hub: str | None) -> str | None:
    """The zone label of a point: its reference hub without ``HB_`` (``WEST``), a trading hub's own name
    without it, ``ERCOT`` for a hub average, None when unknown."""
    from hayeknet.ercot.locations import HUB_AVERAGE, HUB_AVERAGE_NAMES, TRADING_HUB

    if location in HUB_AVERAGE_NAMES or location_type == HUB_AVERAGE:
        return "ERCOT"
    if location_type == TRADING_HUB or (hub == "HB_HUBAVG" and location.startswith("HB_")):
        return location.removeprefix("HB_")
    if hub is None or hub in HUB_AVERAGE_NAMES:
        return None
    return hub.removeprefix("HB_")


def chunk_locations(names: list[str] | tuple[str, ...], chunk: int, n_chunks: int) -> list[str]:
    """Every ``n_chunks``-th name of the sorted ``names`` from ``chunk`` on (a fixed, balanced split)."""
    return sorted(names)[chunk::n_chunks]


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run every strategy of the task's config at its share of the day's points (module doc)."""
    from hayeknet.threads import blas_threads

    started, cpu_started = time.perf_counter(), time.process_time()
    with blas_threads(1):
        today = day_prices(task.archive_root, task.day, task.zones)
        history = day_prices(task.archive_root, task.prev_day, None) if task.prev_day else None
        wanted = task.config.locations if task.config.locations is not None else tuple(today.realtime)
        names = chunk_locations(wanted, task.chunk, task.n_chunks)
        rows: list[dict[str, Any]] = []
        for name in names:
            rows += _location_rows(task, name, today, history)
    from hayeknet.sweep.results import rows_frame

    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    cpu = time.process_time() - cpu_started
    return ChunkResult(task.day, task.chunk, rows_frame(rows), len(names), os.getpid(), elapsed, peak, cpu)


def _basis(today: DayPrices, name: str, hub: str | None) -> float:
    rt, ref = today.realtime.get(name), today.realtime.get(hub) if hub else None
    if rt is None or ref is None or ref.market != rt.market:
        return math.nan
    diff = rt.prices.to_numpy(float) - ref.prices.reindex(rt.prices.index).to_numpy(float)
    return float(np.nanmean(diff)) if np.isfinite(diff).any() else math.nan


def _location_rows(task: ChunkTask, name: str, today: DayPrices, history: DayPrices | None) -> list[dict[str, Any]]:
    from hayeknet.battery.errors import OptimizationError, ScheduleInputError
    from hayeknet.battery.lineup import DayInformation, run_lineup, strategy_results
    from hayeknet.sweep.plan import PERFECT_FORESIGHT

    config = task.config
    hub = today.hubs.get(name)
    kind = today.types.get(name)
    base: dict[str, Any] = {
        "day": task.day,
        "location": name,
        "location_type": kind,
        "zone": zone_of(name, kind, hub),
        "zone_hub": hub,
    }
    rt = today.realtime.get(name)
    if rt is None:
        note = "no real-time price on the day"
        return [base | {"strategy": s, "status": NO_PRICE, "note": note} for s in config.strategies]
    base |= {
        "market": rt.market,
        "interval_minutes": rt.interval_minutes,
        "n_filled": rt.n_filled,
        "mean_price_usd_per_mwh": float(rt.prices.mean()),
        "basis_to_hub_usd_per_mwh": _basis(today, name, hub),
    }
    before = history.realtime.get(name) if history is not None else None
    info_kwargs: dict[str, Any] = {"dam_hourly": today.dam.get(name), "beliefs_note": "a sweep reads no beliefs"}
    if before is not None:
        info_kwargs["history"] = before.prices
    info = DayInformation(**info_kwargs)
    spec = dataclasses.replace(config.battery, location=name)
    ledgers: dict[str, pd.DataFrame] = {}
    status: dict[str, tuple[str, str]] = {}
    for strategy in config.strategies:  # one at a time: a strategy that fails here leaves the others
        try:
            run = run_lineup([strategy], rt.prices, spec, info, rt.dt_hours, config.simulate)
        except (ScheduleInputError, OptimizationError) as exc:
            status[strategy] = (ERROR, f"{type(exc).__name__}: {exc}")
            continue
        if strategy in run.not_run:
            status[strategy] = (NOT_RUN, run.not_run[strategy])
        else:
            ledgers[strategy] = run.ledgers[strategy]
    results: dict[str, dict[str, Any]] = {}
    if PERFECT_FORESIGHT not in ledgers:
        reason = status.get(PERFECT_FORESIGHT, (ERROR, "no perfect-foresight ledger"))[1]
        for strategy in ledgers:
            status[strategy] = (ERROR, f"no perfect-foresight bound to measure against ({reason})")
    else:
        try:
            results = strategy_results(ledgers, spec)
        except (ScheduleInputError, OptimizationError) as exc:
            for strategy in ledgers:
                status[strategy] = (ERROR, f"{type(exc).__name__} in the capture ratios: {exc}")
    rows = []
    for strategy in config.strategies:
        if strategy in results and strategy not in status:
            rows.append(base | {"strategy": strategy, "status": OK, "note": ""} | results[strategy])
        else:
            state, note = status[strategy]
            rows.append(base | {"strategy": strategy, "status": state, "note": note})
    return rows
