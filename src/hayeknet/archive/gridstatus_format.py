"""Convert between the archive's normalized table and gridstatus's ERCOT DataFrame shapes.

gridstatus (the open-source ISO data library) returns ERCOT prices with
title-case columns and America/Chicago times:

* settlement point prices: ``Time, Interval Start, Interval End, Location,
  Location Type, Market, SPP`` (``Market`` ``REAL_TIME_15_MIN`` or
  ``DAY_AHEAD_HOURLY``);
* SCED LMPs: ``Time, Interval Start, Interval End, Market, Location,
  Location Type, LMP`` (``Market`` ``REAL_TIME_SCED``);
* AS prices: ``Time, Interval Start, Interval End, Market`` and one column per
  product (``Regulation Up``, ``Regulation Down``, ``Responsive Reserves``,
  ``ERCOT Contingency Reserve Service``, ``Non-Spinning Reserves``).

:func:`from_gridstatus` turns such a frame into normalized rows (so a
gridstatus download can be written into the archive with
:func:`hayeknet.archive.store.write_day`), :func:`to_gridstatus` reads the
archive back out in the same shape. gridstatus is not a dependency: only its
column conventions are used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ
from hayeknet.ercot.locations import HUB_AVERAGE, HUB_AVERAGE_NAMES, SYSTEM
from hayeknet.ercot.parse import COLUMNS, deduplicate

GRIDSTATUS_MARKETS: dict[str, str] = {
    "RTM_SCED": "REAL_TIME_SCED",
    "RTM_15MIN": "REAL_TIME_15_MIN",
    "DAM": "DAY_AHEAD_HOURLY",
}
"""Archive market -> gridstatus market name."""

GRIDSTATUS_AS_COLUMNS: dict[str, str] = {
    "REGUP": "Regulation Up",
    "REGDN": "Regulation Down",
    "RRS": "Responsive Reserves",
    "ECRS": "ERCOT Contingency Reserve Service",
    "NSPIN": "Non-Spinning Reserves",
}
"""Archive AS type -> gridstatus AS price column."""

_MARKET_FROM_GS = {v: k for k, v in GRIDSTATUS_MARKETS.items()} | {"DAM": "DAM", "REAL_TIME_15_MIN": "RTM_15MIN"}
_ENERGY_REPORT = {"RTM_SCED": "NP6-788-CD", "RTM_15MIN": "NP6-905-CD", "DAM": "NP4-190-CD"}
_AS_REPORT = {"RTM_15MIN": "NP6-331-CD", "DAM": "NP4-188-CD"}


class GridstatusFormatError(ValueError):
    """A frame that is not in one of gridstatus's ERCOT price shapes (names the column)."""


def _utc(values: pd.Series, column: str) -> pd.Series:
    ts = pd.to_datetime(values, utc=True, errors="coerce")
    if ts.isna().any():
        row = int(np.flatnonzero(ts.isna())[0]) + 1
        raise GridstatusFormatError(f"column {column!r}: row {row} is not a timestamp")
    return ts.astype("datetime64[ns, UTC]")


