"""Figures, the daily and study report bundles, and the thesis figures stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.io import atomic_directory
from hayeknet.pipeline.stages.agents import TrainOutcome
from hayeknet.pipeline.stages.assimilate import AssimilateOutcome, read_states
from hayeknet.pipeline.stages.context import (
    check_day,
    day_wide_prices,
    location_prices,
    read_json,
    StageContext,
    StageInputError,
)
from hayeknet.pipeline.stages.research import read_history
from hayeknet.pipeline.stages.simulate import strategy_frame, read_simulation, SimulateOutcome
from hayeknet.research.questions import usd


def _number(value: object) -> float:
    """A figure read from strict JSON for formatting: ``None`` (undefined, or absent) as NaN."""
    return float("nan") if value is None else float(value)  # type: ignore[arg-type]


def escape_dollars(markdown: str) -> str:
    """Escape ``$`` for Jupyter/nbconvert Markdown, where ``$...$`` is LaTeX math
    (two prices on one line, or ``$/MWh`` in table cells, would otherwise be
    swallowed as a formula and break the table)."""
    import re

    return re.sub(r"(?<!\\)\$", r"\\$", markdown)


def show_figure(fig: Any) -> None:
    """Display a matplotlib Figure as an embedded PNG (works for pyplot-free figures)."""
    import io

    from IPython.display import Image, display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    display(Image(data=buffer.getvalue(), format="png"))


def figure_ingested_prices(ctx: StageContext, day: str) -> Any:
    from hayeknet.reporting.plots import plot_price_paths

    return plot_price_paths(
        day_wide_prices(ctx, day), ctx.location, high_price_usd_per_mwh=ctx.params.research.high_price_usd_per_mwh
    )


def figure_assimilation(ctx: StageContext, outcome: AssimilateOutcome) -> Any:
    from hayeknet.reporting.plots import plot_enkf_band

    return plot_enkf_band(outcome.filtered, ctx.location)


def figure_learning_curve(outcome: TrainOutcome) -> Any:
    from hayeknet.reporting.plots import plot_learning_curve

    return plot_learning_curve(outcome.learning_curve())


def figure_soc(ctx: StageContext, outcome: SimulateOutcome) -> Any:
    from hayeknet.reporting.plots import plot_soc

    return plot_soc(outcome.ledgers, ctx.spec.soc_min_mwh, ctx.spec.soc_max_mwh)


@dataclass
class DayBundle:
    """Everything the daily report shows for one day (read from stage outputs)."""

    ctx: StageContext
    day: str
    prices: pd.DataFrame
    filtered: pd.DataFrame
    assimilation_metrics: dict[str, Any]
    simulation: SimulateOutcome
    results: dict[str, Any]
    journal: str

    def headline_markdown(self) -> str:
        s = self.simulation.summary
        pf = s["strategies"]["perfect_foresight"]
        agent = s["strategies"].get("ppo_agent", {})
        progress = self.results.get("study", {})
        regime = self.results.get("regime", {})
        regime_label = regime.get("label", regime) if isinstance(regime, dict) else regime
        lines = [
            f"**Operating day {self.day}** (America/Chicago) — study day "
            f"{progress.get('day_index', 0) + 1} of {progress.get('n_days', '?')}; regime: **{regime_label}**.",
            "",
            f"Battery: {self.ctx.spec.power_mw:g} MW / {self.ctx.spec.energy_mwh:g} MWh at {s['location']}. "
            f"Perfect-foresight profit {usd(pf['profit_usd'])}; PPO agent {usd(_number(agent.get('profit_usd')))} "
            f"(capture ratio {_number(agent.get('capture_ratio')):.2f}; checkpoint trained on "
            f"{', '.join(s['agent_checkpoint_days_seen']) or 'no days (untrained start)'}).",
        ]
        return escape_dollars("\n".join(lines))

    def figure_prices(self) -> Any:
        from hayeknet.reporting.plots import plot_price_paths

        return plot_price_paths(
            self.prices, self.ctx.location, high_price_usd_per_mwh=self.ctx.params.research.high_price_usd_per_mwh
        )

    def assimilation_table(self) -> pd.DataFrame:
        keys = ["backend", "ensemble_size", "rmse_analysis_usd_per_mwh", "rmse_forecast_usd_per_mwh",
                "mean_spread_usd_per_mwh", "spread_rmse_ratio", "n_anomalies"]
        return pd.Series({k: self.assimilation_metrics.get(k) for k in keys}, name="value").to_frame()

    def figure_assimilation(self) -> Any:
        from hayeknet.reporting.plots import plot_enkf_band

        return plot_enkf_band(self.filtered, self.ctx.location)

    def strategy_table(self) -> pd.DataFrame:
        return strategy_frame(self.simulation.summary["strategies"]).round(3)

    def figure_soc(self) -> Any:
        from hayeknet.reporting.plots import plot_soc

        return plot_soc(self.simulation.ledgers, self.ctx.spec.soc_min_mwh, self.ctx.spec.soc_max_mwh)

    def figure_cumulative_profit(self) -> Any:
        from hayeknet.reporting.plots import plot_cumulative_profit

        return plot_cumulative_profit(self.simulation.ledgers)

    def journal_markdown(self) -> str:
        return escape_dollars(self.journal)

    def beliefs_table(self) -> pd.DataFrame:
        """Stated probabilities for the next day and next hour (A high price, B imbalance, C congestion)."""
        b = self.results.get("beliefs") or {}
        return pd.DataFrame({"next_day": b.get("next_day", {}), "next_hour": b.get("next_hour", {})}).round(4)

    def beliefs_markdown(self) -> str:
        b = self.results.get("beliefs") or {}
        diag = b.get("diagnostics") or {}
        lines = [f"Beliefs about **{b.get('forecast_day', 'the next day')}** from the PyMC model fitted on the "
                 f"study days up to {self.day}; R-hat max {_number(diag.get('rhat_max')):.3f}, "
                 f"bulk ESS min {_number(diag.get('ess_bulk_min')):.0f}."]
        for w in b.get("warnings", []):
            lines.append(f"- **Warning:** {w}")
        cal = (b.get("calibration_of_previous_beliefs") or {}).get("day") or {}
        scored = {k: v["brier"] for k, v in cal.items() if isinstance(v, dict) and v.get("brier") is not None}
        if scored:
            lines.append("")
            lines.append("Yesterday's beliefs about this day, scored (Brier per interval, 0 is perfect; "
                         "A high price, B imbalance, C congestion): "
                         + ", ".join(f"{k} {v:.4f}" for k, v in scored.items()))
        return escape_dollars("\n".join(lines))


def load_day_bundle(ctx: StageContext, day: str) -> DayBundle:
    day = check_day(day)
    filtered, metrics = read_states(ctx, day)
    folder = ctx.paths.research / day
    return DayBundle(
        ctx=ctx,
        day=day,
        prices=day_wide_prices(ctx, day),
        filtered=filtered,
        assimilation_metrics=metrics,
        simulation=read_simulation(ctx, day),
        results=read_json(folder / "results.json"),
        journal=(folder / "journal.md").read_text(),
    )


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

    ctx: StageContext
    last_day: str
    history: list[dict[str, Any]]

    def headline_markdown(self) -> str:
        days = [r["day"] for r in self.history]
        return escape_dollars(
            f"**HayekNet study**: {len(days)} operating days ({days[0]} to {days[-1]}), battery "
            f"{self.ctx.spec.power_mw:g} MW / {self.ctx.spec.energy_mwh:g} MWh at {self.ctx.location}."
        )

    def days_table(self) -> pd.DataFrame:
        rows = []
        for r in self.history:
            metrics = {m["name"]: m["value"] for m in r.get("metrics", [])}
            regime = r.get("regime", {})
            rows.append({
                "day": r["day"],
                "regime": regime.get("label", regime) if isinstance(regime, dict) else regime,
                **{label: metrics.get(name) for label, name in STUDY_DAY_METRICS.items()},
            })
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


def load_study(ctx: StageContext, last_day: str) -> StudyBundle:
    last_day = check_day(last_day)
    history = read_history(ctx, last_day)
    if not history:
        raise StageInputError(f"{ctx.paths.research / last_day}: empty study history")
    return StudyBundle(ctx, last_day, history)


def run_thesis_figures(ctx: StageContext, last_day: str) -> list[Path]:
    """Thesis figures over the study up to ``last_day`` -> ``reports/thesis/`` (PDF + 300-dpi PNG)."""
    from hayeknet.agents.training import read_registry
    from hayeknet.reporting.thesis import write_thesis_figures

    last_day = check_day(last_day)
    history = read_history(ctx, last_day)
    days = [r["day"] for r in history]
    out = ctx.paths.reports / "thesis"
    with atomic_directory(out) as tmp:
        write_thesis_figures(
            history,
            tmp,
            ledgers_by_day={d: read_simulation(ctx, d).ledgers for d in days},
            prices_by_day={d: location_prices(ctx, d).to_numpy() for d in days},
            learning_curve=(read_registry(ctx.paths.models / last_day) or {}).get("learning_curve", []),
            soc_min_mwh=ctx.spec.soc_min_mwh,
            soc_max_mwh=ctx.spec.soc_max_mwh,
        )
    return sorted(out.iterdir())
