"""Ledger (ADR 0001), action projection and summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.errors import InfeasibleScheduleError, LedgerFormatError, ScheduleInputError
from hayeknet.battery.ledger import (
    LEDGER_COLUMNS,
    project_action,
    simulate_schedule,
    summarize,
)
from hayeknet.battery.spec import BatterySpec

SPEC = BatterySpec()


def _index(n: int, freq: str = "1h") -> pd.DatetimeIndex:
    return pd.date_range("2025-10-01 05:00", periods=n, freq=freq, tz="UTC")


def test_hand_computed_round_trip_to_the_cent() -> None:
    # Charge 100 MW for 1 h at $10, then discharge what was stored (95 MWh * 0.95 = 90.25 MW for 1 h) at $100.
    ledger = simulate_schedule(_index(2), np.array([10.0, 100.0]), [100.0, 0.0], [0.0, 90.25], SPEC, 1.0)
    assert list(ledger.columns) == list(LEDGER_COLUMNS)
    assert str(ledger["interval_start_utc"].dtype) == "datetime64[ns, UTC]"
    assert ledger["soc_start_mwh"].tolist() == pytest.approx([200.0, 295.0])
    assert ledger["soc_end_mwh"].tolist() == pytest.approx([295.0, 200.0])
    assert ledger["energy_cash_usd"].tolist() == pytest.approx([-1000.0, 9025.0])
    assert ledger["degradation_usd"].tolist() == pytest.approx([500.0, 451.25])
    result = summarize(ledger, SPEC)
    assert round(result.revenue_usd, 2) == 8025.00
    assert round(result.degradation_cost_usd, 2) == 951.25
    assert round(result.profit_usd, 2) == 7073.75
    assert result.charge_mwh == pytest.approx(100.0)
    assert result.discharge_mwh == pytest.approx(90.25)
    assert result.soc_min_used_mwh == pytest.approx(200.0)
    assert result.soc_max_used_mwh == pytest.approx(295.0)
    assert result.to_dict()["profit_usd"] == pytest.approx(7073.75)


def test_cycles_one_full_swing_counts_one() -> None:
    # 320 MWh usable: charge floor->ceiling then discharge ceiling->floor, 1 h steps of at most 100 MW.
    spec = BatterySpec(soc_initial_frac=0.10)
    c_steps = [100.0, 100.0, 100.0, 320.0 / 0.95 - 300.0]
    d_total = 320.0 * 0.95
    d_steps = [100.0, 100.0, 100.0, d_total - 300.0]
    charge = np.array(c_steps + [0.0] * 4)
    discharge = np.array([0.0] * 4 + d_steps)
    ledger = simulate_schedule(_index(8), np.zeros(8), charge, discharge, spec, 1.0)
    assert ledger["soc_end_mwh"].iloc[3] == pytest.approx(360.0)
    assert ledger["soc_end_mwh"].iloc[-1] == pytest.approx(40.0)
    assert summarize(ledger, spec).cycles == pytest.approx(1.0)


def test_as_cash_enters_profit() -> None:
    ledger = simulate_schedule(_index(2), [20.0, 30.0], [0.0, 0.0], [0.0, 0.0], SPEC, 1.0, as_cash_usd=[12.5, 7.5])
    result = summarize(ledger, SPEC)
    assert result.revenue_usd == pytest.approx(20.0)
    assert result.profit_usd == pytest.approx(20.0)
    assert result.as_cash_usd == pytest.approx(20.0)


def test_chicago_index_is_converted_to_utc() -> None:
    idx = pd.date_range("2025-10-01 00:00", periods=3, freq="5min", tz="America/Chicago")
    ledger = simulate_schedule(idx, [1.0, 2.0, 3.0], np.zeros(3), np.zeros(3), SPEC, 1 / 12)
    assert ledger["interval_start_utc"].iloc[0] == pd.Timestamp("2025-10-01 05:00", tz="UTC")


@pytest.mark.parametrize(
    ("charge", "discharge", "field", "interval"),
    [
        ([0.0, 100.5, 0.0], [0.0, 0.0, 0.0], "charge_mw", 1),
        ([0.0, 0.0, 0.0], [0.0, 0.0, -1.0], "discharge_mw", 2),
        ([0.0, 5.0, 0.0], [0.0, 5.0, 0.0], "charge_mw", 1),
        ([100.0, 100.0, 100.0], [0.0, 0.0, 0.0], "soc_end_mwh", 1),  # 200 + 95 + 95 > 360
    ],
)
def test_infeasible_schedule_names_interval_and_field(
    charge: list[float], discharge: list[float], field: str, interval: int
) -> None:
    with pytest.raises(InfeasibleScheduleError) as info:
        simulate_schedule(_index(3), np.ones(3), charge, discharge, SPEC, 1.0)
    assert info.value.field == field
    assert info.value.interval == interval
    assert f"interval {interval}" in str(info.value) and field in str(info.value)
    assert info.value.interval_start_utc == _index(3)[interval]


def test_soc_bounds_tolerance() -> None:
    # Draining exactly to the floor (1e-9 below by rounding) is feasible; 1e-3 below is not.
    exact = 160.0 * 0.95
    simulate_schedule(_index(2), [1.0, 1.0], [0.0, 0.0], [100.0, exact - 100.0 + 1e-9], SPEC, 1.0)
    with pytest.raises(InfeasibleScheduleError, match="soc_end_mwh"):
        simulate_schedule(_index(2), [1.0, 1.0], [0.0, 0.0], [100.0, exact - 100.0 + 1e-3], SPEC, 1.0)


def test_bad_inputs_raise_input_error() -> None:
    with pytest.raises(ScheduleInputError, match="timezone"):
        simulate_schedule(pd.date_range("2025-10-01", periods=2, freq="1h"), [1, 2], [0, 0], [0, 0], SPEC, 1.0)
    with pytest.raises(ScheduleInputError, match="charge_mw"):
        simulate_schedule(_index(2), [1, 2], [0, 0, 0], [0, 0], SPEC, 1.0)
    with pytest.raises(ScheduleInputError, match=r"prices_usd_per_mwh\[1\]"):
        simulate_schedule(_index(2), [1, np.nan], [0, 0], [0, 0], SPEC, 1.0)
    with pytest.raises(ScheduleInputError, match="dt_hours"):
        simulate_schedule(_index(2), [1, 2], [0, 0], [0, 0], SPEC, 0.0)


def test_summarize_rejects_broken_ledger() -> None:
    ledger = simulate_schedule(_index(2), [10.0, 100.0], [100.0, 0.0], [0.0, 90.25], SPEC, 1.0)
    broken = ledger.copy()
    broken.loc[1, "profit_usd"] += 1.0
    with pytest.raises(LedgerFormatError, match="row 1: profit_usd"):
        summarize(broken, SPEC)
    with pytest.raises(LedgerFormatError, match="as_cash_usd"):
        summarize(ledger.drop(columns="as_cash_usd"), SPEC)


@settings(max_examples=50, deadline=None)
@given(
    net=st.floats(-500, 500),
    soc_frac=st.floats(0.0, 1.0),
    dt=st.sampled_from([1 / 12, 0.25, 1.0]),
)
def test_project_action_is_feasible_and_nearest(net: float, soc_frac: float, dt: float) -> None:
    soc = SPEC.soc_min_mwh + soc_frac * SPEC.usable_mwh
    c, d = project_action(net, soc, SPEC, dt)
    assert c >= 0 and d >= 0 and (c == 0 or d == 0)
    assert c <= SPEC.power_mw and d <= SPEC.power_mw
    soc_next = soc + SPEC.charge_efficiency * c * dt - d * dt / SPEC.discharge_efficiency
    assert SPEC.soc_min_mwh - 1e-9 <= soc_next <= SPEC.soc_max_mwh + 1e-9
    # Same direction, never more than asked; the full request is granted unless a bound binds.
    assert d - c == pytest.approx(np.sign(net) * min(abs(net), d + c), abs=1e-12)
    granted = d if net > 0 else c
    if granted < min(abs(net), SPEC.power_mw) - 1e-9:
        bound = SPEC.soc_min_mwh if net > 0 else SPEC.soc_max_mwh
        assert soc_next == pytest.approx(bound, abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 40),
    dt=st.sampled_from([1 / 12, 0.25, 1.0]),
)
def test_random_projected_schedules_close_energy_and_cash(data: st.DataObject, n: int, dt: float) -> None:
    prices = np.array(data.draw(st.lists(st.floats(-250, 5000), min_size=n, max_size=n)))
    requests = data.draw(st.lists(st.floats(-150, 150), min_size=n, max_size=n))
    as_cash = np.array(data.draw(st.lists(st.floats(0, 1000), min_size=n, max_size=n)))
    soc = SPEC.soc_initial_mwh
    charge, discharge = np.zeros(n), np.zeros(n)
    for t, r in enumerate(requests):
        charge[t], discharge[t] = project_action(r, soc, SPEC, dt)
        soc += SPEC.charge_efficiency * charge[t] * dt - discharge[t] * dt / SPEC.discharge_efficiency
    ledger = simulate_schedule(_index(n, "5min"), prices, charge, discharge, SPEC, dt, as_cash_usd=as_cash)
    assert (ledger["soc_end_mwh"] >= SPEC.soc_min_mwh - 1e-6).all()
    assert (ledger["soc_end_mwh"] <= SPEC.soc_max_mwh + 1e-6).all()
    assert not ((ledger["charge_mw"] > 0) & (ledger["discharge_mw"] > 0)).any()
    assert np.allclose(ledger["soc_start_mwh"].to_numpy()[1:], ledger["soc_end_mwh"].to_numpy()[:-1])
    balance = (SPEC.charge_efficiency * charge - discharge / SPEC.discharge_efficiency).sum() * dt
    assert ledger["soc_end_mwh"].iloc[-1] - ledger["soc_start_mwh"].iloc[0] == pytest.approx(balance, abs=1e-6)
    result = summarize(ledger, SPEC)
    expected_energy = float((prices * (discharge - charge)).sum() * dt)
    expected_deg = SPEC.degradation_usd_per_mwh * float((charge + discharge).sum() * dt)
    assert result.profit_usd == pytest.approx(expected_energy + as_cash.sum() - expected_deg, rel=1e-9, abs=1e-6)
    assert result.revenue_usd - result.degradation_cost_usd == pytest.approx(result.profit_usd, abs=1e-6)
