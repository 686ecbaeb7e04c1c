"""The one price-query layer: the finest real-time market present, fills counted, DAM, AS, wide tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.archive.queries import (
    DAM,
    RTM_15MIN,
    RTM_SCED,
    PriceQueryError,
    as_prices,
    dam_on_grid,
    dam_prices,
    location_column,
    realtime_prices,
    wide_prices,
)
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import parse_file, parse_files
from hayeknet.ercot.synthetic import write_synthetic_day

DAY = dt.date(2025, 10, 1)
FALL_BACK = dt.date(2025, 11, 2)


@pytest.fixture(scope="module")
def day_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[dt.date, pd.DataFrame]:
    raw = tmp_path_factory.mktemp("raw")
    cat = default_catalogue(4)
    return {d: parse_files(write_synthetic_day(d, raw, cat, 11)) for d in (DAY, FALL_BACK)}


def test_wide_prices_on_the_regular_grid(day_tables) -> None:
    table = day_tables[FALL_BACK]
    wide = wide_prices(table)
    assert wide.shape == (300, 19)
    assert wide.index.name == "interval_start_utc" and str(wide.index.dtype) == "datetime64[ns, UTC]"
    assert wide.index.is_monotonic_increasing and wide.notna().all().all()
    gap = table.drop(table.index[(table["market"] == "RTM_SCED") & (table["interval_start_utc"] == wide.index[5])])
    gapped = wide_prices(gap)
    assert gapped.shape == (300, 19) and gapped.iloc[5].isna().all()
    spp = wide_prices(table, "RTM_15MIN")
    plain = table[
        (table["location"] == "LZ_WEST") & (table["location_type"] == "Load Zone") & (table["market"] == "RTM_15MIN")
    ]
    np.testing.assert_allclose(spp["LZ_WEST"].to_numpy(), plain.sort_values("interval_start_utc")["price"])
    ew = wide_prices(table, "RTM_15MIN", energy_weighted=True)
    assert not np.allclose(ew["LZ_WEST"], spp["LZ_WEST"])


def test_wide_prices_of_one_sced_run(fixtures_dir: Path) -> None:
    one = wide_prices(parse_file(fixtures_dir / "np6-788-cd.csv"))
    assert one.shape == (288, 20) and one.notna().sum().sum() == 20


def test_realtime_prices_prefer_sced_and_count_fills(day_tables) -> None:
    table = day_tables[FALL_BACK]
    rt = realtime_prices(table, "HB_WEST")
    assert rt.market == RTM_SCED and rt.report == "NP6-788-CD" and rt.dt_hours == pytest.approx(5 / 60)
    assert len(rt.prices) == 300 and rt.n_filled == 0 and rt.prices.notna().all()
    sced = table[(table["market"] == RTM_SCED) & (table["location"] == "HB_WEST")]
    gapped = table.drop(sced.index[[0, 7, 8]])
    rt2 = realtime_prices(gapped, "HB_WEST")
    assert rt2.n_filled == 3 and "3 of 300 intervals" in rt2.describe()
    # interval 0 takes the next price (backward fill at the start), 7 and 8 the one before them
    assert rt2.prices.iloc[0] == rt2.prices.iloc[1] and rt2.prices.iloc[7] == rt2.prices.iloc[8] == rt2.prices.iloc[6]
    partial = realtime_prices(gapped, "HB_WEST", complete_days=False)
    assert len(partial.prices) == 297 and partial.n_filled == 0


def test_realtime_prices_fall_back_to_the_settlement_point_price(day_tables) -> None:
    table = day_tables[DAY]
    no_sced = table[table["market"] != RTM_SCED]
    rt = realtime_prices(no_sced, "HB_WEST")
    assert rt.market == RTM_15MIN and rt.interval_minutes == 15 and len(rt.prices) == 96
    expected = no_sced[
        (no_sced["market"] == RTM_15MIN) & (no_sced["location"] == "HB_WEST") & no_sced["as_type"].isna()
    ]
    np.testing.assert_allclose(rt.prices.to_numpy(), expected.sort_values("interval_start_utc")["price"])
    with pytest.raises(PriceQueryError, match=r"HB_NOWHERE.*HB_WEST"):
        realtime_prices(table, "HB_NOWHERE", what="archive day 2025-10-01")
    with pytest.raises(PriceQueryError, match="NP6-905-CD"):
        realtime_prices(no_sced, "HB_NOWHERE", markets=(RTM_15MIN,))


def test_dam_and_as_prices(day_tables) -> None:
    table = day_tables[DAY]
    dam = dam_prices(table, "HB_WEST")
    assert dam is not None and len(dam) == 24 and dam.index.tz is not None
    assert dam_prices(table, "HB_NOWHERE") is None
    assert dam_prices(table[table["market"] != DAM], "HB_WEST") is None
    dam_as, rt_as = as_prices(table, DAM), as_prices(table, RTM_15MIN)
    assert len(dam_as) == 24 and len(rt_as) == 96 and {"REGUP", "REGDN", "RRS"} <= set(dam_as.columns)
    assert as_prices(table[table["as_type"].isna()], DAM).empty
    grid = realtime_prices(table, "HB_WEST").prices.index
    held = dam_on_grid(dam, grid)
    assert held is not None and len(held) == 288
    np.testing.assert_allclose(held[:12], dam.iloc[0]) and np.testing.assert_allclose(held[-12:], dam.iloc[-1])
    assert dam_on_grid(None, grid) is None


def test_location_column_names_what_is_missing(day_tables) -> None:
    wide = wide_prices(day_tables[DAY])
    assert location_column(wide, "HB_WEST").index.is_monotonic_increasing
    with pytest.raises(PriceQueryError, match="prices of the day: no column for location 'X'"):
        location_column(wide, "X", what="prices of the day")
