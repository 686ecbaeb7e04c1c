"""The research stage: results, journal and the study history."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hayeknet.io import atomic_directory
from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.stages.assimilate import read_states
from hayeknet.pipeline.stages.beliefs import read_beliefs
from hayeknet.pipeline.stages.context import (
    check_day,
    day_table,
    read_json,
    StageContext,
    StageInputError,
    write_json,
)
from hayeknet.pipeline.stages.simulate import read_simulation


HISTORY_FILE = "history.json"
"""Study history in ``artifacts/research/<day>/``: the results of every study day up to it."""


@dataclass(frozen=True)
class ResearchOutcome:
    day: str
    results: dict[str, Any]
    journal_markdown: str
    history: list[dict[str, Any]]


def read_history(ctx: StageContext, day: str) -> list[dict[str, Any]]:
    """Results of every study day up to ``day`` (``init``: the empty history)."""
    return list(read_json(ctx.paths.research / day / HISTORY_FILE))


def observation_path(ctx: StageContext, day: str) -> Path:
    """The researcher's own notes for a day: ``notes/observations/<day>.md`` (git, never a DVC output)."""
    return ctx.paths.root / "notes" / "observations" / f"{day}.md"


def run_research(ctx: StageContext, day: str) -> ResearchOutcome:
    """Answer the day's questions from its evidence -> ``artifacts/research/<day>/``.

    Reads the archive (5-minute and DAM prices), the EnKF state, the
    simulation ledgers and the study history up to the day before; writes
    ``results.json`` (schema-versioned), ``qa.json``, ``journal.md`` and
    ``history.json`` (the history extended by this day). ``day == "init"``
    writes the empty history. The observation template for the researcher's
    notes is created once and never overwritten after it is edited.
    """
    from hayeknet.research.journal import (
        build_results,
        ensure_observation_file,
        render_journal,
        to_jsonable,
        validate_results,
        write_day_outputs,
    )

    if day == INIT:
        with atomic_directory(ctx.paths.research / INIT) as tmp:
            write_json(tmp / HISTORY_FILE, [])
        return ResearchOutcome(INIT, {}, "Study start: no days yet.", [])

    day = check_day(day)
    days = [d.isoformat() for d in ctx.study_days()]
    if day not in days:
        raise StageInputError(f"{day} is not a study day of {ctx.paths.days_file}")
    history = read_history(ctx, ctx.prev_of(day))
    table = day_table(ctx, day)
    from hayeknet.archive.store import wide_prices

    prices = wide_prices(table, market="RTM_SCED")
    dam = wide_prices(table, market="DAM")
    filtered, assimilation_metrics = read_states(ctx, day)
    simulation = read_simulation(ctx, day)
    results = build_results(
        day=day,
        day_index=days.index(day),
        n_days=len(days),
        battery_location=ctx.location,
        prices=prices,
        dam_prices=dam,
        filtered=filtered,
        assimilation_metrics=assimilation_metrics,
        simulation_summary=simulation.summary["strategies"],
        ledgers=simulation.ledgers,
        previous_results=history,
        params=ctx.params.to_dict(),
        battery=ctx.spec,
        seed=ctx.params.study.seed,
    )
    designs = simulation.summary.get("market_designs")
    if designs:
        results["market_designs"] = to_jsonable(designs)
    if simulation.summary.get("qse_agents"):
        results["qse_agents"] = to_jsonable(simulation.summary["qse_agents"])
    beliefs = read_beliefs(ctx, day)
    results["beliefs"] = {
        "forecast_day": beliefs.beliefs.get("day"),
        "next_day": beliefs.beliefs.get("next_day", {}),
        "next_hour": beliefs.beliefs.get("next_hour", {}),
        "diagnostics": beliefs.beliefs.get("diagnostics", {}),
        "coherence": beliefs.beliefs.get("coherence", {}),
        "warnings": beliefs.warnings(),
        "price_forecast": beliefs.beliefs.get("price_forecast"),
        "calibration_of_previous_beliefs": beliefs.calibration,
    }
    results["beliefs"] = to_jsonable(results["beliefs"])
    validate_results(results, f"results of {day}")
    journal = render_journal(results)
    extended = [*history, results]
    with atomic_directory(ctx.paths.research / day) as tmp:
        write_day_outputs(tmp, results, journal)
        write_json(tmp / HISTORY_FILE, extended)
    ensure_observation_file(observation_path(ctx, day), day)
    return ResearchOutcome(day, results, journal, extended)
