"""Each rule flags its violation (rule, interval and field), and feasible schedules pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hayeknet.battery.cooptimize import check_as_backing, optimize_energy_and_as
from hayeknet.battery.ledger import simulate_schedule
from hayeknet.battery.spec import BatterySpec
from hayeknet.constraints.errors import ConstraintInputError
from hayeknet.constraints.rules import BatteryAction, check_action, check_ledger, check_schedule

SPEC = BatterySpec()
DT = 1.0 / 12.0


def only(violations, rule):
    hits = [v for v in violations if v.rule == rule]
    assert hits, f"expected a {rule} violation, got {violations}"
    return hits


def test_feasible_action_has_no_violation() -> None:
    assert check_action(BatteryAction(50.0, {"REGUP": 20.0, "REGDN": 10.0}), 200.0, SPEC, DT) == []


def test_power_limit_names_interval_and_field() -> None:
    v = only(check_schedule([0.0, 0.0, 120.0], [0.0, 0.0, 0.0], SPEC, DT), "power_limit")
    assert (v[0].interval, v[0].field, v[0].bound) == (2, "charge_mw", 100.0)
    v = only(check_schedule([0.0], [-1.0], SPEC, DT), "power_limit")
    assert v[0].field == "discharge_mw"


def test_simultaneous_charge_and_discharge() -> None:
    v = only(check_schedule([0.0, 10.0], [0.0, 10.0], SPEC, DT), "simultaneous")
    assert v[0].interval == 1


def test_soc_limits() -> None:
    v = only(check_schedule([0.0, 0.0], [100.0, 100.0], SPEC, 1.0, soc_start_mwh=150.0), "soc_limit")
    assert (v[0].interval, v[0].field) == (1, "soc_end_mwh")
    v = only(check_schedule([100.0], [0.0], SPEC, 1.0, soc_start_mwh=300.0), "soc_limit")
    assert v[0].field == "soc_end_mwh" and v[0].bound == SPEC.soc_max_mwh


@pytest.mark.parametrize(
    ("product", "mw", "soc", "field"),
    [
        ("REGUP", 60.0, 60.0, "up_as_mw"),  # 60 MW x 0.5 h / 0.95 > 20 MWh above the floor
        ("RRS", 60.0, 60.0, "up_as_mw"),
        ("ECRS", 30.0, 60.0, "up_as_mw"),  # 30 MW x 1 h
        ("NSPIN", 10.0, 60.0, "up_as_mw"),  # 10 MW x 4 h
        ("REGDN", 60.0, 340.0, "regdn_mw"),  # 60 x 0.5 x 0.95 > 20 MWh below the ceiling
    ],
)
def test_as_duration_backing_per_product(product: str, mw: float, soc: float, field: str) -> None:
    v = only(check_action(BatteryAction(0.0, {product: mw}), soc, SPEC, DT), "as_duration_backing")
    assert v[0].field == field
    # one MW is backed at the same SOC
    assert check_action(BatteryAction(0.0, {product: 1.0}), soc, SPEC, DT) == []


def test_nspin_duration_is_four_hours() -> None:
    # 40 MWh above the floor back 40 * 0.95 / 4 = 9.5 MW of Non-Spin but 76 MW of Reg-Up
    assert check_action(BatteryAction(0.0, {"NSPIN": 9.4}), 80.0, SPEC, DT) == []
    assert check_action(BatteryAction(0.0, {"NSPIN": 9.6}), 80.0, SPEC, DT) != []
    assert check_action(BatteryAction(0.0, {"REGUP": 75.0}), 80.0, SPEC, DT) == []


def test_as_power_headroom_and_nonnegative_and_unknown() -> None:
    only(check_action(BatteryAction(80.0, {"RRS": 30.0}), 200.0, SPEC, DT), "as_power_headroom")
    only(check_action(BatteryAction(-80.0, {"REGDN": 30.0}), 200.0, SPEC, DT), "as_power_headroom")
    only(check_action(BatteryAction(0.0, {"ECRS": -5.0}), 200.0, SPEC, DT), "as_nonnegative")
    only(check_action(BatteryAction(0.0, {"FFR": 5.0}), 200.0, SPEC, DT), "as_unknown_product")


def test_corridor_limit() -> None:
    v = only(check_action(BatteryAction(60.0), 200.0, SPEC, DT, net_power_bounds_mw=(-40.0, 40.0)), "corridor_limit")
    assert v[0].field == "net_mw" and v[0].bound == 40.0


def test_ledger_checks_and_soc_dynamics() -> None:
    index = pd.date_range("2025-06-01 05:00", periods=4, freq="5min", tz="UTC")
    ledger = simulate_schedule(index, np.full(4, 30.0), [0, 50, 0, 0], [20, 0, 0, 40], SPEC, DT)
    assert check_ledger(ledger, SPEC) == []
    broken = ledger.copy()
    broken.loc[2, "soc_start_mwh"] += 5.0
    v = only(check_ledger(broken, SPEC), "soc_dynamics")
    assert {x.interval for x in v} == {2}
    assert v[0].interval_start_utc == index[2]
    with pytest.raises(ConstraintInputError, match="lacks column"):
        check_ledger(ledger.drop(columns=["dt_hours"]), SPEC)


def test_cooptimized_schedule_passes_the_rules() -> None:
    rng = np.random.default_rng(3)
    n = 48
    prices = 30 + 25 * np.sin(np.linspace(0, 2 * np.pi, n)) + rng.normal(0, 5, n)
    as_prices = {k: np.abs(rng.normal(8, 3, n)) for k in ("REGUP", "REGDN", "RRS", "ECRS", "NSPIN")}
    res = optimize_energy_and_as(prices, as_prices, SPEC, 0.25)
    check_as_backing(res.dispatch.charge_mw, res.dispatch.discharge_mw, res.awards_mw, SPEC, 0.25)
    assert check_schedule(res.dispatch.charge_mw, res.dispatch.discharge_mw, SPEC, 0.25, awards_mw=res.awards_mw) == []
