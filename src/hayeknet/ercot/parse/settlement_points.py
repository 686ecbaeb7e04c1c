"""ERCOT's settlement point / electrical bus mapping (NP4-160-SG) read into a :class:`SettlementPointMap`.

ERCOT posts NP4-160-SG, "Settlement Points List and Electrical Buses Mapping"
(MIS report type 10008), as one zip per network-model version, holding CSV
tables (in a folder ``SP_List_EB_Mapping/``, names stamped ``_MMDDYYYY_HHMMSS``):

* ``Settlement_Points_<stamp>.csv``: one row per electrical bus,
  ``ELECTRICAL_BUS,NODE_NAME,PSSE_BUS_NAME,VOLTAGE_LEVEL,SUBSTATION,SETTLEMENT_LOAD_ZONE,RESOURCE_NODE,HUB_BUS_NAME,HUB,PSSE_BUS_NUMBER``;
  ``RESOURCE_NODE`` names the resource node settled at the bus, ``HUB`` the
  trading hub the bus is a hub bus of (both mostly empty);
* ``Hub_Name_AND_DC_Ties_<stamp>.csv``: ``NAME``, the hub and DC-tie settlement points;
* ``NOIE_Mapping_<stamp>.csv``: ``PHYSICAL_LOAD,NOIE,VOLTAGE_NAME,SUBSTATION,ELECTRICAL_BUS``,
  the buses of the non-opt-in-entity load zones (``LZ_AEN``, ``LZ_CPS``, ``LZ_LCRA``, ``LZ_RAYBN``);
* ``Resource_Node_to_Unit_<stamp>.csv``: ``RESOURCE_NODE,UNIT_SUBSTATION,UNIT_NAME``;
* ``CCP_Resource_Names_<stamp>.csv``: ``CCP_NAME,LOGICALREOURCENODENAME`` (ERCOT's spelling).

A table is recognised by its header (its columns, in any order, extra columns
allowed), never by its name; the stamp in the Settlement_Points member's name
is the posting time (America/Chicago wall clock). What was verified where, and
what is inferred, is in ADR 0013.

:func:`read_settlement_point_map` turns the tables into settlement points
(:class:`MappedPoint`): every ``RESOURCE_NODE`` (at its buses: substation,
voltage, settlement load zone), every ``SETTLEMENT_LOAD_ZONE`` and NOIE load
zone, every ``HUB`` (with its hub buses), and the names of
``Hub_Name_AND_DC_Ties``: ``HB_HUBAVG``/``HB_BUSAVG`` are hub averages (of the
four zone hubs: NPRR 817 excludes ``HB_PAN``), ``DC_*`` DC ties. Each load zone
gets its trading hub (:attr:`SettlementPointMap.zone_hubs`, the rule used in
:attr:`SettlementPointMap.zone_hub_rules`): ``LZ_<X>`` -> ``HB_<X>`` when the
mapping has that hub; a NOIE zone -> the hub of the settlement load zone most
of its buses are in; otherwise the hub with most hub buses in the zone; else
none. Every defect raises :class:`MappingFormatError` naming file, member, row
and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import pandas as pd

from hayeknet.ercot.locations import HUB_AVERAGE, LOAD_ZONE, LOAD_ZONE_DC, RESOURCE_NODE, TRADING_HUB
from hayeknet.ercot.reports import NP4_160, ReportFormatError, clean_header

__all__ = [
    "HUB_AVERAGE_MEMBERS",
    "MEMBER_COLUMNS",
    "ElectricalBus",
    "MappedPoint",
    "MappingFiles",
    "MappingFormatError",
    "SettlementPointMap",
    "detect_mapping",
    "find_settlement_point_map",
    "mapping_postings",
    "posting_stamp",
    "read_settlement_point_map",
    "settlement_point_map_from_members",
    "zip_posting_stamp",
]

SETTLEMENT_POINTS, HUB_NAMES, NOIE, RN_UNITS, CCP = NP4_160.members
MEMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    SETTLEMENT_POINTS: (
        "ELECTRICAL_BUS",
        "NODE_NAME",
        "PSSE_BUS_NAME",
        "VOLTAGE_LEVEL",
        "SUBSTATION",
        "SETTLEMENT_LOAD_ZONE",
        "RESOURCE_NODE",
        "HUB_BUS_NAME",
        "HUB",
        "PSSE_BUS_NUMBER",
    ),
    NOIE: ("PHYSICAL_LOAD", "NOIE", "VOLTAGE_NAME", "SUBSTATION", "ELECTRICAL_BUS"),
    RN_UNITS: ("RESOURCE_NODE", "UNIT_SUBSTATION", "UNIT_NAME"),
    CCP: ("CCP_NAME", "LOGICALREOURCENODENAME"),
    HUB_NAMES: ("NAME",),
}
"""The columns of each NP4-160-SG table (ERCOT's exact names, ``LOGICALREOURCENODENAME`` sic), widest first."""

HUB_AVERAGE_MEMBERS: tuple[str, ...] = ("HB_HOUSTON", "HB_NORTH", "HB_SOUTH", "HB_WEST")
"""The hubs ``HB_HUBAVG`` and ``HB_BUSAVG`` average (ERCOT Protocols 3.5.2; NPRR 817 keeps ``HB_PAN`` out)."""

_HUB_AVERAGE_NAMES = frozenset({"HB_HUBAVG", "HB_BUSAVG"})
_STAMP = re.compile(r"_(\d{2})(\d{2})(\d{4})_(\d{2})(\d{2})(\d{2})\.csv$", re.IGNORECASE)


class MappingFormatError(ReportFormatError):
    """An NP4-160-SG file that cannot be read: names the file, the zip member, the 1-based data row and the field."""

    def __init__(self, file: str, member: str | None, row: int | None, field: str | None, message: str) -> None:
        self.file = str(file)
        self.member = member
        self.row = row
        self.field = field
        self.message = message
        self.sheet = None
        where = self.file
        if member is not None and member != self.file:
            where += f", member {member}"
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field}"
        ValueError.__init__(self, f"{where}: {message}")

    def __reduce__(self):  # keep picklable
        return (type(self), (self.file, self.member, self.row, self.field, self.message))


