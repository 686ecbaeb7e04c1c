"""Research stage: day metrics, insights, questions with confidence, and the journal.

Modules:

* :mod:`~hayeknet.research.settings` - thresholds from the ``research`` params section;
* :mod:`~hayeknet.research.prices` - small transformations of the wide price matrix;
* :mod:`~hayeknet.research.metrics` - named day metrics with units;
* :mod:`~hayeknet.research.insights` - spikes, negative-price episodes, EnKF outliers, regime;
* :mod:`~hayeknet.research.resampling` - block bootstrap (within a day in hour blocks, over days in
  blocks of days), sign-flip test, exact rank test, conformal half-widths;
* :mod:`~hayeknet.research.claims` - how claims are made (probabilities, prediction intervals, the causal
  strategies they may be about) and the cross-source coherence check of the next day's beliefs;
* :mod:`~hayeknet.research.questions` - the question registry and its answers;
* :mod:`~hayeknet.research.scoring` - claims settled on later days: Brier score, interval coverage;
* :mod:`~hayeknet.research.hypotheses` and :mod:`~hayeknet.research.power` - H1-H3 over the study days
  with their power;
* :mod:`~hayeknet.research.journal` - ``build_results``, ``render_journal``,
  ``write_day_outputs``, researcher-notes template.
"""
