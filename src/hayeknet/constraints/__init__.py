"""Grid graph, battery rule checks and the projection of infeasible actions.

``grid`` (settlement points -> load zones -> hubs, corridors with MW limits,
DC flows and network distances for EnKF localization), ``rules`` (boolean
checks of actions, schedules and ledgers returning named violations),
``projection`` (nearest feasible action), ``backend`` (``julia/constraints.jl``).
"""

from hayeknet.constraints.errors import ConstraintInputError, GridModelError, ProjectionError
from hayeknet.constraints.grid import GridGraph, build_grid
from hayeknet.constraints.projection import net_power_interval_mw, project_action, project_net_power
from hayeknet.constraints.rules import BatteryAction, Violation, check_action, check_ledger, check_schedule

__all__ = [
    "BatteryAction",
    "ConstraintInputError",
    "GridGraph",
    "GridModelError",
    "ProjectionError",
    "Violation",
    "build_grid",
    "check_action",
    "check_ledger",
    "check_schedule",
    "net_power_interval_mw",
    "project_action",
    "project_net_power",
]
