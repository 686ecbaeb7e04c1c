"""Data sub-commands: ``hayeknet normalize`` (raw ERCOT files -> the normalized table) and ``hayeknet validate``
(completeness and quality checks of one operating day). Their help is the argparse text of :func:`register`;
pandas and the parsers are imported inside the command functions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["cmd_normalize", "cmd_validate", "day_checks", "normalize_to", "register"]

OUTPUT_SUFFIXES = (".csv", ".parquet")


class DataCommandError(RuntimeError):
    """A data command cannot run (message names the path and what is wrong)."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _error(command: str, message: str) -> int:
    print(f"hayeknet {command}: error: {message}", file=sys.stderr)
    return 2


# --- normalize ---------------------------------------------------------------------------------


def normalize_to(inputs: Path | Sequence[Path], output_path: Path) -> int:
    """Parse the raw files of ``inputs`` (files or folders) and write the normalized table to ``output_path``
    atomically; return its rows.

    Raises :class:`~hayeknet.ercot.reports.ReportFormatError` for a bad raw
    file and :class:`DataCommandError` for a missing input or an unsupported output suffix.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hayeknet.archive.store import SCHEMA
    from hayeknet.commands.inputs import InputPathError, expand_inputs, parse_raw_files
    from hayeknet.io import atomic_path

    suffix = output_path.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise DataCommandError(f"{output_path}: output must end in {' or '.join(OUTPUT_SUFFIXES)}")
    try:
        files = expand_inputs([inputs] if isinstance(inputs, (str, Path)) else inputs)
    except InputPathError as exc:
        raise DataCommandError(str(exc)) from None
    table = parse_raw_files(files)
    with atomic_path(output_path) as tmp:
        if suffix == ".csv":
            out = table.copy()
            for col in ("interval_start_utc", "interval_end_utc"):
                out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            out.to_csv(tmp, index=False)
        else:
            pq.write_table(pa.Table.from_pandas(table, schema=SCHEMA, preserve_index=False), tmp, compression="zstd")
    return len(table)


def cmd_normalize(args: argparse.Namespace) -> int:
    from hayeknet.ercot.reports import ReportFormatError

    inputs, output_path = [Path(p) for p in args.input], Path(args.output)
    try:
        n = normalize_to(inputs, output_path)
    except ReportFormatError as exc:
        where = (
            f"file {exc.file}"
            + (f", row {exc.row}" if exc.row is not None else "")
            + (f", field {exc.field}" if exc.field is not None else "")
        )
        return _error("normalize", f"{where}: {exc.message}")
    except DataCommandError as exc:
        return _error("normalize", str(exc))
    what = str(inputs[0]) + (f" and {len(inputs) - 1} more" if len(inputs) > 1 else "")
    print(f"normalized {n} rows from {what} into {output_path}")
    return 0


# --- validate ----------------------------------------------------------------------------------


def day_checks(
    day: dt.date,
    archive: Path | None = None,
    raw: Path | None = None,
    *,
    max_filled_minutes: int | None = None,
    raw_label: str = "",
) -> tuple[str, list[Any]]:
    """The checks of ``day`` from an archive root or a raw root; returns (what was read, checks).

    From an archive partition written by this version, the checks its ingest
    recorded (every problem with its file, row and field); from raw files, the
    same checks computed now (:mod:`hayeknet.archive.quality`).
    Raises :class:`DataCommandError` when the day has no partition / no raw file.
    """
    from hayeknet.archive.ingest import day_provenance, raw_files_of_day, validate
    from hayeknet.archive.quality import DEFAULT_MAX_FILLED_MINUTES, Check
    from hayeknet.archive.store import PROVENANCE_FILE, ArchiveError, partition_dir, read_day
    from hayeknet.ercot.parse import parse_files_collecting

    bound = DEFAULT_MAX_FILLED_MINUTES if max_filled_minutes is None else max_filled_minutes
    if archive is not None:
        prov = partition_dir(archive, day) / PROVENANCE_FILE
        record = json.loads(prov.read_text()) if prov.exists() else {}
        where = f"archive partition {partition_dir(archive, day)}"
        if record.get("verdict") is not None:
            return where, [Check.from_dict(c) for c in record.get("checks", [])]
        try:
            table = read_day(archive, day)
        except ArchiveError as exc:
            raise DataCommandError(str(exc)) from None
        checks = validate(table, day, set(table["report"].unique()), max_filled_minutes=bound)
        checks += [Check.from_dict(c) for c in record.get("checks", []) if c.get("name") == "files_parsed"]
        return where, checks
    assert raw is not None
    paths = raw_files_of_day(raw, day)
    if not paths:
        raise DataCommandError(f"{raw}: no raw files for operating day {day.isoformat()} (looked in */{day}/)")
    outcome = parse_files_collecting(paths)
    _, checks = day_provenance(
        raw, day, paths, outcome, collected_from=None, max_filled_minutes=bound, raw_label=raw_label
    )
    return f"raw files under {raw} ({len(paths)} files)", checks


def _project_paths(args: argparse.Namespace) -> Any:
    from hayeknet.config import project_paths

    project = getattr(args, "project", None)
    try:
        return project_paths(Path(project) if project else None)
    except FileNotFoundError:
        return None


def _default_roots(args: argparse.Namespace, day: dt.date) -> tuple[Path | None, Path | None]:
    if args.archive is not None or args.raw is not None:
        return args.archive, args.raw
    from hayeknet.archive.store import PRICES_FILE, partition_dir
    from hayeknet.config import project_paths

    project = getattr(args, "project", None)
    paths = project_paths(Path(project) if project else None)
    if (partition_dir(paths.archive, day) / PRICES_FILE).exists():
        return paths.archive, None
    return None, paths.raw


def _quality_bound(args: argparse.Namespace) -> tuple[int | None, str]:
    """``quality.max_filled_minutes`` of the project's params.yaml (None outside a project or when it does not
    load) and the raw folder's name relative to the project (for the messages)."""
    import os

    paths = _project_paths(args)
    if paths is None:
        return None, ""
    label = os.path.relpath(paths.raw, paths.root) if args.raw is None else ""
    try:
        from hayeknet.params import load_params

        return load_params(paths.params_file).quality.max_filled_minutes, label
    except (OSError, ValueError):
        return None, label


