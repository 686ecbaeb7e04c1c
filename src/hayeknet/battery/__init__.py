"""Battery physics, ledgers, the perfect-foresight bound and strategies (DESIGN section 5)."""
