"""The reinforcement-learning trading agent (DESIGN section 3, "train").

- :mod:`hayeknet.agents.battery_env`: the gymnasium environment (one day per
  episode, discrete power levels projected onto the feasible set).
- :mod:`hayeknet.agents.features`: causal price features of the observation.
- :mod:`hayeknet.agents.training`: walk-forward incremental PPO
  (``init_model``, ``train_increment``), checkpoints and ``registry.json``.
- :mod:`hayeknet.agents.policy`: ``agent_schedule``, the trained agent's
  feasible charge/discharge schedule for one day.

Importing this package imports neither torch nor stable-baselines3 (the
training and policy modules do), so ``juliacall`` can still be imported first.
"""
