"""The reinforcement-learning trading agent (DESIGN section 3, "train").

- :mod:`hayeknet.agents.battery_env`: the gymnasium environment (one day per
  episode, an offer curve per interval cleared at the interval's price and
  projected onto the feasible set).
- :mod:`hayeknet.agents.offer_action`: the action, a monotone offer curve
  around the DAM price of the interval (else the last published price).
- :mod:`hayeknet.agents.features`: what the agent observes, all of it
  published before the interval it decides (ADR 0017).
- :mod:`hayeknet.agents.shaping`: potential-based reward shaping
  ``gamma * Phi(s') - Phi(s)``.
- :mod:`hayeknet.agents.training`: walk-forward incremental PPO
  (``init_model``, ``train_increment``), checkpoints and ``registry.json``.
- :mod:`hayeknet.agents.policy`: ``AgentOffers`` (the trained agent as a
  causal offer strategy) and ``agent_schedule``, its feasible charge/discharge
  schedule for one day.

Importing this package imports neither torch nor stable-baselines3 (the
training and policy modules do), so ``juliacall`` can still be imported first.
"""
