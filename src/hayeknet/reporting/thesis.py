"""Thesis figures over the whole study, in one colour-blind-safe style.

The style is :data:`hayeknet.reporting.plots.STYLE` (Okabe-Ito colours, the
same colour and line style per strategy as the daily figures) with thesis
sizes and embedded TrueType fonts. Each ``figure_*`` function takes plain data
(the study history: a list of daily results documents; ledgers; a models
registry's ``learning_curve`` list) and returns a :class:`Figure`; when its
data are absent it returns a figure that says so rather than failing, so the
thesis stage always produces every file. :func:`write_thesis_figures` writes
each figure as vector PDF and 300-dpi PNG.

Units: prices $/MWh, money $ (per day unless stated), SOC MWh, probabilities 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hayeknet.reporting.plots import CENTRAL, OKABE_ITO, STYLE, strategy_styles

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

THESIS_STYLE: dict[RcKeyType, Any] = {
    **STYLE,
    "figure.figsize": (6.5, 4.0),
    "savefig.dpi": 300,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays text (searchable, editable)
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    "text.parse_math": False,  # "$" is a unit here, never a mathtext delimiter
}
PNG_DPI = 300
FIGURE_NAMES = (
    "price_distributions",
    "revenue_by_strategy",
    "soc_trajectories",
    "market_designs",
    "hypothesis_results",
    "learning_curve",
    "belief_calibration",
)
NOT_STRATEGIES = frozenset({"market_designs"})
DESIGN_LABELS = {"sced_today": "SCED today (DAM AS awards)", "rtc_b": "RTC+B (real-time co-optimization)"}
DESIGN_COLOURS = {"sced_today": OKABE_ITO["orange"], "rtc_b": OKABE_ITO["blue"]}

F = TypeVar("F", bound=Callable[..., Figure])


class ThesisInputError(ValueError):
    """Data passed to a thesis figure lack a field or have the wrong shape (names which)."""


def thesis_styled(func: F) -> F:
    """Build the figure under :data:`THESIS_STYLE`."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(THESIS_STYLE):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _unavailable(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, transform=ax.transAxes, fontsize=9, color="0.25")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def _metric(results: Mapping[str, Any], name: str) -> float | None:
    for m in results.get("metrics", []):
        if m.get("name") == name:
            value = m.get("value")
            return None if value is None or not math.isfinite(float(value)) else float(value)
    return None


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _sorted_history(history: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    by_day = {str(r["day"]): r for r in history}
    return [by_day[d] for d in sorted(by_day)]


def _strategy_names(history: Sequence[Mapping[str, Any]]) -> list[str]:
    names = {
        n
        for r in history
        for n, v in (r.get("strategies") or {}).items()
        if n not in NOT_STRATEGIES and isinstance(v, Mapping)
    }
    return list(strategy_styles(sorted(names)))


def _dollars(ax: Axes, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))


def _day_ticks(ax: Axes, days: Sequence[str]) -> None:
    step = max(1, math.ceil(len(days) / 12))
    ticks = list(range(0, len(days), step))
    ax.set_xticks(ticks, [days[i] for i in ticks], rotation=45, ha="right")
    ax.set_xlabel("Operating day (America/Chicago)")


# --------------------------------------------------------------------------- price distributions


