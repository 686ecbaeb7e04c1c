"""NP4-160-SG (settlement point / electrical bus mapping): the parser, its errors and the raw layout's postings."""

from __future__ import annotations

import datetime as dt
import pickle
import zipfile
from pathlib import Path

import ercot_mapping as em
import pytest

from hayeknet.ercot.collectors import CollectOptions
from hayeknet.ercot.collectors.base import CollectorError
from hayeknet.ercot.locations import HUB_AVERAGE, LOAD_ZONE, LOAD_ZONE_DC, RESOURCE_NODE, TRADING_HUB
from hayeknet.ercot.parse.settlement_points import (
    MEMBER_COLUMNS,
    MappingFormatError,
    detect_mapping,
    find_settlement_point_map,
    mapping_postings,
    posting_stamp,
    read_settlement_point_map,
)
from hayeknet.ercot.reports import NP4_160


def test_table_headers_are_ercots() -> None:
    """The headers pinned here are ERCOT's (ADR 0013: where each was verified)."""
    assert ",".join(MEMBER_COLUMNS["Settlement_Points"]) == em.SETTLEMENT_POINTS_HEADER
    assert ",".join(MEMBER_COLUMNS["NOIE_Mapping"]) == em.NOIE_HEADER
    assert ",".join(MEMBER_COLUMNS["Resource_Node_to_Unit"]) == em.UNITS_HEADER
    assert ",".join(MEMBER_COLUMNS["CCP_Resource_Names"]) == em.CCP_HEADER
    assert MEMBER_COLUMNS["Hub_Name_AND_DC_Ties"] == ("NAME",)
    assert (NP4_160.report_id, NP4_160.mis_report_type_id, NP4_160.dir_name) == ("NP4-160-SG", 10008, "np4-160-sg")


@pytest.fixture
def mapping_zip(tmp_path: Path) -> Path:
    return em.write_zip(tmp_path / "rpt.00010008.0000000000000000.SP_List_EB_Mapping.zip")


def test_zip_is_read_into_settlement_points(mapping_zip: Path) -> None:
    m = read_settlement_point_map(mapping_zip)
    assert m.posted == em.STAMP and m.posting_day == dt.date(2026, 2, 20)
    assert len(m.buses) == len(em.BUSES) and len(m.members) == 5
    kinds = {p.name: p.location_type for p in m.points.values()}
    assert sorted(n for n, k in kinds.items() if k == RESOURCE_NODE) == list(em.RESOURCE_NODES)
    assert sorted(n for n, k in kinds.items() if k == LOAD_ZONE) == list(em.LOAD_ZONES)
    assert sorted(n for n, k in kinds.items() if k == TRADING_HUB) == list(em.TRADING_HUBS)
    assert sorted(n for n, k in kinds.items() if k == HUB_AVERAGE) == list(em.HUB_AVERAGES)
    assert sorted(n for n, k in kinds.items() if k == LOAD_ZONE_DC) == list(em.DC_TIES)

    node = m.points["SANMIGL_G2"]  # one resource node at two buses
    assert node.electrical_buses == ("SANMIGL_G2A", "SANMIGL_G2B")
    assert (node.substation, node.voltage_kv, node.settlement_load_zone, node.hub) == (
        "SANMIGL",
        18.0,
        "LZ_SOUTH",
        "HB_SOUTH",
    )
    assert m.points["HB_PAN"].electrical_buses == ("ALIBATES_345", "TESLA_345")
    assert m.points["HB_PAN"].voltage_kv == 345.0
    assert m.points["DC_L"].electrical_buses == () and m.points["DC_L"].hub is None


def test_load_zone_hubs_and_the_rules_found(mapping_zip: Path) -> None:
    m = read_settlement_point_map(mapping_zip)
    assert dict(m.zone_hubs) == {
        "LZ_HOUSTON": "HB_HOUSTON",
        "LZ_NORTH": "HB_NORTH",
        "LZ_SOUTH": "HB_SOUTH",
        "LZ_WEST": "HB_WEST",  # not HB_PAN, whose hub buses are in LZ_WEST too
        "LZ_CPS": "HB_SOUTH",  # its NOIE buses are in LZ_SOUTH
        "LZ_RAYBN": "HB_NORTH",
    }
    assert m.zone_hub_rules["LZ_WEST"].startswith("name")
    assert m.zone_hub_rules["LZ_CPS"] == "NOIE buses: 100% of its mapped buses are in LZ_SOUTH"
    assert "LZ_AEN" not in m.zone_hubs  # its only NOIE bus is not in Settlement_Points
    assert any("LZ_AEN" in n for n in m.notes) and any("DECKER_138" in n for n in m.notes)
    # hub averages average the four zone hubs, never HB_PAN (NPRR 817)
    assert m.hub_averages == {
        "HB_BUSAVG": ("HB_HOUSTON", "HB_NORTH", "HB_SOUTH", "HB_WEST"),
        "HB_HUBAVG": ("HB_HOUSTON", "HB_NORTH", "HB_SOUTH", "HB_WEST"),
    }
    assert m.units["SANMIGL_G2"] == (("SANMIGL", "G2A"), ("SANMIGL", "G2B"))
    assert m.combined_cycle == {"CBY_CC1_RN": "CBY_CC1"}
    by_bus = {b.electrical_bus: b for b in m.buses}
    assert by_bus["CALAVERS_138"].noie_load_zone == "LZ_CPS" and by_bus["RAYB_138"].psse_bus_number == 10031


