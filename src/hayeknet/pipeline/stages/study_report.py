"""Stage ``study_report``: the study report over every day up to the last (``reports/study.html``).

Reads the study history of ``research@<last_day>`` (every day's results); the
battery and location shown are the ones the days were simulated with, so the
stage declares no params. :func:`run` also writes the study's DVC metrics and
``reports/index.html``, the page that links the study report and every daily report.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.pipeline.context import StageContext, StageInputError, check_day
from hayeknet.pipeline.stages import research
from hayeknet.pipeline.stages import sweep as sweep_stage
from hayeknet.pipeline.timings import timed, tracked_json

STAGE = "study_report"


@dataclass
class StudyBundle:
    """The study history up to the last day, for the study report.

    Tables and words come from :mod:`hayeknet.reporting.study` in the one table style of
    :mod:`hayeknet.reporting.tables`; links are relative to ``reports/`` (``daily/<day>.html``).
    """

    last_day: str
    history: list[dict[str, Any]]
    battery: dict[str, Any]

    def navigation(self) -> Any:
        """Links to the index and the first and latest daily reports."""
        from hayeknet.reporting.study import study_navigation

        return study_navigation(self.history)

    def headline(self) -> Any:
        from hayeknet.reporting.study import study_headline

        return study_headline(self.history, self.battery)

    def days_table(self) -> Any:
        """Every day with its headline numbers, linked to its daily report."""
        from hayeknet.reporting.study import days_table

        return days_table(self.history)

    def profit_by_day(self) -> pd.DataFrame:
        from hayeknet.reporting.study import profit_by_day

        return profit_by_day(self.history)

    def strategy_table(self) -> Any:
        from hayeknet.reporting.study import strategy_table

        return strategy_table(self.history)

    def figure_profit_by_day(self) -> Any:
        from hayeknet.reporting.plots import plot_profit_by_day
        from hayeknet.reporting.tables import FigureBlock

        caption = (
            "Net profit of each strategy on each study day ($); the dashed black line is the perfect-foresight bound."
        )
        return FigureBlock(plot_profit_by_day(self.profit_by_day()), caption, "profit-by-day")

    def hypotheses_table(self) -> Any:
        """H1-H3 over every study day so far (test, effect size, p-value, CI, n, verdict)."""
        from hayeknet.reporting.study import hypotheses_table
        from hayeknet.research.hypotheses import hypotheses_table as research_table

        return hypotheses_table(research_table(self.history[-1].get("hypotheses", [])))

    def prediction_scores(self) -> Any:
        """Predictive claims of earlier days scored on the days after them (Brier, reliability)."""
        from hayeknet.research.scoring import score_predictions

        return score_predictions(self.history)

    def predictions_summary(self) -> Any:
        from hayeknet.reporting.tables import HtmlBlock

        text = self.prediction_scores().summary()
        return HtmlBlock(f"<p>{html.escape(text)}</p>", text)

    def reliability_table(self) -> Any:
        from hayeknet.reporting.study import reliability_table

        return reliability_table(self.prediction_scores().reliability())

    def battery_value_table(self) -> Any:
        """The battery value stated before each day against what the day paid, and the interval's coverage."""
        from hayeknet.reporting.study import battery_value_table

        return battery_value_table(self.history)

    def market_design_table(self) -> Any:
        """Profit ($) per day under SCED today and RTC+B (energy + AS, perfect foresight)."""
        from hayeknet.reporting.study import market_design_table

        return market_design_table(self.history)

    # --- siting (the sweep stage's results; ADR 0019) ----------------------------------------------

    sweep: Any = None
    """The siting sweep's results (:func:`hayeknet.pipeline.stages.sweep.read_sweep`), None without them."""
    sweep_note: str = ""

    def siting(self) -> Any:
        """The :class:`~hayeknet.sweep.siting.SitingSummary` of the sweep, None without results."""
        if self.sweep is None:
            return None
        if "_siting" not in self.__dict__:
            self.__dict__["_siting"] = self.sweep.siting()
        return self.__dict__["_siting"]

    def siting_markdown(self) -> str:
        """One paragraph: what was swept, the best causal strategy and the spread of profit over the nodes."""
        from hayeknet.reporting.siting import siting_markdown

        return siting_markdown(self.siting(), self.sweep_note)

    def siting_top_table(self, n: int = 20) -> Any:
        """The ``n`` settlement points with the highest perfect-foresight profit, with their zone, in the
        reports' table style (a "not computed" note without sweep results)."""
        import dataclasses

        from hayeknet.reporting.tables import Note, auto_columns, table

        summary = self.siting()
        if summary is None:
            return Note(self.sweep_note, "siting-top")
        caption = (
            f"The {n} settlement points with the highest perfect-foresight profit over the swept days: load zone, "
            "the best causal strategy's profit and capture, and the mean basis to the zone's hub."
        )
        top = summary.top(n).rename(columns={"pf_profit_usd_per_day": "pf_profit_per_day_usd"})
        at_a_glance = ("zone", "pf_profit_usd", "causal_capture_ratio")  # a phone's width; the rest in the details
        columns = [dataclasses.replace(c, detail=c.key not in at_a_glance) for c in auto_columns(top)]
        return table(top, caption, "siting-top", columns=columns)

    def siting_zone_table(self) -> Any:
        """Per load zone: points, median and best profit, mean basis to the zone's hub (table style)."""
        from hayeknet.reporting.tables import Note, table

        summary = self.siting()
        if summary is None:
            return Note(self.sweep_note, "siting-zones")
        caption = "Per load zone: settlement points swept, median and best profit, mean basis to the zone's hub."
        return table(summary.zones, caption, "siting-zones")

    def figure_siting_distribution(self) -> Any:
        from hayeknet.reporting.siting import plot_siting_distribution

        summary = self.siting()
        return plot_siting_distribution(summary) if summary is not None else None

    def figure_siting_by_zone(self) -> Any:
        from hayeknet.reporting.siting import plot_siting_by_zone

        summary = self.siting()
        return plot_siting_by_zone(summary) if summary is not None else None


