"""Operating days of market data for the three QSEs (issue 5): :class:`QSEDay` and how days are built.

:func:`qse_day_from_prices` builds a day from archived prices ($/MWh RT and
DAM, $/MW per hour AS) and the day's renewable profiles, given explicitly:
the real ones of :func:`hayeknet.ercot.generation.profiles.renewable_profiles`
on a day of real data, :func:`synthetic_renewable_profiles` on a synthetic
day; a resource without a profile is off that day (its QSE does not run).
:func:`synthetic_qse_day` / :func:`synthetic_qse_days` build days from the
synthetic market, with the synthetic system profiles and forecasts from
:func:`renewable_forecast`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.features import validate_prices
from hayeknet.agents.qse.features import STATE_FEATURE_NAMES
from hayeknet.battery.cooptimize import AS_DURATION_HOURS

if TYPE_CHECKING:
    from hayeknet.ercot.generation.profiles import RenewableProfile

#: The QSEs of a day: the battery always, each renewable when the day has its profile.
_RENEWABLES: tuple[str, ...] = ("solar", "wind")


@dataclass(frozen=True, eq=False)
class QSEDay:
    """One operating day of market data for the three QSEs, all arrays of one value per interval.

    Prices $/MWh: ``rt_price_usd_per_mwh`` (exogenous real-time LMP at the
    location), ``dam_price_usd_per_mwh`` (the DAM price of the interval's
    hour). Renewables as fractions of capacity (0..1): ``*_actual_frac`` the
    available output, ``*_forecast_frac`` the day-ahead forecast (published
    before the day); both ``None`` when the day has no profile of that resource:
    its QSE is off that day (:attr:`agents`). ``renewable_notes`` (optional):
    resource -> where its profile came from, or why it is off.
    ``state_features`` (optional, shape ``(n, len(STATE_FEATURE_NAMES))``):
    EnKF state and beliefs per interval, see :func:`~hayeknet.agents.qse.features.state_features`.
    ``interval_start_utc`` (optional) the interval starts (UTC).
    ``as_prices_usd_per_mw_h`` (optional): AS product (``REGUP``, ``REGDN``,
    ``RRS``, ``ECRS``, ``NSPIN``) -> clearing price per interval, $/MW per hour
    (real-time MCPCs under RTC+B; needed by ``market_design="rtc_b"``);
    ``as_price_source`` says where they came from.
    """

    label: str
    rt_price_usd_per_mwh: np.ndarray
    dam_price_usd_per_mwh: np.ndarray
    solar_actual_frac: np.ndarray | None
    solar_forecast_frac: np.ndarray | None
    wind_actual_frac: np.ndarray | None
    wind_forecast_frac: np.ndarray | None
    state_features: np.ndarray | None = None
    interval_start_utc: pd.DatetimeIndex | None = None
    as_prices_usd_per_mw_h: Mapping[str, np.ndarray] | None = None
    as_price_source: str | None = None
    renewable_notes: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        rt = validate_prices(self.rt_price_usd_per_mwh, f"QSEDay {self.label}: rt_price_usd_per_mwh")
        n = rt.size
        object.__setattr__(self, "rt_price_usd_per_mwh", rt)
        dam = validate_prices(self.dam_price_usd_per_mwh, f"QSEDay {self.label}: dam_price_usd_per_mwh")
        if dam.size != n:
            raise PriceDataError(f"QSEDay {self.label}: dam_price_usd_per_mwh has {dam.size} intervals, rt has {n}")
        object.__setattr__(self, "dam_price_usd_per_mwh", dam)
        for resource in _RENEWABLES:
            present = [getattr(self, f"{resource}_{kind}_frac") is not None for kind in ("actual", "forecast")]
            if present[0] != present[1]:
                raise PriceDataError(
                    f"QSEDay {self.label}: {resource}_actual_frac and {resource}_forecast_frac must both be given "
                    "or both be None (resource off)"
                )
        for name in ("solar_actual_frac", "solar_forecast_frac", "wind_actual_frac", "wind_forecast_frac"):
            if getattr(self, name) is None:
                continue
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.shape != (n,):
                raise PriceDataError(f"QSEDay {self.label}: {name} has shape {arr.shape}, expected ({n},)")
            bad = np.flatnonzero(~(np.isfinite(arr) & (arr >= 0.0) & (arr <= 1.0)))
            if bad.size:
                raise PriceDataError(
                    f"QSEDay {self.label}: {name}[{bad[0]}] = {arr[bad[0]]!r} is not a fraction of capacity in [0, 1]"
                )
            object.__setattr__(self, name, arr)
        if self.state_features is not None:
            sf = np.asarray(self.state_features, dtype=np.float64)
            if sf.shape != (n, len(STATE_FEATURE_NAMES)) or not np.all(np.isfinite(sf)):
                raise PriceDataError(
                    f"QSEDay {self.label}: state_features must be finite with shape ({n}, {len(STATE_FEATURE_NAMES)}), "
                    f"got {sf.shape}"
                )
            object.__setattr__(self, "state_features", sf)
        if self.interval_start_utc is not None and len(self.interval_start_utc) != n:
            raise PriceDataError(
                f"QSEDay {self.label}: interval_start_utc has {len(self.interval_start_utc)} entries for {n}"
            )
        if self.as_prices_usd_per_mw_h is not None:
            given = {str(k).upper(): v for k, v in dict(self.as_prices_usd_per_mw_h).items()}
            unknown = sorted(set(given) - set(AS_DURATION_HOURS))
            if unknown:
                raise PriceDataError(
                    f"QSEDay {self.label}: as_prices_usd_per_mw_h has unknown product {unknown[0]!r} "
                    f"(known: {', '.join(AS_DURATION_HOURS)})"
                )
            prices: dict[str, np.ndarray] = {}
            for product in (k for k in AS_DURATION_HOURS if k in given):
                arr = np.asarray(given[product], dtype=np.float64)
                if arr.shape != (n,):
                    raise PriceDataError(
                        f"QSEDay {self.label}: as_prices_usd_per_mw_h[{product}] has shape {arr.shape}, expected ({n},)"
                    )
                bad = np.flatnonzero(~np.isfinite(arr))
                if bad.size:
                    raise PriceDataError(
                        f"QSEDay {self.label}: as_prices_usd_per_mw_h[{product}][{bad[0]}] = {arr[bad[0]]!r} "
                        "is not a finite $/MW-h price"
                    )
                prices[product] = arr
            object.__setattr__(self, "as_prices_usd_per_mw_h", prices)
        if self.renewable_notes is not None:
            object.__setattr__(self, "renewable_notes", {str(k): str(v) for k, v in dict(self.renewable_notes).items()})

    @property
    def n_intervals(self) -> int:
        return int(self.rt_price_usd_per_mwh.size)

    @property
    def agents(self) -> tuple[str, ...]:
        """The QSEs that run on this day: the battery, and each renewable the day has a profile of."""
        return ("battery", *(r for r in _RENEWABLES if getattr(self, f"{r}_actual_frac") is not None))

    def note(self, resource: str) -> str | None:
        """Where ``resource``'s profile came from, or why it is off (``renewable_notes``), or None."""
        return (self.renewable_notes or {}).get(resource)

    def actual_frac(self, agent: str) -> np.ndarray:
        return self._frac(agent, "actual")

    def forecast_frac(self, agent: str) -> np.ndarray:
        return self._frac(agent, "forecast")

    def _frac(self, agent: str, kind: str) -> np.ndarray:
        if agent not in _RENEWABLES:
            raise KeyError(agent)
        arr = getattr(self, f"{agent}_{kind}_frac")
        if arr is None:
            why = self.note(agent)
            raise PriceDataError(f"QSEDay {self.label}: the {agent} QSE is off this day" + (f" ({why})" if why else ""))
        return arr

    def arrays(self) -> dict[str, np.ndarray]:
        """The day's numeric arrays by name (for hashing)."""
        out = {
            name: getattr(self, name)
            for name in (
                "rt_price_usd_per_mwh",
                "dam_price_usd_per_mwh",
                "solar_actual_frac",
                "solar_forecast_frac",
                "wind_actual_frac",
                "wind_forecast_frac",
            )
            if getattr(self, name) is not None
        }
        if self.state_features is not None:
            out["state_features"] = self.state_features
        for product, arr in (self.as_prices_usd_per_mw_h or {}).items():
            out[f"as_price_{product}_usd_per_mw_h"] = arr
        return out


