"""certcheck.store."""
