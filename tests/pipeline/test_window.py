"""The study window against the calendar: yesterday, latest per source, a faked clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from hayeknet.params import ParamsError, load_params, params_from_mapping
from hayeknet.pipeline.window import CENTRAL, WindowError, latest_published, now_central, parse_bound, resolve_end

ROOT = Path(__file__).resolve().parents[2]
PARAMS = load_params(ROOT / "params.yaml")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(CENTRAL)


def test_bounds_are_days_or_two_words() -> None:
    assert parse_bound("2025-10-03") == dt.date(2025, 10, 3)
    assert parse_bound(" Latest ") == "latest" and parse_bound("yesterday") == "yesterday"
    with pytest.raises(WindowError, match="'tomorrow' is not an operating day"):
        parse_bound("tomorrow")


def test_the_clock_can_be_replaced() -> None:
    assert now_central({"HAYEKNET_TODAY": "2025-10-05"}).date() == dt.date(2025, 10, 5)
    assert now_central({"HAYEKNET_TODAY": "2025-10-05T00:30:00-05:00"}).hour == 0
    with pytest.raises(WindowError, match="offset"):
        now_central({"HAYEKNET_TODAY": "2025-10-05T00:30:00"})
    assert now_central({}).tzinfo is not None


def test_yesterday_is_the_central_day_before() -> None:
    # 03:30 UTC on 10-05 is still 10-04 in Chicago: yesterday is 10-03
    assert resolve_end("yesterday", "mis", PARAMS, _at("2025-10-05T03:30:00+00:00")) == dt.date(2025, 10, 3)
    assert resolve_end("yesterday", "synthetic", PARAMS, _at("2025-10-05T12:00:00-05:00")) == dt.date(2025, 10, 4)
    assert resolve_end(dt.date(2025, 10, 2), "mis", PARAMS) == dt.date(2025, 10, 2)


def test_latest_per_source() -> None:
    # ERCOT: yesterday once it is 01:00 Central, else the day before
    assert latest_published("mis", PARAMS, _at("2025-10-05T01:10:00-05:00")) == dt.date(2025, 10, 4)
    assert latest_published("api", PARAMS, _at("2025-10-05T00:40:00-05:00")) == dt.date(2025, 10, 3)
    # the synthetic source: its fixed publication day, whatever the clock
    assert latest_published("synthetic", PARAMS, _at("2030-01-01T12:00:00-06:00")) == PARAMS.synthetic.published_through
    # a drop folder: the last day its files cover
    days = [dt.date(2024, 7, 1), dt.date(2024, 7, 3)]
    assert latest_published("files", PARAMS, _at("2030-01-01T12:00:00-06:00"), lambda: days) == dt.date(2024, 7, 3)
    with pytest.raises(WindowError, match="no ERCOT file"):
        latest_published("files", PARAMS, _at("2030-01-01T12:00:00-06:00"), lambda: [])


def test_study_end_accepts_the_words_and_checks_the_order() -> None:
    raw = {"study": {"start": "2025-10-01", "end": "latest"}}
    study = params_from_mapping(raw).study
    assert study.end == "latest" and study.end_day() is None
    with pytest.raises(ParamsError, match="resolve it against the calendar"):
        study.days()
    with pytest.raises(ParamsError, match=r"study\.end must be"):
        params_from_mapping({"study": {"start": "2025-10-01", "end": "soon"}})
    with pytest.raises(ParamsError, match=r"before study\.start"):
        params_from_mapping({"study": {"start": "2025-10-01", "end": "2025-09-30"}})
    unquoted = params_from_mapping({"study": {"start": dt.date(2025, 10, 1), "end": dt.date(2025, 10, 2)}}).study
    assert unquoted.days() == [dt.date(2025, 10, 1), dt.date(2025, 10, 2)]


def test_collect_resolves_yesterday_with_a_faked_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hayeknet.config import ProjectPaths
    from hayeknet.pipeline.collect import collect

    (tmp_path / "params.yaml").write_text((ROOT / "tests" / "params.tiny.yaml").read_text())
    params = dataclasses.replace(load_params(tmp_path / "params.yaml"))
    paths = ProjectPaths(tmp_path)
    monkeypatch.setenv("HAYEKNET_TODAY", "2025-10-03")
    summary = collect(paths, params, dt.date(2025, 10, 1), "yesterday", update_dvc=False)
    assert (summary.start, summary.end) == (dt.date(2025, 10, 1), dt.date(2025, 10, 2))
    assert summary.collected == [dt.date(2025, 10, 1), dt.date(2025, 10, 2)]
    monkeypatch.setenv("HAYEKNET_TODAY", "2025-10-04")
    summary = collect(paths, params, dt.date(2025, 10, 1), "yesterday", update_dvc=False)
    assert summary.collected == [dt.date(2025, 10, 3)] and len(summary.skipped) == 2
