"""PPO learns: on a tiny deterministic price pattern the trained agent beats doing nothing by a margin.

Every day is the same 48 five-minute intervals: cheap for the first half, dear for the second. The DAM
reference is flat, so the day-ahead plan the agent observes (and its untrained policy follows) is to do
nothing: whatever it earns it must learn from the lagged real-time prices. Doing nothing earns 0 $; the
perfect-foresight bound buys the cheap half and sells the dear one. A few thousand PPO steps must bring the
agent, trading through its offer curves as in the simulate stage, to a clear share of the bound. This fails
if the reward, the observation or the action mapping stop carrying the signal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hayeknet.agents.features import AgentDay
from hayeknet.agents.policy import agent_schedule
from hayeknet.agents.training import init_model, train_increment
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.params import TrainParams

SPEC = BatterySpec()
DT = 1.0 / 12.0
N = 48
PATTERN = np.where(np.arange(N) < N // 2, 10.0, 90.0)
START = pd.Timestamp("2025-10-05T05:00Z")
PARAMS = TrainParams(timesteps_per_day=6144, n_envs=4, n_steps=128, batch_size=128, n_epochs=5, seed=3)
MARGIN = 0.3
"""Share of the perfect-foresight profit the trained agent must reach (doing nothing: 0)."""


def _profit(charge: np.ndarray, discharge: np.ndarray) -> float:
    throughput = (charge + discharge).sum() * DT
    return float(((discharge - charge) * PATTERN).sum() * DT - SPEC.degradation_usd_per_mwh * throughput)


def test_ppo_beats_doing_nothing_on_a_repeating_cheap_then_dear_day(tmp_path: Path) -> None:
    labels = [f"2025-10-0{k}" for k in range(1, 5)]
    flat = np.full(N, float(PATTERN.mean()))
    days = [AgentDay(label, PATTERN.copy(), flat, True, PATTERN.copy()) for label in labels]
    prices = pd.Series(PATTERN, index=pd.date_range(START, periods=N, freq="5min"))
    dam = pd.Series(flat[::12], index=pd.date_range(START, periods=N // 12, freq="h"))
    history = pd.Series(PATTERN, index=prices.index - pd.Timedelta(days=1))
    bound = optimize_dispatch(PATTERN, SPEC, DT).profit_usd
    assert bound > 0

    init = init_model(SPEC, PARAMS, tmp_path / "init", dt_hours=DT)
    untrained = _profit(*agent_schedule(init, prices, SPEC, DT, dam_hourly=dam, history=history))
    record = train_increment(init, days, SPEC, PARAMS, tmp_path / "trained", dt_hours=DT)
    trained = _profit(*agent_schedule(record.checkpoint, prices, SPEC, DT, dam_hourly=dam, history=history))
    print(f"bound {bound:.0f} $, untrained {untrained:.0f} $, trained {trained:.0f} $")
    assert trained >= MARGIN * bound, (trained, bound)
    assert trained > untrained + 0.2 * bound
