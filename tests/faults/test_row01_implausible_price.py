"""Row 1: one LMP of 1e9 at HB_WEST in a raw file.

Before: every stage exited 0, the report showed a perfect-foresight profit of $8.3 billion and the next day's
model trained on it. Now: ingest quarantines the day with one line (raw file, row, field, check); every later
stage of the day short-circuits with one line and a marked output (train keeps the previous checkpoint), the
report of the day is a red "not valid" page, later days' training and beliefs skip it, `hayeknet status` and
`hayeknet validate` show it, and fixing the file and running again completes the day.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fault_helpers import D1, D2, D3, assert_one_line, make_project, rerecord, sced_files, set_price

from hayeknet.cli import main

STAGES = ("assimilate", "beliefs", "train", "simulate", "research")


def _run_day(ctx, day: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from hayeknet.pipeline.stages import assimilate, beliefs, ingest, report, research, simulate, train

    out: dict[str, object] = {"ingest": ingest.run(ctx, day)}
    for name, stage in zip(STAGES, (assimilate, beliefs, train, simulate, research)):
        out[name] = stage.run(ctx, day)
    out["report"] = report.load(ctx, day)
    return out


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Three collected days, 1e9 at HB_WEST in one SCED file of the middle day (recorded as delivered), every
    stage run in-process over the three days; the terminal's lines per day."""
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import beliefs, research, train

    root = make_project(tmp_path_factory.mktemp("row01") / "project", end=D3)
    paths = ProjectPaths(root)
    params = load_params(paths.params_file)
    collect(paths, params, params.study.start, params.study.end, update_dvc=False)
    victim = sced_files(paths.raw, D2)[100]
    shutil.copy(victim, root.parent / "original.zip")
    row = set_price(victim, "1000000000")
    rerecord(root, D2)
    ctx = StageContext(paths, params)
    for stage in (beliefs, train, research):
        stage.run(ctx, "init")
    outcomes = {day: _run_day(ctx, day) for day in (D1, D2, D3)}
    return paths, ctx, victim, row, outcomes


def test_ingest_quarantines_the_day_naming_file_row_field_and_check(chain, capfd) -> None:  # type: ignore[no-untyped-def]
    from hayeknet.pipeline.stages import ingest

    paths, ctx, victim, row, _ = chain
    ingest.run(ctx, D2)
    line = assert_one_line(capfd.readouterr().err, "ingest@2025-10-02", "quarantined")
    assert f"data/raw/np6-788-cd/{D2}/{victim.name}" in line
    assert f"row {row}" in line and "field LMP" in line and "check price_plausible" in line and "1e+09" in line
    prov = json.loads((paths.archive_day(D2) / "provenance.json").read_text())
    assert prov["verdict"] == "quarantined" and prov["quarantine"]
    assert json.loads((paths.archive_day(D1) / "provenance.json").read_text())["verdict"] == "valid"


def test_every_stage_of_the_day_short_circuits_with_one_line(chain, capfd) -> None:  # type: ignore[no-untyped-def]
    from hayeknet.pipeline.quarantine import Quarantined
    from hayeknet.pipeline.stages import assimilate, report, simulate

    paths, ctx, victim, _, outcomes = chain
    for name in (*STAGES, "report"):
        assert isinstance(outcomes[D2][name], Quarantined), name
        assert not isinstance(outcomes[D1][name], Quarantined), name
    simulate.run(ctx, D2)
    assimilate.run(ctx, D2)
    report.load(ctx, D2)
    err = capfd.readouterr().err
    for name in ("simulate", "assimilate", "report"):
        line = assert_one_line(err, f"{name}@{D2}", "quarantined, not run")
        assert victim.name in line and "check price_plausible" in line and f"hayeknet validate {D2}" in line
    assert len(err.strip().splitlines()) == 3  # one line per stage, nothing else
    # the day's marked outputs: no number computed from the bad price
    assert sorted(p.name for p in (paths.simulations / D2).iterdir()) == ["quarantine.json"]
    assert sorted(p.name for p in (paths.states / D2).iterdir()) == ["quarantine.json"]
    assert not (paths.beliefs / D2 / "beliefs.json").exists()


def test_train_keeps_the_previous_checkpoint_and_later_days_skip_the_day(chain) -> None:  # type: ignore[no-untyped-def]
    paths, *_ = chain
    assert (paths.models / D2 / "model.zip").read_bytes() == (paths.models / D1 / "model.zip").read_bytes()
    assert json.loads((paths.models / D2 / "registry.json").read_text())["days_seen"] == [D1]
    assert json.loads((paths.models / D3 / "registry.json").read_text())["days_seen"] == [D1, D3]
    history = json.loads((paths.research / D3 / "history.json").read_text())
    assert [h["day"] for h in history] == [D1, D3]
    beliefs = json.loads((paths.beliefs / D3 / "beliefs.json").read_text())
    assert D2 not in beliefs.get("history_days", []) and D1 in beliefs["history_days"]
    summary = json.loads((paths.simulations / D3 / "summary.json").read_text())
    assert summary["agent_checkpoint_days_seen"] == [D1]
    assert summary["strategies"]["perfect_foresight"]["profit_usd"] < 1e6  # no billion-dollar day anywhere


