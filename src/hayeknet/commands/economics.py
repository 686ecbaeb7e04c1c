"""Battery economics sub-commands: ``hayeknet optimize`` and ``hayeknet backtest``.

Both take their battery from :mod:`hayeknet.commands.battery_options`
(``params.yaml`` inside a project, else the built-in default; flags override)
and print which battery they used. NumPy, pandas and the solvers are imported
inside the command functions, so that building the parser stays light.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hayeknet.battery.spec import BatterySpec
from hayeknet.commands.battery_options import DEFAULT_BATTERY_TEXT, Battery, add_battery_options, resolve_battery
from hayeknet.commands.strategies import STRATEGY_NAMES, strategy_list

if TYPE_CHECKING:
    import pandas as pd

#: Markets tried for ``optimize`` when ``--market`` is not given, finest first; interval length in hours
#: (the markets of :mod:`hayeknet.archive.queries`, which imports pandas; ``tests/test_cli.py`` compares them).
MARKET_DT_HOURS: dict[str, float] = {"RTM_SCED": 5.0 / 60.0, "RTM_15MIN": 0.25, "DAM": 1.0}
#: Settlement point of the built-in default battery (outside a project, without ``--location``).
DEFAULT_LOCATION = BatterySpec().location
ERCOT_TZ = "America/Chicago"


class EconomicsInputError(ValueError):
    """The INPUT of ``optimize`` cannot be used (names the file and what is wrong)."""


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 (HiGHS prints its banner from C on first use, which would break ``--json``)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _warm_highs() -> None:
    import highspy

    with quiet_stdout():
        highspy.Highs()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# --------------------------------------------------------------------------- input


def _is_normalized_table(path: Path) -> bool:
    """A Parquet file, or a CSV whose header has the normalized table's columns (else: a raw ERCOT file)."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return True
    if suffix == ".csv":
        header = pd.read_csv(path, nrows=0).columns
        return {"interval_start_utc", "market", "price"} <= {str(c).strip() for c in header}
    return False


def read_input_table(inputs: Sequence[str | Path]) -> tuple[pd.DataFrame, str]:
    """The normalized price table (ADR 0001) of INPUT, and INPUT in words for messages.

    Each INPUT is a normalized table (CSV/Parquet), a raw ERCOT file (anything ``hayeknet normalize``
    reads) or a folder of raw files; raw files are parsed together (a key published twice keeps the later
    row) and the tables combined.
    """
    import pandas as pd

    from hayeknet.commands.inputs import InputPathError, describe_inputs, expand_inputs, parse_raw_files
    from hayeknet.ercot.parse import COLUMNS, KEY_COLUMNS

    try:
        files = expand_inputs(inputs)
    except InputPathError as exc:
        raise EconomicsInputError(str(exc)) from None
    source = describe_inputs(inputs, files)
    tables, raw = [], []
    for path in files:
        if _is_normalized_table(path):
            frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else _read_normalized_csv(path)
            tables.append(_normalized(frame, path, COLUMNS))
        else:
            raw.append(path)
    if raw:
        tables.append(parse_raw_files(raw))
    if len(tables) == 1:
        return tables[0], source
    table = pd.concat(tables, ignore_index=True)
    keys = [c for c in KEY_COLUMNS if c in table.columns]
    return table.drop_duplicates(subset=keys, keep="last").reset_index(drop=True), source


def _read_normalized_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(path, dtype={"as_type": "str"}, keep_default_na=True)


