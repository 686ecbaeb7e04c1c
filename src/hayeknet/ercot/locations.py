"""Settlement-point types and the settlement-point catalogue of the synthetic source.

NP6-905-CD carries a ``SettlementPointType`` code per row; the codes map to the
location types of the normalized table (ADR 0001). NP6-788-CD and NP4-190-CD
carry no type, so it is inferred from ERCOT's naming conventions (``HB_*``
trading hubs, ``HB_HUBAVG``/``HB_BUSAVG`` hub averages, ``LZ_*`` load zones,
``DC_*`` DC-tie load zones, anything else a resource node).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

TRADING_HUB = "Trading Hub"
HUB_AVERAGE = "Hub Average"
LOAD_ZONE = "Load Zone"
LOAD_ZONE_EW = "Load Zone Energy Weighted"
LOAD_ZONE_DC = "Load Zone DC Tie"
LOAD_ZONE_DC_EW = "Load Zone DC Tie Energy Weighted"
RESOURCE_NODE = "Resource Node"
SYSTEM = "System"

LOCATION_TYPES: tuple[str, ...] = (
    TRADING_HUB,
    HUB_AVERAGE,
    LOAD_ZONE,
    LOAD_ZONE_EW,
    LOAD_ZONE_DC,
    LOAD_ZONE_DC_EW,
    RESOURCE_NODE,
    SYSTEM,
)
"""Every ``location_type`` value of the normalized table."""

SETTLEMENT_POINT_TYPE_CODES: dict[str, str] = {
    "HU": TRADING_HUB,  # trading hub
    "SH": HUB_AVERAGE,  # ERCOT 345 kV hub-bus average (HB_BUSAVG)
    "AH": HUB_AVERAGE,  # ERCOT hub average (HB_HUBAVG)
    "LZ": LOAD_ZONE,  # congestion load zone
    "LZEW": LOAD_ZONE_EW,  # load zone, energy-weighted price
    "LZ_DC": LOAD_ZONE_DC,  # DC-tie load zone
    "LZDC": LOAD_ZONE_DC,
    "LZDCEW": LOAD_ZONE_DC_EW,
    "LZ_DCEW": LOAD_ZONE_DC_EW,
    "RN": RESOURCE_NODE,  # resource node
    "PCCRN": RESOURCE_NODE,  # physical resource node of a combined cycle
    "LCCRN": RESOURCE_NODE,  # logical resource node of a combined-cycle plant
    "PUN": RESOURCE_NODE,  # private-use-network resource node
}
"""NP6-905-CD ``SettlementPointType`` code -> normalized location type."""

HUB_AVERAGE_NAMES = frozenset({"HB_HUBAVG", "HB_BUSAVG"})


class UnknownSettlementPointType(KeyError):
    """A ``SettlementPointType`` code outside :data:`SETTLEMENT_POINT_TYPE_CODES`."""


def strings_from_codes(codes: np.ndarray, categories: Sequence[str]) -> pd.Series:
    """A pandas ``str`` Series of ``categories[codes]`` (code -1 -> NA), built in Arrow.

    Much faster than converting an object array of Python strings: the
    values are taken from a dictionary array of the distinct strings.
    """
    codes = np.asarray(codes, dtype=np.int32)
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array(codes, mask=codes < 0), pa.array(list(categories), type=pa.large_string())
    )
    return pd.Series(pd.array(dictionary.cast(pa.large_string()), dtype="str"))


def _types_per_row(codes: np.ndarray, unique_types: list[str | None]) -> pd.Series:
    index = {t: i for i, t in enumerate(LOCATION_TYPES)}
    type_codes = np.array([index.get(t, -1) if t is not None else -1 for t in unique_types], dtype=np.int32)
    per_row = type_codes[codes] if len(codes) else np.zeros(0, dtype=np.int32)
    return strings_from_codes(per_row, LOCATION_TYPES)


def type_from_code(codes: pd.Series) -> pd.Series:
    """Map NP6-905-CD type codes to location types; unknown codes become NA. Works per distinct code."""
    row_codes, uniques = pd.factorize(codes.astype("str").str.strip().str.upper())
    types = _types_per_row(row_codes, [SETTLEMENT_POINT_TYPE_CODES.get(str(u)) for u in uniques])
    types.index = codes.index
    return types


def type_from_name(names: pd.Series) -> pd.Series:
    """Infer location types from settlement-point names (reports without a type column).

    ``HB_HUBAVG``/``HB_BUSAVG`` -> Hub Average, other ``HB_*`` -> Trading Hub,
    ``LZ_*`` -> Load Zone, ``DC_*`` -> Load Zone DC Tie, else Resource Node.
    Works on the distinct names only.
    """
    row_codes, uniques = pd.factorize(names.astype("str"))
    u = pd.Series(uniques, dtype="str")
    inferred = np.select(
        [u.isin(HUB_AVERAGE_NAMES), u.str.startswith("HB_"), u.str.startswith("LZ_"), u.str.startswith("DC_")],
        [HUB_AVERAGE, TRADING_HUB, LOAD_ZONE, LOAD_ZONE_DC],
        default=RESOURCE_NODE,
    )
    types = _types_per_row(row_codes, [str(t) for t in inferred])
    types.index = names.index
    return types


# --- catalogue of the synthetic source ---------------------------------------------------------

ZONES: tuple[str, ...] = ("HOUSTON", "NORTH", "SOUTH", "WEST")
"""ERCOT's four congestion zones (the zones of the four main trading hubs)."""


