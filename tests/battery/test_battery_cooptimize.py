"""Energy + AS co-optimization: hand case, backing rules, bounds against energy-only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.cooptimize import (
    AS_DURATION_HOURS,
    check_as_backing,
    co_optimized_ledger,
    optimize_energy_and_as,
)
from hayeknet.battery.errors import InfeasibleScheduleError, ScheduleInputError
from hayeknet.battery.ledger import summarize
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec

SPEC = BatterySpec()


def test_duration_rules_are_nprr1282() -> None:
    assert AS_DURATION_HOURS == {"REGUP": 0.5, "REGDN": 0.5, "RRS": 0.5, "ECRS": 1.0, "NSPIN": 4.0}


def test_hand_case_rrs_and_nonspin_share_soc() -> None:
    # One idle hour at SOC 200 MWh: 160 MWh above the floor, 152 MWh deliverable.
    # max 12 n + 10 r  s.t.  n + r <= 100 MW,  (4 n + 0.5 r) <= 152 MWh at the meter.
    # Both bind: n = 102/3.5, r = 100 - n; revenue = 12 n + 10 r.
    res = optimize_energy_and_as(np.array([0.0]), {"NSPIN": np.array([12.0]), "RRS": np.array([10.0])}, SPEC, 1.0)
    n = 102 / 3.5
    assert res.awards_mw["NSPIN"][0] == pytest.approx(n)
    assert res.awards_mw["RRS"][0] == pytest.approx(100 - n)
    assert res.dispatch.profit_usd == pytest.approx(12 * n + 10 * (100 - n))
    assert round(res.dispatch.profit_usd, 2) == 1058.29


def test_regdown_needs_headroom() -> None:
    # Full battery cannot back Reg-Down; it must first make room.
    spec = BatterySpec(soc_initial_frac=0.9)
    res = optimize_energy_and_as(np.array([0.0]), {"REGDN": np.array([50.0])}, spec, 1.0, terminal_rule="free")
    # Headroom at the start of the interval is zero, so no award whatever the end SOC.
    assert res.awards_mw["REGDN"][0] == pytest.approx(0.0, abs=1e-7)


def test_check_as_backing_rejects_unbacked_award() -> None:
    with pytest.raises(InfeasibleScheduleError, match="up_as_mw"):
        check_as_backing(np.zeros(2), np.zeros(2), {"NSPIN": np.array([0.0, 50.0])}, SPEC, 1.0)
    with pytest.raises(InfeasibleScheduleError, match="regdn_mw"):
        check_as_backing(np.array([60.0]), np.zeros(1), {"REGDN": np.array([50.0])}, SPEC, 1.0)
    with pytest.raises(ScheduleInputError, match="unknown AS product"):
        optimize_energy_and_as(np.zeros(1), {"FFR": np.zeros(1)}, SPEC, 1.0)


@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 48),
    dt=st.sampled_from([1 / 12, 0.25]),
    soc_frac=st.floats(0.1, 0.9),
    products=st.sets(st.sampled_from(sorted(AS_DURATION_HOURS)), min_size=1),
)
def test_every_award_is_backed_and_as_only_adds_value(
    data: st.DataObject, n: int, dt: float, soc_frac: float, products: set[str]
) -> None:
    spec = BatterySpec(soc_initial_frac=soc_frac)
    prices = np.array(data.draw(st.lists(st.floats(-300, 1500), min_size=n, max_size=n)))
    as_prices = {k: np.array(data.draw(st.lists(st.floats(0, 200), min_size=n, max_size=n))) for k in products}
    res = optimize_energy_and_as(prices, as_prices, spec, dt)
    c, d = res.dispatch.charge_mw, res.dispatch.discharge_mw
    check_as_backing(c, d, res.awards_mw, spec, dt, spec.soc_initial_mwh)
    assert not np.any((c > 0) & (d > 0))
    assert all(np.all(a >= 0) for a in res.awards_mw.values())
    assert res.dispatch.soc_mwh[-1] == pytest.approx(spec.soc_initial_mwh, abs=1e-6)
    expected_as = sum(as_prices[k] * res.awards_mw[k] * dt for k in products)
    assert res.as_cash_usd == pytest.approx(expected_as)
    energy_only = optimize_dispatch(prices, spec, dt)
    assert res.dispatch.profit_usd >= energy_only.profit_usd - 1e-6 * (1 + abs(energy_only.profit_usd))


def test_co_optimized_ledger_books_as_cash() -> None:
    idx = pd.date_range("2025-10-01 05:00", periods=96, freq="15min", tz="UTC")
    rng = np.random.default_rng(1)
    prices = 40 + 30 * np.sin(np.linspace(0, 2 * np.pi, 96)) + rng.normal(0, 5, 96)
    as_prices = {k: rng.uniform(0, 20, 96) for k in AS_DURATION_HOURS}
    ledger = co_optimized_ledger(idx, prices, as_prices, SPEC, 0.25)
    res = optimize_energy_and_as(prices, as_prices, SPEC, 0.25)
    s = summarize(ledger, SPEC)
    assert s.as_cash_usd == pytest.approx(res.as_cash_usd.sum())
    assert s.profit_usd == pytest.approx(res.dispatch.profit_usd, abs=1e-6)
    assert s.as_cash_usd > 0
