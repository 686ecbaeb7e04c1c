"""``hayeknet export``: a table of a day's report as CSV or Parquet.

Writes the very table the daily report shows (:meth:`hayeknet.pipeline.stages.report.DayBundle.table`):
the numbers behind it, unformatted, with machine column names and a ``label`` column
where the rows have readable names, the same content as the report's "Download CSV" link.
Building the parser imports the standard library only; the export imports pandas when it runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

__all__ = ["FORMATS", "TABLES", "register"]

TABLES = ("strategies", "beliefs", "qa", "market_designs", "qse_agents", "assimilation", "metrics")
"""Tables ``--what`` names (the report stage's ``EXPORTS``; a test holds the two equal)."""

FORMATS = ("csv", "parquet")

DESCRIPTION = """\
Write one table of a day's daily report to a file: strategies (profit, capture ratios, SOC, cycles per
strategy), beliefs (probabilities stated for the next day and hour, yesterday's Brier scores), qa (the
research questions and their answers), market_designs (SCED today vs RTC+B revenue by stream),
qse_agents (the three QSE learners against their best heuristics), assimilation (the EnKF's day) or
metrics (every metric of results.json). The numbers are unformatted, with machine column names and a
label column for readable row names: the same table as the report's "Download CSV" link. The day's
pipeline outputs must exist (run dvc repro first). A table the day could not compute (for example market
designs without AS prices) is an error that gives the stage's reason.
"""

EPILOG = """\
examples:
  hayeknet export --day 2025-10-03 --what strategies
  hayeknet export --day 2025-10-03 --what beliefs --format parquet -o beliefs.parquet
  hayeknet export --day 2025-10-03 --what qa -o -
"""


def _day(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def default_output(day: str, what: str, fmt: str) -> Path:
    """``<day>_<what>.<format>`` in the current folder (the report's CSV download has the same name)."""
    return Path(f"{day}_{what}.{fmt}")


def cmd_export(args: argparse.Namespace) -> int:
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import report
    from hayeknet.reporting.tables import Note

    ctx = StageContext.load(Path(args.project) if args.project else None)
    table = report.load(ctx, args.day).table(args.what)
    if isinstance(table, Note):
        print(f"hayeknet export: {args.what} of {args.day} not computed: {table.reason}", file=sys.stderr)
        return 1
    if str(args.output) == "-":
        if args.format != "csv":
            print("hayeknet export: -o - writes CSV only (use --format csv)", file=sys.stderr)
            return 2
        sys.stdout.write(table.csv())
        return 0
    out = Path(args.output) if args.output else default_output(args.day, args.what, args.format)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.write(out, args.format)
    frame = table.export_frame()
    print(f"export {args.what} of {args.day}: {len(frame)} rows x {len(frame.columns)} columns -> {out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export`` to the ``hayeknet`` command line."""
    p = subparsers.add_parser(
        "export",
        help="write a table of a day's report (strategies, beliefs, qa, ...) as CSV or Parquet",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--day", required=True, type=_day, metavar="DAY", help="operating day, YYYY-MM-DD")
    p.add_argument("--what", required=True, choices=TABLES, help="which table of the day's report")
    p.add_argument("--format", choices=FORMATS, default="csv", help="file format (default: csv)")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="file to write (default: <day>_<what>.<format> in the current folder; - writes CSV to stdout)",
    )
    p.set_defaults(func=cmd_export)
