"""The byte-grid reader of one NP6-788-CD CSV, the faster of the two fast readers (:func:`_sced_blocks`).

ERCOT writes a day of SCED runs (~1,100 points x 288 runs, ~15 MB) as ``R``
blocks, one per run, that list the same settlement points in the same bytes.
:func:`_sced_blocks` checks that layout (:func:`_sced_grid`, :func:`_sced_scan`:
every run lists the same points in the same bytes) and reads the file as an
``R x m`` grid: names once from the first block, timestamps (America/Chicago
with the DST flag, to UTC) once per block, prices straight from their bytes by
an exact fixed-width word parser (:func:`_decimal_words`), about 15 ms for a
day on one core. Its table equals the careful path's
(:mod:`hayeknet.ercot.parse.table`); anything irregular returns ``None``.
The hot loops are benchmarked (``make bench``, :mod:`hayeknet.ercot.benchmarks`).

Also here: the Arrow string columns built without copying string data
(:func:`_repeated_chunks`, :func:`_runs_of_strings`, :func:`_each_repeated`),
which :mod:`hayeknet.ercot.parse.sced_fast` shares.
"""

from __future__ import annotations

import functools
import mmap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hayeknet.ercot import locations
from hayeknet.ercot.calendar import _localize as _localize_chicago
from hayeknet.ercot.calendar import is_second_pass
from hayeknet.ercot.reports import ReportSpec

FileBytes: TypeAlias = bytes | mmap.mmap
"""A raw file's bytes, or a read-only memory map of them."""

_CONSTANT_CHUNK = 1 << 16


@functools.lru_cache(maxsize=32)
def _constant_chunk(value: str | None) -> pa.Array:
    """:data:`_CONSTANT_CHUNK` copies of ``value`` (``None``: nulls) as an Arrow large_string array, built once."""
    if value is None:
        return pa.nulls(_CONSTANT_CHUNK, pa.large_string())
    return pa.array([value] * _CONSTANT_CHUNK, type=pa.large_string())


