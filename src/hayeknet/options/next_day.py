"""An operating day's battery value, stated from what was published before the day and scored after it (ADR 0021).

**Before the day** (:func:`value_before_day`; the simulate stage states it
before any strategy runs) from the day's DAM curve (published the day before)
and predictive real-time price paths ``DAM + spread``, the spread paths drawn
from the RT - DAM spread model that the beliefs stage fitted on days up to the
day before (:meth:`hayeknet.beliefs.spread_model.SpreadModel.sample_paths`):

* **Intrinsic value** ($): the profit of the perfect-foresight LP on the DAM
  curve (:func:`hayeknet.battery.optimize.optimize_dispatch`, from the
  battery's initial SOC back to it at the end of the day): what the battery
  locks in by selling its schedule day-ahead.
* **Extrinsic value** ($): what the real-time optionality adds. The battery is
  a strip of hourly spread options (:mod:`hayeknet.options.strip`: a charge
  block and a later discharge block of ``H`` hours, pair ``k`` pays
  ``(q/H) max(eta P_d - P_c - c, 0)``), the blocks chosen on the forward
  curve ``F`` (the paths' mean hourly price). Its extrinsic value is
  ``E[strip(P)] - strip(F)`` over the predictive paths, a Monte Carlo mean
  with its standard error, run by the options kernel (NumPy, or
  ``julia/options.jl``). By Jensen's inequality it is >= 0 on any sample.
* **Total** = intrinsic + extrinsic, and a central predictive interval
  (``level``, default 90%) of the per-path value
  ``intrinsic + strip(P_i) - strip(F)``.

**After the day** (the simulate stage, :func:`score_after_day`): the
realised value ``intrinsic + strip(P_realised) - strip(F)`` on the day's hourly
mean real-time prices with the stated blocks, whether the stated interval
covered it (a claim that can be wrong, scored over days in the study report),
and the stated total against what strategies earned: the perfect-foresight
profit (the bound) and the DAM schedule executed in real time.

Prices $/MWh, money $, hours are the operating day's UTC hours in order (23,
24 or 25 of them on DST days).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.options.backend import kernel
from hayeknet.options.errors import OptionInputError
from hayeknet.options.montecarlo import strip_payoffs
from hayeknet.options.strip import best_windows, strip_blocks

DEFAULT_LEVEL = 0.9
"""Central coverage of the stated predictive interval of the day's value."""


@dataclass(frozen=True)
class NextDayValue:
    """The battery's value for one operating day, stated before it ($)."""

    day: str
    intrinsic_usd: float
    extrinsic_usd: float
    extrinsic_std_error_usd: float
    interval_usd: tuple[float, float]
    level: float
    strip_forward_usd: float
    charge_hours: tuple[int, ...]
    discharge_hours: tuple[int, ...]
    hour_starts_utc: tuple[str, ...]
    forward_usd_per_mwh: tuple[float, ...]
    mwh_per_pair: float
    round_trip_efficiency: float
    cost_usd_per_mwh: float
    n_paths: int
    backend: str
    backend_note: str = ""  # why NumPy ran although auto found Julia (empty otherwise)

    @property
    def total_usd(self) -> float:
        return self.intrinsic_usd + self.extrinsic_usd

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``beliefs.json`` ``battery_value``; :func:`score_after_day` reads it)."""
        return {
            "stated": True,
            "day": self.day,
            "intrinsic_usd": self.intrinsic_usd,
            "extrinsic_usd": self.extrinsic_usd,
            "extrinsic_std_error_usd": self.extrinsic_std_error_usd,
            "total_usd": self.total_usd,
            "interval_usd": list(self.interval_usd),
            "level": self.level,
            "strip_forward_usd": self.strip_forward_usd,
            "charge_hours": list(self.charge_hours),
            "discharge_hours": list(self.discharge_hours),
            "hour_starts_utc": list(self.hour_starts_utc),
            "forward_usd_per_mwh": list(self.forward_usd_per_mwh),
            "mwh_per_pair": self.mwh_per_pair,
            "round_trip_efficiency": self.round_trip_efficiency,
            "cost_usd_per_mwh": self.cost_usd_per_mwh,
            "n_paths": self.n_paths,
            "backend": self.backend,
            "backend_note": self.backend_note,
            "definition": (
                "intrinsic: the LP schedule's profit on the DAM curve; extrinsic: E[strip(P)] - strip(F) of the "
                "battery's hourly spread-option strip over the beliefs' predictive real-time paths, F their mean"
            ),
        }


def hourly_means(values: np.ndarray, starts: pd.DatetimeIndex) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Mean of ``values`` (``(..., n_intervals)``) over each UTC hour of ``starts``, and the hour starts."""
    idx = pd.DatetimeIndex(starts)
    if idx.tz is None:
        raise OptionInputError("interval starts must be timezone-aware")
    hours = idx.tz_convert("UTC").floor("h")
    unique = pd.DatetimeIndex(hours.unique())
    group = unique.get_indexer(hours)
    arr = np.asarray(values, dtype=float)
    if arr.shape[-1] != len(idx):
        raise OptionInputError(f"{arr.shape[-1]} prices for {len(idx)} intervals")
    weights = np.zeros((len(idx), len(unique)))
    weights[np.arange(len(idx)), group] = 1.0
    weights /= weights.sum(axis=0, keepdims=True)
    return arr @ weights, unique