def test_status_and_validate_show_the_quarantined_day(chain, capsys) -> None:  # type: ignore[no-untyped-def]
    paths, _, victim, row, _ = chain
    (paths.root / "days.yaml").exists()
    assert main(["--project", str(paths.root), "status", "--no-dvc"]) == 0
    out = capsys.readouterr().out
    assert f"{D2}  QUARANTINED" in out and "quarantined days: 1" in out and f"{D1}  " in out
    assert main(["--project", str(paths.root), "validate", D2]) == 1
    out = capsys.readouterr().out
    assert "verdict: quarantined" in out
    assert f"np6-788-cd/{D2}/{victim.name}, row {row}, field LMP" in out


def test_the_report_of_the_day_is_a_red_not_valid_page(chain) -> None:  # type: ignore[no-untyped-def]
    """The report notebook executed for the quarantined day (papermill, the pipeline's kernel): no error, the
    banner, no figure."""
    import os

    import papermill as pm

    from hayeknet.pipeline.days import write_days_file

    paths, *_ = chain
    import datetime as dt

    write_days_file(paths.days_file, [dt.date.fromisoformat(d) for d in (D1, D2, D3)])
    out = paths.root / "report.ipynb"
    env_before = os.environ.get("HAYEKNET_ROOT")
    os.environ["HAYEKNET_ROOT"] = str(paths.root)
    try:
        pm.execute_notebook(
            str(Path(__file__).resolve().parents[2] / "notebooks" / "report.ipynb"),
            str(out),
            parameters={"day": D2},
            kernel_name="hayeknet",
            cwd=str(paths.root),
            progress_bar=False,
            log_output=False,
        )
    finally:
        if env_before is None:
            os.environ.pop("HAYEKNET_ROOT", None)
        else:
            os.environ["HAYEKNET_ROOT"] = env_before
    text = out.read_text()
    assert "NOT VALID: operating day 2025-10-02 is quarantined" in text
    assert "image/png" not in text and '"output_type": "error"' not in text


def test_every_stage_notebook_runs_to_its_end_on_the_quarantined_day(chain, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The nightly job runs the notebooks, not the stage functions: each per-day stage notebook, executed by
    papermill on the quarantined day, ends without an error (a cell such as ``outcome.metrics["x"]`` on the
    stand-in once stopped `dvc repro` on the third of five nights)."""
    import os

    import papermill as pm

    paths, *_ = chain
    assert json.loads((paths.archive_day(D2) / "provenance.json").read_text())["verdict"] == "quarantined"
    notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    before = os.environ.get("HAYEKNET_ROOT")
    os.environ["HAYEKNET_ROOT"] = str(paths.root)
    try:
        for stage in ("ingest", "assimilate", "beliefs", "train", "simulate", "research", "report"):
            parameters = {"day": D2} | ({"previous_day": D1} if stage == "report" else {})
            pm.execute_notebook(
                str(notebooks / f"{stage}.ipynb"),
                str(tmp_path / f"{stage}.ipynb"),
                parameters=parameters,
                kernel_name="hayeknet",
                progress_bar=False,
                cwd=str(paths.root),
            )
    finally:
        if before is None:
            os.environ.pop("HAYEKNET_ROOT", None)
        else:
            os.environ["HAYEKNET_ROOT"] = before


def test_fixing_the_file_and_running_again_completes_the_day(chain, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths, ctx, victim, _, _ = chain
    shutil.copy(paths.root.parent / "original.zip", victim)
    rerecord(paths.root, D2)
    fixed = _run_day(ctx, D2)
    again = _run_day(ctx, D3)
    from hayeknet.pipeline.quarantine import Quarantined

    assert not any(isinstance(v, Quarantined) for v in (*fixed.values(), *again.values()))
    assert json.loads((paths.archive_day(D2) / "provenance.json").read_text())["verdict"] == "valid"
    assert json.loads((paths.models / D3 / "registry.json").read_text())["days_seen"] == [D1, D2, D3]
    assert [h["day"] for h in json.loads((paths.research / D3 / "history.json").read_text())] == [D1, D2, D3]
    assert not (paths.simulations / D2 / "quarantine.json").exists()