def cmd_validate(args: argparse.Namespace) -> int:
    from hayeknet.archive.quality import all_problem_lines, verdict

    day: dt.date = args.day
    try:
        archive, raw = _default_roots(args, day)
        bound, label = _quality_bound(args) if archive is None else (None, "")
        source, checks = day_checks(day, archive, raw, max_filled_minutes=bound, raw_label=label)
    except (DataCommandError, FileNotFoundError) as exc:
        return _error("validate", str(exc))
    ok = all(c.passed for c in checks)
    result = verdict(checks)
    if args.json:
        print(
            json.dumps(
                {
                    "day": day.isoformat(),
                    "source": source,
                    "checks_passed": ok,
                    "verdict": result.status,
                    "checks": [c.to_dict() for c in checks],
                },
                indent=2,
            )
        )
    else:
        print(f"{day.isoformat()}: {source}")
        for c in checks:
            print(f"  {'PASS' if c.passed else 'FAIL'}  {c.report:<10}  {c.name:<17}  {c.detail}")
        problems = all_problem_lines(checks)
        if problems:
            print("problems (ERROR quarantines the day, FLAG is shown in the report):")
            for line in problems:
                print(f"  {line}")
        n_failed = sum(not c.passed for c in checks)
        print(
            f"{len(checks) - n_failed} of {len(checks)} checks passed" + ("" if ok else f"; {n_failed} failed")
            + f"; verdict: {result.status}"
            + (f" ({len(result.blocking)} error check(s))" if result.quarantined else "")
        )  # fmt: skip
    return 0 if ok else 1


NORMALIZE_DESCRIPTION = """\
Parse raw ERCOT files into the normalized price table (ADR 0001): one row per interval, settlement
point, market and ancillary-service product, with the columns interval_start_utc, interval_end_utc
(UTC), market, location, location_type, as_type, price ($/MWh) and report. The table is written
atomically as CSV (timestamps ISO 8601 UTC) or Parquet (the archive's schema), chosen by OUTPUT's suffix.

INPUT is a raw file (MIS CSV, zip of one CSV, public-API JSON or JSON Lines; the report is recognised
from the header, not the name) or a folder, all of whose files are parsed (for example a day of SCED
prices, data/raw/np6-788-cd/<day>/, 288 files). Several INPUTs are combined; a key published twice keeps
the later publication. A defective file prints the parser's error (file, row, field) and exits 2.
"""

NORMALIZE_EPILOG = """\
examples:
  hayeknet normalize data/raw/np6-788-cd/2025-10-01/ -o day.parquet
  hayeknet normalize cdr.00012300.0000000000000000.20251001.000038.LMPSELECTBUSNP6788_csv.zip -o sced.csv
"""

VALIDATE_DESCRIPTION = """\
Completeness and quality checks of one operating day: every report present, the interval count
against the DST-aware calendar (288 five-minute intervals on a normal day), complete series per
settlement point, prices within ERCOT's bounds (offer floor, system-wide cap) and plausible, no key
priced twice within one file, the ancillary-service products, and whether every raw file parsed. A
failed ERROR check quarantines the day (its stages do not run); a FLAG is shown in the report. Every
problem is listed with its raw file, row and field, and the verdict. Reads the day's archive partition
(--archive) or parses its raw files (--raw); by default the project's archive when the day is archived,
else its raw folder. Exits 0 when every check passes, 1 when one fails, 2 when the day cannot be read.
"""

VALIDATE_EPILOG = """\
examples:
  hayeknet validate 2025-10-02
  hayeknet validate 2025-10-02 --raw data/raw --json
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``normalize`` and ``validate`` to the ``hayeknet`` command line."""
    raw = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "normalize",
        help="parse raw ERCOT files (or a folder of them) into the normalized table (CSV/Parquet)",
        description=NORMALIZE_DESCRIPTION,
        epilog=NORMALIZE_EPILOG,
        formatter_class=raw,
    )
    p.add_argument(
        "input",
        nargs="+",
        metavar="INPUT",
        help="raw ERCOT file (MIS CSV, zip of one CSV, API JSON / JSON Lines) or folder of such files",
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT", help="output file: .csv or .parquet (replaced atomically)"
    )
    p.set_defaults(func=cmd_normalize)

    p = subparsers.add_parser(
        "validate",
        help="completeness and quality checks of one operating day",
        description=VALIDATE_DESCRIPTION,
        epilog=VALIDATE_EPILOG,
        formatter_class=raw,
    )
    p.add_argument("day", metavar="DAY", type=_date, help="operating day, YYYY-MM-DD (America/Chicago)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--archive",
        type=Path,
        metavar="DIR",
        help="archive root holding day=<DAY>/prices.parquet (default: the project's artifacts/archive)",
    )
    where.add_argument(
        "--raw",
        type=Path,
        metavar="DIR",
        help="raw root holding <report>/<DAY>/ files (default: the project's data/raw)",
    )
    p.add_argument("--json", action="store_true", help="print the day, the source read and every check as JSON")
    p.set_defaults(func=cmd_validate)
