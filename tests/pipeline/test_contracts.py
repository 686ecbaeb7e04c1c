"""Stage contracts: a stage sees exactly the params its dvc.yaml entry declares.

The end-to-end test (``tests/test_pipeline_e2e.py``) records every key each
stage reads during a real ``dvc repro`` and holds the records to ``dvc.yaml``;
these tests hold the mechanism itself and the declarations to the code.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import shutil
from pathlib import Path

import pytest
import yaml

from hayeknet.battery.spec import BatterySpec
from hayeknet.config import ProjectPaths
from hayeknet.params import Params, load_params
from hayeknet.pipeline.context import StageContext
from hayeknet.pipeline.contracts import (
    StageContractError,
    UndeclaredParamError,
    declared_params,
    guarded_params,
    reads_for,
)

ROOT = Path(__file__).resolve().parents[2]
PARAMS = load_params(ROOT / "params.yaml")
STAGE_MODULES = (
    "ingest",
    "assimilate",
    "beliefs",
    "train",
    "simulate",
    "research",
    "report",
    "sweep",
    "study_report",
    "thesis_figures",
)


def _stages() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def test_every_stage_has_its_module_and_notebook() -> None:
    import importlib

    for name in _stages():
        base = name.removesuffix("_init")
        module = importlib.import_module(f"hayeknet.pipeline.stages.{base}")
        assert name in (module.STAGE, getattr(module, "INIT_STAGE", None)), name
        assert (ROOT / "notebooks" / f"{base}.ipynb").exists(), name
    assert {n.removesuffix("_init") for n in _stages()} == set(STAGE_MODULES)


def test_declarations_name_real_params() -> None:
    sections = {
        f.name: {x.name for x in dataclasses.fields(getattr(PARAMS, f.name))} for f in dataclasses.fields(Params)
    }
    for name in _stages():
        for key in declared_params(ROOT / "dvc.yaml", name):
            section, _, field = key.partition(".")
            assert section in sections, f"{name}: {key}"
            assert not field or field in sections[section], f"{name}: {key}"


def test_the_seed_is_declared_wherever_it_is_read() -> None:
    """The bug that started it: study.seed was read by train, simulate and research and declared by none."""
    for name in ("train", "simulate", "research"):
        assert "study.seed" in declared_params(ROOT / "dvc.yaml", name), name


def test_undeclared_key_raises_naming_it(tmp_path: Path) -> None:
    reads = reads_for("simulate")
    view = guarded_params(PARAMS, ["battery", "qse.enabled"], reads)
    assert view.battery.power_mw == PARAMS.battery.power_mw
    assert view.qse.enabled is PARAMS.qse.enabled
    with pytest.raises(UndeclaredParamError, match=r"stage simulate read params key study\.seed.*add 'study\.seed'"):
        _ = view.study.seed
    with pytest.raises(UndeclaredParamError, match=r"qse\.market_design"):
        _ = view.qse.market_design
    with pytest.raises(UndeclaredParamError):
        view.to_dict()  # a whole-params dict round trip reads every section
    assert reads.keys == ["battery.power_mw", "qse.enabled"]


def test_a_declared_whole_section_reads_freely_and_records_each_key() -> None:
    reads = reads_for("train")
    view = guarded_params(PARAMS, ["battery", "train"], reads)
    spec = view.battery
    assert isinstance(spec, BatterySpec)
    assert dataclasses.asdict(spec) == dataclasses.asdict(PARAMS.battery)
    assert spec.soc_max_mwh == PARAMS.battery.soc_max_mwh  # properties read through the guard too
    assert set(reads.keys) >= {f"battery.{f.name}" for f in dataclasses.fields(BatterySpec)}
    replaced = dataclasses.replace(view.train, timesteps_per_day=7)  # a derived copy reads freely
    assert replaced.timesteps_per_day == 7 and replaced.n_envs == PARAMS.train.n_envs
    plain = pickle.loads(pickle.dumps(spec))
    assert type(plain) is BatterySpec and plain == PARAMS.battery
    assert copy.deepcopy(spec) == PARAMS.battery


def test_reads_are_recorded_to_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAYEKNET_RECORD_PARAM_READS", str(tmp_path))
    view = guarded_params(PARAMS, ["research"], reads_for("research"))
    _ = view.research.high_price_usd_per_mwh, view.research.high_price_usd_per_mwh, view.research.anomaly_threshold
    assert (tmp_path / "research.reads").read_text().splitlines() == [
        "research.high_price_usd_per_mwh",
        "research.anomaly_threshold",
    ]


def test_unknown_stage_and_unknown_declaration_are_errors(tmp_path: Path) -> None:
    with pytest.raises(StageContractError, match="no stage 'nope'"):
        declared_params(ROOT / "dvc.yaml", "nope")
    with pytest.raises(StageContractError, match="unknown params"):
        guarded_params(PARAMS, ["batteries.power_mw"], reads_for("x"))
    with pytest.raises(StageContractError, match="missing"):
        declared_params(tmp_path / "dvc.yaml", "ingest")


def test_the_context_hands_each_stage_its_own_view(tmp_path: Path) -> None:
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  a:\n    cmd: x\n    params: [battery.location]\n  b:\n    cmd: y\n    params: [battery]\n"
    )
    ctx = StageContext.load(tmp_path)
    assert ctx.params_for("a").battery.location == PARAMS.battery.location
    with pytest.raises(UndeclaredParamError, match=r"battery\.power_mw"):
        _ = ctx.params_for("a").battery.power_mw
    assert ctx.params_for("b").battery.power_mw == PARAMS.battery.power_mw
    assert isinstance(ctx.paths, ProjectPaths) and ctx.paths.root == tmp_path.resolve()
