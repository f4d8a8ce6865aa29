"""certcheck.market."""
