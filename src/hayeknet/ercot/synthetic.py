"""Deterministic synthetic ERCOT market: one operating day of raw files in ERCOT's exact formats.

The generator writes the *same* raw files as ERCOT's MIS (a zip holding one
CSV with the report's exact header and value formatting), so one parsing path
serves real and synthetic data:

* NP6-788-CD: one zip per SCED run (288 a day; 276/300 on DST days), SCED
  timestamps a few seconds after each 5-minute mark, LMPs space-padded.
* NP6-905-CD and NP6-331-CD: one zip per 15-minute settlement interval.
* NP4-190-CD and NP4-188-CD: one zip per operating day (published the day before).

Everything is a pure function of ``(day, catalogue, seed)``: the random
generator is seeded with ``[seed, day.toordinal()]``, so a day's files do not
depend on which other days are generated, and the zips carry fixed timestamps
(the file's publication time) so the same inputs give byte-identical files
(stable DVC hashes).

Price model (all prices $/MWh; AS $/MW per hour), on the day's 5-minute grid:

* system energy price ``lambda = base_day * exp(k * (net_load - 0.5))`` with
  net load = load shape (morning shoulder, afternoon/evening peak) minus solar
  and wind output; so an overnight low, a solar dip at midday and an evening
  peak near 19:00 local when solar fades; ``base_day`` varies smoothly from
  day to day and is lower at weekends; AR(1) noise;
* rare scarcity events (about :data:`TARGET_SPIKE_DAY_PROBABILITY` of days):
  15-60 minutes of hundreds to thousands of $/MWh near the evening peak;
* node basis: a zone congestion term (West falls with wind output, so
  wind-heavy West nodes go negative at windy nights; Houston carries an import
  premium at high load), a solar dip at solar-heavy nodes, a fixed per-node
  offset and noise; prices clipped to ERCOT's [-251, 5000] range;
* NP6-905-CD SPP = mean of the 5-minute LMPs of its 15-minute interval;
* DAM = hourly smoothed expectation of real time times (1 + DAM-RT spread);
* AS MCPCs (REGUP, REGDN, RRS, ECRS, NSPIN) rise with net load and scarcity.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from hayeknet.ercot import locations
from hayeknet.ercot.calendar import ERCOT_TZ, as_date, interval_starts_utc, utc_to_hour_ending
from hayeknet.ercot.locations import SettlementPoint
from hayeknet.ercot.reports import AS_TYPES, NP4_188, NP4_190, NP6_331, NP6_788, NP6_905, ReportSpec

# --- target statistics (checked by tests/ercot/test_synthetic.py over many generated days) ------
TARGET_HUB_MEAN_RANGE_USD_PER_MWH = (20.0, 60.0)
"""Range of the mean HB_HUBAVG real-time price over a month of days, $/MWh."""
TARGET_HUB_DAILY_MEAN_RANGE_USD_PER_MWH = (2.0, 400.0)
"""Range of any single day's mean HB_HUBAVG real-time price, $/MWh."""
TARGET_WEST_NEGATIVE_SHARE_RANGE = (0.02, 0.35)
"""Share of 5-minute intervals with a negative LMP at West resource nodes."""
TARGET_SPIKE_DAY_PROBABILITY = 0.12
"""Probability that a day carries a scarcity event (hub price above 500 $/MWh)."""
TARGET_SPIKE_INTERVAL_SHARE_MAX = 0.01
"""At most this share of 5-minute hub intervals above 1000 $/MWh."""
TARGET_EVENING_PEAK_HOURS = (17, 21)
"""Local hour (hour of day, 0-23) of the highest average hub price lies within this range."""
PRICE_FLOOR_USD_PER_MWH = -251.0
PRICE_CAP_USD_PER_MWH = 5000.0

