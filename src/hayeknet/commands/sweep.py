"""``hayeknet sweep``: the siting sweep over archived days, on Dask (:mod:`hayeknet.sweep`, ADR 0019).

The pipeline's ``sweep`` stage sweeps the study days into ``artifacts/sweep``;
this command sweeps any window of an archive into a folder of its own (never
the stage's output, which DVC tracks). Its defaults are ``params.yaml``'s
``sweep`` and ``battery`` sections inside a project. Dask and pandas are
imported when the command runs, not when the parser is built.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

from hayeknet.commands.strategies import STRATEGY_NAMES

SWEEPABLE = tuple(n for n in STRATEGY_NAMES if n not in ("ppo_agent", "mpc_enkf"))
"""Strategies an archive alone can run (no checkpoint, no EnKF state); ``mpc_beliefs`` runs as its fallback."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def cmd_sweep(args: argparse.Namespace) -> int:
    from hayeknet.archive.store import archived_days
    from hayeknet.commands.battery_options import resolve_battery
    from hayeknet.params import SweepParams
    from hayeknet.sweep.plan import SweepConfig, resolve_locations
    from hayeknet.sweep.results import read_results
    from hayeknet.sweep.runner import SweepError, SweepOptions, run_sweep
    from hayeknet.sweep.siting import siting_summary

    battery = resolve_battery(args)
    params = battery.params
    defaults = params.sweep if params is not None else SweepParams()
    if args.archive:
        archive = Path(args.archive)
    elif battery.paths is not None:
        archive = battery.paths.archive
    else:
        raise FileNotFoundError("not inside a HayekNet project (no params.yaml found): give --archive DIR")
    present = archived_days(archive)
    if not present:
        raise SweepError(f"{archive}: no archived day")
    start = args.start or present[0]
    end = args.end or present[-1]
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    strategies = [s.strip() for s in (args.strategies or defaults.strategies).split(",") if s.strip()]
    refused = [s for s in strategies if s not in SWEEPABLE]
    if refused:
        raise ValueError(
            f"--strategies: {', '.join(refused)} cannot be swept from an archive; sweepable: {', '.join(SWEEPABLE)}"
        )
    root = battery.paths.root if battery.paths is not None else Path.cwd()
    locations = resolve_locations(args.locations or defaults.locations, root)
    simulate = params.simulate if params is not None else None
    config = SweepConfig.build(strategies, battery.spec, simulate, locations)
    options = SweepOptions(
        scheduler=args.scheduler or defaults.scheduler,
        n_workers=defaults.n_workers if args.workers is None else args.workers,
        tasks_per_day=defaults.tasks_per_day if args.tasks_per_day is None else args.tasks_per_day,
        retries=defaults.retries if args.retries is None else args.retries,
    )
    out = Path(args.output) if args.output else root / "artifacts" / "sweeps" / f"{start}..{end}"
    raw = battery.paths.raw if battery.paths is not None else None
    run = run_sweep(archive, days, config, out, options, raw_root=raw, progress=None if args.json else _progress)
    summary = siting_summary(read_results(out)) if run.written or run.skipped else None
    if args.json:
        print(json.dumps(_report(run, summary, out), indent=2, default=str))
    else:
        print(run.describe())
        print(f"results: {out} (one Parquet partition per day: hayeknet.sweep.results.read_results)")
        if summary is not None and args.top:
            print(f"top {args.top} settlement points by perfect-foresight profit ({summary.n_days} day(s)):")
            print(summary.top(args.top).to_string(float_format=lambda x: f"{x:,.2f}"))
    run.raise_for_failures()
    return 0


def _progress(line: str) -> None:
    print(f"[sweep] {line}", flush=True)


def _report(run: Any, summary: Any, out: Path) -> dict[str, Any]:
    from hayeknet.io import strict_json_value

    return strict_json_value(
        {
            "output": str(out),
            "days": run.days,
            "written": run.written,
            "skipped": run.skipped,
            "failed": run.failed,
            "not_archived": run.missing,
            "scheduler": run.scheduler,
            "workers": run.n_workers,
            "tasks": len(run.tasks),
            "retried": [
                {"task": t.name, "attempts": t.attempts, "reasons": list(t.retry_reasons), "ok": t.ok}
                for t in run.retried
            ],
            **run.timings(),
            "best_causal_strategy": summary.best_causal if summary is not None else None,
            "top": summary.top(10).reset_index().to_dict("records") if summary is not None else [],
        }
    )


