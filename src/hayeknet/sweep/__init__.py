"""Siting sweep: every settlement point x day x strategy of the archive, fanned out on Dask (ADR 0019).

Where should a 100 MW / 400 MWh battery sit, and what would it have earned
there? The sweep runs the perfect-foresight bound and causal strategies of
:mod:`hayeknet.battery.lineup` at every settlement point of every archived day
and writes one Parquet partition per day (:mod:`hayeknet.sweep.results`).

* :mod:`hayeknet.sweep.plan`: what is computed (:class:`~hayeknet.sweep.plan.SweepConfig`),
  the code version and the fingerprint that lets a re-run skip finished days;
* :mod:`hayeknet.sweep.tasks`: one task, a share of one day's points (runs on a worker);
* :mod:`hayeknet.sweep.runner`: scheduling (serial, a LocalCluster, or a running
  ``dask scheduler``), retries, writing, the run's report;
* :mod:`hayeknet.sweep.results`: the partitions, their metadata, reading them back;
* :mod:`hayeknet.sweep.siting`: the per-node tables the study report shows;
* :mod:`hayeknet.sweep.workers`: the worker plugin bounding BLAS threads.

Importing this package imports neither Dask nor pandas; the modules do.
"""
