"""Research stage: day metrics, insights, questions with confidence, and the journal.

Modules:

* :mod:`~hayeknet.research.settings` - thresholds from the ``research`` params section;
* :mod:`~hayeknet.research.prices` - small transformations of the wide price matrix;
* :mod:`~hayeknet.research.metrics` - named day metrics with units;
* :mod:`~hayeknet.research.insights` - spikes, negative-price episodes, EnKF outliers, regime;
* :mod:`~hayeknet.research.resampling` - block bootstrap and exact rank test;
* :mod:`~hayeknet.research.questions` - the question registry and its answers;
* :mod:`~hayeknet.research.journal` - ``build_results``, ``render_journal``,
  ``write_day_outputs``, researcher-notes template.
"""
