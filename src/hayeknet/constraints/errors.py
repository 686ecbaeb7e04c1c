"""Exceptions of the constraints package, one per failure family."""

from __future__ import annotations


class GridModelError(ValueError):
    """The grid graph cannot place a settlement point or is inconsistent (unknown node, cycle, bad limit)."""


class ConstraintInputError(ValueError):
    """A rule check or projection received malformed inputs (lengths, NaN, unknown AS product)."""


class ProjectionError(ValueError):
    """No feasible action exists (e.g. the SOC is already outside its window)."""
