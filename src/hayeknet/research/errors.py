"""The research package's error: an input of the research stage is missing a location, column or field.

The research thresholds are :class:`hayeknet.params.ResearchParams` (the
``research`` section of ``params.yaml``).
"""

from __future__ import annotations


class ResearchInputError(ValueError):
    """An input of the research stage is missing a location, column or field."""
