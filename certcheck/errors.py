"""The errors the command line reports as usage errors (exit 2), defined apart from the modules
that raise them so that ``certcheck.cli.app`` can catch them without importing those."""


class RegistryError(ValueError):
    """A malformed operators.csv or meters.csv: the message names file, line and column.

    The command line reports it as a usage error (exit 2).
    """


class OutputError(Exception):
    """An output that cannot be written: the message names it and says why (exit 2)."""
