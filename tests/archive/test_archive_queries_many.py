"""Many locations at once answer what one location at a time answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from hayeknet.archive.queries import (
    RTM_15MIN,
    dam_prices,
    dam_prices_by_location,
    realtime_prices,
    realtime_prices_by_location,
)
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.synthetic import write_synthetic_day


def _table(tmp_path) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.archive.store import read_day

    day = dt.date(2025, 10, 2)
    write_synthetic_day(day, tmp_path / "raw", default_catalogue(3), 7)
    ingest_day(tmp_path / "raw", day, tmp_path / "archive", collected_from="synthetic")
    return read_day(tmp_path / "archive", day)


def test_by_location_equals_one_at_a_time_including_a_point_with_15_minute_prices_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    table = _table(tmp_path)
    # one node loses its SCED prices (it keeps NP6-905-CD) and one 5-minute price of another is missing
    table = table[~((table["location"] == "ALVIN_RN") & (table["market"] == "RTM_SCED"))]
    gap = table[(table["location"] == "HB_WEST") & (table["market"] == "RTM_SCED")].index[5]
    table = table.drop(index=gap)
    many = realtime_prices_by_location(table)
    names = sorted(set(table.loc[table["as_type"].isna() & table["market"].str.startswith("RTM"), "location"]))
    assert sorted(many) == names
    for name in names:
        one = realtime_prices(table, name)
        assert many[name].market == one.market and many[name].n_filled == one.n_filled
        pd.testing.assert_series_equal(many[name].prices, one.prices)
    assert many["ALVIN_RN"].market == RTM_15MIN and many["HB_WEST"].n_filled == 1
    chosen = realtime_prices_by_location(table, ["HB_NORTH", "NOWHERE"])
    assert list(chosen) == ["HB_NORTH"]
    dams = dam_prices_by_location(table, ["HB_WEST", "NOWHERE"])
    pd.testing.assert_series_equal(dams["HB_WEST"], dam_prices(table, "HB_WEST"))
    assert dams["NOWHERE"] is None
