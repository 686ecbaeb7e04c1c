"""Value-of-storage offer curves and the DAM strategies: the dynamic program against the LP, the envelope and
the monotone fit against brute force, physics along the way, and the baseline against perfect foresight."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.dam_strategies import DamOffer, DamSchedule
from hayeknet.battery.information import StrategyContext
from hayeknet.battery.ledger import summarize
from hayeknet.battery.offers import PRICE_LIMIT, OfferCurve, is_monotone, run_causal
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.storage_value import (
    INFEASIBLE,
    StorageValueGrid,
    StorageValueStrategy,
    _best_monotone,
    _envelope_on,
    solve_storage_value,
)
from hayeknet.battery.strategies import run_strategy
from hayeknet.beliefs.spread_model import SpreadDay, fit_spread_model
from hayeknet.ercot.calendar import interval_starts_utc

SPEC = BatterySpec(power_mw=100.0, energy_mwh=400.0, location="HB_HUBAVG")
DAY = dt.date(2024, 5, 20)
INDEX = interval_starts_utc(DAY, 60)
HOURS = INDEX.tz_convert("America/Chicago").hour.to_numpy()
DAM = pd.Series(30.0 + 40.0 * ((HOURS >= 17) & (HOURS <= 20)) - 15.0 * ((HOURS >= 10) & (HOURS <= 14)), index=INDEX)


def _model(noise: float, n_days: int = 20, seed: int = 0) -> object:
    """A spread model fitted on earlier hourly days: RT = DAM + noise * N(0, 1) (zero noise: RT = DAM)."""
    rng = np.random.default_rng(seed)
    days = []
    for k in range(n_days, 0, -1):
        day = DAY - dt.timedelta(days=k)
        index = interval_starts_utc(day, 60)
        dam = np.full(len(index), 30.0)
        days.append(SpreadDay(day, index, dam + noise * rng.normal(size=len(index)), dam))
    return fit_spread_model(days, n_bins=3, n_atoms=8)


def test_with_no_spread_the_offer_curves_earn_what_the_lp_earns_on_the_dam() -> None:
    model = _model(0.0)
    context = StrategyContext(dt_hours=1.0)
    ledger = run_strategy(StorageValueStrategy(DAM, model), DAM, SPEC, context)  # type: ignore[arg-type]
    lp = optimize_dispatch(DAM.to_numpy(), SPEC, 1.0)
    profit = summarize(ledger, SPEC).profit_usd
    assert lp.profit_usd > 5000.0
    assert profit == pytest.approx(lp.profit_usd, rel=0.03)  # the SOC grid costs a little
    assert ledger["soc_end_mwh"].iloc[-1] >= SPEC.soc_initial_mwh - 1e-6


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000), noise=st.floats(1.0, 60.0))
def test_curves_never_fall_and_the_battery_stays_in_its_window(seed: int, noise: float) -> None:
    model = _model(noise, seed=seed)
    rng = np.random.default_rng(seed)
    prices = pd.Series(DAM.to_numpy() + noise * rng.standard_t(3, len(INDEX)), index=INDEX)
    curves: list[OfferCurve] = []
    context = StrategyContext(dt_hours=1.0)
    charge, discharge = run_causal(StorageValueStrategy(DAM, model), prices, SPEC, context, curves)  # type: ignore[arg-type]
    grid = np.concatenate([[-PRICE_LIMIT], np.linspace(-500, 3000, 200), [PRICE_LIMIT]])
    assert all(is_monotone(c, grid) for c in curves)
    ledger = run_strategy(StorageValueStrategy(DAM, model), prices, SPEC, context)  # type: ignore[arg-type]
    soc = ledger["soc_end_mwh"].to_numpy()
    assert soc.min() >= SPEC.soc_min_mwh - 1e-6 and soc.max() <= SPEC.soc_max_mwh + 1e-6
    assert not np.any((charge > 0) & (discharge > 0))


@settings(max_examples=60, deadline=None)
@given(
    intercepts=st.lists(st.floats(-1e4, 1e4) | st.just(INFEASIBLE), min_size=3, max_size=9),
    lo=st.floats(-500.0, 500.0),
    width=st.floats(1.0, 2000.0),
)
def test_the_envelope_picks_the_best_line_everywhere_in_its_range(
    intercepts: list[float], lo: float, width: float
) -> None:
    b = np.array(intercepts)
    m = np.linspace(-1.0, 1.0, b.size) * 25.0
    pieces = _envelope_on(m, b, lo, lo + width)
    if np.all(b <= INFEASIBLE / 2):
        assert pieces == []
        return
    starts = np.array([p for p, _ in pieces])
    assert starts[0] == pytest.approx(lo) and np.all(np.diff(starts) > 0)
    for price in np.linspace(lo, lo + width, 41)[:-1]:
        line = pieces[int(np.searchsorted(starts, price, side="right")) - 1][1]
        best = np.max(np.where(b > INFEASIBLE / 2, b + m * price, -np.inf))
        assert b[line] + m[line] * price == pytest.approx(best, rel=1e-9, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_monotone_fit_is_the_best_non_decreasing_choice(data: st.DataObject) -> None:
    n_pieces = data.draw(st.integers(1, 4))
    n_actions = 3
    starts = np.cumsum(data.draw(st.lists(st.floats(1.0, 50.0), min_size=n_pieces, max_size=n_pieces))) - 100.0
    intercepts = np.array(
        data.draw(
            st.lists(st.lists(st.floats(-100, 100), min_size=3, max_size=3), min_size=n_pieces, max_size=n_pieces)
        )
    )
    slopes = np.array([-1.0, 0.0, 1.0])
    atoms = np.array(data.draw(st.lists(st.floats(-120.0, 200.0), min_size=1, max_size=8)))
    chosen = _best_monotone(starts, intercepts, slopes, atoms)
    assert np.all(np.diff(chosen) >= 0)

    def expected(levels: tuple[int, ...]) -> float:
        bounds = np.append(starts[1:], np.inf)
        total = 0.0
        for i, a in enumerate(levels):
            inside = atoms[(atoms >= starts[i]) & (atoms < bounds[i])]
            total += inside.size * intercepts[i, a] + slopes[a] * inside.sum()
            total += 1e-6 * (intercepts[i, a] + starts[i] * slopes[a])
        return total

    best = max(expected(c) for c in itertools.product(range(n_actions), repeat=n_pieces) if all(np.diff(c) >= 0))
    assert expected(tuple(chosen)) == pytest.approx(best, rel=1e-9, abs=1e-6)


def test_a_day_of_another_interval_length_than_the_model_is_refused() -> None:
    from hayeknet.battery.errors import ScheduleInputError

    with pytest.raises(ScheduleInputError, match=r"fitted on 1 h intervals; the day has 0\.25 h"):
        solve_storage_value(np.zeros(96), np.zeros(96, dtype=int), _model(5.0), SPEC, 0.25, 200.0)  # type: ignore[arg-type]
    with pytest.raises(ScheduleInputError, match="odd power_levels"):
        StorageValueGrid(power_levels=20)


def test_the_dam_schedule_is_the_lp_on_the_dam_and_dam_offer_trades_around_it() -> None:
    context = StrategyContext(dt_hours=1.0)
    on_dam = run_strategy(DamSchedule(DAM), DAM, SPEC, context)
    assert summarize(on_dam, SPEC).profit_usd == pytest.approx(optimize_dispatch(DAM.to_numpy(), SPEC, 1.0).profit_usd)
    spike = DAM.copy()
    spike.iloc[12] = 2000.0  # a spike at midday, where the DAM schedule charges
    model = _model(10.0)
    baseline = summarize(run_strategy(DamSchedule(DAM), spike, SPEC, context), SPEC).profit_usd
    offered = summarize(run_strategy(DamOffer(DAM, model), spike, SPEC, context), SPEC).profit_usd  # type: ignore[arg-type]
    assert offered > baseline + 100_000.0  # the curve sells into the spike the schedule bought through
    curves: list[OfferCurve] = []
    run_causal(DamOffer(DAM, model), spike, SPEC, context, curves)  # type: ignore[arg-type]
    grid = np.linspace(-1000, 5000, 300)
    assert all(is_monotone(c, grid) for c in curves)