METRICS_FILE = "study.json"
DAILY_PROFIT_FILE = "daily_profit.csv"
INDEX_FILE = "index.html"
"""``reports/index.html``, written by :func:`run` beside ``reports/study.html``."""


@timed(STAGE)
def run(ctx: StageContext, last_day: str) -> StudyBundle:
    """The study bundle of ``last_day``, with the study's DVC metrics and plot data written to
    ``metrics/`` (:mod:`hayeknet.research.study_metrics`): ``study.json`` for
    ``dvc metrics show`` / ``dvc exp show``, ``daily_profit.csv`` for ``dvc plots``."""
    from hayeknet.io import atomic_directory
    from hayeknet.research.study_metrics import daily_profit_table, study_metrics

    bundle = load(ctx, last_day)
    with atomic_directory(ctx.paths.metrics) as tmp:
        tracked_json(tmp / METRICS_FILE, study_metrics(bundle.history))
        daily_profit_table(bundle.history).round(2).to_csv(tmp / DAILY_PROFIT_FILE)
    write_index(ctx, bundle)
    return bundle


def write_index(ctx: StageContext, bundle: StudyBundle) -> Path:
    """``reports/index.html``: the study report and every daily report with its headline (a declared output)."""
    from hayeknet.io import atomic_write_text
    from hayeknet.reporting.study import index_html

    path = ctx.paths.reports / INDEX_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, index_html(bundle.history, bundle.battery))
    return path


def load(ctx: StageContext, last_day: str) -> StudyBundle:
    """The :class:`StudyBundle` of the study up to ``last_day``."""
    last_day = check_day(last_day)
    history = research.read_history(ctx, last_day)
    if not history:
        raise StageInputError(f"{ctx.paths.research / last_day}: empty study history")
    battery = dict(history[-1].get("battery") or {})
    if not battery:
        raise StageInputError(f"{ctx.paths.research / last_day}: results.json holds no battery")
    bundle = StudyBundle(last_day, history, battery)
    try:
        bundle.sweep = sweep_stage.read_sweep(ctx, last_day)
    except StageInputError as exc:
        bundle.sweep_note = f"no siting sweep results: {exc}"
    return bundle
