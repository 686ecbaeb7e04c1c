"""Screenshots of the reports at phone and desktop width, for docs/screenshots/ (`make screenshots`).

Opens the reports of the pipeline (``reports/``: the last daily report unless ``--day``, the study report)
in headless Chromium at 390 and 1280 CSS px, checks them as the browser test does (no sideways page
scroll, no unformatted long float in a table cell, no snake_case header, every in-page link lands), and
writes PNGs of the daily report's headline block and strategy table and of the study report's day table:

    docs/screenshots/daily_headline_390.png    daily_headline_1280.png
    docs/screenshots/daily_strategies_390.png  daily_strategies_1280.png
    docs/screenshots/study_days_390.png        study_days_1280.png

Phone shots are taken at a device pixel ratio of 2 (as a phone draws them), desktop shots at 1. The browser
driver is the test suite's (``tests/report_browser.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from report_browser import ChromiumPage, check_layout, element_screenshot  # noqa: E402

WIDTHS = {390: 2.0, 1280: 1.0}
"""Viewport width (CSS px) -> device pixel ratio of its screenshots."""
SHOTS = (
    ("daily", "headline", "daily_headline"),
    ("daily", "strategies", "daily_strategies"),
    ("study", "days", "study_days"),
)
"""(page, element id, file stem) of each screenshot."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, default=ROOT / "reports", help="the reports folder (default: reports)")
    parser.add_argument("--day", help="the daily report to show, YYYY-MM-DD (default: the last one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    args = parser.parse_args(argv)

    daily = sorted((args.reports / "daily").glob("*.html"))
    if not daily:
        print(f"screenshots: no daily report in {args.reports / 'daily'} (run make daily first)", file=sys.stderr)
        return 1
    pages = {
        "daily": args.reports / "daily" / f"{args.day}.html" if args.day else daily[-1],
        "study": args.reports / "study.html",
    }
    problems = []
    for width in WIDTHS:
        with ChromiumPage(width) as page:
            for html in [*pages.values(), args.reports / "index.html"]:
                problems += [f"{html.name} at {width} px: {p}" for p in check_layout(html, width, page=page).problems()]
    if problems:
        print("screenshots: the reports fail the browser check:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for width, scale in WIDTHS.items():
        for page_name, element, stem in SHOTS:
            shot = element_screenshot(
                pages[page_name], element, args.out / f"{stem}_{width}.png", width_px=width, scale=scale
            )
            print(f"screenshots: {shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
