"""ERCOT's price rules by period and report: the bounds the data-quality gates and the forecasts use.

* **Offer floor** (energy): -$250/MWh; a price below ``-$251`` (a dollar of
  slack for rounding and adders) is outside what offers set.
* **System-wide offer cap** (HCAP): $5,000/MWh from 2022-01-01 (PUCT's
  post-Uri rule), $9,000/MWh before (the value in force from mid-2015; earlier
  caps were lower, so the bound is loose, never wrong, for those years).
* **Ancillary services**: clearing prices (DAM MCPC NP4-188-CD, real-time
  MCPC NP6-331-CD) lie between $0 and the same cap ($/MW per hour).

These are the *market* bounds. A settlement-point or nodal LMP can pass them
when transmission constraints bind (the LMP adds shift factor times shadow
price for every binding constraint), so a price outside them is a
rare-but-possible extreme: it is **flagged** and shown in the report, never
quietly used or dropped. What no market rule allows at all (a non-finite
price, text where a price belongs, or a magnitude beyond
:data:`IMPLAUSIBLE_MULTIPLE` times the cap, e.g. an LMP of 1e9) is a data
error and **quarantines** the day (:mod:`hayeknet.archive.quality`).
"""

from __future__ import annotations

import datetime as dt

from hayeknet.ercot.calendar import as_date

OFFER_FLOOR_USD_PER_MWH = -250.0
"""ERCOT's energy offer floor."""
SLACK_USD_PER_MWH = 1.0
"""Slack on either market bound (rounding of published prices)."""
CAP_USD_PER_MWH: tuple[tuple[dt.date, float], ...] = ((dt.date(2022, 1, 1), 5000.0),)
"""(first day, system-wide offer cap) in force from that day on; before the first entry :data:`CAP_BEFORE`."""
CAP_BEFORE_USD_PER_MWH = 9000.0
"""The system-wide offer cap before 2022-01-01."""
IMPLAUSIBLE_MULTIPLE = 10.0
"""A price beyond this many times the cap (either sign) is outside anything a market rule produces."""
ANCILLARY_REPORTS = frozenset({"NP4-188-CD", "NP6-331-CD"})
"""Reports of ancillary-service clearing prices ($/MW per hour)."""


def system_wide_cap(day: dt.date | str) -> float:
    """The system-wide offer cap ($/MWh) in force on operating day ``day``."""
    d = as_date(day)
    cap = CAP_BEFORE_USD_PER_MWH
    for first, value in CAP_USD_PER_MWH:
        if d >= first:
            cap = value
    return cap


def market_bounds(report_id: str, day: dt.date | str) -> tuple[float, float]:
    """``(low, high)`` that the market rules set for prices of ``report_id`` on ``day``, with
    :data:`SLACK_USD_PER_MWH` on each side (energy: offer floor .. cap; AS: 0 .. cap)."""
    cap = system_wide_cap(day)
    low = 0.0 if report_id.upper() in ANCILLARY_REPORTS else OFFER_FLOOR_USD_PER_MWH
    return low - SLACK_USD_PER_MWH, cap + SLACK_USD_PER_MWH


def plausible_limit(day: dt.date | str) -> float:
    """The magnitude ($/MWh) beyond which a price of ``day`` is a data error, not a market outcome."""
    return IMPLAUSIBLE_MULTIPLE * system_wide_cap(day)


def energy_price_bounds(day: dt.date | str) -> tuple[float, float]:
    """``(floor, cap)`` of real-time energy prices on ``day`` ($/MWh), slack included: what a forecast
    of the system's price may span (:func:`market_bounds` of an energy report)."""
    return market_bounds("NP6-788-CD", day)


__all__ = [
    "ANCILLARY_REPORTS",
    "CAP_BEFORE_USD_PER_MWH",
    "CAP_USD_PER_MWH",
    "IMPLAUSIBLE_MULTIPLE",
    "OFFER_FLOOR_USD_PER_MWH",
    "SLACK_USD_PER_MWH",
    "energy_price_bounds",
    "market_bounds",
    "plausible_limit",
    "system_wide_cap",
]
