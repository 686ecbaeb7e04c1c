"""Closed-form option prices that validate the Monte Carlo engine.

* :func:`black76_call` / :func:`black76_put`: Black (1976) on a forward ``F``
  with total volatility ``sigma * sqrt(T)``, discounted at ``r``.
* :func:`margrabe_exchange`: Margrabe (1978) option to exchange asset 2 for
  asset 1 (payoff ``max(S1 - S2, 0)``) with continuous dividend yields
  ``q1, q2`` (Haug, *The Complete Guide to Option Pricing Formulas*, 2007,
  sec. 5.1: the rate ``r`` cancels out).
* :func:`log_ou_moments`: exact transition of the log Ornstein-Uhlenbeck price
  ``d ln S = kappa (mu - ln S) dt + sigma dW``: ``ln S_T`` is normal with mean
  ``mu + (ln S_0 - mu) exp(-kappa T)`` and variance
  ``sigma^2 (1 - exp(-2 kappa T)) / (2 kappa)``.
* :func:`log_ou_call`: a European call on that price, Black-76 on the exact
  transition (forward ``E[S_T] = exp(mean + var / 2)``, total variance ``var``).

Time is in years (``T``, ``kappa`` per year, ``sigma`` per square-root year),
rates are continuously compounded per year; prices in any currency unit
($/MWh for power), option values in the same unit.
"""

from __future__ import annotations

import math

from hayeknet.options.errors import OptionInputError


def normal_cdf(x: float) -> float:
    """Standard normal cumulative distribution function."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not (math.isfinite(value) and value > 0):
            raise OptionInputError(f"{name} must be finite and > 0, got {value!r}")


def black76_call(forward: float, strike: float, maturity_years: float, volatility: float, rate: float = 0.0) -> float:
    """Black-76 call ``exp(-rT) (F N(d1) - K N(d2))``; ``volatility`` per sqrt(year)."""
    _check_positive(forward=forward, strike=strike, maturity_years=maturity_years)
    if not (math.isfinite(volatility) and volatility >= 0):
        raise OptionInputError(f"volatility must be finite and >= 0, got {volatility!r}")
    discount = math.exp(-rate * maturity_years)
    total = volatility * math.sqrt(maturity_years)
    if total == 0.0:
        return discount * max(forward - strike, 0.0)
    d1 = (math.log(forward / strike) + 0.5 * total**2) / total
    return discount * (forward * normal_cdf(d1) - strike * normal_cdf(d1 - total))


def black76_put(forward: float, strike: float, maturity_years: float, volatility: float, rate: float = 0.0) -> float:
    """Black-76 put by put-call parity: ``call - exp(-rT) (F - K)``."""
    call = black76_call(forward, strike, maturity_years, volatility, rate)
    return call - math.exp(-rate * maturity_years) * (forward - strike)


def exchange_volatility(vol1: float, vol2: float, correlation: float) -> float:
    """Volatility of ``S1 / S2``: ``sqrt(vol1^2 + vol2^2 - 2 rho vol1 vol2)``."""
    if not -1.0 <= correlation <= 1.0:
        raise OptionInputError(f"correlation must lie in [-1, 1], got {correlation!r}")
    return math.sqrt(max(vol1**2 + vol2**2 - 2.0 * correlation * vol1 * vol2, 0.0))


def margrabe_exchange(
    spot1: float,
    spot2: float,
    maturity_years: float,
    vol1: float,
    vol2: float,
    correlation: float,
    yield1: float = 0.0,
    yield2: float = 0.0,
) -> float:
    """Margrabe exchange option ``max(S1_T - S2_T, 0)`` with dividend yields ``q1, q2`` (per year).

    ``S1 e^{-q1 T} N(d1) - S2 e^{-q2 T} N(d2)`` with
    ``d1 = (ln(S1/S2) + (q2 - q1 + sigma^2/2) T) / (sigma sqrt(T))`` and ``sigma``
    from :func:`exchange_volatility`. Haug's test case (S1 22, S2 20, q1 0.06,
    q2 0.04, T 0.1, vols 0.20/0.15, rho -0.5) gives 2.1251.
    """
    _check_positive(spot1=spot1, spot2=spot2, maturity_years=maturity_years)
    sigma = exchange_volatility(vol1, vol2, correlation)
    f1 = spot1 * math.exp(-yield1 * maturity_years)
    f2 = spot2 * math.exp(-yield2 * maturity_years)
    total = sigma * math.sqrt(maturity_years)
    if total == 0.0:
        return max(f1 - f2, 0.0)
    d1 = (math.log(f1 / f2) + 0.5 * total**2) / total
    return f1 * normal_cdf(d1) - f2 * normal_cdf(d1 - total)


def log_ou_moments(
    log_spot: float, kappa: float, mean_log: float, sigma: float, horizon_years: float
) -> tuple[float, float]:
    """Mean and variance of ``ln S_T`` given ``ln S_0 = log_spot`` under the log-OU model.

    ``kappa`` (per year) > 0 is the mean-reversion speed, ``mean_log`` the
    long-run mean of ``ln S``, ``sigma`` the volatility of ``ln S`` per sqrt(year).
    """
    _check_positive(kappa=kappa)
    if not horizon_years >= 0:
        raise OptionInputError(f"horizon_years must be >= 0, got {horizon_years!r}")
    decay = math.exp(-kappa * horizon_years)
    mean = mean_log + (log_spot - mean_log) * decay
    variance = sigma**2 * -math.expm1(-2.0 * kappa * horizon_years) / (2.0 * kappa)
    return mean, variance


def log_ou_call(
    spot: float,
    strike: float,
    maturity_years: float,
    kappa: float,
    mean_log: float,
    sigma: float,
    rate: float = 0.0,
) -> float:
    """European call on a log-OU price: Black-76 on the exact transition of ``ln S``.

    The published case (kappa 3, sigma 1, S0 40, mean_log ln 40, T 0.5, K 45,
    r 0) gives 6.1434.
    """
    _check_positive(spot=spot)
    mean, variance = log_ou_moments(math.log(spot), kappa, mean_log, sigma, maturity_years)
    forward = math.exp(mean + 0.5 * variance)
    return black76_call(forward, strike, maturity_years, math.sqrt(variance / maturity_years), rate)