@dataclass(frozen=True)
class ElectricalBus:
    """One row of ``Settlement_Points``: an electrical bus (``None`` where ERCOT leaves the cell empty).

    ``noie_load_zone`` is added from ``NOIE_Mapping`` (the NOIE load zone of a bus listed there).
    """

    electrical_bus: str
    node_name: str | None
    psse_bus_name: str | None
    voltage_kv: float | None
    substation: str | None
    settlement_load_zone: str | None
    resource_node: str | None
    hub_bus_name: str | None
    hub: str | None
    psse_bus_number: int | None
    noie_load_zone: str | None = None


@dataclass(frozen=True)
class MappedPoint:
    """A settlement point as the mapping places it.

    ``location_type`` is a normalized location type (``Resource Node``, ``Load
    Zone``, ``Trading Hub``, ``Hub Average``, ``Load Zone DC Tie``);
    ``electrical_buses`` the buses of a resource node (or DC tie) or the hub
    buses of a trading hub (empty for load zones and hub averages);
    ``substation`` and ``voltage_kv`` those of a resource node's buses (the most
    common substation, the highest voltage); ``settlement_load_zone`` the load
    zone of its buses (a load zone: itself); ``hub`` the trading hub of that
    load zone (a trading hub: itself; ``None`` for a hub average and where the
    mapping gives none).
    """

    name: str
    location_type: str
    electrical_buses: tuple[str, ...] = ()
    substation: str | None = None
    voltage_kv: float | None = None
    settlement_load_zone: str | None = None
    hub: str | None = None