def value_before_day(
    day: str,
    starts: pd.DatetimeIndex,
    dam_usd_per_mwh: np.ndarray,
    price_paths_usd_per_mwh: np.ndarray,
    spec: BatterySpec,
    dt_hours: float,
    *,
    backend: str = "auto",
    level: float = DEFAULT_LEVEL,
) -> NextDayValue:
    """The battery's intrinsic + extrinsic value of ``day`` (module doc).

    ``starts``: the day's interval starts (tz-aware); ``dam_usd_per_mwh``: the
    DAM price held over each interval; ``price_paths_usd_per_mwh``:
    ``(n_paths, n_intervals)`` predictive real-time prices; ``dt_hours``: the
    interval length, hours.
    """
    paths = np.asarray(price_paths_usd_per_mwh, dtype=float)
    dam = np.asarray(dam_usd_per_mwh, dtype=float)
    if paths.ndim != 2 or paths.shape[0] < 4:
        raise OptionInputError(f"need (n_paths >= 4, n_intervals) price paths, got shape {paths.shape}")
    if dam.shape != (paths.shape[1],) or not np.isfinite(dam).all() or not np.isfinite(paths).all():
        raise OptionInputError("the DAM curve and the paths must be finite and cover the same intervals")
    if not 0.0 < level < 1.0:
        raise OptionInputError(f"level must be in (0, 1), got {level}")
    plan = optimize_dispatch(dam, spec, dt_hours)
    hourly, hour_starts = hourly_means(paths, starts)
    forward = hourly.mean(axis=0)
    n_hours = forward.shape[0]
    block, mwh_per_pair = strip_blocks(spec, n_hours)
    eta = spec.charge_efficiency * spec.discharge_efficiency
    cost = spec.degradation_usd_per_mwh * (1.0 + eta)
    charge, discharge = best_windows(forward, block, eta)
    kern = kernel(backend)
    payoff, _ = kern.strip_payoffs(hourly, charge, discharge, eta, cost, mwh_per_pair)
    strip_forward = float(strip_payoffs(forward[None, :], charge, discharge, eta, cost, mwh_per_pair)[0][0])
    extrinsic = kern.mc_estimate(np.asarray(payoff, dtype=float) - strip_forward, "plain")
    per_path = plan.profit_usd + np.asarray(payoff, dtype=float) - strip_forward
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(per_path, [tail, 1.0 - tail])
    return NextDayValue(
        day=str(day),
        intrinsic_usd=float(plan.profit_usd),
        extrinsic_usd=float(extrinsic.value),
        extrinsic_std_error_usd=float(extrinsic.std_error),
        interval_usd=(float(lo), float(hi)),
        level=float(level),
        strip_forward_usd=strip_forward,
        charge_hours=tuple(int(h) for h in charge),
        discharge_hours=tuple(int(h) for h in discharge),
        hour_starts_utc=tuple(ts.isoformat() for ts in hour_starts),
        forward_usd_per_mwh=tuple(float(v) for v in forward),
        mwh_per_pair=float(mwh_per_pair),
        round_trip_efficiency=float(eta),
        cost_usd_per_mwh=float(cost),
        n_paths=int(paths.shape[0]),
        backend=kern.name,
        backend_note=kern.note,
    )


def value_with_spread_model(
    day: str,
    index: pd.DatetimeIndex,
    dam_hourly: pd.Series | None,
    spread_model: Any,
    spread_note: str,
    spec: BatterySpec,
    dt_hours: float,
    *,
    n_paths: int,
    seed: int,
    backend: str = "auto",
) -> dict[str, Any]:
    """:func:`value_before_day` on paths ``DAM + spread`` whose spreads a fitted spread model draws
    (:meth:`hayeknet.beliefs.spread_model.SpreadModel.sample_paths`, from a uniformly drawn first bin), as
    JSON; ``{"stated": False, "note": why}`` when the DAM or the model is missing or does not fit the day.

    ``index``: the day's interval starts (tz-aware); ``dam_hourly``: the day's DAM prices by UTC hour start,
    every hour of the day required (none is filled in); ``spread_note``: what the model was fitted on (or why
    there is none); ``seed``: with the operating day, seeds the draws.
    """
    from hayeknet.battery.dam_strategies import dam_on_index
    from hayeknet.ercot.calendar import ERCOT_TZ

    location = spec.location
    if dam_hourly is None or not len(dam_hourly):
        return {"stated": False, "note": f"not stated: no DAM price at {location} on {day}"}
    if spread_model is None:
        return {"stated": False, "note": f"not stated: no spread model ({spread_note})"}
    if abs(float(spread_model.dt_hours) - dt_hours) > 1e-9:
        return {
            "stated": False,
            "note": f"not stated: the spread model has {spread_model.dt_hours:g} h intervals, the day {dt_hours:g} h",
        }
    index = pd.DatetimeIndex(index)
    hours = pd.DatetimeIndex(index.tz_convert("UTC").floor("h").unique())
    dam_utc = dam_hourly.set_axis(pd.DatetimeIndex(dam_hourly.index).tz_convert("UTC"))
    missing = int(dam_utc.reindex(hours).isna().sum())
    if missing:
        return {
            "stated": False,
            "note": f"not stated: the DAM at {location} does not cover {day} ({missing} of {len(hours)} hours missing)",
        }
    dam = dam_on_index(dam_hourly, index)
    local = index.tz_convert(ERCOT_TZ)
    rng = np.random.default_rng([seed, local[0].date().toordinal(), 21])
    spreads = spread_model.sample_paths(np.asarray(local.hour, dtype=int), None, n_paths, rng)
    value = value_before_day(day, index, dam, dam[None, :] + spreads, spec, dt_hours, backend=backend)
    return value.to_dict() | {"spread_model": spread_note}


