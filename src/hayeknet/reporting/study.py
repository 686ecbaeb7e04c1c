"""The study report's tables and the index page, built from the study history (every day's ``results.json``).

Like :mod:`hayeknet.reporting.daily`: plain functions of stage outputs in the
one table style of :mod:`hayeknet.reporting.tables`. :func:`index_html` is the
page ``reports/index.html`` that ties the reports together (the study report,
every daily report with its headline), written by the ``study_report`` stage.
Links are relative to ``reports/``: the study report is ``study.html``, a
daily report ``daily/<day>.html``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from hayeknet.reporting.daily import (
    AGENT,
    PERFECT_FORESIGHT,
    day_headline_text,
    day_summary,
    number,
    regime_label,
)
from hayeknet.reporting.labels import humanize, is_causal, strategy_label
from hayeknet.reporting.tables import Column, HtmlBlock, Note, Table, auto_columns, stylesheet
from hayeknet.research.study_metrics import capture_over_days_run

DAILY_DIR = "daily"


def daily_href(day: str, prefix: str = "") -> str:
    """Link to a day's report from ``reports/`` (``prefix`` ``"../"`` from ``reports/daily/``)."""
    return f"{prefix}{DAILY_DIR}/{day}.html"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def days_frame(history: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per study day (:func:`hayeknet.reporting.daily.day_summary`), indexed by day."""
    frame = pd.DataFrame([day_summary(r) for r in history])
    if frame.empty:
        return pd.DataFrame(index=pd.Index([], name="day"))
    frame["best_causal_label"] = [strategy_label(n) if n else None for n in frame["best_causal"]]
    return frame.set_index("day")


def days_table(history: Sequence[Mapping[str, Any]], link_prefix: str = "") -> Table:
    """Every study day with its headline numbers, each day linked to its daily report (``link_prefix``:
    the way from the page to ``reports/``, e.g. ``"../reports/"`` from a notebook)."""
    frame = days_frame(history)
    return Table(
        data=frame,
        columns=(
            Column("regime", "Regime", "text"),
            Column("perfect_foresight_profit_usd", "Perfect foresight ($)", "usd"),
            Column("best_causal_label", "Best causal strategy", "text"),
            Column("best_causal_capture_ratio", "Capture (% of fair bound)", "percent"),
            Column("mean_price_usd_per_mwh", "Mean price ($/MWh)", "price", detail=True),
            Column("best_causal_profit_usd", "Best causal ($)", "usd", detail=True),
            Column("min_price_usd_per_mwh", "Min price ($/MWh)", "price", detail=True),
            Column("max_price_usd_per_mwh", "Max price ($/MWh)", "price", detail=True),
            Column("spread_top4h_bottom4h_usd_per_mwh", "Top-4h − bottom-4h spread ($/MWh)", "price", detail=True),
            Column("volatility_asinh_return_std", "Volatility (asinh return std)", "decimal", detail=True),
            Column("agent_profit_usd", "PPO agent ($)", "usd", detail=True),
            Column("agent_capture_ratio", "PPO agent capture (% of fair bound)", "percent", detail=True),
        ),
        caption="Every study day: its regime, the perfect-foresight bound and the best causal strategy with its "
        "capture of the fair bound (prices and the agent in the detail); a day's date opens its daily report.",
        name="study_days",
        anchor="days",
        row_header="Day",
        row_links={d: link_prefix + daily_href(str(d)) for d in frame.index},
    )


def profit_by_day(history: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Profit ($) per study day (rows) and strategy (columns)."""
    rows = {r["day"]: {k: number(v.get("profit_usd")) for k, v in (r.get("strategies") or {}).items()} for r in history}
    return pd.DataFrame(rows).T.astype(float)


def strategy_table(history: Sequence[Mapping[str, Any]]) -> Table:
    """Each strategy over the study: total and mean daily profit, capture of the bounds, days run."""
    profit = profit_by_day(history)
    fair = pd.DataFrame(
        {r["day"]: {k: number(v.get("capture_ratio")) for k, v in (r.get("strategies") or {}).items()} for r in history}
    ).T.astype(float)
    order = [n for n in profit.columns if not is_causal(n)] + sorted(
        (n for n in profit.columns if is_causal(n)), key=lambda n: -profit[n].sum()
    )
    capture = capture_over_days_run(profit)
    frame = pd.DataFrame(
        {
            "total_profit_usd": [profit[n].sum() for n in order],
            "mean_daily_profit_usd": [profit[n].mean() for n in order],
            "study_capture_ratio_vs_pf": [number(capture[n]) for n in order],
            "mean_capture_ratio": [fair[n].mean() if n in fair else math.nan for n in order],
            "days": [int(profit[n].notna().sum()) for n in order],
            "worst_day_profit_usd": [profit[n].min() for n in order],
            "best_day_profit_usd": [profit[n].max() for n in order],
        },
        index=pd.Index(order, name="strategy"),
    )
    return Table(
        data=frame,
        columns=(
            Column("total_profit_usd", "Total ($)", "usd"),
            Column("mean_daily_profit_usd", "Mean per day ($)", "usd"),
            Column("study_capture_ratio_vs_pf", "Of PF total (%)", "percent"),
            Column("mean_capture_ratio", "Mean capture (% of fair bound)", "percent"),
            Column("days", "Days", "count"),
            Column("worst_day_profit_usd", "Worst day ($)", "usd", detail=True),
            Column("best_day_profit_usd", "Best day ($)", "usd", detail=True),
        ),
        caption=f"Each strategy over the {len(profit)} study days, perfect foresight first, then by total profit.",
        name="study_strategies",
        anchor="strategies",
        row_header="Strategy",
        row_labels=strategy_label,
        footnote="'Of PF total' divides a strategy's total by the perfect-foresight profit of the days it ran (a "
        "strategy that waits for history is not charged the days before it starts). That bound is cyclic, ending every "
        "day at its starting SOC: a strategy that ends days emptier can exceed 100%. The fair bound of each day "
        "starts from the same SOC and may end at the strategy's final SOC (ADR 0005), so a daily capture never "
        "exceeds 100% of it.",
    )


def market_design_table(history: Sequence[Mapping[str, Any]]) -> Table | Note:
    """Profit per day under SCED today and RTC+B (perfect foresight of both); a note when no day has them."""
    rows, reasons = {}, {}
    for r in history:
        designs = r.get("market_designs") or {}
        if designs.get("available"):
            rows[r["day"]] = {
                "sced_today_profit_usd": number(designs["sced_today"]["revenue_by_stream_usd"].get("profit")),
                "rtc_b_profit_usd": number(designs["rtc_b"]["revenue_by_stream_usd"].get("profit")),
                "rtc_b_minus_sced_usd": number((designs.get("difference_usd") or {}).get("profit")),
            }
        else:
            reasons[r["day"]] = str(designs.get("reason") or "not simulated")
    if not rows:
        why = sorted(set(reasons.values()))
        return Note("; ".join(why) or "no market-design results", name="market-designs")
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "day"
    caption = (
        "Profit per day with perfect foresight when AS are bought day-ahead (SCED today) and when energy and AS "
        "are co-optimized every 5 minutes (RTC+B)."
    )
    if reasons:
        caption += f" Not computed on {len(reasons)} day(s): " + "; ".join(f"{d}: {w}" for d, w in reasons.items())
    return Table(
        data=frame,
        columns=(
            Column("sced_today_profit_usd", "SCED today ($)", "usd"),
            Column("rtc_b_profit_usd", "RTC+B ($)", "usd"),
            Column("rtc_b_minus_sced_usd", "RTC+B − SCED today ($)", "usd"),
        ),
        caption=caption,
        name="study_market_designs",
        anchor="market-designs",
        row_header="Day",
        row_links={d: daily_href(str(d)) for d in frame.index},
    )


def hypotheses_table(hypotheses_frame: pd.DataFrame) -> Table:
    """The research stage's hypotheses table (:func:`hayeknet.research.hypotheses.hypotheses_table`) in the
    report style: hypothesis, effect, p-value, n and verdict visible; test details folded."""
    frame = hypotheses_frame.copy()
    if "name" in frame.columns:
        frame = frame.set_index("name")
    overrides = {
        "statement": Column("statement", "Hypothesis", "text"),
        "effect_size": Column("effect_size", "Effect", "decimal"),
        "p_value": Column("p_value", "p-value", "pvalue"),
        "n_days": Column("n_days", "Days", "count"),
        "verdict": Column("verdict", "Verdict", "text"),
        "effect": Column("effect", "Effect measured", "text", detail=True),
        "unit": Column("unit", "Unit", "text", detail=True),
        "ci_low": Column("ci_low", "95% CI low", "decimal", detail=True),
        "ci_high": Column("ci_high", "95% CI high", "decimal", detail=True),
        "n": Column("n", "n", "count", detail=True),
    }
    first = ["statement", "effect_size", "p_value", "n_days", "verdict"]
    ordered = [c for c in first if c in frame.columns] + [c for c in frame.columns if c not in first]
    columns = tuple(
        overrides.get(c) or Column(c, humanize(c), auto_columns(frame[[c]])[0].kind, detail=True) for c in ordered
    )
    return Table(
        data=frame,
        columns=columns,
        caption="H1-H3 over every study day so far: effect size, permutation p-value and verdict (fewer than 5 days: "
        "descriptive only); the test, its unit and the bootstrap interval are in the detail.",
        name="study_hypotheses",
        anchor="hypotheses",
        row_header="",
    )


def battery_value_table(history: Sequence[Mapping[str, Any]]) -> Table | Note:
    """The battery value stated before each day (ADR 0021) against what the day paid, one row per scored day;
    the caption gives the interval's coverage over the days against its stated level."""
    from hayeknet.options.next_day import summarise_scores

    values = {str(r["day"]): r.get("battery_value") or {} for r in history}
    rows, reasons = {}, {}
    for day, value in values.items():
        after = value.get("after_day") or {}
        if not value.get("stated") or not after.get("scored"):
            reasons[day] = str(value.get("note") or after.get("note") or "not stated")
            continue
        against = after.get("against") or {}
        lo, hi = (number(v) for v in value["interval_usd"])
        rows[day] = {
            "stated_usd": number(value["total_usd"]),
            "low_usd": lo,
            "high_usd": hi,
            "realised_usd": number(after["realised_value_usd"]),
            "covered": "yes" if after.get("covered") else "no",
            "pf_usd": number((against.get("perfect_foresight") or {}).get("profit_usd")),
            "dam_schedule_usd": number((against.get("dam_schedule") or {}).get("profit_usd")),
        }
    if not rows:
        why = sorted(set(reasons.values()))
        return Note("; ".join(why) or "no day's battery value was stated", name="battery-value")
    summary = summarise_scores(list(values.values()))
    level = 100 * float(summary["level"])
    lo_ci, hi_ci = (100 * x for x in summary["coverage_ci95"])
    caption = (
        f"The battery's value stated before each day from the DAM curve and the spread model stated the day before "
        f"(intrinsic + extrinsic), its {level:.0f}% interval, and the realised value (the same strip on the day's "
        f"prices). The interval covered {summary['days_covered']} of {summary['days_scored']} days "
        f"({100 * summary['coverage']:.0f}%, 95% CI {lo_ci:.0f}–{hi_ci:.0f}%) against {level:.0f}% stated."
    )
    if reasons:
        caption += f" Not stated or not scored on {len(reasons)} day(s): " + "; ".join(
            f"{d}: {w}" for d, w in reasons.items()
        )
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "day"
    return Table(
        data=frame,
        columns=(
            Column("stated_usd", "Stated ($)", "usd"),
            Column("low_usd", "Interval low ($)", "usd"),
            Column("high_usd", "Interval high ($)", "usd"),
            Column("realised_usd", "Realised value ($)", "usd"),
            Column("covered", "Covered", "text"),
            Column("pf_usd", "Perfect foresight ($)", "usd"),
            Column("dam_schedule_usd", "DAM schedule ($)", "usd"),
        ),
        caption=caption,
        name="study_battery_value",
        anchor="battery-value",
        row_header="Day",
        row_links={d: daily_href(str(d)) for d in frame.index},
    )


def reliability_table(reliability: pd.DataFrame) -> Table | Note:
    """Settled predictions binned by stated probability: count, mean forecast, observed frequency (Wilson CI)."""
    if reliability is None or reliability.empty:
        return Note(
            "no prediction has been settled yet (a day's claims are scored on the day after)", name="reliability"
        )
    frame = reliability.copy()
    frame.index = [f"{lo:.1f}-{hi:.1f}" for lo, hi in zip(frame.get("bin_low", []), frame.get("bin_high", []))]
    frame.index.name = "bin"
    overrides = {
        "n": Column("n", "Claims", "count"),
        "mean_probability": Column("mean_probability", "Mean forecast", "probability"),
        "observed_frequency": Column("observed_frequency", "Observed frequency", "probability"),
        "ci_low": Column("ci_low", "95% CI low", "probability"),
        "ci_high": Column("ci_high", "95% CI high", "probability"),
        "bin_low": Column("bin_low", "Bin from", "probability", detail=True),
        "bin_high": Column("bin_high", "Bin to", "probability", detail=True),
    }
    return Table(
        data=frame,
        columns=auto_columns(frame, overrides),
        caption="Reliability of the settled predictions: in a calibrated forecaster the observed frequency is close "
        "to the mean forecast in every bin (95% Wilson interval).",
        name="study_reliability",
        anchor="reliability",
        row_header="Forecast bin",
    )


# --------------------------------------------------------------------------- headline, navigation, index


def study_headline(history: Sequence[Mapping[str, Any]], battery: Mapping[str, Any]) -> HtmlBlock:
    """The study in a few lines: days, battery, total bound and best causal strategy; links to the days."""
    days = [str(r["day"]) for r in history]
    profit = profit_by_day(history)
    lines = [
        f"<p><strong>HayekNet study</strong>: {len(days)} operating day{'s' if len(days) != 1 else ''} "
        f"({_e(days[0])} to {_e(days[-1])}); battery {number(battery.get('power_mw')):g} MW / "
        f"{number(battery.get('energy_mwh')):g} MWh at {_e(battery.get('location', ''))}.</p>"
    ]
    items = []
    if PERFECT_FORESIGHT in profit:
        from hayeknet.reporting.tables import format_percent, format_usd

        pf = profit[PERFECT_FORESIGHT].sum()
        items.append(f'Perfect-foresight bound over the study: <a href="#strategies">{format_usd(pf)}</a>.')
        causal = [n for n in profit.columns if is_causal(n)]
        if causal:
            best = max(causal, key=lambda n: profit[n].sum())
            total = profit[best].sum()
            days_run = int(profit[best].notna().sum())
            of_days = "" if days_run == len(profit) else f", on the {days_run} day{'s' if days_run != 1 else ''} it ran"
            capture = capture_over_days_run(profit)[best]
            share = f" ({format_percent(capture)} of the bound{of_days})" if capture is not None else ""
            items.append(
                f'Best causal strategy: <strong>{_e(strategy_label(best))}</strong>, <a href="#strategies">'
                f"{format_usd(total)}</a>{share}."
            )
        if AGENT in profit:
            items.append(f'{_e(strategy_label(AGENT))}: <a href="#strategies">{format_usd(profit[AGENT].sum())}</a>.')
    regimes = pd.Series([regime_label(r) for r in history]).value_counts()
    items.append("Regimes: " + ", ".join(f"{_e(k)} {v}" for k, v in regimes.items()) + ' (<a href="#days">days</a>).')
    body = "".join(lines) + "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    return HtmlBlock(f'<section class="hk-headline" id="headline">{body}</section>', f"Study of {len(days)} days")


def study_navigation(history: Sequence[Mapping[str, Any]]) -> HtmlBlock:
    days = [str(r["day"]) for r in history]
    items = ['<a href="index.html">All reports</a>']
    if days:
        items.append(f'<a href="{daily_href(days[-1])}">Latest day ({_e(days[-1])})</a>')
        items.append(f'<a href="{daily_href(days[0])}">First day ({_e(days[0])})</a>')
    return HtmlBlock(f'<nav class="hk-nav">{"".join(items)}</nav>', "navigation")


def index_html(history: Sequence[Mapping[str, Any]], battery: Mapping[str, Any]) -> str:
    """``reports/index.html``: the study report and every daily report (newest first) with its headline.

    Self-contained (the style sheet inlined, no script), deterministic (no clock), readable offline."""
    days = [r for r in history if r.get("day")]
    items = []
    for r in reversed(days):
        day = str(r["day"])
        items.append(
            f'<li><a href="{daily_href(day)}"><strong>{_e(day)}</strong></a><br>'
            f'<span class="hk-day-headline">{_e(day_headline_text(r))}</span></li>'
        )
    span = f"{days[0]['day']} to {days[-1]['day']}" if days else "no days yet"
    where = (
        f"battery {number(battery.get('power_mw')):g} MW / {number(battery.get('energy_mwh')):g} MWh at "
        f"{battery.get('location', '')}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        "<title>HayekNet reports</title>\n"
        f"<style>\n{stylesheet()}</style>\n</head>\n"
        '<body>\n<main class="hk-index">\n<h1>HayekNet reports</h1>\n'
        f"<p>{len(days)} operating day{'s' if len(days) != 1 else ''} ({_e(span)}); {_e(where)}.</p>\n"
        '<nav class="hk-nav"><a href="study.html"><strong>Study report</strong></a>'
        "<span>all days: strategies, hypotheses, predictions, market designs</span></nav>\n"
        "<h2>Daily reports</h2>\n"
        "<p>Each day: its regime, mean price, the perfect-foresight bound and the best causal strategy.</p>\n"
        f'<ol class="hk-days">\n' + "\n".join(items) + "\n</ol>\n</main>\n</body>\n</html>\n"
    )
