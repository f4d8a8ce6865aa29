"""certcheck.checks."""
