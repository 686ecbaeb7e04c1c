"""Named day metrics with units, computed from the research stage's plain inputs.

Each function returns a list of :class:`Metric`; a metric that cannot be computed
from the day's data (no DAM prices, a single location, an empty ledger) has value
``None`` rather than being dropped, so every day's results hold the same names.
Prices are real-time (the finest market of the day: 5-minute RTM_SCED, else
15-minute RTM_15MIN) $/MWh at the battery location unless the
name says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.archive.queries import location_column
from hayeknet.battery.ledger import LEDGER_COLUMNS
from hayeknet.params import ResearchParams
from hayeknet.research.errors import ResearchInputError
from hayeknet.research.insights import (
    check_filtered,
    negative_price_episodes,
    spike_episodes,
)
from hayeknet.research.prices import (
    asinh_returns,
    hub_reference,
    interval_hours,
    top_bottom_spread,
)


@dataclass(frozen=True)
class Metric:
    """One number of the day: ``value`` in ``unit`` (None when not computable)."""

    name: str
    value: float | None
    unit: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit, "description": self.description}


def _num(value: Any) -> float | None:
    """A finite Python float, or None for NaN/inf/None."""
    if value is None:
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def price_metrics(series: pd.Series, settings: ResearchParams) -> list[Metric]:
    """Level, spread, volatility and threshold counts of the battery location's prices."""
    values = series.to_numpy(dtype=float)
    if values.size == 0:
        raise ResearchInputError(f"prices: location {series.name!r} has no prices this day")
    dt_h = interval_hours(series.index)
    returns = asinh_returns(series)
    changes = np.diff(values)
    n_high = int(np.sum(values > settings.high_price_usd_per_mwh))
    n_neg = int(np.sum(values < settings.negative_price_usd_per_mwh))
    location = str(series.name)
    spikes = spike_episodes(series, settings, location)
    negatives = negative_price_episodes(series, settings, location)
    std = float(np.std(values, ddof=1)) if values.size > 1 else float("nan")
    high = settings.high_price_usd_per_mwh
    neg = settings.negative_price_usd_per_mwh
    return [
        Metric(
            "price.n_intervals", float(values.size), "intervals", "priced real-time intervals at the battery location"
        ),
        Metric("price.mean", _num(values.mean()), "$/MWh", "time-weighted mean real-time price"),
        Metric("price.median", _num(np.median(values)), "$/MWh", "median real-time price"),
        Metric("price.min", _num(values.min()), "$/MWh", "lowest real-time price"),
        Metric("price.max", _num(values.max()), "$/MWh", "highest real-time price"),
        Metric("price.std", _num(std), "$/MWh", "standard deviation of real-time prices"),
        Metric("price.p05", _num(np.quantile(values, 0.05)), "$/MWh", "5th percentile of real-time prices"),
        Metric("price.p95", _num(np.quantile(values, 0.95)), "$/MWh", "95th percentile of real-time prices"),
        Metric("spread.max_min", _num(values.max() - values.min()), "$/MWh", "daily maximum minus minimum price"),
        Metric(
            "spread.top4h_bottom4h",
            _num(top_bottom_spread(series, 4.0)),
            "$/MWh",
            "mean of the 4 highest-priced hours of intervals minus mean of the 4 lowest",
        ),
        Metric(
            "volatility.asinh_return_std",
            _num(np.std(returns, ddof=1)) if returns.size > 1 else None,
            "1 (per 5 min)",
            "standard deviation of 5-minute changes of asinh(price / 1 $/MWh)",
        ),
        Metric(
            "volatility.price_change_std",
            _num(np.std(changes, ddof=1)) if changes.size > 1 else None,
            "$/MWh (per 5 min)",
            "standard deviation of 5-minute price changes",
        ),
        Metric("high_price.intervals", float(n_high), "intervals", f"intervals priced above {high:g} $/MWh"),
        Metric("high_price.hours", n_high * dt_h, "h", f"time priced above {high:g} $/MWh"),
        Metric("negative_price.intervals", float(n_neg), "intervals", f"intervals priced below {neg:g} $/MWh"),
        Metric("negative_price.hours", n_neg * dt_h, "h", f"time priced below {neg:g} $/MWh"),
        Metric(
            "spikes.episodes", float(len(spikes)), "episodes", f"runs of consecutive intervals above {high:g} $/MWh"
        ),
        Metric(
            "negative_price.episodes",
            float(len(negatives)),
            "episodes",
            f"runs of consecutive intervals below {neg:g} $/MWh",
        ),
    ]


