"""Figures of one operating day, in one colour-blind-safe style.

Every function builds a :class:`matplotlib.figure.Figure` directly (no pyplot
state, so it is safe under the Agg backend, in papermill and in threads) and
returns it; the caller displays or saves it (:func:`save_figure`). Colours are
the Okabe-Ito palette; strategies keep the same colour and line style in every
figure. Time axes show America/Chicago on the bottom and UTC on the top.
Units: prices $/MWh, SOC MWh, money $.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler

from hayeknet.reporting.labels import strategy_label

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

CENTRAL = ZoneInfo("America/Chicago")
UTC = ZoneInfo("UTC")

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
PALETTE = tuple(OKABE_ITO.values())
# Colours after black, most distinguishable first (yellow last: weak on white).
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
LINE_STYLES = ("-", "--", "-.", ":")

STYLE: dict[RcKeyType, Any] = {
    "figure.figsize": (9.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=SERIES_COLOURS),
    "legend.frameon": False,
    "legend.fontsize": 9,
}

F = TypeVar("F", bound=Callable[..., Figure])


class PlotInputError(ValueError):
    """A figure was asked of data missing a column, location or strategy."""


def styled(func: F) -> F:
    """Build the figure under :data:`STYLE` (rc settings apply when artists are created)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def strategy_styles(names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Colour and line style per strategy: perfect foresight black dashed, others in palette order."""
    out: dict[str, dict[str, Any]] = {}
    others = sorted(n for n in names if n != "perfect_foresight")
    if "perfect_foresight" in names:
        out["perfect_foresight"] = {"color": OKABE_ITO["black"], "linestyle": "--"}
    for i, name in enumerate(others):
        n = len(SERIES_COLOURS)
        out[name] = {"color": SERIES_COLOURS[i % n], "linestyle": LINE_STYLES[(i // n) % len(LINE_STYLES)]}
    return out


def _time_numbers(times: Any) -> np.ndarray:
    """Matplotlib date numbers of timezone-aware timestamps (UTC instants)."""
    index = pd.DatetimeIndex(times)
    if index.tz is None:
        raise PlotInputError("time axis: timestamps must be timezone-aware (UTC)")
    return mdates.date2num(index.tz_convert("UTC").to_pydatetime())


def _time_axes(ax: Axes, span_hours: float) -> None:
    """Central-time hours on the bottom axis, UTC on a secondary top axis."""
    step = 1 if span_hours <= 6 else 3 if span_hours <= 30 else 12
    ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, step), tz=CENTRAL))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=CENTRAL))
    ax.set_xlabel("Time (America/Chicago)")
    top = ax.secondary_xaxis("top")
    top.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, step), tz=UTC))
    top.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=UTC))
    top.set_xlabel("Time (UTC)")


def _price_axis(ax: Axes, values: np.ndarray, linthresh: float = 100.0) -> None:
    """Label the price axis; switch to symmetric-log when any |price| exceeds 1000 $/MWh."""
    finite = values[np.isfinite(values)]
    if finite.size and np.max(np.abs(finite)) > 1000.0:
        ax.set_yscale("symlog", linthresh=linthresh)
        ax.set_ylabel(f"Price ($/MWh, symlog above {linthresh:g})")
    else:
        ax.set_ylabel("Price ($/MWh)")


def _span_hours(times: Any) -> float:
    index = pd.DatetimeIndex(times)
    return float((index.max() - index.min()) / pd.Timedelta(hours=1)) if len(index) > 1 else 1.0


def _day_label(times: Any) -> str:
    index = pd.DatetimeIndex(times)
    return "" if index.empty else index.min().tz_convert(CENTRAL).strftime("%Y-%m-%d")


def _interval_label(index: pd.DatetimeIndex) -> str:
    """``5-minute``/``15-minute``: the median spacing of a price index."""
    if len(index) < 2:
        return "interval"
    minutes = float(np.median(np.diff(pd.DatetimeIndex(index).as_unit("ns").asi8))) / 6e10
    return f"{minutes:g}-minute"


def default_hubs(columns: Sequence[str], battery_location: str, limit: int = 6) -> list[str]:
    """Trading hubs to draw beside the battery location (``HB_*`` except bus/hub averages)."""
    hubs = [c for c in columns if str(c).startswith("HB_") and c not in {"HB_BUSAVG", "HB_HUBAVG", battery_location}]
    return hubs[:limit]


@styled
def plot_price_paths(
    prices: pd.DataFrame,
    battery_location: str | None,
    hubs: Sequence[str] | None = None,
    high_price_usd_per_mwh: float | None = None,
) -> Figure:
    """Real-time prices of the battery location (black, thick; none when None) and hubs over the day.

    The price axis switches to symmetric-log above 1000 $/MWh so a scarcity
    spike does not flatten the rest of the day.
    """
    if battery_location is not None and battery_location not in prices.columns:
        raise PlotInputError(f"price paths: no column for battery location {battery_location!r}")
    hubs = default_hubs(list(prices.columns), battery_location or "") if hubs is None else list(hubs)
    missing = [h for h in hubs if h not in prices.columns]
    if missing:
        raise PlotInputError(f"price paths: no column for hub(s) {', '.join(missing)}")
    data = prices.sort_index()
    x = _time_numbers(data.index)
    fig = Figure()
    ax = fig.add_subplot()
    for i, hub in enumerate(hubs):
        ax.plot(x, data[hub].to_numpy(dtype=float), lw=1.0, alpha=0.85, color=SERIES_COLOURS[i % 7], label=hub)
    if battery_location is not None:
        ax.plot(
            x,
            data[battery_location].to_numpy(dtype=float),
            lw=2.0,
            color=OKABE_ITO["black"],
            label=f"{battery_location} (battery)",
        )
    if high_price_usd_per_mwh is not None:
        ax.axhline(
            high_price_usd_per_mwh,
            color=OKABE_ITO["vermillion"],
            lw=0.8,
            ls=":",
            label=f"high price {high_price_usd_per_mwh:g} $/MWh",
        )
    ax.axhline(0.0, color="0.4", lw=0.6)
    shown = [*hubs] if battery_location is None else [battery_location, *hubs]
    _price_axis(ax, data[shown].to_numpy(dtype=float))
    _time_axes(ax, _span_hours(data.index))
    ax.set_title(f"Real-time {_interval_label(data.index)} prices, {_day_label(data.index)}")
    ax.legend(loc="upper left", ncol=2)
    fig.tight_layout()
    return fig


@styled
def plot_enkf_band(filtered: pd.DataFrame, location: str, anomaly_threshold: float = 4.0) -> Figure:
    """EnKF forecast mean with +-1 and +-2 spread bands against observed prices at ``location``.

    Observations with ``|normalized_innovation| > anomaly_threshold`` are marked.
    """
    needed = {"interval_start_utc", "location", "observed", "mean", "spread", "normalized_innovation"}
    missing = sorted(needed - set(filtered.columns))
    if missing:
        raise PlotInputError(f"EnKF band: filtered table lacks column(s) {', '.join(missing)}")
    rows = filtered[filtered["location"] == location].sort_values("interval_start_utc")
    if rows.empty:
        raise PlotInputError(f"EnKF band: no filtered rows for location {location!r}")
    x = _time_numbers(rows["interval_start_utc"])
    mean = rows["mean"].to_numpy(dtype=float)
    spread = rows["spread"].to_numpy(dtype=float)
    observed = rows["observed"].to_numpy(dtype=float)
    fig = Figure()
    ax = fig.add_subplot()
    ax.fill_between(
        x, mean - 2 * spread, mean + 2 * spread, color=OKABE_ITO["sky_blue"], alpha=0.25, lw=0, label="mean +- 2 spread"
    )
    ax.fill_between(
        x, mean - spread, mean + spread, color=OKABE_ITO["sky_blue"], alpha=0.5, lw=0, label="mean +- 1 spread"
    )
    ax.plot(x, mean, color=OKABE_ITO["blue"], lw=1.2, label="EnKF forecast mean")
    ax.plot(x, observed, ls="none", marker=".", ms=3, color=OKABE_ITO["black"], label="observed")
    flags = np.abs(rows["normalized_innovation"].to_numpy(dtype=float)) > anomaly_threshold
    if flags.any():
        ax.plot(
            x[flags],
            observed[flags],
            ls="none",
            marker="x",
            ms=7,
            mew=1.5,
            color=OKABE_ITO["vermillion"],
            label=f"|z| > {anomaly_threshold:g}",
        )
    _price_axis(ax, np.concatenate([observed, mean]))
    _time_axes(ax, _span_hours(rows["interval_start_utc"]))
    ax.set_title(f"EnKF forecast vs observed at {location}, {_day_label(rows['interval_start_utc'])}")
    ax.legend(loc="upper left", ncol=2)
    fig.tight_layout()
    return fig


def _ledger_times(ledger: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Interval boundaries (start of first .. end of last) and SOC at each boundary, MWh."""
    for col in ("interval_start_utc", "dt_hours", "soc_start_mwh", "soc_end_mwh"):
        if col not in ledger.columns:
            raise PlotInputError(f"ledger of strategy {name!r}: missing column {col}")
    ledger = ledger.sort_values("interval_start_utc")
    starts = pd.DatetimeIndex(ledger["interval_start_utc"])
    ends = starts + pd.to_timedelta(ledger["dt_hours"].to_numpy(dtype=float), unit="h")
    times = starts[:1].append(ends)
    soc = np.concatenate(
        [ledger["soc_start_mwh"].to_numpy(dtype=float)[:1], ledger["soc_end_mwh"].to_numpy(dtype=float)]
    )
    return _time_numbers(times), soc


@styled
def plot_soc(
    ledgers: Mapping[str, pd.DataFrame],
    soc_min_mwh: float | None = None,
    soc_max_mwh: float | None = None,
) -> Figure:
    """State-of-charge trajectory of each strategy (MWh at interval boundaries), with the SOC window."""
    if not ledgers:
        raise PlotInputError("SOC plot: no ledgers given")
    styles = strategy_styles(list(ledgers))
    fig = Figure()
    ax = fig.add_subplot()
    all_times: list[pd.Timestamp] = []
    for name in styles:
        x, soc = _ledger_times(ledgers[name], name)
        ax.plot(x, soc, lw=1.5, label=strategy_label(name), **styles[name])
        all_times += list(pd.DatetimeIndex(ledgers[name]["interval_start_utc"]))
    for level, text in ((soc_min_mwh, "SOC floor"), (soc_max_mwh, "SOC ceiling")):
        if level is not None:
            ax.axhline(level, color=OKABE_ITO["vermillion"], lw=0.8, ls=":")
            ax.annotate(
                f"{text} {level:g} MWh",
                (0.995, level),
                xycoords=("axes fraction", "data"),
                ha="right",
                va="bottom",
                fontsize=8,
            )
    ax.set_ylabel("State of charge (MWh)")
    _time_axes(ax, _span_hours(all_times))
    ax.set_title(f"Battery state of charge by strategy, {_day_label(all_times)}")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


@styled
def plot_cumulative_profit(ledgers: Mapping[str, pd.DataFrame]) -> Figure:
    """Cumulative net profit ($) of each strategy through the day, at interval ends."""
    if not ledgers:
        raise PlotInputError("cumulative profit plot: no ledgers given")
    styles = strategy_styles(list(ledgers))
    fig = Figure()
    ax = fig.add_subplot()
    all_times: list[pd.Timestamp] = []
    for name in styles:
        ledger = ledgers[name]
        if "profit_usd" not in ledger.columns:
            raise PlotInputError(f"ledger of strategy {name!r}: missing column profit_usd")
        x, _ = _ledger_times(ledger, name)
        profit = ledger.sort_values("interval_start_utc")["profit_usd"].to_numpy(dtype=float)
        ax.plot(x, np.concatenate([[0.0], np.cumsum(profit)]), lw=1.5, label=strategy_label(name), **styles[name])
        all_times += list(pd.DatetimeIndex(ledger["interval_start_utc"]))
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_ylabel("Cumulative net profit ($)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    _time_axes(ax, _span_hours(all_times))
    ax.set_title(f"Cumulative profit by strategy, {_day_label(all_times)}")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


@styled
def plot_strategy_revenue(summary: Mapping[str, Mapping[str, Any]]) -> Figure:
    """Bars of revenue, degradation cost and net profit ($) per strategy for the day."""
    if not summary:
        raise PlotInputError("revenue plot: empty strategy summary")
    names = list(strategy_styles(list(summary)))
    fields = (
        ("revenue_usd", "revenue", OKABE_ITO["blue"]),
        ("degradation_cost_usd", "degradation cost", OKABE_ITO["orange"]),
        ("profit_usd", "net profit", OKABE_ITO["bluish_green"]),
    )
    fig = Figure(figsize=(max(6.0, 1.6 * len(names) + 2), 4.5))
    ax = fig.add_subplot()
    width = 0.8 / len(fields)
    x = np.arange(len(names))
    for j, (key, label, colour) in enumerate(fields):
        values = [float(summary[n].get(key) or 0.0) for n in names]
        bars = ax.bar(
            x + (j - 1) * width, values, width, label=label, color=colour, hatch=("", "//", "..")[j], edgecolor="white"
        )
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], fontsize=7, padding=2)
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xticks(x, [strategy_label(n) for n in names], rotation=20, ha="right")
    ax.set_xlabel("Strategy")
    ax.set_ylabel("Amount over the day ($)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title("Revenue, degradation cost and profit by strategy")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


@styled
def plot_learning_curve(curve: pd.DataFrame) -> Figure:
    """Episode profit ($ per simulated day) against cumulative PPO environment steps.

    ``curve`` is the registry's learning curve (columns ``timestep`` and
    ``profit_usd``); a rolling mean over 20 episodes is drawn over the points.
    """
    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.add_subplot()
    if curve is None or curve.empty or not {"timestep", "profit_usd"} <= set(curve.columns):
        ax.text(
            0.5,
            0.5,
            "No training episodes yet (untrained starting checkpoint)",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    else:
        steps = curve["timestep"].to_numpy(dtype=float)
        profit = curve["profit_usd"].to_numpy(dtype=float)
        ax.scatter(steps, profit, s=6, alpha=0.35, color=OKABE_ITO["sky_blue"], label="episode")
        window = min(20, len(profit))
        ax.plot(
            steps,
            pd.Series(profit).rolling(window, min_periods=1).mean(),
            color=OKABE_ITO["blue"],
            lw=1.8,
            label=f"rolling mean ({window} episodes)",
        )
        ax.axhline(0.0, color="0.4", lw=0.6)
        ax.legend(loc="best")
    ax.set_xlabel("Environment steps (cumulative, all increments)")
    ax.set_ylabel("Episode profit ($ per day)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title("PPO learning curve")
    fig.tight_layout()
    return fig


@styled
def plot_profit_by_day(profit: pd.DataFrame) -> Figure:
    """Net profit ($) per study day (rows, ISO dates) and strategy (columns)."""
    if profit.empty:
        raise PlotInputError("profit by day plot: no days")
    styles = strategy_styles(list(profit.columns))
    fig = Figure(figsize=(max(6.0, 0.5 * len(profit) + 4), 4.5))
    ax = fig.add_subplot()
    x = np.arange(len(profit))
    for name in styles:
        ax.plot(x, profit[name].to_numpy(dtype=float), marker="o", lw=1.5, label=strategy_label(name), **styles[name])
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xticks(x, list(profit.index), rotation=45, ha="right")
    ax.set_xlabel("Operating day (America/Chicago)")
    ax.set_ylabel("Net profit ($ per day)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title("Daily profit by strategy")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Save ``fig`` (format from the suffix: .png, .pdf, .svg); create the folder; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path
