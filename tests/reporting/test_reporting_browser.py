"""Report check: structure (no browser) and headless Chromium (skipped where Debian's chromium is absent)."""

from __future__ import annotations

import base64
import functools
import io

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.figure import Figure

from report_browser import (
    BrowserUnavailableError,
    check_html_report,
    check_html_structure,
    chromium_path,
    is_traceback,
)


def png_base64() -> str:
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1, 2], [1, 3, 2])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    return base64.b64encode(buffer.getvalue()).decode()


PNG = png_base64()
NOT_A_PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n this is not really a png").decode()


def nbconvert_html(cells_spec: list[tuple[str, object]]) -> str:
    """A report as the pipeline renders it: nbconvert with the offline ``hayeknet`` template, code hidden."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    cells = []
    for kind, value in cells_spec:
        if kind == "md":
            cells.append(new_markdown_cell(value))
        elif kind == "png":
            cells.append(
                new_code_cell(
                    "show()", outputs=[new_output("display_data", data={"image/png": value, "text/plain": "<Figure>"})]
                )
            )
        elif kind == "error":
            cells.append(
                new_code_cell(
                    "boom()",
                    outputs=[
                        new_output(
                            "error",
                            ename="ValueError",
                            evalue="bad input",
                            traceback=[
                                "\x1b[0;31m"
                                "---------------------------------------------------------------------------"
                                "\x1b[0m",
                                "\x1b[0;31mValueError\x1b[0m"
                                "                                Traceback (most recent call last)",
                                "Cell \x1b[0;32mIn[3], line 1\x1b[0m",
                                "\x1b[0;31mValueError\x1b[0m: bad input",
                            ],
                        )
                    ],
                )
            )
        elif kind == "stderr":
            cells.append(new_code_cell("warn()", outputs=[new_output("stream", name="stderr", text=value)]))
    html, _ = _exporter().from_notebook_node(new_notebook(cells=cells))
    return html


@functools.cache
def _exporter():
    from hayeknet.reporting.html import html_exporter

    return html_exporter()


GOOD = [
    ("md", "# Daily report\n\nOperating day 2025-10-02."),
    ("md", "## Prices"),
    ("png", PNG),
    ("md", "## Strategies"),
    ("md", "Perfect foresight earned $12,000."),
]


def html_page(body: str) -> str:
    head = '<head><meta name="viewport" content="width=device-width"></head>'
    return f"<!DOCTYPE html><html>{head}<body>{body}</body></html>"


# --------------------------------------------------------------------------- structure only


def test_structure_of_a_good_report_passes():
    problems, warnings, scan = check_html_structure(nbconvert_html(GOOD))
    assert problems == []
    assert warnings == []  # in particular no script from a CDN: the template reads offline
    assert scan.external_scripts == []
    assert [s.title for s in scan.sections] == ["Prices", "Strategies"]
    assert len(scan.images) == 1


@pytest.mark.parametrize(
    "body, expected",
    [
        (f'<h2>A</h2><img alt="fig" src="data:image/png;base64,{NOT_A_PNG}">', "image 1 (fig): not a decodable image"),
        ('<h2>A</h2><img alt="fig" src="data:image/png;base64,@@@">', "not valid base64"),
        ('<h2>A</h2><img alt="fig" src="figures/missing.png">', "missing"),
        ('<h2>A</h2><img alt="fig" src="https://example.org/a.png">', "loaded from the network"),
        ("<h2>A</h2><p>text</p><h2>B</h2><h2>C</h2><p>more</p>", "empty section 'B'"),
        (
            '<h2>A</h2><div data-mime-type="application/vnd.jupyter.stderr"><pre>Traceback (most recent call last):\n'
            '  File "x.py", line 1\nKeyError: 3</pre></div>',
            "Python traceback in output block 1: KeyError: 3",
        ),
        (
            '<h2>A</h2><p id="papermill-error-cell">An Exception was encountered at cell 3</p>',
            "papermill marked a cell",
        ),
    ],
)
def test_structure_problems(tmp_path, body, expected):
    problems, _, _ = check_html_structure(html_page(body), tmp_path)
    assert any(expected in p for p in problems), problems


def test_stderr_warnings_and_heading_text_do_not_fail():
    body = (
        '<h2>A<a class="anchor-link" href="#A">\u00b6</a></h2><div data-mime-type="application/vnd.jupyter.stderr">'
        "<pre>FutureWarning: the default will change</pre></div>"
    )
    problems, warnings, scan = check_html_structure(html_page(body))
    assert problems == []
    assert scan.sections[0].title == "A"
    assert any("stderr output in block 1: FutureWarning" in w for w in warnings)
    # a heading alone is not content
    problems, _, _ = check_html_structure(html_page("<h2>A</h2><h3>Only a subheading</h3>"))
    assert problems == ["empty section 'A': no text, image or table before the next heading"]


def test_nbconvert_error_output_is_a_traceback():
    problems, _, _ = check_html_structure(nbconvert_html([*GOOD, ("error", None)]))
    assert any("Python traceback" in p and "ValueError: bad input" in p for p in problems)
    assert is_traceback("KeyError: 'x'") and not is_traceback("UserWarning: fine")


# --------------------------------------------------------------------------- headless Chromium


def _have_chromium() -> bool:
    try:
        chromium_path()
    except BrowserUnavailableError:
        return False
    return True


needs_chromium = pytest.mark.skipif(
    not _have_chromium(), reason="headless Chromium (Debian package 'chromium') not installed"
)


@needs_chromium
def test_browser_passes_a_good_nbconvert_report(tmp_path):
    html = tmp_path / "report.html"
    html.write_text(nbconvert_html(GOOD), encoding="utf-8")
    check = check_html_report(html, tmp_path / "shots" / "report.png")
    assert check.ok, check.problems
    check.raise_for_problems()
    assert check.screenshot is not None and check.screenshot.stat().st_size > 0
    assert check.screenshot_std is not None and check.screenshot_std > 1.0
    assert check.sections == ("Prices", "Strategies") and check.n_images == 1
    assert not list(tmp_path.glob(".*probe*"))  # the probe copy is removed


@needs_chromium
@pytest.mark.parametrize(
    "cells, expected",
    [
        ([*GOOD, ("md", "## Broken figure"), ("png", NOT_A_PNG)], "not decoded by the browser"),
        ([*GOOD, ("md", "## Failing cell"), ("error", None)], "Python traceback"),
        ([*GOOD, ("md", "## Nothing here")], "empty section 'Nothing here'"),
    ],
)
def test_browser_fails_broken_reports(tmp_path, cells, expected):
    html = tmp_path / "report.html"
    html.write_text(nbconvert_html(cells), encoding="utf-8")
    check = check_html_report(html, tmp_path / "report.png")
    assert not check.ok
    assert any(expected in p for p in check.problems), check.problems
    with pytest.raises(AssertionError, match=r"report\.html"):
        check.raise_for_problems()


@needs_chromium
def test_browser_flags_a_blank_page(tmp_path):
    html = tmp_path / "blank.html"
    html.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    check = check_html_report(html, tmp_path / "blank.png")
    assert any("is blank" in p for p in check.problems), check.problems


def test_missing_report_file_is_a_problem(tmp_path):
    if not _have_chromium():
        with pytest.raises(BrowserUnavailableError, match="chromium"):
            check_html_report(tmp_path / "nope.html", tmp_path / "nope.png")
        return
    check = check_html_report(tmp_path / "nope.html", tmp_path / "nope.png")
    assert check.problems == (f"report file {tmp_path / 'nope.html'} does not exist",)
