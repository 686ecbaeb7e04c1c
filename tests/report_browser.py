"""Open an HTML report in headless Chromium and check what a reader would see.

:func:`check_html_report` runs Debian's ``/usr/bin/chromium`` once, headless,
at phone width (412 CSS px), with ``--dump-dom`` and ``--screenshot`` on a probe
copy of the report written beside it (the report plus a small script that, on
``load``, records every image's ``naturalWidth`` and the page's scroll width
as attributes; removed afterwards). It fails the report (``ReportCheck.problems``) on:

* an image the browser could not decode (``naturalWidth == 0``), an embedded
  ``data:`` image that is not a valid PNG/JPEG/GIF/SVG, a relative image file
  that is missing, or an image loaded from the network (reports must embed
  their figures);
* a Python traceback in the output (nbconvert renders error outputs and stderr
  alike as ``data-mime-type="application/vnd.jupyter.stderr"``; a block is a
  traceback when it holds ``Traceback (most recent call last)`` or an
  ``XxxError:``/``XxxException:`` line), or papermill's error-cell marker;
* an empty section: an ``<h2>`` followed by no text, image or table before the
  next ``<h2>`` (text inside headings does not count);
* a missing or blank screenshot (grey-level standard deviation below 1).

Other stderr output (warnings) and horizontal overflow at phone width are
reported as ``warnings``. The structural checks (:func:`check_html_structure`)
need no browser. The browser is started with no network-facing features
(``--disable-background-networking`` etc.) and a fresh profile directory.

A test helper, imported by name (``from report_browser import ...``) by
``tests/reporting/test_reporting_browser.py`` and ``tests/test_pipeline_e2e.py``:
pytest puts this folder on ``sys.path`` (it holds ``conftest.py`` and no
``__init__.py``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import numpy as np

DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
PHONE_WIDTH_PX = 412
SCREENSHOT_HEIGHT_PX = 2000
BROWSER_TIMEOUT_S = 120.0
BLANK_STD_THRESHOLD = 1.0
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--virtual-time-budget=10000",
)
STDERR_MIME = "application/vnd.jupyter.stderr"
TRACEBACK_PATTERNS = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"^\s*[A-Za-z_][\w.]*(Error|Exception)\s*:", re.MULTILINE),
    re.compile(r"^\s*[A-Za-z_][\w.]*(Error|Exception)\s+Traceback", re.MULTILINE),
)
PAPERMILL_MARKERS = ("papermill-error-cell", "An Exception was encountered at")
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
MEDIA_TAGS = frozenset({"img", "svg", "table", "video", "canvas", "iframe", "object", "embed"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
PROBE_SCRIPT = """
<script>
window.addEventListener('load', function () {
  var imgs = document.images;
  for (var i = 0; i < imgs.length; i++) {
    imgs[i].setAttribute('data-hk-natural-width', String(imgs[i].naturalWidth));
  }
  document.documentElement.setAttribute('data-hk-scroll-width', String(document.documentElement.scrollWidth));
  document.documentElement.setAttribute('data-hk-inner-width', String(window.innerWidth));
  document.documentElement.setAttribute('data-hk-probe', 'done');
});
</script>
"""


class BrowserUnavailableError(RuntimeError):
    """Headless Chromium is not installed (or not executable) at the expected path."""


class BrowserRunError(RuntimeError):
    """Chromium ran but failed or timed out (names the file and the command's stderr tail)."""


class ReportCheckError(AssertionError):
    """A report failed its browser check (the message lists every problem)."""


@dataclass(frozen=True)
class ReportCheck:
    """What the browser check found in one HTML report.

    ``problems`` fail the report; ``warnings`` do not. ``sections`` are the
    ``<h2>`` titles in order; ``page_width_px`` is the rendered document's
    scroll width at a viewport of ``viewport_width_px`` CSS pixels.
    """

    html: Path
    screenshot: Path | None
    problems: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    n_images: int = 0
    sections: tuple[str, ...] = ()
    page_width_px: int | None = None
    viewport_width_px: int = PHONE_WIDTH_PX
    screenshot_std: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`ReportCheckError` listing every problem (no-op when ``ok``)."""
        if self.problems:
            raise ReportCheckError(f"{self.html}: " + "; ".join(self.problems))


def chromium_path() -> Path:
    """The Chromium binary: ``$HAYEKNET_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on PATH."""
    candidates = [os.environ.get("HAYEKNET_CHROMIUM"), str(DEFAULT_CHROMIUM), shutil.which("chromium")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
    raise BrowserUnavailableError(
        f"headless Chromium not found at {DEFAULT_CHROMIUM} (install Debian's chromium: apt-get install chromium)"
    )


# --------------------------------------------------------------------------- HTML structure


@dataclass
class _Section:
    title: str
    text_chars: int = 0
    media: int = 0


@dataclass
class _Scan:
    images: list[dict[str, str]] = field(default_factory=list)
    sections: list[_Section] = field(default_factory=list)
    stderr_blocks: list[str] = field(default_factory=list)
    papermill_error: bool = False
    viewport_meta: bool = False
    external_scripts: list[str] = field(default_factory=list)
    root_attrs: dict[str, str] = field(default_factory=dict)


class _ReportParser(HTMLParser):
    """One pass over the document: images, h2 sections with their content, stderr output blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = _Scan()
        self.stack: list[tuple[str, int | None]] = []  # (tag, stderr block index or None)
        self._heading_text: list[str] = []

    def _inside(self, tags: frozenset[str] | set[str]) -> bool:
        return any(t in tags for t, _ in self.stack)

    def _stderr_index(self) -> int | None:
        for _, idx in reversed(self.stack):
            if idx is not None:
                return idx
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "html":
            self.scan.root_attrs = a
        if tag == "meta" and a.get("name", "").lower() == "viewport":
            self.scan.viewport_meta = True
        if a.get("id") == "papermill-error-cell":
            self.scan.papermill_error = True
        if tag in MEDIA_TAGS and self.scan.sections and not self._inside(HEADINGS):
            self.scan.sections[-1].media += 1
        if tag == "img":
            self.scan.images.append(a)
        if tag == "script" and re.match(r"^(https?:)?//", a.get("src", "")):
            self.scan.external_scripts.append(a["src"])
        if tag in VOID_TAGS:
            return
        idx = None
        if a.get("data-mime-type") == STDERR_MIME:
            self.scan.stderr_blocks.append("")
            idx = len(self.scan.stderr_blocks) - 1
        if tag == "h2":
            self._heading_text = []
        self.stack.append((tag, idx))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag == "h2":
            title = " ".join("".join(self._heading_text).replace("\u00b6", "").split())
            self.scan.sections.append(_Section(title or "(untitled)"))

    def handle_data(self, data: str) -> None:
        if self._inside({"script", "style", "template", "noscript"}):
            return
        if any(t == "h2" for t, _ in self.stack):
            self._heading_text.append(data)
        idx = self._stderr_index()
        if idx is not None:
            self.scan.stderr_blocks[idx] += data
        if any(m in data for m in PAPERMILL_MARKERS):
            self.scan.papermill_error = True
        if self.scan.sections and not self._inside(HEADINGS):
            self.scan.sections[-1].text_chars += len(data.strip())


def _scan(html_text: str) -> _Scan:
    parser = _ReportParser()
    parser.feed(html_text)
    parser.close()
    return parser.scan


def is_traceback(text: str) -> bool:
    """Whether an output block's text is (or contains) a Python traceback."""
    return any(p.search(text) for p in TRACEBACK_PATTERNS)


def _decode_data_uri(src: str) -> tuple[str, bytes]:
    """``(mime type, payload bytes)`` of a ``data:`` URI (base64 or percent-encoded)."""
    head, _, payload = src.partition(",")
    mime = head[5:].split(";")[0].strip().lower()
    if ";base64" in head.lower():
        return mime, base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
    return mime, unquote(payload).encode("utf-8")


def check_image_bytes(data: bytes, mime: str = "") -> str | None:
    """None when ``data`` is a decodable raster image (PNG, JPEG, GIF, WebP) or an SVG document; else why not."""
    if mime == "image/svg+xml" or data.lstrip()[:5] in (b"<?xml", b"<svg ", b"<svg>"):
        text = data.decode("utf-8", errors="replace")
        return None if "<svg" in text and "</svg>" in text else "SVG without a complete <svg> element"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            if img.width == 0 or img.height == 0:
                return "image has zero size"
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        return f"not a decodable image ({type(exc).__name__}: {exc})"
    return None


def _image_problems(images: list[dict[str, str]], base_dir: Path) -> list[str]:
    problems = []
    for i, attrs in enumerate(images, 1):
        src = attrs.get("src", "").strip()
        label = f"image {i} ({attrs.get('alt') or src[:40] or 'no src'})"
        if not src:
            problems.append(f"{label}: no src")
        elif src.startswith("data:"):
            try:
                mime, data = _decode_data_uri(src)
            except (binascii.Error, ValueError) as exc:
                problems.append(f"{label}: data URI is not valid base64 ({exc})")
                continue
            why = check_image_bytes(data, mime)
            if why:
                problems.append(f"{label}: {why}")
        elif re.match(r"^[a-z][a-z0-9+.-]*://", src, re.IGNORECASE) or src.startswith("//"):
            if src.startswith("file://"):
                path = Path(unquote(src[7:]))
                if not path.is_file():
                    problems.append(f"{label}: file {path} missing")
            else:
                problems.append(f"{label}: loaded from the network ({src[:60]}); figures must be embedded")
        else:
            path = base_dir / unquote(src.split("#")[0].split("?")[0])
            if not path.is_file():
                problems.append(f"{label}: file {path} missing")
            else:
                why = check_image_bytes(path.read_bytes(), "image/svg+xml" if path.suffix.lower() == ".svg" else "")
                if why:
                    problems.append(f"{label}: {path.name}: {why}")
    return problems


def check_html_structure(html_text: str, base_dir: Path | None = None) -> tuple[list[str], list[str], _Scan]:
    """The browser-free checks: ``(problems, warnings, scan)`` of an HTML document's text.

    ``base_dir`` resolves relative image paths (the report's folder).
    """
    scan = _scan(html_text)
    problems = _image_problems(scan.images, base_dir or Path.cwd())
    warnings = []
    for i, block in enumerate(scan.stderr_blocks, 1):
        first = next((line.strip() for line in block.splitlines() if line.strip()), "")
        if is_traceback(block):
            last = [line.strip() for line in block.splitlines() if line.strip()][-1:] or [""]
            problems.append(f"Python traceback in output block {i}: {last[0][:120]}")
        elif first:
            warnings.append(f"stderr output in block {i}: {first[:120]}")
    if scan.papermill_error:
        problems.append("papermill marked a cell as failed (An Exception was encountered)")
    for s in scan.sections:
        if s.text_chars == 0 and s.media == 0:
            problems.append(f"empty section {s.title!r}: no text, image or table before the next heading")
    if not scan.sections:
        warnings.append("no <h2> sections found")
    if scan.external_scripts:
        warnings.append(
            f"{len(scan.external_scripts)} script(s) loaded from the network (e.g. {scan.external_scripts[0][:60]}):"
            " offline readers lose what they render"
        )
    if not scan.viewport_meta:
        warnings.append('no <meta name="viewport"> tag: phones will lay the page out at desktop width and shrink it')
    return problems, warnings, scan


# --------------------------------------------------------------------------- browser


def _run_chromium(args: list[str], what: Path, timeout_s: float) -> str:
    binary = chromium_path()
    with tempfile.TemporaryDirectory(prefix="hayeknet-chromium-") as profile:
        cmd = [str(binary), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise BrowserRunError(f"{what}: chromium did not finish within {timeout_s:g} s") from None
    if done.returncode != 0:
        raise BrowserRunError(f"{what}: chromium exited with {done.returncode}: {done.stderr[-800:]}")
    return done.stdout


def _render(html: Path, screenshot: Path, timeout_s: float) -> _Scan:
    """One headless run on a probe copy of ``html``: the DOM after ``load`` and a screenshot at phone width."""
    text = html.read_text(encoding="utf-8", errors="replace")
    at = text.lower().rfind("</body>")
    probed = text[:at] + PROBE_SCRIPT + text[at:] if at >= 0 else text + PROBE_SCRIPT
    probe = html.with_name(f".{html.stem}.hk-probe.html")  # beside the report: relative paths resolve
    probe.write_text(probed, encoding="utf-8")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    try:
        dom = _run_chromium(
            [
                f"--window-size={PHONE_WIDTH_PX},{SCREENSHOT_HEIGHT_PX}",
                f"--screenshot={screenshot.resolve()}",
                "--dump-dom",
                probe.resolve().as_uri(),
            ],
            html,
            timeout_s,
        )
    finally:
        probe.unlink(missing_ok=True)
    return _scan(dom)


def take_screenshot(
    html: Path,
    screenshot: Path,
    *,
    width_px: int = PHONE_WIDTH_PX,
    height_px: int = SCREENSHOT_HEIGHT_PX,
    timeout_s: float = BROWSER_TIMEOUT_S,
) -> Path:
    """PNG screenshot of the top ``height_px`` of ``html`` at ``width_px`` CSS pixels."""
    screenshot = Path(screenshot)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    _run_chromium(
        [
            f"--window-size={width_px},{height_px}",
            f"--screenshot={screenshot.resolve()}",
            Path(html).resolve().as_uri(),
        ],
        Path(html),
        timeout_s,
    )
    return screenshot


def screenshot_std(path: Path) -> float:
    """Standard deviation of the screenshot's grey levels (0-255); ~0 for a blank page."""
    from PIL import Image

    with Image.open(path) as img:
        grey = np.asarray(img.convert("L"), dtype=float)
    return float(grey.std())


def check_html_report(html: str | Path, screenshot: str | Path, *, timeout_s: float = BROWSER_TIMEOUT_S) -> ReportCheck:
    """Render ``html`` in headless Chromium at phone width, screenshot it to ``screenshot``, check it.

    Raises :class:`BrowserUnavailableError` when Chromium is absent and
    :class:`BrowserRunError` when it fails; every finding about the report
    itself is in the returned :class:`ReportCheck` (call ``raise_for_problems``
    to turn them into an assertion).
    """
    html, screenshot = Path(html), Path(screenshot)
    chromium_path()  # fail early and clearly when the browser is missing
    if not html.is_file():
        return ReportCheck(html, None, (f"report file {html} does not exist",))
    text = html.read_text(encoding="utf-8", errors="replace")
    problems, warnings, scan = check_html_structure(text, html.parent)

    try:
        dom = _render(html, screenshot, timeout_s)
    except BrowserRunError as exc:
        return ReportCheck(
            html,
            None,
            (*problems, f"browser run failed: {exc}"),
            tuple(warnings),
            len(scan.images),
            tuple(s.title for s in scan.sections),
        )
    page_width = None
    if dom.root_attrs.get("data-hk-probe") != "done":
        problems.append("the page did not finish loading in the browser (load event not reached)")
    else:
        for i, attrs in enumerate(dom.images, 1):
            if attrs.get("data-hk-natural-width", "0") in ("", "0"):
                label = attrs.get("alt") or attrs.get("src", "")[:40] or "no src"
                problems.append(f"image {i} ({label}) not decoded by the browser (naturalWidth 0)")
        page_width = int(dom.root_attrs.get("data-hk-scroll-width") or 0) or None
        inner = int(dom.root_attrs.get("data-hk-inner-width") or PHONE_WIDTH_PX)
        if page_width is not None and page_width > inner + 1:
            warnings.append(f"page is {page_width} px wide at a {inner} px viewport: readers must scroll sideways")

    std = None
    if not screenshot.is_file() or screenshot.stat().st_size == 0:
        problems.append(f"no screenshot written at {screenshot}")
    else:
        std = screenshot_std(screenshot)
        if std < BLANK_STD_THRESHOLD:
            problems.append(f"screenshot {screenshot.name} is blank (grey-level std {std:.2f})")
    return ReportCheck(
        html=html,
        screenshot=screenshot if screenshot.is_file() else None,
        problems=tuple(problems),
        warnings=tuple(warnings),
        n_images=len(scan.images),
        sections=tuple(s.title for s in scan.sections),
        page_width_px=page_width,
        viewport_width_px=PHONE_WIDTH_PX,
        screenshot_std=std,
    )


# --------------------------------------------------------------------------- a page at any width (issue 15)
#
# Headless Chromium will not make a window narrower than 500 px, so a phone is emulated through the
# DevTools protocol instead (Emulation.setDeviceMetricsOverride, as DevTools' device mode does), spoken
# over --remote-debugging-pipe (no port, no network): JSON messages ending in NUL on file descriptors 3
# (to Chromium) and 4 (from Chromium).


class ChromiumPage:
    """One headless Chromium tab at a given viewport, driven over the DevTools pipe.

    ``with ChromiumPage(width_px=390) as page: page.open(path); page.evaluate("...")``.
    ``mobile`` emulates a phone (the page's ``<meta name="viewport">`` applies); ``scale`` is the device
    pixel ratio of screenshots.
    """

    def __init__(
        self,
        width_px: int,
        height_px: int = 900,
        *,
        mobile: bool | None = None,
        scale: float = 1.0,
        timeout_s: float = BROWSER_TIMEOUT_S,
    ) -> None:
        self.width_px, self.height_px = width_px, height_px
        self.mobile = width_px < 600 if mobile is None else mobile
        self.scale, self.timeout_s = scale, timeout_s
        self._id = 0
        self._buffer = b""
        self._events: list[dict] = []  # DevTools events read while waiting for a command's answer
        self.session: str | None = None

    # -- process and pipe
    def __enter__(self) -> ChromiumPage:
        self._profile = tempfile.TemporaryDirectory(prefix="hayeknet-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def _fds() -> None:  # the child's fd 3 reads our commands, fd 4 writes its answers
            high_r, high_w = os.dup(to_child_r), os.dup(from_child_w)  # neither may be clobbered by the other
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        flags = [f for f in CHROMIUM_FLAGS if not f.startswith("--virtual-time-budget")]
        self._proc = subprocess.Popen(
            [str(chromium_path()), *flags, f"--user-data-dir={self._profile.name}", "--remote-debugging-pipe"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_fds,
            pass_fds=(3, 4),  # kept open after preexec_fn (subprocess closes the other descriptors then)
        )
        os.close(to_child_r)
        os.close(from_child_w)
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": self.width_px,
                "height": self.height_px,
                "deviceScaleFactor": self.scale,
                "mobile": self.mobile,
            },
        )
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(BrowserRunError, OSError):
            self.send("Browser.close", session=False)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._to_child, self._from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def _read_message(self, deadline: float) -> dict:
        import json
        import select
        import time

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserRunError(f"chromium did not answer within {self.timeout_s:g} s")
            ready, _, _ = select.select([self._from_child], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise BrowserRunError("chromium closed the DevTools pipe")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        """Send a DevTools command (to the tab unless ``session=False``) and return its result."""
        import json
        import time

        self._id += 1
        message: dict = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        if method == "Browser.close":
            return {}
        deadline = time.monotonic() + self.timeout_s
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise BrowserRunError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._events.append(answer)

    def wait_event(self, method: str) -> dict:
        import time

        deadline = time.monotonic() + self.timeout_s
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method:
                    del self._events[: i + 1]
                    return event
            self._events.clear()
            self._events.append(self._read_message(deadline))

    # -- the page
    def open(self, path: str | Path) -> None:
        """Load a local file and wait for its ``load`` event."""
        self._events.clear()
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> object:
        """The value of a JavaScript expression in the page (JSON-able)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserRunError(f"script failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def screenshot(self, path: str | Path, clip: dict | None = None) -> Path:
        """PNG of the viewport, or of ``clip`` (``{x, y, width, height}`` in CSS px of the page)."""
        params: dict = {"format": "png", "captureBeyondViewport": clip is not None}
        if clip is not None:
            params["clip"] = {**clip, "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


LAYOUT_SCRIPT = r"""
(function () {
  var root = document.documentElement;
  var cells = [], headers = [];
  var tables = document.querySelectorAll('table');
  for (var t = 0; t < tables.length; t++) {
    var tcells = tables[t].querySelectorAll('td, th');
    for (var c = 0; c < tcells.length; c++) {
      var clone = tcells[c].cloneNode(true);
      var code = clone.querySelectorAll('code');
      for (var k = 0; k < code.length; k++) { code[k].remove(); }
      var text = clone.textContent.replace(/\s+/g, ' ').trim();
      cells.push(text);
      if (tcells[c].tagName === 'TH' && tcells[c].closest('thead')) { headers.push(text); }
    }
  }
  var wide = [];
  var boxes = document.querySelectorAll('.hk-scroll');
  for (var i = 0; i < boxes.length; i++) {
    var b = boxes[i];
    if (b.offsetParent !== null && !b.closest('details:not([open])') && b.scrollWidth > b.clientWidth + 1) {
      var fig = b.closest('figure');
      wide.push((fig && fig.id ? fig.id : 'table ' + i) + ': ' + b.scrollWidth + ' > ' + b.clientWidth);
    }
  }
  var ids = {};
  var all = document.querySelectorAll('[id]');
  for (var j = 0; j < all.length; j++) { ids[all[j].id] = true; }
  var missing = [];
  var links = document.querySelectorAll('a[href^="#"]:not(.anchor-link)');
  for (var m = 0; m < links.length; m++) {
    var target = decodeURIComponent(links[m].getAttribute('href').slice(1));
    if (target && !ids[target]) { missing.push(target); }
  }
  return {scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, cells: cells, headers: headers,
          nTables: tables.length, wide: wide, missing: missing};
})()
"""

SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@dataclass(frozen=True)
class LayoutCheck:
    """What a reader meets in a report at one viewport width.

    ``page_width_px`` is the document's scroll width (the page scrolls sideways when it exceeds
    ``viewport_width_px``); ``wide_tables`` are HayekNet tables wider than their box (they would scroll
    inside it, not the page; a problem too: a reader should see the whole table); ``long_numbers``
    are unformatted numbers of more than 6 digits in table cells;
    ``snake_case_headers`` are ``snake_case`` words in table header cells; ``missing_anchors`` are in-page
    links to no element.
    """

    html: Path
    viewport_width_px: int
    page_width_px: int
    wide_tables: tuple[str, ...]
    long_numbers: tuple[str, ...]
    snake_case_headers: tuple[str, ...]
    missing_anchors: tuple[str, ...]
    n_tables: int
    n_cells: int

    @property
    def horizontal_scroll(self) -> bool:
        return self.page_width_px > self.viewport_width_px

    def problems(self) -> list[str]:
        out = []
        where = f"at {self.viewport_width_px} px"
        if self.horizontal_scroll:
            out.append(f"page scrolls sideways {where}: {self.page_width_px} px wide")
        if self.wide_tables:
            out.append(f"tables wider than the page {where} (they scroll in their box): {list(self.wide_tables)}")
        if self.long_numbers:
            out.append(
                f"unformatted numbers of more than 6 digits in table cells {where}: {list(self.long_numbers)[:5]}"
            )
        if self.snake_case_headers:
            out.append(f"snake_case table headers: {sorted(set(self.snake_case_headers))[:8]}")
        if self.missing_anchors:
            out.append(f"in-page links to nothing: {sorted(set(self.missing_anchors))}")
        return out


def long_unformatted_numbers(text: str, max_digits: int = 6) -> list[str]:
    """Numbers in ``text`` written without thousands separators and with more than ``max_digits`` digits
    (``324.580495``, ``26300.362776``, ``1234567``); ``$26,300``, ``1,234,567`` and ``0.082`` pass.
    Dates and times (``2025-10-03``, ``23:15``) are not numbers."""
    out = []
    for match in re.finditer(r"(?<![\w.:-])-?\d[\d,]*(?:\.\d+)?(?![\w:])", text):
        token = match.group().rstrip(",")
        if "," in token.split(".")[0]:
            continue  # thousands separated: formatted
        if sum(c.isdigit() for c in token) > max_digits:
            out.append(token)
    return out


def snake_case_words(text: str) -> list[str]:
    """``snake_case`` words of ``text`` (``profit_usd``, ``capture_ratio_vs_pf``)."""
    return SNAKE_CASE.findall(text)


def check_layout(html: str | Path, width_px: int, *, page: ChromiumPage | None = None) -> LayoutCheck:
    """Open ``html`` in headless Chromium at a viewport ``width_px`` CSS px wide (a phone below 600 px)
    and measure what a reader meets (:class:`LayoutCheck`). ``page``: a browser already open at that width."""
    html = Path(html)
    if page is None:
        with ChromiumPage(width_px) as fresh:
            return check_layout(html, width_px, page=fresh)
    page.open(html)
    found = page.evaluate(LAYOUT_SCRIPT)
    assert isinstance(found, dict)
    cells = [str(c) for c in found["cells"]]
    return LayoutCheck(
        html=html,
        viewport_width_px=int(found["innerWidth"]),
        page_width_px=int(found["scrollWidth"]),
        wide_tables=tuple(found["wide"]),
        long_numbers=tuple(n for c in cells for n in long_unformatted_numbers(c)),
        snake_case_headers=tuple(w for h in found["headers"] for w in snake_case_words(str(h))),
        missing_anchors=tuple(found["missing"]),
        n_tables=int(found["nTables"]),
        n_cells=len(cells),
    )


def element_screenshot(
    html: str | Path,
    element_id: str,
    screenshot: str | Path,
    *,
    width_px: int,
    scale: float = 1.0,
    open_details: bool = False,
    margin_px: int = 8,
) -> Path:
    """PNG of the element ``id=element_id`` of ``html`` as laid out at a viewport ``width_px`` CSS px wide
    (a phone below 600 px), with ``margin_px`` around it; ``open_details`` unfolds its ``<details>``."""
    with ChromiumPage(width_px, scale=scale) as page:
        page.open(html)
        if open_details:
            page.evaluate(f"document.querySelectorAll('#{element_id} details').forEach(d => d.open = true)")
        box = page.evaluate(
            f"(function () {{ var e = document.getElementById({element_id!r}); if (!e) return null;"
            " var r = e.getBoundingClientRect();"
            " return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height}; })()"
        )
        if not isinstance(box, dict):
            raise BrowserRunError(f"{html}: no element with id {element_id!r}")
        x, y = max(box["x"] - margin_px, 0), max(box["y"] - margin_px, 0)
        clip = {
            "x": x,
            "y": y,
            "width": min(box["width"] + 2 * margin_px, width_px - x),
            "height": box["height"] + 2 * margin_px,
        }
        return page.screenshot(screenshot, clip)
