"""Battery economics sub-commands: ``hayeknet optimize`` and ``hayeknet backtest``.

``optimize INPUT [--location NAME] [--market M] [--by-day] [--json]``
    Perfect-foresight profit of the study battery (DESIGN section 5 defaults:
    100 MW / 400 MWh, SOC 10-90 %, start 50 %, 95 % / 95 %, $5/MWh) on the
    energy prices of INPUT, one LP per operating day (America/Chicago) with a
    cyclic daily SOC (every day ends at the SOC it started with). INPUT is a
    raw ERCOT file (MIS CSV, zip or API JSON: anything ``hayeknet normalize``
    reads) or a normalized table (ADR 0001) as CSV or Parquet. The market is
    the finest one present for the location (``RTM_SCED`` 5-minute, then
    ``RTM_15MIN``, then hourly ``DAM``) unless ``--market`` names one; only the
    intervals priced in INPUT are traded. ``--json`` prints
    ``{"days": [{"day", "revenue", "degradation_cost", "profit", "charge_mwh",
    "discharge_mwh", "cycles"}]}`` (dollars, MWh, equivalent full cycles);
    the text output prints the total, and one line per day with ``--by-day``.

``backtest --strategy NAME --start DAY --end DAY [--location NAME] [--archive DIR] [--json]``
    Runs a strategy over the archived days of the project (or ``--archive``)
    and prints per-day results and the risk summary (VaR/CVaR at ``--level``,
    Sharpe annualized by sqrt(365)).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from hayeknet.battery.spec import BatterySpec

#: Markets tried for ``optimize`` when ``--market`` is not given, finest first; interval length in hours.
MARKET_DT_HOURS: dict[str, float] = {"RTM_SCED": 5.0 / 60.0, "RTM_15MIN": 0.25, "DAM": 1.0}
#: Default settlement point when neither ``--location`` nor a project's ``battery.location`` decides.
DEFAULT_LOCATION = "HB_WEST"
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


# --------------------------------------------------------------------------- input


def read_input_table(path: Path) -> pd.DataFrame:
    """The normalized price table (ADR 0001) of INPUT: a normalized CSV/Parquet table or a raw ERCOT file."""
    from hayeknet.ercot.parse import COLUMNS, parse_file

    path = Path(path)
    if not path.exists():
        raise EconomicsInputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        return _normalized(frame, path, COLUMNS)
    if suffix == ".csv":
        header = pd.read_csv(path, nrows=0).columns
        if {"interval_start_utc", "market", "price"} <= {str(c).strip() for c in header}:
            frame = pd.read_csv(path, dtype={"as_type": "str"}, keep_default_na=True)
            return _normalized(frame, path, COLUMNS)
    return parse_file(path)


def _normalized(frame: pd.DataFrame, path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
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
        known = sorted(set(table.loc[table["as_type"].isna(), "location"].astype(str)))
        raise EconomicsInputError(
            f"{source}: no energy price for location {location!r}; locations: {', '.join(known[:15]) or '(none)'}"
        )
    dam.index.name = "interval_start_utc"
    return dam.rename(location), DAM, MARKET_DT_HOURS[DAM]


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


def _project_location() -> str | None:
    try:
        from hayeknet.config import project_paths
        from hayeknet.params import load_params

        return load_params(project_paths().params_file).battery.location
    except Exception:
        return None


def _pick_location(table: pd.DataFrame, requested: str | None, source: str) -> str:
    if requested:
        return requested
    energy = sorted(set(table.loc[table["as_type"].isna(), "location"].astype(str)))
    if len(energy) == 1:
        return energy[0]
    for candidate in (_project_location(), DEFAULT_LOCATION):
        if candidate and candidate in energy:
            return candidate
    raise EconomicsInputError(f"{source}: several locations ({', '.join(energy[:15])}...); choose one with --location")


def cmd_optimize(args: argparse.Namespace) -> int:
    path = Path(args.input)
    table = read_input_table(path)
    location = _pick_location(table, args.location, str(path))
    prices, market, dt_hours = energy_prices(table, location, args.market, str(path))
    spec = BatterySpec()
    _warm_highs()
    days = optimize_days(prices, dt_hours, spec)
    if args.json:
        print(json.dumps({"days": days}, indent=2))
        return 0
    total = {
        k: sum(d[k] for d in days)
        for k in ("revenue", "degradation_cost", "profit", "charge_mwh", "discharge_mwh", "cycles")
    }
    print(
        f"perfect foresight at {location} ({market}, {len(prices)} intervals of {dt_hours * 60:g} min, "
        f"{len(days)} day(s); battery {spec.power_mw:g} MW / {spec.energy_mwh:g} MWh, cyclic daily SOC)"
    )
    header = (
        f"{'day':12s} {'revenue $':>12s} {'degradation $':>14s} {'profit $':>12s} {'charge MWh':>11s} "
        f"{'discharge MWh':>14s} {'cycles':>7s}"
    )
    print(header)
    rows = days if args.by_day else []
    for d in [*rows, {"day": "total", **total}]:
        print(
            f"{d['day']:12s} {d['revenue']:12.2f} {d['degradation_cost']:14.2f} {d['profit']:12.2f} "
            f"{d['charge_mwh']:11.3f} {d['discharge_mwh']:14.3f} {d['cycles']:7.3f}"
        )
    return 0


# --------------------------------------------------------------------------- backtest


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def cmd_backtest(args: argparse.Namespace) -> int:
    from hayeknet.battery.backtest import run_backtest

    spec, location, archive, low, high = BatterySpec(), DEFAULT_LOCATION, None, 25.0, 75.0
    project = getattr(args, "project", None)
    try:
        from hayeknet.config import project_paths
        from hayeknet.params import load_params

        paths = project_paths(Path(project) if project else None)
        params = load_params(paths.params_file)
        spec, location, archive = params.battery, params.battery.location, paths.archive
        low, high = params.simulate.threshold_low_percentile, params.simulate.threshold_high_percentile
    except FileNotFoundError:
        if not args.archive:
            raise
    archive = Path(args.archive) if args.archive else cast(Path, archive)  # else set from the project (or re-raised)
    location = args.location or location
    _warm_highs()
    result = run_backtest(
        archive,
        args.strategy,
        args.start,
        args.end,
        location,
        spec,
        level=args.level,
        checkpoint=Path(args.checkpoint) if args.checkpoint else None,
        low_pct=low,
        high_pct=high,
    )
    if args.json:
        print(json.dumps(_json_safe(result.to_dict()), indent=2))
        return 0
    print(
        f"backtest {args.strategy} at {location}: {len(result.days)} day(s) from {archive}"
        + (f"; not archived: {', '.join(result.missing_days)}" if result.missing_days else "")
    )
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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``optimize`` and ``backtest`` to the ``hayeknet`` CLI."""
    from hayeknet.battery.backtest import STRATEGY_NAMES

    p = subparsers.add_parser(
        "optimize",
        help="perfect-foresight battery profit per day on a raw ERCOT file or a normalized table",
        description=__doc__.split("``backtest")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", help="raw ERCOT file (csv/zip/json) or normalized table (csv/parquet)")
    p.add_argument("--location", help="settlement point (default: the only one, battery.location, or HB_WEST)")
    p.add_argument("--market", choices=sorted(MARKET_DT_HOURS), help="price market (default: finest present)")
    p.add_argument("--by-day", action="store_true", help="text output: one line per operating day")
    p.add_argument("--json", action="store_true", help='print {"days": [...]} as JSON')
    p.set_defaults(func=cmd_optimize)

    p = subparsers.add_parser("backtest", help="run a strategy over archived days: per-day results and risk")
    p.add_argument("--strategy", required=True, choices=STRATEGY_NAMES)
    p.add_argument("--start", required=True, type=_date, help="first operating day (YYYY-MM-DD)")
    p.add_argument("--end", required=True, type=_date, help="last operating day (YYYY-MM-DD)")
    p.add_argument("--location", help="settlement point (default: battery.location)")
    p.add_argument("--archive", help="archive folder (default: the project's artifacts/archive)")
    p.add_argument("--checkpoint", help="PPO model folder or model.zip (strategy ppo_agent)")
    p.add_argument("--level", type=float, default=0.95, help="VaR/CVaR confidence level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print per-day rows and the risk summary as JSON")
    p.set_defaults(func=cmd_backtest)
