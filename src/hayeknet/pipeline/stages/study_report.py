"""Stage ``study_report``: the study report over every day up to the last (``reports/study.html``).

Reads the study history of ``research@<last_day>`` (every day's results); the
battery and location shown are the ones the days were simulated with, so the
stage declares no params.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from hayeknet.pipeline.context import StageContext, StageInputError, check_day
from hayeknet.pipeline.stages import research
from hayeknet.pipeline.stages import sweep as sweep_stage
from hayeknet.pipeline.timings import timed, tracked_json

STAGE = "study_report"

STUDY_DAY_METRICS = {
    "mean_price_usd_per_mwh": "price.mean",
    "min_price_usd_per_mwh": "price.min",
    "max_price_usd_per_mwh": "price.max",
    "spread_top4h_bottom4h_usd_per_mwh": "spread.top4h_bottom4h",
    "volatility_asinh_return_std": "volatility.asinh_return_std",
}
"""Columns of the study report's day table: label -> metric name in results.json."""


@dataclass
class StudyBundle:
    """The study history up to the last day, for the study report."""

    last_day: str
    history: list[dict[str, Any]]
    battery: dict[str, Any]

    def headline_markdown(self) -> str:
        from hayeknet.reporting.notebook import escape_dollars

        days = [r["day"] for r in self.history]
        b = self.battery
        return escape_dollars(
            f"**HayekNet study**: {len(days)} operating days ({days[0]} to {days[-1]}), battery "
            f"{b['power_mw']:g} MW / {b['energy_mwh']:g} MWh at {b['location']}."
        )

    def days_table(self) -> pd.DataFrame:
        rows = []
        for r in self.history:
            metrics = {m["name"]: m["value"] for m in r.get("metrics", [])}
            regime = r.get("regime", {})
            rows.append(
                {
                    "day": r["day"],
                    "regime": regime.get("label", regime) if isinstance(regime, dict) else regime,
                    **{label: metrics.get(name) for label, name in STUDY_DAY_METRICS.items()},
                }
            )
        return pd.DataFrame(rows).set_index("day")

    def profit_by_day(self) -> pd.DataFrame:
        rows = {r["day"]: {k: v.get("profit_usd") for k, v in r.get("strategies", {}).items()} for r in self.history}
        return pd.DataFrame(rows).T.astype(float)

    def strategy_table(self) -> pd.DataFrame:
        profit = self.profit_by_day()
        table = pd.DataFrame({"total_profit_usd": profit.sum(), "mean_daily_profit_usd": profit.mean()})
        if "perfect_foresight" in profit:
            table["study_capture_ratio"] = profit.sum() / profit["perfect_foresight"].sum()
        return table.round(2)

    def figure_profit_by_day(self) -> Any:
        from hayeknet.reporting.plots import plot_profit_by_day

        return plot_profit_by_day(self.profit_by_day())

    def hypotheses_table(self) -> pd.DataFrame:
        """H1-H3 over every study day so far (test, effect size, p-value, CI, n, verdict)."""
        from hayeknet.research.hypotheses import hypotheses_table

        return hypotheses_table(self.history[-1].get("hypotheses", []))

    def prediction_scores(self) -> Any:
        """Predictive claims of earlier days scored on the days after them (Brier, reliability)."""
        from hayeknet.research.scoring import score_predictions

        return score_predictions(self.history)

    def market_design_table(self) -> pd.DataFrame:
        """Profit ($) per day under SCED today and RTC+B (energy + AS, perfect foresight)."""
        rows = {}
        for r in self.history:
            designs = r.get("market_designs") or {}
            if designs.get("available"):
                rows[r["day"]] = {
                    "sced_today_profit_usd": designs["sced_today"]["revenue_by_stream_usd"]["profit"],
                    "rtc_b_profit_usd": designs["rtc_b"]["revenue_by_stream_usd"]["profit"],
                    "rtc_b_minus_sced_usd": designs["difference_usd"]["profit"],
                }
        return pd.DataFrame(rows).T.round(2) if rows else pd.DataFrame({"note": ["no market-design results"]})

    # --- siting (the sweep stage's results; ADR 0015) ----------------------------------------------

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

    def siting_top_table(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` settlement points with the highest perfect-foresight profit, with their zone."""
        summary = self.siting()
        return summary.top(n) if summary is not None else pd.DataFrame({"note": [self.sweep_note]})

    def siting_zone_table(self) -> pd.DataFrame:
        """Per load zone: points, median and best profit, mean basis to the zone's hub."""
        summary = self.siting()
        return summary.zones.round(2) if summary is not None else pd.DataFrame({"note": [self.sweep_note]})

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
    return bundle


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
