"""``hayeknet`` command line: collect raw data, inspect the pipeline, and the
data and economics tools (normalize, validate, optimize, backtest)."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from hayeknet.config import ProjectPaths, project_paths
from hayeknet.params import ParamsError, load_params


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _paths(args: argparse.Namespace) -> ProjectPaths:
    return project_paths(Path(args.project) if args.project else None)


def cmd_collect(args: argparse.Namespace) -> int:
    from hayeknet.pipeline.collect import collect

    paths = _paths(args)
    params = load_params(paths.params_file)
    start = args.start or params.study.start
    end = args.through or args.end or (args.start if args.start else params.study.end)
    source = args.source or params.study.source
    summary = collect(
        paths, params, start, end, source=source, update_dvc=not args.no_dvc, drop_folder=args.drop_folder
    )
    print(
        f"collect --source {source} {summary.start}..{summary.end}: {len(summary.collected)} collected, "
        f"{len(summary.skipped)} already present"
        + ("; days.yaml updated" if summary.days_file_changed else "")
        + ("; data.dvc updated" if summary.dvc_updated else "")
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from hayeknet.pipeline.days import collected_days, read_days_file

    paths = _paths(args)
    collected = collected_days(paths.raw)
    listed = read_days_file(paths.days_file)
    print(f"project: {paths.root}")
    print(f"collected days: {len(collected)}" + (f" ({collected[0]} .. {collected[-1]})" if collected else ""))
    print(f"pipeline days (days.yaml): {len(listed)}")
    for day in listed:
        report = paths.reports / "daily" / f"{day.isoformat()}.html"
        results = paths.research / day.isoformat() / "results.json"
        state = "report" if report.exists() else ("results" if results.exists() else "pending")
        print(f"  {day}  {state}")
    study = paths.reports / "study.html"
    print(f"study report: {'yes' if study.exists() else 'no'}")
    dvc = shutil.which("dvc")
    if dvc and (paths.root / ".dvc").is_dir() and not args.no_dvc:
        proc = subprocess.run([dvc, "status", "--quiet"], cwd=paths.root, capture_output=True, text=True)
        print("dvc pipeline: " + ("up to date" if proc.returncode == 0 else "changed stages pending (run `dvc repro`)"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hayeknet", description=__doc__)
    parser.add_argument("--project", help="project root (default: found from the current folder)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("collect", help="collect raw ERCOT files for a window of days into data/raw")
    p.add_argument("--source", choices=["synthetic", "files", "mis", "api"], help="default: study.source")
    p.add_argument("--start", type=_date, help="first operating day (default: study.start)")
    p.add_argument("--end", type=_date, help="last operating day (default: study.end, or --start)")
    p.add_argument(
        "--through",
        metavar="DAY|yesterday|latest",
        help="last operating day, or a calendar word resolved now: yesterday (America/Chicago) or latest "
        "(the last day the source has published); overrides --end",
    )
    p.add_argument("--drop-folder", type=Path, help="folder of raw ERCOT files (with --source files)")
    p.add_argument("--no-dvc", action="store_true", help="do not refresh data.dvc")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("status", help="collected days and pipeline state")
    p.add_argument("--no-dvc", action="store_true", help="skip `dvc status`")
    p.set_defaults(func=cmd_status)

    from hayeknet.commands import data, economics

    data.register(sub)
    economics.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ParamsError, FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"hayeknet {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
