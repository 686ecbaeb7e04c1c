"""julia/constraints.jl agrees with the NumPy/SciPy rules and projection (skipped without Julia)."""

from __future__ import annotations

import numpy as np
import pytest

from hayeknet.battery.spec import BatterySpec
from hayeknet.constraints.projection import PRODUCT_ORDER, project_action
from hayeknet.constraints.rules import BatteryAction, check_action
from hayeknet.julia import find_julia_executable

pytestmark = pytest.mark.skipif(
    find_julia_executable() is None,
    reason="no Julia executable (set PYTHON_JULIACALL_EXE or JULIA_EXE, or put julia on PATH); NumPy is the reference",
)
SPEC = BatterySpec()


def random_cases(n: int = 40):
    rng = np.random.default_rng(12)
    for _ in range(n):
        chosen = [k for k in PRODUCT_ORDER if rng.random() < 0.5]
        offers = {k: float(rng.uniform(-20, 150)) for k in chosen}
        soc, dt = float(rng.uniform(40, 360)), float(rng.choice([1 / 12, 0.25, 1.0]))
        yield BatteryAction(float(rng.uniform(-200, 200)), offers), soc, dt


def test_rules_agree() -> None:
    from hayeknet.constraints.backend import julia_check_action

    for action, soc, dt in random_cases():
        violations = check_action(action, soc, SPEC, dt, net_power_bounds_mw=(-80, 80))
        numpy_rules = sorted({(v.rule, v.field) for v in violations})
        julia_rules = sorted(set(julia_check_action(action, soc, SPEC, dt, net_power_bounds_mw=(-80, 80))))
        assert julia_rules == numpy_rules, (action, soc, dt)


def test_projection_agrees() -> None:
    from hayeknet.constraints.backend import julia_project_action

    for action, soc, dt in random_cases():
        a = project_action(action, soc, SPEC, dt, net_power_bounds_mw=(-80, 80))
        b = julia_project_action(action, soc, SPEC, dt, net_power_bounds_mw=(-80, 80))
        assert b.net_mw == pytest.approx(a.net_mw, abs=1e-5)
        for k in a.as_mw:
            assert b.as_mw[k] == pytest.approx(a.as_mw[k], abs=1e-5)
