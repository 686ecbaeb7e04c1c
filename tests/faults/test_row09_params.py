"""Row 9: ``params.yaml`` with ``power_mw: .nan``, ``energy_mwh: .inf``, ``gamma: 5``, ``batch_size: 0``,
``learning_rate: -1``, ``location: HB_NOWHERE``, or a key deleted.

Before: accepted silently (defaults used for a deleted key); NaN surfaced later as "HiGHS returned 'Empty'".
Now: every command and stage that loads the params fails at once, with the key named, in one line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fault_helpers import D1, assert_one_line, make_project

from hayeknet.cli import main

CASES = {
    "power_mw-nan": ("battery", "power_mw", ".nan", "battery.power_mw"),
    "energy_mwh-inf": ("battery", "energy_mwh", ".inf", "battery.energy_mwh"),
    "gamma-5": ("train", "gamma", "5", "train.gamma must be within (0, 1]"),
    "batch_size-0": ("train", "batch_size", "0", "train.batch_size"),
    "learning_rate-neg": ("train", "learning_rate", "-1", "train.learning_rate must be within (0, 1)"),
    "location-nowhere": ("battery", "location", "HB_NOWHERE", "battery.location = 'HB_NOWHERE' is not a settlement"),
    "hub-nowhere": ("beliefs", "hub", "HB_NOWHERE", "beliefs.hub = 'HB_NOWHERE'"),
    "ensemble-1": ("assimilation", "ensemble_size", "1", "assimilation.ensemble_size"),
    "fill-negative": ("quality", "max_filled_minutes", "-5", "quality.max_filled_minutes"),
}


def _set(root: Path, section: str, key: str, raw_value: str | None) -> None:
    """Edit params.yaml as a person would: replace (or delete, ``None``) the line ``  key: ...`` of ``section``."""
    lines, out, current = (root / "params.yaml").read_text().splitlines(), [], None
    for line in lines:
        if line and not line.startswith(" "):
            current = line.split(":")[0]
        if current == section and line.strip().startswith(f"{key}:"):
            if raw_value is None:
                continue
            line = f"  {key}: {raw_value}"
        out.append(line)
    (root / "params.yaml").write_text("\n".join(out) + "\n")


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_bad_value_fails_naming_the_key(case: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    section, key, value, message = CASES[case]
    root = make_project(tmp_path / "project", end=D1)
    _set(root, section, key, value)
    assert main(["--project", str(root), "collect", "--no-dvc"]) == 2
    assert_one_line(capsys.readouterr().err, "hayeknet collect: error", message)
    assert not (root / "data").exists()  # nothing was collected with it


@pytest.mark.parametrize(
    ("section", "key"), [("train", "gamma"), ("battery", "soc_min_frac"), ("quality", "max_filled_minutes")]
)
def test_a_deleted_key_fails_naming_it(section: str, key: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "project", end=D1)
    _set(root, section, key, None)
    assert main(["--project", str(root), "collect", "--no-dvc"]) == 2
    assert_one_line(capsys.readouterr().err, f"missing key {section}.{key}", "put it back")


def test_a_deleted_section_fails_naming_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "project", end=D1)
    params = yaml.safe_load((root / "params.yaml").read_text())
    del params["quality"]
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    assert main(["--project", str(root), "collect", "--no-dvc"]) == 2
    assert_one_line(capsys.readouterr().err, "missing section quality")


def test_a_stage_checks_the_location_against_the_archive(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    """With days archived, the catalogue is the archive's: a location that is a synthetic name but not archived
    (more nodes configured than collected) stops every stage at its first cell with one line."""
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import ingest
    from hayeknet.pipeline.timings import StageFailed

    root = make_project(tmp_path / "project", end=D1)
    paths = ProjectPaths(root)
    params = load_params(paths.params_file)
    collect(paths, params, params.study.start, params.study.end, update_dvc=False)
    ingest.run(StageContext(paths, params), D1)
    _set(root, "battery", "location", "HB_NOWHERE")
    capfd.readouterr()
    with pytest.raises(StageFailed) as info:
        StageContext.load(root)
    line = assert_one_line(capfd.readouterr().err, "params:", "battery.location = 'HB_NOWHERE'")
    assert "the archive (2025-10-01)" in line and "HB_WEST" in line
    assert info.value._render_traceback_() == [f"StageFailed: {line.removeprefix('[hayeknet] ')}"]
