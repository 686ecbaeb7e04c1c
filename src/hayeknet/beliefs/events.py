"""The three binary market events at the battery location, per 5-minute interval.

For each 5-minute real-time interval of an operating day (UTC start ``t``):

* **high price** ``A``: real-time price ``p_t > high_price_usd_per_mwh``;
* **imbalance** ``B``: ``|p_t - DAM_t| > imbalance_usd_per_mwh``, with ``DAM_t``
  the day-ahead price of the hour holding ``t``;
* **congestion** ``C``: ``|p_t - hub_t| > congestion_usd_per_mwh``, the basis
  between the location and its reference hub in the same interval.

Real-time prices come from :func:`hayeknet.archive.queries.realtime_prices`
(the finest market present: NP6-788-CD, else the NP6-905-CD 15-minute SPP,
each held over its three 5-minute intervals here, the model's time step). The reference hub is the location's zone
hub for a resource node or load zone of the synthetic catalogue, and
``HB_HUBAVG`` for a hub (or any point whose zone is unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.archive.queries import RTM_SCED, PriceQueryError, dam_prices, hold_over, realtime_prices
from hayeknet.ercot import locations

EVENT_NAMES: tuple[str, ...] = ("high_price", "imbalance", "congestion")
"""Event names, in the order A, B, C of :mod:`hayeknet.beliefs.coherence`."""

HUB_AVERAGE = "HB_HUBAVG"


class EventDataError(ValueError):
    """The price table lacks the location, its hub or its day-ahead prices."""


@dataclass(frozen=True)
class EventThresholds:
    """Event thresholds, $/MWh (see the module docstring)."""

    high_price_usd_per_mwh: float = 100.0
    imbalance_usd_per_mwh: float = 20.0
    congestion_usd_per_mwh: float = 10.0

    def __post_init__(self) -> None:
        if self.imbalance_usd_per_mwh <= 0 or self.congestion_usd_per_mwh <= 0:
            raise ValueError("beliefs thresholds: imbalance and congestion thresholds must be > 0 $/MWh")


def default_hub(location: str) -> str:
    """Reference hub of ``location``: its zone's trading hub, or ``HB_HUBAVG`` for hubs and unknown points."""
    if location.startswith("HB_"):
        return HUB_AVERAGE
    for point in locations.default_catalogue(100):
        if point.name == location:
            return f"HB_{point.zone}"
    return HUB_AVERAGE


def _five_minute(
    table: pd.DataFrame, location: str, what: str, markets: tuple[str, ...] | None = None
) -> tuple[str, pd.Series]:
    """(market, real-time price of ``location`` on the 5-minute grid), $/MWh; a 15-minute price is held."""
    try:
        rt = realtime_prices(table, location, markets=markets) if markets else realtime_prices(table, location)
    except PriceQueryError:
        raise EventDataError(f"beliefs: no real-time price for the {what} {location!r} (field location)") from None
    if rt.market == RTM_SCED:
        return rt.market, rt.prices
    grid = pd.date_range(
        rt.prices.index[0], rt.prices.index[-1] + pd.Timedelta(minutes=10), freq="5min", name="interval_start_utc"
    )
    return rt.market, pd.Series(hold_over(rt.prices, grid, "15min"), index=grid, name=location)


def dam_hourly(table: pd.DataFrame, location: str) -> pd.Series:
    """Day-ahead price of ``location`` per hour (index: hour start UTC), $/MWh; empty when absent."""
    dam = dam_prices(table, location)
    return pd.Series(dtype=float, name=location) if dam is None else dam


def interval_quantities(table: pd.DataFrame, location: str, hub: str | None = None) -> pd.DataFrame:
    """Per 5-minute interval of the table: price, day-ahead price, hub price, spread and basis ($/MWh).

    Indexed by ``interval_start_utc``; columns ``price_usd_per_mwh``,
    ``dam_usd_per_mwh`` (NaN where the hour has no DAM price),
    ``hub_usd_per_mwh``, ``spread_usd_per_mwh = price - dam`` and
    ``basis_usd_per_mwh = price - hub``. Raises :class:`EventDataError` when the
    location or hub has no real-time price.
    """
    hub = hub or default_hub(location)
    if hub == location:
        hub = HUB_AVERAGE
    market, price = _five_minute(table, location, "location")
    _, hub_price = _five_minute(table, hub, "reference hub", (market,))
    dam = dam_hourly(table, location)
    hour_start = price.index.floor("h")
    dam_5 = pd.Series(dam.reindex(hour_start).to_numpy(dtype=float), index=price.index)
    return pd.DataFrame(
        {
            "price_usd_per_mwh": price,
            "dam_usd_per_mwh": dam_5,
            "hub_usd_per_mwh": hub_price,
            "spread_usd_per_mwh": price - dam_5,
            "basis_usd_per_mwh": price - hub_price,
        },
        index=price.index,
    )


def interval_events(quantities: pd.DataFrame, thresholds: EventThresholds) -> pd.DataFrame:
    """Boolean events per interval (columns :data:`EVENT_NAMES`); rows lacking an input are dropped."""
    q = quantities.dropna(subset=["price_usd_per_mwh", "spread_usd_per_mwh", "basis_usd_per_mwh"])
    return pd.DataFrame(
        {
            "high_price": q["price_usd_per_mwh"].to_numpy() > thresholds.high_price_usd_per_mwh,
            "imbalance": np.abs(q["spread_usd_per_mwh"].to_numpy()) > thresholds.imbalance_usd_per_mwh,
            "congestion": np.abs(q["basis_usd_per_mwh"].to_numpy()) > thresholds.congestion_usd_per_mwh,
        },
        index=q.index,
    )
