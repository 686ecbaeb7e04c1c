"""Option pricing: closed forms, Monte Carlo on a mean-reverting jump-diffusion, the battery's strip value.

``closed_forms`` (Black-76, Margrabe, log-OU), ``montecarlo`` (exact-transition
jump OU, antithetic and control variates, standard errors), ``fit`` (the price
model from hourly archive prices), ``strip`` (the battery's daily value as a
strip of spread options), ``backend`` (NumPy or ``julia/options.jl``).
Importing this package never imports juliacall.
"""

from hayeknet.options.closed_forms import black76_call, log_ou_call, margrabe_exchange
from hayeknet.options.errors import OptionInputError, PriceFitError
from hayeknet.options.fit import FittedPriceModel, fit_jump_ou, hourly_prices
from hayeknet.options.montecarlo import JumpOUModel, MCEstimate, black76_call_mc, jump_ou_call_mc, margrabe_mc
from hayeknet.options.strip import StripValuation, battery_strip_value

__all__ = [
    "FittedPriceModel",
    "JumpOUModel",
    "MCEstimate",
    "OptionInputError",
    "PriceFitError",
    "StripValuation",
    "battery_strip_value",
    "black76_call",
    "black76_call_mc",
    "fit_jump_ou",
    "hourly_prices",
    "jump_ou_call_mc",
    "log_ou_call",
    "margrabe_exchange",
    "margrabe_mc",
]