def _repeated_chunks(value: str | None, n: int) -> pa.ChunkedArray:
    """``value`` (``None``: null) ``n`` times as chunks of one cached Arrow array (no string data copied)."""
    chunk = _constant_chunk(value)
    parts = [chunk] * (n // _CONSTANT_CHUNK)
    if n % _CONSTANT_CHUNK or not parts:
        parts.append(chunk.slice(0, n % _CONSTANT_CHUNK))
    return pa.chunked_array(parts, type=pa.large_string())


def _gather_fixed_width(buffer: FileBytes, positions: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes at each of ``positions`` in ``buffer``, packed end to end (one record per position).

    Copies whole 8/4/2/1-byte words through unaligned strided views, which is
    several times faster than a byte-wise fancy index.
    """
    pieces: list[tuple[str, np.dtype, int]] = []
    offset = 0
    for size, word in ((8, np.uint64), (4, np.uint32), (2, np.uint16), (1, np.uint8)):
        while width - offset >= size:
            pieces.append((f"w{offset}", np.dtype(word), offset))
            offset += size
    record = np.dtype({"names": [p[0] for p in pieces], "formats": [p[1] for p in pieces],
                       "offsets": [p[2] for p in pieces], "itemsize": width})  # fmt: skip
    out = np.empty(len(positions), dtype=record)
    for name, dtype, offset in pieces:
        view = np.ndarray(shape=(len(buffer) - dtype.itemsize + 1,), dtype=dtype, buffer=buffer, strides=(1,))
        out[name] = view[positions + offset]
    return out.view(np.uint8)


def _cast_padded_prices(fields: pa.Array) -> np.ndarray | None:
    """Space-padded price strings to float64 as :func:`hayeknet.ercot.parse.table._prices` casts them; ``None``
    when one does not parse.

    Only leading blanks are removed: when the cast then succeeds (a number
    holds no whitespace) the value is the one the careful path's Unicode trim
    of both ends gives, at half the cost. Other padding (tabs, trailing
    blanks) returns ``None`` and is left to the CSV readers.
    """
    try:
        values = pc.cast(pc.ascii_ltrim(fields, " "), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)


def _differs_from_template(blocks: np.ndarray, first: np.ndarray, fixed: np.ndarray, step: int = 16) -> bool:
    """True when a row of ``blocks`` (2-D bytes) differs from ``first`` at a ``fixed`` column.

    Works ``step`` rows at a time into one reused buffer, which stays in the
    CPU cache (several times faster than one whole-array comparison).
    """
    scratch = np.empty((min(step, len(blocks)), blocks.shape[1]), dtype=bool)
    for r in range(0, len(blocks), step):
        part = blocks[r : r + step]
        out = scratch[: len(part)]
        np.not_equal(part, first, out=out)
        np.logical_and(out, fixed, out=out)
        if out.any():
            return True
    return False


_U64 = np.uint64
_ALL_BYTES = 0x0101010101010101
_SPACES = _U64(0x20 * _ALL_BYTES)
_ZEROS = _U64(0x30 * _ALL_BYTES)
_HIGH_BITS = _U64(0x80 * _ALL_BYTES)
_POW10 = 10.0 ** np.arange(8)  # exact in float64
_MAX_DECIMALS = 6  # the dot must leave room for an integer digit in an 8-byte word


def _decimal_words(words: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse right-aligned decimal numbers held as 8-byte little-endian words (each field's last 8 bytes).

    ``words`` (uint64, any shape) holds each field's last eight characters,
    first character in the lowest byte, with any bytes before the field set to
    blanks. A word is accepted (``ok``) when it reads ``[blanks][-]digits``
    followed, when ``decimals`` > 0, by ``.`` and exactly ``decimals`` digits.
    Accepted values are exact: the digits form an integer below 10^8 (exact in
    float64) divided by 10^decimals (exact), and one IEEE division of exact
    operands is correctly rounded, so the value equals ``float(text)`` and
    Arrow's cast (``-0`` included). Rejected words get an arbitrary value (the
    caller parses them otherwise). Returns ``(values float64, ok bool)``.
    """
    if not 0 <= decimals <= _MAX_DECIMALS:
        raise ValueError(f"decimals must be within 0..{_MAX_DECIMALS}, got {decimals}")
    x = np.asarray(words, dtype=np.uint64)
    q = 7 - decimals  # the byte of the dot; with no decimals, the last byte must be a digit
    if decimals:
        bad = (x & _U64(0xFF << 8 * q)) ^ _U64(0x2E << 8 * q)
        # Delete the dot: the bytes before it move up one byte and a blank enters at byte 0.
        z = (x & _U64((1 << 8 * q) - 1)) << _U64(8)
        z |= x & _U64(((1 << 64) - 1) ^ ((1 << 8 * (q + 1)) - 1))
        z |= _U64(0x20)
    else:
        bad = np.zeros(x.shape, dtype=np.uint64)
        z = x
    digits = z ^ _ZEROS  # digit characters become 0..9
    # High bit of each byte that is not a digit. A carry can only flag the byte after a byte >= 0x8A (itself
    # flagged), so a digit may be flagged (the word is then rejected) but a non-digit never passes.
    non_digit = digits + _U64(0x76 * _ALL_BYTES)
    non_digit |= digits
    non_digit &= _HIGH_BITS
    prefix = (non_digit >> _U64(7)) * _U64(0xFF)  # 0xFF for each non-digit byte
    bad |= prefix & (prefix + _U64(1))  # the non-digits must be a prefix (padding and sign) ...
    bad |= prefix >> _U64(8 * q)  # ... ending before the integer digit next to the dot (or the last byte)
    last = prefix ^ (prefix >> _U64(8))  # the prefix's last byte: the only place for a minus sign
    chars = z & prefix
    blanks = _SPACES & prefix
    positive = chars == blanks
    ok = positive | (chars == (blanks ^ (_U64(0x0D * _ALL_BYTES) & last)))  # " " ^ "-" == 0x0D
    ok &= bad == 0
    digits &= ~prefix
    # Eight digits (most significant in the lowest byte) to an integer, pairs then quads then octets.
    digits = (digits * _U64(10 * 256 + 1)) >> _U64(8)
    digits &= _U64(0x00FF00FF00FF00FF)
    digits = (digits * _U64(100 * 65536 + 1)) >> _U64(16)
    digits &= _U64(0x0000FFFF0000FFFF)
    digits = (digits * _U64(10000 * (1 << 32) + 1)) >> _U64(32)
    values = digits.astype(np.float64)
    if decimals:
        values /= _POW10[decimals]
    np.negative(values, out=values, where=~positive)
    return values, ok


def _byte_masks(widths: np.ndarray, skip: int) -> tuple[np.ndarray, np.ndarray]:
    """Per field: the uint64 mask of the bytes of an 8-byte word ending ``skip`` bytes before the field's end
    that lie inside the field (fields of ``widths`` bytes), and blanks for the other bytes."""
    inside = np.clip(widths - skip, 0, 8).astype(np.uint64)
    keep = np.where(inside >= 8, _U64((1 << 64) - 1), ~((_U64(1) << (_U64(8) * (_U64(8) - inside))) - _U64(1)))
    keep = np.where(inside == 0, _U64(0), keep).astype(np.uint64)
    return keep, ~keep & _SPACES


@dataclass(frozen=True)
class _Grid:
    """Geometry of a SCED CSV laid out as ``n_blocks`` like blocks of ``m`` lines (byte offsets within a block)."""

    n_blocks: int
    block_len: int
    starts: np.ndarray  # line starts within a block
    ends: np.ndarray  # line ends (the "\n") within a block
    widths: np.ndarray  # price field widths per line
    head_offsets: tuple[int, ...]  # 8-byte words of the line head (timestamp, flag) that vary between blocks
    fixed: np.ndarray  # bytes of a block that every block repeats


_PREFIX_LEN = 22  # "MM/DD/YYYY HH:MM:SS,F,"
_CHUNK_ROWS = 1 << 15  # rows per step of the grid scan (keeps its work arrays in the CPU cache)


def _first_block_len(data: FileBytes, start: int) -> int | None:
    """Bytes of the first block: the lines from ``start`` that begin with the first line's 22-byte head.

    Looks at a window that doubles until a line with another head (or the
    end of the data) is found; ``None`` when the data does not end with a line end.
    """
    prefix = np.frombuffer(data, dtype=np.uint8, count=_PREFIX_LEN, offset=start)
    window = 1 << 16
    while True:
        size = min(window, len(data) - start)
        chunk = np.frombuffer(data, dtype=np.uint8, count=size, offset=start)
        line_ends = np.flatnonzero(chunk == 10)
        next_start = line_ends + 1
        inside = next_start <= size - _PREFIX_LEN
        heads = chunk[next_start[inside][:, None] + np.arange(_PREFIX_LEN)[None, :]]
        differs = np.flatnonzero((heads != prefix).any(axis=1))
        if len(differs):
            return int(next_start[inside][differs[0]])
        if size == len(data) - start:
            # One block (a single SCED run), if the data ends with its last line's end.
            return size if size and chunk[-1] == 10 else None
        window *= 4


def _sced_grid(data: FileBytes, start: int) -> _Grid | None:
    """The block geometry of the data rows from byte ``start``, or ``None`` when the file is not laid out in blocks.

    Checks the first block's lines (three commas each, a non-empty price last)
    and every block's head (timestamp and flag at fixed places). That the
    blocks repeat the first one outside the heads and prices is checked by
    :func:`_sced_scan`.
    """
    size = len(data) - start
    if size < _PREFIX_LEN or data[start + 19] != 44 or data[start + 21] != 44:  # 44: ","
        return None
    block_len = _first_block_len(data, start)
    if block_len is None:
        return None
    if size % block_len:
        return None
    n_blocks = size // block_len
    blocks = np.frombuffer(data, dtype=np.uint8, offset=start).reshape(n_blocks, block_len)
    first = blocks[0]
    nl = np.flatnonzero(first == 10)
    starts = np.concatenate(([0], nl[:-1] + 1))
    commas = np.flatnonzero(first == 44)
    per_line = np.diff(np.searchsorted(commas, np.concatenate(([0], nl))))
    if (per_line != 3).any():
        return None
    last_comma = commas[np.searchsorted(commas, nl) - 1]
    widths = nl - last_comma - 1
    if (widths <= 0).any() or (nl - starts <= _PREFIX_LEN).any():
        return None
    heads = blocks[:, :_PREFIX_LEN]
    if (
        (heads[:, [19, 21]] != 44).any()  # the commas closing the timestamp and the flag ...
        or np.isin(heads[:, :19], (10, 44)).any()  # ... and no other comma or line end in a head
        or np.isin(heads[:, 20], (10, 44)).any()
        or not (first[starts[:, None] + np.arange(_PREFIX_LEN)[None, :]] == heads[0]).all()
    ):
        return None
    # Head bytes that differ between blocks (the time of day, usually) are checked line by line, eight
    # bytes at a time; the others (the date, usually) by the template compare.
    varying = np.flatnonzero((heads != heads[0]).any(axis=0))
    offsets: list[int] = []
    left = set(varying.tolist())
    while left:
        offset = min(min(left), _PREFIX_LEN - 8)
        offsets.append(offset)
        left -= set(range(offset, offset + 8))
    fixed = np.ones(block_len, dtype=bool)
    fixed[(starts[:, None] + varying[None, :]).ravel()] = False
    field_starts = np.concatenate(([0], np.cumsum(widths)[:-1]))
    fixed[np.repeat(last_comma + 1 - field_starts, widths) + np.arange(int(widths.sum()))] = False
    return _Grid(n_blocks, block_len, starts, nl, widths, tuple(offsets), fixed)


def _word_view(data: FileBytes, start: int, grid: _Grid) -> np.ndarray:
    """``view[r, i]``: the 8 bytes at offset ``i`` of block ``r`` as a little-endian uint64 (unaligned, no copy)."""
    return np.ndarray(
        shape=(grid.n_blocks, grid.block_len - 7), dtype="<u8", buffer=data, offset=start, strides=(grid.block_len, 1)
    )


def _price_decimals(data: FileBytes, start: int, grid: _Grid) -> int | None:
    """The usual number of decimals of the prices (digits after the ``.``) in the first block, which
    :func:`_decimal_words` then expects; ``None`` when it exceeds :data:`_MAX_DECIMALS`."""
    last8 = _word_view(data, start, grid)[0, grid.ends - 8]
    chars = last8.view(np.uint8).reshape(-1, 8)
    has_dot = (chars == 46).any(axis=1)
    decimals = np.where(has_dot, 7 - np.argmax(chars == 46, axis=1), 0)
    usual = int(np.argmax(np.bincount(decimals, minlength=8)))
    return usual if usual <= _MAX_DECIMALS else None


def _sced_scan(
    data: FileBytes, start: int, grid: _Grid, block_rank: np.ndarray, name_rank: np.ndarray
) -> np.ndarray | None:
    """Check that every block repeats the first (outside heads and prices) and read the prices, name-major.

    Works a few blocks at a time: the template compare, the check that each
    line repeats its block's timestamp and flag, and the price words parsed by
    :func:`_decimal_words`. Prices it does not accept are cast from their text
    as the careful path casts them. Returns the ``m * R`` prices ordered by
    ``name_rank`` (the line's place among the names) then ``block_rank`` (the
    run's place in time); ``None`` when the file is irregular or a price does
    not parse.
    """
    n_blocks, m = grid.n_blocks, len(grid.starts)
    blocks = np.frombuffer(data, dtype=np.uint8, offset=start).reshape(n_blocks, grid.block_len)
    first = blocks[0]
    words = _word_view(data, start, grid)
    max_width = int(grid.widths.max())
    decimals = _price_decimals(data, start, grid) if max_width <= 16 else None
    in_order = _is_identity(block_rank) and _is_identity(name_rank)
    out = np.empty((m, n_blocks), dtype=np.float64)  # name-major: out[name_rank[j], block_rank[r]]
    rejected: list[np.ndarray] = []
    n_rejected = 0
    hi_at, lo_at = grid.ends - 8, grid.ends - 16
    hi_keep, hi_fill = _byte_masks(grid.widths, 0)
    lo_keep, _ = _byte_masks(grid.widths, 8)
    lo_blank = lo_keep & _SPACES
    narrow = bool((grid.widths < 8).any())
    head_at = [grid.starts + offset for offset in grid.head_offsets]
    step = max(1, _CHUNK_ROWS // m)
    for b0 in range(0, n_blocks, step):
        b1 = min(b0 + step, n_blocks)
        part = words[b0:b1]
        if _differs_from_template(blocks[b0:b1], first, grid.fixed):
            return None
        for at in head_at:
            head = part[:, at]
            if (head != head[:, :1]).any():
                return None
        if decimals is None:
            continue
        hi = part[:, hi_at]
        if narrow:
            hi &= hi_keep
            hi |= hi_fill
        values, ok = _decimal_words(hi, decimals)
        if max_width > 8:
            lo = part[:, lo_at]
            lo &= lo_keep
            ok &= lo == lo_blank
        if in_order:
            out[:, b0:b1] = values.T
        else:
            out[name_rank[None, :], block_rank[b0:b1, None]] = values
        if not ok.all():
            bad = np.flatnonzero(~ok.reshape(-1))
            n_rejected += len(bad)
            if n_rejected > max(64, n_blocks * m // 64):
                decimals = None  # not the layout the word parser expects: cast every price instead
                continue
            rejected.append(bad + b0 * m)
    if decimals is None:
        prices = _cast_grid_prices(data, start, grid)
        if prices is None:
            return None
        out[name_rank[None, :], block_rank[:, None]] = prices
        return out.reshape(-1)
    if rejected:
        flat = np.concatenate(rejected)
        r, j = np.divmod(flat, m)
        ends = start + r * grid.block_len + grid.ends[j]
        texts = [data[e - w : e] for e, w in zip(ends.tolist(), grid.widths[j].tolist())]
        try:
            fields = pa.array(texts, type=pa.large_binary()).cast(pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        cast = _cast_padded_prices(fields)
        if cast is None:
            return None
        out[name_rank[j], block_rank[r]] = cast
    return out.reshape(-1)


def _cast_grid_prices(data: FileBytes, start: int, grid: _Grid) -> np.ndarray | None:
    """Every price field gathered into one Arrow string array and cast as the careful path casts it, ``(R, m)``."""
    n_blocks, m = grid.n_blocks, len(grid.starts)
    widths = grid.widths
    line_starts = (np.arange(n_blocks, dtype=np.int64) * grid.block_len)[:, None]
    if (widths == widths[0]).all():  # fixed-width prices (ERCOT pads them): gather whole words per field
        first_byte = (line_starts + (grid.ends - widths)[None, :]).ravel()
        field_bytes = _gather_fixed_width(data, first_byte + start, int(widths[0]))
        offsets = np.arange(n_blocks * m + 1, dtype=np.int64) * int(widths[0])
    else:
        blocks = np.frombuffer(data, dtype=np.uint8, offset=start).reshape(n_blocks, grid.block_len)
        field_starts = np.concatenate(([0], np.cumsum(widths)[:-1]))
        price_cols = np.repeat(grid.ends - widths - field_starts, widths) + np.arange(int(widths.sum()))
        field_bytes = np.ascontiguousarray(blocks[:, price_cols])
        offsets = np.empty(n_blocks * m + 1, dtype=np.int64)
        block_offsets = np.arange(n_blocks, dtype=np.int64) * int(widths.sum())
        offsets[:-1] = (block_offsets[:, None] + field_starts[None, :]).ravel()
        offsets[-1] = field_bytes.size
    fields = pa.LargeStringArray.from_buffers(n_blocks * m, pa.py_buffer(offsets), pa.py_buffer(field_bytes))
    price = _cast_padded_prices(fields)
    return None if price is None else price.reshape(n_blocks, m)


def _runs_of_strings(values: Sequence[str], repeat: int) -> pa.ChunkedArray:
    """``values`` each repeated ``repeat`` times, as large_string chunks sliced from the cached constant chunks.

    Equal neighbours share one run, so a column of a few distinct values
    (location types in name order) costs no string data at all.
    """
    parts: list[pa.Array] = []
    i = 0
    while i < len(values):
        j = i + 1
        while j < len(values) and values[j] == values[i]:
            j += 1
        n = (j - i) * repeat
        chunk = _constant_chunk(values[i])
        parts.extend([chunk] * (n // _CONSTANT_CHUNK))
        if n % _CONSTANT_CHUNK:
            parts.append(chunk.slice(0, n % _CONSTANT_CHUNK))
        i = j
    return pa.chunked_array(parts, type=pa.large_string())


def _each_repeated(values: Sequence[str], repeat: int) -> pa.LargeStringArray:
    """``values`` (name-major) each repeated ``repeat`` times as one large_string array, built without a take."""
    encoded = [v.encode("utf-8") for v in values]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    block_ends = np.cumsum(lengths * repeat)
    n = len(encoded) * repeat
    offsets = np.empty(n + 1, dtype=np.int64)
    body = offsets[:-1].reshape(len(encoded), repeat)
    np.multiply.outer(lengths, np.arange(repeat, dtype=np.int64), out=body)
    body += (block_ends - lengths * repeat)[:, None]
    total = int(block_ends[-1]) if len(encoded) else 0
    offsets[-1] = total
    payload = np.empty(total, dtype=np.uint8)
    view = payload.data  # a memoryview of the array
    at = 0
    for b in encoded:  # one copy of each value's run: much faster than joining the runs
        size = len(b) * repeat
        view[at : at + size] = b * repeat
        at += size
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(payload))


def _is_identity(order: np.ndarray) -> bool:
    return bool((order == np.arange(len(order))).all())


_CSV_SPECIAL = np.frombuffer(b'"\r', dtype=np.uint8)
_FLAG_BYTES = np.frombuffer(b"YNyn", dtype=np.uint8)
_SECOND_PASS_BYTES = np.frombuffer(b"Yy", dtype=np.uint8)
_SCED_TIME_FORMAT = "%m/%d/%Y %H:%M:%S"


@functools.lru_cache(maxsize=16)
def _location_types(names: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`hayeknet.ercot.locations.type_from_name` of ``names``, remembered (every day lists the same points)."""
    return tuple(locations.type_from_name(pd.Series(names, dtype="str")).tolist())


def _sced_blocks(spec: ReportSpec, data: FileBytes, start: int) -> pd.DataFrame | None:
    """The table of one NP6-788-CD CSV laid out as ERCOT writes it (data rows from byte ``start``); else ``None``.

    ``data`` is the file's bytes (or a memory map of it). ERCOT's day of SCED
    runs is ``R`` blocks (one per run) that list the same settlement points
    in the same order and spelling, with fixed-width timestamp and flag fields
    and the price as the last field. When every block has the same byte length
    and, outside the timestamp, flag and price bytes, the same bytes as the
    first block, the file is a ``R x m`` grid (:func:`_sced_grid`,
    :func:`_sced_scan`): names are read once from the first block, timestamps
    once per block, and prices straight from the bytes by
    :func:`_decimal_words`. The table is then a transpose of the grid.
    Anything else returns ``None``.
    """
    if spec.columns != ("SCEDTimestamp", spec.flag_column, spec.location_column, spec.price_column):
        return None
    grid = _sced_grid(data, start)
    if grid is None:
        return None
    n_blocks, m = grid.n_blocks, len(grid.starts)
    blocks = np.frombuffer(data, dtype=np.uint8, offset=start).reshape(n_blocks, grid.block_len)
    heads = blocks[:, :_PREFIX_LEN]
    # Quoting or CR line ends are left to the CSV readers. Every other block repeats the first one outside
    # the heads and prices (checked by the scan), and a price with such a byte does not parse.
    if np.isin(blocks[0], _CSV_SPECIAL).any() or np.isin(heads, _CSV_SPECIAL).any() or (heads >= 128).any():
        return None

    # Timestamps and flags: once per block. A one-byte flag is valid as Y or N in either case, as the careful
    # path's strip and case fold accept it.
    flag = heads[:, 20]
    if not np.isin(flag, _FLAG_BYTES).all():
        return None
    second = np.isin(flag, _SECOND_PASS_BYTES)
    head_text = heads.tobytes().decode("ascii")
    stamps = pd.Series([head_text[i : i + 19] for i in range(0, len(head_text), _PREFIX_LEN)], dtype="str")
    try:
        naive = pd.to_datetime(stamps.str.strip(), format=_SCED_TIME_FORMAT, errors="coerce")
        instant = _localize_chicago(pd.DatetimeIndex(naive), second).as_unit("ns")  # as sced_timestamp_to_utc
    except (pd.errors.OutOfBoundsDatetime, OverflowError):  # a year beyond 2262: the careful path decides
        return None
    if instant.isna().any() or (second.any() and (second & ~is_second_pass(instant)).any()):
        return None
    block_start = instant.floor(f"{spec.interval_minutes}min").asi8
    block_order = np.argsort(block_start, kind="stable")
    sorted_start = block_start[block_order]
    if (np.diff(sorted_start) == 0).any():  # two runs in one interval: the careful path deduplicates
        return None

    # Settlement points: read once from the first block.
    name_at = grid.starts + _PREFIX_LEN
    name_end = grid.ends - grid.widths - 1
    try:
        raw_names = [data[start + s : start + e].decode("utf-8") for s, e in zip(name_at.tolist(), name_end.tolist())]
    except UnicodeDecodeError:
        return None
    names = pd.Series(raw_names, dtype="str").str.strip()
    if (names == "").any() or names.duplicated().any():
        return None
    name_values = np.asarray(names.to_numpy(dtype=object), dtype=object)
    name_order = np.argsort(name_values, kind="stable")

    block_rank = np.empty(n_blocks, dtype=np.int64)
    block_rank[block_order] = np.arange(n_blocks)
    name_rank = np.empty(m, dtype=np.int64)
    name_rank[name_order] = np.arange(m)
    price = _sced_scan(data, start, grid, block_rank, name_rank)
    if price is None or not np.isfinite(price).all():
        return None

    n = n_blocks * m
    interval_start = np.tile(sorted_start, m)
    interval_end = interval_start + np.int64(spec.interval_minutes * 60 * 1_000_000_000)
    sorted_names = name_values[name_order].tolist()
    types = _location_types(tuple(sorted_names))
    timestamp = pa.timestamp("ns", tz="UTC")
    table = pa.table(
        {
            "interval_start_utc": pa.array(interval_start, type=timestamp),
            "interval_end_utc": pa.array(interval_end, type=timestamp),
            "market": _repeated_chunks(spec.market, n),
            "location": _each_repeated(sorted_names, n_blocks),
            "location_type": _runs_of_strings(types, n_blocks),
            "as_type": _repeated_chunks(None, n),
            "price": price,
            "report": _repeated_chunks(spec.report_id, n),
        }
    )
    return table.to_pandas(split_blocks=True)
