"""Pieces of the byte-grid fast path for one NP6-788-CD CSV: the exact word parser of prices, the string
columns built without a take, the first-block search, and whole files that exercise each fallback."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.ercot import parse as P
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import ReportFormatError, parse_file
from hayeknet.ercot.parse.raw import _csv_start, _payload
from hayeknet.ercot.parse.sced_grid import (
    _byte_masks,
    _decimal_words,
    _each_repeated,
    _first_block_len,
    _runs_of_strings,
    _sced_blocks,
)
from hayeknet.ercot.synthetic import write_synthetic_day


def _word(text: str) -> np.uint64:
    """The last eight characters of ``text`` right-aligned with blanks, as the little-endian word the parser reads."""
    raw = text.rjust(8).encode("latin-1")[-8:]
    return np.frombuffer(raw, dtype="<u8")[0]


def _accepted(text: str, decimals: int) -> bool:
    fraction = rf"\.[0-9]{{{decimals}}}" if decimals else ""
    return re.fullmatch(r" *-?[0-9]+" + fraction, text.rjust(8)) is not None


# --- the word parser ---------------------------------------------------------------------------


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=" -+.0123456789eE\t,x\x8a\xff", min_size=1, max_size=8), st.integers(0, 6))
def test_word_parser_accepts_exactly_plain_decimals(text: str, decimals: int) -> None:
    values, ok = _decimal_words(np.array([_word(text)]), decimals)
    assert bool(ok[0]) == _accepted(text, decimals), (text, decimals)
    if ok[0]:
        expected = float(text)
        assert values[0] == expected and np.signbit(values[0]) == np.signbit(expected), (text, values[0])


@settings(max_examples=1500, deadline=None)
@given(st.integers(-(10**7) + 1, 10**7 - 1), st.integers(0, 6), st.integers(0, 3))
def test_word_parser_is_correctly_rounded(mantissa: int, decimals: int, pad: int) -> None:
    """Every decimal that fits a word equals Python's (correctly rounded) ``float`` of its text."""
    text = str(Decimal(mantissa).scaleb(-decimals))
    if decimals and "." not in text:  # Decimal("0E-2") and the like: spell the decimals out
        text = f"{mantissa / 10**decimals:.{decimals}f}"
    if len(text) > 8 or (decimals == 0 and "." in text):
        return
    text = (" " * pad + text)[-8:] if len(text) + pad <= 8 else text
    values, ok = _decimal_words(np.array([_word(text)]), decimals)
    assert ok[0], text
    assert values[0] == float(text) and np.signbit(values[0]) == np.signbit(float(text))


def test_word_parser_examples() -> None:
    texts = ["   21.29", "  -21.29", "   -0.00", "00012.50", "    1.5 ", "  12.345", "   1e+02", "   +1.00", "  --1.00",
             "   -.50", "        ", "   - 1.0"]  # fmt: skip
    values, ok = _decimal_words(np.array([_word(t) for t in texts]), 2)
    assert ok.tolist() == [True, True, True, True, False, False, False, False, False, False, False, False]
    assert values[:4].tolist() == [21.29, -21.29, -0.0, 12.5]
    assert np.signbit(values[2])
    with pytest.raises(ValueError, match="decimals"):
        _decimal_words(np.array([_word("1.0")]), 7)


def test_byte_masks_keep_the_field_bytes_only() -> None:
    widths = np.array([1, 5, 8, 9, 12, 16, 20])
    for skip in (0, 8):
        keep, fill = _byte_masks(widths, skip)
        for w, k, f in zip(widths.tolist(), keep.tolist(), fill.tolist()):
            inside = min(max(w - skip, 0), 8)
            expected = bytes([0] * (8 - inside) + [0xFF] * inside)
            assert k.to_bytes(8, "little") == expected
            assert f == (~k & 0x2020202020202020) & (2**64 - 1)


# --- string columns without a take --------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), max_size=8), st.integers(1, 40))
def test_each_repeated_equals_the_flat_list(values: list[str], repeat: int) -> None:
    got = _each_repeated(values, repeat)
    got.validate(full=True)
    assert got.to_pylist() == [v for v in values for _ in range(repeat)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Resource Node", "Trading Hub", "Load Zone", "Hub Average"]), max_size=30),
       st.integers(1, 3000))  # fmt: skip