_BASE_PRICE = 30.0  # $/MWh at net load 0.5 on an average weekday
_NET_LOAD_SENSITIVITY = 3.2  # d log(price) / d net load
_WEEKEND_FACTOR = 0.88
_AS_BASE_DAM = {"REGUP": 3.0, "REGDN": 2.0, "RRS": 1.6, "ECRS": 1.4, "NSPIN": 2.2}  # $/MW per hour
_AS_BASE_RT = {"REGUP": 1.5, "REGDN": 1.0, "RRS": 0.5, "ECRS": 0.4, "NSPIN": 0.6}
_AS_SCARCITY_SHARE = {"REGUP": 0.5, "REGDN": 0.02, "RRS": 0.6, "ECRS": 0.55, "NSPIN": 0.4}


def _rng(seed: int, day: dt.date, stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, day.toordinal(), stream])


def _local_hours(starts: pd.DatetimeIndex, minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """Local clock hour (float, interval midpoint) and DST indicator of each interval."""
    mid = (starts + pd.Timedelta(minutes=minutes / 2)).tz_convert(ERCOT_TZ)
    hours = mid.hour + mid.minute / 60.0 + mid.second / 3600.0
    is_dst = np.asarray(mid.tz_localize(None) - mid.tz_convert("UTC").tz_localize(None) == pd.Timedelta(hours=-5))
    return np.asarray(hours, dtype=float), is_dst


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation ``sd``."""
    eps = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    eps[0] = rng.normal(0.0, sd)  # start in the stationary distribution
    return lfilter([1.0], [1.0, -phi], eps)  # out[i] = phi * out[i-1] + eps[i]


def synthetic_renewables(day: dt.date | str, seed: int) -> pd.DataFrame:
    """System solar and wind output of the synthetic day, as fractions of installed capacity.

    Indexed by ``interval_start_utc`` (the day's 5-minute grid); columns
    ``solar_frac`` and ``wind_frac`` (0..1, MW output / MW capacity). These are
    the profiles that drive the synthetic prices of the same ``(day, seed)``.
    """
    d = as_date(day)
    starts = interval_starts_utc(d, 5)
    hours, is_dst = _local_hours(starts, 5)
    rng = _rng(seed, d, 1)
    doy = d.timetuple().tm_yday
    season = np.cos(2 * np.pi * (doy - 172) / 365.0)  # +1 midsummer, -1 midwinter
    day_length = 12.0 + 1.9 * season
    noon = 12.5 + is_dst.astype(float)
    phase = (hours - (noon - day_length / 2)) / day_length
    clear = np.where((phase > 0) & (phase < 1), np.sin(np.pi * np.clip(phase, 0, 1)) ** 1.3, 0.0)
    clouds = rng.uniform(0.55, 1.0)
    solar = np.clip(clear * 0.85 * clouds * (1 + _ar1(rng, len(starts), 0.97, 0.08)), 0.0, 1.0)
    regime = 0.15 * np.sin(2 * np.pi * d.toordinal() / 7.3 + (seed % 97))
    w0 = np.clip(0.38 + regime + 0.12 * rng.standard_normal(), 0.08, 0.8)
    diurnal = 0.14 * np.cos(2 * np.pi * (hours - 2.0) / 24.0)
    wind = np.clip(w0 + diurnal + _ar1(rng, len(starts), 0.985, 0.07), 0.02, 0.95)
    return pd.DataFrame({"solar_frac": solar, "wind_frac": wind}, index=starts)


@dataclass(frozen=True)
class SyntheticDay:
    """Prices of one synthetic operating day (before formatting into files).

    ``lmp`` is (n 5-minute intervals x n points) $/MWh, ``spp`` (n 15-minute
    intervals x n points), ``lzew`` the energy-weighted load-zone SPP (n 15-min
    x n load zones), ``dam`` (n hours x n points), ``as_dam`` (n hours x 5)
    and ``as_rt`` (n 15-min x 5) $/MW per hour in :data:`AS_TYPES` order.
    """

    day: dt.date
    points: tuple[SettlementPoint, ...]
    starts_5min: pd.DatetimeIndex
    starts_15min: pd.DatetimeIndex
    starts_hour: pd.DatetimeIndex
    lmp: np.ndarray
    spp: np.ndarray
    lzew: np.ndarray
    dam: np.ndarray
    as_dam: np.ndarray
    as_rt: np.ndarray
    scarcity_usd_per_mwh: np.ndarray

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.points]

    def lmp_frame(self) -> pd.DataFrame:
        """5-minute LMPs as a wide frame (index interval_start_utc, one column per point)."""
        return pd.DataFrame(self.lmp, index=self.starts_5min, columns=self.names)


def _name_offset(name: str, scale: float) -> float:
    """A fixed, catalogue-order-independent offset for a settlement point, in $/MWh."""
    u = zlib.crc32(name.encode()) / 0xFFFFFFFF
    return scale * (2 * u - 1)


def synthetic_prices(day: dt.date | str, catalogue: Sequence[SettlementPoint], seed: int) -> SyntheticDay:
    """Generate the prices of one operating day (deterministic in ``day``, ``catalogue``, ``seed``)."""
    d = as_date(day)
    points = tuple(catalogue)
    ren = synthetic_renewables(d, seed)
    starts = ren.index
    n = len(starts)
    hours, _ = _local_hours(starts, 5)
    solar = ren["solar_frac"].to_numpy()
    wind = ren["wind_frac"].to_numpy()
    rng = _rng(seed, d, 2)

    weekend = d.weekday() >= 5
    load = 0.60 + 0.08 * np.exp(-(((hours - 8.0) / 2.0) ** 2)) + 0.30 * np.exp(-(((hours - 17.5) / 4.0) ** 2))
    load = load * (0.93 if weekend else 1.0)
    net = load - 0.30 * solar - 0.30 * wind
    ordinal = d.toordinal()
    level = (
        0.22 * np.sin(2 * np.pi * ordinal / 11.0 + (seed % 31))
        + 0.12 * np.sin(2 * np.pi * ordinal / 29.0 + (seed % 17))
        + 0.12 * rng.standard_normal()
    )
    base_day = _BASE_PRICE * np.exp(level) * (_WEEKEND_FACTOR if weekend else 1.0)
    expected = base_day * np.exp(_NET_LOAD_SENSITIVITY * (net - 0.5))
    system = expected * np.exp(_ar1(rng, n, 0.9, 0.10))

    # Scarcity event: a triangular burst near the evening peak.
    scarcity = np.zeros(n)
    if rng.uniform() < TARGET_SPIKE_DAY_PROBABILITY:
        centre = rng.uniform(17.0, 21.0)
        half_width_h = rng.uniform(0.125, 0.5)
        peak = min(PRICE_CAP_USD_PER_MWH, float(np.exp(rng.normal(np.log(900.0), 0.8))))
        scarcity = peak * np.clip(1 - np.abs(hours - centre) / half_width_h, 0.0, None)
    system = system + scarcity

    # Zone congestion terms, $/MWh at zone-average renewable shares.
    day_congestion = rng.uniform(0.5, 1.6)
    zone_basis = {
        "WEST": -70.0 * day_congestion * np.clip(wind - 0.33, 0.0, None) ** 1.2 - 4.0 * solar,
        "NORTH": 0.5 * _ar1(rng, n, 0.95, 1.0),
        "SOUTH": 1.0 - 3.0 * solar + 0.8 * _ar1(rng, n, 0.95, 1.0),
        "HOUSTON": 2.0 + 25.0 * day_congestion * np.clip(net - 0.62, 0.0, None),
    }
    node_noise = rng.normal(0.0, 0.6, (n, len(points)))
    lmp = np.empty((n, len(points)))
    main_hubs: list[int] = []  # the four zonal trading hubs, averaged into HB_HUBAVG/HB_BUSAVG
    for j, p in enumerate(points):
        zw, zs = locations.ZONE_RENEWABLE_SHARES[p.zone]
        wind_factor = p.wind_share / zw if zw > 0 else 1.0
        basis = zone_basis[p.zone] * (wind_factor if p.zone == "WEST" else 1.0)
        solar_dip = -12.0 * max(0.0, p.solar_share - zs) * solar**2
        offset = _name_offset(p.name, 1.5 if p.location_type == locations.RESOURCE_NODE else 0.4)
        lmp[:, j] = system + basis + solar_dip + offset + node_noise[:, j]
        if p.location_type == locations.TRADING_HUB and p.name != "HB_PAN":
            main_hubs.append(j)
    for j, p in enumerate(points):
        if p.location_type == locations.HUB_AVERAGE and main_hubs:
            jitter = 0.15 * node_noise[:, j] if p.name == "HB_BUSAVG" else 0.0
            lmp[:, j] = lmp[:, main_hubs].mean(axis=1) + jitter
    lmp = np.clip(np.round(lmp, 2), PRICE_FLOOR_USD_PER_MWH, PRICE_CAP_USD_PER_MWH)

    # 15-minute SPPs: time average of the three 5-minute LMPs.
    spp = np.round(lmp.reshape(n // 3, 3, len(points)).mean(axis=1), 2)
    lz_idx = [j for j, p in enumerate(points) if p.location_type == locations.LOAD_ZONE]
    lzew = np.round(spp[:, lz_idx] + rng.normal(0.0, 0.03, (n // 3, len(lz_idx))), 2)

    # DAM: hourly smoothed expectation (no noise, no spike) times (1 + spread), plus a risk premium.
    n_h = n // 12
    exp_node = lmp - (system - expected)[:, None]  # remove the RT noise and scarcity
    hourly = exp_node.reshape(n_h, 12, len(points)).mean(axis=1)
    spread = rng.normal(0.03, 0.05) + rng.normal(0.0, 0.04, (n_h, 1))
    hour_mid = hours.reshape(n_h, 12).mean(axis=1)
    premium = 1.0 + 0.15 * np.exp(-(((hour_mid - 19.0) / 1.5) ** 2))[:, None]
    dam = np.clip(np.round(hourly * (1 + spread) * premium, 2), PRICE_FLOOR_USD_PER_MWH, PRICE_CAP_USD_PER_MWH)

    # Ancillary services.
    net_h = net.reshape(n_h, 12).mean(axis=1)
    net_q = net.reshape(n // 3, 3).mean(axis=1)
    scar_h = scarcity.reshape(n_h, 12).mean(axis=1)
    scar_q = scarcity.reshape(n // 3, 3).mean(axis=1)
    as_dam = np.empty((n_h, len(AS_TYPES)))
    as_rt = np.empty((n // 3, len(AS_TYPES)))
    for k, a in enumerate(AS_TYPES):
        tight_h = np.exp(2.5 * (net_h - 0.5)) * np.exp(rng.normal(0.0, 0.15, n_h))
        tight_q = np.exp(3.0 * (net_q - 0.5)) * np.exp(rng.normal(0.0, 0.25, n // 3))
        as_dam[:, k] = _AS_BASE_DAM[a] * tight_h * np.exp(level) + 0.05 * _AS_SCARCITY_SHARE[a] * scar_h
        as_rt[:, k] = _AS_BASE_RT[a] * tight_q * np.exp(level) + _AS_SCARCITY_SHARE[a] * scar_q
    as_dam = np.round(np.clip(as_dam, 0.0, PRICE_CAP_USD_PER_MWH), 2)
    as_rt = np.round(np.clip(as_rt, 0.0, PRICE_CAP_USD_PER_MWH), 2)

    return SyntheticDay(
        day=d,
        points=points,
        starts_5min=starts,
        starts_15min=starts[::3],
        starts_hour=starts[::12],
        lmp=lmp,
        spp=spp,
        lzew=lzew,
        dam=dam,
        as_dam=as_dam,
        as_rt=as_rt,
        scarcity_usd_per_mwh=scarcity,
    )


# --- formatting ----------------------------------------------------------------------------------


def _fmt_short(x: float) -> str:
    """ERCOT's short price form: two decimals without trailing zeros (``29``, ``19.9``, ``22.42``)."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _fmt_padded(x: float) -> str:
    """NP6-788-CD's space-padded LMP (``'       30.72'``)."""
    return f"{x:12.2f}"


def _mdy(d: dt.date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"


def _flag(repeated: bool) -> str:
    return "Y" if repeated else "N"


def _mis_name(spec: ReportSpec, published_local: pd.Timestamp, suffix: str, ext: str) -> str:
    return (
        f"cdr.{spec.mis_report_type_id:08d}.0000000000000000."
        f"{published_local:%Y%m%d}.{published_local:%H%M%S}.{spec.mis_file_tag}{suffix}{ext}"
    )


def _zip_bytes(inner_name: str, text: str, published_local: pd.Timestamp) -> bytes:
    """A zip of one CSV with a fixed timestamp and attributes: same input, same bytes."""
    info = zipfile.ZipInfo(inner_name, date_time=published_local.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(info, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return buf.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _local(ts_utc: pd.Timestamp) -> pd.Timestamp:
    return ts_utc.tz_convert(ERCOT_TZ)


def _mis_file(spec: ReportSpec, published_utc: pd.Timestamp, repeated: bool, text: str) -> tuple[str, bytes]:
    local = _local(published_utc)
    # ERCOT marks the second pass of the DST-end repeated hour with "xhr" in the document name (gridstatus
    # Ercot._get_documents, citing an ERCOT notice); where in the name is not documented, so this position is
    # a choice, and the collectors and parsers look for the mark anywhere. Without it the passes share names.
    suffix = "_xhr" if repeated else ""
    inner = _mis_name(spec, local, suffix, ".csv")
    return _mis_name(spec, local, suffix, "_csv.zip"), _zip_bytes(inner, text, local)


def render_files(sd: SyntheticDay, seed: int) -> dict[str, list[tuple[str, bytes]]]:
    """Render a synthetic day into raw MIS files: report dir -> [(file name, zip bytes)]."""
    rng = _rng(seed, sd.day, 3)
    out: dict[str, list[tuple[str, bytes]]] = {r.dir_name: [] for r in (NP6_788, NP6_905, NP4_190, NP4_188, NP6_331)}
    order = np.argsort(np.array(sd.names, dtype=object).astype(str), kind="stable")
    names = [sd.names[j] for j in order]
    day_str = _mdy(sd.day)

    # NP6-788-CD: one file per SCED run.
    labels5 = utc_to_hour_ending(sd.starts_5min, 5)
    offsets = rng.integers(8, 45, len(sd.starts_5min))
    header = ",".join(NP6_788.columns) + "\n"
    for i, start in enumerate(sd.starts_5min):
        run = start + pd.Timedelta(seconds=int(offsets[i]))
        rep = bool(labels5["repeated"].iloc[i])
        stamp = f"{_local(run):%m/%d/%Y %H:%M:%S}"
        flag = _flag(rep)
        row = sd.lmp[i]
        body = "".join(f"{stamp},{flag},{names[k]},{_fmt_padded(row[j])}\n" for k, j in enumerate(order))
        out[NP6_788.dir_name].append(_mis_file(NP6_788, run, rep, header + body))

    # NP6-905-CD and NP6-331-CD: one file per 15-minute interval.
    labels15 = utc_to_hour_ending(sd.starts_15min, 15)
    lz = [j for j, p in enumerate(sd.points) if p.location_type == locations.LOAD_ZONE]
    type_code = {
        locations.TRADING_HUB: "HU",
        locations.HUB_AVERAGE: "AH",
        locations.LOAD_ZONE: "LZ",
        locations.LOAD_ZONE_DC: "LZ_DC",
        locations.RESOURCE_NODE: "RN",
    }
    h905 = ",".join(NP6_905.columns) + "\n"
    h331 = ",".join(NP6_331.columns) + "\n"
    for i, start in enumerate(sd.starts_15min):
        he = int(labels15["hour_ending"].iloc[i])
        iv = int(labels15["interval"].iloc[i])
        rep = bool(labels15["repeated"].iloc[i])
        flag = _flag(rep)
        published = start + pd.Timedelta(minutes=15) + pd.Timedelta(seconds=int(rng.integers(60, 180)))
        lines = []
        for j in order:
            p = sd.points[j]
            code = {"HB_BUSAVG": "SH", "HB_HUBAVG": "AH"}.get(p.name, type_code.get(p.location_type, "RN"))
            lines.append(f"{day_str},{he},{iv},{p.name},{code},{_fmt_short(sd.spp[i, j])},{flag}\n")
            if p.location_type == locations.LOAD_ZONE:
                lines.append(f"{day_str},{he},{iv},{p.name},LZEW,{_fmt_short(sd.lzew[i, lz.index(j)])},{flag}\n")
        out[NP6_905.dir_name].append(_mis_file(NP6_905, published, rep, h905 + "".join(lines)))
        body = "".join(
            f"{day_str},{he},{iv},{flag},{a},{_fmt_short(sd.as_rt[i, k])}\n" for k, a in enumerate(AS_TYPES)
        )
        out[NP6_331.dir_name].append(_mis_file(NP6_331, published, rep, h331 + body))

    # NP4-190-CD and NP4-188-CD: one file per day, published the day before.
    labels_h = utc_to_hour_ending(sd.starts_hour, 60)
    dam_published = pd.Timestamp(sd.day - dt.timedelta(days=1)).tz_localize(ERCOT_TZ) + pd.Timedelta(
        hours=13, minutes=30, seconds=int(rng.integers(0, 59))
    )
    dam_published = dam_published.tz_convert("UTC")
    l190, l188 = [], []
    for i in range(len(sd.starts_hour)):
        he = f"{int(labels_h['hour_ending'].iloc[i]):02d}:00"
        flag = _flag(bool(labels_h["repeated"].iloc[i]))
        for k, j in enumerate(order):
            l190.append(f"{day_str},{he},{names[k]}, {_fmt_short(sd.dam[i, j])},{flag}\n")
        for k, a in enumerate(AS_TYPES):
            l188.append(f"{day_str},{he},{a},{_fmt_short(sd.as_dam[i, k])},{flag}\n")
    for spec, lines in ((NP4_190, l190), (NP4_188, l188)):
        text = ",".join(spec.columns) + "\n" + "".join(lines)
        out[spec.dir_name].append(_mis_file(spec, dam_published, False, text))
    return out


def write_synthetic_day(
    day: dt.date | str,
    raw_root: Path,
    catalogue: Sequence[SettlementPoint] | None = None,
    seed: int = 0,
    reports: Sequence[str] | None = None,
) -> list[Path]:
    """Write one synthetic operating day's raw files under ``raw_root/<report>/<day>/``.

    ``catalogue`` defaults to :func:`hayeknet.ercot.locations.default_catalogue`;
    ``reports`` (report ids such as ``"NP6-788-CD"``) limits the reports written
    (default: all five; the synthetic source writes NP6-331-CD even before
    RTC+B's go-live so that both market designs can be simulated on any day).
    Files are written atomically (temporary file + ``os.replace``) and are
    byte-identical for the same ``(day, catalogue, seed)``. Files of the day
    already present and not produced now are left alone. Returns the paths
    written, sorted.
    """
    d = as_date(day)
    points = list(catalogue) if catalogue is not None else locations.default_catalogue()
    sd = synthetic_prices(d, points, seed)
    wanted = None if reports is None else {r.lower() for r in reports}
    written: list[Path] = []
    for report_dir, files in render_files(sd, seed).items():
        if wanted is not None and report_dir not in wanted:
            continue
        folder = Path(raw_root) / report_dir / d.isoformat()
        for name, data in files:
            path = folder / name
            _write_atomic(path, data)
            written.append(path)
    return sorted(written)
