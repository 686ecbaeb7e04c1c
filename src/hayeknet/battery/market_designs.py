"""ERCOT market designs compared on one operating day: "SCED today" versus RTC+B.

Both designs are solved under **perfect foresight of the day's prices**
(real-time energy, real-time AS MCPCs, day-ahead prices): the comparison
isolates what the market design is worth to the battery, not forecasting skill.
Capacity payments only: AS deployment energy is not modelled (see
:mod:`hayeknet.battery.cooptimize`), and every AS award is backed by SOC and
power headroom per the NPRR1282 duration rules in both designs.

SCED today (before RTC+B)
    1. *Day ahead*: hourly co-optimization of energy at the DAM settlement
       point price (the day-ahead energy price stands in for the energy price
       expected in real time; without DAM energy prices, the hourly mean of the
       real-time price is used, stated in ``dam_energy_source``) and of the
       five AS products at the DAM MCPCs. Only the **AS awards** are kept:
       hourly, fixed for the operating day, paid the DAM MCPC
       (``award_mw * MCPC * hours``).
    2. *Real time*: the energy schedule is re-optimized at the 5-minute
       real-time prices with the awards fixed, i.e. the SOC and power the awards
       need are held back in every interval. The day-ahead plan itself is
       feasible for this problem, so it always has a solution.

RTC+B (since 2025-12-05)
    Energy and the five AS products co-optimized every 5 minutes at the
    real-time AS MCPCs (NP6-331-CD, 15-minute prices held over their three
    5-minute intervals).

Both designs start and end the day at the same SOC (``spec.soc_initial_mwh``
unless given). Revenue is reported by stream (energy, each AS product),
with degradation and profit, and the difference RTC+B minus SCED today.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from hayeknet.archive.queries import (
    DAM,
    RTM_15MIN,
    PriceQueryError,
    as_prices,
    dam_prices,
    hold_over,
    realtime_prices,
)
from hayeknet.battery.cooptimize import AS_DURATION_HOURS, check_as_backing, optimize_energy_and_as
from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.ledger import StrategyResult, simulate_schedule, summarize
from hayeknet.battery.spec import BatterySpec

SCED_TODAY = "sced_today"
RTC_B = "rtc_b"
#: AS products in reporting order.
AS_PRODUCTS: tuple[str, ...] = tuple(AS_DURATION_HOURS)
#: Day-ahead awards are rounded down to this many MW so that HiGHS's last-digit
#: noise can never make the real-time problem (with the awards fixed) infeasible.
AWARD_RESOLUTION_MW = 1e-6

AsPrices: TypeAlias = Mapping[str, pd.Series] | pd.DataFrame


class MarketDataError(ValueError):
    """Prices needed by a market design are missing or misaligned (names product and interval)."""


def _price_series(name: str, series: pd.Series) -> pd.Series:
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise MarketDataError(f"{name}: expected a pandas Series indexed by interval_start_utc")
    if series.index.tz is None:
        raise MarketDataError(f"{name}: index must be timezone-aware (UTC)")
    out = series.astype(float)
    out.index = out.index.tz_convert("UTC")
    if out.index.has_duplicates:
        raise MarketDataError(f"{name}: duplicate interval {out.index[out.index.duplicated()][0]}")
    return out.sort_index()


def _as_mapping(name: str, prices: AsPrices | None) -> dict[str, pd.Series]:
    if prices is None:
        return {}
    items = prices.items() if isinstance(prices, pd.DataFrame) else dict(prices).items()
    out: dict[str, pd.Series] = {}
    for key, series in items:
        product = str(key).upper()
        if product not in AS_DURATION_HOURS:
            raise MarketDataError(f"{name}: unknown AS product {key!r} (known: {', '.join(AS_PRODUCTS)})")
        out[product] = _price_series(f"{name}[{product}]", series)
    return out


def align_to_intervals(name: str, series: pd.Series, index: pd.DatetimeIndex, period: str) -> np.ndarray:
    """Values of a coarser price series (period ``"15min"`` or ``"h"``) held over the finer ``index``.

    Each interval of ``index`` gets the price of the period containing its
    start. Raises :class:`MarketDataError` naming the first interval with no price.
    """
    keys = index.floor(period)
    values = hold_over(series, index, period)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise MarketDataError(f"{name}: no price for the {period} period starting {keys[bad[0]].isoformat()}")
    return values


@dataclass(frozen=True, eq=False)
class DesignOutcome:
    """One market design on one day.

    ``ledger``: ADR 0001 ledger at the real-time energy price with ``as_cash_usd``
    filled; ``awards_mw``: AS capacity per interval (index ``interval_start_utc``,
    one column per product, MW); ``as_cash_by_product_usd``: capacity payments
    per product ($); ``summary``: the ledger's totals; ``method``: ``lp``/``milp``.
    """

    design: str
    ledger: pd.DataFrame
    awards_mw: pd.DataFrame
    as_cash_by_product_usd: dict[str, float]
    summary: StrategyResult
    method: str

    def revenue_by_stream(self) -> dict[str, float]:
        """Dollars: ``energy``, one entry per AS product, ``as_total``, ``revenue``, ``degradation``, ``profit``."""
        s = self.summary
        streams = {"energy": s.energy_cash_usd}
        streams.update({k: self.as_cash_by_product_usd.get(k, 0.0) for k in AS_PRODUCTS})
        streams.update(
            {
                "as_total": s.as_cash_usd,
                "revenue": s.revenue_usd,
                "degradation": s.degradation_cost_usd,
                "profit": s.profit_usd,
            }
        )
        return streams

    def mean_awards_mw(self) -> dict[str, float]:
        return {k: float(self.awards_mw[k].mean()) if k in self.awards_mw else 0.0 for k in AS_PRODUCTS}


@dataclass(frozen=True, eq=False)
class MarketDesignResult:
    """Both designs on the same day; ``difference_usd`` is RTC+B minus SCED today, per stream."""

    sced_today: DesignOutcome
    rtc_b: DesignOutcome
    dam_energy_source: str

    def difference_usd(self) -> dict[str, float]:
        a, b = self.sced_today.revenue_by_stream(), self.rtc_b.revenue_by_stream()
        return {k: b[k] - a[k] for k in a}

    def ledgers(self) -> dict[str, pd.DataFrame]:
        return {SCED_TODAY: self.sced_today.ledger, RTC_B: self.rtc_b.ledger}

    def revenue_table(self) -> pd.DataFrame:
        """Streams (rows) by design (columns ``sced_today``, ``rtc_b``, ``difference``), dollars."""
        return pd.DataFrame(
            {
                SCED_TODAY: self.sced_today.revenue_by_stream(),
                RTC_B: self.rtc_b.revenue_by_stream(),
                "difference": self.difference_usd(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: per design totals, revenue by stream, mean awards; the difference."""

        def one(o: DesignOutcome) -> dict[str, Any]:
            return {
                "revenue_by_stream_usd": o.revenue_by_stream(),
                "mean_award_mw": o.mean_awards_mw(),
                "totals": o.summary.to_dict(),
                "method": o.method,
            }

        return {
            "available": True,
            "foresight": "perfect foresight of the day's prices (both designs)",
            "dam_energy_source": self.dam_energy_source,
            SCED_TODAY: one(self.sced_today),
            RTC_B: one(self.rtc_b),
            "difference_usd": self.difference_usd(),
        }


