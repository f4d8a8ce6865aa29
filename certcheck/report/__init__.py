"""certcheck.report."""
