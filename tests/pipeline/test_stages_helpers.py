"""Small pure helpers of the stage glue."""

from __future__ import annotations

from hayeknet.reporting.notebook import escape_dollars


def test_escape_dollars_protects_prices_from_latex() -> None:
    assert escape_dollars("profit $8,678; agent $-4,566") == r"profit \$8,678; agent \$-4,566"
    assert escape_dollars(r"already \$ escaped") == r"already \$ escaped"
    assert escape_dollars("| 21.77 | $/MWh |") == r"| 21.77 | \$/MWh |"
