"""Settlement-point types and the synthetic catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from hayeknet.ercot.locations import (
    HUB_AVERAGE,
    LOAD_ZONE,
    LOAD_ZONE_DC,
    LOAD_ZONE_DC_EW,
    LOAD_ZONE_EW,
    RESOURCE_NODE,
    TRADING_HUB,
    SettlementPoint,
    default_catalogue,
    type_from_code,
    type_from_name,
)


def test_type_codes_of_np6_905() -> None:
    codes = pd.Series(["HU", "SH", "AH", "LZ", "LZEW", "LZ_DC", "LZDCEW", "RN", "PCCRN", "LCCRN", "PUN", "??"])
    assert type_from_code(codes).tolist()[:-1] == [
        TRADING_HUB, HUB_AVERAGE, HUB_AVERAGE, LOAD_ZONE, LOAD_ZONE_EW, LOAD_ZONE_DC, LOAD_ZONE_DC_EW,
        RESOURCE_NODE, RESOURCE_NODE, RESOURCE_NODE, RESOURCE_NODE,
    ]  # fmt: skip
    assert pd.isna(type_from_code(codes).iloc[-1])


def test_types_inferred_from_names() -> None:
    names = pd.Series(["HB_HUBAVG", "HB_BUSAVG", "HB_WEST", "LZ_CPS", "DC_L", "7RNCHSLR_ALL", "HB_WEST"])
    assert type_from_name(names).tolist() == [
        HUB_AVERAGE, HUB_AVERAGE, TRADING_HUB, LOAD_ZONE, LOAD_ZONE_DC, RESOURCE_NODE, TRADING_HUB,
    ]  # fmt: skip


def test_default_catalogue_has_real_hubs_and_zones() -> None:
    cat = default_catalogue(15)
    names = [p.name for p in cat]
    assert len(cat) == 30 and len(set(names)) == 30
    for hub in ("HB_HOUSTON", "HB_NORTH", "HB_SOUTH", "HB_WEST", "HB_PAN", "HB_BUSAVG", "HB_HUBAVG"):
        assert hub in names
    for lz in ("LZ_HOUSTON", "LZ_NORTH", "LZ_SOUTH", "LZ_WEST", "LZ_AEN", "LZ_CPS", "LZ_LCRA", "LZ_RAYBN"):
        assert lz in names
    nodes = [p for p in cat if p.location_type == RESOURCE_NODE]
    assert len(nodes) == 15 and {p.zone for p in nodes} == {"HOUSTON", "NORTH", "SOUTH", "WEST"}
    assert type_from_name(pd.Series(names)).tolist() == [p.location_type for p in cat]
    assert default_catalogue(15) == cat
    assert len(default_catalogue(60)) == 75 and len({p.name for p in default_catalogue(60)}) == 75
    assert len(default_catalogue(0)) == 15


def test_settlement_point_validates() -> None:
    with pytest.raises(ValueError, match="zone"):
        SettlementPoint("X_RN", RESOURCE_NODE, "EAST")
    with pytest.raises(ValueError, match="share"):
        SettlementPoint("X_RN", RESOURCE_NODE, "WEST", wind_share=1.5)