def score_after_day(
    stated: Mapping[str, Any],
    prices_usd_per_mwh: pd.Series,
    realised_profits_usd: Mapping[str, float],
) -> dict[str, Any]:
    """The stated value of a day (:meth:`NextDayValue.to_dict`) against the day's real-time prices.

    ``prices_usd_per_mwh``: the day's real-time prices at the battery's
    location, indexed by tz-aware interval start; ``realised_profits_usd``:
    strategy -> the day's profit ($), e.g. ``perfect_foresight`` and
    ``dam_schedule``. The realised value uses the stated blocks on the day's
    hourly mean prices; ``covered`` says whether the stated interval held it.
    """
    hourly, hour_starts = hourly_means(prices_usd_per_mwh.to_numpy(dtype=float), prices_usd_per_mwh.index)
    stated_hours = [pd.Timestamp(h) for h in stated["hour_starts_utc"]]
    if list(hour_starts) != stated_hours:
        return {
            "scored": False,
            "note": f"the day's prices cover {len(hour_starts)} hours, not the {len(stated_hours)} stated",
        }
    if not np.isfinite(hourly).all():
        return {"scored": False, "note": "the day's real-time prices have gaps"}
    payoff, _ = strip_payoffs(
        hourly[None, :],
        tuple(stated["charge_hours"]),
        tuple(stated["discharge_hours"]),
        float(stated["round_trip_efficiency"]),
        float(stated["cost_usd_per_mwh"]),
        float(stated["mwh_per_pair"]),
    )
    realised_strip = float(payoff[0])
    realised_value = float(stated["intrinsic_usd"]) + realised_strip - float(stated["strip_forward_usd"])
    lo, hi = (float(v) for v in stated["interval_usd"])
    total = float(stated["total_usd"])
    against = {}
    for name, profit in realised_profits_usd.items():
        profit = float(profit)
        against[name] = {
            "profit_usd": profit,
            "stated_minus_realised_usd": total - profit,
            "realised_over_stated": profit / total if total > 0 and math.isfinite(profit) else float("nan"),
        }
    return {
        "scored": True,
        "stated_total_usd": total,
        "realised_strip_usd": realised_strip,
        "realised_value_usd": realised_value,
        "interval_usd": [lo, hi],
        "level": float(stated["level"]),
        "covered": bool(lo <= realised_value <= hi),
        "against": against,
    }


def summarise_scores(values: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Over days: how often the stated interval covered the realised value (with a Wilson 95% interval, so a
    coverage far from the stated level shows), and the stated total against the realised profits ($/day).

    ``values``: each day's ``battery_value`` (:meth:`NextDayValue.to_dict` plus ``after_day``).
    """
    stated = [v for v in values if v.get("stated")]
    scored = [v for v in stated if (v.get("after_day") or {}).get("scored")]
    n, k = len(scored), sum(1 for v in scored if v["after_day"]["covered"])
    out: dict[str, Any] = {
        "days_stated": len(stated),
        "days_scored": n,
        "days_covered": k,
        "level": float(scored[0]["level"]) if scored else None,
        "coverage": k / n if n else None,
        "coverage_ci95": list(wilson_interval(k, n)) if n else None,
        "mean_stated_usd": _mean([float(v["total_usd"]) for v in scored]),
        "mean_realised_value_usd": _mean([float(v["after_day"]["realised_value_usd"]) for v in scored]),
        "mean_realised_profit_usd": {},
    }
    names = sorted({name for v in scored for name in v["after_day"].get("against", {})})
    for name in names:
        profits = [v["after_day"]["against"].get(name, {}).get("profit_usd") for v in scored]
        out["mean_realised_profit_usd"][name] = _mean([float(p) for p in profits if p is not None])
    return out


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``k / n`` (95% by default)."""
    if n <= 0:
        raise OptionInputError("a coverage interval needs at least one scored day")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _mean(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


__all__ = [
    "DEFAULT_LEVEL",
    "NextDayValue",
    "hourly_means",
    "score_after_day",
    "summarise_scores",
    "value_before_day",
    "value_with_spread_model",
    "wilson_interval",
]
