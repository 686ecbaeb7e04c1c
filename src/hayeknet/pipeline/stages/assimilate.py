"""Stage ``assimilate``: the EnKF over the day's 5-minute prices -> ``artifacts/states/<day>/``.

Params (``dvc.yaml``): ``assimilation``, ``battery.location`` (the location the figure shows).
Later stages read the outputs through :func:`read_states`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.io import atomic_directory
from hayeknet.params import AssimilationParams
from hayeknet.pipeline.context import StageContext, StageInputError, check_day, read_json
from hayeknet.pipeline.stages import ingest
from hayeknet.pipeline.timings import timed, tracked_json

STAGE = "assimilate"
FILTERED_FILE = "filtered.parquet"
SYSTEM_FILE = "system.parquet"
METRICS_FILE = "metrics.json"


@dataclass(frozen=True)
class AssimilateOutcome:
    """The EnKF's per-interval, per-location output of the day and its metrics."""

    day: str
    filtered: pd.DataFrame
    metrics: dict[str, Any]

    def metrics_table(self) -> pd.DataFrame:
        return pd.Series(self.metrics, name="value").to_frame()


@timed(STAGE)
def run(ctx: StageContext, day: str) -> AssimilateOutcome:
    """EnKF over the day's 5-minute LMPs -> ``artifacts/states/<day>/``.

    Writes ``filtered.parquet`` (per interval and location: observed, mean,
    spread, innovation, normalized innovation; $/MWh), ``system.parquet`` (the
    shared system and shock components) and ``metrics.json`` (backend used,
    RMSE, spread/RMSE, anomalies, how the network entered the model).
    """
    from hayeknet.archive.queries import wide_prices
    from hayeknet.assimilation import assimilate_day
    from hayeknet.julia import resolve_backend

    params = ctx.params_for(STAGE).assimilation
    day = check_day(day)
    wide = wide_prices(ingest.read_day(ctx, day))
    backend = resolve_backend(params.backend)
    distance, zones, localization = network_structure(params, list(wide.columns))
    radius = params.localization_radius_hops if distance is not None else None
    result = assimilate_day(wide, params, backend=backend, distance=distance, zones=zones, localization_radius=radius)
    metrics = {**result.metrics, "day": day, "backend_requested": params.backend, "localization": localization}
    with atomic_directory(ctx.paths.states / day) as tmp:
        result.filtered.to_parquet(tmp / FILTERED_FILE, index=False)
        result.system.to_parquet(tmp / SYSTEM_FILE, index=False)
        tracked_json(tmp / METRICS_FILE, metrics)
    return AssimilateOutcome(day, result.filtered, metrics)


def network_structure(
    params: AssimilationParams, locations: list[str]
) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    """The grid graph's view of ``locations`` for the EnKF, and how it was chosen.

    Returns ``(distance, zones, description)``: hop distances between the
    locations for Gaspari-Cohn localization (None when
    ``assimilation.localization_radius_hops = 0``), the ``(L, K)`` loadings of
    each location on the grid's hub zones (the spatially correlated part of the
    price model, ADR 0006 addendum 2), and a sentence for the stage metrics. A
    settlement point outside the grid graph (real data beyond the synthetic
    catalogue) gives ``(None, None, ...)``: no zone components, each level
    updated by its own price only.
    """
    from hayeknet.assimilation import grid_zone_loadings
    from hayeknet.constraints.errors import GridModelError
    from hayeknet.constraints.grid import build_grid

    radius = params.localization_radius_hops
    try:
        grid = build_grid()
        zones = grid_zone_loadings(locations, grid)
        distance = grid.distance_matrix(locations) if radius > 0 else None
    except GridModelError as exc:
        return None, None, f"own price only, no zone components: {exc}"
    how = (
        f"network distance, Gaspari-Cohn radius {radius:g} hops"
        if radius > 0
        else "own price only (assimilation.localization_radius_hops = 0)"
    )
    return distance, zones, f"{how}; {zones.shape[1]} grid zones"


def read_states(ctx: StageContext, day: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``(filtered, metrics)`` of ``assimilate@<day>``."""
    folder = ctx.paths.states / day
    if not (folder / FILTERED_FILE).exists():
        raise StageInputError(f"{folder}: no EnKF state (run assimilate@{day})")
    return pd.read_parquet(folder / FILTERED_FILE), read_json(folder / METRICS_FILE)


def filtered_mean_at(ctx: StageContext, day: str, location: str) -> pd.Series:
    """The EnKF filtered mean price ($/MWh) at ``location`` per UTC interval start of ``day``."""
    filtered, _ = read_states(ctx, day)
    own = filtered[filtered["location"] == location]
    if own.empty:
        raise StageInputError(f"{ctx.paths.states / day}: no EnKF state for {location!r}")
    return own.set_index("interval_start_utc")["mean"]


def figure(ctx: StageContext, outcome: AssimilateOutcome) -> Any:
    """The filtered band against the observed prices at the battery location."""
    from hayeknet.reporting.plots import plot_enkf_band

    return plot_enkf_band(outcome.filtered, ctx.params_for(STAGE).battery.location)
