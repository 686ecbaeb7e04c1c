"""Hub statistics of real and synthetic ERCOT prices, side by side (ADR 0012).

The synthetic source (:mod:`hayeknet.ercot.synthetic`) is calibrated against
real 2024 HB_HUBAVG prices (``../shared/real/hb_hubavg_2024``, ERCOT's daily
report layout: NP6-905-CD 15-minute RT settlement point prices and NP4-190-CD
hourly DAM prices). This module holds everything that comparison needs, so a
test, a notebook or a report computes the same numbers:

* :func:`load_real_hub_days` reads the real reports through the project's one
  parsing path (:func:`hayeknet.ercot.parse.parse_files`);
* :func:`synthetic_hub_days` generates the same calendar days at the hub only
  (the four zonal hubs and their average, which is all HB_HUBAVG needs);
* :func:`hub_statistics` computes the statistics of ADR 0012 for either;
* :func:`naive_dam_capture` is the key economic one: a battery schedule
  optimised on the day's DAM curve (known the day before) executed at the
  real-time prices, as a share of real-time perfect foresight;
* :func:`calibration_table` puts synthetic and real next to each other.

Tuning uses :data:`TUNING_WINDOW` (2024-01..06) only; :data:`EVALUATION_WINDOW`
(2024-07..12) is reported, never tuned on. Prices from 2025 on are held out.

Everything is compared at 15 minutes: the real RT price is ERCOT's 15-minute
settlement point price, the synthetic one the generator's NP6-905-CD SPP (the
mean of its three 5-minute LMPs, as ERCOT's SPP is a time-weighted average).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from hayeknet.ercot.calendar import ERCOT_TZ, as_date, interval_starts_utc

HUB = "HB_HUBAVG"
TUNING_WINDOW: tuple[dt.date, dt.date] = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
"""Real days the synthetic generator is tuned on (inclusive)."""
EVALUATION_WINDOW: tuple[dt.date, dt.date] = (dt.date(2024, 7, 1), dt.date(2024, 12, 31))
"""Real days the calibration is only reported on (inclusive), never tuned on."""
REAL_HUB_FOLDER = Path("real") / "hb_hubavg_2024"
"""Where the real 2024 hub reports lie below the shared folder (``<repo>/../shared``)."""

SPIKE_THRESHOLDS_USD_PER_MWH: tuple[float, ...] = (100.0, 500.0, 1000.0)
SPREAD_QUANTILES: tuple[float, ...] = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


@dataclass(frozen=True)
class CalibrationBattery:
    """The study battery of DESIGN section 5, as the calibration's LP uses it."""

    power_mw: float = 100.0
    energy_mwh: float = 400.0
    soc_min_frac: float = 0.10
    soc_max_frac: float = 0.90
    soc_start_frac: float = 0.50
    charge_efficiency: float = 0.95
    discharge_efficiency: float = 0.95
    degradation_usd_per_mwh: float = 5.0