@thesis_styled
def figure_price_distributions(
    history: Sequence[Mapping[str, Any]], prices_by_day: Mapping[str, Sequence[float]] | None = None
) -> Figure:
    """Distribution of 5-minute real-time prices ($/MWh) at the battery location, per study day.

    With ``prices_by_day`` (ISO day -> the day's 5-minute prices), box plots per
    day (box: quartiles, whiskers: 5th-95th percentile) and the pooled
    distribution's complementary CDF. Without it, each day's 5th-95th percentile
    range, median and min/max from the results' metrics.
    """
    hist = _sorted_history(history)
    fig = Figure(figsize=(7.0, 4.0))
    if prices_by_day:
        days = sorted(prices_by_day)
        data = [np.asarray(prices_by_day[d], dtype=float) for d in days]
        data = [d[np.isfinite(d)] for d in data]
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
        ax.boxplot(
            data,
            whis=(5, 95),
            showfliers=False,
            widths=0.6,
            patch_artist=True,
            boxprops={"facecolor": OKABE_ITO["sky_blue"], "alpha": 0.6, "edgecolor": OKABE_ITO["blue"]},
            medianprops={"color": OKABE_ITO["black"]},
            positions=np.arange(len(days)),
        )
        ax.plot(
            np.arange(len(days)),
            [d.max() if d.size else np.nan for d in data],
            ls="none",
            marker="^",
            ms=4,
            color=OKABE_ITO["vermillion"],
            label="daily maximum",
        )
        pooled = np.sort(np.concatenate(data)) if data else np.zeros(0)
        if pooled.size:
            ccdf = 1.0 - np.arange(pooled.size) / pooled.size
            ax2.step(pooled, ccdf, where="post", color=OKABE_ITO["blue"], lw=1.2)
            ax2.set_yscale("log")
            if np.max(np.abs(pooled)) > 1000:
                ax2.set_xscale("symlog", linthresh=100.0)
        ax2.set_xlabel("Price ($/MWh)")
        ax2.set_ylabel("Share of intervals above price")
        ax2.set_title("All study intervals")
        values = np.concatenate(data) if data else np.zeros(0)
    else:
        ax = fig.add_subplot()
        days = [str(r["day"]) for r in hist]
        x = np.arange(len(days))
        p05 = np.array([_nan(_metric(r, "price.p05")) for r in hist])
        p95 = np.array([_nan(_metric(r, "price.p95")) for r in hist])
        med = np.array([_nan(_metric(r, "price.median")) for r in hist])
        lo = np.array([_nan(_metric(r, "price.min")) for r in hist])
        hi = np.array([_nan(_metric(r, "price.max")) for r in hist])
        if not days:
            _unavailable(ax, "No study days yet")
            fig.tight_layout()
            return fig
        ax.vlines(x, p05, p95, color=OKABE_ITO["blue"], lw=5, alpha=0.6, label="5th-95th percentile")
        ax.plot(x, med, ls="none", marker="o", ms=4, color=OKABE_ITO["black"], label="median")
        ax.plot(x, hi, ls="none", marker="^", ms=4, color=OKABE_ITO["vermillion"], label="maximum")
        ax.plot(x, lo, ls="none", marker="v", ms=4, color=OKABE_ITO["bluish_green"], label="minimum")
        values = np.concatenate([lo, hi])
    finite = values[np.isfinite(values)]
    if finite.size and np.max(np.abs(finite)) > 1000:
        ax.set_yscale("symlog", linthresh=100.0)
        ax.set_ylabel("Price ($/MWh, symlog above 100)")
    else:
        ax.set_ylabel("Price ($/MWh)")
    ax.axhline(0.0, color="0.4", lw=0.6)
    _day_ticks(ax, days)
    ax.set_title("Real-time 5-minute prices at the battery location")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- revenue by strategy


def _bootstrap_mean_ci(values: np.ndarray, n_resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    if values.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(n_resamples, values.size)).mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


@thesis_styled
def figure_revenue_by_strategy(history: Sequence[Mapping[str, Any]]) -> Figure:
    """Study totals of revenue, degradation and profit ($) per strategy; daily profit with its mean and 95% CI."""
    hist = _sorted_history(history)
    names = _strategy_names(hist)
    fig = Figure(figsize=(7.5, 4.0))
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    if not names:
        _unavailable(ax, "No strategy results in the study history")
        _unavailable(ax2, "")
        return fig
    fields = (
        ("revenue_usd", "revenue", OKABE_ITO["blue"], ""),
        ("degradation_cost_usd", "degradation cost", OKABE_ITO["orange"], "//"),
        ("profit_usd", "net profit", OKABE_ITO["bluish_green"], ".."),
    )
    x = np.arange(len(names))
    width = 0.8 / len(fields)
    for j, (key, label, colour, hatch) in enumerate(fields):
        totals = [sum(float(r["strategies"].get(n, {}).get(key) or 0.0) for r in hist) for n in names]
        ax.bar(x + (j - 1) * width, totals, width, label=label, color=colour, hatch=hatch, edgecolor="white")
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel(f"Total over {len(hist)} day(s) ($)")
    _dollars(ax)
    ax.set_title("Study totals by strategy")
    ax.legend(loc="best")
    styles = strategy_styles(names)
    for i, n in enumerate(names):
        daily = np.array(
            [
                float(r["strategies"][n]["profit_usd"])
                for r in hist
                if r["strategies"].get(n, {}).get("profit_usd") is not None
            ],
            dtype=float,
        )
        if daily.size == 0:
            continue
        jitter = np.linspace(-0.15, 0.15, daily.size) if daily.size > 1 else np.zeros(1)
        ax2.plot(i + jitter, daily, ls="none", marker="o", ms=3, alpha=0.5, color=styles[n]["color"])
        low, high = _bootstrap_mean_ci(daily)
        ax2.plot([i], [daily.mean()], marker="D", ms=6, color=styles[n]["color"], mec="black")
        if math.isfinite(low):
            ax2.vlines(i, low, high, color="black", lw=1.5)
    ax2.axhline(0.0, color="0.4", lw=0.6)
    ax2.set_xticks(x, names, rotation=30, ha="right")
    ax2.set_ylabel("Net profit ($ per day)")
    _dollars(ax2)
    ax2.set_title("Daily profit: days, mean and 95% CI")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- SOC trajectories