SWEEP_DESCRIPTION = """\
Siting sweep: run the battery of params.yaml (its location ignored) at every settlement point of every
archived day in the window, with the perfect-foresight bound and the causal strategies named, on Dask:
a LocalCluster sized to this machine by default, or a running scheduler (--scheduler tcp://host:8786,
started with `dask scheduler` and `dask worker tcp://host:8786`). Each day is split into tasks; a failed
task is retried, and one that fails every attempt is reported with its day, which is then not written.
Results go to one Parquet partition per day (location, type, zone, strategy, profit, revenue, cycles,
capture ratios, basis to the zone's hub), with the sweep's parameters and code version in the metadata;
a re-run skips the days already swept with the same inputs, parameters and code. Defaults come from
params.yaml's sweep section inside a project.

sweepable strategies (perfect_foresight always runs: it is the bound of the capture ratios):
"""
SWEEP_DESCRIPTION += "\n".join(line for line in textwrap.wrap(", ".join(SWEEPABLE), 100)) + "\n"

SWEEP_EPILOG = """\
examples:
  hayeknet sweep --start 2025-10-01 --end 2025-10-03
  hayeknet sweep --locations all --strategies perfect_foresight,mpc_dam,percentile_threshold --workers 2
  hayeknet sweep --scheduler tcp://127.0.0.1:8786 --archive artifacts/archive --output /tmp/sweep --json
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sweep`` to the ``hayeknet`` CLI (without importing Dask, NumPy or pandas)."""
    p = subparsers.add_parser(
        "sweep",
        help="siting sweep: every settlement point x day x strategy of an archive, on Dask",
        description=SWEEP_DESCRIPTION,
        epilog=SWEEP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--start", type=_date, metavar="DAY", help="first operating day (default: the first archived)")
    p.add_argument(
        "--end", type=_date, metavar="DAY", help="last operating day, inclusive (default: the last archived)"
    )
    p.add_argument(
        "--locations",
        metavar="all|FILE",
        help="all (every settlement point with a real-time price) or a file of names, one a line "
        "(default: sweep.locations, else all)",
    )
    p.add_argument(
        "--strategies",
        metavar="A,B,...",
        help="comma-separated strategy names (default: sweep.strategies, else "
        "perfect_foresight,mpc_dam,percentile_threshold)",
    )
    p.add_argument(
        "--scheduler",
        metavar="local|serial|ADDRESS",
        help="local: a Dask LocalCluster on this machine; serial: one process, no Dask; or the address of a "
        "running scheduler, tcp://host:8786 (default: sweep.scheduler, else local)",
    )
    p.add_argument(
        "--workers",
        type=_count,
        metavar="N",
        help="LocalCluster worker processes, 0: one per core (default: sweep.n_workers)",
    )
    p.add_argument(
        "--tasks-per-day",
        type=_count,
        metavar="N",
        help="tasks each day is split into, 0: twice the workers (default: sweep.tasks_per_day)",
    )
    p.add_argument(
        "--retries", type=_count, metavar="N", help="extra attempts of a failed task (default: sweep.retries, else 2)"
    )
    p.add_argument(
        "--archive", metavar="DIR", help="archive root holding day=<DAY>/prices.parquet (default: artifacts/archive)"
    )
    p.add_argument(
        "--output",
        metavar="DIR",
        help="results folder (default: artifacts/sweeps/<start>..<end>; never the pipeline's artifacts/sweep)",
    )
    p.add_argument("--top", type=_count, default=10, metavar="N", help="text output: the N best sites (default: 10)")
    p.add_argument("--json", action="store_true", help="print the run's report and the top 10 sites as JSON")
    p.set_defaults(func=cmd_sweep)
