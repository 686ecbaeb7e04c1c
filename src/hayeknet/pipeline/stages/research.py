"""Stage ``research``: the day's questions answered from its evidence -> ``artifacts/research/<day>/``.

Writes ``results.json`` (schema-versioned), ``qa.json``, ``journal.md`` and
``history.json`` (the results of every study day up to this one). The beliefs
stated on the day about the next (``artifacts/beliefs/<day>/``) enter the
results and are checked for coherence with the Q&A's claims (ADR 0016).
``research_init`` writes the empty history of ``artifacts/research/init``.

Params (``dvc.yaml``): ``research``, ``battery`` (location and SOC window),
``beliefs.congestion_usd_per_mwh`` (the study's congestion threshold),
``study.seed`` (every bootstrap of the day). Later stages read the outputs
through :func:`read_results`, :func:`read_journal` and :func:`read_history`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hayeknet.io import atomic_directory, atomic_write_json
from hayeknet.pipeline.context import StageContext, StageInputError, check_day, read_json
from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.stages import assimilate, beliefs, ingest, simulate
from hayeknet.pipeline.timings import split_wall_clock, timed, tracked_json

STAGE = "research"
INIT_STAGE = "research_init"
HISTORY_FILE = "history.json"
"""Study history in ``artifacts/research/<day>/``: the results of every study day up to it."""
RESULTS_FILE = "results.json"
JOURNAL_FILE = "journal.md"


@dataclass(frozen=True)
class ResearchOutcome:
    day: str
    results: dict[str, Any]
    journal_markdown: str
    history: list[dict[str, Any]]

    def journal(self) -> str:
        """The journal as Markdown for a notebook cell (``$`` escaped)."""
        from hayeknet.reporting.notebook import escape_dollars

        return escape_dollars(self.journal_markdown)


def read_history(ctx: StageContext, day: str) -> list[dict[str, Any]]:
    """Results of every study day up to ``day`` (``init``: the empty history)."""
    return list(read_json(ctx.paths.research / day / HISTORY_FILE))


def read_results(ctx: StageContext, day: str) -> dict[str, Any]:
    """The ``results.json`` of ``research@<day>``."""
    return dict(read_json(ctx.paths.research / day / RESULTS_FILE))


def read_journal(ctx: StageContext, day: str) -> str:
    """The ``journal.md`` of ``research@<day>``."""
    path = ctx.paths.research / day / JOURNAL_FILE
    if not path.exists():
        raise StageInputError(f"{path}: missing (run research@{day})")
    return path.read_text()


def observation_path(ctx: StageContext, day: str) -> Path:
    """The researcher's own notes for a day: ``notes/observations/<day>.md`` (git, never a DVC output)."""
    return ctx.paths.observations / f"{day}.md"


def dam_implied(folder: Path, high_price_usd_per_mwh: float | None, dam_source: str | None) -> dict[str, Any]:
    """Share of the predicted day's intervals whose DAM price in the beliefs' price path
    (``price_forecast.parquet``, column ``dam_usd_per_mwh``) is above the high-price threshold: the DAM read as
    a point forecast of the high-price event, a source of the cross-source coherence check (ADR 0016)."""
    import pandas as pd

    path = folder / beliefs.PRICE_FORECAST_FILE
    if high_price_usd_per_mwh is None:
        return {"high_price": None, "reason": "the beliefs state no high-price threshold"}
    if not path.exists():
        return {"high_price": None, "reason": f"{path.name} absent: no day-ahead price path for the next day"}
    dam = pd.read_parquet(path, columns=["dam_usd_per_mwh"])["dam_usd_per_mwh"].to_numpy(dtype=float)
    if dam.size == 0:
        return {"high_price": None, "reason": f"{path.name} holds no interval"}
    return {
        "high_price": float((dam > high_price_usd_per_mwh).mean()),
        "n_intervals": int(dam.size),
        "threshold_usd_per_mwh": float(high_price_usd_per_mwh),
        "source": dam_source or "unknown",
    }


