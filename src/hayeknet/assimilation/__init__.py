"""assimilation."""
