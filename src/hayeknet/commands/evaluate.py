"""``hayeknet evaluate``: the strategies on real days, tuned on one window and reported walk-forward on the next.

The protocol is :mod:`hayeknet.battery.walk_forward` (ADR 0020). The windows,
location and strategy settings come from ``params.yaml`` (``evaluation``,
``simulate``, ``beliefs``; the built-in defaults outside a project), flags
override them. Results go to ``--out`` (default ``results/evaluation``):
``days.csv`` (a row per day and strategy), ``summary.csv``, ``summary.md``
(the table printed) and ``settings.json`` (what ran, on which days, tuned or
not); with ``--agent-timesteps`` also ``agent/`` (the checkpoint trained on
the tuning window, :mod:`hayeknet.agents.real_days`), and with
``--agent-retrain-every`` ``agent-retrained/`` (one checkpoint per block of
evaluation days, each trained on the days before its block). NumPy, pandas and the
solvers are imported inside :func:`cmd_evaluate`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hayeknet.commands.battery_options import add_battery_options, resolve_battery

DESCRIPTION = """\
Run the battery strategies on real ERCOT days from a folder of daily reports (NP6-905-CD real-time
settlement point prices and NP4-190-CD DAM prices, as under ../shared/real/hb_hubavg_2024): tuned on the
tuning window only, reported walk-forward on the evaluation window. Every evaluation day uses a spread
model fitted on the days before it and decides under the information contract (ADR 0017). The table gives
each strategy's total profit, its capture of the real-time perfect-foresight profit with a bootstrap 95%
interval over days, the paired difference against dam_schedule ($/day and capture points, with intervals)
and its compute seconds per day against dam_schedule's in the same run.

