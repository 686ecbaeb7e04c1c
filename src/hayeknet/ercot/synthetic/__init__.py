"""Deterministic synthetic ERCOT market: one operating day of raw files in ERCOT's exact formats.

:mod:`~hayeknet.ercot.synthetic.market` holds the model (fundamentals, price formation,
:func:`synthetic_prices`); :mod:`~hayeknet.ercot.synthetic.raw_files` writes a day as ERCOT's
raw files (:func:`write_synthetic_day`).

The generator writes the *same* raw files as ERCOT's MIS (a zip holding one
CSV with the report's exact header and value formatting), so one parsing path
serves real and synthetic data:

* NP6-788-CD: one zip per SCED run (288 a day; 276/300 on DST days), SCED
  timestamps a few seconds after each 5-minute mark, LMPs space-padded.
* NP6-905-CD and NP6-331-CD: one zip per 15-minute settlement interval.
* NP4-190-CD and NP4-188-CD: one zip per operating day (published the day before).

Everything is a pure function of ``(day, catalogue, seed)``: the random
generator is seeded with ``[seed, day.toordinal(), stream]``, so a day's files
do not depend on which other days are generated, and the zips carry fixed
timestamps (the file's publication time) so the same inputs give
byte-identical files (stable DVC hashes).

Price model (ADR 0012; all prices $/MWh, AS $/MW per hour), on the day's
5-minute grid. The day-ahead market does not know the day: it is priced from
day-ahead *forecasts*, real time from the *realisations*, through one price
formation (:func:`price_formation`):

* fundamentals (:func:`synthetic_fundamentals`): system load (MW; seasonal
  level, weekday/weekend, a day-level weather anomaly, a daily shape that
  moves from the winter double peak to the summer afternoon peak), solar and
  wind output (fractions of installed capacity). Each has a day-ahead
  forecast and a realisation = forecast + an error with a day-level bias and
  an AR(1) part correlated over hours (load about 2% of load, wind about 9%
  and solar about 7% of capacity, as ERCOT's day-ahead forecasts miss);
* supply stack: with net load ``N`` = load - solar - wind and available
  dispatchable capacity ``C`` (seasonal planned outages, a day-level forced
  outage known the day before), the energy price is
  ``fuel_day * exp(slope * (N/C - mid))`` minus a curtailment term that pulls
  the price towards -$23 when net load is very low (renewables bidding below
  zero), plus an ORDC-like scarcity adder ``(VOLL - energy) * P(reserve
  shortfall)`` with reserve ``C - N``;
* real time: the stack at the realised net load and the realised capacity
  (RT-only unit trips remove capacity for hours), times SCED noise (AR(1)),
  plus RT-only shocks: short ramp spikes and rare scarcity bursts (about
  :data:`TARGET_SPIKE_DAY_PROBABILITY` of days) near the evening peak;
* day ahead: for each hour the *expected* stack price over the forecast-error
  distribution (Gauss-Hermite quadrature over net-load error, with the
  reserve uncertainty of trips), so the DAM carries the convexity premium
  of tight hours but none of the day's realised errors, congestion or
  spikes; times a small premium and hourly clearing noise; the DAM prices
  only part of the congestion RT sees (``dam_congestion_share``);
* node basis: a zone congestion term (West falls with wind output, so
  wind-heavy West nodes go negative at windy nights; Houston carries an import
  premium when the system is tight), a solar dip at solar-heavy nodes, a fixed
  per-node offset; RT uses realised wind/solar/load and adds RT-only
  congestion noise, the DAM uses the forecasts; prices clipped to ERCOT's
  [-251, 5000] range;
* NP6-905-CD SPP = mean of the 5-minute LMPs of its 15-minute interval;
* AS MCPCs (REGUP, REGDN, RRS, ECRS, NSPIN) rise with tightness and scarcity:
  DAM MCPCs from the forecast, RT MCPCs from the realisation.

The parameters (:class:`MarketParams`) were calibrated against real 2024
HB_HUBAVG prices of January-June (:mod:`hayeknet.ercot.synthetic_calibration`);
the installed solar and dispatchable capacity grows through 2024 at the rates
capacity reports give (:func:`fleet_on`, ADR 0012 "Fleet growth").
"""

from hayeknet.ercot.synthetic.market import (
    DEFAULT_PARAMS,
    PRICE_CAP_USD_PER_MWH,
    PRICE_FLOOR_USD_PER_MWH,
    TARGET_EVENING_PEAK_HOURS,
    TARGET_HUB_DAILY_MEAN_RANGE_USD_PER_MWH,
    TARGET_HUB_MEAN_RANGE_USD_PER_MWH,
    TARGET_SPIKE_DAY_PROBABILITY,
    TARGET_SPIKE_INTERVAL_SHARE_MAX,
    TARGET_WEST_NEGATIVE_SHARE_RANGE,
    MarketParams,
    SyntheticDay,
    fleet_on,
    price_formation,
    synthetic_fundamentals,
    synthetic_prices,
    synthetic_renewables,
)
from hayeknet.ercot.synthetic.raw_files import render_files, write_synthetic_day

__all__ = [
    "DEFAULT_PARAMS",
    "PRICE_CAP_USD_PER_MWH",
    "PRICE_FLOOR_USD_PER_MWH",
    "TARGET_EVENING_PEAK_HOURS",
    "TARGET_HUB_DAILY_MEAN_RANGE_USD_PER_MWH",
    "TARGET_HUB_MEAN_RANGE_USD_PER_MWH",
    "TARGET_SPIKE_DAY_PROBABILITY",
    "TARGET_SPIKE_INTERVAL_SHARE_MAX",
    "TARGET_WEST_NEGATIVE_SHARE_RANGE",
    "MarketParams",
    "SyntheticDay",
    "fleet_on",
    "price_formation",
    "render_files",
    "synthetic_fundamentals",
    "synthetic_prices",
    "synthetic_renewables",
    "write_synthetic_day",
]
