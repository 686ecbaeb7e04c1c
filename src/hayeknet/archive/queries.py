"""The one way to ask a day's normalized table (ADR 0001) for prices.

Every stage, command and domain module that needs prices asks here; each
question has one function and every failure is a :class:`PriceQueryError`
naming what was asked (``what``: usually the archive partition), the location
and the market.

Real-time prices: the finest market present
    ERCOT publishes real-time prices twice: NP6-788-CD, the 5-minute LMP of
    every SCED run (market ``RTM_SCED``), and NP6-905-CD, the 15-minute
    settlement point price (``RTM_15MIN``) that settles real-time energy.
    :func:`realtime_prices` answers with ``RTM_SCED`` when the location has at
    least one SCED price that day, otherwise with ``RTM_15MIN``; the answer
    says which (:attr:`RealTimePrices.market`) and at what resolution, so the
    battery trades and settles at the resolution present. The series covers
    every interval of the operating day(s) on that market's regular grid (288,
    276 or 300 five-minute intervals; 96, 92 or 100 fifteen-minute ones);
    intervals without a price are filled from the previous interval (from the
    next one at the start of the day), and the number of filled intervals is
    part of the answer (:attr:`RealTimePrices.n_filled`), never hidden. The
    fill is bounded: more than ``max_filled_minutes`` of fill (by default the
    bound the day's ingest ran with, ``quality.max_filled_minutes``, carried
    in ``table.attrs`` by :func:`hayeknet.pipeline.stages.ingest.read_day`)
    raises :class:`PriceQueryError` instead of inventing the prices.

Day-ahead prices
    :func:`dam_prices`: the hourly NP4-190-CD settlement point price (market
    ``DAM``, index the UTC hour start), or ``None`` when the day has none at
    the location.

Ancillary services
    :func:`as_prices`: the clearing prices of every AS product of one market
    (``DAM``: NP4-188-CD hourly MCPCs; ``RTM_15MIN``: NP6-331-CD 15-minute
    real-time MCPCs under RTC+B), one column per product, $/MW per hour.

Wide tables
    :func:`wide_prices`: one market's energy prices, one column per location;
    :func:`location_column` picks one location out of such a table.

Many locations at once
    :func:`realtime_prices_by_location` and :func:`dam_prices_by_location`
    answer :func:`realtime_prices` and :func:`dam_prices` for every location of
    a day with one pivot per market (the siting sweep asks ~1,100 locations a
    day; one pivot per location would take minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.ercot.calendar import interval_starts_utc, operating_day_of
from hayeknet.ercot.locations import LOAD_ZONE_DC_EW, LOAD_ZONE_EW

RTM_SCED = "RTM_SCED"
RTM_15MIN = "RTM_15MIN"
DAM = "DAM"
REALTIME_MARKETS: tuple[str, ...] = (RTM_SCED, RTM_15MIN)
"""Real-time energy markets, finest first: the order :func:`realtime_prices` tries them."""
INTERVAL_MINUTES: dict[str, int] = {RTM_SCED: 5, RTM_15MIN: 15, DAM: 60}
"""Interval length of each market's regular grid, minutes."""
REPORT_OF_MARKET: dict[str, str] = {RTM_SCED: "NP6-788-CD", RTM_15MIN: "NP6-905-CD", DAM: "NP4-190-CD"}
"""The ERCOT report each market's energy prices come from."""


class PriceQueryError(LookupError):
    """A price asked of a day's table is not there (names the table, the location and the market)."""


@dataclass(frozen=True)
class RealTimePrices:
    """Real-time prices at one location over the operating day(s) of a table.

    ``prices``: $/MWh, index ``interval_start_utc`` (UTC), the regular grid of
    ``market``; ``n_filled``: intervals that had no price at the location and
    were filled (forward, then backward at the start).
    """

    location: str
    market: str
    prices: pd.Series
    n_filled: int
    max_filled: int | None = None

    @property
    def interval_minutes(self) -> int:
        return INTERVAL_MINUTES[self.market]

    @property
    def dt_hours(self) -> float:
        """Interval length in hours (1/12 for SCED, 1/4 for the settlement point price)."""
        return self.interval_minutes / 60.0

    @property
    def report(self) -> str:
        return REPORT_OF_MARKET[self.market]

    def describe(self) -> str:
        """One sentence for metrics and reports: which prices, at what resolution, how many filled."""
        text = f"{self.report} {self.interval_minutes}-minute real-time prices at {self.location}"
        if self.n_filled:
            bound = f"; at most {self.max_filled} may be" if self.max_filled is not None else ""
            text += f" ({self.n_filled} of {len(self.prices)} intervals had no price and were filled{bound})"
        return text


