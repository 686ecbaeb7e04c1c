"""Risk statistics (VaR, CVaR, Sharpe, drawdown) and rainflow cycle counting."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.risk import (
    conditional_value_at_risk,
    cycle_summary,
    max_drawdown,
    rainflow_cycles,
    reversals,
    risk_summary,
    sharpe_ratio,
    value_at_risk,
)
from hayeknet.battery.spec import BatterySpec

SPEC = BatterySpec()


def test_rainflow_matches_astm_e1049_example() -> None:
    # ASTM E1049-85 Fig. 6 load history; expected counts per range (Table in X1 / Fig. 6 (f)).
    cycles = rainflow_cycles([-2, 1, -3, 5, -1, 3, -4, 4, -2])
    per_range: dict[float, float] = {}
    for c in cycles:
        per_range[c.range] = per_range.get(c.range, 0.0) + c.count
    assert per_range == {3.0: 0.5, 4.0: 1.5, 6.0: 0.5, 8.0: 1.0, 9.0: 0.5}
    full = [c for c in cycles if c.count == 1.0]
    assert len(full) == 1 and full[0].range == 4.0 and full[0].mean == 1.0


def test_reversals_collapse_plateaus_and_monotone_runs() -> None:
    assert reversals([0, 1, 2, 2, 3, 1, 1, 0, 5]).tolist() == [0, 4, 7, 8]
    assert reversals([5, 5, 5]).tolist() == [0]
    assert reversals([1.0]).tolist() == [0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-500, 500, allow_nan=False), min_size=0, max_size=60))
def test_rainflow_conserves_the_path_travel(path: list[float]) -> None:
    # Every range of the reversal sequence is counted exactly once: a full cycle
    # accounts for two ranges of its size, a half cycle for one.
    x = np.asarray(path)
    r = x[reversals(x)] if x.size else x
    travel = float(np.abs(np.diff(r)).sum()) if r.size > 1 else 0.0
    counted = sum(2 * c.range if c.count == 1.0 else c.range for c in rainflow_cycles(x))
    assert counted == pytest.approx(travel, rel=1e-9, abs=1e-9)
    assert all(c.count in (0.5, 1.0) and c.range >= 0 for c in rainflow_cycles(x))


def test_cycle_summary_of_one_full_swing() -> None:
    soc = np.concatenate((np.linspace(200, 40, 5), np.linspace(40, 360, 9)[1:], np.linspace(360, 200, 5)[1:]))
    s = cycle_summary(soc, SPEC)
    # Drawn out of storage: 160 + 160 = 320 MWh = the usable window: one equivalent full cycle.
    assert s.equivalent_full_cycles == pytest.approx(1.0)
    assert s.max_depth_frac == pytest.approx(1.0)
    assert s.rainflow_cycle_depth_sum == pytest.approx(1.0)
    assert s.depth_histogram["0.9-1.0"] == pytest.approx(0.5)
    # Rainflow of 200 -> 40 -> 360 -> 200: half cycles of 160, 320 and 160 MWh.
    assert s.depth_histogram["0.5-0.6"] == pytest.approx(1.0)
    assert s.rainflow_half_cycles == 3 and s.rainflow_full_cycles == 0


def test_historical_var_and_cvar_by_hand() -> None:
    pnl = np.arange(-10.0, 10.0) * 100.0  # -1000 .. 900, 20 days
    # Losses 1000, 900, 800, ...: P(loss <= 800) = 18/20 = 0.9, so VaR(0.9) = 800, and
    # CVaR(0.9) is the mean of the worst 2 = 20 * 10 % days: (1000 + 900) / 2.
    assert value_at_risk(pnl, 0.9) == pytest.approx(800.0)
    assert conditional_value_at_risk(pnl, 0.9) == pytest.approx(950.0)
    # level 0.95: P(loss <= 900) = 19/20; CVaR is the single worst day.
    assert value_at_risk(pnl, 0.95) == pytest.approx(900.0)
    assert conditional_value_at_risk(pnl, 0.95) == pytest.approx(1000.0)


def test_parametric_var_and_cvar_formulae() -> None:
    pnl = np.array([100.0, 300.0, -50.0, 250.0, 80.0])
    mu, sd = pnl.mean(), pnl.std(ddof=1)
    z = stats.norm.ppf(0.95)
    assert value_at_risk(pnl, 0.95, "parametric") == pytest.approx(-mu + sd * z)
    assert conditional_value_at_risk(pnl, 0.95, "parametric") == pytest.approx(-mu + sd * stats.norm.pdf(z) / 0.05)
    assert math.isnan(value_at_risk([5.0], 0.95, "parametric"))
    with pytest.raises(ScheduleInputError):
        value_at_risk(pnl, 1.5)
    with pytest.raises(ScheduleInputError):
        value_at_risk(pnl, 0.95, "monte-carlo")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e5, 1e5, allow_nan=False), min_size=2, max_size=80),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_cvar_is_never_below_var(pnl: list[float], level: float) -> None:
    for method in ("historical", "parametric"):
        var = value_at_risk(pnl, level, method)
        cvar = conditional_value_at_risk(pnl, level, method)
        assert cvar >= var - 1e-6 * max(1.0, abs(var))
    # Historical VaR is a loss actually seen, and CVaR never exceeds the worst loss.
    assert value_at_risk(pnl, level) in [-p for p in pnl]
    assert conditional_value_at_risk(pnl, level) <= -min(pnl) + 1e-6 * max(1.0, abs(min(pnl)))


def test_sharpe_ratio_annualized_by_sqrt_365() -> None:
    assert sharpe_ratio([1.0, 2.0, 3.0]) == pytest.approx(2.0 * math.sqrt(365))
    assert sharpe_ratio([1.0, 2.0, 3.0], periods_per_year=252) == pytest.approx(2.0 * math.sqrt(252))
    assert math.isnan(sharpe_ratio([5.0, 5.0]))
    assert math.isnan(sharpe_ratio([5.0]))


def test_max_drawdown() -> None:
    dd = max_drawdown([100.0, -30.0, -50.0, 20.0, -100.0])  # wealth 100 70 20 40 -60
    assert (dd.max_drawdown_usd, dd.peak_index, dd.trough_index) == (160.0, 0, 4)
    dd = max_drawdown([-10.0, 5.0])  # the peak is the start (0 $)
    assert (dd.max_drawdown_usd, dd.peak_index, dd.trough_index) == (10.0, -1, 0)
    assert max_drawdown([1.0, 2.0]).max_drawdown_usd == 0.0
    assert max_drawdown([]).max_drawdown_usd == 0.0


def test_risk_summary_collects_everything() -> None:
    pnl = np.array([1000.0, -200.0, 500.0, 800.0])
    swing = cycle_summary(np.array([200.0, 40.0, 360.0, 200.0]), SPEC)
    r = risk_summary(pnl, level=0.95, cycles=[swing, swing])
    assert r.n_days == 4 and r.level == 0.95 and r.periods_per_year == 365
    assert r.total_profit_usd == pytest.approx(2100.0)
    assert r.var_historical_usd == pytest.approx(200.0)
    assert r.max_drawdown_usd == pytest.approx(200.0)
    assert r.sharpe_annualized == pytest.approx(pnl.mean() / pnl.std(ddof=1) * math.sqrt(365))
    assert r.equivalent_full_cycles == pytest.approx(2.0)
    assert r.worst_day_profit_usd == -200.0 and r.best_day_profit_usd == 1000.0
    assert set(r.to_dict()) >= {"var_parametric_usd", "cvar_parametric_usd", "rainflow_full_cycles"}