@dataclass(frozen=True)
class HubDays:
    """One price location over a run of operating days: 15-minute RT and hourly DAM per day.

    ``rt[i]`` holds day ``days[i]``'s 15-minute RT prices ($/MWh, 96 a day;
    92/100 on DST days) and ``rt_hour[i]`` the local clock hour (0-23) of each;
    ``dam[i]`` the hourly DAM prices (24; 23/25) and ``dam_hour[i]`` their
    local hours. ``dam_at_rt(i)`` is the DAM price of each 15-minute interval's hour.
    """

    source: str
    days: tuple[dt.date, ...]
    rt: tuple[np.ndarray, ...]
    dam: tuple[np.ndarray, ...]
    rt_hour: tuple[np.ndarray, ...]
    dam_hour: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.days)

    def window(self, start: dt.date | str, end: dt.date | str) -> HubDays:
        """The days from ``start`` to ``end`` inclusive."""
        lo, hi = as_date(start), as_date(end)
        keep = [i for i, d in enumerate(self.days) if lo <= d <= hi]
        pick = lambda xs: tuple(xs[i] for i in keep)
        return HubDays(self.source, pick(self.days), pick(self.rt), pick(self.dam), pick(self.rt_hour),
                       pick(self.dam_hour))  # fmt: skip

    def dam_at_rt(self, i: int) -> np.ndarray:
        """Day ``i``'s DAM price of the hour of each 15-minute interval."""
        return np.repeat(self.dam[i], len(self.rt[i]) // len(self.dam[i]))


def _local_hour(starts: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(starts.tz_convert(ERCOT_TZ).hour, dtype=int)


def load_real_hub_days(
    folder: Path | str, start: dt.date | str | None = None, end: dt.date | str | None = None, location: str = HUB
) -> HubDays:
    """Real days of ``location`` from a folder of ERCOT daily reports (``np6-905-cd/``, ``np4-190-cd/``).

    Files are read through :func:`hayeknet.ercot.parse.parse_files`, the same
    path as every archived day. Only days with a complete 15-minute RT grid
    and a complete hourly DAM are kept (every 2024 day of the shared data is).
    """
    from hayeknet.ercot.parse import parse_files

    folder = Path(folder)
    paths = sorted((folder / "np6-905-cd").glob("*")) + sorted((folder / "np4-190-cd").glob("*"))
    if not paths:
        raise FileNotFoundError(f"no NP6-905-CD / NP4-190-CD files under {folder}")
    table = parse_files(paths)
    table = table[table["location"] == location]
    local = table["interval_start_utc"].dt.tz_convert(ERCOT_TZ)
    table = table.assign(day=local.dt.date.to_numpy())
    lo = as_date(start) if start is not None else min(table["day"])
    hi = as_date(end) if end is not None else max(table["day"])
    out_days, rts, dams, rth, damh = [], [], [], [], []
    rt_all = table[table["report"] == "NP6-905-CD"].groupby("day")
    dam_all = table[table["report"] == "NP4-190-CD"].groupby("day")
    dam_groups = dict(iter(dam_all))
    for day, rt in rt_all:
        if not (lo <= day <= hi) or day not in dam_groups:
            continue
        grid15, grid60 = interval_starts_utc(day, 15), interval_starts_utc(day, 60)
        rt_s = rt.set_index("interval_start_utc")["price"].groupby(level=0).last().reindex(grid15)
        dam_s = dam_groups[day].set_index("interval_start_utc")["price"].groupby(level=0).last().reindex(grid60)
        if rt_s.isna().any() or dam_s.isna().any():
            continue
        out_days.append(day)
        rts.append(rt_s.to_numpy(float))
        dams.append(dam_s.to_numpy(float))
        rth.append(_local_hour(grid15))
        damh.append(_local_hour(grid60))
    return HubDays(f"real {location}", tuple(out_days), tuple(rts), tuple(dams), tuple(rth), tuple(damh))


def hub_catalogue() -> list:
    """The smallest synthetic catalogue that prices HB_HUBAVG: the four zonal hubs and their average."""
    from hayeknet.ercot import locations

    return [
        p for p in locations.default_catalogue(0) if p.name in {"HB_HOUSTON", "HB_NORTH", "HB_SOUTH", "HB_WEST", HUB}
    ]


def synthetic_hub_days(
    start: dt.date | str, end: dt.date | str, seed: int, location: str = HUB, params=None
) -> HubDays:
    """Synthetic days ``start``..``end`` (inclusive) at ``location`` (a hub of :func:`hub_catalogue`).

    A day's prices do not depend on the catalogue's other points beyond the
    hubs HB_HUBAVG averages, so this is the hub of a full catalogue, fast.
    ``params``: a :class:`hayeknet.ercot.synthetic.MarketParams` (default: the calibrated one).
    """
    from hayeknet.ercot.synthetic import synthetic_prices

    catalogue = hub_catalogue()
    j = [p.name for p in catalogue].index(location)
    d, hi = as_date(start), as_date(end)
    out_days, rts, dams, rth, damh = [], [], [], [], []
    while d <= hi:
        sd = synthetic_prices(d, catalogue, seed, params)
        out_days.append(d)
        rts.append(np.asarray(sd.spp[:, j], dtype=float))
        dams.append(np.asarray(sd.dam[:, j], dtype=float))
        rth.append(_local_hour(sd.starts_15min))
        damh.append(_local_hour(sd.starts_hour))
        d += dt.timedelta(days=1)
    return HubDays(f"synthetic {location} seed {seed}", tuple(out_days), tuple(rts), tuple(dams), tuple(rth),
                   tuple(damh))  # fmt: skip


# --- battery LP ----------------------------------------------------------------------------------


def _lp_matrices(n: int, dt_h: float, b: CalibrationBattery) -> tuple[sparse.csr_matrix, np.ndarray, list]:
    """Equality constraints and bounds of the day's LP over columns ``c[0..n-1], d[0..n-1], s[0..n-1]``.

    ``s[t]`` is the SOC (MWh) at the end of interval ``t``:
    ``s[t] - s[t-1] - eta_c*c[t]*dt + d[t]*dt/eta_d = 0`` with ``s[-1]`` the
    initial SOC, and ``s[n-1]`` fixed to it (start and end at 50%).
    """
    eye = sparse.identity(n, format="csr")
    shift = sparse.eye(n, n, k=-1, format="csr")
    a_eq = sparse.hstack([-b.charge_efficiency * dt_h * eye, dt_h / b.discharge_efficiency * eye, eye - shift]).tocsr()
    s0 = b.soc_start_frac * b.energy_mwh
    b_eq = np.zeros(n)
    b_eq[0] = s0
    bounds = [(0.0, b.power_mw)] * (2 * n) + [(b.soc_min_frac * b.energy_mwh, b.soc_max_frac * b.energy_mwh)] * n
    bounds[-1] = (s0, s0)
    return a_eq, b_eq, bounds


def optimal_schedule(
    prices: np.ndarray, dt_h: float, battery: CalibrationBattery | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Charge and discharge MW per interval that maximise the day's profit at ``prices`` (LP, HiGHS).

    Profit = sum p*(d-c)*dt - k*(c+d)*dt; start and end SOC 50%. Simultaneous
    charge and discharge is separated afterwards without changing the SOC path
    (exact at prices above the burn threshold, -$97.56/MWh for the study
    battery, which the hub prices of 2024 never reach; ADR 0005).
    """
    b = battery or CalibrationBattery()
    p = np.asarray(prices, dtype=float)
    n = p.size
    k = b.degradation_usd_per_mwh
    cost = np.concatenate([(p + k) * dt_h, (-p + k) * dt_h, np.zeros(n)])  # minimise -profit
    a_eq, b_eq, bounds = _lp_matrices(n, dt_h, b)
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"calibration LP failed: {res.message}")
    c, d = res.x[:n].copy(), res.x[n : 2 * n].copy()
    eta = b.charge_efficiency * b.discharge_efficiency
    delta = np.minimum(c, d / eta)
    return np.clip(c - delta, 0.0, None), np.clip(d - eta * delta, 0.0, None)


def schedule_profit(prices: np.ndarray, charge: np.ndarray, discharge: np.ndarray, dt_h: float,
                    battery: CalibrationBattery | None = None) -> float:  # fmt: skip
    """Profit ($) of a charge/discharge schedule settled at ``prices``, less degradation."""
    b = battery or CalibrationBattery()
    p = np.asarray(prices, dtype=float)
    return float(
        np.sum(p * (discharge - charge)) * dt_h - b.degradation_usd_per_mwh * np.sum(charge + discharge) * dt_h
    )


@dataclass(frozen=True)
class CaptureResult:
    """Per-day profits ($) of RT perfect foresight and of the naive DAM schedule executed at RT."""

    days: tuple[dt.date, ...]
    perfect_foresight_usd: np.ndarray
    naive_dam_usd: np.ndarray

    @property
    def capture(self) -> float:
        """Sum of naive profits over the sum of perfect-foresight profits."""
        total = float(self.perfect_foresight_usd.sum())
        return float(self.naive_dam_usd.sum()) / total if total > 0 else float("nan")

    @property
    def median_daily_capture(self) -> float:
        ok = self.perfect_foresight_usd > 1.0
        return float(np.median(self.naive_dam_usd[ok] / self.perfect_foresight_usd[ok])) if ok.any() else float("nan")


def naive_dam_capture(hub: HubDays, battery: CalibrationBattery | None = None) -> CaptureResult:
    """The naive DAM-schedule strategy against RT perfect foresight, day by day.

    Naive: the LP optimum on the day's DAM curve (hourly prices held over
    their four 15-minute intervals; known the day before), executed unchanged
    in real time and settled at the 15-minute RT prices. Perfect foresight:
    the LP optimum on the RT prices themselves (a bound). Both start and end
    the day at 50% SOC.
    """
    b = battery or CalibrationBattery()
    pf, naive = [], []
    for i in range(len(hub)):
        rt = hub.rt[i]
        c, d = optimal_schedule(rt, 0.25, b)
        pf.append(schedule_profit(rt, c, d, 0.25, b))
        c, d = optimal_schedule(hub.dam_at_rt(i), 0.25, b)
        naive.append(schedule_profit(rt, c, d, 0.25, b))
    return CaptureResult(hub.days, np.array(pf), np.array(naive))


# --- statistics ----------------------------------------------------------------------------------


def _lag_corr(series: Iterable[np.ndarray], lag: int) -> float:
    """Pearson correlation of (x[t], x[t+lag]) pairs within each day, pooled over days."""
    a, b = [], []
    for x in series:
        if len(x) > lag:
            a.append(x[:-lag])
            b.append(x[lag:])
    return float(np.corrcoef(np.concatenate(a), np.concatenate(b))[0, 1])


def _top_bottom(x: np.ndarray, k: int) -> float:
    s = np.sort(x)
    return float(s[-k:].mean() - s[:k].mean())


def hub_statistics(hub: HubDays, capture: CaptureResult | None = None) -> dict[str, float]:
    """The calibration statistics of ADR 0012 for a run of days (names are the table's rows).

    Daily spreads are per day, then the median (``med``) or mean over days;
    ``rt_dam_*`` is the 15-minute RT price minus the DAM price of its hour,
    pooled over all intervals; ``acf_*`` its autocorrelation at lag one
    interval (15 min) and one hour, within days; ``rt_share_above_*`` and
    ``*_share_negative`` are shares of intervals (15-min RT, hourly DAM);
    ``rt_hourly_*``/``dam_hourly_*`` summarise the mean price by local hour
    (hour of the maximum and minimum, the max-min range, and the correlation
    of the two shapes with each other); ``capture_naive_dam`` is
    :func:`naive_dam_capture`'s aggregate ratio.
    """
    cap = capture if capture is not None else naive_dam_capture(hub)
    rt_all = np.concatenate(hub.rt)
    dam_all = np.concatenate(hub.dam)
    spreads = [hub.rt[i] - hub.dam_at_rt(i) for i in range(len(hub))]
    spread_all = np.concatenate(spreads)
    out: dict[str, float] = {
        "days": float(len(hub)),
        "rt_mean": float(rt_all.mean()),
        "rt_median": float(np.median(rt_all)),
        "dam_mean": float(dam_all.mean()),
        "dam_median": float(np.median(dam_all)),
        "rt_daily_maxmin_med": float(np.median([x.max() - x.min() for x in hub.rt])),
        "rt_daily_maxmin_mean": float(np.mean([x.max() - x.min() for x in hub.rt])),
        "rt_daily_top4h_bottom4h_med": float(np.median([_top_bottom(x, 16) for x in hub.rt])),
        "rt_daily_top4h_bottom4h_mean": float(np.mean([_top_bottom(x, 16) for x in hub.rt])),
        "dam_daily_maxmin_med": float(np.median([x.max() - x.min() for x in hub.dam])),
        "dam_daily_top4h_bottom4h_med": float(np.median([_top_bottom(x, 4) for x in hub.dam])),
        "dam_daily_top4h_bottom4h_mean": float(np.mean([_top_bottom(x, 4) for x in hub.dam])),
        "rt_dam_mean": float(spread_all.mean()),
        "rt_dam_std": float(spread_all.std()),
        "rt_dam_iqr": float(np.subtract(*np.quantile(spread_all, [0.75, 0.25]))),
    }
    for q, v in zip(SPREAD_QUANTILES, np.quantile(spread_all, SPREAD_QUANTILES)):
        out[f"rt_dam_q{round(q * 100):02d}"] = float(v)
    out["rt_dam_acf_15min"] = _lag_corr(spreads, 1)
    out["rt_dam_acf_1h"] = _lag_corr(spreads, 4)
    # Spike-robust autocorrelation: the spread clipped to its 1-99% quantiles (one spike day dominates Pearson).
    lo, hi = np.quantile(spread_all, [0.01, 0.99])
    clipped = [np.clip(s, lo, hi) for s in spreads]
    out["rt_dam_clipped_acf_15min"] = _lag_corr(clipped, 1)
    out["rt_dam_clipped_acf_1h"] = _lag_corr(clipped, 4)
    for t in SPIKE_THRESHOLDS_USD_PER_MWH:
        out[f"rt_share_above_{int(t)}"] = float((rt_all > t).mean())
    out["dam_share_above_100"] = float((dam_all > 100).mean())
    out["rt_share_negative"] = float((rt_all < 0).mean())
    out["dam_share_negative"] = float((dam_all < 0).mean())
    rt_prof, dam_prof = hourly_profile(hub, "rt"), hourly_profile(hub, "dam")
    out["rt_hourly_argmax"] = float(np.argmax(rt_prof))
    out["rt_hourly_argmin"] = float(np.argmin(rt_prof))
    out["rt_hourly_range"] = float(rt_prof.max() - rt_prof.min())
    out["dam_hourly_argmax"] = float(np.argmax(dam_prof))
    out["dam_hourly_argmin"] = float(np.argmin(dam_prof))
    out["dam_hourly_range"] = float(dam_prof.max() - dam_prof.min())
    out["rt_median_hourly_range"] = float(np.ptp(hourly_profile(hub, "rt", np.median)))
    out["dam_median_hourly_range"] = float(np.ptp(hourly_profile(hub, "dam", np.median)))
    out["pf_profit_per_day"] = float(cap.perfect_foresight_usd.mean())
    out["pf_profit_per_day_med"] = float(np.median(cap.perfect_foresight_usd))
    out["naive_profit_per_day"] = float(cap.naive_dam_usd.mean())
    out["capture_naive_dam"] = cap.capture
    out["capture_naive_dam_daily_med"] = cap.median_daily_capture
    return out


def hourly_profile(hub: HubDays, market: str = "rt", agg=np.mean) -> np.ndarray:
    """Price by local hour (0-23) over the days, aggregated by ``agg`` (mean by default)."""
    prices = np.concatenate(hub.rt if market == "rt" else hub.dam)
    hours = np.concatenate(hub.rt_hour if market == "rt" else hub.dam_hour)
    return np.array([agg(prices[hours == h]) for h in range(24)])


def profile_correlation(a: HubDays, b: HubDays, market: str = "rt", agg=np.median) -> float:
    """Correlation of two runs' price-by-local-hour shapes (median by hour by default: robust to spike days)."""
    return float(np.corrcoef(hourly_profile(a, market, agg), hourly_profile(b, market, agg))[0, 1])


def calibration_table(columns: Mapping[str, dict[str, float]]) -> pd.DataFrame:
    """Statistics side by side: one column per named run (e.g. synthetic/real x tuning/evaluation)."""
    return pd.DataFrame(columns)


def format_table(table: pd.DataFrame) -> str:
    """A plain-text table (3 significant decimals; shares as they are) for printing or the ADR."""

    def fmt(v: float) -> str:
        if not np.isfinite(v):
            return "nan"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        if abs(v) >= 0.01 or v == 0:
            return f"{v:.3f}"
        return f"{v:.2e}"

    return table.map(fmt).to_string()
