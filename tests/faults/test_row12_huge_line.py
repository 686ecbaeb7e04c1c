"""Row 12: a 200 MB one-line file given to `normalize`.

Before: 2 GB of memory and a 209 MB error message echoing the line. Now: the header line is looked for in the
first 64 KiB only, so the file is refused before it is read whole, in one short line (echoed input is cut to
~200 characters everywhere).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fault_helpers import assert_one_line, env

MEASURE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(proc.stderr)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_a_200_mb_line_is_refused_quickly_with_bounded_memory_and_a_short_message(tmp_path: Path) -> None:
    big = tmp_path / "one_line.csv"
    chunk = b"SCEDTimestamp,RepeatedHourFlag," * (1 << 15)
    with open(big, "wb") as fh:
        while fh.tell() < 200 * (1 << 20):
            fh.write(chunk)
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "hayeknet.cli", "normalize", str(big), "-o",
         str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        env=env(),
        timeout=300,
    )  # fmt: skip
    code, max_rss_kib = (int(x) for x in proc.stdout.split())
    assert code == 2
    line = assert_one_line(proc.stderr, "hayeknet normalize: error", "one_line.csv", "no line break")
    assert len(proc.stderr) < 400 and len(line) < 300
    assert max_rss_kib < 600 * 1024, f"{max_rss_kib / 1024:.0f} MiB"  # the import of pandas and pyarrow, not the file
    assert not (tmp_path / "out.csv").exists()


def test_echoed_values_are_cut_to_about_200_characters(tmp_path: Path) -> None:
    """A 1 MB price field in an otherwise normal file: the message names file, row and field, and shows only
    the start of the value."""
    import pytest

    from hayeknet.ercot.parse import parse_file
    from hayeknet.ercot.reports import ReportFormatError

    f = tmp_path / "sced.csv"
    f.write_text(
        "SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP\n10/01/2025 00:00:12,N,HB_WEST," + "9" * 10**6 + "x\n"
    )
    with pytest.raises(ReportFormatError) as info:
        parse_file(f)
    assert info.value.row == 1 and info.value.field == "LMP"
    assert len(str(info.value)) < 500 and "more characters" in str(info.value)
