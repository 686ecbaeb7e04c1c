"""Data sub-commands: ``hayeknet normalize`` and ``hayeknet validate``.

``normalize INPUT -o OUTPUT``
    Parses one raw ERCOT file (MIS CSV, zip of one CSV, public-API JSON or
    JSON Lines; the report is recognised from the header) into the normalized
    price table of ADR 0001 and writes it atomically as CSV (timestamps ISO
    8601 UTC) or Parquet (the archive's schema), chosen by OUTPUT's suffix.
    A defective file prints the parser's error (file, row, field) and exits 2.

``validate DAY [--archive DIR | --raw DIR] [--json]``
    Completeness and quality checks of one operating day
    (:func:`hayeknet.archive.ingest.validate`: reports present, interval count
    against the DST-aware calendar, complete series, price bounds, AS products;
    plus whether every raw file parsed). Reads the day's archive partition
    (``--archive``), or parses its raw files (``--raw``, ``<raw>/<report>/<day>/``);
    by default the project's archive when the day is archived, else its raw
    folder. Exits 0 when every check passes, 1 when one fails, 2 when the day
    cannot be read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
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


def normalize_to(input_path: Path, output_path: Path) -> int:
    """Parse ``input_path`` and write the normalized table to ``output_path`` atomically; return its rows.

    Raises :class:`~hayeknet.ercot.reports.ReportFormatError` for a bad raw
    file and :class:`DataCommandError` for an unsupported output suffix.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hayeknet.archive.store import SCHEMA
    from hayeknet.ercot.parse import parse_file
    from hayeknet.io import atomic_path

    suffix = output_path.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise DataCommandError(f"{output_path}: output must end in {' or '.join(OUTPUT_SUFFIXES)}")
    table = parse_file(input_path)
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

    input_path, output_path = Path(args.input), Path(args.output)
    try:
        n = normalize_to(input_path, output_path)
    except ReportFormatError as exc:
        where = (
            f"file {exc.file}"
            + (f", row {exc.row}" if exc.row is not None else "")
            + (f", field {exc.field}" if exc.field is not None else "")
        )
        return _error("normalize", f"{where}: {exc.message}")
    except DataCommandError as exc:
        return _error("normalize", str(exc))
    print(f"normalized {n} rows from {input_path} into {output_path}")
    return 0


# --- validate ----------------------------------------------------------------------------------


def day_checks(day: dt.date, archive: Path | None = None, raw: Path | None = None) -> tuple[str, list[Any]]:
    """The checks of ``day`` from an archive root or a raw root; returns (what was read, checks).

    Raises :class:`DataCommandError` when the day has no partition / no raw file.
    """
    from hayeknet.archive.ingest import Check, raw_files_of_day, validate
    from hayeknet.archive.store import PROVENANCE_FILE, ArchiveError, partition_dir, read_day
    from hayeknet.ercot.parse import parse_files_collecting

    if archive is not None:
        try:
            table = read_day(archive, day)
        except ArchiveError as exc:
            raise DataCommandError(str(exc)) from None
        checks = validate(table, day, set(table["report"].unique()))
        prov = partition_dir(archive, day) / PROVENANCE_FILE
        if prov.exists():
            record = json.loads(prov.read_text())
            checks += [Check(**c) for c in record.get("checks", []) if c.get("name") == "files_parsed"]
        return f"archive partition {partition_dir(archive, day)}", checks
    assert raw is not None
    paths = raw_files_of_day(raw, day)
    if not paths:
        raise DataCommandError(f"{raw}: no raw files for operating day {day.isoformat()} (looked in */{day}/)")
    outcome = parse_files_collecting(paths)
    present = {r.spec.report_id for r in outcome.raw_files.values()}
    checks = validate(outcome.table, day, present)
    failed = "; ".join(str(e) for e in outcome.failures.values())
    checks.append(
        Check(
            "files_parsed",
            "*",
            not outcome.failures,
            f"{len(paths) - len(outcome.failures)} of {len(paths)} files parsed" + (f" ({failed})" if failed else ""),
        )
    )
    return f"raw files under {raw} ({len(paths)} files)", checks


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


def cmd_validate(args: argparse.Namespace) -> int:
    day: dt.date = args.day
    try:
        archive, raw = _default_roots(args, day)
        source, checks = day_checks(day, archive, raw)
    except (DataCommandError, FileNotFoundError) as exc:
        return _error("validate", str(exc))
    ok = all(c.passed for c in checks)
    if args.json:
        print(
            json.dumps(
                {
                    "day": day.isoformat(),
                    "source": source,
                    "checks_passed": ok,
                    "checks": [c.to_dict() for c in checks],
                },
                indent=2,
            )
        )
    else:
        print(f"{day.isoformat()}: {source}")
        for c in checks:
            print(f"  {'PASS' if c.passed else 'FAIL'}  {c.report:<10}  {c.name:<17}  {c.detail}")
        n_failed = sum(not c.passed for c in checks)
        print(f"{len(checks) - n_failed} of {len(checks)} checks passed" + ("" if ok else f"; {n_failed} failed"))
    return 0 if ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``normalize`` and ``validate`` to the ``hayeknet`` command line."""
    p = subparsers.add_parser(
        "normalize",
        help="parse one raw ERCOT file into the normalized table (CSV/Parquet)",
        description=cmd_normalize.__doc__ or __doc__,
    )
    p.add_argument("input", metavar="INPUT", help="raw ERCOT file: MIS CSV, zip of one CSV, API JSON / JSON Lines")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="output file, .csv or .parquet")
    p.set_defaults(func=cmd_normalize)

    p = subparsers.add_parser("validate", help="completeness and quality checks of one operating day")
    p.add_argument("day", metavar="DAY", type=_date, help="operating day, YYYY-MM-DD (America/Chicago)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--archive", type=Path, help="archive root holding day=<DAY>/prices.parquet")
    where.add_argument("--raw", type=Path, help="raw root holding <report>/<DAY>/ files")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(func=cmd_validate)
