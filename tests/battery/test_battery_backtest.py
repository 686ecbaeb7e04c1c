"""Backtests over a small synthetic archive: per-day rows, capture ratios, risk, many node-days."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.backtest import (
    DAY_COLUMNS,
    BacktestError,
    make_strategy,
    perfect_foresight_profits,
    run_backtest,
)
from hayeknet.battery.ledger import summarize
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import StrategyContext, fair_bound, run_strategy

SPEC = BatterySpec()
DAYS = ("2025-10-01", "2025-10-02", "2025-10-03")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    root: Path = tmp_path_factory.mktemp("backtest")
    for day in DAYS:
        write_synthetic_day(day, root / "raw", default_catalogue(0), seed=3)
        ingest_day(root / "raw", day, root / "archive")
    return root / "archive"


@pytest.mark.parametrize(
    "strategy", ["perfect_foresight", "percentile_threshold", "time_of_day", "mpc_naive", "mpc_dam"]
)
def test_backtest_reports_every_day_against_perfect_foresight(archive: Path, strategy: str) -> None:
    result = run_backtest(archive, strategy, "2025-09-30", "2025-10-03", "HB_WEST", SPEC)
    days = result.days
    assert list(days.columns) == list(DAY_COLUMNS)
    assert days["day"].tolist() == list(DAYS)
    assert result.missing_days == ("2025-09-30",)
    # Perfect foresight of the same day bounds every strategy (fair bound: same start, end at least as full).
    assert np.all(days["profit_usd"] <= days["fair_bound_profit_usd"] + 1e-6)
    assert np.all(days["capture_ratio"] <= 1 + 1e-9)
    if strategy == "perfect_foresight":
        np.testing.assert_allclose(days["capture_ratio_vs_pf"], 1.0, rtol=1e-9)
    for day, ledger in result.ledgers.items():
        assert summarize(ledger, SPEC).profit_usd == pytest.approx(days.set_index("day").loc[day, "profit_usd"])
        assert ledger["soc_start_mwh"].iloc[0] == pytest.approx(SPEC.soc_initial_mwh)  # cyclic daily SOC
    assert result.risk.n_days == 3
    assert result.risk.total_profit_usd == pytest.approx(days["profit_usd"].sum())
    assert result.risk.equivalent_full_cycles == pytest.approx(days["cycles"].sum())
    payload = result.to_dict()
    assert payload["risk_conventions"]["sharpe_annualization"] == "sqrt(365)"
    assert len(payload["days"]) == 3


def test_backtest_errors(archive: Path) -> None:
    with pytest.raises(BacktestError, match="no archived day"):
        run_backtest(archive, "time_of_day", "2024-01-01", "2024-01-02", "HB_WEST", SPEC)
    with pytest.raises(BacktestError, match="unknown strategy"):
        run_backtest(archive, "buy_and_hold", DAYS[0], DAYS[0], "HB_WEST", SPEC)
    with pytest.raises(BacktestError, match="ends"):
        run_backtest(archive, "time_of_day", DAYS[1], DAYS[0], "HB_WEST", SPEC)
    with pytest.raises(BacktestError, match="checkpoint"):
        make_strategy("ppo_agent")
    with pytest.raises(BacktestError, match="mpc_dam"):
        make_strategy("mpc_dam")


def test_perfect_foresight_profits_match_single_solves() -> None:
    rng = np.random.default_rng(0)
    rows = 30 + 25 * np.sin(np.linspace(0, 4 * np.pi, 96))[None, :] + rng.normal(0, 10, (4, 96))
    expected = [optimize_dispatch(r, SPEC, 0.25).profit_usd for r in rows]
    np.testing.assert_allclose(perfect_foresight_profits(rows, SPEC, 0.25), expected, rtol=1e-9)
    # workers > 1 (spawned processes) is exercised by ``make bench`` (battery.pf_node_days), which checks
    # its profits against the dense baseline; spawning here would cost seconds of start-up.


@settings(max_examples=20, deadline=None)
@given(
    today=st.lists(st.floats(-300.0, 500.0, allow_nan=False), min_size=8, max_size=40),
    name=st.sampled_from(["percentile_threshold", "time_of_day", "mpc_naive"]),
)
def test_perfect_foresight_bounds_every_strategy(today: list[float], name: str) -> None:
    idx = pd.date_range("2025-10-01 05:00", periods=len(today), freq="15min", tz="UTC")
    prices = pd.Series(today, index=idx, dtype=float)
    history = pd.Series(today[::-1], index=idx - pd.Timedelta(days=1), dtype=float)
    ledger = run_strategy(make_strategy(name), prices, SPEC, StrategyContext(0.25, history=history))
    assert summarize(ledger, SPEC).profit_usd <= fair_bound(ledger, SPEC).profit_usd + 1e-6


def test_backtest_runs_the_rl_agent_from_a_checkpoint(archive: Path, tmp_path: Path) -> None:
    from hayeknet.agents.training import init_model
    from hayeknet.params import TrainParams

    params = TrainParams(timesteps_per_day=64, n_envs=1, n_steps=32, batch_size=32, n_epochs=1, seed=3)
    checkpoint = init_model(SPEC, params, tmp_path / "init")
    result = run_backtest(archive, "ppo_agent", DAYS[1], DAYS[1], "HB_WEST", SPEC, checkpoint=checkpoint)
    (row,) = result.days.to_dict(orient="records")
    assert row["day"] == DAYS[1]
    assert row["profit_usd"] <= row["fair_bound_profit_usd"] + 1e-6
    assert len(result.ledgers[DAYS[1]]) == 288
