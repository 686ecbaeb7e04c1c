"""Stage ``sweep``: the siting sweep over every study day up to the last -> ``artifacts/sweep/``.

Every settlement point x study day x strategy of ``sweep.strategies`` (the
perfect-foresight bound always), on Dask as ``sweep.scheduler`` says
(:mod:`hayeknet.sweep`, ADR 0019). One Parquet partition per day; the output
is persistent (``persist: true`` in ``dvc.yaml``), so a night that adds a day
computes that day only: every other partition carries the fingerprint of its
inputs, config and code, and is skipped while that fingerprint holds.

Params (``dvc.yaml``): ``sweep``, the battery without its location (the swept
variable), ``simulate`` (the heuristic's percentiles). Later stages read the
results through :func:`read_sweep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from hayeknet.pipeline.context import StageContext, StageInputError, check_day
from hayeknet.pipeline.timings import note_timings, progress, timed

STAGE = "sweep"


@dataclass(frozen=True, eq=False)
class SweepOutcome:
    """The sweep's results (every day of the window) and, after a run, what the run did."""

    last_day: str
    rows: pd.DataFrame
    summary: dict[str, Any]
    report: str = ""

    def describe(self) -> str:
        """What the run did (days written, skipped, retried tasks, throughput), or the window when read back."""
        return self.report or f"sweep of {len(self.summary.get('days', {}))} day(s) (read back)"

    def siting(self) -> Any:
        """The :class:`~hayeknet.sweep.siting.SitingSummary` of the results."""
        from hayeknet.sweep.siting import siting_summary

        return siting_summary(self.rows)

    def days_table(self) -> pd.DataFrame:
        """Per day: points, rows and rows per status."""
        rows = []
        for day, entry in self.summary.get("days", {}).items():
            rows.append({"day": day, "points": entry["n_locations"], "rows": entry["rows"], **entry["rows_by_status"]})
        return pd.DataFrame(rows).set_index("day") if rows else pd.DataFrame({"note": ["no day swept"]})

    def strategy_table(self) -> pd.DataFrame:
        """Profit per node-day of every strategy: mean, quantiles, mean capture ratio."""
        return self.siting().strategies.round(2)


def _config(ctx: StageContext) -> Any:
    from hayeknet.sweep.plan import SweepConfig, SweepConfigError, resolve_locations

    params = ctx.params_for(STAGE)
    sweep = params.sweep
    try:
        locations = resolve_locations(sweep.locations, ctx.paths.root)
        return SweepConfig.build(sweep.strategy_names(), params.battery, params.simulate, locations), sweep
    except SweepConfigError as exc:
        raise StageInputError(f"params.yaml sweep: {exc}") from None


@timed(STAGE)
def run(ctx: StageContext, last_day: str) -> SweepOutcome:
    """Sweep every study day up to ``last_day`` into ``artifacts/sweep/`` (finished days are skipped)."""
    from hayeknet.sweep.runner import SweepError, SweepOptions, run_sweep

    last_day = check_day(last_day)
    config, sweep = _config(ctx)
    options = SweepOptions(
        scheduler=sweep.scheduler,
        n_workers=sweep.n_workers,
        tasks_per_day=sweep.tasks_per_day,
        retries=sweep.retries,
        prune=True,
    )
    days = ctx.days_through(last_day)
    try:
        result = run_sweep(ctx.paths.archive, days, config, ctx.paths.sweep, options, raw_root=ctx.paths.raw)
    except SweepError as exc:
        raise StageInputError(str(exc)) from None
    note_timings("sweep", result.timings())
    progress(result.describe().splitlines()[0])
    if result.missing:
        raise StageInputError(f"study days without an archive partition: {', '.join(result.missing)} (run ingest)")
    result.raise_for_failures()
    outcome = read_sweep(ctx, last_day)
    return SweepOutcome(outcome.last_day, outcome.rows, outcome.summary, result.describe())


def read_sweep(ctx: StageContext, last_day: str) -> SweepOutcome:
    """The sweep's results of the window up to ``last_day`` (what the study report shows)."""
    from hayeknet.sweep.results import SweepResultsError, read_results, read_summary

    last_day = check_day(last_day)
    try:
        summary = read_summary(ctx.paths.sweep)
        days = [d for d in summary["days"] if d <= last_day]
        rows = read_results(ctx.paths.sweep, days)
    except SweepResultsError as exc:
        raise StageInputError(str(exc)) from None
    return SweepOutcome(last_day, rows, summary)
