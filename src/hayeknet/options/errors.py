"""Exceptions of the options package, one per failure family."""

from __future__ import annotations


class OptionInputError(ValueError):
    """An option-pricing input is invalid (negative volatility, non-positive maturity, bad shapes)."""


class PriceFitError(ValueError):
    """Archive prices cannot be fitted (too few hours, non-stationary AR(1), wrong table layout)."""
