"""Exception families of the trading agent."""

from __future__ import annotations


class AgentError(Exception):
    """Base class of the agent's errors."""


class PriceDataError(AgentError, ValueError):
    """Price data given to the agent is unusable (empty, not 1-D, NaN or infinite)."""


class CheckpointError(AgentError):
    """A checkpoint or its registry is missing, unreadable or incompatible with the environment."""