def basis_metrics(prices: pd.DataFrame, location: str) -> list[Metric]:
    """Basis (location price minus reference hub price, $/MWh) across the day's locations.

    The reference hub is ``HB_HUBAVG`` when present, else the mean of the ``HB_*``
    columns. Per location the basis is averaged over the day's intervals; the
    metrics summarize those daily means over all non-reference locations.
    """
    ref = hub_reference(prices)
    names = (
        "basis.battery_mean",
        "basis.abs_mean_across_locations",
        "basis.max_abs_across_locations",
        "basis.std_across_locations",
    )
    if ref is None:
        return [_basis_metric(n, None, "no hub column in the price matrix") for n in names]
    label, hub = ref
    others = [c for c in prices.columns if c != "HB_HUBAVG"]
    daily_basis = prices[others].astype(float).sub(hub, axis=0).mean(axis=0).dropna()
    battery = 0.0 if location == "HB_HUBAVG" else daily_basis.get(location, float("nan"))
    n = len(daily_basis)
    return [
        _basis_metric(names[0], _num(battery), f"battery location minus {label}"),
        _basis_metric(names[1], _num(daily_basis.abs().mean()) if n else None, f"{n} locations vs {label}"),
        _basis_metric(names[2], _num(daily_basis.abs().max()) if n else None, f"{n} locations vs {label}"),
        _basis_metric(names[3], _num(daily_basis.std(ddof=1)) if n > 1 else None, f"{n} locations vs {label}"),
    ]


def _basis_metric(name: str, value: float | None, note: str) -> Metric:
    what = {
        "basis.battery_mean": "mean basis of the battery location",
        "basis.abs_mean_across_locations": "mean absolute daily basis over locations",
        "basis.max_abs_across_locations": "largest absolute daily basis over locations",
        "basis.std_across_locations": "standard deviation of daily basis over locations",
    }[name]
    return Metric(name, value, "$/MWh", f"{what} ({note})")


def dam_rt_metrics(prices: pd.DataFrame, dam_prices: pd.DataFrame | None, location: str) -> list[Metric]:
    """Day-ahead minus real-time spread at the battery location, $/MWh.

    Real-time 5-minute prices are averaged into the DAM's hourly intervals (UTC
    hour starts, which are also Central hour starts), then ``DAM - RT`` is taken
    for each hour present in both.
    """
    names = ("dam_rt.spread_mean", "dam_rt.abs_spread_mean", "dam_rt.hours")
    if dam_prices is None or dam_prices.empty or location not in dam_prices.columns or location not in prices:
        return [
            Metric(names[0], None, "$/MWh", "mean hourly DAM minus RT price (no DAM prices)"),
            Metric(names[1], None, "$/MWh", "mean absolute hourly DAM minus RT price (no DAM prices)"),
            Metric(names[2], 0.0, "h", "hours with both DAM and RT prices"),
        ]
    rt_hourly = prices[location].astype(float).resample("1h").mean()
    dam = dam_prices[location].astype(float)
    joined = pd.concat({"dam": dam, "rt": rt_hourly}, axis=1).dropna()
    diff = (joined["dam"] - joined["rt"]).to_numpy(dtype=float)
    return [
        Metric(names[0], _num(diff.mean()) if diff.size else None, "$/MWh", "mean hourly DAM minus RT price"),
        Metric(
            names[1],
            _num(np.abs(diff).mean()) if diff.size else None,
            "$/MWh",
            "mean absolute hourly DAM minus RT price",
        ),
        Metric(names[2], float(diff.size), "h", "hours with both DAM and RT prices"),
    ]


