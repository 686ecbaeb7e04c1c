"""Assemble, validate, render and write one day's research results.

``build_results`` turns the day's plain inputs (wide price matrices, the EnKF
long table, strategy summaries and ledgers, earlier days' results) into the
``results.json`` document (schema ``hayeknet/schemas/results.schema.json``,
version :data:`SCHEMA_VERSION`); ``render_journal`` writes it as Markdown;
``write_day_outputs`` writes ``results.json``, ``qa.json`` and ``journal.md``
atomically into ``artifacts/research/<day>/``. The researcher's own notes live
in a separate file that :func:`ensure_observation_file` creates once and never
overwrites after it has been edited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd

from hayeknet.archive.queries import location_column
from hayeknet.battery.spec import BatterySpec
from hayeknet.io import make_shareable
from hayeknet.params import ResearchParams
from hayeknet.research.claims import coherence_across_sources
from hayeknet.research.errors import ResearchInputError
from hayeknet.research.hypotheses import test_hypotheses
from hayeknet.research.insights import (
    classify_regime,
    congestion_events,
    innovation_outliers,
    iso_utc,
    negative_price_episodes,
    spike_episodes,
)
from hayeknet.research.metrics import day_metrics, metrics_by_name
from hayeknet.research.prices import CENTRAL
from hayeknet.research.questions import DayContext, answer_questions, claims_of
from hayeknet.research.scoring import score_predictions

SCHEMA_VERSION = "1.5.0"
"""1.1.0 adds ``hypotheses``, ``predictions`` and ``prediction_scores`` (1.0.0 documents stay valid); 1.4.0
(ADR 0016) adds ``interval_predictions``, ``coverage_claims`` and ``coherence_across_sources``, the claims a
confidence is scored as, the hypotheses' power and the scores by claim type and question; 1.5.0 (ADR 0021) adds
the optional ``battery_value`` (the day's battery value stated before it and its score after)."""
OUTPUT_FILES = ("results.json", "qa.json", "journal.md")


class ResultsSchemaError(ValueError):
    """A results document does not match ``results.schema.json``."""


@lru_cache(maxsize=1)
def results_schema() -> dict[str, Any]:
    """The results JSON Schema (draft 2020-12), shipped as package data."""
    text = resources.files("hayeknet").joinpath("schemas/results.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_results(results: Mapping[str, Any], source: str = "results") -> None:
    """Raise :class:`ResultsSchemaError` naming the first failing field (JSON path) and the rule."""
    validator = jsonschema.Draft202012Validator(results_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(results))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "<root>"
        raise ResultsSchemaError(f"{source}: field {where}: {error.message}")


def to_jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, NaN/inf to None, timestamps to ISO UTC, dates to ISO."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"cannot write {type(value).__name__} to JSON: {value!r}")


def build_results(
    *,
    day: dt.date | str,
    day_index: int,
    n_days: int,
    battery: BatterySpec,
    prices: pd.DataFrame,
    simulation_summary: Mapping[str, Mapping[str, Any]],
    ledgers: Mapping[str, pd.DataFrame],
    research: ResearchParams | None = None,
    congestion_usd_per_mwh: float = 10.0,
    history_prices: pd.DataFrame | None = None,
    dam_prices: pd.DataFrame | None = None,
    filtered: pd.DataFrame | None = None,
    assimilation_metrics: Mapping[str, Any] | None = None,
    previous_results: Sequence[Mapping[str, Any]] = (),
    beliefs: Mapping[str, Any] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    max_outliers: int = 50,
) -> dict[str, Any]:
    """The validated results document of operating day ``day`` for the battery ``battery`` (its
    ``location`` is the day's focus; its SOC window sizes the energy metrics).

    ``day_index`` is 0-based (``0 <= day_index < n_days``). ``research``: the
    thresholds (``research`` section of params.yaml; defaults when None);
    ``congestion_usd_per_mwh``: the |node - hub| basis of a congestion event
    (the study's one threshold, ``beliefs.congestion_usd_per_mwh``).
    ``previous_results`` are earlier days' documents as returned by this
    function (or read from their results.json). ``beliefs``: the beliefs
    stated on this day about the next (the research stage's
    :func:`~hayeknet.pipeline.stages.research.beliefs_summary`), checked for
    coherence with the Q&A's claims; None when there are none. ``seed`` and
    ``n_resamples`` fix every bootstrap of the day.
    """
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    if not 0 <= day_index < n_days:
        raise ResearchInputError(f"study progress: day_index {day_index} not in [0, n_days={n_days})")
    settings = research or ResearchParams()
    spec = battery
    battery_location = battery.location
    series = location_column(prices, battery_location, what=f"prices of {day}")
    filtered = filtered if filtered is not None else pd.DataFrame()
    history = history_prices if history_prices is not None else pd.DataFrame()

    metrics = day_metrics(
        prices,
        battery_location,
        settings,
        dam_prices=dam_prices,
        filtered=filtered,
        assimilation_metrics=assimilation_metrics,
        simulation_summary=simulation_summary,
        ledgers=ledgers,
        usable_mwh=spec.usable_mwh,
    )
    regime = classify_regime(series, settings)
    outliers = innovation_outliers(filtered, settings.anomaly_threshold)
    ctx = DayContext(
        day=day,
        location=battery_location,
        settings=settings,
        series=series,
        prices=prices,
        history_prices=history,
        filtered=filtered,
        simulation_summary=simulation_summary,
        ledgers=ledgers,
        previous_results=list(previous_results),
        metrics=metrics_by_name(metrics),
        regime=regime,
        n_resamples=n_resamples,
        seed=seed,
    )
    answers = answer_questions(ctx)
    results = {
        "schema_version": SCHEMA_VERSION,
        "day": day.isoformat(),
        "study": {"day_index": int(day_index), "n_days": int(n_days)},
        "battery_location": battery_location,
        "battery": dataclasses.asdict(spec),
        "thresholds": {
            "high_price_usd_per_mwh": settings.high_price_usd_per_mwh,
            "negative_price_usd_per_mwh": settings.negative_price_usd_per_mwh,
            "anomaly_threshold": settings.anomaly_threshold,
            "scarcity_price_usd_per_mwh": settings.scarcity_price_usd_per_mwh,
            "scarcity_high_hours": settings.scarcity_high_hours,
            "volatile_return_std": settings.volatile_return_std,
            "volatile_negative_hours": settings.volatile_negative_hours,
            "congestion_usd_per_mwh": congestion_usd_per_mwh,
        },
        "metrics": [m.to_dict() for m in metrics],
        "insights": {
            "spikes": [e.to_dict() for e in spike_episodes(series, settings, battery_location)],
            "negative_price_episodes": [
                e.to_dict() for e in negative_price_episodes(series, settings, battery_location)
            ],
            "congestion_events": [e.to_dict() for e in congestion_events(prices, congestion_usd_per_mwh)],
            "innovation_outliers": {
                "threshold": settings.anomaly_threshold,
                "count": len(outliers),
                "items": [o.to_dict() for o in outliers[:max_outliers]],
            },
        },
        "regime": regime.to_dict(),
        "qa": [a.to_dict() for a in answers],
        "strategies": {name: dict(values) for name, values in simulation_summary.items()},
        "assimilation": dict(assimilation_metrics or {}),
        **claims_of(answers),
    }
    if beliefs is not None:
        results["beliefs"] = dict(beliefs)
    results = to_jsonable(results)
    results["coherence_across_sources"] = to_jsonable(
        coherence_across_sources(
            results.get("beliefs"),
            results["predictions"],
            settings.high_price_usd_per_mwh,
            (day + dt.timedelta(days=1)).isoformat(),
        )
    )
    # hypotheses and claim scores over the study so far, this day included
    history = [r for r in previous_results if str(r.get("day", "")) < results["day"]] + [results]
    results["hypotheses"] = [h.to_dict() for h in test_hypotheses(history, n_resamples=n_resamples, seed=seed)]
    results["prediction_scores"] = score_predictions(history, n_resamples=n_resamples, seed=seed).to_dict()
    results = to_jsonable(results)
    validate_results(results, f"results of {day}")
    return results


# --------------------------------------------------------------------------- Markdown journal


def _cell(text: Any) -> str:
    """Text for a Markdown table cell: a literal ``|`` (as in ``|normalized innovation|``) is escaped,
    otherwise it would split the cell and the renderer would drop the whole table."""
    return str(text).replace("|", "\\|")


def _fmt(value: float | None, unit: str = "") -> str:
    """A number for a Markdown table: counts and dollars without decimals, else 2-3 significant places."""
    if value is None:
        return "n/a"
    if unit in {"intervals", "episodes", "observations", "$"}:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    if abs(value) < 1:
        return f"{value:.3g}"
    return f"{value:,.2f}"


def _local_span(start: str, end: str) -> str:
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    la, lb = a.tz_convert(CENTRAL), b.tz_convert(CENTRAL)
    return f"{la:%H:%M}-{lb:%H:%M} {lb:%Z} ({a:%H:%M}-{b:%H:%M} UTC)"


def _headline(results: Mapping[str, Any]) -> tuple[str, str]:
    m = metrics_by_name(results["metrics"])
    loc = results["battery_location"]
    regime = results["regime"]["label"]
    text = (
        f"{loc} was **{regime}**: mean {_fmt(m.get('price.mean'))} $/MWh, range {_fmt(m.get('price.min'))}"
        f" to {_fmt(m.get('price.max'))} $/MWh"
    )
    fields = ["regime.label", "metrics[price.mean]", "metrics[price.min]", "metrics[price.max]"]
    strategies = results["strategies"]
    primary = (
        "ppo_agent"
        if "ppo_agent" in strategies
        else next((s for s in sorted(strategies) if s != "perfect_foresight"), None)
    )
    if primary is not None and strategies[primary].get("profit_usd") is not None:
        profit = float(strategies[primary]["profit_usd"])
        text += f"; {primary} earned {'-' if profit < 0 else ''}${_fmt(abs(profit), '$')}"
        fields.append(f"strategies.{primary}.profit_usd")
        ratio = strategies[primary].get("capture_ratio")
        if ratio is not None:
            text += f" ({100 * ratio:.0f}% of perfect foresight)"
            fields.append(f"strategies.{primary}.capture_ratio")
    return text + ".", ", ".join(fields)


def render_journal(results: Mapping[str, Any]) -> str:
    """The day's Markdown journal: headline, metrics, insights, Q&A with evidence and confidence, strategies."""
    day = results["day"]
    study = results["study"]
    headline, fields = _headline(results)
    lines = [
        f"# HayekNet research journal: {day} (day {study['day_index'] + 1} of {study['n_days']})",
        "",
        f"**Headline.** {headline}",
        "",
        f"<sub>Source: `artifacts/research/{day}/results.json` fields {fields}. Times are America/Chicago"
        " with UTC in parentheses; prices are real-time $/MWh (5-minute SCED LMPs, or 15-minute"
        " settlement point prices where the day has no SCED data).</sub>",
        "",
        f"**Regime: {results['regime']['label']}.** " + "; ".join(results["regime"]["reasons"]) + ".",
        "",
        "## Metrics",
        "",
        "| metric | value | unit | description |",
        "|---|---:|---|---|",
    ]
    for m in results["metrics"]:
        lines.append(
            f"| `{m['name']}` | {_fmt(m['value'], m['unit'])} | {_cell(m['unit'])} | {_cell(m['description'])} |"
        )
    ins = results["insights"]
    lines += ["", "## Insights", "", f"### Price spikes ({len(ins['spikes'])})", ""]
    lines += _episode_lines(ins["spikes"], "max") or ["None today."]
    lines += ["", f"### Negative-price episodes ({len(ins['negative_price_episodes'])})", ""]
    lines += _episode_lines(ins["negative_price_episodes"], "min") or ["None today."]
    congestion = ins.get("congestion_events", [])
    lines += [
        "",
        f"### Congestion events ({len(congestion)}: |node - hub basis| above "
        f"{results['thresholds'].get('congestion_usd_per_mwh', 10.0):g} $/MWh)",
        "",
    ]
    for e in congestion[:10]:
        start = pd.Timestamp(e["start_utc"])
        lines.append(
            f"- {e['location']} from {start.tz_convert(CENTRAL):%H:%M %Z} for {e['duration_hours']:.2f} h:"
            f" basis up to {_fmt(e['extreme_price_usd_per_mwh'])} $/MWh (mean {_fmt(e['mean_price_usd_per_mwh'])})"
        )
    if len(congestion) > 10:
        lines.append(f"- ... {len(congestion) - 10} more in results.json")
    if not congestion:
        lines.append("None today.")
    out = ins["innovation_outliers"]
    lines += [
        "",
        f"### EnKF innovation outliers ({out['count']} with |normalized innovation| > {out['threshold']:g})",
        "",
    ]
    for o in out["items"][:10]:
        t = pd.Timestamp(o["interval_start_utc"])
        lines.append(
            f"- {o['location']} at {t.tz_convert(CENTRAL):%H:%M %Z} ({t:%H:%M} UTC): observed"
            f" {_fmt(o['observed_usd_per_mwh'])} $/MWh vs forecast {_fmt(o['forecast_mean_usd_per_mwh'])}"
            f" +- {_fmt(o['spread_usd_per_mwh'])} $/MWh (z = {o['normalized_innovation']:+.1f})"
        )
    if out["count"] > 10:
        lines.append(f"- ... {out['count'] - 10} more in results.json")
    if out["count"] == 0:
        lines.append("None today.")
    lines += ["", "## Questions and answers", ""]
    asked = [q for q in results["qa"] if q["asked"]]
    if not asked:
        lines += ["No question's trigger fired today; the reasons are listed below.", ""]
    for i, q in enumerate(asked, 1):
        c = q["confidence"]
        lines += [
            f"### Q{i}. {q['question']}",
            "",
            f"*Asked because* {q['reason']}.",
            "",
            f"**Answer.** {q['answer']}",
            "",
            f"**Confidence.** {_confidence_text(c)}",
            "",
            f"**Evidence strength:** {q['evidence_strength']}.",
            "",
            "<details><summary>Evidence</summary>",
            "",
            "```json",
            json.dumps(q["evidence"], indent=2, sort_keys=True),
            "```",
            "",
            "</details>",
            "",
        ]
    skipped = [q for q in results["qa"] if not q["asked"]]
    if skipped:
        lines += ["Not asked today:", ""]
        lines += [f"- *{q['question']}* ({q['reason']})" for q in skipped]
        lines.append("")
    lines += [
        "## Strategies",
        "",
        "| strategy | revenue $ | degradation $ | profit $ | charge MWh | discharge MWh | cycles | capture ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    if not results["strategies"]:
        lines.append("| (no strategy simulated today) | | | | | | | |")
    for name, s in sorted(results["strategies"].items()):
        cells = [
            _fmt(s.get("revenue_usd"), "$"),
            _fmt(s.get("degradation_cost_usd"), "$"),
            _fmt(s.get("profit_usd"), "$"),
            _fmt(s.get("charge_mwh")),
            _fmt(s.get("discharge_mwh")),
            _fmt(s.get("cycles")),
            _fmt(s.get("capture_ratio")),
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += _hypothesis_lines(results.get("hypotheses"))
    lines += _prediction_lines(
        results.get("predictions"),
        results.get("prediction_scores"),
        results.get("interval_predictions"),
        results.get("coverage_claims"),
    )
    lines += _coherence_lines(results.get("coherence_across_sources"))
    if results["assimilation"]:
        lines += ["", "## Assimilation", ""]
        for k, v in sorted(results["assimilation"].items()):
            lines.append(f"- `{k}`: {v if not isinstance(v, float) else _fmt(v)}")
    return "\n".join(lines) + "\n"


def _hypothesis_lines(hypotheses: Sequence[Mapping[str, Any]] | None) -> list[str]:
    if hypotheses is None:
        return []
    lines = ["", "## Hypotheses (all study days so far, the day as the unit)", ""]
    if not hypotheses:
        return [*lines, "No hypothesis tested."]
    lines += [
        "| | hypothesis | strategy | effect (95% CI) | p-value | n days | days needed | power | verdict |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    for h in hypotheses:
        unit = "" if h["effect_unit"] == "1" else f" {h['effect_unit']}"
        effect = f"{_fmt(h['effect_size'])}{unit} ({_fmt(h['ci_low'])} to {_fmt(h['ci_high'])})"
        power = h.get("power") or {}
        needed = power.get("n_needed")
        lines.append(
            f"| {h['name']} | {_cell(h['statement'])} | {_cell(h.get('strategy') or '')} | {_cell(effect)}"
            f" | {_fmt(h['p_value'])} | {h['n']} | {'n/a' if needed is None else needed}"
            f" | {_fmt(power.get('power_at_n'))} | {_cell(h['verdict'])} |"
        )
    lines.append("")
    for h in hypotheses:
        lines += [f"- **{h['name']}** ({h['test']}; effect: {h['effect_name']}). {h['summary']}"]
    return lines


def _prediction_lines(
    predictions: Sequence[Mapping[str, Any]] | None,
    scores: Mapping[str, Any] | None,
    intervals: Sequence[Mapping[str, Any]] | None = None,
    coverage: Sequence[Mapping[str, Any]] | None = None,
) -> list[str]:
    if predictions is None and scores is None and intervals is None:
        return []
    lines = ["", "## Claims and their scores", "", "Stated today, to be settled on later study days:", ""]
    for p in predictions or []:
        lines.append(f"- P({p['claim']}) = {p['probability']:.2f} ({p['method']}).")
    for p in intervals or []:
        lines.append(f"- With probability {p['level']:.2f}: {p['claim']} ({p['target']}; {p['method']}).")
    for c in coverage or []:
        lines.append(
            f"- Settled today: {c['claim']}: {c['n_covered']} of {c['n']} held, stated {100 * c['level']:.1f}%."
        )
    if not predictions and not intervals and not coverage:
        lines.append("No claim today.")
    if scores:
        lines += ["", f"**Scores so far.** {scores['summary']}"]
        if scores["reliability"]:
            lines += [
                "",
                "Probabilities: reliability (stated against observed).",
                "",
                "| forecast bin | n | mean forecast | observed frequency (95% CI) |",
                "|---|---:|---:|---|",
            ]
            for row in scores["reliability"]:
                lines.append(
                    f"| {row['bin_low']:.1f}-{row['bin_high']:.1f} | {row['n']} | {row['mean_probability']:.2f} |"
                    f" {row['observed_frequency']:.2f} ({_fmt(row['ci_low'])} to {_fmt(row['ci_high'])}) |"
                )
        rows = _claim_rows(scores)
        if rows:
            lines += [
                "",
                "Every claim so far, by type (probabilities: Brier score; intervals: coverage against the stated"
                " level):",
                "",
                "| claim | type | question | n | stated | realised (95% CI) | Brier (base rate) |",
                "|---|---|---|---:|---:|---|---|",
                *rows,
            ]
    return lines


def _claim_rows(scores: Mapping[str, Any]) -> list[str]:
    rows = []
    by_question = {c: q for q, e in (scores.get("by_question") or {}).items() for c in e.get("claims", [])}
    for claim, v in sorted((scores.get("by_claim") or {}).items()):
        rows.append(
            f"| {claim} | probability | {by_question.get(claim, '')} | {v['n']} | {_fmt(v['mean_probability'])}"
            f" | {_fmt(v['observed_frequency'])} | {_fmt(v['brier'])} ({_fmt(v['base_rate_brier'])}) |"
        )
    for claim, v in sorted(((scores.get("intervals") or {}).get("by_claim") or {}).items()):
        rows.append(
            f"| {claim} | interval | {by_question.get(claim, '')} | {v['n']} | {_fmt(v['level'])}"
            f" | {_fmt(v['coverage'])} ({_fmt(v['ci_low'])} to {_fmt(v['ci_high'])}) | |"
        )
    coverage = ((scores.get("claim_types") or {}).get("coverage") or {}).get("by_claim") or {}
    for claim, v in sorted(coverage.items()):
        rows.append(
            f"| {claim} | coverage | {by_question.get(claim, '')} | {v['n']} | {_fmt(v['level'])}"
            f" | {_fmt(v['coverage'])} ({_fmt(v['ci_low'])} to {_fmt(v['ci_high'])}) | |"
        )
    return rows


def _coherence_lines(check: Mapping[str, Any] | None) -> list[str]:
    if check is None:
        return []
    lines = ["", "## Coherence across sources", "", check["summary"], ""]
    if check["statements"]:
        lines += ["| source | event | probability |", "|---|---|---:|"]
        for s in check["statements"]:
            lines.append(f"| {s['source']} | {_cell(s['event'])} | {s['probability']:.4f} |")
        lines.append("")
        events = "; ".join(f"{k}: {v}" for k, v in check["world"]["events"].items())
        implications = ", ".join(check["world"]["implications"]) or "none"
        lines.append(f"Events: {events}. Implications imposed: {implications}.")
    book = check.get("dutch_book")
    if book:
        stakes = ", ".join(
            f"{'buy' if b['stake'] > 0 else 'sell'} {abs(b['stake']):.3f} of {b['source']}'s P({b['event']})"
            f" at {b['price']:.4f}"
            for b in book["stakes"]
        )
        lines += [
            "",
            f"**Dutch book** (per unit of total stake), trades the holder of all these beliefs accepts: {stakes};"
            f" whatever happens, the holder loses at least {book['guaranteed_loss_per_unit_stake']:.4f}.",
        ]
    pairs = [p for p in check.get("pairs", []) if not p["coherent"]]
    if pairs:
        lines += ["", "Pairs of sources that disagree (stake per unit):", ""]
        lines += [f"- {p['sources'][0]} and {p['sources'][1]}: {p['stake']:.4f}" for p in pairs]
    missing = check.get("sources_missing") or {}
    if missing:
        lines += ["", "Not checked: " + "; ".join(f"{k} ({v})" for k, v in sorted(missing.items())) + "."]
    for note in check.get("notes") or []:
        lines += ["", f"Note: {note}."]
    return lines


def _episode_lines(episodes: Sequence[Mapping[str, Any]], extreme: str) -> list[str]:
    return [
        f"- {_local_span(e['start_utc'], e['end_utc'])}: {e['n_intervals']} interval(s), {extreme}"
        f" {_fmt(e['extreme_price_usd_per_mwh'])} $/MWh, mean {_fmt(e['mean_price_usd_per_mwh'])} $/MWh"
        for e in episodes
    ]


def _confidence_text(c: Mapping[str, Any]) -> str:
    if c["measure"] == "none":
        return f"none computable: {c['statement']}."
    what = {
        "bootstrap_probability": "bootstrap probability",
        "p_value": "p-value",
        "posterior_probability": "posterior probability",
        "prediction_interval": "stated probability",
    }
    text = f"{what[c['measure']]} {c['value']:.3f} = {c['statement']} ({c['method']}; n = {c['n']})."
    iv = c.get("interval")
    if iv:
        text += (
            f" {100 * iv['level']:.0f}% interval for {iv['of']}: {_fmt(iv['low'])} to {_fmt(iv['high'])} {iv['unit']}."
        )
    if c.get("claims"):
        text += " Scored later as: " + ", ".join(f"`{k}`" for k in c["claims"]) + "."
    return text


# --------------------------------------------------------------------------- files


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        make_shareable(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_day_outputs(out_dir: str | Path, results: Mapping[str, Any], journal_md: str) -> list[Path]:
    """Validate, then atomically write ``results.json``, ``qa.json`` and ``journal.md``; return their paths."""
    out_dir = Path(out_dir)
    validate_results(results, str(out_dir / "results.json"))
    qa = {"schema_version": results["schema_version"], "day": results["day"], "qa": results["qa"]}
    texts = {
        "results.json": json.dumps(results, indent=2, allow_nan=False) + "\n",
        "qa.json": json.dumps(qa, indent=2, allow_nan=False) + "\n",
        "journal.md": journal_md,
    }
    paths = []
    for name in OUTPUT_FILES:
        _atomic_write(out_dir / name, texts[name])
        paths.append(out_dir / name)
    return paths


def load_results(path: str | Path) -> dict[str, Any]:
    """Read and validate a day's ``results.json`` (for ``previous_results``)."""
    path = Path(path)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsSchemaError(f"{path}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
    validate_results(results, str(path))
    return results


def observation_template(day: dt.date | str) -> str:
    """The pristine researcher's-notes template of ``day`` (Markdown)."""
    day = day if isinstance(day, str) else day.isoformat()
    return (
        f"# Researcher observations: {day}\n"
        "\n"
        "<!-- Your notes on this day. The pipeline writes this file only while it is\n"
        "     identical to this template: once you edit it, it is never overwritten. -->\n"
        "\n"
        "## What I saw\n"
        "\n"
        "- \n"
        "\n"
        "## What I doubt in today's results\n"
        "\n"
        "- \n"
        "\n"
        "## Questions to ask tomorrow\n"
        "\n"
        "- \n"
    )


def ensure_observation_file(path: str | Path, day: dt.date | str) -> bool:
    """Write the notes template at ``path`` if absent or still pristine; return True when written.

    A file whose text differs from :func:`observation_template` (edited by the
    researcher) is left untouched.
    """
    path = Path(path)
    template = observation_template(day)
    if path.exists() and path.read_text(encoding="utf-8") != template:
        return False
    _atomic_write(path, template)
    return True
