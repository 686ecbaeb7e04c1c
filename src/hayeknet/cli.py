"""The ``hayeknet`` command line: one parser, one module of sub-commands per area (:mod:`hayeknet.commands`).

Building the parser imports the standard library, :mod:`hayeknet.battery.spec`
and the ``register`` functions only (no NumPy, pandas or solver, so that
``hayeknet --help`` answers at once); each command imports what it needs when
it runs. Every text a user reads is argparse text here or in
the ``register`` functions, not a module docstring.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hayeknet.config import ProjectPaths

SOURCES = ("synthetic", "mis", "api", "files")


def package_version() -> str:
    """The installed distribution's version (``importlib.metadata``), else the package's ``__version__``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hayeknet")
    except PackageNotFoundError:
        from hayeknet import __version__

        return __version__


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (importlib.metadata is not free)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option_string: Any = None) -> None:
        print(f"hayeknet {package_version()}")
        parser.exit()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _paths(args: argparse.Namespace) -> ProjectPaths:
    from hayeknet.config import project_paths

    return project_paths(Path(args.project) if args.project else None)


def cmd_collect(args: argparse.Namespace) -> int:
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import check_settlement_points
    from hayeknet.pipeline.progress import day_progress

    paths = _paths(args)
    params = load_params(paths.params_file)
    check_settlement_points(params, paths)
    start = args.start or params.study.start
    end = args.through or args.end or (args.start if args.start else params.study.end)
    source = args.source or params.study.source
    summary = collect(
        paths,
        params,
        start,
        end,
        source=source,
        update_dvc=not args.no_dvc,
        drop_folder=args.drop_folder,
        wait_s=args.wait,
        notify=lambda line: print(f"hayeknet collect: {line}", file=sys.stderr, flush=True),
        progress=day_progress(sys.stdout, sys.stderr),
    )
    for note in summary.notes:
        print(f"hayeknet collect: {note}", file=sys.stderr)
    print(
        f"collect --source {source} {summary.start}..{summary.end}: {len(summary.collected)} collected, "
        f"{len(summary.skipped)} already present"
        + (f", {len(summary.incomplete)} incomplete" if summary.incomplete else "")
        + ("; days.yaml updated" if summary.days_file_changed else "")
        + ("; data.dvc updated" if summary.dvc_updated else "")
    )
    for day, reason in sorted(summary.incomplete.items()):
        print(
            f"hayeknet collect: {day} incomplete, kept what came and left out of days.yaml; run collect again: "
            f"{_clip(reason)}",
            file=sys.stderr,
        )
    return 1 if summary.incomplete else 0


def _clip(text: object, limit: int = 300) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else f"{s[:limit]}... [{len(s) - limit} more characters]"


def cmd_status(args: argparse.Namespace) -> int:
    from hayeknet.pipeline.days import collected_days, read_days_file

    paths = _paths(args)
    collected = collected_days(paths.raw)
    listed = read_days_file(paths.days_file)
    print(f"project: {paths.root}")
    print(f"collected days: {len(collected)}" + (f" ({collected[0]} .. {collected[-1]})" if collected else ""))
    print(f"pipeline days (days.yaml): {len(listed)}")
    from hayeknet.pipeline.quarantine import quarantined_days

    held = quarantined_days(paths, [d.isoformat() for d in listed])
    for day in listed:
        report = paths.reports / "daily" / f"{day.isoformat()}.html"
        results = paths.research / day.isoformat() / "results.json"
        state = "report" if report.exists() else ("results" if results.exists() else "pending")
        if day.isoformat() in held:
            state = f"QUARANTINED ({'not-valid page' if report.exists() else 'no report'}): {held[day.isoformat()]}"
        print(f"  {day}  {state}")
    if held:
        print(f"quarantined days: {len(held)} ({', '.join(held)}): `hayeknet validate DAY` lists every problem")
    from hayeknet.pipeline.completeness import incomplete_days

    for day, reason in incomplete_days(paths).items():
        print(f"incomplete (not in days.yaml; run collect again): {day}: {_clip(reason, 200)}")
    study = paths.reports / "study.html"
    print(f"study report: {'yes' if study.exists() else 'no'}")
    from hayeknet.commands.experiments import find_dvc

    dvc = find_dvc()
    if dvc and (paths.root / ".dvc").is_dir() and not args.no_dvc:
        proc = subprocess.run([dvc, "status", "--quiet"], cwd=paths.root, capture_output=True, text=True)
        print("dvc pipeline: " + ("up to date" if proc.returncode == 0 else "changed stages pending (run `dvc repro`)"))
    return 0


DESCRIPTION = """\
HayekNet: battery trading research on ERCOT market data. The DVC pipeline (dvc repro) runs the study
day by day; these commands collect its raw data, show its state, compare its experiments, and work on
ERCOT files directly: turn them into the normalized price table, check a day, compute the perfect-
foresight profit of a battery, backtest a strategy over archived days, evaluate the strategies on real
days (tuned on one window, reported on the next), sweep every settlement point as a battery site, and
export a table of a day's report as CSV or Parquet.
"""

EPILOG = """\
examples:
  hayeknet collect --source synthetic --start 2025-10-01 --end 2025-10-03
  hayeknet optimize artifacts/archive/day=2025-10-01/prices.parquet
  hayeknet export --day 2025-10-01 --what strategies

Run `hayeknet COMMAND --help` for a command's description, options and examples.
"""

