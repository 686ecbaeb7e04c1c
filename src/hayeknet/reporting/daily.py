"""The daily report's words and tables, built from what the stages wrote for the day.

Plain functions of the simulate stage's ``summary.json`` (``summary``), the
research stage's ``results.json`` (``results``) and the assimilation metrics,
so the report, ``hayeknet export`` and the tests build the very same tables
(:class:`hayeknet.reporting.tables.Table`). A part the day could not compute
(no AS prices, no QSE agents, a strategy that needs a DAM price) becomes a
:class:`~hayeknet.reporting.tables.Note` with the reason the stage recorded.

Section anchors (:data:`ANCHORS`) are the ``id`` of each section's first table
or figure; the headline links its numbers there.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from hayeknet.reporting.labels import (
    BELIEF_EVENTS,
    MARKET_DESIGN_LABELS,
    QSE_AGENT_LABELS,
    as_product_label,
    belief_event_label,
    humanize,
    is_causal,
    strategy_label,
)
from hayeknet.reporting.tables import Column, HtmlBlock, Note, Table, format_percent, format_price, format_usd

ANCHORS = {
    "prices": "prices",
    "strategies": "strategies",
    "market_designs": "market-designs",
    "battery_value": "battery-value",
    "qse": "qse-agents",
    "beliefs": "beliefs",
    "assimilation": "assimilation",
    "journal": "journal",
    "metrics": "day-metrics",
}
"""Section -> HTML id of its first table or figure (the headline's link targets)."""

AGENT = "ppo_agent"
PERFECT_FORESIGHT = "perfect_foresight"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _link(anchor: str | None, text: str) -> str:
    """``text`` linked to the section ``anchor`` of the page; plain text when ``anchor`` is None."""
    return f'<a href="#{_e(anchor)}">{_e(text)}</a>' if anchor else _e(text)


def number(value: Any) -> float:
    """A figure read from strict JSON: ``None`` (undefined, or absent) as NaN."""
    try:
        return float("nan") if value is None else float(value)
    except (TypeError, ValueError):
        return float("nan")


def metric_values(results: Mapping[str, Any]) -> dict[str, float]:
    """``results.json`` metrics by name (``price.mean`` -> value)."""
    return {m["name"]: number(m.get("value")) for m in results.get("metrics", []) if "name" in m}


def regime_label(results: Mapping[str, Any]) -> str:
    regime = results.get("regime", {})
    return str(regime.get("label", "n/a") if isinstance(regime, Mapping) else regime)


def _finite(x: float) -> bool:
    return isinstance(x, float) and math.isfinite(x)


# --------------------------------------------------------------------------- strategies


def best_causal(strategies: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The strategy (not a perfect-foresight bound) with the highest profit; None when there is none."""
    causal = {n: number(r.get("profit_usd")) for n, r in strategies.items() if is_causal(n)}
    causal = {n: p for n, p in causal.items() if _finite(p)}
    return max(causal, key=lambda n: causal[n]) if causal else None


def strategy_order(strategies: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Bounds first, then the causal strategies by profit, highest first (undefined profits last)."""
    bounds = [n for n in strategies if not is_causal(n)]
    causal = [n for n in strategies if is_causal(n)]
    causal.sort(
        key=lambda n: (
            -number(strategies[n].get("profit_usd")) if _finite(number(strategies[n].get("profit_usd"))) else math.inf
        )
    )
    return bounds + causal


def _forecast_text(result: Mapping[str, Any]) -> str | None:
    forecast = result.get("forecast")
    if not forecast:
        return None
    text = str(forecast)
    if result.get("forecast_fallback"):
        text += " (fallback)"
    note = result.get("forecast_note")
    return f"{text}: {note}" if note else text


STRATEGY_COLUMNS = (
    Column("profit_usd", "Profit ($)", "usd"),
    Column("capture_ratio", "Capture (% of fair bound)", "percent"),
    Column("capture_ratio_vs_pf", "Capture (% of PF bound)", "percent"),
    Column("soc_end_mwh", "End SOC (MWh)", "energy"),
    Column("cycles", "Cycles", "decimal"),
    Column("revenue_usd", "Revenue ($)", "usd", detail=True),
    Column("as_cash_usd", "AS revenue ($)", "usd", detail=True),
    Column("degradation_cost_usd", "Degradation ($)", "usd", detail=True),
    Column("charge_mwh", "Charged (MWh)", "energy", detail=True),
    Column("discharge_mwh", "Discharged (MWh)", "energy", detail=True),
    Column("fair_bound_profit_usd", "Fair bound ($)", "usd", detail=True),
    Column("soc_start_mwh", "Start SOC (MWh)", "energy", detail=True),
    Column("forecast", "Forecast used", "text", detail=True),
)

CAPTURE_FOOTNOTE = (
    "Capture = profit ÷ a perfect-foresight bound. The fair bound starts from the same SOC and may end the day "
    "at the strategy's own final SOC (ADR 0005), so no strategy exceeds 100% of it. The PF bound is the "
    "cyclic perfect-foresight profit, which must end the day at its starting SOC: a strategy that ends the day "
    "emptier has sold energy it did not buy today and can out-earn it (above 100%)."
)


def strategy_frame(strategies: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per strategy (bounds first, then by profit): the numbers of :data:`STRATEGY_COLUMNS`."""
    rows = {}
    for name in strategy_order(strategies):
        r = strategies[name]
        row: dict[str, Any] = {c.key: number(r.get(c.key)) for c in STRATEGY_COLUMNS if c.kind != "text"}
        row["forecast"] = _forecast_text(r)
        rows[name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "strategy"
    return frame


def beat_bound_sentence(strategies: Mapping[str, Mapping[str, Any]]) -> str:
    """Why a causal strategy out-earned the cyclic bound today (empty when none did)."""
    pf = strategies.get(PERFECT_FORESIGHT)
    if not pf:
        return ""
    pf_profit = number(pf.get("profit_usd"))
    start = number(pf.get("soc_start_mwh"))
    out = []
    for name in strategy_order(strategies):
        r = strategies[name]
        profit = number(r.get("profit_usd"))
        if is_causal(name) and _finite(profit) and _finite(pf_profit) and profit > pf_profit:
            end = number(r.get("soc_end_mwh"))
            where = f" ended the day at {end:,.0f} MWh, below its {start:,.0f} MWh start" if _finite(end) else ""
            out.append(f"{strategy_label(name)} ({format_usd(profit)}){where}")
    if not out:
        return ""
    return f"Today {'; '.join(out)}: more than the cyclic bound ({format_usd(pf_profit)}), within its fair bound."


def strategy_table(day: str, summary: Mapping[str, Any]) -> Table:
    """The day's strategies: profit, the two capture ratios, final SOC and cycles (the rest in the details)."""
    strategies = summary.get("strategies") or {}
    frame = strategy_frame(strategies)
    prices = (summary.get("realtime_prices") or {}).get("description") or "real-time prices"
    footnote = " ".join(s for s in (CAPTURE_FOOTNOTE, beat_bound_sentence(strategies)) if s)
    return Table(
        data=frame,
        columns=STRATEGY_COLUMNS,
        caption=f"Each strategy on {day}, trading {prices}: perfect-foresight bound first, then by profit.",
        name=f"{day}_strategies",
        anchor=ANCHORS["strategies"],
        row_header="Strategy",
        row_labels=strategy_label,
        footnote=footnote,
    )


def strategies_not_run_note(summary: Mapping[str, Any]) -> Note | None:
    """Strategies the simulate stage could not run today, with its reasons (None when all ran)."""
    not_run = summary.get("strategies_not_run") or {}
    if not not_run:
        return None
    reasons = "; ".join(f"{strategy_label(n)}: {why}" for n, why in not_run.items())
    return Note(reasons, prefix="Not run today")


# --------------------------------------------------------------------------- market designs, QSE agents

STREAM_ORDER = ("energy", "REGUP", "REGDN", "RRS", "ECRS", "NSPIN", "as_total", "revenue", "degradation", "profit")


def market_design_table(day: str, summary: Mapping[str, Any]) -> Table | Note:
    """Revenue by stream under SCED today and RTC+B, and the difference; a :class:`Note` when not computed."""
    designs = summary.get("market_designs") or {}
    if not designs.get("available"):
        return Note(designs.get("reason") or "market designs not simulated", name=ANCHORS["market_designs"])
    sced = designs["sced_today"]["revenue_by_stream_usd"]
    rtcb = designs["rtc_b"]["revenue_by_stream_usd"]
    diff = designs.get("difference_usd") or {k: number(rtcb.get(k)) - number(sced.get(k)) for k in sced}
    streams = [s for s in STREAM_ORDER if s in sced] + [s for s in sced if s not in STREAM_ORDER]
    frame = pd.DataFrame(
        {
            "sced_today_usd": [number(sced.get(s)) for s in streams],
            "rtc_b_usd": [number(rtcb.get(s)) for s in streams],
            "rtc_b_minus_sced_usd": [number(diff.get(s)) for s in streams],
        },
        index=pd.Index(streams, name="stream"),
    )
    sced_label, rtcb_label = MARKET_DESIGN_LABELS["sced_today"], MARKET_DESIGN_LABELS["rtc_b"]
    return Table(
        data=frame,
        columns=(
            Column("sced_today_usd", f"{sced_label} ($)", "usd"),
            Column("rtc_b_usd", f"{rtcb_label} ($)", "usd"),
            Column("rtc_b_minus_sced_usd", f"{rtcb_label} − {sced_label} ($)", "usd"),
        ),
        caption=f"Revenue by stream on {day} with perfect foresight under SCED today (AS awarded day-ahead) and "
        "RTC+B (energy and AS co-optimized every 5 minutes); the last column is RTC+B minus SCED today.",
        name=f"{day}_market_designs",
        anchor=ANCHORS["market_designs"],
        row_header="Stream",
        row_labels=as_product_label,
    )


def battery_value_table(day: str, summary: Mapping[str, Any]) -> Table | Note:
    """The day's battery value stated before it (intrinsic + extrinsic, ADR 0021) against what the day paid;
    a :class:`Note` saying why when it was not stated."""
    value = summary.get("battery_value") or {}
    if not value.get("stated"):
        return Note(value.get("note") or "battery value not stated", name=ANCHORS["battery_value"])
    level = f"{100 * number(value.get('level')):.0f}%"
    lo, hi = (number(v) for v in value["interval_usd"])
    rows: dict[str, float] = {
        "Intrinsic: the LP schedule on the DAM curve": number(value["intrinsic_usd"]),
        f"Extrinsic: the spread-option strip over {int(value['n_paths']):,} predictive paths": number(
            value["extrinsic_usd"]
        ),
        "Stated before the day: intrinsic + extrinsic": number(value["total_usd"]),
        f"Stated {level} interval: low": lo,
        f"Stated {level} interval: high": hi,
    }
    after = value.get("after_day") or {}
    verdict = "not scored: " + str(after.get("note", "no score"))
    if after.get("scored"):
        rows["Realised value: intrinsic + the strip on the day's prices"] = number(after["realised_value_usd"])
        for name, entry in (after.get("against") or {}).items():
            rows[f"Realised profit: {strategy_label(name)}"] = number(entry.get("profit_usd"))
        verdict = "inside" if after.get("covered") else "outside"
        verdict = f"the realised value fell {verdict} the stated interval"
    frame = pd.DataFrame({"value_usd": list(rows.values())}, index=pd.Index(list(rows), name="figure"))
    return Table(
        data=frame,
        columns=(Column("value_usd", "Value ($)", "usd"),),
        caption=f"The battery's value on {day}, stated from what was published before the day (the DAM curve and "
        f"the spread model stated the day before; extrinsic standard error "
        f"{format_usd(number(value.get('extrinsic_std_error_usd')))}), and what the day paid: {verdict}.",
        name=f"{day}_battery_value",
        anchor=ANCHORS["battery_value"],
        row_header="Figure",
    )


def qse_table(day: str, summary: Mapping[str, Any]) -> Table | Note:
    """Each QSE learner against its best heuristic on the day; a :class:`Note` when not computed."""
    qse = summary.get("qse_agents") or {}
    rows = {}
    for agent in QSE_AGENT_LABELS:
        entry = qse.get(agent)
        if not isinstance(entry, Mapping) or "agent" not in entry:
            continue
        best = entry.get("best_heuristic")
        rows[agent] = {
            "agent_profit_usd": number(entry["agent"].get("profit_usd")),
            "best_heuristic": strategy_label(best) if best else None,
            "best_heuristic_profit_usd": number((entry.get(best) or {}).get("profit_usd")) if best else math.nan,
            "agent_minus_best_usd": number(entry.get("agent_minus_best_heuristic_usd")),
            "capture_ratio": number(entry["agent"].get("capture_ratio")),
        }
    if not rows:
        if qse.get("enabled") is False:
            reason = "the QSE agents are switched off (qse.enabled: false)"
        else:
            reason = qse.get("reason") or "QSE agents not simulated"
        return Note(reason, name=ANCHORS["qse"])
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "agent"
    not_run = qse.get("agents_not_run") or {}
    return Table(
        data=frame,
        columns=(
            Column("agent_profit_usd", "Agent ($)", "usd"),
            Column("best_heuristic", "Best heuristic", "text"),
            Column("best_heuristic_profit_usd", "Heuristic ($)", "usd"),
            Column("agent_minus_best_usd", "Agent − heuristic ($)", "usd"),
            Column("capture_ratio", "Capture (% of bound)", "percent"),
        ),
        caption=f"Each QSE learner on {day}, a day its checkpoint has not seen, against its best heuristic; "
        "solar and wind have no perfect-foresight bound, so no capture ratio.",
        name=f"{day}_qse_agents",
        anchor=ANCHORS["qse"],
        row_header="QSE agent",
        row_labels=lambda k: QSE_AGENT_LABELS.get(k, humanize(k)),
        footnote="; ".join(str(why) for why in not_run.values()),
    )


# --------------------------------------------------------------------------- beliefs

EVENT_NAMES = {"high_price": "A", "imbalance": "B", "congestion": "C"}


def event_letters(key: str) -> str:
    """``"high_price&imbalance"`` or ``"AB"`` -> ``"AB"``; a key it does not know as it is."""
    if key and all(c in BELIEF_EVENTS for c in key):
        return key
    parts = key.split("&")
    if all(p in EVENT_NAMES for p in parts):
        return "".join(EVENT_NAMES[p] for p in parts)
    return key


def beliefs_frame(beliefs: Mapping[str, Any]) -> pd.DataFrame:
    """One row per event (A, B, C and their joints): stated probabilities and yesterday's Brier score."""
    next_day = {event_letters(k): number(v) for k, v in (beliefs.get("next_day") or {}).items()}
    next_hour = {event_letters(k): number(v) for k, v in (beliefs.get("next_hour") or {}).items()}
    cal = (beliefs.get("calibration_of_previous_beliefs") or {}).get("day") or {}
    cal = {event_letters(k): v for k, v in cal.items() if isinstance(v, Mapping)}
    keys = sorted(set(next_day) | set(next_hour) | set(cal), key=lambda k: (len(k), k))
    frame = pd.DataFrame(
        {
            "p_next_day": [next_day.get(k, math.nan) for k in keys],
            "p_next_hour": [next_hour.get(k, math.nan) for k in keys],
            "brier_yesterday": [number((cal.get(k) or {}).get("brier")) for k in keys],
            "brier_climatology": [number((cal.get(k) or {}).get("climatology_brier")) for k in keys],
            "forecast_yesterday": [number((cal.get(k) or {}).get("forecast")) for k in keys],
            "observed_frequency": [number((cal.get(k) or {}).get("realized_frequency")) for k in keys],
        },
        index=pd.Index(keys, name="event"),
    )
    return frame


BELIEF_COLUMNS = (
    Column("p_next_day", "P, next day", "probability"),
    Column("p_next_hour", "P, next hour", "probability"),
    Column("brier_yesterday", "Brier, yesterday's belief", "probability"),
    Column("brier_climatology", "Brier, climatology", "probability", detail=True),
    Column("forecast_yesterday", "P stated yesterday", "probability", detail=True),
    Column("observed_frequency", "Observed frequency", "probability", detail=True),
)


def beliefs_table(day: str, results: Mapping[str, Any]) -> Table | Note:
    """Probabilities stated for the next day and hour, with yesterday's belief about today scored."""
    b = results.get("beliefs") or {}
    frame = beliefs_frame(b)
    if frame.empty:
        return Note(b.get("note") or "no beliefs stated on this day", name=ANCHORS["beliefs"])
    high = (results.get("thresholds") or {}).get("high_price_usd_per_mwh")
    high_text = f"above {high:g} $/MWh" if isinstance(high, (int, float)) else "above the high-price threshold"
    return Table(
        data=frame,
        columns=BELIEF_COLUMNS,
        caption=f"Events at the battery: A high price ({high_text}), B imbalance (RT far from DAM), C congestion "
        f"(node far from hub). 'Next day' = P(in a random interval of {b.get('forecast_day', 'the next day')}), "
        "'next hour' = P(at least once in its first hour); Brier scores yesterday's belief about today "
        "(0 is perfect).",
        name=f"{day}_beliefs",
        anchor=ANCHORS["beliefs"],
        row_header="Event",
        row_labels=belief_event_label,
    )


def beliefs_notes(results: Mapping[str, Any]) -> list[Note]:
    """What the beliefs did not state, and their warnings (congestion without a hub, sampler warnings)."""
    b = results.get("beliefs") or {}
    notes = []
    congestion = b.get("congestion") or {}
    if isinstance(congestion, Mapping) and congestion.get("stated") is False:
        notes.append(Note(str(congestion.get("note") or "congestion not stated"), prefix="Congestion not stated"))
    elif b.get("next_day") and not any("C" in event_letters(k) for k in b["next_day"]):
        notes.append(Note("no congestion event is stated (no reference hub)", prefix="Congestion not stated"))
    for warning in b.get("warnings") or []:
        notes.append(Note(str(warning), prefix="Warning"))
    return notes


def beliefs_intro(day: str, results: Mapping[str, Any]) -> HtmlBlock:
    b = results.get("beliefs") or {}
    diag = b.get("diagnostics") or {}
    rhat, ess = number(diag.get("rhat_max")), number(diag.get("ess_bulk_min"))
    fit = []
    if _finite(rhat):
        fit.append(f"R-hat max {rhat:.3f}")
    if _finite(ess):
        fit.append(f"bulk ESS min {ess:,.0f}")
    text = (
        f"Beliefs about <strong>{_e(b.get('forecast_day') or 'the next day')}</strong> from the PyMC model fitted "
        f"on the study days up to {_e(day)}" + (f" ({_e(', '.join(fit))})" if fit else "") + "."
    )
    return HtmlBlock(f"<p>{text}</p>", f"Beliefs about {b.get('forecast_day')}")


# --------------------------------------------------------------------------- assimilation, metrics

ASSIMILATION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("backend", "Backend", "text"),
    ("ensemble_size", "Ensemble members", "count"),
    ("n_locations", "Locations", "count"),
    ("interval_minutes", "Interval (min)", "count"),
    ("rmse_forecast_usd_per_mwh", "RMSE of the forecast ($/MWh)", "price"),
    ("rmse_analysis_usd_per_mwh", "RMSE after assimilating ($/MWh)", "price"),
    ("mean_spread_usd_per_mwh", "Mean ensemble spread ($/MWh)", "price"),
    ("spread_rmse_ratio", "Spread ÷ RMSE (1 = calibrated)", "decimal"),
    ("n_anomalies", "Anomalies (|z| above threshold)", "count"),
)


def assimilation_table(day: str, metrics: Mapping[str, Any]) -> Table:
    """The EnKF's day in numbers (Measure | Value)."""
    rows = [(key, label, kind) for key, label, kind in ASSIMILATION_ROWS if key in metrics]
    frame = pd.DataFrame({"value": [metrics.get(k) for k, _, _ in rows]}, index=pd.Index([k for k, _, _ in rows]))
    frame.index.name = "measure"
    threshold = metrics.get("anomaly_threshold")
    labels = {k: label for k, label, _ in rows}
    if isinstance(threshold, (int, float)):
        labels["n_anomalies"] = f"Anomalies (|z| > {threshold:g})"
    return Table(
        data=frame,
        columns=(Column("value", "Value", "decimal", row_kinds={k: kind for k, _, kind in rows}),),
        caption=f"How the Ensemble Kalman Filter tracked {day}'s prices at every location: forecast and analysis "
        "errors; a spread ÷ RMSE near 1 means the ensemble's uncertainty is honest.",
        name=f"{day}_assimilation",
        anchor=ANCHORS["assimilation"],
        row_header="Measure",
        row_labels=labels,
    )


UNIT_KINDS = {
    "$/MWh": "price",
    "$": "usd",
    "intervals": "count",
    "episodes": "count",
    "observations": "count",
    "h": "decimal",
    "cycles": "decimal",
    "1": "decimal",
    "MWh": "energy",
}


def metrics_table(day: str, results: Mapping[str, Any]) -> Table | Note:
    """Every metric of the day's ``results.json`` (description | value | unit), the name in the details."""
    metrics = [m for m in results.get("metrics", []) if "name" in m]
    if not metrics:
        return Note("the research stage recorded no metrics", name=ANCHORS["metrics"])
    names = [m["name"] for m in metrics]
    frame = pd.DataFrame(
        {
            "value": [number(m.get("value")) for m in metrics],
            "unit": [str(m.get("unit") or "") for m in metrics],
            "description": [str(m.get("description") or "") for m in metrics],
        },
        index=pd.Index(names, name="metric"),
    )
    kinds = {m["name"]: _metric_kind(m) for m in metrics}
    labels = {m["name"]: _metric_label(m) for m in metrics}
    frame["field"] = names
    return Table(
        data=frame,
        columns=(
            Column("value", "Value", "decimal", row_kinds=kinds),
            Column("unit", "Unit", "text"),
            Column("field", "Field in results.json", "text", detail=True),
        ),
        caption=f"Every metric of {day} as the research stage recorded it (artifacts/research/{day}/results.json).",
        name=f"{day}_metrics",
        anchor=ANCHORS["metrics"],
        row_header="Metric",
        row_labels=labels,
        collapsed=True,
    )


def _metric_label(metric: Mapping[str, Any]) -> str:
    """The metric's description as a sentence, a strategy's code name (``strategy.<name>.*``) as its label."""
    name = str(metric.get("name") or "")
    text = str(metric.get("description") or humanize(name.replace(".", "_")))
    parts = name.split(".")
    if len(parts) >= 3 and parts[0] == "strategy":
        strategy = parts[1]
        text = text.replace(f"{strategy}:", f"{strategy_label(strategy)}:").replace(strategy, strategy_label(strategy))
    return _sentence(text)


def _metric_kind(metric: Mapping[str, Any]) -> str:
    unit = str(metric.get("unit") or "")
    name = str(metric.get("name") or "")
    if name.endswith("capture_ratio"):
        return "percent"
    return UNIT_KINDS.get(unit, UNIT_KINDS.get(unit.split(" (")[0], "decimal"))


def _sentence(text: str) -> str:
    text = str(text).strip()
    return text[:1].upper() + text[1:] if text else text


def qa_frame(results: Mapping[str, Any]) -> pd.DataFrame:
    """The day's questions and answers (``results.json`` ``qa``): one row per question."""
    rows = []
    for q in results.get("qa", []):
        conf = q.get("confidence") or {}
        rows.append(
            {
                "id": q.get("id"),
                "question": q.get("question"),
                "asked": bool(q.get("asked")),
                "reason": q.get("reason"),
                "answer": q.get("answer"),
                "confidence_measure": conf.get("measure"),
                "confidence_value": number(conf.get("value")),
                "evidence_strength": q.get("evidence_strength"),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "question",
            "asked",
            "reason",
            "answer",
            "confidence_measure",
            "confidence_value",
            "evidence_strength",
        ],
    )
    return frame.set_index("id")


def qa_table(day: str, results: Mapping[str, Any]) -> Table:
    """The day's questions: asked or not, the evidence strength (answers in the journal and the CSV)."""
    frame = qa_frame(results)
    return Table(
        data=frame,
        columns=(
            Column("asked", "Asked", "text"),
            Column("evidence_strength", "Evidence", "text"),
            Column("confidence_value", "Confidence", "probability"),
        ),
        caption=f"The research questions of {day}: whether each was asked and how strong its evidence is; the "
        "answers follow in the journal, and the CSV holds them in full.",
        name=f"{day}_qa",
        anchor="qa",
        row_header="Question",
        row_labels={k: str(q) for k, q in frame["question"].items()},
    )


# --------------------------------------------------------------------------- headline, navigation


def next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def navigation(day: str, previous_day: str | None) -> HtmlBlock:
    """Links: all reports (index), the study report, the previous study day and the next calendar day.

    The next day's report exists once that day has run (the report of a day is not re-rendered when a
    later day is added; the index always lists every day)."""
    items = ['<a href="../index.html">All reports</a>', '<a href="../study.html">Study report</a>']
    if previous_day:
        items.append(f'<a href="{_e(previous_day)}.html" rel="prev">← {_e(previous_day)}</a>')
    following = next_day(day)
    items.append(
        f'<a href="{following}.html" rel="next" title="the report of {following}, once it has run">{following} →</a>'
    )
    return HtmlBlock(f'<nav class="hk-nav">{"".join(items)}</nav>', f"previous {previous_day}, next {following}")


def price_line(summary: Mapping[str, Any], results: Mapping[str, Any], anchor: str | None = ANCHORS["prices"]) -> str:
    """The day's prices in one line (HTML): which prices, min/mean/max, spikes, negative hours."""
    m = metric_values(results)
    description = (summary.get("realtime_prices") or {}).get("description") or (
        f"real-time prices at {summary.get('location', results.get('battery_location', 'the battery'))}"
    )
    filled = (summary.get("realtime_prices") or {}).get("n_filled")
    parts = []
    lo, mean, hi = m.get("price.min", math.nan), m.get("price.mean", math.nan), m.get("price.max", math.nan)
    if all(_finite(x) for x in (lo, mean, hi)):
        parts.append(f"min {format_price(lo)}, mean {format_price(mean)}, max {format_price(hi)} $/MWh")
    thresholds = results.get("thresholds") or {}
    spikes = m.get("spikes.episodes", math.nan)
    high = thresholds.get("high_price_usd_per_mwh")
    if _finite(spikes) and high is not None:
        parts.append(f"{spikes:.0f} spike{'s' if spikes != 1 else ''} above {high:g} $/MWh")
    negative = m.get("negative_price.hours", math.nan)
    low = thresholds.get("negative_price_usd_per_mwh", 0)
    if _finite(negative):
        parts.append(f"{negative:.1f} h below {low:g} $/MWh")
    text = f"{_e(_sentence(description))}: {_e('; '.join(parts))}" if parts else _e(_sentence(description))
    if isinstance(filled, int) and filled > 0:
        text += f" ({filled} missing intervals filled)"
    return _link(anchor, "Prices") + ". " + text + "."


def _capture_text(result: Mapping[str, Any]) -> str:
    fair, vs_pf = number(result.get("capture_ratio")), number(result.get("capture_ratio_vs_pf"))
    bits = []
    if _finite(fair):
        bits.append(f"{format_percent(fair)} of its fair bound")
    if _finite(vs_pf):
        bits.append(f"{format_percent(vs_pf)} of the perfect-foresight bound")
    return ", ".join(bits)


def flags(
    summary: Mapping[str, Any], results: Mapping[str, Any], anchors: Mapping[str, str | None] = ANCHORS
) -> list[tuple[str | None, str]]:
    """Unusual things of the day, ``(anchor, text)``: spikes, congestion events, EnKF outliers, beliefs
    warnings, DAM hours without a price that the strategies held from their neighbours."""
    out: list[tuple[str | None, str]] = []
    insights = results.get("insights") or {}
    spikes = insights.get("spikes") or []
    if spikes:
        peak = max(number(s.get("extreme_price_usd_per_mwh")) for s in spikes)
        out.append((anchors["journal"], f"{len(spikes)} price spike episode(s), peak {format_price(peak)} $/MWh"))
    congestion = insights.get("congestion_events") or []
    if congestion:
        out.append((anchors["journal"], f"{len(congestion)} congestion event(s) (|node − hub| basis)"))
    outliers = (insights.get("innovation_outliers") or {}).get("count")
    if outliers:
        out.append((anchors["assimilation"], f"{int(outliers):,} EnKF innovation outliers"))
    for warning in (results.get("beliefs") or {}).get("warnings") or []:
        out.append((anchors["beliefs"], f"beliefs: {warning}"))
    dam = summary.get("dam_prices") or {}
    if isinstance(dam, Mapping) and dam.get("available") and dam.get("hours_missing") and dam.get("note"):
        out.append((anchors["strategies"], f"DAM prices: {dam['note']}"))
    return out


def not_computed(
    summary: Mapping[str, Any], results: Mapping[str, Any], anchors: Mapping[str, str | None] = ANCHORS
) -> list[tuple[str | None, str]]:
    """``(anchor, text)`` for each part of the day the stages could not compute, with their reasons (a Julia
    kernel that ``auto`` found but could not load, NumPy running instead, among them)."""
    out: list[tuple[str | None, str]] = []
    dam = summary.get("dam_prices") or {}
    if isinstance(dam, Mapping) and dam.get("available") is False and dam.get("note"):
        out.append((anchors["strategies"], f"DAM prices: {dam['note']}"))
    for name, why in (summary.get("strategies_not_run") or {}).items():
        out.append((anchors["strategies"], f"{strategy_label(name)}: {why}"))
    designs = summary.get("market_designs") or {}
    if designs and not designs.get("available"):
        out.append((anchors["market_designs"], f"SCED today vs RTC+B: {designs.get('reason', 'not simulated')}"))
    qse = summary.get("qse_agents") or {}
    if qse.get("enabled") is False:
        out.append((anchors["qse"], "QSE agents: switched off (qse.enabled: false)"))
    elif qse.get("available") is False:
        out.append((anchors["qse"], f"QSE agents: {qse.get('reason', 'not simulated')}"))
    for why in (qse.get("agents_not_run") or {}).values():
        out.append((anchors["qse"], str(why)))
    congestion = (results.get("beliefs") or {}).get("congestion") or {}
    if isinstance(congestion, Mapping) and congestion.get("stated") is False:
        out.append((anchors["beliefs"], f"congestion beliefs: {congestion.get('note', 'not stated')}"))
    for anchor, what, block in (
        ("assimilation", "Julia EnKF kernel", results.get("assimilation")),
        ("battery_value", "Julia options kernel", summary.get("battery_value")),
    ):
        note = (block or {}).get("backend_note") if isinstance(block, Mapping) else None
        if note:
            out.append((anchors[anchor], f"{what}: {note}"))
    return out


def headline(
    day: str,
    summary: Mapping[str, Any],
    results: Mapping[str, Any],
    linked: bool = True,
    quality_flags: Sequence[str] = (),
) -> HtmlBlock:
    """The block at the top of a daily report: the day, its prices, the bound, the best causal strategy,
    the agent, and what was unusual or not computed; every number links to its section (``linked``; a page
    without the report's sections, such as a notebook, passes False). ``quality_flags``: the ingest's
    data-quality flags of the day (rare-but-possible values, filled gaps), shown, not stopping the day."""
    anchors = ANCHORS if linked else dict.fromkeys(ANCHORS)
    strategies = summary.get("strategies") or {}
    spec = summary.get("battery") or results.get("battery") or {}
    study = results.get("study") or {}
    location = summary.get("location") or results.get("battery_location") or spec.get("location", "")
    first = (
        f"<p><strong>Operating day {_e(day)}</strong> (America/Chicago)"
        + (f", study day {int(study['day_index']) + 1} of {int(study['n_days'])}" if "day_index" in study else "")
        + f"; regime <strong>{_e(regime_label(results))}</strong>; battery "
        f"{number(spec.get('power_mw')):g} MW / {number(spec.get('energy_mwh')):g} MWh at {_e(location)}.</p>"
    )
    items = [price_line(summary, results, anchors["prices"])]
    s_anchor = anchors["strategies"]
    pf = strategies.get(PERFECT_FORESIGHT)
    if pf:
        items.append(
            f"Perfect-foresight bound: {_link(s_anchor, format_usd(number(pf.get('profit_usd'))))} "
            "(knows the day's prices in advance; ends the day at its starting SOC)."
        )
    best = best_causal(strategies)
    if best:
        r = strategies[best]
        text = f"Best causal strategy: <strong>{_e(strategy_label(best))}</strong>, "
        text += _link(s_anchor, format_usd(number(r.get("profit_usd"))))
        capture = _capture_text(r)
        items.append(text + (f" ({_e(capture)})" if capture else "") + ".")
    agent = strategies.get(AGENT)
    if agent:
        seen = summary.get("agent_checkpoint_days_seen") or []
        trained = f"trained on {len(seen)} earlier day{'s' if len(seen) != 1 else ''}" if seen else "untrained start"
        capture = _capture_text(agent)
        items.append(
            f"{_e(strategy_label(AGENT))}: {_link(s_anchor, format_usd(number(agent.get('profit_usd'))))}"
            + (f" ({_e(capture)})" if capture else "")
            + f"; checkpoint {_e(trained)}."
        )
    rt = summary.get("realtime_prices") or {}
    if rt.get("description"):
        items.append(f"Data: {_e(str(rt['description']))}.")
    if quality_flags:
        items.append(
            f'<span class="hk-flag">Data-quality flags ({len(quality_flags)})</span>, shown, not stopping the day: '
            + "; ".join(_e(str(f)) for f in quality_flags)
            + "."
        )
    unusual = flags(summary, results, anchors)
    if unusual:
        items.append('<span class="hk-flag">Flagged:</span> ' + "; ".join(_link(a, t) for a, t in unusual) + ".")
    missing = not_computed(summary, results, anchors)
    if missing:
        items.append(
            '<span class="hk-flag">Not computed today:</span> ' + "; ".join(_link(a, t) for a, t in missing) + "."
        )
    body = first + "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    return HtmlBlock(f'<section class="hk-headline" id="headline">{body}</section>', f"Operating day {day}")


def day_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """A study day in a few numbers, from its ``results.json`` (``history.json`` entry): the study's
    day list and ``reports/index.html`` show it."""
    strategies = record.get("strategies") or {}
    m = metric_values(record)
    pf = strategies.get(PERFECT_FORESIGHT) or {}
    best = best_causal(strategies)
    b = strategies.get(best) or {} if best else {}
    agent = strategies.get(AGENT) or {}
    return {
        "day": record.get("day"),
        "regime": regime_label(record),
        "mean_price_usd_per_mwh": m.get("price.mean", math.nan),
        "min_price_usd_per_mwh": m.get("price.min", math.nan),
        "max_price_usd_per_mwh": m.get("price.max", math.nan),
        "spread_top4h_bottom4h_usd_per_mwh": m.get("spread.top4h_bottom4h", math.nan),
        "volatility_asinh_return_std": m.get("volatility.asinh_return_std", math.nan),
        "perfect_foresight_profit_usd": number(pf.get("profit_usd")),
        "best_causal": best,
        "best_causal_profit_usd": number(b.get("profit_usd")),
        "best_causal_capture_ratio": number(b.get("capture_ratio")),
        "agent_profit_usd": number(agent.get("profit_usd")),
        "agent_capture_ratio": number(agent.get("capture_ratio")),
    }


def day_headline_text(record: Mapping[str, Any]) -> str:
    """One line for a day in lists: regime, mean price, the bound, the best causal strategy and its capture."""
    s = day_summary(record)
    parts = [str(s["regime"])]
    if _finite(s["mean_price_usd_per_mwh"]):
        parts.append(f"mean price {format_price(s['mean_price_usd_per_mwh'])} $/MWh")
    if _finite(s["perfect_foresight_profit_usd"]):
        parts.append(f"perfect foresight {format_usd(s['perfect_foresight_profit_usd'])}")
    if s["best_causal"]:
        capture = s["best_causal_capture_ratio"]
        text = f"best causal: {strategy_label(s['best_causal'])} {format_usd(s['best_causal_profit_usd'])}"
        if _finite(capture):
            text += f" ({format_percent(capture)} of its fair bound)"
        parts.append(text)
    return "; ".join(parts)


JOURNAL_SECTIONS_TABULATED = ("Metrics", "Strategies", "Assimilation", "Hypotheses")
"""Journal sections (``## <title>``, matched by their first word) the reports show as formatted tables:
the daily report's metrics, strategies and assimilation tables, the study report's hypotheses."""

TABLE_POINTER = "*(Table in the study report, with its CSV download.)*"


def with_journal_sections(journal: str, drop: Sequence[str] = JOURNAL_SECTIONS_TABULATED) -> str:
    """The research journal for the daily report: its title line dropped (the section heading names it),
    headings two levels down (``##`` -> ``####``) so they sit under the report's sections, the sections the
    reports show as formatted tables (``drop``) left out, and any other Markdown table replaced by a pointer
    to the study report (every table of a report comes in the one style, with its CSV)."""
    out: list[str] = []
    skipping = in_table = False
    for line in journal.splitlines():
        if line.startswith("# "):
            continue
        if line.startswith("## "):
            title = line[3:].strip()
            skipping = any(title == d or title.startswith(d + " ") for d in drop)
        if skipping:
            continue
        if line.lstrip().startswith("|"):
            if not in_table:
                out.append(TABLE_POINTER)
            in_table = True
            continue
        in_table = False
        if line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(hashes + 2, 6) + line[hashes:]
        out.append(line)
    return "\n".join(out).strip() + "\n"
