"""The QSE side's view of the generation table: real solar and wind profiles as fractions of capacity, or none.

:func:`renewable_profiles` gives, per resource, the system-wide hourly
*available* output (``SYSTEM_WIDE_HSL``, the fleet's uncurtailed potential,
which is what ERCOT's STWPF/STPPF forecast; before 2024-09-26 the reports
have no HSL and the generation itself, after curtailment, is used and the
description says so) and the day-ahead forecast (STWPF/STPPF as of 10:00
Central the day before), both divided by one capacity. When the day has no
posting of a report, or any hour lacks an actual value or an as-of forecast,
the profile is unavailable (``actual_frac is None``) with a sentence saying
why: a QSE then runs without that resource; nothing is filled in.

Capacity: the reports carry no installed capacity. A caller that knows the
fleet's capacity (ERCOT's monthly capacity figures, or :func:`fleet_peak_mw`
over earlier archived days) passes it in ``capacity_mw``; otherwise the
proxy is the day's peak of every system-wide value (actual, HSL, as-of
forecast, potential, COP HSL), the smallest denominator that keeps every
fraction within [0, 1]. That proxy scales each day to its own peak (a calm
or cloudy day reaches 1.0 at its best hour), so the description names it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ, as_date, interval_starts_utc
from hayeknet.ercot.generation.reports import GENERATION_REPORTS, SYSTEM_WIDE
from hayeknet.ercot.generation.table import day_ahead_cutoff_utc

__all__ = ["RESOURCES", "RenewableProfile", "fleet_peak_mw", "renewable_profiles"]

RESOURCES: tuple[str, ...] = ("solar", "wind")
_REPORT = {r.resource: r.report_id for r in GENERATION_REPORTS}
_MEASURES = ("actual_mw", "actual_hsl_mw", "forecast_mw", "forecast_potential_mw", "forecast_cop_hsl_mw")


class RenewableProfile(NamedTuple):
    """One resource's profile for an operating day (unpacks as ``actual, forecast, capacity, description``).

    ``actual_frac`` and ``forecast_frac``: fractions of ``capacity_mw`` (0..1),
    indexed by ``interval_start_utc`` on the day's hourly grid (23, 24 or 25
    hours); all three are ``None`` when the profile is unavailable, and
    ``description`` then says why ("not collected", which hours lack what).
    """

    actual_frac: pd.Series | None
    forecast_frac: pd.Series | None
    capacity_mw: float | None
    description: str

    @property
    def available(self) -> bool:
        return self.actual_frac is not None


def _local(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).tz_convert(ERCOT_TZ).strftime("%Y-%m-%d %H:%M %Z")


def _unavailable(reason: str) -> RenewableProfile:
    return RenewableProfile(None, None, None, reason)


def _first_missing(series: pd.Series) -> str:
    missing = series.index[series.isna().to_numpy()]
    return f"{int(series.isna().sum())} of {len(series)} hours (first {_local(missing[0])})"


def _profile(
    rows: pd.DataFrame,
    day: dt.date,
    resource: str,
    capacity_mw: float | None,
    actual: Literal["available", "generation"],
) -> RenewableProfile:
    report = _REPORT[resource]
    grid = interval_starts_utc(day, 60)
    series = rows.set_index("interval_start_utc").reindex(grid)
    hsl, gen = series["actual_hsl_mw"], series["actual_mw"]
    if actual == "available" and hsl.notna().all():
        values, basis = hsl, "available output (SYSTEM_WIDE_HSL, uncurtailed potential)"
    else:
        values = gen
        basis = "generation after curtailment (SYSTEM_WIDE_GEN" + (
            "; the day has no SYSTEM_WIDE_HSL, a column ERCOT added on 2024-09-26)" if actual == "available" else ")"
        )
    forecast = series["forecast_mw"]
    cutoff = day_ahead_cutoff_utc(day)
    lacking = []
    if values.isna().any():
        lacking.append(f"{_first_missing(values)} lack actual output (no posting of the day's folder has it)")
    if forecast.isna().any():
        lacking.append(
            f"{_first_missing(forecast)} lack a forecast posted before the day-ahead cutoff {_local(cutoff)}"
        )
    if lacking:
        return _unavailable(f"{resource}: {report} collected but incomplete: {'; '.join(lacking)}")
    if capacity_mw is not None:
        cap = float(capacity_mw)
        cap_text = f"stated fleet capacity {cap:,.0f} MW"
    else:
        cap = float(np.nanmax(series.loc[:, list(_MEASURES)].to_numpy(dtype="float64")))
        cap_text = (
            f"capacity proxy {cap:,.0f} MW, the day's peak system-wide value (not installed capacity: "
            "each day is scaled to its own peak)"
        )
    if not np.isfinite(cap) or cap <= 0:
        return _unavailable(f"{resource}: {report} gives no positive capacity for {day.isoformat()} ({cap_text})")
    a = values.to_numpy(dtype="float64") / cap
    f = forecast.to_numpy(dtype="float64") / cap
    clipped = int(np.count_nonzero((a < 0) | (a > 1)) + np.count_nonzero((f < 0) | (f > 1)))
    posted = series["forecast_published_utc"].max()
    latest = series["actual_published_utc"].max()
    text = (
        f"{resource}: ERCOT {report} system-wide {basis}, latest posting up to {_local(latest)}; "
        f"day-ahead forecast {'STWPF' if resource == 'wind' else 'STPPF'} posted {_local(posted)} "
        f"(before {_local(cutoff)}); fractions of the {cap_text}"
    )
    if clipped:
        text += f"; {clipped} hourly values outside [0, 1] clipped"
    index = pd.DatetimeIndex(grid, name="interval_start_utc")
    return RenewableProfile(
        pd.Series(np.clip(a, 0.0, 1.0), index=index, name=f"{resource}_actual_frac"),
        pd.Series(np.clip(f, 0.0, 1.0), index=index, name=f"{resource}_forecast_frac"),
        cap,
        text,
    )


def renewable_profiles(
    generation: pd.DataFrame | None,
    day: dt.date | str,
    capacity_mw: Mapping[str, float] | None = None,
    actual: Literal["available", "generation"] = "available",
) -> dict[str, RenewableProfile]:
    """Solar and wind profiles of operating day ``day`` from its generation table (ADR 0014).

    ``generation`` is :func:`~hayeknet.archive.store.read_generation`'s table
    (``None`` when the day has none). ``capacity_mw`` optionally maps
    ``"solar"``/``"wind"`` to the fleet capacity (MW) to divide by (see the
    module docstring for the proxy used otherwise). ``actual`` chooses the
    actual series: ``"available"`` (HSL when the day has it for every hour,
    else generation) or ``"generation"`` (after curtailment). Returns
    ``{"solar": RenewableProfile, "wind": RenewableProfile}``; an unavailable
    profile has ``actual_frac is None`` and says why.
    """
    d = as_date(day)
    out: dict[str, RenewableProfile] = {}
    for resource in RESOURCES:
        report = _REPORT[resource]
        if generation is None or generation.empty:
            rows = None
        else:
            mask = (generation["resource"] == resource) & (generation["region"] == SYSTEM_WIDE)
            rows = generation.loc[mask]
        if rows is None or rows.empty:
            out[resource] = _unavailable(f"{resource}: not collected (no {report} posting for {d.isoformat()})")
            continue
        cap = None if capacity_mw is None else capacity_mw.get(resource)
        out[resource] = _profile(rows, d, resource, cap, actual)
    return out


def fleet_peak_mw(tables: Iterable[pd.DataFrame | None], resource: str) -> float | None:
    """The highest system-wide actual output or HSL of ``resource`` over several days' generation tables (MW).

    A capacity estimate for :func:`renewable_profiles` that follows the
    fleet's growth: pass the tables of days *before* the operating day (the
    information contract), e.g. the last 30 archived days. ``None`` when
    none of them has a value.
    """
    peaks = []
    for table in tables:
        if table is None or table.empty:
            continue
        rows = table.loc[(table["resource"] == resource) & (table["region"] == SYSTEM_WIDE)]
        values = rows.loc[:, ["actual_mw", "actual_hsl_mw"]].to_numpy(dtype="float64")
        if np.isfinite(values).any():
            peaks.append(float(np.nanmax(values)))
    return max(peaks) if peaks else None
