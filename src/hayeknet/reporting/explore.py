"""Exploring the study in JupyterLab (``notebooks/explore.ipynb``, not a pipeline stage).

:class:`Explorer` loads a day or a range of days through the stages' read
functions (``read_results``, ``read_simulation``, ``read_day``, the report's
``load``) and shows the common views in the reports' table style: the days with
their headlines, profit by strategy and day, one day's report blocks, prices
across the range, a strategy's hour-by-hour ledger. Every table is a
:class:`~hayeknet.reporting.tables.Table` (formatted, with a CSV download), every
figure a :class:`~hayeknet.reporting.tables.FigureBlock`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from hayeknet.pipeline.context import StageContext, StageInputError
from hayeknet.reporting.labels import strategy_label
from hayeknet.reporting.tables import Column, FigureBlock, HtmlBlock, Table, style_block


class Explorer:
    """The study days of ``days.yaml`` from ``start`` to ``end`` (ISO dates, inclusive) that the research
    stage has results for; ``end`` empty: the last such day."""

    def __init__(self, ctx: StageContext, start: str = "", end: str = "") -> None:
        from hayeknet.pipeline.stages import research

        self.ctx = ctx
        first = dt.date.fromisoformat(start) if start else dt.date.min
        last = dt.date.fromisoformat(end) if end else dt.date.max
        days = [d.isoformat() for d in ctx.study_days() if first <= d <= last]
        self.days = [d for d in days if (ctx.paths.research / d / research.RESULTS_FILE).exists()]
        if not self.days:
            raise StageInputError(
                f"no study day from {start or 'the start'} to {end or 'the end'} has research results "
                f"(days.yaml lists {len(days)} in that range; run dvc repro first)"
            )
        self.history = [research.read_results(ctx, d) for d in self.days]
        self._bundles: dict[str, Any] = {}

    def style(self) -> HtmlBlock:
        """The reports' style sheet, so the tables look in JupyterLab as they do in the HTML reports."""
        return style_block()

    def summary(self) -> HtmlBlock:
        n = len(self.days)
        text = f"{n} study day{'s' if n != 1 else ''} loaded: {self.days[0]} to {self.days[-1]}."
        return HtmlBlock(f"<p>{text}</p>", text)

    # -- the range
    def days_table(self) -> Table:
        """Each day with its headline numbers (the study report's day table)."""
        from hayeknet.reporting.study import days_table

        return days_table(self.history, link_prefix="../reports/")

    def profit_by_day(self) -> pd.DataFrame:
        from hayeknet.reporting.study import profit_by_day

        return profit_by_day(self.history)

    def profit_table(self) -> Table:
        """Profit ($) per day (rows) and strategy (columns, readable names)."""
        profit = self.profit_by_day()
        profit.index.name = "day"
        columns = tuple(
            Column(name, f"{strategy_label(name)} ($)", "usd", detail=i >= 5) for i, name in enumerate(profit.columns)
        )
        return Table(
            data=profit,
            columns=columns,
            caption=f"Net profit per day and strategy, {self.days[0]} to {self.days[-1]}.",
            name=f"profit_{self.days[0]}_{self.days[-1]}",
            row_header="Day",
        )

    def strategy_table(self) -> Table:
        """Each strategy over the range: totals and capture (the study report's strategy table)."""
        from hayeknet.reporting.study import strategy_table

        return strategy_table(self.history)

    def figure_profit(self) -> FigureBlock:
        from hayeknet.reporting.plots import plot_profit_by_day

        caption = "Net profit of each strategy on each day ($); dashed black: the perfect-foresight bound."
        return FigureBlock(plot_profit_by_day(self.profit_by_day()), caption, "explore-profit")

    def prices(self, location: str | None = None) -> pd.Series:
        """Real-time prices ($/MWh) at ``location`` (default: the battery's) over the range, UTC interval starts."""
        from hayeknet.archive.queries import realtime_prices
        from hayeknet.pipeline.stages import ingest

        where = location or str(self.history[-1].get("battery_location"))
        parts = [
            realtime_prices(ingest.read_day(self.ctx, d), where, what=str(self.ctx.paths.archive_day(d))).prices
            for d in self.days
        ]
        return pd.concat(parts).sort_index().rename(where)

    def figure_prices(self, location: str | None = None) -> FigureBlock:
        """Prices at ``location`` (default: the battery's) across the range."""
        from hayeknet.reporting.plots import plot_price_paths

        series = self.prices(location)
        fig = plot_price_paths(series.to_frame(), str(series.name))
        caption = f"Real-time prices at {series.name}, {self.days[0]} to {self.days[-1]} ($/MWh)."
        return FigureBlock(fig, caption, "explore-prices")

    # -- one day
    def day(self, day: str = "") -> Any:
        """The daily report's :class:`~hayeknet.pipeline.stages.report.DayBundle` of ``day`` (default: the last)."""
        from hayeknet.pipeline.stages import report

        day = day or self.days[-1]
        if day not in self._bundles:
            self._bundles[day] = report.load(self.ctx, day)
        return self._bundles[day]

    def headline(self, day: str = "") -> HtmlBlock:
        """The daily report's headline block of ``day`` (default: the last), without in-page links."""
        from hayeknet.reporting.daily import headline

        bundle = self.day(day)
        return headline(bundle.day, bundle.summary, bundle.results, linked=False)

    def hourly_ledger(self, day: str = "", strategy: str = "perfect_foresight") -> Table:
        """A strategy's ledger of ``day`` by hour (America/Chicago): energy bought and sold, cash, profit, SOC."""
        bundle = self.day(day)
        ledgers = bundle.simulation.ledgers
        if strategy not in ledgers:
            raise StageInputError(f"no ledger of {strategy!r} on {bundle.day}; known: {', '.join(sorted(ledgers))}")
        ledger = ledgers[strategy].copy()
        ledger["hour"] = pd.DatetimeIndex(ledger["interval_start_utc"]).tz_convert("America/Chicago").strftime("%H:00")
        ledger["charge_mwh"] = ledger["charge_mw"] * ledger["dt_hours"]
        ledger["discharge_mwh"] = ledger["discharge_mw"] * ledger["dt_hours"]
        hourly = ledger.groupby("hour").agg(
            charge_mwh=("charge_mwh", "sum"),
            discharge_mwh=("discharge_mwh", "sum"),
            price_usd_per_mwh=("price_usd_per_mwh", "mean"),
            profit_usd=("profit_usd", "sum"),
            soc_end_mwh=("soc_end_mwh", "last"),
        )
        return Table(
            data=hourly,
            columns=(
                Column("charge_mwh", "Charged (MWh)", "energy"),
                Column("discharge_mwh", "Discharged (MWh)", "energy"),
                Column("price_usd_per_mwh", "Mean price ($/MWh)", "price"),
                Column("profit_usd", "Profit ($)", "usd"),
                Column("soc_end_mwh", "SOC at the end (MWh)", "energy"),
            ),
            caption=f"{strategy_label(strategy)} on {bundle.day}, hour by hour (America/Chicago).",
            name=f"{bundle.day}_{strategy}_hourly",
            row_header="Hour",
            collapsed=True,
        )
