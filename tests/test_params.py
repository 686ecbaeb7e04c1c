"""params.yaml validation: the shipped files load; mistakes name the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from hayeknet.params import ParamsError, load_params, params_from_mapping

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["params.yaml", "tests/params.tiny.yaml"])
def test_shipped_params_load(name: str) -> None:
    params = load_params(ROOT / name)
    assert params.study.start <= params.study.end_day()
    assert params.battery.power_mw > 0


def test_default_window_is_the_three_october_days() -> None:
    params = load_params(ROOT / "params.yaml")
    assert params.study.days() == [dt.date(2025, 10, 1), dt.date(2025, 10, 2), dt.date(2025, 10, 3)]
    assert params.battery.power_mw == 100.0 and params.battery.energy_mwh == 400.0


def _raw() -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text())


def test_unknown_key_is_named() -> None:
    raw = _raw()
    raw["battery"]["power_mww"] = 50
    with pytest.raises(ParamsError, match=r"battery\.power_mww"):
        params_from_mapping(raw, "params.yaml")


def test_bad_value_is_named() -> None:
    raw = _raw()
    raw["battery"]["power_mw"] = "fifty"
    with pytest.raises(ParamsError, match=r"battery\.power_mw"):
        params_from_mapping(raw, "params.yaml")


def test_inconsistent_soc_fractions_rejected() -> None:
    raw = _raw()
    raw["battery"]["soc_min_frac"] = 0.95
    with pytest.raises(ParamsError, match="SOC"):
        params_from_mapping(raw)


def test_missing_study_dates_named() -> None:
    raw = _raw()
    del raw["study"]["start"]
    with pytest.raises(ParamsError, match=r"study\.start"):
        params_from_mapping(raw)


def test_backend_choice_validated() -> None:
    raw = _raw()
    raw["assimilation"]["backend"] = "fortran"
    with pytest.raises(ParamsError, match="backend"):
        params_from_mapping(raw)


def test_end_before_start_rejected() -> None:
    raw = _raw()
    raw["study"]["end"] = "2025-09-01"
    with pytest.raises(ParamsError, match="before"):
        params_from_mapping(raw)


def test_experiment_override_changes_value() -> None:
    raw = _raw()
    raw["battery"]["power_mw"] = 50
    assert params_from_mapping(raw).battery.power_mw == 50.0


def test_an_unquoted_yaml_date_is_refused_naming_the_key(tmp_path: Path) -> None:
    """DVC stops every command with "unexpected error" on a YAML date in params.yaml (CI stop 19: `dvc add
    data` exit 255): the loader refuses it first, naming the key and the quoted form."""
    text = (ROOT / "params.yaml").read_text().replace('tuning_start: "2024-01-01"', "tuning_start: 2024-01-01")
    assert "tuning_start: 2024-01-01" in text
    (tmp_path / "params.yaml").write_text(text)
    with pytest.raises(ParamsError, match=r'(train|evaluation)\.tuning_start: write the date quoted \("2024-01-01"\)'):
        load_params(tmp_path / "params.yaml")


def test_dvc_reads_the_shipped_params(tmp_path: Path) -> None:
    """Every shipped params file is one DVC's interpolation context accepts (it refuses YAML dates and any other
    non-primitive value), and a file with a date is one it refuses (so this test can fail)."""
    from dvc.fs import LocalFileSystem
    from dvc.parsing.context import Context

    for name in ("params.yaml", "tests/params.tiny.yaml"):
        Context.load_from(LocalFileSystem(), str(ROOT / name))
    dated = tmp_path / "dated.yaml"
    dated.write_text("evaluation:\n  tuning_start: 2024-01-01\n")
    with pytest.raises(TypeError, match="Unsupported value of type 'date'"):
        Context.load_from(LocalFileSystem(), str(dated))


def test_the_project_has_one_tuning_window() -> None:
    """train.tuning_* (recorded in every checkpoint) and evaluation.tuning_* (the protocol's) cannot diverge."""
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    raw["train"]["tuning_end"] = "2024-05-31"
    with pytest.raises(ParamsError, match=r"params.yaml: train\.tuning_start\.\.tuning_end .* must equal evaluation"):
        params_from_mapping(raw, "params.yaml")
    params_from_mapping(yaml.safe_load((ROOT / "params.yaml").read_text()), "params.yaml")  # as shipped: one