def _outcome(
    design: str,
    index: pd.DatetimeIndex,
    prices: np.ndarray,
    charge: np.ndarray,
    discharge: np.ndarray,
    awards: dict[str, np.ndarray],
    as_prices: dict[str, np.ndarray],
    spec: BatterySpec,
    dt: float,
    soc0: float,
    method: str,
) -> DesignOutcome:
    check_as_backing(charge, discharge, awards, spec, dt, soc0, index)
    cash = {k: as_prices[k] * awards[k] * dt for k in awards}
    total_cash = np.sum([cash[k] for k in cash], axis=0) if cash else np.zeros(len(index))
    ledger = simulate_schedule(index, prices, charge, discharge, spec, dt, soc0, as_cash_usd=total_cash)
    frame = pd.DataFrame({k: awards.get(k, np.zeros(len(index))) for k in AS_PRODUCTS}, index=index)
    frame.index.name = "interval_start_utc"
    return DesignOutcome(
        design=design,
        ledger=ledger,
        awards_mw=frame,
        as_cash_by_product_usd={k: float(v.sum()) for k, v in cash.items()},
        summary=summarize(ledger, spec),
        method=method,
    )


def _interval_hours(index: pd.DatetimeIndex) -> float:
    if len(index) < 1:
        raise MarketDataError("rt_prices_5min: no intervals")
    if len(index) == 1:
        return 5.0 / 60.0
    steps = np.diff(index.asi8)
    if not np.all(steps == steps[0]):
        raise MarketDataError("rt_prices_5min: intervals are not a regular grid (fill gaps first)")
    return float(steps[0] / 3.6e12)


