"""End to end: `hayeknet collect` + `dvc repro` of the tiny configuration in a
temporary copy of the repository (a real git + DVC project, real papermill runs),
then the incremental and experiment behaviour the README promises."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COPY_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "data",
    "artifacts",
    "reports",
    "cache",
    "tmp",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    "*.egg-info",
    ".ipynb_checkpoints",
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAYEKNET_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHON_JULIAPKG_OFFLINE"] = "yes"
    env["MPLBACKEND"] = "Agg"
    env.setdefault("GIT_AUTHOR_NAME", "hayeknet-test")
    env.setdefault("GIT_AUTHOR_EMAIL", "test@hayeknet.invalid")
    env.setdefault("GIT_COMMITTER_NAME", "hayeknet-test")
    env.setdefault("GIT_COMMITTER_EMAIL", "test@hayeknet.invalid")
    return env


def _run(args: list[str], cwd: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=_env() | (extra_env or {}), capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        )
    return proc


def _stages_run(repro_output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", repro_output))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the repository with the tiny params, as a git + DVC project."""
    return _fresh_copy(tmp_path_factory.mktemp("e2e") / "hayeknet")


def test_a_second_fresh_copy_reproduces_every_output_bit_for_bit(
    project: Path, first_run: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Identical inputs give identical outputs: the same tiny pipeline in another fresh copy (another path,
    another run) writes a dvc.lock whose every output hash equals the first one's."""
    other = _fresh_copy(tmp_path_factory.mktemp("e2e_again") / "hayeknet")
    _run([str(BIN / "hayeknet"), "collect", "--source", "synthetic"], other)
    _run([str(BIN / "dvc"), "repro"], other)
    first, second = _output_hashes(project.parent / "dvc.lock.first_run"), _output_hashes(other / "dvc.lock")
    assert first.keys() == second.keys()
    differ = sorted(k for k in first if first[k] != second[k])
    assert not differ, f"outputs that differ between two runs of the same inputs: {differ}"
    assert _run(["git", "status", "--porcelain", "--", "dvc.yaml", "params.yaml"], other).stdout == ""


def _fresh_copy(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    shutil.copy(ROOT / "tests" / "params.tiny.yaml", dest / "params.yaml")
    (dest / ".dvc" / "config.local").write_text(f"['remote \"local\"']\n    url = {dest.parent / 'remote'}\n")
    _run(["git", "init", "-q", "-b", "main"], dest)
    _run(["git", "add", "-A"], dest)
    _run(["git", "commit", "-q", "-m", "copy"], dest)
    return dest


@pytest.fixture(scope="module")
def first_run(project: Path) -> str:
    _run([str(BIN / "hayeknet"), "collect", "--source", "synthetic"], project)
    reads = project.parent / "param_reads"
    out = _run([str(BIN / "dvc"), "repro"], project, extra_env={"HAYEKNET_RECORD_PARAM_READS": str(reads)}).stdout
    shutil.copy(project / "dvc.lock", project.parent / "dvc.lock.first_run")
    return out


def _output_hashes(lock_file: Path) -> dict[str, str]:
    """``{stage: {path: md5}}`` of every output in a dvc.lock, flattened to ``stage:path -> md5``."""
    lock = yaml.safe_load(lock_file.read_text())
    return {
        f"{name}:{out['path']}": out["md5"] for name, stage in lock["stages"].items() for out in stage.get("outs", [])
    }


def test_repro_produces_a_report_and_results_per_day(project: Path, first_run: str) -> None:
    for day in ("2025-10-01", "2025-10-02"):
        html = project / "reports" / "daily" / f"{day}.html"
        assert html.stat().st_size > 50_000, "report should embed figures"
        text = html.read_text()
        assert "Traceback" not in text and "<img" in text
        results = json.loads((project / "artifacts" / "research" / day / "results.json").read_text())
        assert results["day"] == day
        assert len(results["qa"]) >= 3
        summary = json.loads((project / "artifacts" / "simulations" / day / "summary.json").read_text())
        assert {"perfect_foresight", "percentile_threshold", "ppo_agent"} <= set(summary["strategies"])
        value = summary["battery_value"]  # ADR 0021: stated before the day and scored, or why not
        assert value["stated"] or value["note"].startswith("not stated: ")
        assert results.get("battery_value") == value
        assert 'id="battery-value"' in text  # the daily report's table, or its note saying why not
        if value["stated"]:
            assert value["after_day"]["scored"] and "perfect_foresight" in value["after_day"]["against"]
    first, second = (
        json.loads((project / "artifacts" / "simulations" / d / "summary.json").read_text())["battery_value"]
        for d in ("2025-10-01", "2025-10-02")
    )
    assert not first["stated"] and "first study day" in first["note"]
    assert second["stated"], second  # the spread model stated on the first day values the second
    assert (project / "reports" / "study.html").exists()
    thesis = {p.name for p in (project / "reports" / "thesis").iterdir()}
    assert {"market_designs.pdf", "market_designs.png", "learning_curve.pdf", "hypothesis_results.png"} <= thesis
    assert "ingest@2025-10-01" in _stages_run(first_run)


def test_the_sweep_covers_every_point_and_day_and_the_study_report_shows_it(project: Path, first_run: str) -> None:
    """The sweep stage (tiny params: two strategies, one process) wrote one partition per study day with every
    settlement point and strategy, and the study report has its siting section."""
    sweep = json.loads((project / "artifacts" / "sweep" / "sweep.json").read_text())
    assert list(sweep["days"]) == ["2025-10-01", "2025-10-02"] and not sweep["days_failed"]
    assert all(d["n_locations"] == 17 and d["rows"] == 17 * 2 for d in sweep["days"].values())
    assert sweep["config"]["strategies"] == ["perfect_foresight", "percentile_threshold"]
    study = (project / "reports" / "study.html").read_text()
    assert "Siting sweep" in study and "Top 20 settlement points" in study


def test_every_stage_reads_exactly_the_params_it_declares(project: Path, first_run: str) -> None:
    """Each stage of the real repro read every key its dvc.yaml entry declares (a whole section: all of its
    keys) and nothing else (an undeclared read would have stopped the stage with UndeclaredParamError)."""
    import dataclasses

    import yaml

    from hayeknet.params import load_params

    params = load_params(project / "params.yaml")
    stages = yaml.safe_load((project / "dvc.yaml").read_text())["stages"]
    reads_dir = project.parent / "param_reads"
    problems = []
    for name, stage in stages.items():
        declared: set[str] = set()
        for key in stage.get("do", stage).get("params", []):
            if "." in key:
                declared.add(key)
            else:
                declared |= {f"{key}.{f.name}" for f in dataclasses.fields(getattr(params, key))}
        record = reads_dir / f"{name}.reads"
        read = set(record.read_text().split()) if record.exists() else set()
        if read - declared:
            problems.append(f"{name} reads undeclared {sorted(read - declared)}")
        if declared - read:
            problems.append(f"{name} declares but never reads {sorted(declared - read)}")
    assert not problems, "\n".join(problems)


def test_reports_render_in_a_browser(project: Path, first_run: str, tmp_path: Path) -> None:
    """Headless Chromium at phone width: no broken image, traceback or empty section, no script from a CDN."""
    from report_browser import BrowserUnavailableError, check_html_report, chromium_path

    try:
        chromium_path()
    except BrowserUnavailableError as exc:
        pytest.skip(f"no Chromium: {exc}")
    for html in [project / "reports" / "daily" / "2025-10-02.html", project / "reports" / "study.html"]:
        check = check_html_report(html, tmp_path / f"{html.stem}.png")
        check.raise_for_problems()
        assert not [w for w in check.warnings if "loaded from the network" in w], check.warnings
        assert check.n_images >= 1 and check.screenshot.stat().st_size > 10_000


def test_reports_read_well_at_phone_and_desktop_width(project: Path, first_run: str) -> None:
    """Issue 15's browser test: every daily report, the study report and the index at 390 and 1280 CSS px in
    headless Chromium: no sideways page scroll, no unformatted float of more than 6 digits in a table cell, no
    snake_case header, every in-page link lands; the links between the pages lead to files that exist."""
    from report_browser import BrowserUnavailableError, ChromiumPage, check_layout, chromium_path

    try:
        chromium_path()
    except BrowserUnavailableError as exc:
        pytest.skip(f"no Chromium: {exc}")
    reports = project / "reports"
    pages = [*sorted((reports / "daily").glob("*.html")), reports / "study.html", reports / "index.html"]
    assert len(pages) == 4
    problems = []
    for width in (390, 1280):
        with ChromiumPage(width) as page:
            for html in pages:
                check = check_layout(html, width, page=page)
                problems += [f"{html.relative_to(project)}: {p}" for p in check.problems()]
                if html.name != "index.html":
                    assert check.n_tables >= 4, html
    assert not problems, "\n".join(problems)
    index = (reports / "index.html").read_text()
    for href in ("study.html", "daily/2025-10-01.html", "daily/2025-10-02.html"):
        assert f'href="{href}"' in index and (reports / href).is_file(), href
    day2 = (reports / "daily" / "2025-10-02.html").read_text()
    for href in ("../index.html", "../study.html", "2025-10-01.html", "2025-10-03.html"):
        assert f'href="{href}"' in day2, href
    assert 'href="daily/2025-10-02.html"' in (reports / "study.html").read_text()
    assert "[hayeknet] " not in (reports / "study.html").read_text(), "stage progress lines stay in the terminal"


def test_export_writes_the_tables_the_report_links_as_csv(project: Path, first_run: str, tmp_path: Path) -> None:
    """`hayeknet export` writes the same table as the daily report's "Download CSV" link, also as Parquet."""
    import base64

    import pandas as pd

    html = (project / "reports" / "daily" / "2025-10-02.html").read_text()
    for what in ("strategies", "beliefs", "qa"):
        out = tmp_path / f"{what}.csv"
        printed = _run(
            [str(BIN / "hayeknet"), "export", "--day", "2025-10-02", "--what", what, "-o", str(out)], project
        )
        assert f"export {what} of 2025-10-02" in printed.stdout
        link = re.search(rf'download="2025-10-02_{what}.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"', html)
        assert link, what
        assert base64.b64decode(link.group(1)).decode() == out.read_text(), what
        parquet = tmp_path / f"{what}.parquet"
        _run([str(BIN / "hayeknet"), "export", "--day", "2025-10-02", "--what", what, "--format", "parquet",
              "-o", str(parquet)], project)  # fmt: skip
        assert len(pd.read_parquet(parquet)) == len(pd.read_csv(out))
    strategies = pd.read_csv(tmp_path / "strategies.csv", index_col=0)
    assert {"perfect_foresight", "ppo_agent"} <= set(strategies.index) and "profit_usd" in strategies.columns


def test_explore_notebook_runs_top_to_bottom(project: Path, first_run: str, tmp_path: Path) -> None:
    """notebooks/explore.ipynb (JupyterLab, no DVC stage) on a range and on its defaults (the whole study)."""
    out = tmp_path / "explore.ipynb"
    pm = [str(BIN / "papermill"), "-k", "hayeknet", "--no-progress-bar", "--log-level", "WARNING"]
    _run([*pm, "notebooks/explore.ipynb", str(out), "-p", "start", "2025-10-01", "-p", "end", "2025-10-02",
          "-p", "strategy", "mpc_beliefs"], project)  # fmt: skip
    text = out.read_text()
    assert "2 study days loaded: 2025-10-01 to 2025-10-02" in text and "MPC, beliefs on 2025-10-02" in text
    _run([*pm, "notebooks/explore.ipynb", str(tmp_path / "defaults.ipynb")], project)


def test_second_repro_is_up_to_date(project: Path, first_run: str) -> None:
    out = _run([str(BIN / "dvc"), "repro"], project).stdout
    assert _stages_run(out) == set(), out


def test_dvc_push_to_the_local_remote_works_offline(project: Path, first_run: str) -> None:
    _run([str(BIN / "dvc"), "push", "-q"], project)
    remote = project.parent / "remote"
    assert sum(1 for p in remote.rglob("*") if p.is_file()) > 100


def test_walk_forward_registry(project: Path, first_run: str) -> None:
    reg = json.loads((project / "artifacts" / "models" / "2025-10-02" / "registry.json").read_text())
    assert reg["days_seen"] == ["2025-10-01", "2025-10-02"]
    summary = json.loads((project / "artifacts" / "simulations" / "2025-10-02" / "summary.json").read_text())
    assert summary["agent_checkpoint_days_seen"] == ["2025-10-01"]


@pytest.mark.parametrize("night", ["2025-10-04", "2025-10-05"])
def test_each_night_adds_one_day_and_runs_only_its_stages(project: Path, first_run: str, night: str) -> None:
    """The nightly job with a faked clock: `collect --through yesterday` adds exactly the day before, and
    `dvc repro` runs that day's stages (and the study-wide ones) only."""
    new_day = (dt.date.fromisoformat(night) - dt.timedelta(days=1)).isoformat()
    out = _run(
        [str(BIN / "hayeknet"), "collect", "--through", "yesterday"], project, extra_env={"HAYEKNET_TODAY": night}
    ).stdout
    assert "1 collected" in out and f"..{new_day}" in out, out
    days = yaml.safe_load((project / "days.yaml").read_text())["days"]
    assert list(days)[-1] == new_day
    ran = _stages_run(_run([str(BIN / "dvc"), "repro"], project).stdout)
    expected = {
        f"{s}@{new_day}" for s in ("ingest", "assimilate", "beliefs", "train", "simulate", "research", "report")
    }
    assert ran == expected | {"sweep", "study_report", "thesis_figures"}
    sweep = json.loads((project / "artifacts" / "timings" / f"sweep@{new_day}.json").read_text())["phases"]
    assert sweep["sweep:days_written"] == 1 and sweep["sweep:days_skipped"] >= 2  # the new day only


def test_experiment_answers_without_touching_the_workspace(project: Path, first_run: str) -> None:
    """The README's experiment recipe: `dvc exp run --temp -S ...` leaves params.yaml as it was, and the
    experiments table shows the study's total profit per strategy for both runs."""
    params_before = (project / "params.yaml").read_text()
    _run(["git", "add", "-A"], project)
    _run(["git", "commit", "-q", "-m", "state", "--allow-empty"], project)
    _run([str(BIN / "dvc"), "exp", "run", "--temp", "-S", "battery.power_mw=50", "-n", "half-power"], project)
    assert (project / "params.yaml").read_text() == params_before
    shown = json.loads(_run([str(BIN / "dvc"), "exp", "show", "--json"], project).stdout)
    metrics = {}
    for commit in shown:
        for exp in [commit, *[e for ex in commit.get("experiments") or [] for e in ex.get("revs", [])]]:
            data = exp.get("data") or {}
            name = exp.get("name") or data.get("name") or exp.get("rev")
            m = ((data.get("metrics") or {}).get("metrics/study.json") or {}).get("data")
            if m:
                metrics[name] = m
    half = metrics.get("half-power")
    assert half is not None, list(metrics)
    full = metrics.get("workspace") or next(m for n, m in metrics.items() if n != "half-power")
    assert half["profit_usd"]["perfect_foresight"] < full["profit_usd"]["perfect_foresight"]
    table = _run([str(BIN / "hayeknet"), "experiments"], project).stdout
    assert "half-power" in table and "perfect_foresight" in table and "src/hayeknet" not in table, table