Windows that overlap, an evaluation window before the tuning window, or a tuning window reaching 2025 are
refused.
"""

EPILOG = """\
examples:
  hayeknet evaluate --data ../shared/real/hb_hubavg_2024
  hayeknet evaluate --data ../shared/real/hb_hubavg_2024 --tune --workers 2
  hayeknet evaluate --data DIR --evaluation 2024-08-01:2024-08-31 --strategies dam_schedule,storage_value
  hayeknet evaluate --data ../shared/real/hb_hubavg_2024 --agent-timesteps 1000000 --workers 2
  hayeknet evaluate --data ../shared/real/hb_hubavg_2024 --agent-timesteps 1000000 --agent-retrain-every 7
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``evaluate`` to the ``hayeknet`` CLI (without importing NumPy or pandas)."""
    p = subparsers.add_parser(
        "evaluate",
        help="the strategies on real days: tuned on one window, reported walk-forward on the next",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", required=True, metavar="DIR", help="folder with np6-905-cd/ and np4-190-cd/ daily reports")
    p.add_argument("--tuning", metavar="FIRST:LAST", help="tuning window (default: evaluation.tuning_start/end)")
    p.add_argument(
        "--evaluation", metavar="FIRST:LAST", help="evaluation window (default: evaluation.evaluation_start/end)"
    )
    p.add_argument(
        "--strategies",
        metavar="A,B,...",
        help="strategies to run (default: dam_schedule, storage_value, dam_offer, mpc_stochastic, mpc_median, "
        "mpc_dam, mpc_naive, mpc_enkf, percentile_threshold, time_of_day); perfect_foresight is always computed",
    )
    p.add_argument(
        "--tune",
        action="store_true",
        help="first choose the spread bins (by storage_value) and dam_offer's quantiles on the tuning window "
        "(walk-forward on its second half), then evaluate with them (default: the params' settings as they are)",
    )
    p.add_argument(
        "--agent-timesteps",
        type=int,
        default=0,
        metavar="N",
        help="also train the PPO agent (ppo_agent) on the tuning window's days for N environment steps with the "
        "train settings of params.yaml, freeze it and evaluate it beside the strategies (default 0: no agent)",
    )
    p.add_argument(
        "--agent-retrain-every",
        type=int,
        default=0,
        metavar="DAYS",
        help="with --agent-timesteps: also evaluate ppo_agent_retrained, the agent that continues training before "
        "every block of DAYS evaluation days on all days before the block (as the nightly job keeps training); "
        "default 0: no retraining",
    )
    p.add_argument(
        "--agent-retrain-timesteps",
        type=int,
        metavar="N",
        help="environment steps of each retraining (default: train.timesteps_per_day of params.yaml)",
    )
    p.add_argument("--workers", type=int, metavar="N", help="processes (default: the CPUs available, at most 8)")
    p.add_argument("--out", metavar="DIR", help="results folder (default: results/evaluation in the project)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of the table")
    add_battery_options(p, location_help="settlement point of the report files (default: evaluation.location)")
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    import pandas as pd

    from hayeknet.battery import walk_forward as wf
    from hayeknet.io import atomic_directory, atomic_write_json
    from hayeknet.params import BeliefsParams, EvaluationParams, SimulateParams

    battery = resolve_battery(args)
    params = battery.params
    evaluation = params.evaluation if params is not None else EvaluationParams()
    simulate = params.simulate if params is not None else SimulateParams()
    beliefs = params.beliefs if params is not None else BeliefsParams()
    tuning = wf.Window.parse(args.tuning) if args.tuning else wf.Window(evaluation.tuning_start, evaluation.tuning_end)
    window = (
        wf.Window.parse(args.evaluation)
        if args.evaluation
        else wf.Window(evaluation.evaluation_start, evaluation.evaluation_end)
    )
    wf.check_windows(tuning, window)
    location = args.location or evaluation.location
    spec = dataclasses.replace(battery.spec, location=location)
    names = wf.check_strategies(args.strategies.split(",") if args.strategies else wf.DEFAULT_STRATEGIES)
    settings = wf.settings_from(simulate, beliefs, params.assimilation if params is not None else None)
    workers = args.workers or wf.default_workers()
    if args.agent_retrain_every and not args.agent_timesteps:
        raise wf.EvaluationError("--agent-retrain-every retrains the agent of --agent-timesteps: give both")

    def say(text: str) -> None:
        print(f"evaluate: {text}", file=sys.stderr, flush=True)

    days = wf.load_days(args.data, location, tuning.start, window.end)
    say(f"{len(days)} days of {location} from {args.data}; {battery.describe()}")
    grid = None
    if args.tune:
        trials = len(wf.SPREAD_BIN_CANDIDATES) + len(wf.OFFER_QUANTILE_CANDIDATES)
        say(f"tuning on {tuning.label()} ({trials} trials)")
        settings, grid = wf.tune(days, tuning, spec, settings, workers=workers)
    extra: dict[str, Any] = {}
    agent: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="hayeknet-evaluate-") as scratch:  # the agent's checkpoint, if any
        agent_folder = Path(scratch) / "agent" if args.agent_timesteps else None
        if agent_folder is not None:
            extra, agent = _trained_agent(args, days, tuning, spec, settings, battery, say, agent_folder)
        frame = wf.walk_forward(days, window, names, spec, settings, workers=workers, progress=say, extra=extra)
        retrained_folder = Path(scratch) / "agent-retrained" if args.agent_retrain_every else None
        if retrained_folder is not None and agent is not None:
            rows, agent["retrained"] = _retrained_agent(
                args, days, tuning, window, spec, settings, battery, say, agent_folder, retrained_folder, workers
            )
            frame = pd.concat([frame, rows], ignore_index=True).sort_values(["day", "strategy"], ignore_index=True)
        table = wf.summarize_results(frame)
        text = wf.format_summary(table, f"{location}, evaluation {window.label()} (tuned on {tuning.label()})")
        if args.out:
            out = Path(args.out)
        elif battery.paths is not None:
            out = battery.paths.root / "results" / "evaluation"
        else:
            out = Path("results") / "evaluation"
        with atomic_directory(out) as tmp:
            if agent_folder is not None:
                shutil.copytree(agent_folder, tmp / "agent")
            if retrained_folder is not None and retrained_folder.is_dir():
                shutil.copytree(retrained_folder, tmp / "agent-retrained")
            frame.to_csv(tmp / "days.csv", index=False)
            table.to_csv(tmp / "summary.csv")
            (tmp / "summary.md").write_text(text + "\n")
            atomic_write_json(
                tmp / "settings.json",
                {
                    "data": str(args.data),
                    "location": location,
                    "tuning_window": tuning.label(),
                    "evaluation_window": window.label(),
                    "days_evaluated": int(frame["day"].nunique()),
                    "strategies": list(names),
                    "tuned": bool(args.tune),
                    "settings": settings.to_dict(),
                    "battery": dataclasses.asdict(spec),
                    "tuning_grid": None if grid is None else grid.to_dict(orient="records"),
                    "agent": agent,
                },
            )
    if args.json:
        print(json.dumps(_records(table), indent=2))
    else:
        print(text)
        print(f"\nwritten to {out}")
    return 0


def _trained_agent(
    args: argparse.Namespace,
    days: Any,
    tuning: Any,
    spec: Any,
    settings: Any,
    battery: Any,
    say: Any,
    folder: Path,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train the agent on the tuning window into ``folder`` (a scratch folder, copied into the results); its
    factory for ``walk_forward``'s ``extra`` and what the settings file records about it."""
    from hayeknet.agents.real_days import AGENT, agent_factory, train_on_tuning_window
    from hayeknet.params import TrainParams

    train = battery.params.train if battery.params is not None else TrainParams()
    say(f"training {AGENT} on {tuning.label()} for {args.agent_timesteps:,} steps (train settings of params.yaml)")
    record = train_on_tuning_window(days, tuning, spec, settings, train, args.agent_timesteps, folder)
    say(f"{AGENT}: {record.total_timesteps:,} steps on {len(record.days_seen)} days in {record.wall_seconds:.0f} s")
    described = {
        "name": AGENT,
        "trained_on": tuning.label(),
        "days_seen": len(record.days_seen),
        "first_day": record.days_seen[0],
        "last_day": record.days_seen[-1],
        "total_timesteps": record.total_timesteps,
        "wall_seconds": record.wall_seconds,
        "parameters_sha256": record.parameters_sha256,
        "train_settings": dataclasses.asdict(train) | {"timesteps_per_day": args.agent_timesteps},
        "frozen_during_evaluation": True,
        "enkf_state": (
            "the EnKF mean of each day's own prices, t - 1 at t, in training and evaluation"
            if settings.assimilation is not None
            else "none"
        ),
    }
    return {AGENT: agent_factory(folder)}, described