def test_hub_of_a_zone_from_its_hub_buses_when_names_do_not_match(tmp_path: Path) -> None:
    buses = (
        ("A_345", "A5", "A_5", "345", "SUBA", "LZ_FARWEST", "", "A", "HB_PAN", "1"),
        ("B_345", "B5", "B_5", "345", "SUBB", "LZ_FARWEST", "", "B", "HB_PAN", "2"),
        ("C_345", "C5", "C_5", "345", "SUBC", "LZ_FARWEST", "", "C", "HB_WEST", "3"),
        ("N_1", "N1", "N_1", "13.8", "SUBA", "LZ_FARWEST", "FAR_RN", "", "", "4"),
    )
    m = read_settlement_point_map(em.write_zip(tmp_path / "m.zip", buses=buses))
    assert m.zone_hubs["LZ_FARWEST"] == "HB_PAN"
    assert m.zone_hub_rules["LZ_FARWEST"] == "hub buses: 2 of 3 in the zone"
    assert m.points["FAR_RN"].hub == "HB_PAN"


def test_a_dc_tie_at_a_bus_is_placed_like_a_node(tmp_path: Path) -> None:
    buses = (*em.BUSES, ("LAREDO_DC", "LRD_DC", "LAREDO_VFT", "138", "LAREDO", "LZ_SOUTH", "DC_L", "", "", "80042"))
    m = read_settlement_point_map(em.write_zip(tmp_path / "m.zip", buses=buses))
    tie = m.points["DC_L"]
    assert (tie.location_type, tie.substation, tie.settlement_load_zone, tie.hub) == (
        LOAD_ZONE_DC,
        "LAREDO",
        "LZ_SOUTH",
        "HB_SOUTH",
    )


def test_loose_members_and_folders_read_the_same(mapping_zip: Path, tmp_path: Path) -> None:
    loose = em.write_loose(tmp_path / "loose")
    from_zip = read_settlement_point_map(mapping_zip)
    for m in (read_settlement_point_map(*loose), read_settlement_point_map(tmp_path / "loose")):
        assert m.points == from_zip.points and m.buses == from_zip.buses and m.posted == from_zip.posted
    alone = read_settlement_point_map(next(p for p in loose if p.name.startswith("Settlement_Points")))
    assert "HB_HUBAVG" not in alone.points and "LZ_CPS" not in alone.points  # no hub list, no NOIE table
    frame = from_zip.to_frame()
    assert list(frame.columns) == [
        "settlement_point",
        "location_type",
        "electrical_buses",
        "substation",
        "voltage_kv",
        "settlement_load_zone",
        "hub",
    ]
    assert len(frame) == 30 and frame["settlement_point"].is_monotonic_increasing


