"""The per-interval ledger of a battery schedule (ADR 0001) and its summary.

A *schedule* is two arrays of metered power per interval, ``charge_mw`` and
``discharge_mw`` (MW, >= 0, never both > 0 in one interval). The ledger
replays it through the SOC dynamics of DESIGN section 5::

    soc_end = soc_start + charge_efficiency * charge_mw * dt_hours
                        - discharge_mw * dt_hours / discharge_efficiency

and books, per interval (all in US dollars):

* ``energy_cash_usd = price_usd_per_mwh * (discharge_mw - charge_mw) * dt_hours``
* ``as_cash_usd``: ancillary-service capacity payments (0 when AS is not modelled)
* ``degradation_usd = degradation_usd_per_mwh * (charge_mw + discharge_mw) * dt_hours``
* ``profit_usd = energy_cash_usd + as_cash_usd - degradation_usd``

Timestamps are UTC (``interval_start_utc``, ``datetime64[ns, UTC]``).

Equivalent full cycles (``cycles``) are defined here once for the whole
project: energy drawn out of storage divided by the usable window,
``sum(discharge_mw * dt_hours / discharge_efficiency) / (soc_max_mwh - soc_min_mwh)``.
One full swing of the usable window (floor to ceiling and back) counts exactly
1.0 whatever the efficiencies; at the meter that swing delivers
``usable_mwh * discharge_efficiency`` MWh.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.battery.errors import (
    InfeasibleScheduleError,
    LedgerFormatError,
    ScheduleInputError,
)
from hayeknet.battery.spec import BatterySpec

#: Columns of the ledger, in order (ADR 0001).
LEDGER_COLUMNS: tuple[str, ...] = (
    "interval_start_utc",
    "dt_hours",
    "price_usd_per_mwh",
    "charge_mw",
    "discharge_mw",
    "soc_start_mwh",
    "soc_end_mwh",
    "energy_cash_usd",
    "as_cash_usd",
    "degradation_usd",
    "profit_usd",
)

#: Tolerance (MW for power, MWh for SOC) within which a schedule counts as feasible.
FEASIBILITY_TOL = 1e-6


def _as_1d(name: str, values: object, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ScheduleInputError(f"{name} must be 1-D with {n} entries (one per interval), got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ScheduleInputError(f"{name}[{bad[0]}] is not finite ({arr[bad[0]]})")
    return arr


def _utc_index(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise ScheduleInputError(f"index must be a pandas DatetimeIndex, got {type(index).__name__}")
    if index.tz is None:
        raise ScheduleInputError("index must be timezone-aware (UTC inside HayekNet); got naive timestamps")
    return index.tz_convert("UTC").as_unit("ns")


def soc_path(
    charge_mw: np.ndarray,
    discharge_mw: np.ndarray,
    spec: BatterySpec,
    dt_hours: float,
    soc_start_mwh: float,
) -> np.ndarray:
    """SOC (MWh) at every interval boundary, length T+1, from the DESIGN section 5 dynamics."""
    delta = (
        spec.charge_efficiency * np.asarray(charge_mw, dtype=float)
        - np.asarray(discharge_mw, dtype=float) / spec.discharge_efficiency
    ) * dt_hours
    return soc_start_mwh + np.concatenate(([0.0], np.cumsum(delta)))


def next_soc_mwh(soc_mwh: float, charge_mw: float, discharge_mw: float, spec: BatterySpec, dt_hours: float) -> float:
    """SOC (MWh) after one interval of ``dt_hours`` at the given metered charge/discharge (MW)."""
    return float(soc_mwh + (spec.charge_efficiency * charge_mw - discharge_mw / spec.discharge_efficiency) * dt_hours)


def equivalent_full_cycles(discharge_mwh: float, spec: BatterySpec) -> float:
    """Equivalent full cycles: ``discharge_mwh / discharge_efficiency / usable_mwh`` (see module doc)."""
    if spec.usable_mwh <= 0:
        return float("nan")
    return float(discharge_mwh / spec.discharge_efficiency / spec.usable_mwh)


def simulate_schedule(
    index: pd.DatetimeIndex,
    prices_usd_per_mwh: np.ndarray,
    charge_mw: np.ndarray,
    discharge_mw: np.ndarray,
    spec: BatterySpec,
    dt_hours: float,
    soc_start_mwh: float | None = None,
    as_cash_usd: np.ndarray | None = None,
) -> pd.DataFrame:
    """Replay a schedule and return its ledger (ADR 0001), one row per interval.

    Args:
        index: interval starts, timezone-aware (converted to UTC).
        prices_usd_per_mwh: energy price per interval, $/MWh.
        charge_mw, discharge_mw: metered power per interval, MW (>= 0).
        spec: the battery.
        dt_hours: interval length in hours (1/12 for SCED, 0.25 for 15-minute).
        soc_start_mwh: SOC at the start of the first interval; ``spec.soc_initial_mwh`` if None.
        as_cash_usd: ancillary-service payments per interval, $ (zeros if None).

    Raises:
        ScheduleInputError: malformed inputs (lengths, NaN, naive index, dt <= 0).
        InfeasibleScheduleError: the first interval breaking a power bound, the
            SOC window (tolerance ``FEASIBILITY_TOL``) or complementarity
            (charge and discharge both above the tolerance).

    Power values within the tolerance outside ``[0, power_mw]`` are clipped to
    the bound before the SOC is computed.
    """
    idx = _utc_index(index)
    n = len(idx)
    if not (np.isfinite(dt_hours) and dt_hours > 0):
        raise ScheduleInputError(f"dt_hours must be a positive number of hours, got {dt_hours}")
    price = _as_1d("prices_usd_per_mwh", prices_usd_per_mwh, n)
    charge = _as_1d("charge_mw", charge_mw, n)
    discharge = _as_1d("discharge_mw", discharge_mw, n)
    as_cash = np.zeros(n) if as_cash_usd is None else _as_1d("as_cash_usd", as_cash_usd, n)
    soc0 = spec.soc_initial_mwh if soc_start_mwh is None else float(soc_start_mwh)
    tol = FEASIBILITY_TOL
    p_max = spec.power_mw

    def stamp(i: int) -> pd.Timestamp | None:
        return idx[i] if n else None

    for name, arr in (("charge_mw", charge), ("discharge_mw", discharge)):
        bad = np.flatnonzero((arr < -tol) | (arr > p_max + tol))
        if bad.size:
            i = int(bad[0])
            raise InfeasibleScheduleError(i, stamp(i), name, f"= {arr[i]:.9g} MW outside [0, {p_max:g}] MW")
    both = np.flatnonzero((charge > tol) & (discharge > tol))
    if both.size:
        i = int(both[0])
        raise InfeasibleScheduleError(
            i,
            stamp(i),
            "charge_mw",
            f"= {charge[i]:.9g} MW and discharge_mw = {discharge[i]:.9g} MW: charge and discharge at once",
        )
    if not (spec.soc_min_mwh - tol <= soc0 <= spec.soc_max_mwh + tol):
        raise InfeasibleScheduleError(
            0, stamp(0), "soc_start_mwh", f"= {soc0:.9g} MWh outside [{spec.soc_min_mwh:g}, {spec.soc_max_mwh:g}] MWh"
        )
    charge = np.clip(charge, 0.0, p_max)
    discharge = np.clip(discharge, 0.0, p_max)
    soc = soc_path(charge, discharge, spec, dt_hours, soc0)
    bad = np.flatnonzero((soc[1:] < spec.soc_min_mwh - tol) | (soc[1:] > spec.soc_max_mwh + tol))
    if bad.size:
        i = int(bad[0])
        raise InfeasibleScheduleError(
            i,
            stamp(i),
            "soc_end_mwh",
            f"= {soc[i + 1]:.9g} MWh outside [{spec.soc_min_mwh:g}, {spec.soc_max_mwh:g}] MWh",
        )
    energy_cash = price * (discharge - charge) * dt_hours
    degradation = spec.degradation_usd_per_mwh * (charge + discharge) * dt_hours
    return pd.DataFrame(
        {
            "interval_start_utc": idx,
            "dt_hours": np.full(n, float(dt_hours)),
            "price_usd_per_mwh": price,
            "charge_mw": charge,
            "discharge_mw": discharge,
            "soc_start_mwh": soc[:-1],
            "soc_end_mwh": soc[1:],
            "energy_cash_usd": energy_cash,
            "as_cash_usd": as_cash,
            "degradation_usd": degradation,
            "profit_usd": energy_cash + as_cash - degradation,
        },
        columns=list(LEDGER_COLUMNS),
    )


def project_action(net_mw: float, soc_mwh: float, spec: BatterySpec, dt_hours: float) -> tuple[float, float]:
    """Nearest feasible (charge_mw, discharge_mw) for a requested net power.

    ``net_mw > 0`` asks to discharge, ``net_mw < 0`` to charge (MW at the meter).
    The request is clipped to the power rating and to what the SOC allows over
    one interval of ``dt_hours``: discharge by ``(soc - soc_min) *
    discharge_efficiency / dt``, charge by ``(soc_max - soc) / (charge_efficiency * dt)``.
    The result never charges and discharges at once, and never leaves the SOC window.
    """
    net = float(net_mw)
    soc = float(soc_mwh)
    if not (np.isfinite(net) and np.isfinite(soc)):
        raise ScheduleInputError(f"project_action needs finite net_mw and soc_mwh, got {net_mw!r}, {soc_mwh!r}")
    if not dt_hours > 0:
        raise ScheduleInputError(f"dt_hours must be positive, got {dt_hours}")
    if net > 0:
        available = max(0.0, soc - spec.soc_min_mwh) * spec.discharge_efficiency / dt_hours
        return 0.0, min(net, spec.power_mw, available)
    if net < 0:
        room = max(0.0, spec.soc_max_mwh - soc) / (spec.charge_efficiency * dt_hours)
        return min(-net, spec.power_mw, room), 0.0
    return 0.0, 0.0


@dataclass(frozen=True)
class StrategyResult:
    """Totals of one ledger. Dollars, MWh; ``cycles`` as defined in the module doc.

    ``revenue_usd`` is energy cash plus AS cash; ``profit_usd = revenue_usd -
    degradation_cost_usd``.
    """

    revenue_usd: float
    energy_cash_usd: float
    as_cash_usd: float
    degradation_cost_usd: float
    profit_usd: float
    charge_mwh: float
    discharge_mwh: float
    cycles: float
    soc_start_mwh: float
    soc_end_mwh: float
    soc_min_used_mwh: float
    soc_max_used_mwh: float
    n_intervals: int

    def to_dict(self) -> dict[str, float | int]:
        """Plain JSON-serialisable dict (field name -> value)."""
        return {k: (int(v) if k == "n_intervals" else float(v)) for k, v in dataclasses.asdict(self).items()}


def validate_ledger(ledger: pd.DataFrame, source: str = "<ledger>", atol_usd: float = 1e-6) -> None:
    """Check a ledger's columns and its cash identities; raise :class:`LedgerFormatError` naming row and field."""
    missing = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
    if missing:
        raise LedgerFormatError(f"{source}: missing column {missing[0]!r} (ADR 0001 ledger)")
    price = ledger["price_usd_per_mwh"].to_numpy(float)
    c = ledger["charge_mw"].to_numpy(float)
    d = ledger["discharge_mw"].to_numpy(float)
    dt = ledger["dt_hours"].to_numpy(float)
    checks = {
        "energy_cash_usd": price * (d - c) * dt,
        "profit_usd": ledger["energy_cash_usd"].to_numpy(float)
        + ledger["as_cash_usd"].to_numpy(float)
        - ledger["degradation_usd"].to_numpy(float),
    }
    for name, expected in checks.items():
        got = ledger[name].to_numpy(float)
        bad = np.flatnonzero(~np.isclose(got, expected, rtol=1e-9, atol=atol_usd))
        if bad.size:
            i = int(bad[0])
            raise LedgerFormatError(f"{source}: row {i}: {name} = {got[i]!r}, expected {expected[i]!r}")