def _hours_into_day(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    local = pd.DatetimeIndex(times).tz_convert(CENTRAL)
    midnight = local.normalize()
    return np.asarray((local - midnight) / pd.Timedelta(hours=1), dtype=float)


@thesis_styled
def figure_soc_trajectories(
    ledgers_by_day: Mapping[str, Mapping[str, pd.DataFrame]] | None,
    soc_min_mwh: float | None = None,
    soc_max_mwh: float | None = None,
) -> Figure:
    """State of charge (MWh) through the operating day, one panel per strategy, one line per study day.

    ``ledgers_by_day`` maps ISO day -> strategy -> ADR 0001 ledger (the simulate
    stage's ``ledger_<strategy>.parquet``). The x axis is hours since midnight
    America/Chicago (interval ends); the SOC window is drawn when given.
    """
    if not ledgers_by_day:
        fig = Figure(figsize=(6.5, 3.0))
        _unavailable(fig.add_subplot(), "SOC trajectories not available: no ledgers passed in")
        return fig
    names = list(strategy_styles(sorted({n for ledgers in ledgers_by_day.values() for n in ledgers})))
    cols = min(2, len(names))
    rows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(7.0, 2.3 * rows + 0.6))
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)).ravel()
    styles = strategy_styles(names)
    days = sorted(ledgers_by_day)
    for ax, name in zip(axes, names):
        for k, day in enumerate(days):
            ledger = ledgers_by_day[day].get(name)
            if ledger is None:
                continue
            for col in ("interval_start_utc", "dt_hours", "soc_start_mwh", "soc_end_mwh"):
                if col not in ledger.columns:
                    raise ThesisInputError(f"ledger of {name} on {day}: missing column {col}")
            if ledger.empty:
                continue
            ledger = ledger.sort_values("interval_start_utc")
            start = _hours_into_day(ledger["interval_start_utc"])
            x = np.concatenate([start[:1], start + ledger["dt_hours"].to_numpy(dtype=float)])
            soc = np.concatenate(
                [ledger["soc_start_mwh"].to_numpy(dtype=float)[:1], ledger["soc_end_mwh"].to_numpy(dtype=float)]
            )
            last = k == len(days) - 1
            ax.plot(
                x,
                soc,
                color=styles[name]["color"],
                ls=styles[name]["linestyle"],
                lw=1.6 if last else 0.8,
                alpha=1.0 if last else 0.35,
                label=f"{day} (last day)" if last else None,
            )
        for level in (soc_min_mwh, soc_max_mwh):
            if level is not None:
                ax.axhline(level, color=OKABE_ITO["vermillion"], lw=0.8, ls=":")
        ax.set_title(name)
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 6))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel("SOC (MWh)")
    for ax in axes[max(0, len(names) - cols) : len(names)]:
        ax.set_xlabel("Hour of the operating day (America/Chicago)")
        ax.tick_params(labelbottom=True)
    fig.suptitle(
        f"State of charge by strategy over {len(days)} day(s) (earlier days faint; dotted: SOC window)", fontsize=10
    )
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- SCED today vs RTC+B


