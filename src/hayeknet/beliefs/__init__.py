"""Bayesian beliefs about next-day and next-hour market events, with a Dutch-book coherence check.

* :mod:`~hayeknet.beliefs.events` — the three events per 5-minute interval
  (high price, RT-DAM imbalance, node-hub congestion) from the normalized table;
* :mod:`~hayeknet.beliefs.model` — two-scale Student-t PyMC model of the
  RT-DAM spread and the node-hub basis (an hourly level around the DAM level,
  fast within-hour noise), compiled once and refitted daily by swapping ``pm.Data``;
* :mod:`~hayeknet.beliefs.coherence` — LP over the atoms of the stated events
  (8 with congestion, 4 without): coherence, Dutch book, nearest coherent beliefs;
* :mod:`~hayeknet.beliefs.cross_coherence` — the same check across separately
  estimated sources (model, history frequency, DAM, the research's Q&A), with
  the Dutch-book stake per unit when they disagree;
* :mod:`~hayeknet.beliefs.calibration` — Brier score, reliability table,
  walk-forward scoring of stated beliefs against their realised day;
* :mod:`~hayeknet.beliefs.next_day` — :func:`run_beliefs_day`: fit on recent days,
  state the next day's probabilities and predictive price path.

The beliefs stage (:mod:`hayeknet.pipeline.stages.beliefs`) reads the archive and
writes the files; its settings are :class:`hayeknet.params.BeliefsParams`.

PyMC is imported lazily (inside the model), so importing this package is cheap.
"""

from hayeknet.beliefs.coherence import CoherenceResult, DutchBook, check_coherence
from hayeknet.beliefs.events import EventThresholds
from hayeknet.beliefs.next_day import BeliefsResult, run_beliefs_day

__all__ = ["BeliefsResult", "CoherenceResult", "DutchBook", "EventThresholds", "check_coherence", "run_beliefs_day"]
