"""Offer curves and the information contract (ADR 0017).

Every strategy but perfect foresight decides interval t from what was
published before t plus a monotone offer curve cleared at t's price. The
property test builds two worlds that agree on everything published before t
(prices, the EnKF mean, which assimilates each interval's price, earlier days,
the DAM, the spread model) and differ from t on, runs each strategy through
both up to t and checks that the curve offered for t is the same and never
falls as the price rises.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.information import StrategyContext
from hayeknet.battery.lineup import PERFECT_FORESIGHT, STRATEGY_NAMES, DayInformation, make_strategy
from hayeknet.battery.offers import PRICE_LIMIT, OfferCurve, is_monotone, run_causal
from hayeknet.battery.spec import BatterySpec
from hayeknet.beliefs.spread_model import SpreadDay, fit_spread_model
from hayeknet.ercot.calendar import interval_starts_utc

SPEC = BatterySpec(power_mw=10.0, energy_mwh=40.0)
DAY = dt.date(2024, 5, 14)
INDEX = interval_starts_utc(DAY, 60)  # hourly intervals keep the dynamic programs small
PRICE_GRID = np.concatenate([[-PRICE_LIMIT, -1000.0], np.linspace(-100.0, 400.0, 51), [5000.0, PRICE_LIMIT]])


def test_a_curve_dispatches_by_segment_and_refuses_to_fall() -> None:
    curve = OfferCurve(np.array([10.0, 50.0]), np.array([-5.0, 0.0, 8.0]))
    assert [curve.clear(p) for p in (-3.0, 10.0, 49.9, 50.0, 1e6)] == [-5.0, 0.0, 0.0, 8.0, 8.0]
    with pytest.raises(ScheduleInputError, match="must not fall"):
        OfferCurve(np.array([10.0]), np.array([5.0, 0.0]))
    with pytest.raises(ScheduleInputError, match="strictly increasing"):
        OfferCurve(np.array([10.0, 10.0]), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ScheduleInputError, match="2 breaks need 3 levels"):
        OfferCurve(np.array([1.0, 2.0]), np.array([0.0, 1.0]))
    assert OfferCurve.flat(3.0).clear(-1e9) == 3.0


@given(
    lo=st.floats(-1e4, 1e4) | st.sampled_from([np.inf, -np.inf]),
    hi=st.floats(-1e4, 1e4) | st.sampled_from([np.inf, -np.inf]),
    base=st.floats(-50.0, 50.0),
)
def test_threshold_curves_are_monotone_whatever_the_thresholds(lo: float, hi: float, base: float) -> None:
    curve = OfferCurve.thresholds(lo, hi, 10.0, 20.0, base)
    assert is_monotone(curve, PRICE_GRID)
    levels = [curve.clear(p) for p in PRICE_GRID]
    assert min(levels) >= -10.0 and max(levels) <= 20.0
    if lo < hi and np.isfinite(lo) and np.isfinite(hi):
        assert curve.clear((lo + hi) / 2) == pytest.approx(min(max(base, -10.0), 20.0))


def _history(seed: int) -> pd.Series:
    """Ten earlier days of hourly prices with an evening peak."""
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(10, 0, -1):
        index = interval_starts_utc(DAY - dt.timedelta(days=k), 60)
        hours = index.tz_convert("America/Chicago").hour.to_numpy()
        parts.append(pd.Series(30 + 25 * (hours >= 17) + rng.normal(0, 8, len(index)), index=index))
    return pd.concat(parts)


def _world(
    prefix: np.ndarray, rest: np.ndarray, poison: float, history: pd.Series, dam: pd.Series, model: object
) -> tuple:
    prices = pd.Series(np.concatenate([prefix, rest]), index=INDEX)
    # a causal filtered mean: its value at interval i has assimilated prices up to i (i included); from the
    # interval decided on it holds ``poison``, so any use of it moves the decision
    enkf = prices.ewm(alpha=0.5).mean()
    enkf.iloc[len(prefix) :] = poison
    beliefs_path = pd.Series(dam.reindex(INDEX.floor("h")).to_numpy() + 2.0, index=INDEX)
    info = DayInformation(
        history=history,
        dam_hourly=dam,
        enkf_mean=enkf,
        beliefs_path=beliefs_path,
        beliefs_note="test",
        spread_model=model,  # type: ignore[arg-type]
        spread_note="test",
    )
    return prices, info


def _curve_at(name: str, t: int, prices: pd.Series, info: DayInformation, history: pd.Series) -> OfferCurve:
    strategy, _ = make_strategy(name, info)
    context = StrategyContext(dt_hours=1.0, history=history)
    curves: list[OfferCurve] = []
    run_causal(strategy, prices, SPEC, context, curves)  # type: ignore[arg-type]
    return curves[t]


@pytest.fixture(scope="module")
def shared() -> tuple[pd.Series, pd.Series, object]:
    history = _history(3)
    dam = pd.Series(35.0 + 20.0 * np.sin(np.arange(24) / 24 * 2 * np.pi), index=interval_starts_utc(DAY, 60))
    days = []
    for d, part in history.groupby(history.index.tz_convert("America/Chicago").date):
        days.append(SpreadDay(d, pd.DatetimeIndex(part.index), part.to_numpy(), np.full(len(part), 35.0)))
    return history, dam, fit_spread_model(days, n_bins=3, n_atoms=5)


CAUSAL = [n for n in STRATEGY_NAMES if n != PERFECT_FORESIGHT]


@pytest.mark.parametrize("name", CAUSAL)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    t=st.integers(0, 23),
    seed=st.integers(0, 10_000),
    current=st.tuples(st.floats(-250.0, 3000.0), st.floats(-250.0, 3000.0)),
)
def test_nothing_of_the_interval_but_its_price_reaches_the_decision(
    shared: tuple[pd.Series, pd.Series, object], name: str, t: int, seed: int, current: tuple[float, float]
) -> None:
    history, dam, model = shared
    rng = np.random.default_rng(seed)
    prefix = 30.0 + rng.normal(0.0, 15.0, t)
    rest_a = np.concatenate([[current[0]], np.full(23 - t, -5000.0)])
    rest_b = np.concatenate([[current[1]], np.full(23 - t, 9000.0)])
    prices_a, info_a = _world(prefix, rest_a, -5000.0, history, dam, model)
    prices_b, info_b = _world(prefix, rest_b, 9000.0, history, dam, model)
    curve_a = _curve_at(name, t, prices_a, info_a, history)
    curve_b = _curve_at(name, t, prices_b, info_b, history)
    np.testing.assert_array_equal(curve_a.breaks_usd_per_mwh, curve_b.breaks_usd_per_mwh)
    np.testing.assert_array_equal(curve_a.net_mw, curve_b.net_mw)
    assert is_monotone(curve_a, PRICE_GRID)


@pytest.fixture(scope="module")
def agent_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained PPO checkpoint for SPEC at hourly intervals, its action logits scaled up so that the
    deterministic action moves with the observation."""
    import torch
    from stable_baselines3 import PPO

    from hayeknet.agents.training import init_model
    from hayeknet.agents.trust import trust
    from hayeknet.params import TrainParams

    path = init_model(
        SPEC, TrainParams(n_envs=1, n_steps=8, batch_size=8, seed=5), tmp_path_factory.mktemp("agent"), 1.0
    )
    model = PPO.load(path, device="cpu")
    with torch.no_grad():
        model.policy.action_net.weight.mul_(300.0)
    model.save(path)
    trust(path)  # changed after training wrote its registry: vouched for by this test
    return path