def beliefs_summary(outcome: beliefs.BeliefsOutcome, folder: Path | None = None) -> dict[str, Any]:
    """The part of ``beliefs@<day>`` that enters the day's results (JSON-ready); with the beliefs ``folder``,
    also the DAM-implied probability of a high price (:func:`dam_implied`)."""
    from hayeknet.research.journal import to_jsonable

    stated = outcome.beliefs
    thresholds = stated.get("thresholds_usd_per_mwh", {})
    summary = {
        "forecast_day": stated.get("day"),
        "next_day": stated.get("next_day", {}),
        "next_hour": stated.get("next_hour", {}),
        "climatology": stated.get("climatology", {}),
        "thresholds_usd_per_mwh": thresholds,
        "dam_source": stated.get("dam_source"),
        "diagnostics": stated.get("diagnostics", {}),
        "coherence": stated.get("coherence", {}),
        "warnings": outcome.warnings(),
        "price_forecast": stated.get("price_forecast"),
        "calibration_of_previous_beliefs": outcome.calibration,
    }
    if folder is not None:
        summary["dam_implied"] = dam_implied(folder, thresholds.get("high_price"), stated.get("dam_source"))
    return to_jsonable(summary)


@timed(STAGE, INIT_STAGE)
def run(ctx: StageContext, day: str) -> ResearchOutcome:
    """Answer the day's questions from its evidence (module docstring); ``init``: the empty history.

    Reads the archive (real-time and DAM prices), the EnKF state, the
    simulation and the beliefs of the day, and the study history up to the day
    before. The observation template for the researcher's notes is created
    once and never overwritten after it is edited.
    """
    from hayeknet.archive.queries import DAM, realtime_wide, wide_prices
    from hayeknet.research.journal import (
        build_results,
        ensure_observation_file,
        render_journal,
        to_jsonable,
        validate_results,
        write_day_outputs,
    )

    if day == INIT:
        ctx.params_for(INIT_STAGE)
        with atomic_directory(ctx.paths.research / INIT) as tmp:
            atomic_write_json(tmp / HISTORY_FILE, [])
        return ResearchOutcome(INIT, {}, "Study start: no days yet.", [])

    params = ctx.params_for(STAGE)
    day = check_day(day)
    days = [d.isoformat() for d in ctx.study_days()]
    if day not in days:
        raise StageInputError(f"{day} is not a study day of {ctx.paths.days_file}")
    history = read_history(ctx, ctx.prev_of(day))
    table = ingest.read_day(ctx, day)
    filtered, assimilation_metrics = assimilate.read_states(ctx, day)
    simulation = simulate.read_simulation(ctx, day)
    stated = beliefs_summary(beliefs.read_beliefs(ctx, day), ctx.paths.beliefs / day)
    results = build_results(
        day=day,
        day_index=days.index(day),
        n_days=len(days),
        battery=params.battery,
        prices=realtime_wide(table, what=str(ctx.paths.archive_day(day)))[1],
        dam_prices=wide_prices(table, market=DAM),
        filtered=filtered,
        assimilation_metrics=assimilation_metrics,
        simulation_summary=simulation.summary["strategies"],
        ledgers=simulation.ledgers,
        previous_results=history,
        beliefs=stated,
        research=params.research,
        congestion_usd_per_mwh=params.beliefs.congestion_usd_per_mwh,
        seed=params.study.seed,
    )
    designs = simulation.summary.get("market_designs")
    if designs:
        results["market_designs"] = to_jsonable(designs)
    if simulation.summary.get("battery_value"):
        results["battery_value"] = to_jsonable(simulation.summary["battery_value"])
    if simulation.summary.get("qse_agents"):
        results["qse_agents"] = to_jsonable(simulation.summary["qse_agents"])
    results, _ = split_wall_clock(results)  # upstream outputs hold none; a tracked output never does
    validate_results(results, f"results of {day}")
    journal = render_journal(results)
    extended = [*history, results]
    with atomic_directory(ctx.paths.research / day) as tmp:
        write_day_outputs(tmp, results, journal)
        tracked_json(tmp / HISTORY_FILE, extended)
    ensure_observation_file(observation_path(ctx, day), day)
    return ResearchOutcome(day, results, journal, extended)
