"""The synthetic market model: fundamentals, price formation and one day of prices (ADR 0012).

See :mod:`hayeknet.ercot.synthetic` for the model in words.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.special import expit, ndtr

from hayeknet.ercot import locations
from hayeknet.ercot.calendar import ERCOT_TZ, as_date, interval_starts_utc
from hayeknet.ercot.locations import SettlementPoint
from hayeknet.ercot.reports import AS_TYPES

# --- target statistics (checked by tests/ercot/test_ercot_synthetic.py over many generated days) -----
TARGET_HUB_MEAN_RANGE_USD_PER_MWH = (20.0, 60.0)
"""Range of the mean HB_HUBAVG real-time price over a month of days, $/MWh."""
TARGET_HUB_DAILY_MEAN_RANGE_USD_PER_MWH = (2.0, 400.0)
"""Range of any single day's mean HB_HUBAVG real-time price, $/MWh."""
TARGET_WEST_NEGATIVE_SHARE_RANGE = (0.02, 0.35)
"""Share of 5-minute intervals with a negative LMP at West resource nodes."""
TARGET_SPIKE_DAY_PROBABILITY = 0.055
"""Probability that a day carries an RT-only scarcity burst (hub price above 500 $/MWh for minutes)."""
TARGET_SPIKE_INTERVAL_SHARE_MAX = 0.01
"""At most this share of 5-minute hub intervals above 1000 $/MWh."""
TARGET_EVENING_PEAK_HOURS = (17, 21)
"""Local hour (hour of day, 0-23) of the highest average hub price lies within this range."""
PRICE_FLOOR_USD_PER_MWH = -251.0
PRICE_CAP_USD_PER_MWH = 5000.0


@dataclass(frozen=True)
class MarketParams:
    """Parameters of the synthetic market (ADR 0012). MW are system MW; fractions are of capacity.

    The defaults are the calibrated values; :mod:`hayeknet.ercot.synthetic_calibration`
    compares the result with real 2024 HB_HUBAVG prices.
    """

    # Load: seasonal mean (MW), day-level weather anomaly (known the day before), weekend factor. The two seasonal
    # amplitudes are the only parameters fitted on the whole of 2024 (ADR 0012, "Seasonal amplitude"): they stand
    # for net demand relative to the fleet, which real summers raise far less than their load (summer imports,
    # demand response, storage); every other parameter was fitted on January-June alone.
    load_mean_mw: float = 49_000.0
    load_annual_amp_mw: float = 4_000.0
    load_semiannual_amp_mw: float = 2_000.0
    load_anomaly_sd: float = 0.05
    load_anomaly_extreme_sd: float = 0.03
    weekend_load_factor: float = 0.93
    # Installed renewables (MW).
    wind_capacity_mw: float = 39_000.0
    solar_capacity_mw: float = 22_000.0
    # Day-ahead forecast errors: day-level bias sd, AR(1) sd and its time constant (hours).
    load_error_bias_sd: float = 0.012
    load_error_sd: float = 0.015
    load_error_tau_h: float = 6.0
    wind_error_bias_sd: float = 0.04
    wind_error_sd: float = 0.07
    wind_error_tau_h: float = 5.0
    solar_error_bias_sd: float = 0.05
    solar_error_sd: float = 0.07
    solar_error_tau_h: float = 2.0
    # Dispatchable capacity available (MW): the fleet (thermal, storage, imports) less planned outages
    # (a minimum in summer, maintenance seasons in spring and autumn, some in winter) less a day-level forced outage.
    thermal_capacity_mw: float = 75_400.0
    planned_outage_summer_mw: float = 3_000.0
    planned_outage_spring_mw: float = 20_000.0
    planned_outage_autumn_mw: float = 14_000.0
    planned_outage_winter_mw: float = 6_000.0
    forced_outage_sd_mw: float = 2_500.0
    # Supply stack.
    fuel_usd_per_mwh: float = 40.0
    stack_slope: float = 4.65
    stack_mid: float = 0.6
    curtail_usd_per_mwh: float = 23.0
    curtail_utilisation: float = 0.05
    curtail_width: float = 0.04
    # ORDC-like scarcity adder: (VOLL - energy) * P(reserve < minimum), reserve ~ N(reserve, sd).
    ordc_voll_usd_per_mwh: float = 5000.0
    ordc_min_reserve_mw: float = 0.0
    ordc_sd_mw: float = 2_350.0
    # Real-time-only shocks.
    sced_noise_sd: float = 0.094
    sced_noise_phi: float = 0.98
    sced_noise_usd: float = 5.65
    trip_rate_per_day: float = 0.24
    trip_size_mw: float = 1_700.0
    trip_hours: tuple[float, float] = (1.0, 8.0)
    ramp_spike_rate_per_day: float = 1.54
    ramp_spike_median_usd: float = 40.0
    ramp_spike_sigma: float = 0.9
    scarcity_day_prob: float = TARGET_SPIKE_DAY_PROBABILITY
    scarcity_peak_median_usd: float = 1_650.0
    scarcity_peak_sigma: float = 0.8
    rt_congestion_sd: float = 0.45
    # Day-ahead market: a flat premium, hourly clearing noise, extra reserve uncertainty priced in (trips, bursts).
    dam_premium: float = 0.01
    dam_noise_sd: float = 0.012
    dam_reserve_extra_sd_mw: float = 2_200.0
    dam_quadrature_nodes: int = 9
    dam_congestion_share: float = 0.29
    # The fleet through 2024 (ADR 0012, "Fleet growth"): the capacities above are those of fleet_reference_day
    # (the middle of the January-June tuning window); between fleet_growth_from and fleet_growth_to they grow
    # linearly at the rates ERCOT's grid saw in 2024 (Federal Reserve Bank of Dallas, January 2025: 9,700 MW of
    # solar, 3,400 MW of gas and 4,374 MW of battery storage added); outside it the nearest end's fleet stands.
    # Storage adds to the dispatchable capacity: its power is offered into the evening net-load peak, where the
    # stack's scarcity is priced, as the ~4 GW of storage already there in the tuning window is inside the fitted
    # thermal_capacity_mw. Not fitted on prices: taken from capacity reports.
    fleet_reference_day: str = "2024-04-01"
    fleet_growth_from: str = "2024-01-01"
    fleet_growth_to: str = "2024-12-31"
    solar_growth_mw_per_year: float = 9_700.0
    gas_growth_mw_per_year: float = 3_400.0
    storage_growth_mw_per_year: float = 4_374.0


