"""Stage ``report``: the daily HTML report of ``<day>`` (``reports/daily/<day>.html``).

The notebook ``notebooks/report.ipynb`` shows a :class:`DayBundle`, which
reads every figure and table from the outputs of the stages before it; the
battery, location and thresholds shown are the ones those stages ran with
(from ``summary.json`` and ``results.json``), so the report declares no
params of its own. ``nbconvert`` renders the executed notebook to HTML.

What the bundle shows is built by :mod:`hayeknet.reporting.daily` in the one
table style of :mod:`hayeknet.reporting.tables` (formatted numbers, units in
headers, a caption and a CSV download under each table); ``hayeknet export``
writes the same tables (:meth:`DayBundle.table`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hayeknet.pipeline.context import StageContext, check_day
from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.stages import assimilate, ingest, research, simulate
from hayeknet.pipeline.timings import guarded

STAGE = "report"

EXPORTS = ("strategies", "beliefs", "qa", "market_designs", "qse_agents", "assimilation", "metrics")
"""Tables of a day that ``hayeknet export --what`` writes (:meth:`DayBundle.table`)."""


def number(value: object) -> float:
    """A figure read from strict JSON for formatting: ``None`` (undefined, or absent) as NaN."""
    from hayeknet.reporting.daily import number as _number

    return _number(value)


@dataclass
class DayBundle:
    """Everything the daily report shows for one day (read from stage outputs)."""

    day: str
    prices: pd.DataFrame
    filtered: pd.DataFrame
    assimilation_metrics: dict[str, Any]
    simulation: simulate.SimulateOutcome
    results: dict[str, Any]
    journal: str
    previous_day: str | None = None
    quality_flags: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return str(self.simulation.summary["location"])

    @property
    def summary(self) -> dict[str, Any]:
        return self.simulation.summary

    # -- top of the report
    def navigation(self) -> Any:
        """Links to the index, the study report and the previous and next day's reports."""
        from hayeknet.reporting.daily import navigation

        return navigation(self.day, self.previous_day)

    def headline(self) -> Any:
        """The headline block: prices, the bound, the best causal strategy, the agent, flags; numbers link down."""
        from hayeknet.reporting.daily import headline

        return headline(self.day, self.summary, self.results, quality_flags=self.quality_flags)

    def style(self) -> Any:
        """The report style sheet as an output (for JupyterLab; the HTML template has it already)."""
        from hayeknet.reporting.tables import style_block

        return style_block()

    # -- figures
    def figure_prices(self) -> Any:
        from hayeknet.reporting.daily import ANCHORS
        from hayeknet.reporting.plots import plot_price_paths
        from hayeknet.reporting.tables import FigureBlock

        high = (self.results.get("thresholds") or {}).get("high_price_usd_per_mwh")
        described = (self.summary.get("realtime_prices") or {}).get("description") or "Real-time prices"
        caption = (
            f"{described} (bold) and the hubs through the day, America/Chicago time on the bottom axis, UTC on top"
            + (f"; dotted: the high-price threshold, {high:g} $/MWh." if isinstance(high, (int, float)) else ".")
        )
        fig = plot_price_paths(self.prices, self.location, high_price_usd_per_mwh=high)
        return FigureBlock(fig, caption, ANCHORS["prices"], alt=f"Real-time prices on {self.day}")

    def figure_assimilation(self) -> Any:
        from hayeknet.reporting.plots import plot_enkf_band
        from hayeknet.reporting.tables import FigureBlock

        caption = (
            f"EnKF one-step forecast at {self.location} with ±1 and ±2 ensemble spreads; dots are the observed "
            "prices, crosses the observations far outside the forecast (anomalies)."
        )
        return FigureBlock(plot_enkf_band(self.filtered, self.location), caption, "assimilation-figure")

    def figure_soc(self) -> Any:
        from hayeknet.reporting.tables import FigureBlock

        spec = self.simulation.spec
        caption = (
            f"State of charge of each strategy through the day (MWh); dotted: the SOC window "
            f"{spec.soc_min_mwh:g}-{spec.soc_max_mwh:g} MWh. A line ending low sold energy it did not buy today."
        )
        return FigureBlock(self.simulation.figure_soc(), caption, "soc-figure")

    def figure_cumulative_profit(self) -> Any:
        from hayeknet.reporting.tables import FigureBlock

        caption = (
            "Cumulative net profit of each strategy through the day ($); steps are charging (down) and selling (up)."
        )
        return FigureBlock(self.simulation.figure_cumulative_profit(), caption, "profit-figure")

    # -- tables (hayeknet.reporting.tables.Table, or a Note where the day could not compute them)
    def strategy_table(self) -> Any:
        from hayeknet.reporting.daily import strategy_table

        return strategy_table(self.day, self.summary)

    def strategies_not_run(self) -> list[Any]:
        """A note naming the strategies that could not run today and why (an empty list when all ran)."""
        from hayeknet.reporting.daily import strategies_not_run_note

        note = strategies_not_run_note(self.summary)
        return [note] if note is not None else []

    def market_design_table(self) -> Any:
        from hayeknet.reporting.daily import market_design_table

        return market_design_table(self.day, self.summary)

    def battery_value_table(self) -> Any:
        from hayeknet.reporting.daily import battery_value_table

        return battery_value_table(self.day, self.summary)

    def qse_table(self) -> Any:
        from hayeknet.reporting.daily import qse_table

        return qse_table(self.day, self.summary)

    def beliefs_intro(self) -> Any:
        from hayeknet.reporting.daily import beliefs_intro

        return beliefs_intro(self.day, self.results)

    def beliefs_table(self) -> Any:
        from hayeknet.reporting.daily import beliefs_table

        return beliefs_table(self.day, self.results)

    def beliefs_notes(self) -> list[Any]:
        from hayeknet.reporting.daily import beliefs_notes

        return beliefs_notes(self.results)

    def assimilation_table(self) -> Any:
        from hayeknet.reporting.daily import assimilation_table

        return assimilation_table(self.day, self.assimilation_metrics)

    def metrics_table(self) -> Any:
        from hayeknet.reporting.daily import metrics_table

        return metrics_table(self.day, self.results)

    def qa_table(self) -> Any:
        from hayeknet.reporting.daily import qa_table

        return qa_table(self.day, self.results)

    def table(self, what: str) -> Any:
        """The table called ``what`` (one of :data:`EXPORTS`), as the report shows it."""
        builders = {
            "strategies": self.strategy_table,
            "beliefs": self.beliefs_table,
            "qa": self.qa_table,
            "market_designs": self.market_design_table,
            "qse_agents": self.qse_table,
            "assimilation": self.assimilation_table,
            "metrics": self.metrics_table,
        }
        if what not in builders:
            raise ValueError(f"no table {what!r} in the daily report; known: {', '.join(EXPORTS)}")
        return builders[what]()

    # -- the journal
    def journal_markdown(self) -> str:
        """The research journal (insights, questions and answers, predictions) under the report's headings;
        its metrics, strategies and assimilation sections are the report's formatted tables instead."""
        from hayeknet.reporting.daily import with_journal_sections
        from hayeknet.reporting.notebook import escape_dollars

        return escape_dollars(with_journal_sections(self.journal))


@guarded(STAGE)
def load(ctx: StageContext, day: str, previous_day: str = "") -> DayBundle:
    """The :class:`DayBundle` of ``day`` from the outputs of ingest, assimilate, simulate and research.

    ``previous_day``: the study day before (the report links it; ``init`` on the first day); the pipeline
    passes ``days.yaml``'s ``prev`` of the day in the stage's command, so the link is part of what
    ``dvc.lock`` records; empty (a notebook's default): looked up in ``days.yaml``.
    """
    from hayeknet.archive.queries import realtime_wide

    day = check_day(day)
    filtered, metrics = assimilate.read_states(ctx, day)
    previous = previous_day or ctx.prev_of(day)
    return DayBundle(
        day=day,
        prices=realtime_wide(ingest.read_day(ctx, day), what=str(ctx.paths.archive_day(day)))[1],
        filtered=filtered,
        assimilation_metrics=metrics,
        simulation=simulate.read_simulation(ctx, day),
        results=research.read_results(ctx, day),
        journal=research.read_journal(ctx, day),
        previous_day=None if previous == INIT else previous,
        quality_flags=ingest.quality_summary(ctx, day),
    )