def compare_market_designs(
    rt_prices_5min: pd.Series,
    rt_as_prices_15min: AsPrices,
    dam_as_prices_hourly: AsPrices,
    spec: BatterySpec,
    dam_energy_prices_hourly: pd.Series | None = None,
    soc_start_mwh: float | None = None,
) -> MarketDesignResult:
    """SCED today versus RTC+B on one day (see module doc), both under perfect foresight.

    Args:
        rt_prices_5min: real-time energy price ($/MWh) per interval, index
            ``interval_start_utc`` (UTC), a regular 5-minute grid covering whole hours.
        rt_as_prices_15min: product -> real-time MCPC ($/MW per hour) per
            15-minute interval (``Mapping`` of Series or a DataFrame with one column
            per product). Products absent here are not offered under RTC+B.
        dam_as_prices_hourly: product -> DAM MCPC ($/MW per hour) per hour
            (index: UTC hour start). Products absent are not offered under SCED today.
        spec: the battery.
        dam_energy_prices_hourly: DAM settlement point price ($/MWh) per hour at
            the battery's location; ``None`` uses the hourly mean of ``rt_prices_5min``.
        soc_start_mwh: SOC at the start (and end) of the day; ``spec.soc_initial_mwh`` if None.

    Raises:
        MarketDataError: a price needed is missing, or the grid is irregular or
            does not cover whole hours.
    """
    rt = _price_series("rt_prices_5min", rt_prices_5min)
    index = pd.DatetimeIndex(rt.index).as_unit("ns")
    prices = rt.to_numpy(dtype=float)
    if not np.all(np.isfinite(prices)):
        bad = int(np.flatnonzero(~np.isfinite(prices))[0])
        raise MarketDataError(f"rt_prices_5min: no price at {index[bad].isoformat()}")
    dt = _interval_hours(index)
    soc0 = spec.soc_initial_mwh if soc_start_mwh is None else float(soc_start_mwh)
    rt_as = _as_mapping("rt_as_prices_15min", rt_as_prices_15min)
    dam_as = _as_mapping("dam_as_prices_hourly", dam_as_prices_hourly)

    # Hours of the day, each fully covered by the real-time grid.
    hour_of = index.floor("h")
    hours = pd.DatetimeIndex(hour_of.unique())
    per_hour = round(1.0 / dt)
    counts = pd.Series(1, index=hour_of).groupby(level=0).size()
    short = counts[counts != per_hour]
    if not np.isclose(per_hour * dt, 1.0) or len(short):
        where = short.index[0].isoformat() if len(short) else "every hour"
        raise MarketDataError(
            f"rt_prices_5min: hour {where} is not covered by {per_hour} intervals of {dt * 60:g} minutes"
        )
    hour_pos = hours.get_indexer(hour_of)

    # --- SCED today: day-ahead AS awards, then real-time energy around them.
    if dam_energy_prices_hourly is not None:
        dam_energy = align_to_intervals(
            "dam_energy_prices_hourly", _price_series("dam_energy_prices_hourly", dam_energy_prices_hourly), hours, "h"
        )
        source = "DAM settlement point price"
    else:
        dam_energy = rt.groupby(hour_of).mean().reindex(hours).to_numpy(dtype=float)
        source = "hourly mean of the real-time price (no DAM energy price given; perfect foresight)"
    dam_as_hourly = {k: align_to_intervals(f"dam_as_prices_hourly[{k}]", s, hours, "h") for k, s in dam_as.items()}
    if dam_as_hourly:
        day_ahead = optimize_energy_and_as(dam_energy, dam_as_hourly, spec, 1.0, soc_start_mwh=soc0)
        awards_hourly = {
            k: np.floor(np.clip(v, 0.0, None) / AWARD_RESOLUTION_MW) * AWARD_RESOLUTION_MW
            for k, v in day_ahead.awards_mw.items()
        }
    else:
        awards_hourly = {}
    sced_awards = {k: v[hour_pos] for k, v in awards_hourly.items()}
    sced_as_prices = {k: v[hour_pos] for k, v in dam_as_hourly.items()}
    rt_solve = optimize_energy_and_as(prices, sced_as_prices, spec, dt, soc_start_mwh=soc0, fixed_awards_mw=sced_awards)
    sced = _outcome(
        SCED_TODAY,
        index,
        prices,
        rt_solve.dispatch.charge_mw,
        rt_solve.dispatch.discharge_mw,
        sced_awards,
        sced_as_prices,
        spec,
        dt,
        soc0,
        rt_solve.dispatch.method,
    )

    # --- RTC+B: energy and AS co-optimized at real-time MCPCs.
    rtcb_as_prices = {k: align_to_intervals(f"rt_as_prices_15min[{k}]", s, index, "15min") for k, s in rt_as.items()}
    co = optimize_energy_and_as(prices, rtcb_as_prices, spec, dt, soc_start_mwh=soc0)
    rtcb = _outcome(
        RTC_B,
        index,
        prices,
        co.dispatch.charge_mw,
        co.dispatch.discharge_mw,
        co.awards_mw,
        rtcb_as_prices,
        spec,
        dt,
        soc0,
        co.dispatch.method,
    )
    return MarketDesignResult(sced_today=sced, rtc_b=rtcb, dam_energy_source=source)


