"""Power of the study's hypothesis tests: the days needed, and what the days at hand can detect.

Every hypothesis names a *smallest effect of interest* (an effect smaller than
it would not change how the battery is traded) and reports, by a normal
approximation of its test statistic:

* ``n_needed`` - the days needed for ``target_power`` (0.8) at ``alpha`` to
  detect that effect;
* ``power_at_n`` - the chance the test at the current ``n`` detects it;
* ``minimum_detectable_effect`` - the effect the current ``n`` detects with
  ``target_power``.

Two shapes of test are covered:

* :func:`spearman_power` - a two-sided test of a Spearman rank correlation,
  through Fisher's z with the Spearman variance ``1.06 / (n - 3)`` (Fieller,
  Hartley and Pearson 1957);
* :func:`estimator_power` - a one-sided test of an estimate whose standard
  error shrinks as ``1 / sqrt(n)`` (a mean of daily values, a bootstrap
  estimate); its standard error at the current ``n`` is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

ALPHA = 0.05
TARGET_POWER = 0.8
SPEARMAN_VARIANCE_FACTOR = 1.06
"""Var(atanh(r_s)) ~ 1.06 / (n - 3) for Spearman's r_s (Fieller, Hartley and Pearson 1957)."""

_Z = NormalDist()


def _z(p: float) -> float:
    return _Z.inv_cdf(p)


@dataclass(frozen=True)
class PowerAnalysis:
    """Power of one test at the study's current ``n`` (module docstring); numbers None when undefined."""

    method: str
    alpha: float
    target_power: float
    smallest_effect_of_interest: float
    effect_unit: str
    n: int
    n_needed: int | None
    power_at_n: float | None
    minimum_detectable_effect: float | None

    @property
    def adequate(self) -> bool:
        """Whether the current ``n`` reaches ``n_needed``."""
        return self.n_needed is not None and self.n >= self.n_needed

    def sentence(self) -> str:
        """The power in words, for a hypothesis summary."""
        unit = "" if self.effect_unit in ("", "1") else f" {self.effect_unit}"
        soi = f"{self.smallest_effect_of_interest:g}{unit}"
        mde = "n/a" if self.minimum_detectable_effect is None else f"{self.minimum_detectable_effect:.3g}{unit}"
        power = "n/a" if self.power_at_n is None else f"{self.power_at_n:.2f}"
        if self.n_needed is None:
            return f" Power: not computable from {self.n} day(s) (the smallest effect of interest is {soi})."
        needed = "more than 10,000" if self.n_needed > 10_000 else str(self.n_needed)
        if self.adequate:
            return (
                f" Power: {self.n} days reach the {needed} needed to detect an effect of {soi} with power"
                f" {self.target_power:g} (power {power}; smallest detectable effect {mde})."
            )
        return (
            f" Power: {self.n} day(s); {needed} are needed to detect an effect of {soi} with power"
            f" {self.target_power:g}. At this n the power for {soi} is {power} and the smallest detectable"
            f" effect is {mde}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "alpha": self.alpha,
            "target_power": self.target_power,
            "smallest_effect_of_interest": self.smallest_effect_of_interest,
            "effect_unit": self.effect_unit,
            "n": int(self.n),
            "n_needed": self.n_needed,
            "power_at_n": self.power_at_n,
            "minimum_detectable_effect": self.minimum_detectable_effect,
            "adequate": self.adequate,
        }


def spearman_power(
    n: int, smallest_rho: float, *, alpha: float = ALPHA, target_power: float = TARGET_POWER
) -> PowerAnalysis:
    """Power of the two-sided test of Spearman's rho = 0 against ``|rho| = smallest_rho`` with ``n`` days."""
    if not 0 < smallest_rho < 1:
        raise ValueError(f"smallest_rho must be in (0, 1), got {smallest_rho}")
    za, zb = _z(1 - alpha / 2), _z(target_power)
    needed = math.ceil(3 + SPEARMAN_VARIANCE_FACTOR * ((za + zb) / math.atanh(smallest_rho)) ** 2)
    power = mde = None
    if n > 3:
        se = math.sqrt(SPEARMAN_VARIANCE_FACTOR / (n - 3))
        power = _Z.cdf(math.atanh(smallest_rho) / se - za)
        mde = math.tanh((za + zb) * se)
    return PowerAnalysis(
        method="Fisher z of Spearman's rho, Var = 1.06 / (n - 3), two-sided",
        alpha=alpha,
        target_power=target_power,
        smallest_effect_of_interest=smallest_rho,
        effect_unit="1",
        n=n,
        n_needed=needed,
        power_at_n=power,
        minimum_detectable_effect=mde,
    )


def estimator_power(
    n: int,
    standard_error: float | None,
    smallest_effect: float,
    *,
    effect_unit: str,
    method: str,
    alpha: float = ALPHA,
    target_power: float = TARGET_POWER,
) -> PowerAnalysis:
    """Power of a one-sided test of an estimate with ``standard_error`` at ``n`` days (SE ~ 1/sqrt(n)).

    ``standard_error`` None or not positive (too few days to estimate it): only
    the smallest effect of interest is reported.
    """
    if smallest_effect <= 0:
        raise ValueError(f"smallest_effect must be > 0, got {smallest_effect}")
    za, zb = _z(1 - alpha), _z(target_power)
    needed = power = mde = None
    if standard_error is not None and math.isfinite(standard_error) and standard_error > 0 and n >= 2:
        mde = (za + zb) * standard_error
        power = _Z.cdf(smallest_effect / standard_error - za)
        needed = max(2, math.ceil(n * (mde / smallest_effect) ** 2))
    return PowerAnalysis(
        method=method,
        alpha=alpha,
        target_power=target_power,
        smallest_effect_of_interest=smallest_effect,
        effect_unit=effect_unit,
        n=n,
        n_needed=needed,
        power_at_n=power,
        minimum_detectable_effect=mde,
    )
