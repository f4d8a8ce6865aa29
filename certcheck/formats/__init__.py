"""certcheck.formats."""