def dam_metrics(dam_prices: pd.DataFrame | None, location: str) -> list[Metric]:
    """The day's day-ahead prices at the battery location: known the day before (ERCOT publishes the DAM
    at about 13:30 of the previous day), so they may predict the day (hypothesis H1).

    ``dam.price_change_std`` is the standard deviation of hour-to-hour changes
    of the DAM price ($/MWh per hour), ``dam.spread_top4h_bottom4h`` the mean
    of the 4 highest DAM hours minus the 4 lowest, ``dam.max`` the highest DAM price.
    """
    names = ("dam.price_change_std", "dam.spread_top4h_bottom4h", "dam.max")
    what = (
        "standard deviation of hour-to-hour DAM price changes (known the day before)",
        "mean of the 4 highest DAM hours minus the 4 lowest (known the day before)",
        "highest DAM price of the day (known the day before)",
    )
    units = ("$/MWh (per h)", "$/MWh", "$/MWh")
    if dam_prices is None or dam_prices.empty or location not in dam_prices.columns:
        return [Metric(n, None, u, f"{w}; no DAM prices") for n, u, w in zip(names, units, what)]
    dam = dam_prices[location].astype(float).dropna().sort_index()
    values = dam.to_numpy(dtype=float)
    changes = np.diff(values)
    numbers = (
        _num(np.std(changes, ddof=1)) if changes.size > 1 else None,
        _num(top_bottom_spread(dam, 4.0)) if values.size else None,
        _num(values.max()) if values.size else None,
    )
    return [Metric(n, v, u, w) for n, v, u, w in zip(names, numbers, units, what)]


ANALYSIS = "analysis (after assimilating the same price): a fit, not a forecast skill"


def assimilation_day_metrics(
    filtered: pd.DataFrame,
    location: str,
    assimilation_metrics: Mapping[str, Any] | None,
    settings: ResearchParams,
) -> list[Metric]:
    """EnKF metrics: the analysis fit, outlier counts and the forecast skill.

    ``enkf.rmse_*``, ``enkf.mean_spread_battery`` and
    ``enkf.spread_to_rmse_battery`` describe the *analysis* (``observed -
    mean`` of the filtered table, after assimilating the same price): how
    closely the filter fits the data, not how well it forecasts. Computed from
    the filtered long table; when it is empty the RMSE falls back to
    ``assimilation_metrics['rmse']`` (or ``rmse_usd_per_mwh``) if present.
    Forecast skill (:func:`forecast_skill_metrics`) comes from the assimilate
    stage's metrics: forecasts made before the price is seen, 1 step and 1 hour
    ahead, against persistence and the DAM.
    """
    thr = settings.anomaly_threshold
    skill = forecast_skill_metrics(location, assimilation_metrics)
    if filtered is None or filtered.empty:
        given = dict(assimilation_metrics or {})
        rmse = given.get("rmse_usd_per_mwh", given.get("rmse"))
        return [
            Metric("enkf.rmse_battery", None, "$/MWh", f"RMSE of the EnKF {ANALYSIS}, battery location"),
            Metric("enkf.rmse_all", _num(rmse), "$/MWh", f"RMSE of the EnKF {ANALYSIS}, all locations"),
            Metric("enkf.mean_spread_battery", None, "$/MWh", "mean analysis ensemble spread at the battery location"),
            Metric("enkf.spread_to_rmse_battery", None, "1", "mean analysis spread / analysis RMSE at the battery"),
            Metric(
                "enkf.anomalies", _num(given.get("n_anomalies")), "observations", f"|normalized innovation| > {thr:g}"
            ),
            Metric("enkf.anomalies_battery", None, "observations", f"|normalized innovation| > {thr:g} at the battery"),
            *skill,
        ]
    table = check_filtered(filtered)
    err_all = (table["observed"] - table["mean"]).to_numpy(dtype=float)
    bat = table[table["location"] == location]
    err_bat = (bat["observed"] - bat["mean"]).to_numpy(dtype=float)
    rmse_bat = float(np.sqrt(np.nanmean(err_bat**2))) if err_bat.size else float("nan")
    spread_bat = float(np.nanmean(bat["spread"].to_numpy(dtype=float))) if len(bat) else float("nan")
    ni = np.abs(table["normalized_innovation"].to_numpy(dtype=float))
    ni_bat = np.abs(bat["normalized_innovation"].to_numpy(dtype=float))
    ratio = spread_bat / rmse_bat if rmse_bat > 0 else float("nan")
    return [
        Metric("enkf.rmse_battery", _num(rmse_bat), "$/MWh", f"RMSE of the EnKF {ANALYSIS}, battery location"),
        Metric(
            "enkf.rmse_all",
            _num(np.sqrt(np.nanmean(err_all**2))),
            "$/MWh",
            f"RMSE of the EnKF {ANALYSIS}, all locations",
        ),
        Metric(
            "enkf.mean_spread_battery",
            _num(spread_bat),
            "$/MWh",
            "mean analysis ensemble spread at the battery location",
        ),
        Metric(
            "enkf.spread_to_rmse_battery",
            _num(ratio),
            "1",
            "mean analysis spread / analysis RMSE at the battery location (both after assimilating the same price; "
            "the forecast's spread-skill is enkf.spread_skill_ratio_*)",
        ),
        Metric(
            "enkf.anomalies",
            float(np.sum(ni > thr)),
            "observations",
            f"|normalized innovation| > {thr:g}, all locations",
        ),
        Metric(
            "enkf.anomalies_battery",
            float(np.sum(ni_bat > thr)),
            "observations",
            f"|normalized innovation| > {thr:g} at the battery",
        ),
        *skill,
    ]