def test_runs_of_strings_equals_the_flat_list(values: list[str], repeat: int) -> None:
    got = _runs_of_strings(values, repeat)
    assert got.type == pa.large_string()
    assert got.to_pylist() == [v for v in values for _ in range(repeat)]


# --- the first block ----------------------------------------------------------------------------


def _reference_block_len(data: bytes, start: int) -> int | None:
    """The first block's length by walking the lines (the former loop)."""
    prefix = data[start : start + 22]
    pos = start
    while True:
        pos = data.find(b"\n", pos) + 1
        if pos == 0:
            return None
        if data[pos : pos + 22] != prefix:
            return pos - start


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 30)), min_size=1, max_size=40), st.booleans())
def test_first_block_len_matches_the_line_walk(lines: list[tuple[int, int]], final_newline: bool) -> None:
    heads = [f"04/15/2026 00:0{k}:11,N," for k in range(4)]
    body = "\n".join(heads[h] + "X" * n for h, n in lines) + ("\n" if final_newline else "")
    data = b"HEADER\n" + body.encode()
    expected = _reference_block_len(data, 7)
    got = _first_block_len(data, 7)
    if expected is None:
        assert got is None
    elif expected != len(data) - 7 or final_newline:
        assert got == expected


def test_first_block_len_beyond_the_first_window() -> None:
    line = b"04/15/2026 00:00:11,N,NAME,       1.00\n"
    block = line * 5000  # ~190 kB: more than the first 64 kB window
    data = b"H\n" + block + line.replace(b"00:00:11", b"00:05:11")
    assert _first_block_len(data, 2) == len(block)


# --- whole files --------------------------------------------------------------------------------


def _careful(path: Path) -> pd.DataFrame:
    raw = P.read_raw(path)
    return P.deduplicate(P.normalize(raw.spec, raw.frame))


def _day_csv(folder: Path, n_nodes: int = 4, day: dt.date = dt.date(2026, 4, 15)) -> Path:
    files = write_synthetic_day(day, folder / "raw", default_catalogue(n_nodes), seed=5, reports=["NP6-788-CD"])
    parts = []
    for i, path in enumerate(sorted(files)):
        with zipfile.ZipFile(path) as zf:
            data = zf.read(zf.namelist()[0])
        parts.append(data if i == 0 else data.split(b"\n", 1)[1])
    out = folder / "np6-788-cd-day.csv"
    out.write_bytes(b"".join(parts))
    return out


def _blocks_of(path: Path) -> tuple[str, list[list[str]]]:
    header, *rows = path.read_text().splitlines()
    runs: dict[str, list[str]] = {}
    for row in rows:
        runs.setdefault(row[:21], []).append(row)
    return header, list(runs.values())


def _write(path: Path, header: str, blocks: list[list[str]]) -> Path:
    path.write_text("\n".join([header, *(row for block in blocks for row in block)]) + "\n")
    return path


def _assert_blocks_equal_careful(path: Path) -> pd.DataFrame:
    data = _payload(path)
    spec, start = _csv_start(data, path.name)
    careful = _careful(path)
    fast = _sced_blocks(spec, data, start)
    assert fast is not None, "the byte-grid reader should accept this file"
    pd.testing.assert_frame_equal(fast, careful, check_exact=True)
    assert np.array_equal(np.signbit(fast["price"].to_numpy()), np.signbit(careful["price"].to_numpy()))
    pd.testing.assert_frame_equal(parse_file(path), careful, check_exact=True)  # the memory-mapped entry point
    return careful


def test_runs_out_of_time_order_and_names_out_of_order(tmp_path: Path) -> None:
    header, blocks = _blocks_of(_day_csv(tmp_path))
    order = np.random.default_rng(1).permutation(len(blocks[0]))
    blocks = [[block[i] for i in order] for block in blocks[::-1]]
    _assert_blocks_equal_careful(_write(tmp_path / "shuffled.csv", header, blocks))