def from_gridstatus(frame: pd.DataFrame, market: str | None = None) -> pd.DataFrame:
    """Normalized price table (ADR 0001) from a gridstatus ERCOT price frame.

    Handles the SPP/LMP long shape and the AS wide shape. ``market`` overrides
    the frame's ``Market`` column (archive spelling: ``RTM_SCED``,
    ``RTM_15MIN``, ``DAM``). gridstatus labels the hub averages "Trading Hub";
    they become "Hub Average" here.
    """
    for col in ("Interval Start", "Interval End"):
        if col not in frame.columns:
            raise GridstatusFormatError(f"missing column {col!r}")
    if market is None:
        if "Market" not in frame.columns:
            raise GridstatusFormatError("missing column 'Market' (or pass market=)")
        markets = frame["Market"].astype(str).map(_MARKET_FROM_GS)
        if markets.isna().any():
            bad = frame["Market"][markets.isna()].iloc[0]
            raise GridstatusFormatError(f"column 'Market': unknown market {bad!r}")
    else:
        markets = pd.Series(market, index=frame.index)
    start = _utc(frame["Interval Start"], "Interval Start")
    end = _utc(frame["Interval End"], "Interval End")
    as_cols = [c for c in GRIDSTATUS_AS_COLUMNS.values() if c in frame.columns]
    if as_cols:
        parts = []
        for as_type, col in GRIDSTATUS_AS_COLUMNS.items():
            if col not in frame.columns:
                continue
            parts.append(
                pd.DataFrame(
                    {
                        "interval_start_utc": start.to_numpy(),
                        "interval_end_utc": end.to_numpy(),
                        "market": markets.to_numpy(),
                        "location": "ERCOT",
                        "location_type": SYSTEM,
                        "as_type": as_type,
                        "price": pd.to_numeric(frame[col], errors="raise").to_numpy(dtype=float),
                        "report": markets.map(_AS_REPORT).to_numpy(),
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
    else:
        value = "LMP" if "LMP" in frame.columns else "SPP"
        for col in ("Location", "Location Type", value):
            if col not in frame.columns:
                raise GridstatusFormatError(f"missing column {col!r}")
        location = frame["Location"].astype(str).to_numpy()
        loc_type = frame["Location Type"].astype(str).to_numpy(dtype=object)
        loc_type = np.where(np.isin(location, list(HUB_AVERAGE_NAMES)), HUB_AVERAGE, loc_type)
        out = pd.DataFrame(
            {
                "interval_start_utc": start.to_numpy(),
                "interval_end_utc": end.to_numpy(),
                "market": markets.to_numpy(),
                "location": location,
                "location_type": loc_type,
                "as_type": pd.Series([np.nan] * len(frame), dtype="str").to_numpy(),
                "price": pd.to_numeric(frame[value], errors="raise").to_numpy(dtype=float),
                "report": markets.map(_ENERGY_REPORT).to_numpy(),
            }
        )
    for col in ("market", "location", "location_type", "as_type", "report"):
        out[col] = out[col].astype("str")
    out["interval_start_utc"] = out["interval_start_utc"].astype("datetime64[ns, UTC]")
    out["interval_end_utc"] = out["interval_end_utc"].astype("datetime64[ns, UTC]")
    return deduplicate(out.loc[:, list(COLUMNS)])


def to_gridstatus(table: pd.DataFrame, market: str = "RTM_15MIN", ancillary: bool = False) -> pd.DataFrame:
    """One market of the normalized table in gridstatus's shape (America/Chicago times).

    Energy (default): long frame with ``SPP`` (``LMP`` for ``RTM_SCED``);
    ``ancillary=True``: wide AS frame with one column per product.
    """
    rows = table[table["market"] == market]
    rows = rows[rows["as_type"].notna()] if ancillary else rows[rows["as_type"].isna()]
    start = pd.DatetimeIndex(rows["interval_start_utc"]).tz_convert(ERCOT_TZ)
    end = pd.DatetimeIndex(rows["interval_end_utc"]).tz_convert(ERCOT_TZ)
    gs_market = "DAM" if (ancillary and market == "DAM") else GRIDSTATUS_MARKETS[market]
    if ancillary:
        wide = rows.assign(start=start, end=end).pivot_table(
            index=["start", "end"], columns="as_type", values="price", aggfunc="last"
        )
        wide = wide.rename(columns=GRIDSTATUS_AS_COLUMNS).reset_index()
        out = pd.DataFrame(
            {"Time": wide["start"], "Interval Start": wide["start"], "Interval End": wide["end"], "Market": gs_market}
        )
        for col in GRIDSTATUS_AS_COLUMNS.values():
            out[col] = wide[col].to_numpy() if col in wide.columns else np.nan
        return out.reset_index(drop=True)
    value = "LMP" if market == "RTM_SCED" else "SPP"
    out = pd.DataFrame(
        {
            "Time": start,
            "Interval Start": start,
            "Interval End": end,
            "Location": rows["location"].to_numpy(),
            "Location Type": rows["location_type"].to_numpy(),
            "Market": gs_market,
            value: rows["price"].to_numpy(),
        }
    )
    return out.sort_values(["Interval Start", "Location", "Location Type"], kind="stable").reset_index(drop=True)
