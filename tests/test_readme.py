"""The README's "Command line" examples work: every ``hayeknet ...`` line of its bash blocks runs, in order,
against a small synthetic project like the one ``make daily`` leaves (params.yaml and days.yaml of the
repository, three collected synthetic days, archived by the ingest stage, a git + DVC repository with a
study metrics file), exits 0, and ``optimize`` prints a non-zero profit. Lines that need the network or
credentials (``collect --source mis|api|files``) are parsed but not run, and reported as skipped."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from hayeknet.cli import build_parser, main
from hayeknet.commands.experiments import find_dvc

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SECTION = "## Command line"
GIT, DVC = shutil.which("git"), find_dvc()


def command_lines(text: str | None = None) -> list[str]:
    """Every ``hayeknet`` line of the bash blocks of the README's "Command line" section, in order."""
    text = README.read_text() if text is None else text
    start = text.index(SECTION) + len(SECTION)
    end = text.find("\n## ", start)
    section = text[start : end if end != -1 else None]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "hayeknet":
                lines.append(shlex.join(words))
    return lines


def skip_reason(line: str) -> str | None:
    """Why a README line is not run here, or None."""
    words = shlex.split(line)
    if words[1] == "collect":
        source = words[words.index("--source") + 1] if "--source" in words else "synthetic"
        if source == "mis":
            return "collect --source mis downloads from ERCOT (network)"
        if source == "api":
            return "collect --source api downloads from ERCOT's public API (network, credentials)"
        if source == "files":
            return "collect --source files needs a folder of downloaded ERCOT files"
    if words[1] == "study":
        return "study collects a folder of ERCOT files and runs dvc repro (tests/commands/test_study_command.py)"
    if words[1] == "evaluate":
        return "evaluate needs a folder of ERCOT daily reports (../shared/real; test_battery_walk_forward runs it)"
    if words[1] == "experiments" and not (GIT and DVC):
        return "hayeknet experiments needs git and dvc"
    return None


LINES = command_lines()
RUN = [line for line in LINES if skip_reason(line) is None]
NOT_RUN = [(line, skip_reason(line)) for line in LINES if skip_reason(line) is not None]


def _git(project: Path, *args: str) -> None:
    subprocess.run([GIT or "git", *args], cwd=project, check=True, capture_output=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project as `make daily` leaves it, minus the expensive stages: the repository's params.yaml and
    days.yaml, its three synthetic days collected and ingested, metrics/study.json, a git + DVC repository."""
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import ingest

    root = tmp_path_factory.mktemp("readme") / "hayeknet"
    root.mkdir()
    for name in ("params.yaml", "days.yaml"):
        shutil.copy(ROOT / name, root / name)
    # the ingest stage's declaration (its params: the quality gates) and the study metrics
    (root / "dvc.yaml").write_text(
        "stages:\n  ingest:\n    cmd: 'true'\n    params:\n      - quality\nmetrics:\n  - metrics/study.json\n"
    )
    (root / "metrics").mkdir()
    study = {
        "days": 3,
        "profit_usd": {"perfect_foresight": 61234.5, "mpc_dam": 41000.0},
        "capture_ratio": {"perfect_foresight": 1.0, "mpc_dam": 0.67},
    }
    (root / "metrics" / "study.json").write_text(json.dumps(study))
    (root / ".gitignore").write_text("/data\n/artifacts\n/reports\n")
    paths = ProjectPaths(root)
    params = load_params(paths.params_file)
    summary = collect(paths, params, params.study.start, params.study.end, update_dvc=False)
    ctx = StageContext(paths, params)
    for day in summary.collected:
        ingest.run(ctx, day.isoformat())
    if GIT and DVC:
        _git(root, "init", "-q")
        _git(root, "config", "user.email", "readme@test")
        _git(root, "config", "user.name", "readme test")
        subprocess.run([DVC, "init", "-q"], cwd=root, check=True, capture_output=True)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "readme project")
    return root


def test_the_section_shows_every_command() -> None:
    commands = {shlex.split(line)[1] for line in RUN}
    assert {"status", "collect", "validate", "normalize", "optimize", "backtest"} <= commands
    assert len(LINES) >= 10


def _profit(line: str, out: str) -> float:
    if "--json" in shlex.split(line):
        return sum(day["profit"] for day in json.loads(out)["days"])
    total = next(row for row in out.splitlines() if row.startswith("total "))
    return float(total.split()[3].replace(",", ""))


def test_readme_command_lines_run(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HAYEKNET_ROOT", raising=False)
    monkeypatch.chdir(project)
    for line in RUN:
        code = main(shlex.split(line)[1:])
        out, err = capsys.readouterr()
        assert code == 0, f"{line}\n{out}\n{err}"
        if shlex.split(line)[1] == "optimize":
            assert _profit(line, out) > 0, f"{line}\n{out}"
            assert "battery: " in out or '"battery"' in out


@pytest.mark.parametrize(("line", "reason"), NOT_RUN, ids=[line for line, _ in NOT_RUN])
def test_readme_lines_not_run_here(line: str, reason: str) -> None:
    args = build_parser().parse_args(shlex.split(line)[1:])  # still a valid command line
    assert callable(args.func)
    pytest.skip(reason)
