"""The stage context's cached day table: one read per partition version, fresh copies, re-read after a rewrite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from hayeknet.archive import store
from hayeknet.config import ProjectPaths
from hayeknet.params import load_params
from hayeknet.pipeline.context import StageContext, StageInputError
from hayeknet.pipeline.stages.ingest import read_day as day_table

ROOT = Path(__file__).resolve().parents[2]
DAY = "2025-10-01"


def _table(price: float) -> pd.DataFrame:
    start = pd.date_range("2025-10-01 05:00", periods=3, freq="5min", tz="UTC")
    return pd.DataFrame({
        "interval_start_utc": start,
        "interval_end_utc": start + pd.Timedelta(minutes=5),
        "market": "RTM_SCED",
        "location": "HB_WEST",
        "location_type": "Trading Hub",
        "as_type": pd.Series([None] * 3, dtype="str"),
        "price": [price, price + 1.0, price + 2.0],
        "report": "NP6-788-CD",
    })  # fmt: skip


@pytest.fixture()
def ctx(tmp_path: Path) -> StageContext:
    shutil.copy(ROOT / "tests" / "params.tiny.yaml", tmp_path / "params.yaml")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    paths = ProjectPaths(tmp_path)
    return StageContext(paths, load_params(paths.params_file))


def test_day_table_reads_once_and_hands_out_copies(ctx: StageContext, monkeypatch: pytest.MonkeyPatch) -> None:
    store.write_day(ctx.paths.archive, DAY, _table(10.0), {"day": DAY, "source": "test"})
    calls = []
    real = store.read_day
    monkeypatch.setattr(store, "read_day", lambda root, day: calls.append(day) or real(root, day))
    first = day_table(ctx, DAY)
    first.loc[:, "price"] = -1.0  # a caller mutating its copy must not change the next caller's table
    second = day_table(ctx, DAY)
    assert calls == [DAY]
    assert second["price"].tolist() == [10.0, 11.0, 12.0]


def test_day_table_rereads_a_rewritten_partition(ctx: StageContext) -> None:
    store.write_day(ctx.paths.archive, DAY, _table(10.0), {"day": DAY, "source": "test"})
    assert day_table(ctx, DAY)["price"].iloc[0] == 10.0
    store.write_day(ctx.paths.archive, DAY, _table(50.0), {"day": DAY, "source": "test", "note": "rewritten"})
    assert day_table(ctx, DAY)["price"].iloc[0] == 50.0


def test_day_table_without_partition_names_the_stage_to_run(ctx: StageContext) -> None:
    with pytest.raises(StageInputError, match=r"day=2025-10-02.*ingest@2025-10-02"):
        day_table(ctx, "2025-10-02")
