"""Price assimilation: an ensemble Kalman filter over each day's 5-minute prices.

``enkf`` holds the analysis steps (NumPy reference backend), ``backend`` gives
NumPy or the Julia twin in ``julia/enkf.jl`` (chosen by :mod:`hayeknet.julia`),
``price_model`` runs the filter over one day of the wide price matrix and
returns the filtered-state table of ``docs/decisions/0001-data-contracts.md``.
Importing this package never imports juliacall.
"""

from hayeknet.assimilation.backend import kernel
from hayeknet.assimilation.enkf import EnKFInputError, analysis_etkf, analysis_stochastic
from hayeknet.assimilation.price_model import (
    AssimilationInputError,
    AssimilationResult,
    PriceModelSpec,
    assimilate_day,
    grid_zone_loadings,
    zone_loadings,
)

__all__ = [
    "AssimilationInputError",
    "AssimilationResult",
    "EnKFInputError",
    "PriceModelSpec",
    "analysis_etkf",
    "analysis_stochastic",
    "assimilate_day",
    "grid_zone_loadings",
    "kernel",
    "zone_loadings",
]