def summarize(ledger: pd.DataFrame, spec: BatterySpec) -> StrategyResult:
    """Totals of a ledger (validated first): revenue, degradation, profit, energy, cycles, SOC range."""
    validate_ledger(ledger)
    dt = ledger["dt_hours"].to_numpy(float)
    energy = float(ledger["energy_cash_usd"].sum())
    as_cash = float(ledger["as_cash_usd"].sum())
    degradation = float(ledger["degradation_usd"].sum())
    charge_mwh = float((ledger["charge_mw"].to_numpy(float) * dt).sum())
    discharge_mwh = float((ledger["discharge_mw"].to_numpy(float) * dt).sum())
    if len(ledger):
        soc = np.concatenate((ledger["soc_start_mwh"].to_numpy(float)[:1], ledger["soc_end_mwh"].to_numpy(float)))
        soc_start, soc_end = float(soc[0]), float(soc[-1])
        soc_lo, soc_hi = float(soc.min()), float(soc.max())
    else:
        soc_start = soc_end = soc_lo = soc_hi = float("nan")
    return StrategyResult(
        revenue_usd=energy + as_cash,
        energy_cash_usd=energy,
        as_cash_usd=as_cash,
        degradation_cost_usd=degradation,
        profit_usd=energy + as_cash - degradation,
        charge_mwh=charge_mwh,
        discharge_mwh=discharge_mwh,
        cycles=equivalent_full_cycles(discharge_mwh, spec),
        soc_start_mwh=soc_start,
        soc_end_mwh=soc_end,
        soc_min_used_mwh=soc_lo,
        soc_max_used_mwh=soc_hi,
        n_intervals=len(ledger),
    )
