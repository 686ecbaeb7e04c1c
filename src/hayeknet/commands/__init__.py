"""Sub-commands of the ``hayeknet`` CLI, one module per area; each has ``register(subparsers)``."""
