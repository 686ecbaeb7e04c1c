"""The project lock: one ``hayeknet collect`` (or ``make daily``) at a time per project.

The lock is the file ``.hayeknet.lock`` in the project root, held with an
exclusive ``flock`` for as long as the holder runs; it records the holder's
PID, host, start time (UTC) and command, so that a second run can say who
holds it. The kernel releases a ``flock`` when its holder exits, however it
exits (``kill -9`` included), so a lock left by a dead process is *stale*: the
next run takes it over and says so. A second run refuses at once with one line
(exit code 3), or waits up to ``--wait`` seconds for the holder to finish.

``make daily`` holds the lock across collect, ``dvc repro`` and status by
running them under ``python -m hayeknet.pipeline.lock -- CMD...``; the
commands it starts find their parent's PID in ``HAYEKNET_LOCK_HOLDER`` and run
inside that lock instead of waiting for it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = ".hayeknet.lock"
HOLDER_ENV = "HAYEKNET_LOCK_HOLDER"
"""Set for the commands run under the lock: the PID of the process holding it."""
BUSY_EXIT_CODE = 3


class LockBusyError(RuntimeError):
    """Another process holds the project lock (message: who, since when, what to do)."""


@dataclass(frozen=True)
class LockRecord:
    pid: int
    host: str
    started_utc: str
    command: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started_utc}: {self.command}"


def _read_record(path: Path) -> LockRecord | None:
    try:
        data = json.loads(path.read_text()[:4096])
        return LockRecord(int(data["pid"]), str(data["host"]), str(data["started_utc"]), str(data["command"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def held_by_parent(root: Path) -> bool:
    """True when this process runs under a lock its parent holds (``HAYEKNET_LOCK_HOLDER`` names the PID the
    lock file records, and that process is alive)."""
    holder = os.environ.get(HOLDER_ENV, "")
    record = _read_record(Path(root) / LOCK_FILE)
    return (
        holder.isdigit()
        and record is not None
        and record.pid == int(holder)
        and record.host == socket.gethostname()
        and pid_alive(record.pid)
    )


@contextlib.contextmanager
def project_lock(
    root: Path,
    command: str,
    *,
    wait_s: float = 0.0,
    poll_s: float = 1.0,
    notify: Callable[[str], None] | None = None,
) -> Iterator[str | None]:
    """Hold the project lock for the block; yields a note when a stale lock was taken over (else None).

    Raises :class:`LockBusyError` when another live process holds it and
    ``wait_s`` passes without it being released. Re-entrant for a command run
    by the holder (:func:`held_by_parent`).
    """
    root = Path(root)
    if held_by_parent(root):
        yield None
        return
    path = root / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
    try:
        deadline = time.monotonic() + max(0.0, wait_s)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                record = _read_record(path)
                who = record.describe() if record else "another process"
                if time.monotonic() >= deadline:
                    waited = f" (waited {wait_s:g} s)" if wait_s > 0 else ""
                    raise LockBusyError(
                        f"another run holds the project lock {path}{waited}: {who}; wait for it to finish "
                        "(or pass --wait SECONDS)"
                    ) from None
                if notify is not None and not told:
                    notify(f"waiting for the project lock ({who})")
                    told = True
                time.sleep(poll_s)
        previous = _read_record(path)
        note = None
        if previous is not None and previous.pid != os.getpid():
            state = "ended" if not pid_alive(previous.pid) else "no longer holding it"
            note = f"took over a stale project lock of {previous.describe()} ({state})"
        mine = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "command": command[:200],
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(mine) + "\n").encode(), 0)
        try:
            yield note
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def run_locked(argv: Sequence[str], root: Path, wait_s: float = 0.0) -> int:
    """Run ``argv`` holding the project lock (its children see :data:`HOLDER_ENV`); its exit code, or
    :data:`BUSY_EXIT_CODE` with one line when the lock is busy."""
    try:
        with project_lock(root, " ".join(argv), wait_s=wait_s, notify=_say) as note:
            if note:
                _say(note)
            env = dict(os.environ, **{HOLDER_ENV: str(os.getpid())})
            proc = subprocess.Popen(list(argv), env=env)
            forward = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

            def relay(signum: int, frame: object) -> None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signum)

            for s in forward:
                signal.signal(s, relay)
            try:
                return proc.wait()
            finally:
                for s, handler in forward.items():
                    signal.signal(s, handler)
    except LockBusyError as exc:
        _say(str(exc))
        return BUSY_EXIT_CODE
    except FileNotFoundError as exc:
        _say(f"cannot run {argv[0]!r}: {exc.strerror}")
        return 127


def _say(line: str) -> None:
    print(f"hayeknet: {line}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hayeknet.pipeline.lock [--wait S] [--project DIR] -- CMD ...``"""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m hayeknet.pipeline.lock",
        description="Run a command holding the project lock (what `make daily` does); exit 3 when it is busy.",
    )
    parser.add_argument("--wait", type=float, default=0.0, metavar="S", help="wait up to S seconds for the lock")
    parser.add_argument("--project", type=Path, default=Path.cwd(), metavar="DIR", help="project root (default: .)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (python -m hayeknet.pipeline.lock -- make daily-steps)")
    return run_locked(command, args.project, args.wait)


if __name__ == "__main__":
    sys.exit(main())
