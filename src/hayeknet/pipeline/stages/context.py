"""Shared pieces of the stage functions: the project context, day checks, JSON I/O and price access."""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.battery.spec import BatterySpec
from hayeknet.config import ProjectPaths, project_paths
from hayeknet.params import Params, load_params
from hayeknet.pipeline.days import INIT, read_days_file


SCED_DT_HOURS = 5.0 / 60.0
"""Length of a 5-minute SCED interval in hours."""


class StageInputError(RuntimeError):
    """A stage's input is missing or unusable (names the path and what is wrong)."""


@dataclass(frozen=True)
class StageContext:
    """Paths and validated parameters of the project a stage runs in."""

    paths: ProjectPaths
    params: Params

    @classmethod
    def load(cls, start: Path | None = None) -> "StageContext":
        paths = project_paths(start)
        return cls(paths, load_params(paths.params_file))

    @property
    def spec(self) -> BatterySpec:
        return BatterySpec.from_params(self.params.battery)

    @property
    def location(self) -> str:
        return self.params.battery.location

    def study_days(self) -> list[dt.date]:
        """Days of ``days.yaml`` (the pipeline's days), oldest first."""
        return read_days_file(self.paths.days_file)

    def prev_of(self, day: str) -> str:
        """The study day before ``day`` (ISO) or ``init``."""
        d = dt.date.fromisoformat(day)
        earlier = [x for x in self.study_days() if x < d]
        return earlier[-1].isoformat() if earlier else INIT

    def days_through(self, day: str) -> list[str]:
        """Study days up to and including ``day`` (ISO strings)."""
        d = dt.date.fromisoformat(day)
        return [x.isoformat() for x in self.study_days() if x <= d]


def check_day(day: str) -> str:
    try:
        return dt.date.fromisoformat(str(day)).isoformat()
    except ValueError:
        raise StageInputError(f"day must be YYYY-MM-DD, got {day!r}") from None


def write_json(path: Path, payload: Any) -> None:
    """Strict JSON (non-finite floats as ``null``; NumPy and timestamps converted by :func:`json_default`)."""
    from hayeknet.io import strict_json_value

    text = json.dumps(strict_json_value(payload), indent=2, sort_keys=True, default=json_default, allow_nan=False)
    path.write_text(text + "\n")


def json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def read_json(path: Path) -> Any:
    if not path.exists():
        raise StageInputError(f"{path}: missing (run the upstream stage: dvc repro)")
    return json.loads(path.read_text())

_DAY_TABLE_CACHE: "OrderedDict[tuple[str, str, tuple[tuple[str, int, int], ...]], pd.DataFrame]" = OrderedDict()
_DAY_TABLE_CACHE_SIZE = 8


def _partition_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, size, mtime_ns) of every file of a partition: changes whenever a file is rewritten."""
    return tuple(sorted((p.name, st.st_size, st.st_mtime_ns) for p in folder.iterdir() if p.is_file()
                        for st in [p.stat()]))


def day_table(ctx: StageContext, day: str) -> pd.DataFrame:
    """The day's normalized archive table (all reports); a fresh copy on every call.

    A stage asks for the same day several times (prices, DAM, AS); the table is
    read once and kept in a small in-process cache keyed by the partition's
    path and its files' sizes and modification times, so a rewritten partition
    (atomic replace) is read again.
    """
    from hayeknet.archive.store import read_day

    folder = ctx.paths.archive_day(day)
    if not folder.exists():
        raise StageInputError(f"{folder}: no archive partition for {day} (run ingest@{day})")
    key = (str(folder.resolve()), day, _partition_signature(folder))
    table = _DAY_TABLE_CACHE.get(key)
    if table is None:
        table = read_day(ctx.paths.archive, day)
        _DAY_TABLE_CACHE[key] = table
        while len(_DAY_TABLE_CACHE) > _DAY_TABLE_CACHE_SIZE:
            _DAY_TABLE_CACHE.popitem(last=False)
    else:
        _DAY_TABLE_CACHE.move_to_end(key)
    return table.copy()


def day_wide_prices(ctx: StageContext, day: str, market: str = "RTM_SCED") -> pd.DataFrame:
    """Wide 5-minute (or hourly for DAM) prices of the day: index UTC, one column per location."""
    from hayeknet.archive.store import wide_prices

    return wide_prices(day_table(ctx, day), market=market)


def location_prices(ctx: StageContext, day: str, location: str | None = None) -> pd.Series:
    """5-minute RTM prices ($/MWh) of one location over the day, gaps filled forward."""
    location = location or ctx.location
    wide = day_wide_prices(ctx, day)
    if location not in wide.columns:
        raise StageInputError(
            f"{ctx.paths.archive_day(day)}: settlement point {location!r} (battery.location) not in the "
            f"day's RTM prices; available: {', '.join(sorted(wide.columns)[:12])}..."
        )
    series = wide[location].astype(float)
    if series.isna().all():
        raise StageInputError(f"{ctx.paths.archive_day(day)}: no RTM price for {location}")
    return series.ffill().bfill().rename(location)



def dam_reference(ctx: StageContext, day: str, grid: pd.DatetimeIndex) -> np.ndarray | None:
    """The day's DAM price at the battery location held over each 5-minute interval of ``grid``.

    Known before the operating day, so the agent may look at all of it (its
    "reference" curve); None when the archive has no DAM price for the location.
    """
    from hayeknet.battery.market_designs import dam_energy_prices

    dam = dam_energy_prices(day_table(ctx, day), ctx.location)
    if dam is None:
        return None
    dam = dam.copy()
    dam.index = dam.index.tz_convert("UTC")
    values = dam.reindex(grid.tz_convert("UTC").floor("h")).ffill().bfill().to_numpy(dtype=float)
    return None if np.isnan(values).any() else values