@dataclass(frozen=True)
class SettlementPointMap:
    """NP4-160-SG read: the electrical buses, the settlement points placed on them and the load zones' hubs.

    ``source`` names the file(s) read; ``posted`` is the posting stamp of the
    ``Settlement_Points`` member (America/Chicago wall clock; ``None`` when its
    name carries none); ``points`` the settlement points by name;
    ``zone_hubs`` the trading hub of each load zone that has one (``zone_hub_rules``:
    how it was found); ``hub_averages`` the hubs each hub average averages;
    ``units`` the (substation, unit) pairs of a resource node
    (``Resource_Node_to_Unit``); ``combined_cycle`` the plant of a logical
    combined-cycle resource node (``CCP_Resource_Names``; such nodes are not
    placed: the tables give them no bus); ``notes`` what was ignored.
    """

    source: str
    posted: dt.datetime | None
    members: tuple[str, ...]
    buses: tuple[ElectricalBus, ...] = field(repr=False)
    points: Mapping[str, MappedPoint] = field(repr=False)
    zone_hubs: Mapping[str, str]
    zone_hub_rules: Mapping[str, str] = field(repr=False)
    hub_averages: Mapping[str, tuple[str, ...]] = field(repr=False)
    units: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, repr=False)
    combined_cycle: Mapping[str, str] = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()

    @property
    def posting_day(self) -> dt.date | None:
        """The day of the posting stamp (America/Chicago)."""
        return self.posted.date() if self.posted is not None else None

    @property
    def names(self) -> tuple[str, ...]:
        """Settlement point names, sorted."""
        return tuple(sorted(self.points))

    def point(self, name: str) -> MappedPoint | None:
        return self.points.get(name)

    def to_frame(self) -> pd.DataFrame:
        """One row per settlement point: ``settlement_point, location_type, electrical_buses`` (``|``-joined),
        ``substation, voltage_kv, settlement_load_zone, hub``; sorted by name."""
        rows = [
            {
                "settlement_point": p.name,
                "location_type": p.location_type,
                "electrical_buses": "|".join(p.electrical_buses),
                "substation": p.substation,
                "voltage_kv": p.voltage_kv,
                "settlement_load_zone": p.settlement_load_zone,
                "hub": p.hub,
            }
            for p in sorted(self.points.values(), key=lambda p: p.name)
        ]
        frame = pd.DataFrame(
            rows,
            columns=[
                "settlement_point",
                "location_type",
                "electrical_buses",
                "substation",
                "voltage_kv",
                "settlement_load_zone",
                "hub",
            ],
        )
        return frame.astype({"voltage_kv": float})


# --- reading the files ---------------------------------------------------------------------------


