"""Battery physics, ledgers, the perfect-foresight bound and strategies (DESIGN section 5).

Modules: ``spec`` (the battery), ``ledger`` (schedule -> ADR 0001 ledger, action
projection, summaries), ``optimize`` (perfect-foresight energy LP/MILP),
``cooptimize`` (energy + ancillary services with NPRR1282 duration rules),
``strategies`` (heuristics, the PF strategy, capture ratio), ``mpc`` (rolling-horizon
MPC on naive, day-ahead or external forecasts), ``market_designs`` (SCED today versus
RTC+B), ``risk`` (VaR/CVaR, Sharpe, drawdown, rainflow cycles), ``backtest`` (a named
strategy over archived days), ``benchmarks`` (``make bench``), ``errors``.
"""