def _retrained_agent(
    args: argparse.Namespace,
    days: Any,
    tuning: Any,
    window: Any,
    spec: Any,
    settings: Any,
    battery: Any,
    say: Any,
    start: Path | None,
    folder: Path,
    workers: int,
) -> tuple[Any, dict[str, Any]]:
    """The agent retrained before every block of evaluation days (its rows, and what the settings record)."""
    from hayeknet.agents.real_days import RETRAINED, retrain_through_window
    from hayeknet.params import TrainParams

    assert start is not None
    train = battery.params.train if battery.params is not None else TrainParams()
    steps = args.agent_retrain_timesteps or train.timesteps_per_day
    say(f"{RETRAINED}: retraining every {args.agent_retrain_every} evaluation days for {steps:,} steps each")
    rows, blocks = retrain_through_window(
        days, tuning, window, spec, settings, train, start, steps, args.agent_retrain_every, folder, workers
    )
    say(f"{RETRAINED}: {len(blocks)} blocks, {sum(b.wall_seconds for b in blocks):.0f} s of training")
    return rows, {
        "name": RETRAINED,
        "every_days": int(args.agent_retrain_every),
        "timesteps_per_retraining": int(steps),
        "blocks": [
            {
                "first_day": b.first_day,
                "last_day": b.last_day,
                "days_seen": b.days_seen,
                "last_day_seen": b.last_day_seen,
                "total_timesteps": b.total_timesteps,
                "wall_seconds": b.wall_seconds,
            }
            for b in blocks
        ],
    }


def _records(table: Any) -> dict[str, Any]:
    return {str(k): {c: float(v) for c, v in row.items()} for k, row in table.iterrows()}
