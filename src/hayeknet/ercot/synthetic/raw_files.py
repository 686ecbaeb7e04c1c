"""The synthetic market's raw files: one operating day in ERCOT's exact MIS formats (zips of one CSV).

See :mod:`hayeknet.ercot.synthetic`.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hayeknet.ercot import locations
from hayeknet.ercot.calendar import ERCOT_TZ, as_date, utc_to_hour_ending
from hayeknet.ercot.locations import SettlementPoint
from hayeknet.ercot.reports import AS_TYPES, NP4_188, NP4_190, NP6_331, NP6_788, NP6_905, ReportSpec
from hayeknet.ercot.synthetic.market import SyntheticDay, _rng, synthetic_prices
from hayeknet.io import make_shareable

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
        make_shareable(Path(tmp))
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
        body = "".join(f"{day_str},{he},{iv},{flag},{a},{_fmt_short(sd.as_rt[i, k])}\n" for k, a in enumerate(AS_TYPES))
        out[NP6_331.dir_name].append(_mis_file(NP6_331, published, rep, h331 + body))

    # NP4-190-CD and NP4-188-CD: one file per day, published the day before.
    labels_h = utc_to_hour_ending(sd.starts_hour, 60)
    dam_published = pd.Timestamp(sd.day - dt.timedelta(days=1)).tz_localize(ERCOT_TZ) + pd.Timedelta(
        hours=13, minutes=30, seconds=int(rng.integers(0, 59))
    )
    dam_published = dam_published.tz_convert("UTC")
    l190, l188 = [], []
    for i in range(len(sd.starts_hour)):
        hour = f"{int(labels_h['hour_ending'].iloc[i]):02d}:00"
        flag = _flag(bool(labels_h["repeated"].iloc[i]))
        for k, j in enumerate(order):
            l190.append(f"{day_str},{hour},{names[k]}, {_fmt_short(sd.dam[i, j])},{flag}\n")
        for k, a in enumerate(AS_TYPES):
            l188.append(f"{day_str},{hour},{a},{_fmt_short(sd.as_dam[i, k])},{flag}\n")
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