def simulate_day_designs(day_table: pd.DataFrame, spec: BatterySpec) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """SCED today versus RTC+B at ``spec.location`` for the simulate stage: ``(summary, ledgers)``.

    ``summary`` is :meth:`MarketDesignResult.to_dict` plus ``location``; when a
    needed price is missing (e.g. no NP6-331-CD before RTC+B's go-live), it is
    ``{"available": False, "reason": ..., "location": ...}`` and ``ledgers`` is
    empty. ``ledgers`` maps ``sced_today`` and ``rtc_b`` to ADR 0001 ledgers.
    """
    location = spec.location
    try:
        rt = realtime_prices(day_table, location).prices
        rt_as, dam_as = as_prices(day_table, RTM_15MIN), as_prices(day_table, DAM)
        dam_energy = dam_prices(day_table, location)
        if rt_as.empty:
            raise MarketDataError(
                "not computed: no real-time AS clearing prices for this day (NP6-331-CD; ERCOT publishes them "
                "from RTC+B's go-live on 2025-12-05)"
            )
        if dam_as.empty:
            raise MarketDataError("not computed: no day-ahead AS clearing prices for this day (NP4-188-CD)")
        result = compare_market_designs(rt, rt_as, dam_as, spec, dam_energy_prices_hourly=dam_energy)
    except (MarketDataError, PriceQueryError, ScheduleInputError) as exc:
        return {"available": False, "reason": str(exc), "location": location}, {}
    summary = result.to_dict()
    summary["location"] = location
    summary["battery"] = dataclasses.asdict(spec)
    return summary, result.ledgers()
