"""Sub-commands of ``crm-research``; one module per command, each with ``register(subparsers)``."""