def renewable_forecast(actual_frac: np.ndarray, rng: np.random.Generator, intervals_per_hour: int = 12) -> np.ndarray:
    """A day-ahead forecast of a renewable profile: hourly means of ``actual_frac`` with errors.

    A day-level multiplicative bias (lognormal, sd 0.12) and an hourly
    multiplicative error (sd 0.08) model forecast error; result clipped to [0, 1].
    """
    a = np.asarray(actual_frac, dtype=np.float64)
    n = a.size
    hours = np.arange(n) // intervals_per_hour
    n_h = int(hours[-1]) + 1 if n else 0
    hourly = np.bincount(hours, weights=a, minlength=n_h) / np.maximum(np.bincount(hours, minlength=n_h), 1)
    bias = math.exp(rng.normal(0.0, 0.12))
    err = np.exp(rng.normal(0.0, 0.08, n_h))
    return np.clip(hourly[hours] * bias * err[hours], 0.0, 1.0)


def synthetic_qse_day(day: dt.date | str, seed: int, location: str = "HB_WEST", n_resource_nodes: int = 2) -> QSEDay:
    """A :class:`QSEDay` from the synthetic market (:mod:`hayeknet.ercot.synthetic`), deterministic in its arguments.

    RT price: the 5-minute LMP at ``location``; DAM: that location's DAM
    price of the hour; AS prices: the synthetic real-time MCPCs (15-minute,
    held over their three 5-minute intervals); solar and wind: the system
    profiles that drive the synthetic prices, with forecasts from
    :func:`renewable_forecast`.
    """
    from hayeknet.ercot.calendar import as_date
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.reports import AS_TYPES
    from hayeknet.ercot.synthetic import synthetic_prices, synthetic_renewables

    d = as_date(day)
    synth = synthetic_prices(d, default_catalogue(n_resource_nodes), seed)
    if location not in synth.names:
        raise PriceDataError(f"synthetic_qse_day: location {location!r} not in the synthetic catalogue")
    j = synth.names.index(location)
    rt = np.asarray(synth.lmp[:, j], dtype=float)
    n = rt.size
    dam = np.repeat(np.asarray(synth.dam[:, j], dtype=float), n // synth.dam.shape[0])
    as_rt = np.asarray(synth.as_rt, dtype=float)
    as_prices = {a: np.repeat(as_rt[:, k], n // as_rt.shape[0]) for k, a in enumerate(AS_TYPES)}
    ren = synthetic_renewables(d, seed)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, d.toordinal(), 55])
    solar = ren["solar_frac"].to_numpy()
    wind = ren["wind_frac"].to_numpy()
    return QSEDay(
        label=d.isoformat(),
        rt_price_usd_per_mwh=rt,
        dam_price_usd_per_mwh=dam,
        solar_actual_frac=solar,
        solar_forecast_frac=renewable_forecast(solar, rng),
        wind_actual_frac=wind,
        wind_forecast_frac=renewable_forecast(wind, rng),
        interval_start_utc=synth.starts_5min,
        as_prices_usd_per_mw_h=as_prices,
        as_price_source="synthetic real-time MCPC",
    )


def synthetic_renewable_profiles(day: dt.date | str, seed: int) -> dict[str, RenewableProfile]:
    """The synthetic system profiles of ``day`` as :class:`~hayeknet.ercot.generation.profiles.RenewableProfile`
    (5-minute, UTC), for a day of synthetic data only: never set against real prices.

    Actual: :func:`hayeknet.ercot.synthetic.synthetic_renewables` with
    ``seed``; forecast: :func:`renewable_forecast` of it (solar first, then
    wind, from one generator seeded by ``seed`` and the day), the profiles
    :func:`qse_day_from_prices` used before it took them explicitly.
    """
    from hayeknet.ercot.calendar import as_date
    from hayeknet.ercot.generation.profiles import RenewableProfile
    from hayeknet.ercot.synthetic import synthetic_renewables

    d = as_date(day)
    ren = synthetic_renewables(d, seed)
    index = pd.DatetimeIndex(ren.index).tz_convert("UTC")
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, d.toordinal(), 55])
    out = {}
    for resource in _RENEWABLES:
        actual = ren[f"{resource}_frac"].to_numpy(dtype=float)
        forecast = renewable_forecast(actual, rng)
        out[resource] = RenewableProfile(
            pd.Series(actual, index=index, name=f"{resource}_actual_frac"),
            pd.Series(forecast, index=index, name=f"{resource}_forecast_frac"),
            None,
            f"{resource}: synthetic system profile (seed {seed}) of the synthetic market, "
            "day-ahead forecast with synthetic errors",
        )
    return out


