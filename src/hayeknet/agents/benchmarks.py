"""PPO training throughput for ``make bench`` (issue 5 target: >= 2,500 env steps/s).

The vectorized set-up of the train stage (``DummyVecEnv`` of ``n_envs``
environments, the stage's PPO settings) is timed against the same PPO with a
single un-vectorized environment, in the same run. Both learn on the same
synthetic price days; the figure is environment steps per wall-clock second
of ``PPO.learn`` (rollouts and gradient updates included).

The three-QSE figure times one walk-forward increment of the three learners
(:func:`hayeknet.agents.multi_training.train_qse_increment`: each agent's
steps, with the other two agents' policies acting inside every step), in
environment steps (summed over the three agents) per wall-clock second of the
whole increment, checkpoint writing included, against the same increment
with one un-vectorized environment per learner. A tiny untimed increment
runs first so that one-off imports (torch's deterministic-algorithm switch
loads ``torch._dynamo``) are not charged to either figure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import numpy as np

from hayeknet.battery.spec import BatterySpec
from hayeknet.benchmarking import BenchResult, rate_result
from hayeknet.params import TrainParams


def _price_days(n_days: int) -> tuple[list[np.ndarray], list[str]]:
    """HB_WEST 5-minute prices ($/MWh) of ``n_days`` synthetic days from 2025-10-01."""
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import synthetic_prices

    catalogue = default_catalogue(2)
    days, labels = [], []
    for i in range(n_days):
        day = dt.date(2025, 10, 1) + dt.timedelta(days=i)
        synth = synthetic_prices(day, catalogue, 20251001)
        days.append(np.asarray(synth.lmp[:, synth.names.index("HB_WEST")], dtype=float))
        labels.append(day.isoformat())
    return days, labels


def _steps_per_second(price_days: list[np.ndarray], labels: list[str], params: TrainParams) -> float:
    import tempfile
    from pathlib import Path

    from hayeknet.agents.training import train_increment

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        from hayeknet.agents.features import AgentDay

        days = [
            AgentDay(label, p, reference_usd_per_mwh=prev)
            for label, p, prev in zip(labels, price_days, [None, *price_days[:-1]], strict=True)
        ]
        record = train_increment(None, days, BatterySpec(), params, Path(tmp) / "m")
        seconds = time.perf_counter() - start
    return record.increment_timesteps / seconds


def _qse_steps_per_second(n_days: int, params: TrainParams, market_design: str = "sced") -> float:
    import tempfile
    from pathlib import Path

    from hayeknet.agents.multi_training import train_qse_increment
    from hayeknet.agents.qse import QSEEnvConfig, synthetic_qse_days

    days = synthetic_qse_days("2025-10-01", n_days, 20251001)
    config = QSEEnvConfig(market_design=market_design)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        record = train_qse_increment(None, days, params, Path(tmp) / "m", config)
        seconds = time.perf_counter() - start
    return sum(part.increment_timesteps for part in record.agents.values()) / seconds


def qse_benchmarks(quick: bool = False) -> list[BenchResult]:
    """Three-QSE training throughput: ``n_envs=8`` vs one un-vectorized environment per learner,
    under today's design (energy only) and under RTC+B (the battery also offers AS, every
    (energy, AS) action projected by the constraint validator)."""
    base = TrainParams()
    if quick:  # whole rollouts of 8 x 64 steps
        base = dataclasses.replace(base, n_steps=64, batch_size=64)
    n_days = 1 if quick else 4
    _qse_steps_per_second(1, dataclasses.replace(base, timesteps_per_day=64, n_envs=1, n_steps=64, batch_size=64))
    steps = 512 if quick else 16_384  # per agent
    vectorized = dataclasses.replace(base, timesteps_per_day=steps, n_envs=8)
    single = dataclasses.replace(base, timesteps_per_day=steps, n_envs=1)
    results = []
    for design, suffix in (("sced", ""), ("rtc_b", "_rtc_b")):
        vec_rate = _qse_steps_per_second(n_days, vectorized, design)
        single_rate = _qse_steps_per_second(n_days, single, design)
        results.append(rate_result(
            f"qse_ppo_train_throughput_{vectorized.n_envs}_envs{suffix}", vec_rate, single_rate, unit="steps/s",
            baseline="same three-learner increment with one un-vectorized environment per learner",
            target=">= 2,500 steps/s on 2 cores",
            note=(f"market design {design}; 3 agents x {steps} steps, n_steps={base.n_steps}, "
                  f"batch={base.batch_size}, epochs={base.n_epochs}"),
        ))  # fmt: skip
    return results


def benchmarks(quick: bool = False) -> list[BenchResult]:
    days, labels = _price_days(2 if quick else 4)
    base = TrainParams()
    steps = 2_048 if quick else 40_960
    vectorized = dataclasses.replace(base, timesteps_per_day=steps, n_envs=8)
    single = dataclasses.replace(base, timesteps_per_day=steps, n_envs=1)
    vec_rate = _steps_per_second(days, labels, vectorized)
    single_rate = _steps_per_second(days, labels, single)
    return [
        rate_result(
            f"ppo_train_throughput_{vectorized.n_envs}_envs",
            vec_rate,
            single_rate,
            unit="steps/s",
            baseline="same PPO with one un-vectorized environment",
            target=">= 2,500 steps/s on 2 cores",
            note=f"{steps} steps, n_steps={base.n_steps}, batch={base.batch_size}, epochs={base.n_epochs}",
        ),
        *qse_benchmarks(quick),
    ]