def _normalized(frame: pd.DataFrame, path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    frame = frame.rename(columns=lambda c: str(c).strip())
    missing = [
        c for c in columns if c not in frame.columns and c not in ("interval_end_utc", "report", "location_type")
    ]
    if missing:
        raise EconomicsInputError(f"{path}: normalized table lacks column {missing[0]!r} (ADR 0001)")
    out = frame.copy()
    try:
        out["interval_start_utc"] = pd.to_datetime(out["interval_start_utc"], utc=True)
    except (ValueError, TypeError) as exc:
        raise EconomicsInputError(f"{path}: column 'interval_start_utc' is not a timestamp: {exc}") from None
    out["price"] = pd.to_numeric(out["price"], errors="coerce")
    bad = np.flatnonzero(~np.isfinite(out["price"].to_numpy(float)))
    if bad.size:
        raise EconomicsInputError(f"{path}: row {bad[0] + 1}: field 'price' is not a number")
    if "as_type" not in out:
        out["as_type"] = pd.NA
    out["as_type"] = out["as_type"].where(out["as_type"].notna() & (out["as_type"].astype(str).str.strip() != ""))
    return out


def energy_prices(
    table: pd.DataFrame, location: str, market: str | None = None, source: str = "<input>"
) -> tuple[pd.Series, str, float]:
    """Energy prices ($/MWh) at ``location``: ``(series indexed by UTC interval start, market, dt_hours)``.

    ``market``, or the finest real-time market present for the location
    (:func:`hayeknet.archive.queries.realtime_prices`), else its DAM price; only
    the intervals the table holds (a file may cover part of a day).
    """
    from hayeknet.archive.queries import DAM, REALTIME_MARKETS, PriceQueryError, dam_prices, realtime_prices

    markets = (market,) if market else (*REALTIME_MARKETS, DAM)
    realtime = tuple(m for m in markets if m != DAM)
    if realtime:
        try:
            rt = realtime_prices(table, location, what=source, markets=realtime, complete_days=False)
            return rt.prices, rt.market, rt.dt_hours
        except PriceQueryError as exc:
            if DAM not in markets:
                raise EconomicsInputError(str(exc)) from None
    dam = dam_prices(table, location)
    if dam is None:
        known = _energy_locations(table)
        raise EconomicsInputError(
            f"{source}: no energy price for location {location!r}; locations: {', '.join(known[:15]) or '(none)'}"
        )
    dam.index.name = "interval_start_utc"
    return dam.rename(location), DAM, MARKET_DT_HOURS[DAM]


def day_coverage(prices: pd.Series, dt_hours: float) -> list[tuple[str, int, int]]:
    """``(operating day, intervals priced, intervals in the whole day)`` for each day of ``prices``."""
    from hayeknet.ercot.calendar import expected_intervals, operating_day_of

    days = operating_day_of(prices.index)
    minutes = round(dt_hours * 60)
    out = []
    for day in sorted(set(days)):
        out.append((day.isoformat(), int((days == day).sum()), expected_intervals(day, minutes)))
    return out


def _too_short(coverage: list[tuple[str, int, int]], market: str, dt_hours: float, source: str, location: str) -> str:
    from hayeknet.archive.queries import REPORT_OF_MARKET

    minutes = dt_hours * 60
    day = coverage[0][0]
    folder = f"data/raw/{REPORT_OF_MARKET.get(market, 'NP6-788-CD').lower()}/{day}/"
    spans = "; ".join(f"{_plural(n, 'interval')} ({n * minutes:g} min) of {d}" for d, n, _ in coverage)
    return (
        f"{source} covers {spans} at {location}: too short for a perfect-foresight day (a battery that must end "
        "each day where it started cannot trade within one interval). Give a whole day: a folder of the day's "
        f"raw files ({folder}), an archive partition (artifacts/archive/day={day}/prices.parquet) "
        f"or a normalized table (hayeknet normalize {folder} -o day.parquet)"
    )


def optimize_days(prices: pd.Series, dt_hours: float, spec: BatterySpec) -> list[dict[str, Any]]:
    """Perfect foresight per operating day (America/Chicago), cyclic daily SOC; one dict per day."""
    from hayeknet.battery.optimize import optimize_dispatch

    local_day = prices.index.tz_convert(ERCOT_TZ).date
    out = []
    for day in sorted(set(local_day)):
        values = prices[local_day == day].to_numpy(float)
        res = optimize_dispatch(values, spec, dt_hours)
        out.append(
            {
                "day": day.isoformat(),
                "revenue": res.revenue_usd,
                "degradation_cost": res.degradation_cost_usd,
                "profit": res.profit_usd,
                "charge_mwh": res.charge_mwh,
                "discharge_mwh": res.discharge_mwh,
                "cycles": res.cycles,
            }
        )
    return out


def _energy_locations(table: pd.DataFrame) -> list[str]:
    return sorted(set(table.loc[table["as_type"].isna(), "location"].astype(str)))


def _pick_location(table: pd.DataFrame, requested: str | None, battery: Battery, source: str) -> tuple[str, str]:
    """The settlement point to optimize at, and why: ``--location``, the battery's location, or INPUT's only one."""
    if requested:
        return requested, "--location"
    energy = _energy_locations(table)
    location = battery.spec.location
    if location in energy:
        return location, "battery.location" if battery.params is not None else "the default location"
    if len(energy) == 1:
        return energy[0], f"the only location in INPUT; the battery's is {location}"
    raise EconomicsInputError(
        f"{source}: no price at the battery's location {location}; locations: {', '.join(energy[:15])}"
        + ("..." if len(energy) > 15 else "")
        + "; choose one with --location"
    )


def cmd_optimize(args: argparse.Namespace) -> int:
    battery = resolve_battery(args)
    table, source = read_input_table(args.input)
    location, why = _pick_location(table, args.location, battery, source)
    prices, market, dt_hours = energy_prices(table, location, args.market, source)
    spec = dataclasses.replace(battery.spec, location=location)
    coverage = day_coverage(prices, dt_hours)
    if all(n < 2 for _, n, _ in coverage):
        raise EconomicsInputError(_too_short(coverage, market, dt_hours, source, location))
    _warm_highs()
    days = optimize_days(prices, dt_hours, spec)
    for d, (_, n, whole) in zip(days, coverage):
        d["intervals"], d["whole_day_intervals"] = n, whole
    partial = [f"{day} ({n} of {whole} intervals)" for day, n, whole in coverage if n < whole]
    if args.json:
        out = {
            "location": location,
            "market": market,
            "interval_minutes": dt_hours * 60,
            "battery": battery.to_dict() | {"location": location},
            "days": days,
        }
        print(json.dumps(out, indent=2))
        return 0
    names = ("revenue", "degradation_cost", "profit", "charge_mwh", "discharge_mwh", "cycles")
    total = {k: sum(d[k] for d in days) for k in names}
    print(
        f"perfect foresight at {location} ({why}), {market} prices: {_plural(len(prices), 'interval')} of "
        f"{dt_hours * 60:g} min over {_plural(len(days), 'operating day')}, each day ending at its starting SOC"
    )
    print(battery.describe())
    if partial:
        print("partial days (the optimum over the intervals given only): " + ", ".join(partial))
    print(
        f"{'day':12s} {'revenue $':>13s} {'degradation $':>14s} {'profit $':>13s} {'charge MWh':>11s} "
        f"{'discharge MWh':>14s} {'cycles':>7s}"
    )
    for d in [*(days if args.by_day else []), {"day": "total", **total}]:
        print(
            f"{d['day']:12s} {d['revenue']:13,.2f} {d['degradation_cost']:14,.2f} {d['profit']:13,.2f} "
            f"{d['charge_mwh']:11,.3f} {d['discharge_mwh']:14,.3f} {d['cycles']:7.3f}"
        )
    return 0


# --------------------------------------------------------------------------- backtest


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _json_safe(value: Any) -> Any:
    import numpy as np

    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _check_checkpoint(checkpoint: Path, trusted: bool, paths: Any) -> None:
    """Refuse a ``--checkpoint`` outside the project's ``artifacts/models`` unless ``--trust-checkpoint`` (a
    model.zip unpickles code when loaded: :mod:`hayeknet.agents.trust`); inside, its registry hash is checked
    when it is loaded."""
    from hayeknet.agents.errors import CheckpointError
    from hayeknet.agents.trust import WHY, inside, trust

    if trusted:
        trust(checkpoint)
        return
    models = getattr(paths, "models", None)
    if models is None or not inside(checkpoint, models):
        where = f"under {models}" if models is not None else "inside a HayekNet project"
        raise CheckpointError(
            f"{checkpoint}: refused: not a checkpoint of this project (not {where}); {WHY}. Pass "
            "--trust-checkpoint to load a file you trust"
        )


def cmd_backtest(args: argparse.Namespace) -> int:
    from hayeknet.battery.backtest import STRATEGY_NAMES as KNOWN
    from hayeknet.battery.backtest import run_backtest

    if args.strategy not in KNOWN:  # the parser's list is a copy (commands.strategies); the lineup decides
        raise ValueError(f"unknown strategy {args.strategy!r}; known: {', '.join(KNOWN)}")
    battery = resolve_battery(args)
    low, high = 25.0, 75.0
    if battery.params is not None:
        low = battery.params.simulate.threshold_low_percentile
        high = battery.params.simulate.threshold_high_percentile
    if args.archive:
        archive = Path(args.archive)
    elif battery.paths is not None:
        archive = battery.paths.archive
    else:
        raise FileNotFoundError("not inside a HayekNet project (no params.yaml found): give --archive DIR")
    spec = battery.spec
    if args.checkpoint:
        _check_checkpoint(Path(args.checkpoint), args.trust_checkpoint, battery.paths)
    _warm_highs()
    result = run_backtest(
        archive,
        args.strategy,
        args.start,
        args.end,
        spec.location,
        spec,
        level=args.level,
        checkpoint=Path(args.checkpoint) if args.checkpoint else None,
        low_pct=low,
        high_pct=high,
    )
    if args.json:
        print(json.dumps(_json_safe(result.to_dict() | {"battery": battery.to_dict()}), indent=2))
        return 0
    print(
        f"backtest {args.strategy} at {spec.location}: {_plural(len(result.days), 'day')} from {archive}"
        + (f"; not archived: {', '.join(result.missing_days)}" if result.missing_days else "")
        + (f"; quarantined (skipped): {', '.join(result.quarantined_days)}" if result.quarantined_days else "")
    )
    print(battery.describe())
    cols = ["day", "profit_usd", "pf_profit_usd", "capture_ratio", "cycles", "rainflow_full_cycles"]
    print(result.days[cols].to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    r = result.risk
    print(
        f"total profit ${r.total_profit_usd:,.2f}; mean ${r.mean_daily_profit_usd:,.2f}/day; "
        f"VaR{r.level:.0%} hist ${r.var_historical_usd:,.2f} / param ${r.var_parametric_usd:,.2f}; "
        f"CVaR{r.level:.0%} hist ${r.cvar_historical_usd:,.2f} / param ${r.cvar_parametric_usd:,.2f}; "
        f"Sharpe (x sqrt(365)) {r.sharpe_annualized:.2f}; max drawdown ${r.max_drawdown_usd:,.2f}; "
        f"{r.equivalent_full_cycles:.2f} equivalent full cycles"
    )
    return 0


# --------------------------------------------------------------------------- parser

_BATTERY_PARAGRAPH = textwrap.fill(
    f"The battery is params.yaml's battery section inside a project, else the built-in default "
    f"({DEFAULT_BATTERY_TEXT}); the battery options override single values. The output names the battery "
    "and where it came from.",
    100,
)

OPTIMIZE_DESCRIPTION = """\
Perfect-foresight profit of a battery on the energy prices of INPUT: one linear program per operating
day (America/Chicago) that knows the whole day's prices and ends the day at the SOC it started with,
so a day's profit is the most its prices allow (the bound every strategy is measured against).

INPUT is a normalized table (CSV or Parquet, e.g. an archive partition
artifacts/archive/day=<day>/prices.parquet or the output of hayeknet normalize), a raw ERCOT file
(anything hayeknet normalize reads) or a folder of raw files; several INPUTs are combined. A day needs
more than one interval: one SCED file (NP6-788-CD) is a single 5-minute interval, so give its day's
folder instead. The market is the finest present at the location (RTM_SCED 5-minute, then RTM_15MIN,
then hourly DAM) unless --market names one; only the intervals in INPUT are traded.

"""
OPTIMIZE_DESCRIPTION += _BATTERY_PARAGRAPH + "\n"

OPTIMIZE_EPILOG = """\
examples:
  hayeknet optimize artifacts/archive/day=2025-10-01/prices.parquet --by-day
  hayeknet optimize data/raw/np6-788-cd/2025-10-02/ --location HB_NORTH --power-mw 50 --json

--json prints {"location", "market", "interval_minutes", "battery": {...}, "days": [{"day", "revenue",
"degradation_cost", "profit", "charge_mwh", "discharge_mwh", "cycles", "intervals", "whole_day_intervals"}]}
(dollars, MWh, equivalent full cycles).
"""

BACKTEST_DESCRIPTION = """\
Run one strategy over the archived operating days from --start to --end (artifacts/archive of the
project, or --archive) at one settlement point's 5-minute real-time prices. Each day is simulated on its
own, starting at the battery's initial SOC, with the previous archived day as the strategy's history.
Prints per day the profit, the perfect-foresight profit of the same day, the capture ratio and the
rainflow cycles, then a risk summary of the daily profits: VaR and CVaR at --level (historical and
parametric), the Sharpe ratio annualized by sqrt(365), the maximum drawdown and equivalent full cycles.
The battery is params.yaml's battery section (the heuristic's percentiles its simulate section) inside a
project, else the built-in default; the battery options override single values. Days not archived
are listed and skipped.
"""

BACKTEST_EPILOG = f"""\
strategies (--strategy):
{strategy_list()}

examples:
  hayeknet backtest --strategy mpc_dam --start 2025-10-01 --end 2025-10-03
  hayeknet backtest --strategy ppo_agent --checkpoint artifacts/models/2025-10-02 --start 2025-10-03 \\
      --end 2025-10-03 --json
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``optimize`` and ``backtest`` to the ``hayeknet`` CLI (without importing NumPy or pandas)."""
    raw = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "optimize",
        help="perfect-foresight battery profit per day on raw ERCOT files or a normalized table",
        description=OPTIMIZE_DESCRIPTION,
        epilog=OPTIMIZE_EPILOG,
        formatter_class=raw,
    )
    p.add_argument(
        "input",
        nargs="+",
        metavar="INPUT",
        help="normalized table (.csv/.parquet), raw ERCOT file (MIS CSV, zip, API JSON) or folder of raw files",
    )
    p.add_argument(
        "--market",
        choices=list(MARKET_DT_HOURS),
        help="price market: RTM_SCED (5 min), RTM_15MIN (15 min) or DAM (hourly) (default: the finest present)",
    )
    p.add_argument("--by-day", action="store_true", help="text output: one line per operating day before the total")
    p.add_argument("--json", action="store_true", help="print the result as JSON (shape below) instead of text")
    add_battery_options(
        p,
        location_help="settlement point to optimize at (default: battery.location when INPUT prices it, "
        f"else INPUT's only location; outside a project {DEFAULT_LOCATION})",
    )
    p.set_defaults(func=cmd_optimize)

    p = subparsers.add_parser(
        "backtest",
        help="run a strategy over archived days: per-day results and risk",
        description=BACKTEST_DESCRIPTION,
        epilog=BACKTEST_EPILOG,
        formatter_class=raw,
    )
    p.add_argument(
        "--strategy",
        required=True,
        choices=STRATEGY_NAMES,
        metavar="NAME",
        help="strategy to run, one of the names listed below",
    )
    p.add_argument(
        "--start", required=True, type=_date, metavar="DAY", help="first operating day, YYYY-MM-DD (America/Chicago)"
    )
    p.add_argument("--end", required=True, type=_date, metavar="DAY", help="last operating day, YYYY-MM-DD, inclusive")
    p.add_argument(
        "--archive",
        metavar="DIR",
        help="archive root holding day=<DAY>/prices.parquet (default: the project's artifacts/archive)",
    )
    p.add_argument(
        "--checkpoint",
        metavar="PATH",
        help="PPO model folder (artifacts/models/<day>) or model.zip; needed by --strategy ppo_agent. Only the "
        "project's own checkpoints are loaded (under artifacts/models, sha256 as its registry records), because "
        "a model.zip holds pickled code that runs when it is loaded",
    )
    p.add_argument(
        "--trust-checkpoint",
        action="store_true",
        help="load --checkpoint even from outside the project or without a matching registry: only for a file "
        "you trust (loading it runs the Python objects pickled in it)",
    )
    p.add_argument(
        "--level",
        type=float,
        default=0.95,
        metavar="P",
        help="confidence level of VaR and CVaR, between 0 and 1 (default: 0.95)",
    )
    p.add_argument("--json", action="store_true", help="print per-day rows, the risk summary and the battery as JSON")
    add_battery_options(
        p, location_help=f"settlement point traded (default: battery.location, outside a project {DEFAULT_LOCATION})"
    )
    p.set_defaults(func=cmd_backtest)


__all__ = [
    "MARKET_DT_HOURS",
    "EconomicsInputError",
    "cmd_backtest",
    "cmd_optimize",
    "energy_prices",
    "optimize_days",
    "read_input_table",
    "register",
]
