"""The sweep computes what the backtest computes, writes reproducible partitions, skips finished days,
retries and reports failures (serial scheduler: no Dask needed)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from hayeknet.battery.spec import BatterySpec
from hayeknet.params import SimulateParams
from hayeknet.sweep import runner as runner_module
from hayeknet.sweep.plan import SweepConfig, SweepConfigError, code_version, read_location_list, resolve_locations
from hayeknet.sweep.results import METADATA_KEY, RESULT_COLUMNS, partition_path, read_results, read_summary
from hayeknet.sweep.runner import SweepError, SweepOptions, run_sweep
from hayeknet.sweep.tasks import chunk_locations, zone_of

DAYS = ["2025-10-01", "2025-10-02", "2025-10-03"]
STRATEGIES = ("mpc_dam", "percentile_threshold")
SERIAL = SweepOptions(scheduler="serial")


def _config(**kw: object) -> SweepConfig:
    return SweepConfig.build(kw.pop("strategies", STRATEGIES), BatterySpec(), SimulateParams(), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def swept(sweep_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, runner_module.SweepRun]:
    out = tmp_path_factory.mktemp("swept") / "sweep"
    run = run_sweep(sweep_archive / "archive", DAYS, _config(), out, SERIAL, raw_root=sweep_archive / "raw")
    return out, run


def test_every_point_day_and_strategy_is_a_row(swept: tuple[Path, runner_module.SweepRun]) -> None:
    out, run = swept
    rows = read_results(out)
    assert list(rows.columns) == list(RESULT_COLUMNS)
    assert run.written == DAYS and not run.failed and not run.skipped
    assert rows["location"].nunique() == 17 and set(rows["day"]) == set(DAYS)
    assert len(rows) == 17 * 3 * 3 == run.rows and run.node_days == 17 * 3
    assert set(rows["status"]) == {"ok"}
    assert list(rows["strategy"].iloc[:3]) == ["perfect_foresight", *STRATEGIES]
    pf = rows[rows["strategy"] == "perfect_foresight"]
    assert np.allclose(pf["capture_ratio_vs_pf"], 1.0)
    causal = rows[rows["strategy"] != "perfect_foresight"]
    assert (causal["profit_usd"] <= causal["fair_bound_profit_usd"] + 1e-6).all()  # ADR 0005's bound
    west = rows[rows["location"] == "LZ_WEST"].iloc[0]
    assert west["zone"] == "WEST" and west["zone_hub"] == "HB_WEST" and west["location_type"] == "Load Zone"
    hub = rows[rows["location"] == "HB_WEST"].iloc[0]
    assert hub["zone"] == "WEST" and hub["zone_hub"] == "HB_HUBAVG"
    assert rows[rows["location"] == "HB_HUBAVG"].iloc[0]["zone"] == "ERCOT"


def test_rows_equal_the_backtest_of_the_same_point_and_strategy(
    sweep_archive: Path, swept: tuple[Path, runner_module.SweepRun]
) -> None:
    """An independent path: `hayeknet backtest`'s per-day results at one point equal the sweep's rows."""
    from hayeknet.battery.backtest import run_backtest

    rows = read_results(swept[0])
    for strategy in ("perfect_foresight", *STRATEGIES):
        spec = dataclasses.replace(BatterySpec(), location="LZ_WEST")
        bt = run_backtest(sweep_archive / "archive", strategy, DAYS[0], DAYS[-1], "LZ_WEST", spec).days
        mine = rows[(rows["location"] == "LZ_WEST") & (rows["strategy"] == strategy)].set_index("day")
        for column in ("profit_usd", "revenue_usd", "cycles", "fair_bound_profit_usd", "capture_ratio_vs_pf"):
            assert np.allclose(mine.loc[DAYS, column], bt[column], rtol=1e-9, atol=1e-6), (strategy, column)


def test_metadata_holds_the_params_and_code_version(swept: tuple[Path, runner_module.SweepRun]) -> None:
    out, _ = swept
    meta = json.loads(pq.read_schema(partition_path(out, DAYS[1])).metadata[METADATA_KEY])
    assert meta["config"]["strategies"] == ["perfect_foresight", *STRATEGIES]
    assert meta["config"]["battery"]["power_mw"] == 100.0 and "location" not in meta["config"]["battery"]
    simulate = meta["config"]["simulate"]  # every key of the simulate section: any of them changes a strategy
    assert simulate["threshold_low_percentile"] == 25.0 and simulate["threshold_high_percentile"] == 75.0
    assert set(simulate) == {f.name for f in dataclasses.fields(SimulateParams)}
    assert meta["code"] == code_version() and len(meta["code"]["source_sha256"]) == 64
    assert meta["inputs"]["history_day"] == DAYS[0] and meta["inputs"]["collected_from"] == "synthetic"
    summary = read_summary(out)
    assert list(summary["days"]) == DAYS and summary["days"][DAYS[0]]["rows_by_status"] == {"ok": 51}
    assert "seconds" not in json.dumps(summary)


def test_partitions_do_not_depend_on_the_split_into_tasks(
    sweep_archive: Path, swept: tuple[Path, runner_module.SweepRun], tmp_path: Path
) -> None:
    options = SweepOptions(scheduler="serial", tasks_per_day=5)
    run_sweep(sweep_archive / "archive", DAYS, _config(), tmp_path, options, raw_root=sweep_archive / "raw")
    for day in DAYS:
        assert partition_path(tmp_path, day).read_bytes() == partition_path(swept[0], day).read_bytes()
    assert chunk_locations(["c", "a", "b", "d"], 1, 2) == ["b", "d"]


def test_a_rerun_skips_finished_days_and_recomputes_what_changed(sweep_archive: Path, tmp_path: Path) -> None:
    archive, raw = sweep_archive / "archive", sweep_archive / "raw"
    first = run_sweep(archive, DAYS[:2], _config(), tmp_path, SERIAL, raw_root=raw)
    assert first.written == DAYS[:2]
    stamp = partition_path(tmp_path, DAYS[0]).stat().st_mtime_ns
    again = run_sweep(archive, DAYS, _config(), tmp_path, SERIAL, raw_root=raw)
    assert again.skipped == DAYS[:2] and again.written == [DAYS[2]]
    assert partition_path(tmp_path, DAYS[0]).stat().st_mtime_ns == stamp
    partition_path(tmp_path, DAYS[1]).write_bytes(b"not parquet")  # a broken partition is recomputed
    assert run_sweep(archive, DAYS, _config(), tmp_path, SERIAL, raw_root=raw).written == [DAYS[1]]
    smaller = dataclasses.replace(BatterySpec(), power_mw=50.0)
    changed = SweepConfig.build(STRATEGIES, smaller, SimulateParams())
    assert run_sweep(archive, DAYS, changed, tmp_path, SERIAL, raw_root=raw).written == DAYS
    pruned = run_sweep(archive, DAYS[1:], changed, tmp_path, SweepOptions(scheduler="serial", prune=True))
    assert pruned.skipped == DAYS[1:] and not partition_path(tmp_path, DAYS[0]).exists()
    assert list(read_summary(tmp_path)["days"]) == DAYS[1:]


def test_a_failing_task_is_retried_and_reported(
    sweep_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: dict[str, int] = {}
    real = runner_module.run_chunk

    def flaky(task: object) -> object:
        name = task.name  # type: ignore[attr-defined]
        calls[name] = calls.get(name, 0) + 1
        if task.day == DAYS[0] and calls[name] == 1:  # type: ignore[attr-defined]
            raise OSError("transient read error")
        if task.day == DAYS[1]:  # type: ignore[attr-defined]
            raise OSError("this day is broken")
        return real(task)  # type: ignore[arg-type]

    monkeypatch.setattr(runner_module, "run_chunk", flaky)
    run = run_sweep(sweep_archive / "archive", DAYS, _config(), tmp_path, SweepOptions(scheduler="serial", retries=2))
    assert run.written == [DAYS[0], DAYS[2]] and list(run.failed) == [DAYS[1]]
    assert "this day is broken" in run.failed[DAYS[1]]
    retried = {t.day: t for t in run.retried}
    assert retried[DAYS[0]].attempts == 2 and retried[DAYS[0]].ok
    assert retried[DAYS[1]].attempts == 3 and not retried[DAYS[1]].ok
    text = run.describe()
    assert "FAILED 2025-10-02" in text and "retried: sweep-2025-10-01" in text
    with pytest.raises(SweepError, match="1 day"):
        run.raise_for_failures()
    assert read_summary(tmp_path)["days_failed"] == {DAYS[1]: run.failed[DAYS[1]]}
    assert not partition_path(tmp_path, DAYS[1]).exists()
    monkeypatch.setattr(runner_module, "run_chunk", real)  # the next run computes only the failed day
    assert run_sweep(sweep_archive / "archive", DAYS, _config(), tmp_path, SERIAL).written == [DAYS[1]]


def test_unavailable_strategies_and_unpriced_points_are_rows_with_the_reason(
    sweep_archive: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(sweep_archive / "archive", archive)
    day = DAYS[1]
    path = archive / f"day={day}" / "prices.parquet"
    table = pd.read_parquet(path)
    pd.DataFrame(table[table["market"] != "DAM"]).to_parquet(path, index=False)  # no DAM prices that day
    config = _config(locations=["HB_WEST", "NOWHERE_RN"])
    run = run_sweep(archive, [day], config, tmp_path / "out", SERIAL)
    rows = read_results(tmp_path / "out").set_index(["location", "strategy"])
    assert rows.loc[("HB_WEST", "mpc_dam"), "status"] == "not_run"
    assert "DAM" in rows.loc[("HB_WEST", "mpc_dam"), "note"]
    assert rows.loc[("HB_WEST", "percentile_threshold"), "status"] == "ok"
    assert set(rows.loc["NOWHERE_RN", "status"]) == {"no_price"}
    assert run.node_days == 2


def test_config_and_locations(tmp_path: Path) -> None:
    config = _config(strategies=["mpc_dam", "perfect_foresight", "mpc_dam"])
    assert config.strategies == ("perfect_foresight", "mpc_dam") and config.causal_strategies == ("mpc_dam",)
    with pytest.raises(SweepConfigError, match="unknown strategies"):
        _config(strategies=["ppo_agent"])
    listing = tmp_path / "points.txt"
    listing.write_text("# sites\nHB_WEST\n\nALVIN_RN  # a node\n")
    assert read_location_list(listing) == ("HB_WEST", "ALVIN_RN")
    assert resolve_locations("all") is None and resolve_locations("points.txt", tmp_path) == ("HB_WEST", "ALVIN_RN")
    assert _config(locations=["b", "a", "a"]).locations == ("a", "b")
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(SweepConfigError, match="names no settlement point"):
        resolve_locations(str(tmp_path / "empty.txt"))
    assert zone_of("PECOS_WND1", "Resource Node", "HB_WEST") == "WEST"
    assert zone_of("HB_PAN", "Trading Hub", "HB_HUBAVG") == "PAN"
    assert zone_of("X_RN", "Resource Node", None) is None


def test_no_archived_day_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SweepError, match="no archived day"):
        run_sweep(tmp_path, DAYS, _config(), tmp_path / "out", SERIAL)
