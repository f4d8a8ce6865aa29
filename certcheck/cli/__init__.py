"""certcheck.cli."""
