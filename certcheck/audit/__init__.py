"""certcheck.audit."""