def regular_grid(days: Sequence[object], minutes: int) -> pd.DatetimeIndex:
    """Every interval start (UTC) of the operating ``days``, every ``minutes`` minutes, in order."""
    pieces = [interval_starts_utc(d, minutes) for d in days]  # type: ignore[arg-type]
    grid = pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]
    grid = pd.DatetimeIndex(grid).astype("datetime64[ns, UTC]")
    grid.name = "interval_start_utc"
    return grid


def wide_prices(table: pd.DataFrame, market: str = RTM_SCED, energy_weighted: bool = False) -> pd.DataFrame:
    """Wide price matrix of one market: index ``interval_start_utc``, one column per location, $/MWh.

    Energy rows only (``as_type`` NA). Where a load zone has both a plain and an
    energy-weighted row (NP6-905-CD), the plain one is used unless
    ``energy_weighted``. A real-time market's index is its regular grid over
    every operating day present (``RTM_SCED``: 288 five-minute intervals,
    276/300 on DST days; ``RTM_15MIN``: 96, 92/100); missing intervals are NaN.
    """
    rows = table[(table["market"] == market) & table["as_type"].isna()]
    weighted = {LOAD_ZONE_EW, LOAD_ZONE_DC_EW}
    if energy_weighted:
        # Prefer the energy-weighted row where a location has one.
        has_ew = set(rows.loc[rows["location_type"].isin(weighted), "location"])
        rows = rows[~(rows["location"].isin(has_ew) & ~rows["location_type"].isin(weighted))]
    else:
        rows = rows[~rows["location_type"].isin(weighted)]
    wide = rows.pivot_table(index="interval_start_utc", columns="location", values="price", aggfunc="last", sort=True)
    wide.columns = pd.Index([str(c) for c in wide.columns], name="location")
    wide.index = pd.DatetimeIndex(wide.index).astype("datetime64[ns, UTC]")
    wide.index.name = "interval_start_utc"
    if market in REALTIME_MARKETS and len(wide):
        wide = wide.reindex(regular_grid(sorted(set(operating_day_of(wide.index))), INTERVAL_MINUTES[market]))
    return wide.astype(np.float64)


def realtime_wide(table: pd.DataFrame, *, what: str = "day table") -> tuple[str, pd.DataFrame]:
    """``(market, wide prices)`` of the finest real-time market the table holds any price of
    (NP6-788-CD, else NP6-905-CD; module docstring); :class:`PriceQueryError` when it holds neither."""
    for market in REALTIME_MARKETS:
        wide = wide_prices(table, market=market)
        if wide.shape[1] and wide.notna().to_numpy().any():
            return market, wide
    reports = " or ".join(REPORT_OF_MARKET[m] for m in REALTIME_MARKETS)
    raise PriceQueryError(f"{what}: no real-time price at any settlement point ({reports})")


def location_column(wide: pd.DataFrame, location: str, *, what: str = "prices") -> pd.Series:
    """The column of ``location`` in a wide price table ($/MWh, UTC index, sorted), NaNs dropped."""
    if location not in wide.columns:
        known = ", ".join(map(str, list(wide.columns)[:10]))
        raise PriceQueryError(f"{what}: no column for location {location!r} (columns: {known})")
    series = wide[location].astype(float).sort_index().dropna()
    if not isinstance(series.index, pd.DatetimeIndex) or series.index.tz is None:
        raise PriceQueryError(f"{what}: index interval_start_utc must be timezone-aware (UTC)")
    return series


def realtime_prices(
    table: pd.DataFrame,
    location: str,
    *,
    what: str = "day table",
    markets: Sequence[str] = REALTIME_MARKETS,
    complete_days: bool = True,
    max_filled_minutes: int | None = None,
) -> RealTimePrices:
    """Real-time prices ($/MWh) at ``location``: the finest market present (module docstring).

    ``markets`` narrows the choice (e.g. ``(prices.market,)`` to ask a second
    location on the first one's market). ``complete_days=False`` returns only
    the intervals the table holds (no grid, no fill: for a file that covers
    part of a day). ``max_filled_minutes`` bounds the fill (default
    ``table.attrs["max_filled_minutes"]``, unbounded when neither is set).
    Raises :class:`PriceQueryError` when the location has no price in any of
    ``markets``, listing a few locations that do, or when more would be filled
    than the bound allows.
    """
    if max_filled_minutes is None:
        bound = table.attrs.get("max_filled_minutes")
        max_filled_minutes = int(bound) if isinstance(bound, (int, np.integer)) else None
    seen: list[str] = []
    for market in markets:
        wide = wide_prices(table, market=market)
        if location in wide.columns and wide[location].notna().any():
            column = wide[location]  # on the market's regular grid (wide_prices)
            if not complete_days:
                column = column.dropna()
            n_filled = int(column.isna().sum())
            limit = None if max_filled_minutes is None else max_filled_minutes // INTERVAL_MINUTES[market]
            if limit is not None and n_filled > limit:
                raise PriceQueryError(
                    f"{what}: {n_filled} of {len(column)} {REPORT_OF_MARKET[market]} intervals have no price at "
                    f"{location}, more than quality.max_filled_minutes ({max_filled_minutes} min = {limit} "
                    "intervals) lets the query layer fill"
                )
            series = column.ffill().bfill().astype(float).rename(location)
            series.index.name = "interval_start_utc"
            return RealTimePrices(location, market, series, n_filled, limit)
        seen += [c for c in wide.columns if c not in seen]
    sample = ", ".join(sorted(seen)[:12]) or "none"
    reports = " or ".join(REPORT_OF_MARKET[m] for m in markets)
    raise PriceQueryError(
        f"{what}: no real-time price ({reports}) for settlement point {location!r}; "
        f"locations with one: {sample}{'...' if len(seen) > 12 else ''}"
    )


