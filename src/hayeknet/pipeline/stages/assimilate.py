"""Stage ``assimilate``: the EnKF over the day's real-time prices -> ``artifacts/states/<day>/``.

Params (``dvc.yaml``): ``assimilation``, ``battery.location`` (the location the figure shows).
Later stages read the outputs through :func:`read_states`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from hayeknet.io import atomic_directory
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
        """The scalar metrics (the per-location and binned ones: :meth:`skill_table`, ``metrics``)."""
        scalars = {k: v for k, v in self.metrics.items() if not isinstance(v, dict | list)}
        return pd.Series(scalars, name="value").to_frame()

    def skill_table(self) -> pd.DataFrame:
        """Forecast skill per location (rows), 1 step and 1 hour ahead, against persistence and the DAM."""
        return pd.DataFrame(self.metrics.get("forecast_skill_by_location") or {}).T


@timed(STAGE)
def run(ctx: StageContext, day: str) -> AssimilateOutcome:
    """EnKF over the day's real-time prices (the finest market present) -> ``artifacts/states/<day>/``.

    Writes ``filtered.parquet`` (per interval and location: observed, mean,
    spread, innovation, normalized innovation; $/MWh), ``system.parquet`` (the
    shared system and shock components) and ``metrics.json`` (backend used,
    analysis RMSE (after assimilating the same price: a fit, not a skill),
    forecast skill 1 step and 1 hour ahead against persistence and the day's
    DAM, pooled, per location and at the battery location, with a sentence
    ``forecast_verdict``; spread/RMSE, anomalies, the market and interval
    length, how the network entered the model: the synthetic grid for
    synthetic data, else none, said in a sentence;
    :mod:`hayeknet.pipeline.network`). What each field means:
    :data:`hayeknet.assimilation.skill.METRIC_DESCRIPTIONS`.
    """
    from hayeknet.archive.queries import DAM, realtime_wide, wide_prices
    from hayeknet.assimilation import assimilate_day
    from hayeknet.assimilation.skill import forecast_verdict

    stage_params = ctx.params_for(STAGE)
    params = stage_params.assimilation
    day = check_day(day)
    table = ingest.read_day(ctx, day)
    market, wide = realtime_wide(table, what=str(ctx.paths.archive_day(day)))
    dam = wide_prices(table, market=DAM)
    distance, zones, localization = ingest.network(ctx, day).zones_and_distance(
        list(wide.columns), params.localization_radius_hops
    )
    radius = params.localization_radius_hops if distance is not None else None
    result = assimilate_day(
        wide, params, backend=params.backend, distance=distance, zones=zones, localization_radius=radius, dam_prices=dam
    )
    location = stage_params.battery.location
    battery_skill = result.metrics["forecast_skill_by_location"].get(location)
    metrics = {
        **result.metrics,
        "battery_location": location,
        "forecast_skill_battery": battery_skill,
        "forecast_verdict": (
            forecast_verdict(battery_skill, location)
            if battery_skill is not None
            else f"{location} has no real-time price this day; {result.metrics['forecast_verdict']}"
        ),
        "day": day,
        "backend_requested": params.backend,
        "localization": localization,
        "market": market,
    }
    with atomic_directory(ctx.paths.states / day) as tmp:
        result.filtered.to_parquet(tmp / FILTERED_FILE, index=False)
        result.system.to_parquet(tmp / SYSTEM_FILE, index=False)
        tracked_json(tmp / METRICS_FILE, metrics)
    return AssimilateOutcome(day, result.filtered, metrics)


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
    """The filtered band against the observed prices at the battery location (nothing on a quarantined day)."""
    from hayeknet.pipeline.quarantine import is_stand_in
    from hayeknet.reporting.plots import plot_enkf_band

    if is_stand_in(outcome):
        return outcome
    return plot_enkf_band(outcome.filtered, ctx.params_for(STAGE).battery.location)