def _sp(rows: list[str], header: str = em.SETTLEMENT_POINTS_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


GOOD = "B1,B1,B_1,138,SUB,LZ_SOUTH,RN1,,,7103"


@pytest.mark.parametrize(
    ("content", "row", "field", "message"),
    [
        (_sp([GOOD], header=em.SETTLEMENT_POINTS_HEADER.replace(",HUB,", ",")), 0, "header", "lacks column(s) HUB"),
        (_sp([GOOD, "B1,B1,B_1,138,SUB,LZ_SOUTH,,,,7104"]), 2, "ELECTRICAL_BUS", "listed twice (first at row 1)"),
        (_sp([GOOD, "B2,B2,B_2,138kV,SUB,LZ_SOUTH,,,,7104"]), 2, "VOLTAGE_LEVEL", "'138kV' is not a number"),
        (_sp([GOOD, "B2,B2,B_2,138,SUB,SOUTH,,,,7104"]), 2, "SETTLEMENT_LOAD_ZONE", "does not start with 'LZ_'"),
        (_sp([GOOD, "B2,B2,B_2,345,SUB,LZ_SOUTH,,HB2,SOUTH,7104"]), 2, "HUB", "does not start with 'HB_'"),
        (_sp([GOOD, "B2,B2,B_2,138,SUB,LZ_SOUTH,,,,71.5"]), 2, "PSSE_BUS_NUMBER", "'71.5' is not an integer"),
        (_sp([GOOD, "B2,B2,B_2,138,SUB,LZ_SOUTH,,,"]), 2, None, "row has 9 fields, expected 10"),
        (_sp([GOOD, ",B2,B_2,138,SUB,LZ_SOUTH,,,,7104"]), 2, "ELECTRICAL_BUS", "empty electrical bus name"),
        (_sp([GOOD, "B2,B2,B_2,138,SUB,LZ_SOUTH,LZ_SOUTH,,,7104"]), 2, "RESOURCE_NODE", "is a Resource Node here"),
    ],
)
def test_errors_name_file_member_row_and_field(
    tmp_path: Path, content: bytes, row: int, field: str | None, message: str
) -> None:
    path = em.write_zip(tmp_path / "bad.zip", settlement_points=content)
    with pytest.raises(MappingFormatError) as info:
        read_settlement_point_map(path)
    err = info.value
    member = f"SP_List_EB_Mapping/Settlement_Points_{em.stamp_text(em.STAMP)}.csv"
    assert (err.file, err.member, err.row, err.field) == ("bad.zip", member, row, field)
    assert message in err.message
    assert str(err).startswith(f"bad.zip, member {member}, row {row}")
    copy = pickle.loads(pickle.dumps(err))
    assert str(copy) == str(err) and copy.member == err.member


def test_package_level_errors(tmp_path: Path) -> None:
    tables = em.members()
    no_points = {k: v for k, v in tables.items() if not k.startswith("Settlement_Points")}
    (tmp_path / "a.zip").write_bytes(em.zip_bytes(no_points))
    with pytest.raises(MappingFormatError, match=r"a\.zip: holds no Settlement_Points table"):
        read_settlement_point_map(tmp_path / "a.zip")
    twice = {**tables, "Settlement_Points_copy.csv": tables[f"Settlement_Points_{em.stamp_text(em.STAMP)}.csv"]}
    (tmp_path / "b.zip").write_bytes(em.zip_bytes(twice))
    with pytest.raises(MappingFormatError, match=r"row 0, field header: a second Settlement_Points table"):
        read_settlement_point_map(tmp_path / "b.zip")
    (tmp_path / "c.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(MappingFormatError, match=r"c\.zip: corrupt zip archive"):
        read_settlement_point_map(tmp_path / "c.zip")
    noie = tables[f"NOIE_Mapping_{em.stamp_text(em.STAMP)}.csv"] + b"X_LD,LZ_AEN,138,X,CALAVERS_138\n"
    tables_bad_noie = {**tables, f"NOIE_Mapping_{em.stamp_text(em.STAMP)}.csv": noie}
    (tmp_path / "d.zip").write_bytes(em.zip_bytes(tables_bad_noie))
    with pytest.raises(MappingFormatError, match=r"row 5, field NOIE: .*in NOIE load zones LZ_CPS and LZ_AEN"):
        read_settlement_point_map(tmp_path / "d.zip")
    extra = {**tables, "README.csv": b"WHAT,EVER\n1,2\n"}
    (tmp_path / "e.zip").write_bytes(em.zip_bytes(extra))
    assert any("README.csv" in n for n in read_settlement_point_map(tmp_path / "e.zip").notes)


def test_detection_and_stamps(mapping_zip: Path, tmp_path: Path) -> None:
    assert detect_mapping(mapping_zip) == "zip"
    loose = em.write_loose(tmp_path / "loose")
    assert sorted(detect_mapping(p) or "" for p in loose) == sorted(MEMBER_COLUMNS)
    other = tmp_path / "prices.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("x.csv", "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag\n")
    assert detect_mapping(other) is None
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert detect_mapping(tmp_path / "junk.zip") is None
    assert posting_stamp("SP_List_EB_Mapping/Settlement_Points_02202026_094122.csv") == em.STAMP
    assert posting_stamp("Settlement_Points.csv") is None and posting_stamp("X_13452026_000000.csv") is None


def test_postings_in_the_raw_layout(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    folder = raw / "np4-160-sg"
    em.write_zip(folder / "2026-02-06" / "feb06.zip", stamp=dt.datetime(2026, 2, 6, 8, 0, 0))
    em.write_loose(folder / "2026-02-13", stamp=dt.datetime(2026, 2, 13, 8, 0, 0))
    em.write_zip(folder / "2026-02-20" / "feb20.zip")
    postings = mapping_postings(raw)
    assert [m.day for m in postings] == [dt.date(2026, 2, 6), dt.date(2026, 2, 13), dt.date(2026, 2, 20)]
    assert find_settlement_point_map(raw, "2026-02-05") is None
    found = find_settlement_point_map(raw, dt.date(2026, 2, 19))
    assert found is not None and found.day == dt.date(2026, 2, 13) and len(found.paths) == 5
    assert found.read().posted == dt.datetime(2026, 2, 13, 8, 0, 0)
    assert find_settlement_point_map(raw, "2026-03-01").paths[0].name == "feb20.zip"  # type: ignore[union-attr]
    assert mapping_postings(tmp_path / "nothing") == []


def test_collect_options_refuse_the_mapping_as_a_daily_report() -> None:
    with pytest.raises(CollectorError, match=r"NP4-160-SG is reference data.*collect_settlement_point_map"):
        CollectOptions(reports=("NP6-905-CD", "NP4-160-SG")).specs()