@dataclass(frozen=True)
class SettlementPoint:
    """A settlement point of the synthetic market.

    ``zone`` is the congestion zone whose hub it follows; ``wind_share`` and
    ``solar_share`` (0..1) are the fractions of nearby generation that is wind
    or solar, which drive a node's basis (negative prices at wind-heavy West
    nodes at night, a midday dip at solar nodes). Hubs and load zones have
    shares of their zone's average.
    """

    name: str
    location_type: str
    zone: str
    wind_share: float = 0.0
    solar_share: float = 0.0

    def __post_init__(self) -> None:
        if self.location_type not in LOCATION_TYPES:
            raise ValueError(f"{self.name}: unknown location type {self.location_type!r}")
        if self.zone not in ZONES:
            raise ValueError(f"{self.name}: unknown zone {self.zone!r}")
        if not (0 <= self.wind_share <= 1 and 0 <= self.solar_share <= 1):
            raise ValueError(f"{self.name}: wind_share and solar_share must be within 0..1")


ZONE_RENEWABLE_SHARES: dict[str, tuple[float, float]] = {
    "HOUSTON": (0.05, 0.10),
    "NORTH": (0.20, 0.15),
    "SOUTH": (0.25, 0.20),
    "WEST": (0.60, 0.30),
}
"""Zone-average (wind_share, solar_share) used for hubs and load zones."""

_HUBS: tuple[tuple[str, str, str], ...] = (
    ("HB_HOUSTON", TRADING_HUB, "HOUSTON"),
    ("HB_NORTH", TRADING_HUB, "NORTH"),
    ("HB_SOUTH", TRADING_HUB, "SOUTH"),
    ("HB_WEST", TRADING_HUB, "WEST"),
    ("HB_PAN", TRADING_HUB, "WEST"),  # Panhandle hub: wind-heavy, priced with the West
    ("HB_BUSAVG", HUB_AVERAGE, "NORTH"),
    ("HB_HUBAVG", HUB_AVERAGE, "NORTH"),
)
_LOAD_ZONES: tuple[tuple[str, str], ...] = (
    ("LZ_HOUSTON", "HOUSTON"),
    ("LZ_NORTH", "NORTH"),
    ("LZ_SOUTH", "SOUTH"),
    ("LZ_WEST", "WEST"),
    ("LZ_AEN", "SOUTH"),  # Austin Energy
    ("LZ_CPS", "SOUTH"),  # CPS Energy (San Antonio)
    ("LZ_LCRA", "SOUTH"),  # Lower Colorado River Authority
    ("LZ_RAYBN", "NORTH"),  # Rayburn Country
)

# Resource-node name stems (plausible ERCOT-style plant abbreviations) and suffixes.
_NODE_STEMS: tuple[str, ...] = (
    "ALVIN", "BRAZOS", "CEDRO", "DESERT", "ELMCRK", "FRNKLN", "GOLDTH", "HORSEH",
    "INDNL", "JUNCTN", "KEECHI", "LOSVTS", "MESQTE", "NUECES", "OZONA", "PECOS",
    "QUAIL", "REDGAP", "SWEETW", "TRINTY", "UVALDE", "VICTRA", "WHTDR", "YOAKUM",
)  # fmt: skip
_NODE_SUFFIXES: tuple[str, ...] = ("_RN", "_ALL", "_UNIT1", "_SLR1", "_WND1", "_ESR1")


def default_catalogue(n_resource_nodes: int = 15) -> list[SettlementPoint]:
    """The synthetic market's settlement points: ERCOT's 7 hubs, 8 load zones and ``n`` nodes.

    Nodes are spread round-robin over the four zones (``WEST`` first among
    nodes with a wind-heavy mix), with names such as ``PECOS_WND1`` or
    ``ALVIN_RN``. Deterministic: the same ``n`` gives the same list.
    """
    if n_resource_nodes < 0:
        raise ValueError("n_resource_nodes must be >= 0")
    points: list[SettlementPoint] = []
    for name, kind, zone in _HUBS:
        w, s = ZONE_RENEWABLE_SHARES[zone]
        if name == "HB_PAN":
            w, s = 0.85, 0.10
        if kind == HUB_AVERAGE:
            w, s = 0.25, 0.18
        points.append(SettlementPoint(name, kind, zone, w, s))
    for name, zone in _LOAD_ZONES:
        w, s = ZONE_RENEWABLE_SHARES[zone]
        points.append(SettlementPoint(name, LOAD_ZONE, zone, w, s))
    zone_cycle = ("WEST", "NORTH", "SOUTH", "HOUSTON")
    for i in range(n_resource_nodes):
        zone = zone_cycle[i % 4]
        stem = _NODE_STEMS[i % len(_NODE_STEMS)]
        if i >= len(_NODE_STEMS):
            stem = f"{stem}{i // len(_NODE_STEMS) + 1}"
        suffix = _NODE_SUFFIXES[i % len(_NODE_SUFFIXES)]
        zw, zs = ZONE_RENEWABLE_SHARES[zone]
        if suffix == "_WND1":
            w, s = min(1.0, zw + 0.35), 0.0
        elif suffix == "_SLR1":
            w, s = 0.0, min(1.0, zs + 0.5)
        else:
            w, s = zw, zs
        points.append(SettlementPoint(f"{stem}{suffix}", RESOURCE_NODE, zone, round(w, 3), round(s, 3)))
    return points
