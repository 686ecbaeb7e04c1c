"""The battery value stated before each day (ADR 0021), walk-forward on real ERCOT days of one settlement point.

For each day of a window: the RT - DAM spread model is fitted on the earlier
days only (as ``hayeknet evaluate`` does: at most ``history_days``, at least
``min_history_days``), the day's value is stated from its DAM curve and paths
drawn from that model (:func:`hayeknet.options.next_day.value_with_spread_model`),
and then scored against the day: its realised value, whether the stated
interval covered it, and the profits of perfect foresight and of the DAM
schedule executed in real time (:func:`hayeknet.battery.walk_forward.evaluate_day`).

``python -m hayeknet.options.valuation_study --real ../shared/real/hb_hubavg_2024 --start 2024-07-01
--end 2024-12-31`` prints the summary and writes the per-day table. Nothing here is tuned; the rule of
``../shared/real/SOURCES.md`` holds (no day from 2025 on).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.walk_forward import (
    HELD_OUT_FROM,
    EvaluationError,
    EvaluationSettings,
    RealDay,
    Window,
    evaluate_day,
    history_before,
    load_days,
    spread_model_for,
)
from hayeknet.options.next_day import score_after_day, summarise_scores, value_with_spread_model

AGAINST = ("dam_schedule",)
"""Causal strategies whose realised profit each day's statement is compared with (beside perfect foresight)."""


def study_days(
    days: Sequence[RealDay],
    window: Window,
    spec: BatterySpec,
    settings: EvaluationSettings,
    *,
    n_paths: int = 2000,
    seed: int = 17,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per day of ``window`` (stated total, interval, realised value, covered, profits) and the summary
    (:func:`hayeknet.options.next_day.summarise_scores`)."""
    if window.end >= HELD_OUT_FROM:
        raise EvaluationError(f"window {window.label()} reaches {HELD_OUT_FROM}: real prices from then on are held out")
    ordered = sorted(days, key=lambda d: d.day)
    values, rows = [], []
    for i, day in enumerate(ordered):
        if day.day not in window:
            continue
        history = history_before(ordered, i, settings)
        model, note = spread_model_for(history, settings)
        index = pd.DatetimeIndex(day.rt.index)
        value = value_with_spread_model(
            day.day.isoformat(), index, day.dam_hourly, model, note, spec, day.dt_hours, n_paths=n_paths, seed=seed
        )
        if value.get("stated"):
            results = evaluate_day(day, history, AGAINST, spec, settings, fitted=(model, note))
            profits = {r.strategy: r.profit_usd for r in results}
            value["after_day"] = score_after_day(value, day.rt, profits)
        values.append(value)
        after = value.get("after_day") or {}
        rows.append(
            {
                "day": day.day.isoformat(),
                "stated": bool(value.get("stated")),
                "intrinsic_usd": value.get("intrinsic_usd"),
                "extrinsic_usd": value.get("extrinsic_usd"),
                "total_usd": value.get("total_usd"),
                "low_usd": (value.get("interval_usd") or [None, None])[0],
                "high_usd": (value.get("interval_usd") or [None, None])[1],
                "realised_value_usd": after.get("realised_value_usd"),
                "covered": after.get("covered"),
                **{f"{k}_usd": v["profit_usd"] for k, v in (after.get("against") or {}).items()},
                "note": value.get("note", ""),
            }
        )
    if not rows:
        raise EvaluationError(f"no day of {window.label()} in the data")
    return pd.DataFrame(rows), summarise_scores(values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hayeknet.options.valuation_study", description=__doc__)
    parser.add_argument(
        "--real", type=Path, required=True, help="folder of ERCOT daily reports (NP6-905-CD, NP4-190-CD)"
    )
    parser.add_argument("--location", default="HB_HUBAVG")
    parser.add_argument("--start", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--end", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="the battery, simulate, beliefs")
    parser.add_argument("--output", type=Path, help="CSV of the per-day table (and .json of the summary beside it)")
    args = parser.parse_args(argv)
    import dataclasses

    from hayeknet.battery.walk_forward import settings_from
    from hayeknet.params import load_params

    params = load_params(args.params)
    settings = settings_from(params.simulate, params.beliefs)
    spec = dataclasses.replace(params.battery, location=args.location)
    window = Window(args.start, args.end)
    days = load_days(args.real, args.location, end=args.end)
    table, summary = study_days(
        days, window, spec, settings, n_paths=params.simulate.valuation_paths, seed=params.simulate.stochastic_seed
    )
    print(json.dumps(summary, indent=2))
    if args.output:
        table.to_csv(args.output, index=False)
        args.output.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
