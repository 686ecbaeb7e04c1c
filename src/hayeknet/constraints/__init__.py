"""Grid graph, battery rule checks and the projection of infeasible actions.

``grid`` (settlement points -> load zones -> hubs, corridors with MW limits,
DC flows and network distances for EnKF localization), ``rules`` (boolean
checks of actions, schedules and ledgers returning named violations),
``projection`` (nearest feasible action), ``backend`` (``julia/constraints.jl``),
``mapped_network`` (the network of real settlement points from ERCOT's
settlement point / electrical bus mapping NP4-160-SG, and :func:`network_for`:
which network applies to an archive's locations; ADR 0013).
"""

from hayeknet.constraints.errors import ConstraintInputError, GridModelError, ProjectionError
from hayeknet.constraints.grid import GridGraph, build_grid
from hayeknet.constraints.mapped_network import MappedNetwork, NetworkModel, SyntheticNetwork, network_for
from hayeknet.constraints.projection import net_power_interval_mw, project_action, project_net_power
from hayeknet.constraints.rules import BatteryAction, Violation, check_action, check_ledger, check_schedule

__all__ = [
    "BatteryAction",
    "ConstraintInputError",
    "GridGraph",
    "GridModelError",
    "MappedNetwork",
    "NetworkModel",
    "ProjectionError",
    "SyntheticNetwork",
    "Violation",
    "build_grid",
    "check_action",
    "check_ledger",
    "check_schedule",
    "net_power_interval_mw",
    "network_for",
    "project_action",
    "project_net_power",
]