def market_design_profits(history: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Daily profit ($) of ``sced_today`` and ``rtc_b`` (rows: ISO day) where the results hold them.

    Read from ``results["market_designs"]`` or ``results["strategies"]["market_designs"]``
    (the simulate stage's :meth:`~hayeknet.battery.market_designs.MarketDesignResult.to_dict`
    format: ``{available, sced_today: {revenue_by_stream_usd: {..., profit}}, rtc_b: ...}``)
    or from strategy entries named ``sced_today``/``rtc_b`` with ``profit_usd``.
    """
    rows: dict[str, dict[str, float]] = {}
    for r in _sorted_history(history):
        strategies = r.get("strategies") or {}
        entry = r.get("market_designs") or strategies.get("market_designs")
        row: dict[str, float] = {}
        if isinstance(entry, Mapping) and entry.get("available", True):
            for design in ("sced_today", "rtc_b"):
                d = entry.get(design)
                if isinstance(d, Mapping):
                    streams = d.get("revenue_by_stream_usd") or {}
                    value = streams.get("profit", (d.get("totals") or {}).get("profit_usd"))
                    if value is not None:
                        row[design] = float(value)
                elif isinstance(d, (int, float)):
                    row[design] = float(d)
        for design in ("sced_today", "rtc_b"):
            s = strategies.get(design)
            if design not in row and isinstance(s, Mapping) and s.get("profit_usd") is not None:
                row[design] = float(s["profit_usd"])
        if len(row) == 2:
            rows[str(r["day"])] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=["sced_today", "rtc_b"]).astype(float)


@thesis_styled
def figure_market_designs(history: Sequence[Mapping[str, Any]]) -> Figure:
    """Daily battery profit ($) under SCED today vs RTC+B, and the per-day difference (RTC+B minus SCED)."""
    profits = market_design_profits(history)
    fig = Figure(figsize=(7.0, 3.8))
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    if profits.empty:
        _unavailable(
            ax,
            "SCED today vs RTC+B not available:\nno day's results hold both market designs\n"
            "(RTC+B AS prices exist from 2025-12-05)",
        )
        ax2.set_visible(False)
        return fig
    days = list(profits.index)
    x = np.arange(len(days))
    for design in ("sced_today", "rtc_b"):
        ax.plot(
            x,
            profits[design].to_numpy(),
            marker="o",
            ms=4,
            lw=1.4,
            color=DESIGN_COLOURS[design],
            ls="-" if design == "rtc_b" else "--",
            label=DESIGN_LABELS[design],
        )
    ax.axhline(0.0, color="0.4", lw=0.6)
    _day_ticks(ax, days)
    ax.set_ylabel("Net profit ($ per day, perfect foresight)")
    _dollars(ax)
    ax.set_title("Battery profit by market design")
    ax.legend(loc="best")
    diff = (profits["rtc_b"] - profits["sced_today"]).to_numpy()
    low, high = _bootstrap_mean_ci(diff)
    ax2.bar(x, diff, color=[OKABE_ITO["blue"] if d >= 0 else OKABE_ITO["vermillion"] for d in diff])
    ax2.axhline(diff.mean(), color="black", lw=1.0, ls="--", label=f"mean {diff.mean():,.0f} $/day")
    if math.isfinite(low):
        ax2.axhspan(low, high, color="0.6", alpha=0.25, lw=0, label="95% CI of the mean")
    ax2.axhline(0.0, color="0.4", lw=0.6)
    _day_ticks(ax2, days)
    ax2.set_ylabel("RTC+B minus SCED today ($ per day)")
    _dollars(ax2)
    ax2.set_title("Difference")
    ax2.legend(loc="best")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- hypotheses


def _as_dicts(hypotheses: Sequence[Any]) -> list[Mapping[str, Any]]:
    return [h.to_dict() if hasattr(h, "to_dict") else h for h in hypotheses]


VERDICT_COLOURS = {
    "supported": OKABE_ITO["bluish_green"],
    "contradicted": OKABE_ITO["vermillion"],
    "inconclusive": OKABE_ITO["orange"],
    "insufficient data": "0.55",
}


@thesis_styled
def figure_hypothesis_results(hypotheses: Sequence[Any]) -> Figure:
    """One row per hypothesis: effect size with its bootstrap CI against no effect, with p, n and the verdict.

    ``hypotheses`` are :class:`~hayeknet.research.hypotheses.HypothesisResult`
    objects or their dicts (as stored in results.json). Effects have different
    units, so each row has its own x axis labelled with its unit.
    """
    rows = _as_dicts(hypotheses)
    fig = Figure(figsize=(7.0, 1.6 * max(1, len(rows)) + 0.5))
    if not rows:
        _unavailable(fig.add_subplot(), "No hypothesis results")
        return fig
    axes = np.atleast_1d(fig.subplots(len(rows), 1, squeeze=False)).ravel()
    for ax, h in zip(axes, rows):
        colour = VERDICT_COLOURS.get(h["verdict"], "0.5")
        effect, low, high = h.get("effect_size"), h.get("ci_low"), h.get("ci_high")
        ax.axvline(0.0, color="0.3", lw=0.8, ls=":")
        if effect is not None:
            if low is not None and high is not None:
                ax.hlines(0, low, high, color=colour, lw=3)
            ax.plot([effect], [0], marker="D", ms=7, color=colour, mec="black")
            span = [v for v in (effect, low, high, 0.0) if v is not None]
            pad = 0.15 * (max(span) - min(span) or 1.0)
            ax.set_xlim(min(span) - pad, max(span) + pad)
        else:
            ax.text(0.5, 0.5, "effect not computable", transform=ax.transAxes, ha="center", va="center", color="0.3")
        ax.set_yticks([])
        ax.set_ylim(-1, 1)
        unit = "" if h["effect_unit"] in ("1", "") else f" ({h['effect_unit']})"
        ax.set_xlabel(f"{h['effect_name']}{unit}", fontsize=8)
        p = h.get("p_value")
        ptext = "n/a" if p is None else f"{p:.3f}"
        ax.set_title(f"{h['name']}: {h['statement']}", loc="left", fontsize=9)
        ax.text(
            0.99,
            0.92,
            f"{h['verdict']}  |  p = {ptext}  |  n = {h['n']} ({h['n_days']} days)",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="black",
            bbox={"facecolor": colour, "alpha": 0.25, "edgecolor": "none"},
        )
        ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- learning curve


@thesis_styled
def figure_learning_curve(
    learning_curve: Sequence[Mapping[str, Any]] | pd.DataFrame | None, window: int = 20
) -> Figure:
    """PPO episode profit ($ per simulated day) against cumulative environment steps, over all increments.

    ``learning_curve`` is a models registry's ``learning_curve`` list (fields
    ``timestep``, ``profit_usd``, optionally ``increment``); daily training
    increments are marked by faint vertical lines.
    """
    curve = pd.DataFrame(learning_curve) if learning_curve is not None else pd.DataFrame()
    fig = Figure(figsize=(6.5, 3.8))
    ax = fig.add_subplot()
    if curve.empty or not {"timestep", "profit_usd"} <= set(curve.columns):
        _unavailable(ax, "Agent learning curve not available: no training episodes in the registry")
        return fig
    curve = curve.sort_values("timestep")
    steps = curve["timestep"].to_numpy(dtype=float)
    profit = curve["profit_usd"].to_numpy(dtype=float)
    ax.scatter(
        steps, profit, s=5, alpha=0.35, color=OKABE_ITO["sky_blue"], label="episode", rasterized=steps.size > 2000
    )
    w = min(window, len(profit))
    ax.plot(
        steps,
        pd.Series(profit).rolling(w, min_periods=1).mean(),
        color=OKABE_ITO["blue"],
        lw=1.6,
        label=f"rolling mean ({w} episodes)",
    )
    if "increment" in curve.columns:
        starts = curve.groupby("increment")["timestep"].min().sort_index().to_numpy(dtype=float)[1:]
        for s in starts:
            ax.axvline(s, color="0.7", lw=0.5, ls=":")
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xlabel("Environment steps (cumulative)")
    ax.set_ylabel("Episode profit ($ per day)")
    _dollars(ax)
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title("PPO learning curve (dotted: start of a daily training increment)")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- calibration


@thesis_styled
def figure_belief_calibration(scores: Any) -> Figure:
    """Reliability diagram of the research's predictive claims: observed frequency vs stated probability.

    ``scores`` is a :class:`~hayeknet.research.scoring.PredictionScores` or its
    dict (``prediction_scores`` of a results document). Points are sized by
    count with Wilson 95% intervals; the diagonal is perfect calibration.
    """
    data = scores.to_dict() if hasattr(scores, "to_dict") else dict(scores or {})
    table = pd.DataFrame(data.get("reliability") or [])
    fig = Figure(figsize=(4.8, 4.6))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.4", lw=0.8, ls="--", label="perfect calibration")
    if table.empty:
        ax.text(
            0.5, 0.55, "No predictive claim settled yet", ha="center", va="center", transform=ax.transAxes, color="0.25"
        )
    else:
        yerr = np.vstack(
            [
                (table["observed_frequency"] - table["ci_low"].astype(float)).clip(lower=0).to_numpy(),
                (table["ci_high"].astype(float) - table["observed_frequency"]).clip(lower=0).to_numpy(),
            ]
        )
        ax.errorbar(
            table["mean_probability"],
            table["observed_frequency"],
            yerr=yerr,
            ls="none",
            color=OKABE_ITO["blue"],
            elinewidth=1,
            capsize=2,
        )
        ax.scatter(
            table["mean_probability"],
            table["observed_frequency"],
            s=20 + 15 * table["n"].to_numpy(dtype=float),
            color=OKABE_ITO["blue"],
            edgecolor="black",
            zorder=3,
            label="forecast bin (size: count)",
        )
        for _, row in table.iterrows():
            ax.annotate(
                f"n={int(row['n'])}",
                (row["mean_probability"], row["observed_frequency"]),
                textcoords="offset points",
                xytext=(6, -10),
                fontsize=7,
            )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("Stated probability (mean of the bin)")
    ax.set_ylabel("Observed frequency (95% Wilson CI)")
    brier = data.get("brier")
    ref = data.get("base_rate_brier")
    title = "Calibration of predictive claims"
    if brier is not None:
        title += (
            f"\nBrier {brier:.3f} over {data.get('n_scored', 0)} claims (base rate {ref:.3f})"
            if ref is not None
            else f"\nBrier {brier:.3f}"
        )
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- writing


def save_thesis_figure(
    fig: Figure, out_dir: str | Path, name: str, formats: Sequence[str] = ("pdf", "png"), dpi: int = PNG_DPI
) -> list[Path]:
    """Write ``fig`` as ``<out_dir>/<name>.<fmt>`` for each format (PDF vector; PNG at ``dpi``); no timestamps."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"{name}.{fmt}"
        metadata = (
            {"CreationDate": None, "Creator": "HayekNet"}
            if fmt == "pdf"
            else {"Software": None}
            if fmt == "png"
            else None
        )
        with matplotlib.rc_context(THESIS_STYLE):
            fig.savefig(path, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
        paths.append(path)
    return paths


def write_thesis_figures(
    history: Sequence[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    ledgers_by_day: Mapping[str, Mapping[str, pd.DataFrame]] | None = None,
    prices_by_day: Mapping[str, Sequence[float]] | None = None,
    learning_curve: Sequence[Mapping[str, Any]] | pd.DataFrame | None = None,
    hypotheses: Sequence[Any] | None = None,
    scores: Any = None,
    soc_min_mwh: float | None = None,
    soc_max_mwh: float | None = None,
    formats: Sequence[str] = ("pdf", "png"),
    dpi: int = PNG_DPI,
) -> list[Path]:
    """Write every thesis figure (:data:`FIGURE_NAMES`) as PDF and PNG into ``out_dir``; return the paths.

    ``hypotheses`` default to the last day's stored ``hypotheses`` (else they are
    computed from ``history``); ``scores`` to :func:`~hayeknet.research.scoring.score_predictions`
    of the history. Figures whose data are missing say so on the page.
    """
    from hayeknet.research.hypotheses import test_hypotheses
    from hayeknet.research.scoring import score_predictions

    hist = _sorted_history(history)
    if hypotheses is None:
        stored = hist[-1].get("hypotheses") if hist else None
        hypotheses = stored if stored is not None else (test_hypotheses(hist) if hist else [])
    if scores is None:
        scores = score_predictions(hist)
    figures = {
        "price_distributions": lambda: figure_price_distributions(hist, prices_by_day),
        "revenue_by_strategy": lambda: figure_revenue_by_strategy(hist),
        "soc_trajectories": lambda: figure_soc_trajectories(ledgers_by_day, soc_min_mwh, soc_max_mwh),
        "market_designs": lambda: figure_market_designs(hist),
        "hypothesis_results": lambda: figure_hypothesis_results(hypotheses),
        "learning_curve": lambda: figure_learning_curve(learning_curve),
        "belief_calibration": lambda: figure_belief_calibration(scores),
    }
    paths: list[Path] = []
    for name in FIGURE_NAMES:
        paths += save_thesis_figure(figures[name](), out_dir, name, formats, dpi)
    return paths


__all__ = [
    "FIGURE_NAMES",
    "THESIS_STYLE",
    "ThesisInputError",
    "figure_belief_calibration",
    "figure_hypothesis_results",
    "figure_learning_curve",
    "figure_market_designs",
    "figure_price_distributions",
    "figure_revenue_by_strategy",
    "figure_soc_trajectories",
    "market_design_profits",
    "save_thesis_figure",
    "write_thesis_figures",
]