@pytest.mark.parametrize(
    "spelling",
    [
        # Now and then (fewer than 1 in 64: those prices alone are cast) another number of decimals, an
        # exponent, a sign beyond the last 8 bytes:
        lambda i, v: f"{v:12.2f}" if (i + 1) % 101 else f"{v:12.3f}",
        lambda i, v: f"{v:12.2f}" if (i + 1) % 101 else f"{v:12.2e}",
        lambda i, v: f"{v:12.2f}" if i % 101 else f"{v:12.2e}",  # the very first price too
        lambda i, v: f"{v:12.2f}" if i % 101 else f"{-99999.99 - i:12.2f}",
        lambda i, v: f"{v:12.3f}",  # a whole file with three decimals
        lambda i, v: f"{v:20.2f}",  # wider than two words: every price is cast
        lambda i, v: f"{v:7.2f}",  # narrower than a word
        lambda i, v: f"{round(v):12d}",  # no decimals
        lambda i, v: f"{v:12.1f}" if i % 2 else f"{v:12.2f}",  # mixed: the cast takes over for every price
    ],
)
def test_price_spellings_equal_careful(tmp_path: Path, spelling) -> None:
    header, blocks = _blocks_of(_day_csv(tmp_path, n_nodes=3))
    rng = np.random.default_rng(2)
    edited = []
    for r, block in enumerate(blocks):
        rows = []
        for j, row in enumerate(block):
            head = row.rsplit(",", 1)[0]
            rows.append(f"{head},{spelling(r * len(block) + j, float(rng.normal(30, 40)))}")
        edited.append(rows)
    _assert_blocks_equal_careful(_write(tmp_path / "spelled.csv", header, edited))


@pytest.mark.parametrize("bad", ["    12.3x", "      inf", "      nan", "   1,2.00"])
def test_unparseable_price_leaves_the_file_to_the_careful_path(tmp_path: Path, bad: str) -> None:
    header, blocks = _blocks_of(_day_csv(tmp_path, n_nodes=3))
    k = len(blocks) // 2
    head, price = blocks[k][1].rsplit(",", 1)
    blocks[k][1] = f"{head},{bad.rjust(len(price))}"
    path = _write(tmp_path / "bad.csv", header, blocks)
    data = _payload(path)
    spec, start = _csv_start(data, path.name)
    assert _sced_blocks(spec, data, start) is None
    with pytest.raises(ReportFormatError) as err:
        parse_file(path)
    assert err.value.row == 1 + sum(len(b) for b in blocks[:k]) + 1


def test_quote_or_carriage_return_in_a_head_defers(tmp_path: Path) -> None:
    header, blocks = _blocks_of(_day_csv(tmp_path, n_nodes=3))
    for odd in ('"', "\r"):
        edited = [list(b) for b in blocks]
        edited[3] = [row[:18] + odd + row[19:] for row in edited[3]]  # the last digit of the seconds
        path = tmp_path / "odd.csv"
        path.write_bytes(("\n".join([header, *(r for b in edited for r in b)]) + "\n").encode())
        data = _payload(path)
        spec, start = _csv_start(data, path.name)
        assert _sced_blocks(spec, data, start) is None


def test_lower_case_flags_equal_careful(tmp_path: Path) -> None:
    header, blocks = _blocks_of(_day_csv(tmp_path, n_nodes=3))
    blocks = [[row.replace(",N,", ",n,", 1) for row in block] for block in blocks]
    _assert_blocks_equal_careful(_write(tmp_path / "lower.csv", header, blocks))


def test_single_run_file_equals_careful(fixtures_dir: Path) -> None:
    _assert_blocks_equal_careful(fixtures_dir / "np6-788-cd.csv")


def test_empty_and_header_only_files(tmp_path: Path, fixtures_dir: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ReportFormatError, match="empty"):
        parse_file(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text((fixtures_dir / "np6-788-cd.csv").read_text().splitlines()[0] + "\n")
    assert parse_file(header_only).empty


def test_timestamp_beyond_nanosecond_range_defers(tmp_path: Path) -> None:
    header, blocks = _blocks_of(_day_csv(tmp_path, n_nodes=3))
    blocks[5] = [row[:6] + "2426" + row[10:] for row in blocks[5]]  # the year of one SCED run
    path = _write(tmp_path / "far.csv", header, blocks)
    data = _payload(path)
    spec, start = _csv_start(data, path.name)
    assert _sced_blocks(spec, data, start) is None