@pytest.mark.parametrize("with_dam", [True, False])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    t=st.integers(0, 23),
    seed=st.integers(0, 10_000),
    current=st.tuples(st.floats(-250.0, 3000.0), st.floats(-250.0, 3000.0)),
)
def test_nothing_of_the_interval_but_its_price_reaches_the_agent(
    shared: tuple[pd.Series, pd.Series, object],
    agent_checkpoint: Path,
    with_dam: bool,
    t: int,
    seed: int,
    current: tuple[float, float],
) -> None:
    """The PPO agent (:class:`~hayeknet.agents.policy.AgentOffers`) passes the same two-worlds test, with the
    DAM as its anchor and reference curve, and without (the last published price and the previous day)."""
    from hayeknet.agents.policy import AgentOffers

    history, dam, model = shared
    rng = np.random.default_rng(seed)
    prefix = 30.0 + rng.normal(0.0, 15.0, t)
    rest_a = np.concatenate([[current[0]], np.full(23 - t, -5000.0)])
    rest_b = np.concatenate([[current[1]], np.full(23 - t, 9000.0)])
    curves = []
    for rest, poison in ((rest_a, -5000.0), (rest_b, 9000.0)):
        prices, info = _world(prefix, rest, poison, history, dam, model)
        agent = AgentOffers(
            agent_checkpoint,
            info.dam_hourly if with_dam else None,
            info.spread_model,
            info.enkf_mean,  # type: ignore[arg-type]
        )
        offered: list[OfferCurve] = []
        run_causal(agent, prices, SPEC, StrategyContext(dt_hours=1.0, history=history), offered)
        curves.append(offered)
    a, b = curves[0][t], curves[1][t]
    np.testing.assert_array_equal(a.breaks_usd_per_mwh, b.breaks_usd_per_mwh)
    np.testing.assert_array_equal(a.net_mw, b.net_mw)
    assert is_monotone(a, PRICE_GRID)
    # not vacuous: the agent offers more than one kind of curve over the day
    assert len({(tuple(c.breaks_usd_per_mwh), tuple(c.net_mw)) for c in curves[0]}) > 1


