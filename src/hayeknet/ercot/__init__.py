"""ercot."""