COLLECT_DESCRIPTION = """\
Collect the raw ERCOT files of a window of operating days into data/raw/<report>/<day>/ (five price
reports: 5-minute SCED LMPs NP6-788-CD, 15-minute settlement point prices NP6-905-CD, DAM prices
NP4-190-CD, DAM ancillary-service prices NP4-188-CD, real-time ancillary-service prices NP6-331-CD; and,
from MIS or a drop folder, the hourly wind and solar production postings NP4-732-CD and NP4-737-CD that
give the QSE agents real renewable profiles; a report the source has not published gets a
NOT_PUBLISHED.json marker), write one
collection record per day (data/provenance/<day>.json: source and sha256 of every file), rewrite
days.yaml from the collected days (the days dvc.yaml runs over), and refresh data.dvc (dvc add data)
when the project is a DVC repository. A day already collected from the same source, with every file
intact, is skipped. Without options it collects the window and source of params.yaml (study.start,
study.end, study.source). On a terminal a progress bar shows the days done, the collected and skipped
counts and an ETA; without one (cron, a log file) it prints one line per day.
"""

COLLECT_EPILOG = """\
examples:
  hayeknet collect --source synthetic --start 2025-10-01 --end 2025-10-03
  hayeknet collect --source mis --through yesterday

The public API (--source api) needs ERCOT_API_USERNAME, ERCOT_API_PASSWORD and
ERCOT_API_SUBSCRIPTION_KEY in the environment.
"""

STATUS_DESCRIPTION = """\
Show the project root, the collected days (data/raw), the pipeline days of days.yaml with each day's
state (report: its HTML report exists; results: research results but no report yet; pending: neither;
QUARANTINED: its data failed a quality check, with the one-line reason), whether the study report
exists, and whether `dvc status` finds stages to run.
"""

STATUS_EPILOG = """\
example:
  hayeknet status --no-dvc
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``hayeknet`` parser; imports no NumPy, pandas, SciPy, PyArrow, PyMC or torch."""
    from hayeknet.commands import data, economics, evaluate, experiments, export, study, sweep

    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="hayeknet", description=DESCRIPTION, epilog=EPILOG, formatter_class=raw)
    parser.add_argument("--version", action=_VersionAction, help="print the hayeknet version and exit")
    parser.add_argument(
        "--project",
        metavar="DIR",
        help="project root, the folder with dvc.yaml and params.yaml (default: $HAYEKNET_ROOT, else the "
        "nearest such folder at or above the current one)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "collect",
        help="collect raw ERCOT files for a window of days into data/raw",
        description=COLLECT_DESCRIPTION,
        epilog=COLLECT_EPILOG,
        formatter_class=raw,
    )
    p.add_argument(
        "--source",
        choices=SOURCES,
        help="synthetic (generated offline), mis (ERCOT MIS downloads, no login, recent days), api (ERCOT "
        "public API, credentials in the environment) or files (a folder of downloaded files, --drop-folder) "
        "(default: study.source)",
    )
    p.add_argument("--start", type=_date, metavar="DAY", help="first operating day, YYYY-MM-DD (default: study.start)")
    p.add_argument(
        "--end",
        type=_date,
        metavar="DAY",
        help="last operating day, YYYY-MM-DD, inclusive (default: --start when given, else study.end)",
    )
    p.add_argument(
        "--through",
        metavar="DAY|yesterday|latest",
        help="last operating day, or a word resolved now: yesterday (America/Chicago) or latest (the last day "
        "the source has published); overrides --end",
    )
    p.add_argument(
        "--drop-folder", type=Path, metavar="DIR", help="folder of downloaded raw ERCOT files (with --source files)"
    )
    p.add_argument("--no-dvc", action="store_true", help="do not refresh data.dvc (no `dvc add data`)")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="when another collect (or make daily) holds the project lock, wait up to this long for it "
        "(default: 0, refuse at once with exit code 3)",
    )
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser(
        "status",
        help="collected days and pipeline state",
        description=STATUS_DESCRIPTION,
        epilog=STATUS_EPILOG,
        formatter_class=raw,
    )
    p.add_argument("--no-dvc", action="store_true", help="skip `dvc status` (faster; no DVC needed)")
    p.set_defaults(func=cmd_status)

    experiments.register(sub)
    data.register(sub)
    economics.register(sub)
    evaluate.register(sub)
    export.register(sub)
    sweep.register(sub)
    study.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a foreseeable fault (bad input or params, disk full, permission denied, a busy project
    lock, an interrupt) prints one line saying what failed and what to do, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"hayeknet {args.command}: interrupted; nothing half-written was kept: run it again", file=sys.stderr)
        return 130
    except BaseException as exc:
        code, line = error_line(exc)
        if code is None:
            raise
        print(f"hayeknet {args.command}: error: {line}", file=sys.stderr)
        return code


def error_line(exc: BaseException) -> tuple[int | None, str]:
    """(exit code, one line) for a foreseeable fault; (None, "") for anything else (a bug: its traceback)."""
    import subprocess

    from hayeknet.pipeline.timings import foreseeable_message

    if type(exc).__name__ == "LockBusyError":
        return 3, _clip(exc, 600)
    message = foreseeable_message(exc)
    if message is not None:
        return 2, message
    if isinstance(exc, subprocess.CalledProcessError):
        cmd = exc.cmd if isinstance(exc.cmd, str) else " ".join(map(str, exc.cmd))
        return 2, _clip(f"`{cmd}` failed with exit code {exc.returncode}")
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return 2, _clip(f"{where}{exc.strerror or exc}")
    if isinstance(exc, (ValueError, RuntimeError, LookupError)):  # ParamsError, ReportFormatError: ValueError
        return 2, _clip(exc, 600)
    return None, ""


if __name__ == "__main__":
    sys.exit(main())
