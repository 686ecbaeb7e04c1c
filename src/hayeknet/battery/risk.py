"""Risk and cycling statistics of a battery's daily profit and SOC path.

Conventions (stated once, used everywhere):

* **PnL** is daily net profit in US dollars (``profit_usd`` of a day's ledger);
  a **loss** is ``-PnL``.
* **VaR** at confidence ``level`` (e.g. 0.95) is a positive number of dollars:
  the loss not exceeded with probability ``level``.

  - *historical*: the lower ``level``-quantile of the empirical loss
    distribution, ``inf{x : F_n(x) >= level}`` (numpy ``method="inverted_cdf"``);
  - *parametric*: Gaussian, ``-mean + std * z_level`` with the sample standard
    deviation (``ddof=1``) and ``z_level`` the standard normal quantile.

* **CVaR** (expected shortfall) at ``level``:

  - *historical*: Rockafellar-Uryasev, ``VaR + mean(max(loss - VaR, 0)) / (1 - level)``;
    it is the mean of the worst ``n * (1 - level)`` losses when that is a whole
    number, and always ``>= VaR``;
  - *parametric*: ``-mean + std * phi(z_level) / (1 - level)``.

* **Sharpe ratio**: ``mean(PnL) / std(PnL, ddof=1) * sqrt(365)`` with a zero
  risk-free rate; daily PnL is in dollars (a battery has no capital base
  here), and ``sqrt(365)`` annualizes because a battery trades every calendar
  day, not 252 trading days.
* **Maximum drawdown**: the largest fall of cumulative PnL (dollars) from a
  running peak, the running peak starting at 0 before the first day.
* **Cycles**: equivalent full cycles as in :mod:`hayeknet.battery.ledger`
  (energy drawn out of storage / usable window); rainflow counts of the SOC
  path by the ASTM E1049-85 three-point method (implemented here), each cycle
  with its range in MWh and as a share of the usable window.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.ledger import equivalent_full_cycles
from hayeknet.battery.spec import BatterySpec

#: Annualization of daily statistics: a battery trades every calendar day.
DAYS_PER_YEAR = 365
#: Default confidence level of VaR and CVaR.
DEFAULT_LEVEL = 0.95

VarMethod = Literal["historical", "parametric"]


def _finite_1d(name: str, values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ScheduleInputError(f"{name}[{bad[0]}] is not finite ({arr[bad[0]]})")
    return arr


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ScheduleInputError(f"confidence level must lie in (0, 1), got {level}")
    return level


def value_at_risk(pnl_usd: object, level: float = DEFAULT_LEVEL, method: VarMethod = "historical") -> float:
    """VaR ($, positive = loss) of daily PnL at confidence ``level`` (see module doc).

    NaN for an empty sample, and for the parametric method with fewer than two days.
    """
    pnl = _finite_1d("pnl_usd", pnl_usd)
    level = _check_level(level)
    if pnl.size == 0:
        return float("nan")
    if method == "historical":
        return float(np.quantile(-pnl, level, method="inverted_cdf"))
    if method == "parametric":
        if pnl.size < 2:
            return float("nan")
        return float(-pnl.mean() + pnl.std(ddof=1) * stats.norm.ppf(level))
    raise ScheduleInputError(f"VaR method must be 'historical' or 'parametric', got {method!r}")


def conditional_value_at_risk(pnl_usd: object, level: float = DEFAULT_LEVEL, method: VarMethod = "historical") -> float:
    """CVaR / expected shortfall ($, positive = loss) of daily PnL at ``level`` (see module doc)."""
    pnl = _finite_1d("pnl_usd", pnl_usd)
    level = _check_level(level)
    if pnl.size == 0:
        return float("nan")
    if method == "historical":
        var = value_at_risk(pnl, level, "historical")
        return float(var + np.maximum(-pnl - var, 0.0).mean() / (1.0 - level))
    if method == "parametric":
        if pnl.size < 2:
            return float("nan")
        z = stats.norm.ppf(level)
        return float(-pnl.mean() + pnl.std(ddof=1) * stats.norm.pdf(z) / (1.0 - level))
    raise ScheduleInputError(f"CVaR method must be 'historical' or 'parametric', got {method!r}")


def sharpe_ratio(pnl_usd: object, periods_per_year: int = DAYS_PER_YEAR) -> float:
    """Annualized Sharpe ratio of daily PnL: ``mean / std(ddof=1) * sqrt(periods_per_year)``, risk-free 0.

    NaN with fewer than two days or zero dispersion.
    """
    pnl = _finite_1d("pnl_usd", pnl_usd)
    if pnl.size < 2:
        return float("nan")
    sd = pnl.std(ddof=1)
    if not sd > 0:
        return float("nan")
    return float(pnl.mean() / sd * math.sqrt(periods_per_year))


@dataclass(frozen=True)
class Drawdown:
    """Largest fall of cumulative PnL: ``max_drawdown_usd >= 0``; day positions (0-based) of peak and trough.

    ``peak_index`` is -1 when the peak is the starting point (0 $ before the first day).
    """

    max_drawdown_usd: float
    peak_index: int
    trough_index: int


def max_drawdown(pnl_usd: object) -> Drawdown:
    """Maximum drawdown of cumulative daily PnL (dollars), running peak starting at 0."""
    pnl = _finite_1d("pnl_usd", pnl_usd)
    if pnl.size == 0:
        return Drawdown(0.0, -1, -1)
    wealth = np.concatenate(([0.0], np.cumsum(pnl)))
    peaks = np.maximum.accumulate(wealth)
    falls = peaks - wealth
    trough = int(np.argmax(falls))
    if falls[trough] <= 0:
        return Drawdown(0.0, -1, -1)
    peak = int(np.argmax(wealth[: trough + 1]))
    return Drawdown(float(falls[trough]), peak - 1, trough - 1)


# --------------------------------------------------------------------------- rainflow


def reversals(series: object) -> np.ndarray:
    """Positions of the turning points of a path (first and last point included).

    Flat stretches are collapsed (a plateau counts once); points where the
    direction does not change are dropped.
    """
    x = _finite_1d("series", series)
    if x.size <= 2:
        return np.arange(x.size)
    keep = [0]
    direction = 0.0
    for i in range(1, x.size):
        step = x[i] - x[keep[-1]]
        if step == 0:
            continue
        sign = math.copysign(1.0, step)
        if sign == direction:
            keep[-1] = i  # the move goes on: the extreme moves along
        else:
            keep.append(i)
            direction = sign
    return np.asarray(keep, dtype=int)


@dataclass(frozen=True)
class RainflowCycle:
    """One counted cycle: range and mean (units of the path), ``count`` 1.0 (full) or 0.5 (half)."""

    range: float
    mean: float
    count: float
    start_index: int
    end_index: int


def rainflow_cycles(series: object) -> list[RainflowCycle]:
    """Rainflow counting by the ASTM E1049-85 three-point method (section 5.4.4).

    The path is first reduced to its reversals. Each reversal is pushed on a
    stack; while the stack holds three or more points, with ``X`` the range of
    the last two and ``Y`` the range of the two before: if ``X < Y`` read the
    next point; if ``Y`` contains the starting point, count ``Y`` as a half
    cycle and discard its first point; otherwise count ``Y`` as one cycle and
    discard both of its points. When the data end, every remaining range is a
    half cycle.
    """
    x = _finite_1d("series", series)
    idx = reversals(x)
    cycles: list[RainflowCycle] = []
    stack: list[int] = []  # positions into x

    def cycle(a: int, b: int, count: float) -> RainflowCycle:
        return RainflowCycle(abs(x[b] - x[a]), 0.5 * (x[a] + x[b]), count, a, b)

    for i in idx:
        stack.append(int(i))
        while len(stack) >= 3:
            rx = abs(x[stack[-1]] - x[stack[-2]])
            ry = abs(x[stack[-2]] - x[stack[-3]])
            if rx < ry:
                break
            if len(stack) == 3:
                cycles.append(cycle(stack[0], stack[1], 0.5))
                stack.pop(0)
            else:
                cycles.append(cycle(stack[-3], stack[-2], 1.0))
                last = stack.pop()
                stack.pop()
                stack.pop()
                stack.append(last)
    for a, b in itertools.pairwise(stack):
        cycles.append(cycle(a, b, 0.5))
    return cycles


@dataclass(frozen=True)
class CycleSummary:
    """Cycling of one SOC path (MWh).

    ``equivalent_full_cycles``: energy drawn out of storage over the usable
    window (the ledger definition, from the path's downward moves);
    ``rainflow_full_cycles``/``rainflow_half_cycles``: how many of each the
    rainflow count found; ``rainflow_cycle_depth_sum``: ``sum(count * range) /
    usable_mwh`` (one floor-to-ceiling-and-back swing = 1.0);
    ``max_depth_frac``: largest range / usable window; ``depth_histogram``:
    counts (full = 1, half = 0.5) per depth bin of 10 % of the usable window.
    """

    equivalent_full_cycles: float
    rainflow_full_cycles: int
    rainflow_half_cycles: int
    rainflow_cycle_depth_sum: float
    max_depth_frac: float
    depth_histogram: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


DEPTH_BINS: tuple[float, ...] = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))


def cycle_summary(soc_mwh: object, spec: BatterySpec) -> CycleSummary:
    """Equivalent full cycles and rainflow counts of an SOC path (MWh, at interval boundaries)."""
    soc = _finite_1d("soc_mwh", soc_mwh)
    usable = spec.usable_mwh
    drawn_mwh = float(np.clip(-np.diff(soc), 0.0, None).sum()) if soc.size > 1 else 0.0
    efc = equivalent_full_cycles(drawn_mwh * spec.discharge_efficiency, spec)
    cycles = rainflow_cycles(soc)
    ranges = np.array([c.range for c in cycles])
    counts = np.array([c.count for c in cycles])
    depth = ranges / usable if usable > 0 else np.full(ranges.shape, np.nan)
    hist: dict[str, float] = {}
    edges = np.asarray(DEPTH_BINS)
    for lo, hi in itertools.pairwise(edges):
        last = hi >= 1.0
        mask = (depth >= lo) & ((depth <= hi + 1e-9) if last else (depth < hi))
        hist[f"{lo:.1f}-{hi:.1f}"] = float(counts[mask].sum())
    return CycleSummary(
        equivalent_full_cycles=efc,
        rainflow_full_cycles=int(np.sum(counts == 1.0)),
        rainflow_half_cycles=int(np.sum(counts == 0.5)),
        rainflow_cycle_depth_sum=float((counts * ranges).sum() / usable) if usable > 0 else float("nan"),
        max_depth_frac=float(depth.max()) if depth.size else 0.0,
        depth_histogram=hist,
    )


def ledger_soc_path(ledger: pd.DataFrame) -> np.ndarray:
    """SOC (MWh) at every interval boundary of a ledger: first start, then every end."""
    if len(ledger) == 0:
        return np.zeros(0)
    return np.concatenate((ledger["soc_start_mwh"].to_numpy(float)[:1], ledger["soc_end_mwh"].to_numpy(float)))


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class RiskSummary:
    """Risk of a daily PnL series (dollars; see the module doc for every definition).

    ``level`` is the confidence level of VaR/CVaR; ``periods_per_year`` the
    Sharpe annualization (365); cycle totals add up the days' paths.
    """

    n_days: int
    level: float
    periods_per_year: int
    total_profit_usd: float
    mean_daily_profit_usd: float
    std_daily_profit_usd: float
    var_historical_usd: float
    cvar_historical_usd: float
    var_parametric_usd: float
    cvar_parametric_usd: float
    sharpe_annualized: float
    max_drawdown_usd: float
    worst_day_profit_usd: float
    best_day_profit_usd: float
    equivalent_full_cycles: float
    rainflow_full_cycles: int
    rainflow_half_cycles: int

    def to_dict(self) -> dict[str, float | int]:
        return {k: v for k, v in dataclasses.asdict(self).items()}


def risk_summary(
    daily_pnl_usd: object,
    level: float = DEFAULT_LEVEL,
    periods_per_year: int = DAYS_PER_YEAR,
    cycles: list[CycleSummary] | None = None,
) -> RiskSummary:
    """All risk figures of a daily PnL series; ``cycles`` (one per day) add the cycling totals."""
    pnl = _finite_1d("daily_pnl_usd", daily_pnl_usd)
    level = _check_level(level)
    n = int(pnl.size)
    cycles = cycles or []
    return RiskSummary(
        n_days=n,
        level=level,
        periods_per_year=int(periods_per_year),
        total_profit_usd=float(pnl.sum()),
        mean_daily_profit_usd=float(pnl.mean()) if n else float("nan"),
        std_daily_profit_usd=float(pnl.std(ddof=1)) if n > 1 else float("nan"),
        var_historical_usd=value_at_risk(pnl, level, "historical"),
        cvar_historical_usd=conditional_value_at_risk(pnl, level, "historical"),
        var_parametric_usd=value_at_risk(pnl, level, "parametric"),
        cvar_parametric_usd=conditional_value_at_risk(pnl, level, "parametric"),
        sharpe_annualized=sharpe_ratio(pnl, periods_per_year),
        max_drawdown_usd=max_drawdown(pnl).max_drawdown_usd,
        worst_day_profit_usd=float(pnl.min()) if n else float("nan"),
        best_day_profit_usd=float(pnl.max()) if n else float("nan"),
        equivalent_full_cycles=float(sum(c.equivalent_full_cycles for c in cycles)),
        rainflow_full_cycles=int(sum(c.rainflow_full_cycles for c in cycles)),
        rainflow_half_cycles=int(sum(c.rainflow_half_cycles for c in cycles)),
    )
