"""The reports at phone (390 px) and desktop (1280 px) width in headless Chromium: no sideways page scroll,
no unformatted float longer than 6 digits in a table cell, no snake_case header, every in-page link lands.

Fast: the daily and study report blocks of the fixture day (and of the same day as real data) rendered
through nbconvert with the ``hayeknet`` template, as the pipeline renders them. The end-to-end test runs
the same check on the reports of a real ``dvc repro``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hayeknet.reporting import daily, study
from hayeknet.reporting.tables import FigureBlock
from report_browser import BrowserUnavailableError, ChromiumPage, check_layout, chromium_path, element_screenshot

WIDTHS = (390, 1280)


def _have_chromium() -> bool:
    try:
        chromium_path()
    except BrowserUnavailableError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _have_chromium(), reason="headless Chromium (Debian package 'chromium') absent")


def _figure() -> FigureBlock:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    ax.plot(range(96), [20 + (i % 24) for i in range(96)])
    ax.set_xlabel("Time (America/Chicago)")
    return FigureBlock(fig, "Real-time prices through the day ($/MWh).", "prices")


def render(parts: list[tuple[str, Any]], path: Path) -> Path:
    """A notebook of Markdown cells (``("md", text)``) and display outputs (``("show", [objects])``) rendered
    to ``path`` by nbconvert with the offline ``hayeknet`` template, code hidden."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from hayeknet.reporting.html import html_exporter

    cells = []
    for kind, value in parts:
        if kind == "md":
            cells.append(new_markdown_cell(value))
        else:
            outputs = [
                new_output("display_data", data={"text/html": obj._repr_html_(), "text/plain": repr(obj)})
                for obj in value
                if obj is not None
            ]
            cells.append(new_code_cell("show()", outputs=outputs))
    body, _ = html_exporter().from_notebook_node(new_notebook(cells=cells))
    path.write_text(body, encoding="utf-8")
    return path


def daily_parts(d: dict[str, Any]) -> list[tuple[str, Any]]:
    s, r, day = d["summary"], d["results"], d["day"]
    return [
        ("md", "# Daily report"),
        ("show", [daily.navigation(day, "2025-10-02"), daily.headline(day, s, r)]),
        ("md", "## Prices"),
        ("show", [_figure()]),
        ("md", "## Battery strategies"),
        ("show", [daily.strategy_table(day, s), daily.strategies_not_run_note(s)]),
        ("md", "## SCED today vs RTC+B"),
        ("show", [daily.market_design_table(day, s)]),
        ("md", "## Three QSE agents"),
        ("show", [daily.qse_table(day, s)]),
        ("md", "## Beliefs for the next day"),
        ("show", [daily.beliefs_intro(day, r), daily.beliefs_table(day, r), *daily.beliefs_notes(r)]),
        ("md", "## Assimilation (EnKF)"),
        ("show", [daily.assimilation_table(day, d["assimilation_metrics"])]),
        ("md", '## Research journal<a id="journal"></a>'),
        ("show", [daily.qa_table(day, r)]),
        ("md", "## The day in numbers"),
        ("show", [daily.metrics_table(day, r)]),
    ]


def study_parts(d: dict[str, Any]) -> list[tuple[str, Any]]:
    from hayeknet.research.hypotheses import hypotheses_table

    history = d["history"]
    return [
        ("md", "# Study report"),
        ("show", [study.study_navigation(history), study.study_headline(history, d["results"]["battery"])]),
        ("md", "## Days"),
        ("show", [study.days_table(history)]),
        ("md", "## Strategies"),
        ("show", [study.strategy_table(history)]),
        ("md", "## SCED today vs RTC+B"),
        ("show", [study.market_design_table(history)]),
        ("md", "## Hypotheses"),
        ("show", [study.hypotheses_table(hypotheses_table(history[-1]["hypotheses"]))]),
    ]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, study_day: dict[str, Any]) -> dict[str, Path]:
    import copy

    folder = tmp_path_factory.mktemp("layout")
    real = copy.deepcopy(study_day)
    real["summary"]["realtime_prices"]["description"] = "NP6-905-CD 15-minute settlement point prices at HB_WEST"
    real["summary"]["market_designs"] = {"available": False, "reason": "no AS clearing prices for the day"}
    real["summary"]["qse_agents"] = {"enabled": True, "available": False, "reason": "no real renewable output"}
    real["summary"]["strategies_not_run"] = {"mpc_dam": "needs the day's DAM prices"}
    index = folder / "index.html"
    index.write_text(study.index_html(study_day["history"], study_day["results"]["battery"]), encoding="utf-8")
    return {
        "daily": render(daily_parts(study_day), folder / "daily.html"),
        "daily_real": render(daily_parts(real), folder / "daily_real.html"),
        "study": render(study_parts(study_day), folder / "study.html"),
        "index": index,
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_reports_read_well_at_phone_and_desktop_width(pages: dict[str, Path], width: int) -> None:
    problems = []
    with ChromiumPage(width) as page:
        for name, html in pages.items():
            check = check_layout(html, width, page=page)
            assert check.viewport_width_px == width
            problems += [f"{name}: {p}" for p in check.problems()]
            if name != "index":
                assert check.n_tables >= 3 and check.n_cells > 50, name
            assert not check.wide_tables, f"{name} at {width} px: tables wider than the page: {check.wide_tables}"
    assert not problems, "\n".join(problems)


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    """A raw DataFrame dump: snake_case headers, long floats, wider than a phone."""
    import pandas as pd

    frame = pd.DataFrame(
        {f"fair_bound_profit_usd_{i}": [26300.362776, 324.580495] for i in range(12)}, index=["a_b", "c_d"]
    )
    html = tmp_path / "raw.html"
    html.write_text(
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"></head><body>'
        + frame.to_html()
        + '<a href="#nowhere">x</a></body></html>',
        encoding="utf-8",
    )
    check = check_layout(html, 390)
    text = " ".join(check.problems())
    assert check.horizontal_scroll and "scrolls sideways" in text
    assert "26300.362776" in check.long_numbers and "324.580495" in check.long_numbers
    assert "fair_bound_profit_usd_0" in check.snake_case_headers
    assert check.missing_anchors == ("nowhere",)


def test_element_screenshot_crops_the_headline(pages: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    shot = element_screenshot(pages["daily"], "headline", tmp_path / "headline.png", width_px=390, scale=2)
    with Image.open(shot) as img:
        width, height = img.size
    assert width <= 2 * 390 and 200 < height < 2 * 1200
    from report_browser import screenshot_std

    assert screenshot_std(shot) > 5
