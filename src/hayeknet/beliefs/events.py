"""The three binary market events at the battery location, per real-time interval.

For each real-time interval of an operating day (UTC start ``t``; 5 minutes
where the day has SCED LMPs, 15 minutes where it has only settlement point prices):

* **high price** ``A``: real-time price ``p_t > high_price_usd_per_mwh``;
* **imbalance** ``B``: ``|p_t - DAM_t| > imbalance_usd_per_mwh``, with ``DAM_t``
  the day-ahead price of the hour holding ``t``;
* **congestion** ``C``: ``|p_t - hub_t| > congestion_usd_per_mwh``, the basis
  between the location and its reference hub in the same interval.

Real-time prices come from :func:`hayeknet.archive.queries.realtime_prices`
(the finest market present: NP6-788-CD, else the NP6-905-CD 15-minute SPP),
at that market's own resolution. The reference hub is decided by the caller
(the beliefs stage asks the day's network: the synthetic grid's zone hub
(:func:`default_hub`), a real node's hub from ERCOT's settlement point
mapping, or the ``beliefs.hub`` parameter); without one there is no basis and
the congestion event is not defined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.archive.queries import PriceQueryError, dam_prices, realtime_prices
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


def default_hub(location: str) -> str | None:
    """Reference hub of ``location`` in the *synthetic* market: its zone's trading hub, ``HB_HUBAVG`` for a
    trading hub or a point outside the catalogue, None for the hub average itself (it has no basis)."""
    if location in locations.HUB_AVERAGE_NAMES:
        return None
    if location.startswith("HB_"):
        return HUB_AVERAGE
    for point in locations.default_catalogue(100):
        if point.name == location:
            return f"HB_{point.zone}"
    return HUB_AVERAGE


def _realtime(
    table: pd.DataFrame, location: str, what: str, markets: tuple[str, ...] | None = None
) -> tuple[str, pd.Series]:
    """(market, real-time price of ``location`` at that market's resolution), $/MWh."""
    try:
        rt = realtime_prices(table, location, markets=markets) if markets else realtime_prices(table, location)
    except PriceQueryError:
        raise EventDataError(f"beliefs: no real-time price for the {what} {location!r} (field location)") from None
    return rt.market, rt.prices


def dam_hourly(table: pd.DataFrame, location: str) -> pd.Series:
    """Day-ahead price of ``location`` per hour (index: hour start UTC), $/MWh; empty when absent."""
    dam = dam_prices(table, location)
    return pd.Series(dtype=float, name=location) if dam is None else dam


def interval_quantities(table: pd.DataFrame, location: str, hub: str | None) -> pd.DataFrame:
    """Per real-time interval of the table: price, day-ahead price, spread and, with a reference ``hub``,
    the hub's price and the basis ($/MWh).

    Indexed by ``interval_start_utc``; columns ``price_usd_per_mwh``,
    ``dam_usd_per_mwh`` (NaN where the hour has no DAM price),
    ``spread_usd_per_mwh = price - dam`` and, when ``hub`` is given (and is not
    the location itself), ``hub_usd_per_mwh`` and ``basis_usd_per_mwh = price - hub``
    on the location's market. Raises :class:`EventDataError` when the location
    or the hub has no real-time price.
    """
    market, price = _realtime(table, location, "location")
    dam = dam_hourly(table, location)
    hour_start = price.index.floor("h")
    dam_t = pd.Series(dam.reindex(hour_start).to_numpy(dtype=float), index=price.index)
    columns = {"price_usd_per_mwh": price, "dam_usd_per_mwh": dam_t, "spread_usd_per_mwh": price - dam_t}
    if hub is not None and hub != location:
        _, hub_price = _realtime(table, hub, "reference hub", (market,))
        columns |= {"hub_usd_per_mwh": hub_price, "basis_usd_per_mwh": price - hub_price}
    return pd.DataFrame(columns, index=price.index)


def has_basis(quantities: pd.DataFrame) -> bool:
    """Whether the quantities carry a basis to a reference hub (and so the congestion event)."""
    return "basis_usd_per_mwh" in quantities.columns


def interval_events(quantities: pd.DataFrame, thresholds: EventThresholds) -> pd.DataFrame:
    """Boolean events per interval (columns :data:`EVENT_NAMES`, ``congestion`` only with a basis); rows
    lacking an input are dropped."""
    inputs = ["price_usd_per_mwh", "spread_usd_per_mwh", *(["basis_usd_per_mwh"] if has_basis(quantities) else [])]
    q = quantities.dropna(subset=inputs)
    events = {
        "high_price": q["price_usd_per_mwh"].to_numpy() > thresholds.high_price_usd_per_mwh,
        "imbalance": np.abs(q["spread_usd_per_mwh"].to_numpy()) > thresholds.imbalance_usd_per_mwh,
    }
    if has_basis(quantities):
        events["congestion"] = np.abs(q["basis_usd_per_mwh"].to_numpy()) > thresholds.congestion_usd_per_mwh
    return pd.DataFrame(events, index=q.index)