def _on_grid(series: pd.Series, idx: pd.DatetimeIndex, what: str) -> np.ndarray:
    """A profile's values on the day's interval grid ``idx`` (UTC): its own value where the profile has the
    interval start, else the value of the interval's hour (hourly profiles); :class:`PriceDataError` on a gap."""
    s = series.astype(float)
    s.index = pd.DatetimeIndex(s.index).tz_convert("UTC")
    s = s[~s.index.duplicated()]
    exact = s.reindex(idx)
    if exact.isna().any():
        exact = s.reindex(idx.floor("h"))
    bad = np.flatnonzero(exact.isna().to_numpy())
    if bad.size:
        raise PriceDataError(f"{what}: no value for interval {idx[bad[0]]}")
    return exact.to_numpy(dtype=float)


def qse_day_from_prices(
    day: dt.date | str,
    rt_prices: pd.Series,
    dam_prices: pd.Series,
    renewables: Mapping[str, RenewableProfile],
    state: np.ndarray | None = None,
    as_prices: pd.DataFrame | Mapping[str, pd.Series] | None = None,
    as_price_period: str = "15min",
    as_price_source: str | None = None,
) -> QSEDay:
    """A :class:`QSEDay` from archived prices (real or synthetic) at the battery's location.

    ``rt_prices``: 5-minute RT LMPs, $/MWh, indexed by ``interval_start_utc``
    (the day's grid); ``dam_prices``: hourly DAM prices, $/MWh, indexed by the
    hour's UTC start. Each interval gets the DAM price of its hour.
    ``renewables``: the day's solar and wind profiles (fractions of capacity,
    :class:`~hayeknet.ercot.generation.profiles.RenewableProfile`): on a day of
    real data those of :func:`~hayeknet.ercot.generation.profiles.renewable_profiles`
    (hourly actual output and the day-ahead forecast as of 10:00 Central the
    day before; each interval gets its hour's value), on a synthetic day
    :func:`synthetic_renewable_profiles`. A resource missing from
    ``renewables`` or whose profile is unavailable (``actual_frac is None``)
    is off that day: its QSE does not run (:attr:`QSEDay.agents`); nothing is
    filled in. Each profile's description lands in ``renewable_notes``.
    ``state``: optional :func:`~hayeknet.agents.qse.features.state_features`
    matrix. ``as_prices``: optional AS clearing prices ($/MW per hour), one
    column (or Series) per product indexed by the UTC start of its period
    ``as_price_period`` (``"15min"`` for real-time MCPCs, ``"h"`` for DAM
    MCPCs), held over the period's 5-minute intervals; ``as_price_source``
    labels them (e.g. ``"RT MCPC"``).
    """
    from hayeknet.ercot.calendar import as_date, interval_starts_utc

    d = as_date(day)
    idx = rt_prices.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise PriceDataError(f"qse_day_from_prices {d}: rt_prices must be indexed by timezone-aware interval starts")
    idx = idx.tz_convert("UTC")
    if not idx.isin(interval_starts_utc(d, 5)).all():
        raise PriceDataError(f"qse_day_from_prices {d}: rt_prices index is not the 5-minute grid of the day")
    dam = dam_prices.copy()
    dam.index = pd.DatetimeIndex(dam.index).tz_convert("UTC")
    dam_5 = dam.reindex(idx.floor("h"))
    missing = np.flatnonzero(dam_5.isna().to_numpy())
    if missing.size:
        raise PriceDataError(f"qse_day_from_prices {d}: no DAM price for the hour of interval {idx[missing[0]]}")
    fracs: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
    notes: dict[str, str] = {}
    for resource in _RENEWABLES:
        profile = renewables.get(resource)
        if profile is None:
            notes[resource] = f"{resource}: no profile given"
            fracs[resource] = None
            continue
        notes[resource] = profile.description
        if profile.actual_frac is None or profile.forecast_frac is None:
            fracs[resource] = None  # unavailable: the QSE is off, nothing is filled in
            continue
        what = f"qse_day_from_prices {d}: {resource}"
        fracs[resource] = (
            _on_grid(profile.actual_frac, idx, f"{what} actual profile"),
            _on_grid(profile.forecast_frac, idx, f"{what} forecast profile"),
        )
    solar, wind = fracs["solar"], fracs["wind"]
    aligned_as = None
    if as_prices is not None:
        from hayeknet.battery.market_designs import MarketDataError, align_to_intervals

        items = as_prices.items() if isinstance(as_prices, pd.DataFrame) else dict(as_prices).items()
        aligned_as = {}
        for product, series in items:
            series = series.astype(float)
            series.index = pd.DatetimeIndex(series.index).tz_convert("UTC")
            try:
                aligned_as[str(product).upper()] = align_to_intervals(
                    f"qse_day_from_prices {d}: AS price {product}", series, idx, as_price_period
                )
            except MarketDataError as exc:
                raise PriceDataError(str(exc)) from None
    return QSEDay(
        label=d.isoformat(),
        rt_price_usd_per_mwh=rt_prices.to_numpy(dtype=float),
        dam_price_usd_per_mwh=dam_5.to_numpy(dtype=float),
        state_features=state,
        interval_start_utc=idx,
        as_prices_usd_per_mw_h=aligned_as,
        as_price_source=as_price_source if aligned_as is not None else None,
        solar_actual_frac=None if solar is None else solar[0],
        solar_forecast_frac=None if solar is None else solar[1],
        wind_actual_frac=None if wind is None else wind[0],
        wind_forecast_frac=None if wind is None else wind[1],
        renewable_notes=notes,
    )


def synthetic_qse_days(first_day: dt.date | str, n_days: int, seed: int, location: str = "HB_WEST") -> list[QSEDay]:
    """``n_days`` consecutive synthetic days from ``first_day``."""
    from hayeknet.ercot.calendar import as_date

    d0 = as_date(first_day)
    return [synthetic_qse_day(d0 + dt.timedelta(days=i), seed, location) for i in range(n_days)]