def dam_prices(table: pd.DataFrame, location: str) -> pd.Series | None:
    """Hourly DAM settlement point price ($/MWh, index UTC hour start) at ``location``; None when absent."""
    dam = wide_prices(table, market=DAM)
    if location not in dam.columns or not dam[location].notna().any():
        return None
    return dam[location].dropna().astype(float)


def as_prices(table: pd.DataFrame, market: str) -> pd.DataFrame:
    """AS clearing prices of ``market`` ($/MW per hour), index UTC interval start, one column per product
    (upper case); an empty frame when the table has none."""
    rows = table[(table["market"] == market) & table["as_type"].notna()]
    if rows.empty:
        return pd.DataFrame()
    wide = rows.pivot_table(index="interval_start_utc", columns="as_type", values="price", aggfunc="last")
    wide.index = pd.DatetimeIndex(wide.index).tz_convert("UTC")
    wide.columns = [str(c).upper() for c in wide.columns]
    return wide.astype(float)


def hold_over(series: pd.Series, index: pd.DatetimeIndex, period: str) -> np.ndarray:
    """Values of a coarser series (UTC period starts, ``period`` ``"15min"`` or ``"h"``) held over each
    interval of the finer ``index``: the value of the period holding the interval's start (NaN where none)."""
    return series.reindex(pd.DatetimeIndex(index).tz_convert("UTC").floor(period)).to_numpy(dtype=float)


def dam_on_grid(dam: pd.Series | None, index: pd.DatetimeIndex) -> np.ndarray | None:
    """The hourly DAM price held over every interval of ``index`` ($/MWh), gaps filled from the nearest
    earlier (else later) hour; None without a DAM price or when an hour stays unfilled."""
    if dam is None:
        return None
    hourly = dam.copy()
    hourly.index = pd.DatetimeIndex(hourly.index).tz_convert("UTC")
    values = hourly.reindex(pd.DatetimeIndex(index).tz_convert("UTC").floor("h")).ffill().bfill().to_numpy(dtype=float)
    return None if np.isnan(values).any() else values


def realtime_prices_by_location(
    table: pd.DataFrame,
    locations: Sequence[str] | None = None,
    *,
    markets: Sequence[str] = REALTIME_MARKETS,
) -> dict[str, RealTimePrices]:
    """:func:`realtime_prices` of many locations at once: one wide table per market instead of one per location.

    Every answer equals ``realtime_prices(table, location, markets=markets)``
    (the finest market where the location has a price, on that market's regular
    grid, gaps filled and counted). ``locations`` None: every location with a
    real-time price; a location without one is left out of the answer (the
    caller says what that means), never an error.
    """
    wides = [(market, wide_prices(table, market=market)) for market in markets]
    wanted = None if locations is None else list(dict.fromkeys(locations))
    out: dict[str, RealTimePrices] = {}
    for market, wide in wides:
        if wide.empty:
            continue
        has_price = wide.notna().any(axis=0)
        names = [c for c in wide.columns if has_price[c]] if wanted is None else wanted
        for location in names:
            if location in out or location not in wide.columns or not has_price[location]:
                continue
            column = wide[location]
            n_filled = int(column.isna().sum())
            series = column.ffill().bfill().astype(float).rename(location)
            series.index.name = "interval_start_utc"
            out[location] = RealTimePrices(location, market, series, n_filled)
    return out


def dam_prices_by_location(table: pd.DataFrame, locations: Sequence[str]) -> dict[str, pd.Series | None]:
    """:func:`dam_prices` of many locations from one wide table: ``{location: hourly DAM or None}``."""
    dam = wide_prices(table, market=DAM)
    out: dict[str, pd.Series | None] = {}
    for location in locations:
        if location not in dam.columns or not dam[location].notna().any():
            out[location] = None
        else:
            out[location] = dam[location].dropna().astype(float)
    return out
