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
