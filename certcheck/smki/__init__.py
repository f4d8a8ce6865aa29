"""certcheck.smki."""
