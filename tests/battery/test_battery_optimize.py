"""Perfect-foresight LP/MILP: hand cases, physics properties, adversarial negative prices."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.ledger import LEDGER_COLUMNS, summarize
from hayeknet.battery.optimize import (
    burn_threshold_usd_per_mwh,
    optimize_dispatch,
    perfect_foresight_ledger,
    separate_simultaneous,
)
from hayeknet.battery.spec import BatterySpec

SPEC = BatterySpec()


def _brute_force_profit(prices: np.ndarray, spec: BatterySpec, dt: float, terminal: str) -> float:
    """Optimum of the complementary problem by enumerating charge-only/discharge-only per interval.

    Each pattern is an LP solved by scipy's linprog over (c, d) with SOC as cumulative sums:
    independent of the formulation under test.
    """
    n = len(prices)
    k = spec.degradation_usd_per_mwh
    cost = np.concatenate(((prices + k) * dt, (k - prices) * dt))
    lower_tri = np.tril(np.ones((n, n)))
    soc_rows = np.hstack((spec.charge_efficiency * dt * lower_tri, -dt / spec.discharge_efficiency * lower_tri))
    a_ub = np.vstack((soc_rows, -soc_rows))
    b_ub = np.concatenate(
        (np.full(n, spec.soc_max_mwh - spec.soc_initial_mwh), np.full(n, spec.soc_initial_mwh - spec.soc_min_mwh))
    )
    a_eq = soc_rows[-1:] if terminal == "equal" else None
    b_eq = np.zeros(1) if terminal == "equal" else None
    best = -np.inf
    for pattern in itertools.product((0, 1), repeat=n):
        on = np.array(pattern, dtype=bool)
        bounds = [(0, spec.power_mw if on[t] else 0) for t in range(n)]
        bounds += [(0, 0 if on[t] else spec.power_mw) for t in range(n)]
        res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status == 0:
            best = max(best, -res.fun)
    return best


def test_hand_case_two_hours_to_the_cent() -> None:
    # $10 then $100, dt = 1 h, study battery from 200 MWh back to 200 MWh:
    # charge x MW then discharge 0.9025 x; profit per MW of x = -10 + 100*0.9025 - 5*(1 + 0.9025) = 70.7375
    # > 0, so x = 100: profit $7,073.75 (revenue 8,025, degradation 951.25).
    r = optimize_dispatch(np.array([10.0, 100.0]), SPEC, 1.0)
    assert r.status == "Optimal" and r.method == "lp"
    assert r.charge_mw == pytest.approx([100.0, 0.0])
    assert r.discharge_mw == pytest.approx([0.0, 90.25])
    assert r.soc_mwh == pytest.approx([200.0, 295.0, 200.0])
    assert round(r.revenue_usd, 2) == 8025.00
    assert round(r.degradation_cost_usd, 2) == 951.25
    assert round(r.profit_usd, 2) == 7073.75


def test_hand_case_free_terminal_to_the_cent() -> None:
    # Free end: sell the 160 MWh above the floor. 100 MW in the $100 hour uses 105.263 MWh of SOC;
    # the remaining 54.737 MWh gives 52 MW in the $10 hour. Profit = 100*(100-5) + 52*(10-5) = 9,760.
    r = optimize_dispatch(np.array([10.0, 100.0]), SPEC, 1.0, terminal_rule="free")
    assert r.discharge_mw == pytest.approx([52.0, 100.0])
    assert round(r.profit_usd, 2) == 9760.00
    assert r.soc_mwh[-1] == pytest.approx(SPEC.soc_min_mwh)


@pytest.mark.parametrize("dt", [1 / 12, 0.25])
def test_sub_hourly_grid_reproduces_hourly_hand_case(dt: float) -> None:
    per_hour = round(1 / dt)
    prices = np.repeat([10.0, 100.0], per_hour)
    assert round(optimize_dispatch(prices, SPEC, dt).profit_usd, 2) == 7073.75
    assert round(optimize_dispatch(prices, SPEC, dt, terminal_rule="free").profit_usd, 2) == 9760.00


def test_burn_threshold_value() -> None:
    eta = 0.95 * 0.95
    assert burn_threshold_usd_per_mwh(SPEC) == pytest.approx(-5 * (1 + eta) / (1 - eta))
    assert burn_threshold_usd_per_mwh(BatterySpec(charge_efficiency=1, discharge_efficiency=1)) == -np.inf


def test_negative_prices_with_full_battery_need_milp_and_never_overlap() -> None:
    # Battery starts full and must end full; three hours at -$1000 reward burning energy in the LP.
    spec = BatterySpec(soc_initial_frac=0.9)
    prices = np.array([-1000.0, -1000.0, -1000.0])
    r = optimize_dispatch(prices, spec, 1.0)
    assert r.method == "milp"
    assert not np.any((r.charge_mw > 0) & (r.discharge_mw > 0))
    assert r.soc_mwh[-1] == pytest.approx(spec.soc_max_mwh)
    assert r.profit_usd == pytest.approx(_brute_force_profit(prices, spec, 1.0, "equal"), abs=1e-4)


@settings(max_examples=25, deadline=None)
@given(
    prices=st.lists(st.floats(-1500, 400), min_size=1, max_size=5),
    soc_frac=st.sampled_from([0.1, 0.5, 0.9]),
    terminal=st.sampled_from(["equal", "free"]),
)
def test_matches_brute_force_on_adversarial_negative_prices(
    prices: list[float], soc_frac: float, terminal: str
) -> None:
    spec = BatterySpec(soc_initial_frac=soc_frac)
    p = np.array(prices)
    r = optimize_dispatch(p, spec, 1.0, terminal_rule=terminal)  # type: ignore[arg-type]
    assert not np.any((r.charge_mw > 0) & (r.discharge_mw > 0))
    assert r.profit_usd == pytest.approx(_brute_force_profit(p, spec, 1.0, terminal), rel=1e-7, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 96),
    dt=st.sampled_from([1 / 12, 0.25]),
    terminal=st.sampled_from(["equal", "at_least", "free"]),
)
def test_dispatch_physics_on_random_paths(data: st.DataObject, n: int, dt: float, terminal: str) -> None:
    prices = np.array(data.draw(st.lists(st.floats(-500, 3000), min_size=n, max_size=n)))
    r = optimize_dispatch(prices, SPEC, dt, terminal_rule=terminal)  # type: ignore[arg-type]
    c, d, soc = r.charge_mw, r.discharge_mw, r.soc_mwh
    assert len(soc) == n + 1 and soc[0] == SPEC.soc_initial_mwh
    assert np.all(soc >= SPEC.soc_min_mwh - 1e-6) and np.all(soc <= SPEC.soc_max_mwh + 1e-6)
    assert np.all((c >= 0) & (c <= SPEC.power_mw) & (d >= 0) & (d <= SPEC.power_mw))
    assert not np.any((c > 0) & (d > 0))
    balance = (SPEC.charge_efficiency * c - d / SPEC.discharge_efficiency).sum() * dt
    assert soc[-1] - soc[0] == pytest.approx(balance, abs=1e-6)
    if terminal == "equal":
        assert soc[-1] == pytest.approx(soc[0], abs=1e-6)
    if terminal == "at_least":
        assert soc[-1] >= soc[0] - 1e-6
    # Idling is feasible under every rule, so the optimum is never a loss.
    assert r.profit_usd >= -1e-6
    assert r.profit_usd == pytest.approx(r.revenue_usd - r.degradation_cost_usd)
    # Looser terminal rules can only help.
    if terminal == "equal":
        free = optimize_dispatch(prices, SPEC, dt, terminal_rule="free")
        assert free.profit_usd >= r.profit_usd - 1e-6


@settings(max_examples=50, deadline=None)
@given(
    c=st.floats(0, 100),
    d=st.floats(0, 100),
    price=st.floats(burn_threshold_usd_per_mwh(SPEC), 5000),
)
def test_separation_keeps_soc_and_never_lowers_profit_above_burn_threshold(c: float, d: float, price: float) -> None:
    c2, d2 = separate_simultaneous(np.array([c]), np.array([d]), SPEC)
    assert c2[0] == 0 or d2[0] == 0
    assert c2[0] >= 0 and d2[0] >= 0
    soc_change = lambda cc, dd: SPEC.charge_efficiency * cc - dd / SPEC.discharge_efficiency
    assert soc_change(c2[0], d2[0]) == pytest.approx(soc_change(c, d), abs=1e-9)
    profit = lambda cc, dd: price * (dd - cc) - SPEC.degradation_usd_per_mwh * (cc + dd)
    assert profit(c2[0], d2[0]) >= profit(c, d) - 1e-6 * max(1.0, abs(price))


def test_perfect_foresight_ledger_matches_dispatch() -> None:
    idx = pd.date_range("2025-10-01 05:00", periods=288, freq="5min", tz="UTC")
    rng = np.random.default_rng(3)
    prices = 30 + 25 * np.sin(np.linspace(0, 4 * np.pi, 288)) + rng.normal(0, 8, 288)
    prices[100:110] = -300.0
    ledger = perfect_foresight_ledger(idx, prices, SPEC, 1 / 12)
    r = optimize_dispatch(prices, SPEC, 1 / 12)
    assert list(ledger.columns) == list(LEDGER_COLUMNS)
    s = summarize(ledger, SPEC)
    assert s.profit_usd == pytest.approx(r.profit_usd, abs=1e-6)
    assert s.cycles == pytest.approx(r.cycles)
    assert s.soc_end_mwh == pytest.approx(SPEC.soc_initial_mwh, abs=1e-6)


def test_rejects_bad_inputs() -> None:
    with pytest.raises(ScheduleInputError, match="prices"):
        optimize_dispatch(np.array([1.0, np.inf]), SPEC, 0.25)
    with pytest.raises(ScheduleInputError, match="terminal_soc_mwh"):
        optimize_dispatch(np.array([1.0]), SPEC, 0.25, terminal_soc_mwh=10.0)
    with pytest.raises(ScheduleInputError, match="soc_start_mwh"):
        optimize_dispatch(np.array([1.0]), SPEC, 0.25, soc_start_mwh=500.0)
