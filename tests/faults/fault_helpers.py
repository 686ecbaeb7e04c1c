"""Shared pieces of the fault-injection suite: small projects, faulty raw files, a fake MIS, a fake server."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "params.tiny.yaml"
BIN = Path(sys.executable).parent
D1, D2, D3 = "2025-10-01", "2025-10-02", "2025-10-03"


def make_project(root: Path, end: str = D2, **sections: dict[str, Any]) -> Path:
    """A project folder: the tiny params through ``end`` (sections updated from ``sections``) and the real
    dvc.yaml (the stage contracts), no git, no DVC."""
    root.mkdir(parents=True, exist_ok=True)
    params = yaml.safe_load(TINY.read_text())
    params["study"]["end"] = end
    params["synthetic"]["published_through"] = end
    for name, values in sections.items():
        params[name].update(values)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    shutil.copy(ROOT / "dvc.yaml", root / "dvc.yaml")
    return root


def env() -> dict[str, str]:
    """The environment of a ``hayeknet`` subprocess: this checkout's package first, no HAYEKNET_* settings."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("HAYEKNET_")}
    e["PYTHONPATH"] = str(ROOT / "src") + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    e["PYTHON_JULIAPKG_OFFLINE"] = "yes"
    e["MPLBACKEND"] = "Agg"
    return e


def hayeknet(*args: str, cwd: Path, timeout: float = 600, **kw: Any) -> subprocess.CompletedProcess[str]:
    """Run ``python -m hayeknet.cli ARGS`` in ``cwd`` (a user's terminal: exit code, stdout, stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "hayeknet.cli", *args],
        cwd=cwd,
        env=kw.pop("env", None) or env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def assert_one_line(text: str, *needles: str) -> str:
    """``text`` (a command's stderr) holds no traceback and a line with every needle; returns that line."""
    assert "Traceback" not in text, text[-3000:]
    lines = [ln for ln in text.splitlines() if all(n in ln for n in needles)]
    assert lines, f"no line with {needles} in:\n{text[-3000:]}"
    return lines[0]


# --- raw files --------------------------------------------------------------------------------


def sced_files(raw: Path, day: str) -> list[Path]:
    return sorted((raw / "np6-788-cd" / day).iterdir())


def rewrite_zip_csv(path: Path, edit: Callable[[list[str]], list[str]]) -> None:
    """Rewrite the single CSV inside the zip ``path`` through ``edit`` (lines without line breaks)."""
    with zipfile.ZipFile(path) as z:
        name = z.namelist()[0]
        lines = z.read(name).decode().splitlines()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, "\n".join(edit(lines)) + "\n")
    path.write_bytes(buf.getvalue())


def hub_row(lines: list[str], hub: str = "HB_WEST") -> int:
    return next(i for i, line in enumerate(lines) if f",{hub}," in line)


def set_price(path: Path, value: str, hub: str = "HB_WEST") -> int:
    """Set the price of ``hub``'s row of a SCED file; returns the 1-based data row."""
    row = 0

    def edit(lines: list[str]) -> list[str]:
        nonlocal row
        i = hub_row(lines, hub)
        parts = lines[i].split(",")
        parts[-1] = value
        lines[i] = ",".join(parts)
        row = i  # line i is data row i (the header is line 0)
        return lines

    rewrite_zip_csv(path, edit)
    return row


def rerecord(root: Path, day: str) -> None:
    """Rewrite the day's collection record from the files now on disk (the source delivered them so)."""
    from hayeknet.config import ProjectPaths
    from hayeknet.pipeline.collect import write_collection_record

    paths = ProjectPaths(root)
    old = json.loads((paths.collect_log / f"{day}.json").read_text())
    extra = {k: v for k, v in old.items() if k not in {"day", "source", "files", "complete"}}
    write_collection_record(paths, dt.date.fromisoformat(day), old["source"], extra)


def tree_digest(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder`` (hidden ones included)."""
    import hashlib

    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- a fake MIS ---------------------------------------------------------------------------------


def mis_recordings(files: list[Path], listed: int | None = None) -> list[tuple[str, str, Any]]:
    """Recorded MIS answers for NP6-788-CD: a document list of the first ``listed`` files and each download."""
    from hayeknet.ercot.collectors.http import HttpResponse
    from hayeknet.ercot.collectors.mis import MIS_DOWNLOAD_URL, MIS_LIST_URL

    docs, downloads = [], []
    for i, f in enumerate(sorted(files)):
        stamp = f.name.split(".")[3] + f.name.split(".")[4]  # YYYYMMDD + HHMMSS, local time
        when = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").isoformat() + "-05:00"
        doc_id = str(900_000_000 + i)
        docs.append(
            {
                "Document": {
                    "DocID": doc_id,
                    "PublishDate": when,
                    "ConstructedName": f.name,
                    "FriendlyName": "LMPSELECTBUSNP6788_csv",
                    "ReportTypeID": 12300,
                }
            }
        )
        downloads.append(("GET", f"{MIS_DOWNLOAD_URL}?doclookupId={doc_id}", HttpResponse(200, {}, f.read_bytes())))
    shown = docs if listed is None else docs[:listed]
    listing = json.dumps({"ListDocsByRptTypeRes": {"DocumentList": shown}}).encode()
    return [("GET", f"{MIS_LIST_URL}?reportTypeId=12300", HttpResponse(200, {}, listing)), *downloads]


# --- a fake server on 127.0.0.1 -----------------------------------------------------------------


class FakeServer:
    """An HTTP server on 127.0.0.1 whose answers follow a script: one callable per request, in order (the last
    one repeats). Each callable gets the handler and writes the response (or misbehaves). ``seen`` keeps
    (method, path, headers) of every request."""

    def __init__(self, script: list[Callable[[BaseHTTPRequestHandler], None]]) -> None:
        self.script = list(script)
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                server.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                step = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                step(self)

            do_GET = do_POST = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def ok(body: bytes = b'{"ok": true}') -> Callable[[BaseHTTPRequestHandler], None]:
    def step(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return step


def status(code: int, headers: dict[str, str] | None = None) -> Callable[[BaseHTTPRequestHandler], None]:
    def step(h: BaseHTTPRequestHandler) -> None:
        h.send_response(code)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return step


def short_body(
    body: bytes = b'{"ok": true, "padding": "xxxxxxxxxxxxxxxx"}',
) -> Callable[[BaseHTTPRequestHandler], None]:
    """Announce the whole body, send half of it, close the connection."""

    def step(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        h.close_connection = True

    return step


def stall(seconds: float) -> Callable[[BaseHTTPRequestHandler], None]:
    """Answer nothing for ``seconds`` (longer than the client's read timeout)."""

    def step(h: BaseHTTPRequestHandler) -> None:
        import time

        time.sleep(seconds)
        h.close_connection = True

    return step


def reset() -> Callable[[BaseHTTPRequestHandler], None]:
    """Close the connection without an answer (the client sees a reset / remote disconnect)."""

    def step(h: BaseHTTPRequestHandler) -> None:
        import socket

        h.connection.shutdown(socket.SHUT_RDWR)
        h.close_connection = True

    return step
