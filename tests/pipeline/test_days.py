"""days.yaml: the study days DVC iterates over, keyed by day, chained by prev."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from hayeknet.pipeline.days import (
    INIT,
    collected_days,
    day_items,
    previous_day,
    read_days_file,
    write_days_file,
)

D1, D2, D3 = dt.date(2025, 10, 1), dt.date(2025, 10, 2), dt.date(2025, 10, 3)


def test_items_chain_each_day_to_the_one_before() -> None:
    items = day_items([D3, D1, D2, D1])
    assert list(items) == ["2025-10-01", "2025-10-02", "2025-10-03"]
    assert items["2025-10-01"]["prev"] == INIT
    assert items["2025-10-03"]["prev"] == "2025-10-02"


def test_adding_a_day_leaves_existing_items_unchanged() -> None:
    old = day_items([D1, D2])
    new = day_items([D1, D2, D3])
    for day, item in old.items():
        assert new[day] == item


def test_write_is_idempotent_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "days.yaml"
    assert write_days_file(path, [D1, D2]) is True
    assert write_days_file(path, [D2, D1]) is False
    assert read_days_file(path) == [D1, D2]
    body = yaml.safe_load(path.read_text())
    assert body["first_day"] == "2025-10-01" and body["last_day"] == "2025-10-02"


def test_collected_days_reads_report_folders(tmp_path: Path) -> None:
    (tmp_path / "np6-788-cd" / "2025-10-02").mkdir(parents=True)
    (tmp_path / "np4-190-cd" / "2025-10-01").mkdir(parents=True)
    (tmp_path / "np4-190-cd" / "not-a-day").mkdir(parents=True)
    assert collected_days(tmp_path) == [D1, D2]


def test_previous_day() -> None:
    assert previous_day(D1, [D1, D2]) == INIT
    assert previous_day(D3, [D1, D2, D3]) == "2025-10-02"


def test_each_day_names_the_settlement_point_mapping_in_force(tmp_path: Path) -> None:
    """``mapping``: the NP4-160-SG posting folder in force on the day, else ``none`` (ADR 0013)."""
    from hayeknet.pipeline.days import NO_MAPPING, mapping_in_force

    assert {item["mapping"] for item in day_items([D1, D2]).values()} == {NO_MAPPING}
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ercot"))
    import ercot_mapping  # the test builder of ERCOT's layout (tests/ercot)

    ercot_mapping.write_zip(tmp_path / "np4-160-sg" / "2025-10-02" / "mapping.zip", dt.datetime(2025, 10, 2, 4, 0))
    items = day_items([D1, D2, D3], mapping_in_force(tmp_path))
    assert [items[d.isoformat()]["mapping"] for d in (D1, D2, D3)] == [NO_MAPPING, "2025-10-02", "2025-10-02"]
