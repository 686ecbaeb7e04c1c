"""Stage ``report``: the daily HTML report of ``<day>`` (``reports/daily/<day>.html``).

The notebook ``notebooks/report.ipynb`` shows a :class:`DayBundle`, which
reads every figure and table from the outputs of the stages before it; the
battery, location and thresholds shown are the ones those stages ran with
(from ``summary.json`` and ``results.json``), so the report declares no
params of its own. ``nbconvert`` renders the executed notebook to HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hayeknet.pipeline.context import StageContext, check_day
from hayeknet.pipeline.stages import assimilate, ingest, research, simulate
from hayeknet.pipeline.timings import guarded

STAGE = "report"


def number(value: object) -> float:
    """A figure read from strict JSON for formatting: ``None`` (undefined, or absent) as NaN."""
    return float("nan") if value is None else float(value)  # type: ignore[arg-type]


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
    quality_flags: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return str(self.simulation.summary["location"])

    def headline_markdown(self) -> str:
        from hayeknet.reporting.notebook import escape_dollars
        from hayeknet.research.questions import usd

        s = self.simulation.summary
        spec = self.simulation.spec
        pf = s["strategies"]["perfect_foresight"]
        agent = s["strategies"].get("ppo_agent", {})
        progress = self.results.get("study", {})
        regime = self.results.get("regime", {})
        regime_label = regime.get("label", regime) if isinstance(regime, dict) else regime
        lines = [
            f"**Operating day {self.day}** (America/Chicago) — study day "
            f"{progress.get('day_index', 0) + 1} of {progress.get('n_days', '?')}; regime: **{regime_label}**.",
            "",
            f"Battery: {spec.power_mw:g} MW / {spec.energy_mwh:g} MWh at {s['location']}. "
            f"Perfect-foresight profit {usd(pf['profit_usd'])}; PPO agent {usd(number(agent.get('profit_usd')))} "
            f"(capture ratio {number(agent.get('capture_ratio')):.2f}; checkpoint trained on "
            f"{', '.join(s['agent_checkpoint_days_seen']) or 'no days (untrained start)'}).",
        ]
        lines += self.quality_lines()
        return escape_dollars("\n".join(lines))

    def quality_lines(self) -> list[str]:
        """Data quality: the prices' fill (counted, bounded) and the day's flags (rare-but-possible extremes)."""
        rt = self.simulation.summary.get("realtime_prices") or {}
        lines = ["", f"Data: {rt.get('description', 'real-time prices')}."]
        if self.quality_flags:
            lines.append(f"**Data-quality flags ({len(self.quality_flags)})**, shown, not stopping the day:")
            lines += [f"- {flag}" for flag in self.quality_flags]
        return lines

    def figure_prices(self) -> Any:
        from hayeknet.reporting.plots import plot_price_paths

        high = (self.results.get("thresholds") or {}).get("high_price_usd_per_mwh")
        return plot_price_paths(self.prices, self.location, high_price_usd_per_mwh=high)

    def assimilation_table(self) -> pd.DataFrame:
        keys = [
            "backend",
            "ensemble_size",
            "rmse_analysis_usd_per_mwh",
            "rmse_forecast_usd_per_mwh",
            "mean_spread_usd_per_mwh",
            "spread_rmse_ratio",
            "n_anomalies",
        ]
        return pd.Series({k: self.assimilation_metrics.get(k) for k in keys}, name="value").to_frame()

    def figure_assimilation(self) -> Any:
        from hayeknet.reporting.plots import plot_enkf_band

        return plot_enkf_band(self.filtered, self.location)

    def strategy_table(self) -> pd.DataFrame:
        return self.simulation.summary_table()

    def journal_markdown(self) -> str:
        from hayeknet.reporting.notebook import escape_dollars

        return escape_dollars(self.journal)

    def beliefs_table(self) -> pd.DataFrame:
        """Stated probabilities for the next day and next hour (A high price, B imbalance, C congestion)."""
        b = self.results.get("beliefs") or {}
        return pd.DataFrame({"next_day": b.get("next_day", {}), "next_hour": b.get("next_hour", {})}).round(4)

    def beliefs_markdown(self) -> str:
        from hayeknet.reporting.notebook import escape_dollars

        b = self.results.get("beliefs") or {}
        diag = b.get("diagnostics") or {}
        lines = [
            f"Beliefs about **{b.get('forecast_day', 'the next day')}** from the PyMC model fitted on the "
            f"study days up to {self.day}; R-hat max {number(diag.get('rhat_max')):.3f}, "
            f"bulk ESS min {number(diag.get('ess_bulk_min')):.0f}."
        ]
        for w in b.get("warnings", []):
            lines.append(f"- **Warning:** {w}")
        cal = (b.get("calibration_of_previous_beliefs") or {}).get("day") or {}
        scored = {k: v["brier"] for k, v in cal.items() if isinstance(v, dict) and v.get("brier") is not None}
        if scored:
            lines.append("")
            lines.append(
                "Yesterday's beliefs about this day, scored (Brier per interval, 0 is perfect; "
                "A high price, B imbalance, C congestion): " + ", ".join(f"{k} {v:.4f}" for k, v in scored.items())
            )
        return escape_dollars("\n".join(lines))


@guarded(STAGE)
def load(ctx: StageContext, day: str) -> DayBundle:
    """The :class:`DayBundle` of ``day`` from the outputs of ingest, assimilate, simulate and research."""
    from hayeknet.archive.queries import realtime_wide

    day = check_day(day)
    filtered, metrics = assimilate.read_states(ctx, day)
    return DayBundle(
        day=day,
        prices=realtime_wide(ingest.read_day(ctx, day), what=str(ctx.paths.archive_day(day)))[1],
        filtered=filtered,
        assimilation_metrics=metrics,
        simulation=simulate.read_simulation(ctx, day),
        results=research.read_results(ctx, day),
        journal=research.read_journal(ctx, day),
        quality_flags=ingest.quality_summary(ctx, day),
    )
