"""`hayeknet collect` tells how far it is: a progress bar with counts and an ETA on a terminal, one line
per day without one (cron). Both over 30 synthetic days, in a real terminal (a pseudo-terminal) and a pipe."""

from __future__ import annotations

import datetime as dt
import fcntl
import io
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from hayeknet.pipeline.progress import BarProgress, LineProgress, NoProgress, day_progress, duration

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
START, END = "2025-10-01", "2025-10-30"  # 30 days


def _project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "params.tiny.yaml", folder / "params.yaml")
    text = (
        (folder / "params.yaml").read_text().replace('published_through: "2025-10-02"', f'published_through: "{END}"')
    )
    (folder / "params.yaml").write_text(text)
    (folder / "dvc.yaml").write_text("stages: {}\n")
    return folder


def _cmd(project: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hayeknet.cli",
        "--project",
        str(project),
        "collect",
        "--source",
        "synthetic",
        "--start",
        START,
        "--end",
        END,
        "--no-dvc",
    ]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAYEKNET_")}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    env["COLUMNS"] = "120"
    env["TERM"] = "xterm"
    return env


def _run_in_terminal(cmd: list[str], timeout_s: float = 300.0) -> tuple[int, str]:
    """Run ``cmd`` with stdout and stderr on a pseudo-terminal; its exit status and everything it wrote."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 40 rows, 120 columns
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=_env(), close_fds=True)
    os.close(slave)
    chunks = []
    deadline = dt.datetime.now() + dt.timedelta(seconds=timeout_s)
    while dt.datetime.now() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", errors="replace")


def test_collect_on_a_terminal_shows_a_progress_bar_with_counts_and_eta(tmp_path: Path) -> None:
    project = _project(tmp_path / "tty")
    rc, out = _run_in_terminal(_cmd(project))
    assert rc == 0, out
    assert "\r" in out, "a bar redraws its line"
    final = out.replace("\r\n", "\n").split("\r")[-1]
    assert re.search(r"collect synthetic: 100%\|.+\| 30/30 days \[", out), out[-2000:]
    assert "ETA" in out and "collected" in out and "present" in out
    assert not re.search(r"\[\d+/30\]:", out), "no per-day log lines on a terminal"
    assert "30 collected, 0 already present" in final
    assert len(list((project / "data" / "provenance").glob("*.json"))) == 30


def test_collect_without_a_terminal_logs_one_line_per_day(tmp_path: Path) -> None:
    project = _project(tmp_path / "cron")
    done = subprocess.run(_cmd(project), capture_output=True, text=True, env=_env(), check=True)
    lines = done.stdout.splitlines()
    per_day = [line for line in lines if re.match(r"collect synthetic \d{4}-\d\d-\d\d \[\d+/30\]: ", line)]
    assert len(per_day) == 30, done.stdout
    assert per_day[0].startswith("collect synthetic 2025-10-01 [1/30]: collected ")
    assert re.search(r"collected \d+ files \([\d.]+ MB\) in [\d.]+ s; ETA ", per_day[0])
    assert per_day[-1].startswith("collect synthetic 2025-10-30 [30/30]") and "ETA" not in per_day[-1]
    assert lines[-1].startswith("collect --source synthetic 2025-10-01..2025-10-30: 30 collected")
    assert "\r" not in done.stdout + done.stderr and "%|" not in done.stderr, "no bar in a log"
    again = subprocess.run(_cmd(project), capture_output=True, text=True, env=_env(), check=True).stdout
    assert again.count("already present (") == 30 and "0 collected, 30 already present" in again


def test_progress_is_chosen_by_the_error_stream() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(day_progress(io.StringIO(), Terminal()), BarProgress)
    assert isinstance(day_progress(io.StringIO(), io.StringIO()), LineProgress)
    quiet = NoProgress()
    quiet.start("x", [dt.date(2025, 1, 1)])
    quiet.day_done(dt.date(2025, 1, 1), "collected", 1, 1, 0.1)
    quiet.close()


def test_line_progress_eta_counts_collected_days_only() -> None:
    out = io.StringIO()
    progress = LineProgress(out)
    days = [dt.date(2025, 10, d) for d in (1, 2, 3, 4)]
    progress.start("collect mis", days)
    progress.day_done(days[0], "skipped", 10, 100, 0.01)
    progress.day_done(days[1], "collected", 482, 2_100_000, 4.0)
    progress.day_done(days[2], "collected", 482, 2_100_000, 6.0)
    lines = out.getvalue().splitlines()
    assert lines[0] == "collect mis 2025-10-01 [1/4]: already present (10 files)"
    assert lines[1] == "collect mis 2025-10-02 [2/4]: collected 482 files (2.1 MB) in 4.0 s; ETA 8 s"
    assert lines[2].endswith("ETA 5 s")


@pytest.mark.parametrize("seconds, text", [(4.4, "4 s"), (185, "3 min 05 s"), (7620, "2 h 07 min")])
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text
