"""certcheck.output."""
