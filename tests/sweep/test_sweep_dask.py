"""The sweep on Dask: a LocalCluster and a real `dask scheduler` + `dask worker` on 127.0.0.1 give the serial
loop's partitions byte for byte, and a worker killed in the middle of a task costs a retry, not a result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hayeknet.battery.spec import BatterySpec
from hayeknet.params import SimulateParams
from hayeknet.sweep.plan import SweepConfig
from hayeknet.sweep.results import partition_path
from hayeknet.sweep.runner import SweepOptions, SweepRun, run_sweep

DAYS = ["2025-10-01", "2025-10-02", "2025-10-03"]
SRC = Path(__file__).resolve().parents[2] / "src"
CONFIG = SweepConfig.build(("mpc_dam", "percentile_threshold"), BatterySpec(), SimulateParams())

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def serial(sweep_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "sweep"
    run_sweep(sweep_archive / "archive", DAYS, CONFIG, out, SweepOptions(scheduler="serial"))
    return out


def _same_partitions(a: Path, b: Path) -> None:
    for day in DAYS:
        assert partition_path(a, day).read_bytes() == partition_path(b, day).read_bytes(), day


def test_a_local_cluster_writes_what_the_serial_loop_writes(sweep_archive: Path, serial: Path, tmp_path: Path) -> None:
    options = SweepOptions(scheduler="local", n_workers=2, tasks_per_day=3)
    run = run_sweep(sweep_archive / "archive", DAYS, CONFIG, tmp_path, options)
    assert run.written == DAYS and not run.failed and run.n_workers == 2
    assert len(run.tasks) == 9 and len({t.name for t in run.tasks}) == 9
    _same_partitions(serial, tmp_path)
    assert len(run.peak_rss_mib_by_process) >= 2  # the workers report their peak memory


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}


def _wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


@pytest.fixture
def dask_processes(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A `dask scheduler` and a `dask worker` (2 single-threaded worker processes under a nanny) on
    127.0.0.1, as separate processes; yields the scheduler's address and its scheduler file."""
    scheduler_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "dask.log", "w")  # noqa: SIM115 - closed below
    bin_dir = Path(sys.executable).parent
    scheduler = subprocess.Popen(
        [str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(scheduler_file)],
        env=_env(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    workers = None
    try:
        _wait_for(scheduler_file.exists, 60, "the scheduler did not write its file")
        _wait_for(lambda: bool(scheduler_file.read_text().strip()), 10, "empty scheduler file")
        address = json.loads(scheduler_file.read_text())["address"]
        workers = subprocess.Popen(
            [str(bin_dir / "dask"), "worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
             "--nworkers", "2", "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"],
            env=_env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=120)
        yield address, scheduler_file
    finally:
        for proc in (workers, scheduler):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in (workers, scheduler):
            if proc is not None:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        log.close()


def test_a_running_scheduler_and_worker_processes_give_the_serial_result(
    sweep_archive: Path, serial: Path, dask_processes: tuple[str, Path], tmp_path: Path
) -> None:
    address, _ = dask_processes
    run = run_sweep(sweep_archive / "archive", DAYS, CONFIG, tmp_path / "out", SweepOptions(scheduler=address))
    assert run.written == DAYS and not run.failed and run.scheduler == address
    assert all(t.attempts == 1 for t in run.tasks)
    _same_partitions(serial, tmp_path / "out")


def test_a_worker_killed_mid_sweep_is_retried_and_reported(
    sweep_archive: Path, serial: Path, dask_processes: tuple[str, Path], tmp_path: Path
) -> None:
    """SIGKILL the worker process that is computing a sweep task: the scheduler re-runs the task on a worker
    (the nanny restarts the killed one), the sweep completes with the serial result, and the report names
    the task as retried because its worker was lost."""
    from distributed import Client

    address, _ = dask_processes
    result: dict[str, SweepRun | BaseException] = {}

    def sweep() -> None:
        try:
            options = SweepOptions(scheduler=address, tasks_per_day=1, retries=1)
            result["run"] = run_sweep(sweep_archive / "archive", DAYS, CONFIG, tmp_path / "out", options)
        except BaseException as exc:  # reported by the assertion below
            result["run"] = exc

    with Client(address, timeout=30) as monitor:
        thread = threading.Thread(target=sweep)
        thread.start()

        def busy_worker() -> str | None:
            for worker, keys in monitor.processing().items():
                if any(str(k).startswith("sweep-") for k in keys):
                    return str(worker)
            return None

        _wait_for(lambda: busy_worker() is not None, 120, "no sweep task started")
        victim = busy_worker()
        time.sleep(0.5)  # into the task
        pids = monitor.run(os.getpid, workers=[victim])
        os.kill(pids[victim], signal.SIGKILL)
        thread.join(timeout=300)
    run = result["run"]
    assert isinstance(run, SweepRun), run
    assert run.written == DAYS and not run.failed, run.describe()
    retried = run.retried
    assert retried and all(t.ok for t in retried), run.describe()
    assert any("worker lost" in t.retry_reasons for t in retried), [t.retry_reasons for t in retried]
    assert "retried: sweep-" in run.describe()
    _same_partitions(serial, tmp_path / "out")


def test_a_task_that_keeps_failing_on_a_cluster_is_retried_then_reported(sweep_archive: Path, tmp_path: Path) -> None:
    """A corrupt partition (the last day's: it is no other day's history) fails its task on every attempt:
    Dask retries it, the report counts the attempts (from the scheduler's story) and names the day, and the
    other days are written."""
    import shutil

    archive = tmp_path / "archive"
    shutil.copytree(sweep_archive / "archive", archive)
    (archive / f"day={DAYS[2]}" / "prices.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    options = SweepOptions(scheduler="local", n_workers=1, tasks_per_day=1, retries=1)
    run = run_sweep(archive, DAYS, CONFIG, tmp_path / "out", options)
    assert run.written == DAYS[:2] and list(run.failed) == [DAYS[2]]
    (failed,) = [t for t in run.tasks if not t.ok]
    assert failed.day == DAYS[2] and failed.attempts == 2 and failed.retry_reasons == ("exception",)
    assert "ran 2 times (exception) and failed" in run.describe() and f"FAILED {DAYS[2]}" in run.describe()
