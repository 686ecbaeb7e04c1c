"""NP4-160-SG postings built in ERCOT's layout for the tests (made-up buses, ERCOT's exact table headers).

The headers are those ERCOT publishes (ADR 0013 says where they were
verified); the zip holds its five tables in a folder ``SP_List_EB_Mapping/``,
each named ``<table>_<MMDDYYYY>_<HHMMSS>.csv``. The rows are invented but
follow the real file's shape (one row per electrical bus, ``RESOURCE_NODE`` and
``HUB`` mostly empty, e.g. ``0001,0001,L_BUCKRA8_1Y,138,BUBORA,LZ_SOUTH,,,,7103``):
four settlement load zones with their hub buses, HB_PAN's buses in LZ_WEST,
twelve resource nodes (one at two buses), NOIE load zones LZ_CPS (buses in
LZ_SOUTH), LZ_RAYBN (in LZ_NORTH) and LZ_AEN (its bus absent from
Settlement_Points, so it gets no hub), and the 11 hub and DC-tie names.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

SETTLEMENT_POINTS_HEADER = (
    "ELECTRICAL_BUS,NODE_NAME,PSSE_BUS_NAME,VOLTAGE_LEVEL,SUBSTATION,SETTLEMENT_LOAD_ZONE,"
    "RESOURCE_NODE,HUB_BUS_NAME,HUB,PSSE_BUS_NUMBER"
)
NOIE_HEADER = "PHYSICAL_LOAD,NOIE,VOLTAGE_NAME,SUBSTATION,ELECTRICAL_BUS"
UNITS_HEADER = "RESOURCE_NODE,UNIT_SUBSTATION,UNIT_NAME"
CCP_HEADER = "CCP_NAME,LOGICALREOURCENODENAME"
HUB_HEADER = "NAME"

# ELECTRICAL_BUS, NODE_NAME, PSSE_BUS_NAME, kV, SUBSTATION, ZONE, RESOURCE_NODE, HUB_BUS_NAME, HUB, PSSE number
BUSES: tuple[tuple[str, ...], ...] = (
    ("CEDARBYU5_1", "CEDARBYU5", "CBY_5", "345", "CEDARBYU", "LZ_HOUSTON", "", "CEDARBYU", "HB_HOUSTON", "40011"),
    ("CEDARBYU_G1", "CBY_G1", "CBY_UNIT1", "22", "CEDARBYU", "LZ_HOUSTON", "CBY_CBY_G1", "", "", "40012"),
    ("CEDARBYU_G2", "CBY_G2", "CBY_UNIT2", "22", "CEDARBYU", "LZ_HOUSTON", "CBY_CBY_G2", "", "", "40013"),
    ("WAP_345", "WAP5", "WA_PARISH_5", "345", "WAP", "LZ_HOUSTON", "", "WAP", "HB_HOUSTON", "40021"),
    ("WAP_G7", "WAP_G7", "WAP_UNIT7", "13.8", "WAP", "LZ_HOUSTON", "WAP_WAP_G7", "", "", "40022"),
    ("BELLAIRE_138", "BELLAIRE8", "BELLAIRE_8", "138", "BELLAIRE", "LZ_HOUSTON", "", "", "", "40031"),
    ("SBATT_ESS", "SBATT1", "SBATT_ESS_1", "34.5", "SBATTERY", "LZ_HOUSTON", "SBATT_ESS1", "", "", "40041"),
    ("ODEHW_345", "ODEHW5", "ODESSA_EHV_5", "345", "ODEHW", "LZ_WEST", "", "ODEHW", "HB_WEST", "60011"),
    ("ODEHW_G1", "ODEHW_G1", "ODEHW_UNIT1", "18", "ODEHW", "LZ_WEST", "ODEHW_ODEHW_G1", "", "", "60012"),
    ("BIGSPRNG_345", "BIGSPR5", "BIG_SPRING_5", "345", "BIGSPRNG", "LZ_WEST", "", "BIGSPRNG", "HB_WEST", "60021"),
    ("SWEETWND_WND1", "SWTW_W1", "SWEETWATER_W1", "34.5", "SWEETWND", "LZ_WEST", "SWEETWND_WND1", "", "", "60031"),
    ("SWEETWND_WND2", "SWTW_W2", "SWEETWATER_W2", "34.5", "SWEETWND", "LZ_WEST", "SWEETWND_WND2", "", "", "60032"),
    ("PECOSSLR_SLR1", "PECOS_S1", "PECOS_SOLAR_1", "34.5", "PECOSSLR", "LZ_WEST", "PECOS_SLR1_RN", "", "", "60041"),
    ("ALIBATES_345", "ALIBAT5", "ALIBATES_5", "345", "ALIBATES", "LZ_WEST", "", "ALIBATES", "HB_PAN", "60051"),
    ("TESLA_345", "TESLA5", "TESLA_5", "345", "TESLA", "LZ_WEST", "", "TESLA", "HB_PAN", "60061"),
    ("SPLAIN_W1", "SPLAIN_W1", "SPLAIN_WIND_1", "34.5", "SPLAIN", "LZ_WEST", "SPLAIN_WND_RN", "", "", "60071"),
    ("PARKER_345", "PARKER5", "PARKER_5", "345", "PARKER", "LZ_NORTH", "", "PARKER", "HB_NORTH", "10011"),
    ("CPSES_G1", "CPSES_G1", "COMANCHE_PK_1", "24", "CPSES", "LZ_NORTH", "CPSES_UNIT1", "", "", "10021"),
    ("RAYB_138", "RAYB8", "RAYBURN_8", "138", "RAYBURN", "LZ_NORTH", "", "", "", "10031"),
    ("SANMIGL_345", "SANMIG5", "SAN_MIGUEL_5", "345", "SANMIGL", "LZ_SOUTH", "", "SANMIGL", "HB_SOUTH", "80011"),
    ("SANMIGL_G1", "SANMIG_G1", "SAN_MIGUEL_G1", "22", "SANMIGL", "LZ_SOUTH", "SANMIGL_G1", "", "", "80012"),
    ("SANMIGL_G2A", "SANMIG_G2A", "SAN_MIGUEL_G2A", "13.8", "SANMIGL", "LZ_SOUTH", "SANMIGL_G2", "", "", "80013"),
    ("SANMIGL_G2B", "SANMIG_G2B", "SAN_MIGUEL_G2B", "18", "SANMIGL", "LZ_SOUTH", "SANMIGL_G2", "", "", "80014"),
    ("CALAVERS_138", "CALAV8", "CALAVERAS_8", "138", "CALAVERS", "LZ_SOUTH", "", "", "", "80021"),
    ("LEONCRK_138", "LEONC8", "LEON_CREEK_8", "138", "LEONCRK", "LZ_SOUTH", "", "", "", "80031"),
    ("LAREDO_138", "LAREDO8", "LAREDO_8", "138", "LAREDO", "LZ_SOUTH", "", "", "", "80041"),
)
NOIE_ROWS: tuple[tuple[str, ...], ...] = (
    ("CALAVERS_LD1", "LZ_CPS", "138", "CALAVERS", "CALAVERS_138"),
    ("LEONCRK_LD1", "LZ_CPS", "138", "LEONCRK", "LEONCRK_138"),
    ("RAYB_LD1", "LZ_RAYBN", "138", "RAYBURN", "RAYB_138"),
    ("DECKER_LD1", "LZ_AEN", "138", "DECKER", "DECKER_138"),
)
UNIT_ROWS: tuple[tuple[str, ...], ...] = (
    ("CBY_CBY_G1", "CEDARBYU", "G1"),
    ("CBY_CBY_G2", "CEDARBYU", "G2"),
    ("SANMIGL_G2", "SANMIGL", "G2A"),
    ("SANMIGL_G2", "SANMIGL", "G2B"),
)
CCP_ROWS: tuple[tuple[str, ...], ...] = (("CBY_CC1", "CBY_CC1_RN"),)
HUB_ROWS: tuple[str, ...] = (
    "HB_BUSAVG",
    "HB_HOUSTON",
    "HB_HUBAVG",
    "HB_NORTH",
    "HB_PAN",
    "HB_SOUTH",
    "HB_WEST",
    "DC_E",
    "DC_L",
    "DC_N",
    "DC_R",
)

RESOURCE_NODES = (
    "CBY_CBY_G1",
    "CBY_CBY_G2",
    "CPSES_UNIT1",
    "ODEHW_ODEHW_G1",
    "PECOS_SLR1_RN",
    "SANMIGL_G1",
    "SANMIGL_G2",
    "SBATT_ESS1",
    "SPLAIN_WND_RN",
    "SWEETWND_WND1",
    "SWEETWND_WND2",
    "WAP_WAP_G7",
)
LOAD_ZONES = ("LZ_AEN", "LZ_CPS", "LZ_HOUSTON", "LZ_NORTH", "LZ_RAYBN", "LZ_SOUTH", "LZ_WEST")
TRADING_HUBS = ("HB_HOUSTON", "HB_NORTH", "HB_PAN", "HB_SOUTH", "HB_WEST")
HUB_AVERAGES = ("HB_BUSAVG", "HB_HUBAVG")
DC_TIES = ("DC_E", "DC_L", "DC_N", "DC_R")

STAMP = dt.datetime(2026, 2, 20, 9, 41, 22)
FOLDER = "SP_List_EB_Mapping"


def stamp_text(stamp: dt.datetime) -> str:
    return stamp.strftime("%m%d%Y_%H%M%S")


def table(header: str, rows: tuple[tuple[str, ...], ...] | tuple[str, ...]) -> bytes:
    lines = [header] + [r if isinstance(r, str) else ",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def members(
    stamp: dt.datetime = STAMP,
    buses: tuple[tuple[str, ...], ...] = BUSES,
    settlement_points: bytes | None = None,
) -> dict[str, bytes]:
    """The five tables, by ERCOT's member name (``<table>_<stamp>.csv``)."""
    s = stamp_text(stamp)
    return {
        f"CCP_Resource_Names_{s}.csv": table(CCP_HEADER, CCP_ROWS),
        f"Hub_Name_AND_DC_Ties_{s}.csv": table(HUB_HEADER, HUB_ROWS),
        f"NOIE_Mapping_{s}.csv": table(NOIE_HEADER, NOIE_ROWS),
        f"Resource_Node_to_Unit_{s}.csv": table(UNITS_HEADER, UNIT_ROWS),
        f"Settlement_Points_{s}.csv": settlement_points
        if settlement_points is not None
        else table(SETTLEMENT_POINTS_HEADER, buses),
    }


def zip_bytes(tables: dict[str, bytes], folder: str = FOLDER) -> bytes:
    """A zip of ``tables`` under ``folder/`` with fixed member times (deterministic bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in tables.items():
            info = zipfile.ZipInfo(f"{folder}/{name}" if folder else name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def write_zip(path: Path, stamp: dt.datetime = STAMP, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zip_bytes(members(stamp, **kwargs)))
    return path


def write_loose(folder: Path, stamp: dt.datetime = STAMP) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in members(stamp).items():
        (folder / name).write_bytes(data)
        out.append(folder / name)
    return out
