"""Reporting: figures of a day (:mod:`~hayeknet.reporting.plots`) in one colour-blind-safe style."""