def posting_stamp(member_name: str) -> dt.datetime | None:
    """The ``_MMDDYYYY_HHMMSS`` stamp of an NP4-160-SG member name (``None`` when absent or not a time)."""
    match = _STAMP.search(PurePosixPath(member_name).name)
    if not match:
        return None
    month, day, year, hour, minute, second = (int(g) for g in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


_RECOGNISED_BY: dict[str, frozenset[str]] = {
    SETTLEMENT_POINTS: frozenset({"ELECTRICAL_BUS", "SETTLEMENT_LOAD_ZONE"}),
    NOIE: frozenset({"NOIE", "ELECTRICAL_BUS"}),
    RN_UNITS: frozenset({"UNIT_NAME"}),
    CCP: frozenset({"CCP_NAME"}),
    HUB_NAMES: frozenset({"NAME"}),
}
"""Columns that tell the tables apart (the rest of :data:`MEMBER_COLUMNS` is then required, naming what lacks)."""


def _table_kind(header: Sequence[str]) -> str | None:
    columns = {c.upper() for c in header}
    for kind, keys in _RECOGNISED_BY.items():
        if keys <= columns:
            return kind
    return None


def _first_line(data: bytes) -> list[str]:
    text = data[: (data.find(b"\n") + 1) or len(data)].decode("utf-8-sig", errors="replace")
    return list(clean_header(next(csv.reader([text.strip()]), [])))


def _is_zip(data: bytes, name: str) -> bool:
    return data[:2] == b"PK" or name.lower().endswith(".zip")


def _zip_members(data: bytes, name: str) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {
                m.filename: zf.read(m) for m in zf.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")
            }
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise MappingFormatError(name, None, None, None, f"corrupt zip archive: {exc}") from None


def detect_mapping(path: str | Path) -> str | None:
    """What an NP4-160-SG file is: ``"zip"`` (a posting: a zip holding a Settlement_Points table), the table
    name of a loose member CSV (``"Settlement_Points"``, ``"NOIE_Mapping"``, ...), or ``None`` (not NP4-160-SG).

    Reads the zip's listing and each CSV's first line only; an unreadable file is ``None``.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                for m in zf.infolist():
                    if m.is_dir() or not m.filename.lower().endswith(".csv"):
                        continue
                    with zf.open(m) as fh:
                        if _table_kind(_first_line(fh.readline())) == SETTLEMENT_POINTS:
                            return "zip"
            return None
        if path.suffix.lower() == ".csv":
            with open(path, "rb") as fh:
                return _table_kind(_first_line(fh.readline()))
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        return None
    return None


def read_settlement_point_map(*paths: str | Path) -> SettlementPointMap:
    """Read NP4-160-SG from ERCOT's zip, from its member CSVs (loose, several paths), or from a folder
    holding either (e.g. ``data/raw/np4-160-sg/<posting day>/``; several postings there: the newest).

    Raises :class:`MappingFormatError` naming file, member, row and field.
    """
    if not paths:
        raise ValueError("read_settlement_point_map needs a file or folder")
    files: list[Path] = []
    for p in (Path(p) for p in paths):
        if p.is_dir():
            postings = _postings_in([p])
            if not postings:
                raise MappingFormatError(str(p), None, None, None, "folder holds no NP4-160-SG file")
            files.extend(postings[-1].paths)
        else:
            files.append(p)
    members: dict[str, bytes] = {}
    labels: list[str] = []
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise MappingFormatError(f.name, None, None, None, f"cannot read file: {exc}") from None
        labels.append(f.name)
        if _is_zip(data, f.name):
            members.update({f"{f.name}:{m}": b for m, b in _zip_members(data, f.name).items()})
        else:
            members[f.name] = data
    return settlement_point_map_from_members(members, ", ".join(labels))


def _member_label(key: str) -> tuple[str, str]:
    """(file, member) of a member key ``file:member`` (a loose CSV: both its name)."""
    file, sep, member = key.partition(":")
    return (file, member) if sep else (key, key)


def _read_table(key: str, data: bytes, kind: str) -> tuple[list[str], list[tuple[int, dict[str, str | None]]]]:
    """Header and data rows (1-based row number, column -> stripped value or ``None``) of one member."""
    file, member = _member_label(key)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MappingFormatError(file, member, None, None, f"not UTF-8 text: {exc}") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [c.upper() for c in clean_header(next(reader))]
    except StopIteration:
        raise MappingFormatError(file, member, 0, "header", "empty member (no header row)") from None
    missing = [c for c in MEMBER_COLUMNS[kind] if c not in header]
    if missing:
        raise MappingFormatError(file, member, 0, "header", f"{kind} table lacks column(s) {', '.join(missing)}")
    dupes = sorted(c for c, n in Counter(header).items() if n > 1 and c)
    if dupes:
        raise MappingFormatError(file, member, 0, "header", f"column(s) {', '.join(dupes)} appear twice")
    rows: list[tuple[int, dict[str, str | None]]] = []
    for i, row in enumerate(reader, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MappingFormatError(file, member, i, None, f"row has {len(row)} fields, expected {len(header)}")
        rows.append((i, {c: (v.strip() or None) for c, v in zip(header, row)}))
    return header, rows


def _number(value: str | None, key: str, row: int, column: str, integer: bool = False) -> float | int | None:
    if value is None:
        return None
    file, member = _member_label(key)
    try:
        number: float | int = int(value) if integer else float(value)
    except ValueError:
        what = "an integer" if integer else "a number"
        raise MappingFormatError(file, member, row, column, f"{value!r} is not {what}") from None
    if not integer and (not math.isfinite(number) or number < 0):
        raise MappingFormatError(file, member, row, column, f"{value!r} is not a voltage in kV (finite, >= 0)")
    return number


def _prefixed(value: str | None, prefix: str, key: str, row: int, column: str) -> str | None:
    if value is None:
        return None
    name = value.upper()
    if not name.startswith(prefix):
        file, member = _member_label(key)
        raise MappingFormatError(file, member, row, column, f"{value!r} does not start with {prefix!r}")
    return name


def _classify_members(members: Mapping[str, bytes]) -> tuple[dict[str, str], list[str]]:
    """Table kind -> member key; notes for members that are no NP4-160-SG table."""
    found: dict[str, str] = {}
    notes: list[str] = []
    for key in sorted(members):
        kind = _table_kind(_first_line(members[key]))
        file, member = _member_label(key)
        if kind is None:
            notes.append(f"{member}: header matches no NP4-160-SG table; ignored")
            continue
        if kind in found:
            raise MappingFormatError(
                file, member, 0, "header", f"a second {kind} table (the first is {_member_label(found[kind])[1]})"
            )
        found[kind] = key
    return found, notes


def settlement_point_map_from_members(members: Mapping[str, bytes], source: str) -> SettlementPointMap:
    """Build the map from NP4-160-SG tables (member key -> bytes; key ``file:member`` for a zip member).

    ``Settlement_Points`` is required; the other tables are optional (without
    ``Hub_Name_AND_DC_Ties`` there are no hub averages nor unplaced DC ties,
    without ``NOIE_Mapping`` no NOIE load zones).
    """
    found, notes = _classify_members(members)
    if SETTLEMENT_POINTS not in found:
        listed = ", ".join(_member_label(k)[1] for k in sorted(members)) or "nothing"
        raise MappingFormatError(
            source, None, None, None, f"holds no Settlement_Points table (ELECTRICAL_BUS, ...); holds {listed}"
        )
    builder = _Builder(source)
    sp_key = found[SETTLEMENT_POINTS]
    builder.read_buses(sp_key, members[sp_key])
    if NOIE in found:
        builder.read_noie(found[NOIE], members[found[NOIE]])
    if HUB_NAMES in found:
        builder.read_hub_names(found[HUB_NAMES], members[found[HUB_NAMES]])
    if RN_UNITS in found:
        builder.read_units(found[RN_UNITS], members[found[RN_UNITS]])
    if CCP in found:
        builder.read_ccp(found[CCP], members[found[CCP]])
    return builder.build(
        posted=posting_stamp(_member_label(sp_key)[1]),
        members=tuple(_member_label(found[k])[1] for k in MEMBER_COLUMNS if k in found),
        notes=notes,
    )


class _Builder:
    """Accumulates the tables, then places the settlement points (:meth:`build`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.buses: list[ElectricalBus] = []
        self.noie_buses: dict[str, set[str]] = {}  # NOIE load zone -> electrical buses
        self.noie_of_bus: dict[str, str] = {}
        self.hub_names: list[tuple[str, str, int]] = []  # (name, member key, row)
        self.units: dict[str, list[tuple[str, str]]] = {}
        self.combined_cycle: dict[str, str] = {}
        self.origin: dict[str, tuple[str, str, int, str]] = {}  # name -> (type, member key, row, column)
        self.notes: list[str] = []

    def _claim(self, name: str, kind: str, key: str, row: int, column: str) -> None:
        """Record ``name`` as a settlement point of ``kind``; a name of two kinds is an error."""
        have = self.origin.get(name)
        if have is None:
            self.origin[name] = (kind, key, row, column)
            return
        if have[0] != kind:
            file, member = _member_label(key)
            first = f"{_member_label(have[1])[1]} row {have[2]} field {have[3]}"
            raise MappingFormatError(file, member, row, column, f"{name!r} is a {kind} here but a {have[0]} at {first}")

    def read_buses(self, key: str, data: bytes) -> None:
        _, rows = _read_table(key, data, SETTLEMENT_POINTS)
        file, member = _member_label(key)
        seen: dict[str, int] = {}
        for i, r in rows:
            bus = r["ELECTRICAL_BUS"]
            if bus is None:
                raise MappingFormatError(file, member, i, "ELECTRICAL_BUS", "empty electrical bus name")
            if bus in seen:
                raise MappingFormatError(
                    file, member, i, "ELECTRICAL_BUS", f"electrical bus {bus!r} listed twice (first at row {seen[bus]})"
                )
            seen[bus] = i
            zone = _prefixed(r["SETTLEMENT_LOAD_ZONE"], "LZ_", key, i, "SETTLEMENT_LOAD_ZONE")
            hub = _prefixed(r["HUB"], "HB_", key, i, "HUB")
            voltage = _number(r["VOLTAGE_LEVEL"], key, i, "VOLTAGE_LEVEL")
            number = _number(r["PSSE_BUS_NUMBER"], key, i, "PSSE_BUS_NUMBER", integer=True)
            node = r["RESOURCE_NODE"]
            if zone is not None:
                self._claim(zone, LOAD_ZONE, key, i, "SETTLEMENT_LOAD_ZONE")
            if hub is not None:
                self._claim(hub, TRADING_HUB, key, i, "HUB")
            if node is not None:
                kind = LOAD_ZONE_DC if node.upper().startswith("DC_") else RESOURCE_NODE
                self._claim(node, kind, key, i, "RESOURCE_NODE")
            self.buses.append(
                ElectricalBus(
                    electrical_bus=bus,
                    node_name=r["NODE_NAME"],
                    psse_bus_name=r["PSSE_BUS_NAME"],
                    voltage_kv=None if voltage is None else float(voltage),
                    substation=r["SUBSTATION"],
                    settlement_load_zone=zone,
                    resource_node=node,
                    hub_bus_name=r["HUB_BUS_NAME"],
                    hub=hub,
                    psse_bus_number=None if number is None else int(number),
                )
            )

    def read_noie(self, key: str, data: bytes) -> None:
        _, rows = _read_table(key, data, NOIE)
        file, member = _member_label(key)
        for i, r in rows:
            zone, bus = r["NOIE"], r["ELECTRICAL_BUS"]
            if zone is None:
                raise MappingFormatError(file, member, i, "NOIE", "empty NOIE load zone")
            if bus is None:
                raise MappingFormatError(file, member, i, "ELECTRICAL_BUS", "empty electrical bus name")
            zone = zone.upper() if zone.upper().startswith("LZ_") else f"LZ_{zone.upper()}"
            other = self.noie_of_bus.get(bus)
            if other is not None and other != zone:
                raise MappingFormatError(
                    file, member, i, "NOIE", f"electrical bus {bus!r} is in NOIE load zones {other} and {zone}"
                )
            self._claim(zone, LOAD_ZONE, key, i, "NOIE")
            self.noie_of_bus[bus] = zone
            self.noie_buses.setdefault(zone, set()).add(bus)

    def read_hub_names(self, key: str, data: bytes) -> None:
        _, rows = _read_table(key, data, HUB_NAMES)
        file, member = _member_label(key)
        for i, r in rows:
            name = r["NAME"]
            if name is None:
                raise MappingFormatError(file, member, i, "NAME", "empty hub or DC tie name")
            name = name.upper()
            if name.startswith("DC_"):
                self._claim(name, LOAD_ZONE_DC, key, i, "NAME")
            elif name in _HUB_AVERAGE_NAMES:
                self._claim(name, HUB_AVERAGE, key, i, "NAME")
            elif name.startswith("HB_"):
                self._claim(name, TRADING_HUB, key, i, "NAME")
            else:
                self.notes.append(f"{member} row {i}: {name!r} is neither a hub (HB_) nor a DC tie (DC_); ignored")
                continue
            self.hub_names.append((name, key, i))

    def read_units(self, key: str, data: bytes) -> None:
        _, rows = _read_table(key, data, RN_UNITS)
        for _, r in rows:
            node, substation, unit = r["RESOURCE_NODE"], r["UNIT_SUBSTATION"], r["UNIT_NAME"]
            if node is not None:
                self.units.setdefault(node, []).append((substation or "", unit or ""))

    def read_ccp(self, key: str, data: bytes) -> None:
        _, rows = _read_table(key, data, CCP)
        for _, r in rows:
            plant, logical = r["CCP_NAME"], r["LOGICALREOURCENODENAME"]
            if plant is not None and logical is not None:
                self.combined_cycle[logical] = plant

    # --- placing the settlement points ---------------------------------------------------------

    def build(self, posted: dt.datetime | None, members: tuple[str, ...], notes: list[str]) -> SettlementPointMap:
        buses = [
            b if b.electrical_bus not in self.noie_of_bus else _with_noie(b, self.noie_of_bus[b.electrical_bus])
            for b in self.buses
        ]
        known = {b.electrical_bus for b in buses}
        unknown_noie = sorted(set(self.noie_of_bus) - known)
        if unknown_noie:
            self.notes.append(
                f"NOIE_Mapping names {len(unknown_noie)} electrical bus(es) not in Settlement_Points "
                f"(e.g. {unknown_noie[0]!r}); they place nothing"
            )
        trading_hubs = sorted(n for n, (kind, *_rest) in self.origin.items() if kind == TRADING_HUB)
        zones = sorted(n for n, (kind, *_rest) in self.origin.items() if kind == LOAD_ZONE)
        zone_hubs, rules = self._zone_hubs(buses, zones, set(trading_hubs))
        points: dict[str, MappedPoint] = {}
        for zone in zones:
            points[zone] = MappedPoint(zone, LOAD_ZONE, settlement_load_zone=zone, hub=zone_hubs.get(zone))
        for hub in trading_hubs:
            members_ = [b for b in buses if b.hub == hub]
            kv = [b.voltage_kv for b in members_ if b.voltage_kv is not None]
            points[hub] = MappedPoint(
                hub,
                TRADING_HUB,
                electrical_buses=tuple(sorted(b.electrical_bus for b in members_)),
                voltage_kv=max(kv) if kv else None,
                hub=hub,
            )
        by_node: dict[str, list[ElectricalBus]] = {}
        for b in buses:
            if b.resource_node is not None:
                by_node.setdefault(b.resource_node, []).append(b)
        for node, at in by_node.items():
            points[node] = _node_point(node, self.origin[node][0], at, zone_hubs)
        hub_averages: dict[str, tuple[str, ...]] = {}
        for name, _key, _row in self.hub_names:
            kind = self.origin[name][0]
            if name in points:
                continue
            if kind == HUB_AVERAGE:
                hub_averages[name] = tuple(h for h in HUB_AVERAGE_MEMBERS if h in trading_hubs)
                points[name] = MappedPoint(name, HUB_AVERAGE)
            elif kind == LOAD_ZONE_DC:
                points[name] = MappedPoint(name, LOAD_ZONE_DC)  # no bus: not placed in a load zone
        unplaced_zones = [z for z in zones if z not in zone_hubs]
        if unplaced_zones:
            self.notes.append(f"no trading hub found for load zone(s) {', '.join(unplaced_zones)}")
        return SettlementPointMap(
            source=self.source,
            posted=posted,
            members=members,
            buses=tuple(buses),
            points=dict(sorted(points.items())),
            zone_hubs=zone_hubs,
            zone_hub_rules=rules,
            hub_averages=hub_averages,
            units={k: tuple(v) for k, v in sorted(self.units.items())},
            combined_cycle=dict(sorted(self.combined_cycle.items())),
            notes=tuple(notes + self.notes),
        )

    def _zone_hubs(
        self, buses: Sequence[ElectricalBus], zones: Sequence[str], hubs: set[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Trading hub of each load zone, and the rule that found it (module docstring)."""
        out: dict[str, str] = {}
        rules: dict[str, str] = {}
        for zone in zones:  # 1. ERCOT's naming: LZ_<X> is the load zone of hub HB_<X>
            if f"HB_{zone[3:]}" in hubs:
                out[zone], rules[zone] = f"HB_{zone[3:]}", "name (LZ_<X> -> HB_<X>)"
        bus_zone = {b.electrical_bus: b.settlement_load_zone for b in buses}
        for zone in zones:  # 2. a NOIE zone: the settlement load zone most of its buses are in
            if zone in out or zone not in self.noie_buses:
                continue
            counts = Counter(
                z for bus in self.noie_buses[zone] if (z := bus_zone.get(bus)) is not None and z != zone and z in out
            )
            if counts:
                major = _most_common(counts)
                share = counts[major] / sum(counts.values())
                out[zone] = out[major]
                rules[zone] = f"NOIE buses: {share:.0%} of its mapped buses are in {major}"
        for zone in zones:  # 3. the hub with most hub buses in the zone
            if zone in out:
                continue
            in_zone = self.noie_buses.get(zone, set())
            counts = Counter(
                b.hub
                for b in buses
                if b.hub is not None and (b.settlement_load_zone == zone or b.electrical_bus in in_zone)
            )
            if counts:
                major = _most_common(counts)
                out[zone], rules[zone] = major, f"hub buses: {counts[major]} of {sum(counts.values())} in the zone"
        return out, rules


def _most_common(counts: Counter[str]) -> str:
    """The most frequent key; ties go to the first name in sorted order."""
    top = max(counts.values())
    return min(k for k, n in counts.items() if n == top)


def _with_noie(bus: ElectricalBus, zone: str) -> ElectricalBus:
    return replace(bus, noie_load_zone=zone)


def _node_point(name: str, kind: str, at: Sequence[ElectricalBus], zone_hubs: Mapping[str, str]) -> MappedPoint:
    """A resource node (or DC tie) at its buses: their most common load zone, then substation within it."""
    zones = Counter(b.settlement_load_zone for b in at if b.settlement_load_zone is not None)
    zone = _most_common(zones) if zones else None
    in_zone = [b for b in at if b.settlement_load_zone == zone]
    subs = Counter(b.substation for b in in_zone if b.substation is not None)
    kv = [b.voltage_kv for b in at if b.voltage_kv is not None]
    return MappedPoint(
        name,
        kind,
        electrical_buses=tuple(sorted(b.electrical_bus for b in at)),
        substation=_most_common(subs) if subs else None,
        voltage_kv=max(kv) if kv else None,
        settlement_load_zone=zone,
        hub=zone_hubs.get(zone) if zone is not None else None,
    )


# --- postings in the raw layout ------------------------------------------------------------------


@dataclass(frozen=True)
class MappingFiles:
    """One NP4-160-SG posting on disk: its zip, or its loose member CSVs (sharing one stamp)."""

    day: dt.date
    posted: dt.datetime | None
    paths: tuple[Path, ...]

    def read(self) -> SettlementPointMap:
        return read_settlement_point_map(*self.paths)


def zip_posting_stamp(path: Path) -> dt.datetime | None:
    """The newest ``_MMDDYYYY_HHMMSS`` stamp among a zip's member names (``None``: none, or not a zip)."""
    try:
        with zipfile.ZipFile(path) as zf:
            stamps = [posting_stamp(m.filename) for m in zf.infolist() if _STAMP.search(m.filename)]
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        return None
    found = [s for s in stamps if s is not None]
    return max(found) if found else None


def _postings_in(folders: Iterable[Path]) -> list[MappingFiles]:
    """Postings in ``folders`` (each named by its posting day when it is one), oldest first."""
    out: list[MappingFiles] = []
    for folder in folders:
        try:
            folder_day: dt.date | None = dt.date.fromisoformat(folder.name)
        except ValueError:
            folder_day = None
        loose: dict[dt.datetime | None, list[Path]] = {}
        for p in sorted(folder.iterdir()):
            if p.name.startswith(".") or not p.is_file():
                continue
            kind = detect_mapping(p)
            if kind == "zip":
                stamp = zip_posting_stamp(p)
                day = folder_day or (stamp.date() if stamp else None)
                if day is not None:
                    out.append(MappingFiles(day, stamp, (p,)))
            elif kind is not None:
                loose.setdefault(posting_stamp(p.name), []).append(p)
        for stamp, paths in loose.items():
            day = folder_day or (stamp.date() if stamp else None)
            if day is not None and any(detect_mapping(p) == SETTLEMENT_POINTS for p in paths):
                out.append(MappingFiles(day, stamp, tuple(paths)))
    return sorted(out, key=lambda m: (m.day, m.posted or dt.datetime.min, m.paths))


def mapping_postings(raw_root: str | Path) -> list[MappingFiles]:
    """Every NP4-160-SG posting under ``<raw_root>/np4-160-sg/<posting day>/``, oldest first."""
    base = Path(raw_root) / NP4_160.dir_name
    if not base.is_dir():
        return []
    return _postings_in(sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")))


def find_settlement_point_map(raw_root: str | Path, day: dt.date | str) -> MappingFiles | None:
    """The newest posting of NP4-160-SG under ``raw_root`` posted on or before ``day``; ``None`` when none is."""
    d = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    eligible = [m for m in mapping_postings(raw_root) if m.day <= d]
    return eligible[-1] if eligible else None
