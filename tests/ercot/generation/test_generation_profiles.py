"""renewable_profiles: real solar and wind as fractions of capacity on the day's hourly grid, or a plain reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from generation_postings import base_mw, local, write_posting

from hayeknet.ercot.calendar import interval_starts_utc
from hayeknet.ercot.generation import (
    RenewableProfile,
    fleet_peak_mw,
    generation_table,
    parse_postings,
    renewable_profiles,
)

DAY = dt.date(2026, 9, 29)


def _table(folder: Path, day: dt.date, times: list[str], **kw) -> pd.DataFrame:
    paths = [write_posting(folder, r, local(t), **kw) for t in times for r in ("wind", "solar")]
    return generation_table(parse_postings(paths).postings, day)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return _table(tmp_path_factory.mktemp("p"), DAY, ["2026-09-28 09:05:01", "2026-09-30 01:05:01"])


def test_profiles_of_a_complete_day(table: pd.DataFrame) -> None:
    profiles = renewable_profiles(table, DAY)
    assert set(profiles) == {"solar", "wind"}
    for resource, profile in profiles.items():
        assert isinstance(profile, RenewableProfile) and profile.available
        actual, forecast, capacity, description = profile  # unpacks as the brief's 4-tuple
        assert actual is not None and forecast is not None and capacity is not None
        assert actual.index.equals(interval_starts_utc(DAY, 60)) and forecast.index.equals(actual.index)
        assert actual.between(0, 1).all() and forecast.between(0, 1).all()
        assert max(actual.max(), forecast.max()) <= 1.0
        assert "SYSTEM_WIDE_HSL" in description and "capacity proxy" in description and resource in description
        # the available output is the HSL (uncurtailed potential): 1.05 x the generation in these postings
        hsl = np.array([base_mw(resource, h) * 1.05 for h in actual.index])
        assert actual.to_numpy() == pytest.approx(hsl / capacity, abs=1e-5)
    # the proxy is the day's peak of every system-wide value, so the largest fraction is 1
    solar = profiles["solar"]
    assert solar.capacity_mw == pytest.approx(
        table[(table["resource"] == "solar") & (table["region"] == "SYSTEM_WIDE")][
            ["actual_mw", "actual_hsl_mw", "forecast_mw", "forecast_potential_mw", "forecast_cop_hsl_mw"]
        ]
        .to_numpy()
        .max()
    )


def test_stated_capacity_and_generation_basis(table: pd.DataFrame) -> None:
    profiles = renewable_profiles(table, DAY, capacity_mw={"wind": 40_000.0, "solar": 15_000.0}, actual="generation")
    wind = profiles["wind"]
    assert wind.capacity_mw == 40_000.0 and "stated fleet capacity 40,000 MW" in wind.description
    assert wind.actual_frac is not None
    assert wind.actual_frac.to_numpy() == pytest.approx(
        [base_mw("wind", h) / 40_000.0 for h in wind.actual_frac.index], abs=1e-6
    )
    assert "generation after curtailment" in wind.description
    solar = profiles["solar"]  # 15 GW is below the made-up 20 GW noon peak: clipped, and said
    assert solar.actual_frac is not None and solar.actual_frac.max() == 1.0
    assert "clipped" in solar.description


def test_not_collected_and_incomplete_days(table: pd.DataFrame, tmp_path: Path) -> None:
    for missing in (None, table.iloc[0:0]):
        profiles = renewable_profiles(missing, DAY)
        assert not profiles["solar"].available and profiles["solar"].actual_frac is None
        assert profiles["solar"].description == "solar: not collected (no NP4-737-CD posting for 2026-09-29)"
        assert profiles["wind"].capacity_mw is None
    only_wind = renewable_profiles(table[table["resource"] == "wind"], DAY)
    assert only_wind["wind"].available and not only_wind["solar"].available
    # postings of the day itself only: no forecast from before the cutoff, actuals up to 18:05
    partial = _table(tmp_path, DAY, ["2026-09-29 18:05:01"])
    profiles = renewable_profiles(partial, DAY)
    assert not profiles["wind"].available
    text = profiles["wind"].description
    assert text.startswith("wind: NP4-732-CD collected but incomplete: 6 of 24 hours (first 2026-09-29 18:00 CDT)")
    assert "24 of 24 hours (first 2026-09-29 00:00 CDT) lack a forecast posted before the day-ahead cutoff" in text
    assert "2026-09-28 10:00 CDT" in text
    partial = _table(tmp_path / "b", DAY, ["2026-09-28 09:05:01", "2026-09-29 18:05:01"])
    text = renewable_profiles(partial, DAY)["solar"].description
    assert "solar: NP4-737-CD collected but incomplete: 6 of 24 hours (first 2026-09-29 18:00 CDT) lack actual" in text


def test_days_before_the_hsl_column_use_generation(tmp_path: Path) -> None:
    day = dt.date(2024, 6, 2)
    old = _table(tmp_path, day, ["2024-06-01 09:05:01", "2024-06-03 01:05:01"], hsl=False)
    wind = renewable_profiles(old, day)["wind"]
    assert wind.available and "no SYSTEM_WIDE_HSL, a column ERCOT added on 2024-09-26" in wind.description


@pytest.mark.parametrize(("day", "hours"), [(dt.date(2025, 3, 9), 23), (dt.date(2025, 11, 2), 25)])
def test_dst_days_have_their_hours(tmp_path: Path, day: dt.date, hours: int) -> None:
    before, after = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    t = _table(tmp_path, day, [f"{before} 09:05:01", f"{after} 01:05:01"])
    for profile in renewable_profiles(t, day).values():
        assert profile.available and profile.actual_frac is not None and len(profile.actual_frac) == hours
        assert profile.actual_frac.index.is_monotonic_increasing


def test_fleet_peak_over_earlier_days(table: pd.DataFrame) -> None:
    solar = table[(table["resource"] == "solar") & (table["region"] == "SYSTEM_WIDE")]
    assert fleet_peak_mw([None, table], "solar") == pytest.approx(solar["actual_hsl_mw"].max())
    assert fleet_peak_mw([None, table.iloc[0:0]], "wind") is None
