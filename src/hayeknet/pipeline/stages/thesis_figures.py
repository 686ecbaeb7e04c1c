"""Stage ``thesis_figures``: publication figures over the study up to the last day -> ``reports/thesis/``
(vector PDF + 300-dpi PNG).

Reads the study history (research), every day's ledgers (simulate) and the
last checkpoint's learning curve (train); the SOC window comes from the
battery the days were simulated with, so the stage declares no params.
"""

from __future__ import annotations

from pathlib import Path

from hayeknet.io import atomic_directory
from hayeknet.pipeline.context import StageContext, StageInputError, check_day
from hayeknet.pipeline.stages import research, simulate, train
from hayeknet.pipeline.timings import timed

STAGE = "thesis_figures"


@timed(STAGE)
def run(ctx: StageContext, last_day: str) -> list[Path]:
    """Thesis figures over the study up to ``last_day`` -> ``reports/thesis/``; returns the files written."""
    from hayeknet.reporting.thesis import write_thesis_figures

    last_day = check_day(last_day)
    history = research.read_history(ctx, last_day)
    if not history:
        raise StageInputError(f"{ctx.paths.research / last_day}: empty study history")
    days = [r["day"] for r in history]
    simulations = {d: simulate.read_simulation(ctx, d) for d in days}
    spec = simulations[days[-1]].spec
    out = ctx.paths.thesis_figures
    with atomic_directory(out) as tmp:
        write_thesis_figures(
            history,
            tmp,
            ledgers_by_day={d: s.ledgers for d, s in simulations.items()},
            prices_by_day={
                d: s.ledgers["perfect_foresight"]["price_usd_per_mwh"].to_numpy() for d, s in simulations.items()
            },
            learning_curve=train.read_registry(ctx, last_day).get("learning_curve", []),
            soc_min_mwh=spec.soc_min_mwh,
            soc_max_mwh=spec.soc_max_mwh,
        )
    return sorted(out.iterdir())
