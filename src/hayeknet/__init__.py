"""HayekNet: open research platform for battery energy storage trading in ERCOT.

Data flows raw file -> archive -> state -> beliefs -> decisions -> ledger ->
evidence -> report; each subpackage owns one step and one data contract
(see ``docs/decisions/0001-data-contracts.md``).
"""

__version__ = "0.1.0"