def test_run_causal_shows_each_offer_only_the_prices_before_it() -> None:
    seen: list[int] = []

    class Spy:
        name = "spy"

        def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> Spy:
            return self

        def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
            assert len(observed) == t and (t == 0 or observed.index[-1] < INDEX[t])
            seen.append(t)
            return OfferCurve.thresholds(20.0, 60.0, 10.0, 10.0)

    prices = pd.Series(np.where(np.arange(24) % 2, 100.0, 0.0), index=INDEX)
    charge, discharge = run_causal(Spy(), prices, SPEC, StrategyContext(dt_hours=1.0))
    assert seen == list(range(24))
    p = prices.to_numpy()
    free = slice(0, 23)  # the last hour returns the SOC to the day's start (end_of_day_bounds), at any price
    assert np.all(p[free][charge[free] > 0] < 20.0) and np.all(p[free][discharge[free] > 0] >= 60.0)
    assert charge.sum() > 0 and discharge.sum() > 0
    assert not np.any((charge > 0) & (discharge > 0))


@settings(max_examples=60, deadline=None)
@given(
    lows=st.lists(st.floats(-50, 200), min_size=24, max_size=24),
    widths=st.lists(st.floats(0, 200), min_size=24, max_size=24),
    prices=st.lists(st.floats(-250, 5000), min_size=24, max_size=24),
    start_frac=st.floats(0.1, 0.9),
)
def test_every_causal_day_ends_where_it_started_inside_the_soc_window(
    lows: list[float], widths: list[float], prices: list[float], start_frac: float
) -> None:
    """Whatever curves a strategy offers, the cleared day keeps the SOC in its window, never charges and
    discharges at once, and ends at the SOC it started with (as the perfect-foresight bound does), so no
    strategy is paid for energy it leaves the next day to buy back."""
    from hayeknet.battery.ledger import next_soc_mwh

    class Wild:
        name = "wild"

        def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> Wild:
            return self

        def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
            return OfferCurve.thresholds(lows[t], lows[t] + widths[t], SPEC.power_mw, SPEC.power_mw)

    start = start_frac * SPEC.energy_mwh
    start = min(max(start, SPEC.soc_min_mwh), SPEC.soc_max_mwh)
    ctx = StrategyContext(dt_hours=1.0, soc_start_mwh=start)
    charge, discharge = run_causal(Wild(), pd.Series(prices, index=INDEX), SPEC, ctx)
    assert not np.any((charge > 0) & (discharge > 0))
    soc = start
    for c, d in zip(charge, discharge):
        soc = next_soc_mwh(soc, c, d, SPEC, 1.0)
        assert SPEC.soc_min_mwh - 1e-9 <= soc <= SPEC.soc_max_mwh + 1e-9
    assert soc == pytest.approx(start, abs=1e-6)