DEFAULT_PARAMS = MarketParams()

_AS_BASE_DAM = {"REGUP": 3.0, "REGDN": 2.0, "RRS": 1.6, "ECRS": 1.4, "NSPIN": 2.2}  # $/MW per hour
_AS_BASE_RT = {"REGUP": 1.5, "REGDN": 1.0, "RRS": 0.5, "ECRS": 0.4, "NSPIN": 0.6}
_AS_SCARCITY_SHARE = {"REGUP": 0.5, "REGDN": 0.02, "RRS": 0.6, "ECRS": 0.55, "NSPIN": 0.4}


def _rng(seed: int, day: dt.date, stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, day.toordinal(), stream])


def _local_hours(starts: pd.DatetimeIndex, minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """Local clock hour (float, interval midpoint) and DST indicator of each interval."""
    mid = (starts + pd.Timedelta(minutes=minutes / 2)).tz_convert(ERCOT_TZ)
    hours = mid.hour + mid.minute / 60.0 + mid.second / 3600.0
    is_dst = np.asarray(mid.tz_localize(None) - mid.tz_convert("UTC").tz_localize(None) == pd.Timedelta(hours=-5))
    return np.asarray(hours, dtype=float), is_dst


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation ``sd``."""
    eps = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    eps[0] = rng.normal(0.0, sd)  # start in the stationary distribution
    return lfilter([1.0], [1.0, -phi], eps)  # out[i] = phi * out[i-1] + eps[i]


def _phi(tau_hours: float, minutes: int = 5) -> float:
    """AR(1) coefficient per ``minutes`` step of a process with e-folding time ``tau_hours``."""
    return float(np.exp(-minutes / 60.0 / tau_hours))


def _seasons(d: dt.date) -> tuple[int, float, float]:
    """Day of year, summer weight (1 mid-July, 0 from mid-October to mid-April) and winter weight."""
    doy = d.timetuple().tm_yday
    c = np.cos(2 * np.pi * (doy - 200) / 365.0)
    return doy, float(max(c, 0.0)), float(max(-c, 0.0))


def _load_shape(hours: np.ndarray, summer: float, winter: float) -> np.ndarray:
    """Daily load shape (about 1 on average): night trough, morning shoulder, evening peak; seasonal."""
    g = lambda centre, width: np.exp(-(((hours - centre) / width) ** 2))
    shape = 1.0 - 0.12 * g(4.0, 2.5) + 0.04 * g(8.0, 1.5) + 0.12 * g(18.5, 3.0)
    shape += summer * (0.14 * g(17.0, 3.5) - 0.04 * g(5.0, 3.0))
    shape += winter * (0.07 * g(7.5, 1.5) + 0.03 * g(19.5, 2.0))
    return shape


def synthetic_fundamentals(day: dt.date | str, seed: int, params: MarketParams | None = None) -> pd.DataFrame:
    """Day-ahead forecasts and realisations of the synthetic system's load, solar and wind.

    Indexed by ``interval_start_utc`` (the day's 5-minute grid); columns
    ``load_forecast_mw``, ``load_mw`` (system load, MW), ``solar_forecast_frac``,
    ``solar_frac``, ``wind_forecast_frac``, ``wind_frac`` (0..1 of installed
    capacity). The forecast is what the day-ahead market knows; the
    realisation is the forecast plus an error with a day-level bias and an
    AR(1) part correlated over hours. Deterministic in ``(day, seed)``.
    """
    p = params or DEFAULT_PARAMS
    d = as_date(day)
    starts = interval_starts_utc(d, 5)
    n = len(starts)
    hours, is_dst = _local_hours(starts, 5)
    rng = _rng(seed, d, 1)  # what is known the day before
    err = _rng(seed, d, 5)  # forecast errors: realised on the day
    doy, summer, winter = _seasons(d)

    # Solar: a clear-sky arc scaled by the day's forecast cloudiness; the realised cloudiness errs.
    season = np.cos(2 * np.pi * (doy - 172) / 365.0)  # +1 midsummer, -1 midwinter
    day_length = 12.0 + 1.9 * season
    noon = 12.5 + is_dst.astype(float)
    phase = (hours - (noon - day_length / 2)) / day_length
    clear = np.where((phase > 0) & (phase < 1), np.sin(np.pi * np.clip(phase, 0, 1)) ** 1.3, 0.0)
    cloud_f = rng.uniform(0.55, 1.0)
    cloud_err = err.normal(0.0, p.solar_error_bias_sd) + _ar1(err, n, _phi(p.solar_error_tau_h), p.solar_error_sd)
    solar_f = np.clip(clear * 0.85 * cloud_f, 0.0, 1.0)
    solar = np.clip(clear * 0.85 * np.clip(cloud_f + cloud_err, 0.05, 1.1), 0.0, 1.0)

    # Wind: weather regimes of about a week, a night-time maximum; the realisation errs for hours at a time.
    regime = 0.15 * np.sin(2 * np.pi * d.toordinal() / 7.3 + (seed % 97))
    spring = 0.05 * np.cos(2 * np.pi * (doy - 105) / 365.0)
    w0 = np.clip(0.31 + regime + spring + 0.12 * rng.standard_normal(), 0.06, 0.7)
    diurnal = 0.10 * np.cos(2 * np.pi * (hours - 2.0) / 24.0)
    wind_f = np.clip(w0 + diurnal, 0.02, 0.75)
    wind_err = err.normal(0.0, p.wind_error_bias_sd) + _ar1(err, n, _phi(p.wind_error_tau_h), p.wind_error_sd)
    wind = np.clip(wind_f + wind_err, 0.02, 0.75)

    # Load: seasonal level, weather anomaly and weekday/weekend (all known the day before), daily shape.
    mean_mw = (
        p.load_mean_mw
        + p.load_annual_amp_mw * np.cos(2 * np.pi * (doy - 215) / 365.0)
        + p.load_semiannual_amp_mw * np.cos(4 * np.pi * (doy - 15) / 365.0)
    )
    anomaly = 1.0 + (p.load_anomaly_sd + p.load_anomaly_extreme_sd * max(winter, summer)) * rng.standard_normal()
    weekend = p.weekend_load_factor if d.weekday() >= 5 else 1.0
    load_f = mean_mw * anomaly * weekend * _load_shape(hours, summer, winter)
    load_err = err.normal(0.0, p.load_error_bias_sd) + _ar1(err, n, _phi(p.load_error_tau_h), p.load_error_sd)
    load = load_f * (1.0 + load_err)
    return pd.DataFrame(
        {
            "load_forecast_mw": load_f,
            "load_mw": load,
            "solar_forecast_frac": solar_f,
            "solar_frac": solar,
            "wind_forecast_frac": wind_f,
            "wind_frac": wind,
        },
        index=starts,
    )


def synthetic_renewables(day: dt.date | str, seed: int) -> pd.DataFrame:
    """System solar and wind output of the synthetic day, as fractions of installed capacity.

    Indexed by ``interval_start_utc`` (the day's 5-minute grid); columns
    ``solar_frac`` and ``wind_frac`` (0..1, MW output / MW capacity): the
    *realised* output that drives the synthetic real-time prices of the same
    ``(day, seed)``. The day-ahead forecasts behind the DAM are in
    :func:`synthetic_fundamentals`.
    """
    return synthetic_fundamentals(day, seed)[["solar_frac", "wind_frac"]]


def price_formation(
    net_load_mw: np.ndarray,
    capacity_mw: np.ndarray | float,
    fuel_usd_per_mwh: float,
    params: MarketParams | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """System energy price and scarcity adder ($/MWh) at a net load and available dispatchable capacity.

    Energy: ``fuel * exp(slope * (N/C - mid))`` less a curtailment term
    ``curtail * sigmoid((curtail_u - N/C) / width)`` (renewables bid below
    zero when net load is very low). Adder: ``(VOLL - energy) * P(reserve <
    minimum)`` with reserve ``C - N`` seen with a normal error (ERCOT's ORDC
    in spirit). The same function prices the DAM (forecasts) and RT
    (realisations).
    """
    p = params or DEFAULT_PARAMS
    net = np.asarray(net_load_mw, dtype=float)
    cap = np.asarray(capacity_mw, dtype=float)
    u = net / cap
    energy = fuel_usd_per_mwh * np.exp(p.stack_slope * (u - p.stack_mid))
    energy = energy - p.curtail_usd_per_mwh * expit((p.curtail_utilisation - u) / p.curtail_width)
    energy = np.minimum(energy, PRICE_CAP_USD_PER_MWH)
    shortfall = ndtr((p.ordc_min_reserve_mw - (cap - net)) / p.ordc_sd_mw)
    adder = np.clip((p.ordc_voll_usd_per_mwh - energy) * shortfall, 0.0, None)
    return energy, adder


@dataclass(frozen=True)
class SyntheticDay:
    """Prices of one synthetic operating day (before formatting into files).

    ``lmp`` is (n 5-minute intervals x n points) $/MWh, ``spp`` (n 15-minute
    intervals x n points), ``lzew`` the energy-weighted load-zone SPP (n 15-min
    x n load zones), ``dam`` (n hours x n points), ``as_dam`` (n hours x 5)
    and ``as_rt`` (n 15-min x 5) $/MW per hour in :data:`AS_TYPES` order.
    ``scarcity_usd_per_mwh`` is the real-time scarcity (ORDC-like adder plus
    bursts) of each 5-minute interval.
    """

    day: dt.date
    points: tuple[SettlementPoint, ...]
    starts_5min: pd.DatetimeIndex
    starts_15min: pd.DatetimeIndex
    starts_hour: pd.DatetimeIndex
    lmp: np.ndarray
    spp: np.ndarray
    lzew: np.ndarray
    dam: np.ndarray
    as_dam: np.ndarray
    as_rt: np.ndarray
    scarcity_usd_per_mwh: np.ndarray

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.points]

    def lmp_frame(self) -> pd.DataFrame:
        """5-minute LMPs as a wide frame (index interval_start_utc, one column per point)."""
        return pd.DataFrame(self.lmp, index=self.starts_5min, columns=self.names)


def _name_offset(name: str, scale: float) -> float:
    """A fixed, catalogue-order-independent offset for a settlement point, in $/MWh."""
    u = zlib.crc32(name.encode()) / 0xFFFFFFFF
    return scale * (2 * u - 1)


def fleet_on(day: dt.date | str, params: MarketParams | None = None) -> MarketParams:
    """``params`` with the installed solar and dispatchable capacity (MW) of ``day``.

    Linear growth at the ``*_growth_mw_per_year`` rates from ``fleet_reference_day`` (gas and storage both add
    to ``thermal_capacity_mw``), the day clamped to ``fleet_growth_from``..``fleet_growth_to``: days outside get
    the nearest end's fleet.
    """
    p = params or DEFAULT_PARAMS
    lo, hi = as_date(p.fleet_growth_from), as_date(p.fleet_growth_to)
    at = min(max(as_date(day), lo), hi)
    years = (at - as_date(p.fleet_reference_day)).days / 365.0
    dispatchable = p.gas_growth_mw_per_year + p.storage_growth_mw_per_year
    return replace(
        p,
        solar_capacity_mw=p.solar_capacity_mw + p.solar_growth_mw_per_year * years,
        thermal_capacity_mw=p.thermal_capacity_mw + dispatchable * years,
    )


def _capacity_mw(d: dt.date, rng: np.random.Generator, p: MarketParams) -> float:
    """Dispatchable capacity available on the day (MW): fleet less planned (spring, autumn) and forced outages."""
    doy, _, winter = _seasons(d)
    planned = (
        p.planned_outage_summer_mw
        + (p.planned_outage_spring_mw - p.planned_outage_summer_mw) * np.exp(-(((doy - 105) / 32.0) ** 2))
        + (p.planned_outage_autumn_mw - p.planned_outage_summer_mw) * np.exp(-(((doy - 300) / 35.0) ** 2))
        + (p.planned_outage_winter_mw - p.planned_outage_summer_mw) * winter
    )
    return float(p.thermal_capacity_mw - planned - abs(rng.normal(0.0, p.forced_outage_sd_mw)))


def _net_load_sd_mw(fund: pd.DataFrame, p: MarketParams) -> np.ndarray:
    """Standard deviation (MW) of the day-ahead net-load forecast error of each interval (the error model's)."""
    load_sd = fund["load_forecast_mw"].to_numpy() * np.hypot(p.load_error_bias_sd, p.load_error_sd)
    wind_sd = p.wind_capacity_mw * np.hypot(p.wind_error_bias_sd, p.wind_error_sd)
    solar_sd = (
        p.solar_capacity_mw * fund["solar_forecast_frac"].to_numpy() * np.hypot(p.solar_error_bias_sd, p.solar_error_sd)
    )
    return np.sqrt(load_sd**2 + wind_sd**2 + solar_sd**2)


def _zone_basis(wind: np.ndarray, solar: np.ndarray, u: np.ndarray, congestion: float, rt_noise: dict | None) -> dict:
    """Zone congestion terms ($/MWh at zone-average renewable shares); ``rt_noise`` adds RT-only noise."""
    noise = rt_noise or {}
    return {
        "WEST": -congestion * (70.0 * np.clip(wind - 0.30, 0.0, None) ** 1.2 + 15.0 * solar**2) - 4.0 * solar,
        "NORTH": 0.0 + noise.get("NORTH", 0.0),
        "SOUTH": 1.0 - 3.0 * solar + noise.get("SOUTH", 0.0),
        "HOUSTON": 2.0 + 40.0 * congestion * np.clip(u - 0.72, 0.0, None),
    }


def _node_prices(
    points: tuple[SettlementPoint, ...],
    system: np.ndarray,
    basis: dict,
    solar: np.ndarray,
    node_noise: np.ndarray | None,
) -> np.ndarray:
    """Prices at every point: system + zone basis (scaled by wind share in the West) + solar dip + offset (+ noise)."""
    n = len(system)
    out = np.empty((n, len(points)))
    main_hubs: list[int] = []  # the four zonal trading hubs, averaged into HB_HUBAVG/HB_BUSAVG
    for j, pt in enumerate(points):
        zw, zs = locations.ZONE_RENEWABLE_SHARES[pt.zone]
        wind_factor = pt.wind_share / zw if zw > 0 else 1.0
        b = basis[pt.zone] * (wind_factor if pt.zone == "WEST" else 1.0)
        solar_dip = -12.0 * max(0.0, pt.solar_share - zs) * solar**2
        offset = _name_offset(pt.name, 1.5 if pt.location_type == locations.RESOURCE_NODE else 0.4)
        out[:, j] = system + b + solar_dip + offset + (node_noise[:, j] if node_noise is not None else 0.0)
        if pt.location_type == locations.TRADING_HUB and pt.name != "HB_PAN":
            main_hubs.append(j)
    for j, pt in enumerate(points):
        if pt.location_type == locations.HUB_AVERAGE and main_hubs:
            jitter = 0.15 * node_noise[:, j] if (pt.name == "HB_BUSAVG" and node_noise is not None) else 0.0
            out[:, j] = out[:, main_hubs].mean(axis=1) + jitter
    return out


def _hourly(x: np.ndarray, per_hour: int) -> np.ndarray:
    return x.reshape(len(x) // per_hour, per_hour, *x.shape[1:]).mean(axis=1)


def synthetic_prices(
    day: dt.date | str, catalogue: Sequence[SettlementPoint], seed: int, params: MarketParams | None = None
) -> SyntheticDay:
    """Generate the prices of one operating day (deterministic in ``day``, ``catalogue``, ``seed``).

    ``params`` defaults to the calibrated :data:`DEFAULT_PARAMS`.
    """
    d = as_date(day)
    p = fleet_on(d, params)
    points = tuple(catalogue)
    fund = synthetic_fundamentals(d, seed, p)
    starts = fund.index
    n = len(starts)
    n_h = n // 12
    hours, _ = _local_hours(starts, 5)
    rng = _rng(seed, d, 2)  # known the day before: fuel level, capacity, congestion propensity, DAM clearing
    rt = _rng(seed, d, 4)  # real-time-only shocks, never seen by the DAM

    # The day as known the day before: fuel level, capacity, congestion propensity, forecasts.
    ordinal = d.toordinal()
    level = (
        0.15 * np.sin(2 * np.pi * ordinal / 11.0 + (seed % 31))
        + 0.10 * np.sin(2 * np.pi * ordinal / 29.0 + (seed % 17))
        + 0.10 * rng.standard_normal()
    )
    fuel = p.fuel_usd_per_mwh * float(np.exp(level))
    capacity = _capacity_mw(d, rng, p)
    day_congestion = rng.uniform(0.5, 1.6)
    solar_f, wind_f = fund["solar_forecast_frac"].to_numpy(), fund["wind_forecast_frac"].to_numpy()
    solar_a, wind_a = fund["solar_frac"].to_numpy(), fund["wind_frac"].to_numpy()
    net_f = fund["load_forecast_mw"].to_numpy() - p.solar_capacity_mw * solar_f - p.wind_capacity_mw * wind_f
    net_a = fund["load_mw"].to_numpy() - p.solar_capacity_mw * solar_a - p.wind_capacity_mw * wind_a

    # Real time: realised net load, capacity less RT-only unit trips, SCED noise, ramp spikes, scarcity bursts.
    cap_rt = np.full(n, capacity)
    for _ in range(rt.poisson(p.trip_rate_per_day)):
        at = rt.integers(0, n)
        length = int(rt.uniform(*p.trip_hours) * 12)
        cap_rt[at : at + length] -= rt.exponential(p.trip_size_mw)
    energy_rt, adder_rt = price_formation(net_a, cap_rt, fuel, p)
    sced = np.exp(_ar1(rt, n, p.sced_noise_phi, p.sced_noise_sd))
    system = energy_rt * sced + rt.normal(0.0, p.sced_noise_usd, n) + adder_rt
    spikes = np.zeros(n)
    for _ in range(rt.poisson(p.ramp_spike_rate_per_day)):
        centre = rt.normal(7.0, 1.2) if rt.uniform() < 0.35 else rt.normal(19.0, 1.8)
        width = rt.integers(1, 5) / 12.0  # 5-20 minutes
        size = float(np.exp(rt.normal(np.log(p.ramp_spike_median_usd), p.ramp_spike_sigma)))
        spikes += size * ((hours >= centre) & (hours < centre + width))
    burst = np.zeros(n)
    if rt.uniform() < p.scarcity_day_prob:
        centre = rt.uniform(17.0, 21.0)
        half_width_h = rt.uniform(0.125, 0.5)
        peak = min(
            PRICE_CAP_USD_PER_MWH, float(np.exp(rt.normal(np.log(p.scarcity_peak_median_usd), p.scarcity_peak_sigma)))
        )
        burst = peak * np.clip(1 - np.abs(hours - centre) / half_width_h, 0.0, None)
    system = system + spikes + burst
    scarcity = adder_rt + burst

    congestion_rt = day_congestion * float(np.exp(rt.normal(0.0, p.rt_congestion_sd)))
    u_a = net_a / cap_rt
    rt_noise = {"NORTH": 0.5 * _ar1(rt, n, 0.95, 1.0), "SOUTH": 0.8 * _ar1(rt, n, 0.95, 1.0)}
    node_noise = rt.normal(0.0, 0.6, (n, len(points)))
    basis_rt = _zone_basis(wind_a, solar_a, u_a, congestion_rt, rt_noise)
    lmp = _node_prices(points, system, basis_rt, solar_a, node_noise)
    lmp = np.clip(np.round(lmp, 2), PRICE_FLOOR_USD_PER_MWH, PRICE_CAP_USD_PER_MWH)

    # 15-minute SPPs: time average of the three 5-minute LMPs.
    spp = np.round(lmp.reshape(n // 3, 3, len(points)).mean(axis=1), 2)
    lz_idx = [j for j, pt in enumerate(points) if pt.location_type == locations.LOAD_ZONE]
    lzew = np.round(spp[:, lz_idx] + rt.normal(0.0, 0.03, (n // 3, len(lz_idx))), 2)

    # Day ahead: the expected stack price of each hour over the forecast-error distribution (no realised error,
    # trip, spike or RT congestion), at the forecast's zone basis; a risk premium and clearing noise.
    net_fh = _hourly(net_f, 12)
    sd_h = _hourly(_net_load_sd_mw(fund, p), 12)
    z, w = np.polynomial.hermite_e.hermegauss(p.dam_quadrature_nodes)
    w = w / w.sum()
    p_da = replace(p, ordc_sd_mw=float(np.hypot(p.ordc_sd_mw, p.dam_reserve_extra_sd_mw)))  # + trip uncertainty
    energy_q, adder_q = price_formation(net_fh[:, None] + sd_h[:, None] * z[None, :], capacity, fuel, p_da)
    system_da = (energy_q + adder_q) @ w
    clearing = 1.0 + p.dam_premium + rng.normal(0.0, p.dam_noise_sd, n_h)
    basis_da = _zone_basis(
        _hourly(wind_f, 12), _hourly(solar_f, 12), net_fh / capacity, p.dam_congestion_share * day_congestion, None
    )
    dam_nodes = _node_prices(points, system_da, basis_da, _hourly(solar_f, 12), None)
    dam = dam_nodes + (system_da * (clearing - 1.0))[:, None]
    dam = np.clip(np.round(dam, 2), PRICE_FLOOR_USD_PER_MWH, PRICE_CAP_USD_PER_MWH)

    # Ancillary services: DAM MCPCs from the forecast tightness, RT MCPCs from the realised one.
    u_fh = net_fh / capacity
    u_q = u_a.reshape(n // 3, 3).mean(axis=1)
    scar_h = adder_q @ w
    scar_q = scarcity.reshape(n // 3, 3).mean(axis=1)
    as_dam: np.ndarray = np.empty((n_h, len(AS_TYPES)))
    as_rt: np.ndarray = np.empty((n // 3, len(AS_TYPES)))
    for k, a in enumerate(AS_TYPES):
        tight_h = np.exp(2.5 * (u_fh - 0.6)) * np.exp(rng.normal(0.0, 0.15, n_h))
        tight_q = np.exp(3.0 * (u_q - 0.6)) * np.exp(rt.normal(0.0, 0.25, n // 3))
        as_dam[:, k] = _AS_BASE_DAM[a] * tight_h * np.exp(level) + 0.05 * _AS_SCARCITY_SHARE[a] * scar_h
        as_rt[:, k] = _AS_BASE_RT[a] * tight_q * np.exp(level) + _AS_SCARCITY_SHARE[a] * scar_q
    as_dam = np.round(np.clip(as_dam, 0.0, PRICE_CAP_USD_PER_MWH), 2)
    as_rt = np.round(np.clip(as_rt, 0.0, PRICE_CAP_USD_PER_MWH), 2)

    return SyntheticDay(
        day=d,
        points=points,
        starts_5min=starts,
        starts_15min=starts[::3],
        starts_hour=starts[::12],
        lmp=lmp,
        spp=spp,
        lzew=lzew,
        dam=dam,
        as_dam=as_dam,
        as_rt=as_rt,
        scarcity_usd_per_mwh=scarcity,
    )
