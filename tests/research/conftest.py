"""Small made-up operating days for the research tests (built here, no files read).

A day is a wide 5-minute price matrix over the America/Chicago operating day,
a ledger per strategy that obeys the contract's SOC and cash formulas, a
strategy summary computed from those ledgers, and an EnKF-like long table from a
persistence forecast. Everything is seeded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from hayeknet.battery.spec import BatterySpec
from hayeknet.params import ResearchParams

CENTRAL = ZoneInfo("America/Chicago")
LOCATIONS = ("HB_WEST", "HB_NORTH", "HB_HOUSTON", "HB_HUBAVG", "LZ_WEST", "NODE_A")
OFFSETS = {"HB_WEST": 0.0, "HB_NORTH": 3.0, "HB_HOUSTON": 5.0, "HB_HUBAVG": 2.0, "LZ_WEST": -1.0, "NODE_A": -8.0}


def day_grid(day: dt.date) -> pd.DatetimeIndex:
    """UTC 5-minute interval starts of the operating day (288, or 276/300 on DST days)."""
    start = pd.Timestamp(day.isoformat(), tz=CENTRAL)
    end = pd.Timestamp((day + dt.timedelta(days=1)).isoformat(), tz=CENTRAL)
    return pd.date_range(start, end, freq="5min", inclusive="left").tz_convert("UTC").rename("interval_start_utc")


def local_mask(index: pd.DatetimeIndex, start_hour: float, end_hour: float) -> np.ndarray:
    local = index.tz_convert(CENTRAL)
    hours = local.hour + local.minute / 60.0
    return np.asarray((hours >= start_hour) & (hours < end_hour))


def make_prices(
    day: dt.date,
    *,
    seed: int = 0,
    level: float = 30.0,
    noise: float = 1.5,
    spike_price: float | None = None,
    spike_hours: tuple[float, float] = (17.0, 17.5),
    negative_price: float | None = None,
    negative_hours: tuple[float, float] = (3.0, 4.0),
) -> pd.DataFrame:
    """Wide RT price matrix ($/MWh): daily sine + noise; optional spike and negative run at HB_WEST."""
    index = day_grid(day)
    rng = np.random.default_rng(seed)
    local = index.tz_convert(CENTRAL)
    hours = np.asarray(local.hour + local.minute / 60.0)
    base = level + 10.0 * np.sin(2 * np.pi * (hours - 10.0) / 24.0)
    columns = {}
    for loc in LOCATIONS:
        columns[loc] = base + OFFSETS[loc] + rng.normal(0.0, noise, size=index.size)
    frame = pd.DataFrame(columns, index=index)
    if spike_price is not None:
        frame.loc[local_mask(index, *spike_hours), "HB_WEST"] = spike_price
    if negative_price is not None:
        frame.loc[local_mask(index, *negative_hours), "HB_WEST"] = negative_price
    return frame


def make_dam(prices: pd.DataFrame, premium: float = 2.0) -> pd.DataFrame:
    """Hourly DAM prices: the hourly RT mean plus a constant premium ($/MWh)."""
    return prices.resample("1h").mean() + premium


def simulate_ledger(prices: pd.Series, charge: np.ndarray, discharge: np.ndarray, spec: BatterySpec) -> pd.DataFrame:
    """A contract ledger from requested charge/discharge flags, clipped to power and the SOC window."""
    dt_h = 5.0 / 60.0
    soc = spec.soc_initial_mwh
    rows = []
    for t, price, c, d in zip(prices.index, prices.to_numpy(dtype=float), charge, discharge):
        charge_mw = discharge_mw = 0.0
        if c:
            charge_mw = min(spec.power_mw, (spec.soc_max_mwh - soc) / (spec.charge_efficiency * dt_h))
        elif d:
            discharge_mw = min(spec.power_mw, (soc - spec.soc_min_mwh) * spec.discharge_efficiency / dt_h)
        soc_end = soc + spec.charge_efficiency * charge_mw * dt_h - discharge_mw * dt_h / spec.discharge_efficiency
        energy_cash = price * (discharge_mw - charge_mw) * dt_h
        degradation = spec.degradation_usd_per_mwh * (charge_mw + discharge_mw) * dt_h
        rows.append(
            {
                "interval_start_utc": t,
                "dt_hours": dt_h,
                "price_usd_per_mwh": price,
                "charge_mw": charge_mw,
                "discharge_mw": discharge_mw,
                "soc_start_mwh": soc,
                "soc_end_mwh": soc_end,
                "energy_cash_usd": energy_cash,
                "as_cash_usd": 0.0,
                "degradation_usd": degradation,
                "profit_usd": energy_cash - degradation,
            }
        )
        soc = soc_end
    return pd.DataFrame(rows)


def make_ledgers(prices: pd.Series, spec: BatterySpec) -> dict[str, pd.DataFrame]:
    """Three strategies: a hindsight quantile rule ("perfect_foresight"), a threshold rule, an idle agent."""
    values = prices.to_numpy(dtype=float)
    lo, hi = np.quantile(values, [0.15, 0.85])
    lo2, hi2 = np.quantile(values, [0.4, 0.6])
    idle = np.zeros(values.size, dtype=bool)
    cheap_hours = local_mask(prices.index, 1.0, 2.0)
    return {
        "perfect_foresight": simulate_ledger(prices, values <= lo, values >= hi, spec),
        "percentile_threshold": simulate_ledger(prices, values <= lo2, values >= hi2, spec),
        "ppo_agent": simulate_ledger(prices, cheap_hours, idle, spec),
    }


def summarize(ledgers: dict[str, pd.DataFrame], spec: BatterySpec) -> dict[str, dict[str, float]]:
    """Strategy summary as the simulate stage writes it (summary.json)."""
    out = {}
    for name, ledger in ledgers.items():
        charge = float((ledger["charge_mw"] * ledger["dt_hours"]).sum())
        discharge = float((ledger["discharge_mw"] * ledger["dt_hours"]).sum())
        out[name] = {
            "revenue_usd": float(ledger["energy_cash_usd"].sum() + ledger["as_cash_usd"].sum()),
            "degradation_cost_usd": float(ledger["degradation_usd"].sum()),
            "profit_usd": float(ledger["profit_usd"].sum()),
            "charge_mwh": charge,
            "discharge_mwh": discharge,
            "cycles": discharge / spec.usable_mwh,
        }
    pf = out["perfect_foresight"]["profit_usd"]
    for values in out.values():
        values["capture_ratio"] = values["profit_usd"] / pf if pf > 0 else None
    return out


def make_filtered(
    prices: pd.DataFrame, locations: tuple[str, ...] = ("HB_WEST", "HB_NORTH"), spread: float = 3.0
) -> pd.DataFrame:
    """EnKF-like long table from a persistence forecast (mean = previous observation)."""
    parts = []
    for loc in locations:
        obs = prices[loc].to_numpy(dtype=float)
        mean = np.concatenate([[obs[0]], obs[:-1]])
        spr = np.full(obs.size, spread)
        innovation = obs - mean
        parts.append(
            pd.DataFrame(
                {
                    "interval_start_utc": prices.index,
                    "location": loc,
                    "observed": obs,
                    "mean": mean,
                    "spread": spr,
                    "innovation": innovation,
                    "normalized_innovation": innovation / np.sqrt(spr**2 + 2.0**2),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class Day:
    day: dt.date
    prices: pd.DataFrame
    dam_prices: pd.DataFrame
    filtered: pd.DataFrame
    ledgers: dict[str, pd.DataFrame]
    summary: dict[str, dict[str, float]]
    spec: BatterySpec

    def build_kwargs(self, **overrides):
        kwargs = dict(
            day=self.day,
            day_index=0,
            n_days=5,
            battery=BatterySpec(),
            prices=self.prices,
            history_prices=pd.DataFrame(),
            dam_prices=self.dam_prices,
            filtered=self.filtered,
            assimilation_metrics={"backend": "numpy", "rmse": 1.0, "n_anomalies": 0},
            simulation_summary=self.summary,
            ledgers=self.ledgers,
            previous_results=[],
            research=ResearchParams(high_price_usd_per_mwh=100.0, negative_price_usd_per_mwh=0.0),
            n_resamples=300,
            seed=1,
        )
        kwargs.update(overrides)
        return kwargs


def make_day(day: dt.date, **price_kwargs) -> Day:
    spec = BatterySpec()
    prices = make_prices(day, **price_kwargs)
    ledgers = make_ledgers(prices["HB_WEST"], spec)
    return Day(day, prices, make_dam(prices), make_filtered(prices), ledgers, summarize(ledgers, spec), spec)


@pytest.fixture(scope="session")
def day_factory():
    return make_day


@pytest.fixture(scope="session")
def spiky_day() -> Day:
    """2025-10-02 with a 600 $/MWh spike 17:00-17:30 CT and -15 $/MWh 03:00-04:00 CT at HB_WEST."""
    return make_day(dt.date(2025, 10, 2), seed=2, spike_price=600.0, negative_price=-15.0)


@pytest.fixture(scope="session")
def calm_day() -> Day:
    return make_day(dt.date(2025, 10, 1), seed=1, noise=0.5)
