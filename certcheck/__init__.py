"""certcheck: audit the Network Operator certificates placed on GB smart meters."""

__version__ = "0.1.0"
SCHEMA_VERSION = "1"
