"""Gymnasium view of one QSE agent (:class:`SingleAgentView`), the other two driven by fixed policies.

Each agent thus has its own stable-baselines3 learner (iterated best response,
:mod:`hayeknet.agents.multi_training`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.qse.config import AGENTS
from hayeknet.agents.qse.env import ParallelQSEEnv, default_action

#: A policy maps an agent's observation to a discrete action (int, or an array for MultiDiscrete).
Policy = Callable[[np.ndarray], Any]


class SingleAgentView(gym.Env[np.ndarray, Any]):
    """Gymnasium view of one agent of a :class:`ParallelQSEEnv`, the others following fixed policies.

    ``other_policies`` maps each other agent to a :data:`Policy` (or ``None``
    for :func:`default_action`); missing agents also get the default. The
    view's reward, observation and info are the agent's own. ``seed`` seeds
    the first :meth:`reset` that passes none (day sampling). With
    ``compact_info`` the per-step info holds only ``day_label`` (and
    ``episode_profit_usd`` at the end of the day), which keeps vectorized
    training fast (``DummyVecEnv`` deep-copies every info).

    The view plays only the days its agent runs on (:attr:`QSEDay.agents`:
    a renewable is off on a day without its profile); :attr:`day_indices`
    lists them, and :meth:`reset` refuses when there are none. The other
    agents act only on the days they run.
    """

    metadata = {"render_modes": []}  # noqa: RUF012  # overrides gym.Env.metadata, not a ClassVar there

    def __init__(
        self,
        env: ParallelQSEEnv,
        agent: str,
        other_policies: Mapping[str, Policy | None] | None = None,
        seed: int | None = None,
        compact_info: bool = False,
    ) -> None:
        super().__init__()
        if agent not in AGENTS:
            raise ValueError(f"unknown agent {agent!r}; agents are {AGENTS}")
        self.env = env
        self.agent = agent
        others = dict(other_policies or {})
        self._others = {a: others.get(a) for a in AGENTS if a != agent}
        self._defaults = {a: default_action(env, a) for a in self._others}
        self.observation_space = env.observation_space(agent)
        self.action_space = env.action_space(agent)
        self._seed = seed
        self.day_indices = [i for i, d in enumerate(env.days) if agent in d.agents]
        self.compact_info = compact_info
        self._obs: dict[str, np.ndarray] = {}

    def set_other_policies(self, other_policies: Mapping[str, Policy | None]) -> None:
        """Replace the fixed policies of the other agents (iterated best response)."""
        for a in self._others:
            self._others[a] = other_policies.get(a)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is None and self._seed is not None:
            seed, self._seed = self._seed, None
        super().reset(seed=seed)
        if not self.day_indices:
            raise PriceDataError(f"SingleAgentView({self.agent!r}): the {self.agent} QSE runs on none of the days")
        if not (options and "day_index" in options):
            # the day is drawn from this view's generator (seeded through gymnasium / SB3), among the agent's days
            k = int(self.np_random.integers(len(self.day_indices)))
            options = {**(options or {}), "day_index": self.day_indices[k]}
        elif int(options["day_index"]) not in self.day_indices:
            raise PriceDataError(
                f"SingleAgentView({self.agent!r}): the {self.agent} QSE is off on day {options['day_index']}"
            )
        self._obs, infos = self.env.reset(options=options)
        return self._obs[self.agent], infos[self.agent]

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        actions = {self.agent: action}
        for a, policy in self._others.items():
            if a in self.env.agents:
                actions[a] = self._defaults[a] if policy is None else policy(self._obs[a])
        self._obs, rewards, terms, truncs, infos = self.env.step(actions)
        me = self.agent
        info = infos[me]
        if self.compact_info:
            info = {k: info[k] for k in ("day_label", "episode_profit_usd") if k in info}
        return self._obs[me], float(rewards[me]), bool(terms[me]), bool(truncs[me]), info