_HORIZON_WORDS = {"1step": "1 step (one interval)", "1h": "1 hour"}


def forecast_skill_metrics(location: str, assimilation_metrics: Mapping[str, Any] | None) -> list[Metric]:
    """The EnKF's forecast skill at the battery location (and pooled over locations, ``*_all``), from the
    assimilate stage's metrics; None where the stage did not compute them.

    A forecast for interval t is made before the price of t is seen: 1 step
    from the analysis of t - 1 (the prior), 1 hour from the analysis of t - 1 h
    propagated by the model without data. Persistence repeats the last price
    observed at the forecast origin; the DAM reference is the day-ahead price
    of the interval's hour. Skill = 1 - RMSE(EnKF) / RMSE(reference): > 0 when
    the EnKF forecasts better.
    """
    given = dict(assimilation_metrics or {})
    battery = (given.get("forecast_skill_by_location") or {}).get(location) or {}
    out: list[Metric] = []
    for label, words in _HORIZON_WORDS.items():
        out += [
            Metric(
                f"enkf.rmse_forecast_{label}_battery",
                _num(battery.get(f"rmse_forecast_{label}_usd_per_mwh")),
                "$/MWh",
                f"RMSE of the EnKF forecast {words} ahead at the battery location (made before the price is seen)",
            ),
            Metric(
                f"enkf.rmse_persistence_{label}_battery",
                _num(battery.get(f"rmse_persistence_{label}_usd_per_mwh")),
                "$/MWh",
                f"RMSE of persistence {words} ahead at the battery location (last price at the forecast origin)",
            ),
            Metric(
                f"enkf.rmse_dam_{label}_battery",
                _num(battery.get(f"rmse_dam_{label}_usd_per_mwh")),
                "$/MWh",
                "RMSE of the DAM price of the interval's hour at the battery location",
            ),
            Metric(
                f"enkf.skill_vs_persistence_{label}",
                _num(battery.get(f"skill_vs_persistence_{label}")),
                "1",
                f"1 - RMSE(EnKF) / RMSE(persistence), {words} ahead, battery location (> 0: the EnKF is better)",
            ),
            Metric(
                f"enkf.skill_vs_dam_{label}",
                _num(battery.get(f"skill_vs_dam_{label}")),
                "1",
                f"1 - RMSE(EnKF) / RMSE(DAM), {words} ahead, battery location (> 0: the EnKF is better)",
            ),
            Metric(
                f"enkf.spread_skill_ratio_{label}_battery",
                _num(battery.get(f"spread_skill_ratio_{label}")),
                "1",
                f"forecast spread (with obs error) / forecast RMSE, {words} ahead, battery location (1 = consistent)",
            ),
            Metric(
                f"enkf.skill_vs_persistence_{label}_all",
                _num(given.get(f"skill_vs_persistence_{label}")),
                "1",
                f"1 - RMSE(EnKF) / RMSE(persistence), {words} ahead, all locations pooled",
            ),
        ]
    return out


