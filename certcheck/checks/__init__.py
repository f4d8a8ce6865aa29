"""certcheck.checks: the check registry and one module per family of checks."""

# The families of checks, in listing order: what ``--select``/``--ignore`` accept besides codes.
FAMILIES = ("network", "cells", "pairing", "profile", "chain", "signature", "mapping", "input")
