"""``hayeknet study``: a study on any window and settlement point in one line: set the window, collect, repro.

It writes the window (``study.source``, ``study.start``, ``study.end``) and the
battery's settlement point (``battery.location``) into the project's
``params.yaml`` (comments and every other value kept; the result validated
before it replaces the file, atomically), collects the window from the source
(``hayeknet collect``), then runs ``dvc repro`` and says where the reports
are and how long it took. ``git checkout params.yaml`` returns to the
committed study.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

SOURCES = ("files", "mis", "api", "synthetic")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def set_study(params_text: str, source: str, start: dt.date, end: dt.date, location: str | None) -> str:
    """``params_text`` (a ``params.yaml``) with ``study.source/start/end`` and ``battery.location`` set.

    Comments, order and every other value are kept (a round trip through
    ruamel.yaml); the dates are written as quoted strings, the form DVC reads.
    Raises :class:`~hayeknet.params.ParamsError` naming the key when the result
    is not a valid params file.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    from hayeknet.params import ParamsError, params_from_mapping

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    data: Any = yaml.load(params_text)
    if not isinstance(data, dict) or not isinstance(data.get("study"), dict):
        raise ParamsError("params.yaml: no study section to set the window in")
    study = data["study"]
    study["source"] = source
    study["start"] = DoubleQuotedScalarString(start.isoformat())
    study["end"] = DoubleQuotedScalarString(end.isoformat())
    if location is not None:
        if not isinstance(data.get("battery"), dict):
            raise ParamsError("params.yaml: no battery section to set the location in")
        data["battery"]["location"] = location
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    import yaml as pyyaml

    params_from_mapping(pyyaml.safe_load(text), "params.yaml (as hayeknet study would write it)", complete=True)
    return text


def cmd_study(args: argparse.Namespace) -> int:
    from hayeknet.cli import main as cli_main
    from hayeknet.commands.experiments import find_dvc
    from hayeknet.config import project_paths
    from hayeknet.io import atomic_write_text

    if args.end < args.start:
        raise ValueError(f"--end {args.end} is before --start {args.start}")
    if args.source == "files" and args.drop_folder is None:
        raise ValueError("--source files needs --drop-folder DIR (the downloaded ERCOT files)")
    paths = project_paths(Path(args.project) if args.project else None)
    started = time.perf_counter()
    text = set_study(paths.params_file.read_text(), args.source, args.start, args.end, args.location)
    atomic_write_text(paths.params_file, text)
    where = f" at {args.location}" if args.location else ""
    print(f"hayeknet study: params.yaml set to {args.source} {args.start}..{args.end}{where}", flush=True)
    collect = ["--project", str(paths.root), "collect", "--source", args.source]
    collect += ["--start", args.start.isoformat(), "--end", args.end.isoformat()]
    if args.drop_folder is not None:
        collect += ["--drop-folder", str(args.drop_folder)]
    code = cli_main(collect)
    if code != 0:
        print("hayeknet study: collect did not complete the window; dvc repro not started", file=sys.stderr)
        return code
    if args.no_repro:
        print("hayeknet study: collected; run `dvc repro` (or make repro) for the stages")
        return 0
    dvc = find_dvc()
    if dvc is None:
        raise FileNotFoundError("dvc not found (make venv installs it): the window is collected, run `dvc repro`")
    repro_started = time.perf_counter()
    done = subprocess.run([dvc, "repro"], cwd=paths.root)
    repro_s = time.perf_counter() - repro_started
    if done.returncode != 0:
        print(f"hayeknet study: dvc repro failed (exit {done.returncode}) after {repro_s:,.0f} s", file=sys.stderr)
        return done.returncode
    print(
        f"hayeknet study: done in {time.perf_counter() - started:,.0f} s (dvc repro {repro_s:,.0f} s); "
        f"study report {paths.reports / 'study.html'}, daily reports in {paths.reports / 'daily'}"
    )
    return 0


STUDY_DESCRIPTION = """\
A study in one line: write the window (study.source, study.start, study.end) and the battery's settlement
point (battery.location) into params.yaml, keeping its comments and every other value, collect the window
from the source (as `hayeknet collect`), then run `dvc repro` and print the reports' paths and the wall
time. `git checkout params.yaml` returns to the committed study; the collected days stay in data/raw."""

STUDY_EPILOG = textwrap.dedent(
    """\
    examples:
      hayeknet study --drop-folder ../shared/real/hb_hubavg_2024 --start 2024-07-01 --end 2024-08-31
      hayeknet study --drop-folder ~/ercot --location HB_HUBAVG --start 2024-07-08 --end 2024-07-10 --no-repro
      hayeknet study --source mis --location HB_WEST --start 2025-11-20 --end 2025-11-26 --no-repro
    """
)


def register(subparsers: argparse._SubParsersAction) -> None:
    raw = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "study",
        help="a study on any window and settlement point: set params.yaml, collect, dvc repro",
        description=STUDY_DESCRIPTION,
        epilog=STUDY_EPILOG,
        formatter_class=raw,
    )
    p.add_argument("--source", choices=SOURCES, default="files", help="where the days come from (default: files)")
    p.add_argument("--drop-folder", type=Path, help="folder of downloaded ERCOT files (--source files)")
    p.add_argument("--location", help="settlement point of the battery (battery.location; default: unchanged)")
    p.add_argument("--start", type=_date, required=True, help="first operating day (YYYY-MM-DD, America/Chicago)")
    p.add_argument("--end", type=_date, required=True, help="last operating day (YYYY-MM-DD, inclusive)")
    p.add_argument("--no-repro", action="store_true", help="set the window and collect only; no dvc repro")
    p.set_defaults(func=cmd_study)
