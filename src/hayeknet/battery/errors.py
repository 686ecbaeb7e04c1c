"""Exceptions of the battery package, one per failure family.

Messages name the interval (position and UTC start), the field and the bound
that was violated, so a failing ledger can be traced to one row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class BatterySpecError(ValueError):
    """A battery specification is physically impossible (names the ``battery.<field>`` key)."""


class ScheduleInputError(ValueError):
    """Inputs of a schedule are malformed: lengths differ, NaN, naive timestamps, dt <= 0."""


class InfeasibleScheduleError(ValueError):
    """A charge/discharge schedule violates the battery's physics.

    Attributes ``interval`` (0-based position), ``interval_start_utc`` and
    ``field`` (ledger column name) identify the first offending row.
    """

    def __init__(self, interval: int, interval_start_utc: pd.Timestamp | None, field: str, detail: str):
        self.interval = interval
        self.interval_start_utc = interval_start_utc
        self.field = field
        when = f" ({interval_start_utc.isoformat()})" if interval_start_utc is not None else ""
        super().__init__(f"interval {interval}{when}: {field} {detail}")


class LedgerFormatError(ValueError):
    """A ledger table does not follow ADR 0001 (missing column, broken cash identity)."""


class OptimizationError(RuntimeError):
    """HiGHS did not return an optimal solution for a dispatch problem."""