def check_ledger(ledger: pd.DataFrame, strategy: str) -> None:
    """Raise :class:`ResearchInputError` naming the strategy and column when a ledger column is missing."""
    missing = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
    if missing:
        raise ResearchInputError(f"ledger of strategy {strategy!r}: missing column(s) {', '.join(missing)}")


def soc_utilization(ledger: pd.DataFrame, usable_mwh: float) -> float:
    """Range of SOC visited over the day divided by the usable window (1 = floor to ceiling)."""
    if ledger.empty or usable_mwh <= 0:
        return float("nan")
    soc = np.concatenate([ledger["soc_start_mwh"].to_numpy(dtype=float), ledger["soc_end_mwh"].to_numpy(dtype=float)])
    return float((np.nanmax(soc) - np.nanmin(soc)) / usable_mwh)


def strategy_metrics(
    summary: Mapping[str, Mapping[str, Any]],
    ledgers: Mapping[str, pd.DataFrame],
    usable_mwh: float,
) -> list[Metric]:
    """Per strategy: profit, revenue, capture ratio vs perfect foresight, cycles, SOC utilization."""
    pf = summary.get("perfect_foresight", {}).get("profit_usd")
    out: list[Metric] = []
    for name in sorted(summary):
        s = summary[name]
        capture = s.get("capture_ratio")
        if capture is None and pf not in (None, 0):
            capture = float(s.get("profit_usd", float("nan"))) / float(pf)
        ledger = ledgers.get(name)
        util = float("nan")
        if ledger is not None:
            check_ledger(ledger, name)
            util = soc_utilization(ledger, usable_mwh)
        prefix = f"strategy.{name}"
        out += [
            Metric(
                f"{prefix}.profit", _num(s.get("profit_usd")), "$", f"{name}: net profit (energy + AS - degradation)"
            ),
            Metric(f"{prefix}.revenue", _num(s.get("revenue_usd")), "$", f"{name}: revenue before degradation"),
            Metric(
                f"{prefix}.capture_ratio",
                _num(capture),
                "1",
                f"{name}: profit / perfect-foresight profit (same start SOC, final SOC floor = the strategy's)",
            ),
            Metric(f"{prefix}.cycles", _num(s.get("cycles")), "cycles", f"{name}: equivalent full cycles"),
            Metric(f"{prefix}.soc_utilization", _num(util), "1", f"{name}: SOC range used / usable SOC window"),
        ]
    return out


def day_metrics(
    prices: pd.DataFrame,
    location: str,
    settings: ResearchParams,
    *,
    dam_prices: pd.DataFrame | None,
    filtered: pd.DataFrame | None,
    assimilation_metrics: Mapping[str, Any] | None,
    simulation_summary: Mapping[str, Mapping[str, Any]],
    ledgers: Mapping[str, pd.DataFrame],
    usable_mwh: float,
) -> list[Metric]:
    """All day metrics in a fixed order (prices, basis, DAM-RT, DAM, EnKF, strategies)."""
    series = location_column(prices, location)
    return (
        price_metrics(series, settings)
        + basis_metrics(prices, location)
        + dam_rt_metrics(prices, dam_prices, location)
        + dam_metrics(dam_prices, location)
        + assimilation_day_metrics(
            filtered if filtered is not None else pd.DataFrame(), location, assimilation_metrics, settings
        )
        + strategy_metrics(simulation_summary, ledgers, usable_mwh)
    )


def metrics_by_name(metrics: list[Metric] | list[dict[str, Any]]) -> dict[str, float | None]:
    """Map metric name -> value, from Metric objects or their dicts (as stored in results.json)."""
    out: dict[str, float | None] = {}
    for m in metrics:
        if isinstance(m, Metric):
            out[m.name] = m.value
        else:
            out[str(m["name"])] = m.get("value")
    return out
